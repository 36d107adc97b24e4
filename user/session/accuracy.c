// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf bench --workload accuracy (session/bench.h): each round starts the workload,
 * reads its ground truth (its first line), then runs each mode as a monitor session on it,
 * built from the mode's monitor command line and run by the runner as 'damon-bpf monitor'
 * runs it; every snapshot of the session is scored against the truth (view/accuracy.h)
 * instead of being shown.  The workload is stopped at the end of the round, however the
 * bench ends.  It runs without address-space randomisation unless --aslr: the size of the
 * address space DAMON monitors follows the layout, and its regions' size limit with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/reporter.h"
#include "damon/damon.h"
#include "lib/util.h"
#include "session/bench.h"
#include "session/runner.h"
#include "spec/spec.h"
#include "view/accuracy.h"

/* The modes: each a monitor command line, beside --pid PID --duration TIME. */
static const struct {
	const char *name, *args;
} modes[ACCURACY_MAX_MODES] = {
	{ "fault", "" },
	{ "cpus=0", "--cpus 0" },
	{ "cpus=1", "--cpus 1" },
	{ "write-only", "--write-only" },
	{ "pte", "--source pte" },
};

/* How long bench waits for the workload's first pass (populating its mapping) and truth. */
#define TRUTH_TIMEOUT_S 600

struct workload {
	pid_t pid;			/* the child we started (the truth names the workload) */
	int out;			/* its stdout */
};

/* A size as the workload takes it, in the largest of G, M and K that divides it. */
static const char *size_arg(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMG";
	int i = -1;

	while (i < 2 && v && !(v & 1023)) {
		v >>= 10;
		i++;
	}
	snprintf(buf, len, "%llu%.*s", (unsigned long long)v, i >= 0, i >= 0 ? &units[i] : "");
	return buf;
}

/* The default workload: tests/workloads/workload beside the loader, mode s on CPUs 0 and 1. */
static int default_command(const struct bench_args *a, char **argv, char *buf, size_t len)
{
	char exe[PATH_MAX], sz[32], ch[32], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	uint8_t online[DAMON_BPF_MAX_CPUS];
	int nr_cpus = online_cpus(online, DAMON_BPF_MAX_CPUS);
	double life;
	size_t off;

	if (n > 0)
		exe[n] = '\0';
	slash = n > 0 ? strrchr(exe, '/') : NULL;
	if (!slash)
		return err("cannot find the loader's own path (/proc/self/exe)");
	*slash = '\0';
	if (nr_cpus < 0 || !online[0] || !online[1])
		return err("the default workload writes on CPU 0 and reads on CPU 1, which are not "
			   "both online: give a workload after --");
	/* It outlives every mode by far; the bench stops it. */
	life = (double)a->rounds * ACCURACY_MAX_MODES * (a->duration_us / 1e6 + 60) + 600;
	off = snprintf(buf, len, "%s/workloads/workload", exe) + 1;
	argv[0] = buf;
	if (access(buf, X_OK))
		return err("%s: %s: bench --workload accuracy runs the test workload of the build "
			   "tree (tests/workloads/workload, built into build/workloads/ beside "
			   "build/damon-bpf): build it, or give a workload after --", buf,
			   strerror(errno));
	argv[1] = "--ticker";
	argv[2] = buf + off;
	off += snprintf(buf + off, len - off, "%d", nr_cpus) + 1;
	argv[3] = "--region";
	argv[4] = buf + off;
	off += snprintf(buf + off, len - off, "s:%s@0,scatter=%ld/%s,seed=%llu,reader=1",
			size_arg(a->size, sz, sizeof(sz)), a->nr_chunks,
			size_arg(a->chunk, ch, sizeof(ch)), (unsigned long long)a->seed) + 1;
	argv[5] = "--duration";
	argv[6] = buf + off;
	off += snprintf(buf + off, len - off, "%.0f", life) + 1;
	argv[7] = NULL;
	return off > len ? err("the workload's command line is too long") : 0;
}

/*
 * Forks and runs cmd with its stdout on a pipe, with the layout randomised only with aslr; it
 * gets SIGTERM if the loader dies.
 */
static int start_workload(struct workload *w, char **cmd, bool aslr)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC))
		return err("pipe: %s", strerror(errno));
	w->pid = fork();
	if (w->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return err("fork: %s", strerror(errno));
	}
	if (w->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(127);
		dup2(fds[1], STDOUT_FILENO);
		signal(SIGPIPE, SIG_DFL);
		if (!aslr && personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0)
			fprintf(stderr, "damon-bpf: personality(ADDR_NO_RANDOMIZE): %s\n",
				strerror(errno));
		execvp(cmd[0], cmd);
		fprintf(stderr, "damon-bpf: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	w->out = fds[0];
	return 0;
}

static void stop_workload(struct workload *w)
{
	int status, i;

	if (w->pid <= 0)
		return;
	kill(w->pid, SIGTERM);
	/* It stops its threads and tickers on SIGTERM; a workload that does not is killed. */
	for (i = 0; i < 100 && waitpid(w->pid, &status, WNOHANG) == 0; i++)
		usleep(50000);
	if (i == 100) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &status, 0);
	}
	close(w->out);
	w->pid = 0;
}

