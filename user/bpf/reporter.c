// SPDX-License-Identifier: GPL-2.0
/* damon-bpf: load, configure and attach the BPF reporters (bpf/reporter.bpf.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/reporter.h"
#include "reporter.skel.h"
#include "lib/util.h"

static bool vmlinux_has(const char *name, int kind)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found;

	if (!btf)
		return false;
	found = btf__find_by_name_kind(btf, name, kind) >= 0;
	btf__free(btf);
	return found;
}

bool kernel_has_kfunc(void)
{
	return vmlinux_has("bpf_damon_report_access", BTF_KIND_FUNC);
}


int reporter_start(struct reporter *r, const struct reporter_opts *o)
{
	struct reporter_bpf *skel;
	struct pmu_plan plan;
	int i, ret;
	bool btf_tp;

	memset(r, 0, sizeof(*r));
	r->nr_cpus = libbpf_num_possible_cpus();
	if (r->nr_cpus <= 0)
		return err("cannot count possible CPUs");
	r->kfunc = !o->no_kfunc && kernel_has_kfunc();

	skel = reporter_bpf__open();
	if (!skel)
		return err("opening the BPF object: %s", strerror(errno));
	r->skel = skel;
	skel->rodata->filter_tgid = o->tgids != NULL;
	skel->rodata->filter_cpu = o->cpus != NULL;
	skel->rodata->use_kfunc = r->kfunc;
	skel->rodata->aggregate = o->aggregate;
	skel->rodata->only_writes = o->rw;
	if (o->bucket_shift)
		skel->rodata->bucket_shift = o->bucket_shift;
	/* Reporting only, the programs never count there: no 65536 preallocated entries. */
	if (r->kfunc && !o->aggregate &&
	    bpf_map__set_max_entries(skel->maps.accesses, 1))
		return err("sizing the accesses map: %s", strerror(errno));
	if (o->addr_max) {
		skel->rodata->addr_min = o->addr_min;
		skel->rodata->addr_max = o->addr_max;
	}

	/* tp_btf where the kernel's BTF knows the tracepoint, raw_tp otherwise. */
	btf_tp = !o->fault_raw && vmlinux_has("btf_trace_page_fault_user", BTF_KIND_TYPEDEF);
	bpf_program__set_autoload(skel->progs.fault_btf, o->fault && btf_tp);
	bpf_program__set_autoload(skel->progs.fault_raw, o->fault && !btf_tp);
	bpf_program__set_autoload(skel->progs.on_sample, o->perf);
	r->fault_variant = o->fault ? (btf_tp ? "tp_btf" : "raw_tp") : NULL;
	if (o->perf) {
		/* Period 0: PMU_HW_PERIOD for the hardware samplers, 1 for the software event. */
		ret = pmu_plan(&plan, o->perf_period);
		if (ret < 0)
			return -1;
		skel->rodata->sample_data_src = ret > 0;
	}

	ret = reporter_bpf__load(skel);
	if (ret)
		return err("loading the BPF programs: %s (run with -v for the verifier log)",
			   strerror(-ret));

	for (i = 0; o->tgids && i < o->nr_tgids; i++)
		if (reporter_set_target(r, o->tgids[i], true))
			return -1;
	if (o->cpus) {
		for (i = 0; i < DAMON_BPF_MAX_CPUS; i++) {
			uint32_t k = i;
			uint8_t v = o->cpus[i];

			if (v && bpf_map_update_elem(bpf_map__fd(skel->maps.cpus), &k, &v, 0))
				return err("setting the CPU mask: %s", strerror(errno));
		}
	}

	if (o->fault) {
		struct bpf_program *p = btf_tp ? skel->progs.fault_btf : skel->progs.fault_raw;
		struct bpf_link *l = btf_tp ? bpf_program__attach(p)
					    : bpf_program__attach_raw_tracepoint(p, "page_fault_user");

		if (!l)
			return err("attaching to the page_fault_user tracepoint: %s", strerror(errno));
		if (btf_tp)
			skel->links.fault_btf = l;
		else
			skel->links.fault_raw = l;
	}
	if (o->perf && pmu_attach(&r->perf, skel->progs.on_sample, &plan))
		return -1;
	return 0;
}

void reporter_stop(struct reporter *r)
{
	pmu_detach(&r->perf);
	reporter_bpf__destroy(r->skel);
	memset(r, 0, sizeof(*r));
}

_Static_assert(sizeof(struct damon_bpf_stats) == STAT_MAX * sizeof(uint64_t),
	       "struct damon_bpf_stats must list the counters of enum damon_bpf_stat");

int stats_read_fd(int fd, int nr_cpus, uint64_t *total, uint64_t (*per_cpu)[STAT_MAX])
{
	struct damon_bpf_stats *vals;
	uint32_t zero = 0;
	int cpu, k;

	vals = calloc(nr_cpus, sizeof(*vals));
	if (!vals)
		return err("out of memory");
	if (bpf_map_lookup_elem(fd, &zero, vals)) {
		free(vals);
		return err("reading the stats map: %s", strerror(errno));
	}
	memset(total, 0, STAT_MAX * sizeof(*total));
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		const uint64_t *v = (const uint64_t *)&vals[cpu];

		for (k = 0; k < STAT_MAX; k++) {
			total[k] += v[k];
			if (per_cpu)
				per_cpu[cpu][k] = v[k];
		}
	}
	free(vals);
	return 0;
}

int reporter_read_stats(struct reporter *r, uint64_t *total, uint64_t (*per_cpu)[STAT_MAX])
{
	return stats_read_fd(bpf_map__fd(r->skel->maps.stats), r->nr_cpus, total, per_cpu);
}

int reporter_set_target(struct reporter *r, int tgid, bool on)
{
	int fd = bpf_map__fd(r->skel->maps.targets);
	uint32_t k = tgid;
	uint8_t v = 1;

	if (on ? bpf_map_update_elem(fd, &k, &v, 0) : bpf_map_delete_elem(fd, &k))
		return err("pid %d: updating the targets map: %s", tgid, strerror(errno));
	return 0;
}
