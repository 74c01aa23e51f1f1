// SPDX-License-Identifier: GPL-2.0
/*
 * FS-DAX under load: several processes work on one file of a DAX mount at
 * once, for a fixed time, and afterwards the file must hold what they wrote.
 * The file is WORKERS slots of 2 MiB, then a tail:
 *
 *  - A worker process per slot writes it through MAP_SHARED mappings (at an
 *    address congruent to the file offset modulo 2 MiB, so that PMD faults
 *    happen, or one page off, so that every fault maps 4 KiB), and with
 *    pwrite(); punches holes in it, mapped or not; shares a mapping with a
 *    child that writes through it.  And it pins pages of its slot while it
 *    punches a hole over them: an O_DIRECT write from a mapping of the slot
 *    to the NVMe disk, in a second thread, or a pipe that got the pages
 *    (vmsplice) until the worker reads it.  The punch must wait until the
 *    O_DIRECT write is done (the layout break): the disk must get, for each
 *    4 KiB, the data that was there, or zeros where the punch came first.
 *    A pipe holds a copy of a DAX page, so the punch need not wait for it,
 *    and the pipe must give back the data that was there.
 *  - A truncator process grows and shrinks the tail, appends to it, and maps
 *    it, sometimes truncating it under the mapping (which must then raise
 *    SIGBUS past the new end).  The file never gets shorter than the slots.
 *  - With TWIN (a file system with reflink), each worker also clones its
 *    slot to the same offset of TWIN (FICLONERANGE), and maps its slot of
 *    TWIN, 2 MiB or 4 KiB at a time, to check it and write a run of it.
 *    Blocks are then shared by the two files, so the writes of either file
 *    copy on write, and the punches and pins above meet shared blocks.
 *
 * Each process is the only one to write its part of the file, so it keeps a
 * model of that part: per 4 KiB page, the seed of the pattern last written
 * there, or a hole.  Everything it reads (through a mapping, with pread(),
 * from the pipe or from the disk) is checked against the model.  Punches
 * and truncates break the layout of the whole file, though, so every
 * process's faults, pins and mappings race with everyone else's.  The
 * models live in memory shared with the parent, which checks the whole file
 * against them once every process has exited.  That every page is idle
 * afterwards is for the caller to see: the unmount must work.
 *
 * Usage: fsdax-stress SECONDS FILE NVME_DEV [TWIN]
 *   NVME_DEV is a block device without DAX; its first WORKERS * 2 MiB are
 *   overwritten.  TWIN is made anew, on the file system of FILE.
 * Prints the operations done per kind; exits 0 only if every check passed,
 * every process ended in time and every kind of operation was done.  On a
 * slow kernel a process goes on past SECONDS until it has done each of its
 * kinds once, up to OVERTIME times SECONDS more.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include "bench.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX	0x00200000
#endif

#define WORKERS		4
#define SLOT_PAGES	(PMD / PAGE)
#define SLOTS_END	(WORKERS * PMD)		/* the file is never shorter */
#define TAIL		(2 * PMD)		/* the most the tail grows to */
#define TAIL_PAGES	(TAIL / PAGE)
#define PIN_PAGES	64			/* the most one O_DIRECT write pins */
#define PIPE_PAGES	8			/* the most one pipe holds */
#define APPEND_PAGES	64			/* the most one append writes */
#define GRACE		15			/* seconds past the end: a hang */
#define OVERTIME	3			/* see going_on() */
#define HOLE		0			/* the model of a page of zeros */

enum {
	OP_MAP_PMD, OP_MAP_PTE, OP_PWRITE, OP_PREAD, OP_PUNCH, OP_PUNCH_MAPPED,
	OP_DIO_PIN, OP_PIPE_PIN, OP_FORK, OP_CLONE, OP_TWIN_PMD, OP_TWIN_PTE,
	OP_GROW, OP_SHRINK, OP_SHRINK_MAPPED, OP_APPEND, OP_TAIL_MAP,
	OP_TAIL_READ, NR_OPS
};
static const char *const op_names[NR_OPS] = {
	"map-pmd", "map-pte", "pwrite", "pread", "punch", "punch-mapped",
	"dio-pin-punch", "pipe-pin-punch", "fork", "clone", "twin-map-pmd",
	"twin-map-pte", "grow", "shrink", "shrink-mapped", "append", "tail-map", "tail-read",
};

