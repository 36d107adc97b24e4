// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: a monitoring session (see session/monitor.h): checks, the owner record and our
 * kdamond, the reporters, then a snapshot per interval from DAMON's regions (attributed per
 * CPU and read/write from the reporters' map) or, in fallback mode, from the map's buckets.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/reporter.h"
#include "lib/util.h"
#include "reporter.skel.h"
#include "session/internal.h"
#include "session/monitor.h"
#include "session/session.h"
#include "spec/spec.h"

struct session {
	struct monitor_args *a;
	bool kfunc, reporting;		/* the kernel has the kfunc; fault or perf asked */
	char name[72];			/* of the owner record: monitor-PID, or the pin name */
	struct session_file sf;
	bool recorded;			/* the owner record exists: session_end() removes it */
	struct reporter rep;
	struct damon_session damon;
	struct session_info si;
	struct snapshot snap;
	unsigned int shift;
	/*
	 * Fallback mode: the map's buckets (per process, 2 MiB) as regions remembered across
	 * snapshots for their age; there, a region's age is the snapshot of its last access.
	 */
	struct snapshot agg;
	uint32_t nsnap;
	gzFile rec;
};

/* The bucket b of process tgid, added when new. */
static struct view_region *bucket_get(struct session *s, uint32_t tgid, uint64_t b)
{
	uint64_t start = b << s->shift;
	struct view_region *r;
	int i;

	for (i = 0; i < s->agg.nr_regions; i++)
		if ((uint32_t)s->agg.regions[i].pid == tgid && s->agg.regions[i].start == start)
			return &s->agg.regions[i];
	r = snapshot_add(&s->agg, s->si.nr_cpus, start, (b + 1) << s->shift);
	if (r)
		r->pid = tgid;
	return r;
}

static int cmp_bucket(const void *x, const void *y)
{
	const struct view_region *a = x, *b = y;

	if (a->pid != b->pid)
		return (uint32_t)a->pid < (uint32_t)b->pid ? -1 : 1;
	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * Whether an access the map counted is one the session asked for.  The BPF programs sort out
 * the others before they count, unless --no-prefilter handed every access to DAMON's sample
 * filters: then the CPU columns apply the same filters here, so that they show what DAMON
 * counted.
 */
static bool prefiltered(const struct monitor_args *a, const struct access_key *k)
{
	int i;

	if (!a->no_prefilter)
		return true;
	if (a->have_cpus && (k->cpu >= DAMON_BPF_MAX_CPUS || !a->cpus[k->cpu]))
		return false;
	if ((a->write_only && !k->write) || (a->read_only && k->write))
		return false;
	for (i = 0; i < a->cfg.nr_pids; i++)
		if (k->tgid == (uint32_t)a->cfg.pids[i])
			return true;
	return false;
}

/*
 * Moves the "accesses" map's counts of this interval into the snapshot (DAMON mode: onto the
 * DAMON regions) or into the buckets (fallback mode); the map is emptied as it is read.
 */
static int drain_accesses(struct session *s)
{
	int fd = bpf_map__fd(s->rep.skel->maps.accesses);
	struct access_key key, next, *keys = NULL;
	int nr = 0, cap = 0, i, ret = 0;
	struct access_val val;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		if (ARRAY_GROW(keys, nr, cap, 1024)) {
			free(keys);
			return err("out of memory");
		}
		keys[nr++] = next;
		key = next;
		first = false;
	}
	for (i = 0; i < nr; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &val)) {
			if (bpf_map_lookup_elem(fd, &keys[i], &val))
				continue;
			bpf_map_delete_elem(fd, &keys[i]);
		}
		if (s->si.mode == MODE_DAMON) {
			/* The map knows virtual addresses only: no breakdown of paddr regions. */
			if (!s->a->paddr && prefiltered(s->a, &keys[i]))
				snapshot_attribute(&s->snap, keys[i].bucket << s->shift, keys[i].cpu,
						   keys[i].write, val.count, s->si.nr_cpus);
		} else {
			struct view_region *b = bucket_get(s, keys[i].tgid, keys[i].bucket);

			if (!b) {
				ret = err("out of memory");
				break;
			}
			if (keys[i].cpu < s->si.nr_cpus)
				(keys[i].write ? b->writes : b->reads)[keys[i].cpu] += val.count;
			b->nr_accesses += val.count;
			b->age = s->nsnap;
		}
	}
	free(keys);
	return ret;
}

