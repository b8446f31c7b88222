"""Starting QEMU for Tern (and for the Linux baseline guest).

One place that knows the QEMU command line: the system tests, the benchmarks and
`make run` all build their command here, so a machine model boots the same way
everywhere. Every run has a timeout; nothing here waits forever.

isa-debug-exit is always present: a guest writing v to port 0xf4 makes QEMU exit
with status (v << 1) | 1 (see exit_status()).
"""

import os
import select
import shutil
import signal
import socket
import subprocess
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")

# Port and width of QEMU's isa-debug-exit device; the kernel writes its status there.
DEBUG_EXIT_IOBASE = 0xF4

MACHINES = ("pc", "q35", "microvm")


def kvm_usable():
    """True when /dev/kvm exists and we may open it."""
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def exit_status(guest_value):
    """The host exit status QEMU gives for a guest write of guest_value to isa-debug-exit."""
    return ((guest_value << 1) | 1) & 0xFF


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(kernel, machine="pc", cpus=1, memory="128M", append=None, initrd=None,
            cpu_model=None, serial="stdio", debug_exit=True, extra=()):
    """The QEMU argv for booting `kernel` (an ELF with a PVH note, or a bzImage).

    machine may carry options ("microvm,acpi=off"); debug_exit=False leaves out
    isa-debug-exit, so the guest must power off through ACPI.
    """
    if machine.split(",")[0] not in MACHINES:
        raise ValueError(f"unknown machine {machine!r}")
    argv = [QEMU, "-M", machine, "-m", str(memory), "-smp", str(cpus),
            "-nodefaults", "-no-reboot", "-display", "none",
            "-serial", serial]
    if debug_exit:
        argv += ["-device", f"isa-debug-exit,iobase={DEBUG_EXIT_IOBASE:#x},iosize=0x04"]
    argv += ["-kernel", str(kernel)]
    if kvm_usable():
        argv += ["-accel", "kvm", "-cpu", cpu_model or "host"]
    else:
        argv += ["-accel", "tcg"]
        if cpu_model:
            argv += ["-cpu", cpu_model]
    if append is not None:
        argv += ["-append", append]
    if initrd is not None:
        argv += ["-initrd", str(initrd)]
    argv += list(extra)
    return argv


class Result:
    """What one QEMU run produced: its console output, exit status and timings."""

    def __init__(self, argv, output, returncode, timed_out, elapsed, marks):
        self.argv = argv
        self.output = output
        self.returncode = returncode
        self.timed_out = timed_out
        self.elapsed = elapsed
        # pattern -> seconds from QEMU start until the first line containing it
        self.marks = marks

    def __repr__(self):
        return (f"Result(rc={self.returncode}, timed_out={self.timed_out}, "
                f"elapsed={self.elapsed:.3f}s)")


def run(argv, timeout=60.0, marks=(), stop_after=None, stdin_data=None, grace=0.0, script=()):
    """Runs QEMU until it exits or `timeout` seconds pass (then it is killed).

    marks: substrings whose first appearance in the console output is timed.
    stop_after: a substring; once it has appeared, QEMU gets `grace` more seconds
    to exit by itself, then is killed (for guests that cannot power themselves off).
    stdin_data: bytes written to the console at once; script: (marker, bytes[, delay])
    steps, each written once its marker has appeared in the output (and delay seconds
    more; input sent before the guest reads it may be lost, as on a real serial line).
    """
    script = list(script)
    if shutil.which(argv[0]) is None:
        raise FileNotFoundError(f"{argv[0]} not found (run scripts/deps.sh)")
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_data or script else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    if stdin_data:
        proc.stdin.write(stdin_data)
        proc.stdin.flush()
    found = {}
    buf = bytearray()
    timed_out = False
    fd = proc.stdout.fileno()
    try:
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            now = time.monotonic() - start
            buf += chunk
            text = buf.decode("utf-8", "replace")
            for m in marks:
                if m not in found and m in text:
                    found[m] = now
            while script and script[0][0] in text:
                step = script.pop(0)
                if len(step) > 2:
                    time.sleep(step[2])  # let the guest act on what it printed first
                proc.stdin.write(step[1])
                proc.stdin.flush()
            if stop_after is not None and stop_after in text:
                if grace > 0:
                    try:
                        proc.wait(timeout=grace)
                    except subprocess.TimeoutExpired:
                        pass
                    rest = proc.stdout.read() if proc.poll() is not None else b""
                    buf += rest or b""
                break
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        proc.stdout.close()
        if proc.stdin:
            proc.stdin.close()
    elapsed = time.monotonic() - start
    return Result(argv, buf.decode("utf-8", "replace"), proc.returncode, timed_out,
                  elapsed, found)
