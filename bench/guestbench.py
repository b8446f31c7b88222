"""Benchmarks measured inside the guest by one program: what bench/proc.py, smp.py and fs.py share.

Such a benchmark boots one static musl program (bench/guest/procbench.c, smpbench.c,
fsbench.c, all built on bench/guest/benchlib.c) as init on Tern and as /init of the Linux baseline
guest. The program runs its benchmarks, prints

    PROG: start sysname=... pid=... reps=... ...
    PROG: running NAME                      before each benchmark
    bench NAME key=value ...                (or error=... / skipped=...)
    PROG: done failures=F total_ms=T

and powers the VM off with exit status 0, or 1 when a benchmark reported an error. This
module does what is the same for every such program: the options, setting up both guests
(Guests), reading those lines, judging one boot (measure_fn()) and the parts of the
summary and report that do not depend on what the results mean; what a result line holds
and how the guests compare stays with each script.

Standard library only; run with Debian's /usr/bin/python3.
"""

import hashlib
import re
import shutil
from pathlib import Path

import harness
import linux_guest
from harness import RunError, SetupError, qemu

ROOT = harness.ROOT
GUEST_SOURCES = ROOT / "bench" / "guest"
BENCHLIB = GUEST_SOURCES / "benchlib.c"
MEMORY = "256M"
TERN_APPEND = "quiet"               # Tern's warnings still show; info messages do not

LINE_RE = re.compile(r"^bench (\S+) (.*?)\s*$", re.M)
KV_RE = re.compile(r"(\w+)=(\S+)")


class Program:
    """An in-guest benchmark program and the lines it prints.

    name: the program ("procbench"; its source is bench/guest/<name>.c); short: the
    script's own name ("proc"), which names its files in build/bench/; benchmarks: {name
    the program accepts: what it measures}, in the program's order.
    """

    def __init__(self, name, short, benchmarks):
        self.name = name
        self.short = short
        self.benchmarks = benchmarks
        self.source = GUEST_SOURCES / f"{name}.c"
        self.guest_path = f"bench/{name}"   # where the program sits in Tern's initrd
        self.start_mark = f"{name}: start"
        self.done_mark = f"{name}: done"
        self.start_re = re.compile(rf"^{name}: start (.*?)\s*$", re.M)
        self.running_re = re.compile(rf"^{name}: running (\S+)", re.M)
        # Not anchored: on Linux a kernel message can share the console line with it.
        self.done_re = re.compile(rf"{name}: done failures=(\d+) total_ms=(\d+)")


# --- options ----------------------------------------------------------------------------

def add_setup_options(p, prog):
    """--kernel, --root, --<program> and --out: what boots and where the JSON goes."""
    p.add_argument("--kernel", default=str(ROOT / "build" / "kernel.elf"),
                   help="the Tern kernel ELF (default build/kernel.elf)")
    p.add_argument("--root", default=str(ROOT / "build" / "root"),
                   help=f"Tern's root tree to put {prog.name} into (default build/root)")
    p.add_argument(f"--{prog.name}", default=None,
                   help=f"a prebuilt {prog.name} binary (default: build bench/guest/{prog.name}.c "
                        f"into build/bench/{prog.name})")
    p.add_argument("--out", default=str(ROOT / "build" / "bench" / f"{prog.short}.json"))


def add_run_options(p, prog, per, machines_note, timeout, timeout_note):
    """--rounds to --linux-cache: how often and how the guests boot.

    per: what each guest boots once for in a round ("machine"); machines_note: what
    --machines' help says in brackets; timeout: --timeout's default, timeout_note how
    long a run takes beside it.
    """
    p.add_argument("--rounds", type=int, default=5, help=f"boots per guest and {per} (default 5)")
    p.add_argument("--warmup", type=int, default=0, help="discarded rounds first (default 0)")
    p.add_argument("--machines", default="pc", help=f"comma-separated QEMU machines ({machines_note})")
    p.add_argument("--guests", default="tern,linux", help="tern,linux or either alone")
    p.add_argument("--reps", type=int, default=5, help="repetitions inside the guest (median; default 5)")
    p.add_argument("--scale", type=float, default=1.0,
                   help=f"multiply {prog.name}'s operation counts (default 1)")
    p.add_argument("--benchmarks", default=",".join(prog.benchmarks),
                   help="comma-separated subset of: " + ", ".join(prog.benchmarks))
    p.add_argument("--timeout", type=float, default=timeout,
                   help=f"seconds before a guest is killed (default {timeout:.0f}; {timeout_note})")
    p.add_argument("--linux-append", default="",
                   help="extra Linux command-line words, e.g. mitigations=off (default none)")
    p.add_argument("--linux-cache", default=str(linux_guest.DEFAULT_CACHE))


