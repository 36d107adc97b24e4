#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's table: the JSON of 'damon-bpf bench' on the host and in the guest, one row a
phase, each side's median ratio to 'off' with its spread (the rounds' lowest and highest),
the kdamond's CPU share and its CPU time per region and sampling interval, or (churn) the
BPF run time per event and its ratio to the empty program's.  Phases that did not run say
n/a, with the reason below the table.
    tests/bench/table.py HOST.json GUEST.json"""
import json
import sys


def load(path):
    try:
        with open(path) as f:
            return next(json.loads(l) for l in f if l.startswith("{"))
    except (OSError, StopIteration, ValueError) as e:
        return {"error": "%s: %s" % (path, e or "no JSON object")}


def cells(ph, empty_ns):
    if ph is None or "skipped" in ph:
        return ["n/a", "", "", "", ""] if ph is not None else ["-", "", "", "", ""]
    spread = "%.3f-%.3f" % (ph["ratio_min"], ph["ratio_max"])
    kd = "%.2f%%" % ph["kdamond_cpu_pct"] if "kdamond_cpu_pct" in ph else "-"
    ns = "%.0f" % ph["ns_per_region_sample"] if "ns_per_region_sample" in ph else "-"
    ev = "-"
    if ph.get("ns_per_event"):
        ev = "%.0f" % ph["ns_per_event"]
        if empty_ns:
            ev += " %.1fx" % (ph["ns_per_event"] / empty_ns)
    return ["%.3f" % ph["ratio"], spread, kd, ns, ev]


def empty_ns(o):
    """The empty program's BPF run time per event (churn), the reporters' yardstick."""
    return (o.get("phases", {}).get("empty") or {}).get("ns_per_event")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.rsplit("\n", 1)[-1].strip())
    sides = [("host", load(sys.argv[1])), ("guest", load(sys.argv[2]))]
    names = []
    for _, o in sides:
        names += [n for n in o.get("phases", {}) if n not in names]
    fmt = "%-10s" + "  %6s %-12s %7s %8s %11s" * 2
    o = next((o for _, o in sides if "rounds" in o), {})
    print("bench --workload %s: %s rounds of %s s a phase; medians, SPREAD the rounds' "
          "lowest and\nhighest ratio to 'off'; KDAMOND its CPU share; NS/REG/S its CPU time "
          "per region and\nsampling interval; NS/EVENT the BPF programs' run time per event "
          "(x: to 'empty')" % (o.get("workload"), o.get("rounds"), o.get("duration_s")))
    print("%-10s  %s  %s" % ("", "host".center(48, "-"), "guest".center(48, "-")))
    print(fmt % ("PHASE", "VS OFF", "SPREAD", "KDAMOND", "NS/REG/S", "NS/EVENT",
                 "VS OFF", "SPREAD", "KDAMOND", "NS/REG/S", "NS/EVENT"))
    for n in names:
        print((fmt % tuple([n] + sum((cells(o.get("phases", {}).get(n), empty_ns(o))
                                      for _, o in sides), []))).rstrip())
    for side, o in sides:
        if "error" in o:
            print("%s: %s" % (side, o["error"]))
        for n, ph in o.get("phases", {}).items():
            if "skipped" in ph:
                print("%s %s: n/a (%s)" % (side, n, ph["skipped"]))
            elif "note" in ph:
                print("%s %s: %s" % (side, n, ph["note"]))
        if o.get("perf_source"):
            print("%s perf source: %s" % (side, o["perf_source"]))


main()
