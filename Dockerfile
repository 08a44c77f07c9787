# Jianyi application image: gunicorn for `web`, the procrastinate worker for `worker`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# gettext compiles the translations at build time; Pango lays out the reply PDFs (WeasyPrint),
# in the free CJK fonts unless licensed ones are mounted at REPLY_FONTS_DIR.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 fontconfig \
        fonts-noto-cjk fonts-arphic-ukai \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build-time only values: settings refuse to load without them, nothing here connects.
RUN DATABASE_URL=postgresql://build@localhost/build SECRET_KEY=build-time-only-key-not-used-at-runtime-0123456789abcdef \
        ALLOWED_HOSTS=build python manage.py compilemessages -v 0 \
    && DATABASE_URL=postgresql://build@localhost/build SECRET_KEY=build-time-only-key-not-used-at-runtime-0123456789abcdef \
        ALLOWED_HOSTS=build python manage.py collectstatic --no-input -v 0 \
    && useradd --system --uid 1000 --home /app jianyi \
    && mkdir -p /app/var/media && chown -R jianyi /app/var/media

USER jianyi
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
