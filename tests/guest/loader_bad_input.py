#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input, one case a line, each with its exit status (64 usage, 1 runtime) and the words
of its message checked: dead and kernel-thread pids, absent (and, where the kernel lets a CPU
go offline, offline) CPUs, absent nodes, zero and absurd sizes and intervals, duplicate
names, malformed and truncated spec files, record files of random bytes and cut gzip
streams.  Nothing may be left behind by any of them."""
# dbtest-timeout: 300
import os
import random
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403


def case(args, rc, words):
    p = run([LOADER] + [str(a) for a in args], check_rc=False, timeout=120, errors="replace")
    msg = (p.stderr.strip().splitlines() or [""])[0]
    check(p.returncode == rc and all(w in p.stderr for w in words),
          "%-58s exit %d (want %d): %s" % (" ".join(str(a) for a in args)[:58], p.returncode,
                                           rc, msg[:150]))
    return p


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


clean_start()
rnd = random.Random(11)
dead = subprocess.Popen(["true"])
dead.wait()
with Workload("w:4M@0", duration=600) as w:
    P = w.pid
    ncpu = os.cpu_count()
    # processes
    case(["monitor", "--pid", dead.pid], 1, ["pid %d: no such process" % dead.pid])
    case(["monitor", "--pid", 2], 1, ["pid 2 is a kernel thread"])
    case(["reclaim", "--pid", dead.pid], 1, ["none of the target processes exists"])
    case(["reclaim", "--pid", 2], 1, ["pid 2 is a kernel thread"])
    case(["reclaim", "--pid", 0], 64, ["'0' is not a process id"])
    case(["monitor", "--pid", "-5"], 64, ["not a process id"])
    # CPUs and nodes
    case(["monitor", "--pid", P, "--cpus", ncpu + 5], 64, ["CPU %d is not online" % (ncpu + 5)])
    case(["monitor", "--pid", P, "--cpus", 4096], 64, ["expected a CPU list"])
    case(["monitor", "--pid", P, "--cpus", "1-0"], 64, ["expected a CPU list"])
    off = "/sys/devices/system/cpu/cpu1/online"
    if os.access(off, os.W_OK):
        try:
            wr(off, 0)
            case(["monitor", "--pid", P, "--cpus", 1], 64, ["CPU 1 is not online"])
        except OSError as e:
            log("  offline CPU: cannot take CPU 1 offline (%s)" % e)
        finally:
            try:
                wr(off, 1)
            except OSError:
                pass
    else:
        log("  offline CPU: this kernel cannot take CPUs offline (no %s)" % off)
    case(["tier", "--fast", 0, "--slow", 7], 1, ["node 7 does not exist", "online nodes"])
    case(["tier", "--fast", 0, "--slow", 5000], 64, ["'5000' is not a node number"])
    case(["tier", "--fast", 1, "--slow", 1], 64, ["tiering needs two nodes"])
    # sizes
    case(["reclaim", "--pid", P, "--quota", "0/s"], 64, ["not a size above 0"])
    case(["reclaim", "--pid", P, "--quota", "99999999999999999999B/s"], 64, ["not a size"])
    case(["reclaim", "--pid", P, "--quota", "64MiB/0ms"], 64, ["at least 1ms"])
    case(["bench", "--size", 0], 64, ["from 4096 bytes to 1GiB"])
    case(["bench", "--size", "4T"], 64, ["from 4096 bytes to 1GiB"])
    # intervals
    case(["monitor", "--pid", P, "--sample", 0], 64, ["is not a time"])
    case(["monitor", "--pid", P, "--aggr", "30000h"], 64, ["at most 1h"])
    case(["monitor", "--pid", P, "--aggr", "999999999999999999999"], 64, ["is not a time"])
    case(["monitor", "--pid", P, "--sample", "1s", "--aggr", "5ms"], 64, ["must not be longer"])
    case(["monitor", "--pid", P, "--duration", "5xs"], 64, ["'5xs' is not a time"])
    case(["reclaim", "--pid", P, "--min-age", 0], 64, ["not a time above 0"])
    case(["reclaim", "--pid", P, "--sample", "2h"], 64, ["at most 1h"])
    case(["monitor", "--pid", P, "--min-regions", 2], 64, ["integer >= 3"])
    # names
    run([LOADER, "start", "dup", "--pid", str(P)])
    case(["start", "dup", "--pid", P], 1, ["session 'dup' exists already", "stop dup"])
    case(["reclaim", "--pid", P, "--name", "dup"], 1, ["session 'dup' exists already"])
    case(["start", "bad/name", "--pid", P], 1, ["use letters, digits"])
    case(["stop", "dup"], 0, ["session dup stopped", "removed"])
    case(["stop", "nosuch"], 1, ["no session 'nosuch'"])
    case(["stop"], 64, ["give session NAMEs or --all"])
    case(["status", "extra"], 64, ["takes no argument"])
    case([], 64, ["USAGE"])
    case(["nosuch"], 64, ["unknown command 'nosuch'"])
    case(["start"], 64, ["usage: damon-bpf start NAME"])
    # spec files
    good = run([LOADER, "args", "reclaim", "--pid", str(P)]).stdout.encode()
    case(["run", write("/tmp/bad-random.json", bytes(rnd.randrange(256) for _ in range(300)))],
         1, ["/tmp/bad-random.json: line"])
    case(["run", write("/tmp/bad-cut.json", good[:len(good) // 2])], 1,
         ["/tmp/bad-cut.json: line"])
    case(["run", write("/tmp/bad-empty.json", b"")], 1, ["/tmp/bad-empty.json"])
    case(["run", write("/tmp/bad-key.json", good.replace(b'"ops"', b'"opz"', 1))], 1,
         ["line", "opz"])
    case(["run", write("/tmp/bad-utf8.json", good.replace(b'"reclaim"', b'"recl\xffim"', 1))], 1,
         ["not UTF-8"])
    case(["run", "/tmp/no-such-spec.json"], 1, ["/tmp/no-such-spec.json", "No such file"])
    case(["run"], 64, ["no spec FILE"])
    # record files
    rec = "/tmp/bad-input.dbr"
    # A record of at least 4 snapshots, so that its first two thirds hold one whole: the
    # session runs until it has them (the debug kernel's first ones come seconds late).
    for secs in (3, 10, 30):
        p = run([LOADER, "monitor", "--pid", str(P), "--record", rec, "--duration",
                 "%ds" % secs, "--interval", "300ms", "--json"], check_rc=False, timeout=240)
        if p.returncode or len(json_lines(p.stdout)) >= 4:
            break
    check(p.returncode == 0 and len(json_lines(p.stdout)) >= 4 and os.path.getsize(rec) > 200,
          "a record file to cut (exit %d, %d snapshots, %d bytes)" % (
              p.returncode, len(json_lines(p.stdout)),
              os.path.getsize(rec) if os.path.exists(rec) else -1))
    with open(rec, "rb") as f:
        data = f.read()
    case(["report", write("/tmp/bad-random.dbr", bytes(rnd.randrange(256) for _ in range(500)))],
         1, ["/tmp/bad-random.dbr: not a damon-bpf record file"])
    case(["report", write("/tmp/bad-empty.dbr", b"")], 1, ["not a damon-bpf record file"])
    cut = case(["report", "--json", write("/tmp/bad-cut.dbr", data[:len(data) * 2 // 3])], 1,
               ["record file: truncated"])
    check(len(json_lines(cut.stdout)) >= 1,
          "the cut record: the snapshots before the cut are printed (%d)" %
          len(json_lines(cut.stdout)))
    case(["report", write("/tmp/bad-header.dbr", data[:20])], 1, ["record file"])
    case(["report", "/tmp/no-such.dbr"], 1, ["/tmp/no-such.dbr"])
    case(["report"], 64, ["no record FILE"])
check(wait_for(lambda: not leftovers(), 5) and not leftovers(),
      "nothing left behind (%s)" % leftovers())
done()
