#!/bin/bash
# trust_min_threshold.sh: [trust] min_threshold (SPEC [TL-80]). A node set
# to 2 refuses to start on a first list with one anchor signature (what one
# stolen anchor key can sign), starts on a 2-of-2 list, and refuses a later
# list that lowers the Threshold to 1, keeping the list it holds, at a
# reload and at a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
ZZ="$F/members/CN-ZZ"
fed_init "$F" CN-ZZ CN-XA
"$SILKPORT" federation init "$WORK/op2" --federation silk >/dev/null 2>&1 || not_ok "a second operator"
OP1="--key $F/operator/key.pem --cert $F/operator/cert.pem"
OP2="--key $WORK/op2/operator/key.pem --cert $WORK/op2/operator/cert.pem"
# both operators' certificates are CN-ZZ's anchors; it wants 2 signatures
sed -i "/^\[trust\]/a min_threshold = 2\nanchor = $WORK/op2/operator/cert.pem" "$ZZ/node.ini"
expect 0 "check-config accepts [trust] min_threshold = 2" -- "$SILKPORT" check-config --config "$ZZ/node.ini"
sed 's/^min_threshold = 2/min_threshold = 0/' "$ZZ/node.ini" >"$ZZ/zero.ini"
expect 1 "check-config refuses min_threshold = 0" -- "$SILKPORT" check-config --config "$ZZ/zero.ini"
expect_err 'zero.ini:[0-9]+: .*min_threshold' "naming the file, line and option"
"$SILKPORT" check-config --list | grep -q '^min_threshold .*(default: 1)' && ok "check-config --list names it, default 1" ||
	not_ok "check-config --list: $("$SILKPORT" check-config --list | grep -i threshold)"

# (1) The first list, one anchor signature (Threshold 1): refused, no start.
if start_node "$F" CN-ZZ 2>/dev/null; then
	not_ok "CN-ZZ started on a list with one anchor signature"
	stop_node CN-ZZ
else
	ok "CN-ZZ does not start on a first list with one anchor signature"
fi
grep -q 'event=trust_list_refused .*err=threshold-not-met threshold=1 signers=1 min_threshold=2' "$WORK/CN-ZZ.log" &&
	ok "it logs trust_list_refused threshold-not-met with the Threshold, signers and min_threshold" ||
	not_ok "log: $(grep -E 'trust_list|start' "$WORK/CN-ZZ.log" | tail -3)"

# (2) A 2-of-2 list, signed by both operators: CN-ZZ starts on it.
# shellcheck disable=SC2086
"$SILKPORT" trust-list update $OP1 --operator-cert "$F/operator/cert.pem" \
	--operator-cert "$WORK/op2/operator/cert.pem" --threshold 2 "$F/trust-list.xml" >"$WORK/l2-1.xml"
# shellcheck disable=SC2086
expect 0 "the second operator signs the 2-of-2 list" -- "$SILKPORT" trust-list sign $OP2 "$WORK/l2-1.xml"
cp "$WORK/out" "$F/trust-list.xml"
start_node "$F" CN-ZZ && ok "CN-ZZ starts on the 2-of-2 list" || { not_ok "start: $(tail -3 "$WORK/CN-ZZ.log")"; finish; }
grep -q 'event=started .*trust_list=2 ' "$WORK/CN-ZZ.log" && ok "on sequence 2" || not_ok "started: $(grep event=started "$WORK/CN-ZZ.log")"

# (3) A later list lowering the Threshold to 1, signed under the old
# threshold (both) as TL-73 asks: valid, but below min_threshold.
# shellcheck disable=SC2086
"$SILKPORT" trust-list update $OP1 --operator-cert "$F/operator/cert.pem" \
	--operator-cert "$WORK/op2/operator/cert.pem" --threshold 1 "$F/trust-list.xml" >"$WORK/l3-1.xml"
# shellcheck disable=SC2086
"$SILKPORT" trust-list sign $OP2 "$WORK/l3-1.xml" >"$WORK/l3.xml"
expect 0 "the threshold-1 list verifies on its own" -- "$SILKPORT" trust-list verify --anchor "$F/operator/cert.pem" "$WORK/l3.xml"
cp "$WORK/l3.xml" "$F/trust-list.xml"
kill -HUP "$PID_CN_ZZ"
wait_for 10 grep -q 'event=trust_list_refused .*sequence=3 .*err=threshold-not-met threshold=1' "$WORK/CN-ZZ.log" &&
	ok "at a reload, the list lowering the Threshold to 1 is refused" || not_ok "log: $(grep trust_list "$WORK/CN-ZZ.log" | tail -3)"
grep -q 'event=trust_list_installed .*sequence=3' "$WORK/CN-ZZ.log" && not_ok "sequence 3 installed" ||
	ok "and not installed"
has_metric "$F" CN-ZZ '^silkport_trust_list_sequence(\{[^}]*\})? 2$' && ok "the node still acts on sequence 2 (metric)" ||
	not_ok "metric: $(grep trust_list_sequence "$WORK/metrics.CN-ZZ")"
stop_node CN-ZZ
start_node "$F" CN-ZZ && grep -q 'event=started .*trust_list=2 ' "$WORK/CN-ZZ.log" &&
	ok "at a restart with it in the file, CN-ZZ keeps the list it holds (sequence 2)" ||
	not_ok "restart: $(grep -E 'trust_list|started' "$WORK/CN-ZZ.log" | tail -3)"

fed_stop_all CN-ZZ
finish
