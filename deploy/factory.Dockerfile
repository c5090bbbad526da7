# The factory (workers, dashboard) from this checkout, on the same base as PostgreSQL.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# Lets a rebuild's superseded image be pruned by label (the compose test does).
LABEL agent-factory.deploy=factory
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# Behind a TLS-inspecting proxy, put its CA certificates (*.crt) in deploy/certs/ before
# building: they join the image's trust store, which pip (at build) and the GitHub client
# (at run time) are told to use instead of their bundled one.
COPY deploy/certs/ /usr/local/share/ca-certificates/extra/
RUN update-ca-certificates
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# The dependencies get a layer of their own, keyed on pyproject.toml alone (built from it with
# an empty README and no sources): a change to the sources then rebuilds only the small layer
# below, not the ~1 GB of wheels (the compose test builds this image on every test session).
COPY pyproject.toml /src/
RUN touch /src/README.md \
    && python3 -m venv /opt/agent-factory \
    && /opt/agent-factory/bin/pip install --no-cache-dir '/src[postgres]'
COPY . /src
RUN /opt/agent-factory/bin/pip install --no-cache-dir --no-deps --force-reinstall /src \
    && rm -rf /src
ENV PATH=/opt/agent-factory/bin:$PATH
WORKDIR /var/lib/agent-factory
