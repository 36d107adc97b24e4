// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: NUMA nodes as DAMON's paddr schemes need them: which exist and have memory
 * (sysfs node/), and the physical range each spans (/proc/zoneinfo).  Reads only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "damon/damon.h"
#include "lib/util.h"

static int node_list(char *buf, size_t len)
{
	if (read_file("/sys/devices/system/node/online", buf, len) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* kB of MemTotal and MemFree of node nid, or -1. */
int node_mem(int nid, uint64_t *total_kb, uint64_t *free_kb)
{
	char path[96], buf[4096], *p;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "MemTotal:");
	*total_kb = p ? strtoull(p + 9, NULL, 10) : 0;
	p = strstr(buf, "MemFree:");
	*free_kb = p ? strtoull(p + 8, NULL, 10) : 0;
	return 0;
}

int node_check(int nid, const char *what)
{
	uint64_t total, free;
	char nodes[128] = "?";

	node_list(nodes, sizeof(nodes));
	if (nid < 0 || node_mem(nid, &total, &free))
		return err("%s: node %d does not exist (online nodes: %s)", what, nid, nodes);
	if (!total)
		return err("%s: node %d has no memory", what, nid);
	return 0;
}

int node_phys_range(int nid, uint64_t *start, uint64_t *end)
{
	char line[256];
	unsigned long long pfn, spanned = 0;
	int node = -1;
	FILE *f = fopen("/proc/zoneinfo", "r");

	*start = UINT64_MAX;
	*end = 0;
	if (!f)
		return err("/proc/zoneinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone", &node) == 1)
			continue;
		if (sscanf(line, " spanned %llu", &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %llu", &pfn) == 1 && spanned &&
		    (nid < 0 || node == nid)) {
			if (pfn * 4096 < *start)
				*start = pfn * 4096;
			if ((pfn + spanned) * 4096 > *end)
				*end = (pfn + spanned) * 4096;
		}
	}
	fclose(f);
	if (*end <= *start)
		return err("node %d: no memory span in /proc/zoneinfo", nid);
	return 0;
}
