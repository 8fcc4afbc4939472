# Production image for the API (`noor run`) and the workers (`noor worker`): compose.yaml runs both from it.
# Point NOOR_DATABASE_URL at Postgres and NOOR_QDRANT_URL at a Qdrant server; NOOR_SANDBOX is false here.
#   docker build -t noor .                          # without local speech-to-text
#   docker build --build-arg WITH_VOICE=true -t noor .   # with the `voice` extra (faster-whisper, offline STT)
FROM python:3.11-slim AS app
ARG WITH_VOICE=false
ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 NOOR_HOST=0.0.0.0 NOOR_SANDBOX=false \
    NOOR_DATA_DIR=/data PATH="/app/.venv/bin:$PATH"
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project $([ "$WITH_VOICE" = "true" ] && echo "--extra voice")
COPY . .
RUN uv sync --frozen --no-dev $([ "$WITH_VOICE" = "true" ] && echo "--extra voice") \
    && useradd --create-home noor && mkdir -p /data && chown -R noor /app /data
USER noor
VOLUME /data
EXPOSE 8000
# Readiness, not mere liveness: schema applied, catalog loaded, workers alive, credentials accepted.
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4)"
# The environment's own entry point, not `uv run`: that would re-sync the environment (and drop the voice extra).
CMD ["noor", "run"]
