#!/bin/bash
# fed_revoked_unlogged.sh: a revoked member's record that this node can
# never prove ([TL-77]) is refused as signer-revoked, not signer-expired.
# The federation has a witness (quorum 1), so a record of a revoked member
# dated before its InvalidFrom verifies and waits to be proven; but CN-ZZ
# lists no LogKey, so its log is never proven here (the record would be
# unlogged) and the record is refused on arrival for the revocation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
OP="--key $F/operator/key.pem --cert $F/operator/cert.pem"
fed_init "$F" CN-ZZ CN-XA KZ-KGS

# CN-ZZ without a LogKey (LOG-11 allows it), the list signed again.
sed -i -e '/<LogKey>silkport\/silk\/CN-ZZ+/d' -e '/^<ds:Signature/,/<\/ds:Signature>$/d' "$F/trust-list.xml"
# shellcheck disable=SC2086
expect 0 "the list without CN-ZZ's LogKey, signed" -- "$SILKPORT" trust-list sign $OP "$F/trust-list.xml"
cp "$WORK/out" "$WORK/tl1.xml"
# shellcheck disable=SC2086
expect 0 "CN-XA is the federation's witness, quorum 1" -- "$SILKPORT" trust-list update $OP \
	--witness CN-XA --quorum 1 "$WORK/tl1.xml"
cp "$WORK/out" "$WORK/tl2.xml"

# A record of CN-ZZ issued 20 minutes ago (its certificates are valid from
# an hour ago), then CN-ZZ revoked with InvalidFrom 10 minutes ago: the
# record precedes the InvalidFrom by its Issued.
issued=$(date -u -d '-1200 seconds' +%Y-%m-%dT%H:%M:%SZ)
invalid=$(date -u -d '-600 seconds' +%Y-%m-%dT%H:%M:%SZ)
"$SILKPORT" record new --origin CN-ZZ --sequence 0 --type declaration --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/declaration.xml" | sed "s#<Issued>[^<]*</Issued>#<Issued>$issued</Issued>#" |
	"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem" >"$WORK/rec.xml"
grep -q "<Issued>$issued</Issued>" "$WORK/rec.xml" && ok "a record of CN-ZZ issued at $issued" || not_ok "record: $(head -c 300 "$WORK/rec.xml")"
# shellcheck disable=SC2086
expect 0 "remove-member CN-ZZ --invalid-from $invalid" -- "$SILKPORT" trust-list remove-member $OP \
	--member CN-ZZ --invalid-from "$invalid" "$WORK/tl2.xml"
cp "$WORK/out" "$F/trust-list.xml"

start_node "$F" CN-XA || { not_ok "CN-XA start"; finish; }
ok "CN-XA starts on the list that revokes CN-ZZ"
hcurl "$F" KZ-KGS CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/rec.xml" >/dev/null
expect_status 422 "CN-XA refuses the record"
expect_problem signer-revoked "as signer-revoked: it can never be proven here to precede the InvalidFrom"
grep -q 'InvalidFrom' "$WORK/body" && ok "the problem's detail names the InvalidFrom" || not_ok "detail: $(head -c 400 "$WORK/body")"
held_count_is "$F" CN-XA CN-ZZ 0 && ok "nothing of CN-ZZ is held" || not_ok "CN-XA holds a record of CN-ZZ"

fed_stop_all CN-XA
finish
