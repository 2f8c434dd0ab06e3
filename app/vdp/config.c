/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The INI topology file, read with rte_cfgfile:
 *
 *   [port NAME]  type = vhost | ethdev
 *                vhost:  path, mode = server | client, queues,
 *                        engine = virtq | rte, zcopy = auto | on | off,
 *                        zcopy-min, sock-owner, sock-group, sock-mode
 *                ethdev: devargs, rxq, rx_desc, tx_desc
 *   [fwd]        xconnect = A:B [C:D ...], and the key of every option
 *                of opts.c's table (mode = io, burst = 32, ...)
 *   [lcore N]    rxq = PORT:Q [PORT:Q ...]
 *                poll-mode = busy|adaptive
 *
 * Unknown sections and keys are errors, so a typo never goes unnoticed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_string_fns.h>

#include "params.h"
#include "params_util.h"

#define CONFIG_MAX_SECTIONS 128
#define CONFIG_MAX_ENTRIES 32

/** One section being parsed: where it came from and its entries. */
struct config_section {
	const char *file;                      /**< Config file, for messages. */
	const char *name;                      /**< Section name. */
	struct rte_cfgfile_entry *e;           /**< Its entries. */
	int n;                                 /**< Number of entries. */
};

static int
config_num(const struct config_section *s, const char *key, const char *val,
	   uint32_t min, uint32_t max, uint32_t *out, char *err, size_t errlen)
{
	if (opts_u32(val, min, max, out) < 0)
		return params_err(err, errlen, "%s: [%s] %s: bad value '%s' (%u..%u)",
				  s->file, s->name, key, val, min, max);
	return 0;
}

static int
config_vhost(const struct config_section *s, const char *pname,
	     struct vdp_params *p, char *err, size_t errlen)
{
	struct port_vhost_conf c = { .queues = 1 };
	const char *path = NULL;
	int i, ret;

	strlcpy(c.name, pname, sizeof(c.name));
	for (i = 0; i < s->n; i++) {
		const char *k = s->e[i].name, *val = s->e[i].value;

		if (strcmp(k, "type") == 0) {
			continue;
		} else if (strcmp(k, "path") == 0) {
			path = val;
		} else if (strcmp(k, "mode") == 0) {
			if (strcmp(val, "client") != 0 && strcmp(val, "server") != 0)
				return params_err(err, errlen,
						  "%s: [%s] mode: '%s' is not server or client",
						  s->file, s->name, val);
			c.client = strcmp(val, "client") == 0;
		} else {
			char msg[160];

			ret = params_vhost_key(&c, k, val, msg, sizeof(msg));
			if (ret < 0)
				return params_err(err, errlen, "%s: [%s] %s: %s", s->file,
						  s->name, k, msg);
			if (ret > 0)
				return params_err(err, errlen, "%s: [%s] unknown key '%s'",
						  s->file, s->name, k);
		}
	}
	if (path == NULL || *path == '\0')
		return params_err(err, errlen, "%s: [%s] needs a path", s->file, s->name);
	if (c.client && c.perm.set != 0)
		return params_err(err, errlen, "%s: [%s] %s", s->file, s->name,
				  PARAMS_CLIENT_PERM);
	if (path[0] == '/')
		ret = snprintf(c.path, sizeof(c.path), "%s", path);
	else
		ret = snprintf(c.path, sizeof(c.path), "%s/%s", p->run_dir, path);
	if (ret < 0 || (size_t)ret >= sizeof(c.path))
		return params_err(err, errlen, "%s: [%s] socket path too long",
				  s->file, s->name);
	return params_add_vhost(p, &c, err, errlen);
}

static int
config_ethdev(const struct config_section *s, const char *pname,
	      struct vdp_params *p, char *err, size_t errlen)
{
	struct port_ethdev_conf c = PORT_ETHDEV_CONF_DEFAULTS;
	uint32_t v;
	uint16_t j;
	int i, ret;

