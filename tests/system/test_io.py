"""The I/O server: it starts before init and serves every file; if it dies the kernel
says why and powers off; its device grants work on real (emulated) devices and are
refused to everybody else. (The file API itself is compared with Linux in
test_guest.py.)"""

import re

import pytest

from conftest import BUILD, STATUS_OK, boot, qemu

STATUS_SERVER_DIED = qemu.exit_status(0x7C)


def test_init_runs_on_files_the_server_serves():
    r = boot('init=/bin/sh quiet -- -c "echo written > /tmp/f; cat /tmp/f; ls /dev/null /proc"',
             timeout=60)
    assert r.returncode == STATUS_OK
    assert "written" in r.output
    assert "/dev/null" in r.output
    assert "/proc:" in r.output and "self" in r.output  # /proc is listed through the kernel


@pytest.mark.parametrize("machine", ["pc", "microvm"])
def test_server_death_is_reported_and_powers_off(machine):
    r = boot("iod.test=crash", machine=machine, timeout=60)
    out = r.output.replace("\r", "")
    assert r.returncode == STATUS_SERVER_DIED
    assert "tern: the I/O server (pid 2, iod) was killed by signal 11 (SIGSEGV)" in out
    assert "tern: its last output:" in out
    assert "tern: | iod: test=crash: crashing on request" in out
    assert "no file service without it; powering off" in out
    assert "panic" not in out


def device_lines(output):
    return [line.split("iod: devtest: ", 1)[1] for line in output.replace("\r", "").splitlines()
            if "iod: devtest: " in line]


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_device_grants_drive_the_edu_device(machine, tmp_path):
    debugcon = tmp_path / "debugcon.txt"
    extra = ["-device", "edu", "-chardev", f"file,id=dc,path={debugcon}",
             "-device", "isa-debugcon,iobase=0xe9,chardev=dc"]
    r = boot("quiet iod.test=devices+debugcon init=/bin/echo", machine=machine, memory="256M",
             extra=extra, timeout=60)
    lines = device_lines(r.output)
    text = "\n".join(lines)
    assert r.returncode == STATUS_OK, r.output
    assert any(line.endswith("1234:11e8") for line in lines), text
    assert "edu id 0x10000ed liveness ok factorial(5) = 120" in lines, text
    assert "edu dma ok (0 bytes wrong)" in lines, text
    assert any(line.startswith("edu msi ok") for line in lines), text
    assert any(line.startswith("edu intx ok") and "again" not in line for line in lines), text
    assert "debugcon written" in lines, text
    assert debugcon.read_text() == "iod: port i/o ok\n"
    refused = [line for line in lines if line.startswith("refused:")]
    assert refused and "MAPPED" not in refused[0] and "GRANTED" not in refused[0], text


def test_without_devices_the_self_test_finds_only_the_chipset():
    r = boot("quiet iod.test=devices init=/bin/echo", machine="microvm", timeout=60)
    lines = device_lines(r.output)
    assert r.returncode == STATUS_OK
    assert "0 pci functions" in lines  # microvm has no PCI bus


def test_ordinary_programs_get_eperm_for_every_device_call():
    r = boot("init=/tests/runner quiet -- /tests nodevice", initrd=BUILD / "test-initrd.img", timeout=60)
    assert "nodevice: PASS" in r.output, r.output
    assert r.returncode == STATUS_OK


def test_initramfs_memory_is_given_back_once_the_server_serves():
    # The server copied the archive into its RAM file system (and its own image was
    # copied at exec): the kernel returns the archive's pages to the allocator.
    r = boot('init=/bin/sh -- -c "cat /proc/meminfo"', timeout=60)
    assert r.returncode == STATUS_OK
    archive_kib = int(re.search(r"initrd: \d+ entries, \d+ bytes of file data, (\d+) KiB archive", r.output).group(1))
    given = int(re.search(r"initrd: (\d+) KiB given back", r.output).group(1))
    assert archive_kib - 8 <= given <= archive_kib
    total = int(re.search(r"MemTotal:\s+(\d+) kB", r.output).group(1))
    free = int(re.search(r"MemFree:\s+(\d+) kB", r.output).group(1))
    assert total - free < 8 * 1024  # kernel, server, init and shell: the archive is not held
