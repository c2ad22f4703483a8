#!/bin/bash
# fed_relay.sh: relay between two federations on loopback. The pilot-zone
# alliance (CN-ZZ, GW) and the port group (GW, KZ-KGS); GW is a member of
# both and, once the alliance's operator lists RelaysTo=ports for it, relays
# CN-ZZ's records for KZ-KGS byte for byte. Checks each hop's receipt, the
# refusals (no RelaysTo, a recipient in neither federation, broadcasts), and
# the other federation's trust list learnt through the gateway.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

T0=$(date +%s)
A="$WORK/alliance"
B="$WORK/ports"

# Two port ranges, federation init of both, [relay] and [peers] sections.
fed_gateway_init "$A" "$B"
grep -q "^tls_cert = .*/members/GW/tls-cert.pem" "$A/members/GW/node.ini" && ok "federation init --existing prints GW's [relay] lines" ||
	not_ok "init output: $(cat "$WORK/init-b.err")"
[ ! -e "$B/members/GW/sign-key.pem" ] && [ -e "$B/members/GW/tls-key.pem" ] && ok "and issues GW only a TLS identity there" ||
	not_ok "GW's ports folder: $(ls "$B/members/GW")"
sig_a=$("$SILKPORT" trust-list show "$A/trust-list.xml" | sed -n '/^  GW /,/^$/p' | grep -E 'signing-cert|log-key' | awk '{print $2}')
sig_b=$("$SILKPORT" trust-list show "$B/trust-list.xml" | sed -n '/^  GW /,/^$/p' | grep -E 'signing-cert|log-key' | awk '{print $2}')
[ -n "$sig_a" ] && [ "$sig_a" = "$sig_b" ] && ok "both lists give GW the same signing certificate and LogKey" ||
	not_ok "GW's keys differ: [$sig_a] [$sig_b]"
expect 0 "the gateway's config with a [relay] identity checks" -- "$SILKPORT" check-config --config "$A/members/GW/node.ini"

fstart "$A" CN-ZZ || exit 1
fstart "$A" GW || exit 1
fstart "$B" KZ-KGS || exit 1
for port in $PORT_CN_ZZ $PORT_GW $PORT_KZ_KGS; do
	wait_for 20 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/readyz | grep -q 200" ||
		not_ok "node on port $port not ready"
done
grep -q "event=relay_listening federation=ports .*port=$((P + 10))" "$WORK/GW.log" &&
	ok "GW listens for the port group on its Endpoint there" || not_ok "no relay listener: $(grep -E 'relay|start' "$WORK/GW.log" | head -5)"
# GW's listener for the ports federation presents GW's ports certificate.
echo | openssl s_client -connect 127.0.0.1:$((P + 10)) -alpn h2 2>/dev/null | openssl x509 -outform DER >"$WORK/gw-ports.der" 2>/dev/null
openssl x509 -in "$B/members/GW/tls-cert.pem" -outform DER >"$WORK/gw-ports-want.der"
cmp -s "$WORK/gw-ports.der" "$WORK/gw-ports-want.der" && ok "and presents its TlsCertificate of that federation" ||
	not_ok "the ports listener presents another certificate"

# A record signed by CN-ZZ outside its node, for direct deliveries to GW.
signed_record() { # SEQUENCE RECIPIENT OUT
	"$SILKPORT" record new --origin CN-ZZ --sequence "$1" --type declaration --recipient "$2" \
		--body "$SP_DATA_DIR/bodies/declaration.xml" |
		"$SILKPORT" record sign --key "$A/members/CN-ZZ/sign-key.pem" --cert "$A/members/CN-ZZ/sign-cert.pem" >"$3"
}
signed_record 500 KZ-KGS "$WORK/r500.xml"
signed_record 501 XX-NOWHERE "$WORK/r501.xml"

# ---- without RelaysTo: nobody relays
expect 1 "without a gateway, a submission for KZ-KGS is refused" -- \
	"$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" --type declaration --recipient KZ-KGS \
	--body "$SP_DATA_DIR/bodies/declaration.xml"
expect_err 'field-invalid|no active member of alliance relays' "naming the missing gateway"
hcurl "$A" CN-ZZ GW /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/r500.xml" >/dev/null
expect_status 403 "a gateway whose entry lacks RelaysTo refuses to relay"
expect_problem not-recipient "with not-recipient"

# ---- the alliance's operator lets GW relay to the port group
"$SILKPORT" trust-list update --key "$A/operator/key.pem" --cert "$A/operator/cert.pem" \
	--relays-to GW=ports "$A/trust-list.xml" >"$WORK/tl2.xml"
