// SPDX-License-Identifier: GPL-2.0
/*
 * workload: touch a known memory layout and print its ground truth.
 *
 * Regions are anonymous mappings at fixed, 2 MiB-aligned addresses (from --base, a 2 MiB
 * gap between regions), THP off (MADV_NOHUGEPAGE) unless --thp.  Each region has a thread,
 * pinned to the region's CPU when one is given, that first touches every page once and then
 * keeps touching them in passes until --duration ends (or --passes are done).  With
 * --duration, the process lives that long even when no region needs passes (c, n).
 *
 *   --region MODE:SIZE[@CPU][,OPTION...]
 *
 * MODE says what the passes do:
 *
 *   r  read every page each pass            first pass: one read fault a page
 *      (untouched anonymous reads map the shared zero page, which DAMON does not see)
 *   p  populated: written once, then read   first pass: one write fault a page
 *   w  write every page each pass           first pass: one write fault a page
 *   c  cold: write once, then never again   first pass: one write fault a page
 *   f  fault churn, writes: each pass drops the pages (MADV_DONTNEED) and writes them again,
 *      one write fault a page a pass (a fault-heavy workload)
 *   q  fault churn, reads: the same with reads (zero page), one read fault a page a pass
 *   n  never touched (mapped only)          no fault
 *   s  a scattered hot set in a cold mapping: the region's thread writes every page once
 *      (one write fault a page: populated, then cold), then N chunks of the mapping are hot:
 *      scatter=N/SIZE of them (default 8/1M) at seeded random, non-overlapping, page-aligned
 *      places (seed=S, default 1), half written every pass by the region's thread (@CPU),
 *      half read every pass by a second thread (reader=CPU); chunk i in the order drawn is
 *      written when i is even.  No fault after the first pass.
 *
 * OPTIONs, comma-separated after the region:
 *   node=N    first touch on NUMA node N: mbind(MPOL_BIND to N) before the first pass, then
 *             mbind(MPOL_DEFAULT) on the range again, so that later migrations (DAMOS
 *             migrate_hot/cold, move_pages) are not fought by a policy.  Pages faulted in
 *             later passes (f, q) follow the default policy (the CPU's node).
 *   thp=on    MADV_HUGEPAGE (what --thp does for every region)
 *   thp=off   MADV_NOHUGEPAGE (the default)
 *   thp=none  neither: THP-neutral.  In THP "madvise" mode faults map 4 KiB pages and
 *             khugepaged leaves the range alone, while MADV_COLLAPSE (and DAMOS collapse) can
 *             still make huge pages there.
 *   shm       shared memory: a MAP_SHARED mapping of a memfd (file-backed, not anonymous:
 *             what DAMON's anon filters and probes tell apart)
 *   duty=A/P  warm, not hot: in every period of P ms the passes run for the first A ms and the
 *             thread then spins without touching the region for the rest (busy, not asleep:
 *             see TCG below), so that DAMON reads an access rate between 0 and its maximum
 *             (about (sample interval + A) / P of it).
 *   scatter=N/SIZE, seed=S, reader=CPU   mode s only (above); reader= pins the reading
 *             thread (default: not pinned).
 * A region of mode c with node=N is a memory hog on that node (written once, held).
 *
 * Once every thread has made its first pass, one JSON line on stdout gives the layout (with each
 * region's "node", -1 when not placed, and "thp" setting) and the exact number of user page
 * faults each CPU took in the regions (the ground truth); a region of mode s also lists its
 * "chunks" in address order, each with "start", "end", "cpu" (-1: not pinned), "tid" and
 * "write" (true: written each pass, false: read).  At exit, a second line gives the number of
 * passes each region's thread made (the throughput; mode s: the fewer of its two threads').
 * Passes spin without sleeping: under TCG, sleeping workloads leave few Accessed bits.
 *
 * --ticker N forks one process per CPU 0..N-1 that wakes every millisecond.  QEMU's TCG
 * caches translations in a software TLB that only a CR3 write flushes, and DAMON clears
 * Accessed bits without a flush: threads spinning alone on their CPUs would never set them
 * again.  The tickers switch address spaces on each CPU, as any busy system does, so that the
 * page-table sampling sees the accesses (real TLBs evict entries by themselves).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_REGIONS 16
#define MAX_CHUNKS 64
#define SZ_2M (2UL << 20)
#define MAX_NODES 64

/* From <linux/mempolicy.h>; mbind(2) through syscall(2), no libnuma. */
#define WL_MPOL_DEFAULT 0
#define WL_MPOL_BIND 2

