/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 *
 * vdp-latency: a paced generator that measures round-trip latency through
 * a DUT. It sends UDP packets at a fixed rate on port 0, each with the TSC
 * at transmission in its payload, and receives them back on port 0 (a DUT
 * that returns them, S2) or port 1 (a DUT that forwards port to port, S3).
 * One lcore does both, as the throughput generators do. At the end it
 * prints one line:
 *
 *   latency: offered_pps=... tx_pps=... rx_pps=... sent=... tx_full=...
 *            received=... samples=... min_ns=... p50_ns=... p99_ns=...
 *            p999_ns=... max_ns=... mean_ns=...
 *
 * Samples count from the end of the warm-up to the end of the window;
 * latencies are kept in 10 ns bins up to 1 ms, in 1 us bins up to 100 ms,
 * beyond that in one bin (a percentile there is reported as the maximum).
 *
 * With --idle-ms MS it measures wake-up latency instead: once a first
 * packet has come back (one every 10 ms until one does: the DUT's port is
 * up), COUNT times (--count) it stays idle MS milliseconds (sends nothing, sleeps), then
 * sends one stamped packet and polls until it comes back (or 1 s passes:
 * lost). A DUT that sleeps when idle has to wake up for each of them. It
 * prints the round trips' p50, p99 and maximum in microseconds on a line of
 * its own, then the same latency: line as above (rates over the whole run,
 * plus idle_ms=, count= and lost=).
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define LAT_MAGIC 0x766470ebU
#define BURST 32
#define RING 1024
#define BIN_NS 10
#define BINS 100000 /* 10 ns x 100000 = 1 ms */
#define BIN2_NS 1000
#define BINS2 100000 /* then 1 us x 100000 = 100 ms */
#define WAKE_TIMEOUT_S 1 /* --idle-ms: a packet not back after this is lost */
#define WAKE_READY_S 10  /* --idle-ms: how long the DUT may take to return a first one */
#define HDR_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		 sizeof(struct rte_udp_hdr))

/* Right after the UDP header: 42 + 16 bytes fit a 64-byte frame. */
struct stamp {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;
} __rte_packed;

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --rate PPS [--size BYTES] [--duration S]\n"
	       "          [--warmup S] [--ports 1|2]\n"
	       "       %s [EAL options] -- --idle-ms MS [--count N] [--size BYTES] [--ports 1|2]\n"
	       "  --rate PPS     packets per second to offer (required without --idle-ms)\n"
	       "  --size BYTES   frame size with FCS, 64..9000 (default 64)\n"
	       "  --duration S   measurement window, seconds (default 5)\n"
	       "  --warmup S     traffic before the window, seconds (default 1)\n"
	       "  --ports N      1: packets come back on port 0; 2: on port 1 (default 1)\n"
	       "  --idle-ms MS   wake-up latency: N times, stay idle MS ms, then send one packet\n"
	       "                 and wait (up to %d s) for it to come back\n"
	       "  --count N      --idle-ms: round trips to measure (default 30)\n",
	       prog, prog, WAKE_TIMEOUT_S);
}

static int port_setup(uint16_t port, struct rte_mempool *mp, uint32_t max_len)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (max_len > RTE_ETHER_MAX_LEN && max_len <= info.max_rx_pktlen)
		conf.rxmode.mtu = max_len - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (max_len > RTE_ETHER_MAX_LEN && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL, mp);
	if (ret != 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, RING, rte_eth_dev_socket_id(port), NULL);
	if (ret != 0)
		return ret;
	return rte_eth_dev_start(port);
}

/* One UDP packet of len bytes (no FCS) into a fresh mbuf, stamped later. */
static struct rte_mbuf *make_packet(struct rte_mempool *mp, const uint8_t *tmpl, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, tmpl, HDR_LEN + sizeof(struct stamp));
	return m;
}

static void build_template(uint8_t *t, uint16_t port, uint32_t len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_ether_addr dst = {{0x02, 0, 0, 0, 0, 0x02}};

	rte_eth_macaddr_get(port, &eth->src_addr);
	eth->dst_addr = dst;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(9);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
	udp->dgram_cksum = 0;
}

static uint32_t bin_of(uint64_t ns)
{
	if (ns < (uint64_t)BINS * BIN_NS)
		return (uint32_t)(ns / BIN_NS);
	if (ns < (uint64_t)BINS2 * BIN2_NS)
		return BINS + (uint32_t)(ns / BIN2_NS);
	return BINS + BINS2;
}

