// SPDX-License-Identifier: GPL-2.0
/*
 * FS-DAX mappings of a file: data written through 4 KiB and 2 MiB-aligned
 * mappings is all there afterwards, fork, MAP_PRIVATE and mremap behave, and
 * truncate or hole punch wait for a page that something still holds.
 *
 * Usage:
 *   fsdax write  FILE MIB SEED   fill FILE (MIB MiB) through mappings, msync
 *   fsdax verify FILE MIB SEED   check every byte with read() and a mapping
 *   fsdax fork   FILE            shared and private mappings across fork()
 *   fsdax mremap FILE            move and grow a mapping, then check the file
 *   fsdax pin    FILE truncate|punch|evict mapped|unmapped [DISK]
 *        A page of the file is held while another process truncates the
 *        file or punches a hole over it, with the mapping still there or
 *        already unmapped, or (evict, unmapped only) closes and unlinks
 *        it, so that its inode is evicted.
 *        With DISK, an O_DIRECT write of the page to DISK (asynchronous,
 *        so the page is pinned when io_submit() returns) holds it; DISK
 *        must take at least 2 s to complete a write (a null_blk device in
 *        timer mode).  The truncate must wait until the write is done, and
 *        DISK must then hold the data.
 *        Without DISK, the page is spliced into a pipe (vmsplice) and then
 *        overwritten through the mapping.  A pipe is no pin of a DAX page:
 *        it gets a copy, so the truncate must not wait for it, and the
 *        pipe must read the data the page had when it was spliced.
 *   fsdax longterm FILE          FOLL_LONGTERM pins of the file's pages
 *        (gup_test's PIN_LONGTERM_TEST_START: shared and private, read-only
 *        and writable, fast and slow) are all refused; a plain pin is not.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <mm/gup_test.h>
#include "bench.h"

/* A shared mapping of FILE at a 2 MiB-aligned address, so that a 2 MiB
 * extent of the file can be mapped by a PMD. */
static void *map_aligned(int fd, unsigned long len, unsigned long off, int flags)
{
	unsigned long span = len + PMD;
	char *area, *p;

	area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		fail("mmap (reserve)");
	p = (char *)(((unsigned long)area + PMD - 1) & ~(PMD - 1));
	munmap(area, span);
	p = mmap(p, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		fail("mmap");
	return p;
}

static int open_file(const char *path, int flags)
{
	int fd = open(path, O_RDWR | flags, 0644);

	if (fd < 0)
		fail(path);
	return fd;
}

/*
 * The 2 MiB faults of an aligned mapping of @len bytes just touched, given
 * thp_fault_fallback before: at least one must have mapped a PMD.  Each
 * 2 MiB piece of the mapping takes one PMD fault first, and a DAX PMD
 * fault that cannot map a PMD counts a fallback, so fewer fallbacks than
 * pieces means PMDs were mapped.  Not every piece need be: a piece that
 * ends past EOF, or whose blocks the file system did not allocate as one
 * aligned 2 MiB extent, rightly falls back to 4 KiB.  Callers ask only
 * where a piece was written through a 2 MiB fault.  A file system without
 * PMD faults (ext2) counts no fallback either: FSDAX_NO_PMD=1 says so.
 */
/* The extents of the file from @start on, to see why a PMD fault fell back. */
static void print_extents(int fd, unsigned long start)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent fe[32];
	} m = { .fm = { .fm_start = start, .fm_length = ~0ULL, .fm_extent_count = 32 } };
	unsigned int i;

	if (ioctl(fd, FS_IOC_FIEMAP, &m.fm))
		return;
	for (i = 0; i < m.fm.fm_mapped_extents; i++)
		printf("# extent %u: file %#llx disk %#llx len %#llx flags %#x\n", i,
		       m.fe[i].fe_logical, m.fe[i].fe_physical, m.fe[i].fe_length,
		       m.fe[i].fe_flags);
}

