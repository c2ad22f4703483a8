#!/bin/bash
# trust_threshold.sh: a trust list signed by 2 of 3 operators, each on its
# own machine (a folder of its own here), and the rotation of the operator
# keys under the old and the new threshold (SPEC 7.2, [TL-71], [TL-72]).
# Each signature is also checked by xmlsec1 alone, the others removed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

# Three operators, each with its key in its own folder; a fourth to six
# for the rotation.
for i in 1 2 3 4 5 6; do
	"$SILKPORT" federation init "$WORK/op$i" --federation silk >/dev/null 2>&1 ||
		not_ok "federation init for operator $i"
done
op() { echo "--key $WORK/op$1/operator/key.pem --cert $WORK/op$1/operator/cert.pem"; }
cert() { echo "$WORK/op$1/operator/cert.pem"; }
cat "$(cert 1)" "$(cert 2)" "$(cert 3)" >"$WORK/anchors.pem"
cat "$(cert 4)" "$(cert 5)" "$(cert 6)" >"$WORK/new-anchors.pem"
LIST="$WORK/op1/trust-list.xml"

# Operator 1 makes the first 2-of-3 list and signs it.
# shellcheck disable=SC2046
expect 0 "operator 1 names three operator keys, threshold 2" -- "$SILKPORT" trust-list update $(op 1) \
	--operator-cert "$(cert 1)" --operator-cert "$(cert 2)" --operator-cert "$(cert 3)" --threshold 2 "$LIST"
cp "$WORK/out" "$WORK/op1/l2.xml"
grep -q '<Threshold>2</Threshold>' "$WORK/op1/l2.xml" && [ "$(grep -o '<OperatorCertificate>' "$WORK/op1/l2.xml" | wc -l)" = 3 ] &&
	ok "the list names 3 OperatorCertificate and Threshold 2" || not_ok "list: $(head -c 300 "$WORK/op1/l2.xml")"
grep -q "<PreviousList>$(sha256sum "$LIST" | cut -c1-64)</PreviousList>" "$WORK/op1/l2.xml" &&
	ok "the list names its predecessor's SHA-256 as PreviousList" || not_ok "no PreviousList"
expect 1 "one operator's signature is not enough" -- "$SILKPORT" trust-list verify --anchor "$WORK/anchors.pem" "$WORK/op1/l2.xml"
expect_err 'threshold-not-met' "refused with threshold-not-met"

# It travels to operator 3, who adds a signature on its own machine.
cp "$WORK/op1/l2.xml" "$WORK/op3/l2.xml"
# shellcheck disable=SC2046
expect 0 "operator 3 adds its signature" -- "$SILKPORT" trust-list sign $(op 3) "$WORK/op3/l2.xml"
cp "$WORK/out" "$WORK/op3/l2-signed.xml"
[ "$(grep -o '<ds:Signature[ >]' "$WORK/op3/l2-signed.xml" | wc -l)" = 2 ] && ok "the list carries two signatures" ||
	not_ok "signatures: $(grep -o '<ds:Signature[ >]' "$WORK/op3/l2-signed.xml" | wc -l)"
expect 0 "two of three: the list verifies" -- "$SILKPORT" trust-list verify --anchor "$WORK/anchors.pem" "$WORK/op3/l2-signed.xml"
grep -q '^ok silk 2 ' "$WORK/out" && ok "ok silk 2" || not_ok "verify: $(cat "$WORK/out")"
# shellcheck disable=SC2046
expect 0 "operator 1 may sign its own list a second time" -- "$SILKPORT" trust-list sign $(op 1) "$WORK/op1/l2.xml"
cp "$WORK/out" "$WORK/op1/l2-11.xml"
expect 1 "one key twice is one signature" -- "$SILKPORT" trust-list verify --anchor "$WORK/anchors.pem" "$WORK/op1/l2-11.xml"
expect_err 'threshold-not-met' "refused with threshold-not-met"

# Each signature alone, the others removed, is an ordinary enveloped
# signature that xmlsec1 checks with that operator's certificate.
if command -v xmlsec1 >/dev/null && command -v python3 >/dev/null; then
	python3 - "$WORK/op3/l2-signed.xml" "$WORK/alone" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
