/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * "reload" (and SIGHUP, and systemctl reload): the --config file read
 * again, and what changed in it since it was last loaded applied through
 * the same ctl functions the commands use. The file as last loaded is kept
 * alone (struct ctl::loaded), so that ports, options and placements that
 * came from the command line or from commands are not taken for removals.
 * Each step looks at what is in force, not only at the old file: a change
 * that failed, or that a command undid, is tried again by the next reload.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_string_fns.h>

#include "ctl.h"
#include "notify.h"

/** One reload under way. */
struct reload_run {
	struct ctl *c;                 /**< The control state being changed. */
	FILE *out;                     /**< Where each change is reported. */
	const struct vdp_params *old;  /**< The file as last loaded. */
	struct vdp_params *nw;         /**< The file as it is now; what could not be
					*   applied is set back to the old value. */
	unsigned int applied;          /**< Changes made. */
	unsigned int failed;           /**< Changes tried that failed. */
};

/* Report one change: made when @p ret is 0, else failed because of @p why. */
static void __rte_format_printf(4, 5)
reload_note(struct reload_run *r, int ret, const char *why, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->out, "  ");
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	if (ret < 0)
		fprintf(r->out, ": failed: %s", why);
	fprintf(r->out, "\n");
	if (ret < 0)
		r->failed++;
	else
		r->applied++;
}

static bool
reload_perm_eq(const struct port_sock_perm *a, const struct port_sock_perm *b)
{
	return a->set == b->set && a->uid == b->uid && a->gid == b->gid && a->mode == b->mode;
}

static bool
reload_vhost_eq(const struct port_vhost_conf *a, const struct port_vhost_conf *b)
{
	return strcmp(a->path, b->path) == 0 && a->client == b->client &&
	       a->queues == b->queues && a->engine == b->engine && a->zcopy == b->zcopy &&
	       a->zcopy_min == b->zcopy_min && reload_perm_eq(&a->perm, &b->perm);
}

static bool
reload_ethdev_eq(const struct port_ethdev_conf *a, const struct port_ethdev_conf *b)
{
	return strcmp(a->devargs, b->devargs) == 0 && a->rxq == b->rxq &&
	       a->rx_desc == b->rx_desc && a->tx_desc == b->tx_desc;
}

static const struct port_vhost_conf *
reload_vhost_of(const struct vdp_params *p, const char *name)
{
	uint16_t i;

	for (i = 0; i < p->nb_vhost; i++)
		if (strcmp(p->vhost[i].name, name) == 0)
			return &p->vhost[i];
	return NULL;
}

static const struct port_ethdev_conf *
reload_ethdev_of(const struct vdp_params *p, const char *name)
{
	uint16_t i;

	for (i = 0; i < p->nb_ethdev; i++)
		if (strcmp(p->ethdev[i].name, name) == 0)
			return &p->ethdev[i];
	return NULL;
}

/* Remove port @p name, that the file named and names no more, if it is there. */
static void
reload_port_gone(struct reload_run *r, const char *name)
{
	char why[CTL_ERR_LEN];
	struct port *p;

	if (reload_vhost_of(r->nw, name) != NULL || reload_ethdev_of(r->nw, name) != NULL)
		return;
	p = port_find(name);
	if (p != NULL)
		reload_note(r, ctl_del_port(r->c, p, why, sizeof(why)), why, "port %s: removed",
			    name);
}

/* Create, start and forward the port @p conf describes: a vhost-user one
 * (struct port_vhost_conf) when @p vhost, else an ethdev. */
static int
reload_add(struct reload_run *r, bool vhost, const void *conf, char *why, size_t len)
{
	return vhost ? ctl_add_vhost(r->c, conf, why, len) : ctl_add_ethdev(r->c, conf, why, len);
}

