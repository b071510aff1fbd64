#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `workflowai review`: planted problems in a git diff fire their rules at the
# right file:line in every format, the secret never leaves, exit codes.
. "$(dirname "$0")/lib.sh" "$@"
SECRET=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789
cat >"$TMP/change.diff" <<DIFF
commit 5f3c0e1d2b7a9c4e8f6a1b2c3d4e5f60718293a4
Author: Jane Doe <jane@example.com>
Date:   Mon Nov 23 10:00:00 2026 +0000

    fetch users over https

diff --git a/src/net/http.c b/src/net/http.c
index 3b18e51..a9c2f04 100644
--- a/src/net/http.c
+++ b/src/net/http.c
@@ -40,6 +40,9 @@ static int fetch(const char *url)
     CURL *h = curl_easy_init();
     if (!h)
         return -1;
+    char buf[64];
+    strcpy(buf, url);
+    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
     curl_easy_setopt(h, CURLOPT_URL, url);
     int rc = curl_easy_perform(h);
     curl_easy_cleanup(h);
diff --git a/app/users.py b/app/users.py
new file mode 100644
index 0000000..5d1a7e2
--- /dev/null
+++ b/app/users.py
@@ -0,0 +1,8 @@
+import os
+import subprocess
+
+API_TOKEN = "$SECRET"
+
+def find(cur, name):
+    cur.execute("SELECT * FROM users WHERE name = '" + name + "'")
+    subprocess.run("grep " + name + " /etc/passwd", shell=True)
diff --git a/web/api.js b/web/api.js
index 0c1d2e3..4f5a6b7 100644
--- a/web/api.js
+++ b/web/api.js
@@ -12,3 +12,6 @@ export async function load(id) {
   const res = await fetch(url(id));
+  console.log(res);
+  // TODO: retry on 503
+  // cache.set(id, res);
   return res.json();
 }
diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
index 1a2b3c4..5d6e7f8 100644
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -20,3 +20,4 @@ jobs:
       - uses: actions/checkout@v4
+      - run: curl -sSk https://get.example.com/setup.sh | bash
       - run: make
       - run: make test
