// SPDX-License-Identifier: GPL-2.0
/*
 * damon-bpf: the perf source of the reporters.  A plan first (pmu_plan()): which
 * memory-access sampler the CPU has, from the PMUs' sysfs description (Intel PEBS, AMD IBS;
 * Arm SPE named, not used), each event with the attributes the kernel accepts and on the
 * CPUs its PMU covers; then pmu_attach() opens each event on its own, one event and one BPF
 * link per CPU, and the software page-fault event only when no hardware event opens.
 *
 * The rules come from the x86 perf code of Linux 6.12; the lines cited are those of
 * Debian's linux-source-6.12 (6.12.117), the tree kernel/ patches.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>

#include "bpf/pmu.h"
#include "lib/util.h"

#define PMU_DIR "/sys/bus/event_source/devices"
#define ONLINE_FILE "/sys/devices/system/cpu/online"

/* What the hardware samplers sample: the data address, its source (load/store), paddr. */
#define MEM_SAMPLE_TYPE (PERF_SAMPLE_ADDR | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_PHYS_ADDR)

static void appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
}

/* A "; "-separated list of reasons. */
#define SAY(buf, ...)                                                                        \
	do {                                                                                 \
		if ((buf)[0])                                                                \
			appendf(buf, sizeof(buf), "; ");                                     \
		appendf(buf, sizeof(buf), __VA_ARGS__);                                      \
	} while (0)

static const char *sysfs_root(void)
{
	const char *r = getenv(PMU_ENV_SYSFS);

	return r && *r ? r : PMU_DIR;
}

