#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The perf source's hardware samplers, right by construction: the x86 perf rules of Linux 6.12
that decide whether an event opens, checked on the plan (damon-bpf perf-plan) against fake
sysfs trees of each CPU kind, and the rule "each event on its own" on the real attach path.

This host (and the QEMU guest) has no PMU, so nothing here ran on real PEBS or IBS hardware.
Part 1 writes the sysfs files each kind of CPU shows under /sys/bus/event_source/devices (as
6.12's arch/x86/events code creates them) into a temporary directory and reads the plan from
it.  Part 2 runs damon-bpf monitor against a fake "cpu" PMU whose events are in truth software
page-fault events (type 1), so that they really open and sample here, and makes named events
fail through DAMON_BPF_PERF_FAIL: it checks what opened from the loader's perf fds.

Kernel sources cited: Debian's linux-source-6.12 (6.12.118), the tree kernel/ patches."""
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

PERF_TYPE_SOFTWARE = 1
PERF_COUNT_SW_PAGE_FAULTS = 2
# PERF_SAMPLE_ADDR | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_PHYS_ADDR (include/uapi/linux/perf_event.h)
MEM_SAMPLE_TYPE = (1 << 3) | (1 << 15) | (1 << 19)
PERF_SAMPLE_ADDR = 1 << 3
EXCLUDES = ("exclude_kernel", "exclude_user", "exclude_hv", "exclude_idle", "exclude_host",
            "exclude_guest")

# The "cpu" PMU's format/ on Skylake and later (intel_arch3_formats_attr, skl_format_attr:
# arch/x86/events/intel/core.c; ldlat is PMU_FORMAT_ATTR(ldlat, "config1:0-15"), core.c:5303).
INTEL_FORMAT = {
    "format/event": "config:0-7", "format/umask": "config:8-15", "format/edge": "config:18",
    "format/pc": "config:19", "format/any": "config:21", "format/inv": "config:23",
    "format/cmask": "config:24-31", "format/ldlat": "config1:0-15",
    "format/offcore_rsp": "config1:0-63", "format/frontend": "config1:0-23",
}
OTHER_PMUS = {"software": {"type": "1"}, "tracepoint": {"type": "2"},
              "breakpoint": {"type": "5"}, "msr": {"type": "9"}, "power": {"type": "13"},
              "uprobe": {"type": "7"}}


def intel(events, max_precise="3", type_="4", cpus=None, pmu_name="icelake"):
    d = dict(INTEL_FORMAT, **{"type": type_, "caps/max_precise": max_precise,
                              "caps/pmu_name": pmu_name})
    d.update({"events/" + k: v for k, v in events.items()})
    if cpus is not None:
        d["cpus"] = cpus
    return d


# mem-loads and mem-stores strings as 6.12 shows them: mem_ld_hsw/mem_st_hsw (core.c:5696),
# mem_st_spr and mem_ld_aux (core.c:5785), the hybrid mem_ld_adl/mem_st_adl/mem_ld_aux_adl
# (core.c:6118-6120: "atom;core", split per PMU by events_hybrid_sysfs_show(),
# arch/x86/events/core.c:1870).
ICL = {"mem-loads": "event=0xcd,umask=0x1,ldlat=3", "mem-stores": "event=0xd0,umask=0x82"}
SPR = {"mem-loads": "event=0xcd,umask=0x1,ldlat=3", "mem-stores": "event=0xcd,umask=0x2",
       "mem-loads-aux": "event=0x03,umask=0x82"}
ADL_CORE = SPR
ADL_ATOM = {"mem-loads": "event=0xd0,umask=0x5,ldlat=3", "mem-stores": "event=0xd0,umask=0x6"}
# AMD: the core PMU "cpu" has no PEBS events; ibs_op (type dynamic) lists cnt_ctl where
# IBS_CAPS_OPCNT (cnt_ctl_is_visible(), arch/x86/events/amd/ibs.c:635) and l3missonly on Zen 4.
ZEN_CPU = {"type": "4", "format/event": "config:0-7,32-35", "format/umask": "config:8-15",
           "format/edge": "config:18", "format/inv": "config:23", "format/cmask": "config:24-31",
           "caps/max_precise": "0"}
IBS_OP = {"type": "11", "format/cnt_ctl": "config:19", "format/l3missonly": "config:16",
          "caps/zen4_ibs_extensions": "1"}
IBS_FETCH = {"type": "10", "format/rand_en": "config:57", "format/l3missonly": "config:59"}

KINDS = {
    "intel-client": ("0-7", {"cpu": intel(ICL)}),
    "sapphire-rapids": ("0-7", {"cpu": intel(SPR, pmu_name="sapphire_rapids")}),
    "alder-lake": ("0-15", {"cpu_core": intel(ADL_CORE, cpus="0-7", pmu_name="alderlake_hybrid"),
                            "cpu_atom": intel(ADL_ATOM, type_="10", cpus="8-15",
                                              pmu_name="alderlake_hybrid")}),
    "zen": ("0-15", {"cpu": ZEN_CPU, "ibs_op": IBS_OP, "ibs_fetch": IBS_FETCH}),
    "arm-spe": ("0-3", {"armv8_pmuv3_0": {"type": "8", "cpus": "0-3"},
                        "arm_spe_0": {"type": "9", "cpumask": "0-3",
                                      "format/ts_enable": "config:0"}}),
    "nothing": ("0-1", {}),
}

tmp = tempfile.mkdtemp(prefix="pmu_rules.")
atexit.register(shutil.rmtree, tmp, True)


def make_tree(name, online, pmus):
    root = os.path.join(tmp, name)
    for pmu, files in dict(OTHER_PMUS, **pmus).items():
        for f, v in files.items():
            path = os.path.join(root, pmu, f)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            wr(path, v + "\n")
    os.makedirs(root, exist_ok=True)
    wr(os.path.join(tmp, name + ".online"), online + "\n")
    return root


def env_for(root, online=None, fail=None):
    env = dict(os.environ, DAMON_BPF_SYSFS_EVENT_SOURCE=root,
               DAMON_BPF_SYSFS_CPU_ONLINE=online or root + ".online")
    env.pop("DAMON_BPF_PERF_FAIL", None)
    if fail:
        env["DAMON_BPF_PERF_FAIL"] = fail
    return env


def plan(kind, *args, online=None):
    p = run([LOADER, "perf-plan"] + list(args), env=env_for(os.path.join(tmp, kind), online))
    return json.loads(p.stdout)


def ev(pl, pmu, name):
    return next((e for e in pl["events"] if e["pmu"] == pmu and e["name"] == name), None)


def field(pl, pmu, name, key):
    """A field of the planned event pmu/name; "absent" when it is not planned."""
    return (ev(pl, pmu, name) or {}).get(key, "absent")


def pebs_checks(what, e, type_, config, config1, cpus):
    """The attributes every PEBS sampler of the plan must have."""
    check(e is not None, "%s: planned" % what)
    if e is None:
        return
    check(e["type"] == type_, "%s: type %d, its PMU's sysfs type (%d)" % (what, type_, e["type"]))
    # The event string through format/: event config:0-7, umask config:8-15, ldlat config1.
    check(e["config"] == config and e["config1"] == config1,
          "%s: config %#x config1 %d from events/ and format/ (%#x, %d)" %
          (what, config, config1, e["config"], e["config1"]))
    # intel_pebs_constraints() (arch/x86/events/intel/ds.c:1213): no precise_ip, no PEBS and so
    # no data address; x86_pmu_hw_config() (arch/x86/events/core.c:570): -EOPNOTSUPP above
    # caps/max_precise; precise_ip 2 on PEBS formats < 2 takes the LBRs (core.c:584) for an IP
    # fix-up the data address (pebs->dla, ds.c:1855) does not need.
    check(e["precise_ip"] == 1, "%s: precise_ip 1 (%d)" % (what, e["precise_ip"]))
    check(e["sample_type"] == MEM_SAMPLE_TYPE, "%s: samples ADDR|DATA_SRC|PHYS_ADDR" % what)
    check(e["sample_period"] == 10007, "%s: default period 10007 (%d)" % (what, e["sample_period"]))
    check(e["exclude_kernel"] and not e["exclude_user"], "%s: user space only" % what)
    check(e["cpus"] == cpus and e["samples"], "%s: samples on CPUs %s (%s)" %
          (what, cpus, e["cpus"]))


def aux_checks(what, pl, pmu):
    """intel_pmu_hw_config() (arch/x86/events/intel/core.c:4246-4266): where
    require_mem_loads_aux_event() (core.c:3954) holds, a mem-loads event (0xcd/0x01,
    is_mem_loads_event(), core.c:3944) sampling DATA_SRC gets -ENODATA unless a mem-loads-aux
    event (0x03/0x82, is_mem_loads_aux_event(), core.c:3949) leads its group."""
    loads, aux = ev(pl, pmu, "mem-loads"), ev(pl, pmu, "mem-loads-aux")
    check(aux is not None and aux["config"] == 0x8203, "%s: %s/mem-loads-aux planned, config "
          "0x8203 (%s)" % (what, pmu, aux and hex(aux["config"])))
    check(loads is not None and loads["group_leader"] == pmu + "/mem-loads-aux",
          "%s: %s/mem-loads led by mem-loads-aux (%s)" % (what, pmu, loads and
                                                          loads["group_leader"]))
    if aux and loads:
        check(pl["events"].index(aux) < pl["events"].index(loads),
              "%s: the leader comes first (a group is its leader's fd)" % what)
        # The aux event only has to be active (the comment at core.c:4236): it counts.
        check(aux["sample_period"] == 0 and aux["precise_ip"] == 0 and not aux["samples"],
              "%s: mem-loads-aux counts, samples nothing" % what)
        check(aux["cpus"] == loads["cpus"], "%s: leader on the same CPUs" % what)
    stores = ev(pl, pmu, "mem-stores")
    check(stores is not None and stores["group_leader"] is None,
          "%s: %s/mem-stores on its own (0xcd/0x02 is no mem-loads event)" % (what, pmu))


for kind, (online, pmus) in KINDS.items():
    make_tree(kind, online, pmus)

log("Intel client (Ice Lake): the cpu PMU's mem-loads and mem-stores")
pl = plan("intel-client")
pebs_checks("icl mem-loads", ev(pl, "cpu", "mem-loads"), 4, 0x1cd, 3, "0-7")
pebs_checks("icl mem-stores", ev(pl, "cpu", "mem-stores"), 4, 0x82d0, 0, "0-7")
check(len(pl["events"]) == 2 and field(pl, "cpu", "mem-loads", "group_leader") is None,
      "icl: no mem-loads-aux in sysfs (mem_is_visible(), core.c:5990), so no group")
check(pl["why"] is None, "icl: nothing left out (%s)" % pl["why"])

pl = plan("intel-client", "--perf-period", "20011")
check(all(e["sample_period"] == 20011 for e in pl["events"]), "icl: --perf-period 20011 used as is")

log("Intel, PEBS not active (caps/max_precise 0)")
make_tree("intel-noprecise", "0-7", {"cpu": intel(ICL, max_precise="0")})
pl = plan("intel-noprecise")
# x86_pmu_max_precise() (arch/x86/events/core.c:550) is 0 without active PEBS, and
# x86_pmu_hw_config() refuses any precise_ip above it.
check(pl["events"] == [] and "max_precise is 0" in (pl["why"] or ""),
      "no PEBS event planned, said: %s" % pl["why"])

log("Intel, an ldlat wider than format/ldlat (config1:0-15)")
make_tree("intel-wide-ldlat", "0-7", {"cpu": intel(dict(ICL, **{
    "mem-loads": "event=0xcd,umask=0x1,ldlat=0x10000"}))})
pl = plan("intel-wide-ldlat")
# x86_pmu_extra_regs() (arch/x86/events/core.c:160): config1 outside the LDLAT valid mask 0xffff
# (INTEL_UEVENT_PEBS_LDLAT_EXTRA_REG, perf_event.h:609) is -EINVAL.
check(ev(pl, "cpu", "mem-loads") is None and ev(pl, "cpu", "mem-stores") is not None and
      "cpu/mem-loads/ left out" in (pl["why"] or ""),
      "mem-loads left out, mem-stores kept: %s" % pl["why"])

log("Sapphire Rapids: mem-loads-aux leads mem-loads")
pl = plan("sapphire-rapids")
pebs_checks("spr mem-loads", ev(pl, "cpu", "mem-loads"), 4, 0x1cd, 3, "0-7")
pebs_checks("spr mem-stores", ev(pl, "cpu", "mem-stores"), 4, 0x2cd, 0, "0-7")
aux_checks("spr", pl, "cpu")

log("Alder Lake hybrid: cpu_core and cpu_atom, each on its own CPUs")
pl = plan("alder-lake")
# x86_pmu_event_init() (arch/x86/events/core.c:2456): a hybrid PMU refuses (-ENOENT) a CPU
# outside its supported_cpus, which its "cpus" file lists (intel_hybrid_get_attr_cpus(),
# arch/x86/events/intel/core.c:6283); the names are intel_hybrid_pmu_type_map[] (core.c:6389).
pebs_checks("adl cpu_core mem-loads", ev(pl, "cpu_core", "mem-loads"), 4, 0x1cd, 3, "0-7")
pebs_checks("adl cpu_core mem-stores", ev(pl, "cpu_core", "mem-stores"), 4, 0x2cd, 0, "0-7")
pebs_checks("adl cpu_atom mem-loads", ev(pl, "cpu_atom", "mem-loads"), 10, 0x5d0, 3, "8-15")
pebs_checks("adl cpu_atom mem-stores", ev(pl, "cpu_atom", "mem-stores"), 10, 0x6d0, 0, "8-15")
# require_mem_loads_aux_event() (core.c:3954): on a hybrid only the big core (cpu_core) needs
# the aux event, which only cpu_core shows (EVENT_ATTR_STR_HYBRID(..., hybrid_big), core.c:6120).
aux_checks("adl", pl, "cpu_core")
check(ev(pl, "cpu_atom", "mem-loads-aux") is None and
      field(pl, "cpu_atom", "mem-loads", "group_leader") is None,
      "adl: cpu_atom's mem-loads has no leader")
check(all(e["pmu"] != "cpu" for e in pl["events"]), "adl: nothing planned on a 'cpu' PMU")

wr(os.path.join(tmp, "adl-some.online"), "0-5,8-11\n")
pl = plan("alder-lake", online=os.path.join(tmp, "adl-some.online"))
check(field(pl, "cpu_core", "mem-loads", "cpus") == "0-5" and
      field(pl, "cpu_atom", "mem-loads", "cpus") == "8-11",
      "adl, CPUs 6-7 and 12-15 offline: each PMU's cpus file meets the online ones")
wr(os.path.join(tmp, "adl-core.online"), "0-7\n")
pl = plan("alder-lake", online=os.path.join(tmp, "adl-core.online"))
check(ev(pl, "cpu_atom", "mem-loads") is None and ev(pl, "cpu_core", "mem-loads") is not None and
      "cpu_atom: none of its CPUs is online" in (pl["why"] or ""),
      "adl, E-cores offline: cpu_atom left out, said (%s)" % pl["why"])

log("AMD Zen: ibs_op")
pl = plan("zen")
e = ev(pl, "ibs_op", "ibs_op")
check(e is not None and len(pl["events"]) == 1, "zen: one event, on ibs_op (not the cpu PMU)")
if e:
    check(e["type"] == 11, "zen: ibs_op's type from sysfs (%d)" % e["type"])
    # perf_try_init_event() (kernel/events/core.c:12065): PERF_PMU_CAP_NO_EXCLUDE, which
    # perf_ibs_op has (arch/x86/events/amd/ibs.c:703), and any exclude_* bit: -EINVAL.
    check(not any(e[x] for x in EXCLUDES), "zen: no exclude_* bit (%s)" %
          [x for x in EXCLUDES if e[x]])
    # perf_ibs_init() (ibs.c:301): a period with any of the low 4 bits set is -EINVAL.
    check(e["sample_period"] == 10000 and "rounded to 10000" in e["note"],
          "zen: period 10007 rounded to 10000, said (%d: %s)" % (e["sample_period"], e["note"]))
    # cnt_ctl "config:19" (PMU_FORMAT_ATTR(cnt_ctl), ibs.c:579): count dispatched ops.
    check(e["config"] == 1 << 19, "zen: cnt_ctl set from format/cnt_ctl (%#x)" % e["config"])
    check(e["precise_ip"] == 0 and e["sample_type"] == MEM_SAMPLE_TYPE and e["samples"] and
          e["cpus"] == "0-15", "zen: precise_ip 0, ADDR|DATA_SRC|PHYS_ADDR, all online CPUs")
for asked, want in (("5", 16), ("16", 16), ("31", 16), ("32", 32), ("100003", 100000)):
    e = ev(plan("zen", "--perf-period", asked), "ibs_op", "ibs_op")
    check(e is not None and e["sample_period"] == want and e["sample_period"] % 16 == 0,
          "zen: --perf-period %s -> %d (%s)" % (asked, want, e and e["sample_period"]))
make_tree("zen-nocnt", "0-3", {"cpu": ZEN_CPU, "ibs_op": {"type": "11"}})
e = ev(plan("zen-nocnt"), "ibs_op", "ibs_op")
check(e is not None and e["config"] == 0,
      "zen without IBS_CAPS_OPCNT (no format/cnt_ctl): config 0, cycles (%s)" % (e and e["config"]))

log("Arm SPE only, and nothing at all: the software page-fault event")
for kind, said in (("arm-spe", "Arm SPE found"), ("nothing", "no memory-access sampler")):
    pl = plan(kind)
    fb = pl["fallback"]
    check(pl["events"] == [] and said in (pl["why"] or ""), "%s: no sampler, said: %s" %
          (kind, pl["why"]))
    check(fb["type"] == PERF_TYPE_SOFTWARE and fb["config"] == PERF_COUNT_SW_PAGE_FAULTS and
          fb["sample_period"] == 1 and fb["sample_type"] == PERF_SAMPLE_ADDR and
          fb["exclude_kernel"] and fb["cpus"] == KINDS[kind][0],
          "%s: fallback software page-faults, period 1, ADDR, on CPUs %s" % (kind, fb["cpus"]))

log("bad input: a clean error")
p = run([LOADER, "perf-plan"], check_rc=False,
        env=env_for(os.path.join(tmp, "nothing"), online=os.path.join(tmp, "no-such-file")))
check(p.returncode == 1 and "cannot read %s/no-such-file" % tmp in p.stderr,
      "unreadable online list: exit 1, said (%d: %s)" % (p.returncode, p.stderr.strip()))
p = run([LOADER, "perf-plan", "--perf-period", "0"], check_rc=False)
check(p.returncode == 64 and "expected a positive count" in p.stderr,
      "--perf-period 0: usage error (%d)" % p.returncode)

# --- Part 2: each event on its own, on the real attach path ---------------------------------
# A fake "cpu" PMU of type PERF_TYPE_SOFTWARE: "event=0x02" is config 2, the page-fault event,
# and the leader "event=0x09" the dummy event.  perf_event_open() takes them, precise_ip and
# config1 (ldlat) included, so the loader opens, groups and attaches them as it would PEBS.
log("attach: fake PMUs of software events, failures injected by name")
real_online = rd("/sys/devices/system/cpu/online")
online = []
for r in real_online.split(","):
    lo, _, hi = r.partition("-")
    online += range(int(lo), int(hi or lo) + 1)
ncpu, first_cpu, last_cpu = len(online), online[0], online[-1]


def cpulist(cpus):
    """[0, 1, 2, 5] -> "0-2,5", as the loader prints CPU lists."""
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


soft = {"mem-loads": "event=0x02,ldlat=3", "mem-stores": "event=0x02",
        "mem-loads-aux": "event=0x09"}
root = make_tree("soft", real_online, {"cpu": intel(soft, type_="1", max_precise="1")})
hyb = None
if ncpu > 1:
    # A hybrid of the same: cpu_core on the first online CPU, cpu_atom on the others.
    hyb = make_tree("soft-hybrid", real_online, {
        "cpu_core": intel(soft, type_="1", max_precise="1", cpus=str(first_cpu)),
        "cpu_atom": intel({k: v for k, v in soft.items() if k != "mem-loads-aux"}, type_="1",
                          max_precise="1", cpus=cpulist(online[1:]))})

def perf_fds(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:[perf_event]"
        except OSError:
            pass
    return n


def attach(root, fail, wpid):
    """monitor --source perf with the fake PMUs; (exit status, perf fds while it ran, last
    snapshot, stderr)."""
    p = subprocess.Popen([LOADER, "monitor", "--pid", str(wpid), "--source", "perf",
                          "--perf-period", "1", "--json", "--duration", "3s", "--interval", "1s"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env_for(root, "/sys/devices/system/cpu/online", fail))
    first = p.stdout.readline()
    fds = perf_fds(p.pid) if first else -1
    rest, err = p.communicate(timeout=60)
    snaps = [json.loads(l) for l in (first + rest).splitlines() if l.startswith("{")]
    return p.returncode, fds, snaps[-1] if snaps else None, err


def source_line(err):
    """monitor's "perf source: USED (WHY)" line: (USED, WHY or None)."""
    line = next((l for l in err.splitlines() if "perf source: " in l), "")
    m = re.search(r"perf source: (.*?(?:sample period \d+|software page-faults))(?: \((.*)\))?$",
                  line)
    return (m.group(1), m.group(2)) if m else (line, None)


with Workload("f:2M@0", duration=60) as w:
    cases = [
        # (what, injected, expected perf fds, used, not used, said)
        ("nothing fails", None, 3 * ncpu,
         ["cpu/mem-loads/ (led by mem-loads-aux)", "cpu/mem-stores/"], ["software"], None),
        ("mem-loads fails", "cpu/mem-loads", ncpu,
         ["cpu/mem-stores/"], ["cpu/mem-loads/ (led", "software"],
         "cpu/mem-loads/: perf_event_open on CPU %d: Invalid argument (injected" % first_cpu),
        ("its leader fails", "cpu/mem-loads-aux", ncpu,
         ["cpu/mem-stores/"], ["cpu/mem-loads/ (led", "software"],
         "cpu/mem-loads/ (its leader mem-loads-aux): perf_event_open on CPU %d" % first_cpu),
        ("mem-stores fails", "cpu/mem-stores", 2 * ncpu,
         ["cpu/mem-loads/ (led by mem-loads-aux)"], ["cpu/mem-stores/", "software"],
         "cpu/mem-stores/: perf_event_open on CPU %d" % first_cpu),
        ("both fail", "cpu/mem-loads,cpu/mem-stores", ncpu,
         ["software page-faults"], ["cpu/mem-stores/ on", "cpu/mem-loads/ (led"],
         "cpu/mem-stores/: perf_event_open on CPU %d" % first_cpu),
    ]
    if ncpu > 1:
        # An event that fails on its last CPU is closed on the others too (its leader with it).
        cases.append(("mem-loads fails on CPU %d only" % last_cpu, "cpu/mem-loads@%d" % last_cpu,
                      ncpu, ["cpu/mem-stores/"], ["cpu/mem-loads/ (led"],
                      "cpu/mem-loads/: perf_event_open on CPU %d" % last_cpu))
    for what, fail, nfds, used, unused, said in cases:
        rc, fds, last, err = attach(root, fail, w.pid)
        src, why = source_line(err)
        log("  %s: %s (%s)" % (what, src, why))
        check(rc == 0, "%s: monitor exit 0 (%d%s)" % (what, rc, "" if rc == 0 else ": " +
                                                        err.strip()[-300:]))
        check(fds == nfds, "%s: %d perf events open (%d)" % (what, nfds, fds))
        check(all(u in src for u in used) and not any(u in src for u in unused),
              "%s: used %s, not %s" % (what, used, unused))
        check(why is None if said is None else said in why,
              "%s: the failure said (%s)" % (what, said))
        check(last is not None and last["reporter"]["aggregated"] > 0 and
              any(r["pid"] == w.pid and r["nr_accesses"] > 0 for r in last["regions"]),
              "%s: the workload's faults sampled (%s aggregated)" %
              (what, last and last["reporter"]["aggregated"]))
    if hyb:
        rc, fds, last, err = attach(hyb, None, w.pid)
        src, why = source_line(err)
        log("  hybrid: %s (%s)" % (src, why))
        # Per (PMU, CPU): cpu_core (its one CPU) mem-loads-aux, mem-loads, mem-stores; cpu_atom
        # (the others) mem-loads, mem-stores: each event opened on every CPU would be 5 a CPU.
        want = 3 + 2 * (ncpu - 1)
        check(rc == 0 and fds == want, "hybrid: %d perf events, each on its PMU's CPUs (%d)" %
              (want, fds))
        check("cpu_core/mem-loads/ (led by mem-loads-aux) on CPUs %d," % first_cpu in src and
              "cpu_atom/mem-loads/ on CPUs %s," % cpulist(online[1:]) in src,
              "hybrid: says which PMU on which CPUs")
    rc, fds, snap, err = attach(root, "cpu/mem-loads,cpu/mem-stores,software/page-faults", w.pid)
    check(rc == 1 and "no perf event opens: " in err and "software/page-faults/" in err,
          "nothing opens, not even the software event: exit 1, said (%d: %s)" %
          (rc, err.strip().splitlines()[-1] if err.strip() else ""))

done()
