// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the heatmap model (view/heatmap.h): a record file's snapshots binned by time and
 * address.
 *
 * Snapshot i stands for the time since snapshot i - 1 (the first one: since the session
 * started): DAMON's regions with the access rate of their last aggregation interval, or the
 * fallback buckets with the events counted since the last snapshot.  A bin's value is the
 * average, weighted by overlap in time and bytes, of the regions over it: DAMON's access rate
 * in percent, or reporter events per second per 4 KiB.  A breakdown (a CPU, reads or writes)
 * of a DAMON record is the hits of the probe that counts them, in percent as the access rate;
 * of other records (fallback, or DAMON before probes), the reporter events it selects.  Where no DAMON region lies (gaps
 * between the areas DAMON monitors) a bin has no data; in fallback records, where every fault
 * of the process is counted, an address without a bucket had no access: 0.
 *
 * The file is read three times: a survey (snapshots, times, pids, whether the regions carry
 * reporter events), the address ranges with their heat (when no --address-range was given),
 * then the grid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "view/heatmap.h"

#define BYTES_PER_UNIT 4096.0	/* events are counted per 4 KiB */
/* Address ranges less than this many times the larger one's size apart form one cluster. */
#define CLUSTER_GAP 16
#define MAX_PIDS_SAID 8
#define MAX_RANGES_SAID 8

typedef int (*snapshot_fn)(void *ctx, const struct session_info *si, const struct snapshot *s,
			   double t0);

/* Calls fn with every snapshot of path and the time its interval starts; 0, or -1 (said). */
static int for_each_snapshot(const char *path, struct session_info *si, snapshot_fn fn,
			     void *ctx)
{
	struct snapshot s;
	double t0 = 0;
	gzFile g;
	int r;

	g = record_open(path, si);
	if (!g)
		return -1;
	snapshot_init(&s);
	while ((r = record_read(g, si, &s)) > 0) {
		if (fn(ctx, si, &s, t0)) {
			r = -1;
			break;
		}
		t0 = s.time;
	}
	snapshot_free(&s);
	gzclose(g);
	return r < 0 ? -1 : 0;
}

/* --- what a record holds ------------------------------------------------------------------ */

struct survey {
	int nr_snapshots;
	double last;
	int pids[MAX_PIDS_SAID], nr_pids;	/* distinct pids >= 0, the first few */
	bool more_pids;
	bool any_events;			/* some region has per-CPU reads or writes */
};

static int survey_add(void *ctx, const struct session_info *si, const struct snapshot *s,
		      double t0)
{
	struct survey *sv = ctx;
	int i, j, c;

	if (!isfinite(s->time) || s->time < 0 || s->time > 1e9)
		return err("%s: snapshot %d has no valid time (%g): the record is corrupt", si->file,
			   sv->nr_snapshots + 1, s->time);
	sv->nr_snapshots++;
	if (s->time > sv->last)
		sv->last = s->time;
	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *r = &s->regions[i];

		for (c = 0; c < (int)si->nr_cpus && !sv->any_events; c++)
			sv->any_events = r->reads[c] || r->writes[c];
		if (r->pid < 0)
			continue;
		for (j = 0; j < sv->nr_pids && sv->pids[j] != r->pid; j++)
			;
		if (j < sv->nr_pids)
			continue;
		if (sv->nr_pids < MAX_PIDS_SAID)
			sv->pids[sv->nr_pids++] = r->pid;
		else
			sv->more_pids = true;
	}
	return 0;
}

static bool survey_has_pid(const struct survey *sv, int pid)
{
	int i;

	for (i = 0; i < sv->nr_pids; i++)
		if (sv->pids[i] == pid)
			return true;
	return sv->more_pids;	/* not all were kept: let the grid find out */
}

static void format_pids(const struct survey *sv, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sv->nr_pids && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%d", i ? ", " : "", sv->pids[i]);
	if (sv->more_pids && off < len)
		snprintf(buf + off, len - off, ", ...");
}

