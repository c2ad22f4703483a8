#!/bin/bash
# fed_visibility.sh: who reads what on a gateway that is a member of two
# federations (SPEC REC-28, ACC-7, ACC-8, ACC-12..B3). The alliance (CN-ZZ,
# GW) and the port group (GW, KZ-KGS), GW relaying both ways. A broadcast is
# read only by the members of its Origin's federations, by record, search
# and entries, in both directions; a node in none of them refuses it, pushed
# or pulled; relayed records are read by their addressees only, and GW's
# operator reads what GW is an addressee of unless [access] operator_read =
# all grants more (issue 8, HIGH 3 and MEDIUM 4).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

T0=$(date +%s)
A="$WORK/alliance"
B="$WORK/ports"
fed_gateway_init "$A" "$B"
# Both operators let GW relay into the other federation.
"$SILKPORT" trust-list update --key "$A/operator/key.pem" --cert "$A/operator/cert.pem" \
	--relays-to GW=ports "$A/trust-list.xml" >"$WORK/tla.xml"
cp "$WORK/tla.xml" "$A/trust-list.xml"
"$SILKPORT" trust-list update --key "$B/operator/key.pem" --cert "$B/operator/cert.pem" \
	--relays-to GW=alliance "$B/trust-list.xml" >"$WORK/tlb.xml"
cp "$WORK/tlb.xml" "$B/trust-list.xml"

fstart "$A" CN-ZZ || exit 1
fstart "$A" GW || exit 1
fstart "$B" KZ-KGS || exit 1
for port in $PORT_CN_ZZ $PORT_GW $PORT_KZ_KGS; do
	wait_for 20 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/readyz | grep -q 200" ||
		not_ok "node on port $port not ready"
done
# GW's listener for the port group: hcurl "$B" ... GWP
PORT_GWP=$((P + 10))

# held_by DB RECORD-ID: how many records with that id the node's store holds.
held_by() { db_sql "$1" "SELECT count(*) FROM records WHERE record_id = '$2'"; }
# entries_has FED AS TARGET ORIGIN SEQUENCE: the caller's entries of ORIGIN hold SEQUENCE.
entries_has() {
	hcurl "$1" "$2" "$3" "/v1/logs/$4/entries?start=0&count=1000" >"$WORK/entries"
	grep -a -E '^[0-9]+ [0-9]+$' "$WORK/entries" | cut -d' ' -f1 | grep -qx "$5"
}

# ---- a broadcast of the alliance, held by GW
expect 0 "CN-ZZ broadcasts to the alliance" -- "$SILKPORT" submit --config "$A/members/CN-ZZ/node.ini" \
	--type declaration --broadcast --body "$SP_DATA_DIR/bodies/declaration.xml"
read -r ABID ABSEQ _ <"$WORK/out"
wait_for 20 bash -c "[ \"\$(db_sql '$A/members/GW/node.db' \"SELECT count(*) FROM records WHERE record_id = '$ABID'\")\" = 1 ]" &&
	ok "GW holds CN-ZZ's broadcast (a member of the alliance)" || not_ok "GW does not hold $ABID"
hcurl "$A" op:GW GW "/v1/records/$ABID" >/dev/null
expect_status 200 "GW's operator reads it: GW is an addressee"
hcurl "$B" KZ-KGS GWP "/v1/records/$ABID" >/dev/null
expect_status 404 "KZ-KGS (port group only) cannot read the alliance's broadcast at GW by id"
hcurl "$B" KZ-KGS GWP "/v1/search?origin=CN-ZZ" >"$WORK/search"
expect_status 200 "KZ-KGS may search at GW"
grep -q "$ABID" "$WORK/search" && not_ok "search at GW shows KZ-KGS the alliance's broadcast" ||
	ok "but search does not show it the alliance's broadcast"
entries_has "$B" KZ-KGS GWP CN-ZZ "$ABSEQ" && not_ok "GW serves KZ-KGS the alliance's broadcast in entries" ||
	ok "nor do CN-ZZ's entries at GW"
expect_status 200 "(entries answered 200)"

# ---- a broadcast of the port group, held by GW: the other direction
expect 0 "KZ-KGS broadcasts to the port group" -- "$SILKPORT" submit --config "$B/members/KZ-KGS/node.ini" \
	--type release --broadcast --body "$SP_DATA_DIR/bodies/release.xml"
read -r PBID PBSEQ _ <"$WORK/out"
wait_for 20 bash -c "[ \"\$(db_sql '$A/members/GW/node.db' \"SELECT count(*) FROM records WHERE record_id = '$PBID'\")\" = 1 ]" &&
	ok "GW holds KZ-KGS's broadcast (a member of the port group)" || not_ok "GW does not hold $PBID"
