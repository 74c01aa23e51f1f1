// SPDX-License-Identifier: GPL-2.0
/*
 * Stress the life cycle of device private and device coherent pages through
 * test_hmm: several processes per device, for a fixed time, each in a loop
 * that fills an anonymous buffer, migrates it to the device, then at random
 * faults it back with the CPU, migrates it back with the driver, forks a
 * child that reads it (and exits, dropping its copy), unmaps it while it
 * is still on the device, or closes the device file while the buffer is
 * on the device (the close evicts the pages, which the CPU then reads) and
 * opens it again.  Every read checks the data.  Other processes
 * concurrently ask the driver to release all of its device memory.
 *
 * Usage: hmm-stress SECONDS DEVICE...   (e.g. /dev/hmm_dmirror0)
 * Prints the operations done per kind and the migrations per device; exits 0
 * only if all data was right and every device had pages migrated to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lib/test_hmm_uapi.h>

#define NPAGES		32
#define PROCS_PER_DEV	2

enum {
	OP_MIGRATE, OP_NO_MEMORY, OP_CPU_FAULT, OP_MIGRATE_BACK, OP_FORK,
	OP_UNMAP, OP_CLOSE, OP_RELEASE, NR_OPS
};
static const char *const op_names[NR_OPS] = {
	"to-device", "device-full", "cpu-fault", "to-system", "fork",
	"unmap-on-device", "close-on-device", "release",
};

/* The driver copies what it sees into a mirror buffer of the caller's. */
static unsigned long mirror[NPAGES * 65536 / sizeof(unsigned long)];

static int dmirror(int fd, unsigned long req, void *addr, unsigned long npages)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)addr, .ptr = (uintptr_t)mirror, .npages = npages,
	};

	while (ioctl(fd, req, &cmd) < 0) {
		if (errno != EINTR && errno != EBUSY)
			return -errno;
	}
	return cmd.cpages;
}

static int check(const unsigned long *p, size_t n, unsigned long seed, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != seed + i) {
			fprintf(stderr, "%s: word %zu is %#lx, want %#lx\n",
				what, i, p[i], seed + i);
			return -1;
		}
	}
	return 0;
}

static int worker(const char *dev, int id, time_t end, unsigned long *ops)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = NPAGES * page, n = size / sizeof(unsigned long), i;
	unsigned int rnd = id * 7919 + 1;
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		perror(dev);
		return 1;
	}
	while (time(NULL) < end) {
		unsigned long seed = (unsigned long)rand_r(&rnd) << 16;
		unsigned long *p;
		int ret, status;
		pid_t pid;

		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (i = 0; i < n; i++)
			p[i] = seed + i;
		ret = dmirror(fd, HMM_DMIRROR_MIGRATE_TO_DEV, p, NPAGES);
		/*
		 * A coherent device has no memory while another process
		 * releases it: some pages stay in system memory, and the
		 * driver's read-back of the range finds them missing.
		 */
		if (ret == -ENOENT) {
			ops[OP_NO_MEMORY]++;
			if (check(p, n, seed, "after a partial migration"))
				return 1;
			munmap(p, size);
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "%s: migrate to device: %s\n", dev, strerror(-ret));
			return 1;
		}
		/* What the device sees of the pages it now holds. */
		if (ret == NPAGES && check(mirror, n, seed, "device copy"))
			return 1;
		ops[OP_MIGRATE]++;

		switch (rand_r(&rnd) % 6) {
		case 0:
			if (check(p, n, seed, "cpu fault"))
				return 1;
			ops[OP_CPU_FAULT]++;
			break;
		case 1:
			ret = dmirror(fd, HMM_DMIRROR_MIGRATE_TO_SYS, p, NPAGES);
			if (ret < 0 || check(p, n, seed, "migrate back"))
				return 1;
			ops[OP_MIGRATE_BACK]++;
			break;
		case 2:
			pid = fork();
			if (pid == 0)
				_exit(check(p, n, seed, "child") ? 1 : 0);
			if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				return 1;
			if (check(p, n, seed, "parent after fork"))
				return 1;
			ops[OP_FORK]++;
			break;
		case 3:
			ops[OP_UNMAP]++;
			break;
		case 4:
			close(fd);
			if (check(p, n, seed, "after close"))
				return 1;
			fd = open(dev, O_RDWR);
			if (fd < 0) {
				perror(dev);
				return 1;
			}
			ops[OP_CLOSE]++;
			break;
		default:
			/* Take all device memory back, then read ours. */
			if (dmirror(fd, HMM_DMIRROR_RELEASE, p, NPAGES) < 0)
				return 1;
			if (check(p, n, seed, "after release"))
				return 1;
			ops[OP_RELEASE]++;
			break;
		}
		munmap(p, size);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long (*ops)[NR_OPS], total[NR_OPS] = { 0 };
	int secs, ndev = argc - 2, nproc, i, j, status, failed = 0;
	time_t end;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SECONDS DEVICE...\n", argv[0]);
		return 2;
	}
	secs = atoi(argv[1]);
	nproc = ndev * PROCS_PER_DEV;
	ops = mmap(NULL, nproc * sizeof(*ops), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ops == MAP_FAILED)
		return 1;
	memset(ops, 0, nproc * sizeof(*ops));
	end = time(NULL) + secs;
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(worker(argv[2 + i / PROCS_PER_DEV], i, end, ops[i]));
		if (pid < 0)
			return 1;
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);

	for (i = 0; i < nproc; i++)
		for (j = 0; j < NR_OPS; j++)
			total[j] += ops[i][j];
	for (j = 0; j < NR_OPS; j++)
		printf("# %-16s %lu\n", op_names[j], total[j]);
	/* Every device, coherent ones too, must have had pages migrated to it. */
	for (i = 0; i < ndev; i++) {
		unsigned long migrated = 0;

		for (j = 0; j < PROCS_PER_DEV; j++)
			migrated += ops[i * PROCS_PER_DEV + j][OP_MIGRATE];
		printf("# %s: %lu migrations to the device\n", argv[2 + i], migrated);
		if (!migrated) {
			fprintf(stderr, "%s: no page was migrated to it\n", argv[2 + i]);
			failed = 1;
		}
	}
	return failed;
}
