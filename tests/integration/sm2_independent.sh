#!/bin/bash
# sm2_independent.sh: SM2 records checked without our verifier, and made
# without our signer (SPEC [SIG-38]..[SIG-37]). One way: a record signed by
# "silkport record sign" with an SM2 key is verified by xmllint --exc-c14n,
# openssl dgst -sm3 and openssl pkeyutl -verify with the distinguishing
# identifier 1234567812345678. The other way: a record signed by xmllint,
# openssl and python3 (standard library only) verifies with "silkport record
# verify". The federation's operator signs its trust list with SM2 too
# (federation init --list-alg sm2), and that signature is checked the same
# outside way. No daemon runs.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
DS='http://www.w3.org/2000/09/xmldsig#'
DISTID=1234567812345678
for t in xmllint openssl python3; do
	command -v $t >/dev/null || { echo "# $t is required" >&2; exit 1; }
done
"$SILKPORT" federation init "$F" --federation silk-ind --list-alg sm2 --member CN-ZZ:zone:sm2 \
	--member KZ-KGS:port-authority 2>/dev/null || { not_ok "federation init"; finish; exit 1; }
A="$F/operator/anchors.pem"
expect 2 "federation init refuses an unknown signing algorithm" -- \
	"$SILKPORT" federation init "$WORK/bad" --federation silk-bad --member CN-ZZ:zone:ed448
expect_err "algorithm 'ed448' is not p256, rsa2048 or sm2" "naming the algorithm and the choices"
K="$F/members/CN-ZZ/sign-key.pem"
C="$F/members/CN-ZZ/sign-cert.pem"
openssl x509 -in "$C" -pubkey -noout >"$WORK/pub.pem"
openssl x509 -in "$F/operator/list-cert.pem" -pubkey -noout >"$WORK/list-pub.pem"

# py SCRIPT ARGS...: the small byte-level steps (no XML library: the XML work
# is xmllint's).
py() { python3 - "$@"; }

# ---------------------------------------------------------------- one way
"$SILKPORT" record new --origin CN-ZZ --sequence 1 --type declaration --broadcast \
	--body "$SP_DATA_DIR/bodies/declaration.xml" >"$WORK/u1.xml"
"$SILKPORT" record sign --key "$K" --cert "$C" "$WORK/u1.xml" >"$WORK/s1.xml"

# check_outside DOC PUBKEY WHAT: DOC's SM2 signature checked without our
# verifier. Split it: the document without its ds:Signature (what the
# enveloped-signature transform leaves), SignedInfo standing alone with the
# ds namespace declared (what exclusive C14N of it outputs in context), the
# DigestValue and the SignatureValue as r || s turned into DER.
check_outside() {
	rm -f "$WORK/sig.der"
	py "$1" "$WORK" <<'EOF'
import base64, re, sys
doc = open(sys.argv[1], 'rb').read()
w = sys.argv[2]
m = re.search(rb'<ds:Signature xmlns:ds="[^"]*">.*</ds:Signature>', doc, re.S)
open(w + '/nosig.xml', 'wb').write(doc[:m.start()] + doc[m.end():])
si = re.search(rb'<ds:SignedInfo>.*</ds:SignedInfo>', m.group(0), re.S).group(0)
si = si.replace(b'<ds:SignedInfo>', b'<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">', 1)
open(w + '/si.xml', 'wb').write(si)
dv = re.search(rb'<ds:DigestValue>([^<]*)</ds:DigestValue>', si).group(1)
open(w + '/dv.txt', 'wb').write(dv.strip() + b'\n')
sv = base64.b64decode(re.search(rb'<ds:SignatureValue>([^<]*)</ds:SignatureValue>', m.group(0)).group(1))
assert len(sv) == 64, len(sv)
def der_int(b):
    b = b.lstrip(b'\0') or b'\0'
    if b[0] & 0x80: b = b'\0' + b
    return b'\x02' + bytes([len(b)]) + b
body = der_int(sv[:32]) + der_int(sv[32:])
open(w + '/sig.der', 'wb').write(b'\x30' + bytes([len(body)]) + body)
EOF
	[ -s "$WORK/sig.der" ] && ok "$3: the SM2 SignatureValue is 64 bytes of r || s" || not_ok "$3: SignatureValue split"
	grep -q 'urn:silkport:srep:1:alg:sm2-sm3' "$WORK/si.xml" && grep -q 'urn:silkport:srep:1:alg:sm3' "$WORK/si.xml" &&
		ok "$3: SignedInfo names SM2-SM3 and SM3" || not_ok "SignedInfo: $(cat "$WORK/si.xml")"

	xmllint --exc-c14n "$WORK/nosig.xml" >"$WORK/nosig.c14n"
	openssl dgst -sm3 -binary "$WORK/nosig.c14n" | openssl base64 -A >"$WORK/dv.mine"
	echo >>"$WORK/dv.mine"
	cmp -s "$WORK/dv.mine" "$WORK/dv.txt" && ok "$3: xmllint --exc-c14n + openssl dgst -sm3 give the DigestValue" ||
		not_ok "SM3 digest: ours $(cat "$WORK/dv.mine") record $(cat "$WORK/dv.txt")"
	xmllint --exc-c14n "$WORK/si.xml" >"$WORK/si.c14n"
	expect 0 "$3: openssl pkeyutl -verify (SM3, distid $DISTID) accepts the SignedInfo signature" -- \
		openssl pkeyutl -verify -pubin -inkey "$2" -rawin -digest sm3 \
		-pkeyopt "distid:$DISTID" -in "$WORK/si.c14n" -sigfile "$WORK/sig.der"
	expect 1 "$3: and refuses it under another distinguishing identifier" -- \
		openssl pkeyutl -verify -pubin -inkey "$2" -rawin -digest sm3 \
		-pkeyopt "distid:ALICE123@YAHOO.COM" -in "$WORK/si.c14n" -sigfile "$WORK/sig.der"
}
check_outside "$WORK/s1.xml" "$WORK/pub.pem" "CN-ZZ's record"
check_outside "$F/trust-list.xml" "$WORK/list-pub.pem" "the operator's trust list"

