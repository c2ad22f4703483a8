#!/bin/bash
# member_errors.sh: bad input to joining, renewal and installing gets a named
# error (SPEC 7.8, 12.2) and changes nothing: a request signed by the wrong
# key, a CSR whose key does not match its signature, a LogKey proof by
# another key, an altered request, a duplicate or revoked id, an expired
# request, a request for another federation, a renewal not signed by the
# listed key, and issued certificates that were altered or are not the
# member's. No daemon runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
. "$(dirname "$0")/join_common.bash"

OP="$WORK/op"
F="$WORK/fed"
join_init "$OP" "$F" CN-ZZ && ok "CN-ZZ joined" || { not_ok "join"; finish; exit 1; }
KEY="--key $OP/operator/key.pem --cert $OP/operator/cert.pem"
LIST="$OP/trust-list.xml"
sha() { sha256sum "$1" | cut -c1-64; }
list_sum=$(sha "$LIST")

# add REQUEST: add-member of REQUEST to LIST into a fresh issued folder.
add() {
	rm -rf "$WORK/issued"
	# shellcheck disable=SC2086
	expect 1 "$2" -- "$SILKPORT" trust-list add-member $KEY --request "$1" --issued-dir "$WORK/issued" "$LIST"
	[ ! -s "$WORK/out" ] && ok "  and prints no list" || not_ok "  a list was printed"
	[ ! -e "$WORK/issued/sign-cert.pem" ] && ok "  and issues no certificate" || not_ok "  a certificate was issued"
}

"$SILKPORT" member init "$F/members/CN-XA" --federation silk --member CN-XA --role zone \
	--host 127.0.0.1 --port 7411 2>/dev/null
XA="$F/members/CN-XA"
REQ="$XA/join-request.xml"
# shellcheck disable=SC2086
expect 0 "CN-XA's own request is accepted (the control)" -- "$SILKPORT" trust-list add-member $KEY --request "$REQ" \
	--issued-dir "$WORK/control" "$LIST"
# SPEC [TL-59]: the operator lists the Types the new member may originate.
# shellcheck disable=SC2086
expect 0 "add-member --may-originate lists its record types" -- "$SILKPORT" trust-list add-member $KEY \
	--request "$REQ" --issued-dir "$WORK/control-types" --may-originate statistics,trace "$LIST"
cp "$WORK/out" "$WORK/list-types.xml"
grep -c '<MayOriginate>' "$WORK/list-types.xml" | grep -qx 2 &&
	"$SILKPORT" trust-list show "$WORK/list-types.xml" | grep -A8 '^  CN-XA ' | grep -q 'may-originate trace,statistics (listed)' &&
	ok "the new entry names trace and statistics, in registry order" ||
	not_ok "entry: $("$SILKPORT" trust-list show "$WORK/list-types.xml" | grep -A8 '^  CN-XA ')"

# -- request signed by the wrong key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/other-key.pem" 2>/dev/null
resign "$REQ" "$WORK/other-key.pem" >"$WORK/wrongkey.xml"
add "$WORK/wrongkey.xml" "a request signed by another key than its SigningCsr's is refused"
expect_err '^rejected request-signer-mismatch: ' "as request-signer-mismatch"

# -- altered after signing (Name changed, not signed again)
sed 's#<Name>CN-XA (zone)</Name>#<Name>Someone else</Name>#' "$REQ" >"$WORK/altered.xml"
add "$WORK/altered.xml" "an altered request is refused"
expect_err '^rejected signature-invalid: ' "as signature-invalid"

# -- a CSR whose key does not match its self-signature: the TLS CSR's key
# replaced by another key, the document signed again by the member's key
python3 - "$REQ" "$WORK/other-key.pem" >"$WORK/csr-unsigned.xml" <<'EOF'
import base64, re, subprocess, sys
doc = open(sys.argv[1]).read()
b64 = re.search(r"<TlsCsr>([^<]*)</TlsCsr>", doc).group(1)
csr = base64.b64decode(b64)
# the 65-byte uncompressed P-256 point of the CSR's key follows 03 42 00 04
i = csr.index(b"\x03\x42\x00\x04") + 3
spki = subprocess.run(["openssl", "pkey", "-in", sys.argv[2], "-pubout", "-outform", "DER"],
                      capture_output=True, check=True).stdout
