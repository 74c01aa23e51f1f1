// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmarks of the paths the series changes, for a base-versus-series
 * comparison (scripts/perf.sh boots each kernel with guest time counting
 * instructions, so that the figures repeat under TCG).  Not a test: it
 * fails only when a system call fails, gup_test pins less than it was asked
 * to, or a migration loses pages or data.
 *
 * Usage: perf [-r REPS] fsdax|devdax|hmm ARG
 *   perf fsdax FILE    FILE on an "-o dax" mount; made 16 MiB if smaller
 *        fsdax-fault-4k    touch every page of a 16 MiB mapping that can only
 *                          use 4 KiB entries, then munmap: ns per page
 *        fsdax-fault-2m    the same through a 2 MiB-aligned mapping: ns per
 *                          2 MiB extent
 *        gup-fast-pin-4k   gup_test PIN_FAST_BENCHMARK (pin and unpin, 512
 *        gup-fast-pin-2m   pages a call) over each mapping: ns per page
 *   perf devdax /dev/daxX.Y
 *        devdax-fault-Nk   touch every page of the device (at most 32 MiB),
 *                          then munmap: ns per N KiB (the device's align)
 *   perf hmm /dev/hmm_dmirrorN
 *        hmm-migrate-roundtrip  test_hmm: migrate a 4 MiB anonymous buffer
 *                          to the device and back: ns per page
 *
 * Each figure is the median of REPS runs (default 5), after one untimed
 * run, printed as "perf: NAME VALUE UNIT"; other lines start with "# ".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <mm/gup_test.h>
#include <lib/test_hmm_uapi.h>
#include "bench.h"

#define FSDAX_SIZE	(16 * MIB)
#define DEVDAX_MAX	(32 * MIB)
#define HMM_SIZE	(4 * MIB)
#define MAX_REPS	101
#define FOLL_WRITE	0x01	/* include/linux/mm_types.h, not uapi */

static int reps = 5;

static double now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		fail("clock_gettime");
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "perf: NAME VALUE ns/UNIT", the unit named after its size in bytes. */
static void report(const char *name, double ns, unsigned long per)
{
	char unit[32];

	if (per == PAGE)
		snprintf(unit, sizeof(unit), "ns/page");
	else if (per % MIB == 0)
		snprintf(unit, sizeof(unit), "ns/%luMiB", per / MIB);
	else
		snprintf(unit, sizeof(unit), "ns/%luKiB", per / 1024);
	printf("perf: %s %.1f %s\n", name, ns, unit);
}

/*
 * An address where LEN bytes can be mapped: ALIGN-aligned plus SKEW.  With
 * SKEW = 4 KiB and file offset 0 no 2 MiB extent of the file lines up with
 * a 2 MiB-aligned address, so every fault maps a single 4 KiB page.
 */
static char *free_area(unsigned long len, unsigned long align, unsigned long skew)
{
	unsigned long span = len + align + skew;
	char *area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED)
		fail("mmap (reserve)");
	munmap(area, span);
	return (char *)(((uintptr_t)area + align - 1) & ~(align - 1)) + skew;
}

static char *map_at(int fd, char *addr, unsigned long len)
{
	char *p = mmap(addr, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);

	if (p == MAP_FAILED)
		fail("mmap");
	check(p == addr, "mmap placed the mapping at %p, not %p", p, addr);
	return p;
}

/* A write to every 4 KiB page: one fault per page or per huge entry. */
static void touch(char *p, unsigned long len)
{
	unsigned long i;

	for (i = 0; i < len; i += PAGE)
		((volatile char *)p)[i] = (char)(i / PAGE);
}

/* One fault+unmap cycle: the mmap itself is not timed. */
static double fault_cycle(int fd, char *addr, unsigned long len)
{
	char *p = map_at(fd, addr, len);
	double t0 = now_ns();

	touch(p, len);
	if (munmap(p, len))
		fail("munmap");
	return now_ns() - t0;
}

/* Median ns per PER bytes of fault+unmap cycles over LEN bytes of FD. */
static void fault_figure(const char *name, int fd, unsigned long len,
			 unsigned long align, unsigned long skew, unsigned long per)
{
	char *addr = free_area(len, align, skew);
	double v[MAX_REPS];
	int r;

	fault_cycle(fd, addr, len);
	for (r = 0; r < reps; r++)
		v[r] = fault_cycle(fd, addr, len) / (len / per);
	report(name, median(v, reps), per);
}

/* Median ns per page of gup_test's pin_user_pages_fast() and unpin over a
 * mapping whose every page is present. */
