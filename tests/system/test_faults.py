"""Kernel faults give a full report and a non-zero exit status; the heap catches misuse."""

import re

import pytest

from conftest import STATUS_OK, STATUS_PANIC, boot

REGISTERS = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11",
             "r12", "r13", "r14", "r15", "cr0", "cr2", "cr3", "cr4", "rflags", "rsp"]


def assert_full_report(out, vector, name):
    assert f"tern: kernel fault: {name} (vector {vector})" in out
    assert re.search(r"rip 0x[0-9a-f]{16} <selftest_run[.a-z0-9]*\+0x[0-9a-f]+>", out), "rip with its function"
    for reg in REGISTERS:
        assert re.search(rf"\b{reg}\s+0x[0-9a-f]+", out), f"register {reg} missing"
    assert "backtrace:" in out
    # The call chain down from the boot code, by name.
    for fn in ("kmain", "boot_continue"):
        assert fn in out, f"{fn} missing from the backtrace"
    assert "tern: powering off" in out


@pytest.mark.parametrize("machine", ["pc", "q35", "microvm"])
def test_null_write_gives_page_fault_report(machine):
    r = boot("test=pagefault", machine=machine)
    assert r.returncode == STATUS_PANIC
    assert_full_report(r.output, 14, "#PF page fault")
    assert "error code 0x2 [not-present write kernel]" in r.output
    assert "NULL pointer dereference" in r.output


def test_stack_overflow_hits_the_guard_page_and_double_faults_on_its_own_stack():
    r = boot("test=stackoverflow")
    assert r.returncode == STATUS_PANIC
    assert "tern: kernel fault: #DF double fault (vector 8)" in r.output
    assert "recurse" in r.output
    assert "kmain" in r.output


def test_invalid_opcode():
    r = boot("test=ud")
    assert r.returncode == STATUS_PANIC
    assert_full_report(r.output, 6, "#UD invalid opcode")


def test_divide_error():
    r = boot("test=divzero")
    assert r.returncode == STATUS_PANIC
    assert_full_report(r.output, 0, "#DE divide error")


def test_kernel_text_is_not_writable():
    r = boot("test=write-text")
    assert r.returncode == STATUS_PANIC
    assert "error code 0x3 [protection write kernel]" in r.output


def test_kernel_data_is_not_executable():
    r = boot("test=exec-data")
    assert r.returncode == STATUS_PANIC
    assert "[protection instruction-fetch kernel]" in r.output


def test_panic_prints_message_and_backtrace():
    r = boot("test=panic")
    assert r.returncode == STATUS_PANIC
    assert "tern: panic: test panic requested on the command line" in r.output
    assert "selftest_run" in r.output and "kmain" in r.output


def test_panic_halt_keeps_the_vm_up():
    r = boot("test=panic panic=halt", stop_after="(panic=halt)", grace=1.0, timeout=30)
    assert "tern: system halted (panic=halt)" in r.output
    assert r.returncode != STATUS_PANIC  # killed by the test, not powered off


def test_heap_exercise_passes():
    r = boot("test=heap")
    assert r.returncode == STATUS_OK
    assert "selftest: heap: ok" in r.output


@pytest.mark.parametrize("test,message", [
    ("heap-doublefree", "heap: double free"),
    ("heap-overflow", "heap: write past the end of a heap object (overflow)"),
    ("heap-useafterfree", "heap: write to freed memory (use after free)"),
])
def test_heap_debug_checks(test, message):
    r = boot(f"test={test}")
    assert r.returncode == STATUS_PANIC
    assert message in r.output


def test_page_allocator_hands_out_every_page_once():
    r = boot("test=pmm", memory="256M")
    assert r.returncode == STATUS_OK
    assert "selftest: pmm: ok" in r.output