enum thp_mode { THP_GLOBAL, THP_ON, THP_OFF, THP_NONE };
static const char *const thp_names[] = { "", "on", "off", "none" };

/* A hot chunk of a mode s region: its offset in the region, written or read. */
struct chunk {
	unsigned long off;
	bool write;
};

struct region {
	char mode;
	int cpu;			/* -1: not pinned */
	int node;			/* first-touch node, -1: default policy */
	enum thp_mode thp;
	bool shm;			/* a memfd's shared mapping, not anonymous memory */
	double duty_active, duty_period;	/* seconds; period 0: always active */
	unsigned long size;
	char *start;
	pid_t tid;
	unsigned long read_faults, write_faults;	/* ground truth of the first pass */
	long passes;					/* passes done, the first included */
	pthread_t thread;
	/* mode s: the chunks (in address order) and the thread that reads half of them */
	int nr_chunks;
	unsigned long chunk_size;
	unsigned long long seed;
	struct chunk chunks[MAX_CHUNKS];
	int reader_cpu;			/* -1: not pinned */
	pid_t reader_tid;
	long reader_passes;
	pthread_t reader;
	atomic_int populated;		/* the whole region written once: reads see no zero page */
};

static struct region regions[MAX_REGIONS];
static int nr_regions;
static unsigned long page_size;
static double duration = -1;	/* seconds; <0: use passes */
static long passes = 1;
static atomic_int ready;
static volatile sig_atomic_t stop;
static pthread_barrier_t first_pass_done;

static void usage(FILE *f)
{
	fprintf(f,
		"USAGE: workload [--base ADDR] [--thp] [--ticker NCPUS] [--duration SEC | --passes N]\n"
		"                --region MODE:SIZE[@CPU][,node=N][,thp=on|off|none][,shm][,duty=A/P]\n"
		"                         [,scatter=N/SIZE][,seed=S][,reader=CPU]...\n"
		"  MODE r (read), w (write), p (populated, then read), c (cold: written once),\n"
		"  n (never touched), f (fault churn, writes), q (fault churn, reads),\n"
		"  s (scattered: N hot chunks in a cold region, half written, half read);\n"
		"  SIZE in bytes with K/M/G; CPU pins the region's thread.\n"
		"  node=N: first touch on NUMA node N (mbind), then the default policy again;\n"
		"  thp=on|off|none: MADV_HUGEPAGE, MADV_NOHUGEPAGE (default) or neither.\n"
		"  shm: shared memory (a memfd, MAP_SHARED) instead of anonymous memory.\n"
		"  duty=A/P: passes only during the first A ms of every P ms (a warm region).\n"
		"  scatter=N/SIZE (default 8/1M), seed=S (default 1): mode s's chunks, at random\n"
		"  places drawn from S; written by the region's thread, read by one on reader=CPU.\n"
		"EXAMPLES:\n"
		"  workload --region r:4M@0 --region w:4M@1 --duration 10\n"
		"  workload --region w:8M --region c:32M --duration 60\n"
		"  workload --region w:8M,node=1 --region c:32M,node=0 --duration 60\n"
		"  workload --region w:8M,thp=none --region c:8M,thp=none --duration 60\n"
		"  workload --ticker 2 --region s:256M@0,scatter=8/1M,seed=1,reader=1 --duration 60\n");
}

static int parse_size(const char *s, unsigned long *out, char **end)
{
	unsigned long v;

	errno = 0;
	v = strtoul(s, end, 0);
	if (errno || *end == s)
		return -1;
	switch (**end) {
	case 'G': v <<= 10; /* fall through */
	case 'M': v <<= 10; /* fall through */
	case 'K': v <<= 10; (*end)++; break;
	}
	*out = v;
	return 0;
}

