/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_CLI_H
#define VDP_CLI_H

/**
 * @file
 * vdp's commands. Each group (port, vhost, fwd, lcore, rxq, general) declares
 * its commands in a table next to the handlers, with the help text beside
 * each. One dispatcher, cli_exec(), serves the interactive prompt
 * (rte_cmdline), the control socket (vdpctl) and command files: they all
 * hand it a line and a stream for the output.
 *
 * A handler gets the words after the command's own words, parses them into
 * its arguments and calls the ctl_* or library function that start-up uses
 * too. On bad input it prints "error: ..." with cli_err() and returns -1.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "ctl.h"

#define CLI_MAX_WORDS 16  /**< Words in one command line. */
#define CLI_LINE_MAX 1024 /**< Longest command line. */
#define CLI_HELP_LEN 256  /**< Room for a command's help line. */

/** Where a command runs. */
struct cli_ctx {
	FILE *out;        /**< Output stream (the terminal, or the control socket's reply). */
	bool json;        /**< "--json" was given: show commands print JSON. */
	struct ctl *ctl;  /**< The control state. */
};

/** What the first argument of a command completes to on the prompt. */
enum cli_arg_kind {
	CLI_ARG_NONE,    /**< Free text. */
	CLI_ARG_PORT,    /**< A port name, or "all". */
	CLI_ARG_ENGINE,  /**< A forwarding engine name. */
};

/** A command handler: @p argc words after the command's own in @p argv. */
typedef int (*cli_handler_t)(struct cli_ctx *ctx, int argc, char **argv);

/** One command. */
struct cli_cmd {
	const char *words;       /**< The command's own words: "show port stats". */
	const char *args;        /**< Argument syntax for help: "<port>|all"; "" for none. */
	uint8_t min_args;        /**< Fewest argument words. */
	uint8_t max_args;        /**< Most argument words. */
	enum cli_arg_kind kind;  /**< Completion of the first argument. */
	const char *help;        /**< One line: what it does; NULL: from the option table (cli_cmd_help()). */
	cli_handler_t fn;        /**< Handler. */
};

/** A group of commands, for "help <group>". */
struct cli_group {
	const char *name;          /**< Group name. */
	const char *help;          /**< One line about the group. */
	const struct cli_cmd *cmds; /**< Its commands. */
	unsigned int nb;           /**< Entries in cmds[]. */
};

/** Every group, NULL-terminated. */
extern const struct cli_group *const cli_groups[];

/** The groups, defined next to their handlers. */
extern const struct cli_group cli_group_port;    /**< Ports and their counters. */
extern const struct cli_group cli_group_vhost;   /**< vhost-user ports. */
extern const struct cli_group cli_group_fwd;     /**< Forwarding. */
extern const struct cli_group cli_group_lcore;   /**< Workers, drops, periodic stats. */
extern const struct cli_group cli_group_rxq;     /**< Rx queue load and placement. */
extern const struct cli_group cli_group_general; /**< help, quit. */

/**
 * Run one command line (a "--json" word anywhere asks for JSON output).
 * Prints its output, or "error: ..." on bad input, to ctx->out. Returns 0,
 * or -1 when the command is unknown or failed.
 */
int cli_exec(struct cli_ctx *ctx, const char *line);

/**
 * True when @p line is one known command with an argument count it takes
 * and no "--json": the prompt's instruction for that command parses it,
 * and its catch-all instruction leaves it alone (rte_cmdline refuses a
 * line that two instructions match).
 */
bool cli_line_is_plain(const char *line);

/**
 * Run every line of @p path (empty lines and lines starting with '#' are
 * skipped), echoing each after the prompt. A failed command does not stop
 * the rest. Returns 0, -1 when some command failed, or a negative errno
 * when the file cannot be read.
 */
int cli_exec_file(struct cli_ctx *ctx, const char *path);

/** Print "error: " and the message to ctx->out; returns -1. */
int cli_err(struct cli_ctx *ctx, const char *fmt, ...) __rte_format_printf(2, 3);

/**
 * Parse a port reference (id or name) into @p p; with @p all_ok, "all"
 * gives *p = NULL. Prints an error and returns -1 when there is no such
 * port.
 */
int cli_port_arg(struct cli_ctx *ctx, const char *arg, bool all_ok, struct port **p);

/**
 * The help line of @p c: c->help, or for a "set NAME" command whose help
 * is NULL, that of option NAME of the option table with what it accepts.
 * Returns @p buf or c->help.
 */
const char *cli_cmd_help(const struct cli_cmd *c, char *buf, size_t len);

/**
 * Change option @p name to @p value with ctl_set_opt(). Prints the error
 * and returns -1 on failure; prints nothing on success (the caller says
 * what changed).
 */
int cli_set_opt(struct cli_ctx *ctx, const char *name, const char *value);

/** Parse a number in [min, max]; prints an error naming @p what and returns -1 when bad. */
int cli_u32_arg(struct cli_ctx *ctx, const char *what, const char *arg, uint32_t min,
		uint32_t max, uint32_t *out);

/** Print @p s as a JSON string (quoted, escaped). */
void cli_json_str(FILE *f, const char *s);

/**
 * The interactive prompt on stdin/stdout. cli_prompt_init() builds the
 * rte_cmdline context from the tables and prints the first prompt; feed
 * it with cli_prompt_input() when stdin is readable; cli_prompt_fini()
 * restores the terminal.
 */
int cli_prompt_init(struct ctl *c);

/** Read what stdin has and run completed lines. Returns -1 on end of input. */
int cli_prompt_input(void);

/** Restore the terminal; safe when no prompt was started. */
void cli_prompt_fini(void);

/**
 * Listen on the control socket @p path, with the group and mode of
 * @p perm (without a mode: 0600), set before it listens. A live socket
 * there is an error (-EADDRINUSE); a stale one is replaced. Returns the
 * listening fd or a negative errno (that of chown() or chmod() too).
 */
int cli_sock_open(const char *path, const struct port_sock_perm *perm);

/** Serve one pending connection on listening socket @p fd: one command, one reply. */
void cli_sock_serve(int fd, struct ctl *c);

/** Close the control socket and remove its path. */
void cli_sock_close(int fd, const char *path);

#endif /* VDP_CLI_H */
