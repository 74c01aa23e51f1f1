// SPDX-License-Identifier: GPL-2.0
/*
 * Map and unmap PCI P2PDMA memory (a device's p2pmem/allocate file) from
 * several processes at once, for a while, touching every page of every
 * mapping, and check that the pool has all of its memory back afterwards.
 *
 * Every mmap() of p2pmem/allocate takes pages from the device's pool and
 * every munmap() returns them through the ZONE_DEVICE free path, so the
 * processes race allocation against freeing of the same pages.
 *
 * Usage: p2pmem-stress P2PMEM-DIR [SECONDS] [PROCESSES]
 * Prints the number of mappings made; exits 0 only if nothing went wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long read_long(const char *dir, const char *name)
{
	char path[512];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static int worker(const char *dir, int id, time_t end)
{
	char path[512];
	long page = sysconf(_SC_PAGESIZE), maps = 0, i;
	unsigned int seed = id;
	int fd;

	snprintf(path, sizeof(path), "%s/allocate", dir);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	while (time(NULL) < end) {
		long npages = 1 + rand_r(&seed) % 16;
		volatile unsigned long *p;

		p = mmap(NULL, npages * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			if (errno == ENOMEM)	/* the pool is empty for now */
				continue;
			perror("mmap");
			return 1;
		}
		for (i = 0; i < npages; i++)
			p[i * page / sizeof(*p)] = (unsigned long)id << 32 | i;
		for (i = 0; i < npages; i++) {
			if (p[i * page / sizeof(*p)] != ((unsigned long)id << 32 | i)) {
				fprintf(stderr, "worker %d: page %ld lost its data\n", id, i);
				return 1;
			}
		}
		munmap((void *)p, npages * page);
		maps++;
	}
	close(fd);
	printf("# worker %d: %ld mappings\n", id, maps);
	return maps ? 0 : 1;
}

int main(int argc, char **argv)
{
	int secs = argc > 2 ? atoi(argv[2]) : 5;
	int nproc = argc > 3 ? atoi(argv[3]) : 4;
	time_t end = time(NULL) + secs;
	long before, after;
	int i, status, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s P2PMEM-DIR [SECONDS] [PROCESSES]\n", argv[0]);
		return 2;
	}
	before = read_long(argv[1], "available");
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(worker(argv[1], i, end));
		if (pid < 0) {
			perror("fork");
			return 1;
		}
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	after = read_long(argv[1], "available");
	printf("# pool: %ld bytes available before, %ld after\n", before, after);
	if (before <= 0 || after != before) {
		fprintf(stderr, "p2pmem pool did not get all of its memory back\n");
		failed = 1;
	}
	return failed;
}
