# syntax=docker/dockerfile:1
#
# focusfolk container image.
#   docker build -t focusfolk .       # ~25 min on 2 cores: the release profile uses fat LTO
#   docker run -v focusfolk-data:/data --env-file focusfolk.env -p 127.0.0.1:9090:9090 focusfolk
#                                        # runs `focusfolk run` (the bot)
#   docker run -v focusfolk-data:/data focusfolk check-config
# Configure with FOCUSFOLK_<SECTION>__<KEY> environment variables (see config.example.toml),
# or put a focusfolk.toml into the /data volume (the working directory). compose.yaml runs it
# with PostgreSQL. `scripts/image-test` performs this image's steps on the host (Docker is not
# needed for it) and checks that the health check passes and SIGTERM stops it cleanly.

# ---- build -------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /build
COPY . .
# The cache mounts keep downloaded crates and compiled dependencies between builds; the binary
# is copied out of the cached target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked \
    && install -D -m 0755 target/release/focusfolk /out/focusfolk

# ---- run ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 focusfolk \
    && useradd --system --uid 10001 --gid focusfolk --home-dir /data --shell /usr/sbin/nologin focusfolk \
    && mkdir -p /data \
    && chown focusfolk:focusfolk /data
COPY --from=builder /out/focusfolk /usr/local/bin/focusfolk
COPY --from=builder /build/config.example.toml /usr/share/doc/focusfolk/config.example.toml

# SQLite in the volume unless FOCUSFOLK_DATABASE__URL names PostgreSQL (compose.yaml does).
ENV FOCUSFOLK_DATABASE__URL=sqlite:///data/focusfolk.sqlite
# Health, readiness and metrics; on every interface inside the container (publish the port to
# loopback or a private network only: it shows the bot's state to whoever reaches it).
ENV FOCUSFOLK_HTTP__LISTEN=0.0.0.0:9090
EXPOSE 9090
VOLUME ["/data"]
WORKDIR /data
USER focusfolk
# The binary asks its own /healthz: no curl in the image.
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 CMD ["focusfolk", "healthcheck"]
# `run` stops cleanly on SIGTERM (docker stop): the job in flight gets [runner] shutdown_grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["focusfolk"]
CMD ["run"]
