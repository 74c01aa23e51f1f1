// SPDX-License-Identifier: GPL-2.0
/*
 * Device-dax (/dev/daxX.Y): map, write, read back, fork, and unbind the
 * driver while a process is using a mapping.
 *
 * Usage:
 *   devdax map DEV SEED       fill the device through one mapping, check it
 *                             through a second one, then a child writes half
 *                             of a shared mapping and the parent checks it;
 *                             the mapping must be accounted like a page
 *                             cache mapping (its Rss in smaps): the page
 *                             tables map the device's pages, not pfns
 *   devdax verify DEV SEED    check what "map" left on the device
 *   devdax unbind DEV         a child keeps reading a mapping of DEV while
 *                             device_dax is unbound from it: the unbind must
 *                             finish and the child must get SIGBUS
 *   devdax pinned-unbind DEV SEED
 *                             a page of DEV sits in a pipe (vmsplice) after
 *                             its mapping is gone; unbinding device_dax must
 *                             wait until the pipe lets go of it, and the
 *                             pipe must read what "map" wrote there
 *   devdax stress DEV SEED SECONDS
 *                             churn: processes map random aligned ranges of
 *                             DEV, check them or write the same data back,
 *                             and unmap them, while another reads the whole
 *                             device; device_dax is unbound at a random
 *                             point, after which every process must stop on
 *                             SIGBUS or a refused mmap, with no bad data
 *
 * Lines starting with "# " are information; exit 0 means every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

struct dax {
	const char *name;
	int fd;
	unsigned long size, align;
};

static struct dax open_dax(const char *name)
{
	struct dax d = { .name = name };
	char path[256];

	d.size = dax_attr(name, "size");
	d.align = dax_attr(name, "align");
	snprintf(path, sizeof(path), "/dev/%s", name);
	d.fd = open(path, O_RDWR);
	if (d.fd < 0)
		fail(path);
	return d;
}

/* A mapping of [off, off + len) of the device at an address aligned as
 * the device requires. */
static char *map(struct dax *d, unsigned long len, unsigned long off)
{
	char *area, *p;

	area = mmap(NULL, len + d->align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		fail("mmap (reserve)");
	p = (char *)(((unsigned long)area + d->align - 1) & ~(d->align - 1));
	munmap(area, len + d->align);
	p = mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d->fd, off);
	if (p == MAP_FAILED)
		fail("mmap");
	return p;
}

static int cmd_map(const char *name, unsigned long seed)
{
	struct dax d = open_dax(name);
	unsigned long half = d.size / 2 & ~(d.align - 1);
	long bad, rss;
	char *p, *q;
	pid_t pid;
	int status;

	p = map(&d, d.size, 0);
	fill(p, d.size, seed, 0);
	rss = smaps_kb(p, "Rss");
	printf("# %s: mapping Rss %ld kB\n", name, rss);
	check(rss == (long)(d.size >> 10), "%s: Rss of the mapping is %ld kB, not %lu",
	      name, rss, d.size >> 10);
	q = map(&d, d.size - half, half);	/* a second mapping, at an offset */
	bad = mismatch(q, d.size - half, seed, half);
	check(bad < 0, "%s: second mapping differs at %ld", name, bad);
	munmap(q, d.size - half);

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		bad = mismatch(p, half, seed, 0);
		check(bad < 0, "child: %s differs at %ld", name, bad);
		fill(p + half, d.size - half, seed + 1, half);
		_exit(0);
	}
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "child failed (status %#x)", status);
	bad = mismatch(p + half, d.size - half, seed + 1, half);
	check(bad < 0, "%s: parent does not see the child's writes (byte %ld)", name, bad);
	munmap(p, d.size);
	close(d.fd);
	printf("# %s: %lu MiB, align %lu KiB: mapped, written, forked\n", name,
	       d.size >> 20, d.align >> 10);
	return 0;
}

static int cmd_verify(const char *name, unsigned long seed)
{
	struct dax d = open_dax(name);
	unsigned long half = d.size / 2 & ~(d.align - 1);
	char *p = map(&d, d.size, 0);
	long bad;

	bad = mismatch(p, half, seed, 0);
	if (bad < 0)
		bad = mismatch(p + half, d.size - half, seed + 1, half);
	check(bad < 0, "%s differs at byte %ld", name, bad);
	munmap(p, d.size);
	close(d.fd);
	printf("# %s: contents verified\n", name);
	return 0;
}

