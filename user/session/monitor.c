// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf monitor: a monitoring session.  With the kfunc (kernel/patches), a DAMON context
 * of ours is fed by the BPF reporters and filtered by DAMON's sample filters (per CPU, write
 * or read); on kernels without it, the reporters aggregate in maps and the view is built from
 * them, without touching DAMON.
 */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "damon/damon.h"
#include "bpf/reporter.h"
#include "reporter.skel.h"
#include "session/session.h"
#include "spec/spec.h"
#include "lib/util.h"
#include "view/view.h"

static const char doc[] =
"Monitor which memory is accessed, by which CPU, and whether it is written.\n"
"\n"
"USAGE: damon-bpf monitor (--pid PID... | --paddr) [--cpus LIST] [--write-only | --read-only]\n"
"                        [--source fault,perf,pte] [--sample 5ms] [--aggr 100ms]\n"
"                        [--duration 10s] [--interval 1s] [--json] [--record FILE]\n"
"\n"
"Sources: 'fault' reports page faults (tracepoint page_fault_user), 'perf' memory-access\n"
"samples (PEBS/IBS/SPE; the software page-fault event where the CPU has none), 'pte'\n"
"DAMON's own page-table Accessed-bit sampling (which cannot tell CPUs or writes apart).\n"
"On a kernel with the bpf_damon_report_access() kfunc the reports feed a DAMON context of\n"
"this session; elsewhere the reporters aggregate in BPF maps (fallback mode, said at start)\n"
"and DAMON is not touched unless 'pte' is asked for.\n"
"\n"
"The live view lists regions hottest first: ACCESS is DAMON's access rate (nr_accesses of\n"
"aggr/sample), AGE how long the region kept its rate, CPUn R/W the reads and writes the\n"
"reporters saw there on each CPU during the interval.  Ctrl-C stops and removes all that the\n"
"session created (kdamond, BPF links).\n"
"\n"
"EXAMPLES:\n"
"  damon-bpf monitor --pid 4242                      # faults of pid 4242, live view\n"
"  damon-bpf monitor --pid 4242 --cpus 0 --duration 10s\n"
"  damon-bpf monitor --pid 4242 --write-only --json  # one JSON object per interval\n"
"  damon-bpf monitor --pid 4242 --source fault,pte --record run.dbr\n"
"  damon-bpf report run.dbr\n"
EXIT_DOC;

enum {
	OPT_SAMPLE = 256, OPT_AGGR, OPT_UPDATE, OPT_NO_KFUNC, OPT_TOP, OPT_MIN_REGIONS,
	OPT_MAX_REGIONS, OPT_PERIOD, OPT_PIN, OPT_NO_PREFILTER,
};

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Monitor this process (repeat for several)" },
	{ "paddr", 'P', NULL, 0, "Monitor the physical address space" },
	{ "cpus", 'c', "LIST", 0, "Count only accesses on these CPUs (e.g. 0-3,5)" },
	{ "write-only", 'w', NULL, 0, "Count only writes" },
	{ "read-only", 'r', NULL, 0, "Count only reads" },
	{ "source", 's', "LIST", 0, "Access sources: fault, perf, pte (default fault)" },
	{ "sample", OPT_SAMPLE, "TIME", 0, "Sampling interval (default 5ms)" },
	{ "aggr", OPT_AGGR, "TIME", 0, "Aggregation interval (default 100ms)" },
	{ "update", OPT_UPDATE, "TIME", 0, "Regions update interval (default 1s)" },
	{ "min-regions", OPT_MIN_REGIONS, "N", 0, "Minimum number of regions (default 10)" },
	{ "max-regions", OPT_MAX_REGIONS, "N", 0, "Maximum number of regions (default 1000)" },
	{ "duration", 'd', "TIME", 0, "Stop after TIME (default: until Ctrl-C)" },
	{ "interval", 'i', "TIME", 0, "Refresh the view every TIME (default 1s)" },
	{ "json", 'j', NULL, 0, "One JSON object per interval (keys: docs/usage.md)" },
	{ "record", 'o', "FILE", 0, "Also write the snapshots to FILE (see 'report')" },
	{ "top", OPT_TOP, "N", 0, "Regions shown in the table (default 10, 0: all)" },
	{ "perf-period", OPT_PERIOD, "N", 0, "Sample period of the perf source (default 1)" },
	{ "no-kfunc", OPT_NO_KFUNC, NULL, 0, "Aggregate in maps even if the kernel has the kfunc" },
	{ "no-prefilter", OPT_NO_PREFILTER, NULL, 0, "Report every access to DAMON: its sample "
	  "filters alone pick the processes, CPUs and writes (the BPF programs do not sort them "
	  "out first; more reports, same result)" },
	{ "pin", OPT_PIN, "NAME", 0, "Start, pin under /sys/fs/bpf/damon-bpf/NAME and exit "
	  "(see 'status', 'stop')" },
	{},
};

