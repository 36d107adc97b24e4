// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the spec's policy (see spec/spec.h): per-target schemes (one per target, kept to
 * it by a 'target' filter), what priorities make of their quotas, ages and watermarks, and
 * retired schemes.  Pure functions of the spec: no I/O.
 */
#include <string.h>

#include "spec/spec.h"

bool spec_per_target(const struct spec *sp, int i)
{
	return sp->owner[i] > 0;
}

/* The target index a per-target scheme is kept to (its first filter). */
struct damos_filter_cfg *spec_target_filter(struct spec *sp, int i)
{
	struct damon_scheme_cfg *s = &sp->ctx.schemes[i];

	return s->nr_filters && !strcmp(s->filters[0].type, "target") ? &s->filters[0] : NULL;
}

void spec_add_per_target(struct spec *sp, const struct damon_scheme_cfg *tmpl)
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
	spec_derive(sp);
}

/*
 * reclaim: a target of priority N pages out only memory idle for N x min-age, gets a share
 * of the quota that weighs 1/N, and with watermarks starts only when free memory is lower the
 * higher its rank among the priorities: the lowest ranked start at the base 'mid', the highest
 * at mid - (mid - low) * rank / ranks.  The kernel evaluates the watermarks against free
 * memory every watermark interval, so the order follows free memory as it changes.
 */
void spec_derive(struct spec *sp)
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

		if (!spec_per_target(sp, i))
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

void spec_retire(struct spec *sp, int i)
{
	struct damon_scheme_cfg *s = &sp->ctx.schemes[i];

	*s = (struct damon_scheme_cfg){ .action = "stat", .target_nid = -1, .quota_reset_ms = 1000 };
	s->pattern = (struct damon_access_pattern){ 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX };
	s->filters[0] = (struct damos_filter_cfg){ .type = "target", .target_idx = RETIRED_IDX };
	s->nr_filters = 1;
	sp->owner[i] = OWNER_RETIRED;
}

void spec_bind_owners(struct spec *sp)
{
	int i;

	if (strcmp(sp->policy.command, "reclaim") && strcmp(sp->policy.command, "collapse"))
		return;
	for (i = 0; i < sp->ctx.nr_schemes; i++) {
		struct damos_filter_cfg *f = spec_target_filter(sp, i);

		if (!sp->owner[i] && f && f->target_idx < sp->ctx.nr_pids)
			sp->owner[i] = sp->ctx.pids[f->target_idx];
	}
}

bool spec_node_used(const struct spec *sp, int nid)
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
