// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf reporters: turn page faults and perf samples into DAMON access reports.
 *
 * On a kernel with the bpf_damon_report_access() kfunc (kernel/patches), every accepted access
 * is pushed to DAMON; DAMON's sample filters, regions and probes (the per-CPU and write
 * breakdown) do the rest, and the programs keep only their per-CPU counters.  On a kernel
 * without it (stock kernels), the weak kfunc resolves to NULL and the same programs aggregate
 * accesses in the "accesses" map for the loader to report from.  Which of the two runs is
 * known at load (rodata use_kfunc and aggregate, the weak kfunc's address), so the verifier
 * prunes the other: in DAMON mode no map update, nor its helpers, is left on the fault path.  The loader picks the variants to load:
 * fault_btf (tp_btf) where BTF-enabled tracepoints exist, else fault_raw (raw_tp).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "damon_bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Tunables, set by the loader before load. */
const volatile bool filter_tgid;	/* report only tgids in "targets" */
const volatile bool filter_cpu;		/* report only CPUs set in "cpus" */
const volatile bool use_kfunc = true;	/* false: aggregate even if the kfunc exists */
const volatile bool aggregate;		/* also count in "accesses" when reporting (bench) */
const volatile __u64 addr_min;		/* report only addresses in [addr_min, addr_max) */
const volatile __u64 addr_max = ~0ULL;
const volatile __u64 report_size = 4096;	/* bytes each report covers */
const volatile __u32 only_writes;	/* enum rw_filter */
const volatile __u32 bucket_shift = DAMON_BPF_BUCKET_SHIFT;	/* "accesses" granule */

extern int bpf_damon_report_access(__u64 vaddr, __u64 paddr, __u64 size, __u64 flags) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct damon_bpf_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);	/* tgid */
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DAMON_BPF_MAX_CPUS);
	__type(key, __u32);	/* cpu */
	__type(value, __u8);	/* 1: report this CPU's accesses */
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct access_key);
	__type(value, struct access_val);
} accesses SEC(".maps");

