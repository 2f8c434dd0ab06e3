/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The vdp> prompt on rte_cmdline. The command tables become cmdline
 * instructions: one per command and argument count, whose tokens are the
 * command's words (completed with Tab) followed by argument words (port
 * names and engine names complete too). Every instruction hands the words
 * back to cli_exec(). A last instruction takes any other line, so that the
 * dispatcher prints the same "error: ..." as on the control socket.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>
#include <rte_string_fns.h>

#include "cli.h"

#define CLI_PROMPT "vdp> "
#define CLI_MULTI UINTPTR_MAX /* instruction data of the catch-all */

/* Where the words of a parsed line land: one fixed string each. */
struct cli_words {
	cmdline_fixed_string_t w[CLI_MAX_WORDS]; /**< Words in order. */
};

static struct cmdline *cli_cl;
static struct ctl *cli_prompt_ctl;
static cmdline_parse_ctx_t *cli_insts;
static struct cmdline_token_ops cli_port_token_ops;
static struct cmdline_token_ops cli_engine_token_ops;
static struct cmdline_token_ops cli_any_token_ops;

/*
 * The catch-all token: the whole line, unless one of the command
 * instructions takes it. Lines it takes go to cli_exec() as they are, which
 * reports what is wrong with them (or runs them, for --json).
 */
static int
cli_any_parse(cmdline_parse_token_hdr_t *tk __rte_unused, const char *buf, void *res,
	      unsigned int ressize)
{
	char line[CLI_LINE_MAX];
	size_t len = 0;

	while (buf[len] != '\0' && buf[len] != '\n' && buf[len] != '\r' &&
	       len + 1 < sizeof(line))
		len++;
	if (len == 0)
		return -1;
	memcpy(line, buf, len);
	line[len] = '\0';
	if (cli_line_is_plain(line))
		return -1;
	if (res != NULL) {
		if (ressize < len + 1)
			return -1;
		memcpy(res, line, len + 1);
	}
	return len;
}

/* Completion of a port argument: every port name, then "all". */
static int
cli_port_nb(cmdline_parse_token_hdr_t *tk __rte_unused)
{
	uint16_t i;
	int n = 1;

	for (i = 0; i < port_count(); i++)
		n += port_get(i) != NULL;
	return n;
}

static int
cli_port_elt(cmdline_parse_token_hdr_t *tk __rte_unused, int idx, char *buf,
	     unsigned int size)
{
	uint16_t i;

	for (i = 0; i < port_count(); i++) {
		if (port_get(i) == NULL)
			continue;
		if (idx-- == 0) {
			strlcpy(buf, port_get(i)->name, size);
			return 0;
		}
	}
	if (idx != 0)
		return -1;
	strlcpy(buf, "all", size);
	return 0;
}

static int
cli_port_help(cmdline_parse_token_hdr_t *tk __rte_unused, char *buf, unsigned int size)
{
	strlcpy(buf, "port name or id", size);
	return 0;
}

static int
cli_engine_nb(cmdline_parse_token_hdr_t *tk __rte_unused)
{
	int n = 0;

	while (fwd_engines[n] != NULL)
		n++;
	return n;
}

static int
cli_engine_elt(cmdline_parse_token_hdr_t *tk __rte_unused, int idx, char *buf,
	       unsigned int size)
{
	if (idx < 0 || idx >= cli_engine_nb(NULL))
		return -1;
	strlcpy(buf, fwd_engines[idx]->name, size);
	return 0;
}

static int
cli_engine_help(cmdline_parse_token_hdr_t *tk __rte_unused, char *buf, unsigned int size)
{
	strlcpy(buf, "forwarding mode", size);
	return 0;
}

static void
cli_prompt_run(void *parsed, struct cmdline *cl __rte_unused, void *data)
{
	struct cli_ctx ctx = { .out = stdout, .ctl = cli_prompt_ctl };
	const struct cli_words *r = parsed;
	char line[CLI_LINE_MAX] = "";
	uintptr_t i, n = (uintptr_t)data;

	if (n == CLI_MULTI) {
		strlcpy(line, parsed, sizeof(line));
	} else {
		for (i = 0; i < n; i++) {
			strlcat(line, r->w[i], sizeof(line));
			strlcat(line, " ", sizeof(line));
		}
	}
	cli_exec(&ctx, line);
	fflush(stdout);
}

/* A string token at word @p i: fixed when @p word is set, else any word. */
static cmdline_parse_token_hdr_t *
cli_token(unsigned int i, const char *word, struct cmdline_token_ops *ops)
{
	cmdline_parse_token_string_t *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->hdr.ops = ops;
	t->hdr.offset = i * sizeof(cmdline_fixed_string_t);
	t->string_data.str = word;
	return &t->hdr;
}

