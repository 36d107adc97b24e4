# SPDX-License-Identifier: GPL-2.0
# damon-bpf: top-level build.  `make help` lists the targets.

TOP      := $(abspath .)
BUILD    := $(TOP)/build
KSRC     := $(BUILD)/linux-src
KOBJ     := $(BUILD)/kernel
KOBJ_DBG := $(BUILD)/kernel-debug
BZIMAGE  := $(KOBJ)/arch/x86/boot/bzImage

CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= gcc
ARCH_DEF := -D__TARGET_ARCH_x86

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))

USER_CFLAGS := -g -O2 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	       -I$(BUILD)/bpf -Iuser -Ibpf -D_GNU_SOURCE
USER_LDLIBS := -static -lpng16 -lbpf -lelf -lz -lzstd -lm -lpthread

.PHONY: all help deps kernel kernel-debug kernel-patches vmlinux bpf user workloads bench \
	check check-host check-guest check-debug checkpatch demo clean distclean \
	asan check-asan fuzz-build fuzz man install uninstall deb deb-lint kernel-deb \
	kernel-deb-config
.DELETE_ON_ERROR:
.SECONDARY:

all: bpf user workloads

help:
	@echo 'make deps            install build and test dependencies (Debian packages)'
	@echo 'make kernel          unpack linux-source-6.12, apply kernel/patches, build bzImage'
	@echo 'make kernel-debug    the same kernel with lockdep, atomic-sleep checks and KASAN'
	@echo 'make kernel-patches  export the commits of build/linux-src back to kernel/patches/'
	@echo 'make vmlinux         regenerate vmlinux/vmlinux.h from the built kernel'
	@echo 'make                 BPF objects, skeletons, the damon-bpf loader and workloads'
	@echo 'make demo            deps + kernel + a live monitoring session in the guest'
	@echo 'make check           host tests and the guest suite; ends with "N passed, N failed"'
	@echo 'make check-debug     the guest suite on the debug kernel'
	@echo 'make bench           reporter cost and workload slowdown, host and guest, side by side'
	@echo 'make checkpatch      scripts/checkpatch.pl --strict on kernel/patches'
	@echo 'make check-asan      the host tests with a loader built with ASan+UBSan (build/asan)'
	@echo 'make fuzz            libFuzzer targets (tests/fuzz), each for FUZZ_TIME s (60)'
	@echo 'make man             man pages from the --help texts (help2man) into build/man/'
	@echo 'make install         binary, man pages, systemd unit, bash completion, docs'
	@echo '                     under PREFIX (/usr/local), staged in DESTDIR; make uninstall'
	@echo 'make deb             build/damon-bpf_VERSION_amd64.deb (dpkg-deb); deb-lint: lintian'
	@echo 'make kernel-deb      Debian packages of the patched kernel from Debian'"'"'s config'
	@echo '                     (build/kernel-deb, hours); kernel-deb-config: its .config only'
	@echo 'V=1 shows commands; T=name runs one guest test (make check-guest T=fault_counts)'

deps:
	$(Q)scripts/deps.sh

# --- kernel ------------------------------------------------------------------------------

kernel:
	$(Q)scripts/kernel.sh tree
	$(Q)scripts/kernel.sh build $(KOBJ) $(TOP)/kernel/config

kernel-debug:
	$(Q)scripts/kernel.sh tree
	$(Q)scripts/kernel.sh build $(KOBJ_DBG) $(TOP)/kernel/config $(TOP)/kernel/config.debug

kernel-patches:
	$(Q)scripts/kernel.sh export

