// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a workload's ground truth, a snapshot's precision and recall against it, and the
 * views of 'report --truth' and 'bench --workload accuracy' (view/accuracy.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"
#include "view/accuracy.h"

static int bad(char *errbuf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* An integer member of obj; 0, or -1 when it is missing or not an integer in [min, max]. */
static int member_int(struct json *obj, const char *key, long long min, unsigned long long max,
		      unsigned long long *out)
{
	struct json *j = json_member(obj, key);
	char *end;

	if (!j || j->type != JSON_NUMBER)
		return -1;
	errno = 0;
	if (j->str[0] == '-') {
		long long v = strtoll(j->str, &end, 10);

		if (errno || *end || min >= 0 || v < min)
			return -1;
		*out = (unsigned long long)v;
		return 0;
	}
	*out = strtoull(j->str, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

static int add_range(struct truth_range **arr, int *n, int *cap, struct truth_range r)
{
	if (ARRAY_GROW(*arr, *n, *cap, 16))
		return -1;
	(*arr)[(*n)++] = r;
	return 0;
}

/* A range's start, end and cpu: the members every region and chunk has. */
static int read_range(struct json *o, struct truth_range *r)
{
	unsigned long long start, end, cpu;

	if (!o || o->type != JSON_OBJECT || member_int(o, "start", 0, UINT64_MAX, &start) ||
	    member_int(o, "end", 0, UINT64_MAX, &end) || start >= end ||
	    member_int(o, "cpu", -1, DAMON_BPF_MAX_CPUS - 1, &cpu))
		return -1;
	*r = (struct truth_range){ start, end, (int)(long long)cpu };
	return 0;
}

/* A region of the truth: its range is in scope; what its mode keeps touching is hot. */
static int read_region(struct json *o, struct truth *t, int *cap_scope, int *cap_hot,
		       char *errbuf, size_t len, int i)
{
	struct json *mode = json_member(o, "mode"), *chunks, *c;
	struct truth_range r, h;
	const char *m;

	if (read_range(o, &r) || !mode || mode->type != JSON_STRING || strlen(mode->str) != 1)
		return bad(errbuf, len, "region %d: expected mode, start < end and cpu", i);
	m = mode->str;
	if (add_range(&t->scope, &t->nr_scope, cap_scope, r))
		return bad(errbuf, len, "out of memory");
	switch (m[0]) {
	case 'w':		/* written every pass (f: again after each drop) */
	case 'f':
		r.write = true;
		/* fall through */
	case 'r':		/* read every pass (q: again after each drop) */
	case 'q':
	case 'p':		/* written in the first pass, read since */
		if (add_range(&t->hot, &t->nr_hot, cap_hot, r))
			return bad(errbuf, len, "out of memory");
		return 0;
	case 'c':		/* written once before the truth was printed, or never */
	case 'n':
		return 0;
	case 's':
		break;
	default:
		return bad(errbuf, len, "region %d: unknown mode '%s'", i, m);
	}
	chunks = json_member(o, "chunks");
	if (!chunks || chunks->type != JSON_ARRAY)
		return bad(errbuf, len, "region %d (mode s): no chunks", i);
	for (c = chunks->child; c; c = c->next) {
		struct json *w = json_member(c, "write");

		if (read_range(c, &h) || !w || w->type != JSON_BOOL || h.start < r.start ||
		    h.end > r.end)
			return bad(errbuf, len, "region %d: a chunk without start < end inside the "
				   "region, cpu and write", i);
		h.write = w->boolean;
		if (add_range(&t->hot, &t->nr_hot, cap_hot, h))
			return bad(errbuf, len, "out of memory");
	}
	return 0;
}

int truth_parse(const char *text, struct truth *t, char *errbuf, size_t len)
{
	int cap_scope = 0, cap_hot = 0, i = 0;
	struct json *root, *regs, *r;
	unsigned long long pid;
	int ret = 0;

	memset(t, 0, sizeof(*t));
	root = json_parse(text, errbuf, len);
	if (!root)
		return -1;
	regs = json_member(root, "regions");
	if (root->type != JSON_OBJECT || member_int(root, "pid", 1, INT32_MAX, &pid) || !regs ||
	    regs->type != JSON_ARRAY || !regs->child)
		ret = bad(errbuf, len, "not a workload's ground truth: expected pid and regions");
	else
		t->pid = pid;
	for (r = ret ? NULL : regs->child; r && !ret; r = r->next, i++)
		ret = read_region(r, t, &cap_scope, &cap_hot, errbuf, len, i);
	json_free(root);
	return ret;
}

void truth_free(struct truth *t)
{
	free(t->scope);
	free(t->hot);
	memset(t, 0, sizeof(*t));
}

int truth_expected(const struct truth_range *h, const struct truth_filter *f)
{
	if ((f->rw == RW_WRITES && !h->write) || (f->rw == RW_READS && h->write))
		return 0;
	if (!f->cpus)
		return 1;
	if (h->cpu < 0)
		return -1;
	return h->cpu < DAMON_BPF_MAX_CPUS && f->cpus[h->cpu];
}

static uint64_t overlap(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	uint64_t s = s1 > s2 ? s1 : s2, e = e1 < e2 ? e1 : e2;

	return e > s ? e - s : 0;
}

void accuracy_score(const struct truth *t, const struct truth_filter *f,
		    const struct snapshot *s, struct accuracy *a)
{
	int i, k;

	memset(a, 0, sizeof(*a));
	for (k = 0; k < t->nr_hot; k++)
		if (truth_expected(&t->hot[k], f) == 1)
			a->hot += t->hot[k].end - t->hot[k].start;
	for (i = 0; i < s->nr_regions; i++) {
		const struct view_region *v = &s->regions[i];
		uint64_t in = 0, unknown = 0;

		if (v->pid >= 0 && v->pid != t->pid)
			continue;
		a->nr_all_regions++;
		a->monitored += v->end - v->start;
		for (k = 0; k < t->nr_scope; k++)
			in += overlap(v->start, v->end, t->scope[k].start, t->scope[k].end);
		if (!in)
			continue;
		a->nr_regions++;
		if (!v->nr_accesses)
			continue;
		for (k = 0; k < t->nr_hot; k++) {
			uint64_t o = overlap(v->start, v->end, t->hot[k].start, t->hot[k].end);
			int e = truth_expected(&t->hot[k], f);

			if (e == 1)
				a->hit += o;
			else if (e < 0)
				unknown += o;
		}
		a->accessed += in - unknown;
	}
	a->precision = a->accessed ? (double)a->hit / a->accessed : NAN;
	a->recall = a->hot ? (double)a->hit / a->hot : NAN;
}

static void json_accuracy(struct json_writer *w, const struct accuracy *a)
{
	jw_double(w, "precision", a->precision, 4);
	jw_double(w, "recall", a->recall, 4);
	jw_num(w, "hot_bytes", a->hot);
	jw_num(w, "accessed_bytes", a->accessed);
	jw_num(w, "hit_bytes", a->hit);
	jw_int(w, "nr_regions", a->nr_regions);
	jw_int(w, "nr_all_regions", a->nr_all_regions);
	jw_num(w, "monitored_bytes", a->monitored);
}

/* A figure with 3 decimals, or "-" when it is undefined (0 / 0). */
static const char *fig(double v, char *buf, size_t len)
{
	if (isfinite(v))
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "-");
	return buf;
}

void accuracy_print(FILE *f, double time, const struct accuracy *a, bool json)
{
	char p[16], r[16], hot[32], acc[32], hit[32];

	if (json) {
		struct json_writer w = { .f = f, .compact = true };

		jw_begin(&w, NULL, '{');
		jw_double(&w, "time", time, 3);
		json_accuracy(&w, a);
		jw_end(&w, '}');
		return;
	}
	format_bytes(a->hot, hot, sizeof(hot));
	format_bytes(a->accessed, acc, sizeof(acc));
	format_bytes(a->hit, hit, sizeof(hit));
	fprintf(f, "t=%.1fs  precision %s  recall %s  (accessed %s, hot %s, hot and accessed %s; "
		"%d regions)\n", time, fig(a->precision, p, sizeof(p)),
		fig(a->recall, r, sizeof(r)), acc, hot, hit, a->nr_regions);
}

/* The truth, as a line: its regions, and how much is written and read on which CPU. */
static void print_truth(FILE *f, const struct truth *t)
{
	uint64_t scope = 0, bytes[2] = { 0 }, nr[2] = { 0 };	/* [write] */
	int cpus[2] = { -2, -2 }, i, w;	/* -2: none yet, -3: several */
	char b[3][32];

	for (i = 0; i < t->nr_scope; i++)
		scope += t->scope[i].end - t->scope[i].start;
	for (i = 0; i < t->nr_hot; i++) {
		const struct truth_range *h = &t->hot[i];

		bytes[h->write] += h->end - h->start;
		nr[h->write]++;
		cpus[h->write] = cpus[h->write] == -2 || cpus[h->write] == h->cpu ? h->cpu : -3;
	}
	format_bytes(scope, b[0], sizeof(b[0]));
	fprintf(f, "truth: pid %d, %d region(s), %s; hot:", t->pid, t->nr_scope, b[0]);
	for (w = 1; w >= 0; w--) {
		format_bytes(bytes[w], b[1], sizeof(b[1]));
		fprintf(f, "%s %llu %s range(s), %s", w ? "" : ",", (unsigned long long)nr[w],
			w ? "written" : "read", b[1]);
		if (cpus[w] >= 0)
			fprintf(f, " (CPU %d)", cpus[w]);
		else if (cpus[w] == -1)
			fprintf(f, " (no CPU pinned)");
		else if (cpus[w] == -3)
			fprintf(f, " (several CPUs)");
	}
	fprintf(f, "\n");
}

int accuracy_replay(const char *record, const char *truth, const struct truth_filter *f,
		    bool json)
{
	struct session_info si;
	struct accuracy a;
	struct snapshot s;
	struct truth t;
	char msg[256], *text, *nl;
	int r = 0, n = 0;
	gzFile g;

	text = read_whole(truth, 1 << 24);
	if (!text)
		return err("%s: %s", truth, strerror(errno));
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	r = truth_parse(text, &t, msg, sizeof(msg));
	free(text);
	if (r) {
		truth_free(&t);
		return err("%s: %s (the first line of the workload's output)", truth, msg);
	}
	g = record_open(record, &si);
	if (!g) {
		truth_free(&t);
		return -1;
	}
	if (!json)
		print_truth(stdout, &t);
	snapshot_init(&s);
	while (!exiting && (r = record_read(g, &si, &s)) > 0) {
		accuracy_score(&t, f, &s, &a);
		accuracy_print(stdout, s.time, &a, json);
		n++;
	}
	snapshot_free(&s);
	gzclose(g);
	truth_free(&t);
	if (r < 0)
		return -1;
	if (!n)
		info("damon-bpf: %s holds no snapshot", record);
	return 0;
}

/* --- bench --workload accuracy -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A figure over the rounds: the median and the lowest and highest, undefined ones left out. */
struct spread {
	double med, lo, hi;
	int n;
};

static void spread_of(double *v, int n, struct spread *s)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	s->n = k;
	if (!k) {
		s->med = s->lo = s->hi = NAN;
		return;
	}
	qsort(v, k, sizeof(*v), cmp_double);
	s->med = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	s->lo = v[0];
	s->hi = v[k - 1];
}

/* The last snapshot of each round: precision, recall, accessed and monitored bytes, regions. */
struct mode_stats {
	struct spread p, r, accessed, regions, monitored;
	struct spread late_p, late_r;	/* the rounds' late means */
	struct spread kd_cpu, aggrs;	/* the kdamond's CPU share, its aggregation intervals */
	uint64_t hot;
};

/*
 * A round's kdamond: its CPU share (of one CPU) over the session (to when its CPU time was
 * read, at the last snapshot), and the aggregation intervals it had, estimated as bench's
 * compute phases do: the kdamond sleeps a sampling interval after each interval's work, so
 * the session's time less its CPU time, over the sampling interval, is the sampling
 * intervals, and aggr / sample of them make one aggregation interval.  A kdamond that
 * waited for a CPU makes the estimate high.  NAN where the kdamond could not be read.
 */
static void kdamond_figures(const struct accuracy_round *rd, double *cpu, double *aggrs)
{
	double t = rd->kd_time_s;

	*cpu = *aggrs = NAN;
	if (!rd->kd_known || t <= 0 || rd->sample_s <= 0 || rd->aggr_s <= 0)
		return;
	*cpu = rd->kd_cpu_s / t;
	*aggrs = fmax(t - rd->kd_cpu_s, 0) / rd->sample_s * (rd->sample_s / rd->aggr_s);
}

/*
 * A round's late means: the mean precision and recall of its snapshots in the second half of
 * the session (time > duration / 2, the time in ms as the JSON prints it, so that a snapshot
 * 0.3 ms after the middle, printed at the middle, is left out by a reader of the JSON too),
 * undefined precisions left out: steadier than the last snapshot alone, which one aggregation
 * interval decides.
 */
static void late_means(const struct accuracy_round *rd, double duration, double *p, double *r)
{
	double sp = 0, sr = 0;
	int i, np = 0, nr = 0;

	for (i = 0; i < rd->nr; i++) {
		const struct accuracy *a = &rd->pts[i].a;

		if (llround(rd->pts[i].time * 1000) <= llround(duration * 500))
			continue;
		if (isfinite(a->precision)) {
			sp += a->precision;
			np++;
		}
		if (isfinite(a->recall)) {
			sr += a->recall;
			nr++;
		}
	}
	*p = np ? sp / np : NAN;
	*r = nr ? sr / nr : NAN;
}

static void mode_stats(const struct accuracy_mode *m, double duration, struct mode_stats *st)
{
	double p[BENCH_MAX_ROUNDS], r[BENCH_MAX_ROUNDS], acc[BENCH_MAX_ROUNDS];
	double regs[BENCH_MAX_ROUNDS], mon[BENCH_MAX_ROUNDS];
	double lp[BENCH_MAX_ROUNDS], lr[BENCH_MAX_ROUNDS];
	double kc[BENCH_MAX_ROUNDS], ka[BENCH_MAX_ROUNDS];
	int i, n = 0, nk = 0;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < m->n; i++) {
		const struct accuracy_round *rd = &m->r[i];
		const struct accuracy *a;

		if (!rd->nr)
			continue;
		a = &rd->pts[rd->nr - 1].a;
		p[n] = a->precision;
		r[n] = a->recall;
		acc[n] = a->accessed;
		regs[n] = a->nr_regions;
		mon[n] = a->monitored;
		late_means(rd, duration, &lp[n], &lr[n]);
		st->hot = a->hot;
		n++;
		kdamond_figures(rd, &kc[nk], &ka[nk]);
		nk += isfinite(kc[nk]);
	}
	spread_of(kc, nk, &st->kd_cpu);
	spread_of(ka, nk, &st->aggrs);
	spread_of(lp, n, &st->late_p);
	spread_of(lr, n, &st->late_r);
	spread_of(p, n, &st->p);
	spread_of(r, n, &st->r);
	spread_of(acc, n, &st->accessed);
	spread_of(regs, n, &st->regions);
	spread_of(mon, n, &st->monitored);
}

static void json_spread(struct json_writer *w, const char *key, const struct spread *s)
{
	char k[32];

	jw_double(w, key, s->med, 4);
	snprintf(k, sizeof(k), "%s_min", key);
	jw_double(w, k, s->lo, 4);
	snprintf(k, sizeof(k), "%s_max", key);
	jw_double(w, k, s->hi, 4);
}

/* The mode's monitor options: --pid PID (each round's workload) and its own. */
static void monitor_args(const struct accuracy_mode *m, char *buf, size_t len)
{
	snprintf(buf, len, "--pid PID%s%s", m->args[0] ? " " : "", m->args);
}

static void json_mode(struct json_writer *w, const struct accuracy_report *rep,
		      const struct accuracy_mode *m)
{
	struct mode_stats st;
	char args[160];
	int i, k;

	jw_begin(w, m->name, '{');
	monitor_args(m, args, sizeof(args));
	jw_str(w, "monitor", args);
	if (m->why) {
		jw_str(w, "skipped", m->why);
		jw_end(w, '}');
		return;
	}
	mode_stats(m, rep->duration_s, &st);
	json_spread(w, "precision", &st.p);
	json_spread(w, "recall", &st.r);
	json_spread(w, "late_precision", &st.late_p);
	json_spread(w, "late_recall", &st.late_r);
	if (st.kd_cpu.n) {
		json_spread(w, "kdamond_cpu", &st.kd_cpu);
		json_spread(w, "aggregations", &st.aggrs);
	}
	jw_num(w, "hot_bytes", st.hot);
	jw_begin(w, "rounds", '[');
	for (i = 0; i < m->n; i++) {
		const struct accuracy_round *rd = &m->r[i];

		jw_begin(w, NULL, '{');
		jw_int(w, "pid", i < rep->nr_pids ? rep->pids[i] : -1);
		if (rd->nr) {
			double lp, lr;

			json_accuracy(w, &rd->pts[rd->nr - 1].a);
			late_means(rd, rep->duration_s, &lp, &lr);
			jw_double(w, "late_precision", lp, 4);
			jw_double(w, "late_recall", lr, 4);
		}
		if (rd->kd_known) {
			double cpu, aggrs;

			kdamond_figures(rd, &cpu, &aggrs);
			jw_double(w, "kdamond_cpu_s", rd->kd_cpu_s, 3);
			jw_double(w, "kdamond_time_s", rd->kd_time_s, 3);
			jw_double(w, "kdamond_cpu", cpu, 4);
			jw_double(w, "aggregations", aggrs, 1);
		}
		jw_begin(w, "snapshots", '[');
		for (k = 0; k < rd->nr; k++) {
			jw_begin(w, NULL, '{');
			jw_double(w, "time", rd->pts[k].time, 3);
			json_accuracy(w, &rd->pts[k].a);
			jw_end(w, '}');
		}
		jw_end(w, ']');
		jw_end(w, '}');
	}
	jw_end(w, ']');
	jw_end(w, '}');
}

static void json_truth(struct json_writer *w, const struct truth *t)
{
	int i;

	jw_begin(w, "truth", '{');
	jw_int(w, "pid", t->pid);
	jw_begin(w, "scope", '[');
	for (i = 0; i < t->nr_scope; i++) {
		jw_begin(w, NULL, '{');
		jw_num(w, "start", t->scope[i].start);
		jw_num(w, "end", t->scope[i].end);
		jw_end(w, '}');
	}
	jw_end(w, ']');
	jw_begin(w, "hot", '[');
	for (i = 0; i < t->nr_hot; i++) {
		jw_begin(w, NULL, '{');
		jw_num(w, "start", t->hot[i].start);
		jw_num(w, "end", t->hot[i].end);
		jw_int(w, "cpu", t->hot[i].cpu);
		jw_bool(w, "write", t->hot[i].write);
		jw_end(w, '}');
	}
	jw_end(w, ']');
	jw_end(w, '}');
}

static void print_json(const struct accuracy_report *rep)
{
	struct json_writer w = { .f = stdout, .compact = true };
	int i;

	jw_begin(&w, NULL, '{');
	jw_str(&w, "workload", "accuracy");
	jw_double(&w, "duration_s", rep->duration_s, 3);
	jw_int(&w, "rounds", rep->rounds);
	jw_bool(&w, "aslr", rep->aslr);
	jw_str(&w, "command", rep->command[0] ? rep->command : NULL);
	jw_begin(&w, "pids", '[');
	for (i = 0; i < rep->nr_pids; i++)
		jw_int(&w, NULL, rep->pids[i]);
	jw_end(&w, ']');
	if (rep->truth.nr_scope)
		json_truth(&w, &rep->truth);
	else
		jw_null(&w, "truth");
	jw_begin(&w, "modes", '{');
	for (i = 0; i < rep->nr; i++)
		json_mode(&w, rep, &rep->modes[i]);
	jw_end(&w, '}');
	jw_end(&w, '}');
}

/* "0.912 0.850-0.950" (the spread only over several rounds), "-" where undefined. */
static void cell(const struct spread *s, char *buf, size_t len)
{
	char m[16], lo[16], hi[16];

	if (s->n > 1)
		snprintf(buf, len, "%5s %s-%s", fig(s->med, m, sizeof(m)),
			 fig(s->lo, lo, sizeof(lo)), fig(s->hi, hi, sizeof(hi)));
	else
		snprintf(buf, len, "%5s", fig(s->med, m, sizeof(m)));
}

static void print_table(const struct accuracy_report *rep)
{
	char p[64], r[64], lp[16], lr[16], hot[32], acc[32], mon[32], args[160];
	char kd[16], ag[16];
	struct mode_stats st;
	int i;

	printf("bench --workload accuracy: %s\n", rep->command[0] ? rep->command :
	       "no workload run (no mode can run here)");
	if (rep->truth.nr_scope)
		print_truth(stdout, &rep->truth);
	if (rep->nr_pids) {
		printf("a workload a round, %s (pids", rep->aslr ? "its layout randomised (--aslr)" :
		       "without address-space randomisation");
		for (i = 0; i < rep->nr_pids; i++)
			printf(" %d", rep->pids[i]);
		printf(")\n");
	}
	printf("%ld round(s) of %.1f s a mode.  Bytes weighted, inside the workload's regions; a\n"
	       "region is called accessed when its nr_accesses > 0.  PRECISION: hot bytes in\n"
	       "those / their bytes; RECALL: hot bytes in those / HOT, the hot bytes the mode\n"
	       "should see; both of the session's last snapshot, medians of the rounds and their\n"
	       "lowest-highest.  LATE: the means over the snapshots of the session's second half\n"
	       "(medians).  MONITORED: the address space DAMON's regions span; REGIONS: those over\n"
	       "the workload's regions.  KDAMOND: its CPU share; AGGRS: the aggregation intervals\n"
	       "it had, estimated from it (fewer than duration / aggregation interval where the\n"
	       "kdamond's work stretches its sampling intervals).\n", rep->rounds, rep->duration_s);
	printf("%-10s %-19s %-19s %-11s %8s %9s %9s %7s %7s %5s\n", "MODE", "PRECISION", "RECALL",
	       "LATE P/R", "HOT", "ACCESSED", "MONITORED", "REGIONS", "KDAMOND", "AGGRS");
	for (i = 0; i < rep->nr; i++) {
		const struct accuracy_mode *m = &rep->modes[i];

		if (m->why) {
			printf("%-10s n/a (%s)\n", m->name, m->why);
			continue;
		}
		mode_stats(m, rep->duration_s, &st);
		cell(&st.p, p, sizeof(p));
		cell(&st.r, r, sizeof(r));
		snprintf(args, sizeof(args), "%s/%s", fig(st.late_p.med, lp, sizeof(lp)),
			 fig(st.late_r.med, lr, sizeof(lr)));
		format_bytes(st.hot, hot, sizeof(hot));
		format_bytes(st.accessed.n ? st.accessed.med : 0, acc, sizeof(acc));
		format_bytes(st.monitored.n ? st.monitored.med : 0, mon, sizeof(mon));
		if (st.kd_cpu.n)
			snprintf(kd, sizeof(kd), "%6.1f%%", st.kd_cpu.med * 100);
		else
			snprintf(kd, sizeof(kd), "%7s", "-");
		if (st.aggrs.n)
			snprintf(ag, sizeof(ag), "%5.0f", st.aggrs.med);
		else
			snprintf(ag, sizeof(ag), "%5s", "-");
		printf("%-10s %-19s %-19s %-11s %8s %9s %9s %7.0f %s %s\n", m->name, p, r, args, hot,
		       acc, mon, st.regions.n ? st.regions.med : 0, kd, ag);
	}
	printf("monitor options:");
	for (i = 0; i < rep->nr; i++) {
		monitor_args(&rep->modes[i], args, sizeof(args));
		printf("%s %s '%s'", i ? "," : "", rep->modes[i].name, args);
	}
	printf("\n");
}

void accuracy_report_print(const struct accuracy_report *rep, bool json)
{
	if (json)
		print_json(rep);
	else
		print_table(rep);
}

void accuracy_report_free(struct accuracy_report *rep)
{
	int i, k;

	for (i = 0; i < rep->nr; i++)
		for (k = 0; k < rep->modes[i].n; k++)
			free(rep->modes[i].r[k].pts);
	truth_free(&rep->truth);
}
