"""The Linux baseline guest: Debian's cloud kernel plus a one-program initramfs.

Every Tern benchmark runs the same static binary twice under the same QEMU: once as a
Tern program and once as /init of a Linux guest built here. Linux is the reference, so
this module keeps that guest identical across benchmarks:

- fetch_kernel(): Debian's linux-image-cloud-amd64 (serial console, devtmpfs and the
  PVH entry built in; virtio drivers as modules), downloaded once and unpacked, never
  installed on the host;
- build_initramfs(): a cpio newc archive written directly (no root needed for the
  /dev/console node);
- command(): the QEMU argv, through tools/qemu.py so Tern and Linux boot the same way;
- build_program(): compiles a guest program with musl-gcc -static.

Standard library only; run with Debian's /usr/bin/python3.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(ROOT / "tools"))
import qemu  # noqa: E402  (tools/qemu.py: the one place that knows QEMU's command line)

DEFAULT_CACHE = ROOT / "build" / "linux-guest"
META_PACKAGE = "linux-image-cloud-amd64"
# The file in the cache that says which kernel was unpacked; its presence means "cached".
STAMP = "kernel.json"

# The ready-line prefix that bench/guest/ready.c prints as /init.
READY_MARK = "linux-guest: ready"

BASE_APPEND = "console=ttyS0 panic=-1 quiet"


class GuestError(RuntimeError):
    """The Linux guest could not be prepared (download, unpack, build)."""


class Kernel:
    """An unpacked Debian kernel: the bzImage to boot and its modules directory."""

    def __init__(self, version, vmlinuz, modules):
        self.version = version      # e.g. "6.1.0-56-cloud-amd64" (uname -r)
        self.vmlinuz = Path(vmlinuz)
        self.modules = Path(modules)  # lib/modules/<version>: virtio*.ko live here

    def __repr__(self):
        return f"Kernel({self.version!r}, {str(self.vmlinuz)!r})"


# --- the kernel ---------------------------------------------------------------------

def _apt(args, cwd=None):
    """Runs an apt command, returning its stdout; raises GuestError with apt's own words."""
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if proc.returncode != 0:
        raise GuestError(f"{' '.join(args)} failed (status {proc.returncode}):\n"
                         f"{proc.stderr.strip()}")
    return proc.stdout


def _versioned_package():
    """The linux-image-6.1.0-NN-cloud-amd64 package that the meta package depends on.

    apt-cache knows nothing before the first `apt-get update` on a fresh machine, so an
    empty answer triggers one update and a second look.
    """
    for attempt in range(2):
        try:
            out = _apt(["apt-cache", "depends", META_PACKAGE])
        except GuestError:
            out = ""
        names = re.findall(r"Depends:\s*(linux-image-[0-9][^\s]*-cloud-amd64)", out)
        if names:
            return names[0]
        if attempt == 0:
            _apt(["apt-get", "update", "-qq"])
    raise GuestError(f"apt-cache depends {META_PACKAGE} names no linux-image-*-cloud-amd64 "
                     "package, even after apt-get update")


def _read_stamp(cache_dir):
    """The Kernel recorded in the cache, or None when there is none (or it is incomplete)."""
    try:
        info = json.loads((cache_dir / STAMP).read_text())
        kernel = Kernel(info["version"], cache_dir / info["vmlinuz"], cache_dir / info["modules"])
    except (OSError, ValueError, KeyError):
        return None
    if kernel.vmlinuz.is_file() and kernel.modules.is_dir():
        return kernel
    return None


