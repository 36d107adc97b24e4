// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: snapshots: regions with their per-CPU read and write counters. */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "view/view.h"

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void snapshot_clear(struct snapshot *s)
{
	int i;

	for (i = 0; i < s->nr_regions; i++) {
		free(s->regions[i].reads);
		free(s->regions[i].writes);
	}
	s->nr_regions = 0;
}

void snapshot_free(struct snapshot *s)
{
	snapshot_clear(s);
	free(s->regions);
	snapshot_init(s);
}

struct view_region *snapshot_add(struct snapshot *s, int nr_cpus, uint64_t start, uint64_t end)
{
	struct view_region *r;

	if (ARRAY_GROW(s->regions, s->nr_regions, s->cap, 64))
		return NULL;
	r = &s->regions[s->nr_regions];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->end = end;
	r->pid = -1;
	if (rw_counters_alloc(&r->reads, &r->writes, nr_cpus))
		return NULL;
	s->nr_regions++;
	return r;
}

void snapshot_attribute(struct snapshot *s, uint64_t addr, int cpu, bool write, uint64_t count,
			int nr_cpus)
{
	int lo = 0, hi = s->nr_regions - 1;

	if (cpu < 0 || cpu >= nr_cpus)
		return;
	/* Regions are sorted by address and do not overlap. */
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct view_region *r = &s->regions[mid];

		if (addr < r->start) {
			hi = mid - 1;
		} else if (addr >= r->end) {
			lo = mid + 1;
		} else {
			if (write)
				r->writes[cpu] += count;
			else
				r->reads[cpu] += count;
			return;
		}
	}
}
