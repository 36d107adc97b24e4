// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf bench: what the reporters cost.  A child process churns page faults (drops a
 * region with MADV_DONTNEED and writes it again, pinned to CPU 0) for --duration in each
 * phase; phases alternate over --rounds so that the machine's noise hits them alike:
 *
 *   off       nothing attached
 *   empty     an empty tp_btf program on page_fault_user (the hook's own cost)
 *   fallback  the fault reporter aggregating in maps (no kfunc)
 *   kfunc     the fault reporter calling bpf_damon_report_access() into a DAMON context of
 *             ours (vaddr on the child, page_fault primitive): only where the kernel has the
 *             kfunc and DAMON sysfs is free
 *
 * Printed side by side: faults per second and its ratio to 'off', and the programs' own
 * run_time_ns / run_cnt from BPF run-time statistics.
 */
#include <argp.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
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
#include "cli/commands.h"
#include "damon/damon.h"
#include "spec/spec.h"
#include "bpf/reporter.h"
#include "reporter.skel.h"
#include "lib/json.h"
#include "session/session.h"
#include "lib/util.h"

static const char doc[] =
"Measure the cost of the reporters on a fault-heavy workload.\n"
"\n"
"USAGE: damon-bpf bench [--duration 2s] [--rounds 3] [--size 2M] [--json]\n"
"\n"
"Phases (each --duration, alternated over --rounds): off, empty program on the hook,\n"
"fallback reporter (maps), kfunc reporter into a DAMON context (where the kernel has the\n"
"kfunc and DAMON sysfs is free).  Prints faults/s, the ratio to 'off', and ns per event of\n"
"each program (bpf_stats run_time_ns / run_cnt).\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf bench\n"
"  damon-bpf bench --duration 5s --rounds 5 --json\n"
EXIT_DOC;

enum phase { PH_OFF, PH_EMPTY, PH_FALLBACK, PH_KFUNC, NR_PHASES };
static const char *const phase_names[NR_PHASES] = { "off", "empty", "fallback", "kfunc" };

struct bench_args {
	uint64_t duration_us, size;
	long rounds;
	bool json;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct bench_args *a = state->input;

	switch (key) {
	case 'd':
		if (parse_duration_us(arg, &a->duration_us) || !a->duration_us)
			argp_error(state, "--duration %s: expected a time like 2s", arg);
		break;
	case 'r':
		if (parse_int(arg, 1, 100, &a->rounds))
			argp_error(state, "--rounds %s: 1 to 100", arg);
		break;
	case 's':
		if (parse_bytes(arg, &a->size) || a->size < 4096 || a->size > (1ULL << 30))
			argp_error(state, "--size %s: from 4096 bytes to 1GiB (e.g. 2M)", arg);
		break;
	case 'j':
		a->json = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

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

struct result {
	uint64_t faults, ns, cnt;
	double secs;
	bool ran;
	const char *why;	/* why the phase did not run */
};

static int run_phase(enum phase ph, const struct bench_args *a, bool kfunc, struct result *res)
{
	int go[2], out[2], status, ret = -1;
	struct bench_bpf *bench = NULL;
	struct damon_session ds = { .kdamond = -1 };
	struct reporter rep = {};
	struct session_file sf;
	bool claimed = false;
	char name[32];
	struct prog_stat before = {}, after = {};
	struct bpf_program *prog = NULL;
	struct timespec t0, t1;
	uint64_t faults = 0;
	pid_t child;

	if (pipe(go) || pipe(out))
		return err("pipe: %s", strerror(errno));
	child = fork();
	if (child < 0)
		return err("fork: %s", strerror(errno));
	if (child == 0) {
		close(go[1]);
		close(out[0]);
		churn(go[0], out[1], a->size);
	}
	close(go[0]);
	close(out[1]);

	if (ph == PH_EMPTY) {
		bench = bench_bpf__open_and_load();
		if (!bench || bench_bpf__attach(bench)) {
			err("loading the empty program: %s", strerror(errno));
			goto out;
		}
		prog = bench->progs.empty_fault;
	} else if (ph == PH_FALLBACK || ph == PH_KFUNC) {
		struct reporter_opts o = { .fault = true, .tgids = &child, .nr_tgids = 1,
					   .no_kfunc = ph == PH_FALLBACK, .aggregate = ph == PH_FALLBACK };

		if (ph == PH_KFUNC) {
			struct damon_ctx_cfg c;

			damon_ctx_defaults(&c);
			c.pids[c.nr_pids++] = child;
			c.page_table = false;
			c.page_fault = true;
			snprintf(name, sizeof(name), "bench-%d", getpid());
			session_file_init(&sf, "bench");
			sf.first_pid = child;
			snprintf(sf.desc, sizeof(sf.desc), "bench: kfunc phase on pid %d", child);
			if (session_claim(name, &sf, &ds))
				goto out;
			claimed = true;
			if (damon_apply(&ds, &c) || damon_start(&ds) || session_started(name, &sf, &ds))
				goto out;
		}
		if (reporter_start(&rep, &o))
			goto out;
		prog = rep.skel->progs.fault_btf;
		if (!bpf_program__autoload(prog))
			prog = rep.skel->progs.fault_raw;
	}
	prog_stat(prog, &before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (write(go[1], "g", 1) != 1)
		goto out;
	sleep_until(monotonic_s() + a->duration_us / 1e6);
	if (exiting)
		goto out;
	kill(child, SIGTERM);
	if (read(out[0], &faults, sizeof(faults)) != sizeof(faults)) {
		err("the churn child died");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	prog_stat(prog, &after);
	res->faults += faults;
	res->secs += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	res->ns += after.ns - before.ns;
	res->cnt += after.cnt - before.cnt;
	res->ran = true;
	ret = 0;
out:
	/*
	 * DAMON first, while its target lives: a kdamond whose last target died exits by itself,
	 * and an 'off' racing with that exit fails with EPERM (what bench used to print).
	 */
	if (claimed)
		session_end(name, &ds);
	reporter_stop(&rep);
	bench_bpf__destroy(bench);
	close(go[1]);
	close(out[0]);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "duration", 'd', "TIME", 0, "Length of each phase (default 2s)" },
		{ "rounds", 'r', "N", 0, "Rounds of all phases (default 3)" },
		{ "size", 's', "BYTES", 0, "Region the child churns (default 2M)" },
		{ "json", 'j', NULL, 0, "One JSON object" },
		{},
	};
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct bench_args a = { .duration_us = 2000000, .size = 2 << 20, .rounds = 3 };
	struct result res[NR_PHASES] = {};
	struct json_writer w = { .f = stdout, .compact = true };
	bool kfunc, damon_free;
	int stats_fd, r, ph;
	char buf[64];

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	if (geteuid() != 0)
		return err("bench needs root"), 1;
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		return err("enabling BPF run-time statistics: %s", strerror(errno)), 1;
	kfunc = kernel_has_kfunc();
	damon_free = read_file(DAMON_ADMIN "/kdamonds/nr_kdamonds", buf, sizeof(buf)) > 0 &&
		     atoi(buf) == 0;
	if (!kfunc)
		res[PH_KFUNC].why = "no kfunc in this kernel";
	else if (!damon_free)
		res[PH_KFUNC].why = "DAMON sysfs is not free";

	for (r = 0; r < a.rounds && !exiting; r++) {
		for (ph = 0; ph < NR_PHASES && !exiting; ph++) {
			if (res[ph].why)
				continue;
			if (run_phase(ph, &a, kfunc, &res[ph]) && !exiting) {
				close(stats_fd);
				return EXIT_RUNTIME;
			}
		}
	}
	close(stats_fd);
	if (exiting)
		return err("bench interrupted: no results (everything it attached is removed)"),
		       EXIT_RUNTIME;

	if (a.json) {
		jw_begin(&w, NULL, '{');
		jw_double(&w, "duration_s", a.duration_us / 1e6, 3);
		jw_int(&w, "rounds", a.rounds);
		jw_begin(&w, "phases", '{');
	}
	if (!a.json)
		printf("%-9s %14s %9s %12s  %s\n", "PHASE", "FAULTS/S", "VS OFF", "NS/EVENT",
		       "(BPF run_time_ns / run_cnt)");
	for (ph = 0; ph < NR_PHASES; ph++) {
		double rate = res[ph].ran ? res[ph].faults / res[ph].secs : 0;
		double off = res[PH_OFF].faults / res[PH_OFF].secs;
		double ns = res[ph].cnt ? (double)res[ph].ns / res[ph].cnt : 0;

		if (a.json) {
			jw_begin(&w, phase_names[ph], '{');
			if (!res[ph].ran) {
				jw_str(&w, "skipped", res[ph].why);
			} else {
				jw_double(&w, "faults_per_s", rate, 0);
				jw_double(&w, "ratio", rate / off, 4);
				jw_double(&w, "ns_per_event", ns, 1);
				jw_num(&w, "events", res[ph].cnt);
			}
			jw_end(&w, '}');
			continue;
		}
		if (!res[ph].ran) {
			printf("%-9s %14s   skipped: %s\n", phase_names[ph], "-", res[ph].why);
			continue;
		}
		printf("%-9s %14.0f %9.3f %12s\n", phase_names[ph], rate, rate / off,
		       ph == PH_OFF ? "-" : (snprintf(buf, sizeof(buf), "%.0f", ns), buf));
	}
	if (a.json) {
		jw_end(&w, '}');
		jw_end(&w, '}');
	}
	return out_flush(stdout) ? EXIT_RUNTIME : 0;
}
