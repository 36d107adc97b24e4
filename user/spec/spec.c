// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the spec (see spec.h) to and from JSON.  The reader accepts damo's ways of
 * writing values: numbers, or strings with units ("5 ms", "4 KiB", "max", "1,000", "50 %"
 * for nr_accesses).  Unknown keys are errors, named with their line and path.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"
#include "lib/util.h"

void spec_init(struct spec *sp)
{
	int i;

	memset(sp, 0, sizeof(*sp));
	damon_ctx_defaults(&sp->ctx);
	for (i = 0; i < DAMON_MAX_TARGETS; i++)
		sp->prio[i] = 1;
	sp->policy.drop_exited = true;
}

uint32_t spec_max_access(const struct spec *sp)
{
	return sp->ctx.sample_us ? sp->ctx.aggr_us / sp->ctx.sample_us : 0;
}

int spec_target_index(const struct spec *sp, int pid)
{
	int i;

	for (i = 0; i < sp->ctx.nr_pids; i++)
		if (sp->ctx.pids[i] == pid)
			return i;
	return -1;
}

/* --- reading -------------------------------------------------------------------------- */

struct rd {
	const char *file;
	char path[256];		/* the key path of the value being read */
	bool failed;
};

static int bad(struct rd *r, const struct json *j, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct rd *r, const struct json *j, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->failed)
		err("%s: line %d: %s: %s", r->file, j ? j->line : 0, r->path, msg);
	r->failed = true;
	return -1;
}

/* Appends ".key" or "[i]" to the path; returns the old length to restore. */
static size_t push(struct rd *r, const char *key, int idx)
{
	size_t n = strlen(r->path);

	if (key)
		snprintf(r->path + n, sizeof(r->path) - n, "%s%s", n ? "." : "", key);
	else
		snprintf(r->path + n, sizeof(r->path) - n, "[%d]", idx);
	return n;
}

static void pop(struct rd *r, size_t n)
{
	r->path[n] = '\0';
}

/* Errors for members nobody read. */
static int check_unknown(struct rd *r, struct json *obj)
{
	struct json *m;

	for (m = obj->child; m; m = m->next) {
		if (!m->used) {
			size_t n = push(r, m->key, 0);

			bad(r, m, "unknown key");
			pop(r, n);
			return -1;
		}
	}
	return 0;
}

static struct json *want(struct rd *r, struct json *j, enum json_type t)
{
	if (j && j->type != t) {
		bad(r, j, "expected %s, not %s", json_type_name(t), json_type_name(j->type));
		return NULL;
	}
	return j;
}

/* A number or a string, without spaces and thousands separators, into buf. */
static int scalar_text(struct rd *r, struct json *j, char *buf, size_t len)
{
	size_t k = 0;
	const char *c;

	if (j->type != JSON_NUMBER && j->type != JSON_STRING)
		return bad(r, j, "expected a number or a string, not %s", json_type_name(j->type));
	for (c = j->str; *c && k + 1 < len; c++)
		if (!isspace((unsigned char)*c) && *c != ',')
			buf[k++] = *c;
	buf[k] = '\0';
	return 0;
}

enum unit { U_NUM, U_BYTES, U_TIME_US, U_TIME_MS };

/* Reads member key of obj (if present) into *out; "max" is UINT64_MAX. */
static int get_u64(struct rd *r, struct json *obj, const char *key, enum unit u, uint64_t *out)
{
	struct json *j = json_member(obj, key);
	size_t n;
	char buf[64];
	int ret = 0;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (scalar_text(r, j, buf, sizeof(buf))) {
		ret = -1;
	} else if (!strcmp(buf, "max")) {
		*out = UINT64_MAX;
	} else if (u == U_BYTES ? parse_bytes(buf, out) :
		   u == U_TIME_US ? parse_duration_us(buf, out) :
		   u == U_TIME_MS ? parse_duration_us(buf, out) : parse_u64(buf, out)) {
		ret = bad(r, j, "'%s' is not %s", j->str,
			  u == U_BYTES ? "a size (e.g. 4096, \"4 KiB\", \"max\")" :
			  u == U_NUM ? "a number" : "a time (e.g. 5000, \"5 ms\")");
	} else if (u == U_TIME_MS && j->type == JSON_STRING && !isdigit((unsigned char)
		   buf[strlen(buf) - 1])) {
		*out /= 1000;		/* "1 s" in a field of milliseconds; numbers are ms */
	}
	pop(r, n);
	return ret;
}

