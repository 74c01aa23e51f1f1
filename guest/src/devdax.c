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
 *
 * Lines starting with "# " are information; exit 0 means every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
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

static int cmd_unbind(const char *name)
{
	struct dax d = open_dax(name);
	int ready[2], status, fd, i;
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

	for (i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++)
		usleep(100000);
	if (i == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		check(0, "the child still uses %s 10 s after the unbind", name);
	}
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
	      "child ended with status %#x, not SIGBUS", status);
	printf("# %s: unbound while mapped; the user got SIGBUS\n", name);
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
	fprintf(stderr, "usage: see the comment at the top of devdax.c\n");
	return 2;
}
