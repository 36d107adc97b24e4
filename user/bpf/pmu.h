/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: the reporters' perf source (bpf/pmu.c).  pmu_plan() reads the PMUs' sysfs
 * descriptions and says which perf events to open, on which CPUs, with which attributes;
 * pmu_attach() opens each event of the plan on its own and attaches the BPF program.
 */
#ifndef DAMON_BPF_BPF_PMU_H
#define DAMON_BPF_BPF_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "damon_bpf.h"

/* Sample period of the hardware samplers when none is asked for (prime: beats no loop). */
#define PMU_HW_PERIOD 10007
#define PMU_MAX_EVENTS 8

/*
 * Test and debugging aids (docs/usage.md, tests/host/pmu_rules.py), read from the
 * environment: a directory used instead of /sys/bus/event_source/devices, a file instead of
 * /sys/devices/system/cpu/online, and PMU/EVENT[@CPU],... whose perf_event_open() fails
 * (EINVAL, "injected"), e.g. "cpu/mem-loads" or "cpu_core/mem-stores@3".
 */
#define PMU_ENV_SYSFS "DAMON_BPF_SYSFS_EVENT_SOURCE"
#define PMU_ENV_ONLINE "DAMON_BPF_SYSFS_CPU_ONLINE"
#define PMU_ENV_FAIL "DAMON_BPF_PERF_FAIL"

/* One perf event of the plan, opened once on each of its CPUs. */
struct pmu_event {
	char pmu[32];			/* sysfs name: "cpu", "cpu_core", "ibs_op", "software" */
	char name[32];			/* "mem-loads", "mem-stores", "mem-loads-aux", ... */
	struct perf_event_attr attr;
	int leader;			/* index of its group leader in the plan, or -1 */
	bool leader_only;		/* opened only as the leader of the event that needs it */
	uint8_t cpus[DAMON_BPF_MAX_CPUS];	/* the online CPUs of its PMU */
	char note[256];			/* how the attributes were chosen */
};

struct pmu_plan {
	struct pmu_event ev[PMU_MAX_EVENTS];	/* leaders before the events they lead */
	int nr;
	int nr_samplers;		/* events that sample (not leader_only) */
	uint64_t period;		/* the hardware samplers' period asked for */
	struct pmu_event fallback;	/* the software page-fault event */
	char root[256];			/* the sysfs directory read */
	char why[512];			/* what was left out and why, or why nothing was found */
};

/*
 * The perf events of the reporters and their links: links[i] on fds[i], one per event and CPU
 * (a counting group leader has its link too, which never runs but keeps the group whole in
 * pinned sessions).
 */
struct perf_set {
	int *fds;
	struct bpf_link **links;
	int nr;
	const char *source;		/* what samples; == why when there is no more to say */
	char desc[512];
	char why[768];			/* what was left out or failed to open, and why */
};

/*
 * Fills p from the PMUs' sysfs files: Intel PEBS mem-loads/mem-stores per core PMU (cpu, or
 * the hybrid cpu_core/cpu_atom), else AMD IBS op; with period (0: PMU_HW_PERIOD for them, 1
 * for the software event).  Returns the number of sampling events (0: only the fallback),
 * or -1 (said) when the online CPUs cannot be read.
 */
int pmu_plan(struct pmu_plan *p, uint64_t period);
/*
 * Opens each event of the plan on its CPUs, each on its own: one that fails is closed on
 * all its CPUs and said in ps->why, the others are used; only when none opens, the software
 * page-fault event.  0, or -1 (said) when not even that opens.
 */
int pmu_attach(struct perf_set *ps, struct bpf_program *prog, const struct pmu_plan *p);
/* Destroys every perf link and event of ps. */
void pmu_detach(struct perf_set *ps);

#endif
