// SPDX-License-Identifier: GPL-2.0
/*
 * FS-DAX files that share blocks (FICLONE on xfs with reflink), and pages
 * of a DAX file in a pipe of the process that evicts the file.
 *
 * Usage:
 *   reflink clone-mapped A B OP
 *        A (4 MiB) is cloned to B, A's pages are faulted through a shared
 *        mapping that is then unmapped, and another process maps B (and,
 *        but for unlink, A) and reads every page.  OP on A must finish at
 *        once: truncate, punch (a hole over all of A), collapse or insert
 *        (2 MiB at 0), clone (FICLONE of A to a new file), dedupe
 *        (FIDEDUPERANGE of A with a new file of the same data) or unlink
 *        (A's last name and descriptor, so that it is evicted).  B's
 *        mapping is no pin of A, and A's own mappings are OP's to unmap.
 *        B must still read A's old data.
 *   reflink clone-pin A B DISK
 *        A (2 MiB) is cloned to B, another process maps B and reads every
 *        page, and an O_DIRECT write of one of A's pages (a block shared
 *        with B) to DISK (seconds per I/O) pins it.  A truncate of A must wait
 *        for the write, not for B's mapping, and finish once it is done.
 *   reflink clone-busy A C DISK wait|kill
 *        A and C (2 MiB each) are written, and an O_DIRECT write of a page
 *        of the one with the higher inode number (which xfs locks second;
 *        C below) to DISK (seconds per I/O) pins it.  A FICLONE of the
 *        other onto it must sleep while the pin lasts, not spin: it
 *        may use at most 0.5 s of CPU in its first 2 s.  With wait, it must
 *        finish once the write is done, and C must then read A's data; with
 *        kill, SIGKILL must end it within 2 s, while the page is pinned.
 *   reflink mixed A B pmd-first|pte-first
 *        A (2 MiB, 2 MiB-aligned on the device) is cloned to B.  One file
 *        is mapped at a 2 MiB-aligned address (a PMD fault, unless the
 *        kernel maps shared blocks with PTEs only), the other one page off
 *        (4 KiB faults), in the given order, and both are read.  Then both
 *        are unmapped and A, then B, unlinked; B must still read the data
 *        before, and the unlinks must work.
 *   reflink cow-fault A B DISK
 *        A (2 MiB) is mapped at a 2 MiB-aligned address and read: one PMD
 *        (no thp_fault_fallback).  Then A is cloned to B, and a page of A
 *        is written through a second mapping of A, one page off the
 *        alignment: a copy-on-write fault of one page under what was a PMD
 *        entry.  Both mappings and read() must see the new data, B the old;
 *        an O_DIRECT write of the new page to DISK pins it, and a hole
 *        punch of the page must wait for it; the unlinks must work.
 *   reflink cow-pin A B mapped|unmapped DISK
 *        A (2 MiB) is cloned to B and read through a shared mapping;
 *        pwrite() over A's first page (copy-on-write); the mapping must
 *        read the new data.  An O_DIRECT write of that page to DISK (seconds
 *        per I/O) pins it, the mapping stays or goes, and a hole punch of
 *        the page must wait for the write, which must carry the new data.
 *        B must still read the old data.
 *   reflink cow-hint A B written|pinned DISK
 *        A (4 MiB) gets a copy-on-write extent size hint of 4 MiB and
 *        its second 2 MiB are cloned to B.  A is mapped at a 2 MiB-aligned
 *        address and its first 2 MiB read: one PMD.  A pwrite() of a page
 *        of the second half copies it on write, and the hint makes xfs
 *        preallocate copy-on-write blocks over the first half too, which
 *        reads still see as not shared.  A page of the first half is then
 *        written through a second mapping, one page off the alignment: a
 *        4 KiB copy-on-write fault under a PMD entry.  Both mappings and
 *        read() must see the new data, B the old.  With written, an
 *        O_DIRECT write of the written page to DISK then pins it; with
 *        pinned, one of another page of the PMD did before the write
 *        fault.  A hole punch of the pinned page must wait for the write.
 *   reflink unshare-dirty A B DISK
 *        As cow-hint, but the first 2 MiB of A are written through the
 *        PMD (a dirty PMD entry) before the pwrite() that preallocates
 *        copy-on-write blocks over them; then FALLOC_FL_UNSHARE_RANGE
 *        over the first 2 MiB copies them to new blocks.  The mapping
 *        and read() must see the data written through it, and fsync()
 *        must work.  An O_DIRECT write of the written page to DISK pins
 *        it, and a hole punch of the page must wait for it: no entry may
 *        go on naming the old blocks.
 *   reflink remap-window A B C
 *        A (32 MiB) is written 2 MiB at a time, in turn with C, so that
 *        it has 16 extents.  A child maps A's last 2 MiB at a 2 MiB-aligned
 *        address and reads a byte of it over and over: one PMD (all 512
 *        pages present in /proc/self/pagemap).  A is then cloned to B: the
 *        clone unmaps A, and the child's fault waits for it and runs while
 *        the clone shares A's extents one by one.  Once the clone is done,
 *        the child must map A's last 2 MiB, shared now, with a PTE (one
 *        page present).
 *   reflink vmsplice-self FILE close|exit
 *        A process maps FILE (2 MiB), splices a page of it into its own
 *        pipe, unmaps and unlinks FILE, then closes it, or exits with the
 *        pipe's descriptors numbered below the file's, so that its last
 *        fput() evicts the inode.  It must not hang; with close, the pipe
 *        must then read the file's data.
 *
 * Lines starting with "# " are information; exit 0 means every check passed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include "bench.h"

/* Wait up to @ms for @pid; 1 and its *status once it has ended, else 0. */
static int ended(pid_t pid, unsigned int ms, int *status)
{
	for (; ms; ms -= 50) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r < 0)
			fail("waitpid");
		if (r == pid)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* Wait up to @ms for @pid; 1 if it exited with 0, 0 if it still runs. */
