#!/usr/bin/env python3
"""Everyday commands: set up, run and test Jianyi on a fresh machine.

Standard library only: this runs before the virtual environment exists.

    python3 tools/dev.py run      # venv, database, migrate, demo data, gunicorn + worker
    python3 tools/dev.py test     # venv, database, browser, the whole test suite
    python3 tools/dev.py manage … # any manage.py command against the same database

When DATABASE_URL is unset the commands use a project-local PostgreSQL cluster (see
LocalPostgres). Every command that uses it registers itself as a holder; the last holder
to leave stops the server, so nothing is left running, even after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
LOCKS = ("requirements.txt", "requirements-dev.txt")
DB_NAME = "jianyi"
IS_ROOT = os.geteuid() == 0


class Stop(Exception):
    """A condition the user must fix; printed as one line."""


def say(msg: str) -> None:
    print(f"[jianyi] {msg}", flush=True)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


# --- system packages --------------------------------------------------------------------


def pg_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


# The free fonts a reply PDF falls back on when the official ones are not installed:
# Noto Serif/Sans CJK for 宋/仿宋 and 黑, AR PL UKai for 楷.
FONT_PACKAGES = {
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto",
    "fonts-arphic-ukai": "/usr/share/fonts/truetype/arphic/ukai.ttc",
}


def ensure_apt(packages: dict[str, str]) -> None:
    """packages: {debian package: file that proves it is installed}."""
    missing = [pkg for pkg, probe in packages.items() if not probe_ok(probe)]
    if not missing:
        return
    if not IS_ROOT or not shutil.which("apt-get"):
        raise Stop(f"missing system packages; install them first: sudo apt-get install -y {' '.join(missing)}")
    say(f"installing system packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *missing], env=env, stdout=subprocess.DEVNULL)


def probe_ok(probe: str) -> bool:
    if probe == "initdb":
        return pg_bindir() is not None
    return shutil.which(probe) is not None or Path(probe).exists()


# --- virtual environment ----------------------------------------------------------------


def ensure_venv() -> None:
    digest = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in LOCKS)).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not PY.exists():
        say("creating the virtual environment in .venv")
        run([sys.executable, "-m", "venv", VENV])
    say("installing pinned Python packages (requirements-dev.txt)")
    result = subprocess.run(
        [
            str(PY),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            str(ROOT / "requirements-dev.txt"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    # This machine's pip.conf names local mirrors that may be absent; those warnings are noise.
    noise = ("is ignored: it is neither a file nor a directory",)
    sys.stderr.write("".join(line for line in result.stderr.splitlines(True) if not any(n in line for n in noise)))
    if result.returncode:
        raise Stop("pip could not install requirements-dev.txt (see above)")
    stamp.write_text(digest)


# --- DATABASE_URL -----------------------------------------------------------------------


def check_database_url(url: str) -> None:
    """Same rules as config.settings.parse_database_url, repeated here because this runs
    before Django can be imported; a test keeps the two in step."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
    except ValueError as exc:
        raise Stop(f"DATABASE_URL is malformed ({exc}); expected postgresql://USER:PASSWORD@HOST:PORT/NAME") from None
    if parts.scheme not in ("postgres", "postgresql"):
        raise Stop("DATABASE_URL must start with postgresql:// (Jianyi runs on PostgreSQL only)")
    if not parts.path.strip("/"):
        raise Stop("DATABASE_URL has no database name; expected postgresql://USER:PASSWORD@HOST:PORT/NAME")


# --- the project-local PostgreSQL cluster -------------------------------------------------