/* This CPU's counters: one map lookup an event, whatever it counts. */
static __always_inline __u64 *stats_here(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

/* Per-CPU: a plain increment is safe (idx < STAT_MAX, a constant or one of two). */
#define stat_inc(st, idx) ((st)[(idx)] += 1)

static __always_inline void count_access(__u64 *st, __u32 tgid, __u64 addr, bool write)
{
	struct access_key key = {
		.tgid = tgid,
		.cpu = bpf_get_smp_processor_id(),
		.bucket = addr >> bucket_shift,
		.write = write,
	};
	struct access_val *val, init = {};

	val = bpf_map_lookup_elem(&accesses, &key);
	if (!val) {
		/* BPF_NOEXIST: a racing insert from another CPU's first access wins, we retry. */
		bpf_map_update_elem(&accesses, &key, &init, BPF_NOEXIST);
		val = bpf_map_lookup_elem(&accesses, &key);
		if (!val) {
			stat_inc(st, STAT_AGG_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&val->count, 1);
	stat_inc(st, STAT_AGGREGATED);
}

static __always_inline int handle_access_paddr(__u64 addr, __u64 paddr, bool write, __u64 flags)
{
	/* Whether the map counts: constants at load, so one of the two paths is pruned. */
	bool counts = !use_kfunc || !bpf_damon_report_access || aggregate;
	__u64 *st = stats_here();
	__u32 tgid = 0;
	int ret;

	if (!st)
		return 0;
	stat_inc(st, STAT_SEEN);
	/*
	 * A kernel address (bit 63: x86-64 user space ends below 1 << 47, or 1 << 56 with
	 * 5-level paging; the kernel half starts at 0xffff800000000000, or 0xff00000000000000)
	 * is no access of a process.  AMD IBS op cannot exclude the kernel (bpf/pmu.c), so its
	 * samples of kernel-mode ops on kernel data end here, counted as filtered; those on user
	 * data (copy_to_user() and the like) are accesses of the process and stay.
	 */
	if (addr >> 63)
		goto filtered;
	if (addr < addr_min || addr >= addr_max)
		goto filtered;
	if (only_writes == RW_WRITES && !write)
		goto filtered;
	if (only_writes == RW_READS && write)
		goto filtered;
	if (filter_tgid || counts)
		tgid = bpf_get_current_pid_tgid() >> 32;
	if (filter_tgid && !bpf_map_lookup_elem(&targets, &tgid))
		goto filtered;
	if (filter_cpu) {
		__u32 cpu = bpf_get_smp_processor_id();
		__u8 *on = bpf_map_lookup_elem(&cpus, &cpu);

		if (!on || !*on)
			goto filtered;
	}
	stat_inc(st, write ? STAT_WRITES : STAT_READS);

	if (use_kfunc && bpf_damon_report_access) {
		if (write)
			flags |= DAMON_BPF_F_WRITE;
		if (paddr)
			flags |= DAMON_BPF_F_PADDR;
		ret = bpf_damon_report_access(addr, paddr, report_size, flags);
		switch (ret) {
		case 0:
			stat_inc(st, STAT_REPORTED);
			break;
		case -28:	/* ENOSPC */
			stat_inc(st, STAT_DROP_FULL);
			break;
		case -16:	/* EBUSY */
			stat_inc(st, STAT_DROP_BUSY);
			break;
		case -2:	/* ENOENT */
			stat_inc(st, STAT_DROP_NOCTX);
			break;
		default:
			stat_inc(st, STAT_DROP_INVAL);
			break;
		}
		if (!aggregate)
			return 0;
	}
	count_access(st, tgid, addr, write);
	return 0;
filtered:
	stat_inc(st, STAT_FILTERED);
	return 0;
}

static __always_inline int handle_access(__u64 addr, bool write, __u64 flags)
{
	return handle_access_paddr(addr, 0, write, flags);
}

/* x86 page fault error code: bit 1 set for a write access. */
#define X86_PF_WRITE 2

SEC("tp_btf/page_fault_user")
int BPF_PROG(fault_btf, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return handle_access(address, error_code & X86_PF_WRITE,
			     (__u64)DAMON_BPF_SRC_FAULT << DAMON_BPF_SRC_SHIFT);
}

SEC("raw_tp/page_fault_user")
int fault_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_access(ctx->args[0], ctx->args[2] & X86_PF_WRITE,
			     (__u64)DAMON_BPF_SRC_FAULT << DAMON_BPF_SRC_SHIFT);
}

/*
 * Perf samples with PERF_SAMPLE_ADDR: ctx->addr is the data address.  Memory-access samplers
 * (Intel PEBS mem-loads/mem-stores, AMD IBS op) also give the data source, whose mem_op says
 * load or store, and with PERF_SAMPLE_PHYS_ADDR the physical address: read them from the
 * kernel's perf_sample_data (bpf_cast_to_kern_ctx(), 6.2+) when the sample carries them.  The
 * software page-fault event carries neither and reports reads.  IBS op samples kernel-mode
 * ops too (no exclude_kernel there): handle_access_paddr() drops their kernel addresses.
 */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

const volatile bool sample_data_src;	/* the loader's event samples data_src / phys_addr */

#define PERF_MEM_OP_STORE_BIT	0x04	/* union perf_mem_data_src.mem_op */
#define SAMPLE_DATA_SRC		(1ULL << 15)	/* PERF_SAMPLE_DATA_SRC */
#define SAMPLE_PHYS_ADDR	(1ULL << 19)	/* PERF_SAMPLE_PHYS_ADDR */

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__u64 flags = (__u64)DAMON_BPF_SRC_PERF << DAMON_BPF_SRC_SHIFT;
	/* One load of the context field: the verifier refuses offset ctx pointers. */
	__u64 addr = ctx->addr;
	bool write = false;

	if (!addr)
		return 0;
	if (sample_data_src && bpf_cast_to_kern_ctx) {
		struct bpf_perf_event_data_kern *kctx = bpf_cast_to_kern_ctx(ctx);
		struct perf_sample_data *data = kctx->data;
		__u64 have = BPF_CORE_READ(data, sample_flags);

		if (have & SAMPLE_DATA_SRC)
			write = BPF_CORE_READ(data, data_src.val) & PERF_MEM_OP_STORE_BIT;
		/* The physical address goes with the report: handle_access() passes flags on. */
		if (have & SAMPLE_PHYS_ADDR)
			return handle_access_paddr(addr, BPF_CORE_READ(data, phys_addr), write,
						   flags);
	}
	return handle_access(addr, write, flags);
}
