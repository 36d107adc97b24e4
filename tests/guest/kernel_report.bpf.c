// SPDX-License-Identifier: GPL-2.0
/*
 * BPF programs of the kernel_* guest tests: feed bpf_damon_report_access().
 *
 * madv_report: a madvise() with a magic advice reports [addr, addr + len) of the calling
 *   thread, on its CPU: a deterministic access source for tests of filters and matching.
 *     advice DBT_ADV_READ: a read, DBT_ADV_WRITE: a write, DBT_ADV_STORM: 4096 writes,
 *     DBT_ADV_BURST: len writes of a page each (at most 4096).
 *   The kernel refuses the magic advice with -EINVAL, so the call has no other effect.
 * madv_noreport: the same as madv_report for single reads and writes, without the kfunc
 *   call: the baseline of the report path cost (bpf_stats run_time_ns).
 * fault_report: every user page fault, as the damon-bpf reporter does.
 *
 * Built in the guest by kernel_lib.py: clang -O2 -g -target bpf -I<repo>/vmlinux.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define NR_MADVISE	28	/* x86_64 */
#define DBT_ADV_READ	0x7d000
#define DBT_ADV_WRITE	0x7d001
#define DBT_ADV_STORM	0x7d002
#define DBT_ADV_BURST	0x7d003
#define STORM_REPORTS	4096

#define F_WRITE		(1ULL << 0)
#define SRC_FAULT	(1ULL << 8)
#define X86_PF_WRITE	2

extern int bpf_damon_report_access(__u64 vaddr, __u64 paddr, __u64 size, __u64 flags) __ksym;

/* Return values of the kfunc: [0] 0, [1] -ENOSPC, [2] -EBUSY, [3] -ENOENT, [4] other */
__u64 results[5];

static __always_inline void count(int ret)
{
	int i = ret == 0 ? 0 : ret == -28 ? 1 : ret == -16 ? 2 : ret == -2 ? 3 : 4;

	__sync_fetch_and_add(&results[i], 1);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(madv_report, struct pt_regs *regs, long id)
{
	__u64 addr, len, advice;
	int i;

	if (id != NR_MADVISE)
		return 0;
	addr = regs->di;
	len = regs->si;
	advice = regs->dx;
	if (advice == DBT_ADV_READ || advice == DBT_ADV_WRITE) {
		count(bpf_damon_report_access(addr, 0, len, advice == DBT_ADV_WRITE ? F_WRITE : 0));
	} else if (advice == DBT_ADV_STORM) {
		/* no per-call accounting: branches would multiply verifier states */
		for (i = 0; i < STORM_REPORTS; i++)
			bpf_damon_report_access(addr, 0, len, F_WRITE);
	} else if (advice == DBT_ADV_BURST) {
		for (i = 0; i < STORM_REPORTS && i < len; i++)
			bpf_damon_report_access(addr, 0, 4096, F_WRITE);
	}
	return 0;
}

__u64 noreport_sum;

SEC("tp_btf/sys_enter")
int BPF_PROG(madv_noreport, struct pt_regs *regs, long id)
{
	__u64 advice;

	if (id != NR_MADVISE)
		return 0;
	advice = regs->dx;
	if (advice == DBT_ADV_READ || advice == DBT_ADV_WRITE)
		__sync_fetch_and_add(&noreport_sum, regs->di + regs->si);
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(fault_report, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	count(bpf_damon_report_access(address, 0, 1,
				      SRC_FAULT | (error_code & X86_PF_WRITE ? F_WRITE : 0)));
	return 0;
}
