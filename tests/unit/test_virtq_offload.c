/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq offloads: guest checksum and GSO requests to mbuf metadata
 * and back, against the split-ring driver of virtq_driver.c.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "test_port.h"
#include "virtq_fixture.h"

/* --- offloads ------------------------------------------------------------ */

/*
 * An Ethernet + IPv4/IPv6 + TCP/UDP frame with @p payload bytes; the TCP
 * header is @p tcp_len bytes (options included). Returns its length.
 */
static uint32_t
build_l4(uint8_t *buf, bool v6, uint8_t proto, uint32_t tcp_len,
	 uint32_t payload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint32_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint32_t l4 = proto == IPPROTO_TCP ? tcp_len : sizeof(struct rte_udp_hdr);
	uint8_t *p = buf + sizeof(*eth);
	uint32_t len = sizeof(*eth) + l3 + l4 + payload;

	vft_fill(buf, len, proto + tcp_len + payload);
	eth->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(l4 + payload);
		ip->proto = proto;
		ip->hop_limits = 64;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(l3 + l4 + payload);
		ip->fragment_offset = 0;
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
	}
	p += l3;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)p;

		tcp->data_off = (uint8_t)((tcp_len / 4) << 4);
		memset(p + sizeof(*tcp), 1, tcp_len - sizeof(*tcp)); /* NOP options. */
	} else {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)p;

		udp->dgram_len = rte_cpu_to_be_16(l4 + payload);
	}
	return len;
}

/* One offload case: a frame, the guest's header, and the mbuf metadata it means. */
struct offload_case {
	bool v6;            /* IPv6, else IPv4. */
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP. */
	uint32_t tcp_len;   /* TCP header bytes. */
	uint32_t payload;   /* L4 payload bytes. */
	struct virtio_net_hdr hdr; /* What the guest writes / reads. */
	uint64_t ol_flags;  /* RTE_MBUF_F_TX_* the header means. */
	uint16_t tso_segsz; /* For TCP_SEG. */
};

#define CSUM_HDR(start, off) { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, \
	.csum_start = (start), .csum_offset = (off) }
#define GSO_HDR(type, hlen, size, start) { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, \
	.gso_type = (type), .hdr_len = (hlen), .gso_size = (size), \
	.csum_start = (start), .csum_offset = 16 }

static const struct offload_case ol_cases[] = {
	{ false, IPPROTO_TCP, 20, 100, CSUM_HDR(34, 16),
	  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM, 0 },
	{ false, IPPROTO_UDP, 0, 100, CSUM_HDR(34, 6),
	  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM, 0 },
	{ true, IPPROTO_TCP, 20, 100, CSUM_HDR(54, 16),
	  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM, 0 },
	{ true, IPPROTO_UDP, 0, 100, CSUM_HDR(54, 6),
	  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM, 0 },
	{ false, IPPROTO_TCP, 32, 3000,
	  GSO_HDR(VIRTIO_NET_HDR_GSO_TCPV4, 14 + 20 + 32, 1448, 34),
	  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG, 1448 },
	{ true, IPPROTO_TCP, 20, 3000,
	  GSO_HDR(VIRTIO_NET_HDR_GSO_TCPV6, 14 + 40 + 20, 1400, 54),
	  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG, 1400 },
	{ false, IPPROTO_UDP, 0, 100, { 0 }, 0, 0 },
};

