# Host unit tests (tests/unit/): kernel-independent sources built for the host
# with ASan + UBSan and linked against cmocka. Included by the top Makefile;
# `make unit` builds every test binary and runs them all, failing if any fails.
# Also works alone: make -f tests/unit/unit.mk unit

BUILD ?= build
CC ?= gcc

UNIT_DIR := tests/unit
UNIT_OUT := $(BUILD)/unit
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-I$(UNIT_DIR)/stubs -I$(UNIT_DIR) -Iinclude -Ikernel -Ikernel/arch/x86_64/include -Isys/io -MMD -MP
UNIT_LDFLAGS := -fsanitize=address,undefined
UNIT_LDLIBS := -lcmocka
# Leak checking stays on; abort_on_error off so a report ends the run with a plain failure.
UNIT_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

UNIT_TESTS := test_printf test_string test_cmdline test_cpio test_buddy test_heap test_paging test_acpi \
	test_elf test_exec_stack test_chacha20 test_placement test_mptable \
	test_pagemap test_ramfs test_vfs test_vfs_data test_fs_locks test_fs_populate test_fs_model \
	test_procfs_format

# The kernel sources each test links (string.c only into test_string: the
# others use libc's memcpy/memset/strlen, as the kernel objects expect).
UNIT_SRC_test_printf := kernel/lib/printf.c
UNIT_SRC_test_string := kernel/lib/string.c
UNIT_SRC_test_cmdline := kernel/lib/cmdline.c
UNIT_SRC_test_cpio := kernel/lib/cpio.c
UNIT_SRC_test_buddy := kernel/mm/buddy.c
UNIT_SRC_test_heap := kernel/mm/heap.c
UNIT_SRC_test_paging := kernel/arch/x86_64/paging.c kernel/mm/phys.c
UNIT_SRC_test_acpi := kernel/acpi/acpi.c
UNIT_SRC_test_elf := kernel/proc/elf.c
UNIT_SRC_test_exec_stack := kernel/proc/exec_stack.c
UNIT_SRC_test_chacha20 := kernel/lib/chacha20.c
UNIT_SRC_test_placement := kernel/sched/placement.c
UNIT_SRC_test_mptable := kernel/arch/x86_64/mptable.c kernel/mm/phys.c
UNIT_SRC_test_procfs_format := kernel/fd/procfs_format.c kernel/lib/printf.c
# The I/O server's file service (sys/io/fs): its lowest layers alone.
UNIT_SRC_test_pagemap := sys/io/fs/pagemap.c
UNIT_SRC_test_ramfs := sys/io/fs/ramfs.c sys/io/fs/pagemap.c
# The whole service, driven through fs_handle by tests/unit/fs_harness.c.
UNIT_FS_SRC := $(sort $(wildcard sys/io/fs/*.c)) kernel/lib/cpio.c $(UNIT_DIR)/fs_harness.c
UNIT_SRC_test_vfs := $(UNIT_FS_SRC)
UNIT_SRC_test_vfs_data := $(UNIT_FS_SRC)
UNIT_SRC_test_fs_locks := $(UNIT_FS_SRC)
UNIT_SRC_test_fs_populate := $(UNIT_FS_SRC)
UNIT_SRC_test_fs_model := $(UNIT_FS_SRC)

UNIT_BINS := $(addprefix $(UNIT_OUT)/,$(UNIT_TESTS))

.PHONY: unit unit-build
unit: $(UNIT_BINS)
	@failed=""; \
	for t in $(UNIT_TESTS); do \
		echo "== $$t"; \
		$(UNIT_ENV) $(UNIT_OUT)/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit tests FAILED:$$failed" >&2; exit 1; fi; \
	echo "unit tests: all $(words $(UNIT_TESTS)) binaries passed"

unit-build: $(UNIT_BINS)

# Kernel sources and the tests themselves: the same flags, no -D__KERNEL__, so phys.c gives a plain variable.
$(UNIT_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -c $< -o $@

# string.c under libc-free names (see rename_string.h).
$(UNIT_OUT)/obj/kernel/lib/string.o: kernel/lib/string.c $(UNIT_DIR)/rename_string.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -include $(UNIT_DIR)/rename_string.h -c $< -o $@

define UNIT_LINK_RULE
$(UNIT_OUT)/$(1): $(UNIT_OUT)/obj/$(UNIT_DIR)/$(1).o $(patsubst %.c,$(UNIT_OUT)/obj/%.o,$(UNIT_SRC_$(1)))
	$$(CC) $(UNIT_LDFLAGS) -o $$@ $$^ $(UNIT_LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_LINK_RULE,$(t))))

-include $(shell find $(UNIT_OUT) -name '*.d' 2>/dev/null)