static int get_u32(struct rd *r, struct json *obj, const char *key, enum unit u, uint32_t *out)
{
	uint64_t v = *out;

	if (get_u64(r, obj, key, u, &v))
		return -1;
	*out = v > UINT32_MAX ? UINT32_MAX : v;
	return 0;
}

static int get_bool(struct rd *r, struct json *obj, const char *key, bool *out)
{
	struct json *j = json_member(obj, key);
	size_t n;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (want(r, j, JSON_BOOL))
		*out = j->boolean;
	pop(r, n);
	return r->failed ? -1 : 0;
}

static int get_str(struct rd *r, struct json *obj, const char *key, char *out, size_t len)
{
	struct json *j = json_member(obj, key);
	size_t n;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (want(r, j, JSON_STRING)) {
		if (strlen(j->str) >= len)
			bad(r, j, "longer than %zu characters", len - 1);
		else
			strcpy(out, j->str);
	}
	pop(r, n);
	return r->failed ? -1 : 0;
}

static int get_int(struct rd *r, struct json *obj, const char *key, long min, long max,
		   int *out)
{
	struct json *j = json_member(obj, key);
	char buf[32];
	size_t n;
	long v;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (j->type != JSON_NUMBER || scalar_text(r, j, buf, sizeof(buf)) ||
	    parse_int(buf, min, max, &v))
		bad(r, j, "expected an integer from %ld to %ld", min, max);
	else
		*out = v;
	pop(r, n);
	return r->failed ? -1 : 0;
}

/* The object member key (or NULL when absent); errors if it is not an object. */
static struct json *sub(struct rd *r, struct json *obj, const char *key, enum json_type t)
{
	struct json *j = json_member(obj, key);
	size_t n;

	if (!j || j->type == JSON_NULL)
		return NULL;
	n = push(r, key, 0);
	j = want(r, j, t);
	pop(r, n);
	return j;
}

/* Runs fn on obj with key pushed on the path, then checks obj for unknown keys. */
#define WITH(r, obj, key, t, ...)						\
	do {									\
		struct json *_j = sub(r, obj, key, t);				\
		if (_j) {							\
			size_t _n = push(r, key, 0);				\
			struct json *it = _j;					\
			__VA_ARGS__;						\
			if (t == JSON_OBJECT && !r->failed)			\
				check_unknown(r, _j);				\
			pop(r, _n);						\
		}								\
	} while (0)

static int nr_accesses_value(struct rd *r, struct json *obj, const char *key, uint32_t max,
			     uint32_t *out)
{
	struct json *j = json_member(obj, key);
	char buf[64], *end;
	size_t n;

	if (!j || j->type == JSON_NULL)
		return 0;
	n = push(r, key, 0);
	if (!scalar_text(r, j, buf, sizeof(buf))) {
		if (!strcmp(buf, "max")) {
			*out = UINT32_MAX;
		} else if (buf[0] && buf[strlen(buf) - 1] == '%') {
			double pct = strtod(buf, &end);

			if (*end != '%' || pct < 0 || pct > 100)
				bad(r, j, "'%s' is not a percentage of the maximum", j->str);
			else
				*out = (uint32_t)(pct * max / 100 + 0.5);
		} else {
			uint64_t v;

			if (parse_u64(buf, &v) || v > UINT32_MAX)
				bad(r, j, "'%s' is not a number of samples or \"N %%\"", j->str);
			else
				*out = v;
		}
	}
	pop(r, n);
	return r->failed ? -1 : 0;
}

