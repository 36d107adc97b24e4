// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the steps of a monitoring session (monitor_kind, run by session/runner.c as
 * every session is).  With the kfunc (kernel/patches), a DAMON context of ours is fed by the
 * BPF reporters and filtered by DAMON's sample filters (per CPU, write or read), and a tick
 * takes a snapshot of its regions with their probe hits: the per-CPU and write breakdown is
 * DAMON's probes (by default one a CPU and one for writes), the reporters only report.  On
 * kernels without it (fallback mode) the reporters aggregate in maps and the snapshot is
 * built from the map's buckets, without touching DAMON.  What the session does is the spec
 * (policy.command "monitor"); how it is shown (interval, views, record, pin) is the run
 * options.
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
#include "session/runner.h"
#include "session/session.h"
#include "spec/spec.h"
#include "view/prom.h"
#include "view/view.h"

/* The monitoring state of a runner (r->mon). */
struct monitor {
	bool kfunc, reporting;		/* the kernel has the kfunc; fault or perf asked */
	bool paddr, fault, perf;	/* from the spec */
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
	const char *record;
};

/* The bucket b of process tgid, added when new. */
static struct view_region *bucket_get(struct monitor *m, uint32_t tgid, uint64_t b)
{
	uint64_t start = b << m->shift;
	struct view_region *v;
	int i;

	for (i = 0; i < m->agg.nr_regions; i++)
		if ((uint32_t)m->agg.regions[i].pid == tgid && m->agg.regions[i].start == start)
			return &m->agg.regions[i];
	v = snapshot_add(&m->agg, m->si.nr_cpus, start, (b + 1) << m->shift);
	if (v)
		v->pid = tgid;
	return v;
}

static int cmp_bucket(const void *x, const void *y)
{
	const struct view_region *a = x, *b = y;

	if (a->pid != b->pid)
		return (uint32_t)a->pid < (uint32_t)b->pid ? -1 : 1;
	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * One of the map's counts (the reporters count only without the kfunc): onto its DAMON
 * region (DAMON samples page tables there), or into its fallback bucket.
 */
static int count_access(struct runner *r, const struct access_key *k, uint64_t count)
{
	struct monitor *m = r->mon;
	struct view_region *b;

	if (m->si.mode == MODE_DAMON) {
		/* The map knows virtual addresses only: no breakdown of paddr regions. */
		if (!m->paddr)
			snapshot_attribute(&m->snap, k->bucket << m->shift, k->cpu, k->write, count,
					   m->si.nr_cpus);
		return 0;
	}
	b = bucket_get(m, k->tgid, k->bucket);
	if (!b)
		return err("out of memory");
	if (k->cpu < m->si.nr_cpus)
		(k->write ? b->writes : b->reads)[k->cpu] += count;
	b->nr_accesses += count;
	b->age = m->nsnap;
	return 0;
}

/* Moves the "accesses" map's counts of this interval on; the map is emptied as it is read. */
static int drain_accesses(struct runner *r)
{
	int fd = bpf_map__fd(r->rep.skel->maps.accesses);
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
	for (i = 0; i < nr && !ret; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &val)) {
			if (bpf_map_lookup_elem(fd, &keys[i], &val))
				continue;
			bpf_map_delete_elem(fd, &keys[i]);
		}
		ret = count_access(r, &keys[i], val.count);
	}
	free(keys);
	return ret;
}

/*
 * DAMON mode: our kdamond's regions with their probe hits; the map's counts only where the
 * reporters aggregate (no kfunc: DAMON samples page tables, --source pte).
 */
