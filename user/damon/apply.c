// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a context config (struct damon_ctx_cfg) written into our kdamond's sysfs tree:
 * attributes, sample control, targets and their regions, schemes with their quotas, goals,
 * filters and watermarks.  Count files are written only when they change.
 */
#include <errno.h>
#include <string.h>

#include "damon/damon.h"
#include "damon/sysfs.h"
#include "lib/util.h"

static int put_filter(const char *fdir, int idx, const char *type, bool matching, bool allow,
		      const char *arg_file, const char *arg)
{
	char d[384];

	snprintf(d, sizeof(d), "%s/%d", fdir, idx);
	if (put(d, "type", "%s", type) || put(d, "matching", matching ? "Y" : "N") ||
	    put(d, "allow", allow ? "Y" : "N"))
		return -1;
	return arg_file ? put(d, arg_file, "%s", arg) : 0;
}

/*
 * Sample control: primitives and filters.  Every condition is a filter that rejects what does
 * not match (matching=N allow=N); unmatched reports fall to the default, which is "allow" after
 * a reject filter, so the conditions combine as AND whatever their order.
 */
static int apply_sample(const char *ctx, const struct damon_ctx_cfg *c)
{
	char sdir[320], fdir[352], cl[1024];
	int nr = 0;

	snprintf(sdir, sizeof(sdir), "%s/monitoring_attrs/sample", ctx);
	if (!exists(sdir)) {
		if (c->page_fault || c->cpus || c->rw != RW_BOTH || !c->page_table)
			return err("this kernel has no DAMON sample control (%s): per-CPU, write-only "
				   "and page-fault monitoring need the damon-bpf kernel series", sdir);
		return 0;
	}
	if (put(sdir, "primitives/page_table", c->page_table ? "Y" : "N") ||
	    put(sdir, "primitives/page_fault", c->page_fault ? "Y" : "N"))
		return -1;
	snprintf(fdir, sizeof(fdir), "%s/filters", sdir);
	nr = (c->cpus != NULL) + (c->rw != RW_BOTH);
	if (put_count(fdir, "nr_filters", nr))
		return -1;
	nr = 0;
	if (c->cpus) {
		format_cpulist(c->cpus, DAMON_BPF_MAX_CPUS, cl, sizeof(cl));
		if (put_filter(fdir, nr++, "cpumask", false, false, "cpumask", cl))
			return -1;
	}
	if (c->rw != RW_BOTH &&
	    put_filter(fdir, nr++, "write", c->rw == RW_READS, false, NULL, NULL))
		return -1;
	return 0;
}

