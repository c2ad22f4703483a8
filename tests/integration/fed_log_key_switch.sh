#!/bin/bash
# fed_log_key_switch.sh: the latest own checkpoint follows the checkpoint
# key that the list names ([LOG-52]) with nothing appended. CN-ZZ's
# operator points it at its next key before the list names it: the node
# warns and keeps serving the checkpoint of the listed key. Once a list
# that names the next key is installed (a reload), the same checkpoint is
# served signed by the next key; after the promotion it still is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
ZZ="$F/members/CN-ZZ"
OP="--key $F/operator/key.pem --cert $F/operator/cert.pem"
fed_init "$F" CN-ZZ CN-XA
OLD=$(sed -n 's/.*<LogKey>\(silkport\/silk\/CN-ZZ+[^<]*\)<\/LogKey>.*/\1/p' "$F/trust-list.xml")

# signer_is VKEY: CN-ZZ's own checkpoint, as it serves it, carries VKEY's
# key ID (LOG-8) in its signature line.
signer_is() {
	hcurl "$F" op:CN-ZZ CN-ZZ /v1/logs/CN-ZZ/checkpoint >"$WORK/cp"
	want=$(echo "$1" | cut -d+ -f2)
	got=$(sed -n 's/^— silkport\/silk\/CN-ZZ \([^ ]*\)$/\1/p' "$WORK/cp" | head -1 |
		base64 -d 2>/dev/null | head -c4 | od -An -tx1 | tr -d ' \n')
	[ -n "$want" ] && [ "$got" = "$want" ]
}
reloaded() { grep -q "event=trust_list_installed federation=silk sequence=$1 " "$WORK/CN-ZZ.log"; }

start_node "$F" CN-ZZ || { not_ok "start"; finish; }
wait_for 10 signer_is "$OLD" && ok "CN-ZZ's checkpoint is signed by its LogKey" || not_ok "checkpoint: $(cat "$WORK/cp")"
size=$(sed -n 2p "$WORK/cp")

# The next key, used before any list names it: a warning, no new signature.
expect 0 "member renew --next-log-key" -- "$SILKPORT" member renew "$ZZ" --next-log-key
VKEY=$(head -1 "$WORK/out")
stop_node CN-ZZ
sed -i 's#^log_key = log-key.pem#log_key = next-log-key.pem#' "$ZZ/node.ini"
start_node "$F" CN-ZZ || { not_ok "restart"; finish; }
grep -q 'event=log_key_mismatch' "$WORK/CN-ZZ.log" && ok "CN-ZZ warns that the list names another key" || not_ok "no log_key_mismatch"
sleep 2
signer_is "$OLD" && ok "and keeps serving the checkpoint signed by the listed key" || not_ok "checkpoint: $(cat "$WORK/cp")"

# The list names it as NextLogKey: installed at a reload, the same
# checkpoint is signed again by the next key.
# shellcheck disable=SC2086
expect 0 "trust-list update --next-log-key" -- "$SILKPORT" trust-list update $OP --next-log-key "CN-ZZ=$VKEY" "$F/trust-list.xml"
cp "$WORK/out" "$F/trust-list.xml"
kill -HUP "$PID_CN_ZZ"
wait_for 10 reloaded 2 && ok "CN-ZZ installs the list naming its next key" || not_ok "not installed: $(grep trust_list "$WORK/CN-ZZ.log" | tail -2)"
wait_for 10 signer_is "$VKEY" && [ "$(sed -n 2p "$WORK/cp")" = "$size" ] &&
	ok "its checkpoint of size $size is served signed by the next key, nothing appended" || not_ok "checkpoint: $(cat "$WORK/cp")"

# Promoted: the old key is dropped; the checkpoint served stays the next key's.
# shellcheck disable=SC2086
expect 0 "trust-list update --promote CN-ZZ" -- "$SILKPORT" trust-list update $OP --promote CN-ZZ "$F/trust-list.xml"
cp "$WORK/out" "$F/trust-list.xml"
kill -HUP "$PID_CN_ZZ"
wait_for 10 reloaded 3 && ok "CN-ZZ installs the promotion" || not_ok "not installed"
sleep 2
signer_is "$VKEY" && ok "its checkpoint is still signed by the (now current) key" || not_ok "checkpoint: $(cat "$WORK/cp")"
[ "$(grep -c 'event=checkpoint_resigned' "$WORK/CN-ZZ.log")" = 1 ] && ok "signed again once" ||
	not_ok "checkpoint_resigned: $(grep -c 'event=checkpoint_resigned' "$WORK/CN-ZZ.log")"

fed_stop_all CN-ZZ
finish
