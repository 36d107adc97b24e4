// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the results of 'bench' (view/bench.h) as a table or one JSON object.  Every
 * figure is the median of the rounds; a round's ratio is to 'off' of the same round, and the
 * spread is the rounds' lowest and highest ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"
#include "view/bench.h"

/* One phase over its rounds. */
struct phase_stats {
	double rate, ratio, lo, hi;	/* work per second, its ratio to 'off', the spread */
	double kd_pct, cost_ns, regions;	/* kdamond: CPU share, ns per region and sample */
	double ns_event, overhead;	/* program ns per run; lost work + kdamond, % of a CPU */
	uint64_t events;
	bool kd;			/* the phase had a kdamond */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n-1] (sorted in place). */
static double median(double *v, int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void phase_stats(const struct bench_report *rep, int i, struct phase_stats *st)
{
	const struct bench_result *off = &rep->res[0], *r = &rep->res[i];
	double rate[BENCH_MAX_ROUNDS], ratio[BENCH_MAX_ROUNDS], kd[BENCH_MAX_ROUNDS];
	double cost[BENCH_MAX_ROUNDS], regs[BENCH_MAX_ROUNDS];
	uint64_t ns = 0;
	int n;

	memset(st, 0, sizeof(*st));
	for (n = 0; n < r->n && n < off->n; n++) {
		const struct bench_sample *s = &r->s[n];

		rate[n] = s->work / s->secs;
		ratio[n] = rate[n] / (off->s[n].work / off->s[n].secs);
		kd[n] = s->kd_ns / 1e9 / s->secs * 100;
		cost[n] = s->nr_regions > 0 && s->samples > 0 ?
			  s->kd_ns / (s->nr_regions * s->samples) : 0;
		regs[n] = s->nr_regions;
		ns += s->ns;
		st->events += s->cnt;
	}
	st->kd = n && r->s[0].kd_ns >= 0;
	st->rate = median(rate, n);
	st->ratio = median(ratio, n);
	st->lo = n ? ratio[0] : 0;
	st->hi = n ? ratio[n - 1] : 0;
	st->ns_event = st->events ? (double)ns / st->events : 0;
	if (st->kd) {
		st->kd_pct = median(kd, n);
		st->cost_ns = median(cost, n);
		st->regions = median(regs, n);
	}
	st->overhead = (1 - st->ratio) * 100 + st->kd_pct;
}

static void print_json_phase(struct json_writer *w, const struct bench_report *rep, int i)
{
	const struct bench_result *r = &rep->res[i];
	struct phase_stats st;
	char key[32];

	jw_begin(w, r->ph.name, '{');
	if (!r->n) {
		jw_str(w, "skipped", r->why);
		jw_end(w, '}');
		return;
	}
	phase_stats(rep, i, &st);
	snprintf(key, sizeof(key), "%s_per_s", rep->unit);
	jw_double(w, key, st.rate, 0);
	jw_double(w, "ratio", st.ratio, 4);
	jw_double(w, "ratio_min", st.lo, 4);
	jw_double(w, "ratio_max", st.hi, 4);
	jw_double(w, "ns_per_event", st.ns_event, 1);
	jw_num(w, "events", st.events);
	if (st.kd) {
		jw_double(w, "kdamond_cpu_pct", st.kd_pct, 3);
		jw_double(w, "ns_per_region_sample", st.cost_ns, 1);
		jw_double(w, "nr_regions", st.regions, 1);
	}
	jw_double(w, "cost_pct", st.overhead, 3);
	if (r->note)
		jw_str(w, "note", r->note);
	jw_end(w, '}');
}

static void print_json(const struct bench_report *rep)
{
	struct json_writer w = { .f = stdout, .compact = true };
	int i;

	jw_begin(&w, NULL, '{');
	jw_str(&w, "workload", rep->workload);
	jw_num(&w, "size", rep->size);
	jw_double(&w, "duration_s", rep->duration_s, 3);
	jw_int(&w, "rounds", rep->rounds);
	jw_str(&w, "perf_source", rep->perf_desc[0] ? rep->perf_desc : NULL);
	jw_begin(&w, "phases", '{');
	for (i = 0; i < rep->nr; i++)
		print_json_phase(&w, rep, i);
	jw_end(&w, '}');
	jw_end(&w, '}');
}

static void print_row(const struct bench_report *rep, int i)
{
	const struct bench_result *r = &rep->res[i];
	char spread[32] = "-", kd[16] = "-", cost[16] = "-", regs[16] = "-", ns[16] = "-";
	struct phase_stats st;

	if (!r->n) {
		printf("%-9s n/a (%s)\n", r->ph.name, r->why);
		return;
	}
	phase_stats(rep, i, &st);
	if (i) {
		snprintf(spread, sizeof(spread), "%.3f-%.3f", st.lo, st.hi);
		if (st.events)
			snprintf(ns, sizeof(ns), "%.0f", st.ns_event);
	}
	if (st.kd) {
		snprintf(kd, sizeof(kd), "%.2f%%", st.kd_pct);
		snprintf(cost, sizeof(cost), "%.0f", st.cost_ns);
		snprintf(regs, sizeof(regs), "%.0f", st.regions);
	}
	printf("%-9s %12.0f %7.3f %13s %8s %9s %7s %7.2f%% %8s\n", r->ph.name, st.rate,
	       st.ratio, spread, kd, cost, regs, st.overhead, ns);
}

/* The page-fault primitive's cost next to the page-table one's, when both ran. */
static void print_fault_vs_pte(const struct bench_report *rep)
{
	struct phase_stats pte, fault;
	int i, ipte = -1, ifault = -1;

	for (i = 0; i < rep->nr; i++) {
		if (!rep->res[i].n)
			continue;
		if (!strcmp(rep->res[i].ph.name, "pte"))
			ipte = i;
		else if (!strcmp(rep->res[i].ph.name, "fault"))
			ifault = i;
	}
	if (ipte < 0 || ifault < 0)
		return;
	phase_stats(rep, ipte, &pte);
	phase_stats(rep, ifault, &fault);
	printf("fault/pte: work lost %.2fx, kdamond CPU %.2fx, ns per region and sample %.2fx\n",
	       pte.ratio < 1 ? (1 - fault.ratio) / (1 - pte.ratio) : 0,
	       pte.kd_pct > 0 ? fault.kd_pct / pte.kd_pct : 0,
	       pte.cost_ns > 0 ? fault.cost_ns / pte.cost_ns : 0);
}

static void print_table(const struct bench_report *rep)
{
	char size[32];
	int i;

	format_bytes(rep->size, size, sizeof(size));
	printf("bench --workload %s: %s on CPU 0; %ld round(s) of %.1f s a phase, the order\n"
	       "rotated each round.  Medians of the rounds; SPREAD: the rounds' lowest and highest\n"
	       "ratio to 'off'; KDAMOND: its CPU share; NS/REG/S: its CPU time per region and\n"
	       "sampling interval; COST: work lost plus the kdamond's CPU, in %% of one CPU.\n",
	       rep->workload, size, rep->rounds, rep->duration_s);
	printf("%-9s %12s %7s %13s %8s %9s %7s %8s %8s\n", "PHASE",
	       strcmp(rep->unit, "ops") ? "FAULTS/S" : "OPS/S", "VS OFF", "SPREAD", "KDAMOND",
	       "NS/REG/S", "REGIONS", "COST", "NS/EVENT");
	for (i = 0; i < rep->nr; i++)
		print_row(rep, i);
	for (i = 0; i < rep->nr; i++)
		if (rep->res[i].n && rep->res[i].note)
			printf("%s: %s\n", rep->res[i].ph.name, rep->res[i].note);
	if (rep->perf_desc[0])
		printf("perf source: %s\n", rep->perf_desc);
	print_fault_vs_pte(rep);
}

void bench_print(const struct bench_report *rep, bool json)
{
	if (json)
		print_json(rep);
	else
		print_table(rep);
}
