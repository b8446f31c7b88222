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
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import guestbench  # noqa: E402
import harness  # noqa: E402
import linux_guest  # noqa: E402
from guestbench import fmt_ns, spread  # noqa: E402
from harness import SetupError  # noqa: E402

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

PROGRAM = guestbench.Program("procbench", "proc", BENCHMARKS)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    guestbench.add_setup_options(p, PROGRAM)
    guestbench.add_run_options(p, PROGRAM, per="machine", machines_note="pc, microvm, q35",
                               timeout=120.0, timeout_note="a Linux run takes ~6")
    args = p.parse_args(argv)
    guestbench.check_run_options(p, args, PROGRAM)
    return args


# --- one run ----------------------------------------------------------------------------

def _convert(_name, fields):
    """A result line's fields as numbers; it must have ns_per_op."""
    parsed = {k: (int(v) if k in ("ops", "reps") else float(v)) for k, v in fields.items()}
    parsed["ns_per_op"]  # noqa: B018 (must be there)
    return parsed


def parse_output(output, wanted):
    """The benchmark lines of one run: (results, bench_errors, info).

    results: {name: {"ns_per_op": float, "ops": int, ...}}; bench_errors: {name: text}
    for every wanted benchmark that printed an error line or no line at all (with the
    benchmark the program was last running when the output ends).
    """
    results, _, errors = guestbench.parse_lines(output, _convert)
    for name in wanted:
        if name not in results and name not in errors:
            errors[name] = guestbench.why_missing(PROGRAM, output, name)
    start, total_ms = guestbench.start_and_total(PROGRAM, output)
    return results, errors, {"start": start, "guest_total_ms": total_ms}


def make_sample(results, errors, info, res):
    """A flat sample: ns_per_op under each benchmark's name (so harness.paired_ratio works),
    the full lines under "detail", clock_check as guestbench.new_sample() explains."""
    sample = guestbench.new_sample(PROGRAM, res, info.get("guest_total_ms"))
    for name, r in results.items():
        sample[name] = r["ns_per_op"]
        for key in EXTRA_KEYS.get(name, []):
            if key in r:
                sample[key] = r[key]
    return guestbench.end_sample(sample, results, info, errors)


def measure_fn(argv, wanted, timeout):
    """A function running procbench in one guest boot and returning its sample; a hang, a
    crash, a panic or missing lines raise RunError (guestbench.measure_fn())."""
    def analyse(res):
        results, errors, info = parse_output(res.output, wanted)
        return make_sample(results, errors, info, res), []
    return guestbench.measure_fn(PROGRAM, argv, timeout, analyse)


def brief(sample):
    """One progress line: wall time and each benchmark's ns/op."""
    parts = guestbench.brief_start(sample)
    parts += [f"{k}={fmt_ns(sample[k])}" for k in BENCHMARKS if k in sample]
    return " ".join(parts)


# --- the report -------------------------------------------------------------------------

def summarize_guest(raw, argv, wanted):
    samples = raw["samples"]
    summary = guestbench.summarize_runs(raw, argv, wanted)
    summary["extras"] = {key: harness.summarize(harness.column(samples, key))
                         for name in wanted for key in EXTRA_KEYS.get(name, [])}
    summary["ops"] = {name: next((s["detail"][name]["ops"] for s in samples
                                  if name in s.get("detail", {})), None) for name in wanted}
    return summary


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


def print_report(report):
    rows = []
    for machine, entry in report["machines"].items():
        for name, c in entry["compare"].items():
            t = entry.get("tern", {}).get("benchmarks" if name in BENCHMARKS else "extras", {}).get(name)
            lx = entry.get("linux", {}).get("benchmarks" if name in BENCHMARKS else "extras", {}).get(name)
            rows.append([f"{machine}/{name}", fmt_ns(c["tern_ns"]), spread(t),
                         fmt_ns(c["linux_ns"]), spread(lx), *guestbench.ratio_cells(c, t, lx)])
    print(harness.table(["machine/benchmark", "Tern", "IQR", "Linux", "IQR", "linux/tern",
                         "paired", "n T/L"], rows))
    print()
    for machine, entry in report["machines"].items():
        guestbench.print_clock_check(machine, entry)
        for name, c in entry["compare"].items():
            ratio = c.get("ratio")
            if ratio is None or name == "noop":
                continue
            how = f"{ratio:.2f}x faster" if ratio >= 1 else f"{1 / ratio:.2f}x slower"
            print(f"{machine}: Tern {how} than Linux at {name} "
                  f"({fmt_ns(c['tern_ns'])} vs {fmt_ns(c['linux_ns'])})")
        for guest, rate in guestbench.skewed_clocks(entry):
            print(f"{machine}: WARNING: {guest}'s clock ran at {rate:.2f}x the host's "
                  "(guest ms / host ms over the benchmark run): its figures are skewed")
        noop = entry["compare"].get("noop", {})
        noop = noop.get("paired_ratio") or noop.get("ratio")
        if noop is not None and not 0.8 <= noop <= 1.25:
            print(f"{machine}: WARNING: the empty loop differs by {noop:.2f}x between the guests "
                  "(per-round median): the host's speed drifted between them, or a guest loses "
                  "CPU time to something else; the other ratios are suspect")
    harness.print_failures(report["machines"].items())


def main(argv=None):
    args = parse_args(argv)
    try:
        guests = guestbench.Guests(PROGRAM, args)
    except (SetupError, linux_guest.GuestError) as e:
        print(f"proc: {e}", file=sys.stderr)
        return 2
    meta = harness.metadata()
    report = {
        "benchmark": "proc",
        "metadata": meta,
        "config": {"rounds": args.rounds, "warmup": args.warmup, "memory": guestbench.MEMORY,
                   "cpus": 1, "timeout_s": args.timeout, "accel": meta["accel"],
                   **guests.config(),
                   "ratio": "linux_ns / tern_ns of the medians over rounds (> 1: Tern faster)"},
        "machines": {},
    }
    for machine in args.machines:
        print(f"{machine}:", file=sys.stderr, flush=True)
        argvs = guests.commands(machine)
        variants = [(g, measure_fn(argv, args.benchmarks, args.timeout)) for g, argv in argvs.items()]
        raw = harness.interleaved(variants, args.rounds, args.warmup, brief=brief)
        entry = {g: summarize_guest(raw[g], argvs[g], args.benchmarks) for g in argvs}
        entry["compare"] = compare(entry, args.benchmarks)
        report["machines"][machine] = entry
    return harness.finish(report, report["machines"].values(), args.out, print_report)


if __name__ == "__main__":
    sys.exit(main())
