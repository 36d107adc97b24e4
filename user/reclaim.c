// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf reclaim: proactive reclaim of several processes in one kdamond.  Each target has
 * its own 'pageout' scheme (a DAMOS target filter keeps it to that target), so that DAMOS
 * stats are per process and the quota is shared among the targets.  Targets can be added and
 * removed while it runs (--add, --remove: DAMON's commit); targets that exit are dropped.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "damon.h"
#include "session.h"
#include "util.h"

static const char doc[] =
"Proactively reclaim (page out) the memory of processes that was not accessed for a while.\n"
"\n"
"USAGE: damon-bpf reclaim --pid PID... [--min-age 30s] [--quota 128MiB/s]\n"
"                        [--wmarks HIGH,MID,LOW] [--name NAME] [--duration TIME] [--json]\n"
"       damon-bpf reclaim --add PID | --remove PID [--name NAME]\n"
"\n"
"One kdamond monitors all the processes (page-table sampling); each has a 'pageout' scheme\n"
"for regions not accessed for --min-age, within its share of --quota (bytes per time).\n"
"With --wmarks HIGH,MID,LOW (per mille of free memory) it works under pressure only: it\n"
"starts when free memory falls below MID, stops when it rises above HIGH, and also stops\n"
"below LOW, where the kernel's own reclaim is at work (DAMOS watermarks).\n"
"Processes that exit are dropped with a message; a dead --pid at start is skipped.\n"
"Every --interval, per process: bytes tried and paged out (DAMOS stats), and VmSwap.\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf reclaim --pid 4242 --pid 4243 --min-age 2min --quota 64MiB/s\n"
"  damon-bpf reclaim --add 4244          # into the running session 'reclaim'\n"
"  damon-bpf reclaim --remove 4242\n";

enum { OPT_MIN_AGE = 300, OPT_QUOTA, OPT_WMARKS, OPT_ADD, OPT_REMOVE, OPT_NAME, OPT_SAMPLE,
       OPT_AGGR };

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Reclaim from this process (repeat for several)" },
	{ "min-age", OPT_MIN_AGE, "TIME", 0, "Page out what was not accessed for TIME (30s)" },
	{ "quota", OPT_QUOTA, "SIZE/TIME", 0, "At most SIZE per TIME in all (128MiB/s)" },
	{ "wmarks", OPT_WMARKS, "H,M,L", 0, "Free-memory watermarks, per mille (default: off)" },
	{ "add", OPT_ADD, "PID", 0, "Add PID to the running session" },
	{ "remove", OPT_REMOVE, "PID", 0, "Remove PID from the running session" },
	{ "name", OPT_NAME, "NAME", 0, "Session name (default 'reclaim')" },
	{ "sample", OPT_SAMPLE, "TIME", 0, "Sampling interval (default 5ms)" },
	{ "aggr", OPT_AGGR, "TIME", 0, "Aggregation interval (default 100ms)" },
	{ "interval", 'i', "TIME", 0, "Print stats every TIME (default 1s)" },
	{ "duration", 'd', "TIME", 0, "Stop after TIME (default: until Ctrl-C)" },
	{ "json", 'j', NULL, 0, "One JSON object per interval" },
	{},
};

struct reclaim_args {
	int pids[DAMON_MAX_TARGETS], nr_pids;
	uint64_t min_age_us, quota_sz, quota_reset_ms, sample_us, aggr_us;
	uint64_t interval_us, duration_us;
	uint32_t wm[3];
	bool wmarks, json;
	int add, remove;
	const char *name;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct reclaim_args *a = state->input;
	uint64_t *dst = NULL;
	char *slash;
	long n;