/* What the processes leave the parent: their models and counts. */
struct shared {
	unsigned long slot[WORKERS][SLOT_PAGES];	/* a seed per page, or HOLE */
	unsigned long twin[WORKERS][SLOT_PAGES];	/* the same, of TWIN */
	unsigned long tail[TAIL_PAGES];
	unsigned long tail_len;				/* bytes past SLOTS_END */
	unsigned long ops[WORKERS + 1][NR_OPS];
};

/* One process: who it is, its files, its random numbers and seeds. */
struct proc {
	char who[32];
	int id, fd, nvme, twin;
	unsigned int rnd;
	unsigned long seeds;
	unsigned long *ops;
	char *buf;			/* TAIL bytes, page-aligned (O_DIRECT) */
	time_t start;
};

static unsigned long rnd(struct proc *pr, unsigned long n)
{
	return rand_r(&pr->rnd) % n;
}

/* A seed no process has used before: the process is in the high bits. */
static unsigned long new_seed(struct proc *pr)
{
	return (unsigned long)(pr->id + 1) << 32 | ++pr->seeds;
}

/* A run of 1 to @most pages in [0, @max): returns its length, *first its start. */
static unsigned long pick(struct proc *pr, unsigned long max, unsigned long most,
			  unsigned long *first)
{
	unsigned long n = 1 + rnd(pr, most < max ? most : max);

	*first = rnd(pr, max - n + 1);
	return n;
}

static void set_model(unsigned long *model, unsigned long first, unsigned long n,
		      unsigned long seed)
{
	while (n--)
		model[first++] = seed;
}

/* File offset of the first word of @p that is not zero, or -1. */
static long nonzero(const void *p, unsigned long len, unsigned long off)
{
	const uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return off + i * 8;
	return -1;
}

/*
 * Check @n pages at @p, which hold the file from offset @off on, against
 * @model (a seed per page, or HOLE); @how says where they were read.
 */
static void expect(struct proc *pr, const char *p, unsigned long off,
		   unsigned long n, const unsigned long *model, const char *how)
{
	unsigned long i;
	long bad;

	for (i = 0; i < n; i++, p += PAGE, off += PAGE) {
		if (model[i] == HOLE)
			bad = nonzero(p, PAGE, off);
		else
			bad = mismatch(p, PAGE, model[i], off);
		check(bad < 0, "%s: %s: the word at file offset %#lx is %#llx, want %#llx (%s)",
		      pr->who, how, bad, *(const unsigned long long *)(p + bad - off),
		      model[i] == HOLE ? 0ULL : (unsigned long long)word(model[i], bad),
		      model[i] == HOLE ? "a hole" : "the pattern last written");
	}
}

/*
 * A shared mapping of @len bytes of the file from @off.  With @huge its
 * address is congruent to @off modulo 2 MiB, so that a 2 MiB extent can be
 * mapped by a PMD; without, it is one page off, so every fault maps 4 KiB.
 */
static char *map_file(int fd, unsigned long off, unsigned long len, int huge)
{
	unsigned long span = len + 2 * PMD, at;
	char *area, *p;

	area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		fail("mmap (reserve)");
	at = ((unsigned long)area + PMD - 1) & ~(PMD - 1);
	at += (off + (huge ? 0 : PAGE)) & (PMD - 1);
	p = mmap((void *)at, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED)
		fail("mmap");
	/* What is left of the reservation on either side. */
	if (p > area)
		munmap(area, p - area);
	if (p + len < area + span)
		munmap(p + len, area + span - (p + len));
	return p;
}

static void read_file(struct proc *pr, char *buf, unsigned long off, unsigned long len)
{
	ssize_t r = pread(pr->fd, buf, len, off);

	check(r == (ssize_t)len, "%s: pread of %lu bytes at %#lx: %s", pr->who, len, off,
	      r < 0 ? strerror(errno) : "short");
}

static void write_file(struct proc *pr, const char *buf, unsigned long off,
		       unsigned long len)
{
	ssize_t r = pwrite(pr->fd, buf, len, off);

	check(r == (ssize_t)len, "%s: pwrite of %lu bytes at %#lx: %s", pr->who, len, off,
	      r < 0 ? strerror(errno) : "short");
}

static int punch_hole(int fd, unsigned long off, unsigned long len)
{
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) ? errno : 0;
}

