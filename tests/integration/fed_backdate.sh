#!/bin/bash
# fed_backdate.sh: a backdated Issued is refused against the witnessed log
# (SPEC [FED-61] 1, [FED-65]). Three nodes whose trust list names all three
# as witnesses with a quorum of 2 and a merge delay of 20 s. Once CN-XA has
# confirmed a record of CN-ZZ (so it holds a witnessed checkpoint of CN-ZZ,
# first cosigned at about now), a record signed with CN-ZZ's real key at a
# Sequence past that checkpoint, whose Issued claims a time more than the
# merge delay and the skew before it (still inside the signing
# certificate's validity), is refused with issued-out-of-bounds and not
# stored; one dated within the margin is taken (pending). After a restart
# of CN-XA the bound still holds before any witnessed round. On the way,
# checkpoint?covering= ([API-80]) over the real API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
MEMBERS="CN-ZZ CN-XA KZ-KGS:port-authority"
MERGE=20
SKEW=300 # the nodes' default clock_skew

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

log_state() {
	hcurl "$F" "op:$1" "$1" "/v1/records/$3?origin=$2" >/dev/null
	tr -d '\r' <"$WORK/headers" | sed -n 's/^silkport-log-state: //Ip'
}
state_is() { [ "$(log_state "$1" "$2" "$3")" = "$4" ]; }

# A witnessed checkpoint of CN-ZZ at CN-XA: an honest record confirmed.
t0=$(date +%s)
out=$(fsubmit "$F" CN-ZZ declaration CN-XA) || not_ok "submit"
ID=$(echo "$out" | cut -d' ' -f1)
wait_for $((MERGE + 10)) state_is CN-XA CN-ZZ "$ID" confirmed &&
	ok "CN-XA confirms CN-ZZ's record: it holds a witnessed checkpoint of CN-ZZ" ||
	not_ok "not confirmed: $(log_state CN-XA CN-ZZ "$ID")"

# [API-80]: the first cosigned checkpoint that contains a Sequence, as a
# late joiner asks for it ([FED-66]); same access rules as the latest.
hcurl "$F" KZ-KGS CN-XA "/v1/logs/CN-ZZ/checkpoint?covering=0" >"$WORK/cov.txt"
expect_status 200 "CN-XA serves checkpoint?covering=0 of CN-ZZ's log to a member"
csize=$(sed -n 2p "$WORK/cov.txt")
[ "${csize:-0}" -ge 1 ] && grep -q '^— silkport/silk/CN-ZZ ' "$WORK/cov.txt" &&
	grep -Eq '^— silkport/silk/(CN-XA|KZ-KGS) ' "$WORK/cov.txt" &&
	ok "a checkpoint of size $csize containing Sequence 0, with a witness's cosignature" ||
	not_ok "covering: $(cat "$WORK/cov.txt")"
hcurl "$F" KZ-KGS CN-XA "/v1/logs/CN-ZZ/checkpoint?covering=4000000" >/dev/null
expect_status 404 "none containing a Sequence beyond the log: 404"
hcurl "$F" KZ-KGS CN-XA "/v1/logs/CN-ZZ/checkpoint?covering=07" >/dev/null
expect_status 400 "a covering that is not a Sequence: 400"
hcurl "$F" none CN-XA "/v1/logs/CN-ZZ/checkpoint?covering=0" >/dev/null
expect_status 401 "another Origin's checkpoints stay for members (ACC-18)"

# signed SEQUENCE ISSUED-UNIX OUT: a declaration of CN-ZZ for CN-XA at
# SEQUENCE claiming Issued ISSUED-UNIX, signed with CN-ZZ's real key.
signed() {
	issued=$(date -u -d "@$2" +%Y-%m-%dT%H:%M:%SZ)
	"$SILKPORT" record new --origin CN-ZZ --sequence "$1" --type declaration --recipient CN-XA \
		--body "$SP_DATA_DIR/bodies/declaration.xml" |
		sed "s|<Issued>[^<]*</Issued>|<Issued>$issued</Issued>|" |
		"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" \
			--cert "$F/members/CN-ZZ/sign-cert.pem" >"$3"
	grep -q "<Issued>$issued</Issued>" "$3"
}
record_id() { sed -n 's/.*<RecordId>\([^<]*\)<\/RecordId>.*/\1/p' "$1" | head -1; }

# The witnesses' first cosignature of the checkpoint CN-XA holds is at
# least t0; a record signed more than the merge delay and the skew (and a
# margin of 200 s) before it, at a Sequence that checkpoint does not hold.
BACK=$((t0 - MERGE - SKEW - 200))
signed 50 "$BACK" "$WORK/back.xml" && ok "a record of CN-ZZ at Sequence 50 dated $((t0 - BACK)) s back, signed with its real key" ||
	not_ok "could not make the backdated record"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/back.xml" >/dev/null
expect_status 422 "CN-XA refuses it (422)"
expect_problem issued-out-of-bounds "as issued-out-of-bounds"
grep -q 'Issued.*before' "$WORK/body" && ok "the problem's detail says why" || not_ok "detail: $(head -c 400 "$WORK/body")"
BID=$(record_id "$WORK/back.xml")
hcurl "$F" op:CN-XA CN-XA "/v1/records/$BID?origin=CN-ZZ" >/dev/null
expect_status 404 "and does not store it"

# Within the margin: a record in flight while the checkpoint was cosigned.
signed 51 $((t0 - 30)) "$WORK/recent.xml" || not_ok "could not make the recent record"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/recent.xml" >/dev/null
expect_status 201 "a record dated 30 s back at Sequence 51 is taken"
state_is CN-XA CN-ZZ "$(record_id "$WORK/recent.xml")" pending && ok "pending, beyond the witnessed log" ||
	not_ok "state: $(log_state CN-XA CN-ZZ "$(record_id "$WORK/recent.xml")")"

# [FED-65]: the bound is kept; right after a restart (before any witnessed
# round) another backdated record is refused too.
stop_node CN-XA
fstart "$F" CN-XA || not_ok "restart"
signed 52 "$BACK" "$WORK/back2.xml" || not_ok "could not make the second backdated record"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/back2.xml" >/dev/null
expect_status 422 "after a restart, a backdated record is still refused at once"
expect_problem issued-out-of-bounds "as issued-out-of-bounds"

fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
