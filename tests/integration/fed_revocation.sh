#!/bin/bash
# fed_revocation.sh: a newer trust list revoking a member reaches one node
# (reload), spreads to the others through GET /v1/trust-lists, is persisted
# and served, and from then on the revoked member is cut off: its requests
# and records are refused, the client to it is dropped, deliveries to it
# abandoned. Then the revocation is permanent ([TL-39]): a higher-sequence
# list that shows KZ-KGS active again is refused with an alarm, by reload,
# from a peer and at restart, and every node keeps the list that revoked it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA KZ-KGS:port-authority CN-HZ || exit 1
# CN-HZ is away while KZ-KGS is revoked: it never learns of it.
stop_node CN-HZ

fsubmit "$F" KZ-KGS declaration broadcast >/dev/null
wait_for 20 held_count_is "$F" CN-XA KZ-KGS 1 && ok "CN-XA receives KZ-KGS's record while it is active" || not_ok "no record from KZ-KGS"
hcurl "$F" KZ-KGS CN-XA "/v1/logs/KZ-KGS/entries?start=0" >/dev/null; expect_status 200 "KZ-KGS may read from CN-XA"

# The operator revokes KZ-KGS; only CN-ZZ is told (reload).
expect 0 "trust-list update revokes KZ-KGS" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status KZ-KGS=revoked "$F/trust-list.xml"
cp "$WORK/out" "$WORK/tl2.xml"
cp "$WORK/tl2.xml" "$F/trust-list.xml"
kill -HUP "$PID_CN_ZZ"
wait_for 10 grep -q 'event=trust_list_installed federation=silk sequence=2 source=file' "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ installs sequence 2 on reload" || not_ok "CN-ZZ did not reload the list"
# From a peer, not from its file: CN-ZZ, or KZ-KGS if it polled CN-ZZ
# first (the list spreads through whoever holds it, FED-17).
wait_for 20 grep -Eq 'event=trust_list_installed federation=silk sequence=2 source=(CN-ZZ|KZ-KGS) ' "$WORK/CN-XA.log" &&
	ok "CN-XA learns it from a peer" || not_ok "CN-XA did not pick up the list: $(grep trust_list "$WORK/CN-XA.log" | tail -3)"
hcurl "$F" none CN-XA /v1/trust-lists/silk >"$WORK/served.xml"
cmp -s "$WORK/served.xml" "$WORK/tl2.xml" && ok "and serves the new list's exact bytes" || not_ok "CN-XA serves another list"
has_metric "$F" CN-XA '^silkport_trust_list_sequence 2$' && ok "its metrics show sequence 2" || not_ok "trust list metric"

# The revoked member is cut off.
hcurl "$F" KZ-KGS CN-XA "/v1/logs/KZ-KGS/entries?start=0" >/dev/null; expect_status 403 "KZ-KGS's next request to CN-XA: 403"
expect_problem forbidden "as forbidden"
"$SILKPORT" record new --origin KZ-KGS --sequence 7 --type release --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$F/members/KZ-KGS/sign-key.pem" --cert "$F/members/KZ-KGS/sign-cert.pem" >"$WORK/kgs.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/kgs.xml" >/dev/null
expect_status 422 "a record signed by the revoked member is refused"; expect_problem signer-revoked "as signer-revoked"
wait_for 10 grep -q 'event=peer_dropped peer=KZ-KGS status=revoked' "$WORK/CN-XA.log" && ok "CN-XA dropped its client to KZ-KGS" || not_ok "no peer_dropped"
expect 0 "silkport peers on CN-XA" -- "$SILKPORT" peers --config "$F/members/CN-XA/node.ini"
grep -A3 '^peer KZ-KGS' "$WORK/out" | grep -q 'status *revoked' && grep -A3 '^peer KZ-KGS' "$WORK/out" | grep -q 'connected *no' &&
	ok "silkport peers shows KZ-KGS revoked and not connected" || not_ok "peers: $(grep -A3 '^peer KZ-KGS' "$WORK/out")"