static void punch(struct proc *pr, unsigned long off, unsigned long n)
{
	int err = punch_hole(pr->fd, off, n * PAGE);

	check(!err, "%s: punch of %lu pages at %#lx: %s", pr->who, n, off, strerror(err));
}

/* Map the slot, check it, write a run of it (or all of it) with a new seed. */
static void op_map_write(struct proc *pr, unsigned long *model, unsigned long base, int huge)
{
	const char *how = huge ? "2 MiB mapping" : "4 KiB mapping";
	char *p = map_file(pr->fd, base, PMD, huge);
	unsigned long a = 0, n = SLOT_PAGES, seed = new_seed(pr);

	expect(pr, p, base, SLOT_PAGES, model, how);
	if (rnd(pr, 4))
		n = pick(pr, SLOT_PAGES, SLOT_PAGES, &a);
	fill(p + a * PAGE, n * PAGE, seed, base + a * PAGE);
	set_model(model, a, n, seed);
	if (!rnd(pr, 4) && msync(p, PMD, MS_SYNC))
		fail("msync");
	expect(pr, p, base, SLOT_PAGES, model, how);
	munmap(p, PMD);
	pr->ops[huge ? OP_MAP_PMD : OP_MAP_PTE]++;
}

static void op_pwrite(struct proc *pr, unsigned long *model, unsigned long base)
{
	unsigned long a, n = pick(pr, SLOT_PAGES, SLOT_PAGES, &a), seed = new_seed(pr);
	unsigned long off = base + a * PAGE;

	fill(pr->buf, n * PAGE, seed, off);
	write_file(pr, pr->buf, off, n * PAGE);
	set_model(model, a, n, seed);
	memset(pr->buf, 0xa5, n * PAGE);
	read_file(pr, pr->buf, off, n * PAGE);
	expect(pr, pr->buf, off, n, model + a, "pread after pwrite");
	pr->ops[OP_PWRITE]++;
}

static void op_pread(struct proc *pr, unsigned long *model, unsigned long base)
{
	read_file(pr, pr->buf, base, PMD);
	expect(pr, pr->buf, base, SLOT_PAGES, model, "pread");
	pr->ops[OP_PREAD]++;
}

/* Punch a hole in the slot, with or without a mapping of it faulted in. */
static void op_punch(struct proc *pr, unsigned long *model, unsigned long base, int mapped)
{
	unsigned long a, n = pick(pr, SLOT_PAGES, SLOT_PAGES, &a);
	char *p = NULL;

	if (mapped) {
		p = map_file(pr->fd, base, PMD, rnd(pr, 2));
		expect(pr, p, base, SLOT_PAGES, model, "mapping before a punch");
	}
	punch(pr, base + a * PAGE, n);
	set_model(model, a, n, HOLE);
	if (mapped) {
		expect(pr, p, base, SLOT_PAGES, model, "mapping after a punch");
		munmap(p, PMD);
	} else {
		read_file(pr, pr->buf, base + a * PAGE, n * PAGE);
		expect(pr, pr->buf, base + a * PAGE, n, model + a, "pread after a punch");
	}
	pr->ops[mapped ? OP_PUNCH_MAPPED : OP_PUNCH]++;
}

/* The second thread of a worker: an O_DIRECT write to the disk. */
struct dio {
	int fd;
	const char *from;
	unsigned long len, to;
	ssize_t ret;
	int err;
};

static void *dio_write(void *arg)
{
	struct dio *d = arg;

	d->ret = pwrite(d->fd, d->from, d->len, d->to);
	d->err = errno;
	return NULL;
}

/*
 * An O_DIRECT write from a mapping of the slot to the disk, in a second
 * thread, pins the pages while this thread punches a hole over them.  The
 * punch waits for the pins to go.  The disk then has, per 4 KiB, the data
 * that was there or, where the pin came after the punch, zeros.
 */