static void age_value(struct rd *r, struct json *obj, const char *key, uint64_t aggr_us,
		      uint32_t *out)
{
	struct json *j = json_member(obj, key);
	uint64_t v;
	char buf[64];
	size_t n;

	if (!j || j->type == JSON_NULL)
		return;
	n = push(r, key, 0);
	if (!scalar_text(r, j, buf, sizeof(buf))) {
		if (!strcmp(buf, "max"))
			*out = UINT32_MAX;
		else if (!parse_u64(buf, &v))
			*out = v > UINT32_MAX ? UINT32_MAX : v;	/* aggregation intervals */
		else if (!parse_duration_us(buf, &v))
			*out = v / aggr_us;			/* a time */
		else
			bad(r, j, "'%s' is not a number of aggregation intervals or a time", j->str);
	}
	pop(r, n);
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
		size_t n = push(r, "filter_type", 0);

		bad(r, f, "unknown filter type '%s' (anon, memcg, young, addr, target)", out->type);
		pop(r, n);
	}
}

static void read_scheme(struct rd *r, struct json *s, struct spec *sp, int idx)
{
	struct damon_scheme_cfg *c = &sp->ctx.schemes[idx];
	uint32_t max = spec_max_access(sp);
	struct json *e;
	int i;

	*c = (struct damon_scheme_cfg){ .target_nid = -1, .quota_reset_ms = 1000 };
	c->pattern = (struct damon_access_pattern){ 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX };
	get_str(r, s, "action", c->action, sizeof(c->action));
	if (!r->failed && !c->action[0])
		bad(r, s, "a scheme needs an \"action\"");
	get_int(r, s, "target_nid", 0, 1023, &c->target_nid);
	if (json_member(s, "apply_interval_us")) {
		uint64_t v = 0;

		get_u64(r, s, "apply_interval_us", U_TIME_US, &v);
		if (v) {
			size_t n = push(r, "apply_interval_us", 0);

			bad(r, json_member(s, "apply_interval_us"), "not supported by damon-bpf: "
			    "use 0 (the aggregation interval)");
			pop(r, n);
		}
	}
	WITH(r, s, "access_pattern", JSON_OBJECT, {
		struct json *ap = it;

		WITH(r, ap, "sz_bytes", JSON_OBJECT, {
			get_u64(r, it, "min", U_BYTES, &c->pattern.sz_min);
			get_u64(r, it, "max", U_BYTES, &c->pattern.sz_max);
		});
		WITH(r, ap, "nr_accesses", JSON_OBJECT, {
			nr_accesses_value(r, it, "min", max, &c->pattern.nr_min);
			nr_accesses_value(r, it, "max", max, &c->pattern.nr_max);
		});
		WITH(r, ap, "age", JSON_OBJECT, {
			age_value(r, it, "min", sp->ctx.aggr_us, &c->pattern.age_min);
			age_value(r, it, "max", sp->ctx.aggr_us, &c->pattern.age_max);
		});
	});
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
		WITH(r, q, "goals", JSON_ARRAY, {
			for (e = it->child, i = 0; e && !r->failed; e = e->next, i++) {
				size_t n = push(r, NULL, i);
				struct damos_goal_cfg *g = &c->goals[i];

				if (i == DAMOS_MAX_GOALS) {
					bad(r, e, "at most %d goals", DAMOS_MAX_GOALS);
				} else if (want(r, e, JSON_OBJECT)) {
					g->nid = 0;
					get_str(r, e, "metric", g->metric, sizeof(g->metric));
					get_u64(r, e, "target_value", U_NUM, &g->target_value);
					json_member(e, "current_value");
					get_int(r, e, "nid", 0, 1023, &g->nid);
					if (!r->failed && !g->metric[0])
						bad(r, e, "a goal needs a \"metric\"");
					if (!r->failed)
						check_unknown(r, e);
					c->nr_goals = i + 1;
				}
				pop(r, n);
			}
		});
	});
	WITH(r, s, "watermarks", JSON_OBJECT, {
		get_str(r, it, "metric", c->wmarks.metric, sizeof(c->wmarks.metric));
		get_u64(r, it, "interval_us", U_TIME_US, &c->wmarks.interval_us);
		get_u32(r, it, "high_permil", U_NUM, &c->wmarks.high);
		get_u32(r, it, "mid_permil", U_NUM, &c->wmarks.mid);
		get_u32(r, it, "low_permil", U_NUM, &c->wmarks.low);
	});
	if (!strcmp(c->wmarks.metric, "none"))
		c->wmarks.metric[0] = '\0';
	WITH(r, s, "filters", JSON_ARRAY, {
		for (e = it->child, i = 0; e && !r->failed; e = e->next, i++) {
			size_t n = push(r, NULL, i);

			if (i == DAMOS_MAX_FILTERS) {
				bad(r, e, "at most %d filters", DAMOS_MAX_FILTERS);
			} else if (want(r, e, JSON_OBJECT)) {
				read_filter(r, e, &c->filters[i]);
				if (!r->failed)
					check_unknown(r, e);
				c->nr_filters = i + 1;
			}
			pop(r, n);
		}
	});
	/* Output only (damo 'args' prints them): ignored. */
	json_member(s, "stats");
	json_member(s, "tried_regions");
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

