#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest is what the tests assume: two NUMA nodes, node 1 with memory and no CPU (the slow
# tier), both CPUs on node 0, swap on zram, NUMA balancing off, THP in madvise mode.
fail=0
expect() { if [ "$2" = "$3" ]; then echo "  ok   $1 = $2"; else echo "  FAIL $1 = '$2', want '$3'"; fail=1; fi; }
expect "online nodes" "$(cat /sys/devices/system/node/online)" "0-1"
expect "node0 cpus" "$(cat /sys/devices/system/node/node0/cpulist)" "0-1"
expect "node1 cpus" "$(cat /sys/devices/system/node/node1/cpulist)" ""
n1=$(awk '/MemTotal/ {print $4}' /sys/devices/system/node/node1/meminfo)
[ "${n1:-0}" -gt 500000 ] && echo "  ok   node1 MemTotal $n1 kB" || { echo "  FAIL node1 MemTotal '$n1' kB"; fail=1; }
expect "swap device" "$(awk 'NR==2 {print $1}' /proc/swaps)" "/dev/zram0"
expect "numa_balancing" "$(cat /proc/sys/kernel/numa_balancing)" "0"
expect "THP" "$(cat /sys/kernel/mm/transparent_hugepage/enabled)" "always [madvise] never"
[ -d /sys/kernel/mm/damon/admin/kdamonds ] && echo "  ok   DAMON sysfs" || { echo "  FAIL no DAMON sysfs"; fail=1; }
exit $fail
