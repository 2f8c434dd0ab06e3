/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Ports over any DPDK ethdev: a PCI NIC, net_tap, net_af_packet, net_pcap,
 * net_null, net_ring... The same code serves them all through rte_ethdev.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_spinlock.h>

#include "port.h"

/* What a byte budget's packet count is rounded up to (ethdev_rx_burst()). */
#define ETHDEV_RX_ASK_ALIGN 8

RTE_LOG_REGISTER_SUFFIX(port_ethdev_logtype, ethdev, INFO);
#define ETHDEV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, port_ethdev_logtype, "ethdev: " fmt "\n", ##__VA_ARGS__)

/** State of one ethdev port. */
struct port_ethdev {
	struct port port;              /**< Generic part; must stay first. */
	struct port_ethdev_conf conf;  /**< Device and ring sizes. */
	uint16_t dev_id;               /**< rte_ethdev port id. */
	uint16_t hw_txq;               /**< Tx queues configured on the device. */
	bool tx_shared;                /**< Fewer device tx queues than workers: lock them. */
	bool started;                  /**< rte_eth_dev_start() succeeded. */
	bool probed;                   /**< vdp probed the device, so destroy removes it. */
	bool dma;                      /**< On a physical bus: DMAs from mbuf IOVAs. */
	bool dma_all;                  /**< Every guest memory table mapped for DMA when the
					*   port was made is mapped for it too. */
	rte_spinlock_t txlock[PORT_MAX_QUEUES]; /**< Per device tx queue, when shared. */
	bool rx_intr;                  /**< Configured with rx queue interrupts. */
	int intr_epfd[PORT_MAX_QUEUES]; /**< Per rx queue while started: an epoll fd holding
					 *   its interrupt (DPDK's rx interrupt event, which
					 *   clears the interrupt as the PMD needs), or -1
					 *   when the queue has none. */
};

static int ethdev_configure(struct port_ethdev *ep, uint16_t nb_txq, bool rx_intr);

/* Ports that DMA (on a physical bus), for guest memory to be mapped for;
 * rte_vhost's thread maps, the control thread adds and removes ports. */
static struct port_ethdev *ethdev_dma_ports[VDP_MAX_PORTS];
static pthread_mutex_t ethdev_dma_lock = PTHREAD_MUTEX_INITIALIZER;

static struct rte_device *
ethdev_device(const struct port_ethdev *ep)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(ep->dev_id, &info) == 0 ? info.device : NULL;
}

static void
ethdev_dma_unmap_upto(void *addr, size_t len, unsigned int upto)
{
	unsigned int i;

	for (i = 0; i < upto; i++) {
		struct rte_device *dev;

		if (ethdev_dma_ports[i] == NULL)
			continue;
		dev = ethdev_device(ethdev_dma_ports[i]);
		if (dev != NULL)
			rte_dev_dma_unmap(dev, addr, (uintptr_t)addr, len);
	}
}

int
port_ethdev_dma_map(void *addr, size_t len, size_t page)
{
	unsigned int i, n = 0;
	int ret = 0;

	if (rte_eal_iova_mode() != RTE_IOVA_VA)
		return -ENOTSUP;
	pthread_mutex_lock(&ethdev_dma_lock);
	for (i = 0; i < VDP_MAX_PORTS; i++)
		n += ethdev_dma_ports[i] != NULL;
	if (n == 0) {
		pthread_mutex_unlock(&ethdev_dma_lock);
		return -ENODEV;
	}
	if (rte_extmem_register(addr, len, NULL, 0, page) != 0) {
		pthread_mutex_unlock(&ethdev_dma_lock);
		return -rte_errno;
	}
	for (i = 0; i < VDP_MAX_PORTS && ret == 0; i++) {
		struct rte_device *dev;

		if (ethdev_dma_ports[i] == NULL)
			continue;
		dev = ethdev_device(ethdev_dma_ports[i]);
		if (dev == NULL || rte_dev_dma_map(dev, addr, (uintptr_t)addr, len) != 0)
			ret = dev == NULL ? -ENODEV : -rte_errno;
	}
	if (ret != 0) {
		ETHDEV_LOG(WARNING, "%s: cannot map guest memory for DMA (%s): packets "
			   "from it are copied", ethdev_dma_ports[i - 1]->port.name,
			   rte_strerror(-ret));
		ethdev_dma_unmap_upto(addr, len, i - 1);
		rte_extmem_unregister(addr, len);
	}
	pthread_mutex_unlock(&ethdev_dma_lock);
	return ret;
}

