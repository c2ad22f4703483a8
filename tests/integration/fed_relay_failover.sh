#!/bin/bash
# fed_relay_failover.sh: end-to-end relay receipts and gateway failover
# (SPEC 13.5, [FED-53], [API-77]). The alliance (CN-ZZ, GW1, GW2) and the
# port group (GW1, GW2, KZ-KGS); both gateways relay to the port group, GW1
# first in the list. GW1 takes a record with a `relayed` receipt and holds
# it (its own retries wait an hour): CN-ZZ keeps the delivery open, alarms
# when the relay deadline passes and delivers through GW2, and completes it
# only with KZ-KGS's own receipt. Then GW1 is stopped: the next record
# arrives through GW2 as well.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

T0=$(date +%s)
A="$WORK/alliance"
B="$WORK/ports"
DEADLINE=6

for _ in $(seq 1 20); do
	P=$((12000 + RANDOM % 20000))
	busy=0
	for p in $P $((P + 1)) $((P + 2)) $((P + 10)) $((P + 11)) $((P + 12)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy=1; fi
	done
	[ $busy = 0 ] && break
done
"$SILKPORT" federation init "$A" --federation alliance --member CN-ZZ --member GW1 --member GW2 \
	--base-port "$P" 2>/dev/null
"$SILKPORT" federation init "$B" --federation ports --member GW1 --member GW2 --member KZ-KGS:port-authority \
	--existing GW1="$A/members/GW1" --existing GW2="$A/members/GW2" --base-port $((P + 10)) 2>"$WORK/init-b.err"
for m in CN-ZZ GW1 GW2; do
	ini="$A/members/$m/node.ini"
	case $m in
	# a gateway that takes records and holds them: its next attempt is an
	# hour away
	GW1) printf '\n[peers]\npull_interval = 2\nretry_min = 3600\nretry_max = 3600\n' >>"$ini" ;;
	*) printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\nrelay_deadline = %s\n' $DEADLINE >>"$ini" ;;
	esac
done
printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$B/members/KZ-KGS/node.ini"
printf '\n[relay]\nfederation = ports\ntrust_list = %s\nanchor = %s\n' "$B/trust-list.xml" "$B/operator/cert.pem" \
	>>"$A/members/CN-ZZ/node.ini"
printf '\n[relay]\nfederation = alliance\ntrust_list = %s\nanchor = %s\n' "$A/trust-list.xml" "$A/operator/cert.pem" \
	>>"$B/members/KZ-KGS/node.ini"
for g in GW1 GW2; do
	{ echo; sed -n "/member $g is a gateway/,/tls_key = /p" "$WORK/init-b.err" | sed -n '/^    /s/^    //p'; } \
		>>"$A/members/$g/node.ini"
done
"$SILKPORT" trust-list update --key "$A/operator/key.pem" --cert "$A/operator/cert.pem" \
	--relays-to GW1=ports --relays-to GW2=ports "$A/trust-list.xml" >"$WORK/tl2.xml" && cp "$WORK/tl2.xml" "$A/trust-list.xml"
[ "$("$SILKPORT" trust-list show "$A/trust-list.xml" | grep -c 'relays-to    ports')" = 2 ] &&
	ok "both gateways relay to the port group" || not_ok "RelaysTo: $("$SILKPORT" trust-list show "$A/trust-list.xml" | grep relays)"
expect 0 "relay_deadline is a [peers] option" -- "$SILKPORT" check-config --config "$A/members/CN-ZZ/node.ini"

for m in CN-ZZ GW1 GW2; do fstart "$A" $m || exit 1; done
for port in $PORT_CN_ZZ $PORT_GW1 $PORT_GW2; do
	wait_for 20 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/readyz | grep -q 200" ||
		not_ok "node on port $port not ready"
done

outbox_to() { # PEER N: CN-ZZ's outbox towards PEER holds N pending rows
	has_metric "$A" CN-ZZ "^silkport_outbox_depth\\{peer=\"$1\"\\} $2\$"
}