def _unpack(deb, dest):
    """dpkg-deb -x: the package's files under dest, with no install and no scripts run."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise GuestError(f"dpkg-deb -x {deb} failed: {proc.stderr.strip()}")


def fetch_kernel(cache_dir=DEFAULT_CACHE):
    """Returns the Kernel (vmlinuz, modules dir), downloading and unpacking it on first use.

    Once unpacked, the cache is used as it is, without asking apt: benchmarks taken on
    different days must not silently change kernel because the archive moved on. Delete
    the cache directory to take a newer kernel.
    """
    cache_dir = Path(cache_dir)
    kernel = _read_stamp(cache_dir)
    if kernel is not None:
        return kernel
    package = _versioned_package()
    debs = cache_dir / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    # The meta package holds only docs; it is fetched so that the cache records exactly
    # what `apt-get download linux-image-cloud-amd64` resolved to.
    _apt(["apt-get", "download", "-q", META_PACKAGE, package], cwd=debs)
    root = cache_dir / "root"
    if root.exists():
        shutil.rmtree(root)
    for deb in sorted(debs.glob(f"{package}_*.deb")):
        _unpack(deb, root)
    version = package[len("linux-image-"):]
    vmlinuz = root / "boot" / f"vmlinuz-{version}"
    modules = root / "lib" / "modules" / version
    if not vmlinuz.is_file() or not modules.is_dir():
        raise GuestError(f"{package} unpacked to {root} but has no {vmlinuz.name} or modules")
    stamp = {"package": package, "version": version,
             "vmlinuz": str(vmlinuz.relative_to(cache_dir)),
             "modules": str(modules.relative_to(cache_dir))}
    (cache_dir / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
    return Kernel(version, vmlinuz, modules)


# --- the initramfs --------------------------------------------------------------------

_S_IFDIR, _S_IFREG, _S_IFCHR = 0o040000, 0o100000, 0o020000


class _Cpio:
    """A cpio "newc" (SVR4, no CRC) writer: the format the Linux kernel unpacks."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 0
        self.names = set()

    def _entry(self, name, mode, data=b"", nlink=1, rdev=(0, 0)):
        self.ino += 1
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        header = b"070701" + b"".join(b"%08x" % f for f in fields)
        self.out += header + name.encode() + b"\0"
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def directory(self, name, mode=0o755):
        """Adds a directory once (parents must come first, as the kernel creates in order)."""
        if name in self.names:
            return
        self._parents(name)
        self.names.add(name)
        self._entry(name, _S_IFDIR | mode, nlink=2)

    def file(self, name, data, mode=0o644):
        self._parents(name)
        self.names.add(name)
        self._entry(name, _S_IFREG | mode, data)

    def chardev(self, name, major, minor, mode=0o600):
        self._parents(name)
        self.names.add(name)
        self._entry(name, _S_IFCHR | mode, rdev=(major, minor))

    def _parents(self, name):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.directory("/".join(parts[:i]))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.out)


def _add_host_path(cpio, dest, host):
    """Adds a host file (keeping its permission bits) or a whole directory tree at dest."""
    host = Path(host)
    if host.is_dir():
        cpio.directory(dest)
        for child in sorted(host.iterdir()):
            _add_host_path(cpio, f"{dest}/{child.name}", child)
    elif host.is_file():
        cpio.file(dest, host.read_bytes(), host.stat().st_mode & 0o7777)
    else:
        raise GuestError(f"initramfs: {host} is neither a file nor a directory")


def build_initramfs(out_path, init_binary, extra_files=None, compress=False):
    """Writes an initramfs with /init = init_binary, /dev (with console), /proc, /sys.

    /dev/console (char 5,1) is in the archive because Linux opens it for init's fds 0-2
    only if it already exists; without it init starts with no console at all.
    extra_files maps archive paths ("lib/modules/x.ko" or "/x") to host files or
    directories. Uncompressed by default: a gzip pass costs guest time under TCG and the
    archive is small; compress=True gzips it (Linux accepts either).
    """
    cpio = _Cpio()
    for d in ("dev", "proc", "sys", "tmp", "root"):
        cpio.directory(d)
    cpio.chardev("dev/console", 5, 1)
    cpio.chardev("dev/null", 1, 3, mode=0o666)
    _add_host_path(cpio, "init", init_binary)
    for dest, host in sorted((extra_files or {}).items()):
        _add_host_path(cpio, dest.strip("/"), host)
    data = cpio.finish()
    if compress:
        import gzip
        data = gzip.compress(data, compresslevel=6, mtime=0)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out_path)
    return out_path


def build_archive(out_path, files):
    """Writes a plain cpio newc archive: files maps archive paths to host files or trees.

    For an initrd that is not a Linux initramfs (Tern's: its root tree plus a benchmark
    program), so without /init, /dev/console and the rest. Parents come first, in sorted
    order, as build_initramfs() does.
    """
    cpio = _Cpio()
    for dest, host in sorted(files.items()):
        _add_host_path(cpio, str(dest).strip("/"), host)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(cpio.finish())
    tmp.replace(out_path)
    return out_path


# --- the QEMU command line -----------------------------------------------------------