/* The file pmu/name of the sysfs root, its first line in buf; -1 if there is none. */
static int pmu_read(const char *pmu, const char *name, char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", sysfs_root(), pmu, name);
	if (read_file(path, buf, len) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static bool pmu_has(const char *pmu, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", sysfs_root(), pmu, name);
	return !access(path, F_OK);
}

static int pmu_type(const char *pmu, uint32_t *type)
{
	char buf[32];
	long v;

	if (pmu_read(pmu, "type", buf, sizeof(buf)) || parse_int(buf, 0, INT32_MAX, &v))
		return -1;
	*type = v;
	return 0;
}

/*
 * Puts val into attr where the PMU's format/term file says: "config:0-7", "config1:0-15",
 * "config:19", or split ranges "config:0-7,32-35" (low bits first), as the kernel's
 * PMU_FORMAT_ATTR() strings and tools/perf's format parser have them.  A value wider than
 * the field is refused: the kernel would take its high bits for another field (and
 * x86_pmu_extra_regs(), arch/x86/events/core.c:160, refuses an ldlat wider than 16 bits).
 */
static int format_set(const char *pmu, const char *term, uint64_t val,
		      struct perf_event_attr *attr)
{
	char fmt[128], name[64], *ranges, *r, *save = NULL;
	uint64_t *dst;
	int used = 0;

	snprintf(name, sizeof(name), "format/%s", term);
	if (pmu_read(pmu, name, fmt, sizeof(fmt)) || !(ranges = strchr(fmt, ':')))
		return -1;
	*ranges++ = '\0';
	if (!strcmp(fmt, "config"))
		dst = (uint64_t *)&attr->config;
	else if (!strcmp(fmt, "config1"))
		dst = (uint64_t *)&attr->config1;
	else if (!strcmp(fmt, "config2"))
		dst = (uint64_t *)&attr->config2;
	else
		return -1;
	for (r = strtok_r(ranges, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		unsigned int lo, hi, b;
		int n = sscanf(r, "%u-%u", &lo, &hi);

		if (n == 1)
			hi = lo;
		if (n < 1 || lo > hi || hi > 63)
			return -1;
		for (b = lo; b <= hi; b++, used++)
			if (used < 64 && (val >> used) & 1)
				*dst |= 1ULL << b;
	}
	return used && (used >= 64 || !(val >> used)) ? 0 : -1;
}

/*
 * Sets attr from the sysfs event pmu/events/event, e.g. "event=0xcd,umask=0x1,ldlat=3":
 * each term goes where the PMU's format/ says.  -1 with what went wrong in why.
 */
static int event_attr(const char *pmu, const char *event, struct perf_event_attr *attr,
		      char *why, size_t len)
{
	char buf[256], name[64], *term, *save = NULL;

	snprintf(name, sizeof(name), "events/%s", event);
	if (pmu_read(pmu, name, buf, sizeof(buf)))
		return snprintf(why, len, "%s/%s: unreadable", pmu, name), -1;
	for (term = strtok_r(buf, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(term, '=');
		uint64_t val = 1;

		if (eq) {
			*eq = '\0';
			if (parse_u64(eq + 1, &val))
				return snprintf(why, len, "%s/%s: bad value in %s=%s", pmu, name,
						term, eq + 1), -1;
		}
		if (format_set(pmu, term, val, attr))
			return snprintf(why, len, "%s/%s: term %s: no format/%s that holds %llu",
					pmu, name, term, term, (unsigned long long)val), -1;
	}
	return 0;
}

/* The online CPUs, from PMU_ENV_ONLINE's file if set.  -1 (said) if unreadable. */
static int read_online(uint8_t *mask)
{
	const char *path = getenv(PMU_ENV_ONLINE);
	char buf[1024];

	if (!path || !*path)
		path = ONLINE_FILE;
	if (read_file(path, buf, sizeof(buf)) < 0)
		return err("cannot read %s: %s", path, strerror(errno));
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_cpulist(buf, mask, DAMON_BPF_MAX_CPUS))
		return err("%s: '%s' is not a list of CPUs below %d", path, buf,
			   DAMON_BPF_MAX_CPUS);
	return 0;
}

/*
 * The online CPUs a PMU covers: a hybrid core PMU lists its CPUs in "cpus"
 * (intel_hybrid_get_attr_cpus(), arch/x86/events/intel/core.c:6283), uncore and SPE ones in
 * "cpumask"; without either, every CPU.  A hybrid PMU refuses a CPU it does not cover:
 * x86_pmu_event_init() returns -ENOENT (arch/x86/events/core.c:2456).  Returns how many.
 */
static int pmu_cpus(const char *pmu, const uint8_t *online, uint8_t *mask)
{
	char buf[1024];
	int i, n = 0;

	if (pmu_read(pmu, "cpus", buf, sizeof(buf)) && pmu_read(pmu, "cpumask", buf, sizeof(buf)))
		memcpy(mask, online, DAMON_BPF_MAX_CPUS);
	else if (parse_cpulist(buf, mask, DAMON_BPF_MAX_CPUS))
		memset(mask, 0, DAMON_BPF_MAX_CPUS);	/* empty: no CPU of it is online */
	for (i = 0; i < DAMON_BPF_MAX_CPUS; i++) {
		mask[i] = mask[i] && online[i];
		n += mask[i];
	}
	return n;
}

static struct pmu_event *plan_add(struct pmu_plan *p, const char *pmu, const char *name,
				  uint32_t type, const uint8_t *cpus)
{
	struct pmu_event *e;

	if (p->nr == PMU_MAX_EVENTS)
		return NULL;
	e = &p->ev[p->nr++];
	memset(e, 0, sizeof(*e));
	snprintf(e->pmu, sizeof(e->pmu), "%s", pmu);
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->attr.size = sizeof(e->attr);
	e->attr.type = type;
	e->leader = -1;
	memcpy(e->cpus, cpus, sizeof(e->cpus));
	return e;
}

/*
 * Intel PEBS on one core PMU ("cpu", or hybrid "cpu_core"/"cpu_atom": the names of
 * intel_hybrid_pmu_type_map[], arch/x86/events/intel/core.c:6389).  Per event:
 * - precise_ip 1: PEBS only serves precise events (intel_pebs_constraints(),
 *   arch/x86/events/intel/ds.c:1213: no precise_ip, no PEBS, no load latency flag, no data
 *   address), and never above caps/max_precise (x86_pmu_hw_config(), core.c:570:
 *   -EOPNOTSUPP).  The data address (pebs->dla, ds.c:1855) is the same at every level; 2
 *   only fixes up the IP, from the LBRs on PEBS formats below 2 (core.c:584).
 * - ldlat (config1) from the sysfs event string (mem-loads has "ldlat=3") through
 *   format/ldlat.
 * - mem-loads with a counting mem-loads-aux as its group leader where the PMU lists that
 *   event: it is shown only with PMU_FL_MEM_LOADS_AUX (mem_is_visible(), core.c:5990;
 *   cpu_core only on hybrids, core.c:6120), exactly where intel_pmu_hw_config() (core.c:4246)
 *   answers a mem-loads event with PERF_SAMPLE_DATA_SRC -ENODATA unless it is led by it.
 * - mem-stores its own event, in no group.
 */
static void plan_pebs(struct pmu_plan *p, const char *pmu, uint32_t type, uint64_t period,
		      const uint8_t *online)
{
	static const char *const events[] = { "mem-loads", "mem-stores" };
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	char buf[32], why[256];
	long max_precise = 1;
	bool caps;
	size_t i;

	/*
	 * Without caps/max_precise (older kernels) 1 is assumed: the kernel shows mem-loads and
	 * mem-stores only with PEBS (pebs_is_visible(), core.c:5984).
	 */
	caps = !pmu_read(pmu, "caps/max_precise", buf, sizeof(buf));
	if (caps && parse_int(buf, 0, 3, &max_precise)) {
		SAY(p->why, "%s: caps/max_precise '%s' is not 0-3", pmu, buf);
		return;
	}
	if (max_precise < 1) {
		SAY(p->why, "%s: caps/max_precise is 0: PEBS is not active", pmu);
		return;
	}
	if (!pmu_cpus(pmu, online, cpus)) {
		SAY(p->why, "%s: none of its CPUs is online", pmu);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		struct pmu_event *e, *aux = NULL;
		char name[64];

		snprintf(name, sizeof(name), "events/%s", events[i]);
		if (!pmu_has(pmu, name))
			continue;
		if (i == 0 && pmu_has(pmu, "events/mem-loads-aux")) {
			aux = plan_add(p, pmu, "mem-loads-aux", type, cpus);
			if (!aux ||
			    event_attr(pmu, "mem-loads-aux", &aux->attr, why, sizeof(why))) {
				p->nr -= !!aux;
				SAY(p->why, "%s/mem-loads/ left out: %s", pmu,
				    aux ? why : "too many events");
				continue;
			}
			aux->leader_only = true;
			aux->attr.exclude_kernel = 1;
			snprintf(aux->note, sizeof(aux->note), "counts only: the group leader "
				 "mem-loads needs on this PMU (intel_pmu_hw_config(): -ENODATA "
				 "without it)");
		}
		e = plan_add(p, pmu, events[i], type, cpus);
		if (!e || event_attr(pmu, events[i], &e->attr, why, sizeof(why))) {
			p->nr -= !!e + !!aux;
			SAY(p->why, "%s/%s/ left out: %s", pmu, events[i],
			    e ? why : "too many events");
			continue;
		}
		e->leader = aux ? (int)(aux - p->ev) : -1;
		e->attr.precise_ip = 1;
		e->attr.sample_period = period;
		e->attr.sample_type = MEM_SAMPLE_TYPE;
		e->attr.exclude_kernel = 1;
		snprintf(e->note, sizeof(e->note), "PEBS, precise_ip 1 (max_precise %ld%s)%s%s",
			 max_precise, caps ? "" : ": no caps/, assumed",
			 e->attr.config1 ? ", ldlat from the sysfs event" : "",
			 aux ? ", led by mem-loads-aux" : "");
		p->nr_samplers++;
	}
}

/*
 * AMD IBS op (ibs_op PMU, its type from sysfs).  perf_ibs_init() and the core refuse:
 * - any exclude_* bit: the PMU has PERF_PMU_CAP_NO_EXCLUDE (arch/x86/events/amd/ibs.c:703),
 *   and perf_try_init_event() (kernel/events/core.c:12065) answers -EINVAL.  6.12's
 *   perf_ibs_handle_irq() (ibs.c:1031) filters nothing either: kernel-mode ops are sampled,
 *   and the BPF program drops kernel data addresses (bpf/reporter.bpf.c, counted filtered).
 * - a sample period with any of the low 4 bits set (perf_ibs_init(), ibs.c:301: -EINVAL;
 *   IbsOpMaxCnt counts in units of 16): the period is rounded down to a multiple of 16, at
 *   least 16, and the plan says so.
 * cnt_ctl (format "config:19", shown only with IBS_CAPS_OPCNT, ibs.c:635, and then allowed
 * by config_mask, ibs.c:1228) is set where the PMU lists it: the period then counts
 * dispatched ops rather than cycles, so every op has the same chance to be sampled and the
 * samples of a range follow its number of loads and stores, not how long they stall.
 */
static void plan_ibs(struct pmu_plan *p, uint32_t type, uint64_t period, const uint8_t *online)
{
	uint64_t ibs_period = period < 16 ? 16 : period & ~0xfULL;
	uint8_t cpus[DAMON_BPF_MAX_CPUS];
	struct pmu_event *e;
	bool cnt_ctl;

	if (!pmu_cpus("ibs_op", online, cpus)) {
		SAY(p->why, "ibs_op: none of its CPUs is online");
		return;
	}
	e = plan_add(p, "ibs_op", "ibs_op", type, cpus);
	cnt_ctl = pmu_has("ibs_op", "format/cnt_ctl");
	if (cnt_ctl && format_set("ibs_op", "cnt_ctl", 1, &e->attr)) {
		p->nr--;
		SAY(p->why, "ibs_op left out: its format/cnt_ctl is not a config bit");
		return;
	}
	e->attr.sample_period = ibs_period;
	e->attr.sample_type = MEM_SAMPLE_TYPE;
	snprintf(e->note, sizeof(e->note), "IBS op, %s; no exclude_* bits (the PMU refuses "
		 "them; kernel addresses are dropped by the BPF program)",
		 cnt_ctl ? "counts dispatched ops (cnt_ctl)" : "counts cycles (no format/cnt_ctl)");
	if (ibs_period != period)
		appendf(e->note, sizeof(e->note), "; period %llu rounded to %llu (IBS needs "
			"the low 4 bits clear)", (unsigned long long)period,
			(unsigned long long)ibs_period);
	p->nr_samplers++;
}

/* The Intel core PMUs of the sysfs root, by name: "cpu" and "cpu_*" (hybrids). */
static int core_pmus(char names[][32], int max)
{
	DIR *d = opendir(sysfs_root());
	struct dirent *de;
	int n = 0, i, j;

	while (d && (de = readdir(d)) && n < max) {
		if (strlen(de->d_name) < 32 &&
		    (!strcmp(de->d_name, "cpu") || !strncmp(de->d_name, "cpu_", 4)))
			memcpy(names[n++], de->d_name, strlen(de->d_name) + 1);
	}
	if (d)
		closedir(d);
	for (i = 1; i < n; i++) {	/* sorted: the same plan whatever readdir()'s order */
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[32];

			memcpy(t, names[j], 32);
			memcpy(names[j], names[j - 1], 32);
			memcpy(names[j - 1], t, 32);
		}
	}
	return n;
}

static bool any_arm_spe(void)
{
	DIR *d = opendir(sysfs_root());
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d)))
		found = !strncmp(de->d_name, "arm_spe", 7);
	if (d)
		closedir(d);
	return found;
}