static int damon_snapshot(struct runner *r)
{
	const struct damon_ctx_cfg *c = &r->sp.ctx;
	struct monitor *m = r->mon;
	struct damon_region *regs;
	int i, n;

	m->snap.max_nr_accesses = c->aggr_us / c->sample_us;
	/*
	 * A running kdamond always has regions; an empty list means the update raced with the
	 * kdamond (seen now and then under TCG): ask again.
	 */
	for (i = 0;; i++) {
		if (damon_regions(&r->d, 0, &regs, &n))
			return -1;
		if (n || i == 3 || !damon_running(&r->d))
			break;
		free(regs);
		usleep(50000);
	}
	for (i = 0; i < n; i++) {
		struct view_region *v = snapshot_add(&m->snap, m->si.nr_cpus, regs[i].start,
						     regs[i].end);

		if (!v) {
			free(regs);
			return err("out of memory");
		}
		v->nr_accesses = regs[i].nr_accesses;
		v->age = regs[i].age;
		memcpy(v->probe_hits, regs[i].probe_hits, sizeof(v->probe_hits));
		v->pid = !m->paddr && c->nr_pids == 1 ? c->pids[0] : -1;
	}
	free(regs);
	return m->kfunc ? 0 : drain_accesses(r);
}

/* Fallback mode: the buckets, with this interval's counts; the counts start again. */
static int fallback_snapshot(struct runner *r)
{
	struct monitor *m = r->mon;
	size_t sz = m->si.nr_cpus * sizeof(uint64_t);
	int i;

	if (drain_accesses(r))
		return -1;
	if (m->agg.nr_regions)		/* no regions: no array (qsort wants one) */
		qsort(m->agg.regions, m->agg.nr_regions, sizeof(*m->agg.regions), cmp_bucket);
	for (i = 0; i < m->agg.nr_regions; i++) {
		struct view_region *b = &m->agg.regions[i];
		struct view_region *v = snapshot_add(&m->snap, m->si.nr_cpus, b->start, b->end);

		if (!v)
			return err("out of memory");
		v->pid = b->pid;
		v->nr_accesses = b->nr_accesses;
		v->age = m->nsnap - b->age;
		memcpy(v->reads, b->reads, sz);
		memcpy(v->writes, b->writes, sz);
		b->nr_accesses = 0;
		memset(b->reads, 0, sz);
		memset(b->writes, 0, sz);
	}
	return 0;
}

static int take_snapshot(struct runner *r, double t)
{
	struct monitor *m = r->mon;

	snapshot_clear(&m->snap);
	m->snap.time = t;
	if (reporter_read_stats(&r->rep, m->snap.stats, NULL))
		return -1;
	return m->si.mode == MODE_DAMON ? damon_snapshot(r) : fallback_snapshot(r);
}

/* The session's description, for the view, the record file and the owner record. */
static void describe(struct runner *r)
{
	const struct spec *sp = &r->sp;
	struct monitor *m = r->mon;
	char *d = m->si.desc, cl[128];
	size_t len = sizeof(m->si.desc), off = 0;
	int i;

	if (m->paddr)
		off += snprintf(d + off, len - off, "paddr");
	for (i = 0; !m->paddr && i < sp->ctx.nr_pids && off < len; i++)
		off += snprintf(d + off, len - off, "%s%d", i ? "," : "pid ", sp->ctx.pids[i]);
	if (off < len)
		off += snprintf(d + off, len - off, ", %s mode, sources%s%s%s",
				m->si.mode == MODE_DAMON ? "DAMON" : "fallback (no kfunc)",
				m->fault ? " fault" : "", m->perf ? " perf" : "",
				sp->ctx.page_table ? " pte" : "");
	if (sp->ctx.cpus && off < len) {
		format_cpulist(sp->ctx.cpus, DAMON_BPF_MAX_CPUS, cl, sizeof(cl));
		off += snprintf(d + off, len - off, ", cpus %s", cl);
	}
	if (sp->ctx.rw != RW_BOTH && off < len)
		off += snprintf(d + off, len - off, ", %s only",
				sp->ctx.rw == RW_WRITES ? "writes" : "reads");
	if (sp->bpf.no_prefilter && off < len)
		off += snprintf(d + off, len - off, ", no BPF pre-filter");
	if (m->si.mode == MODE_DAMON && off < len)
		snprintf(d + off, len - off, ", %llums/%llums",
			 (unsigned long long)sp->ctx.sample_us / 1000,
			 (unsigned long long)sp->ctx.aggr_us / 1000);
}

