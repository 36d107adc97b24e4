// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the mapped ranges of the targets (/proc/PID/maps), which a skip_unmapped spec
 * gives DAMON as the fixed regions of fvaddr targets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "session/internal.h"

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
void find_ranges(int pid, struct ranges *rg)
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
bool refresh_ranges(struct runner *r)
{
	bool changed = false;
	int i;

	if (!r->sp.policy.skip_unmapped)
		return false;
	for (i = 0; i < r->sp.ctx.nr_pids; i++) {
		struct ranges rg;

		find_ranges(r->sp.ctx.pids[i], &rg);
		/* No mapping left: the process is exiting (drop_exited() sees to it). */
		if (!rg.n)
			continue;
		if (rg.n != r->ranges[i].n || memcmp(rg.r, r->ranges[i].r, rg.n * sizeof(rg.r[0]))) {
			r->ranges[i] = rg;
			changed = true;
		}
	}
	return changed;
}
