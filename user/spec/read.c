// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a spec from JSON (see spec/spec.h): damo's shape (kdamonds -> contexts ->
 * targets, schemes) plus the "bpf" and "policy" blocks.  Unknown keys are errors, named with
 * their line and path; values are read by spec/values.c.
 */
#include <string.h>

#include "lib/util.h"
#include "spec/reader.h"
#include "spec/spec.h"

/* Errors at member key of j (pushed on the path for the message). */
static void bad_key(struct rd *r, const struct json *j, const char *key, const char *msg)
{
	size_t n = push(r, key, 0);

	bad(r, j, "%s", msg);
	pop(r, n);
}

static void read_wmarks(struct rd *r, struct json *obj, struct damon_wmarks *w)
{
	WITH(r, obj, "watermarks", JSON_OBJECT, {
		get_str(r, it, "metric", w->metric, sizeof(w->metric));
		get_u64(r, it, "interval_us", U_TIME_US, &w->interval_us);
		get_u32(r, it, "high_permil", U_NUM, &w->high);
		get_u32(r, it, "mid_permil", U_NUM, &w->mid);
		get_u32(r, it, "low_permil", U_NUM, &w->low);
	});
}

static void read_filter(struct rd *r, struct json *f, struct damos_filter_cfg *out)
{
	bool allow = false;

	memset(out, 0, sizeof(*out));
	if (get_str(r, f, "filter_type", out->type, sizeof(out->type)) ||
	    get_bool(r, f, "matching", &out->matching) || get_bool(r, f, "allow", &allow))
		return;
	if (!out->type[0]) {
		bad(r, f, "a filter needs \"filter_type\"");
		return;
	}
	if (allow) {
		bad(r, f, "\"allow\": true: the DAMOS filters of Linux 6.12 only exclude memory");
		return;
	}
	if (!strcmp(out->type, "target")) {
		get_int(r, f, "target_idx", 0, 1 << 20, &out->target_idx);
	} else if (!strcmp(out->type, "addr")) {
		WITH(r, f, "address_range", JSON_OBJECT, {
			get_u64(r, it, "start", U_BYTES, &out->start);
			get_u64(r, it, "end", U_BYTES, &out->end);
		});
		out->node = -1;
		get_int(r, f, "node", 0, 1023, &out->node);
		out->by_node = out->node >= 0;
		if (!r->failed && out->by_node == !!json_member(f, "address_range"))
			bad(r, f, "an addr filter has an \"address_range\" or (damon-bpf) a \"node\"");
	} else if (!strcmp(out->type, "memcg")) {
		get_str(r, f, "memcg_path", out->memcg, sizeof(out->memcg));
	} else if (strcmp(out->type, "anon") && strcmp(out->type, "young")) {
		char msg[96];

		snprintf(msg, sizeof(msg), "unknown filter type '%s' (anon, memcg, young, addr, "
			 "target)", out->type);
		bad_key(r, f, "filter_type", msg);
	}
}

static void read_pattern(struct rd *r, struct json *s, struct spec *sp,
			 struct damon_access_pattern *p)
{
	uint32_t max = spec_max_access(sp);

	WITH(r, s, "access_pattern", JSON_OBJECT, {
		struct json *ap = it;

		WITH(r, ap, "sz_bytes", JSON_OBJECT, {
			get_u64(r, it, "min", U_BYTES, &p->sz_min);
			get_u64(r, it, "max", U_BYTES, &p->sz_max);
		});
		WITH(r, ap, "nr_accesses", JSON_OBJECT, {
			nr_accesses_value(r, it, "min", max, &p->nr_min);
			nr_accesses_value(r, it, "max", max, &p->nr_max);
		});
		WITH(r, ap, "age", JSON_OBJECT, {
			age_value(r, it, "min", sp->ctx.aggr_us, &p->age_min);
			age_value(r, it, "max", sp->ctx.aggr_us, &p->age_max);
		});
	});
}

static void read_goal(struct rd *r, struct json *e, int i, void *ctx)
{
	struct damos_goal_cfg *g = &((struct damon_scheme_cfg *)ctx)->goals[i];

	g->nid = 0;
	get_str(r, e, "metric", g->metric, sizeof(g->metric));
	get_u64(r, e, "target_value", U_NUM, &g->target_value);
	json_member(e, "current_value");
	get_int(r, e, "nid", 0, 1023, &g->nid);
	if (!r->failed && !g->metric[0])
		bad(r, e, "a goal needs a \"metric\"");
}