static int reaped(pid_t pid, unsigned int ms)
{
	int status;

	if (!ended(pid, ms, &status))
		return 0;
	check(WIFEXITED(status) && !WEXITSTATUS(status), "child %d failed", pid);
	return 1;
}

/* Wait up to @ms for @pid to die of a signal; 1 if it did. */
static int reaped_killed(pid_t pid, unsigned int ms)
{
	int status;

	return ended(pid, ms, &status) && WIFSIGNALED(status);
}

/* An empty file whose extents are 2 MiB where the file system can (xfs). */
static int create_empty(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct fsxattr fsx;

	if (fd < 0)
		fail(path);
	/* For PMD faults. */
	if (!ioctl(fd, FS_IOC_FSGETXATTR, &fsx)) {
		fsx.fsx_xflags |= FS_XFLAG_EXTSIZE;
		fsx.fsx_extsize = PMD;
		ioctl(fd, FS_IOC_FSSETXATTR, &fsx);
	}
	return fd;
}

static int create(const char *path, unsigned long size, unsigned long seed)
{
	int fd = create_empty(path);
	char *buf = malloc(size);

	if (!buf)
		fail("malloc");
	fill(buf, size, seed, 0);
	check(pwrite(fd, buf, size, 0) == (ssize_t)size, "write %s", path);
	if (fsync(fd))
		fail("fsync");
	free(buf);
	return fd;
}

/* B becomes a clone of A: every block of B is one of A's. */
static int clone_of(int a, const char *b)
{
	int fd = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		fail(b);
	check(!ioctl(fd, FICLONE, a), "FICLONE to %s: %s (no reflink?)", b,
	      strerror(errno));
	return fd;
}

/* Read every page of a mapping of @fd, checking the data. */
static char *map_and_read(int fd, unsigned long size, unsigned long seed)
{
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	long bad;

	if (p == MAP_FAILED)
		fail("mmap");
	bad = mismatch(p, size, seed, 0);
	check(bad < 0, "a mapping reads wrong data at %ld", bad);
	return p;
}

static void check_file(int fd, unsigned long size, unsigned long seed,
		       const char *what)
{
	char *buf = malloc(size);
	long bad;

	check(buf && pread(fd, buf, size, 0) == (ssize_t)size, "read %s", what);
	bad = mismatch(buf, size, seed, 0);
	check(bad < 0, "%s differs at %ld", what, bad);
	free(buf);
}