# Deliveries to the revoked member are abandoned and recorded, not retried.
wait_for 20 grep -q 'event=trust_list_installed federation=silk sequence=2' "$WORK/KZ-KGS.log" || true
fsubmit "$F" CN-XA declaration broadcast >/dev/null
wait_for 20 held_count_is "$F" CN-ZZ CN-XA 1 && ok "active members still get CN-XA's broadcast" || not_ok "CN-ZZ did not get it"
# A broadcast skips the revoked member; a record addressed to it is queued,
# then abandoned.
fsubmit "$F" CN-XA release KZ-KGS >/dev/null && ok "a record addressed to the revoked member is still logged" || not_ok "submit to KZ-KGS"
wait_for 20 has_metric "$F" CN-XA '^silkport_outbox_failed\{peer="KZ-KGS"\} 1$' && ok "the delivery to KZ-KGS is abandoned and kept" ||
	not_ok "outbox: $(grep -E 'outbox_(depth|failed)' "$WORK/metrics.CN-XA" | tr '\n' ' ')"
grep -q 'silkport_outbox_depth{peer="KZ-KGS"} 0' "$WORK/metrics.CN-XA" && ok "and not left pending" || not_ok "still pending"
held "$F" KZ-KGS CN-XA | grep -q . && not_ok "the revoked member got a record" || ok "the revoked member got nothing"

# ---- [TL-39]: the operator's key signs sequence 3 with KZ-KGS active again.
# "trust-list update" refuses to do it; the node must not rely on the
# operator's tool (a misused key signs whatever it is given).
expect 1 "trust-list update refuses to reinstate KZ-KGS" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status KZ-KGS=active "$WORK/tl2.xml"
# (a successor that names sequence 2 as its PreviousList, TL-75)
sed -e '/<ds:Signature/,/<\/ds:Signature>/d' -e 's#<Sequence>2</Sequence>#<Sequence>3</Sequence>#' \
	-e "s#<PreviousList>[0-9a-f]*</PreviousList>#<PreviousList>$(sha256sum "$WORK/tl2.xml" | cut -c1-64)</PreviousList>#" \
	-e 's#<Status>revoked</Status>#<Status>active</Status>#' "$WORK/tl2.xml" |
	"$SILKPORT" trust-list sign --key "$F/operator/key.pem" --cert "$F/operator/cert.pem" >"$WORK/tl3.xml"
expect 0 "the operator's key signs sequence 3 with KZ-KGS active" -- "$SILKPORT" trust-list verify --anchor "$F/operator/cert.pem" "$WORK/tl3.xml"
cp "$WORK/tl3.xml" "$F/trust-list.xml"
alarm3() { grep -q "level=error event=revocation_reversed_alarm federation=silk sequence=3 node=KZ-KGS kind=member subject=KZ-KGS revoked_by_sequence=2 source=$2" "$WORK/$1.log"; }
# by reload of the file
kill -HUP "$PID_CN_ZZ"
wait_for 10 alarm3 CN-ZZ "[^ ]*/trust-list.xml" && ok "CN-ZZ refuses the reinstating list on reload, with an alarm" ||
	not_ok "no alarm at CN-ZZ: $(grep -E 'revocation|trust_list' "$WORK/CN-ZZ.log" | tail -3)"
grep -q 'event=trust_list_installed federation=silk sequence=3' "$WORK/CN-ZZ.log" && not_ok "CN-ZZ installed sequence 3" ||
	ok "and does not install it"
has_metric "$F" CN-ZZ '^silkport_trust_list_sequence 2$' && ok "CN-ZZ stays on sequence 2" || not_ok "CN-ZZ's sequence: $(grep trust_list_sequence "$WORK/metrics.CN-ZZ")"
# from a peer: CN-HZ, back without ever seeing sequence 2, starts on 3 and
# serves it; CN-XA pulls it from CN-HZ.
fstart "$F" CN-HZ || exit 1
wait_for 10 bash -c "grep -q 'event=started .*trust_list=3' '$WORK/CN-HZ.log'" && ok "CN-HZ (which never saw the revocation) runs on 3" ||
	not_ok "CN-HZ: $(grep -E 'started|trust_list' "$WORK/CN-HZ.log" | tail -2)"
