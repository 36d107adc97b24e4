// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf bench (see session/bench.h): forks the workload child once, then for each phase
 * attaches what the phase measures (nothing, the empty program, a reporter, a kdamond of
 * ours under an owner record like every session's), counts the child's work over the
 * phase, and removes it all.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.skel.h"
#include "bpf/reporter.h"
#include "damon/damon.h"
#include "lib/util.h"
#include "reporter.skel.h"
#include "session/bench.h"
#include "session/session.h"
#include "spec/spec.h"
#include "view/bench.h"

/* Before each phase's count starts: DAMON's first regions split, programs warm. */
#define SETTLE_S 0.5

static const struct bench_phase churn_phases[] = {
	{ "off" },
	{ "empty", .empty = true },
	{ "fallback", .fault = true, .maps = true },
	{ "kfunc", .fault = true, .page_fault = true },
	{ "kfunc+map", .fault = true, .page_fault = true, .map_pages = true },
};

static const struct bench_phase compute_phases[] = {
	{ "off" },
	{ "pte", .page_table = true },
	{ "fault", .page_fault = true },
	{ "fault+bpf", .fault = true, .page_fault = true },
	{ "perf", .perf = true, .page_fault = true },
};

/* churn: drops the region and writes each page again, one write fault a page. */
static void work_churn(char *p, size_t size, uint64_t *count)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t off;

	for (;;) {
		for (off = 0; off < size; off += page)
			((volatile char *)p)[off] = 1;
		__atomic_fetch_add(count, size / page, __ATOMIC_RELAXED);
		if (madvise(p, size, MADV_DONTNEED))
			_exit(2);
	}
}

/*
 * compute: an operation reads a random word of the working set, computes on it (32 rounds of
 * a 64-bit LCG) and writes it back; random words so that every page stays hot.
 */
static void work_compute(char *p, size_t size, uint64_t *count)
{
	uint64_t *w = (uint64_t *)p, x = 88172645463325252ULL, v;
	size_t nr = size / sizeof(*w), i;
	int k;

	for (;;) {
		for (i = 0; i < 1024; i++) {
			x ^= x << 13;		/* xorshift64: the next word */
			x ^= x >> 7;
			x ^= x << 17;
			v = w[x % nr];
			for (k = 0; k < 32; k++)
				v = v * 6364136223846793005ULL + 1442695040888963407ULL;
			w[x % nr] = v;
		}
		__atomic_fetch_add(count, 1024, __ATOMIC_RELAXED);
	}
}

/* The child: the workload on CPU 0 until the loader kills it; its count in shared memory. */
static void child_main(const struct bench_args *a, uint64_t *count, int ready_fd)
{
	cpu_set_t set;
	char *p;

	signal(SIGINT, SIG_IGN);	/* the loader decides when the child ends */
	signal(SIGHUP, SIG_IGN);
	/* A loader killed by SIGKILL must not leave the workload running. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	p = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	madvise(p, a->size, MADV_NOHUGEPAGE);
	if (a->workload == BENCH_COMPUTE) {
		memset(p, 0, a->size);
		if (write(ready_fd, "r", 1) != 1)
			_exit(3);
		work_compute(p, a->size, count);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(3);
	work_churn(p, a->size, count);
}

struct child {
	pid_t pid;
	uint64_t *count;		/* shared with the child: its work so far */
};

static int start_child(struct child *c, const struct bench_args *a)
{
	int ready[2];
	char r;

	c->count = mmap(NULL, sizeof(*c->count), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->count == MAP_FAILED)
		return c->count = NULL, err("mmap: %s", strerror(errno));
	if (pipe(ready))
		return err("pipe: %s", strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		return err("fork: %s", strerror(errno));
	if (c->pid == 0) {
		close(ready[0]);
		child_main(a, c->count, ready[1]);
	}
	close(ready[1]);
	r = read(ready[0], &r, 1) == 1;
	close(ready[0]);
	if (!r && !exiting)
		return err("the workload child died before it started (out of memory?)");
	return r ? 0 : -1;
}

static void stop_child(struct child *c)
{
	int status;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &status, 0);
	}
	if (c->count)
		munmap(c->count, sizeof(*c->count));
}

static bool child_alive(const struct child *c)
{
	int status;

	return waitpid(c->pid, &status, WNOHANG) == 0;
}

struct prog_stat {
	uint64_t ns, cnt;
};

