/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * vdp-wake-floor: how long this host takes to wake a thread that sleeps in
 * poll() on an eventfd, the way an adaptive vdp worker sleeps on a kick.
 * A sleeper thread on CPU SLEEP_CPU answers each write to its eventfd; the
 * main thread on CPU SPIN_CPU writes after IDLE_MS of quiet and spins
 * until the answer comes, so each sample is one wake-up and nothing else.
 * The floor under vdp-latency --idle-ms through an adaptive vdp.
 *
 * Usage: vdp-wake-floor [IDLE_MS [COUNT [SLEEP_CPU [SPIN_CPU]]]]
 *        (defaults 1000, 30, 1, 0)
 */

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int wake_fd, answer_fd;

static uint64_t
wf_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + t.tv_nsec;
}

static void
wf_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "vdp-wake-floor: cannot pin to CPU %d\n", cpu);
}

static void *
wf_sleeper(void *arg)
{
	struct pollfd p = { .fd = wake_fd, .events = POLLIN };
	eventfd_t v;

	wf_pin((int)(intptr_t)arg);
	for (;;) {
		if (poll(&p, 1, -1) == 1 && eventfd_read(wake_fd, &v) == 0)
			eventfd_write(answer_fd, 1);
	}
	return NULL;
}

static int
wf_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int idle_ms = argc > 1 ? atoi(argv[1]) : 1000;
	int count = argc > 2 ? atoi(argv[2]) : 30;
	int sleep_cpu = argc > 3 ? atoi(argv[3]) : 1, spin_cpu = argc > 4 ? atoi(argv[4]) : 0;
	uint64_t *us;
	pthread_t t;
	eventfd_t v;
	int i;

	if (idle_ms < 0 || count < 1) {
		fprintf(stderr, "usage: vdp-wake-floor [IDLE_MS [COUNT [SLEEP_CPU [SPIN_CPU]]]]\n");
		return 2;
	}
	us = calloc(count, sizeof(*us));
	wake_fd = eventfd(0, 0);
	answer_fd = eventfd(0, EFD_NONBLOCK);
	if (us == NULL || wake_fd < 0 || answer_fd < 0 ||
	    pthread_create(&t, NULL, wf_sleeper, (void *)(intptr_t)sleep_cpu) != 0) {
		perror("vdp-wake-floor");
		return 1;
	}
	wf_pin(spin_cpu);
	for (i = 0; i < count; i++) {
		uint64_t t0;

		usleep(idle_ms * 1000);
		t0 = wf_ns();
		eventfd_write(wake_fd, 1);
		while (eventfd_read(answer_fd, &v) != 0)
			;
		us[i] = (wf_ns() - t0) / 1000;
	}
	qsort(us, count, sizeof(*us), wf_cmp);
	printf("vdp-wake-floor: %d wake-ups after %d ms idle: p50 %lu us, p99 %lu us, max %lu us\n",
	       count, idle_ms, (unsigned long)us[count / 2],
	       (unsigned long)us[(count * 99 + 99) / 100 - 1], (unsigned long)us[count - 1]);
	return 0;
}