int pmu_plan(struct pmu_plan *p, uint64_t period)
{
	uint64_t hw_period = period ? period : PMU_HW_PERIOD;
	uint8_t online[DAMON_BPF_MAX_CPUS];
	char pmus[8][32];
	bool intel = false;
	uint32_t type;
	int i, n;

	memset(p, 0, sizeof(*p));
	p->period = hw_period;
	snprintf(p->root, sizeof(p->root), "%s", sysfs_root());
	if (read_online(online))
		return -1;
	p->fallback = (struct pmu_event){
		.pmu = "software", .name = "page-faults", .leader = -1,
		.attr = { .size = sizeof(struct perf_event_attr), .type = PERF_TYPE_SOFTWARE,
			  .config = PERF_COUNT_SW_PAGE_FAULTS, .sample_period = period ? period : 1,
			  .sample_type = PERF_SAMPLE_ADDR, .exclude_kernel = 1 },
		.note = "every user page fault (period 1 by default); reads and writes not told "
			"apart",
	};
	memcpy(p->fallback.cpus, online, sizeof(online));

	n = core_pmus(pmus, ARRAY_SIZE(pmus));
	for (i = 0; i < n; i++) {
		if (pmu_type(pmus[i], &type) || (!pmu_has(pmus[i], "events/mem-loads") &&
						 !pmu_has(pmus[i], "events/mem-stores")))
			continue;	/* e.g. AMD's cpu PMU: no PEBS events */
		intel = true;
		plan_pebs(p, pmus[i], type, hw_period, online);
	}
	if (!intel && !pmu_type("ibs_op", &type))
		plan_ibs(p, type, hw_period, online);
	else if (!intel && !p->nr)
		SAY(p->why, any_arm_spe() ?
		    "Arm SPE found, but it writes to an AUX buffer that BPF cannot read" :
		    "no memory-access sampler: no %s/cpu*/events/mem-loads or mem-stores (Intel "
		    "PEBS) nor %s/ibs_op (AMD IBS)", p->root, p->root);
	return p->nr_samplers;
}