static void read_sample_control(struct rd *r, struct json *sc, struct spec *sp)
{
	struct damon_ctx_cfg *c = &sp->ctx;
	struct json *e;
	int i;

	WITH(r, sc, "primitives", JSON_OBJECT, {
		get_bool(r, it, "page_table", &c->page_table);
		get_bool(r, it, "page_fault", &c->page_fault);
	});
	WITH(r, sc, "filters", JSON_ARRAY, {
		int nr = 0;

		for (e = it->child; e; e = e->next)
			nr++;
		for (e = it->child, i = 0; e && !r->failed; e = e->next, i++) {
			size_t n = push(r, NULL, i);
			bool matching = false, allow = false;
			char type[16] = "", cl[256] = "";

			if (want(r, e, JSON_OBJECT)) {
				get_str(r, e, "type", type, sizeof(type));
				get_bool(r, e, "matching", &matching);
				get_bool(r, e, "allow", &allow);
				get_str(r, e, "cpumask", cl, sizeof(cl));
				/*
				 * The kernel's rule: the first filter that applies decides, so
				 * reject filters all must pass (what damon-bpf writes: "reject
				 * the CPUs outside", "reject the non-writes"), while an allow
				 * filter keeps just what it matches only when it is alone.
				 */
				if (!r->failed && allow && (nr > 1 || !matching)) {
					size_t k = push(r, "allow", 0);

					bad(r, e, "an allow filter keeps only what it matches when it "
					    "is the only filter: give reject filters (allow false), "
					    "which all must pass");
					pop(r, k);
				}
				if (r->failed)
					;
				else if (!strcmp(type, "cpumask")) {
					if (!allow && matching) {
						size_t k = push(r, "matching", 0);

						bad(r, e, "only CPUs to keep are supported: reject the "
						    "others (matching false)");
						pop(r, k);
					} else if (parse_cpulist(cl, sp->cpus, DAMON_BPF_MAX_CPUS)) {
						size_t k = push(r, "cpumask", 0);

						bad(r, e, "'%s' is not a CPU list (e.g. \"0-3,5\")", cl);
						pop(r, k);
					} else {
						c->cpus = sp->cpus;
					}
				} else if (!strcmp(type, "write")) {
					/* allow writes, or reject non-writes: writes only */
					c->rw = allow || !matching ? RW_WRITES : RW_READS;
				} else {
					size_t k = push(r, "type", 0);

					bad(r, e, "unsupported sample filter type '%s' (cpumask, "
					    "write)", type);
					pop(r, k);
				}
				if (!r->failed)
					check_unknown(r, e);
			}
			pop(r, n);
		}
	});
}