/* The workload's first line: its ground truth, once its first pass is done. */
static int read_truth(struct workload *w, struct truth *t)
{
	double end = monotonic_s() + TRUTH_TIMEOUT_S;
	char buf[1 << 16], msg[256];
	size_t len = 0;
	ssize_t n;

	while (!memchr(buf, '\n', len)) {
		struct pollfd p = { w->out, POLLIN };

		if (exiting)
			return -1;
		if (monotonic_s() > end)
			return err("the workload printed no ground truth in %d s", TRUTH_TIMEOUT_S);
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(w->out, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err("the workload ended before it printed its ground truth (a JSON "
				   "line on stdout)%s", n < 0 ? strerror(errno) : "");
		len += n;
		if (len == sizeof(buf) - 1)
			return err("the workload's first line is longer than %zu bytes", len);
	}
	buf[len] = '\0';
	*strchr(buf, '\n') = '\0';
	if (truth_parse(buf, t, msg, sizeof(msg)))
		return err("the workload's ground truth: %s", msg);
	if (!pid_alive(t->pid))
		return err("the workload's ground truth names pid %d, which is not running",
			   t->pid);
	return 0;
}

/* What runs where: modes that cannot run here say why. */
static int plan(struct accuracy_report *rep)
{
	uint8_t online[DAMON_BPF_MAX_CPUS];
	const char *why = NULL;
	char buf[64];
	int i;

	if (online_cpus(online, DAMON_BPF_MAX_CPUS) < 0)
		return err("cannot read the online CPUs");
	if (!kernel_has_kfunc())
		why = "needs the patched kernel (no kfunc): bench does not write a stock kernel's "
		      "DAMON sysfs";
	else if (read_file(DAMON_ADMIN "/kdamonds/nr_kdamonds", buf, sizeof(buf)) <= 0 ||
		 atoi(buf) != 0)
		why = "DAMON sysfs is not free";
	rep->nr = ACCURACY_MAX_MODES;
	for (i = 0; i < rep->nr; i++) {
		rep->modes[i].name = modes[i].name;
		rep->modes[i].args = modes[i].args;
		rep->modes[i].why = why;
	}
	if (!why && !online[1])
		rep->modes[2].why = "CPU 1 is not online";
	for (i = 0; i < rep->nr; i++)
		if (!rep->modes[i].why)
			return 1;
	return 0;
}

/* A session's state for its snapshots. */
struct scoring {
	const struct truth *truth;
	struct accuracy_mode *mode;
	struct accuracy_round *round;
	double kd_cpu0_ns;	/* the kdamond's CPU time at the session's time 0, or -1 */
	double t0;		/* the session's time 0 (monotonic_s()) */
};

/*
 * The session's time 0: the kdamond ran before it (while the reporters were loaded, seconds
 * on a debug kernel), and that CPU time is not the session's.
 */
static void on_started(void *arg, int kdamond)
{
	struct scoring *sc = arg;

	sc->kd_cpu0_ns = kdamond > 0 ? proc_cpu_ns(kdamond) : -1;
	sc->t0 = monotonic_s();
}

static int on_snapshot(void *arg, const struct session_info *si, const struct snapshot *s,
		       int kdamond)
{
	struct scoring *sc = arg;
	struct accuracy_round *rd = sc->round;
	double ns = kdamond > 0 && sc->kd_cpu0_ns >= 0 ? proc_cpu_ns(kdamond) : -1;

	/*
	 * The session's own kdamond: its CPU time since time 0 is all this session's.  It is
	 * read now, which may be well after the snapshot's time (a slow kernel takes seconds to
	 * answer a snapshot), so the session time it is over is now's too.
	 */
	rd->kd_known = ns >= 0;
	rd->kd_cpu_s = rd->kd_known ? (ns - sc->kd_cpu0_ns) / 1e9 : -1;
	rd->kd_time_s = monotonic_s() - sc->t0;
	rd->sample_s = si->sample_us / 1e6;
	rd->aggr_s = si->aggr_us / 1e6;

	if (ARRAY_GROW(rd->pts, rd->nr, rd->cap, 16))
		return err("out of memory");
	rd->pts[rd->nr].time = s->time;
	accuracy_score(sc->truth, &sc->mode->filter, s, &rd->pts[rd->nr].a);
	rd->nr++;
	return 0;
}

/* One mode, one round: 'damon-bpf monitor --pid PID ARGS --duration D', scored against t. */
static int run_mode(const struct truth *t, struct accuracy_mode *m, const struct bench_args *a)
{
	char pid[16], dur[32], words[64], *argv[16], *save = NULL, *tok;
	struct scoring sc = { t, m, &m->r[m->n], -1, 0 };
	struct spec *sp;
	struct run_opts o;
	int argc = 0, ret;

	snprintf(pid, sizeof(pid), "%d", t->pid);
	snprintf(dur, sizeof(dur), "%lluus", (unsigned long long)a->duration_us);
	snprintf(words, sizeof(words), "%s", m->args);
	argv[argc++] = "damon-bpf monitor";
	argv[argc++] = "--pid";
	argv[argc++] = pid;
	for (tok = strtok_r(words, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc++] = "--duration";
	argv[argc++] = dur;
	argv[argc] = NULL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return err("out of memory");
	if (a->monitor_spec(argc, argv, sp, &o)) {
		free(sp);
		return err("mode %s: 'monitor %s' is refused", m->name, m->args);
	}
	m->filter.rw = sp->ctx.rw;
	m->filter.cpus = sp->ctx.cpus ? memcpy(m->cpus, sp->ctx.cpus, sizeof(m->cpus)) : NULL;
	o.snapshot = on_snapshot;
	o.started = on_started;
	o.snapshot_arg = &sc;
	ret = session_run(sp, &o);
	free(sp);
	m->n++;
	if (exiting)
		return -1;
	if (ret)
		return err("mode %s: the monitor session failed", m->name);
	if (!pid_alive(t->pid))
		return err("the workload (pid %d) died", t->pid);
	return 0;
}

static bool same_ranges(const struct truth_range *a, int na, const struct truth_range *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].cpu != b[i].cpu ||
		    a[i].write != b[i].write)
			return false;
	return true;
}