	strlcpy(c.name, pname, sizeof(c.name));
	for (i = 0; i < s->n; i++) {
		const char *k = s->e[i].name, *val = s->e[i].value;

		ret = 0;
		if (strcmp(k, "type") == 0) {
			continue;
		} else if (strcmp(k, "devargs") == 0) {
			strlcpy(c.devargs, val, sizeof(c.devargs));
		} else if (strcmp(k, "rxq") == 0) {
			ret = config_num(s, k, val, 1, PORT_MAX_QUEUES, &v, err, errlen);
			c.rxq = v;
		} else if (strcmp(k, "rx_desc") == 0) {
			ret = config_num(s, k, val, 64, 16384, &v, err, errlen);
			c.rx_desc = v;
		} else if (strcmp(k, "tx_desc") == 0) {
			ret = config_num(s, k, val, 64, 16384, &v, err, errlen);
			c.tx_desc = v;
		} else {
			return params_err(err, errlen, "%s: [%s] unknown key '%s'",
					  s->file, s->name, k);
		}
		if (ret < 0)
			return ret;
	}
	if (c.devargs[0] == '\0')
		return params_err(err, errlen, "%s: [%s] needs devargs", s->file, s->name);
	for (j = 0; j < p->nb_vhost; j++)
		if (strcmp(p->vhost[j].name, c.name) == 0)
			return params_err(err, errlen, "duplicate port name '%s'", c.name);
	for (j = 0; j < p->nb_ethdev; j++)
		if (strcmp(p->ethdev[j].name, c.name) == 0)
			return params_err(err, errlen, "duplicate port name '%s'", c.name);
	if (p->nb_ethdev >= VDP_MAX_PORTS)
		return params_err(err, errlen, "too many ethdev ports");
	p->ethdev[p->nb_ethdev++] = c;
	return 0;
}

static int
config_port(const struct config_section *s, struct vdp_params *p, char *err,
	    size_t errlen)
{
	const char *pname = s->name + strlen("port ");
	const char *type = NULL;
	int i;

	if (!params_name_ok(pname))
		return params_err(err, errlen, "%s: [%s] bad port name '%s'",
				  s->file, s->name, pname);
	for (i = 0; i < s->n; i++)
		if (strcmp(s->e[i].name, "type") == 0)
			type = s->e[i].value;
	if (type == NULL)
		return params_err(err, errlen, "%s: [%s] needs a type (vhost or ethdev)",
				  s->file, s->name);
	if (strcmp(type, "vhost") == 0)
		return config_vhost(s, pname, p, err, errlen);
	if (strcmp(type, "ethdev") == 0)
		return config_ethdev(s, pname, p, err, errlen);
	return params_err(err, errlen, "%s: [%s] unknown type '%s' (vhost or ethdev)",
			  s->file, s->name, type);
}

/* Apply each "A:B" of a space- or comma-separated list with @p fn. */
static int
config_list(const struct config_section *s, const char *key, const char *val,
	    struct vdp_params *p, unsigned int lcore, char *err, size_t errlen)
{
	char buf[CFG_VALUE_LEN], *tok, *save = NULL;
	struct params_xconnect x;
	uint32_t q;
	int ret;

	strlcpy(buf, val, sizeof(buf));
	for (tok = strtok_r(buf, " ,\t", &save); tok != NULL;
	     tok = strtok_r(NULL, " ,\t", &save)) {
		ret = params_parse_pair(tok, &x, err, errlen);
		if (ret < 0)
			return params_err(err, errlen, "%s: [%s] %s: bad entry '%s' (expected A:B)",
					  s->file, s->name, key, tok);
		if (strcmp(key, "xconnect") == 0) {
			if (p->nb_xconnect >= PARAMS_MAX_XCONNECT)
				return params_err(err, errlen, "%s: too many xconnect entries",
						  s->file);
			p->xconnect[p->nb_xconnect++] = x;
			continue;
		}
		if (opts_u32(x.b, 0, PORT_MAX_QUEUES - 1, &q) < 0)
			return params_err(err, errlen, "%s: [%s] rxq: bad queue in '%s'",
					  s->file, s->name, tok);
		if (p->nb_pins >= PARAMS_MAX_PINS)
			return params_err(err, errlen, "%s: too many rxq placements", s->file);
		strlcpy(p->pins[p->nb_pins].port, x.a, sizeof(p->pins[0].port));
		p->pins[p->nb_pins].q = q;
		p->pins[p->nb_pins].lcore = lcore;
		p->nb_pins++;
	}
	return 0;
}