void
port_ethdev_dma_unmap(void *addr, size_t len, size_t page __rte_unused)
{
	pthread_mutex_lock(&ethdev_dma_lock);
	ethdev_dma_unmap_upto(addr, len, VDP_MAX_PORTS);
	rte_extmem_unregister(addr, len);
	pthread_mutex_unlock(&ethdev_dma_lock);
}

/* A port on a physical bus DMAs; one that appears while guest memory is
 * mapped copies every zero-copied packet, since that memory is not mapped
 * for it. */
static void
ethdev_dma_add(struct port_ethdev *ep)
{
	struct rte_device *dev = ethdev_device(ep);
	unsigned int i;

	ep->dma = dev != NULL && strcmp(rte_bus_name(rte_dev_bus(dev)), "vdev") != 0;
	if (!ep->dma)
		return;
	ep->dma_all = port_vhost_tables() == 0;
	pthread_mutex_lock(&ethdev_dma_lock);
	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (ethdev_dma_ports[i] == NULL) {
			ethdev_dma_ports[i] = ep;
			break;
		}
	pthread_mutex_unlock(&ethdev_dma_lock);
}

static void
ethdev_dma_del(struct port_ethdev *ep)
{
	unsigned int i;

	pthread_mutex_lock(&ethdev_dma_lock);
	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (ethdev_dma_ports[i] == ep)
			ethdev_dma_ports[i] = NULL;
	pthread_mutex_unlock(&ethdev_dma_lock);
}

/*
 * The PMD takes packets before vdp sees their size: the queue's recent
 * bytes per packet say how many to ask for, so the byte budget is an
 * estimate here, and a coarse one: the count is rounded up to a multiple
 * of ETHDEV_RX_ASK_ALIGN, since some vector rx paths take only multiples
 * of 4 or 8 packets (rte_eth_rx_burst()) and, asked for fewer, none.
 */
static uint16_t
ethdev_rx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
		uint32_t max_bytes)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;
	uint16_t ask = port_rx_est_ask(&p->rx_est[q], n, max_bytes);

	return rte_eth_rx_burst(ep->dev_id, q, pkts,
				RTE_MIN(n, RTE_ALIGN_CEIL(ask, ETHDEV_RX_ASK_ALIGN)));
}

/* Whether the device cannot DMA from @p m: a segment over guest memory
 * that is not mapped for it. */
static bool
ethdev_dma_unsafe(const struct port_ethdev *ep, const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (RTE_MBUF_HAS_EXTBUF(m) && (m->buf_iova == RTE_BAD_IOVA || !ep->dma_all))
			return true;
	return false;
}

/*
 * A device that DMAs takes zero-copied packets as they are only where the
 * guest's memory is mapped for it; others get a copy. Returns how many of
 * @p pkts may go (a copy that fails ends the burst there).
 */
static uint16_t
ethdev_dma_prepare(struct port_ethdev *ep, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *c;

		if (likely(!ethdev_dma_unsafe(ep, pkts[i])))
			continue;
		c = rte_pktmbuf_copy(pkts[i], port_pool(&ep->port), 0, UINT32_MAX);
		if (c == NULL)
			return i;
		rte_pktmbuf_free(pkts[i]);
		pkts[i] = c;
	}
	return n;
}

static uint16_t
ethdev_tx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;
	uint16_t hwq, sent;

	if (unlikely(ep->dma))
		n = ethdev_dma_prepare(ep, pkts, n);
	if (likely(!ep->tx_shared))
		return rte_eth_tx_burst(ep->dev_id, q, pkts, n);
	hwq = q % ep->hw_txq;
	rte_spinlock_lock(&ep->txlock[hwq]);
	sent = rte_eth_tx_burst(ep->dev_id, hwq, pkts, n);
	rte_spinlock_unlock(&ep->txlock[hwq]);
	return sent;
}

