/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <stdarg.h>
#include <stdio.h>

#ifdef VDP_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "notify.h"

void
vdp_notify(const char *fmt, ...)
{
#ifdef VDP_HAVE_SYSTEMD
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sd_notify(0, msg);
#else
	RTE_SET_USED(fmt);
#endif
}
