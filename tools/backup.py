#!/usr/bin/env python3
"""Back up Jianyi, restore a backup into a fresh database, and prove the two hold the same data.

    .venv/bin/python tools/backup.py backup  [--output-dir DIR]
    .venv/bin/python tools/backup.py restore BACKUP --database-url URL --media-root DIR
    .venv/bin/python tools/backup.py verify  A B [--media-root DIR]

`backup` reads DATABASE_URL and MEDIA_ROOT (default var/media) like the app and writes
DIR/jianyi-YYYYmmddTHHMMSSZ/ (DIR defaults to var/backups) holding

    database.dump    pg_dump custom format (restore with pg_restore)
    media.tar.gz     everything under MEDIA_ROOT (attachments, reply archives)
    manifest.json    per-table row counts and checksums, sequences, triggers, media file hashes

The manifest is computed inside the very snapshot pg_dump dumps (pg_export_snapshot), so it
describes exactly what the dump holds even while the app keeps writing.

`restore` loads a backup into an EMPTY database (create it first: createdb) and an empty or
absent media folder, then verifies the result against the manifest. It refuses anything else,
so it can never overwrite live data.

`verify` compares two sides, each a database (postgresql:// URL or libpq conninfo) or a backup
folder (its manifest): every table's row count and its order-independent checksum
md5(string_agg(md5(row::text), '' ORDER BY md5(row::text))), the sequences and the triggers;
with --media-root, also the media files against a manifest. Exit status 0 when they match,
1 (and the differences on stderr) when not.

pg_dump and pg_restore must be at least the server's major version: they are looked up in
PG_BINDIR, then where tools/dev.py finds the PostgreSQL binaries, then on PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.dev import pg_bindir  # noqa: E402 - after the path set-up above

DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"
FORMAT = 1
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class BackupError(Exception):
    """Something the operator must fix; printed as one line."""


# --- the PostgreSQL client tools ---------------------------------------------------------


def _major(version_text: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not found:
        raise BackupError(f"cannot read a PostgreSQL version from {version_text!r}")
    return int(found.group(1))


def client_bindir() -> Path:
    """The directory holding pg_dump and pg_restore, the newest one available."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    found = pg_bindir()
    if found:
        candidates.append(found)
    versioned = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_dump")]
    candidates += sorted(versioned, key=lambda p: _major(p.parent.name), reverse=True)
    on_path = shutil.which("pg_dump")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "pg_dump").exists() and (directory / "pg_restore").exists():
            return directory
    raise BackupError("pg_dump and pg_restore not found; install Debian's postgresql-client or set PG_BINDIR")


def tool(name: str) -> str:
    return str(client_bindir() / name)


def tool_version(name: str) -> str:
    return subprocess.run([tool(name), "--version"], check=True, capture_output=True, text=True).stdout.strip()


def check_versions(conn: psycopg.Connection) -> str:
    """Refuse client tools older than the server (pg_dump cannot dump a newer server)."""
    server = conn.execute("SHOW server_version").fetchone()[0]
    for name in ("pg_dump", "pg_restore"):
        client = tool_version(name)
        if _major(client.split("(PostgreSQL)")[-1]) < _major(server):
            raise BackupError(f"{client} is older than the server ({server}); install a newer client or set PG_BINDIR")
    return server


# --- fingerprints ------------------------------------------------------------------------


def _checksums_session(conn: psycopg.Connection) -> None:
    # Row text depends on these settings (timestamps, dates, floats): fix them on both sides.
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute("SET DateStyle = 'ISO, YMD'")
    conn.execute("SET IntervalStyle = 'postgres'")
    conn.execute("SET extra_float_digits = 3")
    conn.execute("SET bytea_output = 'hex'")


def fingerprint(conn: psycopg.Connection) -> dict:
    """Row count and checksum of every table, the sequences' last values and the triggers."""
    _checksums_session(conn)
    tables = conn.execute(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname <> ALL(%s) ORDER BY 1, 2",
        [list(SYSTEM_SCHEMAS)],
    ).fetchall()
    result = {"tables": {}, "sequences": {}, "triggers": []}
    for schema, table in tables:
        query = sql.SQL("SELECT count(*), md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) FROM {} t").format(
            sql.Identifier(schema, table)
        )
        rows, checksum = conn.execute(query).fetchone()
        result["tables"][f"{schema}.{table}"] = {"rows": rows, "checksum": checksum}
    for schema, name, last_value in conn.execute(
        "SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE schemaname <> ALL(%s) ORDER BY 1, 2",
        [list(SYSTEM_SCHEMAS)],
    ):
        result["sequences"][f"{schema}.{name}"] = last_value
    result["triggers"] = [
        f"{table}.{name}"
        for table, name in conn.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT tgisinternal AND n.nspname <> ALL(%s) ORDER BY 1, 2",
            [list(SYSTEM_SCHEMAS)],
        )
    ]
    return result


