// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: snapshots, their table and JSON views, and record files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
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

	if (s->nr_regions == s->cap) {
		int cap = s->cap ? s->cap * 2 : 64;

		r = realloc(s->regions, cap * sizeof(*r));
		if (!r)
			return NULL;
		s->regions = r;
		s->cap = cap;
	}
	r = &s->regions[s->nr_regions];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->end = end;
	r->pid = -1;
	r->reads = calloc(nr_cpus, sizeof(uint64_t));
	r->writes = calloc(nr_cpus, sizeof(uint64_t));
	if (!r->reads || !r->writes) {
		free(r->reads);
		free(r->writes);
		return NULL;
	}
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

static uint64_t sum(const uint64_t *v, int n)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < n; i++)
		t += v[i];
	return t;
}

static int cmp_hot(const void *a, const void *b, void *arg)
{
	const struct view_region *x = *(const struct view_region *const *)a;
	const struct view_region *y = *(const struct view_region *const *)b;
	int n = *(int *)arg;
	uint64_t ex, ey;

	if (x->nr_accesses != y->nr_accesses)
		return x->nr_accesses > y->nr_accesses ? -1 : 1;
	ex = sum(x->reads, n) + sum(x->writes, n);
	ey = sum(y->reads, n) + sum(y->writes, n);
	if (ex != ey)
		return ex > ey ? -1 : 1;
	if (x->age != y->age)
		return x->age < y->age ? -1 : 1;
	return x->start < y->start ? -1 : 1;
}

static const char *const stat_names[STAT_MAX] = {
	[STAT_SEEN] = "seen",
	[STAT_FILTERED] = "filtered",
	[STAT_REPORTED] = "reported",
	[STAT_DROP_FULL] = "dropped_full",
	[STAT_DROP_BUSY] = "dropped_busy",
	[STAT_DROP_NOCTX] = "dropped_noctx",
	[STAT_DROP_INVAL] = "dropped_inval",
	[STAT_AGGREGATED] = "aggregated",
	[STAT_AGG_FULL] = "aggregate_full",
	[STAT_READS] = "reads",
	[STAT_WRITES] = "writes",
};

static void print_json(FILE *f, const struct session_info *si, const struct snapshot *s)
{
	struct json_writer w = { .f = f, .compact = true };
	int i, c, n = si->nr_cpus;

	jw_begin(&w, NULL, '{');
	jw_double(&w, "time", s->time, 3);
	jw_str(&w, "mode", si->mode == MODE_DAMON ? "damon" : "fallback");
	jw_num(&w, "max_nr_accesses", s->max_nr_accesses);
	jw_begin(&w, "reporter", '{');
	for (i = 0; i < STAT_MAX; i++)
		jw_num(&w, stat_names[i], s->stats[i]);
	jw_end(&w, '}');
	jw_begin(&w, "regions", '[');
	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *r = &s->regions[i];

		jw_begin(&w, NULL, '{');
		jw_num(&w, "start", r->start);
		jw_num(&w, "end", r->end);
		jw_num(&w, "size", r->end - r->start);
		jw_num(&w, "nr_accesses", r->nr_accesses);
		if (s->max_nr_accesses)
			jw_double(&w, "access_rate", (double)r->nr_accesses / s->max_nr_accesses, 3);
		else
			jw_null(&w, "access_rate");
		jw_num(&w, "age", r->age);
		jw_int(&w, "pid", r->pid);
		jw_num(&w, "reads", sum(r->reads, n));
		jw_num(&w, "writes", sum(r->writes, n));
		jw_begin(&w, "cpus", '[');
		for (c = 0; c < n; c++) {
			jw_begin(&w, NULL, '{');
			jw_int(&w, "cpu", c);
			jw_num(&w, "reads", r->reads[c]);
			jw_num(&w, "writes", r->writes[c]);
			jw_end(&w, '}');
		}
		jw_end(&w, ']');
		jw_end(&w, '}');
	}
	jw_end(&w, ']');
	jw_end(&w, '}');
}