hcurl "$A" op:GW GW "/v1/records/$PBID" >/dev/null
expect_status 200 "GW's operator reads it"
hcurl "$A" CN-ZZ GW "/v1/records/$PBID" >/dev/null
expect_status 404 "CN-ZZ (alliance only) cannot read the port group's broadcast at GW by id"
hcurl "$A" CN-ZZ GW "/v1/search?origin=KZ-KGS" >"$WORK/search"
grep -q "$PBID" "$WORK/search" && not_ok "search at GW shows CN-ZZ the port group's broadcast" ||
	ok "nor by search"
entries_has "$A" CN-ZZ GW KZ-KGS "$PBSEQ" && not_ok "GW serves CN-ZZ the port group's broadcast in entries" ||
	ok "nor in KZ-KGS's entries"

# ---- a node outside the Origin's federations refuses a broadcast (pushed)
hcurl "$A" op:CN-ZZ CN-ZZ "/v1/records/$ABID" >"$WORK/abroadcast.xml"
hcurl "$B" KZ-KGS KZ-KGS "/v1/records/$PBID" >"$WORK/pbroadcast.xml"
hcurl "$B" GW KZ-KGS /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/abroadcast.xml" >/dev/null
expect_status 403 "KZ-KGS refuses the alliance's broadcast pushed by GW"
expect_problem not-recipient "with not-recipient"
hcurl "$A" GW CN-ZZ /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$WORK/pbroadcast.xml" >/dev/null
expect_status 403 "CN-ZZ refuses the port group's broadcast pushed by GW"
expect_problem not-recipient "with not-recipient"

# ---- relayed records: their addressees read them at GW, nobody else
expect 0 "CN-ZZ sends a record to KZ-KGS (relayed by GW)" -- "$SILKPORT" submit \
	--config "$A/members/CN-ZZ/node.ini" --type declaration --recipient KZ-KGS \
	--body "$SP_DATA_DIR/bodies/declaration.xml"
read -r R1 _ _ <"$WORK/out"
expect 0 "KZ-KGS sends a record to CN-ZZ (relayed by GW)" -- "$SILKPORT" submit \
	--config "$B/members/KZ-KGS/node.ini" --type release --recipient CN-ZZ \
	--body "$SP_DATA_DIR/bodies/release.xml"
read -r R2 _ _ <"$WORK/out"
wait_for 20 bash -c "[ \"\$(db_sql '$B/members/KZ-KGS/node.db' \"SELECT count(*) FROM records WHERE record_id = '$R1'\")\" = 1 ]" &&
	ok "KZ-KGS received CN-ZZ's record through GW" || not_ok "KZ-KGS does not hold $R1"
wait_for 20 bash -c "[ \"\$(db_sql '$A/members/CN-ZZ/node.db' \"SELECT count(*) FROM records WHERE record_id = '$R2'\")\" = 1 ]" &&
	ok "CN-ZZ received KZ-KGS's record through GW" || not_ok "CN-ZZ does not hold $R2"
hcurl "$B" KZ-KGS GWP "/v1/records/$R1" >/dev/null
expect_status 200 "at GW, KZ-KGS reads the record relayed to it"
hcurl "$A" CN-ZZ GW "/v1/records/$R2" >/dev/null
expect_status 200 "and CN-ZZ the one relayed to it"
hcurl "$A" op:GW GW "/v1/records/$R1" >/dev/null
expect_status 404 "GW's operator does not read a record GW only relays (alliance to port group)"
hcurl "$A" op:GW GW "/v1/records/$R2" >/dev/null
expect_status 404 "nor one it relays the other way"
hcurl "$A" op:GW GW "/v1/logs/CN-ZZ/entries?start=0&count=1000" >"$WORK/op-entries"
grep -aq "<RecordId>$R1</RecordId>" "$WORK/op-entries" && not_ok "GW's operator reads relayed records in entries" ||
	ok "nor in entries"
hcurl "$A" op:GW GW "/v1/search?origin=KZ-KGS" >"$WORK/op-search"
grep -q "$R2" "$WORK/op-search" && not_ok "GW's operator finds relayed records by search" || ok "nor by search"
grep -q "$PBID" "$WORK/op-search" && ok "while search shows it the port group's broadcast" ||
	not_ok "GW's operator does not find KZ-KGS's broadcast: $(head -c 300 "$WORK/op-search")"

# ---- pulled: after several catch-up rounds nobody holds a foreign broadcast
sleep 5
[ "$(held_by "$B/members/KZ-KGS/node.db" "$ABID")" = 0 ] && ok "KZ-KGS never took the alliance's broadcast" ||
	not_ok "KZ-KGS holds the alliance's broadcast"
