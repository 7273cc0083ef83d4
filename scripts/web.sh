#!/usr/bin/env bash
# web.sh — build the web interface into web/dist (served by the C server).
# The shell is plain ES modules with no external resources; the build is a
# copy. (Bundled npm libraries — maps, charts — join here when they land.)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p web/dist
cp -u web/static/* web/dist/
