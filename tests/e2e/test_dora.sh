#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `workflowai dora` on a JSONL file of events (tests/e2e/cases/dora): every
# metric of 2026-W47 hand-computed, duplicates and shuffled lines give the
# same JSON, CSV and text output, week/day buckets, a year-end ISO week, the
# weekly report in Markdown and HTML, usage errors.
. "$(dirname "$0")/lib.sh" "$@"
EV="$SRC/tests/e2e/cases/dora/week47.jsonl"
W47=(--since 2026-11-16 --until 2026-11-23)

expect "json" 0 "$BIN" dora --events "$EV" "${W47[@]}" --format json
cp "$TMP/out" "$TMP/base.json"
# deploys 1, 3, 4, 6 (5 is staging; 0 is the week before); 2 failed; 3 shipped the
# incident's root cause: CFR (1 + 1) / 5; leads 4, 2, 4, 1 h -> median 3, p90 4;
# recovery 2 h; restore 3 h; deploy 4 came 2 h after the incident: rework 1/4
has "deployments" "$TMP/out" '"total":\{"deployments":4,"failed_deployments":1,"deployments_causing_incident":1,"changes":4,"incidents":1,"incidents_restored":1,"failed_recovered":1,"rework_deployments":1,'
has "frequency" "$TMP/out" '"deployment_frequency_per_day":0.571429,'
has "lead time" "$TMP/out" '"lead_time_median_h":3,"lead_time_p90_h":4,'
has "change failure rate" "$TMP/out" '"change_failure_rate":0.4,'
has "recovery and restore" "$TMP/out" '"failed_deployment_recovery_median_h":2,"time_to_restore_median_h":3,'
has "rework rate" "$TMP/out" '"rework_rate":0.25\}'
has "tiers" "$TMP/out" '"tiers":\{"deployment_frequency":"high","lead_time":"elite","change_failure_rate":"low","recovery_time":"high","overall":"low"\}'
has "one ISO week bucket" "$TMP/out" '"buckets":\[\{"label":"2026-W47","start_ms":1794787200000,"end_ms":1795392000000,'

# the same events three times over, in reverse order: the same numbers
{ tac "$EV"; cat "$EV"; tac "$EV"; } >"$TMP/dup.jsonl"
expect "duplicated and reversed" 0 "$BIN" dora --events "$TMP/dup.jsonl" "${W47[@]}" --format json
sed 's/"events":[0-9]*,"duplicates":[0-9]*,//' "$TMP/base.json" >"$TMP/a"
sed 's/"events":[0-9]*,"duplicates":[0-9]*,//' "$TMP/out" >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && pass "duplicates and order change nothing" || failt "duplicates or order changed the metrics"
has "duplicates counted" "$TMP/out" '"duplicates":28,'

expect "csv by day" 0 "$BIN" dora --events "$EV" "${W47[@]}" --bucket day --format csv
has "csv header" "$TMP/out" '^bucket,start_ms,end_ms,deployments,failed_deployments,changes,'
has "csv monday" "$TMP/out" '^2026-11-16,1794787200000,1794873600000,3,1,4,1,3,3,4,0.5,2,3,0.333333$'
has "csv wednesday" "$TMP/out" '^2026-11-18,1794960000000,1795046400000,1,0,0,0,1,,,0,,,0$'
[ "$(wc -l <"$TMP/out")" -eq 8 ] && pass "7 day rows" || failt "7 day rows"

expect "text" 0 "$BIN" dora --events "$EV" "${W47[@]}" --service acme/shop
has "text lead" "$TMP/out" 'lead time for changes: median 3.0 h, p90 4.0 h over 4 changes'
has "text tier" "$TMP/out" '^overall tier: low$'
expect "staging" 0 "$BIN" dora --events "$EV" "${W47[@]}" --env staging --format json
has "staging deploys" "$TMP/out" '"total":\{"deployments":1,"failed_deployments":0,'
expect "rework window 1 h" 0 "$BIN" dora --events "$EV" "${W47[@]}" --rework-window-h 1 --format json
has "no rework" "$TMP/out" '"rework_deployments":0,'

# 2026 has 53 ISO weeks: Dec 28 2026 .. Jan 3 2027 is 2026-W53, then 2027-W01
printf '%s\n' '{"kind":"deployment","repo":"r","name":"production","id":"a","status":"success","occurred_at":"2027-01-01T12:00:00Z"}' \
  '{"kind":"deployment","repo":"r","name":"production","id":"b","status":"success","occurred_at":"2027-01-03T23:30:00Z"}' >"$TMP/ye.jsonl"
expect "year end weeks" 0 "$BIN" dora --events "$TMP/ye.jsonl" --since 2026-12-21 --until 2027-01-11 --format csv
has "W53 holds both" "$TMP/out" '^2026-W53,[0-9]+,[0-9]+,2,'
has "2027-W01 follows" "$TMP/out" '^2027-W01,[0-9]+,[0-9]+,0,'
expect "year end at +01:00" 0 "$BIN" dora --events "$TMP/ye.jsonl" --since 2026-12-21 --until 2027-01-11 --format csv --tz +01:00
has "+01:00 moves Sunday 23:30 into W01" "$TMP/out" '^2027-W01,[0-9]+,[0-9]+,1,'

expect "report md" 0 "$BIN" dora report --week 2026-W47 --events "$EV" -o "$TMP/r.md"
has "md title" "$TMP/r.md" '^# DORA weekly report 2026-W47: all services$'
has "md sentence" "$TMP/r.md" 'Deployment frequency rose from 1 to 4 per week'
has "md lead because" "$TMP/r.md" 'Lead time median rose from 2 h to 3 h because 4 changes shipped in 4 deployments \(1.0 per deployment, 1.0 the week before\)'
has "md chart" "$TMP/r.md" '^!\[Deployments per week\]\(data:image/svg\+xml;base64,'
expect "report html" 0 "$BIN" dora report --week 2026-W47 --weeks 4 --format html --events "$EV"
has "html svg" "$TMP/out" '<svg xmlns="http://www.w3.org/2000/svg"'
[ "$(grep -o '<svg' "$TMP/out" | wc -l)" -eq 4 ] && pass "four charts" || failt "four charts"
if command -v python3 >/dev/null; then
  sed -n '/<html>/,$p' "$TMP/out" | python3 -c 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.read())' \
    && pass "html report is well-formed XML" || failt "html report is not well-formed"
fi

expect "bad week" 2 "$BIN" dora report --week 2025-W53 --events "$EV"
has "bad week message" "$TMP/err" 'ISO week'
expect "bad bucket" 2 "$BIN" dora --events "$EV" --bucket year
expect "bad tz" 2 "$BIN" dora --events "$EV" --tz Mars/Olympus_Mons
expect "tz path refused" 2 "$BIN" dora --events "$EV" --tz ../../etc/passwd
expect "named tz" 0 "$BIN" dora --events "$EV" --tz Europe/Paris --format json
expect "bad tier year" 2 "$BIN" dora --events "$EV" --tier-year 2019
printf '{"kind":"deployment","repo":5}\n' >"$TMP/bad.jsonl"
expect "bad line" 1 "$BIN" dora --events "$TMP/bad.jsonl"
has "bad line names the line and field" "$TMP/err" 'bad.jsonl:1: repo: expected a string'
expect "missing file" 1 "$BIN" dora --events "$TMP/nope.jsonl"
done_tests
