# Tock: the bot, its scheduler and its web server (/healthz, /readyz, /metrics,
# and /slack/events in HTTP mode) in one process. See README "Production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/app/.venv/bin:$PATH \
    TOCK_HOST=0.0.0.0 \
    TOCK_PORT=3000 \
    TOCK_DATABASE_URL=sqlite+aiosqlite:////data/tock.db

# A fixed, numeric non-root user, so an orchestrator can check runAsNonRoot.
RUN groupadd --system --gid 10001 tock \
    && useradd --system --uid 10001 --gid tock --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tock \
    && mkdir -p /data \
    && chown tock:tock /data

WORKDIR /app
COPY . .

# The install commands of `make install` (the Makefile's $(STAMP) rule, with PY=python),
# into /app/.venv: the image runs what `make test` tested. tests/test_deploy.py compares them.
RUN python -m venv .venv \
    && .venv/bin/python -m pip install -q --upgrade pip \
    && .venv/bin/python -m pip install -q -e '.[dev]'

USER 10001:10001
VOLUME ["/data"]
EXPOSE 3000

# Ready: the scheduler loop is alive and the database answers (503 otherwise).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('TOCK_PORT', '3000'), timeout=4)"]

# SIGTERM stops Tock gracefully (replies and runs in flight finish or are handed back).
STOPSIGNAL SIGTERM
CMD ["tock", "run"]