"$SILKPORT" trust-list show --anchor "$A/operator/cert.pem" "$WORK/tl2.xml" | grep -q 'relays-to    ports' &&
	ok "trust-list update --relays-to sets RelaysTo" || not_ok "no RelaysTo in the updated list"
expect 2 "--relays-to without '=' is a usage error" -- "$SILKPORT" trust-list update --key "$A/operator/key.pem" \
	--cert "$A/operator/cert.pem" --relays-to GW "$A/trust-list.xml"
cp "$WORK/tl2.xml" "$A/trust-list.xml"
kill -HUP "$PID_GW" "$PID_CN_ZZ"
wait_for 10 grep -q 'event=trust_list_installed federation=alliance sequence=2' "$WORK/GW.log" &&
	wait_for 10 grep -q 'event=trust_list_installed federation=alliance sequence=2' "$WORK/CN-ZZ.log" &&
	ok "GW and CN-ZZ run on the list with RelaysTo" || not_ok "the new alliance list was not installed"
wait_for 20 grep -q 'event=trust_list_installed federation=alliance sequence=2 source=GW' "$WORK/KZ-KGS.log" &&
	ok "KZ-KGS learnt the alliance's newer list from the gateway" || not_ok "KZ-KGS did not learn the alliance list"

# ---- relay: CN-ZZ -> GW -> KZ-KGS
expect 0 "CN-ZZ accepts a submission for KZ-KGS" -- \
	"$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" --type declaration --recipient KZ-KGS \
	--body "$SP_DATA_DIR/bodies/declaration.xml"
read -r RID SEQ SUM <"$WORK/out"
wait_for 20 held_count_is "$B" KZ-KGS CN-ZZ 1 && ok "the record reaches KZ-KGS through the gateway" ||
	not_ok "KZ-KGS holds: $(held "$B" KZ-KGS CN-ZZ | tr '\n' ' ')"
hcurl "$B" op:KZ-KGS KZ-KGS "/v1/records/$RID" >"$WORK/at-kgs.xml"
[ "$(sha256sum <"$WORK/at-kgs.xml" | cut -d' ' -f1)" = "$SUM" ] && ok "byte-identical to what CN-ZZ signed" ||
	not_ok "digest at KZ-KGS differs from $SUM"
expect 0 "it verifies with the alliance's list, signed by CN-ZZ" -- \
	"$SILKPORT" record verify --trust-list "$A/trust-list.xml" --anchor "$A/operator/cert.pem" "$WORK/at-kgs.xml"
grep -q "^ok CN-ZZ $SEQ declaration $SUM" "$WORK/out" && ok "Origin CN-ZZ, Sequence $SEQ" || not_ok "verify: $(cat "$WORK/out")"
grep -q "event=record_accepted .*peer=GW origin=CN-ZZ" "$WORK/KZ-KGS.log" && ok "KZ-KGS accepted it from GW" ||
	not_ok "no record_accepted from GW at KZ-KGS"
grep -q "event=record_relayed origin=CN-ZZ sequence=$SEQ record_id=$RID recipients=1 source=CN-ZZ" "$WORK/GW.log" &&
	ok "GW logged the relay" || not_ok "no record_relayed at GW"

# Each hop's receipt, kept by the sender of that hop.
peer_receipt() { # DB RECORD-ID PEER
	db_sql "$1" "SELECT CAST(p.receipt AS TEXT) FROM peer_receipts p JOIN records r ON r.id = p.rec WHERE r.record_id = '$2' AND p.peer = '$3'"
}
wait_for 20 bash -c "db_sql '$A/members/CN-ZZ/node.db' \"SELECT 1 FROM peer_receipts p JOIN records r ON r.id = p.rec WHERE r.record_id = '$RID' AND p.peer = 'GW'\" | grep -q 1" || true
peer_receipt "$A/members/CN-ZZ/node.db" "$RID" GW >"$WORK/rcpt-gw.xml"
# [FED-53]: GW's `relayed` receipt does not complete the delivery; the one
# CN-ZZ holds for it is KZ-KGS's own, fetched from GW and verified
grep -q '<Receiver>KZ-KGS</Receiver>' "$WORK/rcpt-gw.xml" && grep -q '<Status>accepted</Status>' "$WORK/rcpt-gw.xml" &&
	grep -q "<RecordDigest>$SUM</RecordDigest>" "$WORK/rcpt-gw.xml" &&
	ok "CN-ZZ holds the final receipt (KZ-KGS, accepted) for its delivery through GW" ||
	not_ok "CN-ZZ's receipt for GW: $(head -c 300 "$WORK/rcpt-gw.xml")"