static void read_context(struct rd *r, struct json *cj, struct spec *sp)
{
	struct damon_ctx_cfg *c = &sp->ctx;
	struct json *e;
	int i;

	get_str(r, cj, "ops", c->ops, sizeof(c->ops));
	if (!r->failed && strcmp(c->ops, "vaddr") && strcmp(c->ops, "paddr") &&
	    strcmp(c->ops, "fvaddr")) {
		size_t n = push(r, "ops", 0);

		bad(r, json_member(cj, "ops"), "'%s' is not vaddr, fvaddr or paddr", c->ops);
		pop(r, n);
	}
	WITH(r, cj, "intervals", JSON_OBJECT, {
		get_u64(r, it, "sample_us", U_TIME_US, &c->sample_us);
		get_u64(r, it, "aggr_us", U_TIME_US, &c->aggr_us);
		get_u64(r, it, "ops_update_us", U_TIME_US, &c->update_us);
		json_member(it, "intervals_goal");	/* damo >= 2.7; not in 6.12 */
	});
	if (!r->failed && (!c->sample_us || !c->aggr_us || c->sample_us > c->aggr_us)) {
		size_t n = push(r, "intervals", 0);

		bad(r, json_member(cj, "intervals"), "need 0 < sample_us <= aggr_us");
		pop(r, n);
	}
	WITH(r, cj, "nr_regions", JSON_OBJECT, {
		get_u64(r, it, "min", U_NUM, &c->min_nr_regions);
		get_u64(r, it, "max", U_NUM, &c->max_nr_regions);
	});
	WITH(r, cj, "sample_control", JSON_OBJECT, read_sample_control(r, it, sp));
	WITH(r, cj, "targets", JSON_ARRAY, {
		for (e = it->child, i = 0; e && !r->failed; e = e->next, i++) {
			size_t n = push(r, NULL, i);

			if (i == DAMON_MAX_TARGETS) {
				bad(r, e, "at most %d targets", DAMON_MAX_TARGETS);
			} else if (want(r, e, JSON_OBJECT)) {
				int prio = 1;

				c->pids[i] = 0;
				get_int(r, e, "pid", 1, 1 << 30, &c->pids[i]);
				get_int(r, e, "priority", 1, 1000, &prio);
				sp->prio[i] = prio;
				WITH(r, e, "regions", JSON_ARRAY, {
					struct json *g = it->child;

					if (g && (strcmp(c->ops, "paddr") || g->next || i))
						bad(r, g, "initial regions: only one, of a paddr "
						    "target");
					else if (g && want(r, g, JSON_OBJECT)) {
						get_u64(r, g, "start", U_BYTES, &c->region_start);
						get_u64(r, g, "end", U_BYTES, &c->region_end);
						if (!r->failed)
							check_unknown(r, g);
					}
				});
				if (!r->failed && !c->pids[i] && strcmp(c->ops, "paddr"))
					bad(r, e, "a %s target needs a \"pid\"", c->ops);
				if (!r->failed)
					check_unknown(r, e);
				c->nr_pids = i + 1;
			}
			pop(r, n);
		}
	});
	/* paddr: one target, the physical address space. */
	if (!strcmp(c->ops, "paddr") && !c->nr_pids)
		c->nr_pids = 1;
	WITH(r, cj, "schemes", JSON_ARRAY, {
		for (e = it->child, i = 0; e && !r->failed; e = e->next, i++) {
			size_t n = push(r, NULL, i);

			if (i == DAMON_MAX_SCHEMES) {
				bad(r, e, "at most %d schemes", DAMON_MAX_SCHEMES);
			} else if (want(r, e, JSON_OBJECT)) {
				read_scheme(r, e, sp, i);
				if (!r->failed)
					check_unknown(r, e);
				c->nr_schemes = i + 1;
			}
			pop(r, n);
		}
	});
}

