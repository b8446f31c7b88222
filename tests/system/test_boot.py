"""The kernel boots on every supported QEMU machine, CPU count and memory size."""

import re

import pytest

from conftest import STATUS_BOOT_FAILURE, STATUS_OK, STATUS_PANIC, banner_us, boot

MACHINES = ["pc", "q35", "microvm"]


@pytest.mark.parametrize("memory", ["32M", "2G"])
@pytest.mark.parametrize("cpus", [1, 4])
@pytest.mark.parametrize("machine", MACHINES)
def test_boots(machine, cpus, memory):
    r = boot("test=boot", machine=machine, cpus=cpus, memory=memory)
    assert not r.timed_out
    assert r.returncode == STATUS_OK
    assert banner_us(r.output) is not None and banner_us(r.output) > 0
    assert "selftest: boot: ok" in r.output
    assert f"{cpus} CPUs" in r.output  # the MADT lists them all
    assert "initrd: 1 entries" in r.output or "initrd:" in r.output
    assert "panic" not in r.output


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_boots_with_4g_above_the_pci_hole(machine):
    """With 4 GiB, RAM continues above 4 GiB; the direct map and allocator take it all."""
    r = boot("test=boot", machine=machine, memory="4G", cpus=2)
    assert r.returncode == STATUS_OK
    assert "memory: 40" in r.output  # "memory: 40xx MiB total"


def test_boot_reports_memory_and_initrd():
    r = boot("test=boot", memory="256M")
    assert r.returncode == STATUS_OK
    assert re.search(r"initrd: \d+ entries", r.output)
    assert "paging: kernel tables at" in r.output
    assert "RX" in r.output and "RW" in r.output


def test_banner_is_printed_even_when_quiet():
    r = boot("test=boot quiet")
    assert r.returncode == STATUS_OK
    assert banner_us(r.output) is not None
    assert "pmm:" not in r.output  # an info line, hidden by quiet


def test_loglevel_debug_shows_the_memory_map():
    r = boot("test=boot loglevel=8")
    assert r.returncode == STATUS_OK
    assert "memory: 00000000000000-" in r.output or "memory: 0x" in r.output


def test_too_little_memory_is_a_clear_error():
    r = boot("test=boot", memory="16M")
    assert not r.timed_out
    assert r.returncode == STATUS_BOOT_FAILURE
    assert "cannot boot: not enough memory" in r.output
    assert "backtrace" not in r.output


def test_missing_initrd_is_reported():
    r = boot("test=boot", initrd=None)
    assert r.returncode == STATUS_OK
    assert "initrd: none given" in r.output


def test_missing_initrd_without_test_cannot_boot():
    r = boot("", initrd=None)
    assert r.returncode == STATUS_BOOT_FAILURE
    assert "cannot boot: no initrd" in r.output


def test_corrupt_initrd_is_reported_and_ignored(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"070701" + b"zz" * 300)
    r = boot("test=boot", initrd=junk)
    assert r.returncode == STATUS_OK
    assert "initrd: not a valid cpio newc archive" in r.output


def test_corrupt_initrd_without_test_cannot_boot(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\x7fELF" + bytes(range(256)) * 8)
    r = boot("", initrd=junk)
    assert r.returncode == STATUS_BOOT_FAILURE
    assert "cannot boot: no initrd" in r.output


def test_garbage_command_line_is_reported_and_ignored():
    garbage = 'loglevel=99 \x01\x02 foo=bar panic=maybe init=relative test=boot ' + "x" * 300
    r = boot(garbage)
    assert r.returncode == STATUS_OK
    assert "cmdline: bad value (0..8) in 'loglevel=99'" in r.output
    assert "cmdline: passing 'foo=bar' to init" in r.output
    assert "cmdline: bad value (poweroff|halt) in 'panic=maybe'" in r.output
    assert "cmdline: bad path" in r.output
    assert "cmdline: overlong option" in r.output
    assert "\\x01" in r.output  # control bytes are shown escaped


def test_very_long_command_line_is_truncated():
    r = boot("test=boot " + "a=b " * 700)
    assert r.returncode == STATUS_OK
    assert "truncated" in r.output


def test_unknown_test_name_is_ignored():
    r = boot("test=nonsense init=/bin/echo", timeout=30)
    assert "selftest: unknown test 'nonsense'" in r.output
    assert "starting /bin/echo" in r.output
    assert r.returncode == STATUS_OK


def test_init_option_chooses_the_first_program():
    r = boot("init=/bin/uname", timeout=30)
    assert "starting /bin/uname" in r.output
    assert "\nLinux" in r.output.replace("\r", "")
    assert "init exited with status 0" in r.output
    assert r.returncode == STATUS_OK


def test_init_exit_status_reaches_the_host():
    r = boot('init=/bin/sh -- -c "exit 7"', timeout=30)
    assert "init exited with status 7" in r.output
    assert r.returncode == ((7 << 1) | 1)


def test_words_after_dashes_and_unknown_words_reach_init():
    r = boot('init=/bin/sh GREETING=hello -- -c "echo $GREETING world"', timeout=30)
    assert "hello world" in r.output


def test_missing_init_is_a_clear_panic():
    r = boot("init=/sbin/nothing-here", timeout=30)
    assert r.returncode == STATUS_PANIC
    assert "cannot start init /sbin/nothing-here: error 2 (no such file)" in r.output


@pytest.mark.parametrize("machine", MACHINES)
def test_acpi_poweroff_without_debug_exit(machine):
    """Without isa-debug-exit the kernel powers off through the FADT's S5 (QEMU exits 0)."""
    r = boot("test=boot", machine=machine, debug_exit=False, timeout=30)
    assert not r.timed_out
    assert r.returncode == 0
    assert "selftest: boot: ok" in r.output


def test_microvm_without_acpi():
    """No ACPI at all: default APIC addresses, one CPU, still boots and powers off."""
    r = boot("test=boot", machine="microvm,acpi=off")
    assert r.returncode == STATUS_OK
    assert "acpi: no RSDP found" in r.output


def test_modern_cpu_features_are_enabled():
    r = boot("test=boot", machine="q35", cpu_model="max")
    assert r.returncode == STATUS_OK
    assert "smep 1 smap 1 umip 1" in r.output
