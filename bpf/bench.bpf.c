// SPDX-License-Identifier: GPL-2.0
/* damon-bpf bench: empty programs on the reporters' hooks, the baseline of their cost. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/page_fault_user")
int BPF_PROG(empty_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return 0;
}