struct monitor_args {
	struct damon_ctx_cfg cfg;
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	bool have_cpus, paddr, no_kfunc, no_prefilter, write_only, read_only;
	bool src_fault, src_perf, src_pte, src_given;
	uint64_t duration_us, interval_us, perf_period;
	const char *record;
	const char *pin;
	struct view_opts view;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct monitor_args *a = state->input;
	uint8_t online[DAMON_BPF_MAX_CPUS];
	uint64_t v;
	long n;
	int i;

	switch (key) {
	case 'p':
		if (parse_int(arg, 1, 1 << 30, &n))
			argp_error(state, "--pid %s: not a process id", arg);
		if (a->cfg.nr_pids == DAMON_MAX_TARGETS)
			argp_error(state, "at most %d --pid", DAMON_MAX_TARGETS);
		a->cfg.pids[a->cfg.nr_pids++] = n;
		break;
	case 'P':
		a->paddr = true;
		break;
	case 'c':
		if (parse_cpulist(arg, a->cpus, DAMON_BPF_MAX_CPUS))
			argp_error(state, "--cpus %s: expected a CPU list like 0-3,5", arg);
		if (online_cpus(online, DAMON_BPF_MAX_CPUS) < 0)
			argp_error(state, "cannot read the online CPUs");
		for (i = 0; i < DAMON_BPF_MAX_CPUS; i++)
			if (a->cpus[i] && !online[i])
				argp_error(state, "--cpus: CPU %d is not online", i);
		a->have_cpus = true;
		break;
	case 'w':
		a->write_only = true;
		break;
	case 'r':
		a->read_only = true;
		break;
	case 's': {
		char *tok, *save = NULL;

		a->src_fault = a->src_perf = a->src_pte = false;
		a->src_given = true;
		for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, "fault"))
				a->src_fault = true;
			else if (!strcmp(tok, "perf"))
				a->src_perf = true;
			else if (!strcmp(tok, "pte"))
				a->src_pte = true;
			else
				argp_error(state, "--source %s: sources are fault, perf and pte", tok);
		}
		break;
	}
	case OPT_SAMPLE:
	case OPT_AGGR:
	case OPT_UPDATE:
	case 'd':
	case 'i':
		if (parse_duration_us(arg, &v) || v == 0)
			argp_error(state, "'%s' is not a time: use a number with us, ms, s, m or h "
				   "(e.g. 5ms, 2s)", arg);
		if ((key == OPT_SAMPLE || key == OPT_AGGR || key == OPT_UPDATE) &&
		    v > MAX_INTERVAL_US)
			argp_error(state, "'%s': DAMON intervals are at most 1h here (e.g. --sample "
				   "5ms --aggr 100ms --update 1s)", arg);
		if (key == OPT_SAMPLE)
			a->cfg.sample_us = v;
		else if (key == OPT_AGGR)
			a->cfg.aggr_us = v;
		else if (key == OPT_UPDATE)
			a->cfg.update_us = v;
		else if (key == 'd')
			a->duration_us = v;
		else
			a->interval_us = v;
		break;
	case OPT_MIN_REGIONS:
	case OPT_MAX_REGIONS:
		if (parse_int(arg, 3, 1 << 24, &n))
			argp_error(state, "'%s': the number of regions is an integer >= 3", arg);
		if (key == OPT_MIN_REGIONS)
			a->cfg.min_nr_regions = n;
		else
			a->cfg.max_nr_regions = n;
		break;
	case 'j':
		a->view.json = true;
		break;
	case 'o':
		a->record = arg;
		break;
	case OPT_TOP:
		if (parse_int(arg, 0, 1 << 20, &n))
			argp_error(state, "--top %s: expected a count", arg);
		a->view.top = n;
		break;
	case OPT_PERIOD:
		if (parse_u64(arg, &a->perf_period) || !a->perf_period)
			argp_error(state, "--perf-period %s: expected a positive count", arg);
		break;
	case OPT_NO_KFUNC:
		a->no_kfunc = true;
		break;
	case OPT_NO_PREFILTER:
		a->no_prefilter = true;
		break;
	case OPT_PIN:
		a->pin = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!a->paddr && !a->cfg.nr_pids)
			argp_error(state, "nothing to monitor: give --pid PID or --paddr");
		if (a->paddr && a->cfg.nr_pids)
			argp_error(state, "--paddr and --pid exclude each other");
		if (a->write_only && a->read_only)
			argp_error(state, "--write-only and --read-only exclude each other");
		if (!a->src_fault && !a->src_perf && !a->src_pte)
			argp_error(state, "--source: no source left");
		if (a->cfg.sample_us > a->cfg.aggr_us)
			argp_error(state, "--sample must not be longer than --aggr");
		if (a->cfg.min_nr_regions > a->cfg.max_nr_regions)
			argp_error(state, "--min-regions is larger than --max-regions");
		if (a->no_prefilter && (a->no_kfunc || !(a->src_fault || a->src_perf)))
			argp_error(state, "--no-prefilter hands the reporters' accesses to DAMON's "
				   "sample filters: it needs the fault or perf source and the kfunc "
				   "(not --no-kfunc)");
		if (a->pin && (a->record || a->duration_us || a->view.json))
			argp_error(state, "--pin starts a session and exits: no --record, --duration "
				   "or --json (use 'damon-bpf status')");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Fallback mode: 2 MiB buckets per process, remembered across snapshots for their age. */