/* OP of clone-mapped on A (descriptor @fa); 0 if it worked. */
static int layout_change(int fa, const char *a, const char *other,
			 const char *op, unsigned long size)
{
	struct file_dedupe_range *range;
	int fd;

	if (!strcmp(op, "truncate"))
		return ftruncate(fa, 0) ? (perror("ftruncate"), 1) : 0;
	if (!strcmp(op, "punch"))
		return fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
				 size) ? (perror("punch"), 1) : 0;
	if (!strcmp(op, "collapse"))
		return fallocate(fa, FALLOC_FL_COLLAPSE_RANGE, 0, PMD) ?
		       (perror("collapse"), 1) : 0;
	if (!strcmp(op, "insert"))
		return fallocate(fa, FALLOC_FL_INSERT_RANGE, 0, PMD) ?
		       (perror("insert"), 1) : 0;
	if (!strcmp(op, "unlink"))
		return unlink(a) ? (perror("unlink"), 1) : 0;
	if (!strcmp(op, "clone")) {
		fd = open(other, O_RDWR | O_CREAT | O_TRUNC, 0644);
		return fd < 0 || ioctl(fd, FICLONE, fa) ? (perror("FICLONE"), 1) : 0;
	}
	if (!strcmp(op, "dedupe")) {
		fd = create(other, size, 11);
		range = calloc(1, sizeof(*range) + sizeof(range->info[0]));
		range->src_length = size;
		range->dest_count = 1;
		range->info[0].dest_fd = fd;
		if (ioctl(fa, FIDEDUPERANGE, range)) {
			perror("FIDEDUPERANGE");
			return 1;
		}
		if (range->info[0].status != FILE_DEDUPE_RANGE_SAME) {
			fprintf(stderr, "FIDEDUPERANGE: status %d\n",
				range->info[0].status);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "clone-mapped: no such OP %s\n", op);
	return 2;
}

static int cmd_clone_mapped(const char *a, const char *b, const char *op)
{
	unsigned long size = 4 * MIB;
	int fa = create(a, size, 11), fb = clone_of(fa, b), ready[2];
	pid_t holder, worker;
	char c;

	int unlinks = !strcmp(op, "unlink");
	char other[256];

	snprintf(other, sizeof(other), "%s.other", a);
	munmap(map_and_read(fa, size, 11), size);

	if (pipe(ready))
		fail("pipe");
	holder = fork();
	if (holder < 0)
		fail("fork");
	if (!holder) {
		map_and_read(fb, size, 11);
		if (!unlinks)
			map_and_read(fa, size, 11);
		close(fa);	/* A's last close must be the parent's */
		check(write(ready[1], "", 1) == 1, "ready");
		pause();
		_exit(0);
	}
	check(read(ready[0], &c, 1) == 1, "the process that maps %s died", b);

	/* Nothing but the name keeps A: the unlink evicts it. */
	if (unlinks)
		close(fa);
	worker = fork();
	if (worker < 0)
		fail("fork");
	if (!worker) {
		_exit(layout_change(fa, a, other, op, size));
	}
	if (!reaped(worker, 5000)) {
		kill(holder, SIGKILL);
		check(0, "%s of %s waits for a mapping of its clone %s (%s)", op,
		      a, b, reaped(worker, 10000) ?
		      "it finished once that process was killed" :
		      "still, 10 s after that process was killed");
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	check_file(fb, size, 11, "the clone");
	unlink(other);
	printf("# clone-mapped: %s of a file finished while its clone was mapped\n", op);
	return 0;
}

/* Start an O_DIRECT write of the page at @p to @disk; returns its context. */
static aio_context_t pin_by_write(const char *disk, int *fd, char *p)
{
	struct iocb cb = { 0 }, *cbs[1] = { &cb };
	aio_context_t ctx = 0;

	*fd = open(disk, O_RDWR | O_DIRECT);
	if (*fd < 0)
		fail(disk);
	if (syscall(SYS_io_setup, 1, &ctx))
		fail("io_setup");
	cb.aio_fildes = *fd;
	cb.aio_lio_opcode = IOCB_CMD_PWRITE;
	cb.aio_buf = (unsigned long)p;
	cb.aio_nbytes = PAGE;
	/* The bio is built, and the page pinned, before io_submit() returns. */
	check(syscall(SYS_io_submit, ctx, 1, cbs) == 1, "io_submit: %s",
	      strerror(errno));
	return ctx;
}

static void wait_write(aio_context_t ctx)
{
	struct io_event ev;

	check(syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) == 1,
	      "io_getevents: %s", strerror(errno));
	check(ev.res == PAGE, "O_DIRECT write of the page: %lld", (long long)ev.res);
	syscall(SYS_io_destroy, ctx);
}