/* The file of a probe filter's value, by its type (none for anon and write). */
static const char *probe_value_file(const char *type)
{
	static const char *const files[][2] = {
		{ "memcg", "path" }, { "cpumask", "cpumask" }, { "threads", "tid_arr" },
		{ "source", "source" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++)
		if (!strcmp(type, files[i][0]))
			return files[i][1];
	return NULL;
}

/* monitoring_attrs/probes: the probes and their filters, as the kernel evaluates them. */
static int apply_probes(const char *ctx, const struct damon_ctx_cfg *c)
{
	char pdir[320], fdir[352];
	int i, k;

	snprintf(pdir, sizeof(pdir), "%s/monitoring_attrs/probes", ctx);
	if (!exists(pdir))
		return c->nr_probes ? err("this kernel has no DAMON probes (%s): data attributes "
					  "monitoring needs Linux 7.2 or the damon-bpf kernel "
					  "series", pdir) : 0;
	if (put_count(pdir, "nr_probes", c->nr_probes))
		return -1;
	for (i = 0; i < c->nr_probes; i++) {
		const struct probe_cfg *p = &c->probes[i];

		snprintf(fdir, sizeof(fdir), "%s/%d/filters", pdir, i);
		if (put_count(fdir, "nr_filters", p->nr_filters))
			return -1;
		for (k = 0; k < p->nr_filters; k++) {
			const struct probe_filter_cfg *f = &p->filters[k];

			if (put_filter(fdir, k, f->type, f->matching, f->allow,
				       probe_value_file(f->type), f->value))
				return -1;
		}
	}
	return 0;
}

static int apply_filter(const char *fdir, int idx, const struct damos_filter_cfg *f,
			uint64_t start, uint64_t end)
{
	char d[400];

	snprintf(d, sizeof(d), "%s/%d", fdir, idx);
	if (put_feature(d, "type", f->type, "DAMOS has no '%s' filter"))
		return -1;
	if (!strcmp(f->type, "target") && put(d, "damon_target_idx", "%d", f->target_idx))
		return -1;
	if (!strcmp(f->type, "addr") &&
	    (put(d, "addr_start", "%llu", (unsigned long long)start) ||
	     put(d, "addr_end", "%llu", (unsigned long long)end)))
		return -1;
	if (!strcmp(f->type, "memcg") && put(d, "memcg_path", "%s", f->memcg))
		return -1;
	return put(d, "matching", f->matching ? "Y" : "N");
}

static int apply_goals(const char *sdir, const struct damon_scheme_cfg *s)
{
	char gdir[320], d[352];
	int i;

	snprintf(gdir, sizeof(gdir), "%s/quotas/goals", sdir);
	if (put_count(gdir, "nr_goals", s->nr_goals))
		return -1;
	for (i = 0; i < s->nr_goals; i++) {
		const struct damos_goal_cfg *g = &s->goals[i];
		bool node = !strncmp(g->metric, "node_mem_", 9);

		snprintf(d, sizeof(d), "%s/%d", gdir, i);
		if (node && !exists_at(d, "nid"))
			return err("quota goal '%s' needs the damon-bpf kernel series (a kernel "
				   "with quotas/goals/N/nid)", g->metric);
		if (put_feature(d, "target_metric", g->metric,
				"DAMOS has no quota goal metric '%s'"))
			return -1;
		if (put(d, "target_value", "%llu", (unsigned long long)g->target_value) ||
		    (node && put(d, "nid", "%d", g->nid)))
			return -1;
	}
	return 0;
}

static int apply_scheme(const char *sdir, const struct damon_scheme_cfg *s)
{
	const struct damon_access_pattern *p = &s->pattern;
	char fdir[320];
	int i;

	if (put_feature(sdir, "action", s->action, "DAMON does not support the action '%s'"))
		return -1;
	if (put(sdir, "access_pattern/sz/min", "%llu", (unsigned long long)p->sz_min) ||
	    put(sdir, "access_pattern/sz/max", "%llu", (unsigned long long)p->sz_max) ||
	    put(sdir, "access_pattern/nr_accesses/min", "%u", p->nr_min) ||
	    put(sdir, "access_pattern/nr_accesses/max", "%u", p->nr_max) ||
	    put(sdir, "access_pattern/age/min", "%u", p->age_min) ||
	    put(sdir, "access_pattern/age/max", "%u", p->age_max) ||
	    put(sdir, "quotas/ms", "%llu", (unsigned long long)s->quota_ms) ||
	    put(sdir, "quotas/bytes", "%llu", (unsigned long long)s->quota_sz) ||
	    put(sdir, "quotas/reset_interval_ms", "%llu", (unsigned long long)s->quota_reset_ms) ||
	    put(sdir, "quotas/weights/sz_permil", "%u", s->w_sz) ||
	    put(sdir, "quotas/weights/nr_accesses_permil", "%u", s->w_nr) ||
	    put(sdir, "quotas/weights/age_permil", "%u", s->w_age))
		return -1;
	if (apply_goals(sdir, s))
		return -1;
	if (s->target_nid >= 0 && put(sdir, "target_nid", "%d", s->target_nid))
		return -1;
	/* DAMOS filters of 6.12 only exclude; filtered memory is not charged to the quota. */
	snprintf(fdir, sizeof(fdir), "%s/filters", sdir);
	if (put_count(fdir, "nr_filters", s->nr_filters))
		return -1;
	for (i = 0; i < s->nr_filters; i++)
		if (apply_filter(fdir, i, &s->filters[i], s->filters[i].start, s->filters[i].end))
			return -1;
	if (put(sdir, "watermarks/metric", "%s", s->wmarks.metric[0] ? s->wmarks.metric : "none"))
		return -1;
	if (s->wmarks.metric[0] && strcmp(s->wmarks.metric, "none") &&
	    (put(sdir, "watermarks/interval_us", "%llu",
		 (unsigned long long)s->wmarks.interval_us) ||
	     put(sdir, "watermarks/high", "%u", s->wmarks.high) ||
	     put(sdir, "watermarks/mid", "%u", s->wmarks.mid) ||
	     put(sdir, "watermarks/low", "%u", s->wmarks.low)))
		return -1;
	return 0;
}

/* The fixed regions of a target (fvaddr): its mapped ranges. */
static int apply_ranges(const char *tdir, const uint64_t (*r)[2], int n)
{
	char d[320];
	int i;

	if (put_count(tdir, "regions/nr_regions", n))
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(d, sizeof(d), "%s/regions/%d", tdir, i);
		if (put(d, "start", "%llu", (unsigned long long)r[i][0]) ||
		    put(d, "end", "%llu", (unsigned long long)r[i][1]))
			return -1;
	}
	return 0;
}

