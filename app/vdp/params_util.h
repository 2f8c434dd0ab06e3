/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_PARAMS_UTIL_H
#define VDP_PARAMS_UTIL_H

/**
 * @file
 * Helpers shared by the option parser and the config loader.
 */

#include "params.h"

/** Why a client-mode vhost-user port refuses sock-owner, sock-group and sock-mode. */
#define PARAMS_CLIENT_PERM "sock-owner, sock-group and sock-mode are for server mode " \
	"(a client-mode socket is its peer's)"

/** Format one error line into @p err; always returns -EINVAL. */
int params_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** 1 when @p name is a valid port name ([A-Za-z0-9_.-], 1..31 chars). */
int params_name_ok(const char *name);

/** Parse "A:B" into @p x; 0 or -EINVAL with @p err. */
int params_parse_pair(const char *arg, struct params_xconnect *x, char *err,
		      size_t errlen);

/** Append a vhost port, rejecting a duplicate name or socket path. */
int params_add_vhost(struct vdp_params *p, const struct port_vhost_conf *c,
		     char *err, size_t errlen);

#endif /* VDP_PARAMS_UTIL_H */
