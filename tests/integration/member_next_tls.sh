#!/bin/bash
# member_next_tls.sh: 'member install' checks a next TLS certificate the
# operator issued (SPEC [TL-79], 14.30) as it checks the current one
# (TL-52): it must hold the member's next TLS key, be issued by the anchor
# and be the NextTlsCertificate the list gives the member. A certificate
# issued for another key, or a list that names another one, is refused
# with issued-certificate-mismatch, and nothing is installed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
. "$(dirname "$0")/join_common.bash"

OP="$WORK/operator-site"
F="$WORK/fed"
SIGNER="--key $OP/operator/key.pem --cert $OP/operator/cert.pem"
join_init "$OP" "$F" CN-ZZ KZ-KGS && ok "two members joined with their own keys" || { not_ok "join"; finish; exit 1; }
ZZ="$F/members/CN-ZZ"
install_next() { # OUT LIST
	"$SILKPORT" member install "$ZZ" --issued "$1" --trust-list "$2" --anchor "$OP/operator/cert.pem"
}

# The member's next TLS key and CSR; a stranger's (the key of another
# machine) to issue wrongly.
expect 0 "member renew --next-tls" -- "$SILKPORT" member renew "$ZZ" --next-tls
mkdir -p "$WORK/other" "$OP/received" "$OP/next/CN-ZZ" "$OP/wrong/CN-ZZ"
cp -r "$ZZ" "$WORK/other/CN-ZZ" && rm -f "$WORK/other/CN-ZZ/next-tls-key.pem" "$WORK/other/CN-ZZ/next-tls.csr"
expect 0 "another next TLS key (someone else's)" -- "$SILKPORT" member renew "$WORK/other/CN-ZZ" --next-tls
cp "$ZZ/next-tls.csr" "$OP/received/CN-ZZ-next.csr"
cp "$WORK/other/CN-ZZ/next-tls.csr" "$OP/received/stranger-next.csr"

# A next certificate issued for the stranger's key, listed as CN-ZZ's.
# shellcheck disable=SC2086
expect 0 "the operator lists a next certificate of the stranger's key for CN-ZZ" -- "$SILKPORT" trust-list update $SIGNER \
	--next-tls-csr "CN-ZZ=$OP/received/stranger-next.csr" "$OP/trust-list.xml"
cp "$WORK/out" "$WORK/tl-wrong.xml"
cp "$OP/received/stranger-next-cert.pem" "$OP/wrong/CN-ZZ/next-tls-cert.pem"
expect 1 "member install of a next certificate issued for another key is refused" -- install_next "$OP/wrong/CN-ZZ" "$WORK/tl-wrong.xml"
expect_err 'issued-certificate-mismatch' "as issued-certificate-mismatch"
[ ! -e "$ZZ/next-tls-cert.pem" ] && ok "nothing is installed" || not_ok "next-tls-cert.pem was installed"

# The right one, issued from CN-ZZ's CSR.
# shellcheck disable=SC2086
expect 0 "the operator issues CN-ZZ's next certificate from its CSR" -- "$SILKPORT" trust-list update $SIGNER \
	--next-tls-csr "CN-ZZ=$OP/received/CN-ZZ-next.csr" "$OP/trust-list.xml"
cp "$WORK/out" "$WORK/tl-next.xml"
cp "$OP/received/CN-ZZ-next-cert.pem" "$OP/next/CN-ZZ/next-tls-cert.pem"
# ... with a list that names the stranger's certificate instead: refused.
expect 1 "the right certificate with a list naming another NextTlsCertificate is refused" -- \
	install_next "$OP/next/CN-ZZ" "$WORK/tl-wrong.xml"
expect_err 'issued-certificate-mismatch.*NextTlsCertificate' "as issued-certificate-mismatch, naming the NextTlsCertificate"
# ... and with the list that lists it: installed beside the current one.
expect 0 "member install of CN-ZZ's next certificate" -- install_next "$OP/next/CN-ZZ" "$WORK/tl-next.xml"
cmp -s "$ZZ/next-tls-cert.pem" "$OP/received/CN-ZZ-next-cert.pem" && ok "DIR/next-tls-cert.pem is the issued certificate" ||
	not_ok "next-tls-cert.pem: $(ls -l "$ZZ")"
openssl x509 -in "$ZZ/next-tls-cert.pem" -noout -pubkey | cmp -s - <(openssl pkey -in "$ZZ/next-tls-key.pem" -pubout) &&
	ok "it holds the next TLS key" || not_ok "next-tls-cert.pem does not hold next-tls-key.pem"
grep -q '^cert = tls-cert.pem' "$ZZ/node.ini" && ok "node.ini still presents the current certificate" || not_ok "node.ini: $(grep -A3 '^\[tls\]' "$ZZ/node.ini")"
cmp -s "$(sed -n 's/^list = //p' "$ZZ/node.ini" | sed "s#^#$ZZ/#")" "$WORK/tl-next.xml" &&
	ok "the list that lists it is the node's" || not_ok "the node's list was not updated"

# A renewal of the signing key checks the listed next slot too: a list
# that names the stranger's certificate as CN-ZZ's next is refused.
expect 0 "member renew" -- "$SILKPORT" member renew "$ZZ"
cp "$ZZ/renewal-request.xml" "$OP/received/CN-ZZ-renewal.xml"
"$SILKPORT" trust-list renew-member $SIGNER --request "$OP/received/CN-ZZ-renewal.xml" \
	--issued-dir "$OP/renewed/CN-ZZ" "$WORK/tl-wrong.xml" >"$WORK/tl-renew-wrong.xml" 2>/dev/null
expect 1 "member install of a renewal with a list naming another NextTlsCertificate is refused" -- \
	"$SILKPORT" member install "$ZZ" --issued "$OP/renewed/CN-ZZ" --trust-list "$WORK/tl-renew-wrong.xml" --anchor "$OP/operator/cert.pem"
expect_err 'issued-certificate-mismatch.*NextTlsCertificate' "as issued-certificate-mismatch"
finish
