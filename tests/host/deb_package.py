#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make deb: build/damon-bpf_VERSION_ARCH.deb.  Its control file has the loader's version,
this machine's architecture, no Depends because the loader is static (ldd says so) and a
Built-Using with the installed versions of the static libraries' sources; dpkg-deb -c lists
exactly what 'make install PREFIX=/usr' installs (man pages gzipped) plus copyright,
changelog and lintian overrides; extracted into a scratch root, its loader runs from there;
lintian reports nothing beyond the three overrides (static linking), which are used."""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../lib"))
from dbtest import *  # noqa: E402,F403

# make's build dir and the loader it packages (make check-asan's DB_BUILD holds an ASan
# loader, linked dynamically)
MADE = os.path.join(TOP, "build")
PACKAGED = os.path.join(MADE, "damon-bpf")

p = subprocess.run(["make", "-s", "-C", TOP, "deb"], capture_output=True, text=True, timeout=300)
need(p.returncode == 0, "make deb%s" % ("" if p.returncode == 0 else ": " + p.stderr.strip()))
version = re.search(r'argp_program_version = "damon-bpf ([^"]+)"',
                    open(os.path.join(TOP, "user/cli/main.c")).read()).group(1)
arch = run(["dpkg", "--print-architecture"]).stdout.strip()
deb = os.path.join(MADE, "damon-bpf_%s_%s.deb" % (version, arch))
need(os.path.exists(deb), "%s exists" % os.path.relpath(deb, TOP))
log("  %s: %d KiB" % (os.path.basename(deb), os.path.getsize(deb) // 1024))

fields = {}
for line in run(["dpkg-deb", "-f", deb]).stdout.split("\n"):
    m = re.match(r"^([A-Za-z-]+): (.*)$", line)
    if m:
        fields[m.group(1)] = m.group(2)
check(fields.get("Package") == "damon-bpf" and fields.get("Version") == version and
      fields.get("Architecture") == arch,
      "control: damon-bpf %s %s" % (fields.get("Version"), fields.get("Architecture")))
l = subprocess.run(["ldd", PACKAGED], capture_output=True, text=True)
ldd = l.stdout + l.stderr
static = "not a dynamic executable" in ldd
check(static and "Depends" not in fields and "Pre-Depends" not in fields,
      "the loader is static (ldd: %s) and the package depends on nothing" % ldd.strip())
want_bu = []
for pkg in ("libbpf-dev", "libelf-dev", "zlib1g-dev", "libzstd-dev", "libpng-dev", "libc6-dev"):
    want_bu.append(run(["dpkg-query", "-W", "-f=${source:Package} (= ${source:Version})",
                        pkg]).stdout)
check(fields.get("Built-Using") == ", ".join(want_bu),
      "Built-Using names the linked-in libraries' sources: %s" % fields.get("Built-Using"))
size = int(fields.get("Installed-Size", "0"))
check(1000 < size < 10000, "Installed-Size %d KiB" % size)

# The files: what make install PREFIX=/usr puts in a root, as the package has them.
stage = tempfile.mkdtemp(prefix="damon-bpf-deb.")
p = subprocess.run(["make", "-s", "-C", TOP, "install", "DESTDIR=" + stage + "/i", "PREFIX=/usr"],
                   capture_output=True, text=True, timeout=120)
installed = set()
for d, _, names in os.walk(stage + "/i"):
    for n in names:
        f = os.path.relpath(os.path.join(d, n), stage + "/i")
        installed.add(f + ".gz" if f.startswith("usr/share/man/") else f)
want = installed | {"usr/share/doc/damon-bpf/copyright", "usr/share/doc/damon-bpf/changelog.gz",
                    "usr/share/lintian/overrides/damon-bpf"}
listing = run(["dpkg-deb", "-c", deb]).stdout.split("\n")
files = set(l.split()[5][2:] for l in listing if l.startswith("-"))
owners = set(l.split()[1] for l in listing if l.strip())
check(files == want, "dpkg-deb -c: the %d files of make install PREFIX=/usr and the Debian "
      "ones%s%s" % (len(want), "; extra: %s" % sorted(files - want) if files - want else "",
                    "; missing: %s" % sorted(want - files) if want - files else ""))
check(owners == {"root/root"}, "owned by root/root (%s)" % sorted(owners))
check(any(l.startswith("d") and l.split()[5] == "./etc/damon-bpf/" for l in listing),
      "/etc/damon-bpf is in it, for the unit's specs")

root = os.path.join(stage, "root")
run(["dpkg-deb", "-x", deb, root])
q = subprocess.run([root + "/usr/sbin/damon-bpf", "--help"], capture_output=True, text=True)
check(q.returncode == 0 and "COMMANDS:" in q.stdout, "the extracted /usr/sbin/damon-bpf --help runs")
q = subprocess.run([root + "/usr/sbin/damon-bpf", "args", "run",
                    root + "/usr/share/doc/damon-bpf/examples/reclaim.json"],
                   capture_output=True, text=True)
check(q.returncode == 0 and q.stdout == open(root + "/usr/share/doc/damon-bpf/examples/"
                                             "reclaim.json").read(),
      "... and reads the packaged example spec back to itself")
r = subprocess.run(["readelf", "-S", root + "/usr/sbin/damon-bpf"], capture_output=True,
                   text=True).stdout
check(".symtab" not in r and ".debug_info" not in r, "the packaged loader is stripped")
page = root + "/usr/share/man/man8/damon-bpf-monitor.8.gz"
check(os.path.exists(page) and gzip.open(page).read() ==
      open(os.path.join(MADE, "man", "damon-bpf-monitor.8"), "rb").read(),
      "man pages gzipped, as make man made them")
unit = open(root + "/usr/lib/systemd/system/damon-bpf@.service").read()
check("ExecStart=/usr/sbin/damon-bpf run /etc/damon-bpf/%i.json --name %i" in unit,
      "the unit runs /usr/sbin/damon-bpf")
ctl = os.path.join(stage, "control")
run(["dpkg-deb", "-e", deb, ctl])
check(sorted(os.listdir(ctl)) == ["control", "md5sums", "postinst", "postrm", "prerm"] and
      all(os.access(os.path.join(ctl, s), os.X_OK) for s in ("postinst", "postrm", "prerm")),
      "control archive: control, md5sums and executable maintainer scripts")
m = subprocess.run(["md5sum", "-c", "--quiet", os.path.join(ctl, "md5sums")], cwd=root,
                   capture_output=True, text=True)
check(m.returncode == 0, "md5sums match the files%s" % (": " + m.stdout.strip() if m.stdout else ""))

# One run (lintian takes some 8 s): with --show-overrides, the overridden errors make it
# exit 2, so the verdict is the tags it prints.
lint = subprocess.run(["lintian", "--pedantic", "--display-experimental", "--show-overrides",
                       "--tag-display-limit", "0", deb], capture_output=True, text=True,
                      timeout=120)
tags = [l for l in lint.stdout.split("\n") if re.match(r"^[EWIPX]: ", l)]
used = [l for l in lint.stdout.split("\n") if l.startswith("O: ")]
errors = [l for l in lint.stderr.split("\n") if l.strip() and "root privileges" not in l]
check(lint.returncode in (0, 2) and not tags and not errors,
      "lintian --pedantic --display-experimental: no tag%s" %
      "".join("\n         " + t for t in tags + errors))
check(len(used) == 3 and all("statically-linked-binary" in u or "embedded-library zlib" in u or
                             "embedded-library libpng" in u
                             for u in used), "lintian: the three overrides are used (%s)" %
      "; ".join(u[3:] for u in used))
shutil.rmtree(stage)
done()