int damon_apply(struct damon_session *s, const struct damon_ctx_cfg *c)
{
	char ctx[192], d[256];
	int i;

	snprintf(ctx, sizeof(ctx), "%s/contexts/0", s->dir);
	if (put(ctx, "operations", "%s", c->ops) ||
	    put(ctx, "monitoring_attrs/intervals/sample_us", "%llu", (unsigned long long)c->sample_us) ||
	    put(ctx, "monitoring_attrs/intervals/aggr_us", "%llu", (unsigned long long)c->aggr_us) ||
	    put(ctx, "monitoring_attrs/intervals/update_us", "%llu", (unsigned long long)c->update_us) ||
	    put(ctx, "monitoring_attrs/nr_regions/min", "%llu",
		(unsigned long long)c->min_nr_regions) ||
	    put(ctx, "monitoring_attrs/nr_regions/max", "%llu",
		(unsigned long long)c->max_nr_regions))
		return -1;
	if (apply_sample(ctx, c) || apply_probes(ctx, c))
		return -1;
	if (put_count(ctx, "targets/nr_targets", c->nr_pids))
		return -1;
	for (i = 0; i < c->nr_pids; i++) {
		snprintf(d, sizeof(d), "%s/targets/%d", ctx, i);
		if (c->obsolete[i] && !exists_at(d, "obsolete_target"))
			return err("removing a target from a running kdamond needs the damon-bpf "
				   "kernel series (targets/N/obsolete_target)");
		if (exists_at(d, "obsolete_target") &&
		    put(d, "obsolete_target", c->obsolete[i] ? "Y" : "N"))
			return -1;
		if (strcmp(c->ops, "paddr") && put(d, "pid_target", "%d", c->pids[i]))
			return -1;
		if (!strcmp(c->ops, "fvaddr") && apply_ranges(d, c->ranges[i], c->nr_ranges[i]))
			return -1;
		if (!strcmp(c->ops, "paddr") && c->region_end &&
		    (put_count(d, "regions/nr_regions", 1) ||
		     put(d, "regions/0/start", "%llu", (unsigned long long)c->region_start) ||
		     put(d, "regions/0/end", "%llu", (unsigned long long)c->region_end)))
			return -1;
	}
	if (put_count(ctx, "schemes/nr_schemes", c->nr_schemes))
		return -1;
	for (i = 0; i < c->nr_schemes; i++) {
		snprintf(d, sizeof(d), "%s/schemes/%d", ctx, i);
		if (apply_scheme(d, &c->schemes[i]))
			return -1;
	}
	return 0;
}
