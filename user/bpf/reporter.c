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

static int perf_event_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

#define PMU_DIR "/sys/bus/event_source/devices"

/* A memory-access sampling event, from the PMU's sysfs description. */
struct sampler {
	const char *name;		/* "mem-loads", "mem-stores", "ibs_op" */
	struct perf_event_attr attr;
};

static int pmu_type(const char *pmu, uint32_t *type)
{
	char path[256], buf[32];
	long v;

	snprintf(path, sizeof(path), PMU_DIR "/%s/type", pmu);
	if (read_file(path, buf, sizeof(buf)) < 0 || parse_int(strtok(buf, "\n"), 0, INT32_MAX, &v))
		return -1;
	*type = v;
	return 0;
}

/*
 * Sets attr from a sysfs event string such as "event=0xcd,umask=0x1,ldlat=3": each term's
 * place comes from the PMU's format/ files ("config:0-7", "config1:0-15").
 */
static int pmu_event(const char *pmu, const char *event, struct perf_event_attr *attr)
{
	char path[256], buf[256], fmt[64], *term, *save = NULL;

	snprintf(path, sizeof(path), PMU_DIR "/%s/events/%s", pmu, event);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (term = strtok_r(strtok(buf, "\n"), ",", &save); term; term = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(term, '='), field[16];
		uint64_t val = 1, *dst;
		unsigned int lo, hi;

		if (eq) {
			*eq = '\0';
			if (parse_u64(eq + 1, &val))
				return -1;
		}
		snprintf(path, sizeof(path), PMU_DIR "/%s/format/%s", pmu, term);
		if (read_file(path, fmt, sizeof(fmt)) < 0 ||
		    sscanf(fmt, "%15[a-z0-9]:%u-%u", field, &lo, &hi) < 2)
			return -1;
		if (!strcmp(field, "config"))
			dst = (uint64_t *)&attr->config;
		else if (!strcmp(field, "config1"))
			dst = (uint64_t *)&attr->config1;
		else if (!strcmp(field, "config2"))
			dst = (uint64_t *)&attr->config2;
		else
			return -1;
		*dst |= val << lo;
	}
	return 0;
}

/*
 * Finds the CPU's memory-access samplers: Intel PEBS (the cpu PMU's mem-loads and
 * mem-stores events), AMD IBS (the ibs_op PMU).  Arm SPE writes to an AUX buffer that BPF
 * programs cannot read, so it is named and not used.  Returns how many were found; why
 * says what was looked for when none.
 */
static int detect_samplers(struct sampler *out, uint64_t period, char *why, size_t len)
{
	static const char *const intel[] = { "mem-loads", "mem-stores" };
	uint32_t type;
	int n = 0;
	size_t i;

	if (!pmu_type("cpu", &type)) {
		for (i = 0; i < ARRAY_SIZE(intel); i++) {
			struct perf_event_attr a = { .size = sizeof(a), .type = type };

			if (pmu_event("cpu", intel[i], &a))
				continue;
			a.precise_ip = 2;	/* PEBS: the sampled instruction's own data address */
			out[n].name = intel[i];
			out[n++].attr = a;
		}
	}
	if (!n && !pmu_type("ibs_op", &type)) {
		out[n].name = "ibs_op";
		out[n++].attr = (struct perf_event_attr){ .size = sizeof(struct perf_event_attr),
							  .type = type };
	}
	for (i = 0; i < (size_t)n; i++) {
		out[i].attr.sample_period = period;
		out[i].attr.sample_type = PERF_SAMPLE_ADDR | PERF_SAMPLE_DATA_SRC |
					  PERF_SAMPLE_PHYS_ADDR;
		out[i].attr.exclude_kernel = 1;
	}
	if (!n)
		snprintf(why, len, "%s", !access(PMU_DIR "/arm_spe_0", F_OK) ?
			 "Arm SPE found, but it writes to an AUX buffer that BPF cannot read" :
			 "no memory-access sampler: no " PMU_DIR "/cpu/events/mem-loads (Intel PEBS) "
			 "nor " PMU_DIR "/ibs_op (AMD IBS)");
	return n;
}