static void read_quotas(struct rd *r, struct json *s, struct damon_scheme_cfg *c)
{
	WITH(r, s, "quotas", JSON_OBJECT, {
		struct json *q = it;

		get_u64(r, q, "time_ms", U_TIME_MS, &c->quota_ms);
		get_u64(r, q, "sz_bytes", U_BYTES, &c->quota_sz);
		get_u64(r, q, "reset_interval_ms", U_TIME_MS, &c->quota_reset_ms);
		if (c->quota_sz == UINT64_MAX)
			c->quota_sz = 0;	/* "max": no size quota */
		WITH(r, q, "weights", JSON_OBJECT, {
			get_u32(r, it, "sz_permil", U_NUM, &c->w_sz);
			get_u32(r, it, "nr_accesses_permil", U_NUM, &c->w_nr);
			get_u32(r, it, "age_permil", U_NUM, &c->w_age);
		});
		json_member(q, "effective_sz_bytes");	/* damo prints it; output only */
		read_array(r, q, "goals", DAMOS_MAX_GOALS, "goals", read_goal, c, &c->nr_goals);
	});
}

static void read_filter_elem(struct rd *r, struct json *e, int i, void *ctx)
{
	read_filter(r, e, &((struct damon_scheme_cfg *)ctx)->filters[i]);
}

/* The loader's bookkeeping of scheme idx (spec_save()'s state): owner, stats base. */
static void read_state(struct rd *r, struct json *s, struct spec *sp, int idx)
{
	get_int(r, s, "owner_pid", -1, 1 << 30, &sp->owner[idx]);
	WITH(r, s, "stats_base", JSON_OBJECT, {
		struct damos_stats *b = &sp->base[idx];

		get_u64(r, it, "nr_tried", U_NUM, &b->nr_tried);
		get_u64(r, it, "sz_tried", U_NUM, &b->sz_tried);
		get_u64(r, it, "nr_applied", U_NUM, &b->nr_applied);
		get_u64(r, it, "sz_applied", U_NUM, &b->sz_applied);
		get_u64(r, it, "qt_exceeds", U_NUM, &b->qt_exceeds);
	});
}

static void read_scheme(struct rd *r, struct json *s, int idx, void *ctx)
{
	struct spec *sp = ctx;
	struct damon_scheme_cfg *c = &sp->ctx.schemes[idx];

	*c = (struct damon_scheme_cfg){ .target_nid = -1, .quota_reset_ms = 1000 };
	c->pattern = (struct damon_access_pattern){ 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX };
	get_str(r, s, "action", c->action, sizeof(c->action));
	if (!r->failed && !c->action[0])
		bad(r, s, "a scheme needs an \"action\"");
	get_int(r, s, "target_nid", 0, 1023, &c->target_nid);
	if (json_member(s, "apply_interval_us")) {
		uint64_t v = 0;

		get_u64(r, s, "apply_interval_us", U_TIME_US, &v);
		if (v)
			bad_key(r, json_member(s, "apply_interval_us"), "apply_interval_us",
				"not supported by damon-bpf: use 0 (the aggregation interval)");
	}
	read_pattern(r, s, sp, &c->pattern);
	read_quotas(r, s, c);
	read_wmarks(r, s, &c->wmarks);
	if (!strcmp(c->wmarks.metric, "none"))
		c->wmarks.metric[0] = '\0';
	read_array(r, s, "filters", DAMOS_MAX_FILTERS, "filters", read_filter_elem, c,
		   &c->nr_filters);
	/* Output only (damo 'args' prints them): ignored. */
	json_member(s, "stats");
	json_member(s, "tried_regions");
	read_state(r, s, sp, idx);
}

