/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * vdp: EAL initialisation and wiring. The main lcore runs the control
 * plane (the prompt, the control socket, periodic stats, l2 aging,
 * signals); worker lcores poll.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_string_fns.h>
#include <rte_version.h>

#include "cli.h"
#include "ctl.h"
#include "fwd.h"
#include "notify.h"
#include "params.h"
#include "port.h"
#include "report.h"
#include "vdp_sched.h"

#define VDP_EXIT_USAGE 2        /* bad input: option, config, topology */
#define VDP_EXIT_FAILURE 1      /* the environment failed us */
#define VDP_POOL_CACHE 256
#define VDP_MIN_MBUFS 16384
#define VDP_TICK_MS 100         /* control loop period */

static volatile sig_atomic_t vdp_quit;
static volatile sig_atomic_t vdp_hup;

static void
vdp_signal(int sig)
{
	if (sig == SIGHUP)
		vdp_hup = 1;
	else
		vdp_quit = 1;
}

/* SIGHUP: reload the --config file, as the "reload" command does. */
static void
vdp_reload(struct ctl *c)
{
	char err[CTL_ERR_LEN];

	vdp_hup = 0;
	pthread_mutex_lock(&ctl_lock);
	if (ctl_reload(c, stdout, err, sizeof(err)) < 0)
		printf("vdp: reload: %s\n", err);
	pthread_mutex_unlock(&ctl_lock);
	fflush(stdout);
}

static void __rte_noreturn
vdp_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vdp: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(status);
}

static void
vdp_default_run_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, "/run/vdp");
	else if (xdg != NULL && *xdg != '\0')
		snprintf(buf, len, "%s/vdp", xdg);
	else
		snprintf(buf, len, "/tmp/vdp-%u", (unsigned int)geteuid());
}

/* Whether this binary runs from the build directory it was built in
 * (/proc/self/exe under VDP_BUILD_ROOT): an installed copy must not see
 * the source tree's config. */
static bool
vdp_in_build_tree(void)
{
	size_t len = strlen(VDP_BUILD_ROOT);
	char exe[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	return strncmp(exe, VDP_BUILD_ROOT, len) == 0 && exe[len] == '/';
}

/* The files of the built-in topology, in lookup order, NULL-terminated:
 * the source tree's config/default.ini from the build tree; else the
 * operator's sysconfdir/vdp/topology.ini, then the installed default. */
static const char *const *
vdp_default_paths(void)
{
	static const char *const build[] = { VDP_SOURCE_CONFIG, NULL };
	static const char *const installed[] = {
		VDP_SYSCONF_CONFIG, VDP_INSTALLED_CONFIG, NULL
	};

	return vdp_in_build_tree() ? build : installed;
}

/* --version: vdp's, DPDK's ("DPDK 22.11.1"), and the lookup order of the
 * built-in topology. */
static void
vdp_print_version(void)
{
	const char *const *path = vdp_default_paths();

	printf("vdp %s (%s)\n", VDP_VERSION, rte_version());
	printf("default topology:");
	for (; *path != NULL; path++)
		printf(" %s", *path);
	printf("\n");
}

/* Load the first readable file of vdp_default_paths(). */
static void
vdp_load_default(struct vdp_params *p)
{
	const char *const *paths = vdp_default_paths();
	char err[PARAMS_ERR_LEN];
	unsigned int i;

	for (i = 0; paths[i] != NULL; i++) {
		if (access(paths[i], R_OK) != 0)
			continue;
		if (params_load_config(paths[i], p, err, sizeof(err)) < 0)
			vdp_fail(VDP_EXIT_USAGE, "%s", err);
		strlcpy(p->config, paths[i], sizeof(p->config));
		printf("vdp: no topology given, using %s\n", paths[i]);
		return;
	}
	vdp_fail(VDP_EXIT_USAGE, "no topology given and no default config found (%s%s%s)",
		 paths[0], paths[1] != NULL ? ", " : "", paths[1] != NULL ? paths[1] : "");
}

static uint32_t
vdp_pool_size(const struct vdp_params *p, uint16_t nb_workers)
{
	uint32_t n = VDP_MIN_MBUFS;
	uint16_t i;

	if (p->nb_mbufs != 0)
		return p->nb_mbufs;
	for (i = 0; i < p->nb_ethdev; i++)
		n += p->ethdev[i].rxq * p->ethdev[i].rx_desc +
		     nb_workers * p->ethdev[i].tx_desc;
	n += rte_eth_dev_count_avail() * (1024 + nb_workers * 1024);
	return n;
}

/* Create the pool of NUMA socket @p socket (SOCKET_ID_ANY: of none) and
 * register it; NULL with rte_errno set when it cannot be made. */
static struct rte_mempool *
vdp_pool_create(int socket, uint32_t n)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;
	int ret;

	if (socket == SOCKET_ID_ANY)
		snprintf(name, sizeof(name), "vdp_mbufs_any");
	else
		snprintf(name, sizeof(name), "vdp_mbufs_s%d", socket);
	mp = rte_pktmbuf_pool_create(name, n, VDP_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     socket);
	if (mp == NULL)
		return NULL;
	ret = port_pool_add(socket, mp);
	if (ret < 0) {
		rte_mempool_free(mp);
		rte_errno = -ret;
		return NULL;
	}
	return mp;
}

