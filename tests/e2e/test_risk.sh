#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `workflowai risk`: score a diff with and without a repository (text and
# JSON), mine a git history into the published CSV columns and get the same
# evaluation from the repository and from the mined CSV, train a model from
# the repository and score with it, bad input and usage exit codes.
. "$(dirname "$0")/lib.sh" "$@"
command -v git >/dev/null || { echo "git not installed (scripts/deps.sh test)"; exit 1; }
# the system interpreter starts in 0.1 s, a pyenv shim in 1 s
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
export HOME=$TMP GIT_CONFIG_NOSYSTEM=1
REPO=$TMP/repo
git init -q "$REPO"
git -C "$REPO" config user.email bob@example.com
git -C "$REPO" config user.name Bob
T0=1600000000
names=(Alice Bob Carol)
# 40 commits, one line each to one of four files; every fifth commit fixes
# the line the commit before it added ("fix #N"), so SZZ labels that one.
# One `git fast-import` writes them all (a git process per commit is slow).
declare -A body
{
  for i in $(seq 1 40); do
    n=${names[$((i % 3))]}
    if [ $((i % 5)) -eq 0 ]; then
      f=src/f$(((i - 1) % 4)).c
      body[$f]=$(printf '%s\n' "${body[$f]}" | sed "s/^v$((i - 1))\$/w$((i - 1))/")
      msg="fix #$i: wrong value"
    else
      f=src/f$((i % 4)).c
      body[$f]=$(printf '%s\nv%s' "${body[$f]:-}" "$i" | sed '/^$/d')
      msg="change $i"
    fi
    content=$(printf '%s\n' "${body[$f]}")
    email=${n,,}@example.com
    echo "commit refs/heads/main"
    echo "author $n <$email> $((T0 + i * 86400)) +0000"
    echo "committer $n <$email> $((T0 + i * 86400)) +0000"
    echo "data ${#msg}"
    echo "$msg"
    echo "M 100644 inline $f"
    echo "data $((${#content} + 1))"
    echo "$content"
    echo
  done
} | git -C "$REPO" fast-import --quiet
git -C "$REPO" symbolic-ref HEAD refs/heads/main
git -C "$REPO" checkout -q -f main

cat >"$TMP/change.diff" <<'DIFF'
diff --git a/src/f1.c b/src/f1.c
index 3b18e51..a9c2f04 100644
--- a/src/f1.c
+++ b/src/f1.c
@@ -1,2 +1,4 @@
 v1
+x1
+x2
 v5
diff --git a/web/yarn.lock b/web/yarn.lock
index 1a2b3c4..5d6e7f8 100644
--- a/web/yarn.lock
+++ b/web/yarn.lock
@@ -1 +1 @@
-a
+b
diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
index 1a2b3c4..5d6e7f8 100644
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -20 +20,2 @@ jobs:
       - uses: actions/checkout@v4
+      - run: make
DIFF

expect "diff without repo" 0 "$BIN" risk --diff "$TMP/change.diff"
has "score line" "$TMP/out" '^risk score: [0-9]+/100 \(probability 0\.[0-9]+\)$'
has "says history unknown" "$TMP/out" 'history unknown \(no --repo\)'
has "tests recommendation" "$TMP/out" 'Add tests: .*src/f1\.c'
has "ci recommendation" "$TMP/out" 'CI configuration change \(\.github/workflows/ci\.yml\)'
has "lockfile recommendation" "$TMP/out" 'web/yarn\.lock changed without package\.json'

expect "diff json without repo" 0 "$BIN" risk --diff "$TMP/change.diff" --format json
cp "$TMP/out" "$TMP/norepo.json"
if "$PY" - "$TMP/norepo.json" <<'PY'; then pass "json fields without repo"; else failt "json fields without repo"; fi
import json, sys
j = json.load(open(sys.argv[1]))
assert 0 <= j["score"] <= 100 and j["history"] is False
assert j["metrics"]["nf"] == 3 and j["metrics"]["la"] == 4 and j["metrics"]["ld"] == 1
assert j["flags"] == {"ci": True, "migration": False, "auth": False, "lockfile_without_manifest": True}
assert j["factors"] and all({"feature", "metric", "value", "contribution", "text"} <= f.keys() for f in j["factors"])
c = [abs(f["contribution"]) for f in j["factors"]]
assert c == sorted(c, reverse=True)
assert not {"lt", "ndev", "age", "nuc", "exp", "rexp", "sexp"} & {f["metric"] for f in j["factors"]}
assert j["owners"] == [] and j["notes"] and j["recommendations"]
assert j["tests"] == {"test_lines_added": 0, "code_lines_added": 2, "test_to_code_ratio": 0}
PY