static void print_table(FILE *f, const struct session_info *si, const struct snapshot *s,
			const struct view_opts *o)
{
	const struct view_region **order;
	int i, c, n = si->nr_cpus, shown;
	char sz[32], age[32];

	fprintf(f, "\n%s\n", si->desc);
	fprintf(f, "t=%.1fs  %d regions  reporter: seen %llu, filtered %llu, ", s->time,
		s->nr_regions, (unsigned long long)s->stats[STAT_SEEN],
		(unsigned long long)s->stats[STAT_FILTERED]);
	if (si->mode == MODE_DAMON)
		fprintf(f, "reported %llu, dropped %llu (ring full %llu, nested %llu, no context %llu)\n",
			(unsigned long long)s->stats[STAT_REPORTED],
			(unsigned long long)(s->stats[STAT_DROP_FULL] + s->stats[STAT_DROP_BUSY] +
					     s->stats[STAT_DROP_NOCTX] + s->stats[STAT_DROP_INVAL]),
			(unsigned long long)s->stats[STAT_DROP_FULL],
			(unsigned long long)s->stats[STAT_DROP_BUSY],
			(unsigned long long)s->stats[STAT_DROP_NOCTX]);
	else
		fprintf(f, "aggregated %llu, map full %llu\n",
			(unsigned long long)s->stats[STAT_AGGREGATED],
			(unsigned long long)s->stats[STAT_AGG_FULL]);

	order = calloc(s->nr_regions ? s->nr_regions : 1, sizeof(*order));
	if (!order)
		return;
	for (i = 0; i < s->nr_regions; i++)
		order[i] = &s->regions[i];
	qsort_r(order, s->nr_regions, sizeof(*order), cmp_hot, &n);

	fprintf(f, "  %-14s %-14s %10s %8s %8s", "START", "END", "SIZE",
		si->mode == MODE_DAMON ? "ACCESS" : "EVENTS", "AGE");
	for (c = 0; c < n; c++) {
		char h[24];

		snprintf(h, sizeof(h), "CPU%d R/W", c);
		fprintf(f, "  %14s", h);
	}
	fputc('\n', f);
	shown = o->top && o->top < s->nr_regions ? o->top : s->nr_regions;
	for (i = 0; i < shown; i++) {
		const struct view_region *r = order[i];
		char acc[16], rw[32];

		format_bytes(r->end - r->start, sz, sizeof(sz));
		if (s->max_nr_accesses)
			snprintf(acc, sizeof(acc), "%u%%", 100 * r->nr_accesses / s->max_nr_accesses);
		else
			snprintf(acc, sizeof(acc), "%u", r->nr_accesses);
		if (si->mode == MODE_DAMON)
			snprintf(age, sizeof(age), "%.1fs", r->age * (si->aggr_us / 1e6));
		else
			snprintf(age, sizeof(age), "%u", r->age);
		fprintf(f, "  %-14llx %-14llx %10s %8s %8s", (unsigned long long)r->start,
			(unsigned long long)r->end, sz, acc, age);
		for (c = 0; c < n; c++) {
			snprintf(rw, sizeof(rw), "%llu/%llu", (unsigned long long)r->reads[c],
				 (unsigned long long)r->writes[c]);
			fprintf(f, "  %14s", rw);
		}
		fputc('\n', f);
	}
	if (shown < s->nr_regions)
		fprintf(f, "  ... %d colder regions (--top 0 shows all)\n", s->nr_regions - shown);
	free(order);
}

void view_print(FILE *f, const struct session_info *si, const struct snapshot *s,
		const struct view_opts *o)
{
	if (o->json)
		print_json(f, si, s);
	else
		print_table(f, si, s, o);
	out_flush(f);
}

/*
 * Record file: gzip (zlib) stream of little-endian binary records.
 *   header:   "DAMONBPF" u32 version u32 mode u32 nr_cpus u32 nr_stats u64 sample_us
 *             u64 aggr_us char desc[256]
 *   snapshot: u32 'SNAP' f64 time u32 max_nr_accesses u32 nr_regions u64 stats[nr_stats]
 *             then per region: u64 start u64 end u32 nr_accesses u32 age i32 pid
 *                              u64 reads[nr_cpus] u64 writes[nr_cpus]
 */
#define SNAP_TAG 0x50414e53u	/* "SNAP" */

static int gz_put(gzFile g, const void *p, unsigned int len)
{
	return gzwrite(g, p, len) == (int)len ? 0 : -1;
}

static int gz_get(gzFile g, void *p, unsigned int len)
{
	return gzread(g, p, len) == (int)len ? 0 : -1;
}

