# Tern: build, run and test. `make run` boots in QEMU; `make test` runs every test.
# Everything is built out of tree into build/.

BUILD ?= build
CC ?= gcc
PYTHON ?= /usr/bin/python3
QEMU ?= qemu-system-x86_64
# Extra options for `make run`, e.g. RUN_ARGS="-smp 4 -m 1G" or APPEND="loglevel=8".
RUN_MACHINE ?= pc
RUN_ARGS ?= -m 256M
APPEND ?=

DEPS_STAMP := $(BUILD)/.deps-ok

# ---------------------------------------------------------------- kernel
KERNEL_ARCH := x86_64
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-strict-aliasing -fno-asynchronous-unwind-tables \
	-fcf-protection=none -fno-common -D__KERNEL__ \
	-Iinclude -Ikernel -Ikernel/arch/$(KERNEL_ARCH)/include -MMD -MP
ifeq ($(RELEASE),1)
KERNEL_CFLAGS += -DHEAP_DEBUG=0
endif
KERNEL_ASFLAGS := -D__ASSEMBLY__ -D__KERNEL__ -Ikernel -Ikernel/arch/$(KERNEL_ARCH)/include -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T kernel/arch/$(KERNEL_ARCH)/kernel.ld

KERNEL_C := $(shell find kernel -name '*.c' | sort)
KERNEL_S := $(shell find kernel -name '*.S' | sort)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(KERNEL_C)) $(patsubst %.S,$(BUILD)/%.o,$(KERNEL_S))

.PHONY: all kernel initrd run test unit systest bench bench-boot bench-proc bench-smp bench-fs deps clean docs docs-check
all: kernel initrd
kernel: $(BUILD)/kernel.elf
initrd: $(BUILD)/initrd.img

$(BUILD)/kernel/%.o: kernel/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.o: kernel/%.S
	@mkdir -p $(@D)
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# Two links: the first gives the symbol addresses, the second embeds them
# (kernel/core/ksyms.c). The table sits after all code, so no code moves; the
# check below proves it.
$(BUILD)/kernel.elf: $(KERNEL_OBJS) kernel/arch/$(KERNEL_ARCH)/kernel.ld tools/gen_ksyms.py
	@: > $(BUILD)/ksyms.empty
	$(PYTHON) tools/gen_ksyms.py $(BUILD)/ksyms.empty > $(BUILD)/ksyms0.S
	$(CC) -c $(BUILD)/ksyms0.S -o $(BUILD)/ksyms0.o
	ld $(KERNEL_LDFLAGS) -o $(BUILD)/kernel.pass1.elf $(KERNEL_OBJS) $(BUILD)/ksyms0.o
	nm -n $(BUILD)/kernel.pass1.elf > $(BUILD)/kernel.pass1.syms
	$(PYTHON) tools/gen_ksyms.py $(BUILD)/kernel.pass1.syms > $(BUILD)/ksyms.S
	$(CC) -c $(BUILD)/ksyms.S -o $(BUILD)/ksyms.o
	ld $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(BUILD)/ksyms.o
	@nm -n $@.tmp | grep -i ' [tT] ' > $(BUILD)/kernel.final.text
	@grep -i ' [tT] ' $(BUILD)/kernel.pass1.syms | cmp -s - $(BUILD)/kernel.final.text || \
		{ echo "ksyms: code moved between links" >&2; exit 1; }
	mv $@.tmp $@