static struct cmdline_token_ops *
cli_arg_ops(const struct cli_cmd *c, unsigned int arg)
{
	if (arg == 0 && c->kind == CLI_ARG_PORT)
		return &cli_port_token_ops;
	if (arg == 0 && c->kind == CLI_ARG_ENGINE)
		return &cli_engine_token_ops;
	return &cmdline_token_string_ops;
}

/* The instruction for command @p c with @p nargs arguments. */
static cmdline_parse_inst_t *
cli_inst(const struct cli_cmd *c, unsigned int nargs)
{
	unsigned int nw = 0, i, a;
	cmdline_parse_inst_t *in;
	char *words, *save = NULL, *w;
	char *help, buf[CLI_HELP_LEN];

	words = strdup(c->words);
	if (words == NULL || asprintf(&help, "%s%s%s: %s", c->words, *c->args ? " " : "",
				      c->args, cli_cmd_help(c, buf, sizeof(buf))) < 0)
		return NULL;
	in = calloc(1, sizeof(*in) + (CLI_MAX_WORDS + 1) * sizeof(in->tokens[0]));
	if (in == NULL)
		return NULL;
	for (w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		in->tokens[nw] = cli_token(nw, w, &cmdline_token_string_ops);
		nw++;
	}
	for (a = 0; a < nargs; a++) {
		in->tokens[nw] = cli_token(nw, NULL, cli_arg_ops(c, a));
		nw++;
	}
	for (i = 0; i < nw; i++)
		if (in->tokens[i] == NULL)
			return NULL;
	in->f = cli_prompt_run;
	in->data = (void *)(uintptr_t)nw;
	in->help_str = help;
	return in;
}

static int
cli_build_ctx(void)
{
	unsigned int g, i, a, n = 0, max = 1;
	cmdline_parse_inst_t *any;

	for (g = 0; cli_groups[g] != NULL; g++)
		for (i = 0; i < cli_groups[g]->nb; i++) {
			const struct cli_cmd *c = &cli_groups[g]->cmds[i];

			max += c->max_args - c->min_args + 1;
		}
	cli_insts = calloc(max + 1, sizeof(*cli_insts));
	any = calloc(1, sizeof(*any) + 2 * sizeof(any->tokens[0]));
	if (cli_insts == NULL || any == NULL)
		return -ENOMEM;
	for (g = 0; cli_groups[g] != NULL; g++)
		for (i = 0; i < cli_groups[g]->nb; i++) {
			const struct cli_cmd *c = &cli_groups[g]->cmds[i];

			for (a = c->min_args; a <= c->max_args; a++) {
				cli_insts[n] = cli_inst(c, a);
				if (cli_insts[n++] == NULL)
					return -ENOMEM;
			}
		}
	any->tokens[0] = cli_token(0, NULL, &cli_any_token_ops);
	if (any->tokens[0] == NULL)
		return -ENOMEM;
	any->f = cli_prompt_run;
	any->data = (void *)CLI_MULTI;
	any->help_str = "any other line: reported as an error";
	cli_insts[n] = any;
	return 0;
}

int
cli_prompt_init(struct ctl *c)
{
	int ret;

	cli_prompt_ctl = c;
	cli_port_token_ops = cmdline_token_string_ops;
	cli_port_token_ops.complete_get_nb = cli_port_nb;
	cli_port_token_ops.complete_get_elt = cli_port_elt;
	cli_port_token_ops.get_help = cli_port_help;
	cli_engine_token_ops = cmdline_token_string_ops;
	cli_engine_token_ops.complete_get_nb = cli_engine_nb;
	cli_engine_token_ops.complete_get_elt = cli_engine_elt;
	cli_engine_token_ops.get_help = cli_engine_help;
	cli_any_token_ops.parse = cli_any_parse;
	ret = cli_build_ctx();
	if (ret < 0)
		return ret;
	cli_cl = cmdline_stdin_new(cli_insts, CLI_PROMPT);
	return cli_cl == NULL ? -ENOMEM : 0;
}

int
cli_prompt_input(void)
{
	char buf[256];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n <= 0)
		return -1;
	return cmdline_in(cli_cl, buf, n) < 0 ? -1 : 0;
}

void
cli_prompt_fini(void)
{
	if (cli_cl == NULL)
		return;
	cmdline_stdin_exit(cli_cl);
	cli_cl = NULL;
}
