/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include "params.h"
#include "params_util.h"

enum {
	OPT_CONFIG = 256,
	OPT_VHOST,
	OPT_PORT_PAIR,
	OPT_RUN_DIR,
	OPT_MBUFS,
	OPT_DURATION,
	OPT_INTERACTIVE,
	OPT_CTL_SOCKET,
	OPT_CMDLINE_FILE,
	OPT_POLL_MODE,
	OPT_SOCK_OWNER,
	OPT_SOCK_GROUP,
	OPT_SOCK_MODE,
	OPT_CTL_SOCK_GROUP,
	OPT_CTL_SOCK_MODE,
	OPT_HELP,
	OPT_VERSION,
	OPT_TABLE,  /* + i: opts_at(i) */
};

static const struct option params_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "vhost", required_argument, NULL, OPT_VHOST },
	{ "port-pair", required_argument, NULL, OPT_PORT_PAIR },
	{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "interactive", no_argument, NULL, OPT_INTERACTIVE },
	{ "ctl-socket", required_argument, NULL, OPT_CTL_SOCKET },
	{ "cmdline-file", required_argument, NULL, OPT_CMDLINE_FILE },
	{ "poll-mode", required_argument, NULL, OPT_POLL_MODE },
	{ "sock-owner", required_argument, NULL, OPT_SOCK_OWNER },
	{ "sock-group", required_argument, NULL, OPT_SOCK_GROUP },
	{ "sock-mode", required_argument, NULL, OPT_SOCK_MODE },
	{ "ctl-sock-group", required_argument, NULL, OPT_CTL_SOCK_GROUP },
	{ "ctl-sock-mode", required_argument, NULL, OPT_CTL_SOCK_MODE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
};

/* getopt's table: the options above, then those of the option table. */
static void
params_longopts(struct option *lo)
{
	const struct opts_desc *d;
	unsigned int i, n = RTE_DIM(params_opts);

	memcpy(lo, params_opts, sizeof(params_opts));
	for (i = 0; (d = opts_at(i)) != NULL; i++)
		lo[n++] = (struct option){ d->name, required_argument, NULL, OPT_TABLE + i };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* One usage line per entry of the option table, with its config key if it differs. */
static void
params_usage_opts(void)
{
	char syntax[64], range[OPTS_RANGE_LEN];
	const struct opts_desc *d;
	unsigned int i;

	for (i = 0; (d = opts_at(i)) != NULL; i++) {
		snprintf(syntax, sizeof(syntax), "%s %s", d->name, d->arg);
		opts_range(d, range, sizeof(range));
		printf("  --%-20s %s%s%s (%s; default %s)\n", syntax, d->help,
		       strcmp(d->key, d->name) != 0 ? ", [fwd] key " : "",
		       strcmp(d->key, d->name) != 0 ? d->key : "", range, d->def);
	}
}

void
params_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [vdp options]\n"
	       "\n"
	       "Topology (without any, the default topology is loaded; --version names it):\n"
	       "  --config FILE          INI topology: [port NAME], [fwd], [lcore N]\n"
	       "  --vhost PATH[,client][,queues=N][,engine=virtq|rte][,zcopy=auto|on|off]\n"
	       "          [,zcopy-min=BYTES][,sock-owner=USER][,sock-group=GROUP]\n"
	       "          [,sock-mode=MODE][,name=NAME]\n"
	       "                         a vhost-user port (server unless client); repeatable\n"
	       "  --sock-owner USER, --sock-group GROUP, --sock-mode MODE\n"
	       "                         every server-mode vhost-user socket's owner, group and\n"
	       "                         octal mode, unless its port sets them (default: vdp's\n"
	       "                         user and group, 0660)\n"
	       "  (ethdevs given to EAL with --vdev or -a become ports too, named by device)\n"
	       "Forwarding (a config's [fwd] keys: xconnect, and these names unless noted):\n"
	       "  --port-pair A:B        io cross-connect of ports A and B (name or id); repeatable\n",
	       prog);
	params_usage_opts();
	printf("Running:\n"
	       "  --duration S           exit cleanly after S seconds (default 0: until SIGINT)\n"
	       "  --run-dir DIR          directory for relative socket paths in configs\n"
	       "  --mbufs N              mbufs in the packet pool (default: sized from ports)\n"
	       "  --poll-mode MODE       every worker's poll mode: busy, or adaptive (sleeps on\n"
	       "                         guest kicks and rx interrupts when idle); [lcore N]\n"
	       "                         key poll-mode sets one worker's (default busy)\n"
	       "Control:\n"
	       "  -i, --interactive      a vdp> prompt on the terminal (commands: help)\n"
	       "  --ctl-socket PATH      control socket for vdpctl (default RUN_DIR/vdp.ctl)\n"
	       "  --ctl-sock-group GROUP, --ctl-sock-mode MODE\n"
	       "                         its group and octal mode (default: vdp's group, 0600)\n"
	       "  --cmdline-file FILE    run the commands in FILE once forwarding started\n"
	       "  (SIGHUP, like the reload command, applies a changed --config file)\n"
	       "  --help, --version\n");
}

