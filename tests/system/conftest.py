"""Shared fixtures for the system tests: boot the kernel in QEMU and look at what it says."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.dont_write_bytecode = True

import qemu  # noqa: E402

BUILD = ROOT / "build"
KERNEL = BUILD / "kernel.elf"
INITRD = BUILD / "initrd.img"

# What the host sees for each way the kernel ends (kernel/core/panic.h).
STATUS_OK = qemu.exit_status(0)
STATUS_BOOT_FAILURE = qemu.exit_status(0x7D)
STATUS_PANIC = qemu.exit_status(0x7F)

BANNER_RE = re.compile(r"tern: kernel ready in (\d+) us")


def boot(append="", machine="pc", cpus=1, memory="128M", initrd=INITRD, timeout=60,
         **kwargs):
    """Boots Tern once and returns tools/qemu.Result (output, returncode, timed_out)."""
    if not KERNEL.exists():
        pytest.fail(f"{KERNEL} missing: run make first")
    argv = qemu.command(KERNEL, machine=machine, cpus=cpus, memory=memory, append=append,
                        initrd=initrd, **{k: v for k, v in kwargs.items()
                                          if k in ("cpu_model", "debug_exit", "extra")})
    result = qemu.run(argv, timeout=timeout,
                      **{k: v for k, v in kwargs.items()
                         if k in ("stdin_data", "stop_after", "grace", "script")})
    # Shown by pytest when a test fails.
    print(" ".join(str(a) for a in argv))
    print(result.output)
    return result


def banner_us(output):
    """The kernel's own boot time from its banner, or None."""
    m = BANNER_RE.search(output)
    return int(m.group(1)) if m else None
