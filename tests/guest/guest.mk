# Guest tests (tests/guest/): static musl programs that run natively on the
# host Linux and inside Tern; the system tests compare the two outputs.
# Included by the top Makefile; also works alone:
#   make -f tests/guest/guest.mk guest        build everything into $(BUILD)/guest/
#   make -f tests/guest/guest.mk guest-host   run them on this host -> host.out
#
# $(BUILD)/guest/ then holds: the test programs, runner, list (compared tests
# first, then the stress tests, which are not compared), data/ (copied from
# tests/guest/data/ with fixed modes, plus generated broken ELF files).

BUILD ?= build
PYTHON ?= /usr/bin/python3

GUEST_DIR := tests/guest
GUEST_OUT := $(BUILD)/guest
GUEST_CC := musl-gcc
GUEST_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror -pthread -I$(GUEST_DIR)/lib

# The writable file system (the I/O server's RAM root): each works in a
# scratch directory of its own in the test directory.
GUEST_FS_TESTS := fs_open fs_meta fs_dir fs_link fs_fifo fs_lock fs_copy fs_mmap fs_exec fs_stress
# The tests whose host and Tern outputs must be identical, in run order.
GUEST_TESTS := proc procinfo clone mem mem2 thread thread2 futex signal signal2 \
	pipe fd poll epoll time file misc sched elf elfload elfload_pie bss wildptr \
	$(GUEST_FS_TESTS) procfs
# The same programs built with glibc (gcc -static) instead of musl: another C
# library's start-up and threading paths (rseq, clone3 fallback ...) against
# the same kernel. Only those whose checks hold under glibc on Linux too.
GUEST_GLIBC_TESTS := bss clone elf elfload epoll file futex mem mem2 misc pipe poll proc signal time \
	$(GUEST_FS_TESTS)
GLIBC_CC := gcc
# Guest-only tests: they print PASS/FAIL summaries and are not compared.
GUEST_STRESS := stress_futex stress_fork stress_smp stress_oom
# Guest-only checks that are neither compared nor stress tests (they print
# "NAME: PASS" in Tern and "NAME: skipped on host" elsewhere): listed in
# list-guest-only, not in list.
GUEST_ONLY := nodevice
# Built but not in the list.
GUEST_HELPERS := runner ttyraw spin

GUEST_LIB := $(GUEST_DIR)/lib/check.c $(GUEST_DIR)/lib/check.h

# A static PIE cannot come from `musl-gcc -static-pie` (its specs file makes a
# dynamic PIE with an interpreter). Link it by hand: musl's rcrt1.o relocates
# the image itself at start-up (_dlstart), gcc's -static-pie makes ld emit
# `-static -pie --no-dynamic-linker -z text`, and -nostdlib keeps gcc's glibc
# start files out.
GUEST_MUSL_LIB := /usr/lib/x86_64-linux-musl
GUEST_PIE_LINK = gcc -nostdlib -static-pie -o $@ $(GUEST_MUSL_LIB)/rcrt1.o $(GUEST_MUSL_LIB)/crti.o \
	$$(gcc -print-file-name=crtbeginS.o) $^ -L$(GUEST_MUSL_LIB) -lc $$(gcc -print-libgcc-file-name) \
	$$(gcc -print-file-name=crtendS.o) $(GUEST_MUSL_LIB)/crtn.o

GUEST_PROGRAMS := $(filter-out elfload_pie,$(GUEST_TESTS)) $(GUEST_STRESS) $(GUEST_ONLY) $(GUEST_HELPERS)
GUEST_BINS := $(addprefix $(GUEST_OUT)/,$(GUEST_PROGRAMS) elfload_pie) \
	$(addsuffix -glibc,$(addprefix $(GUEST_OUT)/,$(GUEST_GLIBC_TESTS)))
GUEST_DATA_SRC := $(shell find $(GUEST_DIR)/data ! -type l 2>/dev/null | sort)

.PHONY: guest guest-host
guest: $(GUEST_BINS) $(GUEST_OUT)/list $(GUEST_OUT)/list-compared $(GUEST_OUT)/list-guest-only \
	$(GUEST_OUT)/.data-stamp

# Ordinary programs: one source file plus the check library (and what
# GUEST_EXTRA_SRC adds for some).
$(GUEST_OUT)/%: $(GUEST_DIR)/%.c $(GUEST_LIB)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $< $(GUEST_DIR)/lib/check.c $(GUEST_EXTRA_SRC)

