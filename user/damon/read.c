// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: what a running kdamond tells: schemes' stats, quota goals and effective quotas,
 * targets, tried regions (each after the state command that refreshes it).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "damon/damon.h"
#include "damon/sysfs.h"
#include "lib/util.h"

bool damon_has_sample(const struct damon_session *s)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/contexts/0/monitoring_attrs/sample", s->dir);
	return exists(path);
}

int damon_scheme_stats(struct damon_session *s, struct damos_stats *st, int n, bool *busy)
{
	static const char *const f[] = { "nr_tried", "sz_tried", "nr_applied", "sz_applied",
					 "qt_exceeds" };
	char d[256], buf[64];
	int i, j;

	if (busy)
		*busy = false;
	if (put_quiet(s->dir, "state", "update_schemes_stats")) {
		if (errno == EBUSY && busy) {
			*busy = true;
			return 0;
		}
		return err("writing 'update_schemes_stats' to %s/state: %s%s", s->dir,
			   strerror(errno), errno == EBUSY ? " (for over a second)" : "");
	}
	for (i = 0; i < n; i++) {
		uint64_t *v = &st[i].nr_tried;

		snprintf(d, sizeof(d), "%s/contexts/0/schemes/%d/stats", s->dir, i);
		for (j = 0; j < 5; j++)
			if (damon_read(d, f[j], buf, sizeof(buf)) || parse_u64(buf, &v[j]))
				return err("reading %s/%s: %s", d, f[j], strerror(errno));
	}
	return 0;
}

void damon_update_quotas(struct damon_session *s)
{
	/* 6.12 refreshes quotas/effective_bytes on request; the damon-bpf series the goals. */
	put_quiet(s->dir, "state", "update_schemes_effective_quotas");
	put_quiet(s->dir, "state", "update_schemes_quota_goals");
}

int damon_goal_values(struct damon_session *s, int scheme, uint64_t *cur, int nr_goals,
		      uint64_t *esz)
{
	char d[320], buf[64];
	int i;

	*esz = 0;
	snprintf(d, sizeof(d), "%s/contexts/0/schemes/%d/quotas", s->dir, scheme);
	if (!damon_read(d, "effective_bytes", buf, sizeof(buf)))
		parse_u64(buf, esz);
	for (i = 0; i < nr_goals; i++) {
		snprintf(d, sizeof(d), "%s/contexts/0/schemes/%d/quotas/goals/%d", s->dir, scheme, i);
		cur[i] = 0;
		if (damon_read(d, "current_value", buf, sizeof(buf)) || parse_u64(buf, &cur[i]))
			return err("reading %s/current_value: %s", d, strerror(errno));
	}
	return 0;
}

bool damon_has_obsolete(const struct damon_session *s)
{
	char d[256];

	snprintf(d, sizeof(d), "%s/contexts/0/targets/0", s->dir);
	return exists_at(d, "obsolete_target");
}

int damon_target_pids(const struct damon_session *s, int *pids, int max)
{
	char d[256], buf[32];
	long n, pid;
	int i;

	snprintf(d, sizeof(d), "%s/contexts/0/targets", s->dir);
	if (damon_read(d, "nr_targets", buf, sizeof(buf)) || parse_int(buf, 0, max, &n))
		return -1;
	for (i = 0; i < n; i++) {
		char t[32];

		snprintf(t, sizeof(t), "%d/pid_target", i);
		if (damon_read(d, t, buf, sizeof(buf)) || parse_int(buf, 0, 1 << 30, &pid))
			return -1;
		pids[i] = pid;
	}
	return n;
}

static int cmp_region(const void *a, const void *b)
{
	const struct damon_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* probes/P/hits of a tried region, for each probe it has (none: no probes directory). */
static void read_probe_hits(const char *rdir, struct damon_region *r)
{
	char f[32], buf[32];
	uint64_t v;

	for (r->nr_probes = 0; r->nr_probes < DAMON_MAX_PROBES; r->nr_probes++) {
		snprintf(f, sizeof(f), "probes/%d/hits", r->nr_probes);
		if (damon_read(rdir, f, buf, sizeof(buf)) || parse_u64(buf, &v))
			break;
		r->probe_hits[r->nr_probes] = v;
	}
}

int damon_regions(struct damon_session *s, int scheme, struct damon_region **out, int *n)
{
	char tdir[256], rdir[576], buf[64];
	struct damon_region *regs = NULL;
	int nr = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	if (put(s->dir, "state", "update_schemes_tried_regions"))
		return -1;
	snprintf(tdir, sizeof(tdir), "%s/contexts/0/schemes/%d/tried_regions", s->dir, scheme);
	d = opendir(tdir);
	if (!d)
		return err("%s: %s", tdir, strerror(errno));
	while ((e = readdir(d))) {
		uint64_t v[4];
		static const char *const f[] = { "start", "end", "nr_accesses", "age" };
		int i;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(rdir, sizeof(rdir), "%s/%s", tdir, e->d_name);
		for (i = 0; i < 4; i++)
			if (damon_read(rdir, f[i], buf, sizeof(buf)) || parse_u64(buf, &v[i]))
				break;
		if (i < 4)
			continue;	/* raced with an update */
		if (ARRAY_GROW(regs, nr, cap, 64)) {
			closedir(d);
			free(regs);
			return err("out of memory");
		}
		regs[nr] = (struct damon_region){ v[0], v[1], v[2], v[3], -1 };
		read_probe_hits(rdir, &regs[nr++]);
	}
	closedir(d);
	qsort(regs, nr, sizeof(*regs), cmp_region);
	*out = regs;
	*n = nr;
	return 0;
}
