#!/usr/bin/env bash
# web.sh — build the web interface into web/dist (placeholder until the
# front end lands: a static page).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p web/dist
[ -f web/dist/index.html ] || printf '<!doctype html><meta charset="utf-8"><title>獬豸</title><p>獬豸 Xiezhi</p>\n' > web/dist/index.html