# ---------------------------------------------------------------- user space
# Static musl programs: sys/init -> /sbin/init, bin/*.c -> /bin/*.
USER_CC := musl-gcc
USER_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror
USER_BIN_SRC := $(sort $(wildcard bin/*.c))
USER_BINS := $(patsubst bin/%.c,$(BUILD)/root/bin/%,$(USER_BIN_SRC)) $(BUILD)/root/sbin/init $(BUILD)/root/sbin/iod

$(BUILD)/root/bin/%: bin/%.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/root/sbin/init: sys/init/init.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

# The I/O server: its event loop, the file-service library (also host-tested) and the
# kernel's cpio reader. The kernel's ABI headers give it Linux's constants.
IOD_SRC := sys/io/main.c sys/io/devtest.c $(sort $(wildcard sys/io/fs/*.c)) kernel/lib/cpio.c
IOD_HDR := $(sort $(wildcard sys/io/*.h sys/io/fs/*.h include/tern/*.h))
$(BUILD)/root/sbin/iod: $(IOD_SRC) $(IOD_HDR) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(USER_CC) $(USER_CFLAGS) -Iinclude -Isys/io -Ikernel -o $@ $(IOD_SRC)

# ---------------------------------------------------------------- initrd
# The root file system: initrd/ (configuration files) plus the programs above,
# as a cpio newc archive. The test initrd adds the guest tests under /tests.
INITRD_FILES := $(shell find initrd -type f 2>/dev/null | sort)
CPIO_OF = cd $(1) && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0

$(BUILD)/initrd.img: $(INITRD_FILES) $(USER_BINS) $(DEPS_STAMP)
	@mkdir -p $(@D)
	cp -R initrd/. $(BUILD)/root/
	$(call CPIO_OF,$(BUILD)/root) > $(abspath $@)

$(BUILD)/test-initrd.img: $(BUILD)/initrd.img guest
	rm -rf $(BUILD)/test-root
	cp -R $(BUILD)/root $(BUILD)/test-root
	cp -R $(BUILD)/guest $(BUILD)/test-root/tests
	rm -f $(BUILD)/test-root/tests/host.out
	$(call CPIO_OF,$(BUILD)/test-root) > $(abspath $@)

# ---------------------------------------------------------------- host deps
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(@D)
	@./scripts/deps.sh
	@touch $@

# ---------------------------------------------------------------- run
run: $(DEPS_STAMP) all
	@echo "tern: booting in QEMU ($(RUN_MACHINE)); quit with Ctrl-A X" >&2
	$(QEMU) -M $(RUN_MACHINE) $(RUN_ARGS) -nodefaults -no-reboot -display none -serial mon:stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel $(BUILD)/kernel.elf -initrd $(BUILD)/initrd.img -append "$(APPEND)"; \
		status=$$?; [ $$status -eq 0 ] || [ $$status -eq 1 ] || exit $$status

# ---------------------------------------------------------------- tests
include tests/unit/unit.mk
include tests/guest/guest.mk

test: $(DEPS_STAMP) unit docs-check systest

# docs/syscalls.md must match the dispatch table's list.
docs-check:
	$(PYTHON) tools/gen_syscall_doc.py --check docs/syscalls.md

docs:
	$(PYTHON) tools/gen_syscall_doc.py docs/syscalls.md

systest: $(DEPS_STAMP) all $(BUILD)/test-initrd.img
	$(PYTHON) -m pytest -q tests/system

# ---------------------------------------------------------------- benchmarks
# The guest programs: static musl binaries (bench/linux_guest.py builds them with the same
# flags when a benchmark script runs without make).
BENCH_CC := musl-gcc
BENCH_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror
# The in-guest measuring programs: one source file each plus the shared benchlib.
BENCH_PROGRAMS := $(BUILD)/bench/procbench $(BUILD)/bench/smpbench $(BUILD)/bench/fsbench
BENCHLIB := bench/guest/benchlib.c bench/guest/benchlib.h

$(BUILD)/bench/ready: bench/guest/ready.c $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_PROGRAMS): $(BUILD)/bench/%: bench/guest/%.c $(BENCHLIB) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ $< bench/guest/benchlib.c

# $(call BENCH_RUN,SCRIPT,PROGRAM,OPTIONS): bench/SCRIPT.py on this build's kernel and
# root tree with PROGRAM from the rule above, writing build/bench/SCRIPT.json.
BENCH_RUN = $(PYTHON) bench/$(1).py --kernel $(BUILD)/kernel.elf --root $(BUILD)/root \
	--$(2) $(BUILD)/bench/$(2) --out $(BUILD)/bench/$(1).json $(3)

bench: bench-boot bench-proc bench-smp bench-fs

# Process, thread and syscall microbenchmarks; e.g. PROC_ARGS="--machines pc,microvm --rounds 10".
PROC_ARGS ?=
bench-proc: $(DEPS_STAMP) all $(BUILD)/bench/procbench
	$(call BENCH_RUN,proc,procbench,$(PROC_ARGS))

# SMP scalability (compute throughput, cross-CPU wake-ups) at 1, 2 and 4 vCPUs;
# e.g. SMP_ARGS="--cpus 1,2 --rounds 5".
SMP_ARGS ?=
bench-smp: $(DEPS_STAMP) all $(BUILD)/bench/smpbench
	$(call BENCH_RUN,smp,smpbench,$(SMP_ARGS))

# File-system calls on the RAM root's /tmp (Tern: forwarded to the I/O server; Linux:
# tmpfs) and the forwarding cost (fstat vs getppid); e.g. FS_ARGS="--rounds 3".
FS_ARGS ?=
bench-fs: $(DEPS_STAMP) all $(BUILD)/bench/fsbench
	$(call BENCH_RUN,fs,fsbench,$(FS_ARGS))

bench-boot: $(DEPS_STAMP) all $(BUILD)/bench/ready
	$(PYTHON) bench/boot.py --kernel $(BUILD)/kernel.elf --out $(BUILD)/bench/boot.json

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