sigs = re.findall(r'<ds:Signature[ >].*?</ds:Signature>', s, re.S)
for i in range(len(sigs)):
    t = s
    for j, o in enumerate(sigs):
        if j != i:
            t = t.replace(o, '', 1)
    open('%s%d.xml' % (sys.argv[2], i), 'w').write(t)
EOF
	xmlsec1 --verify --pubkey-cert-pem "$(cert 1)" "$WORK/alone0.xml" >/dev/null 2>&1 &&
		xmlsec1 --verify --pubkey-cert-pem "$(cert 3)" "$WORK/alone1.xml" >/dev/null 2>&1 &&
		ok "xmlsec1 verifies each signature with the others removed" || not_ok "xmlsec1 refused a signature"
	xmlsec1 --verify --pubkey-cert-pem "$(cert 3)" "$WORK/alone0.xml" >/dev/null 2>&1 &&
		not_ok "xmlsec1 took operator 1's signature for operator 3's" || ok "and each with its own key only"
else
	ok "# SKIP xmlsec1 or python3 not installed"
fi

# Rotation to operators 4, 5, 6: the old threshold and the new one.
# shellcheck disable=SC2046
expect 0 "operator 1 makes a list naming operators 4, 5 and 6" -- "$SILKPORT" trust-list update $(op 1) \
	--operator-cert "$(cert 4)" --operator-cert "$(cert 5)" --operator-cert "$(cert 6)" --threshold 2 \
	"$WORK/op3/l2-signed.xml"
cp "$WORK/out" "$WORK/r.xml"
# shellcheck disable=SC2046
"$SILKPORT" trust-list sign $(op 2) "$WORK/r.xml" >"$WORK/r-old.xml"
expect 1 "the old threshold alone does not rotate" -- "$SILKPORT" trust-list verify --anchor "$WORK/anchors.pem" "$WORK/r-old.xml"
expect_err 'threshold-not-met' "refused with threshold-not-met"
# shellcheck disable=SC2046
"$SILKPORT" trust-list sign $(op 4) "$WORK/r-old.xml" >"$WORK/r-old4.xml"
# shellcheck disable=SC2046
"$SILKPORT" trust-list sign $(op 6) "$WORK/r-old4.xml" >"$WORK/r-both.xml"
expect 0 "old and new threshold: the rotation verifies" -- "$SILKPORT" trust-list verify --anchor "$WORK/anchors.pem" "$WORK/r-both.xml"
# the new keys alone, from the old anchors' view, are not enough
# shellcheck disable=SC2046
"$SILKPORT" trust-list sign $(op 4) "$WORK/r.xml" >"$WORK/r-1-4.xml"
# shellcheck disable=SC2046
"$SILKPORT" trust-list sign $(op 5) "$WORK/r-1-4.xml" >"$WORK/r-new.xml"
expect 1 "the new threshold alone does not rotate" -- "$SILKPORT" trust-list verify --anchor "$WORK/anchors.pem" "$WORK/r-new.xml"
expect_err 'threshold-not-met' "refused with threshold-not-met"

# federation init for a demo of three operators, 2 of 3: the first list
# carries two signatures, and a node with the three anchors starts on it.
FED_INIT_ARGS="--operators 3 --threshold 2"
fed_init "$WORK/demo" CN-ZZ
[ "$(grep -o '<ds:Signature[ >]' "$WORK/demo/trust-list.xml" | wc -l)" = 2 ] &&
	grep -q '<Threshold>2</Threshold>' "$WORK/demo/trust-list.xml" &&
	ok "federation init --operators 3 --threshold 2: two signatures, Threshold 2" || not_ok "demo list"
[ "$(grep -c 'BEGIN CERTIFICATE' "$WORK/demo/operator/anchors.pem")" = 3 ] &&
	grep -q 'operator/anchors.pem' "$WORK/demo/members/CN-ZZ/node.ini" &&
	ok "the node is configured with the three operators' anchors" || not_ok "anchors.pem"
fstart "$WORK/demo" CN-ZZ && ok "a node starts on the 2-of-3 list" || not_ok "the node does not start"
stop_node CN-ZZ
expect 2 "--threshold above --operators is a usage error" -- "$SILKPORT" federation init "$WORK/bad" --federation silk \
	--operators 2 --threshold 3

finish