/* Guest checksum and GSO requests become mbuf offload flags and lengths. */
static void
test_offload_tx(void)
{
	static uint8_t frame[RTE_DIM(ol_cases)][3200];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint32_t len[RTE_DIM(ol_cases)];
	struct rte_mbuf *m[16];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t n;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1 | VFT_F_OFFLOADS) < 0)
		return;
	for (i = 0; i < RTE_DIM(ol_cases); i++) {
		const struct offload_case *c = &ol_cases[i];

		len[i] = build_l4(frame[i], c->v6, c->proto, c->tcp_len, c->payload);
		memset(&h, 0, sizeof(h));
		h.hdr = c->hdr;
		vdrv_tx(&d, &h, VFT_HDR12, frame[i], len[i], NULL, 0, false);
	}
	n = vft_deq(&vq, vft.pool, m, 16);
	TAP_EQ(n, RTE_DIM(ol_cases));
	for (i = 0; i < n; i++) {
		const struct offload_case *c = &ol_cases[i];
		uint64_t f = m[i]->ol_flags;

		printf("# case %u: ol_flags 0x%" PRIx64 "\n", i, f);
		TAP_CHECK(vft_mbuf_is(m[i], frame[i], len[i]));
		if (c->ol_flags == 0) {
			TAP_EQ(f & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
			continue;
		}
		TAP_EQ(f & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6),
		       c->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6));
		TAP_EQ(m[i]->l2_len, 14);
		TAP_EQ(m[i]->l3_len, c->v6 ? 40 : 20);
		if (c->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
			TAP_CHECK(f & RTE_MBUF_F_TX_TCP_SEG);
			TAP_EQ(m[i]->tso_segsz, c->tso_segsz);
			TAP_EQ(m[i]->l4_len, c->tcp_len);
		} else {
			TAP_CHECK(!(f & RTE_MBUF_F_TX_TCP_SEG));
			TAP_EQ(f & RTE_MBUF_F_TX_L4_MASK,
			       c->ol_flags & RTE_MBUF_F_TX_L4_MASK);
		}
	}
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/*
 * Without CSUM or HOST_TSO* negotiated a guest cannot ask for offloads, and
 * the dequeue does not read its header: a header that asks anyway (even for
 * what no feature allows) changes nothing, and the packet flows untouched.
 */