expect "diff json with repo" 0 "$BIN" risk --diff "$TMP/change.diff" --repo "$REPO" --format json --date $((T0 + 50 * 86400))
cp "$TMP/out" "$TMP/repo.json"
if "$PY" - "$TMP/repo.json" <<'PY'; then pass "json fields with repo"; else failt "json fields with repo"; fi
import json, sys
j = json.load(open(sys.argv[1]))
m = j["metrics"]
assert j["history"] is True and j["notes"] == []
# src/f1.c holds v1 v9 v13 v17 v21 v29 v33 v37 (5 and 25 were fixes)
assert m["lt"] == 8, m["lt"]
assert m["exp"] == 14, m["exp"]  # Bob (user.email): commits 1, 4, 7, ..., 37, 40
assert m["ndev"] == 3 and m["age"] == 13  # last change of src/f1.c: commit 37
names = [o["name"] for o in j["owners"]]
assert names and set(names) <= {"Alice", "Bob", "Carol"}, names
assert any("Ask an owner" in r for r in j["recommendations"])
assert "@" not in open(sys.argv[1]).read()
PY

# a format-patch header names the author and the message (fix)
{ printf 'From 1234 Mon Sep 17 00:00:00 2001\nFrom: Carol <carol@example.com>\n'
  printf 'Subject: [PATCH] fix #3: crash\n\n---\n'; cat "$TMP/change.diff"; } >"$TMP/change.patch"
expect "patch with header" 0 "$BIN" risk --diff "$TMP/change.patch" --repo "$REPO" --format json
has "fix from the subject" "$TMP/out" '"fix":1,'
has "experience of the From: author" "$TMP/out" '"exp":13,'

expect "mine" 0 "$BIN" risk mine --repo "$REPO" -o "$TMP/mined.csv"
has "mined header" "$TMP/mined.csv" '^,_id,date,bug,__,ns,nd,nf,entrophy,la,ld,lt,fix,ndev,age,nuc,exp,rexp,sexp$'
rows=$(($(wc -l <"$TMP/mined.csv") - 1))
[ "$rows" -eq 40 ] && pass "40 mined rows" || failt "40 mined rows (got $rows)"
bugs=$(awk -F, 'NR > 1 && $4 == 1' "$TMP/mined.csv" | wc -l)
[ "$bugs" -eq 8 ] && pass "8 SZZ labels" || failt "8 SZZ labels (got $bugs)"
awk -F, 'NR > 1 && $4 == 1 { print $3 }' "$TMP/mined.csv" >"$TMP/bugdates"
want=$(for i in 4 9 14 19 24 29 34 39; do echo $((T0 + i * 86400)); done)
[ "$(cat "$TMP/bugdates")" = "$want" ] && pass "labels on the commits before the fixes" \
  || failt "labels on the commits before the fixes"

expect "eval --repo" 0 "$BIN" risk eval --repo "$REPO"
cp "$TMP/out" "$TMP/eval-repo"
has "AUC first" "$TMP/eval-repo" '^AUC=[0-9.]+$'
[ "$(head -1 "$TMP/eval-repo" | cut -c1-4)" = "AUC=" ] && pass "AUC on line 1" || failt "AUC on line 1"
expect "eval mined csv" 0 "$BIN" risk eval --metrics "$TMP/mined.csv"
cmp -s "$TMP/out" "$TMP/eval-repo" && pass "same evaluation from repo and CSV" \
  || failt "same evaluation from repo and CSV"

expect "train --repo" 0 "$BIN" risk train --repo "$REPO" -o "$TMP/repo.model"
expect "diff with trained model" 0 "$BIN" risk --diff "$TMP/change.diff" --model "$TMP/repo.model"
has "score with model" "$TMP/out" '^risk score: [0-9]+/100'

printf 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n*oops\n' >"$TMP/bad.diff"
expect "bad diff" 1 "$BIN" risk --diff "$TMP/bad.diff"
has "bad diff line" "$TMP/err" 'bad\.diff:7: '
expect "missing diff" 1 "$BIN" risk --diff "$TMP/nope.diff"
expect "not a repo" 1 "$BIN" risk --diff "$TMP/change.diff" --repo "$TMP/nope"
expect "bad format" 2 "$BIN" risk --diff "$TMP/change.diff" --format xml
expect "no source" 2 "$BIN" risk eval
expect "both sources" 2 "$BIN" risk eval --metrics x.csv --repo "$REPO"
expect "mine without repo" 2 "$BIN" risk mine
done_tests
