/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "port.h"

/* The table is written only by the control lcore; a removed port leaves a
 * free slot (NULL) that the next port takes. Workers never read it: they
 * reach ports through the published plan and forwarding configuration. */
static struct port *port_table[VDP_MAX_PORTS];
static uint16_t port_nb;
static void (*port_quiesce_fn)(void);

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
	p->priv = p;
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

void
port_csum_complete(struct rte_mbuf *m)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint16_t off = m->l2_len + m->l3_len;
	uint16_t field = off + (l4 == RTE_MBUF_F_TX_UDP_CKSUM ?
		offsetof(struct rte_udp_hdr, dgram_cksum) : offsetof(struct rte_tcp_hdr, cksum));
	uint16_t *sum;

	m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
	if (m->l3_len < sizeof(struct rte_ipv4_hdr) ||
	    (uint32_t)field + sizeof(*sum) > rte_pktmbuf_data_len(m))
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
