#!/bin/bash
# status_peers.sh: "silkport status" and "silkport peers" for people
# (durations such as "364 d 23 h", times as "2026-12-02T14:30:46Z (3 min
# ago)", no Prometheus label syntax), last-error with its time and cleared
# by a later success, and --json for scripts (numbers are numbers).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA || exit 1
ZZ="$F/members/CN-ZZ/node.ini"
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z \((now|[0-9]+ (d|h|min|s)( [0-9]+ (h|min|s))? ago)\)'

fsubmit "$F" CN-ZZ declaration CN-XA >/dev/null
wait_for 30 has_metric "$F" CN-ZZ '^silkport_outbox_depth\{peer="CN-XA"\} 0$' || true
# the own log's checkpoint is signed within a second of the record
wait_for 30 has_metric "$F" CN-ZZ '^silkport_log_size\{origin="CN-ZZ"\} 1$' || true

expect 0 "silkport status" -- "$SILKPORT" status --config "$ZZ"
cp "$WORK/out" "$WORK/status.txt"
grep -Eq '^  trust list +sequence 1, valid for [67] d( [0-9]+ h)?$' "$WORK/status.txt" &&
	ok "the trust list's time left reads as days and hours" || not_ok "status: $(cat "$WORK/status.txt")"
grep -q '[{}=]"' "$WORK/status.txt" && not_ok "Prometheus label syntax in status: $(grep '[{}]' "$WORK/status.txt")" ||
	ok "no Prometheus label syntax"
grep -Eq '^  peer CN-XA +up, outbox [0-9]+$' "$WORK/status.txt" && ok "peers read 'peer CN-XA up, outbox N'" ||
	not_ok "peer line: $(grep peer "$WORK/status.txt")"
grep -Eq '^  own log +size 1 ' "$WORK/status.txt" && ok "own log size 1" || not_ok "own log: $(grep 'own log' "$WORK/status.txt")"

expect 0 "silkport status --json" -- "$SILKPORT" status --config "$ZZ" --json
python3 - "$WORK/out" <<'EOF' && ok "status --json is one JSON object with numbers as numbers" || not_ok "status --json: $(cat "$WORK/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["node"] == "CN-ZZ" and d["health"] is True and d["ready"] is True, d
assert isinstance(d["trust_list_seconds_left"], int) and 6 * 86400 <= d["trust_list_seconds_left"] <= 7 * 86400, d
assert isinstance(d["trust_list_sequence"], int) and d["trust_list_sequence"] == 1, d
assert d["own_log_size"] == 1 and isinstance(d["records_submitted"], int), d
assert [p["peer"] for p in d["peers"]] == ["CN-XA"] and d["peers"][0]["up"] is True, d
EOF

expect 0 "silkport peers" -- "$SILKPORT" peers --config "$ZZ"
cp "$WORK/out" "$WORK/peers1.txt"
grep -A20 '^peer CN-XA' "$WORK/peers1.txt" | grep -Eq "^  last-success +$TS$" &&
	ok "last-success reads as a time and how long ago" || not_ok "peers: $(cat "$WORK/peers1.txt")"
grep -A20 '^peer CN-XA' "$WORK/peers1.txt" | grep -Eq "^  last-receipt +$TS$" && ok "so does last-receipt" || not_ok "last-receipt"
grep -q 'last-error' "$WORK/peers1.txt" && not_ok "a last-error while all went well" || ok "no last-error while all goes well"

# CN-XA down: a delivery fails, and peers says what and when.
stop_node CN-XA
fsubmit "$F" CN-ZZ declaration CN-XA >/dev/null
last_error_shown() {
	"$SILKPORT" peers --config "$ZZ" >"$WORK/peers2.txt" 2>&1 &&
		grep -A30 '^peer CN-XA' "$WORK/peers2.txt" | grep -Eq "^  last-error +.+, at $TS$"
}
wait_for 30 last_error_shown && ok "a failed delivery shows last-error with its time" ||
	not_ok "no last-error: $(cat "$WORK/peers2.txt")"
# the outbox counts are refreshed on the federation side's tick
outbox_counted() {
	"$SILKPORT" peers --config "$ZZ" --json >"$WORK/pj.json" 2>/dev/null &&
		python3 -c 'import json,sys; p=[p for p in json.load(open(sys.argv[1]))["peers"] if p["peer"]=="CN-XA"][0]; sys.exit(0 if p["outbox-depth"] >= 1 else 1)' "$WORK/pj.json"
}
wait_for 30 outbox_counted || true
expect 0 "silkport peers --json" -- "$SILKPORT" peers --config "$ZZ" --json
python3 - "$WORK/out" <<'EOF' && ok "peers --json: last-error and its time (Unix seconds)" || not_ok "peers --json: $(cat "$WORK/out")"
import json, sys, time
d = json.load(open(sys.argv[1]))
assert d["format"] == "silkport-peers/v1" and d["node"] == "CN-ZZ", d
p = [p for p in d["peers"] if p["peer"] == "CN-XA"][0]
assert p["connected"] is False and isinstance(p["last-error"], str) and p["last-error"], p
assert isinstance(p["last-error-time"], int) and abs(p["last-error-time"] - time.time()) < 120, p
assert isinstance(p["outbox-depth"], int) and p["outbox-depth"] >= 1, p
assert isinstance(p["lag-seconds"], (int, float)) and isinstance(p["catch-up"]["pulled"], int), p
assert isinstance(d["equivocation-alarms"], int), d
EOF

# CN-XA back: the delivery succeeds, and the old error is gone.
fstart "$F" CN-XA || exit 1
wait_for 60 has_metric "$F" CN-ZZ '^silkport_outbox_depth\{peer="CN-XA"\} 0$' && ok "the delivery goes through once CN-XA is back" ||
	not_ok "outbox to CN-XA not empty"
expect 0 "silkport peers after the success" -- "$SILKPORT" peers --config "$ZZ"
grep -A30 '^peer CN-XA' "$WORK/out" | grep -q 'last-error' && not_ok "last-error kept after a later success: $(cat "$WORK/out")" ||
	ok "last-error cleared by the later success"
expect 0 "silkport peers --json after the success" -- "$SILKPORT" peers --config "$ZZ" --json
python3 -c 'import json,sys; p=[p for p in json.load(open(sys.argv[1]))["peers"] if p["peer"]=="CN-XA"][0]; assert p["last-error"] is None and p["last-error-time"] is None, p' "$WORK/out" &&
	ok "and null in --json" || not_ok "peers --json: $(cat "$WORK/out")"
hcurl "$F" op:CN-ZZ CN-ZZ '/v1/peers?format=xml' >/dev/null
expect_status 400 "GET /v1/peers?format=xml: 400"

# An unchanged list is polled with its etag and answered 304: nothing moves
# and nothing is verified again (pull_interval is 2 s here).
wait_for 20 has_metric "$F" CN-ZZ '^silkport_requests_total\{endpoint="trust_list",status="304"\} [1-9]' &&
	ok "CN-XA's polls of the unchanged list get 304" ||
	not_ok "trust_list requests: $(grep 'endpoint="trust_list"' "$WORK/metrics.CN-ZZ" | tr '\n' ' ')"
grep -q 'endpoint="trust_list",status="200"' "$WORK/metrics.CN-ZZ" &&
	not_ok "a poll was answered with the whole list" || ok "and none with the whole list"
fed_stop_all CN-ZZ CN-XA
finish