/*
 * Make port @p name what the file says now (@p now, its entry in the new
 * record): nothing when it is there as the file last said (@p same), else
 * removed (when there) and added with @p now. When the new settings fail,
 * a port the old file described (@p was) comes back with its old ones, and
 * the record keeps those, so that the next reload tries again.
 */
static void
reload_port_want(struct reload_run *r, const char *name, bool vhost, void *now,
		 const void *was, size_t size, bool same)
{
	struct port *p = port_find(name);
	char why[CTL_ERR_LEN], why2[CTL_ERR_LEN];
	int ret;

	if (p != NULL && same && strcmp(p->ops->type, vhost ? "vhost" : "ethdev") == 0)
		return;
	if (p != NULL) {
		ret = ctl_del_port(r->c, p, why, sizeof(why));
		if (ret < 0) {
			reload_note(r, ret, why, "port %s: new settings", name);
			if (was != NULL)
				memcpy(now, was, size);
			return;
		}
	}
	ret = reload_add(r, vhost, now, why, sizeof(why));
	if (ret == 0 || p == NULL || was == NULL) {
		reload_note(r, ret, why, "port %s: %s", name,
			    p != NULL ? "restarted with its new settings" : "added");
		return;
	}
	reload_note(r, ret, why, "port %s: new settings", name);
	if (reload_add(r, vhost, was, why2, sizeof(why2)) < 0) {
		fprintf(r->out, "  port %s: its old settings failed too: %s\n", name, why2);
		return;
	}
	fprintf(r->out, "  port %s: back with its old settings\n", name);
	memcpy(now, was, size);
}

static void
reload_ports(struct reload_run *r)
{
	const struct port_vhost_conf *ov;
	const struct port_ethdev_conf *oe;
	uint16_t i;

	for (i = 0; i < r->old->nb_vhost; i++)
		reload_port_gone(r, r->old->vhost[i].name);
	for (i = 0; i < r->old->nb_ethdev; i++)
		reload_port_gone(r, r->old->ethdev[i].name);
	for (i = 0; i < r->nw->nb_vhost; i++) {
		ov = reload_vhost_of(r->old, r->nw->vhost[i].name);
		reload_port_want(r, r->nw->vhost[i].name, true, &r->nw->vhost[i], ov,
				 sizeof(*ov), ov != NULL && reload_vhost_eq(ov, &r->nw->vhost[i]));
	}
	for (i = 0; i < r->nw->nb_ethdev; i++) {
		oe = reload_ethdev_of(r->old, r->nw->ethdev[i].name);
		reload_port_want(r, r->nw->ethdev[i].name, false, &r->nw->ethdev[i], oe,
				 sizeof(*oe),
				 oe != NULL && reload_ethdev_eq(oe, &r->nw->ethdev[i]));
	}
}

static bool
reload_has_pair(const struct vdp_params *p, const struct params_xconnect *x)
{
	uint16_t i;

	for (i = 0; i < p->nb_xconnect; i++)
		if ((strcmp(p->xconnect[i].a, x->a) == 0 && strcmp(p->xconnect[i].b, x->b) == 0) ||
		    (strcmp(p->xconnect[i].a, x->b) == 0 && strcmp(p->xconnect[i].b, x->a) == 0))
			return true;
	return false;
}

/* Cross-connects the file dropped are undone; those it has are made. */
static void
reload_xconnects(struct reload_run *r)
{
	const struct params_xconnect *x;
	char why[CTL_ERR_LEN];
	struct port *a, *b;
	uint16_t i;

	for (i = 0; i < r->old->nb_xconnect; i++) {
		x = &r->old->xconnect[i];
		a = ctl_port_ref(x->a);
		b = ctl_port_ref(x->b);
		if (reload_has_pair(r->nw, x) || a == NULL || b == NULL ||
		    r->c->xconnect[a->id] != b->id)
			continue;
		reload_note(r, ctl_del_xconnect(r->c, a, b, why, sizeof(why)), why,
			    "xconnect %s:%s: removed", x->a, x->b);
	}
	for (i = 0; i < r->nw->nb_xconnect; i++) {
		x = &r->nw->xconnect[i];
		a = ctl_port_ref(x->a);
		b = ctl_port_ref(x->b);
		if (a != NULL && b != NULL && r->c->xconnect[a->id] == b->id &&
		    r->c->xconnect[b->id] == a->id)
			continue;
		if (a == NULL || b == NULL)
			reload_note(r, -ENODEV, "no such port", "xconnect %s:%s", x->a, x->b);
		else
			reload_note(r, ctl_add_xconnect(r->c, a, b, why, sizeof(why)), why,
				    "xconnect %s:%s", x->a, x->b);
	}
}