static uint64_t percentile(const uint64_t *bins, uint64_t n, double q, uint64_t max_ns)
{
	uint64_t want = (uint64_t)(q * (double)n), seen = 0;
	uint32_t i;

	if (want >= n)
		want = n - 1;
	for (i = 0; i < BINS + BINS2; i++) {
		seen += bins[i];
		if (seen > want)
			return i < BINS ? (uint64_t)i * BIN_NS + BIN_NS / 2
					: (uint64_t)(i - BINS) * BIN2_NS + BIN2_NS / 2;
	}
	return max_ns;
}

/* Round trips measured: a histogram and the exact minimum, maximum and sum. */
struct lat_stats {
	uint64_t *bins;   /* BINS + BINS2 + 1 counts (bin_of()) */
	uint64_t samples; /* round trips counted */
	uint64_t sum_ns;  /* their sum */
	uint64_t min_ns;  /* the shortest, UINT64_MAX before the first */
	uint64_t max_ns;  /* the longest */
};

static void lat_add(struct lat_stats *st, uint64_t ns)
{
	st->samples++;
	st->sum_ns += ns;
	if (ns < st->min_ns)
		st->min_ns = ns;
	if (ns > st->max_ns)
		st->max_ns = ns;
	st->bins[bin_of(ns)]++;
}

/* A percentile: the middle of its bin, kept within the exact minimum and maximum. */
static uint64_t lat_pct(const struct lat_stats *st, double q)
{
	uint64_t v = percentile(st->bins, st->samples, q, st->max_ns);

	return RTE_MAX(RTE_MIN(v, st->max_ns), st->min_ns);
}

/* The " samples=... mean_ns=..." part of a "latency:" line (samples > 0). */
static void lat_print(const struct lat_stats *st)
{
	printf(" samples=%" PRIu64 " min_ns=%" PRIu64 " p50_ns=%" PRIu64 " p99_ns=%" PRIu64
	       " p999_ns=%" PRIu64 " max_ns=%" PRIu64 " mean_ns=%" PRIu64, st->samples,
	       st->min_ns, lat_pct(st, 0.50), lat_pct(st, 0.99), lat_pct(st, 0.999),
	       st->max_ns, st->sum_ns / st->samples);
}