struct bucket {
	uint32_t tgid;
	uint64_t bucket;
	uint32_t last;		/* snapshot index of the last access */
	uint64_t *reads, *writes;
	uint64_t events;
};

struct session {
	struct monitor_args *a;
	struct reporter rep;
	struct damon_session damon;
	struct session_info si;
	struct snapshot snap;
	unsigned int shift;
	struct bucket *buckets;
	int nr_buckets, cap_buckets;
	uint32_t nsnap;
	gzFile rec;
};

static struct bucket *bucket_get(struct session *s, uint32_t tgid, uint64_t b)
{
	struct bucket *k;
	int i;

	for (i = 0; i < s->nr_buckets; i++)
		if (s->buckets[i].tgid == tgid && s->buckets[i].bucket == b)
			return &s->buckets[i];
	if (s->nr_buckets == s->cap_buckets) {
		int cap = s->cap_buckets ? 2 * s->cap_buckets : 64;

		k = realloc(s->buckets, cap * sizeof(*k));
		if (!k)
			return NULL;
		s->buckets = k;
		s->cap_buckets = cap;
	}
	k = &s->buckets[s->nr_buckets];
	memset(k, 0, sizeof(*k));
	k->tgid = tgid;
	k->bucket = b;
	k->reads = calloc(s->si.nr_cpus, sizeof(uint64_t));
	k->writes = calloc(s->si.nr_cpus, sizeof(uint64_t));
	if (!k->reads || !k->writes) {
		free(k->reads);
		free(k->writes);
		return NULL;
	}
	s->nr_buckets++;
	return k;
}