/*
 * An option whose value the file changed, added or took out (its default
 * then). One that fails keeps its old value in the record, so that the
 * next reload tries it again.
 */
static void
reload_opts(struct reload_run *r)
{
	const struct opts_desc *d;
	char why[CTL_ERR_LEN];
	const char *v;
	unsigned int i;
	int ret;

	for (i = 0; (d = opts_at(i)) != NULL; i++) {
		if (strcmp(r->old->opt_vals[i], r->nw->opt_vals[i]) == 0)
			continue;
		v = r->nw->opt_vals[i][0] != '\0' ? r->nw->opt_vals[i] : d->def;
		ret = ctl_set_opt(r->c, d->name, v, why, sizeof(why));
		reload_note(r, ret, why, "%s: %s%s", d->key, v,
			    r->nw->opt_vals[i][0] != '\0' ? "" : " (the default)");
		if (ret < 0)
			strlcpy(r->nw->opt_vals[i], r->old->opt_vals[i], PARAMS_OPT_LEN);
	}
}

static const struct params_pin *
reload_pin_of(const struct vdp_params *p, const char *port, uint16_t q)
{
	uint16_t i;

	for (i = 0; i < p->nb_pins; i++)
		if (strcmp(p->pins[i].port, port) == 0 && p->pins[i].q == q)
			return &p->pins[i];
	return NULL;
}

/* Whether rx queue @p q of @p p is pinned to @p lcore in force. */
static bool
reload_pinned(const struct ctl *c, const struct port *p, uint16_t q, unsigned int lcore)
{
	unsigned int i;

	for (i = 0; i < c->nb_pins; i++)
		if (c->pins[i].port == p->id && c->pins[i].q == q)
			return c->pins[i].lcore == lcore;
	return false;
}

/* [lcore N] rxq: placements dropped are forgotten, the others made. */
static void
reload_pins(struct reload_run *r)
{
	const struct params_pin *pin;
	char why[CTL_ERR_LEN];
	struct port *p;
	uint16_t i;

	for (i = 0; i < r->old->nb_pins; i++) {
		pin = &r->old->pins[i];
		p = port_find(pin->port);
		if (reload_pin_of(r->nw, pin->port, pin->q) != NULL || p == NULL ||
		    !reload_pinned(r->c, p, pin->q, pin->lcore))
			continue;
		reload_note(r, ctl_unpin_rxq(r->c, p, pin->q, why, sizeof(why)), why,
			    "rxq %s:%u: no longer pinned", pin->port, pin->q);
	}
	for (i = 0; i < r->nw->nb_pins; i++) {
		pin = &r->nw->pins[i];
		p = port_find(pin->port);
		if (p != NULL && reload_pinned(r->c, p, pin->q, pin->lcore))
			continue;
		if (p == NULL)
			reload_note(r, -ENODEV, "no such port", "rxq %s:%u on lcore %u",
				    pin->port, pin->q, pin->lcore);
		else
			reload_note(r, ctl_set_rxq_affinity(r->c, p, pin->q, pin->lcore, why,
							    sizeof(why)), why,
				    "rxq %s:%u on lcore %u", pin->port, pin->q, pin->lcore);
	}
}