/* Mark @p socket as needing a pool; SOCKET_ID_ANY (unknown) needs none. */
static void
vdp_want_socket(bool *want, int socket)
{
	if (socket >= 0 && socket < RTE_MAX_NUMA_NODES)
		want[socket] = true;
}

/*
 * One mbuf pool of vdp_pool_size() mbufs per NUMA socket that has an EAL
 * lcore or an ethdev EAL probed, the main lcore's first: it is the
 * fallback of every device on a socket without one (a device probed
 * later, a guest's memory elsewhere). Returns it. A pool that cannot be
 * made on another socket leaves that socket to the fallback.
 */
static struct rte_mempool *
vdp_create_pools(const struct vdp_params *p)
{
	uint32_t n = vdp_pool_size(p, sched_nb_workers());
	int main_socket = (int)rte_socket_id();
	bool want[RTE_MAX_NUMA_NODES] = { false };
	struct rte_mempool *main_pool;
	unsigned int lcore;
	uint16_t dev;
	int s;

	main_pool = vdp_pool_create(main_socket, n);
	if (main_pool == NULL)
		vdp_fail(VDP_EXIT_FAILURE, "cannot create the mbuf pool: %s "
			 "(give EAL more memory with -m, or fewer --mbufs)",
			 rte_strerror(rte_errno));
	RTE_LCORE_FOREACH(lcore)
		vdp_want_socket(want, (int)rte_lcore_to_socket_id(lcore));
	RTE_ETH_FOREACH_DEV(dev)
		vdp_want_socket(want, rte_eth_dev_socket_id(dev));
	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (want[s] && s != main_socket && vdp_pool_create(s, n) == NULL)
			printf("vdp: warning: no mbuf pool on socket %d (%s): its devices "
			       "and workers use %s\n", s, rte_strerror(rte_errno),
			       main_pool->name);
	return main_pool;
}

/* Ethdevs probed by EAL (--vdev, -a) and not named in the config become
 * ports named after their device. */
static void
vdp_add_eal_ethdevs(const struct vdp_params *p, uint16_t nb_txq)
{
	struct port_ethdev_conf c;
	uint16_t dev;
	uint16_t i;

	RTE_ETH_FOREACH_DEV(dev) {
		char name[RTE_ETH_NAME_MAX_LEN];
		bool named = false;

		if (rte_eth_dev_get_name_by_port(dev, name) != 0)
			continue;
		for (i = 0; i < p->nb_ethdev; i++)
			if (strncmp(p->ethdev[i].devargs, name, strlen(name)) == 0)
				named = true;
		if (named)
			continue;
		c = (struct port_ethdev_conf)PORT_ETHDEV_CONF_DEFAULTS;
		strlcpy(c.name, name, sizeof(c.name));
		strlcpy(c.devargs, name, sizeof(c.devargs));
		if (port_ethdev_create(&c, nb_txq) == NULL)
			vdp_fail(VDP_EXIT_USAGE, "ethdev %s: %s", name, rte_strerror(rte_errno));
	}
}

static void
vdp_create_ports(const struct vdp_params *p, uint16_t nb_txq)
{
	uint16_t i;

	for (i = 0; i < p->nb_vhost; i++) {
		const struct port_vhost_conf *c = &p->vhost[i];

		if (port_vhost_create(c, nb_txq) != NULL)
			continue;
		if (rte_errno == EADDRINUSE)
			vdp_fail(VDP_EXIT_USAGE, "socket path %s is in use by another process",
				 c->path);
		if (rte_errno == EEXIST)
			vdp_fail(VDP_EXIT_USAGE, "port %s: %s already exists or is not a socket",
				 c->name, c->path);
		vdp_fail(VDP_EXIT_USAGE, "port %s: %s: %s", c->name, c->path,
			 rte_strerror(rte_errno));
	}
	for (i = 0; i < p->nb_ethdev; i++) {
		if (port_ethdev_create(&p->ethdev[i], nb_txq) == NULL)
			vdp_fail(VDP_EXIT_USAGE, "port %s: cannot use device '%s': %s",
				 p->ethdev[i].name, p->ethdev[i].devargs,
				 rte_strerror(rte_errno));
	}
	vdp_add_eal_ethdevs(p, nb_txq);
	if (port_count() == 0)
		vdp_fail(VDP_EXIT_USAGE, "no ports: give --vhost, --config or an ethdev");
}

