#!/usr/bin/env bash
# Regenerates docs/review-page.png, the screenshot of the demo's HTML review page that
# README shows: the page as headless Chromium renders it (the top of it, at laptop width),
# colours reduced with pngquant when it is installed to keep the file small.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet -- diff --format html --mapping testdata/demo/mapping.yaml testdata/demo/export \
  > "$work/review.html" 2>/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1200,1736 \
  --screenshot="$work/review.png" "file://$work/review.html" >/dev/null 2>&1
if command -v pngquant >/dev/null 2>&1; then
  pngquant --quality 70-90 --speed 1 --strip --force --output docs/review-page.png "$work/review.png"
else
  cp "$work/review.png" docs/review-page.png
fi
ls -l docs/review-page.png
