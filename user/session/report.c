// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a scheme session's report, gathered from the spec, DAMON's stats and goals,
 * /proc and the nodes' meminfo into the view's model (view/stats.h), then printed by it
 * (and written as --prom metrics, view/prom.h).
 */
#include <stdlib.h>
#include <string.h>

#include "damon/damon.h"
#include "lib/util.h"
#include "session/internal.h"
#include "view/prom.h"
#include "view/stats.h"

_Static_assert(STATS_MAX_ROWS >= DAMON_MAX_SCHEMES && STATS_MAX_GOALS >= DAMOS_MAX_GOALS,
	       "the stats view must hold every scheme and goal of a context");

static uint64_t proc_kb(int pid, const char *file, const char *field)
{
	char path[64], buf[8192], *p;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (read_file(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, field)))
		return 0;
	return strtoull(p + strlen(field), NULL, 10);
}

/* The stats of scheme i since it got its owner. */
static struct stats_counts counts(const struct spec *sp, const struct damos_stats *raw, int i)
{
	const struct damos_stats *b = &sp->base[i];

	return (struct stats_counts){
		raw[i].nr_tried - b->nr_tried, raw[i].sz_tried - b->sz_tried,
		raw[i].nr_applied - b->nr_applied, raw[i].sz_applied - b->sz_applied,
		raw[i].qt_exceeds - b->qt_exceeds,
	};
}

static void gather_target(struct stats_report *rep, const struct spec *sp,
			  const struct damos_stats *raw, int i)
{
	struct stats_target *t = &rep->targets[rep->nr_targets++];

	t->pid = sp->owner[i];
	t->idx = i;
	t->action = sp->ctx.schemes[i].action;
	t->st = counts(sp, raw, i);
	t->swap_kb = proc_kb(t->pid, "status", "VmSwap:");
	t->anon_huge_kb = proc_kb(t->pid, "smaps_rollup", "AnonHugePages:");
}

static void gather_scheme(struct stats_report *rep, struct runner *r,
			  const struct damos_stats *raw, int i)
{
	const struct damon_scheme_cfg *s = &r->sp.ctx.schemes[i];
	struct stats_scheme *out = &rep->schemes[rep->nr_schemes++];
	uint64_t cur[DAMOS_MAX_GOALS] = {};
	int g;

	damon_goal_values(&r->d, i, cur, s->nr_goals, &out->effective_sz);
	out->idx = i;
	out->action = s->action;
	out->target_nid = s->target_nid;
	out->st = counts(&r->sp, raw, i);
	out->nr_goals = s->nr_goals;
	for (g = 0; g < s->nr_goals; g++)
		out->goals[g] = (struct stats_goal){ s->goals[g].metric, s->goals[g].nid,
						     s->goals[g].target_value, cur[g] };
}

static void gather_nodes(struct stats_report *rep, const struct spec *sp)
{
	uint64_t total, free;
	int nid;

	for (nid = 0; nid < STATS_MAX_NODES; nid++) {
		if (!spec_node_used(sp, nid) || node_mem(nid, &total, &free) || !total)
			continue;
		rep->nodes[rep->nr_nodes++] = (struct stats_node){ nid, total, free };
	}
}

static void gather(struct stats_report *rep, struct runner *r, const struct damos_stats *raw)
{
	struct spec *sp = &r->sp;
	int i, n = sp->ctx.nr_schemes;

	rep->command = sp->policy.command;
	rep->collapse = !strcmp(sp->policy.command, "collapse") && n;
	rep->min_access = n ? sp->ctx.schemes[0].pattern.nr_min : 0;
	rep->max_access = spec_max_access(sp);
	/* Shared schemes' goals and effective quotas are refreshed on request. */
	for (i = 0; i < n; i++) {
		if (!spec_per_target(sp, i) && sp->owner[i] != OWNER_RETIRED) {
			damon_update_quotas(&r->d);
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (spec_per_target(sp, i))
			gather_target(rep, sp, raw, i);
	for (i = 0; i < n; i++)
		if (!spec_per_target(sp, i) && sp->owner[i] != OWNER_RETIRED)
			gather_scheme(rep, r, raw, i);
	gather_nodes(rep, sp);
}

int print_stats(struct runner *r, const struct damos_stats *raw, double t, bool json,
		const char *name, const struct session_file *sf, const char *prom)
{
	struct stats_report *rep = calloc(1, sizeof(*rep));
	uint64_t counters[STAT_MAX];
	int ret = 0;

	if (!rep)
		return err("out of memory");
	rep->time = t;
	rep->name = name;
	if (name) {
		rep->owner = sf->owner;
		rep->owner_command = sf->command;
	}
	gather(rep, r, raw);
	stats_print(stdout, rep, json);
	/* The same report as metrics, with the reporters' counters where reporters run. */
	if (prom && r->rep.skel && reporter_read_stats(&r->rep, counters, NULL))
		ret = -1;
	else if (prom)
		ret = prom_write_stats(prom, r->name, rep, r->rep.skel ? counters : NULL);
	free(rep);
	return ret;
}
