/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The tx offload path of port_tx_burst(): TCP segmentation and checksums
 * done in software for a port that cannot take them, passed through to one
 * that can, and bad requests dropped and counted. Frames are checked the
 * way a receiver would: lengths, sequence numbers, payload and checksums.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "tap.h"
#include "test_port.h"

#define HDRS4 (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr))
#define HDRS6 (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_tcp_hdr))
#define SEQ0 1000000u

static struct rte_mempool *pool;
static struct test_port *tp;

/* Payload byte @p i of every test packet. */
static uint8_t
payload_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8));
}

/* Append @p len bytes to @p m, chaining segments as they fill. */
static int
append(struct rte_mbuf *m, const uint8_t *src, uint32_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);

	while (len != 0) {
		uint16_t room = rte_pktmbuf_tailroom(last), n;

		if (room == 0) {
			struct rte_mbuf *seg = rte_pktmbuf_alloc(pool);

			if (seg == NULL || rte_pktmbuf_chain(m, seg) != 0)
				return -1;
			last = seg;
			continue;
		}
		n = RTE_MIN((uint32_t)room, len);
		memcpy(rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len), src, n);
		last->data_len += n;
		m->pkt_len += n;
		src += n;
		len -= n;
	}
	return 0;
}

/*
 * A TCP packet over IPv4 or IPv6 with @p payload bytes, as a guest hands
 * it over with a segmentation request (@p mss != 0) or a partial checksum:
 * the TCP checksum field holds only the pseudo-header sum.
 */
static struct rte_mbuf *
tcp_pkt(bool v6, uint32_t payload, uint16_t mss)
{
	uint8_t hdr[HDRS6], data[256];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)hdr;
	uint16_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(hdr + RTE_ETHER_HDR_LEN + l3);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t i, done;

	if (m == NULL)
		return NULL;
	memset(hdr, 0, sizeof(hdr));
	test_mac(&eth->dst_addr, 1);
	test_mac(&eth->src_addr, 2);
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(sizeof(*tcp) + payload);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		ip->src_addr[0] = 0xfd;
		ip->src_addr[15] = 1;
		ip->dst_addr[0] = 0xfd;
		ip->dst_addr[15] = 2;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(l3 + sizeof(*tcp) + payload);
		ip->packet_id = rte_cpu_to_be_16(100);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1));
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	tcp->src_port = rte_cpu_to_be_16(40000);
	tcp->dst_port = rte_cpu_to_be_16(5201);
	tcp->sent_seq = rte_cpu_to_be_32(SEQ0);
	tcp->data_off = (sizeof(*tcp) / 4) << 4;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = l3;
	m->l4_len = sizeof(*tcp);
	m->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM |
		(v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	if (mss != 0) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = mss;
	}
	/* The pseudo-header sum, as a virtio driver leaves it. */
	tcp->cksum = v6 ? rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(eth + 1), m->ol_flags) :
			  rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(eth + 1), m->ol_flags);
	if (append(m, hdr, RTE_ETHER_HDR_LEN + l3 + sizeof(*tcp)) != 0)
		goto fail;
	for (done = 0; done < payload; done += i) {
		for (i = 0; i < sizeof(data) && done + i < payload; i++)
			data[i] = payload_byte(done + i);
		if (append(m, data, i) != 0)
			goto fail;
	}
	return m;
fail:
	rte_pktmbuf_free(m);
	return NULL;
}

/* Read @p len bytes at @p off of a (possibly chained) frame. */
static void
frame_read(const struct rte_mbuf *m, uint32_t off, void *dst, uint32_t len)
{
	const void *p = rte_pktmbuf_read(m, off, len, dst);

	if (p != dst)
		memcpy(dst, p, len);
}

/*
 * Check the frames recorded on the test port from @p first on are the
 * segments of a tcp_pkt(@p v6, @p payload, @p mss): sizes, sequence
 * numbers, IP lengths and ids, checksums, flags and payload bytes.
 */