	switch (key) {
	case 'p':
	case OPT_ADD:
	case OPT_REMOVE:
		if (parse_int(arg, 1, 1 << 30, &n))
			argp_error(state, "'%s' is not a process id", arg);
		if (key == OPT_ADD)
			a->add = n;
		else if (key == OPT_REMOVE)
			a->remove = n;
		else if (a->nr_pids == DAMON_MAX_TARGETS)
			argp_error(state, "at most %d --pid", DAMON_MAX_TARGETS);
		else
			a->pids[a->nr_pids++] = n;
		break;
	case OPT_MIN_AGE: dst = &a->min_age_us; /* fall through */
	case OPT_SAMPLE: if (!dst) dst = &a->sample_us; /* fall through */
	case OPT_AGGR: if (!dst) dst = &a->aggr_us; /* fall through */
	case 'i': if (!dst) dst = &a->interval_us; /* fall through */
	case 'd':
		if (!dst)
			dst = &a->duration_us;
		if (parse_duration_us(arg, dst) || !*dst)
			argp_error(state, "'%s' is not a time: use a number with us, ms, s, m or h", arg);
		break;
	case OPT_QUOTA:
		slash = strchr(arg, '/');
		if (!slash)
			argp_error(state, "--quota %s: expected SIZE/TIME, e.g. 128MiB/s", arg);
		*slash = '\0';
		if (parse_bytes(arg, &a->quota_sz) || !a->quota_sz)
			argp_error(state, "--quota: '%s' is not a size above 0 (e.g. 64MiB)", arg);
		/* "s" alone means per second. */
		if (parse_duration_us(slash + 1, &a->quota_reset_ms)) {
			char one[32];

			snprintf(one, sizeof(one), "1%s", slash + 1);
			if (parse_duration_us(one, &a->quota_reset_ms))
				argp_error(state, "--quota: '%s' is not a time", slash + 1);
		}
		a->quota_reset_ms /= 1000;
		if (!a->quota_reset_ms)
			argp_error(state, "--quota: the time must be at least 1ms");
		break;
	case OPT_WMARKS:
		if (!strcmp(arg, "off"))
			break;
		if (sscanf(arg, "%u,%u,%u%n", &a->wm[0], &a->wm[1], &a->wm[2], (int *)&n) != 3 ||
		    arg[n] || a->wm[0] > 1000 || !(a->wm[0] >= a->wm[1] && a->wm[1] >= a->wm[2]))
			argp_error(state, "--wmarks %s: HIGH,MID,LOW per mille of free memory, "
				   "1000 >= HIGH >= MID >= LOW", arg);
		a->wmarks = true;
		break;
	case OPT_NAME:
		a->name = arg;
		break;
	case 'j':
		a->json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if ((a->add || a->remove) && a->nr_pids)
			argp_error(state, "--add/--remove change a running session: no --pid");
		if (a->add && a->remove)
			argp_error(state, "one of --add and --remove at a time");
		if (!a->add && !a->remove && !a->nr_pids)
			argp_error(state, "nothing to reclaim: give --pid PID");
		if (a->sample_us > a->aggr_us)
			argp_error(state, "--sample must not be longer than --aggr");
		if (a->min_age_us < a->aggr_us)
			argp_error(state, "--min-age must be at least the aggregation interval");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/*
 * The unmapped holes of a process's address space, largest first (at most DAMON_MAX_HOLES).
 * DAMON's vaddr regions span them, and 6.12 charges a DAMOS quota by region size: a hole
 * never accessed ranks as the coldest memory there is and eats the whole quota while nothing
 * is paged out.  Each scheme skips its target's holes (addr filters are not charged).
 */
struct holes {
	uint64_t r[DAMON_MAX_HOLES][2];
	int n;
};

static int cmp_hole(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;
	uint64_t sa = a[1] - a[0], sb = b[1] - b[0];

	return sa > sb ? -1 : sa < sb;
}

static void find_holes(int pid, struct holes *h)
{
	uint64_t all[512][2], prev_end = 0, start, end;
	char path[64], line[512];
	int n = 0;
	FILE *f;

	h->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s0, e0;

		if (sscanf(line, "%llx-%llx", &s0, &e0) != 2 || strstr(line, "[vsyscall]"))
			continue;
		start = s0;
		end = e0;
		if (prev_end && start > prev_end && n < 512) {
			all[n][0] = prev_end;
			all[n][1] = start;
			n++;
		}
		prev_end = end;
	}
	fclose(f);
	qsort(all, n, sizeof(all[0]), cmp_hole);
	h->n = n < DAMON_MAX_HOLES ? n : DAMON_MAX_HOLES;
	memcpy(h->r, all, h->n * sizeof(all[0]));
}

static struct holes holes[DAMON_MAX_TARGETS];

/* Re-reads the targets' holes; whether any changed. */
static bool refresh_holes(const int *pids, int n)
{
	bool changed = false;
	int i;

	for (i = 0; i < n; i++) {
		struct holes h;

		find_holes(pids[i], &h);
		if (h.n != holes[i].n || memcmp(h.r, holes[i].r, h.n * sizeof(h.r[0]))) {
			holes[i] = h;
			changed = true;
		}
	}
	return changed;
}

/* The DAMON configuration of the session for the given targets. */
static void build_cfg(const struct reclaim_args *a, const int *pids, int n,
		      struct damon_ctx_cfg *c)
{
	int i;

	refresh_holes(pids, n);