gzFile record_create(const char *path, const struct session_info *si)
{
	uint32_t hdr[4] = { RECORD_VERSION, si->mode, si->nr_cpus, STAT_MAX };
	gzFile g = gzopen(path, "wb6");

	if (!g) {
		err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (gz_put(g, RECORD_MAGIC, 8) || gz_put(g, hdr, sizeof(hdr)) ||
	    gz_put(g, &si->sample_us, 8) || gz_put(g, &si->aggr_us, 8) ||
	    gz_put(g, si->desc, sizeof(si->desc))) {
		err("%s: write failed", path);
		gzclose(g);
		return NULL;
	}
	return g;
}

int record_write(gzFile g, const struct session_info *si, const struct snapshot *s)
{
	uint32_t tag = SNAP_TAG, nr = s->nr_regions;
	int i;

	if (gz_put(g, &tag, 4) || gz_put(g, &s->time, 8) || gz_put(g, &s->max_nr_accesses, 4) ||
	    gz_put(g, &nr, 4) || gz_put(g, s->stats, sizeof(s->stats)))
		return err("writing the record file failed");
	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *r = &s->regions[i];

		if (gz_put(g, &r->start, 8) || gz_put(g, &r->end, 8) ||
		    gz_put(g, &r->nr_accesses, 4) || gz_put(g, &r->age, 4) || gz_put(g, &r->pid, 4) ||
		    gz_put(g, r->reads, 8 * si->nr_cpus) || gz_put(g, r->writes, 8 * si->nr_cpus))
			return err("writing the record file failed");
	}
	return 0;
}

gzFile record_open(const char *path, struct session_info *si)
{
	uint32_t hdr[4];
	char magic[8];
	gzFile g = gzopen(path, "rb");

	if (!g) {
		err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (gz_get(g, magic, 8) || memcmp(magic, RECORD_MAGIC, 8)) {
		err("%s: not a damon-bpf record file (they start with DAMONBPF once unzipped)", path);
		goto bad;
	}
	if (gz_get(g, hdr, sizeof(hdr))) {
		err("%s: record file cut short in its header", path);
		goto bad;
	}
	if (hdr[0] != RECORD_VERSION || hdr[3] != STAT_MAX || hdr[2] == 0 ||
	    hdr[2] > DAMON_BPF_MAX_CPUS) {
		err("%s: record version %u with %u counters is not readable by this damon-bpf",
		    path, hdr[0], hdr[3]);
		goto bad;
	}
	si->mode = hdr[1];
	si->nr_cpus = hdr[2];
	if (gz_get(g, &si->sample_us, 8) || gz_get(g, &si->aggr_us, 8) ||
	    gz_get(g, si->desc, sizeof(si->desc))) {
		err("%s: record file cut short in its header", path);
		goto bad;
	}
	si->desc[sizeof(si->desc) - 1] = '\0';
	si->file = path;
	return g;
bad:
	gzclose(g);
	return NULL;
}

int record_read(gzFile g, const struct session_info *si, struct snapshot *s)
{
	uint32_t tag, nr, i;
	int n;

	n = gzread(g, &tag, 4);
	if (n == 0)
		return 0;
	if (n != 4 || tag != SNAP_TAG)
		return err("%s: record file: corrupt snapshot (no SNAP tag)", si->file);
	snapshot_clear(s);
	if (gz_get(g, &s->time, 8) || gz_get(g, &s->max_nr_accesses, 4) || gz_get(g, &nr, 4) ||
	    gz_get(g, s->stats, sizeof(s->stats)))
		return err("%s: record file: truncated snapshot (the file was cut short: the "
			   "snapshots before it are above)", si->file);
	for (i = 0; i < nr; i++) {
		uint64_t se[2];
		struct view_region *r;

		if (gz_get(g, se, 16))
			return err("%s: record file: truncated region (the file was cut short: the "
				   "snapshots before it are above)", si->file);
		r = snapshot_add(s, si->nr_cpus, se[0], se[1]);
		if (!r)
			return err("out of memory");
		if (gz_get(g, &r->nr_accesses, 4) || gz_get(g, &r->age, 4) || gz_get(g, &r->pid, 4) ||
		    gz_get(g, r->reads, 8 * si->nr_cpus) || gz_get(g, r->writes, 8 * si->nr_cpus))
			return err("%s: record file: truncated region (the file was cut short: the "
				   "snapshots before it are above)", si->file);
	}
	return 1;
}