static void
vdp_print_topology(const struct fwd_conf *conf)
{
	const char *sock = NULL;
	uint16_t i, w;

	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);

		printf("vdp: port %u %s (%s)\n", i, p->name, p->ops->type);
		p->ops->show(p, stdout);
		if (sock == NULL)
			sock = port_vhost_path(p);
	}
	printf("vdp: forwarding mode %s, burst %u\n", conf->engine->name, conf->burst);
	if (strcmp(conf->engine->name, "io") == 0)
		for (i = 0; i < conf->nb_ports; i++)
			if (conf->xconnect[i] != FWD_NO_PORT)
				printf("vdp:   %s -> %s\n", conf->ports[i]->name,
				       conf->ports[conf->xconnect[i]]->name);
	for (w = 0; w < sched_nb_workers(); w++) {
		const struct sched_plan *plan = sched_plan_current();

		printf("vdp: lcore %u polls", sched_worker_lcore(w));
		for (i = 0; i < plan->nb_rxq[w]; i++)
			printf(" %s:%u", plan->rxq[w][i].port->name, plan->rxq[w][i].q);
		printf("\n");
	}
	if (sock != NULL)
		printf("vdp: attach a peer, for example:\n"
		       "  dpdk-testpmd -l 0-1 --no-pci --no-huge -m 512 --single-file-segments "
		       "--file-prefix=peer0 \\\n    --vdev 'net_virtio_user0,path=%s' -- -i\n",
		       sock);
	fflush(stdout);
}

/*
 * The control socket: --ctl-socket, else RUN_DIR/vdp.ctl. A given path
 * (or group or mode) that cannot be used is bad input; the default one
 * only gets a warning (another vdp may own it), and vdp runs without a
 * control socket.
 */
static int
vdp_open_ctl(struct vdp_params *p)
{
	bool given = p->ctl_socket[0] != '\0';
	int fd;

	if (!given) {
		if (mkdir(p->run_dir, 0755) != 0 && errno != EEXIST) {
			printf("vdp: warning: no control socket: cannot create %s: %s\n",
			       p->run_dir, strerror(errno));
			return -1;
		}
		if (strlen(p->run_dir) + sizeof("/vdp.ctl") > sizeof(p->ctl_socket)) {
			printf("vdp: warning: no control socket: run directory path too long\n");
			return -1;
		}
		strlcpy(p->ctl_socket, p->run_dir, sizeof(p->ctl_socket));
		strlcat(p->ctl_socket, "/vdp.ctl", sizeof(p->ctl_socket));
	}
	fd = cli_sock_open(p->ctl_socket, &p->ctl_sock);
	if (fd >= 0) {
		printf("vdp: control socket %s (vdpctl -s %s help)\n", p->ctl_socket,
		       p->ctl_socket);
		return fd;
	}
	if (given || p->ctl_sock.set != 0)
		vdp_fail(VDP_EXIT_USAGE, "control socket %s: %s", p->ctl_socket,
			 fd == -EADDRINUSE ? "in use by another process" : strerror(-fd));
	printf("vdp: warning: no control socket: %s: %s\n", p->ctl_socket,
	       fd == -EADDRINUSE ? "in use by another process" : strerror(-fd));
	return -1;
}

static void
vdp_control_loop(const struct vdp_params *p, struct ctl *c, int ctl_fd)
{
	struct report_prev prev = { 0 };
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc();
	uint64_t last_stats = start, next_age = start + hz;
	struct pollfd fds[2] = {
		{ .fd = ctl_fd, .events = POLLIN },
		{ .fd = p->interactive ? STDIN_FILENO : -1, .events = POLLIN },
	};

	report_prime(&prev);
	while (!vdp_quit && !c->quit) {
		uint64_t now;

		if (poll(fds, RTE_DIM(fds), VDP_TICK_MS) > 0) {
			if (fds[0].revents & POLLIN)
				cli_sock_serve(ctl_fd, c);
			/* End of input (Ctrl-D) quits, as testpmd's prompt does. */
			if ((fds[1].revents & (POLLIN | POLLHUP)) && cli_prompt_input() < 0)
				c->quit = true;
		}
		if (vdp_hup)
			vdp_reload(c);
		port_tick_all();
		now = rte_rdtsc();
		ctl_tick(c, now);
		if (c->opts.stats_period != 0 && now - last_stats >= c->opts.stats_period * hz) {
			report_stats(stdout, &prev);
			last_stats = now;
		}
		if (c->l2 != NULL && now >= next_age) {
			fwd_l2_age(c->l2, now);
			next_age = now + hz;
		}
		if (p->duration != 0 && now - start >= p->duration * hz)
			break;
	}
}