/* DAMON mode: our kdamond's regions, then the map's accesses attributed to them. */
static int damon_snapshot(struct session *s)
{
	struct monitor_args *a = s->a;
	struct damon_region *regs;
	int i, n;

	s->snap.max_nr_accesses = a->cfg.aggr_us / a->cfg.sample_us;
	/*
	 * A running kdamond always has regions; an empty list means the update raced with the
	 * kdamond (seen now and then under TCG): ask again.
	 */
	for (i = 0;; i++) {
		if (damon_regions(&s->damon, 0, &regs, &n))
			return -1;
		if (n || i == 3 || !damon_running(&s->damon))
			break;
		free(regs);
		usleep(50000);
	}
	for (i = 0; i < n; i++) {
		struct view_region *r = snapshot_add(&s->snap, s->si.nr_cpus, regs[i].start,
						     regs[i].end);

		if (!r) {
			free(regs);
			return err("out of memory");
		}
		r->nr_accesses = regs[i].nr_accesses;
		r->age = regs[i].age;
		r->pid = a->cfg.nr_pids == 1 ? a->cfg.pids[0] : -1;
	}
	free(regs);
	return drain_accesses(s);
}

/* Fallback mode: the buckets, with this interval's counts; the counts start again. */
static int fallback_snapshot(struct session *s)
{
	size_t sz = s->si.nr_cpus * sizeof(uint64_t);
	int i;

	if (drain_accesses(s))
		return -1;
	if (s->agg.nr_regions)		/* no regions: no array (qsort wants one) */
		qsort(s->agg.regions, s->agg.nr_regions, sizeof(*s->agg.regions), cmp_bucket);
	for (i = 0; i < s->agg.nr_regions; i++) {
		struct view_region *b = &s->agg.regions[i];
		struct view_region *r = snapshot_add(&s->snap, s->si.nr_cpus, b->start, b->end);

		if (!r)
			return err("out of memory");
		r->pid = b->pid;
		r->nr_accesses = b->nr_accesses;
		r->age = s->nsnap - b->age;
		memcpy(r->reads, b->reads, sz);
		memcpy(r->writes, b->writes, sz);
		b->nr_accesses = 0;
		memset(b->reads, 0, sz);
		memset(b->writes, 0, sz);
	}
	return 0;
}

static int take_snapshot(struct session *s, double t)
{
	snapshot_clear(&s->snap);
	s->snap.time = t;
	if (reporter_read_stats(&s->rep, s->snap.stats, NULL))
		return -1;
	return s->si.mode == MODE_DAMON ? damon_snapshot(s) : fallback_snapshot(s);
}

static void describe(struct session *s)
{
	struct monitor_args *a = s->a;
	char *d = s->si.desc, cl[128];
	size_t len = sizeof(s->si.desc), off = 0;
	int i;

	if (a->paddr)
		off += snprintf(d + off, len - off, "paddr");
	for (i = 0; i < a->cfg.nr_pids && off < len; i++)
		off += snprintf(d + off, len - off, "%s%d", i ? "," : "pid ", a->cfg.pids[i]);
	if (off < len)
		off += snprintf(d + off, len - off, ", %s mode, sources%s%s%s", 
				s->si.mode == MODE_DAMON ? "DAMON" : "fallback (no kfunc)",
				a->src_fault ? " fault" : "", a->src_perf ? " perf" : "",
				a->src_pte ? " pte" : "");
	if (a->have_cpus && off < len) {
		format_cpulist(a->cpus, DAMON_BPF_MAX_CPUS, cl, sizeof(cl));
		off += snprintf(d + off, len - off, ", cpus %s", cl);
	}
	if ((a->write_only || a->read_only) && off < len)
		off += snprintf(d + off, len - off, ", %s only", a->write_only ? "writes" : "reads");
	if (a->no_prefilter && off < len)
		off += snprintf(d + off, len - off, ", no BPF pre-filter");
	if (s->si.mode == MODE_DAMON && off < len)
		snprintf(d + off, len - off, ", %llums/%llums",
			 (unsigned long long)a->cfg.sample_us / 1000,
			 (unsigned long long)a->cfg.aggr_us / 1000);
}


void monitor_args_init(struct monitor_args *a)
{
	memset(a, 0, sizeof(*a));
	damon_ctx_defaults(&a->cfg);
	a->src_fault = true;
	a->interval_us = 1000000;
	a->view.top = 10;
}