[ "$(held_by "$A/members/CN-ZZ/node.db" "$PBID")" = 0 ] && ok "CN-ZZ never took the port group's broadcast" ||
	not_ok "CN-ZZ holds the port group's broadcast"

# ---- the operator's wider read is an explicit grant (ACC-14)
"$SILKPORT" check-config --list >"$WORK/options"
grep -Eq '^operator_read +.*\(addressed\|all\).*\(default: addressed\)' "$WORK/options" &&
	ok "check-config --list shows operator_read (default addressed)" || not_ok "options: $(grep -A2 '^\[access\]' "$WORK/options")"
expect 0 "check-config of GW's node.ini" -- "$SILKPORT" check-config --config "$A/members/GW/node.ini"
grep -q 'operator_read=addressed' "$WORK/out" && ok "names the operators' read access" || not_ok "check-config: $(cat "$WORK/out")"
expect 0 "silkport status of GW" -- "$SILKPORT" status --config "$A/members/GW/node.ini"
grep -Eq 'operator read +addressed' "$WORK/out" && ok "status shows operator read: addressed" || not_ok "status: $(cat "$WORK/out")"
printf '\n[access]\noperator_read = all\n' >>"$A/members/GW/node.ini"
expect 0 "check-config takes operator_read = all" -- "$SILKPORT" check-config --config "$A/members/GW/node.ini"
grep -q 'operator_read=all' "$WORK/out" && ok "and says so" || not_ok "check-config: $(cat "$WORK/out")"
kill -HUP "$PID_GW"
wait_for 10 grep -q 'event=reloaded' "$WORK/GW.log" && ok "GW reloaded" || not_ok "GW did not reload"
hcurl "$A" op:GW GW "/v1/records/$R1" >/dev/null
expect_status 200 "with operator_read = all, GW's operator reads what GW relays"
expect 0 "silkport status of GW" -- "$SILKPORT" status --config "$A/members/GW/node.ini"
grep -Eq 'operator read +all' "$WORK/out" && ok "status shows operator read: all" || not_ok "status: $(cat "$WORK/out")"
sed -i 's/^operator_read = all$/operator_read = everything/' "$A/members/GW/node.ini"
expect 1 "check-config refuses another value" -- "$SILKPORT" check-config --config "$A/members/GW/node.ini"
expect_err 'operator_read' "naming the option"

# ---- a member's open connection on a relay listener ends when its
# federation's list revokes it (SEC-24): KZ-KGS holds a connection to GW's
# port-group listener, the port group revokes KZ-KGS, GW reloads.
ABUSE="$SP_BINARY_DIR/tests/tools/h2abuse"
sed -i 's/^operator_read = everything$/operator_read = all/' "$A/members/GW/node.ini"
timeout 30 "$ABUSE" 127.0.0.1 "$PORT_GWP" "$B/operator/cert.pem" "$B/members/KZ-KGS/tls-cert.pem" \
	"$B/members/KZ-KGS/tls-key.pem" hold 25 >"$WORK/hold.out" 2>&1 &
HOLD=$!
track $HOLD
wait_for 5 grep -q 'hold: connected' "$WORK/hold.out" && ok "KZ-KGS holds a connection to GW's port-group listener" ||
	not_ok "no held connection: $(cat "$WORK/hold.out")"
sleep 1
expect 0 "the port group revokes KZ-KGS" -- "$SILKPORT" trust-list update --key "$B/operator/key.pem" \
	--cert "$B/operator/cert.pem" --status KZ-KGS=revoked "$B/trust-list.xml"
cp "$WORK/out" "$B/trust-list.xml"
# KZ-KGS installs the list from its file; GW learns it by its next poll of
# the port group (pull_interval = 2).
t0=$(date +%s%N)
kill -HUP "$PID_KZ_KGS"
set +e
wait $HOLD; hold=$?
set -e
took=$((($(date +%s%N) - t0) / 1000000))
[ "$hold" = 0 ] && ok "the revoked member's relay-listener connection ended ${took} ms after the port group's new list" ||
	not_ok "the revoked member's relay-listener connection stayed (exit $hold, ${took} ms): $(cat "$WORK/hold.out"); GW: $(grep -E 'trust_list|reload|connections_closed' "$WORK/GW.log" | tail -4 | tr '\n' ' ')"

grep -q 'event=equivocation_alarm' "$WORK"/*.log && not_ok "an equivocation alarm" || ok "no equivocation alarm"
fed_stop_all CN-ZZ GW KZ-KGS
echo "# fed_visibility ran for $(($(date +%s) - T0)) s"
finish