/* Opens ev on every online CPU and attaches the program; on failure closes what it opened. */
static int attach_event(struct reporter *r, struct perf_event_attr *ev, const uint8_t *online)
{
	int cpu, first = r->nr_perf;

	for (cpu = 0; cpu < DAMON_BPF_MAX_CPUS; cpu++) {
		struct bpf_link *l;
		int fd;

		if (!online[cpu])
			continue;
		fd = perf_event_open(ev, cpu);
		if (fd < 0)
			goto fail;
		l = bpf_program__attach_perf_event(r->skel->progs.on_sample, fd);
		if (!l) {
			close(fd);
			goto fail;
		}
		r->perf_fds[r->nr_perf] = fd;
		r->perf_links[r->nr_perf++] = l;
	}
	return 0;
fail:
	cpu = errno;
	while (r->nr_perf > first) {
		r->nr_perf--;
		bpf_link__destroy(r->perf_links[r->nr_perf]);
		close(r->perf_fds[r->nr_perf]);
	}
	errno = cpu;
	return -1;
}

/*
 * One sampling event per online CPU: the memory-access samplers the CPU has, else the
 * software page-fault event (period 1, PERF_SAMPLE_ADDR), which works everywhere, the QEMU
 * guest included.  perf_source says which runs, and why the others do not.
 */
static int attach_perf(struct reporter *r, const struct reporter_opts *o, struct sampler *hw,
		       int nr_hw, const char *why)
{
	struct perf_event_attr sw = {
		.size = sizeof(sw),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = o->perf_period ? o->perf_period : 1,
		.sample_type = PERF_SAMPLE_ADDR,
		.exclude_kernel = 1,
	};
	uint8_t online[DAMON_BPF_MAX_CPUS];
	int i;

	if (online_cpus(online, DAMON_BPF_MAX_CPUS) < 0)
		return err("cannot read /sys/devices/system/cpu/online: %s", strerror(errno));
	r->perf_fds = calloc(2 * DAMON_BPF_MAX_CPUS, sizeof(*r->perf_fds));
	r->perf_links = calloc(2 * DAMON_BPF_MAX_CPUS, sizeof(*r->perf_links));
	if (!r->perf_fds || !r->perf_links)
		return err("out of memory");
	for (i = 0; i < nr_hw; i++) {
		if (attach_event(r, &hw[i].attr, online)) {
			snprintf(r->perf_why, sizeof(r->perf_why), "%s: perf_event_open: %s",
				 hw[i].name, strerror(errno));
			break;
		}
	}
	if (nr_hw && i == nr_hw) {
		snprintf(r->perf_why, sizeof(r->perf_why), "%s%s%s (sample period %llu)", hw[0].name,
			 nr_hw > 1 ? " + " : "", nr_hw > 1 ? hw[1].name : "",
			 (unsigned long long)hw[0].attr.sample_period);
		r->perf_source = r->perf_why;
		return 0;
	}
	/* Some hardware event failed: none of them, the software event instead. */
	while (r->nr_perf) {
		r->nr_perf--;
		bpf_link__destroy(r->perf_links[r->nr_perf]);
		close(r->perf_fds[r->nr_perf]);
	}
	if (!nr_hw)
		snprintf(r->perf_why, sizeof(r->perf_why), "%s", why);
	if (attach_event(r, &sw, online))
		return err("perf_event_open(software page-faults): %s", strerror(errno));
	r->perf_source = "software page-faults";
	return 0;
}

int reporter_start(struct reporter *r, const struct reporter_opts *o)
{
	struct reporter_bpf *skel;
	struct sampler hw[2];
	char why[256] = "";
	int i, ret, nr_hw = 0;
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
		nr_hw = detect_samplers(hw, o->perf_period ? o->perf_period : 10007, why,
					sizeof(why));
		skel->rodata->sample_data_src = nr_hw > 0;
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
	if (o->perf && attach_perf(r, o, hw, nr_hw, why))
		return -1;
	return 0;
}

void reporter_stop(struct reporter *r)
{
	int i;

	for (i = 0; i < r->nr_perf; i++) {
		bpf_link__destroy(r->perf_links[i]);
		close(r->perf_fds[i]);
	}
	free(r->perf_links);
	free(r->perf_fds);
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
