/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * virtio-net header <-> mbuf offload flags. A guest's NEEDS_CSUM or GSO
 * becomes the mbuf's TX offload request (the checksum or segmentation is
 * still to be done by whoever transmits the packet); on the way into a
 * guest, those requests become the header again. Checksums the
 * mbuf cannot express (not TCP or UDP) are completed in software.
 */

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "virtq_priv.h"

#define OFFLOAD_PARSE_MAX 128 /* bytes of headers read to find l2/l3/l4 */

/* Complete a partial checksum in place: the header asks for the one's
 * complement of the data from csum_start, stored at csum_offset. */
static int
offload_sw_csum(struct rte_mbuf *m, uint16_t start, uint16_t offset)
{
	uint16_t csum = 0;
	uint32_t at = (uint32_t)start + offset;

	/* The field must sit in the first segment, where we can store it. */
	if (at + sizeof(csum) > rte_pktmbuf_data_len(m))
		return -1;
	if (rte_raw_cksum_mbuf(m, start, rte_pktmbuf_pkt_len(m) - start, &csum) != 0)
		return -1;
	csum = ~csum;
	if (csum == 0)
		csum = 0xffff;
	/* The guest picks the offset: it may be odd. */
	memcpy(rte_pktmbuf_mtod_offset(m, void *, at), &csum, sizeof(csum));
	return 0;
}

int
virtq_hdr_to_mbuf(const struct virtio_net_hdr *hdr, struct rte_mbuf *m)
{
	/* rte_net_get_ptype() leaves it untouched on what it cannot parse. */
	struct rte_net_hdr_lens lens = { 0 };
	uint32_t ptype, l4;

	if (hdr->flags == 0 && hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return 0;
	ptype = rte_net_get_ptype(m, &lens, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
				  RTE_PTYPE_L4_MASK);
	l4 = ptype & RTE_PTYPE_L4_MASK;
	m->l2_len = lens.l2_len;
	m->l3_len = lens.l3_len;
	m->l4_len = lens.l4_len;
	if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		bool tcp = l4 == RTE_PTYPE_L4_TCP && hdr->csum_offset == 16;
		bool udp = l4 == RTE_PTYPE_L4_UDP && hdr->csum_offset == 6;

		if ((tcp || udp) && hdr->csum_start == lens.l2_len + lens.l3_len) {
			m->ol_flags |= tcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
			m->ol_flags |= RTE_ETH_IS_IPV4_HDR(ptype) ? RTE_MBUF_F_TX_IPV4 :
								     RTE_MBUF_F_TX_IPV6;
		} else if (offload_sw_csum(m, hdr->csum_start, hdr->csum_offset) < 0) {
			return -1;
		}
	}
	switch (hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (l4 != RTE_PTYPE_L4_TCP || hdr->gso_size == 0)
			return -1;
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
		m->ol_flags |= RTE_ETH_IS_IPV4_HDR(ptype) ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM : RTE_MBUF_F_TX_IPV6;
		m->tso_segsz = hdr->gso_size;
		return 0;
	default:
		return -1;
	}
}

void
virtq_hdr_from_mbuf(const struct virtq *vq, const struct rte_mbuf *m,
		    struct virtio_net_hdr *hdr)
{
	bool csum = !!(vq->features & (1ULL << VIRTIO_NET_F_GUEST_CSUM));
	uint64_t fl = m->ol_flags;

	memset(hdr, 0, sizeof(*hdr));
	if (!csum)
		return;
	if (fl & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) {
		hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		hdr->csum_start = m->l2_len + m->l3_len;
		if ((fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_UDP_CKSUM)
			hdr->csum_offset = offsetof(struct rte_udp_hdr, dgram_cksum);
		else
			hdr->csum_offset = offsetof(struct rte_tcp_hdr, cksum);
	} else if (fl & RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		hdr->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	if (fl & RTE_MBUF_F_TX_TCP_SEG) {
		bool v6 = !!(fl & RTE_MBUF_F_TX_IPV6);

		if (!(vq->features & (1ULL << (v6 ? VIRTIO_NET_F_GUEST_TSO6 :
						   VIRTIO_NET_F_GUEST_TSO4))))
			return;
		hdr->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		hdr->gso_size = m->tso_segsz;
		hdr->hdr_len = m->l2_len + m->l3_len + m->l4_len;
	}
}
