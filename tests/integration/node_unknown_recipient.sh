#!/bin/bash
# node_unknown_recipient.sh: SPEC 10.3 [API-64]: a record that names this node
# among its Recipients, next to a NodeId that no trust list of the node knows,
# is accepted (201, receipt) and held; the unknown NodeId is not this node's
# business. A record whose only Recipients are unknown is still refused
# (not-recipient).
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk-alliance --member CN-ZZ --member CN-XA \
	--member KZ-KGS:port-authority 2>/dev/null
start_node "$F" CN-XA || exit 1

sign() { "$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem"; }

"$SILKPORT" record new --origin CN-ZZ --sequence 0 --type release --recipient XX-GHOST --recipient CN-XA \
	--recipient ZZ-NOWHERE --body "$SP_DATA_DIR/bodies/release.xml" | sign >"$WORK/rec0.xml"
grep -q "<Node>XX-GHOST</Node>" "$WORK/rec0.xml" && ok "the record names two NodeIds no trust list knows" || not_ok "record recipients"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/rec0.xml" >"$WORK/receipt.xml"
expect_status 201 "the addressee accepts it: 201"
grep -q "<RecordDigest>$(sha256sum <"$WORK/rec0.xml" | cut -d' ' -f1)</RecordDigest>" "$WORK/receipt.xml" \
	&& ok "with its receipt for the record" || not_ok "receipt: $(head -c 300 "$WORK/receipt.xml")"
ID=$(sed -n 's/.*<RecordId>\([^<]*\)<.*/\1/p' "$WORK/rec0.xml")
hcurl "$F" CN-ZZ CN-XA "/v1/records/$ID" >"$WORK/held.xml"
expect_status 200 "and holds it"
cmp -s "$WORK/held.xml" "$WORK/rec0.xml" && ok "as the exact bytes" || not_ok "held bytes differ"
hcurl "$F" KZ-KGS CN-XA "/v1/records/$ID" >/dev/null
expect_status 404 "a known member that is not a recipient still does not see it"

"$SILKPORT" record new --origin CN-ZZ --sequence 1 --type release --recipient XX-GHOST \
	--body "$SP_DATA_DIR/bodies/release.xml" | sign >"$WORK/rec1.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/rec1.xml" >/dev/null
expect_status 403 "a record addressed only to unknown NodeIds: refused"; expect_problem not-recipient "as not-recipient"

hcurl "$F" op:CN-XA CN-XA /v1/peers >"$WORK/peers.txt"
expect_status 200 "peer status"
grep -qE "XX-GHOST|ZZ-NOWHERE" "$WORK/peers.txt" && not_ok "the node took an unknown NodeId for a peer: $(cat "$WORK/peers.txt")" \
	|| ok "and has no peer (no delivery queue) for the unknown NodeIds"
finish