def check_run_options(p, args, prog):
    """Turns the list options into lists and checks them; p.error() (exit 2) if wrong."""
    harness.check_machines_and_guests(p, args)
    args.benchmarks = harness.comma_list(args.benchmarks)
    for b in args.benchmarks:
        if b not in prog.benchmarks:
            p.error(f"unknown benchmark {b!r} (known: {', '.join(prog.benchmarks)})")
    # 64: the program's BENCH_MAX_REPS (bench/guest/benchlib.h).
    if args.rounds < 1 or not 1 <= args.reps <= 64 or not args.scale > 0:
        p.error("--rounds must be >= 1, --reps 1..64, --scale > 0")


# --- setup ------------------------------------------------------------------------------

def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Guests:
    """The program and both guests set up to run it, as --guests asks.

    binary: the program; tern: (private kernel copy, initrd) or None; linux: (Kernel,
    initramfs) or None; words: the program's own arguments, the same in every guest.
    Raises SetupError or linux_guest.GuestError when something cannot be had.
    """

    def __init__(self, prog, args):
        self.prog, self.args = prog, args
        self.binary = self._program()
        self.tern = self._tern_setup() if "tern" in args.guests else None
        self.linux = self._linux_setup() if "linux" in args.guests else None
        self.words = self._guest_args()
        self.tern_append = f"{TERN_APPEND} init=/{prog.guest_path} -- {' '.join(self.words)}"

    def _program(self):
        prebuilt = getattr(self.args, self.prog.name)
        if prebuilt:
            path = Path(prebuilt)
            if not path.is_file():
                raise SetupError(f"{path} not found")
            return path
        return linux_guest.build_program(self.prog.source, ROOT / "build" / "bench" / self.prog.name,
                                         libs=[BENCHLIB])

    def _tern_setup(self):
        """A private copy of the kernel (a rebuild during the run must not change it under the
        benchmark) and an initrd: the root tree plus /bench/<program>. Returns (kernel, initrd)."""
        kernel, root = Path(self.args.kernel), Path(self.args.root)
        if not kernel.is_file():
            raise SetupError(f"{kernel} not found (build the kernel first: make all)")
        if not root.is_dir():
            raise SetupError(f"{root} not found (build the root tree first: make all)")
        out = ROOT / "build" / "bench"
        out.mkdir(parents=True, exist_ok=True)
        kernel_copy = out / f"{self.prog.short}-kernel.elf"
        shutil.copyfile(kernel, kernel_copy)
        initrd = linux_guest.build_archive(out / f"{self.prog.short}-tern-initrd.img",
                                           {**{c.name: c for c in sorted(root.iterdir())},
                                            self.prog.guest_path: self.binary})
        return kernel_copy, initrd

    def _linux_setup(self):
        kernel = linux_guest.fetch_kernel(self.args.linux_cache)
        initramfs = linux_guest.build_initramfs(
            ROOT / "build" / "bench" / f"{self.prog.short}-linux-initramfs.cpio", self.binary)
        return kernel, initramfs

    def _guest_args(self):
        """The program's own arguments: -r, -s only when not 1, and the benchmarks unless all."""
        words = ["-r", str(self.args.reps)]
        if self.args.scale != 1.0:
            words += ["-s", repr(self.args.scale)]
        if self.args.benchmarks != list(self.prog.benchmarks):
            words += self.args.benchmarks
        return words

    def config(self):
        """The report's config entries about the program and the guests."""
        name, args = self.prog.name, self.args
        return {"reps": args.reps, "scale": args.scale,
                "benchmarks": {b: self.prog.benchmarks[b] for b in args.benchmarks},
                f"{name}_args": self.words, f"{name}_sha256": sha256(self.binary),
                "tern_kernel": args.kernel,
                "tern_kernel_sha256": sha256(self.tern[0]) if self.tern else None,
                "tern_root": args.root,
                "tern_append": self.tern_append,
                "linux_kernel": self.linux[0].version if self.linux else None,
                "linux_append_extra": args.linux_append}

    def commands(self, machine, cpus=1):
        """{guest: QEMU argv} for each guest set up, Tern first, on `machine` with `cpus`."""
        argvs = {}
        if self.tern:
            argvs["tern"] = qemu.command(self.tern[0], machine=machine, cpus=cpus, memory=MEMORY,
                                         append=self.tern_append, initrd=self.tern[1])
        if self.linux:
            argvs["linux"] = linux_guest.command(
                self.linux[0], self.linux[1], machine=machine, cpus=cpus, memory=MEMORY,
                append_extra=" ".join([self.args.linux_append, "--", *self.words]).strip())
        return argvs


