#!/bin/bash
# fed_sm2_mixed.sh: a mixed federation on loopback: CN-ZZ signs with SM2
# (SM2-with-SM3, SM3 reference digests), KZ-KGS with ECDSA P-256 and UZ-TAS
# with RSA 2048. Records flow every way, each receiver's receipt is signed
# with its own algorithm and verified by the sender (the outbox drains),
# catch-up from a peer and inclusion proofs work for SM2 records, and the
# conformance suite, acting as the SM2 member, checks the SM2 node. The
# operator signs the trust list with SM2 too (--list-alg sm2): its P-256 CA
# issues the TLS certificates, and both are the nodes' anchors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
CONF="$SP_BINARY_DIR/conformance/silkport-conformance"
SM2_URI='urn:silkport:srep:1:alg:sm2-sm3'
SM3_URI='urn:silkport:srep:1:alg:sm3'
FED_INIT_ARGS="--list-alg sm2" fed_up "$F" CN-ZZ:zone:sm2 KZ-KGS:port-authority:p256 UZ-TAS:port-authority:rsa2048 || exit 1
for m in CN-ZZ KZ-KGS UZ-TAS; do
	wait_for 20 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$(eval echo \$PORT_$(echo $m | tr -- '-.' '__'))/readyz | grep -q 200"
done

