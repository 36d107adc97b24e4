#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The systemd unit damon-bpf@.service (packaging/systemd), as 'make install' writes it.

systemd-analyze verify passes (with the installed man pages found for Documentation=) and
its security review rates the unit's exposure low; it runs 'damon-bpf run
SYSCONFDIR/damon-bpf/%i.json --name %i', stops with SIGTERM, restarts on failure within a
start limit, keeps DAMON sysfs and bpffs writable and the capabilities the loader needs.
ExecStopPost cleans up after a loader that died of a signal, and only then.  Every system
call a session makes on this kernel (a fallback monitor session, stop, status, a spec read,
traced with strace), and those of the DAMON path the host cannot run (from the code), pass
the unit's SystemCallFilter."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

need(os.geteuid() == 0, "root (the syscall trace runs BPF programs)")
need(shutil.which("strace") and shutil.which("systemd-analyze"),
     "strace and systemd-analyze (make deps)")

root = tempfile.mkdtemp(prefix="damon-bpf-unit.")
prefix, etc = root + "/usr", root + "/etc"
p = subprocess.run(["make", "-s", "-C", TOP, "install", "PREFIX=" + prefix, "SYSCONFDIR=" + etc],
                   capture_output=True, text=True, timeout=120)
need(p.returncode == 0, "make install PREFIX=$tmp/usr SYSCONFDIR=$tmp/etc%s" %
     ("" if p.returncode == 0 else ": " + p.stderr.strip()))
unit = prefix + "/lib/systemd/system/damon-bpf@.service"
text = open(unit).read()
# The last value of each key of [Service]/[Unit] (ExecStart is one line here).
keys = {}
for line in text.split("\n"):
    m = re.match(r"^([A-Za-z]+)=(.*)$", line)
    if m:
        keys.setdefault(m.group(1), []).append(m.group(2))

env = dict(os.environ, MANPATH=prefix + "/share/man", SYSTEMD_LOG_LEVEL="notice")
v = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True,
                   env=env, timeout=60)
check(v.returncode == 0 and not (v.stdout + v.stderr).strip(),
      "systemd-analyze verify: clean%s" % ("" if v.returncode == 0 and not v.stderr.strip()
                                           else ": " + (v.stdout + v.stderr).strip()))
s = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit], capture_output=True,
                   text=True, env=env, timeout=60)
m = re.search(r"Overall exposure level for \S+: ([\d.]+)", s.stdout + s.stderr)
check(m is not None and float(m.group(1)) <= 3.0,
      "systemd-analyze security: exposure %s (at most 3.0: hardened)" % (m and m.group(1)))

loader = prefix + "/sbin/damon-bpf"
check(keys.get("ExecStart") == ["%s run %s/damon-bpf/%%i.json --name %%i --interval 5min" %
                                (loader, etc)],
      "ExecStart: damon-bpf run SYSCONFDIR/damon-bpf/%%i.json --name %%i (%s)" %
      keys.get("ExecStart"))
check(keys.get("KillSignal") == ["SIGTERM"] and "ExecStop" not in keys,
      "stopped by SIGTERM, which ends a session cleanly: no ExecStop")
check(keys.get("Restart") == ["on-failure"] and "StartLimitBurst" in keys and
      "StartLimitIntervalSec" in keys, "Restart=on-failure within StartLimitBurst/IntervalSec")
check(keys.get("AssertPathExists") == ["%s/damon-bpf/%%i.json" % etc],
      "a missing spec fails the start at once")
rw = " ".join(keys.get("ReadWritePaths", []))
caps = set(" ".join(keys.get("CapabilityBoundingSet", [])).split())
check("/sys/kernel/mm/damon" in rw and "/sys/fs/bpf" in rw and
      keys.get("ProtectKernelTunables") == ["yes"] and keys.get("ProtectSystem") == ["strict"],
      "read-only system and /sys, but DAMON sysfs and bpffs writable")
check({"CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON"} <= caps, "capabilities: %s" % sorted(caps))
check(keys.get("RuntimeDirectory") == ["damon-bpf"] and
      keys.get("RuntimeDirectoryPreserve") == ["yes"],
      "/run/damon-bpf made if missing and never removed with the unit")

# ExecStopPost: 'damon-bpf stop NAME' after a loader that died of a signal, nothing else.
# systemd's part first: %i the instance, "$$" a literal "$".
post = shlex.split(keys["ExecStopPost"][0].replace("%i", "no-such-session-%d" % os.getpid())
                   .replace("$$", "$"))
for code, acts in (("exited", False), ("killed", True), ("dumped", True)):
    r = subprocess.run(post, capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, EXIT_CODE=code, EXIT_STATUS="1"))
    ran = "no session 'no-such-session-%d'" % os.getpid() in r.stderr
    check(ran == acts and (r.returncode == 0) != acts,
          "ExecStopPost with EXIT_CODE=%s: %s" % (code, "runs 'damon-bpf stop %i'" if acts else
                                                  "does nothing"))

# The system call filter.
groups, cur = {}, None
for line in run(["systemd-analyze", "syscall-filter"], check_rc=False).stdout.split("\n"):
    if line.startswith("@"):
        cur = groups.setdefault(line.strip(), set())
    elif cur is not None and line.strip() and not line.strip().startswith("#"):
        cur.add(line.strip())


def expand(names):
    out = set()
    for n in names:
        out |= expand(groups.get(n, ())) if n.startswith("@") else {n}
    return out


allowed = expand(" ".join(keys.get("SystemCallFilter", [])).split())
check(len(allowed) > 200 and {"bpf", "perf_event_open"} <= allowed,
      "SystemCallFilter expands to %d calls, bpf and perf_event_open among them" % len(allowed))

trace = os.path.join(root, "strace")


def traced(argv, **kw):
    r = subprocess.run(["strace", "-f", "-qq", "-o", trace] + argv, capture_output=True,
                       text=True, timeout=60, **kw)
    calls = set(re.findall(r"^\d+\s+([a-z_0-9]+)\(", open(trace).read(), re.M))
    return r, calls


used = {}
with Workload("f:2M@0", duration=20) as w:
    r, calls = traced([loader, "monitor", "--pid", str(w.pid), "--source", "fault,perf",
                       "--json", "--duration", "2s"])
    check(r.returncode == 0 and "fallback mode" in r.stderr and len(calls) > 20,
          "a fallback monitor session under strace (%d distinct calls)" % len(calls))
    used["monitor"] = calls
used["stop"] = traced([loader, "stop", "no-such-session"])[1]
used["status"] = traced([loader, "status"])[1]
used["spec"] = traced([loader, "args", "run", os.path.join(TOP, "docs/examples/tier.json")])[1]
used["ExecStopPost"] = traced(post, env=dict(os.environ, EXIT_CODE="killed"))[1]
# What the DAMON path adds, which the host cannot run (its DAMON is not ours).
used["DAMON path"] = {"flock",          # session/lock.c: the claim lock
                      "statfs",         # session/record.c: bpffs at /sys/fs/bpf
                      "rmdir",          # the pins' directory
                      "kill",           # session/stop.c: SIGTERM to a live loader
                      "getdents64"}     # readdir of DAMON sysfs and /run/damon-bpf
for what, calls in used.items():
    denied = sorted(calls - allowed)
    check(not denied, "%s: every system call passes the filter%s" %
          (what, ": not %s" % denied if denied else " (%d)" % len(calls)))
shutil.rmtree(root)
done()
