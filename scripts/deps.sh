#!/usr/bin/env bash
# deps.sh — install what Xiezhi needs on Debian 12, only what is missing.
#   scripts/deps.sh build   C toolchain and libraries
#   scripts/deps.sh test    + PostgreSQL server, Chromium, wrk, poppler, node
# As root it runs apt-get; otherwise it prints the one line to run.
set -euo pipefail
what=${1:-build}
pkgs=(gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev
      libsodium-dev libmagic-dev libcurl4-openssl-dev libcairo2-dev libpango1.0-dev
      libxlsxwriter-dev libzip-dev libexpat1-dev libcsv-dev fonts-noto-cjk sqlite3
      libxml2-dev)
pkgs+=(zlib1g-dev)
if [ "$what" = test ] || [ "$what" = run ]; then
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
if [ "$what" = test ]; then
  pkgs+=(postgresql chromium poppler-utils wrk libclang-rt-14-dev clang)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: missing packages; run as root:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi
