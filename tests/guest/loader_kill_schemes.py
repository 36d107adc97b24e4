#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""reclaim, collapse and tier killed with SIGKILL at five points between start and steady
state, and behind '| head -1' (the issue's first report: reclaim --json | head -1 left its
kdamond paging out): afterwards nothing of ours is left, or 'damon-bpf stop --all' removes it
and says what; then the same command starts again, removes what a dead one left, and works."""
# dbtest-timeout: 400
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

clean_start()
with Workload("w:4M@0", "c:4M@1", duration=600) as w:
    rec = ["reclaim", "--pid", w.pid, "--min-age", "1s", "--json", "--interval", "500ms"]
    kill_matrix("reclaim", rec, with_link=False)
    head1_clean("reclaim", [LOADER] + rec)
    restart_recovers("reclaim", rec, rec + ["--duration", "3s"])

    col = ["collapse", "--pid", w.pid, "--json", "--interval", "500ms"]
    kill_matrix("collapse", col, with_link=False)
    head1_clean("collapse", [LOADER] + col)
    restart_recovers("collapse", col, col + ["--duration", "3s"])

if {0, 1} <= set(nodes("has_memory")) and has_command("tier"):
    tier = ["tier", "--fast", 0, "--slow", 1, "--json", "--interval", "500ms"]
    kill_matrix("tier", tier, with_link=False)
    head1_clean("tier", [LOADER] + [str(x) for x in tier])
    restart_recovers("tier", tier, tier + ["--duration", "3s"])
else:
    log("  tier: skipped (needs memory on nodes 0 and 1)")
done()
