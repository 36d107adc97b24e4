// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: scheme sessions (see schemes.h).
 *
 * The kernel matches a commit's targets and schemes with the running ones by position.  A
 * target that leaves is committed with obsolete_target=Y (kernel/patches), so that the later
 * targets keep their regions; its per-target scheme is retired in place (a no-op that
 * filters everything out) rather than removed, so that the later schemes keep their stats;
 * a target added later takes a retired scheme back, with the stats it had as its base.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/reporter.h"
#include "session/schemes.h"
#include "session/session.h"
#include "lib/util.h"

#define RETIRED_IDX 9999	/* a target filter index that matches no target */

/* --- per-target schemes, priorities -------------------------------------------------- */

static bool per_target(const struct spec *sp, int i)
{
	return sp->owner[i] > 0;
}

/* The target index a per-target scheme is kept to (its first filter). */
static struct damos_filter_cfg *target_filter(struct spec *sp, int i)
{
	struct damon_scheme_cfg *s = &sp->ctx.schemes[i];

	return s->nr_filters && !strcmp(s->filters[0].type, "target") ? &s->filters[0] : NULL;
}

void schemes_add_per_target(struct spec *sp, const struct damon_scheme_cfg *tmpl)
{
	int t, i;

	for (t = 0; t < sp->ctx.nr_pids && sp->ctx.nr_schemes < DAMON_MAX_SCHEMES; t++) {
		struct damon_scheme_cfg *s = &sp->ctx.schemes[sp->ctx.nr_schemes];

		*s = *tmpl;
		memmove(&s->filters[1], &s->filters[0],
			(DAMOS_MAX_FILTERS - 1) * sizeof(s->filters[0]));
		s->filters[0] = (struct damos_filter_cfg){ .type = "target", .target_idx = t };
		s->nr_filters = s->nr_filters < DAMOS_MAX_FILTERS ? s->nr_filters + 1 :
				DAMOS_MAX_FILTERS;
		i = sp->ctx.nr_schemes++;
		sp->owner[i] = sp->ctx.pids[t];
	}
}

/*
 * reclaim: a target of priority N pages out only memory idle for N x min-age, gets a share
 * of the quota that weighs 1/N, and with watermarks starts only when free memory is lower the
 * higher its rank among the priorities: the lowest ranked start at the base 'mid', the highest
 * at mid - (mid - low) * rank / ranks.  The kernel evaluates the watermarks against free
 * memory every watermark interval, so the order follows free memory as it changes.
 */
void schemes_derive(struct spec *sp)
{
	const struct damon_wmarks *w = &sp->policy.wmarks;
	uint32_t ranks[DAMON_MAX_TARGETS];
	double inv_sum = 0;
	int i, t, nr_ranks = 0;

	if (!sp->policy.quota_sz && !sp->policy.min_age_us)
		return;
	for (t = 0; t < sp->ctx.nr_pids; t++) {
		bool seen = false;

		inv_sum += 1.0 / sp->prio[t];
		for (i = 0; i < nr_ranks; i++)
			seen |= ranks[i] == sp->prio[t];
		if (!seen)
			ranks[nr_ranks++] = sp->prio[t];
	}
	for (i = 0; i < sp->ctx.nr_schemes; i++) {
		struct damon_scheme_cfg *s = &sp->ctx.schemes[i];
		int rank = 0, k;
		uint32_t p;

		if (!per_target(sp, i))
			continue;
		t = spec_target_index(sp, sp->owner[i]);
		if (t < 0)
			continue;
		p = sp->prio[t];
		if (sp->policy.quota_sz) {
			s->quota_sz = sp->policy.quota_sz * (1.0 / p) / inv_sum;
			if (s->quota_sz < 4096)
				s->quota_sz = 4096;
		}
		if (sp->policy.min_age_us)
			s->pattern.age_min = sp->policy.min_age_us * p / sp->ctx.aggr_us;
		if (!w->metric[0] || !strcmp(w->metric, "none"))
			continue;
		for (k = 0; k < nr_ranks; k++)
			rank += ranks[k] < p;
		s->wmarks = *w;
		s->wmarks.mid = w->mid - (uint64_t)(w->mid - w->low) * rank / nr_ranks;
		s->wmarks.high = s->wmarks.mid + (w->high - w->mid);
	}
}

int parse_priority(const char *arg, int *pid, uint32_t *prio)
{
	char buf[64], *colon;
	long a, b;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (parse_int(buf, 1, 1 << 30, &a) || parse_int(colon + 1, 1, 1000, &b))
		return -1;
	*pid = a;
	*prio = b;
	return 0;
}

/* --- the options every scheme command has ------------------------------------------- */

void scheme_args_init(struct scheme_args *a, const char *cmd, uint64_t quota_sz)
{
	*a = (struct scheme_args){
		.cmd = cmd, .quota_sz = quota_sz, .quota_reset_ms = 1000, .sample_us = 5000,
		.aggr_us = 100000, .interval_us = 1000000, .name = cmd, .add_prio = 1,
	};
}

