#!/bin/bash
# fed_trust_split.sh: the operator shows two members two different lists of
# one sequence (SPEC [FED-60], SEC-47). Each member names the SHA-256 of
# its list beside the sequence in every request (silkport-trust-list-
# digest); the other sees a list of its own sequence that is not its own
# and alarms at error level, naming both digests, and still refuses the
# other list (TL-16).
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
hcurl "$F" none CN-ZZ /v1/trust-lists/silk >"$WORK/served.xml"
[ "$(digest "$WORK/served.xml")" = "$(digest "$WORK/a.xml")" ] && ok "CN-ZZ keeps its list (TL-16)" || not_ok "CN-ZZ serves another list"
fed_stop_all

finish
