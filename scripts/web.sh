#!/usr/bin/env bash
# web.sh — build the web interface into web/dist (served by the C server).
# The application is plain ES modules with no external resources; the build
# is a copy. The npm libraries it uses (Leaflet for the grid map, ECharts for
# the dashboard) are copied from node_modules into web/dist/vendor/ so the
# pages never fetch anything from the internet at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/leaflet ] || [ ! -d node_modules/echarts ]; then
  command -v npm >/dev/null 2>&1 || { echo "web: npm is missing (scripts/deps.sh run installs it)"; exit 1; }
  npm install --no-audit --no-fund
fi
mkdir -p web/dist/vendor/images
cp -u web/static/* web/dist/
cp -u node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css web/dist/vendor/
cp -u node_modules/leaflet/dist/images/* web/dist/vendor/images/
cp -u node_modules/echarts/dist/echarts.min.js web/dist/vendor/