error_t scheme_args_opt(struct scheme_args *a, int key, char *arg, struct argp_state *state)
{
	uint64_t *dst = NULL;
	char *slash;
	long n;
	int pid;
	uint32_t prio;

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
	case OPT_PRIORITY:
		if (parse_priority(arg, &pid, &prio))
			argp_error(state, "--priority %s: expected PID:N with N from 1 to 1000", arg);
		if (a->nr_prio == DAMON_MAX_TARGETS)
			argp_error(state, "at most %d --priority", DAMON_MAX_TARGETS);
		a->prio_pid[a->nr_prio] = pid;
		a->prio[a->nr_prio++] = prio;
		break;
	case OPT_SAMPLE: dst = &a->sample_us; /* fall through */
	case OPT_AGGR: if (!dst) dst = &a->aggr_us; /* fall through */
	case 'i': if (!dst) dst = &a->interval_us; /* fall through */
	case 'd':
		if (!dst)
			dst = &a->duration_us;
		if (parse_duration_us(arg, dst) || !*dst)
			argp_error(state, "'%s' is not a time above 0: use a number with us, ms, s, "
				   "m or h", arg);
		if ((key == OPT_SAMPLE || key == OPT_AGGR) && *dst > MAX_INTERVAL_US)
			argp_error(state, "'%s': DAMON intervals are at most 1h here (e.g. --sample "
				   "5ms --aggr 100ms)", arg);
		break;
	case OPT_QUOTA:
		slash = strchr(arg, '/');
		if (!slash)
			argp_error(state, "--quota %s: expected SIZE/TIME, e.g. 128MiB/s", arg);
		*slash = '\0';
		if (parse_bytes(arg, &a->quota_sz) || !a->quota_sz)
			argp_error(state, "--quota: '%s' is not a size above 0 (e.g. 64MiB); a quota "
				   "of 0 would never let the scheme act", arg);
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
	case OPT_NAME:
		a->name = arg;
		break;
	case 'j':
		a->json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

bool scheme_args_end(struct scheme_args *a, struct argp_state *state)
{
	int i, k;

	if ((a->add || a->remove) && a->nr_pids)
		argp_error(state, "--add/--remove change a running session: no --pid");
	if (a->add && a->remove)
		argp_error(state, "one of --add and --remove at a time");
	for (i = 0; i < a->nr_prio; i++) {
		for (k = 0; k < a->nr_pids && a->pids[k] != a->prio_pid[i]; k++)
			;
		if (a->add && a->prio_pid[i] == a->add)
			a->add_prio = a->prio[i];
		else if (k == a->nr_pids)
			argp_error(state, "--priority %d:%u: pid %d is not a --pid%s", a->prio_pid[i],
				   a->prio[i], a->prio_pid[i], a->add ? " nor the --add" : "");
	}
	if (a->add || a->remove)
		return true;
	if (!a->no_pids && !a->nr_pids)
		argp_error(state, "no process: give --pid PID");
	if (a->sample_us > a->aggr_us)
		argp_error(state, "--sample must not be longer than --aggr");
	return false;
}

void scheme_args_apply(const struct scheme_args *a, struct spec *sp, struct run_opts *o)
{
	int i, t;

	spec_init(sp);
	snprintf(sp->policy.command, sizeof(sp->policy.command), "%s", a->cmd);
	sp->ctx.sample_us = a->sample_us;
	sp->ctx.aggr_us = a->aggr_us;
	memcpy(sp->ctx.pids, a->pids, a->nr_pids * sizeof(*a->pids));
	sp->ctx.nr_pids = a->nr_pids;
	for (i = 0; i < a->nr_prio; i++) {
		t = spec_target_index(sp, a->prio_pid[i]);
		if (t >= 0)
			sp->prio[t] = a->prio[i];
	}
	snprintf(sp->policy.name, sizeof(sp->policy.name), "%s", a->name);
	*o = (struct run_opts){ a->interval_us, a->duration_us, a->json };
}

/* --- checks ----------------------------------------------------------------------------- */

static int node_list(char *buf, size_t len)
{
	if (read_file("/sys/devices/system/node/online", buf, len) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* kB of MemTotal and MemFree of node nid, or -1. */
static int node_mem(int nid, uint64_t *total_kb, uint64_t *free_kb)
{
	char path[96], buf[4096], *p;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "MemTotal:");
	*total_kb = p ? strtoull(p + 9, NULL, 10) : 0;
	p = strstr(buf, "MemFree:");
	*free_kb = p ? strtoull(p + 8, NULL, 10) : 0;
	return 0;
}

int node_check(int nid, const char *what)
{
	uint64_t total, free;
	char nodes[128] = "?";

	node_list(nodes, sizeof(nodes));
	if (nid < 0 || node_mem(nid, &total, &free))
		return err("%s: node %d does not exist (online nodes: %s)", what, nid, nodes);
	if (!total)
		return err("%s: node %d has no memory", what, nid);
	return 0;
}

/* --- the session state ------------------------------------------------------------------ */

/* A target's mapped ranges: its address space without its largest unmapped gaps. */
struct ranges {
	uint64_t r[DAMON_MAX_RANGES][2];
	int n;
};

struct runner {
	struct spec sp;
	struct damon_session d;
	struct reporter rep;
	char name[65];
	char spec_path[256];
	struct ranges ranges[DAMON_MAX_TARGETS];
	/* collapse --min-access auto */
	double last_change;
	uint64_t last_applied;
	bool found;
};

static int cmp_gap(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;
	uint64_t sa = a[1] - a[0], sb = b[1] - b[0];

	return sa > sb ? -1 : sa < sb;
}

static int cmp_start(const void *x, const void *y)
{
	const uint64_t *a = x, *b = y;

	return a[0] < b[0] ? -1 : a[0] > b[0];
}

/*
 * The ranges a process has mapped: from its first mapping to its last, cut at its largest
 * unmapped gaps (up to DAMON_MAX_RANGES - 1 of them).  vaddr's own 'three regions' leave
 * every gap but the two largest inside the regions, and 6.12 charges DAMOS quotas by region
 * size: a gap of terabytes never accessed ranks as the coldest memory there is and takes a
 * pageout quota while nothing is paged out.  These ranges go to DAMON as the fixed regions
 * of an fvaddr target instead, refreshed (with a commit, which keeps the regions' state)
 * when the mappings change.
 */
static void find_ranges(int pid, struct ranges *rg)
{
	static uint64_t gaps[4096][2];
	uint64_t first = 0, prev_end = 0;
	char path[64], line[512];
	int n = 0, i, k;
	FILE *f;

	rg->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s0, e0;

		if (sscanf(line, "%llx-%llx", &s0, &e0) != 2 || strstr(line, "[vsyscall]"))
			continue;
		if (!prev_end)
			first = s0;
		else if (s0 > prev_end && n < 4096) {
			gaps[n][0] = prev_end;
			gaps[n][1] = s0;
			n++;
		}
		prev_end = e0;
	}
	fclose(f);
	if (!prev_end)
		return;
	qsort(gaps, n, sizeof(gaps[0]), cmp_gap);
	n = n < DAMON_MAX_RANGES - 1 ? n : DAMON_MAX_RANGES - 1;
	qsort(gaps, n, sizeof(gaps[0]), cmp_start);
	for (i = 0, k = 0; i <= n; i++) {
		rg->r[k][0] = i ? gaps[i - 1][1] : first;
		rg->r[k][1] = i < n ? gaps[i][0] : prev_end;
		k++;
	}
	rg->n = k;
}

/* Re-reads the targets' ranges; whether any changed. */
static bool refresh_ranges(struct runner *r)
{
	bool changed = false;
	int i;

	if (!r->sp.policy.skip_unmapped)
		return false;
	for (i = 0; i < r->sp.ctx.nr_pids; i++) {
		struct ranges rg;

		find_ranges(r->sp.ctx.pids[i], &rg);
		if (rg.n != r->ranges[i].n || memcmp(rg.r, r->ranges[i].r, rg.n * sizeof(rg.r[0]))) {
			r->ranges[i] = rg;
			changed = true;
		}
	}
	return changed;
}

/* The kernel's view of the spec: with skip_unmapped, fvaddr targets of mapped ranges. */
static void kernel_cfg(struct runner *r, struct damon_ctx_cfg *c)
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

static int commit(struct runner *r)
{
	struct damon_ctx_cfg c;

	kernel_cfg(r, &c);
	if (verbose)
		info("damon-bpf: commit: %d target(s), %d scheme(s)", c.nr_pids, c.nr_schemes);
	if (damon_commit(&r->d, &c))
		return -1;
	return save_state(r);
}

static void retire(struct spec *sp, int i)
{
	struct damon_scheme_cfg *s = &sp->ctx.schemes[i];

	*s = (struct damon_scheme_cfg){ .action = "stat", .target_nid = -1, .quota_reset_ms = 1000 };
	s->pattern = (struct damon_access_pattern){ 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX };
	s->filters[0] = (struct damos_filter_cfg){ .type = "target", .target_idx = RETIRED_IDX };
	s->nr_filters = 1;
	sp->owner[i] = OWNER_RETIRED;
}

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
		struct damos_filter_cfg *f = target_filter(sp, i);

		t = per_target(sp, i) ? spec_target_index(sp, sp->owner[i]) : -1;
		if (t >= 0 && gone[t]) {
			if (delete)
				continue;
			retire(sp, i);
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
	schemes_derive(sp);
}

/*
 * Removes the targets gone[] marks, in one commit (with obsolete_target where the kernel has
 * it), retiring their schemes and renumbering the others' target filters.
 */
static int remove_targets(struct runner *r, const bool *gone)
{
	struct spec *sp = &r->sp;
	bool obsolete = damon_has_obsolete(&r->d);

	forget_schemes(r, gone, false);
	/* The kernel drops the obsolete targets; then the list is compacted here. */
	if (obsolete) {
		struct damon_ctx_cfg c;

		memcpy(sp->ctx.obsolete, gone, sp->ctx.nr_pids * sizeof(*gone));
		kernel_cfg(r, &c);
		if (damon_commit(&r->d, &c))
			return -1;
		if (verbose)
			info("damon-bpf: obsolete commit of %d target(s): kdamond %s", c.nr_pids,
			     damon_running(&r->d) ? "running" : "stopped");
	}
	forget_targets(r, gone);
	memset(sp->ctx.obsolete, 0, sizeof(sp->ctx.obsolete));
	/*
	 * Without obsolete_target the kernel keeps targets by position: the ones after a removed
	 * target take over their predecessors' regions until the next regions update.
	 */
	if (!obsolete && verbose)
		info("damon-bpf: the kernel has no obsolete_target: the targets after a removed "
		     "one inherit regions by position");
	/* The new target count, and the quotas derived from it. */
	return commit(r);
}

/* Drops targets that exited; whether any is left. */
static int drop_exited(struct runner *r, bool *any_left)
{
	bool gone[DAMON_MAX_TARGETS] = {};
	int t, nr_gone = 0;

	*any_left = true;
	if (strcmp(r->sp.ctx.ops, "paddr") == 0 || !r->sp.policy.drop_exited)
		return 0;
	for (t = 0; t < r->sp.ctx.nr_pids; t++) {
		if (!pid_alive(r->sp.ctx.pids[t])) {
			gone[t] = true;
			nr_gone++;
			info("damon-bpf: pid %d exited: dropped from the session", r->sp.ctx.pids[t]);
		}
	}
	if (!nr_gone)
		return 0;
	if (nr_gone == r->sp.ctx.nr_pids) {
		*any_left = false;
		return 0;
	}
	return remove_targets(r, gone);
}

static int add_target(struct runner *r, int pid, uint32_t prio, const struct damos_stats *st)
{
	struct spec *sp = &r->sp;
	struct damon_scheme_cfg tmpl;
	int i, t = sp->ctx.nr_pids, slot = -1, src = -1;

	for (i = 0; i < sp->ctx.nr_schemes; i++) {
		if (per_target(sp, i) && src < 0)
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
	schemes_derive(sp);
	return commit(r);
}

/* --- output ----------------------------------------------------------------------------- */

static uint64_t proc_kb(int pid, const char *file, const char *field)
{
	char path[64], buf[8192], *p;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, field)))
		return 0;
	return strtoull(p + strlen(field), NULL, 10);
}

