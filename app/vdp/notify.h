/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_NOTIFY_H
#define VDP_NOTIFY_H

/**
 * @file
 * The service manager's view of vdp (systemd's Type=notify).
 */

#include <rte_common.h>

/**
 * Tell the service manager vdp's state, one sd_notify(3) message of
 * newline-separated assignments (READY=1, RELOADING=1, STOPPING=1,
 * STATUS=...). It does nothing when vdp was not started with
 * $NOTIFY_SOCKET (by systemd with Type=notify) or was built without
 * libsystemd (meson option systemd); a message that cannot be sent is not
 * an error.
 */
void vdp_notify(const char *fmt, ...) __rte_format_printf(1, 2);

#endif /* VDP_NOTIFY_H */