/* --- the values of regions ---------------------------------------------------------------- */

struct heat_ctx {
	const struct heatmap_opts *o;
	struct heatmap *hm;
	int pid;		/* -1: every region */
	bool fallback;		/* regions count events; no region: no access */
	int probe;		/* the breakdown's probe in a DAMON record, -1: reporter events */
	double t_lo, t_hi;	/* the time range */
};

static const char *rw_name(enum heat_rw rw)
{
	return rw == HEAT_RW_READS ? "reads" : rw == HEAT_RW_WRITES ? "writes" : "accesses";
}

/* The reporter events of r that the breakdown selects. */
static uint64_t selected_events(const struct heat_ctx *c, const struct session_info *si,
				const struct view_region *r)
{
	uint64_t n = 0;
	int cpu;

	for (cpu = 0; cpu < (int)si->nr_cpus; cpu++) {
		if (c->o->cpu >= 0 && cpu != c->o->cpu)
			continue;
		if (c->o->rw != HEAT_RW_WRITES)
			n += r->reads[cpu];
		if (c->o->rw != HEAT_RW_READS)
			n += r->writes[cpu];
	}
	return n;
}

/* r's value over a snapshot interval of dt seconds, in the heatmap's unit; false: none. */
static bool region_value(const struct heat_ctx *c, const struct session_info *si,
			 const struct snapshot *s, const struct view_region *r, double dt,
			 double *v)
{
	uint64_t events;

	if (r->end <= r->start || (c->pid >= 0 && r->pid != c->pid))
		return false;
	if (c->hm->unit == HEAT_PERCENT) {
		if (!s->max_nr_accesses)
			return false;
		*v = 100.0 * (c->probe >= 0 ? r->probe_hits[c->probe] : r->nr_accesses) /
		     s->max_nr_accesses;
		return true;
	}
	events = c->o->breakdown ? selected_events(c, si, r) : r->nr_accesses;
	*v = events * BYTES_PER_UNIT / (double)(r->end - r->start) / dt;
	return true;
}

/* The part of [t0, t1) inside the time range; false if none. */
static bool clip_time(const struct heat_ctx *c, double t0, double t1, double *lo, double *hi)
{
	*lo = t0 > c->t_lo ? t0 : c->t_lo;
	*hi = t1 < c->t_hi ? t1 : c->t_hi;
	return *hi > *lo;
}

/* --- the default address range: the busiest cluster -------------------------------------- */

struct heat_range {
	uint64_t start, end;
	double heat;		/* value x bytes x seconds */
};

struct range_set {
	struct heat_range *r;
	int n, cap;
	struct heat_ctx *c;
};