/* A cpumask sample filter: only CPUs to keep (reject the others). */
static void read_cpumask(struct rd *r, struct json *e, struct spec *sp, bool matching,
			 bool allow, const char *cl)
{
	char msg[320];

	if (!allow && matching) {
		bad_key(r, e, "matching", "only CPUs to keep are supported: reject the others "
			"(matching false)");
	} else if (parse_cpulist(cl, sp->cpus, DAMON_BPF_MAX_CPUS)) {
		snprintf(msg, sizeof(msg), "'%s' is not a CPU list (e.g. \"0-3,5\")", cl);
		bad_key(r, e, "cpumask", msg);
	} else {
		sp->ctx.cpus = sp->cpus;
	}
}

struct sample_filters {
	struct spec *sp;
	int nr;				/* filters in the array */
};

static void read_sample_filter(struct rd *r, struct json *e, int i, void *ctx)
{
	struct sample_filters *sf = ctx;
	bool matching = false, allow = false;
	char type[16] = "", cl[256] = "", msg[320];

	get_str(r, e, "type", type, sizeof(type));
	get_bool(r, e, "matching", &matching);
	get_bool(r, e, "allow", &allow);
	get_str(r, e, "cpumask", cl, sizeof(cl));
	/*
	 * The kernel's rule: the first filter that applies decides, so reject filters all must
	 * pass (what damon-bpf writes: "reject the CPUs outside", "reject the non-writes"),
	 * while an allow filter keeps just what it matches only when it is alone.
	 */
	if (!r->failed && allow && (sf->nr > 1 || !matching))
		bad_key(r, e, "allow", "an allow filter keeps only what it matches when it is the "
			"only filter: give reject filters (allow false), which all must pass");
	if (r->failed)
		return;
	if (!strcmp(type, "cpumask")) {
		read_cpumask(r, e, sf->sp, matching, allow, cl);
	} else if (!strcmp(type, "write")) {
		/* allow writes, or reject non-writes: writes only */
		sf->sp->ctx.rw = allow || !matching ? RW_WRITES : RW_READS;
	} else {
		snprintf(msg, sizeof(msg), "unsupported sample filter type '%s' (cpumask, write)",
			 type);
		bad_key(r, e, "type", msg);
	}
}

static void read_sample_control(struct rd *r, struct json *sc, struct spec *sp)
{
	struct damon_ctx_cfg *c = &sp->ctx;
	struct sample_filters sf = { sp, 0 };
	struct json *a = json_member(sc, "filters"), *e;
	int nr_read = 0;

	WITH(r, sc, "primitives", JSON_OBJECT, {
		get_bool(r, it, "page_table", &c->page_table);
		get_bool(r, it, "page_fault", &c->page_fault);
	});
	for (e = a && a->type == JSON_ARRAY ? a->child : NULL; e; e = e->next)
		sf.nr++;
	read_array(r, sc, "filters", 1 << 30, "filters", read_sample_filter, &sf, &nr_read);
}

/* A probe filter in damo's shape, {filter_type, matching, allow, path}, and our values. */
static void read_probe_filter(struct rd *r, struct json *e, int i, void *ctx)
{
	struct probe_filter_cfg *f = &((struct probe_cfg *)ctx)->filters[i];
	static const char *const values[] = { "path", "cpumask", "tid_arr", "source" };
	struct json *v;
	size_t k;

	*f = (struct probe_filter_cfg){ .matching = true };
	get_str(r, e, "filter_type", f->type, sizeof(f->type));
	get_bool(r, e, "matching", &f->matching);
	get_bool(r, e, "allow", &f->allow);
	for (k = 0; k < ARRAY_SIZE(values) && !r->failed; k++) {
		v = json_member(e, values[k]);
		if (v && v->type == JSON_NUMBER)	/* "source": 2 */
			snprintf(f->value, sizeof(f->value), "%s", v->str);
		else if (v && v->type != JSON_NULL)	/* damo writes "path": null */
			get_str(r, e, values[k], f->value, sizeof(f->value));
	}
	if (!r->failed && !f->type[0])
		bad(r, e, "a probe filter needs a \"filter_type\"");
}

static void read_probe(struct rd *r, struct json *e, int i, void *ctx)
{
	struct probe_cfg *p = &((struct spec *)ctx)->ctx.probes[i];
	char msg[256];

	*p = (struct probe_cfg){};
	read_array(r, e, "filters", DAMON_MAX_PROBE_FILTERS, "probe filters", read_probe_filter,
		   p, &p->nr_filters);
	if (!r->failed && probe_check(p, msg, sizeof(msg)))
		bad_key(r, e, "filters", msg);
}

