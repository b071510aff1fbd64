#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `workflowai kb`, `search` and `ask` on a store directory: a tree of
# documents added recursively (unsupported files skipped with a reason),
# listing, search in the three modes with citations, extractive answers,
# replace, removal by name and id, reindex, tenants kept apart, triage
# references from the same store, and a planted secret never printed.
. "$(dirname "$0")/lib.sh" "$@"
D="$TMP/data"
SECRET=ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8
mkdir -p "$TMP/docs/runbooks" "$TMP/docs/guides"
cat >"$TMP/docs/runbooks/docker-npm.md" <<DOC
# Docker builds

## npm ci fails in the image build

When \`npm ci\` fails with "can only install with an existing package-lock.json",
commit package-lock.json and check that .dockerignore does not exclude it.
The registry token is $SECRET and must not leak.
DOC
printf 'Disk full\n\nRemove old Docker images with docker system prune when no space is left on device.\n' \
  >"$TMP/docs/runbooks/disk.txt"
printf '<html><body><h1>DNS</h1><p>Restart systemd-resolved when name resolution fails.</p></body></html>' \
  >"$TMP/docs/guides/dns.html"
cp "$SRC/tests/e2e/kb/certs.pdf" "$TMP/docs/guides/certs.pdf"
printf 'binary' >"$TMP/docs/guides/image.png"

cd "$TMP"
expect "kb add a tree" 0 "$BIN" kb add docs --data "$D"
has "summary counts" "$TMP/out" '^4 documents, [0-9]+ chunks, [0-9]+ bytes added; 1 skipped; [0-9.]+ s$'
has "skip reason" "$TMP/out" 'skipped docs/guides/image.png: unsupported extension'
expect "kb list" 0 "$BIN" kb list --data "$D"
for n in docs/runbooks/docker-npm.md docs/runbooks/disk.txt docs/guides/dns.html docs/guides/certs.pdf; do
  has "listed $n" "$TMP/out" "$n\$"
done
expect "kb list json" 0 "$BIN" kb list --data "$D" --format json
has "json list" "$TMP/out" '"documents":\[\{"id":'

for m in keyword semantic hybrid; do
  expect "search --mode $m" 0 "$BIN" search "npm ci package-lock.json" --mode $m --data "$D"
  has "search $m: runbook first with citation" "$TMP/out" \
    '^1\. \[[0-9.]+\] docs/runbooks/docker-npm.md > Docker builds > npm ci fails in the image build  \(chunk [0-9]+:[0-9]+, lines [0-9]+-[0-9]+\)$'
  hasnt "search $m: no secret" "$TMP/out" "$SECRET"
done
expect "search json" 0 "$BIN" search "renew certificate" --format json --top-k 2 --data "$D"
has "search json: pdf found" "$TMP/out" '"document":"docs/guides/certs.pdf"'
has "search json: chunk id" "$TMP/out" '"chunk_id":"[0-9]+:[0-9]+"'
expect "search: bad mode" 2 "$BIN" search x --mode fuzzy --data "$D"
expect "search: top-k 0" 2 "$BIN" search x --top-k 0 --data "$D"

expect "ask extractive" 0 "$BIN" ask "how do I fix npm ci without package-lock.json?" --data "$D"
has "ask: cited sentence" "$TMP/out" 'package-lock\.json.* \[1\]$'
has "ask: sources" "$TMP/out" '^  \[1\] docs/runbooks/docker-npm.md'
hasnt "ask: no secret" "$TMP/out" "$SECRET"
expect "ask json" 0 "$BIN" ask "no space left on device" --format json --data "$D"
has "ask json: citations" "$TMP/out" '"citations":\[\{"index":1,"chunk_id":"[0-9]+:[0-9]+"'
has "ask json: extractive" "$TMP/out" '"extractive":true'

expect "triage with references" 0 "$BIN" triage "$SRC/tests/e2e/cases/gha-docker.log" --format json --data "$D"
has "triage: runbook reference" "$TMP/out" '"references":\[\{"kind":"runbook","title":"docs/runbooks/docker-npm.md"'
hasnt "triage: no secret" "$TMP/out" "$SECRET"

printf 'Disk full\n\nRotate logs with logrotate.\n' >"$TMP/docs/runbooks/disk.txt"
expect "kb add replaces" 0 "$BIN" kb add docs/runbooks/disk.txt --data "$D"
expect "list after replace" 0 "$BIN" kb list --data "$D" --format json
[ "$(grep -o '"name"' "$TMP/out" | wc -l)" -eq 4 ] && pass "replace keeps one document" || failt "replace added a document"
expect "search after replace" 0 "$BIN" search "logrotate" --mode keyword --data "$D"
has "replaced text found" "$TMP/out" 'docs/runbooks/disk.txt'

expect "other tenant sees nothing" 0 "$BIN" search "npm ci" --tenant other --data "$D"
has "other tenant: no results" "$TMP/out" '^no results$'

expect "kb rm by name" 0 "$BIN" kb rm docs/guides/dns.html --data "$D"
id=$("$BIN" kb list --data "$D" | awk '$NF == "docs/guides/certs.pdf" {print $1}')
expect "kb rm by id" 0 "$BIN" kb rm "$id" --data "$D"
expect "kb rm unknown" 1 "$BIN" kb rm nope.md --data "$D"
expect "kb reindex" 0 "$BIN" kb reindex --data "$D"
has "reindex summary" "$TMP/out" '^2 documents, [0-9]+ chunks re-embedded with builtin:'
expect "kb: bad usage" 2 "$BIN" kb frobnicate --data "$D"
expect "kb --help" 0 "$BIN" kb --help
has "help names reindex" "$TMP/out" 'kb reindex'
if grep -rqa "$SECRET" "$D"; then failt "secret in the store files"; else pass "secret not in the store files"; fi
done_tests
