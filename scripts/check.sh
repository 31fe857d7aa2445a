#!/usr/bin/env bash
# Every check and test: formatting, clippy (host and wasm32), native tests, the Trunk build,
# and the end-to-end suite in headless Chromium (WebGPU run and CPU run).
set -euo pipefail
source "$(dirname "$0")/env.sh"
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "tools"
./scripts/tools.sh
step "cargo fmt --check"
cargo fmt --all -- --check
step "clippy (host)"
cargo clippy --all-targets --locked -- -D warnings
step "clippy (wasm32: the page, then the WebGPU trainer)"
cargo clippy --lib --bins --locked --target wasm32-unknown-unknown -- -D warnings
cargo clippy --lib --bins --locked --target wasm32-unknown-unknown --features wgpu -- -D warnings
step "cargo test (native, CPU backend)"
cargo test --locked
step "cargo test: the WebGPU trainer's matrix products on Chromium's SwiftShader (native)"
cargo test --locked --features wgpu --lib products
step "trunk build"
trunk build --dist dist
step "end-to-end tests in headless Chromium"
cd tests/e2e
DIST_DIR="$root/dist" node --test --test-concurrency=1
