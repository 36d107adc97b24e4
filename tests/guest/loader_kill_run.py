#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""run (a spec from 'args reclaim') killed with SIGKILL at five points between start and steady
state, and behind '| head -1': afterwards nothing of ours is left, or 'damon-bpf stop --all'
removes it and says what; then run starts again, removes what a dead one left, and works."""
# dbtest-timeout: 300
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

clean_start()
with Workload("w:4M@0", duration=600) as w:
    spec = "/tmp/loader_kill-run.json"
    with open(spec, "w") as f:
        f.write(run([LOADER, "args", "reclaim", "--pid", str(w.pid), "--name", "runk",
                     "--min-age", "1s"]).stdout)
    runc = ["run", spec, "--json", "--interval", "500ms"]
    kill_matrix("run", runc, with_link=False)
    head1_clean("run", [LOADER] + runc)
    restart_recovers("run", runc, runc + ["--duration", "3s"])
done()
