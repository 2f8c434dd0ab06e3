/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_PARAMS_H
#define VDP_PARAMS_H

/**
 * @file
 * vdp's own options (after EAL's "--") and its INI config file. Both fill
 * one struct vdp_params; neither needs EAL, so both are unit-tested alone.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd.h"
#include "opts.h"
#include "port.h"
#include "vdp_sched.h"

#define PARAMS_ERR_LEN 256          /**< Room for one error line. */
#define PARAMS_MAX_XCONNECT VDP_MAX_PORTS /**< Explicit cross-connect entries. */
#define PARAMS_MAX_PINS 64          /**< Explicit rx queue placements. */
#define PARAMS_OPT_LEN 128          /**< Room for one option value as a config gives it. */

/** A cross-connect between two ports named by the user (name or id). */
struct params_xconnect {
	char a[PORT_NAME_LEN];   /**< First port. */
	char b[PORT_NAME_LEN];   /**< Second port. */
};

/** An rx queue placement from an [lcore N] section, by port name. */
struct params_pin {
	char port[PORT_NAME_LEN]; /**< Port name. */
	uint16_t q;               /**< Rx queue. */
	unsigned int lcore;       /**< EAL lcore id. */
};

/** A poll mode from an [lcore N] section. */
struct params_poll {
	unsigned int lcore;         /**< EAL lcore id. */
	enum sched_poll_mode mode;  /**< Its poll mode. */
};

/** Everything vdp was asked to do. */
struct vdp_params {
	char config[PATH_MAX];          /**< --config file, or "" . */
	char run_dir[PATH_MAX];         /**< Directory for relative socket paths in configs. */
	struct port_vhost_conf vhost[VDP_MAX_PORTS];   /**< vhost-user ports, in order. */
	uint16_t nb_vhost;              /**< Entries in vhost[]. */
	struct port_ethdev_conf ethdev[VDP_MAX_PORTS]; /**< Ethdev ports from the config. */
	uint16_t nb_ethdev;             /**< Entries in ethdev[]. */
	struct params_xconnect xconnect[PARAMS_MAX_XCONNECT]; /**< Explicit io map. */
	uint16_t nb_xconnect;           /**< Entries in xconnect[]. */
	struct params_pin pins[PARAMS_MAX_PINS]; /**< Explicit rx queue placements. */
	uint16_t nb_pins;               /**< Entries in pins[]. */
	struct params_poll polls[SCHED_MAX_WORKERS]; /**< Poll modes of [lcore N] sections. */
	uint16_t nb_polls;              /**< Entries in polls[]. */
	enum sched_poll_mode poll_mode; /**< --poll-mode: every worker's (then polls[] is
					 *   ignored); else the mode of workers polls[]
					 *   does not name. */
	bool poll_mode_set;             /**< --poll-mode was given. */
	struct opts_fwd opts;           /**< The options of the table in opts.h. */
	char opt_vals[OPTS_MAX][PARAMS_OPT_LEN]; /**< Each option's value as the config's
						  *   [fwd] section wrote it, by table index
						  *   (opts_index()); "": not in the file. */
	uint32_t l2_entries;            /**< l2 MAC table capacity. */
	uint32_t nb_mbufs;              /**< Mbufs in the pool; 0: computed. */
	unsigned int duration;          /**< Exit after this many seconds; 0: run until signalled. */
	bool interactive;               /**< -i: run the vdp> prompt. */
	char ctl_socket[108];           /**< --ctl-socket path; "": RUN_DIR/vdp.ctl. */
	struct port_sock_perm ctl_sock; /**< --ctl-sock-group, --ctl-sock-mode of the control
					 *   socket (without a mode: 0600). */
	struct port_sock_perm vhost_sock; /**< --sock-owner, --sock-group, --sock-mode: what
					   *   a server-mode vhost-user port does not set
					   *   itself; merged into vhost[] by params_parse(). */
	char cmdline_file[PATH_MAX];    /**< --cmdline-file; "": none. */
	bool help;                      /**< --help was given. */
	bool version;                   /**< --version was given. */
};

/** Fill @p p with the defaults (those of the option table, no ports). */
void params_defaults(struct vdp_params *p, const char *run_dir);

/**
 * Parse vdp's options: @p argv[0] is the program name, as getopt wants.
 * The --config file is loaded first (with --run-dir already applied), then
 * the other options, which override it whatever their order.
 * Returns 0, or -EINVAL with one line (no newline) in @p err.
 */
int params_parse(int argc, char **argv, struct vdp_params *p, char *err,
		 size_t errlen);

/**
 * Load an INI config into @p p (sections [port NAME], [fwd], [lcore N]).
 * Relative socket paths are taken under p->run_dir. Returns 0, or
 * a negative errno with one line in @p err.
 */
int params_load_config(const char *file, struct vdp_params *p, char *err,
		       size_t errlen);

/** True when @p p names any port (so the built-in default is not used). */
bool params_has_topology(const struct vdp_params *p);

/**
 * Set one vhost-user port option, the same on the command line, in a
 * config's [port] section and in "add vhost": queues, engine, zcopy,
 * zcopy-min, sock-owner, sock-group, sock-mode. Returns 0, 1 when @p key
 * is none of them (nothing written to @p err), or -EINVAL with @p err
 * saying what is wrong with @p val.
 */
int params_vhost_key(struct port_vhost_conf *c, const char *key, const char *val,
		     char *err, size_t errlen);

/**
 * Set one member of @p perm: @p what is "owner" (@p val a user name or a
 * uid), "group" (a group name or a gid) or "mode" (octal, 0..0777). Names
 * are looked up now, with getpwnam_r() and getgrnam_r(). Returns 0, or
 * -EINVAL with @p err ("unknown user 'x'", "unknown group 'x'", "bad mode
 * 'x' (octal, 0000..0777)").
 */
int params_sock_perm(struct port_sock_perm *perm, const char *what, const char *val,
		     char *err, size_t errlen);

/** Give @p perm the members of @p def that @p perm does not set itself. */
void params_sock_perm_merge(struct port_sock_perm *perm, const struct port_sock_perm *def);

/** A zero-copy mode by name (auto, on, off); 0 or -1. */
int params_zcopy_mode(const char *s, enum port_vhost_zcopy *mode);

/**
 * Parse "PATH[,client|server][,KEY=VALUE...][,name=NAME]" into @p c, each
 * KEY as params_vhost_key() takes it. @p index names the port "vhostN"
 * when no name is given. Returns 0 or -EINVAL with @p err.
 */
int params_parse_vhost(const char *arg, uint16_t index,
		       struct port_vhost_conf *c, char *err, size_t errlen);

/** Print the option summary to stdout. */
void params_usage(const char *prog);

#endif /* VDP_PARAMS_H */
