#!/usr/bin/python3
"""SMP scalability benchmarks: Tern against the Linux baseline guest, at several vCPU counts.

    /usr/bin/python3 bench/smp.py --kernel build/kernel.elf --root build/root \\
        --out build/bench/smp.json [--cpus 1,2,4]

One static musl program, bench/guest/smpbench.c, measures inside the guest and prints one
"bench NAME ..." line per result, the median of several repetitions:

- compute_N: N threads (1, 2, 4, ... up to the online CPUs) each doing a fixed amount of
  pure computation; ops_per_s, the total throughput (higher is better);
- futex_same / futex_cross: futex ping-pong between two threads pinned to one CPU / to
  CPUs 0 and 1; pipe_same / pipe_cross: the same with a pipe between two processes;
  ns_per_op, one round trip (lower is better). The *_cross ones need 2 CPUs.

The very same binary boots on Tern (init=/bench/smpbench; PID 1's exit powers off) and as
/init of the Linux guest (it powers off through isa-debug-exit), with `-smp N` for each N
of --cpus. Per round, every (vCPU count, guest) pair boots once, in the order
1 CPU Tern, 1 CPU Linux, 2 CPUs Tern, ..., so that host drift hits all alike.

Reported per vCPU count and benchmark: the median over rounds of the in-guest medians for
each guest, and the ratio with > 1 meaning Tern is better: tern/linux for throughput,
linux/tern for latency (and the per-round paired ratio). Per guest, the scaling factor:
compute_N / compute_1 within the same boot, and the all-CPU throughput of the N-vCPU guest
over the 1-thread throughput of the 1-vCPU guest (same round).

The host has 2 cores and QEMU runs each vCPU in its own host thread (MTTCG): beyond 2
vCPUs they time-share the host cores, so no guest can scale past ~2x here, and cross-CPU
wake-ups may wait for the host to schedule the target vCPU's thread.

Exit status as bench/proc.py: 0 when every run and benchmark worked, 1 when any failed
(all failures listed, the JSON written with them), 2 when nothing could be measured.
"""

import argparse
import os
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import guestbench  # noqa: E402
import harness  # noqa: E402
import linux_guest  # noqa: E402
from guestbench import fmt_ns, spread  # noqa: E402
from harness import SetupError  # noqa: E402

# smpbench's benchmarks (the names it accepts), in its order.
BENCHMARKS = {
    "compute": "N threads x fixed xorshift/add iterations over a private 4 KiB buffer: "
               "total iterations per second (throughput, higher is better)",
    "futex_same": "futex wait/wake ping-pong between two threads both pinned to CPU 0: "
                  "one round trip",
    "futex_cross": "futex wait/wake ping-pong, threads pinned to CPUs 0 and 1: one round trip",
    "pipe_same": "1-byte pipe ping-pong between two processes both pinned to CPU 0: "
                 "one round trip",
    "pipe_cross": "1-byte pipe ping-pong, processes pinned to CPUs 0 and 1: one round trip",
}
CROSS = ("futex_cross", "pipe_cross")   # need 2 CPUs; smpbench skips them on 1

PROGRAM = guestbench.Program("smpbench", "smp", BENCHMARKS)
OWN_LINE_RE = re.compile(r"^(bench |smpbench: |rep )")


def thread_counts(cpus):
    """The N of compute_N that smpbench runs with `cpus` online: 1, 2, 4, ... and cpus."""
    counts, n = [], 1
    while n < cpus:
        counts.append(n)
        n *= 2
    return counts + [cpus]


def expected_results(cpus, benchmarks):
    """The result names (compute_N, futex_same, ...) a run on `cpus` CPUs should print."""
    names = []
    for b in benchmarks:
        if b == "compute":
            names += [f"compute_{n}" for n in thread_counts(cpus)]
        elif b in CROSS and cpus < 2:
            continue
        else:
            names.append(b)
    return names