static void pmd_faults(int fd, const char *path, const char *how, unsigned long len,
		       long fallbacks)
{
	long pmds = (len + PMD - 1) / PMD;
	long fell = vmstat("thp_fault_fallback") - fallbacks;
	const char *no_pmd = getenv("FSDAX_NO_PMD");

	if (no_pmd && !strcmp(no_pmd, "1")) {
		printf("# %s: no PMD faults on this file system\n", path);
		return;
	}
	printf("# %s: %ld of %ld 2 MiB pieces (%s) fell back to 4 KiB\n", path,
	       fell, pmds, how);
	if (fell)
		print_extents(fd, PMD);
	check(fell < pmds, "%s: no 2 MiB fault of the aligned mapping mapped a PMD", path);
}

/*
 * The first 2 MiB are written one 4 KiB mapping per page, in a scrambled
 * order; the rest through one 2 MiB-aligned mapping, first: its blocks are
 * allocated by 2 MiB faults at the end of a file that has none yet, which
 * a file system set up for DAX aligns.  Written after the 4 KiB pages, they
 * would extend the block of the file's last page (XFS tries that first),
 * aligned or not.
 */
static int cmd_write(const char *path, unsigned long mib, unsigned long seed)
{
	unsigned long size = mib * MIB, small = PMD < size ? PMD : size;
	unsigned long i, n = small / PAGE;
	int fd = open_file(path, O_CREAT | O_TRUNC);
	char *p;

	if (ftruncate(fd, size))
		fail("ftruncate");
	if (size > small) {
		long fallbacks = vmstat("thp_fault_fallback");

		p = map_aligned(fd, size - small, small, MAP_SHARED);
		fill(p, size - small, seed, small);
		if (size - small >= PMD)
			pmd_faults(fd, path, "written", size - small, fallbacks);
		printf("# %s: mapping Rss %ld kB\n", path, smaps_kb(p, "Rss"));
		if (msync(p, size - small, MS_SYNC))
			fail("msync");
		munmap(p, size - small);
	}
	for (i = 0; i < n; i++) {
		unsigned long pg = (i * 37) % n;	/* 37 is prime to n */

		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pg * PAGE);
		if (p == MAP_FAILED)
			fail("mmap 4k");
		fill(p, PAGE, seed, pg * PAGE);
		if (msync(p, PAGE, MS_SYNC))
			fail("msync 4k");
		munmap(p, PAGE);
	}
	close(fd);
	return 0;
}

static int cmd_verify(const char *path, unsigned long mib, unsigned long seed)
{
	unsigned long size = mib * MIB, off;
	int fd = open_file(path, 0);
	struct stat st;
	char *buf, *p;
	long bad, fallbacks;

	if (fstat(fd, &st))
		fail("fstat");
	check((unsigned long)st.st_size == size, "%s: size %ld, expected %lu", path,
	      (long)st.st_size, size);
	buf = malloc(PMD);
	for (off = 0; off < size; off += PMD) {
		unsigned long len = size - off < PMD ? size - off : PMD;

		check(pread(fd, buf, len, off) == (ssize_t)len, "%s: short read at %lu", path, off);
		bad = mismatch(buf, len, seed, off);
		check(bad < 0, "%s: read() differs at byte %ld", path, bad);
	}
	fallbacks = vmstat("thp_fault_fallback");
	p = map_aligned(fd, size, 0, MAP_SHARED);
	bad = mismatch(p, size, seed, 0);
	check(bad < 0, "%s: mapping differs at byte %ld", path, bad);
	/* The first 2 MiB were written through 4 KiB mappings (cmd_write). */
	if (size >= 2 * PMD)
		pmd_faults(fd, path, "read", size, fallbacks);
	munmap(p, size);
	free(buf);
	close(fd);
	printf("# %s: %lu MiB verified\n", path, mib);
	return 0;
}

static void wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (status %#x)", status);
}

/*
 * A shared mapping is shared with a child: what the child writes the parent
 * sees.  A private mapping is not: the child's writes go to its own copies
 * and neither the parent's view nor the file changes.
 */