wait_for 20 alarm3 CN-XA CN-HZ && ok "CN-XA refuses it from its peer CN-HZ, with an alarm" ||
	not_ok "no alarm at CN-XA: $(grep -E 'revocation|trust_list' "$WORK/CN-XA.log" | tail -3)"
hcurl "$F" none CN-XA /v1/trust-lists/silk >"$WORK/served.xml"
cmp -s "$WORK/served.xml" "$WORK/tl2.xml" && ok "CN-XA still serves sequence 2" || not_ok "CN-XA serves another list"
[ "$(grep -c 'event=revocation_reversed_alarm' "$WORK/CN-XA.log")" = 1 ] && ok "one alarm, not one per poll" ||
	not_ok "alarms at CN-XA: $(grep -c 'event=revocation_reversed_alarm' "$WORK/CN-XA.log")"
# KZ-KGS stays cut off.
hcurl "$F" KZ-KGS CN-XA "/v1/logs/KZ-KGS/entries?start=0" >/dev/null; expect_status 403 "KZ-KGS is still refused by CN-XA"
hcurl "$F" CN-HZ CN-ZZ /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/kgs.xml" >/dev/null
expect_status 422 "CN-ZZ still refuses KZ-KGS's record"; expect_problem signer-revoked "as signer-revoked"
# at restart: the file holds sequence 3, the store sequence 2
stop_node CN-ZZ
fstart "$F" CN-ZZ || exit 1
alarm_restart() { [ "$(grep -c 'event=revocation_reversed_alarm federation=silk sequence=3' "$WORK/CN-ZZ.log")" = 2 ]; }
alarm_restart && ok "after a restart CN-ZZ refuses the file's list again, with an alarm" ||
	not_ok "restart: $(grep -E 'revocation|trust_list|started' "$WORK/CN-ZZ.log" | tail -3)"
grep 'event=started' "$WORK/CN-ZZ.log" | tail -1 | grep -q 'trust_list=2' && ok "and starts on the stored sequence 2" ||
	not_ok "CN-ZZ started on: $(grep 'event=started' "$WORK/CN-ZZ.log" | tail -1)"
hcurl "$F" KZ-KGS CN-ZZ "/v1/logs/KZ-KGS/entries?start=0" >/dev/null; expect_status 403 "KZ-KGS is refused by CN-ZZ after the restart"
hcurl "$F" CN-HZ CN-ZZ /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/kgs.xml" >/dev/null
expect_status 422 "and so is its record"
# Suspension stays reversible: sequence 4 revokes KZ-KGS again and suspends
# CN-HZ, sequence 5 makes CN-HZ active again.
expect 0 "sequence 4 suspends CN-HZ" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status KZ-KGS=revoked --status CN-HZ=suspended "$WORK/tl3.xml"
cp "$WORK/out" "$WORK/tl4.xml"
expect 0 "sequence 5 makes it active again" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status CN-HZ=active "$WORK/tl4.xml"
cp "$WORK/out" "$WORK/tl5.xml"
cp "$WORK/tl4.xml" "$F/trust-list.xml"; kill -HUP "$PID_CN_ZZ"
wait_for 10 grep -q 'event=trust_list_installed federation=silk sequence=4 source=' "$WORK/CN-ZZ.log" && ok "CN-ZZ installs 4 (CN-HZ suspended)" ||
	not_ok "no sequence 4 at CN-ZZ"
cp "$WORK/tl5.xml" "$F/trust-list.xml"; kill -HUP "$PID_CN_ZZ"
wait_for 10 grep -q 'event=trust_list_installed federation=silk sequence=5 source=' "$WORK/CN-ZZ.log" && ok "and 5 (CN-HZ active again)" ||
	not_ok "no sequence 5 at CN-ZZ: $(grep -E 'revocation|trust_list' "$WORK/CN-ZZ.log" | tail -2)"
hcurl "$F" CN-HZ CN-ZZ "/v1/logs/CN-HZ/entries?start=0" >/dev/null; expect_status 200 "CN-HZ is served again"
fed_stop_all CN-ZZ CN-XA KZ-KGS CN-HZ
finish