/* What 'monitor' refuses on its command line, refused in a spec file too. */
static int check_spec(const struct spec *sp, const struct monitor *m)
{
	int i;

	if (strcmp(sp->ctx.ops, "vaddr") && !m->paddr)
		return err("a monitor spec monitors vaddr or paddr, not %s", sp->ctx.ops);
	if (!m->paddr && !sp->ctx.nr_pids)
		return err("nothing to monitor: the spec has no target");
	if (!m->fault && !m->perf && !sp->ctx.page_table)
		return err("nothing samples: no bpf.source and no page_table primitive");
	if (sp->bpf.no_prefilter && (sp->bpf.no_kfunc || !m->reporting))
		return err("bpf.prefilter false needs a bpf.source and the kfunc (bpf.kfunc)");
	if (geteuid() != 0)
		return err("monitoring needs root (BPF and DAMON): run damon-bpf as root");
	for (i = 0; !m->paddr && i < sp->ctx.nr_pids; i++)
		if (pid_check_user(sp->ctx.pids[i]))
			return -1;
	return 0;
}

/*
 * DAMON mode's breakdown when the spec has no probe and reports feed DAMON: a probe for each
 * online CPU that fits, one for writes (--breakdown cpu,write); the CPUs left over are said.
 */
static int default_breakdown(struct runner *r)
{
	struct damon_ctx_cfg *c = &r->sp.ctx;
	char msg[128], cl[64];
	uint8_t rest[DAMON_BPF_MAX_CPUS];
	int left, i;

	if (c->nr_probes || r->mon->si.mode != MODE_DAMON || !r->mon->kfunc ||
	    !r->mon->reporting)
		return 0;
	left = probe_breakdown(c->probes, &c->nr_probes, true, true, msg, sizeof(msg));
	if (left == -2)
		return err("the default breakdown: %s", msg);
	if (left < 0 || online_cpus(rest, DAMON_BPF_MAX_CPUS) < 0)
		return 0;
	for (i = 0; i < left; i++)
		rest[i] = 0;
	format_cpulist(rest, DAMON_BPF_MAX_CPUS, cl, sizeof(cl));
	info("damon-bpf: DAMON has %d probes: CPU columns for the first %d online CPUs and W; "
	     "CPUs %s have none (--probe 'allow cpumask %s' counts them together)",
	     DAMON_MAX_PROBES, DAMON_MAX_PROBES - 1, cl, cl);
	return 0;
}