void
params_defaults(struct vdp_params *p, const char *run_dir)
{
	memset(p, 0, sizeof(*p));
	strlcpy(p->run_dir, run_dir, sizeof(p->run_dir));
	opts_defaults(&p->opts);
	p->l2_entries = 4096;
}

bool
params_has_topology(const struct vdp_params *p)
{
	return p->config[0] != '\0' || p->nb_vhost != 0 || p->nb_ethdev != 0;
}

int
params_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
params_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= PORT_NAME_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int
params_vhost_key(struct port_vhost_conf *c, const char *key, const char *val,
		 char *err, size_t errlen)
{
	uint32_t v;

	if (strcmp(key, "queues") == 0) {
		if (opts_u32(val, 1, PORT_MAX_QUEUES, &v) < 0)
			return params_err(err, errlen, "bad value '%s' (1..%d)", val,
					  PORT_MAX_QUEUES);
		c->queues = v;
	} else if (strcmp(key, "engine") == 0) {
		if (strcmp(val, "virtq") != 0 && strcmp(val, "rte") != 0)
			return params_err(err, errlen, "bad value '%s' (virtq or rte)", val);
		c->engine = strcmp(val, "rte") == 0 ? PORT_VHOST_ENGINE_RTE :
						     PORT_VHOST_ENGINE_VIRTQ;
	} else if (strcmp(key, "zcopy") == 0) {
		if (params_zcopy_mode(val, &c->zcopy) < 0)
			return params_err(err, errlen, "bad value '%s' (auto, on or off)", val);
	} else if (strcmp(key, "zcopy-min") == 0) {
		if (opts_u32(val, 0, PORT_VHOST_ZCOPY_MIN_MAX, &v) < 0)
			return params_err(err, errlen,
					  "bad value '%s' (bytes, 0..%d; 0: the mode's default)",
					  val, PORT_VHOST_ZCOPY_MIN_MAX);
		c->zcopy_min = v;
	} else if (strcmp(key, "sock-owner") == 0 || strcmp(key, "sock-group") == 0 ||
		   strcmp(key, "sock-mode") == 0) {
		return params_sock_perm(&c->perm, key + strlen("sock-"), val, err, errlen);
	} else {
		return 1;
	}
	return 0;
}

/* A whole decimal number, an id given instead of a name; -1 is chown()'s "unchanged". */
static bool
params_id(const char *s, uint32_t *id)
{
	return opts_u32(s, 0, UINT32_MAX - 1, id) == 0;
}

int
params_sock_perm(struct port_sock_perm *perm, const char *what, const char *val,
		 char *err, size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char buf[4096], *end;
	unsigned long mode;
	uint32_t id;

	if (strcmp(what, "owner") == 0) {
		if (params_id(val, &id))
			perm->uid = id;
		else if (getpwnam_r(val, &pw, buf, sizeof(buf), &pwp) == 0 && pwp != NULL)
			perm->uid = pw.pw_uid;
		else
			return params_err(err, errlen, "unknown user '%s'", val);
		perm->set |= PORT_SOCK_UID;
	} else if (strcmp(what, "group") == 0) {
		if (params_id(val, &id))
			perm->gid = id;
		else if (getgrnam_r(val, &gr, buf, sizeof(buf), &grp) == 0 && grp != NULL)
			perm->gid = gr.gr_gid;
		else
			return params_err(err, errlen, "unknown group '%s'", val);
		perm->set |= PORT_SOCK_GID;
	} else {
		errno = 0;
		mode = strtoul(val, &end, 8);
		if (val[0] < '0' || val[0] > '7' || *end != '\0' || errno != 0 || mode > 0777)
			return params_err(err, errlen, "bad mode '%s' (octal, 0000..0777)", val);
		perm->mode = mode;
		perm->set |= PORT_SOCK_MODE;
	}
	return 0;
}