static int parse_region(const char *arg)
{
	bool scatter = false;
	struct region *r;
	char *end;

	if (nr_regions == MAX_REGIONS) {
		fprintf(stderr, "workload: at most %d regions\n", MAX_REGIONS);
		return -1;
	}
	r = &regions[nr_regions];
	if (!strchr("rwpcnfqs", arg[0]) || arg[1] != ':')
		goto bad;
	r->mode = arg[0];
	if (parse_size(arg + 2, &r->size, &end) || r->size == 0)
		goto bad;
	r->size = (r->size + page_size - 1) & ~(page_size - 1);
	r->cpu = -1;
	r->node = -1;
	r->thp = THP_GLOBAL;
	r->nr_chunks = 8;
	r->chunk_size = 1UL << 20;
	r->seed = 1;
	r->reader_cpu = -1;
	if (*end == '@') {
		const char *c = end + 1;

		errno = 0;
		r->cpu = strtol(c, &end, 10);
		if (errno || end == c || r->cpu < 0)
			goto bad;
	}
	while (*end == ',') {
		const char *o = end + 1;

		if (!strncmp(o, "node=", 5) && isdigit((unsigned char)o[5])) {
			errno = 0;
			r->node = strtol(o + 5, &end, 10);
			if (errno || r->node >= MAX_NODES)
				goto bad;
		} else if (!strncmp(o, "duty=", 5) && isdigit((unsigned char)o[5])) {
			errno = 0;
			r->duty_active = strtod(o + 5, &end) / 1000;
			if (errno || *end != '/')
				goto bad;
			o = end + 1;
			r->duty_period = strtod(o, &end) / 1000;
			if (errno || end == o || r->duty_active <= 0 ||
			    r->duty_period < r->duty_active)
				goto bad;
		} else if (!strncmp(o, "thp=on", 6) && (o[6] == ',' || !o[6])) {
			r->thp = THP_ON;
			end = (char *)o + 6;
		} else if (!strncmp(o, "thp=off", 7) && (o[7] == ',' || !o[7])) {
			r->thp = THP_OFF;
			end = (char *)o + 7;
		} else if (!strncmp(o, "thp=none", 8) && (o[8] == ',' || !o[8])) {
			r->thp = THP_NONE;
			end = (char *)o + 8;
		} else if (!strncmp(o, "shm", 3) && (o[3] == ',' || !o[3])) {
			r->shm = true;
			end = (char *)o + 3;
		} else if (!strncmp(o, "scatter=", 8) && isdigit((unsigned char)o[8])) {
			errno = 0;
			r->nr_chunks = strtol(o + 8, &end, 10);
			if (errno || *end != '/' || r->nr_chunks < 1 || r->nr_chunks > MAX_CHUNKS ||
			    parse_size(end + 1, &r->chunk_size, &end) || !r->chunk_size)
				goto bad;
			scatter = true;
		} else if (!strncmp(o, "seed=", 5) && isdigit((unsigned char)o[5])) {
			errno = 0;
			r->seed = strtoull(o + 5, &end, 0);
			if (errno)
				goto bad;
			scatter = true;
		} else if (!strncmp(o, "reader=", 7) && isdigit((unsigned char)o[7])) {
			errno = 0;
			r->reader_cpu = strtol(o + 7, &end, 10);
			if (errno)
				goto bad;
			scatter = true;
		} else {
			goto bad;
		}
	}
	if (*end)
		goto bad;
	if (scatter && r->mode != 's') {
		fprintf(stderr, "workload: '%s': scatter=, seed= and reader= are options of mode s\n",
			arg);
		return -1;
	}
	r->chunk_size = (r->chunk_size + page_size - 1) & ~(page_size - 1);
	if (r->mode == 's' && r->nr_chunks * r->chunk_size > r->size / 2) {
		fprintf(stderr, "workload: '%s': %d chunks of %lu bytes fill more than half of the "
			"region (make it larger, or the chunks fewer or smaller)\n", arg,
			r->nr_chunks, r->chunk_size);
		return -1;
	}
	nr_regions++;
	return 0;
bad:
	fprintf(stderr, "workload: bad region '%s' (MODE:SIZE[@CPU][,node=N][,thp=on|off|none]"
		"[,shm][,duty=A/P][,scatter=N/SIZE][,seed=S][,reader=CPU], e.g. r:4M@0,node=1)\n",
		arg);
	return -1;
}