static void op_dio_pin(struct proc *pr, unsigned long *model, unsigned long base,
		       unsigned long disk)
{
	unsigned long old[PIN_PAGES], a, n, off, i;
	pthread_t thread;
	struct dio d;
	char *p, *q;
	ssize_t r;
	int err;

	n = pick(pr, SLOT_PAGES, PIN_PAGES, &a);
	off = base + a * PAGE;
	p = map_file(pr->fd, base, PMD, rnd(pr, 2));
	/* Fault the pages in first, or leave that to the pin. */
	if (rnd(pr, 2))
		expect(pr, p + a * PAGE, off, n, model + a, "mapping before a pin");
	memcpy(old, model + a, n * sizeof(*old));
	d = (struct dio){ .fd = pr->nvme, .from = p + a * PAGE, .len = n * PAGE,
			  .to = disk + a * PAGE };
	err = pthread_create(&thread, NULL, dio_write, &d);
	check(!err, "%s: pthread_create: %s", pr->who, strerror(err));
	if (rnd(pr, 2))
		usleep(rnd(pr, 200));
	punch(pr, off, n);
	set_model(model, a, n, HOLE);
	pthread_join(thread, NULL);
	check(d.ret == (ssize_t)d.len, "%s: O_DIRECT write of %lu bytes from file offset %#lx: %s",
	      pr->who, d.len, off, d.ret < 0 ? strerror(d.err) : "short");
	expect(pr, p + a * PAGE, off, n, model + a, "mapping after a punch");
	munmap(p, PMD);

	q = pr->buf;
	r = pread(pr->nvme, q, n * PAGE, d.to);
	check(r == (ssize_t)(n * PAGE), "%s: O_DIRECT read of the disk at %#lx: %s", pr->who,
	      d.to, r < 0 ? strerror(errno) : "short");
	for (i = 0; i < n; i++, q += PAGE) {
		if (nonzero(q, PAGE, 0) < 0)
			continue;
		check(old[i] != HOLE && mismatch(q, PAGE, old[i], off + i * PAGE) < 0,
		      "%s: the O_DIRECT write of file offset %#lx, punched while pinned, put neither its data nor zeros on the disk",
		      pr->who, off + i * PAGE);
	}
	pr->ops[OP_DIO_PIN]++;
}

/* A thread that punches a hole while its process holds the pages. */
struct hole {
	int fd;
	unsigned long off, len;
	int err;
};

static void *punch_thread(void *arg)
{
	struct hole *h = arg;

	h->err = punch_hole(h->fd, h->off, h->len);
	return NULL;
}

/*
 * A pipe gets pages of the slot (vmsplice), mapped still or not, while a
 * second thread punches a hole over them.  The pipe holds copies of DAX
 * pages, so the punch may finish first; either way the pipe gives back the
 * data that was there.
 */
static void op_pipe_pin(struct proc *pr, unsigned long *model, unsigned long base)
{
	unsigned long old[PIPE_PAGES], a, n, off, got;
	int mapped, pfd[2], err;
	struct iovec iov;
	pthread_t thread;
	struct hole h;
	ssize_t r;
	char *p;

	n = pick(pr, SLOT_PAGES, PIPE_PAGES, &a);
	off = base + a * PAGE;
	p = map_file(pr->fd, base, PMD, rnd(pr, 2));
	mapped = rnd(pr, 2);
	memcpy(old, model + a, n * sizeof(*old));
	if (pipe(pfd))
		fail("pipe");
	iov.iov_base = p + a * PAGE;
	iov.iov_len = n * PAGE;
	r = vmsplice(pfd[1], &iov, 1, 0);
	check(r == (ssize_t)(n * PAGE), "%s: vmsplice of %lu bytes at file offset %#lx: %s",
	      pr->who, n * PAGE, off, r < 0 ? strerror(errno) : "short");
	if (!mapped)
		munmap(p, PMD);
	h = (struct hole){ .fd = pr->fd, .off = off, .len = n * PAGE };
	err = pthread_create(&thread, NULL, punch_thread, &h);
	check(!err, "%s: pthread_create: %s", pr->who, strerror(err));
	/*
	 * Not a touch of the file until the pipe is empty: the punch waits for
	 * the pages with the inode locked, so a read would wait for the punch.
	 */
	usleep(rnd(pr, 1000));
	for (got = 0; got < n * PAGE; got += r) {
		r = read(pfd[0], pr->buf + got, n * PAGE - got);
		check(r > 0, "%s: read from the pipe: %s", pr->who, r < 0 ? strerror(errno) : "EOF");
	}
	expect(pr, pr->buf, off, n, old, "pipe that held the pages while they were punched");
	pthread_join(thread, NULL);
	check(!h.err, "%s: punch of pages held by a pipe at %#lx: %s", pr->who, off,
	      strerror(h.err));
	set_model(model, a, n, HOLE);
	if (mapped) {
		expect(pr, p, base, SLOT_PAGES, model, "mapping after a punch");
		munmap(p, PMD);
	}
	close(pfd[0]);
	close(pfd[1]);
	pr->ops[OP_PIPE_PIN]++;
}

