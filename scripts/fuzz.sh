#!/usr/bin/env bash
# Fuzzes what the page reads from outside — users' files (IDX, .npy, .zip uploads), model files
# and share links — with cargo-fuzz, each target for a bounded time: SECONDS_PER_TARGET (default
# 60). Needs the nightly toolchain; installs cargo-fuzz when missing. Not part of check.sh: a bounded run of the same entry points is
# (`fuzz_entry_points_survive_mutated_files` and its twins for model files and share links).
# TARGETS="checkpoint share_link" runs some of them. The model-file seeds are written by
# `FUZZ_SEEDS=fuzz/seeds/checkpoint cargo test --lib fuzz_seed_files`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${SECONDS_PER_TARGET:-60}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vae-playground/target}/fuzz"
for target in ${TARGETS:-idx npy archive checkpoint share_link}; do
  echo "== $target: ${seconds} s"
  # Valid inputs to start from, where there are some (fuzz/seeds/…): a fuzzer that begins with
  # a real model file gets past its magic and header.
  corpus=()
  if [ -d "seeds/$target" ]; then
    mkdir -p "corpus/$target"
    corpus=("corpus/$target" "seeds/$target")
  fi
  cargo +nightly fuzz run "$target" "${corpus[@]}" -- -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=65536
done