static void prog_stat(struct bpf_program *p, struct prog_stat *s)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (p && !bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
		s->ns = info.run_time_ns;
		s->cnt = info.run_cnt;
	}
}

/* What one phase attached. */
struct phase_run {
	struct bench_bpf *bench;
	struct reporter rep;
	struct damon_session ds;
	struct session_file sf;
	bool claimed;
	char name[32];
	struct bpf_program *prog;	/* the program measured, NULL: none */
	struct damon_ctx_cfg c;
};

/* A kdamond of ours: vaddr on the child with the phase's primitives, an owner record. */
static int claim_damon(struct phase_run *p, const struct bench_phase *ph, pid_t child)
{
	struct damon_ctx_cfg *c = &p->c;

	damon_ctx_defaults(c);
	c->pids[c->nr_pids++] = child;
	c->page_table = ph->page_table;
	c->page_fault = ph->page_fault;
	c->nr_schemes = 1;		/* stat: its tried regions count the regions */
	c->schemes[0] = (struct damon_scheme_cfg){
		.action = "stat",
		.pattern = { 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX },
		.target_nid = -1,
	};
	snprintf(p->name, sizeof(p->name), "bench-%d", getpid());
	session_file_init(&p->sf, "bench");
	p->sf.first_pid = child;
	snprintf(p->sf.desc, sizeof(p->sf.desc), "bench: %s phase on pid %d", ph->name, child);
	if (session_claim(p->name, &p->sf, &p->ds))
		return -1;
	p->claimed = true;
	return damon_apply(&p->ds, c) || damon_start(&p->ds) ||
	       session_started(p->name, &p->sf, &p->ds) ? -1 : 0;
}

static int attach(struct phase_run *p, const struct bench_phase *ph, pid_t child)
{
	struct reporter_opts o = { .fault = ph->fault, .perf = ph->perf, .tgids = &child,
				   .nr_tgids = 1, .no_kfunc = ph->maps,
				   .aggregate = ph->maps || ph->map_pages };

	/* the pages 'monitor' attributed to DAMON's regions before probes did it */
	if (ph->map_pages)
		o.bucket_shift = 12;

	if (ph->empty) {
		p->bench = bench_bpf__open_and_load();
		if (!p->bench || bench_bpf__attach(p->bench))
			return err("loading the empty program: %s", strerror(errno));
		p->prog = p->bench->progs.empty_fault;
		return 0;
	}
	if ((ph->page_table || ph->page_fault) && claim_damon(p, ph, child))
		return -1;
	if (!ph->fault && !ph->perf)
		return 0;
	if (reporter_start(&p->rep, &o))
		return -1;
	if (ph->perf)
		p->prog = p->rep.skel->progs.on_sample;
	else if (bpf_program__autoload(p->rep.skel->progs.fault_btf))
		p->prog = p->rep.skel->progs.fault_btf;
	else
		p->prog = p->rep.skel->progs.fault_raw;
	return 0;
}

/* The regions of our kdamond (its stat scheme's tried regions), 0 if unknown. */
static double nr_regions(struct phase_run *p)
{
	struct damon_region *regs = NULL;
	int n = 0;

	if (damon_regions(&p->ds, 0, &regs, &n))
		return 0;
	free(regs);
	return n;
}

/* Counts the child's work over the duration, with the kdamond's CPU time and the program's. */
static int measure(struct phase_run *p, const struct child *c, const struct bench_args *a,
		   struct bench_sample *s)
{
	struct prog_stat before = {}, after = {};
	int kd = p->claimed ? damon_kdamond_pid(&p->ds) : -1;
	double t0, kd0, w0;

	sleep_until(monotonic_s() + SETTLE_S);
	prog_stat(p->prog, &before);
	kd0 = proc_cpu_ns(kd);
	w0 = __atomic_load_n(c->count, __ATOMIC_RELAXED);
	t0 = monotonic_s();
	sleep_until(t0 + a->duration_us / 1e6);
	if (exiting)
		return -1;
	s->work = __atomic_load_n(c->count, __ATOMIC_RELAXED) - w0;
	s->secs = monotonic_s() - t0;
	s->kd_ns = kd0 >= 0 ? proc_cpu_ns(kd) - kd0 : -1;
	prog_stat(p->prog, &after);
	s->ns = after.ns - before.ns;
	s->cnt = after.cnt - before.cnt;
	if (!child_alive(c))
		return err("the workload child died");
	if (kd0 >= 0 && s->kd_ns < 0)
		return err("kdamond %d: its CPU time is unreadable (did it exit?)", kd);
	if (p->claimed) {
		/* the kdamond sleeps one sampling interval after each sample's work */
		s->samples = (s->secs - (s->kd_ns > 0 ? s->kd_ns / 1e9 : 0)) /
			     (p->c.sample_us / 1e6);
		s->nr_regions = nr_regions(p);
	}
	return 0;
}

