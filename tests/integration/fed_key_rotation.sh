#!/bin/bash
# fed_key_rotation.sh: key overlap (SPEC 14.30, [TL-79], [LOG-47]). CN-ZZ
# rotates its TLS certificate and its checkpoint key with overlap while
# records flow both ways: it makes the next keys ('member renew --next-tls
# --next-log-key'), the operator lists them as next ('trust-list update
# --next-tls-csr --next-log-key'), the list spreads, CN-ZZ switches (node.ini
# and a restart), the operator promotes them ('--promote'). Its log goes on
# under the new key (consistency from a checkpoint of the old key, offline),
# and a certificate or checkpoint key in neither slot is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
ZZ="$F/members/CN-ZZ"
OP="--key $F/operator/key.pem --cert $F/operator/cert.pem"
fed_up "$F" CN-ZZ CN-XA || exit 1
ok "two nodes"

# log_state AT ORIGIN ID: the silkport-log-state header of GET /v1/records/ID at AT.
log_state() {
	hcurl "$F" "op:$1" "$1" "/v1/records/$3?origin=$2" >/dev/null
	tr -d '\r' <"$WORK/headers" | sed -n 's/^silkport-log-state: //Ip'
}
state_is() { [ "$(log_state "$1" "$2" "$3")" = "$4" ]; }
# traffic STEP: one record each way, CN-ZZ's confirmed at CN-XA (its
# checkpoint verified there); N_ZZ and N_XA count what each holds.
N_ZZ=0
N_XA=0
traffic() {
	id=$(fsubmit "$F" CN-ZZ declaration CN-XA | cut -d' ' -f1)
	fsubmit "$F" CN-XA declaration CN-ZZ >/dev/null
	N_ZZ=$((N_ZZ + 1)); N_XA=$((N_XA + 1))
	wait_for 20 held_count_is "$F" CN-XA CN-ZZ $N_ZZ && wait_for 20 held_count_is "$F" CN-ZZ CN-XA $N_XA &&
		ok "$1: records flow both ways" || not_ok "$1: not delivered: $(grep -E 'peer|deliver' "$WORK/CN-XA.log" | tail -3)"
	wait_for 25 state_is CN-XA CN-ZZ "$id" confirmed &&
		ok "$1: CN-ZZ's record is confirmed at CN-XA (its checkpoint verifies)" || not_ok "$1: state $(log_state CN-XA CN-ZZ "$id")"
}
# install LIST SEQ: CN-ZZ reloads LIST; CN-XA gets it from CN-ZZ.
install() {
	cp "$1" "$F/trust-list.xml"
	kill -HUP "$PID_CN_ZZ"
	wait_for 10 grep -q "event=trust_list_installed federation=silk sequence=$2 " "$WORK/CN-ZZ.log" &&
		wait_for 20 grep -q "event=trust_list_installed federation=silk sequence=$2 " "$WORK/CN-XA.log" &&
		ok "both nodes install sequence $2" || not_ok "sequence $2 not installed: $(grep trust_list "$WORK/CN-XA.log" | tail -2)"
}
# checkpoint AT FILE: CN-ZZ's checkpoint as AT serves it.
checkpoint() { hcurl "$F" "op:$1" "$1" /v1/logs/CN-ZZ/checkpoint >"$2"; }
size_of() { sed -n 2p "$1"; }
# signer_is AT VKEY: the origin's signature line of CN-ZZ's checkpoint as AT
# serves it carries VKEY's key ID (its second field, LOG-8).
signer_is() {
	checkpoint "$1" "$WORK/cp-signer"
	want=$(echo "$2" | cut -d+ -f2)
	got=$(sed -n 's/^— silkport\/silk\/CN-ZZ \([^ ]*\)$/\1/p' "$WORK/cp-signer" | head -1 |
		base64 -d 2>/dev/null | head -c4 | od -An -tx1 | tr -d ' \n')
	[ -n "$want" ] && [ "$got" = "$want" ]
}

traffic "before the rotation"
checkpoint CN-ZZ "$WORK/cp-old"

# (1) The member makes its next keys; only the public parts leave.
expect 0 "member renew --next-tls --next-log-key" -- "$SILKPORT" member renew "$ZZ" --next-tls --next-log-key
VKEY=$(head -1 "$WORK/out")
[ -s "$ZZ/next-tls-key.pem" ] && [ -s "$ZZ/next-log-key.pem" ] && [ -s "$ZZ/next-tls.csr" ] &&
	case $VKEY in silkport/silk/CN-ZZ+*) true ;; *) false ;; esac &&
	ok "it makes the next TLS key, its CSR and the next checkpoint key ($VKEY)" || not_ok "files or key: $VKEY"

