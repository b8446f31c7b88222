"""The guest ABI tests (tests/guest/): each program runs in Tern and natively on this
host, and the two outputs must be identical (Linux is the reference). One boot runs
them all, with /tests/runner as init."""

import re
import subprocess

import pytest

from conftest import BUILD, STATUS_OK, boot

GUEST = BUILD / "guest"
TEST_INITRD = BUILD / "test-initrd.img"
RESULT_RE = re.compile(r"@@@ begin (\S+)\r?\n(.*?)@@@ end \1 (\S+)", re.S)


def guest_list():
    names = (GUEST / "list").read_text().split()
    return [n for n in names if not n.startswith("stress_")], [n for n in names if n.startswith("stress_")]


COMPARED, STRESS = guest_list() if (GUEST / "list").exists() else ([], [])


def split_results(text):
    return {m.group(1): (m.group(2).replace("\r", ""), m.group(3))
            for m in RESULT_RE.finditer(text)}


def run_in_tern(machine, listfile, cpus=1, memory="2G", timeout=900, cpu_model=None):
    # Words after "--" reach init (the runner) as arguments: the test directory and list.
    append = f"init=/tests/runner quiet -- /tests @{listfile}"
    r = boot(append, machine=machine, cpus=cpus, memory=memory, initrd=TEST_INITRD,
             timeout=timeout, cpu_model=cpu_model)
    assert not r.timed_out, "the guest test run timed out"
    return r, split_results(r.output)


@pytest.fixture(scope="module")
def host_results():
    out = subprocess.run([str(GUEST / "runner"), str(GUEST)] + COMPARED, capture_output=True,
                         text=True, timeout=300, cwd=str(GUEST))
    return split_results(out.stdout)


@pytest.fixture(scope="module")
def tern_pc():
    return run_in_tern("pc", "list")


def compare(name, host, tern):
    assert name in host, f"{name} did not run on the host"
    assert name in tern, f"{name} did not run in Tern"
    host_out, host_end = host[name]
    tern_out, tern_end = tern[name]
    assert host_end == "exit=0", f"{name} fails on the host itself: {host_end}"
    assert tern_out == host_out
    assert tern_end == "exit=0"


@pytest.mark.parametrize("name", COMPARED)
def test_same_output_as_linux_pc(name, host_results, tern_pc):
    compare(name, host_results, tern_pc[1])


def check_stress(name, results):
    assert name in results
    out, end = results[name]
    assert end == "exit=0", out
    assert f"{name}: PASS" in out


@pytest.mark.parametrize("name", STRESS)
def test_stress(name, tern_pc):
    check_stress(name, tern_pc[1])


def test_whole_run_powers_off_cleanly(tern_pc):
    r = tern_pc[0]
    assert "@@@ summary" in r.output
    assert r.returncode == STATUS_OK
    assert "panic" not in r.output


@pytest.fixture(scope="module")
def tern_pc_smp4():
    return run_in_tern("pc", "list", cpus=4)


@pytest.mark.parametrize("name", STRESS)
def test_stress_on_four_cpus(name, tern_pc_smp4):
    check_stress(name, tern_pc_smp4[1])


@pytest.mark.parametrize("name", COMPARED)
def test_same_output_as_linux_on_four_cpus(name, host_results, tern_pc_smp4):
    compare(name, host_results, tern_pc_smp4[1])


def test_four_cpu_run_brings_up_all_cpus_and_powers_off(tern_pc_smp4):
    r = tern_pc_smp4[0]
    assert "info: 4 CPUs," in tern_pc_smp4[1]["stress_smp"][0]
    assert r.returncode == STATUS_OK
    assert "panic" not in r.output


# Every machine type with 1, 2, 4 and 8 CPUs (pc with 1 and 4 above, with the stress tests).
# q35 with -cpu max also exercises SMEP, SMAP and UMIP under every test.
MATRIX = [(m, c) for c in (1, 2, 4, 8) for m in ("pc", "q35", "microvm") if (m, c) not in
          (("pc", 1), ("pc", 4))]


@pytest.mark.parametrize("machine,cpus", MATRIX, ids=[f"{m}-{c}cpu" for m, c in MATRIX])
def test_same_output_on_other_machines(machine, cpus, host_results):
    r, tern = run_in_tern(machine, "list-compared", cpus=cpus,
                          cpu_model="max" if machine == "q35" else None)
    failed = []
    for name in COMPARED:
        try:
            compare(name, host_results, tern)
        except AssertionError as e:
            failed.append(f"{name}: {str(e)[:400]}")
    assert not failed, "\n".join(failed)
    assert r.returncode == STATUS_OK
    assert "panic" not in r.output


def test_unknown_syscalls_are_logged_once_per_process_and_number():
    # misc calls syscall 1000 (and others) once; run it twice in one process tree
    # through the shell: each process logs each number once.
    r = boot("init=/bin/sh -- -c \"cd /tests && ./misc > /dev/null; ./misc > /dev/null\"",
             initrd=TEST_INITRD, timeout=120)
    out = r.output.replace("\r", "")
    # misc calls numbers 1000, 100000 and -1: numbers past the table share one slot, so
    # each process logs one line for the three of them, however often it calls them.
    lines = re.findall(r"pid \d+ \(misc\): unimplemented system call \d+, returned ENOSYS", out)
    assert len(lines) == 2, lines
    assert r.returncode == STATUS_OK
