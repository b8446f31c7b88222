"""Measuring helpers shared by every benchmark in bench/.

The host here is a VM under TCG whose speed drifts by up to 1.5x within an hour, so one
figure alone means little. Every benchmark therefore:

- runs its variants interleaved (A B A B ...), so drift hits both sides alike
  (interleaved());
- keeps every sample and reports median, spread and the failures (summarize(), errors
  are never dropped: a run that fails is listed with the reason and makes the
  benchmark exit non-zero);
- writes one JSON file with the host/QEMU metadata needed to judge the numbers later
  (metadata(), write_json()), and compares Tern with Linux only as a ratio of medians
  taken in the same run (ratio());
- ends alike: every failed run printed, exit status 0 (all worked), 1 (something
  failed) or 2 (nothing measured) (finish()).

Standard library only; run with Debian's /usr/bin/python3.
"""

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import qemu  # noqa: E402

GUESTS = ("tern", "linux")


class SetupError(Exception):
    """Nothing can be measured: a guest's kernel or programs are missing."""


class RunError(Exception):
    """One measured run went wrong; the message says how, with the guest's last output.

    sample: what the run did measure before it went wrong (e.g. the benchmarks a guest
    finished before hanging in the next one), or None. interleaved() keeps it, marked
    "partial": True, beside the error; a caller that cannot trust any of it passes none.
    """

    def __init__(self, message, sample=None):
        super().__init__(message)
        self.sample = sample


def comma_list(text):
    """The items of a comma-separated option ("pc,microvm"); empty items are dropped."""
    return [item for item in text.split(",") if item]


def check_machines_and_guests(parser, args):
    """Turns --machines and --guests into lists; an unknown name is a usage error (exit 2)."""
    args.machines = comma_list(args.machines)
    args.guests = comma_list(args.guests)
    for m in args.machines:
        if m not in qemu.MACHINES:
            parser.error(f"unknown machine {m!r} (known: {', '.join(qemu.MACHINES)})")
    for g in args.guests:
        if g not in GUESTS:
            parser.error(f"unknown guest {g!r}")


def output_tail(output, lines=15):
    """The last lines of a console transcript, indented, for an error message."""
    tail = output.strip().splitlines()[-lines:]
    return "\n".join("    | " + line for line in tail) or "    | (no output)"


def boot_and_mark(argv, mark, timeout, expect_rc=(qemu.exit_status(0),)):
    """Runs QEMU once; returns (seconds from QEMU start to `mark`, the qemu.Result).

    Raises RunError when the mark never came, QEMU had to be killed at the timeout, or it
    exited with a status the guest should not give (the guests here power off through
    isa-debug-exit writing 0, hence status 1). A measurement from a run that then went
    wrong is not trusted.
    """
    res = qemu.run(argv, timeout=timeout, marks=[mark])
    if mark not in res.marks:
        why = f"timed out after {timeout:.0f} s" if res.timed_out else f"exited with {res.returncode}"
        raise RunError(f"no {mark!r} line ({why})\n{output_tail(res.output)}")
    if res.timed_out:
        raise RunError(f"{mark!r} seen at {res.marks[mark]:.3f} s but the guest did not power "
                       f"off within {timeout:.0f} s\n{output_tail(res.output)}")
    if res.returncode not in expect_rc:
        raise RunError(f"QEMU exit status {res.returncode}, expected {list(expect_rc)}\n"
                       f"{output_tail(res.output)}")
    return res.marks[mark], res


def interleaved(variants, runs, warmup=1, progress=True, brief=None):
    """Runs each variant `runs` times, round by round: A B A B ...

    variants: list of (name, fn); fn(index) returns a dict of measurements (one sample)
    or raises RunError. Each kept sample gets "round": its round number, so that
    paired_ratio() can compare neighbours. Warm-up rounds (page cache, first QEMU start)
    are run first and their samples discarded; their failures are still errors. A
    RunError that carries a partial sample is an error all the same; its sample is kept
    too (with "partial": True). brief(sample): the progress line's text (default k=v ...).
    Returns {name: {"samples": [...], "errors": [{"run", "warmup", "error"}]}}.
    """
    brief = brief or _brief
    results = {name: {"samples": [], "errors": []} for name, _ in variants}
    for i in range(warmup + runs):
        is_warmup = i < warmup
        for name, fn in variants:
            label = f"warm-up {i + 1}" if is_warmup else f"run {i - warmup + 1}/{runs}"
            try:
                sample = fn(i)
            except RunError as e:
                results[name]["errors"].append({"run": i - warmup, "warmup": is_warmup,
                                                "error": str(e)})
                _say(progress, f"  {name:<14} {label}: ERROR {str(e).splitlines()[0]}")
                if e.sample is not None and not is_warmup:
                    results[name]["samples"].append(dict(e.sample, round=i - warmup,
                                                         partial=True))
                continue
            if not is_warmup:
                results[name]["samples"].append(dict(sample, round=i - warmup))
            _say(progress, f"  {name:<14} {label}: " + brief(sample))
    return results


