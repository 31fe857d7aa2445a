#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing; skips what is present.
# Only the package registries are used (crates.io, Debian, npm): nothing is downloaded elsewhere.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock, to the patch.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '\033[1m[tools]\033[0m %s\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Chromium and chromium-driver (Debian)"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing Trunk $TRUNK_VERSION (takes ~9 minutes on 2 cores)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Its own lockfile names webpki-roots 1.0.11, which the registry mirror lacks: pin 1.0.10.
  work=$(mktemp -d)
  (
    cd "$work"
    cargo new -q --vcs none probe
    cd probe
    cargo add -q "wasm-bindgen-cli@=$WASM_BINDGEN_VERSION" >/dev/null 2>&1 || true
    cargo fetch -q >/dev/null 2>&1 || true
  )
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"wasm-bindgen-cli-$WASM_BINDGEN_VERSION" 2>/dev/null | head -n1 || true)
  if [ -n "$src" ]; then
    cp -r "$src" "$work/cli"
    (cd "$work/cli" && { cargo update -q -p webpki-roots@1.0.11 --precise 1.0.10 2>/dev/null || true; } && cargo install --locked --path .)
  else
    cargo install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  fi
  rm -rf "$work"
fi

# Node packages: playwright-core for the browser tests, binaryen for wasm-opt.
if [ ! -x tests/e2e/node_modules/.bin/wasm-opt ] || [ ! -d tests/e2e/node_modules/playwright-core ]; then
  say "installing node packages for the browser tests (npm ci)"
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$root/tests/e2e/node_modules/.bin:$PATH"
[ "$(wasm-opt --version | awk '{print $3}')" = "$BINARYEN_VERSION" ] || { echo "wasm-opt is not version $BINARYEN_VERSION" >&2; exit 1; }
say "tools ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $BINARYEN_VERSION, $(chromium --version 2>/dev/null | head -n1)"