static void read_policy(struct rd *r, struct json *p, struct spec *sp)
{
	char min_access[16] = "";

	get_str(r, p, "command", sp->policy.command, sizeof(sp->policy.command));
	get_str(r, p, "name", sp->policy.name, sizeof(sp->policy.name));
	get_bool(r, p, "drop_exited", &sp->policy.drop_exited);
	get_bool(r, p, "skip_unmapped", &sp->policy.skip_unmapped);
	get_u64(r, p, "quota_sz_bytes", U_BYTES, &sp->policy.quota_sz);
	get_u64(r, p, "min_age_us", U_TIME_US, &sp->policy.min_age_us);
	WITH(r, p, "watermarks", JSON_OBJECT, {
		get_str(r, it, "metric", sp->policy.wmarks.metric,
			sizeof(sp->policy.wmarks.metric));
		get_u64(r, it, "interval_us", U_TIME_US, &sp->policy.wmarks.interval_us);
		get_u32(r, it, "high_permil", U_NUM, &sp->policy.wmarks.high);
		get_u32(r, it, "mid_permil", U_NUM, &sp->policy.wmarks.mid);
		get_u32(r, it, "low_permil", U_NUM, &sp->policy.wmarks.low);
	});
	WITH(r, p, "collapse", JSON_OBJECT, {
		struct json *m = json_member(it, "min_access");

		if (m && m->type == JSON_STRING) {
			get_str(r, it, "min_access", min_access, sizeof(min_access));
			if (strcmp(min_access, "auto")) {
				size_t n = push(r, "min_access", 0);

				bad(r, m, "\"%s\": use a number or \"auto\"", min_access);
				pop(r, n);
			}
			sp->policy.collapse_auto = true;
		} else if (m) {
			size_t n = push(r, "min_access", 0);

			if (m->type != JSON_NUMBER)
				bad(r, m, "use a number or \"auto\"");
			pop(r, n);
		}
		get_u32(r, it, "floor", U_NUM, &sp->policy.collapse_floor);
	});
}

int spec_from_json(struct spec *sp, struct json *root, const char *file)
{
	struct rd r = { .file = file };
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
	if (!r.failed) {
		struct json *b = sub(&r, root, "bpf", JSON_OBJECT);

		if (b) {
			size_t n = push(&r, "bpf", 0);

			get_str(&r, b, "source", sp->bpf.source, sizeof(sp->bpf.source));
			if (!r.failed && sp->bpf.source[0] && strcmp(sp->bpf.source, "fault") &&
			    strcmp(sp->bpf.source, "perf")) {
				size_t m = push(&r, "source", 0);

				bad(&r, json_member(b, "source"), "'%s' is not fault or perf",
				    sp->bpf.source);
				pop(&r, m);
			}
			if (!r.failed)
				check_unknown(&r, b);
			pop(&r, n);
		}
	}
	if (!r.failed) {
		struct json *p = sub(&r, root, "policy", JSON_OBJECT);

		if (p) {
			size_t n = push(&r, "policy", 0);

			read_policy(&r, p, sp);
			if (!r.failed)
				check_unknown(&r, p);
			pop(&r, n);
		}
	}
	if (!r.failed)
		check_unknown(&r, root);
	return r.failed ? -1 : 0;
}

