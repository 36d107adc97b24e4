// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the runner (see session/runner.h).  Every session goes through four steps:
 * prepare (the spec bound, the kind's checks), start (owner record, kdamond, reporters), one
 * tick per interval, and end (the kind's state, reporters, kdamond, record: one cleanup
 * path).  The steps of a scheme session are here (scheme_kind: targets and nodes checked,
 * the spec saved as the session's state, a tick takes the state --add/--remove left, follows
 * exited targets and mappings, tunes and reports); monitor.c has monitor_kind's.  Each
 * kind's tick also writes the --prom metrics of its interval; the runner checks the file's
 * directory before anything is created, and removes the file at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "damon/damon.h"
#include "lib/util.h"
#include "session/internal.h"
#include "session/runner.h"
#include "session/session.h"
#include "view/prom.h"

void runner_kernel_cfg(struct runner *r, struct damon_ctx_cfg *c)
{
	int t;

	*c = r->sp.ctx;
	if (!r->sp.policy.skip_unmapped || strcmp(c->ops, "vaddr"))
		return;
	strcpy(c->ops, "fvaddr");
	for (t = 0; t < c->nr_pids; t++) {
		c->ranges[t] = (const uint64_t (*)[2])r->ranges[t].r;
		c->nr_ranges[t] = r->ranges[t].n;
	}
}

static int save_state(struct runner *r)
{
	return spec_save(&r->sp, r->spec_path);
}

/*
 * 6.12 resolves the pid of every target that is not obsolete when a commit is written, and
 * refuses the whole commit (EINVAL, nothing applied) when one no longer resolves: a target
 * that exited (and was reaped) after the caller last looked.  Whether that is why.
 */
bool runner_commit_raced_exit(struct runner *r, int e, const bool *gone)
{
	int t;

	if (e != EINVAL || !strcmp(r->sp.ctx.ops, "paddr") || !r->sp.policy.drop_exited)
		return false;
	for (t = 0; t < r->sp.ctx.nr_pids; t++)
		if (!(gone && gone[t]) && !pid_alive(r->sp.ctx.pids[t]))
			return true;
	return false;
}

int runner_commit(struct runner *r)
{
	struct damon_ctx_cfg c;
	bool left;
	int e;

	runner_kernel_cfg(r, &c);
	if (verbose)
		info("damon-bpf: commit: %d target(s), %d scheme(s)", c.nr_pids, c.nr_schemes);
	if (!damon_commit_quiet(&r->d, &c))
		return save_state(r);
	e = errno;
	/* Nothing was applied: the exited targets go, in a commit that says so. */
	if (runner_commit_raced_exit(r, e, NULL))
		return drop_exited(r, &left);
	return damon_commit_failed(&r->d, e);
}

int runner_check_nodes(struct spec *sp)
{
	int i, k;
	char what[64];

	for (i = 0; i < sp->ctx.nr_schemes; i++) {
		struct damon_scheme_cfg *s = &sp->ctx.schemes[i];

		for (k = 0; k < s->nr_filters; k++) {
			struct damos_filter_cfg *f = &s->filters[k];

			snprintf(what, sizeof(what), "scheme %d (%s), filter %d", i, s->action, k);
			if (f->by_node && (node_check(f->node, what) ||
					   node_phys_range(f->node, &f->start, &f->end)))
				return -1;
		}
		snprintf(what, sizeof(what), "scheme %d (%s)", i, s->action);
		if (s->target_nid >= 0 && node_check(s->target_nid, what))
			return -1;
		if (!strncmp(s->action, "migrate_", 8) && s->target_nid < 0)
			return err("%s needs a target node (target_nid)", what);
		for (k = 0; k < s->nr_goals; k++)
			if (!strncmp(s->goals[k].metric, "node_mem_", 9) &&
			    node_check(s->goals[k].nid, what))
				return -1;
	}
	return 0;
}

static int scheme_reporters(struct runner *r)
{
	struct spec *sp = &r->sp;
	struct reporter_opts o = {};

	if (!sp->bpf.source[0])
		return 0;
	if (!kernel_has_kfunc())
		return err("bpf.source %s: this kernel has no bpf_damon_report_access() kfunc "
			   "(kernel/patches); its reports could not reach DAMON", sp->bpf.source);
	o.fault = spec_has_source(sp, "fault");
	o.perf = spec_has_source(sp, "perf");
	o.rw = sp->ctx.rw;
	o.cpus = sp->ctx.cpus;
	if (strcmp(sp->ctx.ops, "paddr")) {
		o.tgids = sp->ctx.pids;
		o.nr_tgids = sp->ctx.nr_pids;
	}
	/* On failure the runner's end frees what reporter_start() left. */
	return reporter_start(&r->rep, &o);
}

/* The session's name and checks of its targets and nodes. */
static int scheme_prepare(struct runner *r, const struct run_opts *o)
{
	struct spec *sp = &r->sp;
	const char *kind = sp->policy.command[0] ? sp->policy.command : "run";

	(void)o;
	snprintf(r->name, sizeof(r->name), "%s", sp->policy.name[0] ? sp->policy.name : kind);
	snprintf(sp->policy.name, sizeof(sp->policy.name), "%s", r->name);
	session_path(r->name, ".json", r->spec_path, sizeof(r->spec_path));
	spec_bind_owners(sp);
	if (session_check_name(r->name) || damon_check() || check_targets(r) ||
	    runner_check_nodes(sp))
		return -1;
	r->uses_damon = true;
	session_file_init(&r->sf, kind);
	snprintf(r->sf.spec, sizeof(r->sf.spec), "%s", r->spec_path);
	snprintf(r->sf.desc, sizeof(r->sf.desc), "%s: %d target(s), %d scheme(s)", kind,
		 sp->ctx.nr_pids, sp->ctx.nr_schemes);
	return 0;
}

/* The saved state that --add/--remove and status work on. */
static int scheme_started(struct runner *r, const struct run_opts *o)
{
	(void)o;
	if (save_state(r))
		return -1;
	info("damon-bpf: session '%s' (%s): %d target(s), %d scheme(s)%s", r->name, r->sf.kind,
	     strcmp(r->sp.ctx.ops, "paddr") ? r->sp.ctx.nr_pids : 0, r->sp.ctx.nr_schemes,
	     r->sp.owner[0] > 0 ? "; change with --add/--remove" : "");
	return 0;
}

enum tick runner_kdamond_gone(struct runner *r)
{
	/* A kdamond whose targets still run, or a paddr one (it has no target to lose). */
	if (!strcmp(r->sp.ctx.ops, "paddr") || any_pid_alive(r->sp.ctx.pids, r->sp.ctx.nr_pids))
		return TICK_STOPPED;
	info("damon-bpf: the kdamond stopped: all targets exited");
	return TICK_DONE;
}

/* One interval, under the session's lock (--add/--remove of another process wait). */
static enum tick tick_locked(struct runner *r, const struct run_opts *o, double t)
{
	struct damos_stats st[DAMON_MAX_SCHEMES];
	bool left, busy;

	/* --add/--remove of another process changed the state: take it. */
	if (spec_load(&r->sp, r->spec_path) || runner_check_nodes(&r->sp))
		return TICK_FAILED;
	if (!damon_running(&r->d))
		return runner_kdamond_gone(r);
	if (drop_exited(r, &left) || (left && refresh_ranges(r) && runner_commit(r)))
		return TICK_FAILED;
	/* The kdamond stops by itself once its last target is gone. */
	if (!left)
		return TICK_WAIT;
	/* One read of the stats serves the collapse threshold and the report. */
	if (damon_scheme_stats(&r->d, st, r->sp.ctx.nr_schemes, &busy))
		return TICK_FAILED;
	/* DAMON busy for another writer: this interval has no stats, the next will. */
	if (busy) {
		if (!r->stats_busy++)
			info("damon-bpf: session '%s': DAMON sysfs busy for over a second, an "
			     "interval's stats skipped (said once)", r->name);
		return TICK_NEXT;
	}
	if (collapse_tick(r, st, monotonic_s()))
		return TICK_FAILED;
	if (print_stats(r, st, t, o->json, NULL, NULL, o->prom))
		return TICK_FAILED;
	r->prom_written = o->prom != NULL;
	return TICK_NEXT;
}

static enum tick scheme_tick(struct runner *r, const struct run_opts *o, double t)
{
	struct session_lock lock;
	enum tick ret;

	if (session_lock(r->name, &lock))
		return TICK_FAILED;
	ret = tick_locked(r, o, t);
	session_unlock(&lock);
	return ret;
}

const struct session_kind scheme_kind = {
	.prepare = scheme_prepare,
	.kernel_cfg = runner_kernel_cfg,
	.start_reporters = scheme_reporters,
	.started = scheme_started,
	.tick = scheme_tick,
};

/*
 * nr_regions "min": "auto".  DAMON merges regions up to (monitored size / min_nr_regions);
 * a scheme whose quota is smaller than a region applies its action to the region's head,
 * which gets age 0 and merges back into the rest: the region's size-weighted age falls
 * with every piece, and once it is below the scheme's minimum age the region's tail is
 * never reached (tier's migrate_cold on a slow kernel: docs/schemes.md).  So regions are
 * kept no larger than the smallest quota a reset interval: enough regions for that, at
 * least DAMON's default 10 and at most half of max_nr_regions (DAMON splits up to there).
 */
static void auto_min_nr_regions(struct damon_ctx_cfg *c)
{
	uint64_t quota = 0, n = 10, span = c->region_end - c->region_start;
	char sz[32], qsz[32];
	bool sized;
	int i;

	if (c->min_nr_regions)
		return;
	for (i = 0; i < c->nr_schemes; i++)
		if (c->schemes[i].quota_sz && (!quota || c->schemes[i].quota_sz < quota))
			quota = c->schemes[i].quota_sz;
	sized = !strcmp(c->ops, "paddr") && quota && c->region_end > c->region_start;
	if (sized) {
		/* rounded up, not as (span + quota - 1): a quota of "max" would overflow */
		uint64_t need = span / quota + (span % quota != 0);

		if (need > n)
			n = need;
	}
	if (n > c->max_nr_regions / 2)
		n = c->max_nr_regions / 2;
	c->min_nr_regions = n < 3 ? 3 : n;
	if (sized) {
		format_bytes(span / c->min_nr_regions, sz, sizeof(sz));
		format_bytes(quota, qsz, sizeof(qsz));
		info("damon-bpf: nr_regions min auto: %llu (regions of at most %s; the smallest "
		     "scheme quota is %s)", (unsigned long long)c->min_nr_regions, sz, qsz);
	}
}

/* The spec bound, the kind's checks; nothing is created yet. */
static int prepare(struct runner *r, const struct spec *sp, const struct run_opts *o)
{
	r->sp = *sp;
	r->d.kdamond = -1;
	/* A metrics file that cannot be written stops the session before it creates anything. */
	if (o->prom && prom_check(o->prom))
		return -1;
	if (r->sp.ctx.cpus)
		r->sp.ctx.cpus = r->sp.cpus;
	if (r->kind->prepare(r, o))
		return -1;
	r->sf.first_pid = strcmp(r->sp.ctx.ops, "paddr") && r->sp.ctx.nr_pids ?
			  r->sp.ctx.pids[0] : -1;
	if (r->uses_damon && !strcmp(r->sp.ctx.ops, "paddr") && !r->sp.ctx.region_end &&
	    node_phys_range(-1, &r->sp.ctx.region_start, &r->sp.ctx.region_end))
		return -1;
	auto_min_nr_regions(&r->sp.ctx);
	refresh_ranges(r);
	return 0;
}

/*
 * The owner record first (whatever happens from then on, 'stop' can undo it), then the
 * kdamond, the reporters, and what the kind does once they run.  0: loop; 1: the session
 * runs on without this process (pinned); -1: failed.
 */
static int start(struct runner *r, const struct run_opts *o)
{
	struct damon_ctx_cfg c;

	if (!r->uses_damon) {
		if (session_write(r->name, &r->sf))
			return -1;
		r->recorded = true;
	} else {
		r->kind->kernel_cfg(r, &c);
		if (session_claim(r->name, &r->sf, &r->d))
			return -1;
		r->recorded = true;
		/* DAMON listens first: the first reports do not find it missing. */
		if (damon_apply(&r->d, &c) || damon_start(&r->d) ||
		    session_started(r->name, &r->sf, &r->d))
			return -1;
	}
	if (r->kind->start_reporters(r))
		return -1;
	return r->kind->started(r, o);
}

/* Ticks until a signal, the duration or the session's end; the exit status. */
static int loop(struct runner *r, const struct run_opts *o)
{
	double t0 = monotonic_s(), end = o->duration_us ? t0 + o->duration_us / 1e6 : 0;
	double next = t0;
	enum tick ret = TICK_NEXT;

	r->last_change = t0;
	if (o->started)
		o->started(o->snapshot_arg, r->uses_damon ? damon_kdamond_pid(&r->d) : -1);
	while (!exiting && (ret == TICK_NEXT || ret == TICK_WAIT)) {
		/* Every interval from the start; one that ran late is not caught up. */
		next += o->interval_us / 1e6;
		if (next < monotonic_s())
			next = monotonic_s();
		if (end && next > end)
			next = end;
		sleep_until(next);
		if (exiting)
			break;
		ret = r->kind->tick(r, o, monotonic_s() - t0);
		if (ret == TICK_NEXT && end && monotonic_s() >= end - 1e-3)
			break;
	}
	if (ret == TICK_STOPPED)
		err("the kdamond stopped while the session ran: turned off from outside, or it "
		    "failed (see dmesg)");
	return ret == TICK_FAILED || ret == TICK_STOPPED ? 1 : 0;
}

int session_run(const struct spec *sp, const struct run_opts *o)
{
	struct runner *r;
	int ret = 1, st;

	r = calloc(1, sizeof(*r));
	if (!r)
		return err("out of memory"), 1;
	r->kind = strcmp(sp->policy.command, "monitor") ? &scheme_kind : &monitor_kind;
	if (!prepare(r, sp, o)) {
		st = start(r, o);
		ret = st < 0 ? 1 : st ? 0 : loop(r, o);
	}
	/* One way out, whatever the kind and however far it got. */
	if (r->kind->end)
		ret = r->kind->end(r, ret);
	/* Metrics of a session that ended must not look current: the file goes. */
	if (r->prom_written && unlink(o->prom) && errno != ENOENT)
		err("--prom %s: cannot remove it: %s", o->prom, strerror(errno));
	reporter_stop(&r->rep);
	if (r->recorded)
		session_end(r->name, &r->d);
	else
		damon_release(&r->d);
	free(r);
	return ret;
}
