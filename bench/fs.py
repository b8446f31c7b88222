#!/usr/bin/python3
"""File-system microbenchmarks on the RAM file system: Tern against the Linux baseline guest.

    /usr/bin/python3 bench/fs.py --kernel build/kernel.elf --root build/root \\
        --out build/bench/fs.json [--rounds 5]

One static musl program, bench/guest/fsbench.c, measures inside the guest in /tmp/fsbench
and prints one "bench NAME ns_per_op=..." line per benchmark, the median of several
repetitions: open+close, stat, create+write 100 bytes+close+unlink, 4 KiB and 1 MiB
pread/pwrite at offset 0, fstat and getppid. On Tern /tmp is the I/O server's RAM file
system: every file call the kernel forwards is a request over an IPC channel to /sbin/iod,
and all but close wait for the answer (an IPC round trip). On Linux /tmp is a tmpfs
(fsbench mounts one as /init when /tmp is not one already) served in the kernel. fstat
(forwarded on Tern) against getppid (served in the kernel by both) shows what the
forwarding costs.

The very same binary boots on Tern (init=/bench/fsbench; PID 1's exit powers off) and as
/init of the Linux guest (it powers off through isa-debug-exit), 1 vCPU, alternately
(Tern, Linux, Tern, Linux, ...) for several rounds under the same QEMU.

Reported per benchmark: the median over rounds of the in-guest medians for each guest and
tern/linux of those (> 1: Tern slower, it is a time), with the per-round paired ratio;
per guest, the forwarding cost fstat - getppid (ns, paired within each boot).

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

# fsbench's benchmarks (the names it accepts), in its order, and what one operation is.
BENCHMARKS = {
    "open_close": "open(O_RDONLY) + close of an existing 4 KiB file",
    "stat": "stat() of that file's path",
    "create_unlink": "open(O_CREAT|O_EXCL|O_WRONLY) + write 100 bytes + close + unlink",
    "read_4k": "pread of 4 KiB at offset 0 of a 4 KiB file",
    "write_4k": "pwrite of 4 KiB at offset 0 of a 4 KiB file",
    "read_1m": "pread of 1 MiB at offset 0 of a 1 MiB file",
    "write_1m": "pwrite of 1 MiB at offset 0 of a 1 MiB file",
    "fstat": "syscall(SYS_fstat) on an open file (forwarded to the I/O server on Tern)",
    "getppid": "syscall(SYS_getppid) (served in the kernel by both guests)",
}
# The forwarding cost: a forwarded call against one the kernel answers itself.
FORWARDED, LOCAL = "fstat", "getppid"

PROGRAM = guestbench.Program("fsbench", "fs", BENCHMARKS)
OWN_LINE_RE = re.compile(r"^(bench |fsbench: |rep )")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    guestbench.add_setup_options(p, PROGRAM)
    guestbench.add_run_options(p, PROGRAM, per="machine", machines_note="default pc",
                               timeout=90.0, timeout_note="a run takes 3-10")
    args = p.parse_args(argv)
    guestbench.check_run_options(p, args, PROGRAM)
    return args


# --- one run ----------------------------------------------------------------------------

def _convert(_name, fields):
    """A result line's fields as numbers, with "value": ns_per_op (it must be there)."""
    parsed = {k: (int(v) if k in ("ops", "reps", "bytes") else float(v)) for k, v in fields.items()}
    parsed["value"] = parsed["ns_per_op"]
    return parsed


def parse_output(output, wanted):
    """The result lines of one run: (results, errors, info).

    results: {name: parsed fields, with "value": ns_per_op}; errors: {name: text} for
    every wanted benchmark that printed an error line or no line at all.
    """
    results, _, errors = guestbench.parse_lines(output, _convert)
    for name in wanted:
        if name not in results and name not in errors:
            errors[name] = guestbench.why_missing(PROGRAM, output, name)
    start, total_ms = guestbench.start_and_total(PROGRAM, output)
    start_fields = dict(guestbench.KV_RE.findall(start)) if start else {}
    # The console lines fsbench did not print (kernel messages: boot, warnings).
    other = [line for line in output.splitlines() if line.strip() and not OWN_LINE_RE.match(line)]
    info = {"start": start,
            "tmp_fs": start_fields.get("tmp_fs"),
            "tmp_mounted": start_fields.get("tmp_mounted"),
            "guest_total_ms": total_ms,
            "other_console_lines": other[:30]}
    return results, errors, info


def make_sample(results, errors, info, res):
    """A flat sample: each result's ns_per_op under its name (for harness.paired_ratio),
    forwarding_ns = fstat - getppid of this boot, the full lines under "detail", and
    clock_check (guestbench.new_sample())."""
    sample = guestbench.new_sample(PROGRAM, res, info.get("guest_total_ms"))
    for name, r in results.items():
        sample[name] = r["value"]
    if FORWARDED in results and LOCAL in results:
        sample["forwarding_ns"] = results[FORWARDED]["value"] - results[LOCAL]["value"]
    return guestbench.end_sample(sample, results, info, errors)


def measure_fn(argv, wanted, timeout):
    """A function booting one guest and returning its sample; anything that goes wrong (a
    hang, a crash, missing or error lines, /tmp not a tmpfs) raises RunError with what was
    measured attached as a partial sample."""
    def analyse(res):
        results, errors, info = parse_output(res.output, wanted)
        sample = make_sample(results, errors, info, res)
        sample["host_load"] = os.getloadavg()[0]
        problems = []
        if info["start"] is not None and info["tmp_fs"] != "tmpfs":
            problems.append(f"/tmp in the guest is {info['tmp_fs']}, not a tmpfs "
                            f"(tmp_mounted={info['tmp_mounted']})")
        return sample, problems
    return guestbench.measure_fn(PROGRAM, argv, timeout, analyse)


