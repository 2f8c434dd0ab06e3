/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * What a vhost-user port negotiated and where its rings stand, for the
 * CLI and telemetry. Read from the control thread; the ring indices come
 * from the shared rings themselves, so they are right whichever engine
 * serves the device.
 */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/virtio_net.h>

#include <rte_common.h>
#include <rte_vhost.h>

#include "port_vhost_priv.h"

static const char *const vhost_feature_names[64] = {
	[VIRTIO_NET_F_CSUM] = "CSUM",
	[VIRTIO_NET_F_GUEST_CSUM] = "GUEST_CSUM",
	[VIRTIO_NET_F_CTRL_GUEST_OFFLOADS] = "CTRL_GUEST_OFFLOADS",
	[VIRTIO_NET_F_MTU] = "MTU",
	[VIRTIO_NET_F_MAC] = "MAC",
	[VIRTIO_NET_F_GUEST_TSO4] = "GUEST_TSO4",
	[VIRTIO_NET_F_GUEST_TSO6] = "GUEST_TSO6",
	[VIRTIO_NET_F_GUEST_ECN] = "GUEST_ECN",
	[VIRTIO_NET_F_GUEST_UFO] = "GUEST_UFO",
	[VIRTIO_NET_F_HOST_TSO4] = "HOST_TSO4",
	[VIRTIO_NET_F_HOST_TSO6] = "HOST_TSO6",
	[VIRTIO_NET_F_HOST_ECN] = "HOST_ECN",
	[VIRTIO_NET_F_HOST_UFO] = "HOST_UFO",
	[VIRTIO_NET_F_MRG_RXBUF] = "MRG_RXBUF",
	[VIRTIO_NET_F_STATUS] = "STATUS",
	[VIRTIO_NET_F_CTRL_VQ] = "CTRL_VQ",
	[VIRTIO_NET_F_CTRL_RX] = "CTRL_RX",
	[VIRTIO_NET_F_CTRL_VLAN] = "CTRL_VLAN",
	[VIRTIO_NET_F_CTRL_RX_EXTRA] = "CTRL_RX_EXTRA",
	[VIRTIO_NET_F_GUEST_ANNOUNCE] = "GUEST_ANNOUNCE",
	[VIRTIO_NET_F_MQ] = "MQ",
	[VIRTIO_NET_F_CTRL_MAC_ADDR] = "CTRL_MAC_ADDR",
	[VIRTIO_F_NOTIFY_ON_EMPTY] = "NOTIFY_ON_EMPTY",
	[VHOST_F_LOG_ALL] = "LOG_ALL",
	[VIRTIO_F_ANY_LAYOUT] = "ANY_LAYOUT",
	[VIRTIO_RING_F_INDIRECT_DESC] = "RING_INDIRECT_DESC",
	[VIRTIO_RING_F_EVENT_IDX] = "RING_EVENT_IDX",
	[VHOST_USER_F_PROTOCOL_FEATURES] = "PROTOCOL_FEATURES",
	[VIRTIO_F_VERSION_1] = "VERSION_1",
	[VIRTIO_F_ACCESS_PLATFORM] = "ACCESS_PLATFORM",
	[VIRTIO_F_RING_PACKED] = "RING_PACKED",
	[VIRTIO_F_IN_ORDER] = "IN_ORDER",
	[VIRTIO_F_ORDER_PLATFORM] = "ORDER_PLATFORM",
	[VIRTIO_F_SR_IOV] = "SR_IOV",
};

/* VHOST_USER_PROTOCOL_F_* of the vhost-user specification, by bit. */
static const char *const vhost_protocol_names[] = {
	"MQ", "LOG_SHMFD", "RARP", "REPLY_ACK", "NET_MTU", "SLAVE_REQ",
	"CROSS_ENDIAN", "CRYPTO_SESSION", "PAGEFAULT", "CONFIG", "SLAVE_SEND_FD",
	"HOST_NOTIFIER", "INFLIGHT_SHMFD", "RESET_DEVICE", "INBAND_NOTIFICATIONS",
	"CONFIGURE_MEM_SLOTS", "STATUS",
};

const char *
port_vhost_feature_name(unsigned int bit)
{
	return bit < RTE_DIM(vhost_feature_names) ? vhost_feature_names[bit] : NULL;
}

const char *
port_vhost_protocol_feature_name(unsigned int bit)
{
	return bit < RTE_DIM(vhost_protocol_names) ? vhost_protocol_names[bit] : NULL;
}

