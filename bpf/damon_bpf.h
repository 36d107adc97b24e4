/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * damon-bpf: the contract between the BPF reporters (bpf/) and the loader (user/).
 * Fixed-width types and constants only; no kernel headers.
 */
#ifndef DAMON_BPF_H
#define DAMON_BPF_H

/*
 * Flags of the kfunc
 *   int bpf_damon_report_access(u64 vaddr, u64 paddr, u64 size, u64 flags)
 * (kernel/patches, mm/damon/bpf.c).  Unknown bits are refused with -EINVAL.
 */
#define DAMON_BPF_F_WRITE	(1ULL << 0)	/* the access was a write */
#define DAMON_BPF_F_PADDR	(1ULL << 1)	/* @paddr is valid */
#define DAMON_BPF_F_NO_VADDR	(1ULL << 2)	/* @vaddr is not known (paddr-only report) */
#define DAMON_BPF_SRC_SHIFT	8		/* bits 8..11: the reporting source */
#define DAMON_BPF_SRC_BPF	0		/* unspecified BPF reporter */
#define DAMON_BPF_SRC_FAULT	1		/* page fault */
#define DAMON_BPF_SRC_PERF	2		/* perf sample (PEBS/IBS/SPE or software event) */

/* Index of the reporter counters: the fields of struct damon_bpf_stats, in order. */
enum damon_bpf_stat {
	STAT_SEEN = 0,		/* events the program ran for */
	STAT_FILTERED,		/* not a target tgid, CPU outside the mask, kernel address */
	STAT_REPORTED,		/* kfunc returned 0 */
	STAT_DROP_FULL,		/* kfunc: -ENOSPC, this CPU's ring was full */
	STAT_DROP_BUSY,		/* kfunc: -EBUSY, nested report on this CPU */
	STAT_DROP_NOCTX,	/* kfunc: -ENOENT, no DAMON context listens */
	STAT_DROP_INVAL,	/* kfunc: -EINVAL */
	STAT_AGGREGATED,	/* fallback: counted in the "accesses" map */
	STAT_AGG_FULL,		/* fallback: "accesses" map full */
	STAT_READS,		/* accepted read accesses */
	STAT_WRITES,		/* accepted write accesses */
	STAT_MAX,
};

/*
 * Map "stats": a per-CPU array of one struct damon_bpf_stats, so that
 * "bpftool map dump pinned .../stats" prints each counter by name.  The fields are in the
 * order of enum damon_bpf_stat, and the loader reads them as __u64[STAT_MAX].
 */
struct damon_bpf_stats {
	__u64 seen;
	__u64 filtered;
	__u64 reported;
	__u64 drop_full;
	__u64 drop_busy;
	__u64 drop_noctx;
	__u64 drop_inval;
	__u64 aggregated;
	__u64 agg_full;
	__u64 reads;
	__u64 writes;
};

/* Rodata "only_writes" of the reporters, and the loader's read/write filter. */
enum rw_filter { RW_BOTH = 0, RW_WRITES = 1, RW_READS = 2 };

#define DAMON_BPF_MAX_CPUS	256
#define DAMON_BPF_BUCKET_SHIFT	21	/* default aggregation granule: 2 MiB */

/* Key of the fallback aggregation map "accesses" (hash). */
struct access_key {
	__u32 tgid;
	__u32 cpu;
	__u64 bucket;		/* vaddr >> bucket_shift (rodata, default DAMON_BPF_BUCKET_SHIFT) */
	__u32 write;		/* 0 read, 1 write */
	__u32 pad;
};

/* The value of "accesses": the count alone, as every field costs a write on every access. */
struct access_val {
	__u64 count;
};

#endif /* DAMON_BPF_H */
