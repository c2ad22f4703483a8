#!/bin/bash
# node_api.sh: one node's HTTP/2 API over mutual TLS, driven with curl: every
# endpoint, access rules, idempotency, equivocation, visibility, limits, reload.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk-alliance --member CN-ZZ --member CN-XA \
	--member KZ-KGS:port-authority --member AUDIT-1:auditor 2>/dev/null
"$SILKPORT" federation init "$WORK/other" --federation outsiders --member XX-1 2>/dev/null
expect 0 "check-config accepts the generated node.ini" -- "$SILKPORT" check-config --config "$F/members/CN-XA/node.ini"
printf '[node]\nid = CN-XA\nbogus = 1\n[limits]\nmax_body = 12\n' >"$WORK/bad.ini"
expect 1 "check-config refuses a bad config" -- "$SILKPORT" check-config --config "$WORK/bad.ini"
expect_err "bad.ini:3: unknown option 'bogus'" "naming file and line of an unknown option"
expect_err "bad.ini:5: \[limits\] max_body = '12'" "and of a value out of bounds"

start_node "$F" CN-ZZ || exit 1
start_node "$F" CN-XA || exit 1

hcurl "$F" none CN-XA /healthz >/dev/null; expect_status 200 "healthz needs no certificate"
grep -qi '^x-request-id: [0-9a-f]\{16\}' "$WORK/headers" && ok "responses carry x-request-id" || not_ok "x-request-id"
for _ in $(seq 1 40); do hcurl "$F" none CN-XA /readyz >/dev/null; [ "$(cat "$WORK/status")" = 200 ] && break; sleep 0.1; done
expect_status 200 "readyz"
hcurl "$F" none CN-XA /v1/trust-lists/silk-alliance >"$WORK/tl.xml"; expect_status 200 "trust list served"
cmp -s "$WORK/tl.xml" "$F/trust-list.xml" && ok "as the exact signed bytes" || not_ok "trust list bytes differ"
hcurl "$F" none CN-XA /v1/trust-lists/other >/dev/null; expect_status 404 "unknown federation: 404"; expect_problem not-found "as a problem document"
# The list's entity tag is its SHA-256 (API-66): a caller holding it gets
# 304 with nothing to read, anyone else the list.
hcurl "$F" none CN-XA /v1/trust-lists/silk-alliance >/dev/null
etag=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^etag: //Ip')
[ "$etag" = "\"$(sha256sum "$WORK/tl.xml" | cut -d' ' -f1)\"" ] && ok "the list's etag is its quoted SHA-256" ||
	not_ok "etag: '$etag'"
rm -f "$WORK/body" # curl writes no file for an empty answer
hcurl "$F" none CN-XA /v1/trust-lists/silk-alliance -H "if-none-match: $etag" >/dev/null
expect_status 304 "if-none-match with the list's etag: 304"
[ ! -s "$WORK/body" ] && ok "with no body" || not_ok "304 body: $(head -c 100 "$WORK/body")"
hcurl "$F" none CN-XA /v1/trust-lists/silk-alliance -H "if-none-match: \"00\", $etag" >/dev/null
expect_status 304 "an etag list naming it: 304"
hcurl "$F" none CN-XA /v1/trust-lists/silk-alliance -H 'if-none-match: "0000"' >"$WORK/tl2.xml"
expect_status 200 "another etag: 200"
cmp -s "$WORK/tl.xml" "$WORK/tl2.xml" && ok "with the list" || not_ok "list differs"