# ---- GW1 takes the record and holds it (KZ-KGS is not up yet)
read -r RID SEQ SUM < <(fsubmit "$A" CN-ZZ declaration KZ-KGS)
[ -n "$SUM" ] && ok "CN-ZZ signs a record for KZ-KGS" || not_ok "submit failed"
wait_for 10 grep -q "event=record_relayed origin=CN-ZZ sequence=$SEQ record_id=$RID" "$WORK/GW1.log" &&
	ok "GW1, first in the list, takes it" || not_ok "GW1 did not take it: $(grep -h "$RID" "$WORK"/*.log | head -3)"
[ ! -s "$WORK/GW2.log" ] || ! grep -q "record_id=$RID" "$WORK/GW2.log" && ok "GW2 does not get it yet" ||
	not_ok "GW2 got it before the deadline"
sleep 2
outbox_to GW1 1 && ok "GW1's relayed receipt does not complete the delivery" ||
	not_ok "CN-ZZ's outbox: $(grep outbox_depth "$WORK/metrics.CN-ZZ" | tr '\n' ' ')"
grep -q "event=relay_deadline_missed" "$WORK/CN-ZZ.log" && not_ok "an alarm before the deadline" ||
	ok "no alarm before the deadline"

fstart "$B" KZ-KGS || exit 1
wait_for 30 grep -q "event=relay_deadline_missed gateway=GW1 sequence=$SEQ record_id=$RID receiver=KZ-KGS next=GW2" \
	"$WORK/CN-ZZ.log" && ok "CN-ZZ alarms when GW1 misses the relay deadline, and hands the record to GW2" ||
	not_ok "no relay_deadline_missed: $(grep -E 'relay|GW1' "$WORK/CN-ZZ.log" | tail -3)"
missed=$(grep -c "event=relay_deadline_missed gateway=GW1 sequence=$SEQ" "$WORK/CN-ZZ.log")
late=$(($(date +%s) - T0))
wait_for 30 held_count_is "$B" KZ-KGS CN-ZZ 1 && ok "the record reaches KZ-KGS through GW2" ||
	not_ok "KZ-KGS holds: $(held "$B" KZ-KGS CN-ZZ | tr '\n' ' ')"
grep -q "event=record_accepted .*peer=GW2 origin=CN-ZZ" "$WORK/KZ-KGS.log" && ok "KZ-KGS accepted it from GW2" ||
	not_ok "KZ-KGS: $(grep record_accepted "$WORK/KZ-KGS.log" | head -2)"
wait_for 20 grep -q "event=relay_complete gateway=GW2 sequence=$SEQ record_id=$RID receivers=1" "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ completes the delivery with KZ-KGS's receipt through GW2" ||
	not_ok "no relay_complete: $(grep -E 'relay' "$WORK/CN-ZZ.log" | tail -3)"
wait_for 10 outbox_to GW2 0 && ok "CN-ZZ's outbox towards GW2 is empty" ||
	not_ok "CN-ZZ's outbox: $(grep outbox_depth "$WORK/metrics.CN-ZZ" | tr '\n' ' ')"
db_sql "$A/members/CN-ZZ/node.db" "SELECT CAST(p.receipt AS TEXT) FROM peer_receipts p JOIN records r ON r.id = p.rec
	WHERE r.record_id = '$RID' AND p.peer = 'GW2'" >"$WORK/final.xml"
grep -q '<Receiver>KZ-KGS</Receiver>' "$WORK/final.xml" && grep -q '<Status>accepted</Status>' "$WORK/final.xml" &&
	grep -q "<RecordDigest>$SUM</RecordDigest>" "$WORK/final.xml" &&
	ok "the receipt CN-ZZ holds is KZ-KGS's (accepted, same digest)" || not_ok "held: $(head -c 300 "$WORK/final.xml")"
