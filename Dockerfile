# syntax=docker/dockerfile:1
#
# focusfolk container image.
#   docker build -t focusfolk .
#   docker run -v focusfolk-data:/data focusfolk            # runs `focusfolk run`
#   docker run -v focusfolk-data:/data focusfolk check-config
# Configure with FOCUSFOLK_<SECTION>__<KEY> environment variables (see config.example.toml),
# or put a focusfolk.toml into the /data volume (the working directory).

# ---- build -------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /build
# sqlx's compile-time checks use the prepared query data in the repository, not a live database.
ENV SQLX_OFFLINE=true
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

ENV FOCUSFOLK_DATABASE__URL=sqlite:///data/focusfolk.sqlite
VOLUME ["/data"]
WORKDIR /data
USER focusfolk
ENTRYPOINT ["focusfolk"]
CMD ["demo"]