$(GUEST_OUT)/%-glibc: $(GUEST_DIR)/%.c $(GUEST_LIB)
	@mkdir -p $(@D)
	$(GLIBC_CC) $(filter-out -static,$(GUEST_CFLAGS)) -static -o $@ $< $(GUEST_DIR)/lib/check.c \
		$(GUEST_EXTRA_SRC)

# The programs that also link the file-system helpers (lib/fsutil.c).
GUEST_FSUTIL_USERS := file $(GUEST_FS_TESTS)
GUEST_FSUTIL_BINS := $(addprefix $(GUEST_OUT)/,$(GUEST_FSUTIL_USERS)) \
	$(addsuffix -glibc,$(addprefix $(GUEST_OUT)/,$(filter $(GUEST_FSUTIL_USERS),$(GUEST_GLIBC_TESTS))))
$(GUEST_FSUTIL_BINS): GUEST_EXTRA_SRC := $(GUEST_DIR)/lib/fsutil.c
$(GUEST_FSUTIL_BINS): $(GUEST_DIR)/lib/fsutil.c $(GUEST_DIR)/lib/fsutil.h

# nodevice calls Tern's native system calls (include/tern/syscall.h).
$(GUEST_OUT)/nodevice: GUEST_CFLAGS += -Iinclude
$(GUEST_OUT)/nodevice: include/tern/syscall.h

# The runner must not depend on the check library.
$(GUEST_OUT)/runner: $(GUEST_DIR)/runner.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $<

# elfload twice: a normal static executable and a static PIE.
$(BUILD)/guest-obj/%.o: $(GUEST_DIR)/%.c $(GUEST_DIR)/lib/check.h
	@mkdir -p $(@D)
	$(GUEST_CC) $(filter-out -static,$(GUEST_CFLAGS)) -fPIE -DGUEST_PIE=1 -c -o $@ $<
$(BUILD)/guest-obj/check.o: $(GUEST_LIB)
	@mkdir -p $(@D)
	$(GUEST_CC) $(filter-out -static,$(GUEST_CFLAGS)) -fPIE -c -o $@ $(GUEST_DIR)/lib/check.c
$(GUEST_OUT)/elfload_pie: $(BUILD)/guest-obj/elfload.o $(BUILD)/guest-obj/check.o
	$(GUEST_PIE_LINK)

$(GUEST_OUT)/list: $(GUEST_DIR)/guest.mk
	@mkdir -p $(@D)
	printf '%s\n' $(GUEST_TESTS) $(addsuffix -glibc,$(GUEST_GLIBC_TESTS)) $(GUEST_STRESS) > $@

# The guest-only checks (run in Tern: each must print "NAME: PASS").
$(GUEST_OUT)/list-guest-only: $(GUEST_DIR)/guest.mk
	@mkdir -p $(@D)
	printf '%s\n' $(GUEST_ONLY) > $@

# The compared tests alone (for runs on further machine models).
$(GUEST_OUT)/list-compared: $(GUEST_DIR)/guest.mk
	@mkdir -p $(@D)
	printf '%s\n' $(GUEST_TESTS) $(addsuffix -glibc,$(GUEST_GLIBC_TESTS)) > $@

# Data: a copy of data/ with fixed modes (so stat output does not depend on
# the umask of the checkout), plus the broken ELF files for the exec tests.
$(GUEST_OUT)/.data-stamp: $(GUEST_DATA_SRC) $(GUEST_DIR)/make_bad_elfs.py
	rm -rf $(GUEST_OUT)/data
	@mkdir -p $(GUEST_OUT)
	cp -R $(GUEST_DIR)/data $(GUEST_OUT)/data
	find $(GUEST_OUT)/data -type d -exec chmod 0755 {} +
	find $(GUEST_OUT)/data -type f -exec chmod 0644 {} +
	$(PYTHON) $(GUEST_DIR)/make_bad_elfs.py $(GUEST_OUT)/data/elf
	touch $@

guest-host: guest
	$(GUEST_OUT)/runner $(GUEST_OUT) > $(GUEST_OUT)/host.out; status=$$?; \
		cat $(GUEST_OUT)/host.out; exit $$status
