#!/usr/bin/env bash
# Builds the page in release mode and serves it on http://127.0.0.1:${PORT:-8080}.
set -euo pipefail
source "$(dirname "$0")/env.sh"
./scripts/tools.sh
port="${PORT:-8080}"
echo "Building the release page (the first build takes ~15 minutes on 2 cores), then serving it at http://127.0.0.1:$port/"
exec trunk serve --release --no-autoreload --address 127.0.0.1 --port "$port"