# --- one run ----------------------------------------------------------------------------

def parse_lines(output, convert):
    """The "bench NAME ..." lines of one run: (results, skipped, errors), each by name.

    convert(name, fields) makes a result line's {key: text} into the parsed result and
    raises ValueError or KeyError when it cannot (an unparsable line is an error).
    skipped: the reason a "skipped=" line gives; errors: an error line's text.
    """
    results, skipped, errors = {}, {}, {}
    for m in LINE_RE.finditer(output):
        name, rest = m.group(1), m.group(2)
        fields = dict(KV_RE.findall(rest))
        if "error" in fields:
            errors[name] = rest
        elif "skipped" in fields:
            skipped[name] = fields["skipped"]
        else:
            try:
                results[name] = convert(name, fields)
            except (ValueError, KeyError):
                errors[name] = f"unparsable line: {m.group(0)!r}"
    return results, skipped, errors


def why_missing(prog, output, name):
    """Why benchmark `name` printed no line at all, from the running lines before it."""
    running = prog.running_re.findall(output)
    if running and running[-1] == name:
        return "no result: the guest's output ends while it runs this benchmark"
    if name in running:
        return "no result line (started, then the output went on without one)"
    return "never started"


def start_and_total(prog, output):
    """The start line's fields (text, or None) and the done line's total_ms (or None)."""
    start = prog.start_re.search(output)
    done = prog.done_re.search(output)
    return (start.group(1) if start else None), (int(done.group(2)) if done else None)


def new_sample(prog, res, guest_total_ms):
    """A run's sample as far as every program has it: wall_ms, and clock_check.

    clock_check: the guest's own CLOCK_MONOTONIC time from its start line to its done
    line over the host's time between seeing the two lines; about 1 when the guest's
    clock runs at the host's rate (a badly calibrated guest clock would skew every figure).
    """
    sample = {"wall_ms": res.elapsed * 1000.0}
    if prog.start_mark in res.marks and prog.done_mark in res.marks and guest_total_ms:
        host_ms = (res.marks[prog.done_mark] - res.marks[prog.start_mark]) * 1000.0
        if host_ms > 0:
            sample["clock_check"] = guest_total_ms / host_ms
    return sample


def end_sample(sample, results, info, errors, skipped=None):
    """Adds the parsed lines ("detail"), the guest's info and any skipped or failed results."""
    sample["detail"] = results
    sample["guest"] = info
    if skipped:
        sample["skipped"] = skipped
    if errors:
        sample["bench_errors"] = errors
    return sample