static void
ethdev_tx_idle(struct port *p, uint16_t q)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;
	uint16_t hwq = q % ep->hw_txq;

	/* A PMD without it (-ENOTSUP) frees as its ring wraps. */
	if (!ep->tx_shared) {
		rte_eth_tx_done_cleanup(ep->dev_id, hwq, 0);
		return;
	}
	rte_spinlock_lock(&ep->txlock[hwq]);
	rte_eth_tx_done_cleanup(ep->dev_id, hwq, 0);
	rte_spinlock_unlock(&ep->txlock[hwq]);
}

/* Whether rx queue @p q's own interrupt fd is readable now. */
static bool
ethdev_fd_readable(uint16_t dev_id, uint16_t q)
{
	struct pollfd pfd = { .fd = rte_eth_dev_rx_intr_ctl_q_get_fd(dev_id, q),
			      .events = POLLIN };

	return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

/*
 * Adaptive polling: the queue's interrupt, where the PMD has one. The
 * worker waits on an epoll fd of the queue's own, so that taking the event
 * (rte_epoll_wait()) reads the interrupt the way its handle type needs.
 */
static int
ethdev_rx_notify(struct port *p, uint16_t q, bool on, struct port_notify *n)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;
	struct rte_epoll_event ev[4];
	int k;

	if (ep->intr_epfd[q] < 0)
		return -ENOTSUP;
	if (on) {
		/* A PMD without an enable (net_tap) has an fd that is simply
		 * readable while frames wait: registered, it is armed. */
		k = rte_eth_dev_rx_intr_enable(ep->dev_id, q);
		if (k != 0 && k != -ENOTSUP)
			return -ENOTSUP;
		/* Its edge was taken when the worker last woke, and the PMD
		 * may not have seen those frames yet (net_tap reads only after
		 * its SIGIO handler ran): frames still waiting mean polling on. */
		if (k == -ENOTSUP && ethdev_fd_readable(ep->dev_id, q))
			return 1;
		n->fd = ep->intr_epfd[q];
		n->intr = true;
		return 0;
	}
	rte_eth_dev_rx_intr_disable(ep->dev_id, q);
	k = rte_epoll_wait(ep->intr_epfd[q], ev, RTE_DIM(ev), 0);
	return k > 0 ? k : 0;
}

/* Give each rx queue an epoll fd holding its interrupt, where it has one. */
static void
ethdev_intr_open(struct port_ethdev *ep)
{
	unsigned int nb = 0;
	uint16_t q;

	for (q = 0; q < ep->port.nb_rxq; q++) {
		int fd = ep->rx_intr ? epoll_create1(EPOLL_CLOEXEC) : -1;

		if (fd >= 0 && rte_eth_dev_rx_intr_ctl_q(ep->dev_id, q, fd,
							 RTE_INTR_EVENT_ADD, NULL) != 0) {
			close(fd);
			fd = -1;
		}
		ep->intr_epfd[q] = fd;
		nb += fd >= 0;
	}
	ETHDEV_LOG(INFO, "%s: rx interrupts on %u of %u queues%s", ep->port.name, nb,
		   ep->port.nb_rxq, nb < ep->port.nb_rxq ?
		   " (adaptive workers keep polling the others)" : "");
}

static void
ethdev_intr_close(struct port_ethdev *ep)
{
	uint16_t q;

	for (q = 0; q < PORT_MAX_QUEUES; q++) {
		if (ep->intr_epfd[q] < 0)
			continue;
		rte_eth_dev_rx_intr_ctl_q(ep->dev_id, q, ep->intr_epfd[q], RTE_INTR_EVENT_DEL,
					  NULL);
		close(ep->intr_epfd[q]);
		ep->intr_epfd[q] = -1;
	}
}

