#!/usr/bin/python3
"""Process and system-call microbenchmarks: Tern against the Linux baseline guest.

    /usr/bin/python3 bench/proc.py --kernel build/kernel.elf --root build/root \\
        --out build/bench/proc.json

One static musl program, bench/guest/procbench.c, runs the microbenchmarks (getpid, pipe
ping-pong, fork+exit+wait, thread create+join, anonymous page faults, futex ping-pong and
an empty loop for reference) and prints one "bench NAME ns_per_op=..." line each, the
median of several repetitions inside the guest. The very same binary boots:

- on Tern: build/root plus /bench/procbench as the initrd, `init=/bench/procbench`; when
  it exits, PID 1's exit powers the VM off with its status;
- on Linux: Debian's cloud kernel with procbench as /init; it powers off itself through
  isa-debug-exit.

The guests boot alternately (Tern, Linux, Tern, Linux, ...) for several rounds under the
same QEMU (1 vCPU, 256M, `pc` by default). Per benchmark, the figure is the median over
rounds of the in-guest medians, and Tern is compared with Linux as linux_ns / tern_ns
(> 1: Tern is faster). Exit status: 0 when every run and benchmark worked, 1 when any
failed (all failures are listed, and the JSON is written with them), 2 when nothing could
be measured.
"""

import argparse
import hashlib
import re
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import linux_guest  # noqa: E402
from harness import RunError, qemu  # noqa: E402

ROOT = harness.ROOT
SOURCE = ROOT / "bench" / "guest" / "procbench.c"
GUEST_PATH = "bench/procbench"      # where procbench sits in Tern's initrd
MEMORY = "256M"
TERN_APPEND = "quiet"               # Tern's warnings still show; info messages do not

# The benchmarks of procbench.c, in its order, and what one operation is.
BENCHMARKS = {
    "noop": "empty loop iteration (reference: the two guests' clocks and CPU speed)",
    "getpid": "syscall(SYS_getpid) round trip",
    "pipe": "1-byte pipe ping-pong between two processes, one round trip",
    "fork": "fork + child _exit + waitpid, one cycle",
    "thread": "pthread_create + pthread_join",
    "pagefault": "first write to a page of a fresh anonymous mapping",
    "futex": "futex wait/wake ping-pong between two threads, one round trip",
}
EXTRA_KEYS = {"pagefault": ["munmap_ns_per_page"]}

DONE_MARK = "procbench: done"
START_MARK = "procbench: start"
LINE_RE = re.compile(r"^bench (\S+) (.*?)\s*$", re.M)
RUNNING_RE = re.compile(r"^procbench: running (\S+)", re.M)
START_RE = re.compile(r"^procbench: start (.*?)\s*$", re.M)
DONE_RE = re.compile(r"^procbench: done failures=(\d+) total_ms=(\d+)", re.M)
KV_RE = re.compile(r"(\w+)=(\S+)")


