#!/bin/bash
# trust_reset.sh: recovery after the operator threshold is compromised
# (SPEC 7.3, [TL-76]). A stolen operator key pushed a list the node stored;
# a list under the operator's new anchor with a lower sequence cannot
# replace it in band. The node's operator installs the new anchor and runs
# `silkport trust-list reset`, which is logged; the node then starts from
# the new list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_init "$F" CN-ZZ
INI="$F/members/CN-ZZ/node.ini"
O="$F/operator"
cp "$F/trust-list.xml" "$WORK/l1.xml"
digest() { sha256sum "$1" | cut -c1-64; }

# The operator names its key (threshold 1); then the thief, with that key,
# pushes sequence 3, which the node stores.
expect 0 "the operator lists its key, threshold 1" -- "$SILKPORT" trust-list update --key "$O/key.pem" --cert "$O/cert.pem" \
	--operator-cert "$O/cert.pem" --threshold 1 "$WORK/l1.xml"
cp "$WORK/out" "$WORK/l2.xml"
expect 0 "the thief makes sequence 3" -- "$SILKPORT" trust-list update --key "$O/key.pem" --cert "$O/cert.pem" "$WORK/l2.xml"
cp "$WORK/out" "$WORK/l3.xml"
cp "$WORK/l3.xml" "$F/trust-list.xml"
fstart "$F" CN-ZZ || not_ok "CN-ZZ starts"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk >"$WORK/served.xml"
[ "$(digest "$WORK/served.xml")" = "$(digest "$WORK/l3.xml")" ] && ok "the node holds the thief's list" || not_ok "served: $(head -c 200 "$WORK/served.xml")"
stop_node CN-ZZ

# The operator's new anchor, and a list under it with a lower sequence.
"$SILKPORT" federation init "$WORK/new" --federation silk >/dev/null 2>&1 || not_ok "new operator key"
expect 0 "the new operator signs a list of sequence 2" -- "$SILKPORT" trust-list update --key "$WORK/new/operator/key.pem" \
	--cert "$WORK/new/operator/cert.pem" "$WORK/l1.xml"
cp "$WORK/out" "$WORK/r.xml"
cp "$WORK/r.xml" "$F/trust-list.xml"
sed -i "s|^anchor = .*|anchor = $WORK/new/operator/cert.pem|" "$INI"

# In band, nothing replaces the stored list: the node stays on it.
fstart "$F" CN-ZZ || not_ok "CN-ZZ starts with the new anchor"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk >"$WORK/served.xml"
[ "$(digest "$WORK/served.xml")" = "$(digest "$WORK/l3.xml")" ] && ok "without a reset the stored list stays" || not_ok "served: $(head -c 200 "$WORK/served.xml")"
stop_node CN-ZZ

# A list the configured anchors do not verify is no reset.
expect 1 "reset refuses a list the configured anchors do not verify" -- "$SILKPORT" trust-list reset --config "$INI" "$WORK/l3.xml"
expect_err 'untrusted-anchor|threshold-not-met|signature-invalid' "with the verifier's error"
expect 0 "the node's operator resets the list" -- "$SILKPORT" trust-list reset --config "$INI"
grep -q "^reset silk: sequence 2 ($(digest "$WORK/r.xml")) replaces 3 ($(digest "$WORK/l3.xml"))" "$WORK/out" &&
	ok "it says which list replaces which" || not_ok "out: $(cat "$WORK/out")"
grep -q 'trust_list_reset' "$WORK/err" && grep -q "old_digest=$(digest "$WORK/l3.xml")" "$WORK/err" &&
	ok "logged at error level as trust_list_reset with the old list's digest" || not_ok "log: $(cat "$WORK/err")"
fstart "$F" CN-ZZ || not_ok "CN-ZZ starts after the reset"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk >"$WORK/served.xml"
[ "$(digest "$WORK/served.xml")" = "$(digest "$WORK/r.xml")" ] && ok "the node starts from the new list" || not_ok "served: $(head -c 200 "$WORK/served.xml")"
stop_node CN-ZZ

finish
