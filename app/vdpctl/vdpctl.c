/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * vdpctl: send one command to a running vdp over its control socket and
 * print the reply. Exit status 0 when the command succeeded, 1 when vdp
 * reported an error (printed on stderr), 2 for a usage error or when vdp
 * cannot be reached.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define VDPCTL_LINE_MAX 1024 /* vdp's longest command line */

static void
vdpctl_usage(FILE *f)
{
	fprintf(f, "Usage: vdpctl [-s SOCKET] [--json] COMMAND...\n"
		"  -s, --socket SOCKET  vdp's control socket (default RUN_DIR/vdp.ctl:\n"
		"                       /run/vdp as root, else $XDG_RUNTIME_DIR/vdp)\n"
		"  --json               JSON output for show commands\n"
		"  vdpctl help          lists the commands\n");
}

static void
vdpctl_default_socket(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, "/run/vdp/vdp.ctl");
	else if (xdg != NULL && *xdg != '\0')
		snprintf(buf, len, "%s/vdp/vdp.ctl", xdg);
	else
		snprintf(buf, len, "/tmp/vdp-%u/vdp.ctl", (unsigned int)geteuid());
}

static int
vdpctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "vdpctl: error: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "vdpctl: error: cannot reach vdp at %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send @p line, copy the reply to stdout (stderr on failure); returns vdp's status. */
static int
vdpctl_run(int fd, const char *line)
{
	char buf[4096];
	size_t off = 0, len = strlen(line);
	FILE *out = stdout;
	int status = -1;
	ssize_t n;

	while (off < len) {
		n = write(fd, line + off, len - off);
		if (n <= 0)
			return -1;
		off += n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		if (status < 0) {
			if (n < 2 || (buf[0] != '0' && buf[0] != '1') || buf[1] != '\n')
				return -1;
			status = buf[0] - '0';
			out = status == 0 ? stdout : stderr;
			p += 2;
			n -= 2;
		}
		fwrite(p, 1, n, out);
	}
	return status;
}

int
main(int argc, char **argv)
{
	char path[108], line[VDPCTL_LINE_MAX];
	size_t len = 0;
	int i = 1, fd, status;

	vdpctl_default_socket(path, sizeof(path));
	line[0] = '\0';
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) &&
		    i + 1 < argc) {
			snprintf(path, sizeof(path), "%s", argv[++i]);
		} else if (strcmp(argv[i], "--json") == 0) {
			len += snprintf(line + len, sizeof(line) - len, "--json ");
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			vdpctl_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "vdpctl: error: unknown option '%s'\n", argv[i]);
			vdpctl_usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		vdpctl_usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		if (len + strlen(argv[i]) + 2 >= sizeof(line)) {
			fprintf(stderr, "vdpctl: error: command too long\n");
			return 2;
		}
		len += snprintf(line + len, sizeof(line) - len, "%s ", argv[i]);
	}
	line[len - 1] = '\n';
	fd = vdpctl_connect(path);
	if (fd < 0)
		return 2;
	status = vdpctl_run(fd, line);
	close(fd);
	if (status < 0) {
		fprintf(stderr, "vdpctl: error: no reply from vdp at %s\n", path);
		return 2;
	}
	return status;
}
