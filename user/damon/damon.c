// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: DAMON sysfs (/sys/kernel/mm/damon/admin), written the way damo writes it. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "damon/damon.h"
#include "lib/util.h"

#define KDAMONDS DAMON_ADMIN "/kdamonds"

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

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool exists_at(const char *dir, const char *rel)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return exists(path);
}

/*
 * Writes val to dir/rel; -1 with errno, and no message (for requests a kernel may not know).
 * DAMON sysfs stores take damon_sysfs_lock with mutex_trylock() and answer EBUSY when it is
 * held, which a running kdamond does briefly every sampling interval: retry.
 */
static int put_quiet(const char *dir, const char *rel, const char *val)
{
	char path[640];
	int tries;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (tries = 0; write_file(path, "%s", val); tries++) {
		if (errno != EBUSY || tries == 100)
			return -1;
		usleep(10000);
	}
	return 0;
}

/* Writes a value to dir/rel; the error names the file and the value. */
static int put(const char *dir, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int put(const char *dir, const char *rel, const char *fmt, ...)
{
	char val[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (put_quiet(dir, rel, val))
		return err("writing '%s' to %s/%s: %s", val, dir, rel, strerror(errno));
	return 0;
}

static int get(const char *dir, const char *rel, char *buf, size_t len);

/*
 * Writes a count file (nr_targets, nr_schemes, nr_filters...) only when it changes: every
 * write removes and rebuilds the directories below, even with the same count.
 */
static int put_count(const char *dir, const char *rel, int n)
{
	char cur[32];

	if (!get(dir, rel, cur, sizeof(cur)) && atoi(cur) == n)
		return 0;
	return put(dir, rel, "%d", n);
}

static int get(const char *dir, const char *rel, char *buf, size_t len)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (read_file(path, buf, len) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int damon_check(void)
{
	if (geteuid() != 0)
		return err("DAMON and BPF need root: run damon-bpf as root");
	if (!exists(KDAMONDS))
		return err("no DAMON sysfs at %s: the kernel needs CONFIG_DAMON_SYSFS", KDAMONDS);
	return 0;
}

int damon_claim(struct damon_session *s)
{
	char buf[64], state[32], path[256];
	long n, i;

	s->kdamond = -1;
	if (get(KDAMONDS, "nr_kdamonds", buf, sizeof(buf)) || parse_int(buf, 0, 1 << 20, &n))
		return err("reading %s/nr_kdamonds: %s", KDAMONDS, strerror(errno));
	/*
	 * Writing nr_kdamonds removes every kdamond directory and creates new ones, and fails with
	 * EBUSY while any kdamond runs: with kdamonds there already, we would destroy someone's
	 * configuration or fail.  Say whose they are and stop.
	 */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%ld", KDAMONDS, i);
		if (!get(path, "state", state, sizeof(state)) && !strcmp(state, "on")) {
			get(path, "pid", buf, sizeof(buf));
			return err("DAMON sysfs is busy: kdamond %ld (pid %s) is running and is not "
				   "ours; damon-bpf never stops or rewrites another user's kdamond", i, buf);
		}
	}
	if (n > 0)
		return err("DAMON sysfs holds %ld kdamond(s) (off) that damon-bpf did not create; "
			   "adding ours would erase them. Remove them if they are unused: "
			   "echo 0 > %s/nr_kdamonds", n, KDAMONDS);
	if (put(KDAMONDS, "nr_kdamonds", "1")) {
		if (errno == EBUSY)
			return err("DAMON sysfs is busy (another kdamond started meanwhile)");
		return -1;
	}
	s->kdamond = 0;
	snprintf(s->dir, sizeof(s->dir), "%s/0", KDAMONDS);
	return put(s->dir, "contexts/nr_contexts", "1");
}

bool damon_has_sample(const struct damon_session *s)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/contexts/0/monitoring_attrs/sample", s->dir);
	return exists(path);
}

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

static int apply_filter(const char *fdir, int idx, const struct damos_filter_cfg *f,
			uint64_t start, uint64_t end)
{
	char d[400];

	snprintf(d, sizeof(d), "%s/%d", fdir, idx);
	if (put(d, "type", "%s", f->type)) {
		if (errno == EINVAL)
			return err("the running kernel's DAMOS has no '%s' filter", f->type);
		return -1;
	}
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
		if (put(d, "target_metric", "%s", g->metric)) {
			if (errno == EINVAL)
				return err("the running kernel's DAMOS has no quota goal metric '%s'",
					   g->metric);
			return -1;
		}
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

	if (put(sdir, "action", "%s", s->action)) {
		if (errno == EINVAL)
			return err("the running kernel's DAMON does not support the action '%s'",
				   s->action);
		return -1;
	}
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
	if (apply_sample(ctx, c))
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

int damon_start(struct damon_session *s)
{
	return put(s->dir, "state", "on");
}

int damon_commit(struct damon_session *s, const struct damon_ctx_cfg *c)
{
	if (damon_apply(s, c))
		return -1;
	return put(s->dir, "state", "commit");
}

bool damon_running(const struct damon_session *s)
{
	char state[32];

	return s->kdamond >= 0 && !get(s->dir, "state", state, sizeof(state)) &&
	       !strcmp(state, "on");
}

int damon_kdamond_pid(const struct damon_session *s)
{
	char buf[32];
	long pid;

	if (get(s->dir, "pid", buf, sizeof(buf)) || parse_int(buf, -1, 1 << 30, &pid))
		return -1;
	return pid;
}

void damon_release(struct damon_session *s)
{
	if (s->kdamond < 0)
		return;
	/*
	 * 'off' fails with EPERM when the kdamond exited between the read of 'state' and the
	 * write (its last target died; __damon_stop() finds no kdamond): that is not an error.
	 */
	if (damon_running(s) && put_quiet(s->dir, "state", "off") && damon_running(s))
		err("writing 'off' to %s/state: %s", s->dir, strerror(errno));
	if (put_quiet(KDAMONDS, "nr_kdamonds", "0"))
		err("writing '0' to %s/nr_kdamonds: %s", KDAMONDS, strerror(errno));
	s->kdamond = -1;
}

int damon_scheme_stats(struct damon_session *s, struct damos_stats *st, int n)
{
	static const char *const f[] = { "nr_tried", "sz_tried", "nr_applied", "sz_applied",
					 "qt_exceeds" };
	char d[256], buf[64];
	int i, j;

	if (put(s->dir, "state", "update_schemes_stats"))
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t *v = &st[i].nr_tried;

		snprintf(d, sizeof(d), "%s/contexts/0/schemes/%d/stats", s->dir, i);
		for (j = 0; j < 5; j++)
			if (get(d, f[j], buf, sizeof(buf)) || parse_u64(buf, &v[j]))
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
	if (!get(d, "effective_bytes", buf, sizeof(buf)))
		parse_u64(buf, esz);
	for (i = 0; i < nr_goals; i++) {
		snprintf(d, sizeof(d), "%s/contexts/0/schemes/%d/quotas/goals/%d", s->dir, scheme, i);
		cur[i] = 0;
		if (get(d, "current_value", buf, sizeof(buf)) || parse_u64(buf, &cur[i]))
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
	if (get(d, "nr_targets", buf, sizeof(buf)) || parse_int(buf, 0, max, &n))
		return -1;
	for (i = 0; i < n; i++) {
		char t[32];

		snprintf(t, sizeof(t), "%d/pid_target", i);
		if (get(d, t, buf, sizeof(buf)) || parse_int(buf, 0, 1 << 30, &pid))
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
		struct damon_region *r;
		uint64_t v[4];
		static const char *const f[] = { "start", "end", "nr_accesses", "age" };
		int i;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(rdir, sizeof(rdir), "%s/%s", tdir, e->d_name);
		for (i = 0; i < 4; i++)
			if (get(rdir, f[i], buf, sizeof(buf)) || parse_u64(buf, &v[i]))
				break;
		if (i < 4)
			continue;	/* raced with an update */
		if (nr == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(regs, cap * sizeof(*regs));
			if (!r) {
				closedir(d);
				free(regs);
				return err("out of memory");
			}
			regs = r;
		}
		regs[nr++] = (struct damon_region){ v[0], v[1], v[2], v[3], -1 };
	}
	closedir(d);
	qsort(regs, nr, sizeof(*regs), cmp_region);
	*out = regs;
	*n = nr;
	return 0;
}
