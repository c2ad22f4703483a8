#!/bin/bash
# member_join_sm2.sh: an operator that signs its trust lists with SM2
# (federation init --list-alg sm2, SPEC [TL-9] and [SEC-34]). Its CA stays
# P-256 and issues every member certificate (trust-list add-member --ca-key
# --ca-cert); the SM2 key signs lists only; nodes configure both as the
# federation's anchors, in one file. Two members join with their own keys
# (CN-ZZ signing with SM2, KZ-KGS with P-256), their nodes handshake over
# TLS 1.3 with the two anchors as trust anchors, exchange records, and take
# a newer list signed with SM2. A list signed by the SM2 key does not verify
# against the CA alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
. "$(dirname "$0")/join_common.bash"

OP="$WORK/operator-site"
F="$WORK/fed"
SM2_URI='urn:silkport:srep:1:alg:sm2-sm3'

JOIN_LIST_ALG=sm2 join_init "$OP" "$F" CN-ZZ:zone:sm2 KZ-KGS:port-authority:p256 &&
	ok "two members joined an SM2 operator's federation" || { not_ok "join"; finish; exit 1; }

# -- what the operator made
openssl x509 -in "$OP/operator/list-cert.pem" -noout -text | grep -q 'ASN1 OID: SM2' &&
	openssl x509 -in "$OP/operator/cert.pem" -noout -text | grep -q 'ASN1 OID: prime256v1' &&
	ok "an SM2 list signer beside a P-256 CA" || not_ok "operator keys: $(ls "$OP/operator")"
[ "$(grep -c 'BEGIN CERTIFICATE' "$OP/operator/anchors.pem")" = 2 ] &&
	ok "anchors.pem holds both certificates" || not_ok "anchors.pem: $(grep -c 'BEGIN CERTIFICATE' "$OP/operator/anchors.pem")"
grep -q "SignatureMethod Algorithm=\"$SM2_URI\"" "$OP/trust-list.xml" &&
	ok "the trust list is signed SM2-with-SM3" || not_ok "list signature: $(grep -o 'SignatureMethod[^>]*' "$OP/trust-list.xml")"
expect 0 "it verifies with the anchors" -- "$SILKPORT" trust-list verify --anchor "$OP/operator/anchors.pem" "$OP/trust-list.xml"
expect 1 "and not with the CA alone" -- "$SILKPORT" trust-list verify --anchor "$OP/operator/cert.pem" "$OP/trust-list.xml"
expect_err untrusted-anchor "as untrusted-anchor"
for m in CN-ZZ KZ-KGS; do
	expect 0 "$m's TLS certificate chains to the P-256 CA" -- \
		openssl verify -CAfile "$OP/operator/cert.pem" -purpose sslserver "$F/members/$m/tls-cert.pem"
done
expect 2 "add-member refuses --ca-key without --ca-cert" -- \
	"$SILKPORT" trust-list add-member --key "$OP/operator/list-key.pem" --cert "$OP/operator/list-cert.pem" \
	--ca-key "$OP/operator/key.pem" --request "$OP/received/CN-ZZ-join-request.xml" --issued-dir "$WORK/x" \
	"$OP/trust-list.xml"
expect_err "ca-key and --ca-cert go together" "naming the pair"

# -- the nodes: TLS with both anchors as trust anchors, records both ways
for m in CN-ZZ KZ-KGS; do fstart "$F" "$m" || exit 1; done
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
fsubmit "$F" KZ-KGS inspection broadcast >/dev/null
wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 1 && ok "KZ-KGS holds CN-ZZ's SM2 record" ||
	not_ok "KZ-KGS of CN-ZZ: $(held "$F" KZ-KGS CN-ZZ | tr '\n' ' ')"
wait_for 30 held_count_is "$F" CN-ZZ KZ-KGS 1 && ok "CN-ZZ holds KZ-KGS's record" ||
	not_ok "CN-ZZ of KZ-KGS: $(held "$F" CN-ZZ KZ-KGS | tr '\n' ' ')"
wait_for 30 has_metric "$F" CN-ZZ '^silkport_outbox_depth\{peer="KZ-KGS"\} 0$' &&
	ok "CN-ZZ's outbox drained: KZ-KGS's receipt verified" || not_ok "outbox CN-ZZ -> KZ-KGS"

# -- a newer list, signed with the SM2 key: CN-ZZ reloads it, KZ-KGS learns
# it from CN-ZZ (each verifies the SM2 signature with its anchors)
expect 0 "trust-list update with the SM2 key" -- "$SILKPORT" trust-list update \
	--key "$OP/operator/list-key.pem" --cert "$OP/operator/list-cert.pem" "$OP/trust-list.xml"
grep -q "SignatureMethod Algorithm=\"$SM2_URI\"" "$WORK/out" && ok "the next list is signed SM2-with-SM3 too" ||
	not_ok "update's signature"
cp "$WORK/out" "$F/members/CN-ZZ/trust-list.xml"
seq=$("$SILKPORT" trust-list verify --anchor "$OP/operator/anchors.pem" "$F/members/CN-ZZ/trust-list.xml" | awk '{print $3}')
kill -HUP "$PID_CN_ZZ"
wait_for 10 grep -q "event=trust_list_installed federation=silk sequence=$seq source=file" "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ installs it on reload" || not_ok "CN-ZZ: $(grep trust_list "$WORK/CN-ZZ.log" | tail -3)"
wait_for 20 grep -q "event=trust_list_installed federation=silk sequence=$seq source=CN-ZZ " "$WORK/KZ-KGS.log" &&
	ok "KZ-KGS learns it from CN-ZZ" || not_ok "KZ-KGS: $(grep trust_list "$WORK/KZ-KGS.log" | tail -3)"
fed_stop_all CN-ZZ KZ-KGS
finish