/* The poll mode [lcore N] gives @p lcore in @p p; -1: it gives none. */
static int
reload_poll_of(const struct vdp_params *p, unsigned int lcore)
{
	uint16_t i;

	for (i = 0; i < p->nb_polls; i++)
		if (p->polls[i].lcore == lcore)
			return (int)p->polls[i].mode;
	return -1;
}

/* [lcore N] poll-mode changed, added or taken out (the default mode then). */
static void
reload_polls(struct reload_run *r)
{
	char why[CTL_ERR_LEN];
	unsigned int lcore;
	int was, now;
	uint16_t w;

	if (r->c->poll_mode_fixed)
		return;
	for (w = 0; w < r->nw->nb_polls; w++)
		if (sched_worker_index(r->nw->polls[w].lcore) < 0)
			reload_note(r, -EINVAL, "not a worker lcore", "lcore %u poll-mode",
				    r->nw->polls[w].lcore);
	for (w = 0; w < sched_nb_workers(); w++) {
		lcore = sched_worker_lcore(w);
		was = reload_poll_of(r->old, lcore);
		now = reload_poll_of(r->nw, lcore);
		if (was == now)
			continue;
		if (now < 0)
			now = (int)r->nw->poll_mode;
		reload_note(r, ctl_set_poll_mode(r->c, (int)lcore, (enum sched_poll_mode)now,
						 why, sizeof(why)), why, "lcore %u poll-mode: %s",
			    lcore, sched_poll_mode_name((enum sched_poll_mode)now));
	}
}

/* The file @p path alone, in a new struct; NULL with @p err when it does not load. */
static struct vdp_params *
reload_read(const char *path, const char *run_dir, char *err, size_t errlen)
{
	struct vdp_params *p = malloc(sizeof(*p));

	if (p == NULL) {
		ctl_err(err, errlen, -ENOMEM, "out of memory");
		return NULL;
	}
	params_defaults(p, run_dir);
	strlcpy(p->config, path, sizeof(p->config));
	if (params_load_config(path, p, err, errlen) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

int
ctl_reload_init(struct ctl *c, const struct vdp_params *p, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (p->config[0] == '\0')
		return 0;
	if (realpath(p->config, path) == NULL)
		strlcpy(path, p->config, sizeof(path));
	c->loaded = reload_read(path, p->run_dir, err, errlen);
	return c->loaded != NULL ? 0 : -EINVAL;
}

int
ctl_reload(struct ctl *c, FILE *out, char *err, size_t errlen)
{
	struct reload_run r = { .c = c, .out = out, .old = c->loaded };
	struct vdp_params *nw;
	char why[PARAMS_ERR_LEN];

	if (c->loaded == NULL)
		return ctl_err(err, errlen, -EINVAL, "no --config file to reload");
	nw = reload_read(c->loaded->config, c->loaded->run_dir, why, sizeof(why));
	if (nw == NULL)
		return ctl_err(err, errlen, -EINVAL, "%s (nothing changed)", why);
	r.nw = nw;
	vdp_notify("RELOADING=1\nSTATUS=reloading %s", nw->config);
	fprintf(out, "reload: %s\n", nw->config);
	reload_ports(&r);
	reload_xconnects(&r);
	reload_opts(&r);
	reload_pins(&r);
	reload_polls(&r);
	free(c->loaded);
	c->loaded = nw;
	vdp_notify("READY=1\nSTATUS=forwarding: %u ports, %u workers; reloaded, %u of %u "
		   "changes failed", (unsigned int)port_count(), (unsigned int)sched_nb_workers(),
		   r.failed, r.failed + r.applied);
	if (r.failed != 0)
		return ctl_err(err, errlen, -EINVAL, "%u of %u changes failed",
			       r.failed, r.failed + r.applied);
	fprintf(out, "reload: %u change%s applied\n", r.applied, r.applied == 1 ? "" : "s");
	return 0;
}