# (2) The operator lists them as next.
# shellcheck disable=SC2086
expect 0 "trust-list update --next-tls-csr --next-log-key" -- "$SILKPORT" trust-list update $OP \
	--next-tls-csr "CN-ZZ=$ZZ/next-tls.csr" --next-log-key "CN-ZZ=$VKEY" "$F/trust-list.xml"
cp "$WORK/out" "$WORK/tl2.xml"
[ -s "$ZZ/next-tls-cert.pem" ] && ok "the next TLS certificate is issued beside the CSR" || not_ok "no next-tls-cert.pem"
"$SILKPORT" trust-list show "$WORK/tl2.xml" >"$WORK/show2.txt"
grep -A8 '^  CN-ZZ' "$WORK/show2.txt" | grep -q "next-log-key $VKEY" && grep -A8 '^  CN-ZZ' "$WORK/show2.txt" | grep -q 'next-tls ' &&
	ok "the list shows both next slots" || not_ok "show: $(cat "$WORK/show2.txt")"
# shellcheck disable=SC2086
expect 1 "a NextLogKey of another member's name is refused" -- "$SILKPORT" trust-list update $OP \
	--next-log-key "CN-XA=$VKEY" "$WORK/tl2.xml"
install "$WORK/tl2.xml" 2
traffic "with the next slots listed"

# (3) CN-ZZ switches to its next certificate and key.
sed -i -e 's#^cert = tls-cert.pem#cert = next-tls-cert.pem#' -e 's#^key = tls-key.pem#key = next-tls-key.pem#' \
	-e 's#^log_key = log-key.pem#log_key = next-log-key.pem#' "$ZZ/node.ini"
expect 0 "check-config accepts the next certificate and key" -- "$SILKPORT" check-config --config "$ZZ/node.ini"
stop_node CN-ZZ
fstart "$F" CN-ZZ || not_ok "CN-ZZ restart"
grep -q 'event=log_key_mismatch' "$WORK/CN-ZZ.log" && not_ok "log_key_mismatch at start" || ok "CN-ZZ starts on its next keys"
# [LOG-52]: nothing appended since the switch, yet the checkpoint it serves
# is signed again by the next key (same size and root), so that it still
# verifies once the list drops the old key.
if wait_for 10 signer_is CN-ZZ "$VKEY" && [ "$(size_of "$WORK/cp-signer")" = "$N_ZZ" ]; then
	ok "with nothing appended, CN-ZZ serves its latest checkpoint signed by the next key (size $(size_of "$WORK/cp-signer"))"
else
	not_ok "CN-ZZ's checkpoint is not signed by the next key: $(cat "$WORK/cp-signer")"
fi
grep -q 'event=checkpoint_resigned origin=CN-ZZ' "$WORK/CN-ZZ.log" && ok "and logs checkpoint_resigned" ||
	not_ok "no checkpoint_resigned: $(grep checkpoint "$WORK/CN-ZZ.log" | tail -3)"
traffic "after CN-ZZ switched"
# CN-XA takes the next certificate as CN-ZZ, the one it replaced still too.
mkdir -p "$F/members/NEXT" "$F/members/OLD"
cp "$ZZ/next-tls-cert.pem" "$F/members/NEXT/tls-cert.pem"; cp "$ZZ/next-tls-key.pem" "$F/members/NEXT/tls-key.pem"
cp "$ZZ/tls-cert.pem" "$F/members/OLD/tls-cert.pem"; cp "$ZZ/tls-key.pem" "$F/members/OLD/tls-key.pem"
hcurl "$F" NEXT CN-XA "/v1/logs/CN-ZZ/entries?start=0" >/dev/null; expect_status 200 "CN-XA identifies CN-ZZ by its next certificate"
hcurl "$F" OLD CN-XA "/v1/logs/CN-ZZ/entries?start=0" >/dev/null; expect_status 200 "and still by its current one"
# The log went on under the new key: consistency from the old key's checkpoint.
checkpoint CN-XA "$WORK/cp-new"
grep -q "^— silkport/silk/CN-ZZ " "$WORK/cp-new" && ok "CN-XA serves CN-ZZ's checkpoint of size $(size_of "$WORK/cp-new")" || not_ok "checkpoint: $(cat "$WORK/cp-new")"
hcurl "$F" op:CN-ZZ CN-ZZ "/v1/logs/CN-ZZ/proofs/consistency?old=$(size_of "$WORK/cp-old")&size=$(size_of "$WORK/cp-new")" >"$WORK/cons"
expect 0 "log consistency: the old key's checkpoint to the next key's, with both listed" -- \
	"$SILKPORT" log consistency "$WORK/cp-old" "$WORK/cp-new" "$WORK/cons" --trust-list "$WORK/tl2.xml" --anchor "$F/operator/cert.pem"