	damon_ctx_defaults(c);
	c->sample_us = a->sample_us;
	c->aggr_us = a->aggr_us;
	c->nr_pids = n;
	memcpy(c->pids, pids, n * sizeof(*pids));
	c->nr_schemes = n;
	for (i = 0; i < n; i++) {
		struct damon_scheme_cfg *s = &c->schemes[i];

		*s = (struct damon_scheme_cfg){
			.action = "pageout",
			.pattern = { 4096, UINT64_MAX, 0, 0, a->min_age_us / a->aggr_us, UINT32_MAX },
			/* The quota is shared evenly: each target gets its part. */
			.quota_sz = a->quota_sz / n ? a->quota_sz / n : 4096,
			.quota_reset_ms = a->quota_reset_ms,
			.target_nid = -1,
			.only_target = i,
			.skip = (const uint64_t (*)[2])holes[i].r,
			.nr_skip = holes[i].n,
		};
		if (a->wmarks)
			s->wmarks = (struct damon_wmarks){ "free_mem_rate", 1000000, a->wm[0],
							   a->wm[1], a->wm[2] };
	}
}

/* Session file: the kdamond (for 'stop' and 'status') and the parameters (for --add). */
static int save_session(const struct reclaim_args *a, const struct damon_session *d)
{
	char path[256];
	FILE *f;

	mkdir(SESSION_DIR, 0700);
	snprintf(path, sizeof(path), "%s/%s.session", SESSION_DIR, a->name);
	f = fopen(path, "w");
	if (!f)
		return err("%s: %s", path, strerror(errno));
	fprintf(f, "kdamond=%d\nkdamond_pid=%d\nfirst_pid=%d\nnr_cpus=0\n"
		"desc=reclaim: min-age %llus, quota %llu B per %llu ms\n"
		"kind=reclaim\nmin_age_us=%llu\nquota_sz=%llu\nquota_reset_ms=%llu\n"
		"sample_us=%llu\naggr_us=%llu\nwmarks=%d,%u,%u,%u\n",
		d->kdamond, damon_kdamond_pid(d), a->pids[0],
		(unsigned long long)a->min_age_us / 1000000, (unsigned long long)a->quota_sz,
		(unsigned long long)a->quota_reset_ms, (unsigned long long)a->min_age_us,
		(unsigned long long)a->quota_sz, (unsigned long long)a->quota_reset_ms,
		(unsigned long long)a->sample_us, (unsigned long long)a->aggr_us, a->wmarks,
		a->wm[0], a->wm[1], a->wm[2]);
	return fclose(f) ? err("%s: %s", path, strerror(errno)) : 0;
}

static int load_session(struct reclaim_args *a, struct damon_session *d)
{
	char path[256], line[256];
	unsigned long long v;
	int wm = 0, kd = -1, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.session", SESSION_DIR, a->name);
	f = fopen(path, "r");
	if (!f)
		return err("no running reclaim session '%s' (start one with --pid)", a->name);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "kdamond=%d", &kd) == 1 || !strcmp(line, "kind=reclaim\n"))
			found++;
		else if (sscanf(line, "min_age_us=%llu", &v) == 1)
			a->min_age_us = v;
		else if (sscanf(line, "quota_sz=%llu", &v) == 1)
			a->quota_sz = v;
		else if (sscanf(line, "quota_reset_ms=%llu", &v) == 1)
			a->quota_reset_ms = v;
		else if (sscanf(line, "sample_us=%llu", &v) == 1)
			a->sample_us = v;
		else if (sscanf(line, "aggr_us=%llu", &v) == 1)
			a->aggr_us = v;
		else
			sscanf(line, "wmarks=%d,%u,%u,%u", &wm, &a->wm[0], &a->wm[1], &a->wm[2]);
	}
	fclose(f);
	if (found != 2 || kd < 0)
		return err("session '%s' is not a reclaim session", a->name);
	a->wmarks = wm;
	d->kdamond = kd;
	snprintf(d->dir, sizeof(d->dir), "%s/kdamonds/%d", DAMON_ADMIN, kd);
	if (!damon_running(d))
		return err("session '%s': its kdamond is not running", a->name);
	return 0;
}

/*
 * Serialises the changes of a session's targets between its loop and --add/--remove.  flock()
 * where the kernel has file locking; else (CONFIG_FILE_LOCKING=n, as in the test kernel) a
 * lock file created with O_EXCL that holds its owner's pid, taken over once that pid is gone.
 */
struct session_lock {
	int fd;
	char path[256];
	bool excl;
};

