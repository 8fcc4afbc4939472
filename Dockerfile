# Production image: the service only (point NOOR_DATABASE_URL at a managed Postgres, NOOR_SANDBOX=false).
FROM python:3.11-slim AS app
ENV PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 NOOR_HOST=0.0.0.0 NOOR_SANDBOX=false
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev && useradd --create-home noor && chown -R noor /app
USER noor
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["uv", "run", "--no-dev", "noor", "run"]
