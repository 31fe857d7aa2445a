#!/usr/bin/env bash
# Builds the release site into dist/ (or the folder given): upload that folder to any static host,
# at its root or under any sub-path. No server code is needed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
./scripts/tools.sh
trunk build --release --dist "${1:-dist}"
echo "Built $(cd "${1:-dist}" && pwd): upload this folder as it is."