def is_throughput(name):
    return name.startswith("compute_")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    guestbench.add_setup_options(p, PROGRAM)
    p.add_argument("--cpus", default="1,2,4", help="comma-separated vCPU counts (default 1,2,4)")
    guestbench.add_run_options(p, PROGRAM, per="vCPU count", machines_note="default pc",
                               timeout=60.0, timeout_note="a run takes 2-25")
    args = p.parse_args(argv)
    try:
        args.cpus = [int(c) for c in args.cpus.split(",") if c]
    except ValueError:
        p.error("--cpus takes comma-separated numbers, e.g. 1,2,4")
    if not args.cpus or any(not 1 <= c <= 64 for c in args.cpus):
        p.error("--cpus: each count must be 1..64")
    guestbench.check_run_options(p, args, PROGRAM)
    return args


# --- one run ----------------------------------------------------------------------------

def _convert(name, fields):
    """A result line's fields as numbers ("cpus" stays text), with "value": ops_per_s for
    compute_N, ns_per_op for the others (it must be there)."""
    parsed = {k: (v if k == "cpus" else int(v) if k in ("ops", "reps", "threads") else float(v))
              for k, v in fields.items()}
    parsed["value"] = parsed["ops_per_s" if is_throughput(name) else "ns_per_op"]
    return parsed


def parse_output(output, wanted):
    """The result lines of one run: (results, skipped, errors, info).

    results: {name: parsed fields, with "value": ops_per_s for compute_N, ns_per_op for
    the others}; skipped: {name: reason}; errors: {name: text} for every wanted result
    that printed an error line or no line at all.
    """
    results, skipped, errors = guestbench.parse_lines(output, _convert)
    for name in wanted:
        if name in results or name in errors:
            continue
        if name in skipped:
            errors[name] = f"skipped ({skipped[name]}) although the guest should have 2+ CPUs"
        else:
            errors[name] = guestbench.why_missing(PROGRAM, output, name)
    start, total_ms = guestbench.start_and_total(PROGRAM, output)
    start_fields = dict(guestbench.KV_RE.findall(start)) if start else {}
    # The console lines smpbench did not print (kernel messages: boot, warnings, stalls).
    other = [line for line in output.splitlines() if line.strip() and not OWN_LINE_RE.match(line)]
    info = {"start": start,
            "cpus_online": int(start_fields["cpus_online"]) if "cpus_online" in start_fields else None,
            "guest_total_ms": total_ms,
            "other_console_lines": other[:30]}
    return results, skipped, errors, info


def make_sample(results, skipped, errors, info, res):
    """A flat sample: each result's value under its name (for harness.paired_ratio),
    scale_N = compute_N / compute_1 of this boot, cpus_used_N, the full lines under
    "detail", and clock_check (guestbench.new_sample(): guest ms / host ms between the
    start and done lines, ~1 when the guest's clock keeps the host's pace)."""
    sample = guestbench.new_sample(PROGRAM, res, info.get("guest_total_ms"))
    for name, r in results.items():
        sample[name] = r["value"]
        if is_throughput(name):
            n = name.split("_", 1)[1]
            if "cpus_used" in r:
                sample[f"cpus_used_{n}"] = r["cpus_used"]
            if results.get("compute_1", {}).get("value"):
                sample[f"scale_{n}"] = r["value"] / results["compute_1"]["value"]
    return guestbench.end_sample(sample, results, info, errors, skipped)


def measure_fn(argv, cpus, wanted, timeout):
    """A function booting one guest with `cpus` vCPUs and returning its sample; anything
    that goes wrong (a hang, a crash, missing or error lines, fewer CPUs online than
    given) raises RunError with what was measured attached as a partial sample."""
    def analyse(res):
        results, skipped, errors, info = parse_output(res.output, wanted)
        sample = make_sample(results, skipped, errors, info, res)
        # The host's 1-minute load after the run: other work on its 2 cores shows up
        # directly in cross-CPU figures (a vCPU waiting for a host core).
        sample["host_load"] = os.getloadavg()[0]
        problems = []
        if info["cpus_online"] is not None and info["cpus_online"] != cpus:
            problems.append(f"the guest has {info['cpus_online']} CPUs online, "
                            f"QEMU was given {cpus}")
        return sample, problems
    return guestbench.measure_fn(PROGRAM, argv, timeout, analyse)


