"""The console: init starts the shell on the terminal, and the tty line discipline
(echo, line editing, ^C/^Z/^D, raw mode, job control) behaves as on Linux."""

from conftest import INITRD, STATUS_OK, boot

PROMPT = "tern:/# "


def session(steps, machine="pc", initrd=INITRD, timeout=60):
    """Boots to the shell and types each input once the previous marker appeared."""
    script = [("tern:/# ", steps[0])] + list(steps[1:])
    return boot("quiet", machine=machine, initrd=initrd, script=script, timeout=timeout)


def test_shell_runs_commands_and_powers_off_on_ctrl_d():
    r = session([b"echo hello; uname -a\r", (PROMPT + "", b"\x04")])
    out = r.output.replace("\r", "")
    assert "Welcome to Tern" in out  # /etc/rc ran first
    assert "hello\n" in out
    assert "Linux tern 6.1.0-tern" in out
    assert "init exited with status 0" in out
    assert r.returncode == STATUS_OK


def test_typed_characters_are_echoed_and_erase_works():
    # "ecx" DEL "ho ok": the DEL erases x, so the shell sees "echo ok".
    r = session([b"ecx\x7fho ok\r", ("ok\r\n", b"exit 3\r")])
    out = r.output.replace("\r", "")
    assert "\b \b" in out  # the erase is echoed as backspace-space-backspace
    assert "\nok\n" in out
    assert r.returncode == ((3 << 1) | 1)


def test_ctrl_u_kills_the_line():
    r = session([b"this is junk\x15echo clean\r", ("clean", b"exit\r")])
    assert "clean" in r.output
    assert "not found" not in r.output


def test_ctrl_c_interrupts_the_foreground_job_only():
    # ^C flushes unread input, so it must come once sleep runs (after "go" and a moment).
    r = session([b"echo go; sleep 30\r", ("go\r\n", b"\x03", 0.5), ("^C", b"echo status $?\r"),
                 ("status", b"exit\r")], timeout=60)
    out = r.output.replace("\r", "")
    assert "status 130" in out  # 128 + SIGINT: the shell itself survived
    assert r.returncode == STATUS_OK


def test_ctrl_z_stops_and_fg_resumes():
    r = session([b"echo go; sleep 2\r", ("go\r\n", b"\x1a", 0.5), ("Stopped", b"jobs\r", 0.2),
                 ("jobs\r\n", b"fg\r", 0.2), ("fg\r\n", b"echo after $?\r"),
                 ("after", b"exit\r")], timeout=60)
    out = r.output.replace("\r", "")
    assert "[1] Stopped  echo go; sleep 2" in out
    assert "after 0" in out


def test_background_jobs_and_pipelines():
    r = session([b"sleep 1 & echo started; ls /bin | cat | cat; wait; echo waited\r",
                 ("waited", b"exit\r")], timeout=60)
    out = r.output.replace("\r", "")
    assert "started" in out
    assert "uname\n" in out
    assert "waited" in out


def test_raw_mode_reads_bytes_without_echo_or_signals():
    initrd = INITRD.parent / "test-initrd.img"
    r = session([b"/tests/ttyraw 3\r", ("ttyraw: ready", b"a\x03z", 0.2), ("restored", b"exit\r")],
                initrd=initrd, timeout=60)
    out = r.output.replace("\r", "")
    assert "ttyraw: got 61 03 7a" in out  # ^C is just a byte in raw mode
    assert "restored icanon=1 echo=1 isig=1" in out
    assert "\na\x03z" not in out  # nothing echoed


def test_reading_from_the_background_stops_the_job():
    r = session([b"cat &\r", ("]", b"\r", 1.0), (PROMPT, b"jobs\r"), ("Stopped", b"exit\r")], timeout=60)
    assert "Stopped" in r.output


def test_a_spinning_program_does_not_starve_the_shell():
    """Preemption: a CPU-bound background job (no system calls in its loop) must not
    keep the shell from running commands."""
    initrd = INITRD.parent / "test-initrd.img"
    r = session([b"/tests/spin 8 & sleep 0.2; echo alive-1; uname; echo alive-2\r",
                 ("alive-2\r\n", b"exit\r")],
                initrd=initrd, timeout=60)
    out = r.output.replace("\r", "")
    assert "alive-1\nLinux\nalive-2" in out
    assert "spin: done" not in out  # the shell answered long before the spinner finished


def test_ctrl_backslash_quits_the_foreground_job():
    r = session([b"echo go; sleep 30\r", ("go\r\n", b"\x1c", 0.5), ("^\\", b"echo status $?\r"),
                 ("status", b"exit\r")], timeout=60)
    out = r.output.replace("\r", "")
    assert "status 131" in out  # 128 + SIGQUIT