/* Indices and sizes of the device's vrings, read from the shared rings. */
static void
vhost_info_vrings(const struct port_vhost *vp, struct port_vhost_info *out)
{
	struct rte_vhost_vring vr;
	uint16_t i, nr = rte_vhost_get_vring_num(vp->vid);

	out->nb_vrings = RTE_MIN(nr, (uint16_t)RTE_DIM(out->vring));
	for (i = 0; i < out->nb_vrings; i++) {
		struct port_vhost_vring_info *v = &out->vring[i];

		v->enabled = __atomic_load_n(&vp->vring_on[i], __ATOMIC_ACQUIRE);
		if (vp->use_virtq && i % 2 == VHOST_TXQ)
			port_vhost_virtq_zc_info(vp, i, true, &v->zc);
		if (rte_vhost_get_vhost_vring(vp->vid, i, &vr) != 0 ||
		    vr.avail == NULL || vr.used == NULL)
			continue;
		v->size = vr.size;
		v->packed = !!(vp->features & (1ULL << VIRTIO_F_RING_PACKED));
		if (!v->packed) {
			v->avail_idx = __atomic_load_n(&vr.avail->idx, __ATOMIC_ACQUIRE);
			v->used_idx = __atomic_load_n(&vr.used->idx, __ATOMIC_ACQUIRE);
		} else if (vp->use_virtq) {
			/* A packed ring has no index to read: the device's
			 * positions, as the worker last left them. */
			port_vhost_virtq_base(vp, i, &v->avail_idx, &v->used_idx);
		} else {
			rte_vhost_get_vring_base(vp->vid, i, &v->avail_idx, &v->used_idx);
		}
	}
}

/* The virtq engine's error counters of every vring, by class. They
 * outlive a device: read also when none is up. */
static void
vhost_info_errors(const struct virtq_stats *st, struct port_vhost_info *out)
{
	unsigned int e;

	out->nb_ring_errors = 0;
	for (e = 0; e < VIRTQ_ERR_MAX && out->nb_ring_errors < PORT_VHOST_MAX_ERRORS; e++) {
		if (st->errors[e] == 0)
			continue;
		out->ring_errors[out->nb_ring_errors].name = virtq_error_name(e);
		out->ring_errors[out->nb_ring_errors].count = st->errors[e];
		out->nb_ring_errors++;
	}
}

/* The owner, group and mode of the socket file as they are on disk (a
 * client-mode socket's are its peer's), names where the system has them. */
static void
vhost_sock_stat(struct port_vhost_info *out)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char buf[4096];
	struct stat st;

	if (stat(out->path, &st) != 0)
		return;
	out->sock_found = true;
	out->sock_mode = st.st_mode & 0777;
	if (getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp != NULL)
		snprintf(out->sock_owner, sizeof(out->sock_owner), "%s", pw.pw_name);
	else
		snprintf(out->sock_owner, sizeof(out->sock_owner), "%u", (unsigned int)st.st_uid);
	if (getgrgid_r(st.st_gid, &gr, buf, sizeof(buf), &grp) == 0 && grp != NULL)
		snprintf(out->sock_group, sizeof(out->sock_group), "%s", gr.gr_name);
	else
		snprintf(out->sock_group, sizeof(out->sock_group), "%u", (unsigned int)st.st_gid);
}

int
port_vhost_info(const struct port *p, struct port_vhost_info *out)
{
	const struct port_vhost *vp = (const struct port_vhost *)p;
	struct virtq_stats st;
	uint64_t kicks;
	uint16_t i;

	if (port_vhost_path(p) == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	strlcpy(out->path, vp->conf.path, sizeof(out->path));
	out->client = vp->conf.client;
	vhost_sock_stat(out);
	out->since = vp->since;
	out->connects = stats_read(&vp->connects);
	out->disconnects = stats_read(&vp->disconnects);
	out->numa_node = port_socket(p);
	out->pool = port_pool(p)->name;
	out->pool_fallbacks = stats_read(&vp->pool_fallbacks);
	out->engine = vp->conf.engine == PORT_VHOST_ENGINE_RTE ? "rte" : "virtq";
	if (vp->conf.engine == PORT_VHOST_ENGINE_VIRTQ) {
		uint32_t t = port_vhost_virtq_zc_threshold(vp);

		out->zcopy = port_vhost_zcopy_name(vp->conf.zcopy);
		out->zcopy_min = t == UINT32_MAX ? 0 : t;
	} else {
		out->zcopy = port_vhost_zcopy_name(PORT_VHOST_ZCOPY_OFF);
	}

	out->connected = __atomic_load_n(&vp->running, __ATOMIC_ACQUIRE);
	for (i = VHOST_TXQ; i < VHOST_MAX_VRINGS; i += 2)
		port_vhost_virtq_zc_info(vp, i, out->connected && vp->use_virtq, &out->zc);
	port_vhost_virtq_stats(vp, &st, &kicks);
	vhost_info_errors(&st, out);
	if (!out->connected)
		return 0;
	out->features = vp->features;
	rte_vhost_get_negotiated_protocol_features(vp->vid, &out->protocol_features);
	vhost_info_vrings(vp, out);
	if (vp->use_virtq) {
		out->kicks = kicks;
		out->kicks_avoided = st.kicks_avoided;
		out->calls = st.calls;
		out->calls_avoided = st.calls_avoided;
	} else {
		out->engine = "rte";
	}
	return 0;
}