diff --git a/package-lock.json b/package-lock.json
index 2b3c4d5..6e7f8a9 100644
--- a/package-lock.json
+++ b/package-lock.json
@@ -1,4 +1,4 @@
 {
   "name": "web",
-  "version": "1.0.0",
+  "version": "1.0.1",
   "lockfileVersion": 3,
diff --git a/assets/logo.png b/assets/logo.png
new file mode 100644
index 0000000..e69de29
Binary files /dev/null and b/assets/logo.png differ
DIFF

expect "text report, errors fail" 3 "$BIN" review --diff "$TMP/change.diff"
cp "$TMP/out" "$TMP/text"
for want in \
  'src/net/http\.c:44:5: warning \[c-dangerous-call\]' \
  'src/net/http\.c:45:[0-9]+: error \[tls-verify-off\]' \
  'app/users\.py:4:[0-9]+: error \[secret\]' \
  'app/users\.py:7:[0-9]+: error \[sql-concat\]' \
  'app/users\.py:8:[0-9]+: error \[shell-injection\]' \
  'web/api\.js:13:3: note \[debug-print\]' \
  'web/api\.js:14:[0-9]+: note \[todo-added\]' \
  'web/api\.js:15:3: note \[commented-out-code\]' \
  '\.github/workflows/ci\.yml:21:[0-9]+: error \[tls-verify-off\]' \
  '\.github/workflows/ci\.yml:21: note \[ci-config-changed\]' \
  'package-lock\.json:3: warning \[lockfile-without-manifest\] package-lock\.json changed without package\.json' \
  'assets/logo\.png:1: warning \[binary-file\]' \
  'src/net/http\.c:43: warning \[tests-missing\]'; do
  has "text: $want" "$TMP/text" "^$want"
done
has "text: fix hints" "$TMP/text" '^    fix: '
has "text: summary" "$TMP/text" '^13 findings \(5 error, 4 warning, 4 note\) in 6 files$'
hasnt "text: no debug-print for the TODO line" "$TMP/text" 'web/api\.js:14:[0-9]+: note \[debug-print\]'

expect "stdin" 3 "$BIN" review --diff - <"$TMP/change.diff"
cmp -s "$TMP/out" "$TMP/text" && pass "stdin gives the same report" || failt "stdin differs"

expect "json" 3 "$BIN" review --diff "$TMP/change.diff" --format json
cp "$TMP/out" "$TMP/json"
has "json: finding" "$TMP/json" '\{"rule":"sql-concat","severity":"error","file":"app/users\.py","line":7,"column":[0-9]+,"message":"[^"]+","hint":"[^"]+"\}'
has "json: summary" "$TMP/json" '"summary":\{"error":5,"warning":4,"note":4\}'

expect "sarif" 3 "$BIN" review --diff "$TMP/change.diff" --format sarif
cp "$TMP/out" "$TMP/sarif"
has "sarif: version" "$TMP/sarif" '"version":"2\.1\.0"'
has "sarif: schema" "$TMP/sarif" '"\$schema":"https://[^"]*sarif-2\.1\.0[^"]*\.json"'
has "sarif: driver" "$TMP/sarif" '"runs":\[\{"tool":\{"driver":\{"name":"workflowai"'
has "sarif: rules" "$TMP/sarif" '"rules":\[\{"id":"secret"'
for id in c-dangerous-call sql-concat shell-injection tls-verify-off debug-print todo-added \
  commented-out-code large-file binary-file ci-config-changed tests-missing lockfile-without-manifest; do
  has "sarif: rule $id described" "$TMP/sarif" "\\{\"id\":\"$id\",\"shortDescription\":\\{\"text\":"
done
has "sarif: result" "$TMP/sarif" '\{"ruleId":"shell-injection","ruleIndex":[0-9]+,"level":"error","message":\{"text":"[^"]+"\},"locations":\[\{"physicalLocation":\{"artifactLocation":\{"uri":"app/users\.py"\},"region":\{"startLine":8'
has "sarif: warning level" "$TMP/sarif" '"ruleId":"binary-file","ruleIndex":[0-9]+,"level":"warning"'
has "sarif: note level" "$TMP/sarif" '"ruleId":"todo-added","ruleIndex":[0-9]+,"level":"note"'
[ "$(grep -o '"ruleId"' "$TMP/sarif" | wc -l)" -eq 13 ] && pass "sarif: 13 results" || failt "sarif: result count"

expect "rdjson" 3 "$BIN" review --diff "$TMP/change.diff" --format rdjson
cp "$TMP/out" "$TMP/rdjson"
has "rdjson: source" "$TMP/rdjson" '^\{"source":\{"name":"workflowai"'
has "rdjson: diagnostic" "$TMP/rdjson" '\{"message":"[^"]+","location":\{"path":"src/net/http\.c","range":\{"start":\{"line":44,"column":5\}\}\},"severity":"WARNING","code":\{"value":"c-dangerous-call"\}\}'
has "rdjson: error" "$TMP/rdjson" '"severity":"ERROR","code":\{"value":"secret"\}'
has "rdjson: info" "$TMP/rdjson" '"severity":"INFO","code":\{"value":"todo-added"\}'

if command -v python3 >/dev/null; then
  for f in json sarif rdjson; do
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/$f" && pass "$f parses as JSON" || failt "$f is not JSON"
  done
fi
for f in text json sarif rdjson err; do
  [ -f "$TMP/$f" ] || cp "$TMP/err" "$TMP/$f"
  hasnt "secret absent from $f" "$TMP/$f" 'ghp_aBcDeF|0123456789"'
done

# fail levels
expect "fail-level none" 0 "$BIN" review --diff "$TMP/change.diff" --fail-level none
has "none still reports" "$TMP/out" '\[secret\]'
cat >"$TMP/notes.diff" <<'DIFF'
diff --git a/web/api.js b/web/api.js
index 0c1d2e3..4f5a6b7 100644
--- a/web/api.js
+++ b/web/api.js
@@ -1,1 +1,2 @@
 export const a = 1;
+// TODO: b
diff --git a/web/api.test.js b/web/api.test.js
index 0c1d2e3..4f5a6b7 100644
--- a/web/api.test.js
+++ b/web/api.test.js
@@ -1,1 +1,2 @@
 test('a', () => {});
+test('b', () => {});
DIFF
expect "notes only: default passes" 0 "$BIN" review --diff "$TMP/notes.diff"
has "notes reported" "$TMP/out" 'web/api\.js:2:4: note \[todo-added\]'
expect "notes only: fail-level warning passes" 0 "$BIN" review --diff "$TMP/notes.diff" --fail-level warning
expect "notes only: fail-level note fails" 3 "$BIN" review --diff "$TMP/notes.diff" --fail-level note
expect "warning level catches warnings" 3 "$BIN" review --diff "$TMP/change.diff" --fail-level warning
printf '' >"$TMP/empty.diff"
expect "empty diff" 0 "$BIN" review --diff "$TMP/empty.diff"
has "empty: zero findings" "$TMP/out" '^0 findings'

# large files
{ printf 'diff --git a/gen/t.c b/gen/t.c\nnew file mode 100644\n--- /dev/null\n+++ b/gen/t.c\n@@ -0,0 +1,30 @@\n'
  for i in $(seq 30); do printf '+int v%d;\n' "$i"; done; } >"$TMP/big.diff"
expect "large file under default" 0 "$BIN" review --diff "$TMP/big.diff" --format json
hasnt "no large-file at 30 lines" "$TMP/out" 'large-file'
expect "large file over limit" 3 "$BIN" review --diff "$TMP/big.diff" --fail-level warning --max-file-lines 20
has "large-file fires" "$TMP/out" 'gen/t\.c:1: warning \[large-file\] 30 lines added to one file \(limit 20\)'

# errors
printf 'diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1,2 +1,2 @@\n+x\n' >"$TMP/bad.diff"
expect "malformed diff" 1 "$BIN" review --diff "$TMP/bad.diff"
has "parser message with line" "$TMP/err" 'review: .*bad\.diff:[0-9]+: '
expect "missing file" 1 "$BIN" review --diff "$TMP/nope.diff"
expect "no --diff" 2 "$BIN" review
expect "bad format" 2 "$BIN" review --diff "$TMP/change.diff" --format xml
expect "bad level" 2 "$BIN" review --diff "$TMP/change.diff" --fail-level fatal
expect "list rules" 0 "$BIN" review --list-rules
has "rules listed" "$TMP/out" '^lockfile-without-manifest +warning '
expect "help" 0 "$BIN" review --help
done_tests
