# Sourced by the scripts: where builds go and where the installed tools are found.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Outside the clone, so that repeated CI runs (fresh clones) on one machine start warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vae-playground/target}"
export PATH="$root/tests/e2e/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
cd "$root"