int
main(int argc, char **argv)
{
	char err[PARAMS_ERR_LEN], run_dir[PATH_MAX];
	struct vdp_params params;
	struct rte_mempool *pool;
	int ret, ctl_fd;
	uint32_t held;

	/* These two alone need no EAL (whose own options they are not). */
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		vdp_print_version();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		params_usage("vdp");
		return 0;
	}
	vdp_default_run_dir(run_dir, sizeof(run_dir));
	params_defaults(&params, run_dir);
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		vdp_fail(VDP_EXIT_USAGE, "EAL initialisation failed: %s (check the EAL options)",
			 rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"vdp";
	if (params_parse(argc, argv, &params, err, sizeof(err)) < 0)
		vdp_fail(VDP_EXIT_USAGE, "%s", err);
	if (params.help) {
		params_usage("vdp");
		rte_eal_cleanup();
		return 0;
	}
	if (params.version) {
		vdp_print_version();
		rte_eal_cleanup();
		return 0;
	}
	if (!params_has_topology(&params) && rte_eth_dev_count_avail() == 0) {
		if (mkdir(params.run_dir, 0755) != 0 && errno != EEXIST)
			vdp_fail(VDP_EXIT_FAILURE, "cannot create run directory %s: %s",
				 params.run_dir, strerror(errno));
		vdp_load_default(&params);
	}
	ret = sched_init();
	if (ret == -ENODEV)
		vdp_fail(VDP_EXIT_USAGE, "too few lcores: vdp needs a main lcore and at least "
			 "one worker lcore (for example -l 0-1 or --lcores '0@0,1@1')");
	if (ret < 0)
		vdp_fail(VDP_EXIT_USAGE, "cannot set up worker lcores: %s", strerror(-ret));
	port_set_quiesce(sched_synchronize);
	port_set_wake(sched_wake_all);

	pool = vdp_create_pools(&params);
	vdp_create_ports(&params, sched_nb_workers());
	ret = ctl_init(&vdp_ctl, &params, pool, err, sizeof(err));
	if (ret < 0)
		vdp_fail(ret == -EINVAL ? VDP_EXIT_USAGE : VDP_EXIT_FAILURE, "%s", err);
	report_telemetry_init();
	if (params.cmdline_file[0] != '\0' && access(params.cmdline_file, R_OK) != 0)
		vdp_fail(VDP_EXIT_USAGE, "--cmdline-file %s: %s", params.cmdline_file,
			 strerror(errno));

	signal(SIGINT, vdp_signal);
	signal(SIGTERM, vdp_signal);
	signal(SIGHUP, vdp_signal);
	signal(SIGPIPE, SIG_IGN);

	ctl_fd = vdp_open_ctl(&params);
	ret = port_start_all();
	if (ret < 0) {
		port_destroy_all();
		vdp_fail(VDP_EXIT_FAILURE, "cannot start ports: %s", rte_strerror(-ret));
	}
	vdp_print_topology(vdp_ctl.conf);
	ret = sched_start();
	if (ret < 0) {
		port_destroy_all();
		vdp_fail(VDP_EXIT_FAILURE, "cannot launch workers: %s", rte_strerror(-ret));
	}
	printf("vdp: forwarding started; press Ctrl-C (SIGINT) or send SIGTERM to stop\n");
	fflush(stdout);
	vdp_notify("READY=1\nSTATUS=forwarding: %u ports, %u workers",
		   (unsigned int)port_count(), (unsigned int)sched_nb_workers());
	if (params.cmdline_file[0] != '\0') {
		struct cli_ctx ctx = { .out = stdout, .ctl = &vdp_ctl };

		printf("vdp: running the commands in %s\n", params.cmdline_file);
		cli_exec_file(&ctx, params.cmdline_file);
		fflush(stdout);
	}
	if (params.interactive && cli_prompt_init(&vdp_ctl) < 0)
		vdp_fail(VDP_EXIT_FAILURE, "cannot start the interactive prompt");

	vdp_control_loop(&params, &vdp_ctl, ctl_fd);

	vdp_notify("STOPPING=1\nSTATUS=stopping");
	cli_prompt_fini();
	sched_stop();
	printf("vdp: stopping\n");
	report_summary(stdout);
	cli_sock_close(ctl_fd, params.ctl_socket);
	port_destroy_all();
	held = port_vhost_reap();
	if (held != 0)
		printf("vdp: %u zero-copied buffers still held by a destination at exit\n", held);
	ctl_fini(&vdp_ctl);
	sched_fini();
	rte_eal_cleanup();
	printf("vdp: exited cleanly\n");
	return 0;
}