has_metric "$A" CN-ZZ '^silkport_relay_deadline_missed_total [1-9]' && ok "the miss is counted in /metrics" ||
	not_ok "metrics: $(grep relay "$WORK/metrics.CN-ZZ")"
"$SILKPORT" peers --config "$A/members/CN-ZZ/node.ini" >"$WORK/peers.txt" 2>&1
sed -n '/^peer GW1/,/^$/p' "$WORK/peers.txt" | grep -q 'relay deadline missed: gateway GW1' &&
	ok "silkport peers shows the alarm on GW1" || not_ok "peers: $(sed -n '/^peer GW1/,/^$/p' "$WORK/peers.txt" | head -20)"
[ "$(grep -c "event=relay_deadline_missed gateway=GW2" "$WORK/CN-ZZ.log")" = 0 ] && ok "GW2, in time, is not alarmed about" ||
	not_ok "GW2 alarmed: $(grep relay_deadline_missed "$WORK/CN-ZZ.log" | grep GW2 | head -2)"
[ "$missed" -ge 1 ] && ok "the alarm came after $late s (deadline $DEADLINE s)" || not_ok "no alarm"

# ---- the final receipt endpoint ([API-77])
hcurl "$A" CN-ZZ GW2 "/v1/records/$RID/receipt?origin=CN-ZZ&receiver=KZ-KGS" >"$WORK/api-final.xml"
expect_status 200 "GW2 serves the final receipt to the Origin"
# (db_sql ends the text it prints with a newline)
cmp -s <(cat "$WORK/api-final.xml"; echo) "$WORK/final.xml" && ok "the same bytes CN-ZZ holds" || not_ok "other bytes"
hcurl "$A" GW1 GW2 "/v1/records/$RID/receipt?origin=CN-ZZ&receiver=KZ-KGS" >/dev/null
expect_status 404 "another member asking for it gets 404"
hcurl "$A" CN-ZZ GW1 "/v1/records/$RID/receipt?origin=CN-ZZ&receiver=KZ-KGS" >/dev/null
expect_status 404 "GW1, which holds it, has no final receipt: 404"
hcurl "$A" CN-ZZ GW2 "/v1/records/$RID/receipt?origin=CN-ZZ" >/dev/null
expect_status 400 "without receiver= it is a bad request"
hcurl "$A" CN-ZZ GW2 "/v1/records/$RID/receipt?origin=CN-ZZ&receiver=%3Cx%3E" >/dev/null
expect_status 400 "a receiver that is no NodeId is a bad request"

# ---- GW1 stopped: the next record goes through GW2
stop_node GW1
read -r RID2 SEQ2 _ < <(fsubmit "$A" CN-ZZ release KZ-KGS)
[ -n "$RID2" ] && ok "with GW1 down, CN-ZZ still accepts a record for KZ-KGS" || not_ok "submit failed"
wait_for 40 held_count_is "$B" KZ-KGS CN-ZZ 2 && ok "it reaches KZ-KGS through GW2" ||
	not_ok "KZ-KGS holds: $(held "$B" KZ-KGS CN-ZZ | tr '\n' ' ')"
grep -q "event=relay_deadline_missed gateway=GW1 sequence=$SEQ2 record_id=$RID2 receiver=KZ-KGS next=GW2" "$WORK/CN-ZZ.log" &&
	ok "after an alarm about the stopped GW1" || not_ok "no alarm for $RID2"
wait_for 20 grep -q "event=relay_complete gateway=GW2 sequence=$SEQ2 record_id=$RID2" "$WORK/CN-ZZ.log" &&
	ok "and the delivery completes with the final receipt" || not_ok "no relay_complete for $RID2"

grep -q 'event=receipt_refused' "$WORK"/*.log && not_ok "a receipt was refused: $(grep -h receipt_refused "$WORK"/*.log | head -2)" ||
	ok "every receipt verified"
fed_stop_all CN-ZZ GW2 KZ-KGS
echo "# fed_relay_failover ran for $(($(date +%s) - T0)) s"
finish
