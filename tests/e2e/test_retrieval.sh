#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `workflowai eval retrieval` on the in-repo labelled set (data/kb-eval):
# quality floors a broken ranker would fail, and usage/input errors.
. "$(dirname "$0")/lib.sh" "$@"

DOCS="$SRC/data/kb-eval/docs"
QUERIES="$SRC/data/kb-eval/queries.jsonl"

expect "eval retrieval --help" 0 "$BIN" eval retrieval --help
has "help shows usage" "$TMP/out" "^usage: workflowai eval retrieval"
expect "eval retrieval text" 0 "$BIN" eval retrieval --docs "$DOCS" --queries "$QUERIES"
for m in keyword semantic hybrid-rrf hybrid-weighted; do has "text lists $m" "$TMP/out" "^$m "; done
expect "eval retrieval json" 0 "$BIN" eval retrieval --docs "$DOCS" --queries "$QUERIES" --format json
cp "$TMP/out" "$TMP/metrics.json"
# Floors, measured 2026-11-23 (docs/BENCHMARKS.md): keyword Recall@5 0.81,
# nDCG@10 0.69; semantic (builtin) 0.68 / 0.55; hybrid within 0.05 of the
# better one. A ranker that ignored the query would score about 5/424 per
# label; one that lost stemming or code tokens falls well below these.
if python3 - "$TMP/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
modes = m["modes"]
assert m["docs"] == 11 and m["queries"] >= 60, m
k, s = modes["keyword"], modes["semantic"]
checks = [
    ("keyword recall@5 >= 0.70", k["recall@5"] >= 0.70),
    ("keyword ndcg@10 >= 0.55", k["ndcg@10"] >= 0.55),
    ("keyword mrr >= 0.50", k["mrr"] >= 0.50),
    ("semantic recall@5 >= 0.55", s["recall@5"] >= 0.55),
    ("semantic ndcg@10 >= 0.45", s["ndcg@10"] >= 0.45),
]
for h in ("hybrid-rrf", "hybrid-weighted"):
    floor = min(k["ndcg@10"], s["ndcg@10"]) - 0.05
    checks.append((h + " ndcg@10 >= min(keyword, semantic) - 0.05", modes[h]["ndcg@10"] >= floor))
    checks.append((h + " recall@5 >= 0.65", modes[h]["recall@5"] >= 0.65))
bad = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
print(json.dumps(modes))
sys.exit(1 if bad else 0)
PY
then pass "quality floors"; else failt "quality floors"; fi

# a smaller embedding dimension still runs and is recorded in the model id
expect "eval retrieval --dim 64" 0 "$BIN" eval retrieval --docs "$DOCS" --queries "$QUERIES" --dim 64 --format json
has "model id names the dimension" "$TMP/out" '"embed":"builtin:hash-ngram-v2/64"'

# errors
expect "missing --docs" 2 "$BIN" eval retrieval --queries "$QUERIES"
expect "bad --top-k" 2 "$BIN" eval retrieval --docs "$DOCS" --queries "$QUERIES" --top-k 3
expect "bad --embed" 2 "$BIN" eval retrieval --docs "$DOCS" --queries "$QUERIES" --embed magic
expect "openai without url" 2 "$BIN" eval retrieval --docs "$DOCS" --queries "$QUERIES" --embed openai
printf '{"id":"a","query":"x"}\n' >"$TMP/bad.jsonl"
expect "query without labels" 1 "$BIN" eval retrieval --docs "$DOCS" --queries "$TMP/bad.jsonl"
has "names the line" "$TMP/err" "bad.jsonl:1"
printf '{"id":"a","query":"x","relevant":[{"doc":"d.md","line":1}]}\n' >"$TMP/ok.jsonl"
mkdir "$TMP/empty"
expect "no documents" 1 "$BIN" eval retrieval --docs "$TMP/empty" --queries "$TMP/ok.jsonl"
expect "missing docs dir" 1 "$BIN" eval retrieval --docs "$TMP/nope" --queries "$TMP/ok.jsonl"
printf 'not a pdf' >"$TMP/empty/broken.pdf"
expect "broken pdf is named" 1 "$BIN" eval retrieval --docs "$TMP/empty" --queries "$TMP/ok.jsonl"
has "pdf error from the parser" "$TMP/err" "broken.pdf: pdf: not a PDF"

# secrets are redacted before indexing: the key's own characters match nothing
mkdir "$TMP/sec"
printf '# Deploy\n\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' >"$TMP/sec/x.md"
printf '{"id":"s","query":"wJalrXUtnFEMI K7MDENG bPxRfiCYEXAMPLEKEY","relevant":[{"doc":"x.md","line":3}]}\n' >"$TMP/sec/q.jsonl"
printf '{"id":"d","query":"deploy","relevant":[{"doc":"x.md","line":3}]}\n' >>"$TMP/sec/q.jsonl"
expect "secret document" 0 "$BIN" eval retrieval --docs "$TMP/sec" --queries "$TMP/sec/q.jsonl" --format json
has "the secret is not a keyword, the heading is" "$TMP/out" '"keyword":\{"ndcg@10":0\.5000,"recall@5":0\.5000'

done_tests