void
params_sock_perm_merge(struct port_sock_perm *perm, const struct port_sock_perm *def)
{
	if (!(perm->set & PORT_SOCK_UID) && (def->set & PORT_SOCK_UID))
		perm->uid = def->uid;
	if (!(perm->set & PORT_SOCK_GID) && (def->set & PORT_SOCK_GID))
		perm->gid = def->gid;
	if (!(perm->set & PORT_SOCK_MODE) && (def->set & PORT_SOCK_MODE))
		perm->mode = def->mode;
	perm->set |= def->set;
}

int
params_zcopy_mode(const char *s, enum port_vhost_zcopy *mode)
{
	static const enum port_vhost_zcopy modes[] = {
		PORT_VHOST_ZCOPY_AUTO, PORT_VHOST_ZCOPY_ON, PORT_VHOST_ZCOPY_OFF,
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(modes); i++)
		if (strcmp(s, port_vhost_zcopy_name(modes[i])) == 0) {
			*mode = modes[i];
			return 0;
		}
	return -1;
}

int
params_parse_vhost(const char *arg, uint16_t index, struct port_vhost_conf *c,
		   char *err, size_t errlen)
{
	char buf[512], msg[160], *tok, *save = NULL, *eq;
	int ret;

	memset(c, 0, sizeof(*c));
	c->queues = 1;
	snprintf(c->name, sizeof(c->name), "vhost%u", index);
	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		return params_err(err, errlen, "--vhost: argument too long");
	tok = strtok_r(buf, ",", &save);
	if (tok == NULL || arg[0] == ',')
		return params_err(err, errlen, "--vhost: missing socket path in '%s'", arg);
	if (strlcpy(c->path, tok, sizeof(c->path)) >= sizeof(c->path))
		return params_err(err, errlen, "--vhost: socket path longer than %zu bytes: '%s'",
				  sizeof(c->path) - 1, tok);
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		if (strcmp(tok, "client") == 0) {
			c->client = true;
			continue;
		} else if (strcmp(tok, "server") == 0) {
			c->client = false;
			continue;
		}
		eq = strchr(tok, '=');
		if (eq != NULL && strncmp(tok, "name=", 5) == 0) {
			if (!params_name_ok(tok + 5))
				return params_err(err, errlen, "--vhost: bad port name '%s'",
						  tok + 5);
			strlcpy(c->name, tok + 5, sizeof(c->name));
			continue;
		}
		ret = 1;
		if (eq != NULL) {
			*eq = '\0';
			ret = params_vhost_key(c, tok, eq + 1, msg, sizeof(msg));
			*eq = '=';
		}
		if (ret < 0)
			return params_err(err, errlen, "--vhost: %s: %s", tok, msg);
		if (ret > 0)
			return params_err(err, errlen,
					  "--vhost: unknown key '%s' (client, server, queues=N, "
					  "engine=E, zcopy=auto|on|off, zcopy-min=BYTES, "
					  "sock-owner=USER, sock-group=GROUP, sock-mode=MODE, "
					  "name=NAME)", tok);
	}
	if (c->client && c->perm.set != 0)
		return params_err(err, errlen, "--vhost: %s", PARAMS_CLIENT_PERM);
	return 0;
}