grep -q "event=relay_complete gateway=GW sequence=$SEQ record_id=$RID receivers=1" "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ logged the relay complete" || not_ok "no relay_complete at CN-ZZ"
wait_for 20 bash -c "db_sql '$A/members/GW/node.db' \"SELECT 1 FROM peer_receipts p JOIN records r ON r.id = p.rec WHERE r.record_id = '$RID' AND p.peer = 'KZ-KGS'\" | grep -q 1" || true
peer_receipt "$A/members/GW/node.db" "$RID" KZ-KGS >"$WORK/rcpt-kgs.xml"
grep -q '<Receiver>KZ-KGS</Receiver>' "$WORK/rcpt-kgs.xml" && grep -q '<Status>accepted</Status>' "$WORK/rcpt-kgs.xml" &&
	grep -q "<RecordDigest>$SUM</RecordDigest>" "$WORK/rcpt-kgs.xml" &&
	ok "GW holds KZ-KGS's receipt (accepted, same digest)" || not_ok "GW's receipt from KZ-KGS: $(head -c 300 "$WORK/rcpt-kgs.xml")"
wait_for 10 has_metric "$A" CN-ZZ '^silkport_outbox_depth\{peer="GW"\} 0$' && ok "CN-ZZ's outbox to GW is empty" ||
	not_ok "CN-ZZ outbox: $(grep outbox_depth "$WORK/metrics.CN-ZZ" | tr '\n' ' ')"
"$SILKPORT" peers --config "$A/members/GW/node.ini" >"$WORK/gw-peers.txt" 2>&1
grep -A3 '^peer KZ-KGS' "$WORK/gw-peers.txt" | grep -q 'federation *ports (relay)' &&
	ok "silkport peers shows KZ-KGS as a relay peer of GW" || not_ok "GW peers: $(head -c 500 "$WORK/gw-peers.txt")"

# Byte variants of that record (an XML declaration, a comment in a value),
# posted to the gateway first, are refused there (SPEC 4.6) and never block
# or replace the genuine record on either side of the gateway.
{ printf '<?xml version="1.0" encoding="UTF-8"?>\n'; cat "$WORK/r500.xml"; } >"$WORK/r500-decl.xml"
sed 's|<Type>declaration</Type>|<Type>decl<!-- x -->aration</Type>|' "$WORK/r500.xml" >"$WORK/r500-comment.xml"
for v in decl comment; do
	hcurl "$A" GW GW /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/r500-$v.xml" >/dev/null
	expect_status 400 "GW refuses a variant ($v) of CN-ZZ's record"
	expect_problem non-canonical "as non-canonical"
