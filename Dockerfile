# syntax=docker/dockerfile:1
#
# cofocus container image.
#   docker build -t cofocus .
#   docker run -v cofocus-data:/data cofocus            # runs `cofocus run`
#   docker run -v cofocus-data:/data cofocus check-config
# Configure with COFOCUS_<SECTION>__<KEY> environment variables (see config.example.toml),
# or put a cofocus.toml into the /data volume (the working directory).

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
    && install -D -m 0755 target/release/cofocus /out/cofocus

# ---- run ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 cofocus \
    && useradd --system --uid 10001 --gid cofocus --home-dir /data --shell /usr/sbin/nologin cofocus \
    && mkdir -p /data \
    && chown cofocus:cofocus /data
COPY --from=builder /out/cofocus /usr/local/bin/cofocus
COPY --from=builder /build/config.example.toml /usr/share/doc/cofocus/config.example.toml

ENV COFOCUS_DATABASE__URL=sqlite:///data/cofocus.sqlite
VOLUME ["/data"]
WORKDIR /data
USER cofocus
ENTRYPOINT ["cofocus"]
CMD ["demo"]
