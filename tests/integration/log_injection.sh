#!/bin/bash
# log_injection.sh: a hostile peer's text reaches the log only as an escaped
# value of a line the node formatted (SPEC 14, [SEC-28]). CN-ZZ turns hostile:
# its store serves a record whose Origin carries CR, LF, quotes, "=" and a
# forged "level=error event=equivocation_alarm" (catch-up entries and push),
# a checkpoint note full of the same, and CN-XA's store answers a
# re-delivery with a receipt that carries them too. A member also posts such
# a record, and one with a relative namespace URI (libxml2's C14N errors).
# Both logs (CN-XA as JSON at debug level, CN-ZZ as key=value) must read back
# line by line as the node's own format, with no forged event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
sqlite_only "it plants log-injection text in the nodes' SQLite files"
CHECK="python3 $(dirname "$0")/logcheck.py"

F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA || exit 1
ZZDB="$F/members/CN-ZZ/node.db"
XADB="$F/members/CN-XA/node.db"
FORGED='level=error event=equivocation_alarm kind=record origin=CN-HZ'
# as XML character references: LF, CR LF, NEL, LINE SEPARATOR, a quote
EVIL="CN-ZZ&#10;ts=2026-01-01T00:00:00.000Z $FORGED&#13;&#10;\\\"=&#x85;&#x2028;\""

# A record CN-XA accepts (its receipt is tampered with below), then one that
# CN-XA is down for, so that it has to come by push or catch-up later.
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 1 && ok "CN-XA holds CN-ZZ's sequence 0" || not_ok "sequence 0 not delivered"
stop_node CN-XA
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
sleep 2 # CN-ZZ signs a checkpoint of size 2 (once a second at most)
stop_node CN-ZZ

# CN-ZZ's store: sequence 1 with the hostile Origin (entries and push), a
# hostile checkpoint beyond it, and both deliveries to CN-XA to be made again.
sqlite3 "$ZZDB" "UPDATE records SET bytes = CAST(replace(CAST(bytes AS TEXT), '<Origin>CN-ZZ</Origin>', '<Origin>$EVIL</Origin>') AS BLOB) WHERE origin = 'CN-ZZ' AND sequence = 1;
	INSERT INTO checkpoints (origin, size, root, note, seen_at) VALUES ('CN-ZZ', 99, zeroblob(32),
	 'silkport/silk/CN-ZZ' || char(10) || '$FORGED' || char(13, 10) || '99' || char(10) || '\"=' || char(10, 10) ||
	 '— CN-ZZ ' || char(27) || '[2J' || char(10) || 'ts=1 $FORGED' || char(10), 0);
	UPDATE outbox SET state = 'pending', next_attempt = 0, attempts = 0 WHERE peer = 'CN-XA';"
sqlite3 "$ZZDB" "SELECT CAST(bytes AS TEXT) FROM records WHERE sequence = 1" | grep -q "event=equivocation_alarm" &&
	ok "CN-ZZ's store serves the hostile record" || not_ok "the record was not tampered with"
# CN-XA's store: the receipt it answers a re-delivery of sequence 0 with.
sqlite3 "$XADB" "UPDATE records SET receipt = CAST(replace(CAST(receipt AS TEXT), '<Receiver>CN-XA</Receiver>', '<Receiver>$EVIL</Receiver>') AS BLOB) WHERE origin = 'CN-ZZ' AND sequence = 0;"
[ "$(sqlite3 "$XADB" "SELECT count(*) FROM records WHERE CAST(receipt AS TEXT) LIKE '%equivocation_alarm%'")" = 1 ] &&
	ok "CN-XA's store answers with a hostile receipt" || not_ok "the receipt was not tampered with"

# CN-XA logs as JSON, at debug level (so libxml2's and xmlsec's words are
# logged too); fstart waits for a key=value "started", so wait here.
sed -i 's/^format = kv/format = json/; s/^level = info/level = debug/' "$F/members/CN-XA/node.ini"
mv "$WORK/CN-XA.log" "$WORK/CN-XA.kv.log"
fstart "$F" CN-ZZ || exit 1
"$SILKPORT" run --config "$F/members/CN-XA/node.ini" 2>>"$WORK/CN-XA.log" &
PID_CN_XA=$!
track $PID_CN_XA
PORT_CN_XA=$(sed -n 's/^port = //p' "$F/members/CN-XA/node.ini")
wait_for 10 grep -q '"event":"started"' "$WORK/CN-XA.log" && ok "CN-XA runs with JSON logs" || not_ok "CN-XA did not start"

