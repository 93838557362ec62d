# syntax=docker/dockerfile:1
# sfaudit as a container: a static binary (musl) on a distroless base, running as a non-root user.
#   docker build -t sfaudit .
#   docker run --rm -v "$PWD:/work" -w /work sfaudit scan . --format table
# CI lints this file with hadolint (.ci/run).

# Build: the official Rust image on Alpine, whose host target is x86_64-unknown-linux-musl, so
# the binary is linked statically (gcc and musl-dev are in the image for the bundled SQLite).
FROM rust:1.95-alpine3.22 AS build
WORKDIR /src
# The manifest names the benchmarks, so their sources must be there for cargo to read it.
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY rules ./rules
COPY benches ./benches
RUN cargo build --release --locked \
 && cp target/release/sfaudit /sfaudit

# Run: distroless "static" (CA certificates for HTTPS to Salesforce, tzdata, a nonroot user);
# no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /sfaudit /usr/local/bin/sfaudit
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/sfaudit"]
CMD ["--help"]