# -------------------------------------------------------------- other way
"$SILKPORT" record new --origin CN-ZZ --sequence 2 --type declaration --broadcast \
	--body "$SP_DATA_DIR/bodies/declaration.xml" >"$WORK/u2.xml"
# outside_sign DISTID OUT: sign u2.xml with openssl under DISTID.
outside_sign() {
	xmllint --exc-c14n "$WORK/u2.xml" >"$WORK/u2.c14n"
	dv=$(openssl dgst -sm3 -binary "$WORK/u2.c14n" | openssl base64 -A)
	cat >"$WORK/si2.body" <<EOF
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="urn:silkport:srep:1:alg:sm2-sm3"></ds:SignatureMethod><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="urn:silkport:srep:1:alg:sm3"></ds:DigestMethod><ds:DigestValue>$dv</ds:DigestValue></ds:Reference>
EOF
	{ printf '<ds:SignedInfo xmlns:ds="%s">' "$DS"; tr -d '\n' <"$WORK/si2.body"; printf '</ds:SignedInfo>'; } >"$WORK/si2.xml"
	# what is signed is its exclusive canonical form, made by xmllint
	xmllint --exc-c14n "$WORK/si2.xml" >"$WORK/si2.c14n"
	openssl pkeyutl -sign -inkey "$K" -rawin -digest sm3 -pkeyopt "distid:$1" \
		-in "$WORK/si2.c14n" -out "$WORK/sig2.der"
	py "$WORK" "$2" <<'EOF'
import base64, sys
w, out = sys.argv[1], sys.argv[2]
der = open(w + '/sig2.der', 'rb').read()
def ints(b):
    assert b[0] == 0x30
    i, res = 2, []
    while i < len(b):
        assert b[i] == 2
        n = b[i + 1]
        res.append(int.from_bytes(b[i + 2:i + 2 + n], 'big'))
        i += 2 + n
    return res
r, s = ints(der)
sv = base64.b64encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))
u = open(w + '/u2.c14n', 'rb').read()
body = open(w + '/si2.body', 'rb').read().replace(b'\n', b'')
sig = (b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>' + body +
       b'</ds:SignedInfo><ds:SignatureValue>' + sv + b'</ds:SignatureValue></ds:Signature>')
pos = u.rindex(b'</')
open(out, 'wb').write(u[:pos] + sig + u[pos:])
EOF
}
outside_sign "$DISTID" "$WORK/o2.xml"
grep -q '<ds:SignatureValue>' "$WORK/o2.xml" && ok "a record signed by xmllint, openssl and python3" || not_ok "outside signing"
expect 0 "silkport record verify accepts the record signed outside our code" -- \
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$A" "$WORK/o2.xml"
grep -q 'CN-ZZ' "$WORK/out" "$WORK/err" && ok "and names its origin" || not_ok "verify output: $(cat "$WORK/out" "$WORK/err")"
outside_sign "" "$WORK/o3.xml"
expect 1 "the same signed under an empty distinguishing identifier (OpenSSL 3.0's default) is refused" -- \
	"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$A" "$WORK/o3.xml"
expect_err signature-invalid "as signature-invalid"
finish
