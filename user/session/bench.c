// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf bench (see session/bench.h): each phase forks the churn child, attaches what the
 * phase measures (nothing, the empty program, the reporter, or the reporter into our
 * kdamond, under an owner record like every session's, with or without map aggregation), lets it churn, and removes it all.
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
#include <time.h>
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

static volatile sig_atomic_t churn_stop;

static void churn_on_term(int sig)
{
	churn_stop = 1;
}

/* The child: churn faults on CPU 0 until SIGTERM, then write its page count to fd. */
static void churn(int go_fd, int out_fd, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long faults = 0;
	cpu_set_t set;
	char *p, c;
	size_t off;

	signal(SIGTERM, churn_on_term);
	signal(SIGINT, SIG_IGN);	/* the loader decides when the child ends */
	signal(SIGHUP, SIG_IGN);
	/* A loader killed by SIGKILL must not leave the churn running. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || read(go_fd, &c, 1) != 1)
		_exit(1);
	madvise(p, size, MADV_NOHUGEPAGE);
	while (!churn_stop) {
		for (off = 0; off < size; off += page)
			((volatile char *)p)[off] = 1;
		faults += size / page;
		if (madvise(p, size, MADV_DONTNEED))
			_exit(2);
	}
	if (write(out_fd, &faults, sizeof(faults)) != sizeof(faults))
		_exit(3);
	_exit(0);
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

/* One phase's run: the churn child and what is attached to it. */
struct phase_run {
	pid_t child;
	int go, out;			/* pipes: start the churn; its fault count */
	struct bench_bpf *bench;
	struct reporter rep;
	struct damon_session ds;
	struct session_file sf;
	bool claimed;
	char name[32];
	struct bpf_program *prog;	/* the program measured, NULL: none */
};

static int fork_churn(struct phase_run *p, const struct bench_args *a)
{
	int go[2], out[2];

	if (pipe(go) || pipe(out))
		return err("pipe: %s", strerror(errno));
	p->child = fork();
	if (p->child < 0)
		return err("fork: %s", strerror(errno));
	if (p->child == 0) {
		close(go[1]);
		close(out[0]);
		churn(go[0], out[1], a->size);
	}
	close(go[0]);
	close(out[1]);
	p->go = go[1];
	p->out = out[0];
	return 0;
}

/* The kfunc phase's kdamond: vaddr on the child, page_fault primitive, an owner record. */
static int claim_damon(struct phase_run *p)
{
	struct damon_ctx_cfg c;

	damon_ctx_defaults(&c);
	c.pids[c.nr_pids++] = p->child;
	c.page_table = false;
	c.page_fault = true;
	snprintf(p->name, sizeof(p->name), "bench-%d", getpid());
	session_file_init(&p->sf, "bench");
	p->sf.first_pid = p->child;
	snprintf(p->sf.desc, sizeof(p->sf.desc), "bench: kfunc phase on pid %d", p->child);
	if (session_claim(p->name, &p->sf, &p->ds))
		return -1;
	p->claimed = true;
	return damon_apply(&p->ds, &c) || damon_start(&p->ds) ||
	       session_started(p->name, &p->sf, &p->ds) ? -1 : 0;
}

static int attach(struct phase_run *p, enum phase ph)
{
	struct reporter_opts o = { .fault = true, .tgids = &p->child, .nr_tgids = 1,
				   .no_kfunc = ph == PH_FALLBACK,
				   .aggregate = ph == PH_FALLBACK || ph == PH_KFUNC_MAP };
	bool kfunc = ph == PH_KFUNC || ph == PH_KFUNC_MAP;

	if (ph == PH_EMPTY) {
		p->bench = bench_bpf__open_and_load();
		if (!p->bench || bench_bpf__attach(p->bench))
			return err("loading the empty program: %s", strerror(errno));
		p->prog = p->bench->progs.empty_fault;
		return 0;
	}
	if (ph == PH_OFF)
		return 0;
	if (kfunc && claim_damon(p))
		return -1;
	if (ph == PH_KFUNC_MAP)
		o.bucket_shift = 12;	/* the pages 'monitor' attributed to DAMON's regions */
	if (reporter_start(&p->rep, &o))
		return -1;
	p->prog = p->rep.skel->progs.fault_btf;
	if (!bpf_program__autoload(p->prog))
		p->prog = p->rep.skel->progs.fault_raw;
	return 0;
}

/* Lets the child churn for the duration; adds its faults and the program's cost to res. */
static int measure(struct phase_run *p, const struct bench_args *a, struct bench_result *res)
{
	struct prog_stat before = {}, after = {};
	struct timespec t0, t1;
	uint64_t faults = 0;

	prog_stat(p->prog, &before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (write(p->go, "g", 1) != 1)
		return -1;
	sleep_until(monotonic_s() + a->duration_us / 1e6);
	if (exiting)
		return -1;
	kill(p->child, SIGTERM);
	if (read(p->out, &faults, sizeof(faults)) != sizeof(faults))
		return err("the churn child died");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	prog_stat(p->prog, &after);
	res->faults += faults;
	res->secs += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	res->ns += after.ns - before.ns;
	res->cnt += after.cnt - before.cnt;
	res->ran = true;
	return 0;
}

static int run_phase(enum phase ph, const struct bench_args *a, struct bench_result *res)
{
	struct phase_run p = { .ds.kdamond = -1 };
	int status, ret;

	if (fork_churn(&p, a))
		return -1;
	ret = attach(&p, ph) || measure(&p, a, res) ? -1 : 0;
	/*
	 * DAMON first, while its target lives: a kdamond whose last target died exits by itself,
	 * and an 'off' racing with that exit fails with EPERM (what bench used to print).
	 */
	if (p.claimed)
		session_end(p.name, &p.ds);
	reporter_stop(&p.rep);
	bench_bpf__destroy(p.bench);
	close(p.go);
	close(p.out);
	kill(p.child, SIGKILL);
	waitpid(p.child, &status, 0);
	return ret;
}

int bench_run(const struct bench_args *a)
{
	struct bench_result res[NR_PHASES] = {};
	int stats_fd, r, ph;
	char buf[64];
	bool damon_free;

	if (geteuid() != 0)
		return err("bench needs root"), 1;
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		return err("enabling BPF run-time statistics: %s", strerror(errno)), 1;
	damon_free = read_file(DAMON_ADMIN "/kdamonds/nr_kdamonds", buf, sizeof(buf)) > 0 &&
		     atoi(buf) == 0;
	if (!kernel_has_kfunc())
		res[PH_KFUNC].why = "no kfunc in this kernel";
	else if (!damon_free)
		res[PH_KFUNC].why = "DAMON sysfs is not free";
	res[PH_KFUNC_MAP].why = res[PH_KFUNC].why;
	for (r = 0; r < a->rounds && !exiting; r++) {
		for (ph = 0; ph < NR_PHASES && !exiting; ph++) {
			if (res[ph].why)
				continue;
			if (run_phase(ph, a, &res[ph]) && !exiting) {
				close(stats_fd);
				return EXIT_RUNTIME;
			}
		}
	}
	close(stats_fd);
	if (exiting)
		return err("bench interrupted: no results (everything it attached is removed)"),
		       EXIT_RUNTIME;
	bench_print(res, a->duration_us / 1e6, a->rounds, a->json);
	return out_flush(stdout) ? EXIT_RUNTIME : 0;
}