# Local submission through the operator endpoint.
submission declaration "$SP_DATA_DIR/bodies/declaration.xml" CN-XA >"$WORK/sub.xml"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >"$WORK/rec0.xml"
expect_status 201 "operator submission: 201"
# API-53: the 201 names where the record is read, with its Origin, since
# RecordIds are unique per Origin only (API-62).
ID0=$(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$WORK/rec0.xml" | head -1)
LOC=$(sed -n 's/^location: \(.*\)\r$/\1/Ip' "$WORK/headers")
[ -n "$ID0" ] && [ "$LOC" = "/v1/records/$ID0?origin=CN-ZZ" ] && ok "the 201 carries location /v1/records/{id}?origin=CN-ZZ" \
	|| not_ok "location header: '$LOC' (record $ID0)"
hcurl "$F" op:CN-ZZ CN-ZZ "$LOC" >"$WORK/loc.xml"; expect_status 200 "the location is readable"
cmp -s "$WORK/loc.xml" "$WORK/rec0.xml" && ok "as the exact bytes of the 201" || not_ok "location serves other bytes"
expect 0 "the returned record verifies" -- "$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" "$WORK/rec0.xml"
grep -q "^ok CN-ZZ 0 declaration " "$WORK/out" && ok "as CN-ZZ's sequence 0" || not_ok "sequence 0: $(cat "$WORK/out")"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >"$WORK/rec1.xml"
"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" "$WORK/rec1.xml" | grep -q "^ok CN-ZZ 1 " \
	&& ok "the next submission is sequence 1" || not_ok "sequence 1"
sed 's/<Type>declaration</<Type>no-such-type</' "$WORK/sub.xml" >"$WORK/bad-sub.xml"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/bad-sub.xml" >/dev/null
expect_status 422 "a bad submission: 422"; expect_problem schema-invalid "naming the error"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >"$WORK/rec2.xml"
"$SILKPORT" record verify --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" "$WORK/rec2.xml" | grep -q "^ok CN-ZZ 2 " \
	&& ok "a refused submission leaves no gap in the sequence" || not_ok "sequence 2"
hcurl "$F" none CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >/dev/null
expect_status 401 "submission without a certificate: 401"; expect_problem unauthenticated "as unauthenticated"
hcurl "$F" CN-XA CN-ZZ /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >/dev/null
expect_status 403 "submission with a member's (not an operator's) certificate: 403"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/submit >/dev/null
expect_status 405 "GET on a POST endpoint: 405"; expect_problem method-not-allowed "as method-not-allowed"

# API-47: search pages by cursors of [A-Za-z0-9_-]{1,512}; CN-XA sees the
# three declarations of CN-ZZ's log, one per page.
seen="" cursor="" pages=0 badcur=""
while [ $pages -lt 5 ]; do
	hcurl "$F" CN-XA CN-ZZ "/v1/search?type=declaration&limit=1${cursor:+&cursor=$cursor}" >"$WORK/page.xml"
	[ "$(cat "$WORK/status")" = 200 ] || break
	pages=$((pages + 1))
	seen="$seen $(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$WORK/page.xml")"
	cursor=$(sed -n 's:.*<NextCursor>\(.*\)</NextCursor>.*:\1:p' "$WORK/page.xml")
	[ -z "$cursor" ] && break
	echo "$cursor" | grep -Eqx '[A-Za-z0-9_-]{1,512}' || badcur="$badcur $cursor"
