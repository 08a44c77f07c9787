"""Settings for the benchmark's app server: the production settings (config.settings, with the
environment `make bench` gives them: DEBUG off, a random SECRET_KEY) plus two things that must
never be in production, so they live here and not behind a flag in config.settings:

- bench.middleware.QueryCountMiddleware: each response says how many SQL queries it ran
  (X-Bench-Queries), and a request that asks for it has its SQL written to BENCH_CAPTURE_DIR
  (to time the raw SQL of a list page, ratio (a));
- bench.urls: the production URLs plus a separate admin site that shows proposals to the bench
  coordinator (bench.admin), to compare the proposal list with Django admin's changelist
  (ratio (b)). The production admin site (accounts.sites) never registers proposals.

Used only as DJANGO_SETTINGS_MODULE=bench.settings, and refused unless the database is a bench
database (its name starts with "jianyi_bench"), so it cannot be pointed at real data by mistake.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, DATABASES, MIDDLEWARE

if not str(DATABASES["default"]["NAME"]).startswith("jianyi_bench"):
    raise ImproperlyConfigured(
        "bench.settings runs only against a bench database (a name starting with jianyi_bench); "
        "use `make bench`, which creates one"
    )

MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.urls"
# Collected apart from the development server's var/static, which `make run` may be serving.
STATIC_ROOT = BASE_DIR / "var" / "bench" / "static"
BENCH_CAPTURE_DIR = os.environ.get("BENCH_CAPTURE_DIR", "")