static void sub_stats(struct damos_stats *a, const struct damos_stats *b)
{
	a->nr_tried -= b->nr_tried;
	a->sz_tried -= b->sz_tried;
	a->nr_applied -= b->nr_applied;
	a->sz_applied -= b->sz_applied;
	a->qt_exceeds -= b->qt_exceeds;
}

static bool node_used(const struct spec *sp, int nid)
{
	int i, k;

	for (i = 0; i < sp->ctx.nr_schemes; i++) {
		if (sp->owner[i] == OWNER_RETIRED)
			continue;
		if (sp->ctx.schemes[i].target_nid == nid)
			return true;
		for (k = 0; k < sp->ctx.schemes[i].nr_goals; k++)
			if (!strncmp(sp->ctx.schemes[i].goals[k].metric, "node_mem_", 9) &&
			    sp->ctx.schemes[i].goals[k].nid == nid)
				return true;
	}
	return false;
}

/*
 * One interval's report: per target (per-target schemes), per scheme, per node; raw[] are the
 * schemes' stats as the kernel counts them (damon_scheme_stats()).
 */
static void print_stats_json(struct runner *r, const struct damos_stats *st, double t,
			     const char *name, const struct session_file *sf)
{
	struct json_writer w = { .f = stdout, .compact = true };
	struct spec *sp = &r->sp;
	int i, g, n = sp->ctx.nr_schemes;

	jw_begin(&w, NULL, '{');
	if (name) {
		jw_str(&w, "name", name);
		jw_str(&w, "kind", sp->policy.command[0] ? sp->policy.command : "run");
		jw_str(&w, "kdamond", "on");
		jw_int(&w, "owner", sf->owner);
		jw_bool(&w, "owner_gone", false);
		jw_str(&w, "command", sf->command);
	}
	jw_double(&w, "time", t, 3);
	if (!strcmp(sp->policy.command, "collapse") && n) {
		jw_num(&w, "min_access", sp->ctx.schemes[0].pattern.nr_min);
		jw_num(&w, "max_access", spec_max_access(sp));
	}
	jw_begin(&w, "targets", '[');
	for (i = 0; i < n; i++) {
		int pid = sp->owner[i];

		if (!per_target(sp, i))
			continue;
		jw_begin(&w, NULL, '{');
		jw_int(&w, "pid", pid);
		jw_str(&w, "action", sp->ctx.schemes[i].action);
		jw_num(&w, "sz_tried", st[i].sz_tried);
		jw_num(&w, "sz_applied", st[i].sz_applied);
		jw_num(&w, "nr_tried", st[i].nr_tried);
		jw_num(&w, "nr_applied", st[i].nr_applied);
		jw_num(&w, "qt_exceeds", st[i].qt_exceeds);
		jw_num(&w, "vm_swap_kb", proc_kb(pid, "status", "VmSwap:"));
		jw_num(&w, "anon_huge_kb", proc_kb(pid, "smaps_rollup", "AnonHugePages:"));
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_begin(&w, "schemes", '[');
	for (i = 0; i < n; i++) {
		const struct damon_scheme_cfg *s = &sp->ctx.schemes[i];
		uint64_t cur[DAMOS_MAX_GOALS] = {}, esz = 0;

		if (per_target(sp, i) || sp->owner[i] == OWNER_RETIRED)
			continue;
		damon_goal_values(&r->d, i, cur, s->nr_goals, &esz);
		jw_begin(&w, NULL, '{');
		jw_str(&w, "action", s->action);
		jw_int(&w, "target_nid", s->target_nid);
		jw_num(&w, "sz_tried", st[i].sz_tried);
		jw_num(&w, "sz_applied", st[i].sz_applied);
		jw_num(&w, "nr_tried", st[i].nr_tried);
		jw_num(&w, "nr_applied", st[i].nr_applied);
		jw_num(&w, "qt_exceeds", st[i].qt_exceeds);
		jw_num(&w, "effective_sz", esz);
		jw_begin(&w, "goals", '[');
		for (g = 0; g < s->nr_goals; g++) {
			jw_begin(&w, NULL, '{');
			jw_str(&w, "metric", s->goals[g].metric);
			jw_int(&w, "nid", s->goals[g].nid);
			jw_num(&w, "target_value", s->goals[g].target_value);
			jw_num(&w, "current_value", cur[g]);
			jw_end(&w, '}');
		}
		jw_end(&w, ']');
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_begin(&w, "nodes", '[');
	for (i = 0; i < 64; i++) {
		uint64_t total, free;

		if (!node_used(sp, i) || node_mem(i, &total, &free) || !total)
			continue;
		jw_begin(&w, NULL, '{');
		jw_int(&w, "nid", i);
		jw_num(&w, "used_bp", (total - free) * 10000 / total);
		jw_num(&w, "free_bp", free * 10000 / total);
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_end(&w, '}');
}

/*
 * One interval's report: per target (per-target schemes), per scheme, per node; raw[] are the
 * schemes' stats as the kernel counts them (damon_scheme_stats()).  With a name (status), the
 * session's name and owner lead.
 */
static void print_stats(struct runner *r, const struct damos_stats *raw, double t, bool json,
			const char *name, const struct session_file *sf)
{
	struct damos_stats st[DAMON_MAX_SCHEMES];
	struct spec *sp = &r->sp;
	int i, n = sp->ctx.nr_schemes;
	bool any_target = false;
	char a[32], b[32], c[32];

	for (i = 0; i < n; i++) {
		st[i] = raw[i];
		sub_stats(&st[i], &sp->base[i]);
		any_target |= per_target(sp, i);
	}
	for (i = 0; i < n; i++) {
		if (!per_target(sp, i) && sp->owner[i] != OWNER_RETIRED) {
			damon_update_quotas(&r->d);
			break;
		}
	}
	if (json) {
		print_stats_json(r, st, t, name, sf);
		out_flush(stdout);
		return;
	}
	if (name)
		printf("%-16s kdamond on   %s", name, sp->policy.command);
	else
		printf("\nt=%.1fs", t);
	if (!strcmp(sp->policy.command, "collapse") && n)
		printf("  min-access %u of %u", sp->ctx.schemes[0].pattern.nr_min,
		       spec_max_access(sp));
	printf("\n");
	if (any_target)
		printf("  %-8s %-10s %12s %12s %10s %10s %10s\n", "PID", "ACTION", "TRIED",
		       "APPLIED", "QUOTA HIT", "VmSwap", "AnonHuge");
	for (i = 0; i < n; i++) {
		int pid = sp->owner[i];

		if (!per_target(sp, i))
			continue;
		format_bytes(st[i].sz_tried, a, sizeof(a));
		format_bytes(st[i].sz_applied, b, sizeof(b));
		format_bytes(proc_kb(pid, "status", "VmSwap:") << 10, c, sizeof(c));
		printf("  %-8d %-10s %12s %12s %10llu %10s", pid, sp->ctx.schemes[i].action, a, b,
		       (unsigned long long)st[i].qt_exceeds, c);
		format_bytes(proc_kb(pid, "smaps_rollup", "AnonHugePages:") << 10, c, sizeof(c));
		printf(" %10s\n", c);
	}
	for (i = 0; i < n; i++) {
		const struct damon_scheme_cfg *s = &sp->ctx.schemes[i];
		uint64_t cur[DAMOS_MAX_GOALS] = {}, esz = 0;
		int g;

		if (per_target(sp, i) || sp->owner[i] == OWNER_RETIRED)
			continue;
		damon_goal_values(&r->d, i, cur, s->nr_goals, &esz);
		format_bytes(st[i].sz_tried, a, sizeof(a));
		format_bytes(st[i].sz_applied, b, sizeof(b));
		format_bytes(esz, c, sizeof(c));
		printf("  scheme %d %-12s", i, s->action);
		if (s->target_nid >= 0)
			printf(" -> node %d", s->target_nid);
		printf("  tried %s, applied %s, quota hit %llu, quota now %s\n", a, b,
		       (unsigned long long)st[i].qt_exceeds, esz ? c : "-");
		for (g = 0; g < s->nr_goals; g++)
			printf("    goal %s (node %d): %llu now, %llu wanted\n", s->goals[g].metric,
			       s->goals[g].nid, (unsigned long long)cur[g],
			       (unsigned long long)s->goals[g].target_value);
	}
	for (i = 0; i < 64; i++) {
		uint64_t total, free;

		if (!node_used(sp, i) || node_mem(i, &total, &free) || !total)
			continue;
		printf("  node %d: %.2f %% used, %.2f %% free\n", i, (total - free) * 100.0 / total,
		       free * 100.0 / total);
	}
	out_flush(stdout);
}

/* --- collapse --min-access auto ---------------------------------------------------------- */

/*
 * Starts at the maximum nr_accesses (aggr / sample) and lowers the threshold by a tenth of it
 * whenever a settling time passes without a collapse, down to the floor; once collapses
 * happen, the threshold stays.
 */
static int collapse_tick(struct runner *r, const struct damos_stats *st, double now)
{
	struct spec *sp = &r->sp;
	uint64_t applied = 0;
	uint32_t cur, step = spec_max_access(sp) / 10 ? spec_max_access(sp) / 10 : 1;
	double settle = 10.0 * sp->ctx.aggr_us / 1e6;
	int i;

	if (strcmp(sp->policy.command, "collapse") || !sp->policy.collapse_auto || r->found ||
	    !sp->ctx.nr_schemes)
		return 0;
	if (settle < 2 * sp->policy.min_age_us / 1e6)
		settle = 2 * sp->policy.min_age_us / 1e6;
	if (settle < 2)
		settle = 2;
	for (i = 0; i < sp->ctx.nr_schemes; i++)
		if (per_target(sp, i) || sp->owner[i] == OWNER_SHARED)
			applied += st[i].nr_applied - sp->base[i].nr_applied;
	if (applied > r->last_applied) {
		r->found = true;
		info("damon-bpf: collapses at min-access %u: threshold kept",
		     sp->ctx.schemes[0].pattern.nr_min);
		return 0;
	}
	cur = sp->ctx.schemes[0].pattern.nr_min;
	if (now - r->last_change < settle || cur <= sp->policy.collapse_floor)
		return 0;
	cur = cur > sp->policy.collapse_floor + step ? cur - step : sp->policy.collapse_floor;
	for (i = 0; i < sp->ctx.nr_schemes; i++)
		if (sp->owner[i] != OWNER_RETIRED)
			sp->ctx.schemes[i].pattern.nr_min = cur;
	r->last_change = now;
	r->last_applied = applied;
	if (verbose)
		info("damon-bpf: no collapse yet: min-access lowered to %u", cur);
	return commit(r);
}

/* --- running ---------------------------------------------------------------------------- */

/* Drops dead pids before anything starts; kernel threads are errors. */
static int check_targets(struct runner *r)
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
		} else if (pid_is_kthread(pid)) {
			return err("pid %d is a kernel thread: DAMON monitors user address spaces",
				   pid);
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

/* Nodes of schemes, goals and filters exist and have memory; node filters get ranges. */
static int check_nodes(struct spec *sp)
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

static int start_reporters(struct runner *r)
{
	struct spec *sp = &r->sp;
	struct reporter_opts o = {};

	if (!sp->bpf.source[0])
		return 0;
	if (!kernel_has_kfunc())
		return err("bpf.source %s: this kernel has no bpf_damon_report_access() kfunc "
			   "(kernel/patches); its reports could not reach DAMON", sp->bpf.source);
	o.fault = !strcmp(sp->bpf.source, "fault");
	o.perf = !strcmp(sp->bpf.source, "perf");
	o.rw = sp->ctx.rw;
	o.cpus = sp->ctx.cpus;
	if (strcmp(sp->ctx.ops, "paddr")) {
		o.tgids = sp->ctx.pids;
		o.nr_tgids = sp->ctx.nr_pids;
	}
	/* On failure the caller's reporter_stop() frees what reporter_start() left. */
	return reporter_start(&r->rep, &o);
}

int schemes_run(struct spec *sp, const struct run_opts *o)
{
	struct damos_stats st[DAMON_MAX_SCHEMES];
	struct runner *r = calloc(1, sizeof(*r));
	struct session_file sf;
	struct session_lock lock;
	struct damon_ctx_cfg c;
	bool claimed = false;
	double start, end;
	int ret = 1, i;

	if (!r)
		return err("out of memory"), 1;
	r->sp = *sp;
	r->d.kdamond = -1;
	snprintf(r->name, sizeof(r->name), "%s", sp->policy.name[0] ? sp->policy.name :
		 sp->policy.command[0] ? sp->policy.command : "run");
	snprintf(r->sp.policy.name, sizeof(r->sp.policy.name), "%s", r->name);
	session_path(r->name, ".json", r->spec_path, sizeof(r->spec_path));
	if (r->sp.ctx.cpus)
		r->sp.ctx.cpus = r->sp.cpus;
	/* A spec printed by 'args' (no state): per-target schemes by their target filter. */
	if (!strcmp(r->sp.policy.command, "reclaim") || !strcmp(r->sp.policy.command, "collapse")) {
		for (i = 0; i < r->sp.ctx.nr_schemes; i++) {
			struct damos_filter_cfg *f = target_filter(&r->sp, i);

			if (!r->sp.owner[i] && f && f->target_idx < r->sp.ctx.nr_pids)
				r->sp.owner[i] = r->sp.ctx.pids[f->target_idx];
		}
	}
	if (session_check_name(r->name) || damon_check() || check_targets(r) ||
	    check_nodes(&r->sp))
		goto out_free;
	if (!strcmp(r->sp.ctx.ops, "paddr") && !r->sp.ctx.region_end &&
	    node_phys_range(-1, &r->sp.ctx.region_start, &r->sp.ctx.region_end))
		goto out_free;
	refresh_ranges(r);
	kernel_cfg(r, &c);
	/* The owner record first: whatever happens from here on, 'stop' can undo it. */
	session_file_init(&sf, r->sp.policy.command[0] ? r->sp.policy.command : "run");
	sf.first_pid = strcmp(r->sp.ctx.ops, "paddr") ? r->sp.ctx.pids[0] : -1;
	snprintf(sf.spec, sizeof(sf.spec), "%s", r->spec_path);
	snprintf(sf.desc, sizeof(sf.desc), "%s: %d target(s), %d scheme(s)", sf.kind,
		 r->sp.ctx.nr_pids, r->sp.ctx.nr_schemes);
	if (session_claim(r->name, &sf, &r->d))
		goto out_free;
	claimed = true;
	if (damon_apply(&r->d, &c) || damon_start(&r->d) || session_started(r->name, &sf, &r->d))
		goto out;
	if (start_reporters(r) || save_state(r))
		goto out;
	info("damon-bpf: session '%s' (%s): %d target(s), %d scheme(s)%s", r->name, sf.kind,
	     strcmp(r->sp.ctx.ops, "paddr") ? r->sp.ctx.nr_pids : 0, r->sp.ctx.nr_schemes,
	     r->sp.owner[0] > 0 ? "; change with --add/--remove" : "");

	start = monotonic_s();
	r->last_change = start;
	end = o->duration_us ? start + o->duration_us / 1e6 : 0;
	while (!exiting) {
		double next = monotonic_s() + o->interval_us / 1e6;
		bool left;

		sleep_until(end && end < next ? end : next);
		if (exiting)
			break;
		if (session_lock(r->name, &lock))
			goto out;
		/* --add/--remove of another process changed the state: take it. */
		if (spec_load(&r->sp, r->spec_path) || check_nodes(&r->sp)) {
			session_unlock(&lock);
			goto out;
		}
		if (!damon_running(&r->d)) {
			session_unlock(&lock);
			/*
			 * A kdamond whose targets still run, or a paddr one (it has no target
			 * to lose), was turned off from outside or failed.
			 */
			if (!strcmp(r->sp.ctx.ops, "paddr") ||
			    any_pid_alive(r->sp.ctx.pids, r->sp.ctx.nr_pids))
				goto out_stopped;
			info("damon-bpf: the kdamond stopped: all targets exited");
			ret = 0;
			goto out;
		}
		if (drop_exited(r, &left) || (left && refresh_ranges(r) && commit(r))) {
			session_unlock(&lock);
			goto out;
		}
		if (!left) {
			/* The kdamond stops by itself once its last target is gone. */
			session_unlock(&lock);
			continue;
		}
		/* One read of the stats serves the collapse threshold and the report. */
		if (damon_scheme_stats(&r->d, st, r->sp.ctx.nr_schemes) ||
		    collapse_tick(r, st, monotonic_s())) {
			session_unlock(&lock);
			goto out;
		}
		print_stats(r, st, monotonic_s() - start, o->json, NULL, NULL);
		session_unlock(&lock);
		if (end && monotonic_s() >= end)
			break;
	}
	ret = 0;
	goto out;
out_stopped:
	err("the kdamond stopped while the session ran: turned off from outside, or it failed "
	    "(see dmesg)");
out:
	reporter_stop(&r->rep);
	if (claimed)
		session_end(r->name, &r->d);
out_free:
	free(r);
	return ret;
}

int schemes_command(int argc, char **argv, scheme_spec_fn build,
		    int (*check)(const struct spec *sp))
{
	struct spec *sp = calloc(1, sizeof(*sp));
	struct scheme_args a = {};
	struct run_opts o;
	int ret;

	if (!sp)
		return err("out of memory"), 1;
	ret = build(argc, argv, sp, &o, &a);
	if (!ret && (a.add || a.remove))
		ret = schemes_change(a.name, a.add, a.remove, a.add_prio);
	else if (!ret && check && check(sp))
		ret = 1;
	else if (!ret)
		ret = schemes_run(sp, &o);
	free(sp);
	return ret;
}

/* Loads a running session for a change or a status read. */
static int attach(struct runner *r, const char *name)
{
	struct session_file sf;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (session_read(name, &sf) || !sf.spec[0])
		return err("no running scheme session '%s' (damon-bpf status lists them)", name);
	snprintf(r->spec_path, sizeof(r->spec_path), "%s", sf.spec);
	if (spec_load(&r->sp, r->spec_path) || check_nodes(&r->sp))
		return -1;
	r->d.kdamond = sf.kdamond;
	snprintf(r->d.dir, sizeof(r->d.dir), "%s/kdamonds/%d", DAMON_ADMIN, sf.kdamond);
	if (!damon_running(&r->d) || damon_kdamond_pid(&r->d) != sf.kdamond_pid)
		return err("session '%s': its kdamond is not running", name);
	refresh_ranges(r);
	return 0;
}

int schemes_change(const char *name, int add, int remove, uint32_t prio)
{
	struct damos_stats st[DAMON_MAX_SCHEMES];
	struct runner *r = calloc(1, sizeof(*r));
	int pid = add ? add : remove, t, ret = 1;
	bool gone[DAMON_MAX_TARGETS] = {};
	struct session_lock lock;

	if (!r)
		return err("out of memory"), 1;
	if (geteuid() != 0) {
		err("changing a session needs root");
		goto out_free;
	}
	if (add && !pid_alive(add)) {
		err("pid %d: no such process", add);
		goto out_free;
	}
	if (add && pid_is_kthread(add)) {
		err("pid %d is a kernel thread: DAMON monitors user address spaces", add);
		goto out_free;
	}
	if (session_lock(name, &lock))
		goto out_free;
	if (attach(r, name))
		goto out;
	if (!strcmp(r->sp.ctx.ops, "paddr")) {
		err("session '%s' monitors physical memory: it has no processes", name);
		goto out;
	}
	/* Exited targets first: 6.12 fails a commit that names one, and the kdamond with it. */
	for (t = 0; t < r->sp.ctx.nr_pids; t++) {
		gone[t] = !pid_alive(r->sp.ctx.pids[t]);
		if (gone[t])
			info("damon-bpf: pid %d exited: dropped from the session", r->sp.ctx.pids[t]);
	}
	t = spec_target_index(&r->sp, pid);
	if (add && t >= 0) {
		err("pid %d is in session '%s' already", pid, name);
		goto out;
	}
	if (remove && t < 0) {
		err("pid %d is not in session '%s'", pid, name);
		goto out;
	}
	if (add && r->sp.ctx.nr_pids == DAMON_MAX_TARGETS) {
		err("session '%s' has %d targets, the most it takes", name, DAMON_MAX_TARGETS);
		goto out;
	}
	if (remove) {
		int left = 0, k;

		gone[t] = true;
		for (k = 0; k < r->sp.ctx.nr_pids; k++)
			left += !gone[k];
		if (!left) {
			err("pid %d is the session's last target: stop it instead "
			    "(damon-bpf stop %s)", pid, name);
			goto out;
		}
	}
	for (t = 0; t < r->sp.ctx.nr_pids && !gone[t]; t++)
		;
	if (t < r->sp.ctx.nr_pids && remove_targets(r, gone))
		goto out;
	if (add) {
		if (damon_scheme_stats(&r->d, st, r->sp.ctx.nr_schemes) ||
		    add_target(r, add, prio, st))
			goto out;
	}
	info("damon-bpf: session %s: pid %d %s, %d target(s)", name, pid,
	     add ? "added" : "removed", r->sp.ctx.nr_pids);
	ret = 0;
out:
	session_unlock(&lock);
out_free:
	free(r);
	return ret;
}

int schemes_status(const char *name, const struct session_file *sf, bool json)
{
	struct runner *r = calloc(1, sizeof(*r));
	int ret = -1;

	if (!r)
		return -1;
	if (!attach(r, name)) {
		struct damos_stats st[DAMON_MAX_SCHEMES];

		ret = damon_scheme_stats(&r->d, st, r->sp.ctx.nr_schemes);
		if (!ret)
			print_stats(r, st, 0, json, name, sf);
		if (!ret && !json)
			printf("%16s loader pid %d, spec %s\n", "", sf->owner, sf->spec);
	}
	free(r);
	return ret;
}
