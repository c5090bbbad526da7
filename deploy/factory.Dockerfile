# The factory (workers, dashboard) from this checkout, on the same base as PostgreSQL.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN python3 -m venv /opt/agent-factory \
    && /opt/agent-factory/bin/pip install --no-cache-dir '/src[postgres]' \
    && rm -rf /src
ENV PATH=/opt/agent-factory/bin:$PATH
WORKDIR /var/lib/agent-factory
