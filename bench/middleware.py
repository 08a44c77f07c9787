"""Counts the SQL queries of each request (bench settings only; see bench/settings.py)."""

import json
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

QUERIES_HEADER = "X-Bench-Queries"
# A request carrying this header (a label: letters, digits, - and _) has its SQL written to
# BENCH_CAPTURE_DIR/<label>.json: the statements as the server ran them, parameters inlined.
CAPTURE_HEADER = "HTTP_X_BENCH_CAPTURE"
LABEL = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class QueryCountMiddleware:
    """First in the chain, so the count includes what the other middleware run (the session,
    the user, the session's activity write)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        label = request.META.get(CAPTURE_HEADER, "")
        capture = bool(settings.BENCH_CAPTURE_DIR) and bool(LABEL.match(label))
        statements = []

        def counter(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if capture:
                statements.append(connection.ops.last_executed_query(context["cursor"], sql, params))
            else:
                statements.append(None)
            return result

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(len(statements))
        if capture:
            _write_capture(Path(settings.BENCH_CAPTURE_DIR), label, request.get_full_path(), statements)
        return response


def _write_capture(directory: Path, label: str, path: str, statements: list) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{label}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps({"path": path, "queries": statements}, ensure_ascii=False))
    os.replace(tmp, directory / f"{label}.json")
