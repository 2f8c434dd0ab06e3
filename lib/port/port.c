/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "port.h"

RTE_LOG_REGISTER_SUFFIX(port_logtype, port, INFO);
#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, port_logtype, "port: " fmt "\n", ##__VA_ARGS__)

/* The table is written only by the control lcore; a removed port leaves a
 * free slot (NULL) that the next port takes. Workers never read it: they
 * reach ports through the published plan and forwarding configuration. */
static struct port *port_table[VDP_MAX_PORTS];
static uint16_t port_nb;
static void (*port_quiesce_fn)(void);
static void (*port_wake_fn)(void);

/* The mbuf pools by socket, in the order registered. An entry is written
 * whole before the count that covers it is published (release); readers
 * load the count (acquire) and then read only entries below it. */
static struct {
	int socket;                  /* NUMA socket the pool serves. */
	struct rte_mempool *mp;      /* The pool. */
} port_pools[RTE_MAX_NUMA_NODES + 1]; /* Every socket, and SOCKET_ID_ANY. */
static unsigned int port_pools_nb;
static pthread_mutex_t port_pools_lock = PTHREAD_MUTEX_INITIALIZER;

int
port_pool_add(int socket, struct rte_mempool *mp)
{
	unsigned int n;
	int ret = 0;

	if (mp == NULL || socket < SOCKET_ID_ANY || socket >= RTE_MAX_NUMA_NODES)
		return -EINVAL;
	pthread_mutex_lock(&port_pools_lock);
	n = port_pools_nb;
	if (port_pool_find(socket) != NULL) {
		ret = -EEXIST;
	} else {
		/* One pool per socket: a free entry is always left. */
		port_pools[n].socket = socket;
		port_pools[n].mp = mp;
		__atomic_store_n(&port_pools_nb, n + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&port_pools_lock);
	return ret;
}

unsigned int
port_pool_count(void)
{
	return __atomic_load_n(&port_pools_nb, __ATOMIC_ACQUIRE);
}

struct rte_mempool *
port_pool_at(unsigned int i)
{
	return i < port_pool_count() ? port_pools[i].mp : NULL;
}

struct rte_mempool *
port_pool_find(int socket)
{
	unsigned int i, n = port_pool_count();

	for (i = 0; i < n; i++)
		if (port_pools[i].socket == socket)
			return port_pools[i].mp;
	return NULL;
}

struct rte_mempool *
port_pool_for(int socket)
{
	struct rte_mempool *mp = socket == SOCKET_ID_ANY ? NULL : port_pool_find(socket);

	return mp != NULL ? mp : port_pool_at(0);
}

void
port_set_quiesce(void (*fn)(void))
{
	port_quiesce_fn = fn;
}

void
port_quiesce(void)
{
	if (port_quiesce_fn != NULL)
		port_quiesce_fn();
}

void
port_set_wake(void (*fn)(void))
{
	port_wake_fn = fn;
}

void
port_wake(void)
{
	if (port_wake_fn != NULL)
		port_wake_fn();
}

uint16_t
port_count(void)
{
	return port_nb;
}

struct port *
port_get(uint16_t id)
{
	return id < port_nb ? port_table[id] : NULL;
}

struct port *
port_find(const char *name)
{
	uint16_t i;

	for (i = 0; i < port_nb; i++)
		if (port_table[i] != NULL && strcmp(port_table[i]->name, name) == 0)
			return port_table[i];
	return NULL;
}

struct port *
port_alloc(size_t size, const char *name, const struct port_ops *ops,
	   uint16_t nb_rxq, uint16_t nb_txq, struct rte_mempool *pool,
	   enum stats_drop tx_full_drop)
{
	struct port *p;

	if (nb_rxq == 0 || nb_rxq > PORT_MAX_QUEUES ||
	    nb_txq == 0 || nb_txq > PORT_MAX_QUEUES) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (pool == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	if (port_find(name) != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	p = rte_zmalloc("port", size, RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	strlcpy(p->name, name, sizeof(p->name));
	p->ops = ops;
	p->nb_rxq = nb_rxq;
	p->nb_txq = nb_txq;
	p->socket = SOCKET_ID_ANY;
	p->tx_full_drop = tx_full_drop;
	p->pool = pool;
	return p;
}

int
port_register(struct port *p)
{
	uint16_t id = 0;

	if (port_find(p->name) != NULL)
		return -EEXIST;
	while (id < port_nb && port_table[id] != NULL)
		id++;
	if (id >= VDP_MAX_PORTS)
		return -ENOSPC;
	p->id = id;
	port_table[id] = p;
	if (id == port_nb)
		port_nb++;
	return 0;
}

void
port_unregister(struct port *p)
{
	if (p->id >= port_nb || port_table[p->id] != p)
		return;
	port_table[p->id] = NULL;
	while (port_nb > 0 && port_table[port_nb - 1] == NULL)
		port_nb--;
}

int
port_start_all(void)
{
	uint16_t i;
	int ret;

	for (i = 0; i < port_nb; i++) {
		if (port_table[i] == NULL)
			continue;
		ret = port_table[i]->ops->start(port_table[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void
port_tick_all(void)
{
	uint16_t i;

	for (i = 0; i < port_nb; i++)
		if (port_table[i] != NULL && port_table[i]->ops->tick != NULL)
			port_table[i]->ops->tick(port_table[i]);
	port_vhost_reap();
}

void
port_destroy_all(void)
{
	while (port_nb > 0) {
		struct port *p = port_table[--port_nb];

		if (p == NULL)
			continue;
		port_table[port_nb] = NULL;
		p->ops->stop(p);
		p->ops->destroy(p);
	}
}

void
port_stats_queue(const struct port *p, bool rx, uint16_t q,
		 struct stats_queue *out)
{
	struct stats_queue live;

	if (rx) {
		stats_queue_read(&p->rxq[q], &live);
		stats_queue_sub(out, &live, &p->rxq_base[q]);
	} else {
		stats_queue_read(&p->txq[q], &live);
		stats_queue_sub(out, &live, &p->txq_base[q]);
	}
}

void
port_stats_get(const struct port *p, struct stats_queue *rx,
	       struct stats_queue *tx)
{
	struct stats_queue one;
	uint16_t q;

	if (rx != NULL) {
		memset(rx, 0, sizeof(*rx));
		for (q = 0; q < PORT_MAX_QUEUES; q++) {
			port_stats_queue(p, true, q, &one);
			stats_queue_acc(rx, &one);
		}
	}
	if (tx != NULL) {
		memset(tx, 0, sizeof(*tx));
		for (q = 0; q < PORT_MAX_QUEUES; q++) {
			port_stats_queue(p, false, q, &one);
			stats_queue_acc(tx, &one);
		}
	}
}

void
port_stats_clear(struct port *p)
{
	uint16_t q;

	for (q = 0; q < PORT_MAX_QUEUES; q++) {
		stats_queue_read(&p->rxq[q], &p->rxq_base[q]);
		stats_queue_read(&p->txq[q], &p->txq_base[q]);
	}
}

/*
 * Complete in software the TCP/UDP checksum that @p m's TX offload flags
 * ask for (the L4 field holds the pseudo-header sum, as virtio's partial
 * checksums do; it is recomputed whole), and the IPv4 header checksum when
 * asked, and clear the requests. Needs the headers in the first segment; a
 * packet whose lengths do not fit is left as it is.
 */
static void
port_csum_complete(struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint16_t off = m->l2_len + m->l3_len;
	uint16_t field = off + (l4 == RTE_MBUF_F_TX_UDP_CKSUM ?
		offsetof(struct rte_udp_hdr, dgram_cksum) : offsetof(struct rte_tcp_hdr, cksum));
	bool ip = !!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	struct rte_ipv4_hdr *ip4;
	uint16_t *sum;

	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM);
	if (m->l3_len < sizeof(struct rte_ipv4_hdr) ||
	    (uint32_t)field + sizeof(*sum) > rte_pktmbuf_data_len(m))
		return;
	if (ip && (m->ol_flags & RTE_MBUF_F_TX_IPV4)) {
		ip4 = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
		ip4->hdr_checksum = 0;
		ip4->hdr_checksum = rte_ipv4_cksum(ip4);
	}
	if (l4 == 0)
		return;
	sum = rte_pktmbuf_mtod_offset(m, uint16_t *, field);
	*sum = 0;
	if (m->ol_flags & RTE_MBUF_F_TX_IPV4)
		*sum = rte_ipv4_udptcp_cksum_mbuf(m, rte_pktmbuf_mtod_offset(m,
				const struct rte_ipv4_hdr *, m->l2_len), off);
	else
		*sum = rte_ipv6_udptcp_cksum_mbuf(m, rte_pktmbuf_mtod_offset(m,
				const struct rte_ipv6_hdr *, m->l2_len), off);
}

/* Frames gathered before each hand-off to the port on the offload path. */
#define PORT_TX_BATCH 64
/* The most frames one packet may become: 64 KiB at GSO's smallest segment. */
#define PORT_GSO_MAX_SEGS 512

/* Frames on their way to one (port, queue), with what was sent so far. */
struct port_tx_batch {
	struct rte_mbuf *pkts[PORT_TX_BATCH]; /* Frames gathered. */
	uint16_t n;                           /* How many. */
	uint64_t bytes;                       /* Their bytes. */
	uint16_t sent;                        /* Frames the port took so far. */
};

static void
port_tx_batch_flush(struct port *p, uint16_t q, struct port_tx_batch *b)
{
	if (b->n == 0)
		return;
	b->sent += port_tx_account(p, q, b->pkts, b->n,
				   p->ops->tx_burst(p, q, b->pkts, b->n), b->bytes);
	b->n = 0;
	b->bytes = 0;
}

static void
port_tx_batch_add(struct port *p, uint16_t q, struct port_tx_batch *b,
		  struct rte_mbuf *m)
{
	if (b->n == PORT_TX_BATCH)
		port_tx_batch_flush(p, q, b);
	b->pkts[b->n++] = m;
	b->bytes += rte_pktmbuf_pkt_len(m);
}

static bool
port_takes_tso(const struct port *p, const struct rte_mbuf *m)
{
	uint8_t need = (m->ol_flags & RTE_MBUF_F_TX_IPV6) ? PORT_TSO6 : PORT_TSO4;

	return !!(__atomic_load_n(&p->tx_tso, __ATOMIC_RELAXED) & need);
}

/*
 * Segment a TCP/IPv4 packet into frames of at most its headers plus
 * tso_segsz bytes, with their checksums complete; the packet itself is
 * released. TCP/IPv6 is not supported (rte_gso cannot do it).
 * Returns the number of frames, or a negative errno (the packet is then
 * still the caller's).
 */
static int
port_segment(struct rte_mbuf *m, struct rte_mbuf **segs)
{
	uint32_t size = (uint32_t)m->l2_len + m->l3_len + m->l4_len + m->tso_segsz;
	struct rte_gso_ctx ctx = {
		.direct_pool = m->pool,
		.indirect_pool = m->pool,
		.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = (uint16_t)size,
	};
	int ret, i;

	if (m->tso_segsz == 0 || m->l4_len < sizeof(struct rte_tcp_hdr) ||
	    size <= RTE_GSO_SEG_SIZE_MIN || size > UINT16_MAX)
		return -EINVAL;
	if (rte_pktmbuf_pkt_len(m) <= size) {
		/* Already no longer than one segment. */
		m->ol_flags &= ~RTE_MBUF_F_TX_TCP_SEG;
		segs[0] = m;
		ret = 1;
	} else {
		/* rte_gso segments TCP over IPv4 only; it passes others as
		 * they are (0), which would send one oversized frame. */
		ret = rte_gso_segment(m, &ctx, segs, PORT_GSO_MAX_SEGS);
		if (ret <= 0)
			return ret == 0 ? -ENOTSUP : ret;
		/* The segments hold references to it. */
		rte_pktmbuf_free(m);
	}
	for (i = 0; i < ret; i++)
		port_csum_complete(segs[i]);
	return ret;
}

static void
port_offload_drop(struct port *p, uint16_t q, struct rte_mbuf *m, int err)
{
	static uint64_t next_log;

	stats_add(&p->txq[q].drops[err == -ENOMEM ? STATS_DROP_MBUF_ALLOC :
				    STATS_DROP_BAD_OFFLOAD], 1);
	if (stats_log_due(&next_log)) {
		PORT_LOG(WARNING, "%s: cannot segment a %u-byte packet (segment size %u, "
			 "headers %u+%u+%u): %s", p->name, rte_pktmbuf_pkt_len(m),
			 m->tso_segsz, m->l2_len, m->l3_len, m->l4_len, strerror(-err));
	}
	rte_pktmbuf_free(m);
}

uint16_t
port_tx_burst_offload(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *segs[PORT_GSO_MAX_SEGS];
	struct port_tx_batch b = { .n = 0, .bytes = 0, .sent = 0 };
	bool csum = __atomic_load_n(&p->tx_csum, __ATOMIC_RELAXED);
	uint16_t i;
	int ret, s;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && !port_takes_tso(p, m)) {
			ret = port_segment(m, segs);
			if (ret < 0) {
				port_offload_drop(p, q, m, ret);
				continue;
			}
			for (s = 0; s < ret; s++)
				port_tx_batch_add(p, q, &b, segs[s]);
			continue;
		}
		if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) && !csum &&
		    !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
			port_csum_complete(m);
		port_tx_batch_add(p, q, &b, m);
	}
	port_tx_batch_flush(p, q, &b);
	return b.sent;
}

int
port_sock_path_claim(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	ret = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (ret == 0)
		return -EADDRINUSE;
	PORT_LOG(NOTICE, "removing stale socket %s", path);
	return unlink(path) == 0 ? 0 : -errno;
}

int
port_sock_perm_apply(const char *path, const struct port_sock_perm *perm, mode_t def_mode)
{
	uid_t uid = perm->set & PORT_SOCK_UID ? perm->uid : (uid_t)-1;
	gid_t gid = perm->set & PORT_SOCK_GID ? perm->gid : (gid_t)-1;

	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(path, uid, gid) != 0)
		return -errno;
	if (chmod(path, perm->set & PORT_SOCK_MODE ? perm->mode : def_mode) != 0)
		return -errno;
	return 0;
}