/*
 * A child writes a run of the slot through the mapping it shares with its
 * parent, which then reads it back.
 */
static void op_fork(struct proc *pr, unsigned long *model, unsigned long base)
{
	unsigned long a, n = pick(pr, SLOT_PAGES, SLOT_PAGES, &a), seed = new_seed(pr);
	char *p = map_file(pr->fd, base, PMD, rnd(pr, 2));
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		expect(pr, p, base, SLOT_PAGES, model, "mapping in a child");
		fill(p + a * PAGE, n * PAGE, seed, base + a * PAGE);
		_exit(0);
	}
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "%s: the child that writes through a shared mapping failed", pr->who);
	set_model(model, a, n, seed);
	expect(pr, p, base, SLOT_PAGES, model, "mapping after a child wrote");
	munmap(p, PMD);
	pr->ops[OP_FORK]++;
}

/* Clone the slot to TWIN: its blocks are then shared by the two files. */
static void op_clone(struct proc *pr, unsigned long *model, unsigned long *twin,
		     unsigned long base)
{
	struct file_clone_range r = {
		.src_fd = pr->fd, .src_offset = base, .src_length = PMD,
		.dest_offset = base,
	};

	check(!ioctl(pr->twin, FICLONERANGE, &r), "%s: FICLONERANGE of %#lx: %s",
	      pr->who, base, strerror(errno));
	memcpy(twin, model, SLOT_PAGES * sizeof(*twin));
	pr->ops[OP_CLONE]++;
}

/* Map the slot of TWIN, check it, write a run of it with a new seed. */
static void op_twin_map(struct proc *pr, unsigned long *twin, unsigned long base,
			int huge)
{
	const char *how = huge ? "2 MiB mapping of the twin" : "4 KiB mapping of the twin";
	char *p = map_file(pr->twin, base, PMD, huge);
	unsigned long a, n = pick(pr, SLOT_PAGES, SLOT_PAGES, &a), seed = new_seed(pr);

	expect(pr, p, base, SLOT_PAGES, twin, how);
	fill(p + a * PAGE, n * PAGE, seed, base + a * PAGE);
	set_model(twin, a, n, seed);
	expect(pr, p, base, SLOT_PAGES, twin, how);
	munmap(p, PMD);
	pr->ops[huge ? OP_TWIN_PMD : OP_TWIN_PTE]++;
}

static void setup(struct proc *pr, struct shared *sh, int id, const char *path)
{
	if (id < WORKERS)
		snprintf(pr->who, sizeof(pr->who), "slot %d", id);
	else
		snprintf(pr->who, sizeof(pr->who), "tail");
	pr->id = id;
	pr->rnd = id * 7919 + 1;
	pr->ops = sh->ops[id];
	pr->start = time(NULL);
	pr->fd = open(path, O_RDWR);
	if (pr->fd < 0)
		fail(path);
	pr->buf = mmap(NULL, TAIL, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pr->buf == MAP_FAILED)
		fail("mmap");
}

/*
 * Whether a process goes on: until @end, and after it, up to OVERTIME times
 * as long again, while a kind of operation it does (@first to @after) has
 * not been done yet, so that a slow kernel (KASAN) still does each kind:
 * next_op() then picks those.
 */
static int going_on(const struct proc *pr, time_t end, int first, int after)
{
	time_t now = time(NULL);
	int j;

	if (now < end)
		return 1;
	if (now >= end + OVERTIME * (end - pr->start))
		return 0;
	for (j = first; j < after; j++)
		if (!pr->ops[j])
			return 1;
	return 0;
}

/* The next kind of operation, @first to @after: at random until @end. */
static int next_op(struct proc *pr, time_t end, int first, int after)
{
	int j;

	if (time(NULL) >= end)
		for (j = first; j < after; j++)
			if (!pr->ops[j])
				return j;
	return first + rnd(pr, after - first);
}