int
params_parse_pair(const char *arg, struct params_xconnect *x, char *err,
		  size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t la;

	if (colon == NULL || colon == arg || colon[1] == '\0' ||
	    strchr(colon + 1, ':') != NULL)
		return params_err(err, errlen, "bad port pair '%s' (expected A:B)", arg);
	la = colon - arg;
	if (la >= sizeof(x->a) || strlen(colon + 1) >= sizeof(x->b))
		return params_err(err, errlen, "bad port pair '%s': name too long", arg);
	memcpy(x->a, arg, la);
	x->a[la] = '\0';
	strlcpy(x->b, colon + 1, sizeof(x->b));
	return 0;
}

int
params_add_vhost(struct vdp_params *p, const struct port_vhost_conf *c,
		 char *err, size_t errlen)
{
	uint16_t i;

	if (p->nb_vhost >= VDP_MAX_PORTS)
		return params_err(err, errlen, "too many vhost ports (max %d)", VDP_MAX_PORTS);
	for (i = 0; i < p->nb_vhost; i++) {
		if (strcmp(p->vhost[i].name, c->name) == 0)
			return params_err(err, errlen, "duplicate port name '%s'", c->name);
		if (strcmp(p->vhost[i].path, c->path) == 0)
			return params_err(err, errlen, "duplicate socket path '%s'", c->path);
	}
	for (i = 0; i < p->nb_ethdev; i++)
		if (strcmp(p->ethdev[i].name, c->name) == 0)
			return params_err(err, errlen, "duplicate port name '%s'", c->name);
	p->vhost[p->nb_vhost++] = *c;
	return 0;
}

/* The options that take a number and are not in the option table. */
static int
params_number(int opt, const char *arg, struct vdp_params *p, char *err,
	      size_t errlen)
{
	uint32_t v;

	switch (opt) {
	case OPT_MBUFS:
		if (opts_u32(arg, 1024, 16 * 1024 * 1024, &v) < 0)
			return params_err(err, errlen, "--mbufs: bad value '%s' (1024..16777216)", arg);
		p->nb_mbufs = v;
		return 0;
	case OPT_DURATION:
		if (opts_u32(arg, 0, UINT32_MAX, &v) < 0)
			return params_err(err, errlen, "--duration: bad value '%s'", arg);
		p->duration = v;
		return 0;
	}
	return params_err(err, errlen, "internal: option %d", opt);
}

/* An option of the option table, named as on the command line. */
static int
params_table(const struct opts_desc *d, const char *arg, struct vdp_params *p,
	     char *err, size_t errlen)
{
	char why[PARAMS_ERR_LEN];

	if (opts_set(&p->opts, d, arg, why, sizeof(why)) < 0)
		return params_err(err, errlen, "--%s: %s", d->name, why);
	return 0;
}

/* --sock-owner/-group/-mode and --ctl-sock-group/-mode. */
static int
params_sock_opt(int opt, const char *arg, struct vdp_params *p, char *err,
		size_t errlen)
{
	static const char *const what[] = {
		[OPT_SOCK_OWNER - OPT_SOCK_OWNER] = "owner",
		[OPT_SOCK_GROUP - OPT_SOCK_OWNER] = "group",
		[OPT_SOCK_MODE - OPT_SOCK_OWNER] = "mode",
		[OPT_CTL_SOCK_GROUP - OPT_SOCK_OWNER] = "group",
		[OPT_CTL_SOCK_MODE - OPT_SOCK_OWNER] = "mode",
	};
	bool ctl = opt == OPT_CTL_SOCK_GROUP || opt == OPT_CTL_SOCK_MODE;
	char why[PARAMS_ERR_LEN];

	if (params_sock_perm(ctl ? &p->ctl_sock : &p->vhost_sock, what[opt - OPT_SOCK_OWNER],
			     arg, why, sizeof(why)) < 0)
		return params_err(err, errlen, "--%ssock-%s: %s", ctl ? "ctl-" : "",
				  what[opt - OPT_SOCK_OWNER], why);
	return 0;
}