static int lock_session(const char *name, struct session_lock *l)
{
	char pid[32];
	int i;

	mkdir(SESSION_DIR, 0700);
	snprintf(l->path, sizeof(l->path), "%s/%s.lock", SESSION_DIR, name);
	l->excl = false;
	l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd >= 0 && !flock(l->fd, LOCK_EX))
		return 0;
	if (l->fd >= 0 && errno != ENOSYS && errno != EINVAL)
		return err("%s: flock: %s", l->path, strerror(errno));
	if (l->fd >= 0)
		close(l->fd);
	snprintf(l->path, sizeof(l->path), "%s/%s.lockpid", SESSION_DIR, name);
	for (i = 0; i < 1000; i++) {
		long owner;

		l->fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (l->fd >= 0) {
			snprintf(pid, sizeof(pid), "%d\n", getpid());
			if (write(l->fd, pid, strlen(pid)) < 0)
				return err("%s: %s", l->path, strerror(errno));
			l->excl = true;
			return 0;
		}
		if (errno != EEXIST)
			return err("%s: %s", l->path, strerror(errno));
		/* A holder that died leaves its file behind. */
		if (read_file(l->path, pid, sizeof(pid)) > 0 &&
		    !parse_int(strtok(pid, "\n"), 1, 1 << 30, &owner) && !pid_alive(owner))
			unlink(l->path);
		else
			usleep(10000);
	}
	return err("%s: still held after 10 s", l->path);
}

static void unlock_session(struct session_lock *l)
{
	if (l->fd < 0)
		return;
	if (l->excl)
		unlink(l->path);
	close(l->fd);
	l->fd = -1;
}

/*
 * Removes the pids of processes that exited from pids[], saying so; returns how many remain.
 * Every commit goes through here first: 6.12 fails a commit that names a pid which no longer
 * exists, inside the kdamond, and the failure ends the kdamond.
 */
static int drop_exited(int *pids, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (pid_alive(pids[i]))
			pids[k++] = pids[i];
		else
			info("damon-bpf: pid %d exited: dropped from the session", pids[i]);
	}
	return k;
}

static int change_targets(struct reclaim_args *a)
{
	struct damon_session d = { .kdamond = -1 };
	int pids[DAMON_MAX_TARGETS], n, i, ret = -1, pid = a->add ? a->add : a->remove;
	struct session_lock lock;
	struct damon_ctx_cfg c;

	if (geteuid() != 0)
		return err("changing a reclaim session needs root");
	if (a->add && !pid_alive(a->add))
		return err("pid %d: no such process", a->add);
	if (a->add && pid_is_kthread(a->add))
		return err("pid %d is a kernel thread: nothing to reclaim", a->add);
	if (lock_session(a->name, &lock))
		return -1;
	if (load_session(a, &d))
		goto out;
	n = damon_target_pids(&d, pids, DAMON_MAX_TARGETS);
	if (n < 0) {
		err("reading the session's targets: %s", strerror(errno));
		goto out;
	}
	n = drop_exited(pids, n);
	for (i = 0; i < n && pids[i] != pid; i++)
		;
	if (a->add) {
		if (i < n) {
			err("pid %d is in session '%s' already", pid, a->name);
			goto out;
		}
		if (n == DAMON_MAX_TARGETS) {
			err("session '%s' has %d targets, the most it takes", a->name, n);
			goto out;
		}
		pids[n++] = pid;
	} else {
		if (i == n) {
			err("pid %d is not in session '%s'", pid, a->name);
			goto out;
		}
		if (n == 1) {
			err("pid %d is the session's last target: stop it instead "
			    "(damon-bpf stop %s)", pid, a->name);
			goto out;
		}
		memmove(&pids[i], &pids[i + 1], (n - i - 1) * sizeof(*pids));
		n--;
	}
	build_cfg(a, pids, n, &c);
	if (damon_commit(&d, &c))
		goto out;
	info("damon-bpf: session %s: pid %d %s, %d target(s)", a->name, pid,
	     a->add ? "added" : "removed", n);
	ret = 0;
out:
	unlock_session(&lock);
	return ret;
}

static uint64_t vm_swap_kb(int pid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "VmSwap:")))
		return 0;
	return strtoull(p + 7, NULL, 10);
}