static int worker(struct shared *sh, int id, const char *path, const char *nvme,
		  const char *twin, time_t end)
{
	unsigned long *model = sh->slot[id], base = id * PMD;
	int after = twin ? OP_GROW : OP_CLONE;
	struct proc pr = { 0 };

	setup(&pr, sh, id, path);
	pr.nvme = open(nvme, O_RDWR | O_DIRECT);
	if (pr.nvme < 0)
		fail(nvme);
	pr.twin = twin ? open(twin, O_RDWR) : -1;
	if (twin && pr.twin < 0)
		fail(twin);
	while (going_on(&pr, end, OP_MAP_PMD, after)) {
		switch (next_op(&pr, end, OP_MAP_PMD, after)) {
		case OP_MAP_PMD:
			op_map_write(&pr, model, base, 1);
			break;
		case OP_MAP_PTE:
			op_map_write(&pr, model, base, 0);
			break;
		case OP_PWRITE:
			op_pwrite(&pr, model, base);
			break;
		case OP_PREAD:
			op_pread(&pr, model, base);
			break;
		case OP_PUNCH:
			op_punch(&pr, model, base, 0);
			break;
		case OP_PUNCH_MAPPED:
			op_punch(&pr, model, base, 1);
			break;
		case OP_DIO_PIN:
			op_dio_pin(&pr, model, base, id * PMD);
			break;
		case OP_PIPE_PIN:
			op_pipe_pin(&pr, model, base);
			break;
		case OP_CLONE:
			op_clone(&pr, model, sh->twin[id], base);
			break;
		case OP_TWIN_PMD:
			op_twin_map(&pr, sh->twin[id], base, 1);
			break;
		case OP_TWIN_PTE:
			op_twin_map(&pr, sh->twin[id], base, 0);
			break;
		default:
			op_fork(&pr, model, base);
			break;
		}
	}
	close(pr.nvme);
	close(pr.fd);
	if (twin)
		close(pr.twin);
	return 0;
}

/* The tail is @len bytes long now: make it @to. */
static void resize(struct proc *pr, unsigned long *model, unsigned long *len,
		   unsigned long to)
{
	check(!ftruncate(pr->fd, SLOTS_END + to), "%s: ftruncate to %#lx: %s", pr->who,
	      SLOTS_END + to, strerror(errno));
	if (to < *len)
		set_model(model, to / PAGE, (*len - to) / PAGE, HOLE);
	*len = to;
}

/* The file's size, what the tail holds, and that nothing is past its end. */
static void check_tail(struct proc *pr, unsigned long *model, unsigned long len)
{
	struct stat st;

	if (fstat(pr->fd, &st))
		fail("fstat");
	check((unsigned long)st.st_size == SLOTS_END + len, "%s: the file is %ld bytes, want %lu",
	      pr->who, (long)st.st_size, SLOTS_END + len);
	read_file(pr, pr->buf, SLOTS_END, len);
	expect(pr, pr->buf, SLOTS_END, len / PAGE, model, "pread");
	check(pread(pr->fd, pr->buf, PAGE, SLOTS_END + len) == 0,
	      "%s: a read at the end of the file did not return 0", pr->who);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Whether reading @p raises SIGBUS. */
static int sigbus_at(const volatile char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int hit;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1)) {
		hit = 1;
	} else {
		(void)*p;
		hit = 0;
	}
	sigaction(SIGBUS, &old, NULL);
	return hit;
}

/*
 * Map the tail, check it, write a run of it; sometimes then truncate it under
 * the mapping: what is left must still be there, and past the end SIGBUS.
 */
static void tail_map(struct proc *pr, unsigned long *model, unsigned long *len,
		     int shrink)
{
	unsigned long maplen, a, n, seed = new_seed(pr);
	char *p;

	if (!*len) {
		resize(pr, model, len, TAIL);
		pr->ops[OP_GROW]++;
	}
	maplen = *len;
	p = map_file(pr->fd, SLOTS_END, maplen, rnd(pr, 2));
	expect(pr, p, SLOTS_END, maplen / PAGE, model, "tail mapping");
	n = pick(pr, maplen / PAGE, maplen / PAGE, &a);
	fill(p + a * PAGE, n * PAGE, seed, SLOTS_END + a * PAGE);
	set_model(model, a, n, seed);
	if (shrink) {
		resize(pr, model, len, PAGE * rnd(pr, maplen / PAGE));
		check(sigbus_at(p + *len), "%s: no SIGBUS past the end of the file (%#lx) through a mapping that was truncated",
		      pr->who, SLOTS_END + *len);
		pr->ops[OP_SHRINK_MAPPED]++;
	}
	expect(pr, p, SLOTS_END, *len / PAGE, model, "tail mapping after a write");
	munmap(p, maplen);
	pr->ops[OP_TAIL_MAP]++;
}

