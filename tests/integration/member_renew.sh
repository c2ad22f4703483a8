#!/bin/bash
# member_renew.sh: a member renews its signing certificate without its key
# leaving its machine (SPEC 7.8): member renew (a new key, a request signed
# by the new key and by the listed one), trust-list renew-member (the new
# certificate beside the old one), member install, a restart. Records
# signed before and after verify, at the peer and with record verify; the
# old key no longer signs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
. "$(dirname "$0")/join_common.bash"

OP="$WORK/operator-site"
F="$WORK/fed"
join_init "$OP" "$F" CN-ZZ KZ-KGS:port-authority && ok "two members joined with their own keys" || { not_ok "join"; finish; exit 1; }
cp "$OP/trust-list.xml" "$WORK/list-before.xml"
for m in CN-ZZ KZ-KGS; do fstart "$F" "$m" || exit 1; done
ZZ="$F/members/CN-ZZ"

"$SILKPORT" submit --config "$ZZ/node.ini" --type declaration --broadcast \
	--body "$SP_DATA_DIR/bodies/declaration.xml" --out "$WORK/old.xml" >/dev/null
wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 1 && ok "a record signed with the first key reaches KZ-KGS" || not_ok "first record"
openssl pkey -in "$ZZ/sign-key.pem" -pubout >"$WORK/old-pub.pem"

# -- the member asks
expect 0 "member renew" -- "$SILKPORT" member renew "$ZZ"
grep -q 'renewal-request.xml to the operator of federation silk' "$WORK/err" && ok "says what to send to whom" ||
	not_ok "renew output: $(head -c 300 "$WORK/err")"
[ -f "$ZZ/renewal-sign-key.pem" ] && [ "$(stat -c %a "$ZZ/renewal-sign-key.pem")" = 600 ] &&
	ok "the new key is made beside the node, private" || not_ok "no private renewal key"
grep -q '<PreviousKeySignature>' "$ZZ/renewal-request.xml" && ! grep -q 'PRIVATE' "$ZZ/renewal-request.xml" &&
	ok "the request carries the previous key's signature, no private key" || not_ok "renewal request content"
expect 1 "a second member renew while one is pending is refused" -- "$SILKPORT" member renew "$ZZ"
cp "$ZZ/renewal-request.xml" "$OP/received/CN-ZZ-renewal.xml"

# -- the operator issues
expect 0 "trust-list renew-member" -- "$SILKPORT" trust-list renew-member --key "$OP/operator/key.pem" \
	--cert "$OP/operator/cert.pem" --request "$OP/received/CN-ZZ-renewal.xml" --issued-dir "$OP/renewed/CN-ZZ" \
	"$OP/trust-list.xml"
cp "$WORK/out" "$OP/trust-list.xml"
"$SILKPORT" trust-list show --anchor "$OP/operator/cert.pem" "$OP/trust-list.xml" >"$WORK/show"
[ "$(sed -n '/^  CN-ZZ /,/^$/p' "$WORK/show" | grep -c 'signing-cert')" = 2 ] && ok "CN-ZZ has the old and the new signing certificate" ||
	not_ok "show: $(cat "$WORK/show")"
grep -q 'sequence:    4' "$WORK/show" && ok "in sequence 4" || not_ok "sequence: $(grep sequence "$WORK/show")"
grep -rl 'PRIVATE KEY' "$OP" | grep -Ev "^$OP/operator/(timestamp-)?key.pem\$" | grep -q . && not_ok "a private key reached the operator" ||
	ok "still no member key under the operator's folder"
expect 1 "the same renewal request again is refused: its key is listed already" -- "$SILKPORT" trust-list renew-member \
	--key "$OP/operator/key.pem" --cert "$OP/operator/cert.pem" --request "$OP/received/CN-ZZ-renewal.xml" \
	--issued-dir "$OP/renewed-again" "$OP/trust-list.xml"
expect_err 'rejected member-exists: .*already listed' "as member-exists"

# -- the member installs and restarts
expect 0 "member install of the renewal" -- "$SILKPORT" member install "$ZZ" --issued "$OP/renewed/CN-ZZ" \
	--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem"
openssl pkey -in "$ZZ/sign-key.pem" -pubout >"$WORK/new-pub.pem"
! cmp -s "$WORK/old-pub.pem" "$WORK/new-pub.pem" && ok "the node's signing key is the new one" || not_ok "key unchanged"
ls "$ZZ"/retired-sign-key-*.pem >/dev/null 2>&1 && ok "the retired key is kept aside" || not_ok "no retired key file"
openssl x509 -in "$ZZ/sign-cert.pem" -noout -pubkey | cmp -s - "$WORK/new-pub.pem" && ok "sign-cert.pem holds the new certificate" ||
	not_ok "sign-cert.pem does not match the new key"
cp "$OP/trust-list.xml" "$F/members/KZ-KGS/trust-list.xml"
kill -HUP "$PID_KZ_KGS"
wait_for 20 grep -q 'event=trust_list_installed federation=silk sequence=4' "$WORK/KZ-KGS.log" &&
	ok "KZ-KGS takes the new list" || not_ok "KZ-KGS: $(grep trust_list "$WORK/KZ-KGS.log" | tail -2)"
stop_node CN-ZZ
fstart "$F" CN-ZZ || exit 1
"$SILKPORT" submit --config "$ZZ/node.ini" --type release --broadcast \
	--body "$SP_DATA_DIR/bodies/release.xml" --out "$WORK/new.xml" >/dev/null
wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 2 && ok "a record signed with the new key reaches KZ-KGS" || not_ok "second record"
wait_for 40 has_metric "$F" KZ-KGS '^silkport_records_proven\{origin="CN-ZZ"\} 2$' &&
	ok "KZ-KGS proves both against CN-ZZ's checkpoint" || not_ok "proofs: $(grep -E 'records_(un)?proven' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"

# -- old and new records verify with the new list; the new one needs it
expect 0 "the record signed before the renewal verifies with the new list" -- "$SILKPORT" record verify \
	--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem" "$WORK/old.xml"
expect 0 "the record signed after it verifies too" -- "$SILKPORT" record verify \
	--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem" "$WORK/new.xml"
expect 1 "the new record does not verify with the list from before (the new key signs it)" -- "$SILKPORT" record verify \
	--trust-list "$WORK/list-before.xml" --anchor "$OP/operator/cert.pem" "$WORK/new.xml"
expect_err 'signature-invalid' "as signature-invalid"
grep -q 'event=equivocation_alarm' "$WORK"/*.log && not_ok "an alarm" || ok "no alarm"
fed_stop_all CN-ZZ KZ-KGS
finish