static bool
ethdev_is_up(const struct port *p)
{
	const struct port_ethdev *ep = (const struct port_ethdev *)p;
	struct rte_eth_link link;

	if (!ep->started || rte_eth_link_get_nowait(ep->dev_id, &link) != 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP;
}

static int
ethdev_start(struct port *p)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;
	int ret;

	ret = rte_eth_dev_start(ep->dev_id);
	if (ret < 0 && ep->rx_intr) {
		/* A PMD may refuse rx interrupts only here: do without. */
		ETHDEV_LOG(INFO, "%s: start with rx interrupts failed (%s): starting without",
			   p->name, rte_strerror(-ret));
		ret = ethdev_configure(ep, p->nb_txq, false);
		if (ret == 0)
			ret = rte_eth_dev_start(ep->dev_id);
	}
	if (ret < 0) {
		ETHDEV_LOG(ERR, "%s: start failed: %s", p->name, rte_strerror(-ret));
		return ret;
	}
	ep->started = true;
	ethdev_intr_open(ep);
	ret = rte_eth_promiscuous_enable(ep->dev_id);
	if (ret != 0 && ret != -ENOTSUP)
		ETHDEV_LOG(WARNING, "%s: promiscuous mode: %s", p->name, rte_strerror(-ret));
	return 0;
}

static void
ethdev_stop(struct port *p)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;

	if (!ep->started)
		return;
	ethdev_intr_close(ep);
	rte_eth_dev_stop(ep->dev_id);
	ep->started = false;
}

/*
 * A device vdp probed is removed (which closes its ethdev), so that the
 * same devargs can be attached again; one EAL probed is only closed.
 */
static void
ethdev_destroy(struct port *p)
{
	struct port_ethdev *ep = (struct port_ethdev *)p;
	struct rte_eth_dev_info info;

	ethdev_dma_del(ep);
	if (ep->probed && rte_eth_dev_info_get(ep->dev_id, &info) == 0 &&
	    info.device != NULL && rte_dev_remove(info.device) == 0) {
		rte_free(ep);
		return;
	}
	rte_eth_dev_close(ep->dev_id);
	rte_free(ep);
}

static int
ethdev_show(const struct port *p, FILE *f)
{
	const struct port_ethdev *ep = (const struct port_ethdev *)p;
	struct rte_eth_link link = { 0 };
	struct rte_ether_addr mac;
	char macs[RTE_ETHER_ADDR_FMT_SIZE] = "?";
	char lk[RTE_ETH_LINK_MAX_STR_LEN];

	if (rte_eth_macaddr_get(ep->dev_id, &mac) == 0)
		rte_ether_format_addr(macs, sizeof(macs), &mac);
	rte_eth_link_get_nowait(ep->dev_id, &link);
	rte_eth_link_to_str(lk, sizeof(lk), &link);
	fprintf(f, "  device: %s (ethdev %u), mac %s\n", ep->conf.devargs, ep->dev_id, macs);
	fprintf(f, "  link: %s\n", lk);
	fprintf(f, "  queues: %u rx, %u tx%s\n", p->nb_rxq, ep->hw_txq,
		ep->tx_shared ? " (shared by workers)" : "");
	if (ep->dma)
		fprintf(f, "  dma: zero-copied guest packets %s\n", ep->dma_all ?
			"sent from guest memory where it is mapped" : "copied");
	return 0;
}

static const struct port_ops port_ethdev_ops = {
	.type = "ethdev",
	.start = ethdev_start,
	.stop = ethdev_stop,
	.destroy = ethdev_destroy,
	.rx_burst = ethdev_rx_burst,
	.tx_burst = ethdev_tx_burst,
	.is_up = ethdev_is_up,
	.show = ethdev_show,
	.tx_idle = ethdev_tx_idle,
	.rx_notify = ethdev_rx_notify,
};

/* Find the ethdev named by the devargs' first field, probing it if needed. */
static int
ethdev_lookup(const char *devargs, uint16_t *dev_id, bool *probed)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	size_t len = strcspn(devargs, ",");
	int ret;

	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, devargs, len);
	name[len] = '\0';
	*probed = false;
	if (rte_eth_dev_get_port_by_name(name, dev_id) == 0)
		return 0;
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ret;
	*probed = true;
	return rte_eth_dev_get_port_by_name(name, dev_id) == 0 ? 0 : -ENODEV;
}

/* Configure the device and its queues; with @p rx_intr, rx queue
 * interrupts are asked for (PMDs without them ignore the request). */