/* Extend the file with pwrite() past its end. */
static void append(struct proc *pr, unsigned long *model, unsigned long *len)
{
	unsigned long n, seed = new_seed(pr);

	if (*len == TAIL) {
		resize(pr, model, len, PAGE * rnd(pr, TAIL_PAGES));
		pr->ops[OP_SHRINK]++;
	}
	n = 1 + rnd(pr, (TAIL - *len) / PAGE < APPEND_PAGES ? (TAIL - *len) / PAGE : APPEND_PAGES);
	fill(pr->buf, n * PAGE, seed, SLOTS_END + *len);
	write_file(pr, pr->buf, SLOTS_END + *len, n * PAGE);
	set_model(model, *len / PAGE, n, seed);
	*len += n * PAGE;
	check_tail(pr, model, *len);
	pr->ops[OP_APPEND]++;
}

static int truncator(struct shared *sh, const char *path, time_t end)
{
	unsigned long *model = sh->tail, len = sh->tail_len, to;
	struct proc pr = { 0 };

	setup(&pr, sh, WORKERS, path);
	while (going_on(&pr, end, OP_GROW, NR_OPS)) {
		switch (next_op(&pr, end, OP_GROW, NR_OPS)) {
		case OP_GROW:		/* half of the time all the way */
			to = rnd(&pr, 2) ? TAIL : len + PAGE * rnd(&pr, (TAIL - len) / PAGE + 1);
			resize(&pr, model, &len, to);
			check_tail(&pr, model, len);
			pr.ops[OP_GROW]++;
			break;
		case OP_SHRINK:
			resize(&pr, model, &len, PAGE * rnd(&pr, len / PAGE + 1));
			check_tail(&pr, model, len);
			pr.ops[OP_SHRINK]++;
			break;
		case OP_SHRINK_MAPPED:
			tail_map(&pr, model, &len, 1);
			break;
		case OP_APPEND:
			append(&pr, model, &len);
			break;
		case OP_TAIL_MAP:
			tail_map(&pr, model, &len, 0);
			break;
		default:
			check_tail(&pr, model, len);
			pr.ops[OP_TAIL_READ]++;
			break;
		}
		sh->tail_len = len;
	}
	close(pr.fd);
	return 0;
}

/*
 * Wait for every process until @deadline.  One that is still there then
 * hangs: have the kernel show its blocked tasks (SysRq w), kill what can be
 * killed, and fail.
 */
static int wait_all(const pid_t *pids, int n, time_t deadline)
{
	int left = n, failed = 0, status, i;
	pid_t pid;
	FILE *f;

	while (left) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0)
			fail("waitpid");
		if (pid > 0) {
			for (i = 0; i < n && pids[i] != pid; i++)
				;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				if (i < WORKERS)
					fprintf(stderr, "%s: the worker of slot %d failed (status %#x)\n",
						program_invocation_short_name, i, status);
				else
					fprintf(stderr, "%s: the truncator failed (status %#x)\n",
						program_invocation_short_name, status);
				failed = 1;
			}
			left--;
			continue;
		}
		if (time(NULL) < deadline) {
			usleep(100000);
			continue;
		}
		fprintf(stderr, "%s: %d processes still run %d s after they should have stopped: hung\n",
			program_invocation_short_name, left, GRACE);
		f = fopen("/proc/sysrq-trigger", "w");
		if (f) {
			fputc('w', f);
			fclose(f);
		}
		for (i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		return 1;
	}
	return failed;
}

