#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Help that reads in 80 columns, and says what the code does.

Every 'damon-bpf COMMAND --help' (commands from 'damon-bpf --help') is rendered twice:
as on an 80-column terminal (glibc's argp ignores COLUMNS; it wraps at ARGP_HELP_FMT's
rmargin, 79 unless set, so a doc line of 79 or more characters is rewrapped) and with
ARGP_HELP_FMT=rmargin=1000, where argp wraps nothing.  Every line of the doc text in the
wide rendering must come out whole in the narrow one (else argp broke it inside a sentence),
and no line may be wider than 79 columns or hold a control character.

Stated defaults: for the commands that build a spec, every option whose help says
"(default X)" or ends in "(X)" is given X explicitly; 'damon-bpf args' must print the same
spec as without it, and another value must change the spec (so the option is not ignored).
Defaults that are not part of the spec are listed below with the reason."""
import json
import os
import re
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

WIDTH = 79            # the widest line that fits an 80-column terminal
ARGP_NOTE = ("Mandatory or optional arguments to long options are also mandatory or "
             "optional for any corresponding short options.")
# An argp option line: "  -x, --long..." or "      --long..." (argp's own columns).
OPTION = re.compile(r"^(?:  -[^-], |      )--([\w-]+)(?:=\S+|\[=\S+\])?\s{2,}(.*)$")


def render(args, wide):
    env = dict(os.environ, COLUMNS="80")
    env.pop("ARGP_HELP_FMT", None)
    if wide:
        env["ARGP_HELP_FMT"] = "rmargin=1000"
    return subprocess.run([LOADER] + args, capture_output=True, text=True, env=env, timeout=20)


def doc_lines(text):
    """The lines of an argp help that come from the program's doc strings: not argp's usage
    line, not the option table, not argp's own notes."""
    out = []
    for line in text.splitlines():
        if (not line.strip() or line.startswith(("Usage: ", "  or: ", "Report bugs to ")) or
                line == ARGP_NOTE or OPTION.match(line)):
            continue
        out.append(line)
    return out


def options_of(text):
    """{option: help} from a wide argp rendering (no option help is wrapped there)."""
    return {m.group(1): m.group(2) for m in map(OPTION.match, text.splitlines()) if m}


top = render(["--help"], False)
check(top.returncode == 0, "damon-bpf --help exits 0")
commands = []
in_cmds = False
for line in top.stdout.splitlines():
    if line == "COMMANDS:":
        in_cmds = True
    elif in_cmds and not line.strip():
        break
    elif in_cmds:
        commands.append(line.split()[0])
check(len(commands) >= 12, "damon-bpf --help lists the commands: %s" % " ".join(commands))

helps = {}
widened = []
for cmd in [None] + commands:
    argv = ([cmd] if cmd else []) + ["--help"]
    name = "damon-bpf " + " ".join(argv)
    narrow, wide = render(argv, False), render(argv, True)
    if not check(narrow.returncode == 0 and wide.returncode == 0 and narrow.stdout,
                 "%s: exits 0 with the help on stdout" % name):
        continue
    helps[cmd] = wide.stdout
    # split("\n"): splitlines() would also split at the \v that argp's doc strings hold
    bad = [(i + 1, l) for i, l in enumerate(narrow.stdout.split("\n"))
           if len(l) > WIDTH or re.search(r"[\x00-\x09\x0b-\x1f\x7f]", l)]
    check(not bad, "%s: every line fits 80 columns, no control characters%s" %
          (name, "".join("\n         line %d (%d columns): %r" % (n, len(l), l)
                         for n, l in bad[:5])))
    if "Give this help list" not in wide.stdout:
        # The loader's own text (damon-bpf --help, start --help): nothing rewraps it.
        check(narrow.stdout == wide.stdout, "%s: printed as written (not argp's)" % name)
        continue
    # The wide rendering must really be wide, or the comparison below proves nothing: argp's
    # own note (in every help with an option that takes an argument) shows it.
    if ARGP_NOTE in wide.stdout.splitlines() and ARGP_NOTE not in narrow.stdout.splitlines():
        widened.append(cmd)
    docs = doc_lines(wide.stdout)
    whole = set(narrow.stdout.splitlines())
    broken = [l for l in docs if l not in whole]
    check(len(docs) >= 5 and not broken,
          "%s: %d doc lines, none rewrapped by argp%s" %
          (name, len(docs), "".join("\n         %d columns: %r" % (len(l), l)
                                    for l in broken[:5])))

check(len(widened) >= 8, "ARGP_HELP_FMT=rmargin=1000 widens argp's output, the default "
      "wraps at 79 (argp's note whole in the wide help only: %s)" % " ".join(widened))

# --- stated defaults against the spec -------------------------------------------------------