/* Adds [start, end) to the sorted, disjoint ranges, merged with those it overlaps or touches. */
static int range_add(struct range_set *rs, uint64_t start, uint64_t end, double heat)
{
	int lo = 0, hi = rs->n, i, j;

	while (lo < hi) {	/* the first range that ends at or after start */
		int mid = (lo + hi) / 2;

		if (rs->r[mid].end < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	if (i == rs->n || rs->r[i].start > end) {
		if (ARRAY_GROW(rs->r, rs->n, rs->cap, 16))
			return err("out of memory");
		memmove(&rs->r[i + 1], &rs->r[i], (rs->n - i) * sizeof(*rs->r));
		rs->r[i] = (struct heat_range){ start, end, heat };
		rs->n++;
		return 0;
	}
	for (j = i; j < rs->n && rs->r[j].start <= end; j++) {
		if (rs->r[j].start < start)
			start = rs->r[j].start;
		if (rs->r[j].end > end)
			end = rs->r[j].end;
		heat += rs->r[j].heat;
	}
	rs->r[i] = (struct heat_range){ start, end, heat };
	memmove(&rs->r[i + 1], &rs->r[j], (rs->n - j) * sizeof(*rs->r));
	rs->n -= j - i - 1;
	return 0;
}

static int ranges_add(void *ctx, const struct session_info *si, const struct snapshot *s,
		      double t0)
{
	struct range_set *rs = ctx;
	double lo, hi, v;
	int i;

	if (!clip_time(rs->c, t0, s->time, &lo, &hi))
		return 0;
	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *r = &s->regions[i];

		if (!region_value(rs->c, si, s, r, s->time - t0, &v))
			continue;
		if (range_add(rs, r->start, r->end, v * (double)(r->end - r->start) * (hi - lo)))
			return -1;
	}
	return 0;
}

/*
 * Joins neighbouring ranges into clusters (closer than CLUSTER_GAP times the larger size),
 * in place; returns the number of clusters.
 */
static int cluster(struct heat_range *r, int n)
{
	int i, k = 0;

	for (i = 1; i < n; i++) {
		uint64_t a = r[k].end - r[k].start, b = r[i].end - r[i].start;
		uint64_t size = a > b ? a : b;

		if ((r[i].start - r[k].end) / CLUSTER_GAP <= size) {
			r[k].end = r[i].end;
			r[k].heat += r[i].heat;
		} else {
			r[++k] = r[i];
		}
	}
	return n ? k + 1 : 0;
}

/* Picks the cluster with the highest heat per byte (damo's "hottest"); says the others. */
static int default_addr_range(const char *path, struct heat_ctx *c, struct session_info *si)
{
	struct range_set rs = { .c = c };
	int i, n, best = 0;
	char a[32], b[32], sz[32];

	if (for_each_snapshot(path, si, ranges_add, &rs)) {
		free(rs.r);
		return -1;
	}
	n = cluster(rs.r, rs.n);
	if (!n) {
		free(rs.r);
		return err("%s: no region%s in the time range: nothing to draw", path,
			   c->pid >= 0 ? " of that pid" : "");
	}
	for (i = 1; i < n; i++) {
		double hb = rs.r[best].heat / (double)(rs.r[best].end - rs.r[best].start);
		double hi = rs.r[i].heat / (double)(rs.r[i].end - rs.r[i].start);

		if (hi > hb)
			best = i;
	}
	c->hm->addr_start = rs.r[best].start;
	c->hm->addr_end = rs.r[best].end;
	if (n > 1) {
		info("damon-bpf: %s: the regions lie in %d address ranges; the heatmap shows the "
		     "hottest per byte (--address-range START-END picks another):", path, n);
		for (i = 0; i < n; i++) {
			if (i >= MAX_RANGES_SAID && i != best)
				continue;
			snprintf(a, sizeof(a), "%#llx", (unsigned long long)rs.r[i].start);
			snprintf(b, sizeof(b), "%#llx", (unsigned long long)rs.r[i].end);
			format_bytes(rs.r[i].end - rs.r[i].start, sz, sizeof(sz));
			info("  %c %s-%s  %s", i == best ? '*' : ' ', a, b, sz);
		}
		if (n > MAX_RANGES_SAID)
			info("    ... and %d more", n - MAX_RANGES_SAID - (best >= MAX_RANGES_SAID));
	}
	free(rs.r);
	return 0;
}

/* --- the grid ----------------------------------------------------------------------------- */

struct grid {
	struct heat_ctx *c;
	double *sum, *cov;	/* value x overlap, overlap (seconds x bytes), per bin */
	double *tcov;		/* seconds covered by snapshots, per time bin */
	double *ot;		/* scratch: overlap of this snapshot with each time bin */
	double tw, aw;		/* bin width: seconds, bytes */
	long nr_drawn;		/* regions that fell into the grid */
};

/* The bins [*b0, *b1] that [lo, hi) (relative to the axis start) touches, bins of width w. */
static void bins(double lo, double hi, double w, int nr, int *b0, int *b1)
{
	*b0 = (int)floor(lo / w);
	*b1 = (int)ceil(hi / w) - 1;
	if (*b0 < 0)
		*b0 = 0;
	if (*b1 > nr - 1)
		*b1 = nr - 1;
}

static double overlap(double lo, double hi, double blo, double bhi)
{
	double a = lo > blo ? lo : blo, b = hi < bhi ? hi : bhi;

	return b > a ? b - a : 0;
}

static void grid_region(struct grid *g, const struct view_region *r, double v, int tb0, int tb1)
{
	struct heatmap *hm = g->c->hm;
	double lo = r->start > hm->addr_start ? r->start - hm->addr_start : 0;
	double hi = (r->end < hm->addr_end ? r->end : hm->addr_end) - (double)hm->addr_start;
	int ab0, ab1, a, t;

	if (r->end <= hm->addr_start || r->start >= hm->addr_end)
		return;
	g->nr_drawn++;
	bins(lo, hi, g->aw, hm->nr_addr, &ab0, &ab1);
	for (a = ab0; a <= ab1; a++) {
		double oa = overlap(lo, hi, a * g->aw, (a + 1) * g->aw);

		for (t = tb0; t <= tb1; t++) {
			g->sum[t * hm->nr_addr + a] += v * g->ot[t] * oa;
			g->cov[t * hm->nr_addr + a] += g->ot[t] * oa;
		}
	}
}

static int grid_add(void *ctx, const struct session_info *si, const struct snapshot *s, double t0)
{
	struct grid *g = ctx;
	struct heatmap *hm = g->c->hm;
	double lo, hi, v;
	int tb0, tb1, t, i;

	if (!clip_time(g->c, t0, s->time, &lo, &hi))
		return 0;
	hm->nr_snapshots++;
	lo -= hm->time_start;
	hi -= hm->time_start;
	bins(lo, hi, g->tw, hm->nr_time, &tb0, &tb1);
	for (t = tb0; t <= tb1; t++) {
		g->ot[t] = overlap(lo, hi, t * g->tw, (t + 1) * g->tw);
		g->tcov[t] += g->ot[t];
	}
	for (i = 0; i < s->nr_regions; i++)
		if (region_value(g->c, si, s, &s->regions[i], s->time - t0, &v))
			grid_region(g, &s->regions[i], v, tb0, tb1);
	return 0;
}

/* Each bin's value from its sums; the highest. */
static void grid_finish(struct grid *g)
{
	struct heatmap *hm = g->c->hm;
	int t, a;

	hm->max = 0;
	for (t = 0; t < hm->nr_time; t++) {
		for (a = 0; a < hm->nr_addr; a++) {
			int k = t * hm->nr_addr + a;
			double v = NAN;

			if (g->c->fallback && g->tcov[t] > 0)
				v = g->sum[k] / (g->tcov[t] * g->aw);
			else if (!g->c->fallback && g->cov[k] > 0)
				v = g->sum[k] / g->cov[k];
			hm->val[k] = v;
			if (!isnan(v) && v > hm->max)
				hm->max = v;
		}
	}
	hm->scale = hm->unit == HEAT_PERCENT ? 100 : hm->max > 0 ? hm->max : 1;
}

static int fill_grid(const char *path, struct heat_ctx *c, struct session_info *si)
{
	struct heatmap *hm = c->hm;
	size_t n = (size_t)hm->nr_time * hm->nr_addr;
	struct grid g = {
		.c = c,
		.sum = calloc(n, sizeof(double)),
		.cov = calloc(n, sizeof(double)),
		.tcov = calloc(hm->nr_time, sizeof(double)),
		.ot = calloc(hm->nr_time, sizeof(double)),
		.tw = (hm->time_end - hm->time_start) / hm->nr_time,
		.aw = (double)(hm->addr_end - hm->addr_start) / hm->nr_addr,
	};
	int ret = -1;

	hm->val = malloc(n * sizeof(double));
	if (!g.sum || !g.cov || !g.tcov || !g.ot || !hm->val)
		err("out of memory");
	else if (!for_each_snapshot(path, si, grid_add, &g))
		ret = 0;
	if (!ret && !g.nr_drawn) {
		char a[128];

		heatmap_describe_addr(hm, a, sizeof(a));
		ret = err("%s: no region lies in addresses %s, %.3f to %.3f s: nothing to draw "
			  "(without --address-range and --time-range it picks a range that has some)",
			  path, a, hm->time_start, hm->time_end);
	}
	if (!ret)
		grid_finish(&g);
	free(g.sum);
	free(g.cov);
	free(g.tcov);
	free(g.ot);
	return ret;
}

/* --- the whole ---------------------------------------------------------------------------- */

static void name_values(struct heatmap *hm, const struct heatmap_opts *o, const char *probe)
{
	char cpu[24] = "";

	if (o->cpu >= 0)
		snprintf(cpu, sizeof(cpu), " of CPU %d", o->cpu);
	if (o->breakdown && probe)
		snprintf(hm->what, sizeof(hm->what), "%s%s (DAMON probe '%s')", rw_name(o->rw), cpu,
			 probe);
	else if (o->breakdown)
		snprintf(hm->what, sizeof(hm->what), "%s%s (reporter events)", rw_name(o->rw), cpu);
	else if (hm->unit == HEAT_PERCENT)
		snprintf(hm->what, sizeof(hm->what), "DAMON access rate");
	else
		snprintf(hm->what, sizeof(hm->what), "accesses (reporter events, fallback mode)");
}

/*
 * The probe that counts a breakdown, as probe_describe() writes it: {allow cpumask N},
 * {allow write}, {reject write} (reads), or with a CPU {reject non write; allow cpumask N},
 * {reject write; allow cpumask N}.
 */
static void breakdown_probe(const struct heatmap_opts *o, char *buf, size_t len)
{
	char cpu[32];

	snprintf(cpu, sizeof(cpu), "allow cpumask %d", o->cpu);
	if (o->rw == HEAT_RW_ALL)
		snprintf(buf, len, "%s", cpu);
	else if (o->cpu < 0)
		snprintf(buf, len, o->rw == HEAT_RW_WRITES ? "allow write" : "reject write");
	else
		snprintf(buf, len, "%s; %s", o->rw == HEAT_RW_WRITES ? "reject non write" :
			 "reject write", cpu);
}

/* A breakdown of a DAMON record without reporter events: the probe that counts it. */
static int find_probe(const char *path, const struct session_info *si,
		      const struct heatmap_opts *o, struct heat_ctx *c)
{
	char want[64];
	int p;

	breakdown_probe(o, want, sizeof(want));
	for (p = 0; p < (int)si->nr_probes; p++)
		if (!strcmp(si->probes[p], want))
			return c->probe = p, 0;
	return err("%s has no probe that counts this breakdown ('%s'; its probes: %d): record "
		   "it with --probe '%s'", path, want, si->nr_probes, want);
}

/* What the survey says against the options: the pid, the breakdown, the time range. */
static int check_survey(const char *path, const struct survey *sv, const struct session_info *si,
			const struct heatmap_opts *o, struct heat_ctx *c)
{
	char pids[128];

	if (!sv->nr_snapshots)
		return err("%s holds no snapshot: nothing to draw", path);
	if (sv->last <= 0)
		return err("%s: its snapshots span no time (all at 0 s): nothing to draw", path);
	format_pids(sv, pids, sizeof(pids));
	if (o->pid >= 0 && !survey_has_pid(sv, o->pid))
		return err("--pid %d: %s holds no region of it (%s%s)", o->pid, path,
			   sv->nr_pids ? "its pids: " : "its regions name no pid", pids);
	if (o->pid < 0 && (sv->nr_pids > 1 || sv->more_pids))
		return err("%s holds the regions of pids %s: --pid picks the one to draw", path,
			   pids);
	c->pid = o->pid;
	if (o->breakdown && o->cpu >= (int)si->nr_cpus)
		return err("--breakdown cpu=%d: %s was recorded with %u CPUs (0-%u)", o->cpu, path,
			   si->nr_cpus, si->nr_cpus - 1);
	if (o->breakdown && !sv->any_events && si->mode == MODE_DAMON && si->nr_probes) {
		if (find_probe(path, si, o, c))
			return -1;
	} else if (o->breakdown && !sv->any_events) {
		return err("%s holds no per-CPU or read/write breakdown: its regions carry no "
			   "reporter events (sessions with --paddr or --source pte alone record "
			   "none); draw it without --breakdown", path);
	}
	if (o->have_time && (o->time_start >= sv->last))
		return err("--time-range: %s covers 0-%.3f s", path, sv->last);
	return 0;
}

int heatmap_from_record(const char *path, const struct heatmap_opts *o, struct heatmap *hm)
{
	struct session_info si;
	struct survey sv = { 0 };
	struct heat_ctx c = { .o = o, .hm = hm, .probe = -1 };

	memset(hm, 0, sizeof(*hm));
	if (for_each_snapshot(path, &si, survey_add, &sv) || check_survey(path, &sv, &si, o, &c))
		return -1;
	snprintf(hm->desc, sizeof(hm->desc), "%s", si.desc);
	c.fallback = si.mode == MODE_FALLBACK;
	hm->unit = c.fallback || (o->breakdown && c.probe < 0) ? HEAT_EVENTS : HEAT_PERCENT;
	name_values(hm, o, c.probe >= 0 ? si.probes[c.probe] : NULL);
	hm->nr_time = o->nr_time;
	hm->nr_addr = o->nr_addr;
	hm->time_start = o->have_time ? o->time_start : 0;
	hm->time_end = o->have_time && o->time_end < sv.last ? o->time_end : sv.last;
	c.t_lo = hm->time_start;
	c.t_hi = hm->time_end;
	if (o->have_addr) {
		hm->addr_start = o->addr_start;
		hm->addr_end = o->addr_end;
	} else if (default_addr_range(path, &c, &si)) {
		return -1;
	}
	if (fill_grid(path, &c, &si)) {
		heatmap_free(hm);
		return -1;
	}
	if (o->breakdown && hm->max == 0) {
		char a[128];

		heatmap_describe_addr(hm, a, sizeof(a));
		heatmap_free(hm);
		return err("%s: no %s in addresses %s, %.3f to %.3f s (the session: %s)", path,
			   hm->what, a, hm->time_start, hm->time_end, hm->desc);
	}
	return 0;
}

void heatmap_free(struct heatmap *hm)
{
	free(hm->val);
	hm->val = NULL;
}

/* --- descriptions ------------------------------------------------------------------------- */

void heatmap_describe_time(const struct heatmap *hm, char *buf, size_t len)
{
	snprintf(buf, len, "[%.3f s, %.3f s), %.3f ms a bin", hm->time_start, hm->time_end,
		 (hm->time_end - hm->time_start) * 1000 / hm->nr_time);
}

void heatmap_describe_addr(const struct heatmap *hm, char *buf, size_t len)
{
	char sz[32], bin[32];

	format_bytes(hm->addr_end - hm->addr_start, sz, sizeof(sz));
	format_bytes((hm->addr_end - hm->addr_start) / hm->nr_addr, bin, sizeof(bin));
	snprintf(buf, len, "[%#llx, %#llx) (%s), %s a bin",
		 (unsigned long long)hm->addr_start, (unsigned long long)hm->addr_end, sz, bin);
}

void heatmap_describe_value(const struct heatmap *hm, char *buf, size_t len)
{
	if (hm->unit == HEAT_PERCENT)
		snprintf(buf, len, "%s, %% of the sampling intervals: 0 to 100 (the highest bin: "
			 "%.1f)", hm->what, hm->max);
	else
		snprintf(buf, len, "%s per second per 4 KiB: 0 to %.1f (the highest bin)",
			 hm->what, hm->scale);
}
