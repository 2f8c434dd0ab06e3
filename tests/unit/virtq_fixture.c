/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "test_port.h"
#include "virtq_fixture.h"

struct vft_env vft = { .callfd = -1 };

const struct virtio_net_hdr_mrg_rxbuf vft_zero_hdr;

int
vft_env_init(void)
{
	int ret;

	vft.pool = test_eal_init();
	if (vft.pool == NULL)
		return -1;
	vft.small_pool = rte_pktmbuf_pool_create("vq_small", 255, 0, 0,
						 VFT_SMALL_ROOM + RTE_PKTMBUF_HEADROOM,
						 SOCKET_ID_ANY);
	vft.callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = vdrv_mem_create(&vft.gm);
	if (vft.small_pool == NULL || vft.callfd < 0 || ret < 0) {
		printf("Bail out! set-up: pool %p, eventfd %d, guest memory %d\n",
		       (void *)vft.small_pool, vft.callfd, ret);
		return -1;
	}
	return 0;
}

void
vft_env_fini(void)
{
	vdrv_mem_destroy(&vft.gm);
	close(vft.callfd);
	vft.callfd = -1;
}

uint64_t
vft_calls_read(void)
{
	uint64_t v;

	if (read(vft.callfd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

void
vft_begin(void)
{
	vdrv_mem_reset(&vft.gm);
	vft_calls_read();
}

void
vft_fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

int
vft_init_vq(struct virtq *vq, const struct virtq_params *p)
{
	memset(vq, 0, sizeof(*vq));
	return virtq_init(vq, p);
}

uint64_t
vft_other_errors(const struct virtq *vq, int skip)
{
	uint64_t n = 0;
	int e;

	for (e = 0; e < VIRTQ_ERR_MAX; e++) {
		if (e == skip || vq->stats.errors[e] == 0)
			continue;
		printf("# counted %s: %" PRIu64 "\n", virtq_error_name(e),
		       vq->stats.errors[e]);
		n += vq->stats.errors[e];
	}
	return n;
}

bool
vft_mbuf_is(const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	const struct rte_mbuf *s;
	uint32_t off = 0;
	uint16_t segs = 0;

	if (m == NULL || m->pkt_len != len)
		return false;
	for (s = m; s != NULL; s = s->next) {
		if (s->data_off + s->data_len > s->buf_len ||
		    off + s->data_len > len ||
		    memcmp(rte_pktmbuf_mtod(s, const uint8_t *), p + off,
			   s->data_len) != 0)
			return false;
		off += s->data_len;
		segs++;
	}
	return off == len && segs == m->nb_segs;
}

struct rte_mbuf *
vft_mk_mbuf(struct rte_mempool *mp, const uint8_t *p, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t k = RTE_MIN(len - off, seg);

		if (m == NULL || rte_pktmbuf_append(m, k) == NULL) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + off, k);
		off += k;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) < 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
	} while (off < len);
	return head;
}

struct rte_mbuf *
vft_pkt_mbuf(uint8_t *pkt, uint32_t len, uint32_t seed)
{
	vft_fill(pkt, len, seed);
	return vft_mk_mbuf(vft.pool, pkt, len, 2048);
}

uint16_t
vft_deq(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
	uint16_t n)
{
	memset(pkts, 0, n * sizeof(pkts[0]));
	return virtq_dequeue_burst(vq, mp, pkts, n, UINT32_MAX);
}

uint16_t
vft_push(struct vdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	uint16_t head = vdrv_add(d, s, n);

	vdrv_publish(d, head);
	return head;
}

uint16_t
vft_tx_simple(struct vdrv *d, uint32_t len, uint32_t seed)
{
	uint8_t pkt[2048];

	vft_fill(pkt, len, seed);
	return vdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt, len, NULL, 0, false);
}
