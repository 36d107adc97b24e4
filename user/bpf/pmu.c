// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the perf source of the reporters: which memory-access sampler the CPU has
 * (Intel PEBS, AMD IBS; Arm SPE named, not used), set up from the PMU's sysfs description,
 * else the software page-fault event; one event and one BPF link per online CPU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>

#include <linux/types.h>
#include "bpf/pmu.h"
#include "damon_bpf.h"
#include "lib/util.h"

#define PMU_DIR "/sys/bus/event_source/devices"

/* Destroys the perf links (and closes their events) from the last one down to index keep. */
static void perf_detach(struct perf_set *r, int keep)
{
	while (r->nr > keep) {
		r->nr--;
		bpf_link__destroy(r->links[r->nr]);
		close(r->fds[r->nr]);
	}
}

void pmu_detach(struct perf_set *r)
{
	perf_detach(r, 0);
	free(r->links);
	free(r->fds);
}

static int perf_event_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

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
int pmu_detect(struct sampler *out, uint64_t period, char *why, size_t len)
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
static int attach_event(struct perf_set *r, struct bpf_program *prog, struct perf_event_attr *ev,
			const uint8_t *online)
{
	int cpu, first = r->nr;

	for (cpu = 0; cpu < DAMON_BPF_MAX_CPUS; cpu++) {
		struct bpf_link *l;
		int fd;

		if (!online[cpu])
			continue;
		fd = perf_event_open(ev, cpu);
		if (fd < 0)
			goto fail;
		l = bpf_program__attach_perf_event(prog, fd);
		if (!l) {
			close(fd);
			goto fail;
		}
		r->fds[r->nr] = fd;
		r->links[r->nr++] = l;
	}
	return 0;
fail:
	cpu = errno;
	perf_detach(r, first);
	errno = cpu;
	return -1;
}

/*
 * One sampling event per online CPU: the memory-access samplers the CPU has, else the
 * software page-fault event (period 1, PERF_SAMPLE_ADDR), which works everywhere, the QEMU
 * guest included.  perf_source says which runs, and why the others do not.
 */
int pmu_attach(struct perf_set *r, struct bpf_program *prog, uint64_t period, struct sampler *hw,
	       int nr_hw, const char *why)
{
	struct perf_event_attr sw = {
		.size = sizeof(sw),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = period ? period : 1,
		.sample_type = PERF_SAMPLE_ADDR,
		.exclude_kernel = 1,
	};
	uint8_t online[DAMON_BPF_MAX_CPUS];
	int i;

	if (online_cpus(online, DAMON_BPF_MAX_CPUS) < 0)
		return err("cannot read /sys/devices/system/cpu/online: %s", strerror(errno));
	r->fds = calloc(2 * DAMON_BPF_MAX_CPUS, sizeof(*r->fds));
	r->links = calloc(2 * DAMON_BPF_MAX_CPUS, sizeof(*r->links));
	if (!r->fds || !r->links)
		return err("out of memory");
	for (i = 0; i < nr_hw; i++) {
		if (attach_event(r, prog, &hw[i].attr, online)) {
			snprintf(r->why, sizeof(r->why), "%s: perf_event_open: %s",
				 hw[i].name, strerror(errno));
			break;
		}
	}
	if (nr_hw && i == nr_hw) {
		snprintf(r->why, sizeof(r->why), "%s%s%s (sample period %llu)", hw[0].name,
			 nr_hw > 1 ? " + " : "", nr_hw > 1 ? hw[1].name : "",
			 (unsigned long long)hw[0].attr.sample_period);
		r->source = r->why;
		return 0;
	}
	/* Some hardware event failed: none of them, the software event instead. */
	perf_detach(r, 0);
	if (!nr_hw)
		snprintf(r->why, sizeof(r->why), "%s", why);
	if (attach_event(r, prog, &sw, online))
		return err("perf_event_open(software page-faults): %s", strerror(errno));
	r->source = "software page-faults";
	return 0;
}