/* --- opening ----------------------------------------------------------------------------- */

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
	r->links = NULL;
	r->fds = NULL;
}

/* Whether PMU_ENV_FAIL names e (on cpu, or on any CPU). */
static bool injected(const struct pmu_event *e, int cpu)
{
	const char *list = getenv(PMU_ENV_FAIL);
	char buf[256], want[80], *tok, *save = NULL;

	if (!list || !*list)
		return false;
	snprintf(buf, sizeof(buf), "%s", list);
	snprintf(want, sizeof(want), "%s/%s", e->pmu, e->name);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *at = strchr(tok, '@');
		long c;

		if (at)
			*at++ = '\0';
		if (!strcmp(tok, want) && (!at || (!parse_int(at, 0, INT32_MAX, &c) && c == cpu)))
			return true;
	}
	return false;
}

static int perf_event_open(const struct pmu_event *e, int cpu, int group_fd)
{
	struct perf_event_attr attr = e->attr;

	if (injected(e, cpu)) {
		errno = EINVAL;
		return -1;
	}
	return syscall(__NR_perf_event_open, &attr, -1, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
}

/* Opens fd, and attaches prog to it; the pair becomes r's last one. */
static int open_one(struct perf_set *r, struct bpf_program *prog, const struct pmu_event *e,
		    int cpu, int group_fd)
{
	struct bpf_link *l;
	int fd, e2;

	fd = perf_event_open(e, cpu, group_fd);
	if (fd < 0)
		return -1;
	l = bpf_program__attach_perf_event(prog, fd);
	if (!l) {
		e2 = errno;
		close(fd);
		errno = e2;
		return -1;
	}
	r->fds[r->nr] = fd;
	r->links[r->nr++] = l;
	return 0;
}

/*
 * Opens e on each of its CPUs, after its group leader there (the leader first: a group is
 * formed by opening its members with the leader's fd).  On a failure everything e opened is
 * closed again and what failed is said in r->why.
 */
static int attach_event(struct perf_set *r, struct bpf_program *prog, const struct pmu_plan *p,
			const struct pmu_event *e)
{
	const struct pmu_event *lead = e->leader >= 0 ? &p->ev[e->leader] : NULL;
	int cpu, first = r->nr;

	for (cpu = 0; cpu < DAMON_BPF_MAX_CPUS; cpu++) {
		const struct pmu_event *failed = lead;
		int e2;

		if (!e->cpus[cpu])
			continue;
		if (!lead || !open_one(r, prog, lead, cpu, -1)) {
			failed = e;
			if (!open_one(r, prog, e, cpu, lead ? r->fds[r->nr - 1] : -1))
				continue;
		}
		e2 = errno;
		SAY(r->why, "%s/%s/%s%s%s: perf_event_open on CPU %d: %s%s", e->pmu, e->name,
		    failed == lead ? " (its leader " : "", failed == lead ? failed->name : "",
		    failed == lead ? ")" : "", cpu, strerror(e2),
		    injected(failed, cpu) ? " (injected by " PMU_ENV_FAIL ")" : "");
		perf_detach(r, first);
		return -1;
	}
	return 0;
}

static void say_used(struct perf_set *r, const struct pmu_plan *p, const struct pmu_event *e)
{
	char cpul[256];

	format_cpulist(e->cpus, DAMON_BPF_MAX_CPUS, cpul, sizeof(cpul));
	appendf(r->desc, sizeof(r->desc), "%s%s/%s/%s%s%s on CPUs %s", r->desc[0] ? ", " : "",
		e->pmu, e->name, e->leader >= 0 ? " (led by " : "",
		e->leader >= 0 ? p->ev[e->leader].name : "", e->leader >= 0 ? ")" : "", cpul);
}

int pmu_attach(struct perf_set *r, struct bpf_program *prog, const struct pmu_plan *p)
{
	const struct pmu_event *used = NULL;
	int i, cpu, max = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < p->nr; i++)
		for (cpu = 0; cpu < DAMON_BPF_MAX_CPUS; cpu++)
			max += p->ev[i].cpus[cpu];
	max += DAMON_BPF_MAX_CPUS;	/* the fallback */
	r->fds = calloc(max, sizeof(*r->fds));
	r->links = calloc(max, sizeof(*r->links));
	if (!r->fds || !r->links)
		return err("out of memory");
	snprintf(r->why, sizeof(r->why), "%s", p->why);

	/* Each event on its own: what opens is used, what fails is said. */
	for (i = 0; i < p->nr; i++) {
		if (p->ev[i].leader_only || attach_event(r, prog, p, &p->ev[i]))
			continue;
		say_used(r, p, &p->ev[i]);
		used = used ? used : &p->ev[i];
	}
	if (used) {
		appendf(r->desc, sizeof(r->desc), ", sample period %llu",
			(unsigned long long)used->attr.sample_period);
		if (used->attr.sample_period != p->period)
			appendf(r->desc, sizeof(r->desc), " (%llu rounded to a multiple of 16, at "
				"least 16, for IBS)", (unsigned long long)p->period);
	} else {
		if (attach_event(r, prog, p, &p->fallback))
			return err("no perf event opens: %s", r->why);
		snprintf(r->desc, sizeof(r->desc), "software page-faults");
	}
	if (!r->why[0]) {
		snprintf(r->why, sizeof(r->why), "%s", r->desc);
		r->source = r->why;
	} else {
		r->source = r->desc;
	}
	return 0;
}
