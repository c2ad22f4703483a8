#!/bin/bash
# fed_nodeid_collision.sh: a followed federation's operator lists NodeIds of
# the gateway's home federation with TLS certificates of its own ([FED-40],
# [FED-41]). The pilot-zone alliance (CN-ZZ, GW, CN-XA) and the port group
# (GW, KZ-KGS, and a rogue CN-XA with keys of its own, and a rogue CN-ZZ
# that copies the real CN-ZZ's signing certificate and LogKey, as FED-32
# allows for one node). GW serves both. The rogue entries' clients get
# nothing of CN-ZZ's or CN-XA's records at GW; the inconsistent entry is
# ignored with an alarm; the real nodes and the port group's own member
# keep working. Then a followed list that reinstates a revoked member is
# refused at start like the home list ([TL-39]).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

T0=$(date +%s)
A="$WORK/alliance"
B="$WORK/ports"

for _ in $(seq 1 20); do
	P=$((12000 + RANDOM % 20000))
	busy=0
	for p in $P $((P + 1)) $((P + 2)) $((P + 10)) $((P + 11)) $((P + 12)) $((P + 13)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy=1; fi
	done
	[ $busy = 0 ] && break
done
"$SILKPORT" federation init "$A" --federation alliance --member CN-ZZ --member GW --member CN-XA \
	--base-port "$P" 2>/dev/null
"$SILKPORT" federation init "$B" --federation ports --member GW --member KZ-KGS:port-authority \
	--member CN-XA --member CN-ZZ --existing GW="$A/members/GW" --existing CN-ZZ="$A/members/CN-ZZ" \
	--base-port $((P + 10)) 2>"$WORK/init-b.err"
for ini in "$A/members/CN-ZZ/node.ini" "$A/members/GW/node.ini"; do
	printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$ini"
done
{ echo; sed -n '/member GW is a gateway/,/^    tls_key = /p' "$WORK/init-b.err" |
	sed -n '/^    \[relay\]$/,/^    tls_key = /p' | sed 's/^    //'; } >>"$A/members/GW/node.ini"
grep -c '^\[relay\]' "$A/members/GW/node.ini" | grep -qx 1 && ok "GW follows the port group with an identity there" ||
	not_ok "GW's node.ini: $(cat "$A/members/GW/node.ini")"

fstart "$A" CN-ZZ || exit 1
fstart "$A" GW || exit 1
PORT_GWP=$((P + 10)) # GW's listener for the port group
wait_for 20 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$PORT_GW/readyz | grep -q 200" ||
	not_ok "GW not ready"

# ---- the lists: one entry ignored with an alarm, one kept (FED-32 form)
grep -q "level=error event=node_id_collision_alarm federation=ports sequence=1 node=CN-XA bound_in=alliance .*action=member-ignored" "$WORK/GW.log" &&
	ok "GW ignores the port group's CN-XA (other keys), with an alarm" ||
	not_ok "no collision alarm: $(grep -E 'collision|relay_federation|start' "$WORK/GW.log" | head -5)"
grep -q "event=node_id_collision_alarm .*node=CN-ZZ" "$WORK/GW.log" &&
	not_ok "an alarm for CN-ZZ, listed with its own signing certificate and LogKey" ||
	ok "no alarm for the FED-32 form of CN-ZZ"
grep -q "event=node_id_collision_alarm .*node=GW" "$WORK/GW.log" && not_ok "an alarm for GW itself" ||
	ok "no alarm for GW, listed in both as one node"

# ---- records of CN-ZZ and CN-XA held by GW
expect 0 "CN-ZZ submits a record for GW" -- "$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" \
	--type declaration --recipient GW --body "$SP_DATA_DIR/bodies/declaration.xml"
read -r RID _ _ <"$WORK/out"
wait_for 20 held_count_is "$A" GW CN-ZZ 1 && ok "GW holds CN-ZZ's record" || not_ok "GW holds: $(held "$A" GW CN-ZZ | tr '\n' ' ')"
"$SILKPORT" record new --origin CN-XA --sequence 0 --type release --recipient GW \
	--body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$A/members/CN-XA/sign-key.pem" --cert "$A/members/CN-XA/sign-cert.pem" >"$WORK/xa.xml"
hcurl "$A" CN-ZZ GW /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/xa.xml" >/dev/null
expect_status 201 "GW takes a record of CN-XA"
XID=$(sed -n 's:.*<RecordId>\([^<]*\)</RecordId>.*:\1:p' "$WORK/xa.xml" | head -1)

# ---- the real nodes read them on the alliance listener
hcurl "$A" CN-ZZ GW "/v1/records/$RID" >/dev/null; expect_status 200 "the real CN-ZZ reads its record at GW"
hcurl "$A" CN-XA GW "/v1/records/$XID" >/dev/null; expect_status 200 "the real CN-XA reads its record at GW"
hcurl "$A" CN-ZZ GW "/v1/logs/CN-ZZ/entries?start=0" >"$WORK/zz-entries"; expect_status 200 "and CN-ZZ its entries"
grep -aq '^0 ' "$WORK/zz-entries" && ok "which hold its record" || not_ok "entries: $(head -c 200 "$WORK/zz-entries")"

# ---- the rogue entries' clients, on the port group's listener
for who in CN-ZZ CN-XA; do
	id=$RID; [ $who = CN-XA ] && id=$XID
	hcurl "$B" $who GWP "/v1/records/$id" >"$WORK/rogue"
	st=$(cat "$WORK/status")
	[ "$st" = 403 ] || [ "$st" = 404 ] && ok "the port group's $who gets $st for the real $who's record" ||
		not_ok "the port group's $who got HTTP $st: $(head -c 200 "$WORK/rogue")"
	grep -q '<Record' "$WORK/rogue" && not_ok "and sees its bytes" || ok "and none of its bytes"
	hcurl "$B" $who GWP "/v1/logs/$who/entries?start=0" >"$WORK/rogue"
	st=$(cat "$WORK/status")
	[ "$st" = 403 ] || [ "$st" = 404 ] && ok "nor its entries ($st)" || not_ok "entries as the port group's $who: HTTP $st"
	hcurl "$B" $who GWP "/v1/search?type=declaration" >"$WORK/rogue"
	st=$(cat "$WORK/status")
	[ "$st" = 403 ] || { [ "$st" = 200 ] && ! grep -q "$RID" "$WORK/rogue"; } && ok "nor finds it by search ($st)" ||
		not_ok "search as the port group's $who: HTTP $st"
done
hcurl "$B" KZ-KGS GWP "/v1/logs/KZ-KGS/entries?start=0" >/dev/null
expect_status 200 "the port group's own KZ-KGS is a member on that listener"
hcurl "$B" KZ-KGS GWP "/v1/records/$RID" >/dev/null
st=$(cat "$WORK/status")
[ "$st" = 403 ] || [ "$st" = 404 ] && ok "and reads nothing of CN-ZZ's ($st)" || not_ok "KZ-KGS got HTTP $st"
# GW's routing and peers still know the real CN-ZZ only.
"$SILKPORT" peers --config "$A/members/GW/node.ini" >"$WORK/gw-peers.txt" 2>&1
grep -q '^peer CN-ZZ' "$WORK/gw-peers.txt" && ! grep -A4 '^peer CN-ZZ' "$WORK/gw-peers.txt" | grep -q 'ports' &&
	ok "GW's peer CN-ZZ is the alliance's (home) one" || not_ok "GW peers: $(grep -A3 '^peer CN-ZZ' "$WORK/gw-peers.txt")"

# ---- [TL-39] for a followed list, across restarts: the port group revokes
# KZ-KGS (GW starts on that list), then its operator's key signs a list
# with KZ-KGS active again: GW refuses it at the next start, with an alarm.
expect 0 "the port group's sequence 2 revokes KZ-KGS" -- "$SILKPORT" trust-list update --key "$B/operator/key.pem" \
	--cert "$B/operator/cert.pem" --status KZ-KGS=revoked "$B/trust-list.xml"
cp "$WORK/out" "$WORK/ports2.xml"
sed -e '/<ds:Signature/,/<\/ds:Signature>/d' -e 's#<Sequence>2</Sequence>#<Sequence>3</Sequence>#' \
	-e 's#<Status>revoked</Status>#<Status>active</Status>#' "$WORK/ports2.xml" |
	"$SILKPORT" trust-list sign --key "$B/operator/key.pem" --cert "$B/operator/cert.pem" >"$WORK/ports3.xml"
stop_node GW
cp "$WORK/ports2.xml" "$B/trust-list.xml"
fstart "$A" GW || exit 1
grep 'event=relay_federation federation=ports' "$WORK/GW.log" | tail -1 | grep -q 'sequence=2' &&
	ok "GW starts on the port group's sequence 2" || not_ok "GW: $(grep 'relay_federation' "$WORK/GW.log" | tail -1)"
hcurl "$B" KZ-KGS GWP "/v1/logs/KZ-KGS/entries?start=0" >/dev/null; expect_status 403 "KZ-KGS is refused"
stop_node GW
cp "$WORK/ports3.xml" "$B/trust-list.xml"
fstart "$A" GW || exit 1
grep -q "level=error event=revocation_reversed_alarm federation=ports sequence=3 node=KZ-KGS kind=member" "$WORK/GW.log" &&
	ok "at the next start GW refuses the port group's sequence 3, with an alarm" ||
	not_ok "no alarm: $(grep -E 'revocation|relay_federation|trust_list' "$WORK/GW.log" | tail -3)"
grep 'event=relay_federation federation=ports' "$WORK/GW.log" | tail -1 | grep -q 'sequence=2' &&
	ok "and keeps sequence 2 (stored at the previous start)" || not_ok "GW: $(grep 'relay_federation' "$WORK/GW.log" | tail -1)"
hcurl "$B" KZ-KGS GWP "/v1/logs/KZ-KGS/entries?start=0" >/dev/null; expect_status 403 "KZ-KGS is still refused"
fed_stop_all CN-ZZ GW
echo "# fed_nodeid_collision ran for $(($(date +%s) - T0)) s"
finish