other = csr[:i] + spki[-65:] + csr[i + 65:]
doc = doc.replace(b64, base64.b64encode(other).decode())
sys.stdout.write(re.sub(r"<ds:Signature\b.*</ds:Signature>", "", doc, flags=re.S))
EOF
openssl req -x509 -new -key "$XA/sign-key.pem" -subj /CN=throwaway -days 1 -out "$WORK/xa-throwaway.pem" 2>/dev/null
"$SILKPORT" trust-list sign --key "$XA/sign-key.pem" --cert "$WORK/xa-throwaway.pem" "$WORK/csr-unsigned.xml" >"$WORK/badcsr.xml"
add "$WORK/badcsr.xml" "a CSR whose key does not match its signature is refused"
expect_err '^rejected key-possession-unproven: .*CSR' "as key-possession-unproven"

# -- the LogKey of another member (its proof does not verify)
zzkey=$(sed -n 's/^    log-key      //p' <("$SILKPORT" trust-list show "$LIST" 2>/dev/null) | head -1)
sed "s#<LogKey>[^<]*</LogKey>#<LogKey>$zzkey</LogKey>#" "$REQ" >"$WORK/lk.xml"
resign "$WORK/lk.xml" "$XA/sign-key.pem" >"$WORK/logkey.xml"
add "$WORK/logkey.xml" "a LogKey that is not the requester's is refused"
expect_err '^rejected (key-possession-unproven|field-invalid): ' "as key-possession-unproven (or a LogKey of another name)"

# -- expired
past() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
sed -e "s#<Created>[^<]*</Created>#<Created>$(past '-10 days')</Created>#" \
	-e "s#<Expires>[^<]*</Expires>#<Expires>$(past '-3 days')</Expires>#" "$REQ" >"$WORK/exp.xml"
resign "$WORK/exp.xml" "$XA/sign-key.pem" >"$WORK/expired.xml"
add "$WORK/expired.xml" "an expired request is refused"
expect_err '^rejected request-expired: ' "as request-expired"
sed -e "s#<Expires>[^<]*</Expires>#<Expires>$(past '+60 days')</Expires>#" "$REQ" >"$WORK/long.xml"
resign "$WORK/long.xml" "$XA/sign-key.pem" >"$WORK/toolong.xml"
add "$WORK/toolong.xml" "a request valid for more than 30 days is refused"
expect_err '^rejected field-invalid: ' "as field-invalid"

# -- another federation
sed 's#<FederationId>silk</FederationId>#<FederationId>other</FederationId>#' "$REQ" >"$WORK/fed.xml"
resign "$WORK/fed.xml" "$XA/sign-key.pem" >"$WORK/otherfed.xml"
add "$WORK/otherfed.xml" "a request for another federation is refused"
expect_err '^rejected wrong-federation: ' "as wrong-federation"

# -- duplicate id, and an id that has left
"$SILKPORT" member init "$WORK/impostor" --federation silk --member CN-ZZ --role zone \
	--host 127.0.0.1 --port 7412 2>/dev/null
add "$WORK/impostor/join-request.xml" "a request for an id already listed is refused"
expect_err '^rejected member-exists: .*CN-ZZ is already listed \(active\)' "as member-exists"
[ "$(sha "$LIST")" = "$list_sum" ] && ok "the list file is unchanged" || not_ok "the list changed"
# The same keys under a new NodeId: CN-ZZ's CSRs in a request for CN-ZZ2,
# with a LogKey proof made here from SPEC 7.8's text by openssl (so every
# proof holds), signed by CN-ZZ's own key: refused for its keys.
python3 - "$OP/received/CN-ZZ-join-request.xml" "$F/members/CN-ZZ/log-key.pem" >"$WORK/samekeys.xml" <<'PY'
import base64, hashlib, re, subprocess, sys, tempfile
doc = open(sys.argv[1]).read()
node = "CN-ZZ2"
field = lambda n: re.search("<%s>([^<]*)</%s>" % (n, n), doc).group(1)
pub = subprocess.run(["openssl", "pkey", "-in", sys.argv[2], "-pubout", "-outform", "DER"],
                     capture_output=True, check=True).stdout[-32:]
