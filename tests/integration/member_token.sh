#!/bin/bash
# member_token.sh: a member joins with its signing and TLS keys made inside
# a PKCS#11 token (SoftHSM2) by "member init --pkcs11": the join request
# carries CSRs signed in the token, "member install" writes a node.ini that
# names the keys by URI with the token settings, no file holds either key,
# and the node exchanges records with a member whose keys are files. Then
# "member renew" makes the new signing key in the same token and "member
# install" of the renewal points node.ini at it; old and new records verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
. "$(dirname "$0")/join_common.bash"

MOD=/usr/lib/softhsm/libsofthsm2.so
command -v softhsm2-util >/dev/null && [ -e "$MOD" ] || {
	not_ok "softhsm2 is not installed (packaging/install-deps.sh --tests)"; finish; exit 1; }

mkdir "$WORK/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
softhsm2-util --init-token --free --label zz-hsm --pin Zz-pin-4k --so-pin 12345678 >/dev/null
export SP_ZZ_PIN=Zz-pin-4k

OP="$WORK/operator-site"
F="$WORK/fed"
M="$F/members/CN-ZZ"
free_base 2
"$SILKPORT" federation init "$OP" --federation silk 2>/dev/null
mkdir -p "$F/operator" "$OP/received"
cp "$OP/operator/cert.pem" "$F/operator/cert.pem"

expect 2 "--pkcs11 refuses an SM2 key (libp11 makes P-256 and RSA only)" -- \
	"$SILKPORT" member init "$WORK/sm2" --federation silk --member CN-SM --role zone --host 127.0.0.1 \
	--port "$BASE" --alg sm2 --pkcs11 "pkcs11:token=zz-hsm" --module "$MOD" --pin-env SP_ZZ_PIN
expect_err "SM2 key cannot be made in a token" "and says why"
expect 2 "--module without --pkcs11 is refused" -- \
	"$SILKPORT" member init "$WORK/x" --federation silk --member CN-X --role zone --host 127.0.0.1 \
	--port "$BASE" --module "$MOD"
SP_ZZ_PIN=Wrong-pin-1 expect 1 "a wrong PIN stops member init" -- \
	"$SILKPORT" member init "$WORK/wrong" --federation silk --member CN-W --role zone --host 127.0.0.1 \
	--port "$BASE" --pkcs11 "pkcs11:token=zz-hsm" --module "$MOD" --pin-env SP_ZZ_PIN
grep -q 'Wrong-pin-1' "$WORK/err" && not_ok "the PIN is echoed" || ok "without echoing the PIN"

expect 0 "member init --pkcs11: keys made in the token" -- \
	"$SILKPORT" member init "$M" --federation silk --member CN-ZZ --role zone --host 127.0.0.1 \
	--port "$BASE" --pkcs11 "pkcs11:token=zz-hsm" --module "$MOD" --pin-env SP_ZZ_PIN
[ ! -e "$M/sign-key.pem" ] && [ ! -e "$M/tls-key.pem" ] && ok "no signing or TLS key file in the member's folder" ||
	not_ok "key files: $(ls "$M")"
grep -q '^key = pkcs11:token=zz-hsm;object=CN-ZZ-sign;type=private$' "$M/token-keys.ini" &&
	grep -q '^key = pkcs11:token=zz-hsm;object=CN-ZZ-tls;type=private$' "$M/token-keys.ini" &&
	grep -q '^pin_env = SP_ZZ_PIN$' "$M/token-keys.ini" && ok "token-keys.ini names both keys and the token settings" ||
	not_ok "token-keys.ini: $(cat "$M/token-keys.ini")"
