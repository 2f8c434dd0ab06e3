/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The control socket vdpctl talks to: a Unix stream socket served on the
 * control thread. One connection carries one command line (ended by a
 * newline); the reply is the exit status on its own line ("0" or "1")
 * followed by what the command printed, and the connection closes.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_string_fns.h>

#include "cli.h"

#define CLI_SOCK_TIMEOUT_S 2 /* a client that does not send its line in time is dropped */
#define CLI_SOCK_MODE 0600   /* the control socket stays vdp's user's unless configured */

int
cli_sock_open(const char *path, const struct port_sock_perm *perm)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	ret = port_sock_path_claim(path);
	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* Nobody can connect before listen(): the mode is right by then. */
	ret = port_sock_perm_apply(path, perm, CLI_SOCK_MODE);
	if (ret == 0 && listen(fd, 16) != 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		unlink(path);
		return ret;
	}
	return fd;
}

/* Read one line (up to the newline or the peer's shutdown) into @p line. */
static int
cli_sock_read_line(int fd, char *line, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		n = recv(fd, line + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	line[len] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return len > 0 ? 0 : -EIO;
}

static void
cli_sock_write(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

void
cli_sock_serve(int lfd, struct ctl *c)
{
	struct timeval tv = { .tv_sec = CLI_SOCK_TIMEOUT_S };
	struct cli_ctx ctx = { .ctl = c };
	char line[CLI_LINE_MAX], *buf = NULL;
	size_t len = 0;
	int fd, ret;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ctx.out = open_memstream(&buf, &len);
	if (ctx.out == NULL || cli_sock_read_line(fd, line, sizeof(line)) < 0) {
		if (ctx.out != NULL)
			fclose(ctx.out);
		free(buf);
		close(fd);
		return;
	}
	ret = cli_exec(&ctx, line);
	fclose(ctx.out);
	cli_sock_write(fd, ret < 0 ? "1\n" : "0\n", 2);
	cli_sock_write(fd, buf, len);
	free(buf);
	close(fd);
}

void
cli_sock_close(int fd, const char *path)
{
	if (fd < 0)
		return;
	close(fd);
	unlink(path);
}