name = "silkport/silk/" + node
kid = hashlib.sha256(name.encode() + b"\n\x01" + pub).digest()[:4]
vkey = "%s+%s+%s" % (name, kid.hex(), base64.b64encode(b"\x01" + pub).decode())
h = lambda n: hashlib.sha256(base64.b64decode(field(n))).hexdigest()
text = "silkport join-request/v1\nsilk\n%s\n%s\n%s\n%s\n" % (node, h("SigningCsr"), h("TlsCsr"), field("Created"))
with tempfile.NamedTemporaryFile() as t:  # a one-shot signature reads a file
    t.write(text.encode()); t.flush()
    sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", sys.argv[2], "-in", t.name],
                         capture_output=True, check=True).stdout
doc = doc.replace("<NodeId>CN-ZZ</NodeId>", "<NodeId>%s</NodeId>" % node)
doc = doc.replace(field("LogKey"), vkey).replace(field("LogKeyProof"), base64.b64encode(kid + sig).decode())
sys.stdout.write(doc)
PY
resign "$WORK/samekeys.xml" "$F/members/CN-ZZ/sign-key.pem" >"$WORK/samekeys-signed.xml"
add "$WORK/samekeys-signed.xml" "keys already listed for a member are not certified again under another id"
expect_err '^rejected member-exists: .*a key of the request is already listed for CN-ZZ' "as member-exists"

# shellcheck disable=SC2086
expect 0 "remove-member: CN-ZZ leaves" -- "$SILKPORT" trust-list remove-member $KEY --member CN-ZZ "$LIST"
cp "$WORK/out" "$WORK/left.xml"
"$SILKPORT" trust-list show --anchor "$OP/operator/cert.pem" "$WORK/left.xml" | grep -q 'CN-ZZ .*status=revoked' &&
	ok "CN-ZZ is revoked in the new list" || not_ok "CN-ZZ not revoked"
grep -q '<InvalidFrom>' "$WORK/left.xml" &&
	ok "the revocation carries an InvalidFrom (default now)" || not_ok "no InvalidFrom in the new list"
# SPEC [TL-77]: --invalid-from dates it back; a future or malformed time is refused
# shellcheck disable=SC2086
expect 0 "remove-member --invalid-from a past time" -- "$SILKPORT" trust-list remove-member $KEY --member CN-ZZ \
	--invalid-from 2026-01-02T03:04:05Z "$LIST"
"$SILKPORT" trust-list show --anchor "$OP/operator/cert.pem" "$WORK/out" | grep -q '^    invalid-from 2026-01-02T03:04:05Z$' &&
	ok "trust-list show prints the InvalidFrom" || not_ok "show: $("$SILKPORT" trust-list show "$WORK/out" | grep -A12 CN-ZZ)"
# shellcheck disable=SC2086
expect 1 "remove-member --invalid-from in the future is refused" -- "$SILKPORT" trust-list remove-member $KEY \
	--member CN-ZZ --invalid-from 2999-01-01T00:00:00Z "$LIST"
# shellcheck disable=SC2086
expect 1 "a second remove-member of CN-ZZ is refused" -- "$SILKPORT" trust-list remove-member $KEY --member CN-ZZ "$WORK/left.xml"
# shellcheck disable=SC2086
expect 1 "remove-member of an unknown id is refused" -- "$SILKPORT" trust-list remove-member $KEY --member NOBODY "$LIST"
expect_err 'not-found' "as not-found"
rm -rf "$WORK/issued"
# shellcheck disable=SC2086
expect 1 "the id of a member that left is never given again" -- "$SILKPORT" trust-list add-member $KEY \
	--request "$WORK/impostor/join-request.xml" --issued-dir "$WORK/issued" "$WORK/left.xml"
