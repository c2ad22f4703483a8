#!/bin/bash
# fed_token.sh: one member of a three-node federation runs from a SoftHSM2
# token: its signing key (P-256) and TLS key (RSA 2048) are generated inside
# the token with "silkport key generate", certified by the operator, listed,
# and the node runs with no file holding either key. The others verify its
# records and receipts, it verifies theirs; a wrong PIN stops it with a
# named error that names the token and not the PIN.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

MOD=/usr/lib/softhsm/libsofthsm2.so
command -v softhsm2-util >/dev/null && [ -e "$MOD" ] || {
	not_ok "softhsm2 is not installed (packaging/install-deps.sh --tests)"; finish; exit 1; }

F="$WORK/fed"
H="$F/members/CN-HSM"
fed_init "$F" CN-ZZ CN-XA CN-HSM

# The token: its own folder, a user PIN only this test knows.
mkdir "$WORK/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
softhsm2-util --init-token --free --label cn-hsm --pin Hsm-pin-7q --so-pin 12345678 >/dev/null
export SP_HSM_PIN=Hsm-pin-7q

expect 0 "key generate: a P-256 signing key inside the token" -- \
	"$SILKPORT" key generate --pkcs11 "pkcs11:token=cn-hsm" --module "$MOD" --pin-env SP_HSM_PIN \
	--label sign --alg p256 --pub "$WORK/sign.pub"
SIGN_URI=$(cat "$WORK/out")
[ "$SIGN_URI" = "pkcs11:token=cn-hsm;object=sign;type=private" ] && ok "it prints the key's URI" || not_ok "URI: $SIGN_URI"
expect_err "cannot be exported" "and says that the key stays in the token"
expect 0 "key generate: an RSA 2048 TLS key inside the token" -- \
	"$SILKPORT" key generate --pkcs11 "pkcs11:token=cn-hsm" --module "$MOD" --pin-env SP_HSM_PIN \
	--label tls --alg rsa2048 --pub "$WORK/tls.pub"
TLS_URI=$(cat "$WORK/out")
expect 1 "a label already in the token is refused" -- \
	"$SILKPORT" key generate --pkcs11 "pkcs11:token=cn-hsm" --module "$MOD" --pin-env SP_HSM_PIN --label sign
expect_err "already holds a key labelled 'sign'" "naming the label"

# The operator certifies the public keys (the files it receives hold no
# private key) with the profiles federation init uses.
grep -q 'PRIVATE' "$WORK/sign.pub" "$WORK/tls.pub" && not_ok "a public key file holds a private key" || ok "only public keys leave the token"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >"$WORK/sign.ext"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/tls.ext"
openssl x509 -new -force_pubkey "$WORK/sign.pub" -subj "/CN=CN-HSM record signing" -CA "$F/operator/cert.pem" \
	-CAkey "$F/operator/key.pem" -days 30 -extfile "$WORK/sign.ext" -out "$WORK/sign-cert.pem" 2>"$WORK/openssl.err"
openssl x509 -new -force_pubkey "$WORK/tls.pub" -subj "/CN=CN-HSM" -CA "$F/operator/cert.pem" \
	-CAkey "$F/operator/key.pem" -days 30 -extfile "$WORK/tls.ext" -out "$WORK/tls-cert.pem" 2>>"$WORK/openssl.err"
[ -s "$WORK/sign-cert.pem" ] && [ -s "$WORK/tls-cert.pem" ] && ok "the operator issued both certificates" || not_ok "openssl: $(cat "$WORK/openssl.err")"

# The list names the new certificates instead of those federation init made.
b64() { sed '/-----/d' "$1" | tr -d '\n'; }
python3 - "$F/trust-list.xml" "$(b64 "$H/sign-cert.pem")" "$(b64 "$WORK/sign-cert.pem")" \
	"$(b64 "$H/tls-cert.pem")" "$(b64 "$WORK/tls-cert.pem")" >"$WORK/unsigned.xml" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
for old, new in ((sys.argv[2], sys.argv[3]), (sys.argv[4], sys.argv[5])):
    assert s.count(old) == 1
    s = s.replace(old, new)
s = re.sub(r'<ds:Signature.*</ds:Signature>', '', s, flags=re.S)
s = s.replace('<Sequence>1</Sequence>', '<Sequence>2</Sequence>')
sys.stdout.write(s)
PY
"$SILKPORT" trust-list sign --key "$F/operator/key.pem" --cert "$F/operator/cert.pem" "$WORK/unsigned.xml" >"$F/trust-list.xml"
expect 0 "the new list verifies" -- "$SILKPORT" trust-list verify --anchor "$F/operator/cert.pem" "$F/trust-list.xml"