/* Start unbinding device_dax from @name in a child; returns its pid. */
static pid_t unbind_in_child(const char *name)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		fail("fork");
	if (pid)
		return pid;
	fd = open("/sys/bus/dax/drivers/device_dax/unbind", O_WRONLY);
	if (fd < 0 || write(fd, name, strlen(name)) != (ssize_t)strlen(name))
		_exit(1);
	_exit(0);
}

/* Wait up to @tenths of a second for @pid; whether it exited. */
static int wait_a_while(pid_t pid, int tenths, int *status)
{
	int i;

	for (i = 0; i < tenths; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		usleep(100000);
	}
	return 0;
}

static int cmd_unbind(const char *name)
{
	struct dax d = open_dax(name);
	int ready[2], status, fd;
	char c;
	pid_t pid;

	if (pipe(ready))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		volatile char *p = (volatile char *)map(&d, d.size, 0);
		unsigned long off, sum = 0;

		/* Reads only: the data is checked after the rebind. */
		for (off = 0; off < d.size; off += 4096)
			sum += p[off];
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			for (off = 0; off < d.size; off += 4096)
				sum += p[off];
	}
	check(read(ready[0], &c, 1) == 1, "child did not map %s", name);
	close(d.fd);

	fd = open("/sys/bus/dax/drivers/device_dax/unbind", O_WRONLY);
	if (fd < 0)
		fail("device_dax/unbind");
	check(write(fd, name, strlen(name)) == (ssize_t)strlen(name),
	      "unbind %s: %s", name, strerror(errno));
	close(fd);

	if (!wait_a_while(pid, 100, &status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		check(0, "the child still uses %s 10 s after the unbind", name);
	}
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
	      "child ended with status %#x, not SIGBUS", status);
	printf("# %s: unbound while mapped; the user got SIGBUS\n", name);
	return 0;
}

static int cmd_pinned_unbind(const char *name, unsigned long seed)
{
	struct dax d = open_dax(name);
	char *p = map(&d, d.align, 0), buf[PAGE];
	struct iovec iov = { .iov_base = p, .iov_len = PAGE };
	int held[2], status;
	pid_t pid;

	if (pipe(held))
		fail("pipe");
	check(vmsplice(held[1], &iov, 1, 0) == PAGE, "vmsplice: %s", strerror(errno));
	munmap(p, d.align);
	close(d.fd);

	pid = unbind_in_child(name);
	if (wait_a_while(pid, 10, &status)) {
		/* The device's memory may be gone: do not read the pipe. */
		check(0, "%s: unbind finished (status %#x) while a page of the device was in a pipe",
		      name, status);
	}
	check(read(held[0], buf, PAGE) == PAGE, "read from the pipe: %s", strerror(errno));
	check(mismatch(buf, PAGE, seed, 0) < 0, "%s: the pipe does not hold what was written", name);
	close(held[0]);
	close(held[1]);
	if (!wait_a_while(pid, 100, &status)) {
		kill(pid, SIGKILL);
		check(0, "%s: unbind still waits 10 s after the pipe let go of the page", name);
	}
	check(WIFEXITED(status) && !WEXITSTATUS(status), "unbind %s failed (status %#x)",
	      name, status);
	printf("# %s: unbind waited for the page in a pipe, then finished\n", name);
	return 0;
}

#define CHURNERS	3

struct churn_ops {
	long maps, checks, rewrites, reads, sigbus, refused, bad;
};

static sigjmp_buf gone;

static void on_sigbus(int sig)
{
	siglongjmp(gone, 1);
}

/* The content "map" left: the first half with SEED, the rest SEED + 1. */
static long churn_check(const char *p, struct dax *d, unsigned long off,
			unsigned long len, unsigned long seed)
{
	unsigned long half = d->size / 2 & ~(d->align - 1), o;
	long bad;

	for (o = off; o < off + len; o += d->align) {
		bad = mismatch(p + (o - off), d->align, o < half ? seed : seed + 1, o);
		if (bad >= 0)
			return bad;
	}
	return -1;
}

