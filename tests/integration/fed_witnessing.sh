#!/bin/bash
# fed_witnessing.sh: nothing counts until it is in a witnessed log (SPEC
# [LOG-46], [FED-55], [API-71]). Three nodes whose trust list names all
# three as witnesses with a quorum of 2 and a merge delay of 20 s (the
# unit test fed_quorum_test checks the timing on a fake clock): a record
# delivered normally is pending, then confirmed within the merge delay
# (GET says silkport-log-state, search says LogState); a record signed
# with the origin's real key at Sequence 2^62, beyond anything its
# witnessed log holds, is received (receipted pending) but never confirmed,
# is alarmed at the receiver once the merge delay has passed (log, metric,
# silkport peers), and so never supersedes the record it names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
MEMBERS="CN-ZZ CN-XA KZ-KGS:port-authority"
MERGE=20
FORWARD=4611686018427387904 # 2^62

# The federation with its witnesses; the nodes start from the updated list.
started=0
for _ in 1 2 3 4 5; do
	# shellcheck disable=SC2086
	fed_init "$F" $MEMBERS
	"$SILKPORT" trust-list update --key "$F/operator/key.pem" --cert "$F/operator/cert.pem" \
		--witness CN-ZZ --witness CN-XA --witness KZ-KGS --quorum 2 --merge-delay $MERGE \
		"$F/trust-list.xml" >"$WORK/tl2.xml" && mv "$WORK/tl2.xml" "$F/trust-list.xml"
	up=""
	for m in CN-ZZ CN-XA KZ-KGS; do
		if fstart "$F" $m 2>"$WORK/fstart.err"; then up="$up $m"; continue; fi
		break
	done
	if [ "$up" = " CN-ZZ CN-XA KZ-KGS" ]; then started=1; break; fi
	# shellcheck disable=SC2086
	for u in $up; do stop_node "$u"; done
	rm -rf "$F" "$WORK"/*.log
done
[ $started = 1 ] && ok "three nodes with witnesses CN-ZZ, CN-XA, KZ-KGS and a quorum of 2" || { not_ok "start"; finish; }
"$SILKPORT" trust-list show "$F/trust-list.xml" >"$WORK/show.txt"
grep -q '^quorum: *2$' "$WORK/show.txt" && grep -q "^merge-delay: *$MERGE$" "$WORK/show.txt" &&
	ok "trust-list show names the quorum and the merge delay" || not_ok "show: $(cat "$WORK/show.txt")"

# log_state AT ORIGIN ID: the silkport-log-state header of GET /v1/records/ID at AT.
log_state() {
	hcurl "$F" "op:$1" "$1" "/v1/records/$3?origin=$2" >/dev/null
	tr -d '\r' <"$WORK/headers" | sed -n 's/^silkport-log-state: //Ip'
}
state_is() { [ "$(log_state "$1" "$2" "$3")" = "$4" ]; }

# (1) Normal traffic: confirmed within the merge delay.
t0=$(date +%s)
out=$(fsubmit "$F" CN-ZZ declaration CN-XA) || not_ok "submit"
ID=$(echo "$out" | cut -d' ' -f1)
wait_for 10 held_count_is "$F" CN-XA CN-ZZ 1 && ok "CN-XA holds CN-ZZ's record" || not_ok "not delivered"
st=$(log_state CN-XA CN-ZZ "$ID")
case $st in pending | confirmed) ok "GET /v1/records carries silkport-log-state ($st)" ;; *) not_ok "log state '$st'" ;; esac
if wait_for $MERGE state_is CN-XA CN-ZZ "$ID" confirmed; then
	ok "the record is confirmed within the merge delay ($(($(date +%s) - t0)) s of $MERGE)"
else
	not_ok "not confirmed within $MERGE s: $(log_state CN-XA CN-ZZ "$ID"); $(grep -E 'quorum|checkpoint' "$WORK/CN-XA.log" | tail -5)"
fi
state_is CN-ZZ CN-ZZ "$ID" confirmed && ok "the origin's own record is confirmed at the origin" || not_ok "own: $(log_state CN-ZZ CN-ZZ "$ID")"
# [LOG-48], [API-78]: the confirmed record's existence bound, a Time from
# the witnesses' cosignatures: not before the submission, not after now.
log_state CN-XA CN-ZZ "$ID" >/dev/null
eb=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^silkport-exists-by: //Ip')
ebs=$(date -u -d "$eb" +%s 2>/dev/null || echo 0)
[ "$ebs" -ge $((t0 - 1)) ] && [ "$ebs" -le $(($(date +%s) + 1)) ] &&
	ok "GET /v1/records carries silkport-exists-by ($eb)" || not_ok "silkport-exists-by '$eb' (submitted at $t0)"
hcurl "$F" op:CN-XA CN-XA "/v1/search?origin=CN-ZZ" >"$WORK/s1.xml"
grep -q "<LogState>confirmed</LogState>" "$WORK/s1.xml" && ok "search matches carry LogState" || not_ok "search: $(cat "$WORK/s1.xml")"
grep -q "<ExistsBy>$eb</ExistsBy>" "$WORK/s1.xml" && ok "search matches carry ExistsBy" || not_ok "search: $(cat "$WORK/s1.xml")"
"$SILKPORT" peers --config "$F/members/CN-XA/node.ini" >"$WORK/peers1.txt"
grep -A30 '^peer CN-ZZ' "$WORK/peers1.txt" | grep -Eq '^  witnessed +size [1-9][0-9]*, [2-9] cosigner' &&
	ok "silkport peers shows CN-ZZ's witnessed checkpoint and its cosigners" || not_ok "peers: $(grep -A30 '^peer CN-ZZ' "$WORK/peers1.txt")"

# (2) A forward-dated record, signed with CN-ZZ's real key, superseding the
# record above, pushed to CN-XA as CN-ZZ would.
"$SILKPORT" record new --origin CN-ZZ --sequence $FORWARD --type release --recipient CN-XA \
	--supersedes "$ID" --body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem" >"$WORK/forward.xml"
FID=$(sed -n 's/.*<RecordId>\([^<]*\)<\/RecordId>.*/\1/p' "$WORK/forward.xml" | head -1)
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/forward.xml" >/dev/null
expect_status 201 "CN-XA receipts the forward-dated record (receipts say nothing of its effect)"
state_is CN-XA CN-ZZ "$FID" pending && ok "it is pending" || not_ok "state: $(log_state CN-XA CN-ZZ "$FID")"
out=$(fsubmit "$F" CN-ZZ declaration CN-XA) || not_ok "submit"
ID2=$(echo "$out" | cut -d' ' -f1)
wait_for $((MERGE + 5)) state_is CN-XA CN-ZZ "$ID2" confirmed && ok "honest traffic after it is still confirmed" ||
	not_ok "second record: $(log_state CN-XA CN-ZZ "$ID2")"
