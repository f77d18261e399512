# quotecheck: the service image. Build: docker build -t quotecheck .
# With PostgreSQL support: docker build --build-arg EXTRAS=postgres -t quotecheck .
ARG PYTHON_IMAGE=python:3.12-slim

# ---- build: install the project and its dependencies into a virtualenv ----------------------
FROM ${PYTHON_IMAGE} AS build
ARG EXTRAS=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/quotecheck
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN /opt/quotecheck/bin/pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}" \
    && /opt/quotecheck/bin/python -c "import bot.cli, bot.db"

# ---- runtime: the virtualenv only, run as a non-root user ---------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="quotecheck" \
      org.opencontainers.image.description="Checks the posts and statements news articles quote against the originals"
RUN groupadd --system --gid 10001 quotecheck \
    && useradd --system --uid 10001 --gid quotecheck --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin quotecheck \
    && mkdir /data \
    && chown quotecheck:quotecheck /data
COPY --from=build /opt/quotecheck /opt/quotecheck
ENV PATH=/opt/quotecheck/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QUOTECHECK_DATABASE_URL=sqlite:////data/quotecheck.db
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
HEALTHCHECK --interval=1m --timeout=30s --start-period=1m --retries=3 \
    CMD ["quotecheck", "status", "--json"]
CMD ["quotecheck", "run"]
