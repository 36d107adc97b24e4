#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Every --json output and the owner records go through one writer that escapes: a loader
started under a name with a quote, a backslash, a tab and a byte that is not UTF-8 (its
command line is in its record and in 'status --json') still prints JSON that parses, with
the characters back as they were (the invalid byte as U+FFFD).  Fallback mode: the host's
DAMON is not touched."""
import os
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

if os.geteuid() != 0:
    skip("needs root (BPF)")
tmp = tempfile.mkdtemp(prefix="db-json-")
odd = os.path.join(tmp.encode(), b'damon"bpf\\x\tq\xff')
os.symlink(LOADER, odd)
try:
    with Workload("f:2M@0", duration=30) as w:
        ld = subprocess.Popen([odd, b"monitor", b"--pid", str(w.pid).encode(), b"--json",
                               b"--interval", b"300ms"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        name = "monitor-%d" % ld.pid
        rec = os.path.join(RECORD_DIR, name + ".session")
        wait_for(lambda: os.path.exists(rec), 20, step=0.1)
        with open(rec, "rb") as f:
            raw = f.read()
        try:
            r = json.loads(raw.decode("utf-8"))
        except ValueError as e:
            r = {}
            log("  record: %r (%s)" % (raw[:300], e))
        want = odd.decode("utf-8", errors="replace")
        check(r.get("command", "").startswith(want + " monitor"),
              "the owner record parses, its command line as it was: %r" % r.get("command"))
        st = run([LOADER, "status", "--json"])
        objs = [o for o in json_lines(st.stdout) if o.get("name") == name]
        check(len(objs) == 1 and objs[0]["command"].startswith(want) and
              not objs[0]["owner_gone"], "status --json parses and names the command: %r" %
              (objs[0]["command"] if objs else st.stdout[:200]))
        line = ld.stdout.readline()
        ld.terminate()
        ld.wait(timeout=30)
        check(bool(json_lines(line.decode())), "monitor --json from that loader parses")
        check(wait_for(lambda: not os.path.exists(rec), 5), "its record is gone after SIGTERM")
finally:
    os.unlink(odd)
    os.rmdir(tmp)
done()