BASE = {
    "monitor": ["--pid", "1"],
    "reclaim": ["--pid", "1"],
    "collapse": ["--pid", "1"],
    "tier": ["--fast", "0", "--slow", "1"],
    "run": [os.path.join(TOP, "docs", "examples", "reclaim.json")],
}
# Defaults the spec does not hold: what the session does at run time.
RUNTIME = {
    "interval": "how often the view prints",
    "duration": "how long the session runs",
    "top": "rows of the view",
    "perf-period": "0 in the spec; the perf source picks 10007 (PEBS, IBS) or 1 "
                   "(software page faults) at run time",
}
RUN_SPEC_NAME = json.load(open(BASE["run"][0]))["policy"]["name"]
# Defaults stated in words: (the words, the value they mean).
WORDS = {
    ("reclaim", "priority"): ("1, the default", "1:1"),
    ("collapse", "floor"): ("a fifth of the maximum", str(100000 // 5000 // 5)),
    ("run", "name"): ("the spec's policy.name", RUN_SPEC_NAME),
}
for cmd in ("reclaim", "collapse", "tier"):
    WORDS[(cmd, "name")] = ("the command's name", cmd)


def stated_default(help_text):
    """"(default X)", "(default: X)", or a terse "(X)" at the end: "(30s)", "(auto)"."""
    m = re.search(r"\(default:? ([^)]*)\)", help_text) or re.search(r"\((\S+)\)$", help_text)
    return m.group(1) if m else None


def other_value(opt, v):
    """A value that is not v, of the same kind."""
    m = re.match(r"^(\d+(?:\.\d+)?)(.*)$", v)
    if m:
        n = float(m.group(1))
        return "%g%s" % (n / 2 if opt in ("fast-used",) else n * 2 if n else 1, m.group(2))
    return {"auto": "3", "off": "500,400,50", "fault": "perf", "1:1": "1:2"}.get(v, "x-" + v)


def spec(cmd, extra):
    p = subprocess.run([LOADER, "args", cmd] + BASE[cmd] + extra, capture_output=True,
                       text=True, timeout=20)
    return p.stdout if p.returncode == 0 else "exit %d: %s" % (p.returncode, p.stderr.strip())


checked = 0
for cmd, base in BASE.items():
    if not check(cmd in helps, "%s --help rendered" % cmd):
        continue
    plain = spec(cmd, [])
    if not check(plain.startswith("{"), "args %s %s prints a spec%s" %
                 (cmd, " ".join(base), "" if plain.startswith("{") else ": " + plain)):
        continue
    for opt, text in sorted(options_of(helps[cmd]).items()):
        if (cmd, opt) in WORDS:
            words, value = WORDS[(cmd, opt)]
            said = words
            if not check(words in text, "%s --%s: its help says '%s' (%s)" %
                         (cmd, opt, words, text)):
                continue
        else:
            said = value = stated_default(text)
        if said is None or opt in RUNTIME:
            continue
        same = spec(cmd, ["--%s" % opt, value])
        alt = other_value(opt, value)
        differs = spec(cmd, ["--%s" % opt, alt])
        checked += 1
        check(same == plain and differs != plain,
              "%s --%s: the stated default '%s' is what the spec has%s" %
              (cmd, opt, said, "" if same == plain else
               " -- NOT SO: 'args %s --%s %s' prints another spec than without it"
               % (cmd, opt, value) if same.startswith("{") else ": " + same) +
              ("" if differs != plain else
               " (and --%s %s changes nothing: the check would prove nothing)" % (opt, alt)))

# A few defaults read off the spec itself, in the help's own units.
sp = json.loads(spec("monitor", []))
ctx = sp["kdamonds"][0]["contexts"][0]
check(ctx["intervals"] == {"sample_us": 5000, "aggr_us": 100000, "ops_update_us": 1000000} and
      ctx["nr_regions"] == {"min": 10, "max": 1000} and sp["bpf"]["source"] == "fault",
      "monitor: 5ms/100ms/1s, 10..1000 regions, source fault in the spec")
mon = options_of(helps.get("monitor", ""))
check("(default 5ms)" in mon.get("sample", "") and "(default 100ms)" in mon.get("aggr", "") and
      "(default 1s)" in mon.get("update", "") and "(default 10)" in mon.get("min-regions", "")
      and "(default 1000)" in mon.get("max-regions", ""), "monitor --help says so")
check("10007" in mon.get("perf-period", ""),
      "monitor --perf-period states the hardware samplers' period (user/bpf/reporter.c)")
s = json.loads(spec("reclaim", []))["kdamonds"][0]["contexts"][0]["schemes"][0]
rate = s["quotas"]["sz_bytes"] * 1000 // s["quotas"]["reset_interval_ms"]
check(s["access_pattern"]["age"]["min"] * 100000 == 30000000 and rate == 128 << 20,
      "reclaim: min-age 30 s, quota 128 MiB/s in the spec")
s = json.loads(spec("tier", []))["kdamonds"][0]["contexts"][0]["schemes"]
rate = s[0]["quotas"]["sz_bytes"] * 1000 / s[0]["quotas"]["reset_interval_ms"]
check(s[0]["quotas"]["goals"][0]["target_value"] == 9960 and
      s[1]["quotas"]["goals"][0]["target_value"] == 40 and abs(rate - (256 << 20)) < 1024,
      "tier: 99.6 %% used, 0.4 %% free, 256 MiB/s in the spec (%.0f B/s)" % rate)
check(checked >= 15, "%d stated defaults checked against the spec" % checked)
done()
