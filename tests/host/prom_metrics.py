#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""--prom FILE on the host (fallback mode): the metrics file passes 'promtool check metrics',
every metric is damon_bpf_* with HELP and TYPE, and its values are those of the --json line
of the same interval (reporter counters, regions, bytes); the file is gone after the session
ends by --duration, SIGTERM, SIGINT, SIGHUP and a closed output pipe; 'run SPEC --prom' writes
it too, 'args' leaves it out of the spec; a directory that does not exist, or a file for a
directory, is refused (exit 1) before anything starts; '--prom ""' and 'start --prom' are
usage errors (64)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403



def parse(text):
    """{(name, frozenset(labels)): value}, {name: type}, {name: help}; a line that is none of
    a sample, HELP or TYPE fails a check."""
    samples, types, helps, bad = prom_parse(text)
    check(not bad and samples, "%d samples, every line a sample, HELP or TYPE (%s)" %
          (len(samples), bad[:3]))
    return {(n, frozenset(ls.items())): v for n, ls, v in samples}, types, helps


def value(samples, name, **labels):
    """The value of the series name whose labels include labels (None: no such series)."""
    want = set(labels.items())
    vals = [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]
    return vals[0] if len(vals) == 1 else None


def compare(snap, text):
    """The file of one interval against its --json line."""
    samples, types, helps = parse(text)
    rc, out = promtool(text)
    check(rc == 0 and out == "", "promtool check metrics: exit %d, %r" % (rc, out))
    names = {n for n, _ in samples}
    check(all(n.startswith("damon_bpf_") for n in names), "every metric is damon_bpf_*")
    check(all(n in types and n in helps for n in names), "HELP and TYPE for every metric")
    check(all((types[n] == "counter") == n.endswith("_total") for n in names),
          "counters and only counters end in _total")
    check(all(dict(ls).get("session", "").startswith("monitor-") for _, ls in samples),
          "every series has the session label")
    rep = snap["reporter"]
    want = {("damon_bpf_reporter_seen_total", ()): rep["seen"],
            ("damon_bpf_reporter_filtered_total", ()): rep["filtered"],
            ("damon_bpf_reporter_reported_total", ()): rep["reported"],
            ("damon_bpf_reporter_aggregated_total", ()): rep["aggregated"],
            ("damon_bpf_reporter_accesses_total", (("kind", "read"),)): rep["reads"],
            ("damon_bpf_reporter_accesses_total", (("kind", "write"),)): rep["writes"]}
    for cause, key in (("ring_full", "dropped_full"), ("nested", "dropped_busy"),
                       ("no_context", "dropped_noctx"), ("invalid", "dropped_inval"),
                       ("map_full", "aggregate_full")):
        want[("damon_bpf_reporter_dropped_total", (("cause", cause),))] = rep[key]
    got = {k: value(samples, k[0], **dict(k[1])) for k in want}
    check(got == {k: float(v) for k, v in want.items()},
          "reporter counters as --json's: seen %s (json %d), writes %s (json %d)%s" %
          (got[("damon_bpf_reporter_seen_total", ())], rep["seen"],
           got[("damon_bpf_reporter_accesses_total", (("kind", "write"),))], rep["writes"],
           "" if got == {k: float(v) for k, v in want.items()} else
           "; differ: %s" % [(k, got[k], v) for k, v in want.items() if got[k] != v]))
    regs = snap["regions"]
    pid = str(regs[0]["pid"]) if regs else None
    mine = (len(regs), sum(r["size"] for r in regs),
            sum(r["size"] for r in regs if r["nr_accesses"]))
    prom = tuple(value(samples, "damon_bpf_monitor_" + n, pid=pid) if pid else
                 value(samples, "damon_bpf_monitor_" + n)
                 for n in ("regions", "bytes", "accessed_bytes"))
    check(prom == tuple(float(x) for x in mine),
          "regions, bytes, accessed bytes as --json's: %s, %s" % (prom, mine))
    check(value(samples, "damon_bpf_monitor_hot_bytes") is None,
          "no hot bytes in fallback mode (no access rate)")
    return mine


