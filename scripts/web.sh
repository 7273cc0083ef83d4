#!/usr/bin/env bash
# web.sh — build the web interface into web/dist (served by the C server).
# The application is plain ES modules with no external resources. The npm
# libraries it uses (Leaflet for the grid map, ECharts for the dashboard)
# come from node_modules so the pages never fetch anything from the
# internet at run time. web/build.mjs names every script and style sheet by
# its content hash, writes the service worker's shell list, and
# precompresses every text file (gzip and brotli).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/leaflet ] || [ ! -d node_modules/echarts ]; then
  command -v npm >/dev/null 2>&1 || { echo "web: npm is missing (scripts/deps.sh run installs it)"; exit 1; }
  npm install --no-audit --no-fund
fi
node web/build.mjs
