// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to the interfaces the series touches.  Every call must come
 * back with a clean result, an error code or success, never a crash or a
 * kernel splat (the bench fails the run on any splat).  Prints one line per
 * case: what was done and what it got.
 *
 * Usage:
 *   badinput hmm /dev/hmm_dmirrorN        test_hmm ioctls with bad ranges
 *   badinput devdax DEV                   device-dax mmap with bad arguments
 *   badinput vma DAXFILE                  madvise/mprotect/mremap across the
 *                                         border of a DAX and an anonymous
 *                                         mapping
 * Exit 0 when every case got one of the results it may get.
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
#include <sys/wait.h>
#include <unistd.h>
#include <lib/test_hmm_uapi.h>
#include "bench.h"


static int failures;

#define HUNG	-2		/* the call did not come back */

/* One case: its result (0 or an errno) must be in the allowed list, which
 * ends with -1. */
static void report(const char *what, int err, const int *allowed)
{
	const char *verdict = "unexpected";
	int i;

	for (i = 0; allowed[i] != -1; i++)
		if (allowed[i] == err)
			verdict = "ok";
	if (*verdict != 'o')
		failures++;
	printf("# %-52s %-10s %s\n", what,
	       err == HUNG ? "hung" : err ? strerrorname_np(err) : "0", verdict);
}

/* Clean results: an error code a caller can act on, or (where the input is
 * merely odd, not invalid) success. */
static const int any_error[] = { EINVAL, EFAULT, ENOMEM, EBUSY, EPERM, ENOENT, ERANGE, ENXIO, -1 };
static const int error_or_ok[] = { 0, EINVAL, EFAULT, ENOMEM, EBUSY, EPERM, ENOENT, ERANGE, ENXIO, -1 };

/*
 * The ioctl, in a child given 10 seconds: a kernel that loops over a huge
 * range would otherwise hang the test.  Returns 0, the errno, or HUNG.
 */
static int hmm_call(int fd, unsigned long req, struct hmm_dmirror_cmd *cmd)
{
	int status, i;
	pid_t pid = fork();

	if (pid == 0)
		_exit(ioctl(fd, req, cmd) ? errno : 0);
	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
		usleep(10000);
	}
	return HUNG;
}

static int cmd_hmm(const char *dev)
{
	static const struct { unsigned long req; const char *name; } reqs[] = {
		{ HMM_DMIRROR_READ, "READ" },
		{ HMM_DMIRROR_WRITE, "WRITE" },
		{ HMM_DMIRROR_MIGRATE_TO_DEV, "MIGRATE_TO_DEV" },
		{ HMM_DMIRROR_MIGRATE_TO_SYS, "MIGRATE_TO_SYS" },
		{ HMM_DMIRROR_SNAPSHOT, "SNAPSHOT" },
		{ HMM_DMIRROR_EXCLUSIVE, "EXCLUSIVE" },
		{ HMM_DMIRROR_CHECK_EXCLUSIVE, "CHECK_EXCLUSIVE" },
	};
	int fd = open(dev, O_RDWR), i;
	char *buf, *mirror, what[96];

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mirror = malloc(4 * PAGE);
	memset(buf, 1, 4 * PAGE);
	for (i = 0; i < (int)(sizeof(reqs) / sizeof(reqs[0])); i++) {
		const struct {
			const char *name;
			uint64_t addr, ptr, npages;
			const int *allowed;
		} cases[] = {
			{ "npages 0", (uintptr_t)buf, (uintptr_t)mirror, 0, error_or_ok },
			{ "unaligned address", (uintptr_t)buf + 1, (uintptr_t)mirror, 1, error_or_ok },
			{ "address 0", 0, (uintptr_t)mirror, 1, error_or_ok },
			{ "kernel address", 0xffffffff81000000ULL, (uintptr_t)mirror, 1, any_error },
			{ "npages 2^40", (uintptr_t)buf, (uintptr_t)mirror, 1ULL << 40, any_error },
			{ "npages 2^52 (size wraps to 0)", (uintptr_t)buf, (uintptr_t)mirror,
			  1ULL << 52, any_error },
			{ "range wraps around", -PAGE, (uintptr_t)mirror, 2, any_error },
			{ "ptr NULL", (uintptr_t)buf, 0, 4, error_or_ok },
		};
		int c, err;

		for (c = 0; c < (int)(sizeof(cases) / sizeof(cases[0])); c++) {
			struct hmm_dmirror_cmd cmd = {
				.addr = cases[c].addr, .ptr = cases[c].ptr,
				.npages = cases[c].npages,
			};

			snprintf(what, sizeof(what), "hmm %s: %s", reqs[i].name, cases[c].name);
			err = hmm_call(fd, reqs[i].req, &cmd);
			report(what, err, cases[c].allowed);
			if (err == HUNG) {
				printf("# %s is stuck in the kernel; giving up\n", dev);
				return 1;
			}
		}
		snprintf(what, sizeof(what), "hmm %s: argument NULL", reqs[i].name);
		report(what, ioctl(fd, reqs[i].req, NULL) ? errno : 0, any_error);
	}
	report("hmm: unknown ioctl", ioctl(fd, _IOWR('H', 0x7f, struct hmm_dmirror_cmd),
					  &(struct hmm_dmirror_cmd){ 0 }) ? errno : 0,
	       (const int[]){ EINVAL, ENOTTY, -1 });
	munmap(buf, 4 * PAGE);
	free(mirror);
	close(fd);
	return 0;
}