/* Root, live user processes, a free pin name; the mode, said when it is the fallback. */
static int check(struct session *s)
{
	struct monitor_args *a = s->a;
	int i;

	if (geteuid() != 0)
		return err("monitoring needs root (BPF and DAMON): run damon-bpf as root");
	for (i = 0; i < a->cfg.nr_pids; i++)
		if (pid_check_user(a->cfg.pids[i]))
			return -1;
	if (a->pin && session_check_new(a->pin))
		return -1;
	s->kfunc = !a->no_kfunc && kernel_has_kfunc();
	s->reporting = a->src_fault || a->src_perf;
	s->si.mode = (s->kfunc && s->reporting) || a->src_pte ? MODE_DAMON : MODE_FALLBACK;
	s->si.nr_cpus = libbpf_num_possible_cpus();
	s->si.sample_us = a->cfg.sample_us;
	s->si.aggr_us = a->cfg.aggr_us;
	if (a->paddr && s->si.mode == MODE_FALLBACK)
		return err("--paddr needs DAMON: use a kernel with the kfunc, or --source pte");
	if (a->no_prefilter && !s->kfunc)
		return err("--no-prefilter: this kernel has no bpf_damon_report_access() kfunc, so "
			   "no DAMON sample filter would see the accesses");
	if (s->reporting && !s->kfunc)
		info("damon-bpf: this kernel has no bpf_damon_report_access() kfunc: the reporters "
		     "aggregate in BPF maps (fallback mode)%s",
		     a->src_pte ? "; DAMON samples page tables only" : "");
	if (s->si.mode == MODE_FALLBACK && (a->cfg.sample_us != 5000 || a->cfg.aggr_us != 100000))
		info("damon-bpf: --sample/--aggr have no effect in fallback mode");
	describe(s);
	return 0;
}

/* DAMON mode: our context, fed by the reporters, filtered by DAMON's sample filters. */
static int damon_cfg(struct session *s)
{
	struct monitor_args *a = s->a;
	struct damon_ctx_cfg *c = &a->cfg;

	strcpy(c->ops, a->paddr ? "paddr" : "vaddr");
	c->page_table = a->src_pte;
	c->page_fault = s->kfunc && s->reporting;
	c->cpus = a->have_cpus ? a->cpus : NULL;
	c->rw = a->write_only ? RW_WRITES : a->read_only ? RW_READS : RW_BOTH;
	/* Reports must pass DAMON's filters; page-table samples know no CPU or write bit. */
	if (a->src_pte && (a->have_cpus || a->write_only || a->read_only) && !c->page_fault)
		return err("--cpus, --write-only and --read-only need a reporting source "
			   "(fault or perf) on a kernel with the kfunc: page-table sampling "
			   "cannot tell CPUs or writes apart");
	c->nr_schemes = 1;
	c->schemes[0] = (struct damon_scheme_cfg){
		.action = "stat",
		.pattern = { 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX },
		.target_nid = -1,	/* every target's regions: no filter */
	};
	return 0;
}

/* The owner record, written before the kdamond, the links or the pins exist. */
static int claim(struct session *s)
{
	struct monitor_args *a = s->a;

	if (a->pin)
		snprintf(s->name, sizeof(s->name), "%s", a->pin);
	else
		snprintf(s->name, sizeof(s->name), "monitor-%d", getpid());
	session_file_init(&s->sf, a->pin ? "pinned" : "monitor");
	s->sf.first_pid = a->cfg.nr_pids ? a->cfg.pids[0] : -1;
	snprintf(s->sf.desc, sizeof(s->sf.desc), "%s", s->si.desc);
	if (s->si.mode != MODE_DAMON) {
		if (session_write(s->name, &s->sf))
			return -1;
		s->recorded = true;
		return 0;
	}
	if (damon_cfg(s) || damon_check() || session_claim(s->name, &s->sf, &s->damon))
		return -1;
	s->recorded = true;
	/* DAMON listens first, so that the first reports are not dropped for want of a context. */
	return damon_apply(&s->damon, &a->cfg) || damon_start(&s->damon) ||
	       session_started(s->name, &s->sf, &s->damon) ? -1 : 0;
}

