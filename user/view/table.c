// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: a snapshot's live views: the table (hottest regions first) and one JSON line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"
#include "view/view.h"

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
	if (si->nr_probes) {
		jw_begin(&w, "probes", '[');
		for (i = 0; i < (int)si->nr_probes; i++)
			jw_str(&w, NULL, si->probes[i]);
		jw_end(&w, ']');
	}
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
		if (si->nr_probes) {
			jw_begin(&w, "probe_hits", '[');
			for (c = 0; c < (int)si->nr_probes; c++)
				jw_num(&w, NULL, r->probe_hits[c]);
			jw_end(&w, ']');
		}
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

/*
 * A probe's column: CPUn for {allow cpumask n} (one CPU), W for {allow write}, else Pp.  The
 * legend under the table names every probe's filters.
 */
static void probe_label(const struct session_info *si, int p, char *buf, size_t len)
{
	char end;
	int cpu;

	if (sscanf(si->probes[p], "allow cpumask %d%c", &cpu, &end) == 1 && cpu >= 0)
		snprintf(buf, len, "CPU%d", cpu);
	else if (!strcmp(si->probes[p], "allow write"))
		snprintf(buf, len, "W");
	else
		snprintf(buf, len, "P%d", p);
}

/*
 * The reporters' CPUn R/W columns: in fallback mode, and in DAMON mode without probes (there
 * the reporters aggregate only when the kernel has no kfunc and DAMON samples page tables).
 */
static bool rw_columns(const struct session_info *si)
{
	return si->mode == MODE_FALLBACK || !si->nr_probes;
}

/* The session and the reporters' counters, above the table. */
static void print_counters(FILE *f, const struct session_info *si, const struct snapshot *s)
{
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
}

static void print_table(FILE *f, const struct session_info *si, const struct snapshot *s,
			const struct view_opts *o)
{
	const struct view_region **order;
	int i, c, n = si->nr_cpus, shown;
	char sz[32], age[32];

	print_counters(f, si, s);

	order = calloc(s->nr_regions ? s->nr_regions : 1, sizeof(*order));
	if (!order)
		return;
	for (i = 0; i < s->nr_regions; i++)
		order[i] = &s->regions[i];
	qsort_r(order, s->nr_regions, sizeof(*order), cmp_hot, &n);

	fprintf(f, "  %-14s %-14s %10s %8s %8s", "START", "END", "SIZE",
		si->mode == MODE_DAMON ? "ACCESS" : "EVENTS", "AGE");
	for (c = 0; c < (int)si->nr_probes; c++) {
		char h[16];

		probe_label(si, c, h, sizeof(h));
		fprintf(f, " %6s", h);
	}
	for (c = 0; rw_columns(si) && c < n; c++) {
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
		for (c = 0; c < (int)si->nr_probes; c++)
			fprintf(f, " %5u%%", s->max_nr_accesses ?
				100 * r->probe_hits[c] / s->max_nr_accesses : r->probe_hits[c]);
		for (c = 0; rw_columns(si) && c < n; c++) {
			snprintf(rw, sizeof(rw), "%llu/%llu", (unsigned long long)r->reads[c],
				 (unsigned long long)r->writes[c]);
			fprintf(f, "  %14s", rw);
		}
		fputc('\n', f);
	}
	if (shown < s->nr_regions)
		fprintf(f, "  ... %d colder regions (--top 0 shows all)\n", s->nr_regions - shown);
	for (c = 0; c < (int)si->nr_probes; c++) {
		char h[16];

		probe_label(si, c, h, sizeof(h));
		fprintf(f, "  %s: probe %d, %s (hits, %% of the samples)\n", h, c, si->probes[c]);
	}
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
