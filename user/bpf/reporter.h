/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damon-bpf: load, configure and attach the BPF reporters (bpf/reporter.bpf.c).
 *
 * Layer bpf/: the libbpf skeletons, their rodata, maps and links (reporter.c), and the perf
 * source with PMU detection (pmu.c).  Knows nothing of DAMON sysfs or sessions; may call
 * lib/ only.  Called by session/.
 */
#ifndef DAMON_BPF_REPORTER_H
#define DAMON_BPF_REPORTER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/pmu.h"
#include "damon_bpf.h"

struct reporter_opts {
	bool fault;			/* page_fault_user tracepoint */
	bool fault_raw;			/* the raw_tp variant even where tp_btf exists */
	bool perf;			/* perf sampling events, one per online CPU */
	bool no_kfunc;			/* aggregate in maps even when the kfunc exists */
	bool aggregate;			/* aggregate in maps in addition to reporting (bench) */
	const int *tgids;		/* report only these processes (NULL: all) */
	int nr_tgids;
	const uint8_t *cpus;		/* report only these CPUs (NULL: all) */
	uint64_t addr_min, addr_max;	/* 0, 0: any address */
	enum rw_filter rw;
	uint64_t perf_period;		/* perf sample period (0: PMU_HW_PERIOD, software 1) */
	unsigned int bucket_shift;	/* granule of the "accesses" map (0: 2 MiB) */
};

struct reporter {
	struct reporter_bpf *skel;
	bool kfunc;			/* the kernel has bpf_damon_report_access() */
	const char *fault_variant;	/* "tp_btf" or "raw_tp" */
	int nr_cpus;			/* possible CPUs (per-CPU map values) */
	struct perf_set perf;		/* the perf source's events and links */
};

/* Whether the running kernel's BTF has the kfunc. */
bool kernel_has_kfunc(void);
int reporter_start(struct reporter *r, const struct reporter_opts *o);
void reporter_stop(struct reporter *r);
/* Sums the per-CPU counters into total[STAT_MAX]; per_cpu (may be NULL) gets nr_cpus rows. */
int reporter_read_stats(struct reporter *r, uint64_t *total, uint64_t (*per_cpu)[STAT_MAX]);
/* The same from a stats map fd (e.g. a pinned one). */
int stats_read_fd(int fd, int nr_cpus, uint64_t *total, uint64_t (*per_cpu)[STAT_MAX]);
int reporter_set_target(struct reporter *r, int tgid, bool on);
int reporter_map_fd(struct reporter *r, const char *name);

#endif