wait_for $((MERGE + 10)) grep -q "event=record_unconfirmed origin=CN-ZZ sequence=$FORWARD" "$WORK/CN-XA.log" &&
	ok "CN-XA alarms once the merge delay has passed" || not_ok "no record_unconfirmed alarm"
grep "event=record_unconfirmed" "$WORK/CN-XA.log" | grep -vq "sequence=$FORWARD" &&
	not_ok "an honest record was alarmed: $(grep record_unconfirmed "$WORK/CN-XA.log")" || ok "and only for it"
has_metric "$F" CN-XA '^silkport_unconfirmed_alarms_total 1$' && ok "silkport_unconfirmed_alarms_total 1" ||
	not_ok "metric: $(grep unconfirmed "$WORK/metrics.CN-XA")"
has_metric "$F" CN-XA '^silkport_records_unconfirmed_overdue\{origin="CN-ZZ"\} 1$' && ok "silkport_records_unconfirmed_overdue counts it" ||
	not_ok "metric: $(grep unconfirmed "$WORK/metrics.CN-XA")"
"$SILKPORT" peers --config "$F/members/CN-XA/node.ini" >"$WORK/peers2.txt"
grep -A30 '^peer CN-ZZ' "$WORK/peers2.txt" | grep -Eq '^  confirmation +1 pending, 1 past the merge delay' &&
	ok "silkport peers shows it past the merge delay" || not_ok "peers: $(grep -A30 '^peer CN-ZZ' "$WORK/peers2.txt")"
grep -A30 '^peer CN-ZZ' "$WORK/peers2.txt" | grep -q 'origin-alarm.*unconfirmed' &&
	ok "with the alarm" || not_ok "peers: $(grep -A30 '^peer CN-ZZ' "$WORK/peers2.txt")"
"$SILKPORT" status --config "$F/members/CN-XA/node.ini" >"$WORK/status.txt"
grep -Eq '^  unconfirmed +1 past the merge delay now, 1 alarmed$' "$WORK/status.txt" &&
	ok "silkport status counts it" || not_ok "status: $(cat "$WORK/status.txt")"
sleep 3
state_is CN-XA CN-ZZ "$FID" pending && ok "it stays pending" || not_ok "state: $(log_state CN-XA CN-ZZ "$FID")"
# REC-19 with [FED-55]: a reader takes only confirmed records as current,
# so the superseded record stays the current statement.
hcurl "$F" op:CN-XA CN-XA "/v1/search?origin=CN-ZZ&type=release" >"$WORK/s2.xml"
grep -q "<RecordId>$FID</RecordId>" "$WORK/s2.xml" && grep -q "<LogState>pending</LogState>" "$WORK/s2.xml" &&
	ok "search shows the superseding record as pending (it supersedes nothing)" || not_ok "search: $(cat "$WORK/s2.xml")"

# (3) The state is durable: after a restart of CN-XA the confirmed records
# stay confirmed, the forward-dated one is still pending, is proven again
# and alarmed again once the merge delay has passed since the start.
stop_node CN-XA
fstart "$F" CN-XA || not_ok "restart"
state_is CN-XA CN-ZZ "$ID" confirmed && state_is CN-XA CN-ZZ "$ID2" confirmed &&
	ok "after a restart, the confirmed records are still confirmed" || not_ok "states: $(log_state CN-XA CN-ZZ "$ID") $(log_state CN-XA CN-ZZ "$ID2")"
state_is CN-XA CN-ZZ "$FID" pending && ok "and the forward-dated one still pending" || not_ok "state: $(log_state CN-XA CN-ZZ "$FID")"
wait_for $((MERGE + 10)) has_metric "$F" CN-XA '^silkport_records_unconfirmed_overdue\{origin="CN-ZZ"\} 1$' &&
	ok "it is listed from the store again and alarmed after the merge delay" || not_ok "metric: $(grep unconfirmed "$WORK/metrics.CN-XA")"

fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