int spec_load(struct spec *sp, const char *path)
{
	char *text;
	size_t len = 0, cap = 65536;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int ret;

	if (!f)
		return err("%s: %s", path, strerror(errno));
	text = malloc(cap);
	while (text && (len += fread(text + len, 1, cap - len - 1, f)) == cap - 1) {
		char *t = realloc(text, cap *= 2);

		if (!t)
			free(text);
		text = t;
	}
	if (f != stdin)
		fclose(f);
	if (!text)
		return err("%s: out of memory", path);
	text[len] = '\0';
	ret = spec_from_text(sp, text, path);
	free(text);
	return ret;
}

int spec_from_text(struct spec *sp, const char *text, const char *file)
{
	char errbuf[256];
	struct json *root;
	int ret;

	root = json_parse(text, errbuf, sizeof(errbuf));
	if (!root)
		return err("%s: %s", file, errbuf);
	ret = spec_from_json(sp, root, file);
	json_free(root);
	return ret;
}

/* --- writing -------------------------------------------------------------------------- */

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
	jw_begin(w, "access_pattern", '{');
	jw_begin(w, "sz_bytes", '{');
	jw_u64(w, "min", s->pattern.sz_min);
	jw_u64(w, "max", s->pattern.sz_max);
	jw_end(w, '}');
	jw_begin(w, "nr_accesses", '{');
	jw_u64(w, "min", s->pattern.nr_min == UINT32_MAX ? UINT64_MAX : s->pattern.nr_min);
	jw_u64(w, "max", s->pattern.nr_max == UINT32_MAX ? UINT64_MAX : s->pattern.nr_max);
	jw_end(w, '}');
	jw_begin(w, "age", '{');
	jw_u64(w, "min", s->pattern.age_min == UINT32_MAX ? UINT64_MAX : s->pattern.age_min);
	jw_u64(w, "max", s->pattern.age_max == UINT32_MAX ? UINT64_MAX : s->pattern.age_max);
	jw_end(w, '}');
	jw_end(w, '}');
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
	jw_begin(w, "watermarks", '{');
	jw_str(w, "metric", s->wmarks.metric[0] ? s->wmarks.metric : "none");
	jw_u64(w, "interval_us", s->wmarks.interval_us);
	jw_u64(w, "high_permil", s->wmarks.high);
	jw_u64(w, "mid_permil", s->wmarks.mid);
	jw_u64(w, "low_permil", s->wmarks.low);
	jw_end(w, '}');
	jw_begin(w, "filters", '[');
	for (k = 0; k < s->nr_filters; k++) {
		const struct damos_filter_cfg *f = &s->filters[k];

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
	jw_end(w, ']');
	if (state) {
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
	jw_end(w, '}');
}

void spec_print(FILE *f, const struct spec *sp, bool state)
{
	const struct damon_ctx_cfg *c = &sp->ctx;
	struct json_writer w = { .f = f };
	bool paddr = !strcmp(c->ops, "paddr");
	char cl[1024];
	int i;

	jw_begin(&w, NULL, '{');
	jw_begin(&w, "kdamonds", '[');
	jw_begin(&w, NULL, '{');
	jw_begin(&w, "contexts", '[');
	jw_begin(&w, NULL, '{');
	jw_str(&w, "ops", c->ops);
	jw_begin(&w, "targets", '[');
	for (i = 0; i < c->nr_pids; i++) {
		jw_begin(&w, NULL, '{');
		if (!paddr)
			jw_int(&w, "pid", c->pids[i]);
		if (sp->prio[i] != 1)
			jw_int(&w, "priority", sp->prio[i]);
		if (paddr && c->region_end) {
			jw_begin(&w, "regions", '[');
			jw_begin(&w, NULL, '{');
			jw_u64(&w, "start", c->region_start);
			jw_u64(&w, "end", c->region_end);
			jw_end(&w, '}');
			jw_end(&w, ']');
		}
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_begin(&w, "intervals", '{');
	jw_u64(&w, "sample_us", c->sample_us);
	jw_u64(&w, "aggr_us", c->aggr_us);
	jw_u64(&w, "ops_update_us", c->update_us);
	jw_end(&w, '}');
	jw_begin(&w, "nr_regions", '{');
	jw_u64(&w, "min", c->min_nr_regions);
	jw_u64(&w, "max", c->max_nr_regions);
	jw_end(&w, '}');
	jw_begin(&w, "sample_control", '{');
	jw_begin(&w, "primitives", '{');
	jw_bool(&w, "page_table", c->page_table);
	jw_bool(&w, "page_fault", c->page_fault);
	jw_end(&w, '}');
	/* the filters as damon_apply() writes them: reject filters, all must pass */
	jw_begin(&w, "filters", '[');
	if (c->cpus) {
		format_cpulist(c->cpus, DAMON_BPF_MAX_CPUS, cl, sizeof(cl));
		jw_begin(&w, NULL, '{');
		jw_str(&w, "type", "cpumask");
		jw_str(&w, "cpumask", cl);
		jw_bool(&w, "matching", false);
		jw_bool(&w, "allow", false);
		jw_end(&w, '}');
	}
	if (c->rw != RW_BOTH) {
		jw_begin(&w, NULL, '{');
		jw_str(&w, "type", "write");
		jw_bool(&w, "matching", c->rw == RW_READS);
		jw_bool(&w, "allow", false);
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_end(&w, '}');
	jw_begin(&w, "schemes", '[');
	for (i = 0; i < c->nr_schemes; i++)
		if (state || sp->owner[i] != OWNER_RETIRED)
			print_scheme(&w, sp, i, state);
	jw_end(&w, ']');
	jw_end(&w, '}');
	jw_end(&w, ']');
	jw_end(&w, '}');
	jw_end(&w, ']');
	jw_begin(&w, "bpf", '{');
	jw_str(&w, "source", sp->bpf.source[0] ? sp->bpf.source : NULL);
	jw_end(&w, '}');
	jw_begin(&w, "policy", '{');
	jw_str(&w, "command", sp->policy.command);
	jw_str(&w, "name", sp->policy.name);
	jw_bool(&w, "drop_exited", sp->policy.drop_exited);
	jw_bool(&w, "skip_unmapped", sp->policy.skip_unmapped);
	jw_u64(&w, "quota_sz_bytes", sp->policy.quota_sz);
	jw_u64(&w, "min_age_us", sp->policy.min_age_us);
	jw_begin(&w, "watermarks", '{');
	jw_str(&w, "metric", sp->policy.wmarks.metric[0] ? sp->policy.wmarks.metric : "none");
	jw_u64(&w, "interval_us", sp->policy.wmarks.interval_us);
	jw_u64(&w, "high_permil", sp->policy.wmarks.high);
	jw_u64(&w, "mid_permil", sp->policy.wmarks.mid);
	jw_u64(&w, "low_permil", sp->policy.wmarks.low);
	jw_end(&w, '}');
	if (!strcmp(sp->policy.command, "collapse")) {
		jw_begin(&w, "collapse", '{');
		if (sp->policy.collapse_auto)
			jw_str(&w, "min_access", "auto");
		else
			jw_u64(&w, "min_access", c->nr_schemes ? c->schemes[0].pattern.nr_min : 0);
		jw_u64(&w, "floor", sp->policy.collapse_floor);
		jw_end(&w, '}');
	}
	jw_end(&w, '}');
	jw_end(&w, '}');
}

int spec_save(const struct spec *sp, const char *path)
{
	char tmp[300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return err("%s: %s", tmp, strerror(errno));
	spec_print(f, sp, true);
	if (fclose(f) || rename(tmp, path))
		return err("%s: %s", path, strerror(errno));
	return 0;
}

void damon_ctx_defaults(struct damon_ctx_cfg *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->ops, "vaddr");
	c->sample_us = 5000;
	c->aggr_us = 100000;
	c->update_us = 1000000;
	c->min_nr_regions = 10;
	c->max_nr_regions = 1000;
	c->page_table = true;
}
