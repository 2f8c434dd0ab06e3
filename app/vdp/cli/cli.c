/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The dispatcher: split a line into words, find the command with the
 * longest matching words in the group tables, check the argument count and
 * call the handler. Also the general commands (help, quit) and the
 * argument helpers every group uses.
 */

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <rte_common.h>

#include "cli.h"

const struct cli_group *const cli_groups[] = {
	&cli_group_port,
	&cli_group_vhost,
	&cli_group_fwd,
	&cli_group_lcore,
	&cli_group_rxq,
	&cli_group_general,
	NULL,
};

int
cli_err(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(ctx->out, "error: ");
	va_start(ap, fmt);
	vfprintf(ctx->out, fmt, ap);
	va_end(ap);
	fprintf(ctx->out, "\n");
	return -1;
}

int
cli_port_arg(struct cli_ctx *ctx, const char *arg, bool all_ok, struct port **p)
{
	if (all_ok && strcmp(arg, "all") == 0) {
		*p = NULL;
		return 0;
	}
	*p = ctl_port_ref(arg);
	if (*p == NULL)
		return cli_err(ctx, "no port '%s' (give a port name or id%s)", arg,
			       all_ok ? ", or all" : "");
	return 0;
}

int
cli_u32_arg(struct cli_ctx *ctx, const char *what, const char *arg, uint32_t min,
	    uint32_t max, uint32_t *out)
{
	if (opts_u32(arg, min, max, out) < 0)
		return cli_err(ctx, "bad %s '%s' (a number from %u to %u)", what, arg, min, max);
	return 0;
}

const char *
cli_cmd_help(const struct cli_cmd *c, char *buf, size_t len)
{
	const char *name = strrchr(c->words, ' ');
	const struct opts_desc *d;
	char range[OPTS_RANGE_LEN];

	if (c->help != NULL)
		return c->help;
	d = opts_find(name != NULL ? name + 1 : c->words);
	if (d == NULL)
		return "";
	opts_range(d, range, sizeof(range));
	snprintf(buf, len, "%s (%s)", d->help, range);
	return buf;
}

int
cli_set_opt(struct cli_ctx *ctx, const char *name, const char *value)
{
	char err[CTL_ERR_LEN];

	if (ctl_set_opt(ctx->ctl, name, value, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	return 0;
}

void
cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Number of words in a command's own words, and whether argv starts with them. */
static unsigned int
cli_words_match(const char *words, int argc, char **argv)
{
	char buf[128], *save = NULL, *w;
	int n = 0;

	strlcpy(buf, words, sizeof(buf));
	for (w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		if (n >= argc || strcmp(argv[n], w) != 0)
			return 0;
		n++;
	}
	return n;
}

static const struct cli_cmd *
cli_find(int argc, char **argv, unsigned int *nwords)
{
	const struct cli_cmd *best = NULL;
	unsigned int g, i, n;

	*nwords = 0;
	for (g = 0; cli_groups[g] != NULL; g++)
		for (i = 0; i < cli_groups[g]->nb; i++) {
			n = cli_words_match(cli_groups[g]->cmds[i].words, argc, argv);
			if (n > *nwords) {
				*nwords = n;
				best = &cli_groups[g]->cmds[i];
			}
		}
	return best;
}

/* Split @p buf into words; a "--json" word sets @p json instead. Returns the count or -1. */
static int
cli_split(char *buf, char **argv, bool *json)
{
	char *save = NULL, *w;
	int argc = 0;

	*json = false;
	for (w = strtok_r(buf, " \t\r\n", &save); w != NULL; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (strcmp(w, "--json") == 0) {
			*json = true;
			continue;
		}
		if (argc == CLI_MAX_WORDS)
			return -1;
		argv[argc++] = w;
	}
	return argc;
}

bool
cli_line_is_plain(const char *line)
{
	char buf[CLI_LINE_MAX], *argv[CLI_MAX_WORDS];
	const struct cli_cmd *cmd;
	unsigned int nwords;
	bool json;
	int argc, nargs;

	if (strlcpy(buf, line, sizeof(buf)) >= sizeof(buf))
		return false;
	argc = cli_split(buf, argv, &json);
	if (argc <= 0 || json)
		return false;
	cmd = cli_find(argc, argv, &nwords);
	if (cmd == NULL)
		return false;
	nargs = argc - nwords;
	return nargs >= cmd->min_args && nargs <= cmd->max_args;
}

int
cli_exec(struct cli_ctx *ctx, const char *line)
{
	char buf[CLI_LINE_MAX], *argv[CLI_MAX_WORDS];
	const struct cli_cmd *cmd;
	unsigned int nwords;
	int argc, nargs, ret;

	ctx->json = false;
	if (strlcpy(buf, line, sizeof(buf)) >= sizeof(buf))
		return cli_err(ctx, "command line too long (max %d characters)", CLI_LINE_MAX - 1);
	argc = cli_split(buf, argv, &ctx->json);
	if (argc < 0)
		return cli_err(ctx, "too many words (max %d)", CLI_MAX_WORDS);
	if (argc == 0)
		return cli_err(ctx, "empty command (try help)");
	cmd = cli_find(argc, argv, &nwords);
	if (cmd == NULL)
		return cli_err(ctx, "unknown command '%s' (try help)", argv[0]);
	nargs = argc - nwords;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		if (nargs > cmd->max_args && cmd->max_args == 0)
			return cli_err(ctx, "unknown command '%s %s' (try help)", cmd->words,
				       argv[nwords]);
		return cli_err(ctx, "usage: %s%s%s", cmd->words, *cmd->args ? " " : "",
			       cmd->args);
	}
	pthread_mutex_lock(&ctl_lock);
	ret = cmd->fn(ctx, nargs, argv + nwords);
	pthread_mutex_unlock(&ctl_lock);
	return ret;
}

int
cli_exec_file(struct cli_ctx *ctx, const char *path)
{
	char line[CLI_LINE_MAX];
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, "\r\n")] = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		fprintf(ctx->out, "vdp> %s\n", s);
		if (cli_exec(ctx, s) < 0)
			ret = -1;
		fflush(ctx->out);
	}
	fclose(f);
	return ret;
}