/*
 * A hole punch of the page of @fa at @off, in a child, must wait while the
 * O_DIRECT write @ctx (to @fd) pins @what, and end once the write is done;
 * the disk must then hold the data of @seed at @data.
 */
static void punch_waits_for_pin(int fa, unsigned long off, aio_context_t ctx,
				int fd, unsigned long seed, unsigned long data,
				const char *what)
{
	char *buf;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid)
		_exit(fallocate(fa, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
				PAGE) ? 1 : 0);
	check(!reaped(pid, 1000), "the punch finished while %s was pinned", what);
	wait_write(ctx);
	check(reaped(pid, 10000), "the punch still waits 10 s after the pin went");
	if (posix_memalign((void **)&buf, PAGE, PAGE))
		fail("posix_memalign");
	check(pread(fd, buf, PAGE, 0) == PAGE && mismatch(buf, PAGE, seed, data) < 0,
	      "the disk did not get the data of %s", what);
	free(buf);
}

/* A process that maps @fd and reads every page until it is killed. */
static pid_t map_elsewhere(int fd, unsigned long size, unsigned long seed)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid) {
		map_and_read(fd, size, seed);
		check(write(ready[1], "", 1) == 1, "ready");
		pause();
		_exit(0);
	}
	check(read(ready[0], &c, 1) == 1, "the process that maps the clone died");
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static int cmd_clone_pin(const char *a, const char *b, const char *disk)
{
	unsigned long size = PMD;
	int fa = create(a, size, 15), fb = clone_of(fa, b), fd;
	aio_context_t ctx = 0;
	pid_t holder, pid;
	char *p;

	holder = map_elsewhere(fb, size, 15);
	p = map_and_read(fa, size, 15);
	ctx = pin_by_write(disk, &fd, p + PAGE);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid)
		_exit(ftruncate(fa, 0) ? 1 : 0);
	check(!reaped(pid, 1000), "the truncate finished while a shared page was pinned");
	wait_write(ctx);
	if (!reaped(pid, 10000)) {
		kill(holder, SIGKILL);
		check(0, "the truncate still waits 10 s after the pin went (%s)",
		      reaped(pid, 10000) ? "for the clone's mapping" : "for ever");
	}
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	check_file(fb, size, 15, "the clone");
	munmap(p, size);
	close(fd);
	printf("# clone-pin: a truncate waited for the pin of a shared page, not for the clone's mapping\n");
	return 0;
}

/* The CPU time @pid has used, user and system, in clock ticks. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		fail(path);
	fclose(f);
	/* After the command name in parentheses: state, then field 4 on. */
	p = strrchr(buf, ')');
	check(p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			  &utime, &stime) == 2, "%s: %s", path, buf);
	return utime + stime;
}

static int cmd_clone_busy(const char *a, const char *c, const char *disk,
			  const char *how)
{
	unsigned long size = PMD;
	int kill_it = !strcmp(how, "kill"), fa, fc, fd, t;
	long ticks, hz = sysconf(_SC_CLK_TCK);
	unsigned long seed_a = 17, seed_c = 18;
	struct stat sa, sc;
	aio_context_t ctx = 0;
	pid_t pid;
	char *p;

	check(kill_it || !strcmp(how, "wait"), "clone-busy: wait or kill");
	fa = create(a, size, seed_a);
	fc = create(c, size, seed_c);
	if (fstat(fa, &sa) || fstat(fc, &sc))
		fail("fstat");
	/* C is to be the file with the higher inode number (numbers are reused). */
	if (sc.st_ino < sa.st_ino) {
		t = fa, fa = fc, fc = t;
		seed_a = 18, seed_c = 17;
	}
	p = map_and_read(fc, size, seed_c);
	/* Still mapped: a kernel that skips unmapped files must see it too. */
	ctx = pin_by_write(disk, &fd, p + PAGE);

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid)
		_exit(ioctl(fc, FICLONE, fa) ? 1 : 0);
	check(!reaped(pid, 2000), "FICLONE finished while a page of its target was pinned");
	ticks = cpu_ticks(pid);
	printf("# clone-busy: FICLONE used %ld ms of CPU while it waited 2 s\n",
	       ticks * 1000 / hz);
	if (kill_it) {
		kill(pid, SIGKILL);
		check(reaped_killed(pid, 2000), "FICLONE did not die of SIGKILL within 2 s");
	}
	check(ticks * 2 <= hz, "FICLONE spins while it waits for a pinned page");
	wait_write(ctx);
	if (!kill_it) {
		check(reaped(pid, 10000), "FICLONE still waits 10 s after the pin went");
		check_file(fc, size, seed_a, "the clone");
	}
	munmap(p, size);
	close(fd);
	printf("# clone-busy: FICLONE slept while a page was pinned, and %s\n",
	       kill_it ? "died of SIGKILL" : "finished after the pin");
	return 0;
}