/* Sleep ms milliseconds (less when a signal asks to quit). */
static void idle_ms_sleep(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1000000);
	while (!quit && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Send one stamped packet (seq) on port 0 and poll rx_port until it comes
 * back or timeout TSC cycles pass; its round trip in ns, or UINT64_MAX.
 * Packets of earlier calls count into *late, others into *foreign.
 */
static uint64_t round_trip(struct rte_mempool *mp, const uint8_t *tmpl, uint32_t len,
			   uint16_t rx_port, uint32_t seq, uint64_t timeout, uint64_t *late,
			   uint64_t *foreign)
{
	uint64_t hz = rte_get_tsc_hz(), t0, now, ns = UINT64_MAX;
	struct rte_mbuf *m, *pkts[BURST];
	struct stamp *st;

	m = make_packet(mp, tmpl, len);
	if (m == NULL)
		return UINT64_MAX;
	st = rte_pktmbuf_mtod_offset(m, struct stamp *, HDR_LEN);
	st->magic = LAT_MAGIC;
	st->seq = seq;
	t0 = rte_rdtsc();
	st->tsc = t0;
	if (rte_eth_tx_burst(0, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return UINT64_MAX - 1;
	}
	while (ns == UINT64_MAX && !quit && (now = rte_rdtsc()) - t0 < timeout) {
		uint16_t nb = rte_eth_rx_burst(rx_port, 0, pkts, BURST), k;

		if (nb == 0)
			continue;
		now = rte_rdtsc();
		for (k = 0; k < nb; k++) {
			struct stamp copy;
			const struct stamp *s = rte_pktmbuf_read(pkts[k], HDR_LEN, sizeof(copy),
								 &copy);

			if (s == NULL || s->magic != LAT_MAGIC)
				(*foreign)++;
			else if (s->seq != seq || s->tsc != t0)
				(*late)++; /* one given up on before */
			else
				ns = (now - t0) * 1000000000ULL / hz;
		}
		rte_pktmbuf_free_bulk(pkts, nb);
	}
	return ns;
}

/*
 * --idle-ms: count times, idle for idle_ms, then one packet out on port 0
 * and back on rx_port; its round trip into bins. Prints the result lines;
 * returns the exit status.
 */
static int run_wake(struct rte_mempool *mp, const uint8_t *tmpl, uint32_t len, uint32_t size,
		    uint16_t rx_port, double idle_ms, uint32_t count, uint64_t *bins)
{
	uint64_t hz = rte_get_tsc_hz(), t_start, t_stop, timeout, ns;
	struct lat_stats lat = { .bins = bins, .min_ns = UINT64_MAX };
	uint64_t sent = 0, tx_full = 0, received = 0, foreign = 0, late = 0, lost = 0;
	double secs;
	uint32_t i;

	timeout = hz * WAKE_TIMEOUT_S;
	/* The DUT's port comes up some time after ours: until one comes back. */
	t_start = rte_rdtsc();
	do {
		ns = round_trip(mp, tmpl, len, rx_port, UINT32_MAX, hz / 100, &late, &foreign);
	} while (ns >= UINT64_MAX - 1 && !quit && rte_rdtsc() - t_start < hz * WAKE_READY_S);
	if (ns >= UINT64_MAX - 1) {
		fprintf(stderr, "vdp-latency: nothing came back within %d s\n", WAKE_READY_S);
		printf("latency: offered_pps=%.3f sent=0 received=0 samples=0 idle_ms=%.0f count=%u"
		       " lost=%u\n", 1000.0 / idle_ms, idle_ms, count, count);
		fflush(stdout);
		return 1;
	}
	late = 0;
	foreign = 0;
	printf("vdp-latency: %u round trips of %u-byte frames, each after %.0f ms idle, out on"
	       " port 0, back on port %u\n", count, size, idle_ms, rx_port);
	fflush(stdout);
	t_start = rte_rdtsc();
	for (i = 0; i < count && !quit; i++) {
		idle_ms_sleep(idle_ms);
		if (quit)
			break;
		ns = round_trip(mp, tmpl, len, rx_port, i, timeout, &late, &foreign);
		if (ns == UINT64_MAX - 1) {
			tx_full++;
			lost++;
			continue;
		}
		sent++;
		if (ns == UINT64_MAX) {
			lost++;
			continue;
		}
		received++;
		lat_add(&lat, ns);
	}
	received += late;
	t_stop = rte_rdtsc();
	secs = (double)(t_stop - t_start) / (double)hz;
	if (secs <= 0)
		secs = 1;
	if (lat.samples == 0) {
		printf("latency: offered_pps=%.3f tx_pps=%.3f rx_pps=0 sent=%" PRIu64
		       " tx_full=%" PRIu64 " received=%" PRIu64 " foreign=%" PRIu64
		       " samples=0 idle_ms=%.0f count=%u lost=%" PRIu64 " late=%" PRIu64 "\n",
		       1000.0 / idle_ms, (double)sent / secs, sent, tx_full, received, foreign,
		       idle_ms, count, lost, late);
		fflush(stdout);
		return 1;
	}
	printf("vdp-latency: wake-up round trips after %.0f ms idle: %" PRIu64 " of %u back,"
	       " p50 %.2f us, p99 %.2f us, max %.2f us\n", idle_ms, lat.samples, count,
	       (double)lat_pct(&lat, 0.50) / 1000.0, (double)lat_pct(&lat, 0.99) / 1000.0,
	       (double)lat.max_ns / 1000.0);
	printf("latency: offered_pps=%.3f tx_pps=%.3f rx_pps=%.3f sent=%" PRIu64
	       " tx_full=%" PRIu64 " received=%" PRIu64 " foreign=%" PRIu64,
	       1000.0 / idle_ms, (double)sent / secs, (double)lat.samples / secs, sent, tx_full,
	       received, foreign);
	lat_print(&lat);
	printf(" idle_ms=%.0f count=%u lost=%" PRIu64 " late=%" PRIu64 "\n", idle_ms, count,
	       lost, late);
	fflush(stdout);
	return lost == 0 && !quit ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"rate", required_argument, NULL, 'r'},
		{"size", required_argument, NULL, 's'},
		{"duration", required_argument, NULL, 'd'},
		{"warmup", required_argument, NULL, 'w'},
		{"ports", required_argument, NULL, 'p'},
		{"idle-ms", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	double rate = 0, duration = 5, warmup = 1, idle_ms = 0;
	uint32_t size = 64, len, nports = 1, data_room, count = 30;
	uint16_t rx_port;
	struct rte_mempool *mp;
	uint8_t tmpl[HDR_LEN + sizeof(struct stamp)];
	struct lat_stats lat = { .min_ns = UINT64_MAX };
	uint64_t hz, period, next, t_start, t_win0, t_win1, t_end, now;
	uint32_t seq = 0;
	uint64_t sent = 0, tx_full = 0, received = 0, win_sent = 0, win_recv = 0, foreign = 0;
	int ret, c;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "vdp-latency: EAL initialisation failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rate = strtod(optarg, NULL); break;
		case 's': size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'w': warmup = strtod(optarg, NULL); break;
		case 'p': nports = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'i': idle_ms = strtod(optarg, NULL); break;
		case 'c': count = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 2;
		}
	}
	if ((idle_ms > 0 ? count < 1 : rate < 1) || idle_ms < 0 || size < 64 || size > 9000 ||
	    duration <= 0 || warmup < 0 || (nports != 1 && nports != 2)) {
		usage(argv[0]);
		return 2;
	}
	if (rte_eth_dev_count_avail() < nports) {
		fprintf(stderr, "vdp-latency: needs %u port(s), EAL has %u\n", nports,
			rte_eth_dev_count_avail());
		return 1;
	}
	len = size - RTE_ETHER_CRC_LEN;
	data_room = RTE_PKTMBUF_HEADROOM + (len > 2048 ? len : 2048);
	mp = rte_pktmbuf_pool_create("lat", 8191, 256, 0, (uint16_t)data_room, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "vdp-latency: no mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (uint16_t p = 0; p < nports; p++) {
		ret = port_setup(p, mp, size);
		if (ret != 0) {
			fprintf(stderr, "vdp-latency: port %u: %s\n", p, rte_strerror(-ret));
			return 1;
		}
	}
	rx_port = (uint16_t)(nports - 1);
	build_template(tmpl, 0, len);
	lat.bins = calloc(BINS + BINS2 + 1, sizeof(*lat.bins));
	if (lat.bins == NULL)
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (idle_ms > 0) {
		ret = run_wake(mp, tmpl, len, size, rx_port, idle_ms, count, lat.bins);
		goto out;
	}
	hz = rte_get_tsc_hz();
	period = (uint64_t)((double)hz / rate);
	if (period == 0)
		period = 1;
	t_start = rte_rdtsc();
	t_win0 = t_start + (uint64_t)(warmup * (double)hz);
	t_win1 = t_win0 + (uint64_t)(duration * (double)hz);
	t_end = t_win1 + hz; /* up to 1 s for packets still in flight */
	next = t_start;
	printf("vdp-latency: offering %.0f pps of %u-byte frames on port 0, back on port %u\n",
	       rate, size, rx_port);
	fflush(stdout);

	while (!quit && (now = rte_rdtsc()) < t_end &&
	       !(now >= t_win1 && received + foreign >= sent)) {
		struct rte_mbuf *pkts[BURST];
		uint16_t n = 0, i, nb;

		if (now < t_win1 && now >= next) {
			uint64_t due = (now - next) / period + 1;

			if (due > BURST)
				due = BURST;
			for (n = 0; n < due; n++) {
				pkts[n] = make_packet(mp, tmpl, len);
				if (pkts[n] == NULL)
					break;
			}
			now = rte_rdtsc();
			for (i = 0; i < n; i++) {
				struct stamp *st = rte_pktmbuf_mtod_offset(pkts[i], struct stamp *,
									   HDR_LEN);
				st->magic = LAT_MAGIC;
				st->seq = seq++;
				st->tsc = now;
			}
			nb = rte_eth_tx_burst(0, 0, pkts, n);
			sent += nb;
			if (now >= t_win0)
				win_sent += nb;
			if (nb < n) {
				tx_full += n - nb;
				rte_pktmbuf_free_bulk(&pkts[nb], n - nb);
			}
			next += due * period;
			/* more than 1 ms behind: the rate is not reachable; do not burst */
			if (now > next + hz / 1000)
				next = now;
		}
		nb = rte_eth_rx_burst(rx_port, 0, pkts, BURST);
		if (nb == 0)
			continue;
		now = rte_rdtsc();
		for (i = 0; i < nb; i++) {
			const struct stamp *st;
			struct stamp copy;

			st = rte_pktmbuf_read(pkts[i], HDR_LEN, sizeof(copy), &copy);
			if (st != NULL && st->magic == LAT_MAGIC && st->tsc <= now) {
				received++;
				if (st->tsc >= t_win0 && st->tsc < t_win1) {
					uint64_t ns = (now - st->tsc) * 1000000000ULL / hz;

					win_recv++;
					lat_add(&lat, ns);
				}
			} else {
				foreign++;
			}
		}
		rte_pktmbuf_free_bulk(pkts, nb);
	}

	if (lat.samples == 0) {
		printf("latency: offered_pps=%.0f tx_pps=%.0f rx_pps=0 sent=%" PRIu64
		       " tx_full=%" PRIu64 " received=%" PRIu64 " foreign=%" PRIu64 " samples=0\n",
		       rate, (double)win_sent / duration, sent, tx_full, received, foreign);
		ret = 1;
	} else {
		printf("latency: offered_pps=%.0f tx_pps=%.0f rx_pps=%.0f sent=%" PRIu64
		       " tx_full=%" PRIu64 " received=%" PRIu64 " foreign=%" PRIu64,
		       rate, (double)win_sent / duration, (double)win_recv / duration, sent,
		       tx_full, received, foreign);
		lat_print(&lat);
		printf("\n");
		ret = 0;
	}
	fflush(stdout);
out:
	for (uint16_t p = 0; p < nports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	free(lat.bins);
	rte_eal_cleanup();
	return ret;
}
