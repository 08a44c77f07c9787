#!/usr/bin/env python3
"""`make bench`: sets up what the benchmark needs, then runs bench/harness.py.

Standard library only, like tools/dev.py, whose set-up it reuses: the virtual environment (with
the load generator, locust, from requirements-dev.txt), gettext, and the PostgreSQL server (the
project-local cluster, or the server of DATABASE_URL when it is set). The benchmark's data lives
in databases of its own on that server (jianyi_bench_p<N>_s<S>); the development database is not
touched.

    make bench                                  # 100,000 proposals, about 20 minutes once generated
    make bench ARGS="--quick"                   # a smoke run on 2,000 proposals
    make bench ARGS="--proposals 20000"
    make bench ARGS="--compare bench/results/2026-11-28-101500-p100000.md"
    make bench ARGS="--help"
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import dev  # noqa: E402 - tools/dev.py, found through the path set just above


def main(argv: list[str]) -> int:
    try:
        dev.ensure_apt({"gettext": "msgfmt"})
        dev.ensure_venv()
        harness = [str(dev.PY), "-m", "bench.harness"]
        if "-h" in argv or "--help" in argv:
            return subprocess.run([*harness, "--help"], cwd=ROOT).returncode  # nosec B603
        with dev.database() as url:
            return subprocess.run([*harness, "--server-url", url, *argv], cwd=ROOT).returncode  # nosec B603
    except dev.Stop as exc:
        dev.say(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