static int
params_one(int opt, const char *arg, struct vdp_params *p, char *err,
	   size_t errlen)
{
	struct port_vhost_conf vc;
	int ret;

	switch (opt) {
	case OPT_CONFIG:
		if (p->config[0] != '\0')
			return params_err(err, errlen, "--config given twice");
		if (strlcpy(p->config, arg, sizeof(p->config)) >= sizeof(p->config))
			return params_err(err, errlen, "--config: path too long");
		return 0;
	case OPT_VHOST:
		ret = params_parse_vhost(arg, p->nb_vhost, &vc, err, errlen);
		return ret < 0 ? ret : params_add_vhost(p, &vc, err, errlen);
	case OPT_PORT_PAIR:
		if (p->nb_xconnect >= PARAMS_MAX_XCONNECT)
			return params_err(err, errlen, "too many port pairs");
		ret = params_parse_pair(arg, &p->xconnect[p->nb_xconnect], err, errlen);
		if (ret == 0)
			p->nb_xconnect++;
		return ret;
	case OPT_RUN_DIR:
		if (strlcpy(p->run_dir, arg, sizeof(p->run_dir)) >= sizeof(p->run_dir))
			return params_err(err, errlen, "--run-dir: path too long");
		return 0;
	case OPT_INTERACTIVE:
		p->interactive = true;
		return 0;
	case OPT_CTL_SOCKET:
		if (strlcpy(p->ctl_socket, arg, sizeof(p->ctl_socket)) >= sizeof(p->ctl_socket))
			return params_err(err, errlen, "--ctl-socket: path too long");
		return 0;
	case OPT_CMDLINE_FILE:
		if (strlcpy(p->cmdline_file, arg, sizeof(p->cmdline_file)) >=
		    sizeof(p->cmdline_file))
			return params_err(err, errlen, "--cmdline-file: path too long");
		return 0;
	case OPT_POLL_MODE:
		if (sched_poll_mode_parse(arg, &p->poll_mode) < 0)
			return params_err(err, errlen, "--poll-mode: unknown mode '%s' (busy, adaptive)",
					  arg);
		p->poll_mode_set = true;
		return 0;
	case OPT_SOCK_OWNER:
	case OPT_SOCK_GROUP:
	case OPT_SOCK_MODE:
	case OPT_CTL_SOCK_GROUP:
	case OPT_CTL_SOCK_MODE:
		return params_sock_opt(opt, arg, p, err, errlen);
	case OPT_HELP:
		p->help = true;
		return 0;
	case OPT_VERSION:
		p->version = true;
		return 0;
	}
	if (opt >= OPT_TABLE)
		return params_table(opts_at(opt - OPT_TABLE), arg, p, err, errlen);
	return params_number(opt, arg, p, err, errlen);
}

/*
 * Two passes: the first takes --config and --run-dir and loads the file
 * (relative socket paths need the run directory, wherever it is given);
 * the second applies every other option, so the command line overrides
 * the file whatever the order.
 */
int
params_parse(int argc, char **argv, struct vdp_params *p, char *err,
	     size_t errlen)
{
	struct option lo[RTE_DIM(params_opts) + OPTS_MAX + 1];
	int opt, ret, pass;
	uint16_t i;

	params_longopts(lo);
	for (pass = 0; pass < 2; pass++) {
		optind = 1;
		opterr = 0;
		while ((opt = getopt_long(argc, argv, ":hi", lo, NULL)) != -1) {
			bool early = opt == OPT_CONFIG || opt == OPT_RUN_DIR;

			if (opt == 'h')
				opt = OPT_HELP;
			if (opt == 'i')
				opt = OPT_INTERACTIVE;
			if (opt == '?')
				return params_err(err, errlen, "unknown option '%s' (see --help)",
						  argv[optind - 1]);
			if (opt == ':')
				return params_err(err, errlen, "option '%s' needs a value",
						  argv[optind - 1]);
			if (early != (pass == 0))
				continue;
			ret = params_one(opt, optarg, p, err, errlen);
			if (ret < 0)
				return ret;
		}
		if (optind < argc)
			return params_err(err, errlen, "unexpected argument '%s' (see --help)",
					  argv[optind]);
		if (pass == 0 && p->config[0] != '\0') {
			ret = params_load_config(p->config, p, err, errlen);
			if (ret < 0)
				return ret;
		}
	}
	for (i = 0; i < p->nb_vhost; i++)
		if (!p->vhost[i].client)
			params_sock_perm_merge(&p->vhost[i].perm, &p->vhost_sock);
	return 0;
}