static void pin_figure(const char *name, int gup, int fd, unsigned long skew)
{
	char *p = map_at(fd, free_area(FSDAX_SIZE, PMD, skew), FSDAX_SIZE);
	double v[MAX_REPS];
	int r;

	touch(p, FSDAX_SIZE);
	for (r = 0; r < reps; r++) {
		struct gup_test g = {
			.addr = (uintptr_t)p, .size = FSDAX_SIZE,
			.nr_pages_per_call = 512, .gup_flags = FOLL_WRITE,
		};

		if (ioctl(gup, PIN_FAST_BENCHMARK, &g))
			fail("PIN_FAST_BENCHMARK");
		check(g.size == FSDAX_SIZE, "%s: pinned %llu of %lu bytes", name,
		      (unsigned long long)g.size, FSDAX_SIZE);
		v[r] = (g.get_delta_usec + g.put_delta_usec) * 1000.0 / (FSDAX_SIZE / PAGE);
	}
	report(name, median(v, reps), PAGE);
	if (munmap(p, FSDAX_SIZE))
		fail("munmap");
}

static void cmd_fsdax(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644), gup;
	struct stat st;

	if (fd < 0 || fstat(fd, &st))
		fail(path);
	if (st.st_size < (off_t)FSDAX_SIZE && ftruncate(fd, FSDAX_SIZE))
		fail("ftruncate");
	/* The 2 MiB figure first: its untimed run allocates the file's blocks
	 * by 2 MiB faults, which is what lets a filesystem pick extents that
	 * PMDs can map. */
	fault_figure("fsdax-fault-2m", fd, FSDAX_SIZE, PMD, 0, PMD);
	fault_figure("fsdax-fault-4k", fd, FSDAX_SIZE, PMD, PAGE, PAGE);
	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup < 0)
		fail("/sys/kernel/debug/gup_test");
	pin_figure("gup-fast-pin-4k", gup, fd, PAGE);
	pin_figure("gup-fast-pin-2m", gup, fd, 0);
	close(gup);
	close(fd);
}

static void cmd_devdax(const char *dev)
{
	const char *name = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
	unsigned long size = dax_attr(name, "size"), align = dax_attr(name, "align");
	unsigned long len = (size < DEVDAX_MAX ? size : DEVDAX_MAX) & ~(align - 1);
	int fd = open(dev, O_RDWR);
	char fig[64];

	if (fd < 0)
		fail(dev);
	check(align >= PAGE && len >= align, "%s: size %lu, align %lu", dev, size, align);
	printf("# %s: %lu MiB of %lu, align %lu KiB\n", dev, len / MIB, size / MIB, align / 1024);
	snprintf(fig, sizeof(fig), "devdax-fault-%luk", align / 1024);
	fault_figure(fig, fd, len, align, 0, align);
	close(fd);
}

static void migrate(int fd, unsigned long req, const char *name, char *buf, char *mirror)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)buf, .ptr = (uintptr_t)mirror, .npages = HMM_SIZE / PAGE,
	};

	while (ioctl(fd, req, &cmd))
		if (errno != EINTR)
			fail(name);
	check(cmd.cpages == cmd.npages, "%s moved %llu of %llu pages", name,
	      (unsigned long long)cmd.cpages, (unsigned long long)cmd.npages);
}

static double round_trip(int fd, char *buf, char *mirror)
{
	double t0 = now_ns();

	migrate(fd, HMM_DMIRROR_MIGRATE_TO_DEV, "MIGRATE_TO_DEV", buf, mirror);
	migrate(fd, HMM_DMIRROR_MIGRATE_TO_SYS, "MIGRATE_TO_SYS", buf, mirror);
	return now_ns() - t0;
}

static void cmd_hmm(const char *dev)
{
	int fd = open(dev, O_RDWR), r;
	char *buf, *mirror = malloc(HMM_SIZE);
	double v[MAX_REPS];
	unsigned long i;

	if (fd < 0)
		fail(dev);
	buf = mmap(NULL, HMM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || !mirror)
		fail("mmap");
	memset(buf, 0x5a, HMM_SIZE);
	round_trip(fd, buf, mirror);	/* the device allocates its memory */
	for (r = 0; r < reps; r++)
		v[r] = round_trip(fd, buf, mirror) / (HMM_SIZE / PAGE);
	report("hmm-migrate-roundtrip", median(v, reps), PAGE);
	/* A figure for a migration that loses data would be worthless. */
	for (i = 0; i < HMM_SIZE && buf[i] == 0x5a; i++)
		;
	check(i == HMM_SIZE, "byte %lu differs after %d round trips", i, reps + 1);
	munmap(buf, HMM_SIZE);
	free(mirror);
	close(fd);
}

int main(int argc, char **argv)
{
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "+r:")) != -1) {
		check(c == 'r', "usage: see the comment at the top of perf.c");
		reps = atoi(optarg);
		check(reps >= 1 && reps <= MAX_REPS, "-r: 1 to %d", MAX_REPS);
	}
	argv += optind;
	check(argc - optind == 2, "usage: see the comment at the top of perf.c");
	if (!strcmp(argv[0], "fsdax"))
		cmd_fsdax(argv[1]);
	else if (!strcmp(argv[0], "devdax"))
		cmd_devdax(argv[1]);
	else if (!strcmp(argv[0], "hmm"))
		cmd_hmm(argv[1]);
	else
		check(0, "usage: see the comment at the top of perf.c");
	return 0;
}