need(shutil.which("promtool") is not None, "promtool (Debian's prometheus package: make deps)")
tmp = tempfile.mkdtemp(prefix="damon-bpf-prom.")
prom = os.path.join(tmp, "damon-bpf.prom")
try:
    with Workload("f:2M@0", "c:4M", "q:2M@1", duration=60) as w:
        # One session by --duration: each --json line against the file of its interval.
        p = subprocess.Popen([LOADER, "monitor", "--pid", str(w.pid), "--json", "--duration",
                              "5s", "--interval", "1s", "--prom", prom],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pairs = 0
        for line in p.stdout:
            snap = json.loads(line)
            text = prom_matching(prom, snap["time"])
            if text is None:
                log("  t=%.3f: the file moved on before it was read" % snap["time"])
                continue
            pairs += 1
            mine = compare(snap, text)
        err = p.stderr.read()
        p.wait(timeout=30)
        check(p.returncode == 0, "exit 0 after --duration (%s)" % err.strip()[-200:])
        check(pairs >= 3, "%d of 5 intervals compared with their --json line" % pairs)
        check(mine[0] >= 2 and mine[2] >= 2 << 20, "the churn regions are in it: %s" %
              (mine,))
        check(os.listdir(tmp) == [], "after --duration: the file is gone, no temporary "
              "file left (%s)" % os.listdir(tmp))

        # Signals and a closed output: the file goes with the session.
        for how in ("SIGTERM", "SIGINT", "SIGHUP", "pipe"):
            p = subprocess.Popen([LOADER, "monitor", "--pid", str(w.pid), "--json",
                                  "--interval", "300ms", "--prom", prom],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            p.stdout.readline()
            there = wait_for(lambda: os.path.exists(prom), 5, 0.05)
            if how == "pipe":
                p.stdout.close()
            else:
                p.send_signal(getattr(signal, how))
            p.wait(timeout=30)
            check(there and p.returncode == 0 and os.listdir(tmp) == [],
                  "%s: the file was there, exit %d, then gone (%s)" %
                  (how if how != "pipe" else "closed output", p.returncode, os.listdir(tmp)))

        # run SPEC --prom; args leaves --prom out of the spec (a run option, as --json).
        spec = run([LOADER, "args", "monitor", "--pid", str(w.pid)]).stdout
        spec2 = run([LOADER, "args", "monitor", "--pid", str(w.pid), "--prom", prom]).stdout
        check(spec == spec2 and "prom" not in spec2, "args: --prom is not part of the spec")
        sf = os.path.join(tmp, "monitor.json")
        with open(sf, "w") as f:
            f.write(spec)
        p = subprocess.Popen([LOADER, "run", sf, "--json", "--duration", "3s", "--prom", prom],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        snap = json.loads(p.stdout.readline())
        text = prom_matching(prom, snap["time"])
        p.wait(timeout=30)
        check(text is not None and promtool(text)[0] == 0 and
              "damon_bpf_monitor_regions{" in text, "run SPEC --prom: the metrics of the "
              "monitor spec")
        os.unlink(sf)
        check(p.returncode == 0 and os.listdir(tmp) == [], "run: exit %d, file gone" %
              p.returncode)

        # Bad input: refused before anything starts.
        for path, rc, says in ((os.path.join(tmp, "none", "x.prom"), 1, "No such file"),
                               ("/etc/passwd/x.prom", 1, "is not a directory"),
                               (tmp, 1, "is a directory"), ("", 64, "--prom: give a file")):
            q = run([LOADER, "monitor", "--pid", str(w.pid), "--duration", "1s", "--prom",
                     path], check_rc=False)
            check(q.returncode == rc and says in q.stderr and "fallback" not in q.stderr and
                  q.stdout == "", "--prom %r: exit %d, %r" % (path, q.returncode,
                                                                q.stderr.strip()[:160]))
        q = run([LOADER, "start", "promtest", "--pid", str(w.pid), "--prom", prom],
                check_rc=False)
        check(q.returncode == 64 and "--prom" in q.stderr, "start --prom: usage error (%d)" %
              q.returncode)
        check(os.listdir(tmp) == [], "nothing left in the directory")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done()
