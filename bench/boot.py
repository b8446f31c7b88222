#!/usr/bin/python3
"""Boot benchmark: QEMU start -> "ready" line, Tern against the Linux baseline guest.

    /usr/bin/python3 bench/boot.py --kernel build/kernel.elf --out build/bench/boot.json

For each machine model the two guests boot alternately (Tern, Linux, Tern, Linux, ...)
under the same QEMU and the same memory size:

- Tern: build/kernel.elf with `test=boot`; it prints "tern: kernel ready in N us" (N from
  its own TSC, counted from its first instruction) and powers off through isa-debug-exit.
- Linux: Debian's cloud kernel with bench/guest/ready.c as /init, which prints
  "linux-guest: ready ..." and powers off the same way.

The figure compared is the host's wall time from QEMU start to the ready line (it
includes QEMU's own start-up, the same for both); the guests' own clocks are recorded
beside it. Under TCG only the ratio linux/tern of medians from one run means anything.
Exit status: 0 when every run worked, 1 when any failed (all failures are listed, and
the JSON is written with them), 2 when nothing could be measured.
"""

import argparse
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import linux_guest  # noqa: E402
from harness import RunError, SetupError, qemu  # noqa: E402

ROOT = harness.ROOT
TERN_MARK = "tern: kernel ready in"
TERN_READY_RE = re.compile(r"tern: kernel ready in (\d+) us")
LINUX_READY_RE = re.compile(r"linux-guest: ready boottime_us=(\d+)")
MEMORY = "256M"
TERN_APPEND = "test=boot"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", default=str(ROOT / "build" / "kernel.elf"),
                   help="the Tern kernel ELF (default build/kernel.elf)")
    p.add_argument("--initrd", default=None,
                   help="Tern's initrd (default build/initrd.img when it exists)")
    p.add_argument("--out", default=str(ROOT / "build" / "bench" / "boot.json"))
    p.add_argument("--runs", type=int, default=10, help="measured boots per guest and machine")
    p.add_argument("--warmup", type=int, default=1, help="discarded boots first (default 1)")
    p.add_argument("--machines", default="microvm,pc", help="comma-separated QEMU machines")
    p.add_argument("--guests", default="tern,linux", help="tern,linux or either alone")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds before a boot is killed (default 30; Linux needs ~3)")
    p.add_argument("--linux-cache", default=str(linux_guest.DEFAULT_CACHE))
    args = p.parse_args(argv)
    harness.check_machines_and_guests(p, args)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


# --- the two guests ---------------------------------------------------------------------

def tern_setup(args):
    """Checks the Tern kernel exists and picks its initrd; returns (kernel, initrd or None)."""
    kernel = Path(args.kernel)
    if not kernel.is_file():
        raise SetupError(f"{kernel} not found (build the kernel first: make)")
    initrd = Path(args.initrd) if args.initrd else ROOT / "build" / "initrd.img"
    if args.initrd and not initrd.is_file():
        raise SetupError(f"{initrd} not found")
    return kernel, (initrd if initrd.is_file() else None)


def tern_boot(kernel, initrd, machine, timeout):
    """A function measuring one Tern boot: wall ms to the banner and the kernel's own us."""
    argv = qemu.command(kernel, machine=machine, memory=MEMORY, append=TERN_APPEND, initrd=initrd)

    def measure(_index):
        wall, res = harness.boot_and_mark(argv, TERN_MARK, timeout)
        m = TERN_READY_RE.search(res.output)
        if not m:
            raise RunError(f"banner without a number of us\n{harness.output_tail(res.output)}")
        return {"wall_ms": wall * 1000.0, "kernel_us": int(m.group(1))}
    return measure, argv


def linux_setup(args):
    """Fetches the Debian kernel, builds ready and its initramfs; returns (Kernel, initramfs)."""
    kernel = linux_guest.fetch_kernel(args.linux_cache)
    ready = linux_guest.build_program(ROOT / "bench" / "guest" / "ready.c",
                                      ROOT / "build" / "bench" / "ready")
    initramfs = linux_guest.build_initramfs(ROOT / "build" / "bench" / "boot-initramfs.cpio", ready)
    return kernel, initramfs


