#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Format check and banned-call grep (curl's checksrc in miniature).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]')
fail=0
if ! clang-format --dry-run --Werror $files 2>/tmp/wf-lint.$$; then
  cat /tmp/wf-lint.$$ | head -40
  echo "lint: clang-format would change the files above (run 'make format')" >&2
  fail=1
fi
rm -f /tmp/wf-lint.$$
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' $files; then
  echo "lint: banned calls above (use bounded helpers: wf_buf_*, snprintf, wf_parse_long)" >&2
  fail=1
fi
# Core modules never talk to sockets or SQL directly (ARCHITECTURE.md).
if grep -nE '#include <(sys/socket|netinet/|sqlite3|libpq)' src/{util,text,logs,ml,triage,redact,risk,review,dora,search,embed,kb}/*.[ch] 2>/dev/null; then
  echo "lint: core modules must not include socket or SQL headers" >&2
  fail=1
fi
[ $fail -eq 0 ] && echo "lint: ok"
exit $fail