class LocalPostgres:
    """A PostgreSQL cluster owned by this checkout, listening only on a unix socket.

    As root the server runs as the `postgres` user (initdb refuses root). When that user
    cannot reach var/ (a checkout under /root, say), the cluster lives under /var/tmp in a
    directory keyed by the checkout path instead; we never loosen the user's permissions.
    """

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.var = root / "var"
        self.bindir = pg_bindir()
        self.owner = pwd.getpwnam("postgres") if IS_ROOT else None
        self.base = self._choose_base()
        self.data = self.base / "data"
        self.sock = self.base / "run"
        self.log = self.base / "postgres.log"
        self.holders = self.var / "pg-holders"
        self.lockfile = self.var / "pg.lock"

    def _choose_base(self) -> Path:
        local = self.var / "pg"
        # unix socket paths are limited to 107 bytes
        if len(str(local / "run" / ".s.PGSQL.5432")) < 100 and (not IS_ROOT or self._postgres_can_use(local)):
            return local
        key = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return Path("/var/tmp") / f"jianyi-pg-{key}"  # noqa: S108 - a private 0700 directory owned by postgres  # nosec B108

    def _postgres_can_use(self, path: Path) -> bool:
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, self.owner.pw_uid, self.owner.pw_gid)
        return (
            subprocess.run(
                ["runuser", "-u", "postgres", "--", "test", "-w", str(path), "-a", "-x", str(path)]
            ).returncode
            == 0
        )

    def _as_owner(self, cmd: list) -> list[str]:
        cmd = [str(c) for c in cmd]
        return ["runuser", "-u", "postgres", "--", *cmd] if IS_ROOT else cmd

    def _pg(self, tool: str, *args, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self._as_owner([self.bindir / tool, *args]), **kw)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/{DB_NAME}?host={self.sock}"

    def running(self) -> bool:
        return self._pg("pg_ctl", "status", "-D", self.data, stdout=subprocess.DEVNULL).returncode == 0

    def start(self) -> None:
        for d in (self.base, self.sock):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.owner:
                os.chown(d, self.owner.pw_uid, self.owner.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            say(f"creating the local PostgreSQL cluster in {self.data}")
            self._pg(
                "initdb",
                "-D",
                self.data,
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if self.running():
            say("reusing the local PostgreSQL server that is already running")
        else:
            say("starting the local PostgreSQL server")
            # A session of its own, so a Ctrl-C meant for the tests does not kill the server
            # before they have cleaned up; we stop it ourselves afterwards.
            opts = f"-c listen_addresses='' -k {self.sock} -c fsync=off -c full_page_writes=off"
            result = self._pg(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                self.data,
                "-l",
                self.log,
                "-o",
                opts,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
            )
            if result.returncode != 0:
                tail = self.log.read_text(errors="replace").splitlines()[-5:] if self.log.exists() else []
                raise Stop("the local PostgreSQL server did not start: " + " | ".join(tail))
        if (
            self._pg(
                "psql",
                "-h",
                self.sock,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-Atc",
                f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'",  # noqa: S608 - a constant  # nosec B608
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            != "1"
        ):
            self._pg("createdb", "-h", self.sock, "-U", "postgres", DB_NAME, check=True)

    def stop(self) -> None:
        if self.running():
            say("stopping the local PostgreSQL server")
            self._pg("pg_ctl", "stop", "-D", self.data, "-m", "fast", "-w", stdout=subprocess.DEVNULL)

    @contextlib.contextmanager
    def _locked(self):
        self.var.mkdir(exist_ok=True)
        with open(self.lockfile, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    def _live_holders(self) -> list[Path]:
        live = []
        for f in self.holders.glob("*"):
            try:
                os.kill(int(f.name), 0)
                live.append(f)
            except (ProcessLookupError, ValueError):
                f.unlink(missing_ok=True)  # left by a killed run
            except PermissionError:
                live.append(f)
        return live

    @contextlib.contextmanager
    def held(self):
        me = self.holders / str(os.getpid())
        with self._locked():
            self.holders.mkdir(parents=True, exist_ok=True)
            self.start()
            me.touch()
        try:
            yield self.url
        finally:
            with self._locked():
                me.unlink(missing_ok=True)
                if not self._live_holders():
                    self.stop()


@contextlib.contextmanager
def database():
    """Yields the DATABASE_URL to use: the user's, or the local cluster's."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        check_database_url(url)
        yield url
        return
    ensure_apt({"postgresql": "initdb"})
    pg = LocalPostgres()
    if pg.bindir is None:
        raise Stop("PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's postgresql package")
    with pg.held() as local_url:
        yield local_url


# --- processes ----------------------------------------------------------------------------


def supervise(commands: list[list], env: dict) -> int:
    """Run commands side by side; when one ends or we are interrupted, stop all of them."""
    procs = [subprocess.Popen([str(c) for c in cmd], env=env, cwd=ROOT) for cmd in commands]
    stopping = False

    def stop_all(*_):
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.poll() is None:
                p.terminate()

    old = {s: signal.signal(s, stop_all) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.3)
        stop_all()
        deadline = time.monotonic() + 30
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    codes = [p.returncode for p in procs]
    return 130 if stopping and any(c < 0 for c in codes) else max((abs(c) for c in codes), default=0)


def manage(*args, env: dict) -> None:
    run([PY, ROOT / "manage.py", *args], env=env, cwd=ROOT)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def base_env(db_url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": db_url, **extra}
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def dev_env(db_url: str) -> dict:
    """The local run: debug pages, plain http, a per-checkout secret key."""
    env = base_env(db_url)
    env.setdefault("DEBUG", "true")
    env.setdefault("SECRET_KEY", local_secret_key())
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    # The demo accounts sign in with the password alone; production requires two-factor
    # sign-in of coordinators, leaders, auditors and system administrators. Set the variable
    # (e.g. TWO_FACTOR_REQUIRED_ROLES=coordinator make run) to try the mandatory enrolment.
    env.setdefault("TWO_FACTOR_REQUIRED_ROLES", "")
    return env


def local_secret_key() -> str:
    """A per-checkout key for the local run, so sessions survive restarts."""
    path = VAR / "secret_key"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(hashlib.sha256(os.urandom(64)).hexdigest() * 2)
        path.chmod(0o600)
    return path.read_text().strip()


# --- commands -----------------------------------------------------------------------------


def cmd_run(args: list[str]) -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8000"))
    if not port_free(host, port):
        raise Stop(f"port {port} on {host} is already in use; stop what is using it or run with PORT=8001")
    ensure_apt({"gettext": "msgfmt", **FONT_PACKAGES})
    ensure_venv()
    with database() as db_url:
        env = dev_env(db_url)
        manage("migrate", "--no-input", "-v", "0", env=env)
        manage("compilemessages", "-v", "0", env=env)
        manage("collectstatic", "--no-input", "-v", "0", env=env)
        manage("seed_demo", env=env)
        say(f"serving on http://{host}:{port}/  (Ctrl-C stops the server, the worker and the database)")
        return supervise(
            [
                [
                    VENV / "bin" / "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    "2",
                    "--access-logfile",
                    "-",
                ],
                [PY, "manage.py", "procrastinate", "worker"],
            ],
            env,
        )


def cmd_test(args: list[str]) -> int:
    ensure_apt({"gettext": "msgfmt", "chromium": "/usr/bin/chromium", **FONT_PACKAGES})
    ensure_venv()
    with database() as db_url:
        manage("compilemessages", "-v", "0", env=dev_env(db_url))
        env = base_env(db_url)  # the test settings themselves come from pyproject.toml (pytest-env)
        # pytest in its own process group would miss the terminal's Ctrl-C; same group, and
        # we wait for it to finish its own teardown before the database goes away.
        return wait_for(subprocess.Popen([str(PY), "-m", "pytest", *args], env=env, cwd=ROOT))


def cmd_manage(args: list[str]) -> int:
    ensure_venv()
    with database() as db_url:
        return wait_for(subprocess.Popen([str(PY), str(ROOT / "manage.py"), *args], env=dev_env(db_url), cwd=ROOT))


def wait_for(proc: subprocess.Popen) -> int:
    """Wait for a child that shares our terminal: it receives Ctrl-C itself, and a TERM or
    HUP sent to us is passed on; either way it finishes its own teardown before we stop
    the database."""
    handlers = {signal.SIGINT: signal.SIG_IGN}
    handlers.update({s: (lambda *_: proc.terminate()) for s in (signal.SIGTERM, signal.SIGHUP)})
    old = {s: signal.signal(s, h) for s, h in handlers.items()}
    try:
        return proc.wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def main(argv: list[str]) -> int:
    commands = {"run": cmd_run, "test": cmd_test, "manage": cmd_manage}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    try:
        return commands[argv[0]](argv[1:])
    except Stop as exc:
        print(f"[jianyi] error: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"[jianyi] error: command failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