static int
ethdev_configure(struct port_ethdev *ep, uint16_t nb_txq, bool rx_intr)
{
	struct rte_eth_conf dev_conf = { .intr_conf.rxq = rx_intr };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = ep->conf.rx_desc, nb_txd = ep->conf.tx_desc;
	int socket = rte_eth_dev_socket_id(ep->dev_id);
	struct rte_mempool *pool = port_pool_for(socket);
	uint16_t q;
	int ret;

	ret = rte_eth_dev_info_get(ep->dev_id, &info);
	if (ret != 0)
		return ret;
	if (ep->conf.rxq > info.max_rx_queues) {
		ETHDEV_LOG(ERR, "%s: %u rx queues asked, the device has %u",
			   ep->port.name, ep->conf.rxq, info.max_rx_queues);
		return -EINVAL;
	}
	ep->hw_txq = RTE_MIN(nb_txq, info.max_tx_queues);
	ep->tx_shared = ep->hw_txq < nb_txq;
	for (q = 0; q < PORT_MAX_QUEUES; q++)
		rte_spinlock_init(&ep->txlock[q]);
	if (ep->conf.rxq > 1 && info.flow_type_rss_offloads != 0) {
		dev_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		dev_conf.rx_adv_conf.rss_conf.rss_hf =
			RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	ret = rte_eth_dev_configure(ep->dev_id, ep->conf.rxq, ep->hw_txq, &dev_conf);
	if (ret != 0 && rx_intr) {
		dev_conf.intr_conf.rxq = 0;
		rx_intr = false;
		ret = rte_eth_dev_configure(ep->dev_id, ep->conf.rxq, ep->hw_txq, &dev_conf);
	}
	ep->rx_intr = rx_intr;
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(ep->dev_id, &nb_rxd, &nb_txd);
	for (q = 0; q < ep->conf.rxq && ret == 0; q++)
		ret = rte_eth_rx_queue_setup(ep->dev_id, q, nb_rxd, socket, NULL, pool);
	for (q = 0; q < ep->hw_txq && ret == 0; q++)
		ret = rte_eth_tx_queue_setup(ep->dev_id, q, nb_txd, socket, NULL);
	__atomic_store_n(&ep->port.socket, socket, __ATOMIC_RELAXED);
	__atomic_store_n(&ep->port.pool, pool, __ATOMIC_RELEASE);
	return ret;
}

struct port *
port_ethdev_create(const struct port_ethdev_conf *conf, uint16_t nb_txq)
{
	struct port_ethdev *ep;
	uint16_t q;
	int ret;

	/* The pool of the device's socket replaces it once the device is known. */
	ep = (struct port_ethdev *)port_alloc(sizeof(*ep), conf->name, &port_ethdev_ops,
					      conf->rxq, nb_txq, port_pool_for(SOCKET_ID_ANY),
					      STATS_DROP_TX_FULL);
	if (ep == NULL)
		return NULL;
	ep->conf = *conf;
	for (q = 0; q < PORT_MAX_QUEUES; q++)
		ep->intr_epfd[q] = -1;
	ret = ethdev_lookup(conf->devargs, &ep->dev_id, &ep->probed);
	if (ret < 0) {
		ETHDEV_LOG(ERR, "%s: no device for '%s': %s", conf->name,
			   conf->devargs, rte_strerror(-ret));
		goto fail;
	}
	ret = ethdev_configure(ep, nb_txq, true);
	if (ret < 0) {
		ETHDEV_LOG(ERR, "%s: configure failed: %s", conf->name, rte_strerror(-ret));
		goto fail;
	}
	if (ep->port.socket != SOCKET_ID_ANY && port_pool_find(ep->port.socket) == NULL)
		ETHDEV_LOG(WARNING, "%s: device on socket %d, which has no mbuf pool: "
			   "rx mbufs from %s", conf->name, ep->port.socket,
			   port_pool(&ep->port)->name);
	ret = port_register(&ep->port);
	if (ret < 0)
		goto fail;
	ethdev_dma_add(ep);
	return &ep->port;
fail:
	rte_free(ep);
	rte_errno = -ret;
	return NULL;
}