static int cmd_fork(const char *path)
{
	unsigned long size = 2 * PMD, half = size / 2;
	int fd = open_file(path, O_CREAT | O_TRUNC);
	char *shared, *private, *buf;
	pid_t pid;
	long bad;

	if (ftruncate(fd, size))
		fail("ftruncate");
	shared = map_aligned(fd, size, 0, MAP_SHARED);
	fill(shared, size, 1, 0);
	private = map_aligned(fd, size, 0, MAP_PRIVATE);
	bad = mismatch(private, size, 1, 0);
	check(bad < 0, "private mapping differs from the file at %ld", bad);
	fill(private, PAGE, 3, 0);		/* a copy before the fork */

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		bad = mismatch(shared, half, 1, 0);
		check(bad < 0, "child: shared mapping differs at %ld", bad);
		fill(shared + half, half, 2, half);
		bad = mismatch(private, PAGE, 3, 0);
		check(bad < 0, "child: private copy differs at %ld", bad);
		fill(private, size, 4, 0);
		_exit(0);
	}
	wait_child(pid);
	bad = mismatch(shared + half, half, 2, half);
	check(bad < 0, "parent does not see the child's writes (byte %ld)", bad);
	bad = mismatch(private, PAGE, 3, 0);
	check(bad < 0, "parent's private copy changed (byte %ld)", bad);
	bad = mismatch(private + half, half, 2, half);
	check(bad < 0, "private mapping does not follow the file (byte %ld)", bad);

	buf = malloc(size);
	check(pread(fd, buf, size, 0) == (ssize_t)size, "short read");
	bad = mismatch(buf, half, 1, 0);
	check(bad < 0, "file differs at %ld after the child's private writes", bad);
	bad = mismatch(buf + half, half, 2, half);
	check(bad < 0, "file differs at %ld", bad);
	munmap(shared, size);
	munmap(private, size);
	free(buf);
	close(fd);
	printf("# fork: shared and private mappings behave\n");
	return 0;
}

/* Move a 2 MiB-aligned mapping to another 2 MiB-aligned address, then grow
 * it after the file has grown, and write through each. */
