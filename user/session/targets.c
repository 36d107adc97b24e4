// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the targets of a running session.
 *
 * The kernel matches a commit's targets and schemes with the running ones by position.  A
 * target that leaves is committed with obsolete_target=Y (kernel/patches), so that the later
 * targets keep their regions; its per-target scheme is retired in place (a no-op that
 * filters everything out) rather than removed, so that the later schemes keep their stats;
 * a target added later takes a retired scheme back, with the stats it had as its base.
 */
#include <errno.h>
#include <string.h>

#include "lib/util.h"
#include "session/internal.h"

/*
 * The spec side of removing the targets gone[] marks, in two steps around the kernel's
 * commit.  forget_schemes(): the gone targets' own schemes are retired in place (running:
 * the kernel's schemes keep their positions) or deleted (nothing runs yet), and the other
 * schemes' target filters are renumbered for the list without the gone ones.
 */
static void forget_schemes(struct runner *r, const bool *gone, bool delete)
{
	struct spec *sp = &r->sp;
	int i, t, k, newidx[DAMON_MAX_TARGETS];

	for (t = 0, k = 0; t < sp->ctx.nr_pids; t++)
		newidx[t] = gone[t] ? -1 : k++;
	for (i = 0, k = 0; i < sp->ctx.nr_schemes; i++) {
		struct damos_filter_cfg *f = spec_target_filter(sp, i);

		t = spec_per_target(sp, i) ? spec_target_index(sp, sp->owner[i]) : -1;
		if (t >= 0 && gone[t]) {
			if (delete)
				continue;
			spec_retire(sp, i);
		} else if (f && f->target_idx < sp->ctx.nr_pids) {
			/* a spec's own filter on a gone target now names no target */
			f->target_idx = newidx[f->target_idx] >= 0 ? newidx[f->target_idx] :
				       RETIRED_IDX;
		}
		if (k != i) {
			sp->ctx.schemes[k] = sp->ctx.schemes[i];
			sp->owner[k] = sp->owner[i];
		}
		k++;
	}
	sp->ctx.nr_schemes = k;
}

/* forget_targets(): the target list (pids, priorities, ranges) without the gone ones. */
static void forget_targets(struct runner *r, const bool *gone)
{
	struct spec *sp = &r->sp;
	int t, k;

	for (t = 0, k = 0; t < sp->ctx.nr_pids; t++) {
		if (gone[t])
			continue;
		sp->ctx.pids[k] = sp->ctx.pids[t];
		sp->prio[k] = sp->prio[t];
		r->ranges[k] = r->ranges[t];
		k++;
	}
	sp->ctx.nr_pids = k;
	spec_derive(sp);
}

/*
 * The commit that names the gone[] targets obsolete.  1: refused because another target
 * exited meanwhile (nothing applied; gone[] now marks it too, and the spec is back at the
 * saved state, the kernel's); 0: done; -1: failed.
 */
static int commit_obsolete(struct runner *r, bool *gone)
{
	struct spec *sp = &r->sp;
	struct damon_ctx_cfg c;
	int t, e;

	memcpy(sp->ctx.obsolete, gone, sp->ctx.nr_pids * sizeof(*gone));
	runner_kernel_cfg(r, &c);
	if (!damon_commit_quiet(&r->d, &c)) {
		if (verbose)
			info("damon-bpf: obsolete commit of %d target(s): kdamond %s", c.nr_pids,
			     damon_running(&r->d) ? "running" : "stopped");
		return 0;
	}
	e = errno;
	if (!runner_commit_raced_exit(r, e, gone))
		return damon_commit_failed(&r->d, e);
	if (spec_load(sp, r->spec_path) || runner_check_nodes(sp))
		return -1;
	for (t = 0; t < sp->ctx.nr_pids; t++) {
		if (!gone[t] && !pid_alive(sp->ctx.pids[t])) {
			gone[t] = true;
			info("damon-bpf: pid %d exited: dropped from the session", sp->ctx.pids[t]);
		}
	}
	return 1;
}

/*
 * Removes the targets gone[] marks, in one commit (with obsolete_target where the kernel has
 * it), retiring their schemes and renumbering the others' target filters.  The spec is the
 * saved state on entry (as every caller loads it or has just saved it).
 */