# Pull, push, receipt and checkpoint paths, each seen to run.
wait_for 30 grep -q '"event":"pulled_record_refused"' "$WORK/CN-XA.log" &&
	ok "CN-XA refused the hostile record from catch-up" || not_ok "no pulled_record_refused at CN-XA"
wait_for 30 grep -q '"event":"checkpoint_refused"' "$WORK/CN-XA.log" &&
	ok "CN-XA refused the hostile checkpoint" || not_ok "no checkpoint_refused at CN-XA"
wait_for 30 grep -q 'event=receipt_refused' "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ refused the hostile receipt" || not_ok "no receipt_refused at CN-ZZ"
wait_for 30 grep -q 'event=delivery_failed' "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ's push of the hostile record was refused" || not_ok "no delivery_failed at CN-ZZ"

# A member posts the hostile record itself, and a record with a relative
# namespace URI (libxml2 would print five "C14N error" lines for it).
sqlite3 "$ZZDB" "SELECT CAST(bytes AS TEXT) FROM records WHERE sequence = 1" >"$WORK/evil.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/evil.xml" >/dev/null
expect_status 422 "a posted record with the hostile Origin is refused"
sqlite3 "$ZZDB" "SELECT CAST(bytes AS TEXT) FROM records WHERE sequence = 0" |
	sed 's|<Record xmlns="urn:silkport:srep:1"|& xmlns:rel="relative/uri"|' >"$WORK/relns.xml"
grep -q 'xmlns:rel=' "$WORK/relns.xml" || not_ok "no relative namespace in the test record"
for _ in 1 2 3; do
	hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/relns.xml" >/dev/null
done
# The canonical-form check (SPEC 4.6) runs libxml2's C14N first and refuses it.
expect_status 400 "a record with a relative namespace URI is refused as non-canonical"
hcurl "$F" CN-ZZ CN-XA "/v1/records/x%0Alevel=error%22%3D?q=%0D%0A" >/dev/null
wait_for 10 grep -q '"library":"libxml2"' "$WORK/CN-XA.log" && ok "libxml2's C14N errors are logged as debug events" ||
	not_ok "no library_diagnostic from libxml2"
fed_stop_all CN-ZZ CN-XA

# Every line is the node's own; the hostile text is there, as values only.
if $CHECK json "$WORK/CN-XA.log" >"$WORK/xa.events" 2>"$WORK/check.err"; then
	ok "every line of CN-XA's log is one of its JSON events ($(wc -l <"$WORK/xa.events") lines)"
else not_ok "CN-XA's log: $(cat "$WORK/check.err")"; fi
for m in CN-ZZ CN-XA.kv; do
	if $CHECK kv "$WORK/$m.log" >"$WORK/$m.events" 2>"$WORK/check.err"; then
		ok "every line of $m's log is one of its key=value events ($(wc -l <"$WORK/$m.events") lines)"
	else not_ok "$m's log: $(cat "$WORK/check.err")"; fi
done
mv "$WORK/CN-ZZ.events" "$WORK/zz.events"
grep -q '"event": "equivocation_alarm"' "$WORK"/*.events &&
	not_ok "a forged equivocation_alarm event" || ok "no equivocation_alarm event in either log"
grep -a -n "^ts=2026-01-01T00:00:00.000Z $FORGED" "$WORK"/*.log >"$WORK/forged" &&
	not_ok "forged lines: $(head -c 400 "$WORK/forged")" || ok "no line starts with the forged event"
grep -q 'C14N error' "$WORK"/*.log && not_ok "libxml2 wrote to the log itself" ||
	ok "no 'C14N error' text from libxml2"
# forged text kept inside the values that carried it (decoded: a real LF)
has_value() { grep "\"event\": \"$2\"" "$1" | grep -q "\"$3\": \"[^\"]*\\\\n[^\"]*$FORGED"; }
has_value "$WORK/xa.events" pulled_record_refused why && ok "pull: the Origin is in why, escaped" || not_ok "pull: no escaped why"
has_value "$WORK/xa.events" record_refused why && ok "push: the Origin is in why, escaped" || not_ok "push: no escaped why"
has_value "$WORK/zz.events" receipt_refused why && ok "receipt: the Receiver is in why, escaped" || not_ok "receipt: no escaped why"
has_value "$WORK/zz.events" delivery_failed why && ok "delivery: the peer's problem detail is in why, escaped" ||
	not_ok "delivery: no escaped why"
grep '"event": "library_diagnostic"' "$WORK/xa.events" | grep -q 'Relative namespace' &&
	ok "libxml2's text is a value of a library_diagnostic event" || not_ok "no library_diagnostic with libxml2's text"
finish
