# briefbot image: the same steps the tests check (pip install . ; briefbot run).
# Build stage: install the package and its runtime dependencies into a venv (no dev extras).
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/briefbot
ENV PATH=/opt/briefbot/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY summarizer ./summarizer
COPY bot ./bot
COPY schedules ./schedules
RUN pip install .

# Runtime stage: the venv only, run as an unprivileged user. Debian's Ding dictionary
# (trans-de-en, GPL) lets answers cross between German and English (summarizer.lexicon).
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends trans-de-en \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --create-home --home-dir /home/briefbot briefbot \
    && mkdir /data && chown briefbot:briefbot /data
COPY --from=build /opt/briefbot /opt/briefbot
ENV PATH=/opt/briefbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BRIEFBOT_DATA_DIR=/data \
    BRIEFBOT_HTTP_HOST=0.0.0.0 \
    BRIEFBOT_HTTP_PORT=8080 \
    LOG_FORMAT=json
VOLUME /data
WORKDIR /home/briefbot
USER briefbot
# Compile the dictionary once at build time (seconds) instead of on the first question.
RUN python -c "from summarizer import lexicon; lexicon.translations('Haus', 'de')"
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BRIEFBOT_HTTP_PORT', '8080'), timeout=3)"]
CMD ["briefbot", "run"]