def fmt_value(name, value):
    if value is None:
        return None
    if is_throughput(name):
        return f"{value / 1e6:.0f}M/s"
    return fmt_ns(value)


def brief(sample):
    """One progress line: wall time and each result."""
    parts = guestbench.brief_start(sample)
    parts += [f"{k}={fmt_value(k, sample[k])}" for k in sample.get("detail", {})]
    return " ".join(parts)


# --- the report -------------------------------------------------------------------------

def summarize_guest(raw, argv, names):
    samples = raw["samples"]
    counts = [name.split("_", 1)[1] for name in names if is_throughput(name)]
    summary = guestbench.summarize_runs(raw, argv, names, also=["host_load"])
    summary["scaling"] = {n: harness.summarize(harness.column(samples, f"scale_{n}"))
                          for n in counts}
    summary["cpus_used"] = {n: harness.summarize(harness.column(samples, f"cpus_used_{n}"))
                            for n in counts}
    return summary


def compare(entry, names):
    """Per result: both medians, ratio (> 1: Tern better) and the per-round paired ratio."""
    out = {}
    tern, linux = entry.get("tern"), entry.get("linux")
    for name in names:
        t = tern["benchmarks"].get(name) if tern else None
        lx = linux["benchmarks"].get(name) if linux else None
        row = {"unit": "ops_per_s" if is_throughput(name) else "ns_per_op",
               "tern": t["median"] if t else None, "linux": lx["median"] if lx else None}
        if tern and linux:
            if is_throughput(name):
                row["ratio"] = harness.ratio(t, lx)
                row["paired_ratio"] = harness.paired_ratio(tern["runs"], linux["runs"], name)
            else:
                row["ratio"] = harness.ratio(lx, t)
                row["paired_ratio"] = harness.paired_ratio(linux["runs"], tern["runs"], name)
        out[name] = row
    return out


def cross_boot_scaling(entries, guest, cpus):
    """compute_<cpus> of the cpus-vCPU guest over compute_1 of the 1-vCPU guest, paired by
    round (median), or None without a 1-vCPU run."""
    one, many = entries.get(1, {}).get(guest), entries.get(cpus, {}).get(guest)
    if not one or not many:
        return None
    key = f"compute_{cpus}"
    base = [{"round": s["round"], key: s["compute_1"]} for s in one["runs"] if "compute_1" in s]
    return harness.paired_ratio(many["runs"], base, key)