/* The mode (DAMON, or the fallback: said), what it cannot do, the session's name. */
static int monitor_prepare(struct runner *r, const struct run_opts *o)
{
	const struct spec *sp = &r->sp;
	struct monitor *m;
	int i;

	m = r->mon = calloc(1, sizeof(*m));
	if (!m)
		return err("out of memory");
	snapshot_init(&m->snap);
	snapshot_init(&m->agg);
	m->paddr = !strcmp(sp->ctx.ops, "paddr");
	m->fault = spec_has_source(sp, "fault");
	m->perf = spec_has_source(sp, "perf");
	m->reporting = m->fault || m->perf;
	m->record = o->record;
	if (check_spec(sp, m) || (o->pin && session_check_new(o->pin)))
		return -1;
	m->kfunc = !sp->bpf.no_kfunc && kernel_has_kfunc();
	m->si.mode = (m->kfunc && m->reporting) || sp->ctx.page_table ? MODE_DAMON :
		     MODE_FALLBACK;
	if (default_breakdown(r))
		return -1;
	m->si.nr_cpus = libbpf_num_possible_cpus();
	m->si.sample_us = sp->ctx.sample_us;
	m->si.aggr_us = sp->ctx.aggr_us;
	m->si.nr_probes = sp->ctx.nr_probes;
	for (i = 0; i < sp->ctx.nr_probes; i++)
		probe_describe(&sp->ctx.probes[i], m->si.probes[i], sizeof(m->si.probes[i]));
	if (m->paddr && m->si.mode == MODE_FALLBACK)
		return err("--paddr needs DAMON: use a kernel with the kfunc, or --source pte");
	if (sp->ctx.nr_probes && m->si.mode == MODE_FALLBACK)
		return err("--probe and --breakdown need DAMON: probes are DAMON's (a kernel with "
			   "the kfunc, or --source pte for page probes)");
	if (sp->bpf.no_prefilter && !m->kfunc)
		return err("--no-prefilter: this kernel has no bpf_damon_report_access() kfunc, so "
			   "no DAMON sample filter would see the accesses");
	/* Reports must pass DAMON's filters; page-table samples know no CPU or write bit. */
	if (m->si.mode == MODE_DAMON && !(m->kfunc && m->reporting) &&
	    (sp->ctx.cpus || sp->ctx.rw != RW_BOTH))
		return err("--cpus, --write-only and --read-only need a reporting source "
			   "(fault or perf) on a kernel with the kfunc: page-table sampling "
			   "cannot tell CPUs or writes apart");
	if (m->reporting && !m->kfunc)
		info("damon-bpf: this kernel has no bpf_damon_report_access() kfunc: the reporters "
		     "aggregate in BPF maps (fallback mode)%s",
		     sp->ctx.page_table ? "; DAMON samples page tables only" : "");
	if (m->si.mode == MODE_FALLBACK && (sp->ctx.sample_us != 5000 ||
					    sp->ctx.aggr_us != 100000))
		info("damon-bpf: --sample/--aggr have no effect in fallback mode");
	describe(r);
	r->uses_damon = m->si.mode == MODE_DAMON;
	if (r->uses_damon && damon_check())
		return -1;
	/* --pin's name, the spec's policy.name ('run --name'), or monitor-PID */
	if (o->pin)
		snprintf(r->name, sizeof(r->name), "%s", o->pin);
	else if (sp->policy.name[0] && session_check_name(sp->policy.name))
		return -1;
	else if (sp->policy.name[0])
		snprintf(r->name, sizeof(r->name), "%s", sp->policy.name);
	else
		snprintf(r->name, sizeof(r->name), "monitor-%d", getpid());
	session_file_init(&r->sf, o->pin ? "pinned" : "monitor");
	snprintf(r->sf.desc, sizeof(r->sf.desc), "%s", m->si.desc);
	return 0;
}

/* DAMON mode: the spec's context, fed by the reporters when the kfunc exists, one stat scheme. */
static void monitor_kernel_cfg(struct runner *r, struct damon_ctx_cfg *c)
{
	*c = r->sp.ctx;
	c->page_fault = r->mon->kfunc && r->mon->reporting;
	c->nr_schemes = 1;
	c->schemes[0] = (struct damon_scheme_cfg){
		.action = "stat",
		.pattern = { 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX },
		.target_nid = -1,	/* every target's regions: no filter */
	};
}

/*
 * Names the sources the reporters attached, once a process: bench's accuracy sessions run
 * one after another in the same process and attach the same ones.
 */
static void say_sources(const struct runner *r, const struct monitor *m)
{
	static char said[2][1024];
	char line[2][1024] = { "", "" };
	int i;

	if (m->perf && r->rep.perf.source == r->rep.perf.why)
		snprintf(line[0], sizeof(line[0]), "perf source: %s", r->rep.perf.source);
	else if (m->perf)
		snprintf(line[0], sizeof(line[0]), "perf source: %s (%s)", r->rep.perf.source,
			 r->rep.perf.why);
	if (m->fault)
		snprintf(line[1], sizeof(line[1]), "fault source: page_fault_user (%s)",
			 r->rep.fault_variant);
	for (i = 0; i < 2; i++) {
		if (!line[i][0] || !strcmp(line[i], said[i]))
			continue;
		info("damon-bpf: %s", line[i]);
		strcpy(said[i], line[i]);
	}
}