int remove_targets(struct runner *r, const bool *gone_in)
{
	struct spec *sp = &r->sp;
	bool obsolete = damon_has_obsolete(&r->d), gone[DAMON_MAX_TARGETS];
	int t, left, ret = 1;

	memcpy(gone, gone_in, sizeof(gone));
	while (ret == 1) {
		for (t = 0, left = 0; t < sp->ctx.nr_pids; t++)
			left += !gone[t];
		/* The kdamond stops by itself once its last target is gone. */
		if (!left)
			return 0;
		forget_schemes(r, gone, false);
		/* The kernel drops the obsolete targets; then the list is compacted here. */
		ret = obsolete ? commit_obsolete(r, gone) : 0;
		if (ret < 0)
			return -1;
	}
	forget_targets(r, gone);
	memset(sp->ctx.obsolete, 0, sizeof(sp->ctx.obsolete));
	/* What the kernel runs now is the state a later refused commit goes back to. */
	if (obsolete && spec_save(sp, r->spec_path))
		return -1;
	/*
	 * Without obsolete_target the kernel keeps targets by position: the ones after a removed
	 * target take over their predecessors' regions until the next regions update.
	 */
	if (!obsolete && verbose)
		info("damon-bpf: the kernel has no obsolete_target: the targets after a removed "
		     "one inherit regions by position");
	/* The new target count, and the quotas derived from it. */
	return runner_commit(r);
}

int mark_exited(struct runner *r, bool *gone)
{
	int t, nr_gone = 0;

	for (t = 0; t < r->sp.ctx.nr_pids; t++) {
		gone[t] = !pid_alive(r->sp.ctx.pids[t]);
		if (gone[t]) {
			nr_gone++;
			info("damon-bpf: pid %d exited: dropped from the session", r->sp.ctx.pids[t]);
		}
	}
	return nr_gone;
}

/* Drops targets that exited; whether any is left. */
int drop_exited(struct runner *r, bool *any_left)
{
	bool gone[DAMON_MAX_TARGETS] = {};
	int nr_gone;

	*any_left = true;
	if (strcmp(r->sp.ctx.ops, "paddr") == 0 || !r->sp.policy.drop_exited)
		return 0;
	nr_gone = mark_exited(r, gone);
	if (!nr_gone)
		return 0;
	if (nr_gone == r->sp.ctx.nr_pids) {
		*any_left = false;
		return 0;
	}
	return remove_targets(r, gone);
}

int add_target(struct runner *r, int pid, uint32_t prio, const struct damos_stats *st)
{
	struct spec *sp = &r->sp;
	struct damon_scheme_cfg tmpl;
	int i, t = sp->ctx.nr_pids, slot = -1, src = -1;

	for (i = 0; i < sp->ctx.nr_schemes; i++) {
		if (spec_per_target(sp, i) && src < 0)
			src = i;
		if (sp->owner[i] == OWNER_RETIRED && slot < 0)
			slot = i;
	}
	sp->ctx.pids[t] = pid;
	sp->prio[t] = prio;
	sp->ctx.nr_pids++;
	find_ranges(pid, &r->ranges[t]);
	if (src >= 0) {
		tmpl = sp->ctx.schemes[src];
		tmpl.filters[0].target_idx = t;
		if (slot < 0) {
			if (sp->ctx.nr_schemes == DAMON_MAX_SCHEMES)
				return err("the session has %d schemes, the most it takes",
					   DAMON_MAX_SCHEMES);
			slot = sp->ctx.nr_schemes++;
			memset(&sp->base[slot], 0, sizeof(sp->base[slot]));
		} else {
			sp->base[slot] = st[slot];	/* what the retired scheme counted */
		}
		sp->ctx.schemes[slot] = tmpl;
		sp->owner[slot] = pid;
	}
	spec_derive(sp);
	return runner_commit(r);
}

/* Drops dead pids before anything starts; kernel threads are errors. */
int check_targets(struct runner *r)
{
	struct spec *sp = &r->sp;
	bool gone[DAMON_MAX_TARGETS] = {};
	int t, nr_gone = 0;

	if (!strcmp(sp->ctx.ops, "paddr"))
		return 0;
	if (!sp->ctx.nr_pids)
		return err("no target: give --pid PID (or \"targets\": [{\"pid\": PID}])");
	for (t = 0; t < sp->ctx.nr_pids; t++) {
		int pid = sp->ctx.pids[t];

		if (!pid_alive(pid)) {
			info("damon-bpf: pid %d: no such process, skipped", pid);
			gone[t] = true;
			nr_gone++;
		} else if (pid_check_user(pid)) {
			return -1;
		}
	}
	if (nr_gone == sp->ctx.nr_pids)
		return err("none of the target processes exists");
	if (!nr_gone)
		return 0;
	/* Nothing runs yet: remove them and their schemes outright. */
	forget_schemes(r, gone, true);
	forget_targets(r, gone);
	return 0;
}
