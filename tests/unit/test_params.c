/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* vdp's option parser, config loader and option table; no EAL needed. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "params.h"
#include "tap.h"

static struct vdp_params P;
static char E[PARAMS_ERR_LEN];
static char tmpdir[] = "/tmp/vdp-params-XXXXXX";

/* Parse a NULL-terminated list of options (argv[0] is added). */
static int
parse(const char *first, ...)
{
	char *argv[32] = { (char *)"vdp" };
	const char *a;
	va_list ap;
	int argc = 1;

	params_defaults(&P, tmpdir);
	E[0] = '\0';
	va_start(ap, first);
	for (a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	return params_parse(argc, argv, &P, E, sizeof(E));
}

static const char *
write_config(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_defaults(void)
{
	TAP_EQ(parse(NULL), 0);
	TAP_CHECK(P.opts.engine == &fwd_io_engine);
	TAP_EQ(P.opts.burst, VDP_DEFAULT_BURST);
	TAP_EQ(P.opts.txonly.pkt_len, 64);
	TAP_EQ(P.opts.txonly.flows, 1);
	TAP_EQ(P.opts.stats_period, 0);
	TAP_EQ(P.opts.burst_bytes, FWD_BURST_BYTES_DEFAULT);
	TAP_EQ(P.opts.burst_bytes, 0x80000);
	TAP_CHECK(!params_has_topology(&P));
}

static void
test_vhost_option(void)
{
	TAP_EQ(parse("--vhost", "/tmp/a.sock", "--vhost", "/tmp/b.sock,client,queues=4,name=vm2",
		     NULL), 0);
	TAP_EQ(P.nb_vhost, 2);
	TAP_CHECK(strcmp(P.vhost[0].name, "vhost0") == 0);
	TAP_CHECK(strcmp(P.vhost[0].path, "/tmp/a.sock") == 0);
	TAP_CHECK(!P.vhost[0].client);
	TAP_EQ(P.vhost[0].queues, 1);
	TAP_CHECK(strcmp(P.vhost[1].name, "vm2") == 0);
	TAP_CHECK(P.vhost[1].client);
	TAP_EQ(P.vhost[1].queues, 4);
	TAP_CHECK(params_has_topology(&P));
}

static void
test_vhost_errors(void)
{
	TAP_EQ(parse("--vhost", "/tmp/a.sock,queues=0", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "queues=0: bad value '0' (1..16)") != NULL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,queues=17", NULL), -EINVAL);
	TAP_EQ(parse("--vhost", ",client", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "missing socket path") != NULL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,name=bad name", NULL), -EINVAL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,speed=9", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "unknown key 'speed=9'") != NULL);
}

/* Socket owner, group and mode: per port, process-wide defaults, the control socket. */
static void
test_sock_perm(void)
{
	const char *cfg;

	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-owner=root,sock-group=0,sock-mode=0640",
		     "--vhost", "/tmp/b.sock", "--vhost", "/tmp/c.sock,client", NULL), 0);
	TAP_EQ(P.vhost[0].perm.set, PORT_SOCK_UID | PORT_SOCK_GID | PORT_SOCK_MODE);
	TAP_EQ(P.vhost[0].perm.uid, 0);
	TAP_EQ(P.vhost[0].perm.gid, 0);
	TAP_EQ(P.vhost[0].perm.mode, 0640);
	TAP_EQ(P.vhost[1].perm.set, 0);
	TAP_EQ(P.ctl_sock.set, 0);

	/* The defaults fill what a server port does not set, never a client's. */
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-mode=600", "--sock-group", "root",
		     "--sock-mode", "0666", "--sock-owner", "4242", "--vhost",
		     "/tmp/c.sock,client", "--ctl-sock-group", "7", "--ctl-sock-mode", "0660",
		     NULL), 0);
	TAP_EQ(P.vhost[0].perm.set, PORT_SOCK_UID | PORT_SOCK_GID | PORT_SOCK_MODE);
	TAP_EQ(P.vhost[0].perm.mode, 0600);
	TAP_EQ(P.vhost[0].perm.gid, 0);
	TAP_EQ(P.vhost[0].perm.uid, 4242);
	TAP_EQ(P.vhost[1].perm.set, 0);
	TAP_EQ(P.ctl_sock.set, PORT_SOCK_GID | PORT_SOCK_MODE);
	TAP_EQ(P.ctl_sock.gid, 7);
	TAP_EQ(P.ctl_sock.mode, 0660);

	cfg = write_config("perm.ini", "[port vm1]\ntype = vhost\npath = vm1.sock\n"
			   "sock-group = root\nsock-mode = 0660\n");
	TAP_EQ(parse("--config", cfg, "--sock-mode", "0600", "--sock-owner", "root", NULL), 0);
	TAP_EQ(P.vhost[0].perm.set, PORT_SOCK_UID | PORT_SOCK_GID | PORT_SOCK_MODE);
	TAP_EQ(P.vhost[0].perm.mode, 0660);

	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-owner=vdp-no-such-user", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--vhost: sock-owner=vdp-no-such-user: unknown user "
			 "'vdp-no-such-user'") == 0);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-group=vdp-no-such-group", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--vhost: sock-group=vdp-no-such-group: unknown group "
			 "'vdp-no-such-group'") == 0);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-mode=0800", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--vhost: sock-mode=0800: bad mode '0800' (octal, 0000..0777)") == 0);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-mode=1777", NULL), -EINVAL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-mode=", NULL), -EINVAL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-mode=-1", NULL), -EINVAL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-owner=4294967295", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "unknown user '4294967295'") != NULL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock,sock-group=root,client", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--vhost: sock-owner, sock-group and sock-mode are for server mode "
			 "(a client-mode socket is its peer's)") == 0);
	TAP_EQ(parse("--sock-mode", "rw", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--sock-mode: bad mode 'rw' (octal, 0000..0777)") == 0);
	TAP_EQ(parse("--sock-group", "vdp-no-such-group", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--sock-group: unknown group 'vdp-no-such-group'") == 0);
	TAP_EQ(parse("--sock-owner", "vdp-no-such-user", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--sock-owner: unknown user 'vdp-no-such-user'") == 0);
	TAP_EQ(parse("--ctl-sock-mode", "999", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--ctl-sock-mode: bad mode '999' (octal, 0000..0777)") == 0);
	TAP_EQ(parse("--ctl-sock-group", "vdp-no-such-group", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--ctl-sock-group: unknown group 'vdp-no-such-group'") == 0);

	cfg = write_config("perm.ini", "[port vm1]\ntype = vhost\npath = vm1.sock\n"
			   "mode = client\nsock-mode = 0660\n");
	TAP_EQ(parse("--config", cfg, NULL), -EINVAL);
	TAP_CHECK(strstr(E, "[port vm1] sock-owner, sock-group and sock-mode are for server "
			 "mode") != NULL);
	cfg = write_config("perm.ini", "[port vm1]\ntype = vhost\npath = vm1.sock\n"
			   "sock-group = vdp-no-such-group\n");
	TAP_EQ(parse("--config", cfg, NULL), -EINVAL);
	TAP_CHECK(strstr(E, "[port vm1] sock-group: unknown group 'vdp-no-such-group'") != NULL);
}

static void
test_duplicates(void)
{
	TAP_EQ(parse("--vhost", "/tmp/a.sock,name=x", "--vhost", "/tmp/b.sock,name=x", NULL),
	       -EINVAL);
	TAP_CHECK(strstr(E, "duplicate port name 'x'") != NULL);
	TAP_EQ(parse("--vhost", "/tmp/a.sock", "--vhost", "/tmp/a.sock", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "duplicate socket path") != NULL);
}

static void
test_numbers(void)
{
	TAP_EQ(parse("--burst", "64", "--txpkts", "1518", "--tx-flows", "100",
		     "--stats-period", "2", "--l2-age", "10", NULL), 0);
	TAP_EQ(P.opts.burst, 64);
	TAP_EQ(P.opts.txonly.burst, 64);
	TAP_EQ(P.opts.txonly.pkt_len, 1518);
	TAP_EQ(P.opts.txonly.flows, 100);
	TAP_EQ(P.opts.stats_period, 2);
	TAP_EQ(P.opts.l2_age_s, 10);
	TAP_EQ(parse("--burst", "65", NULL), -EINVAL);
	TAP_EQ(parse("--burst", "0", NULL), -EINVAL);
	TAP_EQ(parse("--burst", "3x", NULL), -EINVAL);
	TAP_EQ(parse("--burst", "-1", NULL), -EINVAL);
	TAP_EQ(parse("--burst", "", NULL), -EINVAL);
	TAP_EQ(parse("--txpkts", "59", NULL), -EINVAL);
	TAP_EQ(parse("--tx-flows", "0", NULL), -EINVAL);
	TAP_EQ(parse("--stats-period", "99999999999999999999", NULL), -EINVAL);
	TAP_EQ(parse("--burst-bytes", "2048", NULL), 0);
	TAP_EQ(P.opts.burst_bytes, 2048);
	TAP_EQ(parse("--burst-bytes", "0", NULL), -EINVAL);
	TAP_CHECK(strcmp(E, "--burst-bytes: bad value '0' (1518..16777216)") == 0);
}

static void
test_bad_options(void)
{
	TAP_EQ(parse("--nope", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "unknown option '--nope'") != NULL);
	TAP_EQ(parse("--fwd", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "needs a value") != NULL);
	TAP_EQ(parse("--fwd", "bogus", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "unknown mode 'bogus'") != NULL);
	TAP_EQ(parse("stray", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "unexpected argument 'stray'") != NULL);
	TAP_EQ(parse("--fwd", "l2", NULL), 0);
	TAP_CHECK(P.opts.engine == &fwd_l2_engine);
}

static void
test_port_pair(void)
{
	TAP_EQ(parse("--port-pair", "a:b", "--port-pair", "0:3", NULL), 0);
	TAP_EQ(P.nb_xconnect, 2);
	TAP_CHECK(strcmp(P.xconnect[0].a, "a") == 0 && strcmp(P.xconnect[0].b, "b") == 0);
	TAP_CHECK(strcmp(P.xconnect[1].a, "0") == 0 && strcmp(P.xconnect[1].b, "3") == 0);
	TAP_EQ(parse("--port-pair", "a", NULL), -EINVAL);
	TAP_EQ(parse("--port-pair", ":b", NULL), -EINVAL);
	TAP_EQ(parse("--port-pair", "a:", NULL), -EINVAL);
	TAP_EQ(parse("--port-pair", "a:b:c", NULL), -EINVAL);
}

static void
test_config_good(void)
{
	const char *f = write_config("good.ini",
		"; a comment\n"
		"[port vm1]\ntype = vhost\npath = vm1.sock\nqueues = 2\n"
		"[port vm2]\ntype = vhost\npath = /tmp/abs.sock\nmode = client\n"
		"[port tap]\ntype = ethdev\ndevargs = net_tap0,iface=t0\nrxq = 2\n"
		"[fwd]\nmode = l2\nburst = 16\nxconnect = vm1:tap vm2:vm2\n"
		"txpkts = 128\ntx-flows = 8\nl2-age = 5\nstats-period = 3\n"
		"[lcore 1]\nrxq = vm1:0 tap:1\n");
	char expect[PATH_MAX];

	TAP_EQ(parse("--config", f, "--run-dir", tmpdir, NULL), 0);
	if (E[0])
		printf("# %s\n", E);
	TAP_EQ(P.nb_vhost, 2);
	TAP_EQ(P.nb_ethdev, 1);
	snprintf(expect, sizeof(expect), "%s/vm1.sock", tmpdir);
	TAP_CHECK(strcmp(P.vhost[0].path, expect) == 0);
	TAP_EQ(P.vhost[0].queues, 2);
	TAP_CHECK(strcmp(P.vhost[1].path, "/tmp/abs.sock") == 0);
	TAP_CHECK(P.vhost[1].client);
	TAP_CHECK(strcmp(P.ethdev[0].name, "tap") == 0);
	TAP_CHECK(strcmp(P.ethdev[0].devargs, "net_tap0,iface=t0") == 0);
	TAP_EQ(P.ethdev[0].rxq, 2);
	TAP_CHECK(P.opts.engine == &fwd_l2_engine);
	TAP_EQ(P.opts.burst, 16);
	TAP_EQ(P.nb_xconnect, 2);
	TAP_CHECK(strcmp(P.xconnect[0].b, "tap") == 0);
	TAP_EQ(P.opts.txonly.pkt_len, 128);
	TAP_EQ(P.opts.txonly.flows, 8);
	TAP_EQ(P.opts.l2_age_s, 5);
	TAP_EQ(P.opts.stats_period, 3);
	/* The values as written, for reload; "" for the keys not given. */
	TAP_CHECK(strcmp(P.opt_vals[opts_index(opts_find("burst"))], "16") == 0);
	TAP_CHECK(strcmp(P.opt_vals[opts_index(opts_find("fwd"))], "l2") == 0);
	TAP_CHECK(strcmp(P.opt_vals[opts_index(opts_find("auto-lb"))], "") == 0);
	TAP_EQ(P.nb_pins, 2);
	TAP_CHECK(strcmp(P.pins[1].port, "tap") == 0);
	TAP_EQ(P.pins[1].q, 1);
	TAP_EQ(P.pins[1].lcore, 1);
}

static void
test_config_override(void)
{
	const char *f = write_config("ovr.ini", "[fwd]\nmode = l2\nburst = 8\n");

	TAP_EQ(parse("--config", f, "--fwd", "macswap", NULL), 0);
	TAP_CHECK(P.opts.engine == &fwd_macswap_engine);
	TAP_EQ(P.opts.burst, 8);
	TAP_EQ(parse("--fwd", "macswap", "--config", f, NULL), 0);
	TAP_CHECK(P.opts.engine == &fwd_macswap_engine);
	TAP_EQ(P.opts.burst, 8);
	TAP_EQ(parse("--config", f, "--config", f, NULL), -EINVAL);
	TAP_CHECK(strstr(E, "given twice") != NULL);
}

static void
test_config_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[port p]\ntype = bogus\n", "unknown type 'bogus'" },
		{ "[port p]\npath = x\n", "needs a type" },
		{ "[port p]\ntype = vhost\n", "needs a path" },
		{ "[port p]\ntype = vhost\npath = x\nmode = sideways\n", "not server or client" },
		{ "[port p]\ntype = ethdev\n", "needs devargs" },
		{ "[port p]\ntype = ethdev\ndevargs = net_null0\nrxq = 99\n", "rxq: bad value '99'" },
		{ "[port bad name!]\ntype = vhost\npath = x\n", "bad port name" },
		{ "[port a]\ntype = vhost\npath = a\n[port a]\ntype = vhost\npath = b\n",
		  "duplicate port name 'a'" },
		{ "[port a]\ntype = vhost\npath = a\n[port b]\ntype = vhost\npath = a\n",
		  "duplicate socket path" },
		{ "[fwd]\nmode = warp\n", "unknown mode 'warp'" },
		{ "[fwd]\nxconnect = a-b\n", "bad entry 'a-b'" },
		{ "[lcore x]\nrxq = a:0\n", "bad lcore id" },
		{ "[lcore 1]\nrxq = a:99\n", "bad queue" },
		{ "[lcore 1]\ncpu = 3\n", "unknown key 'cpu' (rxq, poll-mode)" },
		{ "[misc]\na = b\n", "unknown section [misc]" },
		{ "garbage without sections\n", "invalid config file" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		const char *f = write_config("bad.ini", cases[i].text);

		TAP_CHECK(parse("--config", f, NULL) < 0);
		if (strstr(E, cases[i].msg) == NULL) {
			printf("# case %u: '%s' does not contain '%s'\n", i, E, cases[i].msg);
			tap_case_failed++;
		}
	}
	TAP_CHECK(parse("--config", "/nonexistent/x.ini", NULL) < 0);
	TAP_CHECK(strstr(E, "cannot read config file") != NULL);
}

/* --poll-mode for all workers; [lcore N] poll-mode per worker, last one wins. */
static void
test_poll_mode(void)
{
	const char *f = write_config("poll.ini",
		"[lcore 1]\npoll-mode = adaptive\n[lcore 2]\npoll-mode = busy\n"
		"[lcore 1]\nrxq = a:0\n[lcore 3]\npoll-mode = adaptive\n"
		"[lcore 3]\npoll-mode = busy\n");

	TAP_EQ(parse(NULL), 0);
	TAP_EQ(P.poll_mode, SCHED_POLL_BUSY);
	TAP_CHECK(!P.poll_mode_set);
	TAP_EQ(parse("--poll-mode", "adaptive", NULL), 0);
	TAP_EQ(P.poll_mode, SCHED_POLL_ADAPTIVE);
	TAP_CHECK(P.poll_mode_set);
	TAP_EQ(parse("--poll-mode", "sleepy", NULL), -EINVAL);
	TAP_CHECK(strstr(E, "--poll-mode: unknown mode 'sleepy' (busy, adaptive)") != NULL);
	TAP_EQ(parse("--config", f, NULL), 0);
	TAP_EQ(P.nb_polls, 3);
	TAP_EQ(P.polls[0].lcore, 1);
	TAP_EQ(P.polls[0].mode, SCHED_POLL_ADAPTIVE);
	TAP_EQ(P.polls[1].lcore, 2);
	TAP_EQ(P.polls[1].mode, SCHED_POLL_BUSY);
	TAP_EQ(P.polls[2].lcore, 3);
	TAP_EQ(P.polls[2].mode, SCHED_POLL_BUSY);
	TAP_EQ(P.nb_pins, 1);
	TAP_CHECK(!P.poll_mode_set);
	/* The command line is for every worker and wins over the file. */
	TAP_EQ(parse("--config", f, "--poll-mode", "busy", NULL), 0);
	TAP_CHECK(P.poll_mode_set);
	TAP_EQ(P.poll_mode, SCHED_POLL_BUSY);
	f = write_config("bad.ini", "[lcore 1]\npoll-mode = nap\n");
	TAP_CHECK(parse("--config", f, NULL) < 0);
	TAP_CHECK(strstr(E, "[lcore 1] poll-mode: unknown mode 'nap' (busy, adaptive)") != NULL);
}

static void
test_default_config_file(void)
{
	char path[PATH_MAX], expect[PATH_MAX];

	snprintf(path, sizeof(path), "%s", VDP_SOURCE_CONFIG);
	TAP_EQ(parse("--run-dir", tmpdir, "--config", path, NULL), 0);
	TAP_EQ(P.nb_vhost, 2);
	snprintf(expect, sizeof(expect), "%s/vhost0.sock", tmpdir);
	TAP_CHECK(strcmp(P.vhost[0].path, expect) == 0);
	TAP_CHECK(!P.vhost[0].client && !P.vhost[1].client);
	TAP_CHECK(P.opts.engine == &fwd_io_engine);
	TAP_EQ(P.nb_xconnect, 1);
}

/* Every shipped config must load. */
static void
test_shipped_configs(void)
{
	static const char *const names[] = {
		"default.ini", "example-l2.ini", "example-xconnect.ini",
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", VDP_CONFIG_DIR, names[i]);
		if (parse("--run-dir", tmpdir, "--config", path, NULL) != 0) {
			printf("# %s: %s\n", names[i], E);
			tap_case_failed++;
		}
		TAP_CHECK(params_has_topology(&P));
	}
}

static bool
opts_same(const struct opts_fwd *a, const struct opts_fwd *b)
{
	return a->engine == b->engine && a->burst == b->burst &&
	       a->txonly.pkt_len == b->txonly.pkt_len && a->txonly.flows == b->txonly.flows &&
	       a->txonly.burst == b->txonly.burst && a->l2_age_s == b->l2_age_s &&
	       a->stats_period == b->stats_period && a->rxq_assign == b->rxq_assign &&
	       a->load_interval_ms == b->load_interval_ms && a->autolb == b->autolb &&
	       a->autolb_load == b->autolb_load && a->autolb_improve == b->autolb_improve &&
	       a->autolb_interval_s == b->autolb_interval_s && a->burst_bytes == b->burst_bytes;
}

/*
 * The outcome of parse() against opts_set()'s: the same options when
 * @p ret is 0, else @p prefix followed by opts_set()'s message @p core.
 */
static void
check_outcome(int got, int ret, const struct opts_fwd *want, const char *prefix,
	      const char *core)
{
	char expect[PATH_MAX + PARAMS_ERR_LEN];

	TAP_EQ(got, ret);
	snprintf(expect, sizeof(expect), "%s%s", prefix, core);
	if (ret == 0)
		TAP_CHECK(opts_same(&P.opts, want));
	else if (strcmp(E, expect) != 0) {
		printf("# '%s', expected '%s'\n", E, expect);
		tap_case_failed++;
	}
}

/*
 * Give option @p d the value @p v on the command line, then (unless empty:
 * rte_cfgfile refuses empty values itself) as its [fwd] key in a config:
 * both take it as opts_set() does or both refuse it with its message,
 * which names the value, after their own prefix.
 */
static void
check_value(const struct opts_desc *d, const char *v, bool good)
{
	char core[PARAMS_ERR_LEN], prefix[PATH_MAX + 64], text[128];
	struct opts_fwd want;
	const char *f;
	int ret;

	opts_defaults(&want);
	ret = opts_set(&want, d, v, core, sizeof(core));
	TAP_EQ(ret, good ? 0 : -EINVAL);
	TAP_CHECK(good || strstr(core, v) != NULL);
	snprintf(prefix, sizeof(prefix), "--%s", d->name);
	ret = parse(prefix, v, NULL);
	snprintf(prefix, sizeof(prefix), "--%s: ", d->name);
	check_outcome(ret, good ? 0 : -EINVAL, &want, prefix, core);
	if (*v == '\0')
		return;
	snprintf(text, sizeof(text), "[fwd]\n%s = %s\n", d->key, v);
	f = write_config("opt.ini", text);
	ret = parse("--config", f, NULL);
	snprintf(prefix, sizeof(prefix), "%s: [fwd] %s: ", f, d->key);
	check_outcome(ret, good ? 0 : -EINVAL, &want, prefix, core);
}

/* Every option: names found both ways, a default that parses, a range that is said. */
static void
test_opts_table(void)
{
	const struct opts_desc *d;
	struct opts_fwd o, def;
	char range[OPTS_RANGE_LEN];
	unsigned int i;

	opts_defaults(&def);
	for (i = 0; (d = opts_at(i)) != NULL; i++) {
		TAP_CHECK(opts_find(d->name) == d);
		TAP_CHECK(opts_find_key(d->key) == d);
		TAP_CHECK(d->help != NULL && d->arg != NULL && d->set != NULL);
		o = def;
		TAP_EQ(opts_set(&o, d, d->def, E, sizeof(E)), 0);
		TAP_CHECK(opts_same(&o, &def));
		opts_range(d, range, sizeof(range));
		TAP_CHECK(range[0] != '\0');
	}
	TAP_CHECK(i > 0 && i <= OPTS_MAX);
	TAP_CHECK(opts_find("xconnect") == NULL && opts_find_key("fwd") == NULL);
	TAP_EQ(parse(NULL), 0);
	TAP_CHECK(opts_same(&P.opts, &def));
}

/* Each number option's bounds, taken and refused alike on the command line and in a config. */
static void
test_opts_bounds(void)
{
	const struct opts_desc *d;
	char v[32];
	unsigned int i;

	for (i = 0; (d = opts_at(i)) != NULL; i++) {
		if (d->kind == OPTS_ENGINE || d->kind == OPTS_CHOICE)
			continue;
		snprintf(v, sizeof(v), "%u", d->min);
		check_value(d, v, true);
		snprintf(v, sizeof(v), "%u", d->max);
		check_value(d, v, true);
		snprintf(v, sizeof(v), "%llu", d->max + 1ULL);
		check_value(d, v, false);
		if (d->min > 0) {
			snprintf(v, sizeof(v), "%u", d->min - 1);
			check_value(d, v, false);
		}
		check_value(d, "12x", false);
		snprintf(v, sizeof(v), "(%u..%u)", d->min, d->max);
		TAP_CHECK(strstr(E, v) != NULL);
		check_value(d, "-1", false);
		check_value(d, "", false);
	}
}

/* The rx queue options: each choice is taken, a refusal lists them, numbers are bounded. */
static void
test_opts_rxq(void)
{
	const struct opts_desc *d = opts_find("rxq-assign");

	TAP_CHECK(d != NULL && d->kind == OPTS_CHOICE && d->replace && d->runtime);
	TAP_EQ(P.opts.rxq_assign, SCHED_ASSIGN_ROUNDROBIN);
	check_value(d, "group", true);
	TAP_EQ(P.opts.rxq_assign, SCHED_ASSIGN_GROUP);
	check_value(d, "cycles", true);
	TAP_EQ(P.opts.rxq_assign, SCHED_ASSIGN_CYCLES);
	check_value(d, "roundrobin", true);
	TAP_EQ(P.opts.rxq_assign, SCHED_ASSIGN_ROUNDROBIN);
	check_value(d, "Group", false);
	TAP_CHECK(strstr(E, "[fwd] rxq-assign: unknown value 'Group' (roundrobin, cycles, group)")
		  != NULL);
	d = opts_find("auto-lb");
	TAP_CHECK(d != NULL && d->kind == OPTS_CHOICE && !d->replace);
	TAP_CHECK(!P.opts.autolb);
	check_value(d, "on", true);
	TAP_CHECK(P.opts.autolb);
	check_value(d, "off", true);
	TAP_CHECK(!P.opts.autolb);
	check_value(d, "yes", false);
	TAP_CHECK(strstr(E, "unknown value 'yes' (off, on)") != NULL);
	TAP_EQ(P.opts.autolb_load, 95);
	TAP_EQ(P.opts.autolb_improve, 25);
	TAP_EQ(P.opts.autolb_interval_s, 60);
	TAP_EQ(P.opts.load_interval_ms, 10000);
}

/* txpkts takes testpmd's segment list and sums it. */
static void
test_opts_txpkts_list(void)
{
	const struct opts_desc *d = opts_find("txpkts");

	check_value(d, "100,20", true);
	TAP_EQ(P.opts.txonly.pkt_len, 120);
	check_value(d, "30,30", true);
	TAP_EQ(P.opts.txonly.pkt_len, FWD_TXONLY_MIN_LEN);
	check_value(d, "30,29", false);
	check_value(d, "1500,18,1", false);
	check_value(d, "100,", false);
	check_value(d, ",100", false);
	check_value(d, "50,,50", false);
	check_value(d, "0,64", false);
	check_value(d, "64, 1", false);
}

/* The engine names come from fwd_engines[]: each is taken, and a refusal lists them all. */
static void
test_opts_engines(void)
{
	const struct opts_desc *d = opts_find("fwd");
	char range[OPTS_RANGE_LEN], expect[OPTS_RANGE_LEN] = "";
	unsigned int i;

	TAP_CHECK(d != NULL && d->kind == OPTS_ENGINE && strcmp(d->key, "mode") == 0);
	for (i = 0; fwd_engines[i] != NULL; i++) {
		check_value(d, fwd_engines[i]->name, true);
		TAP_CHECK(P.opts.engine == fwd_engines[i]);
		snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%s",
			 i ? ", " : "", fwd_engines[i]->name);
	}
	opts_range(d, range, sizeof(range));
	TAP_CHECK(strcmp(range, expect) == 0);
	check_value(d, "teleport", false);
	TAP_CHECK(strstr(E, "unknown mode 'teleport'") != NULL && strstr(E, expect) != NULL);
	check_value(d, "IO", false);
	check_value(d, "", false);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	TAP_RUN(test_defaults);
	TAP_RUN(test_vhost_option);
	TAP_RUN(test_vhost_errors);
	TAP_RUN(test_sock_perm);
	TAP_RUN(test_duplicates);
	TAP_RUN(test_numbers);
	TAP_RUN(test_bad_options);
	TAP_RUN(test_port_pair);
	TAP_RUN(test_config_good);
	TAP_RUN(test_config_override);
	TAP_RUN(test_config_errors);
	TAP_RUN(test_poll_mode);
	TAP_RUN(test_default_config_file);
	TAP_RUN(test_shipped_configs);
	TAP_RUN(test_opts_table);
	TAP_RUN(test_opts_bounds);
	TAP_RUN(test_opts_txpkts_list);
	TAP_RUN(test_opts_engines);
	TAP_RUN(test_opts_rxq);
	unlink(write_config("good.ini", ""));
	unlink(write_config("ovr.ini", ""));
	unlink(write_config("bad.ini", ""));
	unlink(write_config("opt.ini", ""));
	unlink(write_config("poll.ini", ""));
	unlink(write_config("perm.ini", ""));
	rmdir(tmpdir);
	return tap_done();
}