static void read_target(struct rd *r, struct json *e, int i, void *ctx)
{
	struct spec *sp = ctx;
	struct damon_ctx_cfg *c = &sp->ctx;
	int prio = 1;

	c->pids[i] = 0;
	get_int(r, e, "pid", 1, 1 << 30, &c->pids[i]);
	get_int(r, e, "priority", 1, 1000, &prio);
	sp->prio[i] = prio;
	WITH(r, e, "regions", JSON_ARRAY, {
		struct json *g = it->child;

		if (g && (strcmp(c->ops, "paddr") || g->next || i))
			bad(r, g, "initial regions: only one, of a paddr target");
		else if (g && want(r, g, JSON_OBJECT)) {
			get_u64(r, g, "start", U_BYTES, &c->region_start);
			get_u64(r, g, "end", U_BYTES, &c->region_end);
			if (!r->failed)
				check_unknown(r, g);
		}
	});
	if (!r->failed && !c->pids[i] && strcmp(c->ops, "paddr"))
		bad(r, e, "a %s target needs a \"pid\"", c->ops);
}

static void read_context(struct rd *r, struct json *cj, struct spec *sp)
{
	struct damon_ctx_cfg *c = &sp->ctx;
	char msg[64];

	get_str(r, cj, "ops", c->ops, sizeof(c->ops));
	if (!r->failed && strcmp(c->ops, "vaddr") && strcmp(c->ops, "paddr") &&
	    strcmp(c->ops, "fvaddr")) {
		snprintf(msg, sizeof(msg), "'%s' is not vaddr, fvaddr or paddr", c->ops);
		bad_key(r, json_member(cj, "ops"), "ops", msg);
	}
	WITH(r, cj, "intervals", JSON_OBJECT, {
		get_u64(r, it, "sample_us", U_TIME_US, &c->sample_us);
		get_u64(r, it, "aggr_us", U_TIME_US, &c->aggr_us);
		get_u64(r, it, "ops_update_us", U_TIME_US, &c->update_us);
		json_member(it, "intervals_goal");	/* damo >= 2.7; not in 6.12 */
	});
	if (!r->failed && (!c->sample_us || !c->aggr_us || c->sample_us > c->aggr_us))
		bad_key(r, json_member(cj, "intervals"), "intervals",
			"need 0 < sample_us <= aggr_us");
	WITH(r, cj, "nr_regions", JSON_OBJECT, {
		struct json *m = json_member(it, "min");

		/* "auto": sized to the schemes' quotas at run time (0 until then) */
		if (m && m->type == JSON_STRING && !strcmp(m->str, "auto"))
			c->min_nr_regions = 0;
		else if (!get_u64(r, it, "min", U_NUM, &c->min_nr_regions) && m &&
			 c->min_nr_regions < 3)
			bad_key(r, m, "min",
				"DAMON needs at least 3 regions: a number >= 3 or \"auto\"");
		get_u64(r, it, "max", U_NUM, &c->max_nr_regions);
	});
	WITH(r, cj, "sample_control", JSON_OBJECT, read_sample_control(r, it, sp));
	read_array(r, cj, "probes", DAMON_MAX_PROBES, "probes", read_probe, sp, &c->nr_probes);
	read_array(r, cj, "targets", DAMON_MAX_TARGETS, "targets", read_target, sp, &c->nr_pids);
	/* paddr: one target, the physical address space. */
	if (!strcmp(c->ops, "paddr") && !c->nr_pids)
		c->nr_pids = 1;
	read_array(r, cj, "schemes", DAMON_MAX_SCHEMES, "schemes", read_scheme, sp,
		   &c->nr_schemes);
}

/* Reporters: "fault", "perf" or both ("fault,perf"), each once. */
static bool valid_sources(const char *list)
{
	char buf[32], *tok, *save = NULL;
	bool fault = false, perf = false;

	snprintf(buf, sizeof(buf), "%s", list);
	if (!buf[0] || buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool *seen = !strcmp(tok, "fault") ? &fault : !strcmp(tok, "perf") ? &perf : NULL;

		if (!seen || *seen)
			return false;
		*seen = true;
	}
	return true;
}