class SetupError(Exception):
    """Nothing can be measured: a guest's kernel or programs are missing."""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", default=str(ROOT / "build" / "kernel.elf"),
                   help="the Tern kernel ELF (default build/kernel.elf)")
    p.add_argument("--root", default=str(ROOT / "build" / "root"),
                   help="Tern's root tree to put procbench into (default build/root)")
    p.add_argument("--procbench", default=None,
                   help="a prebuilt procbench binary (default: build bench/guest/procbench.c "
                        "into build/bench/procbench)")
    p.add_argument("--out", default=str(ROOT / "build" / "bench" / "proc.json"))
    p.add_argument("--rounds", type=int, default=5, help="boots per guest and machine (default 5)")
    p.add_argument("--warmup", type=int, default=0, help="discarded rounds first (default 0)")
    p.add_argument("--machines", default="pc", help="comma-separated QEMU machines (pc, microvm, q35)")
    p.add_argument("--guests", default="tern,linux", help="tern,linux or either alone")
    p.add_argument("--reps", type=int, default=5, help="repetitions inside the guest (median; default 5)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply procbench's operation counts (default 1)")
    p.add_argument("--benchmarks", default=",".join(BENCHMARKS),
                   help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds before a guest is killed (default 120; a Linux run takes ~6)")
    p.add_argument("--linux-append", default="",
                   help="extra Linux command-line words, e.g. mitigations=off (default none)")
    p.add_argument("--linux-cache", default=str(linux_guest.DEFAULT_CACHE))
    args = p.parse_args(argv)
    args.machines = [m for m in args.machines.split(",") if m]
    args.guests = [g for g in args.guests.split(",") if g]
    args.benchmarks = [b for b in args.benchmarks.split(",") if b]
    for m in args.machines:
        if m not in qemu.MACHINES:
            p.error(f"unknown machine {m!r} (known: {', '.join(qemu.MACHINES)})")
    for g in args.guests:
        if g not in ("tern", "linux"):
            p.error(f"unknown guest {g!r}")
    for b in args.benchmarks:
        if b not in BENCHMARKS:
            p.error(f"unknown benchmark {b!r} (known: {', '.join(BENCHMARKS)})")
    if args.rounds < 1 or not 1 <= args.reps <= 64 or not args.scale > 0:
        p.error("--rounds must be >= 1, --reps 1..64, --scale > 0")
    return args


def guest_args(args):
    """procbench's own arguments, the same for both guests."""
    words = ["-r", str(args.reps)]
    if args.scale != 1.0:
        words += ["-s", repr(args.scale)]
    if args.benchmarks != list(BENCHMARKS):
        words += args.benchmarks
    return words


# --- setup ------------------------------------------------------------------------------

def build_procbench(args):
    if args.procbench:
        path = Path(args.procbench)
        if not path.is_file():
            raise SetupError(f"{path} not found")
        return path
    return linux_guest.build_program(SOURCE, ROOT / "build" / "bench" / "procbench")


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tern_setup(args, procbench):
    """A private copy of the kernel (a rebuild during the run must not change it under the
    benchmark) and an initrd: the root tree plus /bench/procbench. Returns (kernel, initrd)."""
    kernel, root = Path(args.kernel), Path(args.root)
    if not kernel.is_file():
        raise SetupError(f"{kernel} not found (build the kernel first: make all)")
    if not root.is_dir():
        raise SetupError(f"{root} not found (build the root tree first: make all)")
    out = ROOT / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    kernel_copy = out / "proc-kernel.elf"
    shutil.copyfile(kernel, kernel_copy)
    initrd = linux_guest.build_archive(out / "proc-tern-initrd.img",
                                       {**{c.name: c for c in sorted(root.iterdir())},
                                        GUEST_PATH: procbench})
    return kernel_copy, initrd


def linux_setup(args, procbench):
    kernel = linux_guest.fetch_kernel(args.linux_cache)
    initramfs = linux_guest.build_initramfs(ROOT / "build" / "bench" / "proc-linux-initramfs.cpio",
                                            procbench)
    return kernel, initramfs


# --- one run ----------------------------------------------------------------------------

def parse_output(output, wanted):
    """The benchmark lines of one run: (results, bench_errors, info).

    results: {name: {"ns_per_op": float, "ops": int, ...}}; bench_errors: {name: text}
    for every wanted benchmark that printed an error line or no line at all (with the
    benchmark the program was last running when the output ends).
    """
    results, errors = {}, {}
    for m in LINE_RE.finditer(output):
        name, rest = m.group(1), m.group(2)
        fields = dict(KV_RE.findall(rest))
        if "error" in fields:
            errors[name] = rest
            continue
        try:
            parsed = {k: (int(v) if k in ("ops", "reps") else float(v)) for k, v in fields.items()}
            parsed["ns_per_op"]  # noqa: B018 (must be there)
        except (ValueError, KeyError):
            errors[name] = f"unparsable line: {m.group(0)!r}"
            continue
        results[name] = parsed
    running = RUNNING_RE.findall(output)
    for name in wanted:
        if name not in results and name not in errors:
            if running and running[-1] == name:
                errors[name] = "no result: the guest's output ends while it runs this benchmark"
            elif name in running:
                errors[name] = "no result line (started, then the output went on without one)"
            else:
                errors[name] = "never started"
    start = START_RE.search(output)
    done = DONE_RE.search(output)
    info = {"start": start.group(1) if start else None,
            "guest_total_ms": int(done.group(2)) if done else None}
    return results, errors, info


def make_sample(results, errors, info, res):
    """A flat sample: ns_per_op under each benchmark's name (so harness.paired_ratio works),
    the full lines under "detail".

    clock_check: the guest's own CLOCK_MONOTONIC time from its start line to its done
    line over the host's time between seeing the two lines; about 1 when the guest's
    clock runs at the host's rate (a badly calibrated guest clock would skew every figure).
    """
    sample = {"wall_ms": res.elapsed * 1000.0}
    if START_MARK in res.marks and DONE_MARK in res.marks and info.get("guest_total_ms"):
        host_ms = (res.marks[DONE_MARK] - res.marks[START_MARK]) * 1000.0
        if host_ms > 0:
            sample["clock_check"] = info["guest_total_ms"] / host_ms
    for name, r in results.items():
        sample[name] = r["ns_per_op"]
        for key in EXTRA_KEYS.get(name, []):
            if key in r:
                sample[key] = r[key]
    sample["detail"] = results
    sample["guest"] = info
    if errors:
        sample["bench_errors"] = errors
    return sample


def measure_fn(argv, wanted, timeout):
    """A function running procbench in one guest boot and returning its sample.

    The guest exits with status 0 (QEMU: 1) when every benchmark worked and 1 (QEMU: 3)
    when procbench reported failures. Anything else (a hang, a crash, a panic, missing
    lines) raises RunError, with whatever did get measured attached as a partial sample.
    """
    ok_rc, failed_rc = qemu.exit_status(0), qemu.exit_status(1)

    def measure(_index):
        res = qemu.run(argv, timeout=timeout, marks=[START_MARK, DONE_MARK])
        results, errors, info = parse_output(res.output, wanted)
        sample = make_sample(results, errors, info, res)
        problems = []
        if res.timed_out:
            running = RUNNING_RE.findall(res.output)
            where = f" in benchmark {running[-1]!r}" if running else " before procbench started"
            problems.append(f"killed after {timeout:.0f} s{where} (hang or far too slow)")
        elif DONE_MARK not in res.marks:
            problems.append(f"QEMU exited with {res.returncode} before procbench finished")
        elif res.returncode not in (ok_rc, failed_rc):
            problems.append(f"QEMU exit status {res.returncode}, expected {ok_rc} (or {failed_rc} "
                            "when a benchmark reports an error)")
        elif res.returncode == failed_rc and not errors:
            problems.append("procbench exited with 1 but no benchmark reported an error")
        if errors:
            problems.append("benchmark failures: " +
                            "; ".join(f"{k}: {v}" for k, v in errors.items()))
        if problems:
            raise RunError("; ".join(problems) + "\n" + harness.output_tail(res.output, 20),
                           sample=sample if results else None)
        return sample
    return measure


def brief(sample):
    """One progress line: wall time and each benchmark's ns/op."""
    parts = [f"wall={sample['wall_ms'] / 1000:.1f}s"]
    if "clock_check" in sample:
        parts.append(f"clock={sample['clock_check']:.3f}")
    parts += [f"{k}={fmt_ns(sample[k])}" for k in BENCHMARKS if k in sample]
    return " ".join(parts)


# --- the report -------------------------------------------------------------------------

def fmt_ns(ns):
    if ns is None:
        return None
    if ns >= 1e6:
        return f"{ns / 1e6:.2f}ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f}us"
    return f"{ns:.1f}ns"


def summarize_guest(raw, argv, wanted):
    samples = raw["samples"]
    complete = [s for s in samples if not s.get("partial")]
    return {
        "argv": argv,
        "runs": samples,
        "errors": raw["errors"],
        "complete_runs": len(complete),
        "wall_ms": harness.summarize(harness.column(complete, "wall_ms")),
        "clock_check": harness.summarize(harness.column(samples, "clock_check")),
        "benchmarks": {name: harness.summarize(harness.column(samples, name)) for name in wanted},
        "extras": {key: harness.summarize(harness.column(samples, key))
                   for name in wanted for key in EXTRA_KEYS.get(name, [])},
        "ops": {name: next((s["detail"][name]["ops"] for s in samples
                            if name in s.get("detail", {})), None) for name in wanted},
    }


def compare(entry, wanted):
    """Per benchmark: both medians, ratio linux/tern, per-round paired ratio."""
    out = {}
    tern, linux = entry.get("tern"), entry.get("linux")
    for name in wanted + [k for n in wanted for k in EXTRA_KEYS.get(n, [])]:
        key_group = "benchmarks" if name in BENCHMARKS else "extras"
        t = tern[key_group].get(name) if tern else None
        lx = linux[key_group].get(name) if linux else None
        row = {"tern_ns": t["median"] if t else None, "linux_ns": lx["median"] if lx else None}
        if tern and linux:
            row["ratio"] = harness.ratio(lx, t)
            row["paired_ratio"] = harness.paired_ratio(linux["runs"], tern["runs"], name)
        out[name] = row
    return out


def spread(summary):
    """IQR as a percentage of the median (how much the rounds disagree)."""
    if not summary or not summary.get("median") or "iqr" not in summary:
        return None
    return f"{100 * summary['iqr'] / summary['median']:.0f}%"


def print_report(report):
    rows = []
    for machine, entry in report["machines"].items():
        for name, c in entry["compare"].items():
            t = entry.get("tern", {}).get("benchmarks" if name in BENCHMARKS else "extras", {}).get(name)
            lx = entry.get("linux", {}).get("benchmarks" if name in BENCHMARKS else "extras", {}).get(name)
            ratio = c.get("ratio")
            paired = c.get("paired_ratio")
            rows.append([f"{machine}/{name}", fmt_ns(c["tern_ns"]), spread(t),
                         fmt_ns(c["linux_ns"]), spread(lx),
                         f"{ratio:.2f}" if ratio else None, f"{paired:.2f}" if paired else None,
                         f"{t['n'] if t else 0}/{lx['n'] if lx else 0}"])
    print(harness.table(["machine/benchmark", "Tern", "IQR", "Linux", "IQR", "linux/tern",
                         "paired", "n T/L"], rows))
    print()
    for machine, entry in report["machines"].items():
        checks = [f"{g} {entry[g]['clock_check']['median']:.3f}" for g in ("tern", "linux")
                  if (entry.get(g) or {}).get("clock_check")]
        if checks:
            print(f"{machine}: clock check (guest ms / host ms, median): {', '.join(checks)}")
        for name, c in entry["compare"].items():
            ratio = c.get("ratio")
            if ratio is None or name == "noop":
                continue
            how = f"{ratio:.2f}x faster" if ratio >= 1 else f"{1 / ratio:.2f}x slower"
            print(f"{machine}: Tern {how} than Linux at {name} "
                  f"({fmt_ns(c['tern_ns'])} vs {fmt_ns(c['linux_ns'])})")
        for guest in ("tern", "linux"):
            cc = (entry.get(guest) or {}).get("clock_check")
            if cc and not 0.9 <= cc["median"] <= 1.1:
                print(f"{machine}: WARNING: {guest}'s clock ran at {cc['median']:.2f}x the host's "
                      "(guest ms / host ms over the benchmark run): its figures are skewed")
        noop = entry["compare"].get("noop", {})
        noop = noop.get("paired_ratio") or noop.get("ratio")
        if noop is not None and not 0.8 <= noop <= 1.25:
            print(f"{machine}: WARNING: the empty loop differs by {noop:.2f}x between the guests "
                  "(per-round median): the host's speed drifted between them, or a guest loses "
                  "CPU time to something else; the other ratios are suspect")
    for machine, entry in report["machines"].items():
        for guest in ("tern", "linux"):
            for e in (entry.get(guest) or {}).get("errors", []):
                when = "warm-up" if e["warmup"] else f"round {e['run'] + 1}"
                print(f"\nFAILED {machine}/{guest} {when}: {e['error']}")


def main(argv=None):
    args = parse_args(argv)
    try:
        procbench = build_procbench(args)
        tern = tern_setup(args, procbench) if "tern" in args.guests else None
        linux = linux_setup(args, procbench) if "linux" in args.guests else None
    except (SetupError, linux_guest.GuestError) as e:
        print(f"proc: {e}", file=sys.stderr)
        return 2
    words = guest_args(args)
    meta = harness.metadata()
    report = {
        "benchmark": "proc",
        "metadata": meta,
        "config": {"rounds": args.rounds, "warmup": args.warmup, "memory": MEMORY, "cpus": 1,
                   "timeout_s": args.timeout, "accel": meta["accel"], "reps": args.reps,
                   "scale": args.scale, "benchmarks": {b: BENCHMARKS[b] for b in args.benchmarks},
                   "procbench_args": words, "procbench_sha256": _sha256(procbench),
                   "tern_kernel": args.kernel,
                   "tern_kernel_sha256": _sha256(tern[0]) if tern else None,
                   "tern_root": args.root,
                   "tern_append": f"{TERN_APPEND} init=/{GUEST_PATH} -- {' '.join(words)}",
                   "linux_kernel": linux[0].version if linux else None,
                   "linux_append_extra": args.linux_append,
                   "ratio": "linux_ns / tern_ns of the medians over rounds (> 1: Tern faster)"},
        "machines": {},
    }
    for machine in args.machines:
        print(f"{machine}:", file=sys.stderr, flush=True)
        variants, argvs = [], {}
        if tern:
            argvs["tern"] = qemu.command(tern[0], machine=machine, memory=MEMORY,
                                         append=report["config"]["tern_append"], initrd=tern[1])
            variants.append(("tern", measure_fn(argvs["tern"], args.benchmarks, args.timeout)))
        if linux:
            argvs["linux"] = linux_guest.command(linux[0], linux[1], machine=machine, memory=MEMORY,
                                                 append_extra=" ".join(
                                                     [args.linux_append, "--", *words]).strip())
            variants.append(("linux", measure_fn(argvs["linux"], args.benchmarks, args.timeout)))
        raw = harness.interleaved(variants, args.rounds, args.warmup, brief=brief)
        entry = {g: summarize_guest(raw[g], argvs[g], args.benchmarks) for g in argvs}
        entry["compare"] = compare(entry, args.benchmarks)
        report["machines"][machine] = entry
    failures = sum(len(e[g]["errors"]) for e in report["machines"].values()
                   for g in ("tern", "linux") if g in e)
    report["failures"] = failures
    harness.write_json(args.out, report)
    print()
    print_report(report)
    print(f"\nwrote {args.out}")
    measured = any(e[g]["runs"] for e in report["machines"].values()
                   for g in ("tern", "linux") if g in e)
    if not measured:
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
