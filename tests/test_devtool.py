"""The project-local PostgreSQL of tools/dev.py: started on demand, shared by concurrent
commands, stopped by the last one to leave — after Ctrl-C and after a killed run too."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tools import dev

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(dev.pg_bindir() is None, reason="needs PostgreSQL server binaries")


@pytest.fixture
def checkout():
    """A throwaway checkout directory that the postgres user can enter."""
    path = Path(tempfile.mkdtemp(prefix="jianyi-devtool-"))
    path.chmod(0o755)
    yield path
    pg = dev.LocalPostgres(path)
    pg.stop()
    shutil.rmtree(pg.base, ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)


def answers(url):
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def test_the_local_cluster_starts_for_a_command_and_stops_after_it(checkout):
    pg = dev.LocalPostgres(checkout)
    with pg.held() as url:
        assert answers(url)
        assert pg.running()
    assert not pg.running()
    assert not answers(url)


def test_a_second_command_shares_the_server_and_the_last_one_stops_it(checkout):
    first, second = dev.LocalPostgres(checkout), dev.LocalPostgres(checkout)
    with first.held() as url:
        # Another process of ours holds it too (a run and a test side by side).
        holder = subprocess.Popen(["sleep", "30"])
        (first.holders / str(holder.pid)).touch()
        try:
            with second.held():
                pass
            assert answers(url), "an earlier holder still uses the server"
        finally:
            holder.kill()
            holder.wait()
    assert not first.running()


def test_a_server_left_by_a_killed_run_is_reused_and_then_stopped(checkout):
    pg = dev.LocalPostgres(checkout)
    with pg.held():
        pass
    pg.start()  # as if a run had started it and then died by SIGKILL, leaving its holder file
    (pg.holders / "999999999").touch()
    with pg.held() as url:
        assert answers(url)
    assert not pg.running()
    assert list(pg.holders.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the postgres user only matters when running as root")
def test_a_checkout_the_postgres_user_cannot_enter_keeps_its_cluster_elsewhere(checkout):
    private = checkout / "home"
    private.mkdir(mode=0o700)
    pg = dev.LocalPostgres(private)
    try:
        assert str(pg.base).startswith("/var/tmp/jianyi-pg-")
        assert dev.LocalPostgres(private).base == pg.base, "keyed by the checkout path"
        with pg.held() as url:
            assert answers(url)
        assert oct(private.stat().st_mode & 0o777) == "0o700", "the user's directory is left as it was"
    finally:
        pg.stop()
        shutil.rmtree(pg.base, ignore_errors=True)


def test_ctrl_c_stops_the_command_and_then_the_server(checkout):
    script = (
        "import subprocess, sys; from pathlib import Path; from tools import dev\n"
        f"pg = dev.LocalPostgres(Path({str(checkout)!r}))\n"
        "with pg.held():\n"
        "    print('ready', flush=True)\n"
        "    dev.wait_for(subprocess.Popen(['sleep', '60']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    for line in proc.stdout:
        if line.strip() == "ready":
            break
    assert dev.LocalPostgres(checkout).running()
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while dev.LocalPostgres(checkout).running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not dev.LocalPostgres(checkout).running()


def test_the_run_command_says_clearly_when_its_port_is_taken(monkeypatch, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("PORT", str(port))
        assert dev.main(["run"]) == 2
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err


def test_the_commands_stop_with_one_line_on_a_malformed_database_url(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/jianyi")
    assert dev.main(["manage", "check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["[jianyi] error: DATABASE_URL must start with postgresql:// (Jianyi runs on PostgreSQL only)"]