static unsigned long long splitmix64(unsigned long long *x)
{
	unsigned long long z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int cmp_chunk(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Mode s: the chunks' places, drawn from the seed alone (the same layout every run), page
 * aligned and not overlapping; chunk i in the order drawn is written when i is even.  Then
 * in address order.
 */
static int scatter_layout(struct region *r)
{
	unsigned long slots = (r->size - r->chunk_size) / page_size + 1, off = 0;
	unsigned long long x = r->seed;
	int i, j, tries;

	for (i = 0; i < r->nr_chunks; i++) {
		for (tries = 0; tries < 100000; tries++) {
			off = splitmix64(&x) % slots * page_size;
			for (j = 0; j < i; j++)
				if (off < r->chunks[j].off + r->chunk_size &&
				    r->chunks[j].off < off + r->chunk_size)
					break;
			if (j == i)
				break;
		}
		if (tries == 100000) {
			fprintf(stderr, "workload: no room for chunk %d of %lu bytes\n", i,
				r->chunk_size);
			return -1;
		}
		r->chunks[i] = (struct chunk){ off, i % 2 == 0 };
	}
	qsort(r->chunks, r->nr_chunks, sizeof(*r->chunks), cmp_chunk);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void touch_range(char *start, unsigned long size, bool write, long pass)
{
	volatile char *p;

	/* A pure store: reading first would map the zero page and fault twice. */
	for (p = start; p < start + size; p += page_size) {
		if (write)
			*p = (char)pass;
		else
			(void)*p;
	}
}

static void touch(struct region *r, bool write, long pass)
{
	touch_range(r->start, r->size, write, pass);
}

/* Mode s: the written chunks (write) or the read ones. */
static void touch_chunks(struct region *r, bool write, long pass)
{
	int i;

	for (i = 0; i < r->nr_chunks; i++)
		if (r->chunks[i].write == write)
			touch_range(r->start + r->chunks[i].off, r->chunk_size, write, pass);
}

/* mbind(2) of a region's range: MPOL_BIND to its node, or MPOL_DEFAULT. */
static int set_policy(struct region *r, int mode)
{
	unsigned long mask[MAX_NODES / (8 * sizeof(unsigned long))] = { 0 };

	if (mode == WL_MPOL_BIND)
		mask[r->node / (8 * sizeof(unsigned long))] |= 1UL << (r->node % (8 * sizeof(unsigned long)));
	if (syscall(SYS_mbind, r->start, r->size, mode, mode == WL_MPOL_BIND ? mask : NULL,
		    mode == WL_MPOL_BIND ? MAX_NODES + 1 : 0, 0)) {
		fprintf(stderr, "workload: mbind(%s, node %d) at %p: %s\n",
			mode == WL_MPOL_BIND ? "MPOL_BIND" : "MPOL_DEFAULT", r->node, r->start,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "workload: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		exit(2);
	}
}

/* One pass after the first: what the mode (in mode s: the thread's half) touches. */
static void pass_once(struct region *r, bool reader, long pass)
{
	if (r->mode == 's') {
		touch_chunks(r, !reader, pass);
		return;
	}
	if (r->mode == 'f' || r->mode == 'q')
		madvise(r->start, r->size, MADV_DONTNEED);
	touch(r, r->mode == 'w' || r->mode == 'f', pass);	/* p: reads from now on */
}

/* The passes until --duration ends (or --passes are done); *done counts them. */
static void passes_loop(struct region *r, bool reader, long *done)
{
	double end, t0;
	long pass;

	*done = 1;
	if (r->mode == 'c' || r->mode == 'n')
		return;
	t0 = now();
	end = t0 + duration;
	for (pass = 1; !stop; pass++) {
		if (duration < 0 ? pass >= passes : now() >= end)
			break;
		if (r->duty_period > 0) {
			double t = now(), phase = t - t0 - (long)((t - t0) / r->duty_period) * r->duty_period;

			if (phase >= r->duty_active) {
				/* Idle part of the period: spin, touch nothing, then look again. */
				double until = t + r->duty_period - phase;

				while (!stop && now() < until && (duration < 0 || now() < end))
					;
				pass--;
				continue;
			}
		}
		pass_once(r, reader, pass);
		*done = pass + 1;
	}
}

static void *region_thread(void *arg)
{
	struct region *r = arg;

	r->tid = syscall(SYS_gettid);
	pin(r->cpu);
	/* First pass: exactly one fault a page, of the kind the mode says. */
	switch (r->mode) {
	case 'r':
	case 'q':
		touch(r, false, 0);
		r->read_faults = r->size / page_size;
		break;
	case 'w':
	case 'c':
	case 'p':
	case 'f':
	case 's':
		/* A write to an untouched page faults once, as a write (no zero page). */
		touch(r, true, 0);
		r->write_faults = r->size / page_size;
		break;
	}
	/* Placed: from now on the default policy, so that migrations keep what they moved. */
	if (r->node >= 0 && set_policy(r, WL_MPOL_DEFAULT))
		exit(2);
	if (r->mode == 's') {
		atomic_store(&r->populated, 1);
		touch_chunks(r, true, 0);	/* populated: no fault */
	}
	pthread_barrier_wait(&first_pass_done);
	while (!atomic_load(&ready))
		;
	passes_loop(r, false, &r->passes);
	return NULL;
}

/* Mode s: the second thread, which reads the chunks that are not written. */
static void *reader_thread(void *arg)
{
	struct region *r = arg;

	r->reader_tid = syscall(SYS_gettid);
	pin(r->reader_cpu);
	/* After the whole region is written once: a read then faults no zero page in. */
	while (!atomic_load(&r->populated))
		;
	touch_chunks(r, false, 0);
	pthread_barrier_wait(&first_pass_done);
	while (!atomic_load(&ready))
		;
	passes_loop(r, true, &r->reader_passes);
	return NULL;
}

static pid_t tickers[64];
static int nr_tickers;

static void start_tickers(int n)
{
	int cpu;

	for (cpu = 0; cpu < n && cpu < 64; cpu++) {
		pid_t pid = fork();

		if (pid == 0) {
			cpu_set_t set;
			struct timespec ms = { 0, 1000000 };

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				nanosleep(&ms, NULL);
		}
		if (pid > 0)
			tickers[nr_tickers++] = pid;
	}
}

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "region", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "passes", required_argument, NULL, 'p' },
		{ "thp", no_argument, NULL, 't' },
		{ "ticker", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long base = 0x600000000000UL, addr;
	unsigned long max_cpu = 0, i;
	int nr_threads = 0, c, k;
	double started;
	bool thp = false;
	long ticker = 0;
	char *end;

	page_size = sysconf(_SC_PAGESIZE);
	while ((c = getopt_long(argc, argv, "b:r:d:p:thk:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			errno = 0;
			base = strtoul(optarg, &end, 0);
			if (errno || *end || base % SZ_2M) {
				fprintf(stderr, "workload: --base must be a 2 MiB-aligned address\n");
				return 1;
			}
			break;
		case 'r':
			if (parse_region(optarg))
				return 1;
			break;
		case 'd':
			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || duration < 0) {
				fprintf(stderr, "workload: bad --duration '%s'\n", optarg);
				return 1;
			}
			break;
		case 'p':
			errno = 0;
			passes = strtol(optarg, &end, 10);
			if (errno || *end || passes < 1) {
				fprintf(stderr, "workload: bad --passes '%s'\n", optarg);
				return 1;
			}
			break;
		case 't':
			thp = true;
			break;
		case 'k':
			errno = 0;
			ticker = strtol(optarg, &end, 10);
			if (errno || *end || ticker < 0) {
				fprintf(stderr, "workload: bad --ticker '%s'\n", optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!nr_regions || optind != argc) {
		usage(stderr);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	addr = base;
	for (i = 0; i < (unsigned long)nr_regions; i++) {
		struct region *r = &regions[i];
		int fd = r->shm ? memfd_create("workload", MFD_CLOEXEC) : -1;
		void *p;

		if (r->shm && (fd < 0 || ftruncate(fd, r->size))) {
			fprintf(stderr, "workload: memfd of %lu bytes: %s\n", r->size, strerror(errno));
			return 1;
		}
		p = mmap((void *)addr, r->size, PROT_READ | PROT_WRITE,
			 (r->shm ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS) | MAP_FIXED_NOREPLACE,
			 fd, 0);
		if (fd >= 0)
			close(fd);
		if (p == MAP_FAILED || p != (void *)addr) {
			fprintf(stderr, "workload: mmap at %#lx: %s\n", addr, strerror(errno));
			return 1;
		}
		if (r->thp == THP_GLOBAL)
			r->thp = thp ? THP_ON : THP_OFF;
		if (r->thp != THP_NONE &&
		    madvise(p, r->size, r->thp == THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
			fprintf(stderr, "workload: madvise at %#lx: %s\n", addr, strerror(errno));
			return 1;
		}
		r->start = p;
		if (r->node >= 0 && set_policy(r, WL_MPOL_BIND))
			return 1;
		if (r->mode == 's' && scatter_layout(r))
			return 1;
		nr_threads += r->mode == 's' ? 2 : 1;
		if (r->cpu >= 0 && (unsigned long)r->cpu + 1 > max_cpu)
			max_cpu = r->cpu + 1;
		/* Next region after a gap of at least 2 MiB, 2 MiB-aligned. */
		addr = (addr + r->size + 2 * SZ_2M - 1) & ~(SZ_2M - 1);
	}

	start_tickers(ticker);
	pthread_barrier_init(&first_pass_done, NULL, nr_threads + 1);
	for (i = 0; i < (unsigned long)nr_regions; i++) {
		pthread_create(&regions[i].thread, NULL, region_thread, &regions[i]);
		if (regions[i].mode == 's')
			pthread_create(&regions[i].reader, NULL, reader_thread, &regions[i]);
	}
	pthread_barrier_wait(&first_pass_done);

	printf("{\"pid\": %d, \"page_size\": %lu, \"regions\": [", getpid(), page_size);
	for (i = 0; i < (unsigned long)nr_regions; i++) {
		struct region *r = &regions[i];

		printf("%s{\"mode\": \"%c\", \"start\": %lu, \"end\": %lu, \"cpu\": %d, \"tid\": %d, "
		       "\"read_faults\": %lu, \"write_faults\": %lu, \"node\": %d, \"thp\": \"%s\", "
		       "\"shm\": %s",
		       i ? ", " : "", r->mode, (unsigned long)r->start, (unsigned long)r->start + r->size,
		       r->cpu, r->tid, r->read_faults, r->write_faults, r->node, thp_names[r->thp],
		       r->shm ? "true" : "false");
		if (r->mode == 's') {
			printf(", \"seed\": %llu, \"chunks\": [", r->seed);
			for (k = 0; k < r->nr_chunks; k++) {
				struct chunk *ch = &r->chunks[k];
				unsigned long a = (unsigned long)r->start + ch->off;

				printf("%s{\"start\": %lu, \"end\": %lu, \"cpu\": %d, \"tid\": %d, "
				       "\"write\": %s}", k ? ", " : "", a, a + r->chunk_size,
				       ch->write ? r->cpu : r->reader_cpu,
				       ch->write ? r->tid : r->reader_tid,
				       ch->write ? "true" : "false");
			}
			printf("]");
		}
		printf("}");
	}
	printf("]}\n");
	fflush(stdout);
	started = now();
	atomic_store(&ready, 1);

	for (i = 0; i < (unsigned long)nr_regions; i++) {
		pthread_join(regions[i].thread, NULL);
		if (regions[i].mode == 's') {
			pthread_join(regions[i].reader, NULL);
			if (regions[i].reader_passes < regions[i].passes)
				regions[i].passes = regions[i].reader_passes;
		}
	}
	/* Regions that need no passes (c, n) still live until --duration ends. */
	while (duration >= 0 && !stop && now() < started + duration) {
		struct timespec ms = { 0, 10000000 };

		nanosleep(&ms, NULL);
	}
	/* Throughput, for benchmarks: passes per region. */
	printf("{\"passes\": [");
	for (i = 0; i < (unsigned long)nr_regions; i++)
		printf("%s%ld", i ? ", " : "", regions[i].passes);
	printf("]}\n");
	fflush(stdout);
	for (c = 0; c < nr_tickers; c++) {
		kill(tickers[c], SIGKILL);
		waitpid(tickers[c], NULL, 0);
	}
	return 0;
}