def linux_boot(kernel, initramfs, machine, timeout):
    """A function measuring one Linux boot: wall ms to /init's line and the guest's uptime."""
    argv = linux_guest.command(kernel, initramfs, machine=machine, memory=MEMORY)

    def measure(_index):
        wall, res = harness.boot_and_mark(argv, linux_guest.READY_MARK, timeout)
        m = LINUX_READY_RE.search(res.output)
        sample = {"wall_ms": wall * 1000.0}
        if m:
            sample["guest_boottime_us"] = int(m.group(1))
        return sample
    return measure, argv


# --- the report -------------------------------------------------------------------------

def summarize_guest(raw, argv, internal_key):
    """One guest on one machine: every sample, failures, and the summaries."""
    samples = raw["samples"]
    return {
        "argv": argv,
        "runs": samples,
        "errors": raw["errors"],
        "wall_ms": harness.summarize(harness.column(samples, "wall_ms")),
        internal_key: harness.summarize(harness.column(samples, internal_key)),
    }


def fmt(summary, key="median", scale=1.0, digits=1):
    if not summary:
        return None
    return f"{summary[key] * scale:.{digits}f}"


def print_report(report):
    rows = []
    for machine, r in report["machines"].items():
        for guest, internal in (("tern", "kernel_us"), ("linux", "guest_boottime_us")):
            g = r.get(guest)
            if g is None:
                continue
            w = g["wall_ms"]
            rows.append([f"{machine}/{guest}", fmt(w), fmt(w, "min"), fmt(w, "max"),
                         fmt(w, "iqr") if w and "iqr" in w else None,
                         fmt(g[internal], scale=0.001), f"{len(g['runs'])}",
                         f"{len(g['errors'])}"])
    print(harness.table(["machine/guest", "median ms", "min", "max", "IQR",
                         "guest-clock ms", "ok", "failed"], rows))
    print()
    for machine, r in report["machines"].items():
        ratio = r.get("ratio")
        if ratio is not None:
            how = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
            paired = r.get("paired_ratio")
            paired = f"; per-round median {paired:.1f}x" if paired else ""
            print(f"Tern boots {how} than Linux on {machine} (QEMU start to ready line, "
                  f"ratio of medians{paired}; {report['config']['accel']})")
    harness.print_failures(report["machines"].items(), unit="run")


def main(argv=None):
    args = parse_args(argv)
    try:
        tern = tern_setup(args) if "tern" in args.guests else None
        linux = linux_setup(args) if "linux" in args.guests else None
    except (SetupError, linux_guest.GuestError) as e:
        print(f"boot: {e}", file=sys.stderr)
        return 2
    meta = harness.metadata()
    report = {
        "benchmark": "boot",
        "metadata": meta,
        "config": {"runs": args.runs, "warmup": args.warmup, "memory": MEMORY, "cpus": 1,
                   "timeout_s": args.timeout, "accel": meta["accel"],
                   "tern_kernel": str(tern[0]) if tern else None,
                   "tern_initrd": str(tern[1]) if tern and tern[1] else None,
                   "tern_append": TERN_APPEND,
                   "linux_kernel": linux[0].version if linux else None},
        "machines": {},
    }
    for machine in args.machines:
        print(f"{machine}:", file=sys.stderr, flush=True)
        variants, argvs = [], {}
        if tern:
            fn, argvs["tern"] = tern_boot(*tern, machine, args.timeout)
            variants.append(("tern", fn))
        if linux:
            fn, argvs["linux"] = linux_boot(*linux, machine, args.timeout)
            variants.append(("linux", fn))
        raw = harness.interleaved(variants, args.runs, args.warmup)
        entry = {}
        if tern:
            entry["tern"] = summarize_guest(raw["tern"], argvs["tern"], "kernel_us")
        if linux:
            entry["linux"] = summarize_guest(raw["linux"], argvs["linux"], "guest_boottime_us")
        if tern and linux:
            entry["ratio"] = harness.ratio(entry["linux"]["wall_ms"], entry["tern"]["wall_ms"])
            entry["paired_ratio"] = harness.paired_ratio(entry["linux"]["runs"],
                                                         entry["tern"]["runs"], "wall_ms")
        report["machines"][machine] = entry
    return harness.finish(report, report["machines"].values(), args.out, print_report)


if __name__ == "__main__":
    sys.exit(main())
