// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a spec as JSON (see spec/spec.h), in damo's shape plus the "bpf" and "policy"
 * blocks; with state, the loader's bookkeeping too.  What this prints, spec/read.c reads.
 */
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"
#include "spec/spec.h"

/* nr_accesses and ages are u32 here, "max" in the file. */
static uint64_t u32_max(uint32_t v)
{
	return v == UINT32_MAX ? UINT64_MAX : v;
}

static void print_pattern(struct json_writer *w, const struct damon_access_pattern *p)
{
	jw_begin(w, "access_pattern", '{');
	jw_begin(w, "sz_bytes", '{');
	jw_u64(w, "min", p->sz_min);
	jw_u64(w, "max", p->sz_max);
	jw_end(w, '}');
	jw_begin(w, "nr_accesses", '{');
	jw_u64(w, "min", u32_max(p->nr_min));
	jw_u64(w, "max", u32_max(p->nr_max));
	jw_end(w, '}');
	jw_begin(w, "age", '{');
	jw_u64(w, "min", u32_max(p->age_min));
	jw_u64(w, "max", u32_max(p->age_max));
	jw_end(w, '}');
	jw_end(w, '}');
}

static void print_quotas(struct json_writer *w, const struct damon_scheme_cfg *s)
{
	int k;

	jw_begin(w, "quotas", '{');
	jw_u64(w, "time_ms", s->quota_ms);
	jw_u64(w, "sz_bytes", s->quota_sz);
	jw_u64(w, "reset_interval_ms", s->quota_reset_ms);
	jw_begin(w, "goals", '[');
	for (k = 0; k < s->nr_goals; k++) {
		jw_begin(w, NULL, '{');
		jw_str(w, "metric", s->goals[k].metric);
		jw_u64(w, "target_value", s->goals[k].target_value);
		if (!strncmp(s->goals[k].metric, "node_mem_", 9))
			jw_int(w, "nid", s->goals[k].nid);
		jw_end(w, '}');
	}
	jw_end(w, ']');
	jw_begin(w, "weights", '{');
	jw_u64(w, "sz_permil", s->w_sz);
	jw_u64(w, "nr_accesses_permil", s->w_nr);
	jw_u64(w, "age_permil", s->w_age);
	jw_end(w, '}');
	jw_end(w, '}');
}

static void print_wmarks(struct json_writer *w, const struct damon_wmarks *wm)
{
	jw_begin(w, "watermarks", '{');
	jw_str(w, "metric", wm->metric[0] ? wm->metric : "none");
	jw_u64(w, "interval_us", wm->interval_us);
	jw_u64(w, "high_permil", wm->high);
	jw_u64(w, "mid_permil", wm->mid);
	jw_u64(w, "low_permil", wm->low);
	jw_end(w, '}');
}

static void print_filter(struct json_writer *w, const struct damos_filter_cfg *f)
{
	jw_begin(w, NULL, '{');
	jw_str(w, "filter_type", f->type);
	jw_bool(w, "matching", f->matching);
	jw_bool(w, "allow", false);
	if (!strcmp(f->type, "target"))
		jw_int(w, "target_idx", f->target_idx);
	if (!strcmp(f->type, "memcg"))
		jw_str(w, "memcg_path", f->memcg);
	if (!strcmp(f->type, "addr") && f->by_node) {
		jw_int(w, "node", f->node);
	} else if (!strcmp(f->type, "addr")) {
		jw_begin(w, "address_range", '{');
		jw_u64(w, "start", f->start);
		jw_u64(w, "end", f->end);
		jw_end(w, '}');
	}
	jw_end(w, '}');
}

/* The loader's bookkeeping of scheme i: its owner and the stats it started from. */
static void print_state(struct json_writer *w, const struct spec *sp, int i)
{
	const struct damos_stats *b = &sp->base[i];

	jw_int(w, "owner_pid", sp->owner[i]);
	jw_begin(w, "stats_base", '{');
	jw_u64(w, "nr_tried", b->nr_tried);
	jw_u64(w, "sz_tried", b->sz_tried);
	jw_u64(w, "nr_applied", b->nr_applied);
	jw_u64(w, "sz_applied", b->sz_applied);
	jw_u64(w, "qt_exceeds", b->qt_exceeds);
	jw_end(w, '}');
}

static void print_scheme(struct json_writer *w, const struct spec *sp, int i, bool state)
{
	const struct damon_scheme_cfg *s = &sp->ctx.schemes[i];
	int k;

	jw_begin(w, NULL, '{');
	jw_str(w, "action", s->action);
	if (s->target_nid >= 0)
		jw_int(w, "target_nid", s->target_nid);
	else
		jw_null(w, "target_nid");
	print_pattern(w, &s->pattern);
	print_quotas(w, s);
	print_wmarks(w, &s->wmarks);
	jw_begin(w, "filters", '[');
	for (k = 0; k < s->nr_filters; k++)
		print_filter(w, &s->filters[k]);
	jw_end(w, ']');
	if (state)
		print_state(w, sp, i);
	jw_end(w, '}');
}

