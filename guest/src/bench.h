/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest's C programs share: sizes, dying with a message, the data
 * pattern written and checked, and the sysfs and smaps readers.  Included
 * by each program; nothing here is a program of its own.
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE		4096UL
#define PMD		(2UL << 20)
#define MIB		(1UL << 20)

/* Die with the name of the program, what failed and errno. */
static inline void fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		errno ? strerror(errno) : "failed");
	exit(1);
}

/* Die with a message unless @cond holds. */
#define check(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s: ", program_invocation_short_name);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	}								\
} while (0)

/* The expected content at byte @off: one 64-bit word per 8 bytes. */
static inline uint64_t word(unsigned long seed, unsigned long off)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ (off / 8);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

/* Write the pattern of bytes [off, off + len) to @p. */
static inline void fill(void *p, unsigned long len, unsigned long seed,
			unsigned long off)
{
	uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		w[i] = word(seed, off + i * 8);
}

/* Offset of the first word of @p that is not the pattern, or -1. */
static inline long mismatch(const void *p, unsigned long len,
			    unsigned long seed, unsigned long off)
{
	const uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != word(seed, off + i * 8))
			return off + i * 8;
	return -1;
}

/* A number in /sys/bus/dax/devices/@dev/@attr. */
static inline unsigned long dax_attr(const char *dev, const char *attr)
{
	char path[256];
	unsigned long v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		fail(path);
	check(fscanf(f, "%lu", &v) == 1, "%s: not a number", path);
	fclose(f);
	return v;
}

/* A counter of /proc/vmstat, e.g. thp_fault_fallback. */
static inline long vmstat(const char *name)
{
	char line[128];
	size_t n = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		fail("/proc/vmstat");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

/* A field of the smaps entry of the mapping that starts at @p, in KiB. */
static inline long smaps_kb(const void *p, const char *field)
{
	size_t n = strlen(field);
	char line[256], want[32];
	int in_vma = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		fail("/proc/self/smaps");
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	while (fgets(line, sizeof(line), f)) {
		char *dash = strchr(line, '-'), *space = strchr(line, ' ');

		if (dash && space && dash < space) {	/* a mapping's first line */
			if (in_vma)
				break;
			in_vma = !strncmp(line, want, strlen(want));
		} else if (in_vma && !strncmp(line, field, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
		}
	}
	fclose(f);
	return kb;
}

#endif
