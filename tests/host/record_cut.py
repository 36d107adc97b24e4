#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A record file cut at any length is reported as cut: 'report' prints the snapshots before
the cut and exits 1, whatever byte the cut falls on; the whole file exits 0.

The recorder flushes the gzip stream after each snapshot, so a cut can fall exactly at a
snapshot boundary: whole snapshots decompress, then the stream just stops, with no gzip
trailer. 'report' took that for the end of the file and exited 0 (loader_bad_input.py's cut
at two thirds once landed there). Recorded on the host in fallback mode."""
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

REC = "/tmp/db-record-cut.dbr"
CUT = "/tmp/db-record-cut-part.dbr"
with Workload("f:2M@0", duration=20) as w:
    run([LOADER, "monitor", "--pid", str(w.pid), "--record", REC, "--duration", "3s",
         "--interval", "500ms"])
with open(REC, "rb") as f:
    data = f.read()
whole = subprocess.run([LOADER, "report", "--json", REC], capture_output=True, text=True)
n = len([l for l in whole.stdout.splitlines() if l.startswith("{")])
check(whole.returncode == 0 and n >= 4, "the whole record: exit 0, %d snapshots (%d)" %
      (n, whole.returncode))

# Every length from the first byte after the gzip header to one short of the whole file.
bad = []
for length in range(10, len(data)):
    with open(CUT, "wb") as f:
        f.write(data[:length])
    p = subprocess.run([LOADER, "report", "--json", CUT], capture_output=True, text=True)
    if p.returncode != 1 or "record file" not in p.stderr:
        bad.append((length, p.returncode, p.stderr.strip()[:80]))
log("  %d bytes, %d cuts tried" % (len(data), len(data) - 10))
check(not bad, "every cut exits 1 and says the record file was cut (%d did not: %s)" %
      (len(bad), bad[:5]))
os.unlink(REC)
os.unlink(CUT)
done()
