#!/bin/bash
# fed_trust_split.sh: the operator shows two members two different lists of
# one sequence (SPEC [FED-60], SEC-47). Each member names the SHA-256 of
# its list beside the sequence in every request (silkport-trust-list-
# digest); the other sees a list of its own sequence that is not its own
# and alarms at error level, naming both digests, and still refuses the
# other list (TL-16), which it keeps in its store as evidence; a list that
# follows the other one is a fork (TL-75), refused and kept as well.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_init "$F" CN-ZZ CN-XA
O="$F/operator"
digest() { sha256sum "$1" | cut -c1-64; }
expect 0 "the operator makes list A of sequence 2" -- "$SILKPORT" trust-list update --key "$O/key.pem" --cert "$O/cert.pem" \
	--valid-days 6 "$F/trust-list.xml"
cp "$WORK/out" "$WORK/a.xml"
expect 0 "and list B of sequence 2" -- "$SILKPORT" trust-list update --key "$O/key.pem" --cert "$O/cert.pem" \
	--valid-days 5 "$F/trust-list.xml"
cp "$WORK/out" "$WORK/b.xml"
[ "$(digest "$WORK/a.xml")" != "$(digest "$WORK/b.xml")" ] && ok "two different lists" || not_ok "the same list twice"
sed -i "s|^list = .*|list = $WORK/a.xml|" "$F/members/CN-ZZ/node.ini"
sed -i "s|^list = .*|list = $WORK/b.xml|" "$F/members/CN-XA/node.ini"
printf '\n[console]\nlisten = 127.0.0.1:0\n' >>"$F/members/CN-ZZ/node.ini"
fstart "$F" CN-ZZ || not_ok "CN-ZZ starts"
fstart "$F" CN-XA || not_ok "CN-XA starts"

split_logged() { grep -q 'trust_list_split' "$WORK/$1.log"; }
wait_for 20 split_logged CN-ZZ && ok "CN-ZZ alarms: a member holds another list of its sequence" ||
	not_ok "no trust_list_split at CN-ZZ: $(grep -i 'trust_list' "$WORK/CN-ZZ.log" | tail -3)"
grep 'trust_list_split' "$WORK/CN-ZZ.log" | grep -q "held=$(digest "$WORK/a.xml")" &&
	grep 'trust_list_split' "$WORK/CN-ZZ.log" | grep -q "announced=$(digest "$WORK/b.xml")" &&
	grep 'trust_list_split' "$WORK/CN-ZZ.log" | grep -q 'peer=CN-XA' &&
	ok "the alarm names the peer and both digests" || not_ok "alarm: $(grep 'trust_list_split' "$WORK/CN-ZZ.log" | head -1)"
[ "$(grep -c 'trust_list_split' "$WORK/CN-ZZ.log")" = 1 ] && ok "once per digest" ||
	not_ok "$(grep -c 'trust_list_split' "$WORK/CN-ZZ.log") alarms"
wait_for 20 split_logged CN-XA && ok "CN-XA alarms too" || not_ok "no trust_list_split at CN-XA"
# the other list, fetched and refused, is kept as evidence: its very bytes
kept() {
	db_sql "$F/members/$1/node.db" "SELECT CAST(bytes AS TEXT) FROM evidence \
		WHERE kind = 'trust-list' AND subject = 'silk' AND digest = '$(digest "$2")'" \
		>"$WORK/kept-$1.xml" 2>/dev/null &&
		[ -s "$WORK/kept-$1.xml" ] && cmp -s "$WORK/kept-$1.xml" <(cat "$2"; echo) # (a line feed after each row)
}
wait_for 20 kept CN-ZZ "$WORK/b.xml" && ok "CN-ZZ keeps CN-XA's list in its store (evidence)" ||
	not_ok "no evidence at CN-ZZ: $(db_sql "$F/members/CN-ZZ/node.db" 'SELECT kind, subject, digest, source FROM evidence' 2>&1)"
[ "$(db_sql "$F/members/CN-ZZ/node.db" "SELECT source FROM evidence WHERE kind = 'trust-list'")" = CN-XA ] &&
	ok "the evidence names the member it came from" || not_ok "source: $(db_sql "$F/members/CN-ZZ/node.db" 'SELECT source FROM evidence')"
wait_for 20 kept CN-XA "$WORK/a.xml" && ok "CN-XA keeps CN-ZZ's list" || not_ok "no evidence at CN-XA"
CPORT=$(sed -n 's/.*event=console_listening .*port=\([0-9]*\).*/\1/p' "$WORK/CN-ZZ.log" | tail -1)
curl -sS -o "$WORK/evidence.html" "http://127.0.0.1:$CPORT/console/evidence" 2>"$WORK/curl.err" || true
grep -q 'A trust list of a split view or fork: silk' "$WORK/evidence.html" &&
	grep -q "$(digest "$WORK/b.xml")" "$WORK/evidence.html" && ok "the console's evidence page shows it to the operator" ||
	not_ok "console evidence: $(grep -o '<section.*' "$WORK/evidence.html" | head -c 300)$(cat "$WORK/curl.err")"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk >"$WORK/served.xml"
[ "$(digest "$WORK/served.xml")" = "$(digest "$WORK/a.xml")" ] && ok "CN-ZZ keeps its list (TL-16)" || not_ok "CN-ZZ serves another list"

# A fork (TL-75): the operator follows B with list C of sequence 3, shown to
# CN-XA alone; CN-ZZ, holding A, fetches C, refuses it and keeps it too.
expect 0 "the operator makes list C of sequence 3 after B" -- "$SILKPORT" trust-list update --key "$O/key.pem" \
	--cert "$O/cert.pem" --valid-days 5 "$WORK/b.xml"
cp "$WORK/out" "$WORK/c.xml"
grep -q "$(digest "$WORK/b.xml")" "$WORK/c.xml" && ok "C names B as its PreviousList" || not_ok "C does not name B"
stop_node CN-XA
sed -i "s|^list = .*|list = $WORK/c.xml|" "$F/members/CN-XA/node.ini"
fstart "$F" CN-XA || not_ok "CN-XA starts again"
fork_logged() { grep -q 'trust_list_fork' "$WORK/CN-ZZ.log"; }
wait_for 30 kept CN-ZZ "$WORK/c.xml" && ok "CN-ZZ keeps the forked list C in its store" ||
	not_ok "no fork evidence at CN-ZZ: $(grep -E 'trust_list_(fork|refused|fetch)' "$WORK/CN-ZZ.log" | tail -3)"
fork_logged && ok "and alarms trust_list_fork" || not_ok "no trust_list_fork at CN-ZZ"
[ "$(db_sql "$F/members/CN-ZZ/node.db" "SELECT count(*) FROM evidence WHERE kind = 'trust-list' AND subject = 'silk'")" = 2 ] &&
	ok "two lists kept, each once" || not_ok "evidence rows: $(db_sql "$F/members/CN-ZZ/node.db" 'SELECT kind, digest FROM evidence')"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk >"$WORK/served.xml"
[ "$(digest "$WORK/served.xml")" = "$(digest "$WORK/a.xml")" ] && ok "CN-ZZ still holds A (TL-75)" || not_ok "CN-ZZ took the fork"
fed_stop_all

finish