def print_report(report):
    rows = []
    for machine, per_cpus in report["machines"].items():
        for cpus, entry in per_cpus.items():
            for name, c in entry["compare"].items():
                t = (entry.get("tern") or {}).get("benchmarks", {}).get(name)
                lx = (entry.get("linux") or {}).get("benchmarks", {}).get(name)
                rows.append([f"{machine}/{cpus}cpu/{name}", fmt_value(name, c["tern"]), spread(t),
                             fmt_value(name, c["linux"]), spread(lx),
                             *guestbench.ratio_cells(c, t, lx)])
    print(harness.table(["machine/vCPUs/benchmark", "Tern", "IQR", "Linux", "IQR",
                         "Tern better by", "paired", "n T/L"], rows))
    print("(compute_N: total iterations/s of N threads, ratio tern/linux; the others: one "
          "round trip, ratio linux/tern; > 1: Tern better)")
    print()
    rows = []
    for machine, per_cpus in report["machines"].items():
        for cpus, entry in per_cpus.items():
            for n in thread_counts(cpus):
                if n == 1 or f"compute_{n}" not in entry["compare"]:
                    continue
                row = [f"{machine}/{cpus}cpu/{n} threads"]
                for guest in ("tern", "linux"):
                    s = ((entry.get(guest) or {}).get("scaling") or {}).get(str(n))
                    used = ((entry.get(guest) or {}).get("cpus_used") or {}).get(str(n))
                    row += [f"{s['median']:.2f}x" if s else None,
                            f"{used['median']:.0f}" if used else None]
                cb = entry.get("cross_boot_scaling", {}) if n == cpus else {}
                row += [f"{cb['tern']:.2f}x" if cb.get("tern") else None,
                        f"{cb['linux']:.2f}x" if cb.get("linux") else None]
                rows.append(row)
    if rows:
        print(harness.table(["scaling", "Tern", "CPUs used", "Linux", "CPUs used",
                             "Tern vs 1-vCPU", "Linux vs 1-vCPU"], rows))
        print("(compute_N / compute_1 in the same boot, median over rounds; 'vs 1-vCPU': the "
              "N-vCPU guest's all-CPU throughput over the 1-vCPU guest's, paired by round.\n"
              f" The host has {report['metadata']['host_cpus']} cores: vCPUs beyond that "
              "time-share them, so scaling beyond ~2x cannot show here.)")
        print()
    for machine, per_cpus in report["machines"].items():
        for cpus, entry in per_cpus.items():
            guestbench.print_clock_check(f"{machine}/{cpus}cpu", entry)
            for guest, rate in guestbench.skewed_clocks(entry):
                print(f"{machine}/{cpus}cpu: WARNING: {guest}'s clock ran at "
                      f"{rate:.2f}x the host's: its figures are skewed")
            for name, c in entry["compare"].items():
                ratio = c.get("ratio")
                if ratio is None:
                    continue
                how = f"{ratio:.2f}x better" if ratio >= 1 else f"{1 / ratio:.2f}x worse"
                print(f"{machine}/{cpus}cpu: Tern {how} than Linux at {name} "
                      f"({fmt_value(name, c['tern'])} vs {fmt_value(name, c['linux'])})")
    harness.print_failures((f"{machine}/{cpus}cpu", entry)
                           for machine, per_cpus in report["machines"].items()
                           for cpus, entry in per_cpus.items())


def main(argv=None):
    args = parse_args(argv)
    try:
        guests = guestbench.Guests(PROGRAM, args)
    except (SetupError, linux_guest.GuestError) as e:
        print(f"smp: {e}", file=sys.stderr)
        return 2
    meta = harness.metadata()
    report = {
        "benchmark": "smp",
        "metadata": meta,
        "config": {"cpus": args.cpus, "rounds": args.rounds, "warmup": args.warmup,
                   "memory": guestbench.MEMORY, "timeout_s": args.timeout, "accel": meta["accel"],
                   **guests.config(),
                   "ratio": "> 1: Tern better; compute_N: tern/linux of ops_per_s medians, "
                            "the others: linux/tern of ns_per_op medians",
                   "host_note": f"{meta['host_cpus']} host cores, QEMU MTTCG (one host thread "
                                "per vCPU): vCPUs beyond the host cores time-share them"},
        "machines": {},
    }
    for machine in args.machines:
        print(f"{machine}:", file=sys.stderr, flush=True)
        variants, argvs = [], {}
        for cpus in args.cpus:
            names = expected_results(cpus, args.benchmarks)
            for guest, argv in guests.commands(machine, cpus).items():
                argvs[(guest, cpus)] = argv
                variants.append((f"{guest}/{cpus}cpu", measure_fn(argv, cpus, names, args.timeout)))
        raw = harness.interleaved(variants, args.rounds, args.warmup, brief=brief)
        per_cpus = {}
        for cpus in args.cpus:
            names = expected_results(cpus, args.benchmarks)
            entry = {g: summarize_guest(raw[f"{g}/{cpus}cpu"], argvs[(g, cpus)], names)
                     for g in harness.GUESTS if (g, cpus) in argvs}
            entry["compare"] = compare(entry, names)
            per_cpus[cpus] = entry
        for cpus, entry in per_cpus.items():
            if cpus > 1 and "compute" in args.benchmarks:
                entry["cross_boot_scaling"] = {g: cross_boot_scaling(per_cpus, g, cpus)
                                               for g in harness.GUESTS if g in entry}
        report["machines"][machine] = per_cpus
    entries = [e for per_cpus in report["machines"].values() for e in per_cpus.values()]
    return harness.finish(report, entries, args.out, print_report)


if __name__ == "__main__":
    sys.exit(main())