def brief(sample):
    """One progress line: wall time and each result."""
    parts = guestbench.brief_start(sample)
    parts += [f"{k}={fmt_ns(sample[k])}" for k in BENCHMARKS if k in sample]
    return " ".join(parts)


# --- the report -------------------------------------------------------------------------

def summarize_guest(raw, argv, names):
    samples = raw["samples"]
    summary = guestbench.summarize_runs(raw, argv, names, also=["host_load", "forwarding_ns"])
    summary["ops"] = {name: next((s["detail"][name]["ops"] for s in samples
                                  if name in s.get("detail", {})), None) for name in names}
    return summary


def compare(entry, names):
    """Per benchmark: both medians, tern/linux (> 1: Tern slower) and the paired ratio."""
    out = {}
    tern, linux = entry.get("tern"), entry.get("linux")
    for name in names:
        t = tern["benchmarks"].get(name) if tern else None
        lx = linux["benchmarks"].get(name) if linux else None
        row = {"unit": "ns_per_op", "tern": t["median"] if t else None,
               "linux": lx["median"] if lx else None}
        if tern and linux:
            row["ratio"] = harness.ratio(t, lx)
            row["paired_ratio"] = harness.paired_ratio(tern["runs"], linux["runs"], name)
        out[name] = row
    return out


def forwarding(entry):
    """Per guest: the median over rounds of fstat - getppid in the same boot, and both."""
    out = {}
    for guest in harness.GUESTS:
        g = entry.get(guest)
        if not g:
            continue
        out[guest] = {"forwarded": FORWARDED, "local": LOCAL,
                      "forwarded_ns": (g["benchmarks"].get(FORWARDED) or {}).get("median"),
                      "local_ns": (g["benchmarks"].get(LOCAL) or {}).get("median"),
                      "difference_ns": (g.get("forwarding_ns") or {}).get("median")}
    return out


def print_report(report):
    rows = []
    for machine, entry in report["machines"].items():
        for name, c in entry["compare"].items():
            t = (entry.get("tern") or {}).get("benchmarks", {}).get(name)
            lx = (entry.get("linux") or {}).get("benchmarks", {}).get(name)
            rows.append([f"{machine}/{name}", fmt_ns(c["tern"]), spread(t),
                         fmt_ns(c["linux"]), spread(lx), *guestbench.ratio_cells(c, t, lx)])
    print(harness.table(["machine/benchmark", "Tern", "IQR", "Linux", "IQR", "Tern/Linux",
                         "paired", "n T/L"], rows))
    print("(ns per operation, median over rounds of the in-guest medians; Tern/Linux > 1: "
          "Tern slower)")
    print()
    for machine, entry in report["machines"].items():
        guestbench.print_clock_check(machine, entry)
        for guest, rate in guestbench.skewed_clocks(entry):
            print(f"{machine}: WARNING: {guest}'s clock ran at {rate:.2f}x the host's: "
                  "its figures are skewed")
        for guest, f in entry.get("forwarding", {}).items():
            if f["forwarded_ns"] is None or f["local_ns"] is None:
                continue
            diff = f["difference_ns"]
            print(f"{machine}: {guest}: {FORWARDED} {fmt_ns(f['forwarded_ns'])} vs {LOCAL} "
                  f"{fmt_ns(f['local_ns'])}: {FORWARDED} costs {fmt_ns(diff)} more"
                  + (" (the IPC round trip to the I/O server)" if guest == "tern" else ""))
        for name, c in entry["compare"].items():
            ratio = c.get("ratio")
            if ratio is None:
                continue
            how = f"{ratio:.2f}x slower" if ratio >= 1 else f"{1 / ratio:.2f}x faster"
            print(f"{machine}: Tern {how} than Linux at {name} "
                  f"({fmt_ns(c['tern'])} vs {fmt_ns(c['linux'])})")
    harness.print_failures(report["machines"].items())


def main(argv=None):
    args = parse_args(argv)
    try:
        guests = guestbench.Guests(PROGRAM, args)
    except (SetupError, linux_guest.GuestError) as e:
        print(f"fs: {e}", file=sys.stderr)
        return 2
    meta = harness.metadata()
    report = {
        "benchmark": "fs",
        "metadata": meta,
        "config": {"rounds": args.rounds, "warmup": args.warmup, "memory": guestbench.MEMORY,
                   "cpus": 1, "timeout_s": args.timeout, "accel": meta["accel"],
                   **guests.config(),
                   "ratio": "tern/linux of ns_per_op medians over rounds (> 1: Tern slower)",
                   "file_system": "/tmp/fsbench: on Tern the I/O server's RAM file system "
                                  "(forwarded calls: one IPC round trip each), on Linux a tmpfs"},
        "machines": {},
    }
    for machine in args.machines:
        print(f"{machine}:", file=sys.stderr, flush=True)
        argvs = guests.commands(machine)
        variants = [(g, measure_fn(argv, args.benchmarks, args.timeout))
                    for g, argv in argvs.items()]
        raw = harness.interleaved(variants, args.rounds, args.warmup, brief=brief)
        entry = {g: summarize_guest(raw[g], argvs[g], args.benchmarks) for g in argvs}
        entry["compare"] = compare(entry, args.benchmarks)
        entry["forwarding"] = forwarding(entry)
        report["machines"][machine] = entry
    return harness.finish(report, report["machines"].values(), args.out, print_report)


if __name__ == "__main__":
    sys.exit(main())
