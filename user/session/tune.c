// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: collapse --min-access auto, the threshold the session lowers as it runs. */
#include <string.h>

#include "lib/util.h"
#include "session/internal.h"

/*
 * Starts at the maximum nr_accesses (aggr / sample) and lowers the threshold by a tenth of it
 * whenever a settling time passes without a collapse, down to the floor; once collapses
 * happen, the threshold stays.
 */
int collapse_tick(struct runner *r, const struct damos_stats *st, double now)
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
		if (spec_per_target(sp, i) || sp->owner[i] == OWNER_SHARED)
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
	return runner_commit(r);
}