static int run_phase(struct bench_report *rep, int i, const struct child *c,
		     const struct bench_args *a)
{
	struct bench_result *res = &rep->res[i];
	struct phase_run p = { .ds.kdamond = -1 };
	int ret;

	ret = attach(&p, &res->ph, c->pid) || measure(&p, c, a, &res->s[res->n]) ? -1 : 0;
	if (!ret)
		res->n++;
	if (!ret && res->ph.perf && !rep->perf_desc[0])
		snprintf(rep->perf_desc, sizeof(rep->perf_desc), "%s", p.rep.perf.desc);
	/* DAMON first: its owner record goes with it */
	if (p.claimed)
		session_end(p.name, &p.ds);
	reporter_stop(&p.rep);
	bench_bpf__destroy(p.bench);
	return ret;
}

/* The phases of the workload, and why those that cannot run here do not. */
static void plan(struct bench_report *rep, const struct bench_args *a)
{
	const struct bench_phase *ph = a->workload == BENCH_COMPUTE ? compute_phases : churn_phases;
	bool kfunc = kernel_has_kfunc(), damon_free;
	char buf[64];
	int i;

	rep->nr = a->workload == BENCH_COMPUTE ? ARRAY_SIZE(compute_phases) :
		  ARRAY_SIZE(churn_phases);
	damon_free = read_file(DAMON_ADMIN "/kdamonds/nr_kdamonds", buf, sizeof(buf)) > 0 &&
		     atoi(buf) == 0;
	for (i = 0; i < rep->nr; i++) {
		struct bench_result *r = &rep->res[i];
		bool damon = ph[i].page_table || ph[i].page_fault;

		r->ph = ph[i];
		if (!kfunc && ph[i].perf) {
			r->ph.page_fault = false;
			r->ph.maps = true;
			r->note = "the reporter in maps, no DAMON (a kernel without the kfunc)";
		} else if (!kfunc && (ph[i].page_fault || (!ph[i].maps && ph[i].fault))) {
			r->why = "needs the patched kernel: no kfunc, no page-fault primitive";
		} else if (!kfunc && damon) {
			r->why = "a stock kernel: bench does not write its DAMON sysfs";
		} else if (damon && !damon_free) {
			r->why = "DAMON sysfs is not free";
		}
	}
}

/* Every round runs each phase once, the first one rotating: round r starts with phase r. */
static int run_rounds(struct bench_report *rep, const struct child *c, const struct bench_args *a)
{
	int r, k, i;

	for (r = 0; r < a->rounds && !exiting; r++) {
		for (k = 0; k < rep->nr && !exiting; k++) {
			i = (r + k) % rep->nr;
			if (rep->res[i].why)
				continue;
			if (run_phase(rep, i, c, a) && !exiting)
				return -1;
		}
	}
	return exiting ? -1 : 0;
}

int bench_run(const struct bench_args *a)
{
	struct bench_args args = *a;
	struct bench_report *rep;
	struct child c = {};
	int stats_fd, ret;

	if (geteuid() != 0)
		return err("bench needs root"), 1;
	if (!args.size)
		args.size = args.workload == BENCH_COMPUTE ? 64 << 20 : 2 << 20;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return err("out of memory"), EXIT_RUNTIME;
	rep->workload = args.workload == BENCH_COMPUTE ? "compute" : "churn";
	rep->unit = args.workload == BENCH_COMPUTE ? "ops" : "faults";
	rep->size = args.size;
	rep->duration_s = args.duration_us / 1e6;
	rep->rounds = args.rounds;
	plan(rep, &args);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		free(rep);
		return err("enabling BPF run-time statistics: %s", strerror(errno)), EXIT_RUNTIME;
	}
	ret = start_child(&c, &args) || run_rounds(rep, &c, &args) ? EXIT_RUNTIME : 0;
	stop_child(&c);
	close(stats_fd);
	if (exiting)
		err("bench interrupted: no results (everything it attached is removed)");
	else if (!ret)
		bench_print(rep, args.json);
	free(rep);
	return ret || out_flush(stdout) ? EXIT_RUNTIME : 0;
}