grep -q 'Zz-pin-4k' "$M"/* && not_ok "a file holds the PIN" || ok "no file holds the PIN"
softhsm2-util --show-slots 2>/dev/null | grep -q zz-hsm && ok "the token is there" || not_ok "token missing"

# The operator adds CN-ZZ from its request alone, then a file-key member.
cp "$M/join-request.xml" "$OP/received/CN-ZZ.xml"
expect 0 "the operator adds the token member from its request" -- \
	"$SILKPORT" trust-list add-member --key "$OP/operator/key.pem" --cert "$OP/operator/cert.pem" \
	--request "$OP/received/CN-ZZ.xml" --issued-dir "$OP/issued/CN-ZZ" "$OP/trust-list.xml"
cp "$WORK/out" "$OP/trust-list.xml"
"$SILKPORT" member init "$F/members/CN-XA" --federation silk --member CN-XA --role zone --host 127.0.0.1 \
	--port $((BASE + 1)) 2>/dev/null
"$SILKPORT" trust-list add-member --key "$OP/operator/key.pem" --cert "$OP/operator/cert.pem" \
	--request "$F/members/CN-XA/join-request.xml" --issued-dir "$OP/issued/CN-XA" "$OP/trust-list.xml" >"$OP/next.xml" 2>/dev/null
mv "$OP/next.xml" "$OP/trust-list.xml"
for m in CN-ZZ CN-XA; do
	expect 0 "$m: member install" -- "$SILKPORT" member install "$F/members/$m" --issued "$OP/issued/$m" \
		--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem"
	printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$F/members/$m/node.ini"
done
grep -q '^key = pkcs11:token=zz-hsm;object=CN-ZZ-sign;type=private$' "$M/node.ini" &&
	grep -q "^module = $MOD\$" "$M/node.ini" && ok "node.ini names the token keys and module" ||
	not_ok "node.ini: $(cat "$M/node.ini")"
expect 0 "check-config accepts it" -- "$SILKPORT" check-config --config "$M/node.ini"

# The two run and exchange records; CN-ZZ signs in the token.
fstart "$F" CN-ZZ && fstart "$F" CN-XA || { finish; exit 1; }
expect 0 "CN-ZZ submits (signed in the token)" -- fsubmit "$F" CN-ZZ declaration CN-XA
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 1 && ok "CN-XA holds CN-ZZ's record, verified" || not_ok "not delivered: $(held "$F" CN-XA CN-ZZ | tr '\n' ' ')"
expect 0 "CN-XA submits to CN-ZZ" -- fsubmit "$F" CN-XA waybill CN-ZZ
wait_for 20 held_count_is "$F" CN-ZZ CN-XA 1 && ok "CN-ZZ holds CN-XA's record (TLS key in the token)" || not_ok "not delivered to CN-ZZ"
"$SILKPORT" submit --config "$M/node.ini" --type release --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/release.xml" --out "$WORK/old.xml" >/dev/null
cp "$OP/trust-list.xml" "$WORK/list-before.xml"

# Renewal in the token: the new key is made beside the listed one, the
# operator certifies it, install points node.ini at it.
expect 0 "member renew: a new signing key inside the token" -- "$SILKPORT" member renew "$M"
grep -q '^pkcs11:token=zz-hsm;object=CN-ZZ-sign-[0-9]*;type=private$' "$M/renewal-sign-key.uri" &&
	ok "its URI waits in renewal-sign-key.uri" || not_ok "uri file: $(cat "$M/renewal-sign-key.uri" 2>&1)"
[ ! -e "$M/renewal-sign-key.pem" ] && ok "and no key file is made" || not_ok "a renewal key file"
expect 1 "a second renewal while one is pending is refused" -- "$SILKPORT" member renew "$M"
expect_err "renewal is pending" "saying a renewal is pending"
expect 0 "the operator renews CN-ZZ" -- "$SILKPORT" trust-list renew-member --key "$OP/operator/key.pem" \
	--cert "$OP/operator/cert.pem" --request "$M/renewal-request.xml" --issued-dir "$OP/renewed/CN-ZZ" \
	"$OP/trust-list.xml"
cp "$WORK/out" "$OP/trust-list.xml"
expect 0 "member install of the renewal" -- "$SILKPORT" member install "$M" --issued "$OP/renewed/CN-ZZ" \
	--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem"
new_uri=$(sed -n 's/^key = \(pkcs11:token=zz-hsm;object=CN-ZZ-sign-[0-9]*;type=private\)$/\1/p' "$M/node.ini")
[ -n "$new_uri" ] && ok "node.ini's [signing] key names the new key" || not_ok "node.ini: $(grep '^key' "$M/node.ini")"
grep -q '^key = pkcs11:token=zz-hsm;object=CN-ZZ-tls;type=private$' "$M/node.ini" && ok "and the TLS key is unchanged" ||
	not_ok "tls key: $(grep '^key' "$M/node.ini")"
[ ! -e "$M/renewal-sign-key.uri" ] && ok "the pending URI is gone" || not_ok "renewal-sign-key.uri left"
expect 0 "check-config accepts it" -- "$SILKPORT" check-config --config "$M/node.ini"
cp "$OP/trust-list.xml" "$F/members/CN-XA/trust-list.xml"
kill -HUP "$PID_CN_XA"
wait_for 20 grep -q 'event=trust_list_installed federation=silk sequence=4' "$WORK/CN-XA.log" &&
	ok "CN-XA takes the list with the new certificate" || not_ok "CN-XA: $(grep trust_list "$WORK/CN-XA.log" | tail -2)"
stop_node CN-ZZ
fstart "$F" CN-ZZ || { finish; exit 1; }
"$SILKPORT" submit --config "$M/node.ini" --type release --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/release.xml" --out "$WORK/new.xml" >/dev/null
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 3 && ok "a record signed with the renewed token key reaches CN-XA" ||
	not_ok "held: $(held "$F" CN-XA CN-ZZ | tr '\n' ' ')"
expect 0 "the record signed before the renewal verifies with the new list" -- "$SILKPORT" record verify \
	--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem" "$WORK/old.xml"
expect 0 "the record signed after it verifies too" -- "$SILKPORT" record verify \
	--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem" "$WORK/new.xml"
expect 1 "the new record does not verify with the list from before" -- "$SILKPORT" record verify \
	--trust-list "$WORK/list-before.xml" --anchor "$OP/operator/cert.pem" "$WORK/new.xml"
fed_stop_all CN-ZZ CN-XA
finish