/*
 * A round: a workload of its own (its truth must list the ranges of the first round's), then
 * each mode once, the first one rotating: round r starts with mode r.
 */
static int run_round(struct accuracy_report *rep, int r, char **cmd, const struct bench_args *a)
{
	struct truth t = { 0 }, *tr = r ? &t : &rep->truth;
	struct workload w = { 0 };
	int k, i, ret;

	ret = start_workload(&w, cmd, a->aslr) || read_truth(&w, tr) ? -1 : 0;
	if (!ret && r && (!same_ranges(t.scope, t.nr_scope, rep->truth.scope, rep->truth.nr_scope) ||
			  !same_ranges(t.hot, t.nr_hot, rep->truth.hot, rep->truth.nr_hot)))
		ret = err("round %d: the workload's ground truth lists other ranges than round 1's",
			  r + 1);
	if (!ret)
		rep->pids[rep->nr_pids++] = tr->pid;
	for (k = 0; !ret && k < rep->nr && !exiting; k++) {
		i = (r + k) % rep->nr;
		if (!rep->modes[i].why && run_mode(tr, &rep->modes[i], a))
			ret = -1;
	}
	stop_workload(&w);
	truth_free(&t);
	return ret;
}

static int run_rounds(struct accuracy_report *rep, char **cmd, const struct bench_args *a)
{
	int r;

	for (r = 0; r < a->rounds && !exiting; r++)
		if (run_round(rep, r, cmd, a))
			return -1;
	return exiting ? -1 : 0;
}

/* The command line, for the report (and a user who wants to run it by hand). */
static void describe(struct accuracy_report *rep, char **cmd)
{
	size_t off = 0;
	int i;

	for (i = 0; cmd[i] && off < sizeof(rep->command); i++)
		off += snprintf(rep->command + off, sizeof(rep->command) - off, "%s%s",
				i ? " " : "", cmd[i]);
}

int bench_accuracy_run(const struct bench_args *a)
{
	char *argv[8], buf[PATH_MAX + 256];
	struct accuracy_report *rep;
	char **cmd = a->cmd;
	int runnable, ret = 0;

	if (geteuid() != 0)
		return err("bench needs root"), 1;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return err("out of memory"), EXIT_RUNTIME;
	rep->duration_s = a->duration_us / 1e6;
	rep->rounds = a->rounds;
	rep->aslr = a->aslr;
	runnable = plan(rep);
	/* Where no mode can run, the table says why, and no workload is started. */
	if (runnable < 0 || (runnable && !cmd && default_command(a, argv, buf, sizeof(buf)))) {
		ret = -1;
	} else if (runnable) {
		cmd = cmd ? cmd : argv;
		describe(rep, cmd);
		ret = run_rounds(rep, cmd, a);
	}
	if (exiting)
		err("bench interrupted: no results (everything it attached is removed)");
	else if (!ret)
		accuracy_report_print(rep, a->json);
	accuracy_report_free(rep);
	free(rep);
	return ret || out_flush(stdout) ? EXIT_RUNTIME : 0;
}