/* The whole file against the models, with pread() and through a mapping. */
static void final_check(struct shared *sh, const char *path, const char *twin)
{
	unsigned long size = SLOTS_END + sh->tail_len;
	struct proc pr = { .who = "final check" };
	struct stat st;
	char *p;
	int i;

	pr.fd = open(path, O_RDWR);
	if (pr.fd < 0)
		fail(path);
	if (fstat(pr.fd, &st))
		fail("fstat");
	check((unsigned long)st.st_size == size, "final check: the file is %ld bytes, want %lu",
	      (long)st.st_size, size);
	pr.buf = malloc(TAIL);
	for (i = 0; i < WORKERS; i++) {
		read_file(&pr, pr.buf, i * PMD, PMD);
		expect(&pr, pr.buf, i * PMD, SLOT_PAGES, sh->slot[i], "pread");
	}
	read_file(&pr, pr.buf, SLOTS_END, sh->tail_len);
	expect(&pr, pr.buf, SLOTS_END, sh->tail_len / PAGE, sh->tail, "pread");
	p = map_file(pr.fd, 0, size, 1);
	for (i = 0; i < WORKERS; i++)
		expect(&pr, p + i * PMD, i * PMD, SLOT_PAGES, sh->slot[i], "mapping");
	expect(&pr, p + SLOTS_END, SLOTS_END, sh->tail_len / PAGE, sh->tail, "mapping");
	munmap(p, size);
	close(pr.fd);
	printf("# fsdax-stress: the file (%lu KiB) matches the model\n", size >> 10);
	if (twin) {
		pr.fd = open(twin, O_RDWR);
		if (pr.fd < 0)
			fail(twin);
		p = map_file(pr.fd, 0, SLOTS_END, 0);
		for (i = 0; i < WORKERS; i++) {
			read_file(&pr, pr.buf, i * PMD, PMD);
			expect(&pr, pr.buf, i * PMD, SLOT_PAGES, sh->twin[i], "pread of the twin");
			expect(&pr, p + i * PMD, i * PMD, SLOT_PAGES, sh->twin[i],
			       "mapping of the twin");
		}
		munmap(p, SLOTS_END);
		close(pr.fd);
		printf("# fsdax-stress: the twin (%lu KiB) matches its model\n", SLOTS_END >> 10);
	}
	free(pr.buf);
}

int main(int argc, char **argv)
{
	unsigned long total[NR_OPS] = { 0 };
	pid_t pids[WORKERS + 1];
	const char *twin;
	int secs, fd, i, j, failed;
	struct statx stx;
	struct shared *sh;
	off_t disk;
	time_t end;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s SECONDS FILE NVME_DEV [TWIN]\n", argv[0]);
		return 2;
	}
	twin = argc == 5 ? argv[4] : NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	secs = atoi(argv[1]);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		fail("mmap");

	/* All slots and the tail are holes to begin with, the model all zeros. */
	fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail(argv[2]);
	if (ftruncate(fd, SLOTS_END + TAIL))
		fail("ftruncate");
	sh->tail_len = TAIL;
	if (statx(fd, "", AT_EMPTY_PATH, 0, &stx))
		fail("statx");
	check(stx.stx_attributes & STATX_ATTR_DAX, "%s is not a DAX file", argv[2]);
	close(fd);
	/* TWIN is all holes too, as long as FILE's slots. */
	if (twin) {
		fd = open(twin, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ftruncate(fd, SLOTS_END))
			fail(twin);
		close(fd);
	}
	fd = open(argv[3], O_RDWR | O_DIRECT);
	if (fd < 0)
		fail(argv[3]);
	disk = lseek(fd, 0, SEEK_END);
	check(disk >= (off_t)SLOTS_END, "%s: %ld bytes, want at least %lu", argv[3],
	      (long)disk, SLOTS_END);
	close(fd);

	end = time(NULL) + secs;
	for (i = 0; i <= WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			fail("fork");
		if (pids[i] == 0)
			_exit(i < WORKERS ? worker(sh, i, argv[2], argv[3], twin, end)
					  : truncator(sh, argv[2], end));
	}
	failed = wait_all(pids, WORKERS + 1, end + OVERTIME * secs + GRACE);

	for (i = 0; i <= WORKERS; i++)
		for (j = 0; j < NR_OPS; j++)
			total[j] += sh->ops[i][j];
	for (j = 0; j < NR_OPS; j++)
		if (twin || j < OP_CLONE || j > OP_TWIN_PTE)
			printf("# fsdax-stress: %-16s %lu\n", op_names[j], total[j]);
	if (failed)
		return 1;
	for (j = 0; j < NR_OPS; j++)
		check(total[j] || (!twin && j >= OP_CLONE && j <= OP_TWIN_PTE),
		      "no %s was done in %d s", op_names[j], (1 + OVERTIME) * secs);
	final_check(sh, argv[2], twin);
	return 0;
}
