#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages WorkflowAI needs, only those missing.
# Usage: scripts/deps.sh [build|test|fuzz|bench]   (each implies the ones before)
set -euo pipefail
want=(build-essential cmake pkg-config libjansson-dev libpcre2-dev libsqlite3-dev libssl-dev
      libcurl4-openssl-dev zlib1g-dev libhttp-parser-dev tzdata libgit2-dev
      libstemmer-dev libpoppler-glib-dev)
case "${1:-build}" in
  test)  want+=(libcmocka-dev clang-format python3 curl git nodejs chromium)
         # the web UI's browser test; some nodejs builds bring their own npm
         command -v npm >/dev/null 2>&1 || want+=(npm) ;;
  fuzz)  want+=(libcmocka-dev clang libclang-rt-14-dev) ;;
  bench) want+=(time grep gawk bc wrk nginx-light redis-server redis-tools openssl python3) ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "workflowai: installing Debian packages: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