static int start_reporters(struct session *s)
{
	struct monitor_args *a = s->a;
	struct reporter_opts ro = {
		.fault = a->src_fault, .perf = a->src_perf, .no_kfunc = !s->kfunc,
		.aggregate = true, .perf_period = a->perf_period,
	};

	/* Without the pre-filter DAMON's sample filters (and its targets) alone decide. */
	ro.tgids = a->paddr || a->no_prefilter ? NULL : a->cfg.pids;
	ro.nr_tgids = ro.tgids ? a->cfg.nr_pids : 0;
	ro.cpus = a->have_cpus && !a->no_prefilter ? a->cpus : NULL;
	ro.rw = a->no_prefilter ? RW_BOTH : a->write_only ? RW_WRITES : a->read_only ? RW_READS :
		RW_BOTH;
	/* Fine buckets attribute accesses to DAMON's regions; 2 MiB ones are fallback regions. */
	s->shift = s->si.mode == MODE_DAMON ? 12 : DAMON_BPF_BUCKET_SHIFT;
	ro.bucket_shift = s->shift;
	/* With pte alone no program attaches; the (empty) counters and map still serve the view. */
	if (reporter_start(&s->rep, &ro))
		return -1;
	if (a->src_perf && s->rep.perf.source == s->rep.perf.why)
		info("damon-bpf: perf source: %s", s->rep.perf.source);
	else if (a->src_perf)
		info("damon-bpf: perf source: %s (%s)", s->rep.perf.source, s->rep.perf.why);
	if (a->src_fault)
		info("damon-bpf: fault source: page_fault_user (%s)", s->rep.fault_variant);
	return 0;
}

/* --pin: the pins hold the session now; nothing is removed on the way out. */
static int pin(struct session *s)
{
	/* Half pinned, the pins are removed again; the kdamond and record go with the end. */
	if (session_pin(s->a->pin, &s->sf, &s->rep, &s->damon))
		return -1;
	info("damon-bpf: session %s runs on: 'damon-bpf status', 'damon-bpf stop %s'", s->a->pin,
	     s->a->pin);
	s->damon.kdamond = -1;	/* the pinned session owns it now */
	s->recorded = false;
	return 0;
}

enum step { STEP_NEXT, STEP_DONE, STEP_FAILED };

/* Whether the session goes on after this interval's snapshot, from its targets' state. */
static enum step targets_state(struct session *s, bool before)
{
	struct monitor_args *a = s->a;

	if (before && s->si.mode == MODE_DAMON && !damon_running(&s->damon)) {
		if (a->paddr || any_pid_alive(a->cfg.pids, a->cfg.nr_pids))
			return err("the kdamond stopped while the session ran: turned off from "
				   "outside, or it failed (see dmesg)"), STEP_FAILED;
		info("damon-bpf: the kdamond stopped (all targets exited)");
		return STEP_DONE;
	}
	if (!before && s->si.mode == MODE_FALLBACK && !any_pid_alive(a->cfg.pids, a->cfg.nr_pids)) {
		info("damon-bpf: all target processes exited");
		return STEP_DONE;
	}
	return STEP_NEXT;
}

/* A snapshot every interval, viewed and recorded, until a signal, the duration or the end. */
static int loop(struct session *s)
{
	struct monitor_args *a = s->a;
	double start = monotonic_s(), end = a->duration_us ? start + a->duration_us / 1e6 : 0;
	double next = start;
	enum step st;

	if (a->record && !(s->rec = record_create(a->record, &s->si)))
		return -1;
	while (!exiting) {
		next += a->interval_us / 1e6;
		if (end && next > end)
			next = end;
		sleep_until(next);
		if (exiting)
			break;
		st = targets_state(s, true);
		if (st != STEP_NEXT)
			return st == STEP_DONE ? 0 : -1;
		if (take_snapshot(s, monotonic_s() - start))
			return -1;
		s->nsnap++;
		view_print(stdout, &s->si, &s->snap, &a->view);
		if (s->rec && record_write(s->rec, &s->si, &s->snap))
			return -1;
		if (end && monotonic_s() >= end - 1e-3)
			break;
		if (targets_state(s, false) == STEP_DONE)
			break;
	}
	return 0;
}

/* One way out: the record file closed, the reporters, the kdamond and the record removed. */
static int end(struct session *s, int ret)
{
	if (s->rec && gzclose(s->rec) != Z_OK && !ret)
		ret = err("%s: write failed", s->a->record);
	reporter_stop(&s->rep);
	if (s->recorded)
		session_end(s->name, &s->damon);
	else
		damon_release(&s->damon);
	snapshot_free(&s->snap);
	snapshot_free(&s->agg);
	return ret ? 1 : 0;
}

void monitor_to_spec(const struct monitor_args *a, struct spec *sp, struct run_opts *o)
{
	spec_init(sp);
	snprintf(sp->policy.command, sizeof(sp->policy.command), "monitor");
	sp->policy.drop_exited = false;	/* the kdamond ends with its last target */
	sp->ctx = a->cfg;
	sp->ctx.nr_schemes = 0;
	strcpy(sp->ctx.ops, a->paddr ? "paddr" : "vaddr");
	if (a->paddr)
		sp->ctx.nr_pids = 1;	/* the spec's paddr target: the physical address space */
	sp->ctx.page_table = a->src_pte;
	sp->ctx.page_fault = a->src_fault || a->src_perf;
	sp->ctx.cpus = NULL;
	if (a->have_cpus) {
		memcpy(sp->cpus, a->cpus, sizeof(sp->cpus));
		sp->ctx.cpus = sp->cpus;
	}
	sp->ctx.rw = a->write_only ? RW_WRITES : a->read_only ? RW_READS : RW_BOTH;
	snprintf(sp->bpf.source, sizeof(sp->bpf.source), "%s%s%s", a->src_fault ? "fault" : "",
		 a->src_fault && a->src_perf ? "," : "", a->src_perf ? "perf" : "");
	sp->bpf.no_prefilter = a->no_prefilter;
	sp->bpf.no_kfunc = a->no_kfunc;
	sp->bpf.perf_period = a->perf_period;
	*o = (struct run_opts){ a->interval_us, a->duration_us, a->view.json, a->view.top,
				a->record, a->pin };
}

/*
 * The session's plan from a monitor spec, with the checks 'monitor' makes of its command
 * line (a spec file may hold anything).
 */
static int from_spec(struct monitor_args *a, const struct spec *sp, const struct run_opts *o)
{
	const struct damon_ctx_cfg *c = &sp->ctx;

	monitor_args_init(a);
	a->cfg = *c;
	a->cfg.nr_schemes = 0;
	a->cfg.cpus = NULL;
	a->paddr = !strcmp(c->ops, "paddr");
	if (a->paddr)
		a->cfg.nr_pids = 0;
	a->have_cpus = c->cpus != NULL;
	if (a->have_cpus)
		memcpy(a->cpus, sp->cpus, sizeof(a->cpus));
	a->write_only = c->rw == RW_WRITES;
	a->read_only = c->rw == RW_READS;
	a->src_fault = spec_has_source(sp, "fault");
	a->src_perf = spec_has_source(sp, "perf");
	a->src_pte = c->page_table;
	a->no_prefilter = sp->bpf.no_prefilter;
	a->no_kfunc = sp->bpf.no_kfunc;
	a->perf_period = sp->bpf.perf_period;
	a->interval_us = o->interval_us;
	a->duration_us = o->duration_us;
	a->view = (struct view_opts){ o->json, o->top };
	a->record = o->record;
	a->pin = o->pin;
	if (strcmp(c->ops, "vaddr") && !a->paddr)
		return err("a monitor spec monitors vaddr or paddr, not %s", c->ops);
	if (!a->paddr && !a->cfg.nr_pids)
		return err("nothing to monitor: the spec has no target");
	if (!a->src_fault && !a->src_perf && !a->src_pte)
		return err("nothing samples: no bpf.source and no page_table primitive");
	if (a->no_prefilter && (a->no_kfunc || !(a->src_fault || a->src_perf)))
		return err("bpf.prefilter false needs a bpf.source and the kfunc (bpf.kfunc)");
	return 0;
}

int monitor_run(const struct spec *sp, const struct run_opts *o)
{
	struct monitor_args args, *a = &args;
	struct session s = { .a = a, .damon.kdamond = -1 };
	int ret;

	if (from_spec(a, sp, o))
		return 1;
	snapshot_init(&s.snap);
	snapshot_init(&s.agg);
	if (check(&s))
		return 1;
	ret = claim(&s) || start_reporters(&s) || (a->pin ? pin(&s) : loop(&s)) ? -1 : 0;
	return end(&s, ret);
}