static void print_targets(struct json_writer *w, const struct spec *sp)
{
	const struct damon_ctx_cfg *c = &sp->ctx;
	bool paddr = !strcmp(c->ops, "paddr");
	int i;

	jw_begin(w, "targets", '[');
	for (i = 0; i < c->nr_pids; i++) {
		jw_begin(w, NULL, '{');
		if (!paddr)
			jw_int(w, "pid", c->pids[i]);
		if (sp->prio[i] != 1)
			jw_int(w, "priority", sp->prio[i]);
		if (paddr && c->region_end) {
			jw_begin(w, "regions", '[');
			jw_begin(w, NULL, '{');
			jw_u64(w, "start", c->region_start);
			jw_u64(w, "end", c->region_end);
			jw_end(w, '}');
			jw_end(w, ']');
		}
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

/* The sample filters as damon_apply() writes them: reject filters, all must pass. */
static void print_sample_control(struct json_writer *w, const struct damon_ctx_cfg *c)
{
	char cl[1024];

	jw_begin(w, "sample_control", '{');
	jw_begin(w, "primitives", '{');
	jw_bool(w, "page_table", c->page_table);
	jw_bool(w, "page_fault", c->page_fault);
	jw_end(w, '}');
	jw_begin(w, "filters", '[');
	if (c->cpus) {
		format_cpulist(c->cpus, DAMON_BPF_MAX_CPUS, cl, sizeof(cl));
		jw_begin(w, NULL, '{');
		jw_str(w, "type", "cpumask");
		jw_str(w, "cpumask", cl);
		jw_bool(w, "matching", false);
		jw_bool(w, "allow", false);
		jw_end(w, '}');
	}
	if (c->rw != RW_BOTH) {
		jw_begin(w, NULL, '{');
		jw_str(w, "type", "write");
		jw_bool(w, "matching", c->rw == RW_READS);
		jw_bool(w, "allow", false);
		jw_end(w, '}');
	}
	jw_end(w, ']');
	jw_end(w, '}');
}

/* The probes in damo's shape; a filter's value under the key of its sysfs file. */
static void print_probes(struct json_writer *w, const struct damon_ctx_cfg *c)
{
	int i, k;

	if (!c->nr_probes)
		return;
	jw_begin(w, "probes", '[');
	for (i = 0; i < c->nr_probes; i++) {
		jw_begin(w, NULL, '{');
		jw_begin(w, "filters", '[');
		for (k = 0; k < c->probes[i].nr_filters; k++) {
			const struct probe_filter_cfg *f = &c->probes[i].filters[k];
			const char *key = !strcmp(f->type, "memcg") ? "path" :
					  !strcmp(f->type, "threads") ? "tid_arr" : f->type;

			jw_begin(w, NULL, '{');
			jw_str(w, "filter_type", f->type);
			jw_bool(w, "matching", f->matching);
			jw_bool(w, "allow", f->allow);
			if (f->value[0])
				jw_str(w, key, f->value);
			jw_end(w, '}');
		}
		jw_end(w, ']');
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

static void print_context(struct json_writer *w, const struct spec *sp, bool state)
{
	const struct damon_ctx_cfg *c = &sp->ctx;
	int i;

	jw_begin(w, NULL, '{');
	jw_str(w, "ops", c->ops);
	print_targets(w, sp);
	jw_begin(w, "intervals", '{');
	jw_u64(w, "sample_us", c->sample_us);
	jw_u64(w, "aggr_us", c->aggr_us);
	jw_u64(w, "ops_update_us", c->update_us);
	jw_end(w, '}');
	jw_begin(w, "nr_regions", '{');
	if (c->min_nr_regions)
		jw_u64(w, "min", c->min_nr_regions);
	else
		jw_str(w, "min", "auto");
	jw_u64(w, "max", c->max_nr_regions);
	jw_end(w, '}');
	print_sample_control(w, c);
	print_probes(w, c);
	jw_begin(w, "schemes", '[');
	for (i = 0; i < c->nr_schemes; i++)
		if (state || sp->owner[i] != OWNER_RETIRED)
			print_scheme(w, sp, i, state);
	jw_end(w, ']');
	jw_end(w, '}');
}

static void print_policy(struct json_writer *w, const struct spec *sp)
{
	const struct damon_ctx_cfg *c = &sp->ctx;

	jw_begin(w, "policy", '{');
	jw_str(w, "command", sp->policy.command);
	jw_str(w, "name", sp->policy.name);
	jw_bool(w, "drop_exited", sp->policy.drop_exited);
	jw_bool(w, "skip_unmapped", sp->policy.skip_unmapped);
	jw_u64(w, "quota_sz_bytes", sp->policy.quota_sz);
	jw_u64(w, "min_age_us", sp->policy.min_age_us);
	print_wmarks(w, &sp->policy.wmarks);
	if (!strcmp(sp->policy.command, "collapse")) {
		jw_begin(w, "collapse", '{');
		if (sp->policy.collapse_auto)
			jw_str(w, "min_access", "auto");
		else
			jw_u64(w, "min_access", c->nr_schemes ? c->schemes[0].pattern.nr_min : 0);
		jw_u64(w, "floor", sp->policy.collapse_floor);
		jw_end(w, '}');
	}
	jw_end(w, '}');
}

void spec_print(FILE *f, const struct spec *sp, bool state)
{
	struct json_writer w = { .f = f };

	jw_begin(&w, NULL, '{');
	jw_begin(&w, "kdamonds", '[');
	jw_begin(&w, NULL, '{');
	jw_begin(&w, "contexts", '[');
	print_context(&w, sp, state);
	jw_end(&w, ']');
	jw_end(&w, '}');
	jw_end(&w, ']');
	jw_begin(&w, "bpf", '{');
	jw_str(&w, "source", sp->bpf.source[0] ? sp->bpf.source : NULL);
	/* monitor's options, where they are not the defaults */
	if (sp->bpf.no_prefilter)
		jw_bool(&w, "prefilter", false);
	if (sp->bpf.no_kfunc)
		jw_bool(&w, "kfunc", false);
	if (sp->bpf.perf_period)
		jw_u64(&w, "perf_period", sp->bpf.perf_period);
	jw_end(&w, '}');
	print_policy(&w, sp);
	jw_end(&w, '}');
}