static int cmd_mremap(const char *path)
{
	unsigned long size = 2 * PMD;
	int fd = open_file(path, O_CREAT | O_TRUNC);
	char *p, *to, *buf;
	long bad;

	if (ftruncate(fd, size))
		fail("ftruncate");
	p = map_aligned(fd, size, 0, MAP_SHARED);
	fill(p, size, 5, 0);
	to = map_aligned(fd, 2 * size, 0, MAP_SHARED);
	munmap(to, 2 * size);		/* an aligned hole to move into */
	p = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (p == MAP_FAILED)
		fail("mremap (move)");
	bad = mismatch(p, size, 5, 0);
	check(bad < 0, "moved mapping differs at %ld", bad);
	fill(p, PMD, 6, 0);

	if (ftruncate(fd, 2 * size))
		fail("ftruncate (grow)");
	p = mremap(p, size, 2 * size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		fail("mremap (grow)");
	fill(p + size, size, 7, size);
	if (msync(p, 2 * size, MS_SYNC))
		fail("msync");
	munmap(p, 2 * size);

	buf = malloc(2 * size);
	check(pread(fd, buf, 2 * size, 0) == (ssize_t)(2 * size), "short read");
	bad = mismatch(buf, PMD, 6, 0);
	if (bad < 0)
		bad = mismatch(buf + PMD, size - PMD, 5, PMD);
	if (bad < 0)
		bad = mismatch(buf + size, size, 7, size);
	check(bad < 0, "file differs at %ld after mremap", bad);
	free(buf);
	close(fd);
	printf("# mremap: moved and grown mappings write to the file\n");
	return 0;
}

static int exited(pid_t pid, int *status)
{
	pid_t r = waitpid(pid, status, WNOHANG);

	if (r < 0)
		fail("waitpid");
	return r == pid;
}

/*
 * What holds the page at offset PAGE of the mapping during cmd_pin(): a
 * pipe, or an O_DIRECT write to a slow disk in flight.
 */
struct holder {
	int pfd[2];			/* the pipe */
	int disk;			/* or the disk, and its I/O context */
	aio_context_t ctx;
};

static void hold(struct holder *h, const char *disk, char *page)
{
	struct iocb cb = { 0 }, *cbs[1] = { &cb };
	struct iovec iov = { .iov_base = page, .iov_len = PAGE };

	h->disk = -1;
	if (!disk) {
		if (pipe(h->pfd))
			fail("pipe");
		check(vmsplice(h->pfd[1], &iov, 1, 0) == PAGE, "vmsplice: %s", strerror(errno));
		return;
	}
	h->disk = open(disk, O_RDWR | O_DIRECT);
	if (h->disk < 0)
		fail(disk);
	h->ctx = 0;
	if (syscall(SYS_io_setup, 1, &h->ctx))
		fail("io_setup");
	cb.aio_fildes = h->disk;
	cb.aio_lio_opcode = IOCB_CMD_PWRITE;
	cb.aio_buf = (unsigned long)page;
	cb.aio_nbytes = PAGE;
	/* The bio is built, and the page pinned, before io_submit() returns. */
	check(syscall(SYS_io_submit, h->ctx, 1, cbs) == 1, "io_submit: %s", strerror(errno));
}

/* Wait for the holder to give the page back; it must carry the data. */
static void release(struct holder *h)
{
	struct io_event ev;
	char *buf;
	long bad;

	if (posix_memalign((void **)&buf, PAGE, PAGE))
		fail("posix_memalign");
	if (h->disk < 0) {
		check(read(h->pfd[0], buf, PAGE) == PAGE, "read from pipe: %s", strerror(errno));
		close(h->pfd[0]);
		close(h->pfd[1]);
	} else {
		check(syscall(SYS_io_getevents, h->ctx, 1, 1, &ev, NULL) == 1,
		      "io_getevents: %s", strerror(errno));
		check(ev.res == PAGE, "O_DIRECT write of the page: %lld", (long long)ev.res);
		syscall(SYS_io_destroy, h->ctx);
		check(pread(h->disk, buf, PAGE, 0) == PAGE, "read of the disk: %s", strerror(errno));
		close(h->disk);
	}
	bad = mismatch(buf, PAGE, 8, PAGE);
	check(bad < 0, "the held page, as %s got it, differs at %ld",
	      h->disk < 0 ? "the pipe" : "the disk", bad);
	free(buf);
}

static int cmd_pin(const char *path, const char *op, const char *how, const char *disk)
{
	int punch = !strcmp(op, "punch"), unmap = !strcmp(how, "unmapped");
	int evict = !strcmp(op, "evict");
	unsigned long size = PMD, i;
	int fd = open_file(path, O_CREAT | O_TRUNC), status;
	struct holder h;
	char *p, *buf;
	pid_t pid;

	check(punch || evict || !strcmp(op, "truncate"),
	      "pin: truncate, punch or evict, not %s", op);
	check(unmap || !strcmp(how, "mapped"), "pin: mapped or unmapped, not %s", how);
	check(unmap || !evict, "pin: evict needs the mapping gone");
	if (ftruncate(fd, size))
		fail("ftruncate");
	p = map_aligned(fd, size, 0, MAP_SHARED);
	fill(p, size, 8, 0);
	if (msync(p, size, MS_SYNC))
		fail("msync");

	hold(&h, disk, p + PAGE);
	/* A pipe holds a copy: what the file has from now on is not in it. */
	if (!disk)
		memset(p + PAGE, 0x5a, PAGE);
	if (unmap)
		munmap(p, size);
	/* The held page is all that is left of the file but its name. */
	if (evict)
		close(fd);

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		/* Only the parent holds the pipe, so that its exit frees it. */
		if (!disk) {
			close(h.pfd[0]);
			close(h.pfd[1]);
		}
		if (punch && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, size))
			fail("fallocate");
		if (evict && unlink(path))
			fail("unlink");
		if (!punch && !evict && ftruncate(fd, 0))
			fail("ftruncate");
		_exit(0);
	}
	if (disk) {
		/* Give the truncate a second to finish, which it must not. */
		for (i = 0; i < 10; i++) {
			usleep(100000);
			if (exited(pid, &status))
				break;
		}
		check(i == 10, "%s finished while a page of the file was pinned (%s)",
		      op, how);
		release(&h);
	}
	for (i = 0; i < 100 && !exited(pid, &status); i++)
		usleep(100000);
	check(i < 100, "%s still waits after 10 s (%s, %s)", op, how,
	      disk ? "the O_DIRECT write is done" : "the page is in a pipe");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed", op);
	if (!disk)
		release(&h);

	buf = malloc(PAGE);
	if (evict) {
		check(access(path, F_OK) && errno == ENOENT, "%s is still there", path);
	} else if (punch) {
		check(pread(fd, buf, PAGE, PAGE) == PAGE, "short read");
		for (i = 0; i < PAGE && !buf[i]; i++)
			;
		check(i == PAGE, "punched page reads back non-zero at %lu", i);
	} else {
		check(lseek(fd, 0, SEEK_END) == 0, "file not empty after truncate");
	}
	if (!unmap)
		munmap(p, size);
	free(buf);
	if (!evict)
		close(fd);
	if (disk)
		printf("# pin: %s (%s) waited for the page pinned by an O_DIRECT write\n",
		       op, how);
	else
		printf("# pin: %s (%s) did not wait for the pipe, which holds a copy of the page\n",
		       op, how);
	return 0;
}

