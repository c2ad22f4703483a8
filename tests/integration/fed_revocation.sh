#!/bin/bash
# fed_revocation.sh: a newer trust list revoking a member reaches one node
# (reload), spreads to the others through GET /v1/trust-lists, is persisted
# and served, and from then on the revoked member is cut off: its requests
# and records are refused, the client to it is dropped, deliveries to it
# abandoned.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA KZ-KGS:port-authority || exit 1

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
wait_for 20 grep -q 'event=trust_list_installed federation=silk sequence=2 source=CN-ZZ' "$WORK/CN-XA.log" &&
	ok "CN-XA learns it from its peer CN-ZZ" || not_ok "CN-XA did not pick up the list: $(grep trust_list "$WORK/CN-XA.log" | tail -3)"
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
fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