static int cmp_bucket(const void *x, const void *y)
{
	const struct bucket *a = x, *b = y;

	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	return a->bucket < b->bucket ? -1 : a->bucket > b->bucket;
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
		if (nr == cap) {
			struct access_key *k;

			cap = cap ? 2 * cap : 1024;
			k = realloc(keys, cap * sizeof(*k));
			if (!k) {
				free(keys);
				return err("out of memory");
			}
			keys = k;
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
			struct bucket *b = bucket_get(s, keys[i].tgid, keys[i].bucket);

			if (!b) {
				ret = err("out of memory");
				break;
			}
			if (keys[i].cpu < s->si.nr_cpus)
				(keys[i].write ? b->writes : b->reads)[keys[i].cpu] += val.count;
			b->events += val.count;
			b->last = s->nsnap;
		}
	}
	free(keys);
	return ret;
}

static int take_snapshot(struct session *s, double t)
{
	struct monitor_args *a = s->a;
	int i, ret;

	snapshot_clear(&s->snap);
	s->snap.time = t;
	if (reporter_read_stats(&s->rep, s->snap.stats, NULL))
		return -1;

	if (s->si.mode == MODE_DAMON) {
		struct damon_region *regs;
		int n;

		s->snap.max_nr_accesses = a->cfg.aggr_us / a->cfg.sample_us;
		/*
		 * A running kdamond always has regions; an empty list means the update raced
		 * with the kdamond (seen now and then under TCG): ask again.
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

	ret = drain_accesses(s);
	if (ret)
		return ret;
	qsort(s->buckets, s->nr_buckets, sizeof(*s->buckets), cmp_bucket);
	for (i = 0; i < s->nr_buckets; i++) {
		struct bucket *b = &s->buckets[i];
		struct view_region *r;

		r = snapshot_add(&s->snap, s->si.nr_cpus, b->bucket << s->shift,
				 (b->bucket + 1) << s->shift);
		if (!r)
			return err("out of memory");
		r->pid = b->tgid;
		r->nr_accesses = b->events;
		r->age = s->nsnap - b->last;
		memcpy(r->reads, b->reads, s->si.nr_cpus * sizeof(uint64_t));
		memcpy(r->writes, b->writes, s->si.nr_cpus * sizeof(uint64_t));
		b->events = 0;
		memset(b->reads, 0, s->si.nr_cpus * sizeof(uint64_t));
		memset(b->writes, 0, s->si.nr_cpus * sizeof(uint64_t));
	}
	return 0;
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

int cmd_monitor(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, NULL, doc };
	struct monitor_args a = {};
	struct reporter_opts ro = {};
	struct session s = {};
	struct session_file sf;
	bool kfunc, reporting, recorded = false;
	char name[72];
	double start, next, end;
	int i, ret = 1;

	damon_ctx_defaults(&a.cfg);
	a.src_fault = true;
	a.interval_us = 1000000;
	a.view.top = 10;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	s.a = &a;
	s.damon.kdamond = -1;
	snapshot_init(&s.snap);

	if (geteuid() != 0)
		return err("monitoring needs root (BPF and DAMON): run damon-bpf as root"), 1;
	for (i = 0; i < a.cfg.nr_pids; i++)
		if (pid_check_user(a.cfg.pids[i]))
			return 1;

	if (a.pin && session_check_new(a.pin))
		return 1;
	kfunc = !a.no_kfunc && kernel_has_kfunc();
	reporting = a.src_fault || a.src_perf;
	s.si.mode = (kfunc && reporting) || a.src_pte ? MODE_DAMON : MODE_FALLBACK;
	s.si.nr_cpus = libbpf_num_possible_cpus();
	s.si.sample_us = a.cfg.sample_us;
	s.si.aggr_us = a.cfg.aggr_us;
	if (a.paddr && s.si.mode == MODE_FALLBACK)
		return err("--paddr needs DAMON: use a kernel with the kfunc, or --source pte"), 1;
	if (a.no_prefilter && !kfunc)
		return err("--no-prefilter: this kernel has no bpf_damon_report_access() kfunc, so "
			   "no DAMON sample filter would see the accesses"), 1;
	if (reporting && !kfunc)
		info("damon-bpf: this kernel has no bpf_damon_report_access() kfunc: the reporters "
		     "aggregate in BPF maps (fallback mode)%s",
		     a.src_pte ? "; DAMON samples page tables only" : "");
	if (s.si.mode == MODE_FALLBACK && (a.cfg.sample_us != 5000 || a.cfg.aggr_us != 100000))
		info("damon-bpf: --sample/--aggr have no effect in fallback mode");
	describe(&s);

	/* The owner record: written before the kdamond, the links or the pins exist. */
	if (a.pin)
		snprintf(name, sizeof(name), "%s", a.pin);
	else
		snprintf(name, sizeof(name), "monitor-%d", getpid());
	session_file_init(&sf, a.pin ? "pinned" : "monitor");
	sf.first_pid = a.cfg.nr_pids ? a.cfg.pids[0] : -1;
	snprintf(sf.desc, sizeof(sf.desc), "%s", s.si.desc);
	if (s.si.mode == MODE_DAMON) {
		strcpy(a.cfg.ops, a.paddr ? "paddr" : "vaddr");
		a.cfg.page_table = a.src_pte;
		a.cfg.page_fault = kfunc && reporting;
		a.cfg.cpus = a.have_cpus ? a.cpus : NULL;
		a.cfg.rw = a.write_only ? RW_WRITES : a.read_only ? RW_READS : RW_BOTH;
		/* Reports must pass DAMON's filters; page-table samples know no CPU or write bit. */
		if (a.src_pte && (a.have_cpus || a.write_only || a.read_only) && !a.cfg.page_fault)
			return err("--cpus, --write-only and --read-only need a reporting source "
				   "(fault or perf) on a kernel with the kfunc: page-table sampling "
				   "cannot tell CPUs or writes apart"), 1;
		a.cfg.nr_schemes = 1;
		a.cfg.schemes[0] = (struct damon_scheme_cfg){
			.action = "stat",
			.pattern = { 0, UINT64_MAX, 0, UINT32_MAX, 0, UINT32_MAX },
			.target_nid = -1,	/* every target's regions: no filter */
		};
		if (damon_check() || session_claim(name, &sf, &s.damon))
			goto out;
		recorded = true;
		/* DAMON listens first, so that the first reports are not dropped for want of a
		 * context. */
		if (damon_apply(&s.damon, &a.cfg) || damon_start(&s.damon) ||
		    session_started(name, &sf, &s.damon))
			goto out;
	} else {
		if (session_write(name, &sf))
			goto out;
		recorded = true;
	}

	ro.fault = a.src_fault;
	ro.perf = a.src_perf;
	ro.no_kfunc = !kfunc;
	ro.aggregate = true;
	/* Without the pre-filter DAMON's sample filters (and its targets) alone decide. */
	ro.tgids = a.paddr || a.no_prefilter ? NULL : a.cfg.pids;
	ro.nr_tgids = ro.tgids ? a.cfg.nr_pids : 0;
	ro.cpus = a.have_cpus && !a.no_prefilter ? a.cpus : NULL;
	ro.rw = a.no_prefilter ? RW_BOTH : a.write_only ? RW_WRITES : a.read_only ? RW_READS :
		RW_BOTH;
	ro.perf_period = a.perf_period;
	/* Fine buckets attribute accesses to DAMON's regions; 2 MiB ones are fallback regions. */
	s.shift = s.si.mode == MODE_DAMON ? 12 : DAMON_BPF_BUCKET_SHIFT;
	ro.bucket_shift = s.shift;
	/* With pte alone no program attaches; the (empty) counters and map still serve the view. */
	if (reporter_start(&s.rep, &ro))
		goto out;
	if (a.src_perf && s.rep.perf_source == s.rep.perf_why)
		info("damon-bpf: perf source: %s", s.rep.perf_source);
	else if (a.src_perf)
		info("damon-bpf: perf source: %s (%s)", s.rep.perf_source, s.rep.perf_why);
	if (a.src_fault)
		info("damon-bpf: fault source: page_fault_user (%s)", s.rep.fault_variant);

	if (a.pin) {
		/* Half pinned, the pins are removed again; the kdamond and record go below. */
		if (session_pin(a.pin, &sf, &s.rep, &s.damon))
			goto out;
		info("damon-bpf: session %s runs on: 'damon-bpf status', 'damon-bpf stop %s'", a.pin,
		     a.pin);
		s.damon.kdamond = -1;	/* the pinned session owns it now */
		recorded = false;
		ret = 0;
		goto out;
	}
	if (a.record && !(s.rec = record_create(a.record, &s.si)))
		goto out;

	start = monotonic_s();
	end = a.duration_us ? start + a.duration_us / 1e6 : 0;
	next = start;
	while (!exiting) {
		next += a.interval_us / 1e6;
		if (end && next > end)
			next = end;
		sleep_until(next);
		if (exiting)
			break;
		if (s.si.mode == MODE_DAMON && !damon_running(&s.damon)) {
			if (a.paddr || any_pid_alive(a.cfg.pids, a.cfg.nr_pids)) {
				err("the kdamond stopped while the session ran: turned off from "
				    "outside, or it failed (see dmesg)");
				goto out;
			}
			info("damon-bpf: the kdamond stopped (all targets exited)");
			ret = 0;
			goto out;
		}
		if (take_snapshot(&s, monotonic_s() - start))
			goto out;
		s.nsnap++;
		view_print(stdout, &s.si, &s.snap, &a.view);
		if (s.rec && record_write(s.rec, &s.si, &s.snap))
			goto out;
		if (end && monotonic_s() >= end - 1e-3)
			break;
		if (s.si.mode == MODE_FALLBACK) {
			bool alive = false;

			for (i = 0; i < a.cfg.nr_pids; i++)
				alive |= pid_alive(a.cfg.pids[i]);
			if (!alive) {
				info("damon-bpf: all target processes exited");
				break;
			}
		}
	}
	ret = 0;
out:
	if (s.rec && gzclose(s.rec) != Z_OK && !ret)
		ret = err("%s: write failed", a.record);
	reporter_stop(&s.rep);
	if (recorded)
		session_end(name, &s.damon);
	else
		damon_release(&s.damon);
	snapshot_free(&s.snap);
	for (i = 0; i < s.nr_buckets; i++) {
		free(s.buckets[i].reads);
		free(s.buckets[i].writes);
	}
	free(s.buckets);
	return ret ? 1 : 0;
}

/* damon-bpf start NAME [monitor options]: monitor --pin NAME. */
int cmd_start(int argc, char **argv)
{
	char **av;
	int i, ret;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			printf("USAGE: damon-bpf start NAME [monitor options]\n\n"
			       "Starts a session as 'damon-bpf monitor --pin NAME' does: it runs on\n"
			       "after damon-bpf exits, until 'damon-bpf stop NAME'.\n\n"
			       "EXAMPLES:\n"
			       "  damon-bpf start hot --pid 4242 --write-only\n"
			       "  damon-bpf status; damon-bpf stop hot\n");
			return 0;
		}
		return err("usage: damon-bpf start NAME [monitor options]"), EXIT_USAGE;
	}
	av = calloc(argc + 3, sizeof(*av));
	if (!av)
		return err("out of memory"), EXIT_RUNTIME;
	av[0] = argv[0];
	av[1] = "--pin";
	av[2] = argv[1];
	for (i = 2; i < argc; i++)
		av[i + 1] = argv[i];
	ret = cmd_monitor(argc + 1, av);
	free(av);
	return ret;
}