# (4) The operator promotes them: the old ones are dropped.
# shellcheck disable=SC2086
expect 0 "trust-list update --promote CN-ZZ" -- "$SILKPORT" trust-list update $OP --promote CN-ZZ "$WORK/tl2.xml"
cp "$WORK/out" "$WORK/tl3.xml"
"$SILKPORT" trust-list show "$WORK/tl3.xml" >"$WORK/show3.txt"
grep -A8 '^  CN-ZZ' "$WORK/show3.txt" | grep -q "log-key      $VKEY" && ! grep -Eq 'next-(tls|log-key)' "$WORK/show3.txt" &&
	ok "the next key is now the current one, no next slot left" || not_ok "show: $(cat "$WORK/show3.txt")"
install "$WORK/tl3.xml" 3
traffic "after the promotion"

# (5) Neither slot: refused.
hcurl "$F" OLD CN-XA "/v1/logs/CN-ZZ/entries?start=0" >/dev/null; expect_status 403 "the dropped certificate is refused"
grep -q "not a member's TLS certificate" "$WORK/body" && ok "as no member's TLS certificate" || not_ok "body: $(cat "$WORK/body")"
expect 1 "a checkpoint of the dropped key no longer verifies offline" -- \
	"$SILKPORT" log consistency "$WORK/cp-old" "$WORK/cp-new" "$WORK/cons" --trust-list "$WORK/tl3.xml" --anchor "$F/operator/cert.pem"
grep -q 'checkpoint-invalid' "$WORK/err" && ok "as checkpoint-invalid" || not_ok "error: $(cat "$WORK/err")"
# CN-ZZ signs with the dropped key: CN-XA refuses its checkpoints, and the
# records stay pending.
sed -i -e 's#^log_key = next-log-key.pem#log_key = log-key.pem#' "$ZZ/node.ini"
stop_node CN-ZZ
fstart "$F" CN-ZZ || not_ok "CN-ZZ restart"
id=$(fsubmit "$F" CN-ZZ declaration CN-XA | cut -d' ' -f1)
N_ZZ=$((N_ZZ + 1))
wait_for 20 held_count_is "$F" CN-XA CN-ZZ $N_ZZ && ok "a record after that is delivered" || not_ok "not delivered"
wait_for 20 grep -q 'event=checkpoint_refused.*origin=CN-ZZ' "$WORK/CN-XA.log" &&
	ok "CN-XA refuses the checkpoint of a key in neither slot" || not_ok "no checkpoint_refused: $(grep checkpoint "$WORK/CN-XA.log" | tail -3)"
state_is CN-XA CN-ZZ "$id" pending && ok "and the record stays pending" || not_ok "state $(log_state CN-XA CN-ZZ "$id")"

# CN-ZZ presents the dropped certificate: CN-XA, as client, refuses it in
# the handshake (the pin), and holds its delivery.
sed -i -e 's#^cert = next-tls-cert.pem#cert = tls-cert.pem#' -e 's#^key = next-tls-key.pem#key = tls-key.pem#' "$ZZ/node.ini"
stop_node CN-ZZ
fstart "$F" CN-ZZ || not_ok "CN-ZZ restart"
fsubmit "$F" CN-XA declaration CN-ZZ >/dev/null
wait_for 20 has_metric "$F" CN-XA '^silkport_outbox_depth\{peer="CN-ZZ"\} [1-9]' && sleep 3 &&
	"$SILKPORT" peers --config "$F/members/CN-XA/node.ini" >"$WORK/peers.txt" &&
	grep -A12 '^peer CN-ZZ' "$WORK/peers.txt" | grep -q 'does not match the pinned certificate' &&
	ok "CN-XA refuses CN-ZZ's server certificate in neither slot and holds the delivery" ||
	not_ok "pin: $(grep -A12 '^peer CN-ZZ' "$WORK/peers.txt" 2>/dev/null) $(grep -E 'outbox_depth' "$WORK/metrics.CN-XA")"
held_count_is "$F" CN-ZZ CN-XA $N_XA && ok "nothing reached CN-ZZ" || not_ok "CN-ZZ got the record"

fed_stop_all CN-ZZ CN-XA
finish