def media_hashes(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def differences(a: dict, b: dict) -> list[str]:
    """What differs between two fingerprints, one line each; empty when they match."""
    out = []
    for key in ("tables", "sequences"):
        for name in sorted(set(a[key]) | set(b[key])):
            if name not in a[key] or name not in b[key]:
                out.append(f"{key[:-1]} {name} only in {'B' if name not in a[key] else 'A'}")
            elif a[key][name] != b[key][name]:
                out.append(f"{key[:-1]} {name}: {a[key][name]} != {b[key][name]}")
    for trigger in sorted(set(a["triggers"]) ^ set(b["triggers"])):
        out.append(f"trigger {trigger} only in {'A' if trigger in a['triggers'] else 'B'}")
    return out


def media_differences(expected: dict[str, str], root: Path) -> list[str]:
    found = media_hashes(root)
    out = [f"media file {name} missing" for name in sorted(set(expected) - set(found))]
    out += [f"media file {name} not in the backup" for name in sorted(set(found) - set(expected))]
    changed = [name for name in sorted(set(expected) & set(found)) if expected[name] != found[name]]
    out += [f"media file {name} differs" for name in changed]
    return out


# --- backup, restore, verify -------------------------------------------------------------


def backup(database: str, media_root: Path, output_dir: Path) -> Path:
    """Dump `database` and tar `media_root` into a new timestamped folder under output_dir."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = output_dir / f"jianyi-{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    with psycopg.connect(database, autocommit=True) as conn:
        server = check_versions(conn)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        dbname = conn.info.dbname
        # pg_dump reads the same snapshot while this transaction stays open.
        subprocess.run(
            [tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={folder / DUMP}", database],
            check=True,
        )
        prints = fingerprint(conn)
        conn.execute("ROLLBACK")
    media = media_hashes(media_root)
    with tarfile.open(folder / MEDIA, "w:gz") as tar:
        for name in media:
            tar.add(media_root / name, arcname=name, recursive=False)
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": dbname,
        "server_version": server,
        "pg_dump": tool_version("pg_dump"),
        "files": {DUMP: _sha256(folder / DUMP), MEDIA: _sha256(folder / MEDIA)},
        "media": media,
        **prints,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} is not a backup folder (no {MANIFEST})")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        if not (folder / name).exists() or _sha256(folder / name) != digest:
            raise BackupError(f"{folder / name} is missing or damaged (its SHA-256 differs from the manifest)")
    return manifest


def restore(folder: Path, database: str, media_root: Path) -> list[str]:
    """Load a backup into an empty database and an empty media folder; return the differences
    from the manifest (empty = a faithful restore)."""
    read_manifest(folder)  # refuses a damaged backup before touching anything
    with psycopg.connect(database, autocommit=True) as conn:
        check_versions(conn)
        if fingerprint(conn)["tables"]:
            raise BackupError("the target database is not empty; restore only into a fresh one (createdb)")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"the media folder {media_root} is not empty; restore into an empty or new folder")
    subprocess.run(
        [
            tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database}",
            str(folder / DUMP),
        ],
        check=True,
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as tar:
        tar.extractall(media_root, filter="data")  # "data" refuses absolute paths, .. and links out
    return verify(folder, database, media_root)


def _side(value) -> tuple[dict, dict | None]:
    """A fingerprint (and the media hashes, for a backup) from a backup folder or a database."""
    if isinstance(value, Path) or (isinstance(value, str) and Path(value).is_dir()):
        manifest = read_manifest(Path(value))
        return manifest, manifest["media"]
    with psycopg.connect(value, autocommit=True) as conn:
        return fingerprint(conn), None


def verify(a, b, media_root: Path | None = None) -> list[str]:
    first, media_a = _side(a)
    second, media_b = _side(b)
    out = differences(first, second)
    expected = media_a if media_a is not None else media_b
    if media_root is not None:
        if expected is None:
            raise BackupError("--media-root needs a backup folder on one side to compare with")
        out += media_differences(expected, media_root)
    return out


# --- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/backup.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("backup", help="dump the database and the media folder")
    p.add_argument("--output-dir", type=Path, default=ROOT / "var" / "backups")
    p = commands.add_parser("restore", help="load a backup into an empty database and media folder")
    p.add_argument("backup", type=Path)
    p.add_argument("--database-url", required=True)
    p.add_argument("--media-root", type=Path, required=True)
    p = commands.add_parser("verify", help="compare two databases or backups")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--media-root", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            database = os.environ.get("DATABASE_URL", "").strip()
            if not database:
                raise BackupError("set DATABASE_URL to the database to back up")
            media_root = Path(os.environ.get("MEDIA_ROOT") or ROOT / "var" / "media")
            print(backup(database, media_root, args.output_dir))
            return 0
        if args.command == "restore":
            diffs = restore(args.backup, args.database_url, args.media_root)
        else:
            diffs = verify(args.a, args.b, args.media_root)
    except (BackupError, subprocess.CalledProcessError, psycopg.Error) as exc:
        print(f"backup.py: {exc}", file=sys.stderr)
        return 2
    for line in diffs:
        print(line, file=sys.stderr)
    print("differences found" if diffs else "match: every table's row count and checksum, sequences, triggers")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