# The member's node: certificates in its folder, keys named by URI only.
cp "$WORK/sign-cert.pem" "$H/sign-cert.pem"
cp "$WORK/tls-cert.pem" "$H/tls-cert.pem"
rm "$H/sign-key.pem" "$H/tls-key.pem"
sed -i "s|^key = tls-key.pem|key = $TLS_URI|; s|^key = sign-key.pem|key = $SIGN_URI|" "$H/node.ini"
printf '\n[pkcs11]\nmodule = %s\npin_env = SP_HSM_PIN\n' "$MOD" >>"$H/node.ini"
expect 0 "check-config accepts keys given as pkcs11: URIs" -- "$SILKPORT" check-config --config "$H/node.ini"
left=$(grep -l 'PRIVATE KEY' "$H"/* 2>/dev/null | xargs -n1 basename | sort | tr '\n' ' ')
[ "$left" = "log-key.pem operator-key.pem " ] &&
	ok "no file in the member's folder holds its signing or TLS key (left: the Ed25519 checkpoint key and the operator's client key)" ||
	not_ok "private keys on disk: $left"
cp "$H/node.ini" "$WORK/bad.ini"
sed -i "s|^log_key = .*|log_key = pkcs11:token=cn-hsm;object=log|" "$WORK/bad.ini"
expect 1 "check-config refuses the checkpoint key in a token" -- "$SILKPORT" check-config --config "$WORK/bad.ini"
expect_err "checkpoint key cannot be used from a token" "saying why (no Ed25519 in libp11 0.4.12)"

# A wrong PIN: the node does not start, and says which token refused it.
SP_HSM_PIN=Wrong-pin-3z "$SILKPORT" run --config "$H/node.ini" >"$WORK/wrongpin.log" 2>&1 && st=0 || st=$?
[ "$st" != 0 ] && ok "a wrong PIN stops the node (exit $st)" || not_ok "the node ran with a wrong PIN"
grep -q "err=token-pin" "$WORK/wrongpin.log" && grep -q "cn-hsm" "$WORK/wrongpin.log" &&
	ok "with the named error token-pin, naming the token" || not_ok "wrong PIN log: $(head -c 600 "$WORK/wrongpin.log")"
grep -q Wrong-pin-3z "$WORK/wrongpin.log" && not_ok "the PIN appears in the log" || ok "the PIN is not logged"
grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/wrongpin.log" && not_ok "sanitizer report on the refused start: $(head -c 600 "$WORK/wrongpin.log")" || ok "and it stops cleanly"

for m in CN-ZZ CN-XA CN-HSM; do fstart "$F" "$m" || { finish; exit 1; }; done
for m in CN-ZZ CN-XA CN-HSM; do
	wait_for 30 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$(eval echo \$PORT_$(echo $m | tr -- '-.' '__'))/readyz | grep -q 200"
done

# Records signed in the token reach the others, who verify them; their
# receipts come back and drain the outbox.
for i in 1 2 3; do fsubmit "$F" CN-HSM declaration broadcast >>"$WORK/submitted"; done
fsubmit "$F" CN-HSM release CN-XA >>"$WORK/submitted"
[ "$(wc -l <"$WORK/submitted")" = 4 ] && ok "CN-HSM signed four records with its token key" || not_ok "submissions: $(cat "$WORK/submitted")"
wait_for 30 held_count_is "$F" CN-XA CN-HSM 4 && ok "CN-XA verified and holds all four" ||
	not_ok "CN-XA holds: $(held "$F" CN-XA CN-HSM | tr '\n' ' ')"
wait_for 30 held_count_is "$F" CN-ZZ CN-HSM 3 && ok "CN-ZZ verified and holds the three broadcasts" ||
	not_ok "CN-ZZ holds: $(held "$F" CN-ZZ CN-HSM | tr '\n' ' ')"
wait_for 30 has_metric "$F" CN-HSM '^silkport_outbox_depth\{peer="CN-XA"\} 0$' && ok "CN-XA's receipts verified at CN-HSM" ||
	not_ok "outbox at CN-HSM: $(grep outbox_depth "$WORK/metrics.CN-HSM" | tr '\n' ' ')"
# The other way: CN-HSM serves TLS and signs receipts with token keys.
for i in 1 2; do fsubmit "$F" CN-ZZ order broadcast >/dev/null; done
wait_for 30 held_count_is "$F" CN-HSM CN-ZZ 2 && ok "CN-HSM received CN-ZZ's records" ||
	not_ok "CN-HSM holds: $(held "$F" CN-HSM CN-ZZ | tr '\n' ' ')"
wait_for 30 has_metric "$F" CN-ZZ '^silkport_outbox_depth\{peer="CN-HSM"\} 0$' && ok "and CN-ZZ verified the receipts CN-HSM signed in the token" ||
	not_ok "outbox at CN-ZZ: $(grep outbox_depth "$WORK/metrics.CN-ZZ" | tr '\n' ' ')"
grep -q 'event=record_accepted.*origin=CN-HSM' "$WORK/CN-ZZ.log" && ok "CN-ZZ logged CN-HSM's records as accepted" || not_ok "no record_accepted at CN-ZZ"
grep -Eq 'err=signature-invalid|event=record_rejected.*CN-HSM' "$WORK"/CN-ZZ.log "$WORK"/CN-XA.log && not_ok "a peer refused a token-signed record" || ok "no peer refused a token-signed record"
grep -q Hsm-pin-7q "$WORK"/*.log && not_ok "the PIN appears in a log" || ok "the PIN appears in no log"
fed_stop_all CN-ZZ CN-XA CN-HSM
finish