int cmd_reclaim(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct reclaim_args a = {
		.min_age_us = 30000000, .quota_sz = 128ULL << 20, .quota_reset_ms = 1000,
		.sample_us = 5000, .aggr_us = 100000, .interval_us = 1000000, .name = "reclaim",
	};
	struct damon_session d = { .kdamond = -1 };
	struct damos_stats st[DAMON_MAX_TARGETS];
	int pids[DAMON_MAX_TARGETS], n = 0, i, ret = 1;
	struct session_lock lock;
	struct damon_ctx_cfg c;
	double start, end;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return 2;
	if (a.add || a.remove)
		return change_targets(&a) ? 1 : 0;
	if (session_check_name(a.name))
		return 1;
	if (geteuid() != 0)
		return err("reclaim needs root (DAMON sysfs)"), 1;
	for (i = 0; i < a.nr_pids; i++) {
		if (!pid_alive(a.pids[i])) {
			info("damon-bpf: pid %d: no such process, skipped", a.pids[i]);
			continue;
		}
		if (pid_is_kthread(a.pids[i]))
			return err("pid %d is a kernel thread: nothing to reclaim", a.pids[i]), 1;
		pids[n++] = a.pids[i];
	}
	if (!n)
		return err("none of the --pid processes exists"), 1;
	memcpy(a.pids, pids, n * sizeof(*pids));
	a.nr_pids = n;

	install_signal_handlers();
	build_cfg(&a, pids, n, &c);
	if (damon_check() || damon_claim(&d) || damon_apply(&d, &c) || damon_start(&d) ||
	    save_session(&a, &d))
		goto out;
	info("damon-bpf: reclaim session '%s': %d target(s); change with --add/--remove", a.name,
	     n);

	start = monotonic_s();
	end = a.duration_us ? start + a.duration_us / 1e6 : 0;
	while (!exiting) {
		double next = monotonic_s() + a.interval_us / 1e6;
		int alive = 0;

		sleep_until(end && end < next ? end : next);
		if (exiting)
			break;
		if (lock_session(a.name, &lock))
			goto out;
		if (!damon_running(&d)) {
			info("damon-bpf: the kdamond stopped: all targets exited");
			unlock_session(&lock);
			ret = 0;
			goto out;
		}
		n = damon_target_pids(&d, pids, DAMON_MAX_TARGETS);
		alive = n > 0 ? drop_exited(pids, n) : n;
		/* None left: the kdamond stops by itself, nothing to commit. */
		if (alive > 0 && alive < n) {
			build_cfg(&a, pids, alive, &c);
			if (damon_commit(&d, &c)) {
				unlock_session(&lock);
				goto out;
			}
		}
		if (alive > 0)
			n = alive;
		if (n > 0 && refresh_holes(pids, n)) {
			/* The address spaces changed: skip the new holes. */
			build_cfg(&a, pids, n, &c);
			if (damon_commit(&d, &c)) {
				unlock_session(&lock);
				goto out;
			}
		}
		if (n < 0 || damon_scheme_stats(&d, st, n)) {
			unlock_session(&lock);
			goto out;
		}
		unlock_session(&lock);
		if (a.json)
			printf("{\"time\": %.3f, \"targets\": [", monotonic_s() - start);
		else
			printf("\nt=%.1fs  %-8s %14s %14s %10s %12s\n", monotonic_s() - start, "PID",
			       "TRIED", "PAGED OUT", "QUOTA HIT", "VmSwap");
		for (i = 0; i < n; i++) {
			char t[32], ap[32], sw[32];

			if (a.json) {
				printf("%s{\"pid\": %d, \"sz_tried\": %llu, \"sz_applied\": %llu, "
				       "\"nr_tried\": %llu, \"nr_applied\": %llu, \"qt_exceeds\": %llu, "
				       "\"vm_swap_kb\": %llu}", i ? ", " : "", pids[i],
				       (unsigned long long)st[i].sz_tried,
				       (unsigned long long)st[i].sz_applied,
				       (unsigned long long)st[i].nr_tried,
				       (unsigned long long)st[i].nr_applied,
				       (unsigned long long)st[i].qt_exceeds,
				       (unsigned long long)vm_swap_kb(pids[i]));
				continue;
			}
			format_bytes(st[i].sz_tried, t, sizeof(t));
			format_bytes(st[i].sz_applied, ap, sizeof(ap));
			format_bytes(vm_swap_kb(pids[i]) << 10, sw, sizeof(sw));
			printf("          %-8d %14s %14s %10llu %12s\n", pids[i], t, ap,
			       (unsigned long long)st[i].qt_exceeds, sw);
		}
		if (a.json)
			printf("]}\n");
		fflush(stdout);
		if (end && monotonic_s() >= end)
			break;
	}
	ret = 0;
out:
	damon_release(&d);
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/%s.session", SESSION_DIR, a.name);
		if (d.kdamond < 0)
			unlink(path);
	}
	return ret;
}