static int monitor_reporters(struct runner *r)
{
	const struct spec *sp = &r->sp;
	struct monitor *m = r->mon;
	struct reporter_opts ro = {
		.fault = m->fault, .perf = m->perf, .no_kfunc = !m->kfunc,
		.perf_period = sp->bpf.perf_period,
	};

	/* Without the pre-filter DAMON's sample filters (and its targets) alone decide. */
	if (!sp->bpf.no_prefilter) {
		ro.cpus = sp->ctx.cpus;
		ro.rw = sp->ctx.rw;
		if (!m->paddr) {
			ro.tgids = sp->ctx.pids;
			ro.nr_tgids = sp->ctx.nr_pids;
		}
	}
	/*
	 * With the kfunc the reporters report only.  Without it they aggregate: in fine buckets
	 * to attribute to DAMON's regions (--source pte), or 2 MiB ones as fallback regions.
	 */
	m->shift = m->si.mode == MODE_DAMON ? 12 : DAMON_BPF_BUCKET_SHIFT;
	ro.bucket_shift = m->shift;
	/* With pte alone no program attaches; the (empty) counters still serve the view. */
	if (reporter_start(&r->rep, &ro))
		return -1;
	say_sources(r, m);
	return 0;
}

/*
 * --pin: the pins hold the session now, nothing is removed on the way out (1); else the
 * record file, if asked for (0).
 */
static int monitor_started(struct runner *r, const struct run_opts *o)
{
	struct monitor *m = r->mon;

	if (!o->pin) {
		if (m->record && !(m->rec = record_create(m->record, &m->si)))
			return -1;
		return 0;
	}
	/* Half pinned, the pins are removed again; the kdamond and record go with the end. */
	if (session_pin(o->pin, &r->sf, &r->rep, &r->d))
		return -1;
	info("damon-bpf: session %s runs on: 'damon-bpf status', 'damon-bpf stop %s'", o->pin,
	     o->pin);
	r->d.kdamond = -1;	/* the pinned session owns it now */
	r->recorded = false;
	return 1;
}

/* A snapshot, viewed and recorded; whether the session goes on. */
static enum tick monitor_tick(struct runner *r, const struct run_opts *o, double t)
{
	struct monitor *m = r->mon;
	struct view_opts view = { o->json, o->top };

	if (m->si.mode == MODE_DAMON && !damon_running(&r->d))
		return runner_kdamond_gone(r);
	if (take_snapshot(r, t))
		return TICK_FAILED;
	m->nsnap++;
	if (o->snapshot && o->snapshot(o->snapshot_arg, &m->si, &m->snap,
				       r->uses_damon ? damon_kdamond_pid(&r->d) : -1))
		return TICK_FAILED;
	if (!o->snapshot)
		view_print(stdout, &m->si, &m->snap, &view);
	if (m->rec && record_write(m->rec, &m->si, &m->snap))
		return TICK_FAILED;
	if (o->prom && prom_write_snapshot(o->prom, r->name, &m->si, &m->snap))
		return TICK_FAILED;
	r->prom_written = o->prom != NULL;
	if (m->si.mode == MODE_FALLBACK && !any_pid_alive(r->sp.ctx.pids, r->sp.ctx.nr_pids)) {
		info("damon-bpf: all target processes exited");
		return TICK_DONE;
	}
	return TICK_NEXT;
}

/* The record file closed (a failed write turns a clean exit into 1), the snapshots freed. */
static int monitor_end(struct runner *r, int ret)
{
	struct monitor *m = r->mon;

	if (!m)
		return ret;
	if (m->rec && gzclose(m->rec) != Z_OK && !ret) {
		err("%s: write failed", m->record);
		ret = 1;
	}
	snapshot_free(&m->snap);
	snapshot_free(&m->agg);
	free(m);
	r->mon = NULL;
	return ret;
}

const struct session_kind monitor_kind = {
	.prepare = monitor_prepare,
	.kernel_cfg = monitor_kernel_cfg,
	.start_reporters = monitor_reporters,
	.started = monitor_started,
	.tick = monitor_tick,
	.end = monitor_end,
};