/* [fwd]: xconnect, and the keys of the option table. */
static int
config_fwd(const struct config_section *s, struct vdp_params *p, char *err,
	   size_t errlen)
{
	char why[PARAMS_ERR_LEN];
	int i, ret;

	for (i = 0; i < s->n; i++) {
		const char *k = s->e[i].name, *val = s->e[i].value;
		const struct opts_desc *d = opts_find_key(k);

		if (strcmp(k, "xconnect") == 0) {
			ret = config_list(s, k, val, p, 0, err, errlen);
			if (ret < 0)
				return ret;
		} else if (d == NULL) {
			return params_err(err, errlen, "%s: [fwd] unknown key '%s'", s->file, k);
		} else if (opts_set(&p->opts, d, val, why, sizeof(why)) < 0) {
			return params_err(err, errlen, "%s: [fwd] %s: %s", s->file, k, why);
		} else if (strlcpy(p->opt_vals[opts_index(d)], val, PARAMS_OPT_LEN) >=
			   PARAMS_OPT_LEN) {
			return params_err(err, errlen, "%s: [fwd] %s: value too long", s->file, k);
		}
	}
	return 0;
}

/* [lcore N] poll-mode = busy|adaptive; the last one given wins. */
static int
config_poll_mode(const struct config_section *s, const char *val, struct vdp_params *p,
		 unsigned int lcore, char *err, size_t errlen)
{
	enum sched_poll_mode mode;
	uint16_t i;

	if (sched_poll_mode_parse(val, &mode) < 0)
		return params_err(err, errlen, "%s: [%s] poll-mode: unknown mode '%s' "
				  "(busy, adaptive)", s->file, s->name, val);
	for (i = 0; i < p->nb_polls; i++)
		if (p->polls[i].lcore == lcore)
			break;
	if (i == RTE_DIM(p->polls))
		return params_err(err, errlen, "%s: poll-mode in too many [lcore N] sections "
				  "(max %zu)", s->file, RTE_DIM(p->polls));
	p->polls[i].lcore = lcore;
	p->polls[i].mode = mode;
	if (i == p->nb_polls)
		p->nb_polls++;
	return 0;
}

static int
config_lcore(const struct config_section *s, struct vdp_params *p, char *err,
	     size_t errlen)
{
	uint32_t lcore;
	int i, ret;

	if (opts_u32(s->name + strlen("lcore "), 0, RTE_MAX_LCORE - 1, &lcore) < 0)
		return params_err(err, errlen, "%s: [%s] bad lcore id", s->file, s->name);
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->e[i].name, "poll-mode") == 0) {
			ret = config_poll_mode(s, s->e[i].value, p, lcore, err, errlen);
		} else if (strcmp(s->e[i].name, "rxq") == 0) {
			ret = config_list(s, "rxq", s->e[i].value, p, lcore, err, errlen);
		} else {
			return params_err(err, errlen, "%s: [%s] unknown key '%s' (rxq, poll-mode)",
					  s->file, s->name, s->e[i].name);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
config_section(struct rte_cfgfile *cfg, int idx, const char *file,
	       struct vdp_params *p, char *err, size_t errlen)
{
	struct rte_cfgfile_entry entries[CONFIG_MAX_ENTRIES];
	char name[CFG_NAME_LEN];
	struct config_section s = { .file = file, .name = name, .e = entries };

	s.n = rte_cfgfile_section_entries_by_index(cfg, idx, name, entries,
						   CONFIG_MAX_ENTRIES);
	if (s.n < 0)
		return params_err(err, errlen, "%s: cannot read section %d", file, idx);
	if (strncmp(name, "port ", 5) == 0)
		return config_port(&s, p, err, errlen);
	if (strcmp(name, "fwd") == 0)
		return config_fwd(&s, p, err, errlen);
	if (strncmp(name, "lcore ", 6) == 0)
		return config_lcore(&s, p, err, errlen);
	return params_err(err, errlen, "%s: unknown section [%s]", file, name);
}

int
params_load_config(const char *file, struct vdp_params *p, char *err,
		   size_t errlen)
{
	struct rte_cfgfile *cfg;
	int i, n, ret = 0;

	if (access(file, R_OK) != 0)
		return params_err(err, errlen, "cannot read config file '%s': %s",
				  file, strerror(errno));
	cfg = rte_cfgfile_load(file, 0);
	if (cfg == NULL)
		return params_err(err, errlen, "invalid config file '%s': not an INI file",
				  file);
	n = rte_cfgfile_num_sections(cfg, NULL, 0);
	if (n <= 0 || n > CONFIG_MAX_SECTIONS)
		ret = params_err(err, errlen, "invalid config file '%s': %s", file,
				 n <= 0 ? "no sections" : "too many sections");
	for (i = 0; i < n && ret == 0; i++)
		ret = config_section(cfg, i, file, p, err, errlen);
	rte_cfgfile_close(cfg);
	return ret;
}