def run_problems(prog, res, errors, timeout):
    """What went wrong in one boot, as sentences (empty: nothing).

    The guest exits with status 0 (QEMU: 1) when every benchmark worked and 1 (QEMU: 3)
    when the program reported failures; a hang, a crash, a panic or missing lines are
    problems too.
    """
    ok_rc, failed_rc = qemu.exit_status(0), qemu.exit_status(1)
    problems = []
    if res.timed_out:
        running = prog.running_re.findall(res.output)
        where = f" in benchmark {running[-1]!r}" if running else f" before {prog.name} started"
        problems.append(f"killed after {timeout:.0f} s{where} (hang or far too slow)")
    elif prog.done_mark not in res.marks:
        problems.append(f"QEMU exited with {res.returncode} before {prog.name} finished")
    elif res.returncode not in (ok_rc, failed_rc):
        problems.append(f"QEMU exit status {res.returncode}, expected {ok_rc} (or {failed_rc} "
                        "when a benchmark reports an error)")
    elif res.returncode == failed_rc and not errors:
        problems.append(f"{prog.name} exited with 1 but no benchmark reported an error")
    if errors:
        problems.append("benchmark failures: " +
                        "; ".join(f"{k}: {v}" for k, v in errors.items()))
    return problems


def measure_fn(prog, argv, timeout, analyse):
    """A function for harness.interleaved(): boots argv once and returns its sample.

    analyse(res) reads the qemu.Result: returns (sample, problems), the sample as
    end_sample() leaves it and what it found wrong beyond run_problems(). Anything wrong
    raises RunError, with the results that did come attached as a partial sample.
    """
    def measure(_index):
        res = qemu.run(argv, timeout=timeout, marks=[prog.start_mark, prog.done_mark])
        sample, problems = analyse(res)
        problems = problems + run_problems(prog, res, sample.get("bench_errors"), timeout)
        if problems:
            raise RunError("; ".join(problems) + "\n" + harness.output_tail(res.output, 20),
                           sample=sample if sample["detail"] else None)
        return sample
    return measure


def brief_start(sample):
    """The start of a progress line: wall time and clock check."""
    parts = [f"wall={sample['wall_ms'] / 1000:.1f}s"]
    if "clock_check" in sample:
        parts.append(f"clock={sample['clock_check']:.3f}")
    return parts


# --- the report -------------------------------------------------------------------------

def summarize_runs(raw, argv, names, also=()):
    """One guest's summary as far as every program has it: its runs, failures, and
    summaries of wall time, clock check, each key in `also` and each result in `names`.

    Wall time counts complete runs only (a partial one ended early); the results count
    every run that has them.
    """
    samples = raw["samples"]
    complete = [s for s in samples if not s.get("partial")]
    summary = {
        "argv": argv,
        "runs": samples,
        "errors": raw["errors"],
        "complete_runs": len(complete),
        "wall_ms": harness.summarize(harness.column(complete, "wall_ms")),
        "clock_check": harness.summarize(harness.column(samples, "clock_check")),
    }
    for key in also:
        summary[key] = harness.summarize(harness.column(samples, key))
    summary["benchmarks"] = {name: harness.summarize(harness.column(samples, name))
                             for name in names}
    return summary


def fmt_ns(ns):
    if ns is None:
        return None
    if ns >= 1e6:
        return f"{ns / 1e6:.2f}ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f}us"
    return f"{ns:.1f}ns"


def spread(summary):
    """IQR as a percentage of the median (how much the rounds disagree)."""
    if not summary or not summary.get("median") or "iqr" not in summary:
        return None
    return f"{100 * summary['iqr'] / summary['median']:.0f}%"


def ratio_cells(row, tern, linux):
    """A result's last table cells: its ratio, paired ratio and rounds measured (n T/L).

    row: the result's comparison ({"ratio", "paired_ratio"}); tern, linux: its summaries.
    """
    ratio, paired = row.get("ratio"), row.get("paired_ratio")
    return [f"{ratio:.2f}" if ratio else None, f"{paired:.2f}" if paired else None,
            f"{tern['n'] if tern else 0}/{linux['n'] if linux else 0}"]


def print_clock_check(label, entry):
    """One line with each guest's median clock check, if any guest has one."""
    checks = [f"{g} {entry[g]['clock_check']['median']:.3f}" for g in harness.GUESTS
              if (entry.get(g) or {}).get("clock_check")]
    if checks:
        print(f"{label}: clock check (guest ms / host ms, median): {', '.join(checks)}")


def skewed_clocks(entry):
    """(guest, median clock check) for each guest whose clock was more than 10% off."""
    for guest in harness.GUESTS:
        cc = (entry.get(guest) or {}).get("clock_check")
        if cc and not 0.9 <= cc["median"] <= 1.1:
            yield guest, cc["median"]