static void
cli_help_group(FILE *f, const struct cli_group *g)
{
	unsigned int i;

	fprintf(f, "%s: %s\n", g->name, g->help);
	for (i = 0; i < g->nb; i++) {
		char syntax[160], help[CLI_HELP_LEN];

		snprintf(syntax, sizeof(syntax), "%s%s%s", g->cmds[i].words,
			 *g->cmds[i].args ? " " : "", g->cmds[i].args);
		fprintf(f, "  %-40s %s\n", syntax, cli_cmd_help(&g->cmds[i], help, sizeof(help)));
	}
}

static void
cli_help_json(FILE *f, const struct cli_group *g, bool first)
{
	unsigned int i;

	fprintf(f, "%s{\"name\": \"%s\", \"help\": ", first ? "" : ", ", g->name);
	cli_json_str(f, g->help);
	fprintf(f, ", \"commands\": [");
	for (i = 0; i < g->nb; i++) {
		char syntax[160], help[CLI_HELP_LEN];

		snprintf(syntax, sizeof(syntax), "%s%s%s", g->cmds[i].words,
			 *g->cmds[i].args ? " " : "", g->cmds[i].args);
		fprintf(f, "%s{\"syntax\": ", i ? ", " : "");
		cli_json_str(f, syntax);
		fprintf(f, ", \"help\": ");
		cli_json_str(f, cli_cmd_help(&g->cmds[i], help, sizeof(help)));
		fprintf(f, "}");
	}
	fprintf(f, "]}");
}

static int
cli_help(struct cli_ctx *ctx, int argc, char **argv)
{
	bool found = false;
	unsigned int g;

	for (g = 0; cli_groups[g] != NULL; g++)
		found |= argc == 0 || strcmp(argv[0], cli_groups[g]->name) == 0;
	if (!found)
		return cli_err(ctx, "no command group '%s' (port, vhost, fwd, lcore, general)",
			       argv[0]);
	if (ctx->json)
		fprintf(ctx->out, "{\"groups\": [");
	found = false;
	for (g = 0; cli_groups[g] != NULL; g++) {
		if (argc == 1 && strcmp(argv[0], cli_groups[g]->name) != 0)
			continue;
		if (ctx->json)
			cli_help_json(ctx->out, cli_groups[g], !found);
		else
			cli_help_group(ctx->out, cli_groups[g]);
		found = true;
	}
	if (ctx->json)
		fprintf(ctx->out, "]}\n");
	else if (argc == 0)
		fprintf(ctx->out, "Add --json to a show command (or help) for JSON output.\n");
	return 0;
}

static int
cli_quit(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	ctx->ctl->quit = true;
	fprintf(ctx->out, "vdp: quitting\n");
	return 0;
}

static int
cli_reload(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	char err[CTL_ERR_LEN];

	if (ctl_reload(ctx->ctl, ctx->out, err, sizeof(err)) < 0)
		return cli_err(ctx, "reload: %s", err);
	return 0;
}

static const struct cli_cmd cli_general_cmds[] = {
	{ "help", "[<group>]", 0, 1, CLI_ARG_NONE,
	  "list the commands, or those of one group (port, vhost, fwd, lcore, rxq, general)",
	  cli_help },
	{ "reload", "", 0, 0, CLI_ARG_NONE,
	  "read the --config file again and apply what changed in it", cli_reload },
	{ "quit", "", 0, 0, CLI_ARG_NONE,
	  "stop forwarding, print the summary and exit", cli_quit },
};

const struct cli_group cli_group_general = {
	.name = "general",
	.help = "help, reload and exit",
	.cmds = cli_general_cmds,
	.nb = RTE_DIM(cli_general_cmds),
};