/* A counter of /proc/vmstat, or -1 if there is none. */
/* A mapping of @fd at a 2 MiB-aligned address, or one page off it. */
static char *map_at(int fd, unsigned long size, int aligned)
{
	char *area = mmap(NULL, size + 2 * PMD, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p;
	unsigned long at;

	if (area == MAP_FAILED)
		fail("mmap");
	at = ((unsigned long)area + PMD - 1) & ~(PMD - 1);
	if (!aligned)
		at += PAGE;
	p = mmap((void *)at, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	return p;
}

static int cmd_mixed(const char *a, const char *b, const char *order)
{
	int pmd_first = !strcmp(order, "pmd-first"), fa, fb, i;
	unsigned long size = PMD;
	char *p[2];
	long bad, fallbacks;

	check(pmd_first || !strcmp(order, "pte-first"), "mixed: pmd-first or pte-first");
	fa = create(a, size, 16);
	fb = clone_of(fa, b);
	for (i = 0; i < 2; i++) {
		int aligned = pmd_first == !i;

		p[i] = map_at(i ? fb : fa, size, aligned);
		/* A DAX PMD fault that falls back to PTEs counts one. */
		fallbacks = vmstat("thp_fault_fallback");
		bad = mismatch(p[i], size, 16, 0);
		check(bad < 0, "the %s mapping reads wrong data at %ld",
		      aligned ? "aligned" : "unaligned", bad);
		fallbacks = vmstat("thp_fault_fallback") - fallbacks;
		printf("# mixed: %s mapping of %s: %s\n",
		       aligned ? "aligned" : "unaligned", i ? "the clone" : "the file",
		       !aligned ? "4 KiB faults" : fallbacks ? "fell back to 4 KiB" :
		       "one PMD");
	}
	munmap(p[0], size);
	munmap(p[1], size);
	close(fa);
	if (unlink(a))
		fail("unlink");
	check_file(fb, size, 16, "the clone");
	close(fb);
	if (unlink(b))
		fail("unlink");
	printf("# mixed: %s: both files mapped, read and unlinked\n", order);
	return 0;
}

static int cmd_cow_fault(const char *a, const char *b, const char *disk)
{
	unsigned long size = PMD, off = 5 * PAGE;
	int fa = create(a, size, 19), fb, fd;
	char *pmd, *pte, *buf;
	aio_context_t ctx = 0;
	long fallbacks, bad;

	pmd = map_at(fa, size, 1);
	fallbacks = vmstat("thp_fault_fallback");
	check(mismatch(pmd, size, 19, 0) < 0, "the aligned mapping reads wrong data");
	check(vmstat("thp_fault_fallback") == fallbacks,
	      "the aligned mapping of a 2 MiB extent is not one PMD");
	fb = clone_of(fa, b);
	pte = map_at(fa, size, 0);
	fill(pte + off, PAGE, 20, off);		/* copy on write, 4 KiB */
	bad = mismatch(pte + off, PAGE, 20, off);
	check(bad < 0, "the written mapping reads other data at %ld", bad);
	bad = mismatch(pmd + off, PAGE, 20, off);
	check(bad < 0, "the other mapping of the file reads other data at %ld", bad);
	if (posix_memalign((void **)&buf, PAGE, PAGE))
		fail("posix_memalign");
	check(pread(fa, buf, PAGE, off) == PAGE && mismatch(buf, PAGE, 20, off) < 0,
	      "read() does not see the data written through the mapping");
	check(pread(fb, buf, PAGE, off) == PAGE && mismatch(buf, PAGE, 19, off) < 0,
	      "the clone sees the data written to the file");

	ctx = pin_by_write(disk, &fd, pte + off);
	punch_waits_for_pin(fa, off, ctx, fd, 20, off, "the copied page");
	munmap(pmd, size);
	munmap(pte, size);
	close(fd);
	close(fa);
	close(fb);
	if (unlink(a) || unlink(b))
		fail("unlink");
	printf("# cow-fault: a 4 KiB copy-on-write fault under a PMD mapping is seen and waited for\n");
	return 0;
}

static int cmd_cow_pin(const char *a, const char *b, const char *how,
		       const char *disk)
{
	unsigned long size = PMD;
	int fa = create(a, size, 12), fb = clone_of(fa, b);
	int unmap = !strcmp(how, "unmapped"), fd;
	aio_context_t ctx = 0;
	char *p, *buf;
	long bad;

	check(unmap || !strcmp(how, "mapped"), "cow-pin: mapped or unmapped");
	p = map_and_read(fa, size, 12);
	if (posix_memalign((void **)&buf, PAGE, PAGE))
		fail("posix_memalign");
	fill(buf, PAGE, 13, 0);
	check(pwrite(fa, buf, PAGE, 0) == PAGE, "pwrite over a shared block");
	bad = mismatch(p, PAGE, 13, 0);
	check(bad < 0, "after a copy-on-write, the mapping reads old data at %ld",
	      bad);

	ctx = pin_by_write(disk, &fd, p);
	if (unmap)
		munmap(p, size);

	punch_waits_for_pin(fa, 0, ctx, fd, 13, 0,
			    unmap ? "the new page (unmapped)" : "the new page (mapped)");
	check_file(fb, size, 12, "the clone");
	if (!unmap)
		munmap(p, size);
	printf("# cow-pin: the punch of a copied-on-write page waited for its pin (%s)\n",
	       how);
	return 0;
}

/* How many pages of the 2 MiB at @p /proc/self/pagemap shows present. */
static int present_pages(const char *p)
{
	uint64_t e[PMD / PAGE];
	int fd = open("/proc/self/pagemap", O_RDONLY), n = 0;
	unsigned long i;

	if (fd < 0)
		fail("/proc/self/pagemap");
	check(pread(fd, e, sizeof(e), (unsigned long)p / PAGE * 8) == sizeof(e),
	      "read /proc/self/pagemap");
	close(fd);
	for (i = 0; i < PMD / PAGE; i++)
		n += !!(e[i] >> 63);
	return n;
}

/* 2 MiB of @fd at @off, mapped at a 2 MiB-aligned address, a byte read. */
static char *map_pmd(int fd, unsigned long off)
{
	char *area = mmap(NULL, 2 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0), *p;

	if (area == MAP_FAILED)
		fail("mmap");
	p = (char *)(((unsigned long)area + PMD - 1) & ~(PMD - 1));
	p = mmap(p, PMD, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		fail("mmap");
	(void)*(volatile char *)p;
	return p;
}

/*
 * A: 4 MiB with a 4 MiB copy-on-write extent size hint, its second half
 * cloned to B.
 */
static void hinted_with_clone(const char *a, const char *b, int *fa, int *fb)
{
	struct file_clone_range range = { .src_length = PMD };
	struct fsxattr fsx;

	*fa = create(a, 2 * PMD, 21);
	check(!ioctl(*fa, FS_IOC_FSGETXATTR, &fsx), "FS_IOC_FSGETXATTR");
	fsx.fsx_xflags |= FS_XFLAG_COWEXTSIZE;
	fsx.fsx_cowextsize = 2 * PMD;
	check(!ioctl(*fa, FS_IOC_FSSETXATTR, &fsx),
	      "a copy-on-write extent size hint: %s", strerror(errno));
	*fb = open(b, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (*fb < 0)
		fail(b);
	range.src_fd = *fa;
	range.src_offset = PMD;
	range.dest_offset = PMD;
	check(!ioctl(*fb, FICLONERANGE, &range), "FICLONERANGE: %s",
	      strerror(errno));
}

static int cmd_cow_hint(const char *a, const char *b, const char *how,
			const char *disk)
{
	unsigned long size = 2 * PMD, off = 5 * PAGE, pinned = 7 * PAGE;
	int early = !strcmp(how, "pinned"), fa, fb, fd = -1, n;
	char *pmd, *pte, *buf;
	aio_context_t ctx = 0;
	long bad;

	hinted_with_clone(a, b, &fa, &fb);

	pmd = map_pmd(fa, 0);
	n = present_pages(pmd);
	check(n == PMD / PAGE, "the first 2 MiB of A are not one PMD (%d pages)", n);
	bad = mismatch(pmd, PMD, 21, 0);
	check(bad < 0, "the aligned mapping reads wrong data at %ld", bad);

	if (posix_memalign((void **)&buf, PAGE, PAGE))
		fail("posix_memalign");
	fill(buf, PAGE, 22, PMD + 3 * PAGE);
	check(pwrite(fa, buf, PAGE, PMD + 3 * PAGE) == PAGE,
	      "pwrite over a shared block");

	check(early || !strcmp(how, "written"), "cow-hint: written or pinned");
	if (early)
		ctx = pin_by_write(disk, &fd, pmd + pinned);
	pte = map_at(fa, size, 0);
	fill(pte + off, PAGE, 22, off);		/* 4 KiB, under the PMD entry */
	bad = mismatch(pte + off, PAGE, 22, off);
	check(bad < 0, "the written mapping reads other data at %ld", bad);
	bad = mismatch(pmd + off, PAGE, 22, off);
	check(bad < 0, "the aligned mapping reads other data at %ld", bad);
	check(pread(fa, buf, PAGE, off) == PAGE && mismatch(buf, PAGE, 22, off) < 0,
	      "read() does not see the data written through the mapping");
	check(pread(fb, buf, PAGE, PMD) == PAGE && mismatch(buf, PAGE, 21, PMD) < 0,
	      "the clone sees data written to the file");

	if (!early) {
		ctx = pin_by_write(disk, &fd, pte + off);
		pinned = off;
	}
	punch_waits_for_pin(fa, pinned, ctx, fd, early ? 21 : 22, pinned,
			    early ? "the other page" : "the written page");
	munmap(pmd, PMD);
	munmap(pte, size);
	close(fd);
	close(fa);
	close(fb);
	if (unlink(a) || unlink(b))
		fail("unlink");
	printf("# cow-hint: a 4 KiB fault that copies on write a block under a PMD entry: the %s page's pin is waited for\n",
	       early ? "other" : "written");
	return 0;
}


static int cmd_unshare_dirty(const char *a, const char *b, const char *disk)
{
	unsigned long off = 5 * PAGE;
	int fa, fb, fd, n;
	aio_context_t ctx;
	char *pmd, *buf;
	long bad;

	hinted_with_clone(a, b, &fa, &fb);
	pmd = map_pmd(fa, 0);
	n = present_pages(pmd);
	check(n == PMD / PAGE, "the first 2 MiB of A are not one PMD (%d pages)", n);
	fill(pmd + off, PAGE, 24, off);		/* a dirty PMD entry */

	if (posix_memalign((void **)&buf, PAGE, PAGE))
		fail("posix_memalign");
	fill(buf, PAGE, 22, PMD + 3 * PAGE);
	check(pwrite(fa, buf, PAGE, PMD + 3 * PAGE) == PAGE,
	      "pwrite over a shared block");
	check(!fallocate(fa, FALLOC_FL_UNSHARE_RANGE, 0, PMD),
	      "FALLOC_FL_UNSHARE_RANGE: %s", strerror(errno));

	bad = mismatch(pmd + off, PAGE, 24, off);
	check(bad < 0, "after the unshare the mapping reads other data at %ld", bad);
	bad = mismatch(pmd, off, 21, 0);
	check(bad < 0, "after the unshare the mapping reads other data at %ld", bad);
	check(pread(fa, buf, PAGE, off) == PAGE && mismatch(buf, PAGE, 24, off) < 0,
	      "read() does not see the data written through the mapping");
	fill(pmd + off, PAGE, 25, off);
	check(!fsync(fa), "fsync: %s", strerror(errno));
	check(pread(fa, buf, PAGE, off) == PAGE && mismatch(buf, PAGE, 25, off) < 0,
	      "read() does not see the data written after the unshare");

	ctx = pin_by_write(disk, &fd, pmd + off);
	punch_waits_for_pin(fa, off, ctx, fd, 25, off, "the unshared page");
	close(fd);
	munmap(pmd, PMD);
	close(fa);
	close(fb);
	if (unlink(a) || unlink(b))
		fail("unlink");
	printf("# unshare-dirty: an unshare of blocks under a dirty PMD entry leaves no stale entry\n");
	return 0;
}

static int cmd_remap_window(const char *a, const char *b, const char *c)
{
	int fa = create_empty(a), fc = create_empty(c), fb, i, n;
	char *buf = malloc(PMD), *p;
	volatile int *state;
	unsigned long off;
	pid_t pid;

	if (!buf)
		fail("malloc");
	for (i = 0; i < 16; i++) {
		fill(buf, PMD, 23, i * PMD);
		check(pwrite(fa, buf, PMD, i * PMD) == PMD &&
		      pwrite(fc, buf, PMD, i * PMD) == PMD, "write");
		if (fsync(fa) || fsync(fc))
			fail("fsync");
	}
	off = 15 * PMD;
	state = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (state == MAP_FAILED)
		fail("mmap");
	*state = 0;
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid) {
		p = map_pmd(fa, off);
		*state = present_pages(p) == PMD / PAGE ? 1 : -1;
		while (*state == 1)
			(void)*(volatile char *)p;
		/* The clone is done: nothing faults in A any more. */
		n = present_pages(p);
		_exit(n == PMD / PAGE ? 3 : mismatch(p, PAGE, 23, off) < 0 ? 0 : 4);
	}
	while (!*state)
		usleep(1000);
	check(*state == 1, "remap-window: A's last 2 MiB are not one PMD before the clone");
	fb = clone_of(fa, b);
	*state = 2;
	check(ended(pid, 10000, &n) && WIFEXITED(n), "the child hangs");
	check(WEXITSTATUS(n) != 4, "the child reads wrong data");
	check(WEXITSTATUS(n) == 0,
	      "a PMD maps blocks that the clone shares (faulted while they were being shared)");
	check_file(fb, 16 * PMD, 23, "the clone");
	close(fa);
	close(fb);
	close(fc);
	if (unlink(a) || unlink(b) || unlink(c))
		fail("unlink");
	free(buf);
	printf("# remap-window: a PMD fault during a clone maps the blocks being shared with PTEs\n");
	return 0;
}

static int cmd_vmsplice_self(const char *path, const char *how)
{
	int on_exit = !strcmp(how, "exit");
	pid_t pid;

	check(on_exit || !strcmp(how, "close"), "vmsplice-self: close or exit");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (!pid) {
		struct iovec iov;
		int pfd[2], fd;
		char *p, buf[PAGE];
		long bad;

		/* The pipe first, so that its descriptors are the lower. */
		if (pipe(pfd))
			fail("pipe");
		fd = create(path, PMD, 14);
		check(fd > pfd[1], "descriptors out of order");
		p = map_and_read(fd, PMD, 14);
		iov.iov_base = p + PAGE;
		iov.iov_len = PAGE;
		check(vmsplice(pfd[1], &iov, 1, 0) == PAGE, "vmsplice: %s",
		      strerror(errno));
		munmap(p, PMD);
		if (unlink(path))
			fail("unlink");
		if (on_exit)
			_exit(0);
		close(fd);
		check(read(pfd[0], buf, PAGE) == PAGE, "read from the pipe");
		bad = mismatch(buf, PAGE, 14, PAGE);
		check(bad < 0, "the pipe reads other data at %ld", bad);
		_exit(0);
	}
	check(reaped(pid, 10000),
	      "a process that evicts a file while a page of it is in its own pipe hangs (%s)",
	      how);
	printf("# vmsplice-self: the file was evicted with a page of it in the process's pipe (%s)\n",
	       how);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "clone-mapped"))
		return cmd_clone_mapped(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "clone-pin"))
		return cmd_clone_pin(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "clone-busy"))
		return cmd_clone_busy(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 5 && !strcmp(argv[1], "mixed"))
		return cmd_mixed(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "cow-fault"))
		return cmd_cow_fault(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "cow-pin"))
		return cmd_cow_pin(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 6 && !strcmp(argv[1], "cow-hint"))
		return cmd_cow_hint(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 5 && !strcmp(argv[1], "unshare-dirty"))
		return cmd_unshare_dirty(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "remap-window"))
		return cmd_remap_window(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "vmsplice-self"))
		return cmd_vmsplice_self(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of reflink.c\n");
	return 2;
}