static void
test_offload_tx_not_negotiated(void)
{
	static const struct virtio_net_hdr asks[] = {
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16 },
		{ .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1000 },
		{ .gso_type = 0x42, .gso_size = 100 },
	};
	static uint8_t frame[RTE_DIM(asks)][2000];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint32_t len[RTE_DIM(asks)];
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t n;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	for (i = 0; i < RTE_DIM(asks); i++) {
		len[i] = build_l4(frame[i], false, IPPROTO_TCP, 20, 1000);
		memset(&h, 0, sizeof(h));
		h.hdr = asks[i];
		vdrv_tx(&d, &h, VFT_HDR12, frame[i], len[i], NULL, 0, false);
	}
	n = vft_deq(&vq, vft.pool, m, 8);
	TAP_EQ(n, RTE_DIM(asks));
	for (i = 0; i < n; i++) {
		TAP_CHECK(vft_mbuf_is(m[i], frame[i], len[i]));
		TAP_EQ(m[i]->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
	}
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* Mbuf offload flags become the guest's receive header. */
static void
test_offload_rx(void)
{
	static const uint32_t big[] = { 4096 };
	static uint8_t frame[3200], got[3300];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t head;
	uint32_t len;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1 | VFT_F_OFFLOADS) < 0)
		return;
	for (i = 0; i < RTE_DIM(ol_cases); i++) {
		const struct offload_case *c = &ol_cases[i];

		len = build_l4(frame, c->v6, c->proto, c->tcp_len, c->payload);
		m = vft_mk_mbuf(vft.pool, frame, len, 2048);
		TAP_CHECK(m != NULL);
		if (m == NULL)
			break;
		m->ol_flags |= c->ol_flags;
		/* TSO implies the TCP checksum (RTE_MBUF_F_TX_TCP_SEG's definition). */
		if (c->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		m->l2_len = 14;
		m->l3_len = c->v6 ? 40 : 20;
		m->l4_len = c->proto == IPPROTO_TCP ? c->tcp_len : 8;
		m->tso_segsz = c->tso_segsz;
		head = vdrv_rx(&d, big, 1, false);
		TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
		rte_pktmbuf_free(m);
		vft_expect_used(&d, head, VFT_HDR12 + len);
		vdrv_chain_read(&d, head, got, VFT_HDR12 + len);
		memcpy(&h, got, VFT_HDR12);
		TAP_CHECK(memcmp(got + VFT_HDR12, frame, len) == 0);
		printf("# case %u: flags %u gso %u/%u hdr_len %u csum %u/%u\n", i,
		       h.hdr.flags, h.hdr.gso_type, h.hdr.gso_size, h.hdr.hdr_len,
		       h.hdr.csum_start, h.hdr.csum_offset);
		TAP_EQ(h.num_buffers, 1);
		TAP_EQ(h.hdr.flags, c->hdr.flags);
		TAP_EQ(h.hdr.gso_type, c->hdr.gso_type);
		TAP_EQ(h.hdr.gso_size, c->hdr.gso_size);
		TAP_EQ(h.hdr.csum_start, c->hdr.csum_start);
		TAP_EQ(h.hdr.csum_offset, c->hdr.csum_offset);
		if (c->hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE)
			TAP_EQ(h.hdr.hdr_len, 0);
	}
	/* TSO without the (implied) TCP checksum flag is still a checksummed GSO frame. */
	len = build_l4(frame, false, IPPROTO_TCP, 20, 2000);
	m = vft_mk_mbuf(vft.pool, frame, len, 2048);
	if (m != NULL) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
		m->l2_len = 14;
		m->l3_len = 20;
		m->l4_len = 20;
		m->tso_segsz = 1000;
		head = vdrv_rx(&d, big, 1, false);
		TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
		rte_pktmbuf_free(m);
		vft_expect_used(&d, head, VFT_HDR12 + len);
		vdrv_chain_read(&d, head, &h, VFT_HDR12);
		TAP_EQ(h.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
		TAP_EQ(h.hdr.gso_size, 1000);
		TAP_EQ(h.hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		TAP_EQ(h.hdr.csum_start, 34);
		TAP_EQ(h.hdr.csum_offset, 16);
	}
	virtq_fini(&vq);
}

/* Guest tx header -> mbuf -> guest rx header reproduces the header. */
static void
test_offload_roundtrip(void)
{
	static const uint32_t big[] = { 4096 };
	static uint8_t frame[3200];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct virtq tx, rx;
	struct vdrv dt, dr;
	struct rte_mbuf *m;
	unsigned int i;
	uint16_t head;
	uint32_t len;

	if (vft_start(&tx, &dt, 0, 16, 0, VFT_F_V1 | VFT_F_OFFLOADS) < 0)
		return;
	if (vft_setup(&rx, &dr, 1, 16, 0, VFT_F_V1 | VFT_F_OFFLOADS) < 0)
		return;
	for (i = 0; i < RTE_DIM(ol_cases); i++) {
		const struct offload_case *c = &ol_cases[i];

		len = build_l4(frame, c->v6, c->proto, c->tcp_len, c->payload);
		memset(&h, 0, sizeof(h));
		h.hdr = c->hdr;
		vdrv_tx(&dt, &h, VFT_HDR12, frame, len, NULL, 0, false);
		if (vft_deq(&tx, vft.pool, &m, 1) != 1) {
			TAP_CHECK(false);
			continue;
		}
		head = vdrv_rx(&dr, big, 1, false);
		TAP_EQ(virtq_enqueue_burst(&rx, &m, 1), 1);
		rte_pktmbuf_free(m);
		vft_expect_used(&dr, head, VFT_HDR12 + len);
		memset(&h, 0xff, sizeof(h));
		vdrv_chain_read(&dr, head, &h, VFT_HDR12);
		TAP_EQ(h.hdr.flags, c->hdr.flags);
		TAP_EQ(h.hdr.gso_type, c->hdr.gso_type);
		TAP_EQ(h.hdr.gso_size, c->hdr.gso_size);
		TAP_EQ(h.hdr.csum_start, c->hdr.csum_start);
		TAP_EQ(h.hdr.csum_offset, c->hdr.csum_offset);
		/* hdr_len: the guest set Ethernet + IP + TCP, which the mbuf lengths give back. */
		TAP_EQ(h.hdr.hdr_len, c->hdr.hdr_len);
	}
	virtq_fini(&tx);
	virtq_fini(&rx);
}

/*
 * Zero-copied packets through what rewrites packet bytes: a MAC swap (as
 * macswap does), checksum completion and TCP segmentation in software (a
 * port that takes neither). The guest's buffers stay byte for byte what
 * the guest wrote, and they go back once every mbuf over them is freed.
 */
static void
test_offload_zcopy_guest_unchanged(void)
{
	static const struct offload_case cases[] = {
		{ false, IPPROTO_TCP, 20, 1400, CSUM_HDR(34, 16), 0, 0 },
		{ false, IPPROTO_TCP, 32, 3000,
		  GSO_HDR(VIRTIO_NET_HDR_GSO_TCPV4, 14 + 20 + 32, 1448, 34), 0, 0 },
	};
	static uint8_t frame[RTE_DIM(cases)][3200], got[VFT_HDR12 + 3200];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint32_t len[RTE_DIM(cases)];
	struct rte_ether_addr tmp;
	struct rte_ether_hdr *eth;
	struct virtq_params p;
	struct test_port *tp;
	struct rte_mbuf *m[4];
	uint16_t head[RTE_DIM(cases)];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;

	vft_begin();
	tp = test_port_create("zc_sink");
	if (tp == NULL)
		return;
	vdrv_init(&d, &vft.gm, 0, 16, 0);
	vdrv_params(&d, &p, VFT_F_V1 | VFT_F_OFFLOADS, vft.callfd);
	p.zcopy_min = 512;
	TAP_EQ(vft_init_vq(&vq, &p), 0);
	for (i = 0; i < RTE_DIM(cases); i++) {
		len[i] = build_l4(frame[i], cases[i].v6, cases[i].proto, cases[i].tcp_len,
				  cases[i].payload);
		memset(&h, 0, sizeof(h));
		h.hdr = cases[i].hdr;
		head[i] = vdrv_tx(&d, &h, VFT_HDR12, frame[i], len[i], NULL, 0, false);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), RTE_DIM(cases));
	TAP_EQ(vq.stats.zc_pkts, RTE_DIM(cases));
	for (i = 0; i < RTE_DIM(cases); i++) {
		eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&eth->src_addr, &tmp);
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		rte_ether_addr_copy(&tmp, &eth->dst_addr);
	}
	/* The first is completed, the second cut into three. */
	TAP_EQ(port_tx_burst(&tp->port, 0, m, RTE_DIM(cases)), 4);
	TAP_EQ(tp->tx_n, 4);
	/* What was sent is swapped and its checksum right... */
	eth = rte_pktmbuf_mtod(tp->tx[0], struct rte_ether_hdr *);
	TAP_CHECK(memcmp(&eth->dst_addr, frame[0] + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN) == 0);
	TAP_EQ(rte_ipv4_udptcp_cksum_mbuf_verify(tp->tx[0],
		rte_pktmbuf_mtod_offset(tp->tx[0], const struct rte_ipv4_hdr *,
					sizeof(*eth)), sizeof(*eth) + sizeof(struct rte_ipv4_hdr)), 0);
	/* ... while the guest's buffers are as the guest wrote them. */
	for (i = 0; i < RTE_DIM(cases); i++) {
		vdrv_chain_read(&d, head[i], got, VFT_HDR12 + len[i]);
		TAP_CHECK(memcmp(got + VFT_HDR12, frame[i], len[i]) == 0);
	}
	TAP_EQ(vdrv_used_pending(&d), 0);
	test_port_reset(tp);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), RTE_DIM(cases));
	for (i = 0; i < RTE_DIM(cases); i++)
		vft_expect_used(&d, head[i], 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_offload_tx);
	TAP_RUN(test_offload_tx_not_negotiated);
	TAP_RUN(test_offload_rx);
	TAP_RUN(test_offload_roundtrip);
	TAP_RUN(test_offload_zcopy_guest_unchanged);
	vft_env_fini();
	return tap_done();
}