static int map_result(void *p)
{
	return p == MAP_FAILED ? errno : 0;
}

static int cmd_devdax(const char *dev)
{
	static const int einval[] = { EINVAL, -1 };
	static const int bad_offset[] = { EINVAL, ENXIO, EOVERFLOW, -1 };
	int fd = open(dev, O_RDWR);
	char *p;

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	/* The device requires MAP_SHARED and its own alignment. */
	p = mmap(NULL, PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	report("devdax: MAP_PRIVATE", map_result(p), einval);
	p = mmap(NULL, PMD, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	report("devdax: offset 4 KiB (align 2 MiB)", map_result(p), einval);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	report("devdax: length 4 KiB (align 2 MiB)", map_result(p), einval);
	/* An offset past the end maps, but a fault there must SIGBUS, not
	 * reach memory that is not the device's; only the mmap is tried. */
	p = mmap(NULL, PMD, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 1UL << 40);
	report("devdax: offset 1 TiB", map_result(p), (const int[]){ 0, EINVAL, ENXIO, -1 });
	if (p != MAP_FAILED)
		munmap(p, PMD);
	p = mmap(NULL, PMD, PROT_READ | PROT_WRITE, MAP_SHARED, fd, -PMD);
	report("devdax: offset -2 MiB", map_result(p), bad_offset);
	close(fd);
	return 0;
}

/* A DAX mapping with an anonymous one right after it; calls that span the
 * border must act on both or fail cleanly. */
static int cmd_vma(const char *path)
{
	static const int ok[] = { 0, -1 }, ok_or_einval[] = { 0, EINVAL, -1 };
	static const int efault[] = { EFAULT, EINVAL, -1 };
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *area, *dax, *anon, *p;

	if (fd < 0 || ftruncate(fd, 2 * PMD)) {
		perror(path);
		return 1;
	}
	area = mmap(NULL, 4 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dax = (char *)(((uintptr_t)area + PMD - 1) & ~(PMD - 1));
	dax = mmap(dax, 2 * PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	anon = mmap(dax + 2 * PMD, PMD, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (dax == MAP_FAILED || anon == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(dax, 2, 2 * PMD);
	memset(anon, 3, PMD);
	p = dax + PMD;			/* 1 MiB of DAX, then 1 MiB of anon */

	report("vma: madvise DONTNEED across", madvise(p, 2 * PMD, MADV_DONTNEED) ? errno : 0, ok);
	memset(dax, 2, 2 * PMD);
	report("vma: madvise HUGEPAGE across", madvise(p, 2 * PMD, MADV_HUGEPAGE) ? errno : 0,
	       ok_or_einval);
	report("vma: madvise COLD across", madvise(p, 2 * PMD, MADV_COLD) ? errno : 0, ok_or_einval);
	report("vma: madvise PAGEOUT across", madvise(p, 2 * PMD, MADV_PAGEOUT) ? errno : 0,
	       ok_or_einval);
	report("vma: madvise WILLNEED across", madvise(p, 2 * PMD, MADV_WILLNEED) ? errno : 0,
	       (const int[]){ 0, EINVAL, EBADF, -1 });
	report("vma: madvise FREE across", madvise(p, 2 * PMD, MADV_FREE) ? errno : 0,
	       ok_or_einval);
	report("vma: madvise POPULATE_WRITE across",
	       madvise(p, 2 * PMD, MADV_POPULATE_WRITE) ? errno : 0, ok_or_einval);
	report("vma: mprotect READ across", mprotect(p, 2 * PMD, PROT_READ) ? errno : 0, ok);
	report("vma: mprotect READ|WRITE across",
	       mprotect(p, 2 * PMD, PROT_READ | PROT_WRITE) ? errno : 0, ok);
	report("vma: mlock across", mlock(p, 2 * PMD) ? errno : 0,
	       (const int[]){ 0, ENOMEM, EAGAIN, -1 });
	munlock(p, 2 * PMD);
	report("vma: mremap across (two mappings)",
	       map_result(mremap(p, 2 * PMD, 4 * PMD, MREMAP_MAYMOVE)), efault);
	report("vma: msync across", msync(p, 2 * PMD, MS_SYNC) ? errno : 0,
	       (const int[]){ 0, ENOMEM, -1 });
	report("vma: munmap across", munmap(p, 2 * PMD) ? errno : 0, ok);
	munmap(area, 4 * PMD);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int ret = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "hmm"))
		ret = cmd_hmm(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "devdax"))
		ret = cmd_devdax(argv[2]);
	else if (argc == 3 && !strcmp(argv[1], "vma"))
		ret = cmd_vma(argv[2]);
	else
		fprintf(stderr, "usage: see the comment at the top of badinput.c\n");
	if (failures)
		printf("# %d case(s) got a result they may not get\n", failures);
	return ret ? ret : !!failures;
}