done
[ -z "$badcur" ] && ok "every NextCursor matches [A-Za-z0-9_-]{1,512}" || not_ok "cursors outside the pattern:$badcur"
want=$(for r in rec0 rec1 rec2; do sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$WORK/$r.xml"; done | tr '\n' ' ')
[ "$pages" = 3 ] && [ "$(echo $seen)" = "$(echo $want)" ] && ok "and paging by them yields the 3 declarations in order, once each" \
	|| not_ok "paging: $pages pages, saw '$seen', wanted '$want'"
hcurl "$F" CN-XA CN-ZZ "/v1/search?type=declaration&limit=1&cursor=v1.1" >/dev/null
expect_status 400 "a cursor outside the pattern is refused 400"; expect_problem bad-request "as bad-request"

# The project's own client: silkport submit and status.
expect 0 "silkport submit" -- "$SILKPORT" submit --config "$F/members/CN-ZZ/node.ini" --type release --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/release.xml" --subject declaration=460120261000000001 --out "$WORK/rec3.xml"
grep -Eq "^[0-9a-f-]{36} 3 [0-9a-f]{64}$" "$WORK/out" && ok "prints id, sequence 3 and digest" || not_ok "submit output: $(cat "$WORK/out")"
[ "$(cut -d' ' -f3 "$WORK/out")" = "$(sha256sum <"$WORK/rec3.xml" | cut -d' ' -f1)" ] && ok "the digest is the signed record's" || not_ok "submit digest"
expect 1 "silkport submit to a non-member is refused" -- "$SILKPORT" submit --config "$F/members/CN-ZZ/node.ini" --type release \
	--recipient XX-9 --body "$SP_DATA_DIR/bodies/release.xml"
expect_err "^rejected field-invalid: " "with the node's error name"
expect 0 "silkport status" -- "$SILKPORT" status --config "$F/members/CN-ZZ/node.ini"
grep -q "ready *yes" "$WORK/out" && grep -q "records submitted *4" "$WORK/out" && ok "status shows readiness and counters" || not_ok "status: $(cat "$WORK/out")"

# Delivery from a peer: 201, idempotent 200, equivocation 409.
REC="$WORK/rec0.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$REC" >"$WORK/receipt1.xml"
expect_status 201 "delivery: 201 with a receipt"
grep -q "<RecordDigest>$(sha256sum <"$REC" | cut -d' ' -f1)</RecordDigest>" "$WORK/receipt1.xml" && ok "the receipt is bound to the record digest" || not_ok "receipt digest"
grep -q "<Receiver>CN-XA</Receiver>" "$WORK/receipt1.xml" && grep -q "ds:SignatureValue" "$WORK/receipt1.xml" && ok "and signed by the receiver" || not_ok "receipt signature"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$REC" >"$WORK/receipt2.xml"
expect_status 200 "re-delivery of the same bytes: 200"
cmp -s "$WORK/receipt1.xml" "$WORK/receipt2.xml" && ok "with the identical receipt" || not_ok "receipt differs"
"$SILKPORT" record new --origin CN-ZZ --sequence 0 --type release --recipient CN-XA --body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem" >"$WORK/fork.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/fork.xml" >/dev/null
expect_status 409 "another record for the same origin and sequence: 409"; expect_problem equivocation "as equivocation"
hcurl "$F" op:CN-XA CN-XA /metrics >"$WORK/metrics"
grep -q '^silkport_equivocations_total 1$' "$WORK/metrics" && ok "equivocation counted in metrics" || not_ok "equivocation metric"
hcurl "$F" none CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$REC" >/dev/null
expect_status 401 "delivery without a certificate: 401"
sed 's/<Sequence>1</<Sequence>7</' "$WORK/rec1.xml" >"$WORK/tampered.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/tampered.xml" >/dev/null
expect_status 422 "a tampered record: 422"; expect_problem signature-invalid "as signature-invalid"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: text/plain' --data-binary @"$REC" >/dev/null
expect_status 415 "wrong media type: 415"
"$SILKPORT" record new --origin CN-ZZ --sequence 3 --type tax --recipient KZ-KGS --body "$SP_DATA_DIR/bodies/tax.xml" |
	"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem" >"$WORK/other-addr.xml"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/other-addr.xml" >/dev/null
expect_status 403 "a record addressed to someone else: refused"; expect_problem not-recipient "as not-recipient"
head -c 1100000 /dev/zero | tr '\0' 'a' >"$WORK/big"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/big" >/dev/null
expect_status 413 "an oversized body: 413"
hcurl "$F" CN-ZZ CN-XA /healthz -H "x-big: $(head -c 20000 /dev/zero | tr '\0' 'b')" >/dev/null
case "$(cat "$WORK/status")" in 431|000) ok "an oversized header list is refused" ;; *) not_ok "header list: $(cat "$WORK/status")" ;; esac
hcurl "$F" none CN-XA /healthz >/dev/null; expect_status 200 "and the node still answers"

# Outsiders: a certificate from another federation fails the handshake.
curl -sS --http2 --cacert "$F/operator/cert.pem" --cert "$WORK/other/members/XX-1/tls-cert.pem" \
	--key "$WORK/other/members/XX-1/tls-key.pem" "https://127.0.0.1:$PORT_CN_XA/v1/records" -o /dev/null 2>/dev/null \
	&& not_ok "a foreign federation's certificate was accepted" || ok "a foreign federation's certificate is refused in the handshake"