/* The "bpf" block: the reporters, and how they report (monitor's options). */
static void read_bpf(struct rd *r, struct json *b, struct spec *sp)
{
	bool prefilter = true, kfunc = true;
	char msg[64];

	get_str(r, b, "source", sp->bpf.source, sizeof(sp->bpf.source));
	if (!r->failed && sp->bpf.source[0] && !valid_sources(sp->bpf.source)) {
		snprintf(msg, sizeof(msg), "'%s' is not fault or perf", sp->bpf.source);
		bad_key(r, json_member(b, "source"), "source", msg);
	}
	get_bool(r, b, "prefilter", &prefilter);
	get_bool(r, b, "kfunc", &kfunc);
	get_u64(r, b, "perf_period", U_NUM, &sp->bpf.perf_period);
	sp->bpf.no_prefilter = !prefilter;
	sp->bpf.no_kfunc = !kfunc;
}

static void read_policy(struct rd *r, struct json *p, struct spec *sp)
{
	char min_access[16] = "", msg[64];

	get_str(r, p, "command", sp->policy.command, sizeof(sp->policy.command));
	get_str(r, p, "name", sp->policy.name, sizeof(sp->policy.name));
	get_bool(r, p, "drop_exited", &sp->policy.drop_exited);
	get_bool(r, p, "skip_unmapped", &sp->policy.skip_unmapped);
	get_u64(r, p, "quota_sz_bytes", U_BYTES, &sp->policy.quota_sz);
	get_u64(r, p, "min_age_us", U_TIME_US, &sp->policy.min_age_us);
	read_wmarks(r, p, &sp->policy.wmarks);
	WITH(r, p, "collapse", JSON_OBJECT, {
		struct json *m = json_member(it, "min_access");

		if (m && m->type == JSON_STRING) {
			get_str(r, it, "min_access", min_access, sizeof(min_access));
			snprintf(msg, sizeof(msg), "\"%s\": use a number or \"auto\"", min_access);
			if (strcmp(min_access, "auto"))
				bad_key(r, m, "min_access", msg);
			sp->policy.collapse_auto = true;
		} else if (m && m->type != JSON_NUMBER) {
			bad_key(r, m, "min_access", "use a number or \"auto\"");
		}
		get_u32(r, it, "floor", U_NUM, &sp->policy.collapse_floor);
	});
}

int spec_from_json(struct spec *sp, struct json *root, const char *file)
{
	struct rd r = { .file = file }, *rp = &r;
	struct json *k, *c;

	spec_init(sp);
	if (!want(&r, root, JSON_OBJECT))
		return -1;
	k = sub(&r, root, "kdamonds", JSON_ARRAY);
	if (!k && !r.failed)
		return bad(&r, root, "no \"kdamonds\": a spec is {\"kdamonds\": [{\"contexts\": "
			   "[...]}]}");
	if (k) {
		size_t n = push(&r, "kdamonds", 0);

		if (!k->child || k->child->next)
			bad(&r, k, "damon-bpf runs exactly one kdamond per session");
		else if (want(&r, k->child, JSON_OBJECT)) {
			push(&r, NULL, 0);
			json_member(k->child, "state");		/* damo prints these; output only */
			json_member(k->child, "pid");
			json_member(k->child, "refresh_ms");
			c = sub(&r, k->child, "contexts", JSON_ARRAY);
			if (!r.failed && (!c || !c->child || c->child->next))
				bad(&r, k->child, "one context per kdamond (Linux 6.12)");
			else if (c && want(&r, c->child, JSON_OBJECT)) {
				size_t m = push(&r, "contexts", 0);

				push(&r, NULL, 0);
				read_context(&r, c->child, sp);
				if (!r.failed)
					check_unknown(&r, c->child);
				pop(&r, m);
			}
			if (!r.failed)
				check_unknown(&r, k->child);
		}
		pop(&r, n);
	}
	if (!rp->failed)
		WITH(rp, root, "bpf", JSON_OBJECT, read_bpf(rp, it, sp));
	if (!rp->failed)
		WITH(rp, root, "policy", JSON_OBJECT, read_policy(rp, it, sp));
	if (!r.failed)
		check_unknown(&r, root);
	return r.failed ? -1 : 0;
}