static void
check_segments(bool v6, uint32_t payload, uint16_t mss, uint16_t first)
{
	uint16_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint16_t hdrs = RTE_ETHER_HDR_LEN + l3 + sizeof(struct rte_tcp_hdr);
	uint16_t nseg = (payload + mss - 1) / mss, s;
	uint8_t buf[HDRS6 + 2048];
	uint32_t off = 0, i, bad = 0;

	TAP_EQ(tp->tx_n - first, nseg);
	for (s = 0; s < nseg && first + s < tp->tx_n; s++) {
		struct rte_mbuf *f = tp->tx[first + s];
		uint32_t len = RTE_MIN((uint32_t)mss, payload - off);
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(buf + RTE_ETHER_HDR_LEN + l3);
		uint8_t fin_psh = (s == nseg - 1) ? RTE_TCP_PSH_FLAG : 0;

		TAP_EQ(rte_pktmbuf_pkt_len(f), hdrs + len);
		TAP_EQ(f->ol_flags & (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK |
				      RTE_MBUF_F_TX_IP_CKSUM), 0);
		if (rte_pktmbuf_pkt_len(f) != hdrs + len)
			break;
		frame_read(f, 0, buf, hdrs + len);
		TAP_EQ(rte_be_to_cpu_32(tcp->sent_seq), SEQ0 + off);
		TAP_EQ(tcp->tcp_flags & RTE_TCP_PSH_FLAG, fin_psh);
		if (v6) {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + RTE_ETHER_HDR_LEN);

			TAP_EQ(rte_be_to_cpu_16(ip->payload_len), sizeof(*tcp) + len);
			TAP_EQ(rte_ipv6_udptcp_cksum_verify(ip, tcp), 0);
		} else {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + RTE_ETHER_HDR_LEN);

			TAP_EQ(rte_be_to_cpu_16(ip->total_length), l3 + sizeof(*tcp) + len);
			TAP_EQ(rte_be_to_cpu_16(ip->packet_id), 100 + s);
			TAP_EQ(rte_ipv4_cksum(ip), 0);
			TAP_EQ(rte_ipv4_udptcp_cksum_verify(ip, tcp), 0);
		}
		for (i = 0; i < len; i++)
			bad += buf[hdrs + i] != payload_byte(off + i);
		off += len;
	}
	TAP_EQ(bad, 0);
	TAP_EQ(off, payload);
}

/* Reset the port and check the pool is whole again. */
static void
reset_no_leak(void)
{
	test_port_reset(tp);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
}

/* A port without TSO gets MSS-sized frames with complete checksums. */
static void
test_tso4_segmented(void)
{
	struct rte_mbuf *m = tcp_pkt(false, 4500, 1000);
	struct stats_queue st;

	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	TAP_CHECK(m->nb_segs > 1);
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 5);
	check_segments(false, 4500, 1000, 0);
	st = test_port_stats(&tp->port, false);
	TAP_EQ(st.pkts, 5);
	TAP_EQ(st.bytes, 5 * HDRS4 + 4500);
	reset_no_leak();
}

/* TSO over IPv6 cannot be done in software: to a port that takes it for
 * IPv4 only, the packet is dropped and counted, never sent oversized; a
 * port that takes it for IPv6 gets it as it is. */
static void
test_tso6(void)
{
	struct rte_mbuf *m = tcp_pkt(true, 3000, 1400);
	struct stats_queue st;

	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	tp->port.tx_tso = PORT_TSO4;
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 0);
	TAP_EQ(tp->tx_n, 0);
	st = test_port_stats(&tp->port, false);
	TAP_EQ(st.drops[STATS_DROP_BAD_OFFLOAD], 1);
	reset_no_leak();
	m = tcp_pkt(true, 3000, 1400);
	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	tp->port.tx_tso = PORT_TSO6;
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 1);
	TAP_CHECK(tp->tx_n == 1 && tp->tx[0] == m);
	reset_no_leak();
	/* No longer than one segment: sent, with its checksum completed. */
	m = tcp_pkt(true, 1000, 1400);
	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 1);
	check_segments(true, 1000, 1400, 0);
	reset_no_leak();
}

/* A port that takes TSO gets the packet itself, request and all. */
static void
test_tso_passthrough(void)
{
	struct rte_mbuf *m = tcp_pkt(false, 4000, 1000);

	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	tp->port.tx_tso = PORT_TSO4 | PORT_TSO6;
	tp->port.tx_csum = true;
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 1);
	TAP_EQ(tp->tx_n, 1);
	TAP_CHECK(tp->tx[0] == m);
	TAP_CHECK(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	TAP_EQ(m->tso_segsz, 1000);
	reset_no_leak();
}