grep -q "<ds:SignatureMethod Algorithm=\"$SM2_URI\"" "$F/trust-list.xml" && [ "$(grep -c "SignatureMethod Algorithm=" "$F/trust-list.xml")" = 1 ] &&
	ok "the operator signed the trust list with SM2-SM3" || not_ok "list signature: $(grep -o 'SignatureMethod Algorithm="[^"]*"' "$F/trust-list.xml")"
# The list names each signing certificate's method; CN-ZZ's key is SM2 and
# its TLS key stays P-256.
grep -c "signatureMethod=\"$SM2_URI\"" "$F/trust-list.xml" | grep -qx 1 &&
	grep -q 'signatureMethod="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"' "$F/trust-list.xml" &&
	grep -q 'signatureMethod="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"' "$F/trust-list.xml" &&
	ok "the trust list names SM2-SM3, ECDSA and RSA for the three members" || not_ok "signatureMethod attributes"
openssl pkey -in "$F/members/CN-ZZ/sign-key.pem" -noout -text 2>/dev/null | grep -q 'ASN1 OID: SM2' &&
	ok "CN-ZZ's signing key is on the SM2 curve" || not_ok "CN-ZZ's key is not SM2"
openssl x509 -in "$F/members/CN-ZZ/tls-cert.pem" -noout -text | grep -q 'ASN1 OID: prime256v1' &&
	ok "and its TLS key is P-256" || not_ok "CN-ZZ's TLS key"

# Records every way.
for i in 1 2 3; do fsubmit "$F" CN-ZZ declaration broadcast >/dev/null; done
for i in 1 2; do fsubmit "$F" KZ-KGS inspection broadcast >/dev/null; done
for i in 1 2; do fsubmit "$F" UZ-TAS transfer broadcast >/dev/null; done
fsubmit "$F" CN-ZZ release KZ-KGS >/dev/null
for at in KZ-KGS UZ-TAS; do
	n=3; [ $at = KZ-KGS ] && n=4
	wait_for 30 held_count_is "$F" $at CN-ZZ $n && ok "$at holds CN-ZZ's $n SM2 records" ||
		not_ok "$at holds of CN-ZZ: $(held "$F" $at CN-ZZ | tr '\n' ' ')"
done
wait_for 30 held_count_is "$F" CN-ZZ KZ-KGS 2 && ok "CN-ZZ holds KZ-KGS's P-256 records" || not_ok "CN-ZZ of KZ-KGS: $(held "$F" CN-ZZ KZ-KGS | tr '\n' ' ')"
wait_for 30 held_count_is "$F" CN-ZZ UZ-TAS 2 && ok "CN-ZZ holds UZ-TAS's RSA records" || not_ok "CN-ZZ of UZ-TAS: $(held "$F" CN-ZZ UZ-TAS | tr '\n' ' ')"
wait_for 30 held_count_is "$F" UZ-TAS KZ-KGS 2 && ok "UZ-TAS holds KZ-KGS's records" || not_ok "UZ-TAS of KZ-KGS"

# Receipts: signed by each receiver with its own key, verified by the sender
# before it drops the delivery from its outbox.
for pair in CN-ZZ:KZ-KGS CN-ZZ:UZ-TAS KZ-KGS:CN-ZZ UZ-TAS:CN-ZZ; do
	from=${pair%%:*}; to=${pair#*:}
	wait_for 30 has_metric "$F" "$from" "^silkport_outbox_depth\\{peer=\"$to\"\\} 0\$" &&
		ok "$from verified $to's receipts (outbox to $to drained)" || not_ok "outbox $from -> $to not empty"
done
grep -Eq 'event=receipt_(invalid|refused)' "$WORK"/*.log && not_ok "a receipt was refused" || ok "no receipt refused"

# An SM2 record: SM2-SM3 over an SM3 reference digest, and it verifies with
# "silkport record verify" against the list.
"$SILKPORT" record new --origin CN-ZZ --sequence 90 --type release --broadcast \
	--body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem" >"$WORK/zz90.xml"
grep -q "SignatureMethod Algorithm=\"$SM2_URI\"" "$WORK/zz90.xml" && grep -q "DigestMethod Algorithm=\"$SM3_URI\"" "$WORK/zz90.xml" &&
	ok "CN-ZZ's records are signed SM2-with-SM3 over an SM3 reference digest" || not_ok "SM2 record: $(head -c 600 "$WORK/zz90.xml")"
expect 0 "silkport record verify accepts the SM2 record" -- \
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/anchors.pem" "$WORK/zz90.xml"
# A record claiming CN-ZZ signed with KZ-KGS's P-256 key: refused by name.
"$SILKPORT" record new --origin CN-ZZ --sequence 91 --type release --broadcast \
	--body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$F/members/KZ-KGS/sign-key.pem" --cert "$F/members/KZ-KGS/sign-cert.pem" >"$WORK/zz91.xml"
expect 1 "silkport record verify refuses an ECDSA record of the SM2 member" -- \
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/anchors.pem" "$WORK/zz91.xml"
expect_err algorithm-not-listed "with algorithm-not-listed"
hcurl "$F" KZ-KGS UZ-TAS /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/zz91.xml" >/dev/null
expect_status 422 "pushed to a node: refused with 422"
expect_problem algorithm-not-listed "as the algorithm-not-listed problem"

# Proofs: every SM2 record at the two receivers is proven against CN-ZZ's
# checkpoint.
proven_is() { has_metric "$F" "$1" "^silkport_records_proven\\{origin=\"CN-ZZ\"\\} $2\$" &&
	has_metric "$F" "$1" "^silkport_records_unproven\\{origin=\"CN-ZZ\"\\} 0\$"; }
wait_for 30 proven_is UZ-TAS 3 && ok "UZ-TAS proves CN-ZZ's 3 records" ||
	not_ok "UZ-TAS: $(grep -E 'records_(un)?proven' "$WORK/metrics.UZ-TAS" | tr '\n' ' ')"
wait_for 30 proven_is KZ-KGS 4 && ok "KZ-KGS proves CN-ZZ's 4 records" ||
	not_ok "KZ-KGS: $(grep -E 'records_(un)?proven' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"

# Catch-up: KZ-KGS away, CN-ZZ issues two more and stops; KZ-KGS gets them
# from UZ-TAS (an RSA node holding SM2 records) and verifies them.
stop_node KZ-KGS
fsubmit "$F" CN-ZZ inspection broadcast >/dev/null
fsubmit "$F" CN-ZZ inspection broadcast >/dev/null
wait_for 30 held_count_is "$F" UZ-TAS CN-ZZ 5 && ok "UZ-TAS has the two new SM2 records" || not_ok "UZ-TAS: $(held "$F" UZ-TAS CN-ZZ | tr '\n' ' ')"
sleep 3 # a witnessing round at UZ-TAS
stop_node CN-ZZ
fstart "$F" KZ-KGS || exit 1
wait_for 40 held_count_is "$F" KZ-KGS CN-ZZ 6 && ok "KZ-KGS caught up CN-ZZ's SM2 records from UZ-TAS" ||
	not_ok "KZ-KGS: $(held "$F" KZ-KGS CN-ZZ | tr '\n' ' ')"
grep -q 'event=equivocation_alarm' "$WORK"/*.log && not_ok "an alarm in an honest mixed federation" || ok "no equivocation alarm"
fstart "$F" CN-ZZ || exit 1

# The conformance suite, acting as the SM2 member's peer with UZ-TAS's
# identity, checks the SM2 node: its checkpoint, proofs and SM2 records.
if [ -x "$CONF" ]; then
	set +e
	timeout 120 "$CONF" --target "https://127.0.0.1:$PORT_CN_ZZ" --federation-dir "$F" --as UZ-TAS --read-only \
		>"$WORK/conf.tap" 2>"$WORK/conf.err"
	rc=$?
	set -e
	[ "$rc" = 0 ] && ok "the conformance suite passes against the SM2 node" ||
		{ not_ok "conformance against the SM2 node exited $rc"; grep -A3 '^not ok' "$WORK/conf.tap" | head -30 | sed 's/^/#   /' >&2; }
	grep -E '^ok [0-9]+ - CONF-LOG-[0-9]+ entries are framed, ascending, verified records' "$WORK/conf.tap" | grep -qv '# SKIP' &&
		ok "it verified CN-ZZ's SM2 log entries" || not_ok "entries assertion: $(grep 'entries are framed' "$WORK/conf.tap")"
	# and as the SM2 member against the P-256 node: the hostile signature
	# variants made from SM2 records (SM2 pairings, the other key type,
	# an outsider SM2 key, no ECDSA twin) are each refused by name
	set +e
	timeout 120 "$CONF" --target "https://127.0.0.1:$PORT_KZ_KGS" --federation-dir "$F" --as CN-ZZ --only CONF-SIG \
		>"$WORK/conf-sm2.tap" 2>"$WORK/conf-sm2.err"
	rc=$?
	set -e
	[ "$rc" = 0 ] && ok "the conformance signature assertions pass with SM2 records against the P-256 node" ||
		{ not_ok "conformance as CN-ZZ exited $rc"; grep -A3 '^not ok' "$WORK/conf-sm2.tap" | head -30 | sed 's/^/#   /' >&2; }
	grep -q '^ok [0-9]* - CONF-SIG-[0-9]* SM2-SM3 paired with a SHA-256 reference digest' "$WORK/conf-sm2.tap" &&
		ok "including the SM2 pairing variant" || not_ok "SM2 pairing variant: $(grep 'SHA-256 reference digest' "$WORK/conf-sm2.tap")"
fi
fed_stop_all CN-ZZ KZ-KGS UZ-TAS
finish