def _say(enabled, text):
    if enabled:
        print(text, file=sys.stderr, flush=True)


def _brief(sample):
    return " ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in sample.items())


def summarize(values):
    """Median, min, max, mean, stdev and quartiles of a list of numbers (None if empty).

    The median is the figure to compare: TCG boots have a long tail (a slow host moment
    hits one run), which the mean would follow and the median does not.
    """
    values = [v for v in values if v is not None]
    if not values:
        return None
    out = {"n": len(values), "median": statistics.median(values), "min": min(values),
           "max": max(values), "mean": statistics.fmean(values),
           "stdev": statistics.stdev(values) if len(values) > 1 else 0.0}
    if len(values) > 1:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        out.update(q1=q1, q3=q3, iqr=q3 - q1)
    return out


def column(samples, key):
    """The values of one measurement across samples."""
    return [s[key] for s in samples if key in s]


def ratio(numerator, denominator):
    """numerator / denominator of two summaries' medians, or None when either is missing."""
    if not numerator or not denominator or not denominator["median"]:
        return None
    return numerator["median"] / denominator["median"]


def paired_ratio(numerators, denominators, key):
    """Median over rounds of numerator/denominator, pairing samples of the same round.

    Neighbouring runs see nearly the same host speed, so each round's ratio cancels most
    of the drift that the ratio of overall medians still carries. None without pairs.
    """
    by_round = {s["round"]: s[key] for s in denominators if s.get(key)}
    ratios = [s[key] / by_round[s["round"]] for s in numerators
              if key in s and s["round"] in by_round]
    return statistics.median(ratios) if ratios else None


def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0].strip() if out.strip() else None


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def metadata():
    """What a reader needs to judge the numbers: when, on what host, with which QEMU."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "qemu": _first_line([qemu.QEMU, "-version"]),
        "accel": "kvm" if qemu.kvm_usable() else "tcg",
        "host_cpu": _cpu_model(),
        "host_cpus": os.cpu_count(),
        "host_kernel": platform.release(),
        "host_loadavg": os.getloadavg()[0],
        "python": platform.python_version(),
        "tern_commit": _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
    }


def write_json(path, data):
    """Writes data as indented JSON, atomically (a crashed run leaves the old file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)
    return path


def table(headers, rows):
    """A plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_failures(entries, unit="round"):
    """Prints every failed run with its error, after the report.

    entries: (label, entry) pairs, label naming what the entry measured ("pc",
    "pc/2cpu") and entry holding each guest's summary ({"errors": [...]}) under its name;
    unit: what a measured run is called ("round", "run").
    """
    for label, entry in entries:
        for guest in GUESTS:
            for e in (entry.get(guest) or {}).get("errors", []):
                when = "warm-up" if e["warmup"] else f"{unit} {e['run'] + 1}"
                print(f"\nFAILED {label}/{guest} {when}: {e['error']}")


def finish(report, entries, out, print_report):
    """Counts the failed runs into report["failures"], writes the JSON and prints the report.

    entries: the report's entries, each holding a guest's summary ({"runs", "errors"})
    under its name. The JSON is written whatever failed, so that the failures can be read
    there. Returns the exit status: 2 when no run measured anything (a setup that cannot
    work), 1 when any run failed, else 0.
    """
    guests = [entry[g] for entry in entries for g in GUESTS if g in entry]
    failures = sum(len(g["errors"]) for g in guests)
    report["failures"] = failures
    write_json(out, report)
    print()
    print_report(report)
    print(f"\nwrote {out}")
    if not any(g["runs"] for g in guests):
        return 2
    return 1 if failures else 0