expect_err '^rejected member-exists: .*\(revoked\)' "as member-exists"

# -- a list the operator did not sign is not extended
"$SILKPORT" federation init "$WORK/other-op" --federation silk 2>/dev/null
# shellcheck disable=SC2086
expect 1 "add-member to another operator's list is refused" -- "$SILKPORT" trust-list add-member $KEY --request "$REQ" \
	--issued-dir "$WORK/issued2" "$WORK/other-op/trust-list.xml"
expect_err 'untrusted-anchor|signature-invalid' "as untrusted-anchor"

# -- install: certificates altered or not the member's
ZZ="$F/members/CN-ZZ"
install_with() { expect 1 "$2" -- "$SILKPORT" member install "$ZZ" --issued "$1" --trust-list "$LIST" --anchor "$OP/operator/cert.pem"; }
mkdir -p "$WORK/t1" "$WORK/t2" "$WORK/t3"
# a byte of the signing certificate's signature changed
python3 - "$OP/issued/CN-ZZ/sign-cert.pem" "$WORK/t1/sign-cert.pem" <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
der = bytearray(base64.b64decode("".join(l for l in lines if l and not l.startswith("-----"))))
der[-5] ^= 0x01
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], "w").write("-----BEGIN CERTIFICATE-----\n" + "\n".join(b[i:i+64] for i in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n")
EOF
cp "$OP/issued/CN-ZZ/tls-cert.pem" "$WORK/t1/"
install_with "$WORK/t1" "an altered issued certificate is refused"
expect_err 'issued-certificate-mismatch: .*not signed by the federation anchor' "as issued-certificate-mismatch"
# certificates swapped: the TLS certificate offered as the signing one
cp "$OP/issued/CN-ZZ/tls-cert.pem" "$WORK/t2/sign-cert.pem"
cp "$OP/issued/CN-ZZ/tls-cert.pem" "$WORK/t2/tls-cert.pem"
install_with "$WORK/t2" "a certificate for another key is refused"
expect_err 'issued-certificate-mismatch: .*not for this member.s key' "as issued-certificate-mismatch"
# CN-XA's certificates (issued by the same anchor) offered to CN-ZZ
cp "$WORK/control/sign-cert.pem" "$WORK/control/tls-cert.pem" "$WORK/t3/"
install_with "$WORK/t3" "another member's certificates are refused"
expect_err 'issued-certificate-mismatch' "as issued-certificate-mismatch"
# the right certificates but a list that does not list them
expect 1 "a list that does not list the member is refused" -- "$SILKPORT" member install "$ZZ" \
	--issued "$OP/issued/CN-ZZ" --trust-list "$WORK/other-op/trust-list.xml" --anchor "$WORK/other-op/operator/cert.pem"
expect_err 'issued-certificate-mismatch' "as issued-certificate-mismatch (another anchor)"

# -- renewal not signed by the listed key
expect 0 "member renew" -- "$SILKPORT" member renew "$ZZ"
RR="$ZZ/renewal-request.xml"
python3 - "$RR" >"$WORK/rr.xml" <<'EOF'
import re, sys
doc = open(sys.argv[1]).read()
m = re.search(r"<PreviousKeySignature>([^<]*)</PreviousKeySignature>", doc)
s = m.group(1)
t = s[:10] + ("A" if s[10] != "A" else "B") + s[11:]
sys.stdout.write(doc.replace(s, t))
EOF
resign "$WORK/rr.xml" "$ZZ/renewal-sign-key.pem" >"$WORK/badprev.xml"
# shellcheck disable=SC2086
expect 1 "a renewal whose previous-key signature does not verify is refused" -- "$SILKPORT" trust-list renew-member $KEY \
	--request "$WORK/badprev.xml" --issued-dir "$WORK/ri" "$LIST"
expect_err '^rejected request-signer-mismatch: ' "as request-signer-mismatch"
resign "$RR" "$WORK/other-key.pem" >"$WORK/badnew.xml"
# shellcheck disable=SC2086
expect 1 "a renewal not signed by its new key is refused" -- "$SILKPORT" trust-list renew-member $KEY \
	--request "$WORK/badnew.xml" --issued-dir "$WORK/ri" "$LIST"
expect_err '^rejected request-signer-mismatch: ' "as request-signer-mismatch"
# shellcheck disable=SC2086
expect 1 "a renewal of a member that left is refused" -- "$SILKPORT" trust-list renew-member $KEY \
	--request "$RR" --issued-dir "$WORK/ri" "$WORK/left.xml"
expect_err '^rejected signer-revoked: ' "as signer-revoked"
[ ! -e "$WORK/ri/sign-cert.pem" ] && ok "no renewal certificate was issued" || not_ok "a certificate was issued"
# shellcheck disable=SC2086
expect 0 "the untouched renewal is accepted (the control)" -- "$SILKPORT" trust-list renew-member $KEY \
	--request "$RR" --issued-dir "$WORK/ri" "$LIST"

# -- an SM2 signer joins the same way (its TLS and operator keys stay P-256)
SM="$WORK/sm2"
expect 0 "member init --alg sm2" -- "$SILKPORT" member init "$SM" --federation silk \
	--member CN-SM --role zone --host 127.0.0.1 --port 7499 --alg sm2
expect 0 "the operator issues from the SM2 request" -- "$SILKPORT" trust-list add-member $KEY \
	--request "$SM/join-request.xml" --issued-dir "$WORK/smi" "$LIST"
cp "$WORK/out" "$WORK/sm2-list.xml"
grep -q 'signatureMethod="urn:silkport:srep:1:alg:sm2-sm3"' "$WORK/sm2-list.xml" &&
	ok "the list names the member's SM2-with-SM3 method" || not_ok "no SM2 method in the list"
openssl pkey -in "$SM/tls-key.pem" -noout -text 2>/dev/null |
	grep -q 'NIST CURVE: P-256' && ok "its TLS key is P-256" || not_ok "TLS key is not P-256"
expect 0 "member install of the SM2 member" -- "$SILKPORT" member install "$SM" --issued "$WORK/smi" \
	--trust-list "$WORK/sm2-list.xml" --anchor "$OP/operator/cert.pem"
"$SILKPORT" record new --origin CN-SM --sequence 0 --type declaration --recipient CN-ZZ \
	--subject USCC=91410100MA44XXXX0A --body "$SP_DATA_DIR/bodies/declaration.xml" |
	"$SILKPORT" record sign --key "$SM/sign-key.pem" --cert "$SM/sign-cert.pem" >"$WORK/sm2rec.xml"
expect 0 "its SM2 record verifies against the list" -- "$SILKPORT" record verify \
	--trust-list "$WORK/sm2-list.xml" --anchor "$OP/operator/cert.pem" "$WORK/sm2rec.xml"

# -- usage
expect 2 "member init without --role is a usage error" -- "$SILKPORT" member init "$WORK/x" --federation silk \
	--member CN-YY --host h --port 1
expect 2 "member init with an unknown role" -- "$SILKPORT" member init "$WORK/x" --federation silk \
	--member CN-YY --role king --host h --port 1
expect 1 "member init refuses to replace a member's keys" -- "$SILKPORT" member init "$XA" --federation silk \
	--member CN-XA --role zone --host 127.0.0.1 --port 7411
for cmd in "member init" "member install" "member renew" "trust-list add-member" "trust-list remove-member" "trust-list renew-member"; do
	# shellcheck disable=SC2086
	expect 0 "$cmd --help" -- "$SILKPORT" $cmd --help
done
finish
