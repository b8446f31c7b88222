"""Timer interrupts, the TSC clock and interrupt-driven console input."""

import re

import pytest

from conftest import STATUS_OK, boot


@pytest.mark.parametrize("machine,cpu", [("pc", None), ("q35", "max"), ("microvm", None)])
def test_timer_ticks_at_100_hz(machine, cpu):
    r = boot("test=timer", machine=machine, cpu_model=cpu)
    assert r.returncode == STATUS_OK
    m = re.search(r"selftest: timer: 20 ticks in (\d+) ms", r.output)
    assert m, "timer report missing"
    # 200 ms nominal; TCG on a shared host is slow and noisy, so only gross errors fail.
    assert 100 <= int(m.group(1)) <= 2000


def test_tsc_frequency_is_measured():
    r = boot("test=boot")
    m = re.search(r"tsc: (\d+)\.\d+ MHz \((.+?)\)", r.output)
    assert m, "no TSC frequency line"
    assert 100 <= int(m.group(1)) <= 10000
    assert m.group(2) != "none"


def test_log_timestamps_never_go_backwards():
    r = boot("test=timer loglevel=8")
    stamps = [float(s) for s in re.findall(r"^\[\s*(\d+\.\d+)\]", r.output, re.M)]
    assert len(stamps) > 10
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("machine", ["pc", "q35", "microvm"])
def test_serial_input_arrives_by_interrupt(machine):
    r = boot("test=console-echo", machine=machine,
             script=[("type a line", b"hello tern\r")])
    assert r.returncode == STATUS_OK
    assert "selftest: echo: hello tern" in r.output