vmlinux:
	$(call msg,BTF,vmlinux/vmlinux.h)
	$(Q)test -f $(KOBJ)/vmlinux || { echo "no $(KOBJ)/vmlinux: run 'make kernel'"; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(KOBJ)/vmlinux format c > vmlinux/vmlinux.h.tmp
	$(Q)mv vmlinux/vmlinux.h.tmp vmlinux/vmlinux.h

# --- BPF and user space ------------------------------------------------------------------

VMLINUX_H := vmlinux/vmlinux.h
# The loader's layers are the folders of user/ (docs/architecture.md); headers are included
# with their folder ("spec/spec.h"), from -Iuser.
USER_SRCS := $(wildcard user/*/*.c)
USER_HDRS := $(wildcard user/*/*.h)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
WORKLOADS := $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(wildcard tests/workloads/*.c))
LOADER    := $(BUILD)/damon-bpf

bpf: $(BPF_SKELS)
user: $(LOADER)
workloads: $(WORKLOADS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/damon_bpf.h $(VMLINUX_H) | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall -target bpf $(ARCH_DEF) -Ivmlinux -Ibpf -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) bpf/damon_bpf.h $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(LOADER): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) -o $@ $^ $(USER_LDLIBS)

$(BUILD)/workloads/%: tests/workloads/%.c | $(BUILD)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -Wextra -Wno-unused-parameter -static -o $@ $< -lpthread

$(BUILD)/bpf $(BUILD)/workloads:
	$(Q)mkdir -p $@

# --- sanitizers and fuzzing -------------------------------------------------------------

# The loader with AddressSanitizer and UBSan, linked dynamically, in a build dir of its own;
# check-asan runs the host tests with it (DB_BUILD), the workloads are the normal ones.
ASAN_DIR    := $(BUILD)/asan
ASAN_FLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=undefined
ASAN_OBJS   := $(patsubst user/%.c,$(ASAN_DIR)/user/%.o,$(USER_SRCS))
ASAN_LOADER := $(ASAN_DIR)/damon-bpf

asan: $(ASAN_LOADER) workloads

$(ASAN_DIR)/user/%.o: user/%.c $(USER_HDRS) bpf/damon_bpf.h $(BPF_SKELS)
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(ASAN_LOADER): $(ASAN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ASAN_FLAGS) -o $@ $^ -lpng16 -lbpf -lelf -lz -lm
	$(Q)ln -sfn ../workloads $(ASAN_DIR)/workloads

check-asan: asan
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		DB_BUILD=$(ASAN_DIR) tests/run-all --host-only

# libFuzzer targets: tests/fuzz/fuzz_<name>.c over the loader's own parsers, seed corpus in
# tests/fuzz/corpus/<name>/.  'make fuzz' runs each for FUZZ_TIME seconds on a working copy
# of its corpus (build/fuzz/corpus/<name>); make check runs each over the seed corpus once
# (tests/host/fuzz_corpus.sh).
FUZZ_TIME    ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_TARGETS := spec record options
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-D_GNU_SOURCE -Iuser -Ibpf -I$(BUILD)/bpf
fuzz_spec_SRCS    := user/spec/spec.c user/spec/read.c user/spec/probes.c user/spec/values.c \
		     user/spec/write.c user/lib/json.c user/lib/util.c
fuzz_record_SRCS  := user/view/record.c user/view/snapshot.c user/view/table.c user/lib/util.c \
		     user/lib/json.c
fuzz_options_SRCS := user/lib/util.c

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(USER_SRCS) $(USER_HDRS) bpf/damon_bpf.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(FUZZ_DIR)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $< $(fuzz_$*_SRCS) -o $@ -lz

fuzz: fuzz-build
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; \
		cp -n tests/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/; \
		echo "== fuzz_$$t: $(FUZZ_TIME) s"; \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-close_fd_mask=2 -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus/$$t \
			> $(FUZZ_DIR)/fuzz_$$t.log 2>&1; \
		rc=$$?; grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done)' \
			$(FUZZ_DIR)/fuzz_$$t.log; \
		if [ $$rc -ne 0 ]; then tail -n 40 $(FUZZ_DIR)/fuzz_$$t.log; \
			echo "fuzz_$$t failed: see $(FUZZ_DIR)/fuzz_$$t.log"; exit 1; fi; \
	done

# --- tests and demo ----------------------------------------------------------------------

# The test command of the README: everything from a fresh clone, no step by hand.
check:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory kernel
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run-all $(if $(T),$(T))

check-host: all
	$(Q)tests/run-all --host-only

check-guest: all
	$(Q)tests/run-all --guest-only $(if $(T),$(T))

check-debug:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory kernel-debug
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run-all --guest-only --slow --kernel $(KOBJ_DBG)/arch/x86/boot/bzImage

demo:
	$(Q)$(MAKE) --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory kernel
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/vm/run --timeout 600 --out $(BUILD)/demo --cmd "sh $(TOP)/tests/demo.sh"
	$(Q)$(LOADER) report $(BUILD)/demo/demo.dbr --heatmap - --heatmap-size 72x20
	$(Q)$(LOADER) report $(BUILD)/demo/demo.dbr --heatmap $(BUILD)/demo/heatmap.png
	@echo "The recorded session's heatmap: build/demo/heatmap.png"

clean:
	$(Q)rm -rf $(BUILD)/bpf $(BUILD)/user $(BUILD)/workloads $(LOADER) $(BUILD)/vm $(ASAN_DIR) \
		$(FUZZ_DIR) $(MAN_DIR) $(BUILD)/deb $(BUILD)/damon-bpf_*.deb

distclean:
	$(Q)rm -rf $(BUILD)

# Benchmarks print ratios side by side; they are not tests (nothing asserts on time).  The host
# runs what its stock kernel allows (no DAMON: it is never written there), the guest all phases.
BENCH_ARGS ?= --workload compute --duration 3s --rounds 5
BENCH_CHURN_ARGS ?= --workload churn --duration 2s --rounds 7
GUEST_LOCK ?= /tmp/damon-bpf-guest.lock
bench: all
	$(Q)mkdir -p $(BUILD)/bench
	$(Q)echo "== host ($$(uname -r)): damon-bpf bench $(BENCH_ARGS), then --workload churn"
	$(Q)$(LOADER) bench $(BENCH_ARGS) --json > $(BUILD)/bench/host.json
	$(Q)$(LOADER) bench $(BENCH_CHURN_ARGS) --json > $(BUILD)/bench/host-churn.json
	$(Q)echo "== guest (build/kernel): the same and tests/bench/ring.py, one guest at a time ($(GUEST_LOCK))"
	$(Q)rm -f $(BUILD)/bench/guest/guest.json $(BUILD)/bench/guest/guest-churn.json \
		$(BUILD)/bench/guest/ring.txt
	$(Q)flock $(GUEST_LOCK) tests/vm/run --timeout 1500 --out $(BUILD)/bench/guest \
		--cmd '$(LOADER) bench $(BENCH_ARGS) --json > $$DB_OUT/guest.json; \
		       $(LOADER) bench $(BENCH_CHURN_ARGS) --json > $$DB_OUT/guest-churn.json; \
		       python3 $(TOP)/tests/bench/ring.py > $$DB_OUT/ring.txt'
	$(Q)tests/bench/table.py $(BUILD)/bench/host.json $(BUILD)/bench/guest/guest.json
	$(Q)echo
	$(Q)tests/bench/table.py $(BUILD)/bench/host-churn.json $(BUILD)/bench/guest/guest-churn.json
	$(Q)echo
	$(Q)echo "report rings (guest, tests/bench/ring.py):"
	$(Q)cat $(BUILD)/bench/guest/ring.txt

# --- man pages, install, packages --------------------------------------------------------

# The version is the loader's own (argp_program_version in user/cli/main.c).
VERSION ?= $(shell sed -n 's/^const char \*argp_program_version = "damon-bpf \(.*\)";$$/\1/p' \
		 user/cli/main.c)
# Dates the man pages and the package's files: the same commit gives the same bytes.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

MAN_DIR := $(BUILD)/man

man: $(MAN_DIR)/damon-bpf.8

# One page per command of 'damon-bpf --help', all from one run of mkman.
$(MAN_DIR)/damon-bpf.8: $(LOADER) packaging/man/mkman
	$(call msg,MAN,$(MAN_DIR))
	$(Q)rm -rf $(MAN_DIR)
	$(Q)packaging/man/mkman $(LOADER) $(MAN_DIR) $(VERSION)

# Where 'make install' puts things: PREFIX (default /usr/local) and the usual dirs under it,
# all below DESTDIR (staging: make install DESTDIR=/tmp/root).  The unit's paths are
# SBINDIR's and SYSCONFDIR's.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/damon-bpf
UNITDIR     ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR  ?= /etc
INSTALL_DOCS     := README.md docs/install.md docs/usage.md docs/schemes.md docs/kernel.md
INSTALL_EXAMPLES := docs/examples/README.md $(wildcard docs/examples/*.json)

install: $(LOADER) man
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(LOADER) $(DESTDIR)$(SBINDIR)/damon-bpf
	$(Q)install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(SYSCONFDIR)/damon-bpf
	$(Q)install -m 0644 $(MAN_DIR)/*.8 $(DESTDIR)$(MANDIR)/man8/
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		packaging/systemd/damon-bpf@.service.in > $(DESTDIR)$(UNITDIR)/damon-bpf@.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/damon-bpf@.service
	$(Q)install -D -m 0644 packaging/bash-completion/damon-bpf \
		$(DESTDIR)$(BASHCOMPDIR)/damon-bpf
	$(Q)install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	$(Q)install -m 0644 $(INSTALL_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

# What install put there; SYSCONFDIR/damon-bpf stays if it holds specs.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/damon-bpf $(DESTDIR)$(UNITDIR)/damon-bpf@.service \
		$(DESTDIR)$(BASHCOMPDIR)/damon-bpf $(DESTDIR)$(MANDIR)/man8/damon-bpf.8 \
		$(DESTDIR)$(MANDIR)/man8/damon-bpf-*.8
	$(Q)rm -rf $(DESTDIR)$(DOCDIR)
	$(Q)rmdir --ignore-fail-on-non-empty $(DESTDIR)$(SYSCONFDIR)/damon-bpf 2>/dev/null || true

# The loader as a Debian package: packaging/debian/mkdeb stages 'make install PREFIX=/usr'
# and builds it with dpkg-deb (docs/install.md).  tests/host/deb_package.py runs lintian on
# it too; deb-lint shows lintian's explanations.
DEB := $(BUILD)/damon-bpf_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null || echo amd64).deb

deb: $(LOADER) man
	$(Q)packaging/debian/mkdeb $(BUILD)/deb $(DEB) $(VERSION)

deb-lint: deb
	$(Q)lintian --pedantic --display-experimental --info $(DEB)

# The patched kernel as Debian packages for real machines: Debian's own config
# (DEBIAN_KCONFIG, from the linux-config-6.12 package) plus packaging/kernel/config, built
# with bindeb-pkg in build/kernel-deb (apart from the test kernels); the packages land in
# build/.
KOBJ_DEB       := $(BUILD)/kernel-deb
DEBIAN_KCONFIG ?= /usr/src/linux-config-6.12/config.amd64_none_amd64.xz

kernel-deb-config:
	$(Q)scripts/kernel.sh tree
	$(Q)packaging/kernel/kernel-deb.sh config $(KOBJ_DEB) $(DEBIAN_KCONFIG) \
		$(TOP)/packaging/kernel/config

kernel-deb: kernel-deb-config
	$(Q)packaging/kernel/kernel-deb.sh build $(KOBJ_DEB)

# checkpatch from the kernel tree: run from this repo, checkpatch would take the git-tracked
# .patch files for source files (its --file mode) and flag their context lines.
# patches that add a tracepoint (checked with TRACE_EVENT()'s layout)
CHECKPATCH_TRACE = $(wildcard $(TOP)/kernel/patches/*-tracepoint.patch)
checkpatch:
	$(Q)test -x $(KSRC)/scripts/checkpatch.pl || { echo "no $(KSRC): run 'make kernel'"; exit 1; }
	$(Q)# FILE_PATH_CHANGES: the new mm/damon/ files are under DAMON's "F: mm/damon/" entry
	$(Q)cd $(KSRC) && PATH=/usr/bin:$$PATH ./scripts/checkpatch.pl --strict --terse \
		--ignore FILE_PATH_CHANGES $(filter-out $(CHECKPATCH_TRACE),$(wildcard $(TOP)/kernel/patches/*.patch))
	$(Q)# TRACE_EVENT() is laid out as every event of include/trace/events/damon.h: its
	$(Q)# TP_*( arguments open lines, their continuations are indented by tabs
	$(Q)cd $(KSRC) && PATH=/usr/bin:$$PATH ./scripts/checkpatch.pl --strict --terse \
		--ignore FILE_PATH_CHANGES,OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT $(CHECKPATCH_TRACE)