/* A request no shorter than the packet: sent whole, checksums completed. */
static void
test_tso_one_segment(void)
{
	struct rte_mbuf *m = tcp_pkt(false, 800, 1000);

	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 1);
	check_segments(false, 800, 1000, 0);
	reset_no_leak();
}

/* Bad requests are dropped and counted; good packets around them go. */
static void
test_tso_bad(void)
{
	struct rte_mbuf *m[4];
	struct stats_queue st;

	m[0] = tcp_pkt(false, 100, 0);
	m[1] = tcp_pkt(false, 3000, 1000);
	m[2] = tcp_pkt(false, 3000, 1000);
	m[3] = tcp_pkt(false, 3000, 8);
	TAP_CHECK(m[0] && m[1] && m[2] && m[3]);
	if (!(m[0] && m[1] && m[2] && m[3]))
		return;
	m[1]->tso_segsz = 0;           /* no segment size */
	m[3]->l4_len = 4;              /* shorter than a TCP header */
	TAP_EQ(port_tx_burst(&tp->port, 0, m, 4), 1 + 3);
	st = test_port_stats(&tp->port, false);
	TAP_EQ(st.drops[STATS_DROP_BAD_OFFLOAD], 2);
	TAP_EQ(st.pkts, 4);
	TAP_EQ(rte_pktmbuf_pkt_len(tp->tx[0]), HDRS4 + 100);
	check_segments(false, 3000, 1000, 1);
	reset_no_leak();
}

/* Partial checksums: completed for a port that cannot take them, kept
 * for one that can; a full burst of them flows either way. */
static void
test_csum(void)
{
	struct rte_mbuf *m[40];
	uint16_t i, ok = 0;

	for (i = 0; i < RTE_DIM(m); i++) {
		m[i] = tcp_pkt(i & 1, 200 + i, 0);
		TAP_CHECK(m[i] != NULL);
		if (m[i] == NULL)
			return;
	}
	TAP_EQ(port_tx_burst(&tp->port, 0, m, 20), 20);
	for (i = 0; i < 20; i++) {
		uint8_t buf[HDRS6];
		bool v6 = i & 1;
		uint16_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);

		frame_read(tp->tx[i], 0, buf, RTE_ETHER_HDR_LEN + l3);
		ok += !(tp->tx[i]->ol_flags & RTE_MBUF_F_TX_L4_MASK) &&
			(v6 ? rte_ipv6_udptcp_cksum_mbuf_verify(tp->tx[i],
				(struct rte_ipv6_hdr *)(buf + RTE_ETHER_HDR_LEN),
				RTE_ETHER_HDR_LEN + l3) :
			      rte_ipv4_udptcp_cksum_mbuf_verify(tp->tx[i],
				(struct rte_ipv4_hdr *)(buf + RTE_ETHER_HDR_LEN),
				RTE_ETHER_HDR_LEN + l3)) == 0;
	}
	TAP_EQ(ok, 20);
	tp->port.tx_csum = true;
	TAP_EQ(port_tx_burst(&tp->port, 0, m + 20, 20), 20);
	ok = 0;
	for (i = 20; i < 40; i++)
		ok += (tp->tx[i]->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM;
	TAP_EQ(ok, 20);
	reset_no_leak();
}

/* More segments than one hand-off holds, to a port that fills up: what it
 * takes is counted as sent, the rest as tx_full, and nothing leaks. */
static void
test_tso_port_full(void)
{
	struct rte_mbuf *m = tcp_pkt(false, 60000, 500);
	struct stats_queue st;

	TAP_CHECK(m != NULL);
	if (m == NULL)
		return;
	tp->tx_cap = 100;
	TAP_EQ(port_tx_burst(&tp->port, 0, &m, 1), 100);
	st = test_port_stats(&tp->port, false);
	TAP_EQ(st.pkts, 100);
	TAP_EQ(st.drops[STATS_DROP_TX_FULL], 120 - 100);
	reset_no_leak();
}

int
main(void)
{
	pool = test_eal_init();
	if (pool == NULL)
		return 1;
	tp = test_port_create("t0");
	if (tp == NULL)
		return 1;
	TAP_RUN(test_tso4_segmented);
	TAP_RUN(test_tso6);
	TAP_RUN(test_tso_passthrough);
	TAP_RUN(test_tso_one_segment);
	TAP_RUN(test_tso_bad);
	TAP_RUN(test_csum);
	TAP_RUN(test_tso_port_full);
	return tap_done();
}