done
# A record delivered to the gateway directly is relayed the same way; the
# same bytes again are a duplicate with the same receipt.
hcurl "$A" CN-ZZ GW /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/r500.xml" >"$WORK/r500.rcpt"
expect_status 201 "GW takes CN-ZZ's record for KZ-KGS (201)"
grep -q '<Status>relayed</Status>' "$WORK/r500.rcpt" && ok "answering with a relayed receipt" || not_ok "receipt: $(head -c 300 "$WORK/r500.rcpt")"
hcurl "$A" CN-ZZ GW /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/r500.xml" >"$WORK/r500.again"
expect_status 200 "the same bytes again: 200"
cmp -s "$WORK/r500.rcpt" "$WORK/r500.again" && ok "with the identical receipt" || not_ok "a second receipt"
wait_for 20 held_count_is "$B" KZ-KGS CN-ZZ 2 && ok "KZ-KGS gets it once" || not_ok "KZ-KGS holds: $(held "$B" KZ-KGS CN-ZZ | tr '\n' ' ')"
R500ID=$(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$WORK/r500.xml" | head -1)
hcurl "$B" op:KZ-KGS KZ-KGS "/v1/records/$R500ID" >"$WORK/r500-at-kgs.xml"
cmp -s "$WORK/r500-at-kgs.xml" "$WORK/r500.xml" && ok "KZ-KGS serves the genuine bytes, not a variant" ||
	not_ok "KZ-KGS serves other bytes for $R500ID"

# ---- refusals
expect 1 "a submission for a node in neither federation is refused" -- \
	"$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" --type declaration --recipient XX-NOWHERE \
	--body "$SP_DATA_DIR/bodies/declaration.xml"
expect_err "field-invalid|not a member" "as an unreachable recipient"
hcurl "$A" CN-ZZ GW /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/r501.xml" >/dev/null
expect_status 403 "GW refuses a record for a node in neither federation"
expect_problem not-recipient "with not-recipient"
# A broadcast addresses the alliance only: GW takes it, KZ-KGS never sees it.
expect 0 "CN-ZZ broadcasts" -- "$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" --type declaration \
	--broadcast --body "$SP_DATA_DIR/bodies/declaration.xml"
read -r BID BSEQ _ <"$WORK/out"
gw_has_broadcast() { held "$A" GW CN-ZZ | grep -qx "$BSEQ"; }
wait_for 20 gw_has_broadcast && ok "GW received the broadcast" || not_ok "GW holds: $(held "$A" GW CN-ZZ | tr '\n' ' ')"
sleep 2
held "$B" KZ-KGS CN-ZZ | grep -qx "$BSEQ" && not_ok "a broadcast was relayed into the port group" ||
	ok "the broadcast is not relayed (FED-29)"
hcurl "$B" op:KZ-KGS KZ-KGS "/v1/records/$BID" >/dev/null
expect_status 404 "KZ-KGS does not hold it"

# ---- the port group's newer list travels KZ-KGS -> GW -> CN-ZZ
"$SILKPORT" trust-list update --key "$B/operator/key.pem" --cert "$B/operator/cert.pem" "$B/trust-list.xml" >"$WORK/tlb2.xml"
cp "$WORK/tlb2.xml" "$B/trust-list.xml"
kill -HUP "$PID_KZ_KGS"
wait_for 20 grep -q 'event=trust_list_installed federation=ports sequence=2 source=KZ-KGS' "$WORK/GW.log" &&
	ok "GW learnt the port group's newer list from KZ-KGS" || not_ok "GW: no ports list 2"
wait_for 20 grep -q 'event=trust_list_installed federation=ports sequence=2 source=GW' "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ learnt it from its gateway" || not_ok "CN-ZZ: no ports list 2"
hcurl "$A" none GW /v1/trust-lists/ports >"$WORK/gw-ports-list.xml"
cmp -s "$WORK/gw-ports-list.xml" "$WORK/tlb2.xml" && ok "GW serves the port group's list" || not_ok "GET /v1/trust-lists/ports at GW"
expect 0 "after the update, relay still works" -- \
	"$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" --type release --recipient KZ-KGS \
	--body "$SP_DATA_DIR/bodies/release.xml"
wait_for 20 held_count_is "$B" KZ-KGS CN-ZZ 3 && ok "KZ-KGS holds 3 records of CN-ZZ" || not_ok "KZ-KGS holds: $(held "$B" KZ-KGS CN-ZZ | tr '\n' ' ')"

# A member of both federations reaches KZ-KGS directly with its own records.
expect 0 "GW submits a record for KZ-KGS" -- \
	"$SILKPORT" submit --config "$A/members/GW/node.ini" --type inspection --recipient KZ-KGS \
	--body "$SP_DATA_DIR/bodies/inspection.xml"
wait_for 20 held_count_is "$B" KZ-KGS GW 1 && ok "KZ-KGS holds GW's own record (same signing key in both lists)" ||
	not_ok "KZ-KGS holds of GW: $(held "$B" KZ-KGS GW | tr '\n' ' ')"
# (a member's request: another Origin's checkpoint is members-only, [ACC-18])
gw_cosigned() { hcurl "$B" GW KZ-KGS /v1/logs/GW/checkpoint | grep -q '^— silkport/ports/KZ-KGS '; }
wait_for 20 gw_cosigned &&
	ok "KZ-KGS witnesses GW's log (the same LogKey)" || not_ok "no cosignature of GW's checkpoint at KZ-KGS"

grep -q 'event=equivocation_alarm' "$WORK"/*.log && not_ok "no equivocation alarm" || ok "no equivocation alarm"
grep -q 'event=checkpoint_refused' "$WORK"/*.log && not_ok "a checkpoint was refused: $(grep -h checkpoint_refused "$WORK"/*.log | head -2)" ||
	ok "no checkpoint refused"
grep -q 'event=receipt_refused' "$WORK"/*.log && not_ok "a receipt was refused: $(grep -h receipt_refused "$WORK"/*.log | head -2)" ||
	ok "every receipt verified"
fed_stop_all CN-ZZ GW KZ-KGS
echo "# fed_relay ran for $(($(date +%s) - T0)) s"
finish