def _khz_from_dmesg():
    """The host kernel's own TSC frequency from its boot log, or None.

    "Refined TSC clocksource calibration" is the better figure; "Detected ... MHz" is
    the early one. The ring buffer can have wrapped on a long-running host.
    """
    try:
        log = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for pattern in (r"Refined TSC clocksource calibration: ([0-9.]+) MHz",
                    r"tsc: Detected ([0-9.]+) MHz"):
        found = re.findall(pattern, log)
        if found:
            return round(float(found[-1]) * 1000)
    return None


def host_tsc_khz():
    """The host TSC frequency in kHz.

    Under TCG the guest's rdtsc reads the host TSC, so this is also the guest's TSC rate.
    Sources, best first: sysfs tsc_freq_khz (some kernels), the host kernel's boot log,
    then /proc/cpuinfo's "cpu MHz" (the TSC rate on VMs and constant-TSC CPUs, though on
    bare metal with frequency scaling it is only approximate).
    """
    try:
        return int(Path("/sys/devices/system/cpu/cpu0/tsc_freq_khz").read_text())
    except (OSError, ValueError):
        pass
    khz = _khz_from_dmesg()
    if khz:
        return khz
    m = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", Path("/proc/cpuinfo").read_text(), re.M)
    if m:
        return round(float(m.group(1)) * 1000)
    raise GuestError("cannot tell the host TSC frequency (no sysfs, dmesg or cpuinfo figure)")


def kernel_append(machine, append_extra=""):
    """The Linux command line for a benchmark boot on `machine`.

    On microvm, Linux finds no PIT/HPET to calibrate the TSC against and under TCG hangs
    in about 2 of 10 boots; tsc_early_khz gives it the rate instead.
    """
    words = [BASE_APPEND]
    if machine == "microvm":
        words.append(f"tsc_early_khz={host_tsc_khz()}")
    if append_extra:
        words.append(append_extra)
    return " ".join(words)


def command(kernel, initramfs, machine="microvm", cpus=1, memory="256M", append_extra="",
            extra=()):
    """The QEMU argv booting Linux `kernel` (a bzImage path or a Kernel) with `initramfs`.

    256 MiB by default: Linux needs about 70 MiB to boot at all, and a benchmark should
    not measure memory pressure. extra: further QEMU arguments (devices, netdevs).
    """
    if isinstance(kernel, Kernel):
        kernel = kernel.vmlinuz
    return qemu.command(kernel, machine=machine, cpus=cpus, memory=memory,
                        append=kernel_append(machine, append_extra), initrd=initramfs,
                        extra=extra)


# --- guest programs --------------------------------------------------------------------

MUSL_CFLAGS = ["-std=gnu11", "-static", "-O2", "-Wall", "-Wextra", "-Werror"]


def build_program(source, out_path, cflags=(), libs=()):
    """Compiles a guest program with musl-gcc -static unless out_path is newer than its inputs.

    libs: further .c files linked in (bench/guest/benchlib.c); the .h beside each is an
    input too, so that a change to the library's contract rebuilds the program. The
    Makefile builds these too; this keeps `python3 bench/<x>.py` usable on its own.
    """
    source, out_path, libs = Path(source), Path(out_path), [Path(lib) for lib in libs]
    inputs = [source, *libs, *(h for h in (lib.with_suffix(".h") for lib in libs) if h.exists())]
    if out_path.exists() and out_path.stat().st_mtime >= max(p.stat().st_mtime for p in inputs):
        return out_path
    if shutil.which("musl-gcc") is None:
        raise GuestError("musl-gcc not found (install musl-tools: scripts/deps.sh)")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    argv = ["musl-gcc", *MUSL_CFLAGS, *cflags, "-o", str(out_path), str(source), *map(str, libs)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise GuestError(f"{' '.join(argv)} failed:\n{proc.stderr}")
    return out_path


def main():
    """Boots the baseline guest once (microvm) as a smoke test: python3 bench/linux_guest.py."""
    kernel = fetch_kernel()
    ready = build_program(ROOT / "bench" / "guest" / "ready.c", ROOT / "build" / "bench" / "ready")
    with tempfile.TemporaryDirectory() as tmp:
        initrd = build_initramfs(Path(tmp) / "initramfs.cpio", ready)
        for machine in sys.argv[1:] or ["microvm"]:
            argv = command(kernel, initrd, machine=machine)
            res = qemu.run(argv, timeout=60, marks=[READY_MARK])
            print(f"{machine}: {res!r} ready at {res.marks.get(READY_MARK)}")
            print(res.output.strip())


if __name__ == "__main__":
    main()