curl -sS --http1.1 --cacert "$F/operator/cert.pem" "https://127.0.0.1:$PORT_CN_XA/healthz" -o /dev/null 2>/dev/null \
	&& not_ok "HTTP/1.1 was served" || ok "ALPN other than h2 is refused"

# Reads and visibility.
ID=$(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$REC" | head -1)
hcurl "$F" CN-ZZ CN-XA "/v1/records/$ID" >"$WORK/got.xml"; expect_status 200 "the origin reads its record"
cmp -s "$WORK/got.xml" "$REC" && ok "as its exact bytes" || not_ok "bytes differ"
hcurl "$F" KZ-KGS CN-XA "/v1/records/$ID" >/dev/null; expect_status 404 "a member it is not addressed to cannot read it"
hcurl "$F" op:CN-XA CN-XA "/v1/records/$ID" >/dev/null; expect_status 200 "the node's operator can"
hcurl "$F" KZ-KGS CN-XA "/v1/search?subject-kind=Enterprise&subject-scheme=USCC&subject-value=91410100MA44XXXX0A" >"$WORK/s.xml"
expect_status 200 "search"
grep -q "$ID" "$WORK/s.xml" && not_ok "search shows another's record" || ok "search hides records addressed to others"
hcurl "$F" CN-ZZ CN-XA "/v1/search?subject-kind=Enterprise&subject-scheme=USCC&subject-value=91410100MA44XXXX0A" >"$WORK/s.xml"
grep -q "<RecordId>$ID</RecordId>" "$WORK/s.xml" && ok "search finds it for the origin" || not_ok "search by subject: $(cat "$WORK/s.xml")"
hcurl "$F" CN-ZZ CN-XA "/v1/search?type=declaration&limit=1000" >/dev/null; expect_status 400 "search limit is bounded"
hcurl "$F" CN-ZZ CN-XA "/v1/logs/CN-ZZ/entries?start=0&count=10" >"$WORK/entries"
expect_status 200 "entries"
head -1 "$WORK/entries" | grep -q "^0 $(stat -c %s "$REC")$" && ok "framed as 'sequence length'" || not_ok "entries framing: $(head -1 "$WORK/entries")"
hcurl "$F" KZ-KGS CN-XA "/v1/logs/CN-ZZ/entries?start=0&count=10" >"$WORK/entries2"
[ ! -s "$WORK/entries2" ] && ok "entries hide what is addressed to others" || not_ok "entries visible to KZ-KGS"
# Query numbers use the protocol's one decimal grammar (API-13).
for q in "start=007&count=10" "start=0&count=010" "start=-1&count=10" "start=%2B1&count=10"; do
	hcurl "$F" CN-ZZ CN-XA "/v1/logs/CN-ZZ/entries?$q" >/dev/null; expect_status 400 "entries?$q is refused"
	expect_problem bad-request "entries?$q is a bad-request problem"
done

# The log: checkpoint and proofs of CN-ZZ's own log.
sleep 1.2
hcurl "$F" none CN-ZZ /v1/logs/CN-ZZ/checkpoint >"$WORK/cp.txt"; expect_status 200 "checkpoint is public"
head -1 "$WORK/cp.txt" | grep -q "^silkport/silk-alliance/CN-ZZ$" && sed -n 2p "$WORK/cp.txt" | grep -q '^4$' \
	&& ok "checkpoint of CN-ZZ's log" || not_ok "checkpoint: $(cat "$WORK/cp.txt")"
grep -q "^— silkport/silk-alliance/CN-ZZ " "$WORK/cp.txt" && ok "signed by the node's log key" || not_ok "checkpoint signature line"
hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/proofs/inclusion?index=1&size=4" >"$WORK/proof.txt"; expect_status 200 "inclusion proof"
expect 0 "log verify checks record, proof and checkpoint offline" -- "$SILKPORT" log verify "$WORK/rec1.xml" "$WORK/proof.txt" "$WORK/cp.txt" \
	--trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem"
expect 1 "and refuses a record that is not at that index" -- "$SILKPORT" log verify "$WORK/rec2.xml" "$WORK/proof.txt" "$WORK/cp.txt" \
	--trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem"
hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/proofs/consistency?old=1&size=4" >/dev/null; expect_status 200 "consistency proof"
hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/proofs/inclusion?index=5&size=4" >/dev/null; expect_status 400 "an index past the size: 400"

# The recipient index ([API-79], [ACC-22]): the Origin signs which Sequences
# of its log up to its checkpoint are addressed to a recipient, for that
# recipient and auditors only.
hcurl "$F" CN-XA CN-ZZ "/v1/logs/CN-ZZ/index?recipient=CN-XA&start=0" >"$WORK/index.txt"; expect_status 200 "the recipient reads its index"
printf 'silkport-index/v1\nsilkport/silk-alliance/CN-ZZ\nrecipient CN-XA\nrange 0 4\n0\n1\n2\n3\n\n' >"$WORK/index-want.txt"
head -c "$(stat -c %s "$WORK/index-want.txt")" "$WORK/index.txt" | cmp -s - "$WORK/index-want.txt" \
	&& ok "listing sequences 0 to 3 of range 0..4" || not_ok "index: $(cat "$WORK/index.txt")"
grep -q "^— silkport/silk-alliance/CN-ZZ " "$WORK/index.txt" && ok "signed with the log key" || not_ok "index signature line"
hcurl "$F" AUDIT-1 CN-ZZ "/v1/logs/CN-ZZ/index?recipient=CN-XA&start=0" >/dev/null; expect_status 200 "an auditor reads it"
hcurl "$F" KZ-KGS CN-ZZ "/v1/logs/CN-ZZ/index?recipient=CN-XA&start=0" >/dev/null; expect_status 403 "another member does not"
expect_problem forbidden "as forbidden"
hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/index?recipient=CN-XA&start=0" >/dev/null; expect_status 401 "nor an anonymous caller"
hcurl "$F" KZ-KGS CN-ZZ "/v1/logs/CN-ZZ/index?recipient=KZ-KGS&start=1" >"$WORK/index-kg.txt"; expect_status 200 "KZ-KGS reads its own"
sed -n 3,5p "$WORK/index-kg.txt" | tr '\n' '|' | grep -qx 'recipient KZ-KGS|range 1 4||' \
	&& ok "which lists nothing of range 1..4" || not_ok "KZ-KGS index: $(cat "$WORK/index-kg.txt")"
hcurl "$F" CN-XA CN-ZZ "/v1/logs/CN-ZZ/index?recipient=CN-XA&start=1&end=3" >"$WORK/index-end.txt"
sed -n 4,7p "$WORK/index-end.txt" | tr '\n' '|' | grep -qx 'range 1 3|1|2||' && ok "end= shortens the range" \
	|| not_ok "index with end: $(cat "$WORK/index-end.txt")"
hcurl "$F" CN-XA CN-ZZ "/v1/logs/CN-ZZ/index?start=0" >/dev/null; expect_status 400 "recipient= is required"
hcurl "$F" CN-XA CN-ZZ "/v1/logs/CN-ZZ/index?recipient=CN-XA&start=9" >/dev/null; expect_status 400 "a start past the checkpoint: 400"
hcurl "$F" CN-ZZ CN-XA "/v1/logs/CN-ZZ/index?recipient=CN-ZZ&start=0" >/dev/null; expect_status 404 "only the Origin serves its index"

# Metadata ([ACC-18], [ACC-19]): another Origin's checkpoint and proofs are
# members-only, refused before any lookup (a log not held answers alike);
# the node's own log is public until [access] public_own_log = no.
for p in /v1/logs/CN-ZZ/checkpoint "/v1/logs/CN-ZZ/proofs/inclusion?index=0&size=1" \
	"/v1/logs/CN-ZZ/proofs/consistency?old=1&size=1" /v1/logs/XX-NOT-HELD/checkpoint; do
	hcurl "$F" none CN-XA "$p" >/dev/null
	expect_status 401 "anonymous $p at CN-XA (not its own log): 401"
	expect_problem unauthenticated "as unauthenticated"
done
hcurl "$F" KZ-KGS CN-XA /v1/logs/XX-NOT-HELD/checkpoint >/dev/null
expect_status 404 "a member asking for a log CN-XA does not hold: 404, not a refusal"
hcurl "$F" CN-XA CN-ZZ /v1/logs/CN-ZZ/checkpoint >"$WORK/cp-member.txt"; expect_status 200 "a member reads CN-ZZ's checkpoint"
cmp -s "$WORK/cp.txt" "$WORK/cp-member.txt" && ok "the same note the anonymous caller got (no cosignature yet)" ||
	not_ok "member's and anonymous notes differ: $(diff "$WORK/cp.txt" "$WORK/cp-member.txt" | head -5)"
printf '\n[access]\npublic_own_log = no\n' >>"$F/members/CN-ZZ/node.ini"
expect 0 "check-config takes [access] public_own_log" -- "$SILKPORT" check-config --config "$F/members/CN-ZZ/node.ini"
kill -HUP "$PID_CN_ZZ"
for _ in $(seq 1 50); do grep -q 'event=reloaded' "$WORK/CN-ZZ.log" && break; sleep 0.1; done
grep -q 'event=reloaded' "$WORK/CN-ZZ.log" && ok "CN-ZZ reloads with public_own_log = no" || not_ok "no reload"
hcurl "$F" none CN-ZZ /v1/logs/CN-ZZ/checkpoint >/dev/null; expect_status 401 "then its own checkpoint is refused anonymously"
expect_problem unauthenticated "as unauthenticated"
hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/proofs/consistency?old=1&size=4" >/dev/null; expect_status 401 "and so are its proofs"
hcurl "$F" AUDIT-1 CN-ZZ "/v1/logs/CN-ZZ/proofs/consistency?old=1&size=4" >/dev/null; expect_status 200 "while a member still reads them"
hcurl "$F" op:CN-ZZ CN-ZZ /v1/logs/CN-ZZ/checkpoint >/dev/null; expect_status 200 "and so does an operator"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk-alliance >/dev/null; expect_status 200 "the trust list stays public"

# Revocation by trust-list update and SIGHUP.
"$SILKPORT" trust-list update --key "$F/operator/key.pem" --cert "$F/operator/cert.pem" --status CN-ZZ=revoked "$F/trust-list.xml" >"$WORK/tl2.xml"
cp "$WORK/tl2.xml" "$F/trust-list.xml"
kill -HUP "$PID_CN_XA"
for _ in $(seq 1 50); do grep -q "event=trust_list_installed" "$WORK/CN-XA.log" && break; sleep 0.1; done
grep -q "event=trust_list_installed .*sequence=2" "$WORK/CN-XA.log" && ok "SIGHUP installs the newer trust list" || not_ok "reload"
hcurl "$F" CN-ZZ CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/rec1.xml" >/dev/null
expect_status 403 "a revoked member is refused"
printf 'garbage' >"$F/members/CN-XA/node.ini.bad"; cp "$F/members/CN-XA/node.ini" "$WORK/good.ini"
echo "bogus = 1" >>"$F/members/CN-XA/node.ini"
kill -HUP "$PID_CN_XA"; sleep 0.5
grep -q "event=reload_refused" "$WORK/CN-XA.log" && ok "an invalid config on SIGHUP is refused" || not_ok "bad reload"
cp "$WORK/good.ini" "$F/members/CN-XA/node.ini"
hcurl "$F" none CN-XA /healthz >/dev/null; expect_status 200 "and the node keeps serving"
hcurl "$F" op:CN-XA CN-XA /metrics >"$WORK/metrics"
for m in silkport_requests_total silkport_records_accepted_total silkport_records_rejected_total silkport_verify_seconds_bucket \
	silkport_db_commit_seconds_count silkport_connections silkport_log_size; do
	grep -q "^$m" "$WORK/metrics" && ok "metrics: $m" || not_ok "metrics lacks $m"
done
stop_node CN-XA
grep -q "event=stopped" "$WORK/CN-XA.log" && ok "SIGTERM stops the node gracefully" || not_ok "graceful stop"
finish
