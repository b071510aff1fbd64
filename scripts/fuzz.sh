#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, growing its corpus.
set -euo pipefail
build=$1; secs=${2:-60}
cd "$(dirname "$0")/.."
for dir in tests/fuzz/*/; do
  name=$(basename "$dir")
  bin="$build/fuzz_$name"
  [ -x "$bin" ] || continue
  echo "fuzz: $name for ${secs}s"
  dict=()
  [ -f "$dir/dict" ] && dict=(-dict="$dir/dict")
  "$bin" -max_total_time="$secs" -max_len=65536 "${dict[@]}" -artifact_prefix="$build/" "$dir/corpus"
done
