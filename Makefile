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
	asan check-asan fuzz-build fuzz
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
fuzz_spec_SRCS    := user/spec/spec.c user/spec/read.c user/spec/values.c user/spec/write.c \
		     user/lib/json.c user/lib/util.c
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
		$(FUZZ_DIR)

distclean:
	$(Q)rm -rf $(BUILD)

# Benchmarks print ratios side by side; they are not tests (nothing asserts on time).
bench: all
	$(Q)echo "== host ($$(uname -r)): fallback mode"
	$(Q)$(LOADER) bench
	$(Q)echo "== guest (build/kernel): kfunc mode"
	$(Q)tests/vm/run --timeout 600 --cmd "$(LOADER) bench"

# checkpatch from the kernel tree: run from this repo, checkpatch would take the git-tracked
# .patch files for source files (its --file mode) and flag their context lines.
checkpatch:
	$(Q)test -x $(KSRC)/scripts/checkpatch.pl || { echo "no $(KSRC): run 'make kernel'"; exit 1; }
	$(Q)# FILE_PATH_CHANGES: the new mm/damon/ files are under DAMON's "F: mm/damon/" entry
	$(Q)cd $(KSRC) && PATH=/usr/bin:$$PATH ./scripts/checkpatch.pl --strict --terse \
		--ignore FILE_PATH_CHANGES $(TOP)/kernel/patches/*.patch