/* One process of "stress": a churner (@reader 0) or the reader. */
static void churn(struct dax *d, unsigned long seed, int reader,
		  volatile struct churn_ops *ops, unsigned int rnd)
{
	unsigned long units = d->size / d->align, half = d->size / 2 & ~(d->align - 1);
	struct sigaction sa = { .sa_handler = on_sigbus };
	char *p;

	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(gone, 1)) {
		ops->sigbus++;
		_exit(0);
	}
	if (reader) {
		p = map(d, d->size, 0);
		ops->maps++;
		for (;;) {
			if (churn_check(p, d, 0, d->size, seed) >= 0) {
				ops->bad++;
				_exit(1);
			}
			ops->reads++;
		}
	}
	for (;;) {
		unsigned long first = rand_r(&rnd) % units;
		unsigned long n = 1 + rand_r(&rnd) % 4, off, len;
		char *area;

		if (first + n > units)
			n = units - first;
		off = first * d->align;
		len = n * d->align;
		area = mmap(NULL, len + d->align, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			_exit(1);
		p = (char *)(((unsigned long)area + d->align - 1) & ~(d->align - 1));
		munmap(area, len + d->align);
		p = mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, d->fd, off);
		if (p == MAP_FAILED) {
			/* After the unbind, mmap() is refused. */
			ops->refused++;
			_exit(0);
		}
		ops->maps++;
		if (rand_r(&rnd) & 1) {
			/* Write faults, without changing what a reader sees. */
			if (off < half && off + len > half) {
				fill(p, half - off, seed, off);
				fill(p + half - off, off + len - half, seed + 1, half);
			} else {
				fill(p, len, off < half ? seed : seed + 1, off);
			}
			ops->rewrites++;
		}
		if (churn_check(p, d, off, len, seed) >= 0) {
			ops->bad++;
			_exit(1);
		}
		ops->checks++;
		munmap(p, len);
	}
}

static int cmd_stress(const char *name, unsigned long seed, int seconds)
{
	struct dax d = open_dax(name);
	volatile struct churn_ops *ops;
	struct churn_ops total = { 0 };
	pid_t pid[CHURNERS + 1], unbinder;
	unsigned int rnd = time(NULL) ^ getpid();
	int i, status, ms, failed = 0;

	ops = mmap(NULL, sizeof(*ops) * (CHURNERS + 1), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ops == MAP_FAILED)
		fail("mmap (counters)");
	for (i = 0; i <= CHURNERS; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			fail("fork");
		if (pid[i] == 0)
			churn(&d, seed, i == CHURNERS, &ops[i], rnd + i);
	}
	/* The unbind comes somewhere in the second half of the run. */
	ms = seconds * 500 + rand_r(&rnd) % (seconds * 500);
	usleep(ms * 1000);
	unbinder = unbind_in_child(name);
	check(wait_a_while(unbinder, 100, &status), "%s: unbind still waits after 10 s", name);
	check(WIFEXITED(status) && !WEXITSTATUS(status), "unbind %s failed", name);

	for (i = 0; i <= CHURNERS; i++) {
		if (!wait_a_while(pid[i], 100, &status)) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], &status, 0);
			printf("# %s: process %d still ran 10 s after the unbind\n", name, i);
			failed = 1;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# %s: process %d ended with status %#x\n", name, i, status);
			failed = 1;
		}
		total.maps += ops[i].maps;
		total.checks += ops[i].checks;
		total.rewrites += ops[i].rewrites;
		total.reads += ops[i].reads;
		total.sigbus += ops[i].sigbus;
		total.refused += ops[i].refused;
		total.bad += ops[i].bad;
	}
	printf("# %s: unbound after %d ms; maps %ld, checked %ld, rewritten %ld, whole-device reads %ld\n",
	       name, ms, total.maps, total.checks, total.rewrites, total.reads);
	printf("# %s: then %ld processes got SIGBUS and %ld an mmap error; %ld saw bad data\n",
	       name, total.sigbus, total.refused, total.bad);
	check(!failed && !total.bad, "%s: stress failed", name);
	check(total.sigbus + total.refused == CHURNERS + 1,
	      "%s: %ld of %d processes stopped because of the unbind", name,
	      total.sigbus + total.refused, CHURNERS + 1);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "map"))
		return cmd_map(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "unbind"))
		return cmd_unbind(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "stress"))
		return cmd_stress(argv[2], strtoul(argv[3], NULL, 0), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "pinned-unbind"))
		return cmd_pinned_unbind(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: see the comment at the top of devdax.c\n");
	return 2;
}