/*
 * A filesystem block cannot be pinned for ever, so every long-term pin of
 * an FS-DAX page must fail, with EFAULT or EOPNOTSUPP, whatever the mapping.
 * A short-term pin of the same pages (gup_test's PIN_BASIC_TEST) must work.
 */
static int cmd_longterm(const char *path)
{
	static const char *const flag_names[] = { "ro", "rw", "ro-fast", "rw-fast" };
	unsigned long size = PMD;
	int fd = open_file(path, O_CREAT | O_TRUNC), gup, shared, flags, refused = 0;
	unsigned long i, sum = 0;
	struct pin_longterm_test lt;
	struct gup_test basic;
	char *p;

	gup = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gup < 0)
		fail("/sys/kernel/debug/gup_test");
	if (ftruncate(fd, size))
		fail("ftruncate");
	for (shared = 0; shared < 2; shared++) {
		p = map_aligned(fd, size, 0, shared ? MAP_SHARED : MAP_PRIVATE);
		/* Fault the file's own pages in: a write to the private
		 * mapping would replace them with anonymous copies. */
		for (i = 0; i < size; i += PAGE)
			sum += ((volatile char *)p)[i];
		for (flags = 0; flags < 4; flags++) {
			memset(&lt, 0, sizeof(lt));
			lt.addr = (unsigned long)p;
			lt.size = size;
			lt.flags = flags;	/* USE_WRITE = 1, USE_FAST = 2 */
			if (!ioctl(gup, PIN_LONGTERM_TEST_START, &lt)) {
				ioctl(gup, PIN_LONGTERM_TEST_STOP);
				check(0, "long-term pin (%s, %s) of an FS-DAX mapping worked",
				      shared ? "shared" : "private", flag_names[flags]);
			}
			check(errno == EFAULT || errno == EOPNOTSUPP,
			      "long-term pin (%s, %s): %s, not EFAULT or EOPNOTSUPP",
			      shared ? "shared" : "private", flag_names[flags], strerror(errno));
			refused++;
		}
		memset(&basic, 0, sizeof(basic));
		basic.addr = (unsigned long)p;
		basic.size = size;
		basic.nr_pages_per_call = size / PAGE;
		basic.gup_flags = 1;	/* FOLL_WRITE */
		check(!ioctl(gup, PIN_BASIC_TEST, &basic), "short-term pin (%s): %s",
		      shared ? "shared" : "private", strerror(errno));
		munmap(p, size);
	}
	close(gup);
	close(fd);
	printf("# longterm: %d long-term pins refused, short-term pins work (%lu)\n",
	       refused, sum);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2], strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "fork"))
		return cmd_fork(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mremap"))
		return cmd_mremap(argv[2]);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "pin"))
		return cmd_pin(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc == 3 && !strcmp(argv[1], "longterm"))
		return cmd_longterm(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of fsdax.c\n");
	return 2;
}
