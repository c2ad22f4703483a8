#!/bin/bash
# fed_freshness.sh: the freeze attack (SPEC 14, issue 15.1) and what stops it
# ([TL-66]). The list names a timestamp key and a short staleness bound;
# statements keep CN-XA fresh while they come (from its file, and to CN-ZZ
# from its peers). Then the operator revokes KZ-KGS in a list that CN-XA's
# only source withholds, with the statements: once the bound passes, CN-XA
# refuses KZ-KGS's records with trust-list-stale instead of accepting them
# for ever, until the newer list arrives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
BOUND=8
TS="$WORK/ts-xa.xml"
fed_init "$F" CN-ZZ CN-XA KZ-KGS:port-authority
[ -f "$F/operator/timestamp-key.pem" ] && [ -f "$F/trust-list-timestamp.xml" ] &&
	ok "federation init makes the timestamp key and a first statement" || not_ok "no timestamp key from federation init"
expect 0 "the operator sets a staleness bound of $BOUND s" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --staleness-bound "$BOUND" "$F/trust-list.xml"
cp "$WORK/out" "$F/trust-list.xml"
expect 0 "trust-list show names the key and the bound" -- "$SILKPORT" trust-list show --anchor "$F/operator/cert.pem" "$F/trust-list.xml"
grep -q "^staleness-bound: $BOUND s" "$WORK/out" && grep -q '^timestamp-key: sha256:' "$WORK/out" &&
	ok "staleness-bound $BOUND s, timestamp-key listed" || not_ok "show: $(head -10 "$WORK/out")"
# A statement must come from the key the list names.
expect 1 "a statement by the operator's CA key is refused" -- "$SILKPORT" trust-list timestamp \
	--key "$F/operator/key.pem" --cert "$F/operator/cert.pem" "$F/trust-list.xml"
grep -q 'timestamp-invalid' "$WORK/err" && ok "with timestamp-invalid" || not_ok "stderr: $(cat "$WORK/err")"

# The publisher: a fresh statement every second into CN-XA's file.
sed -i "s|^\[trust\]\$|[trust]\ntimestamp_file = $TS|" "$F/members/CN-XA/node.ini"
publish() {
	while :; do
		"$SILKPORT" trust-list timestamp --key "$F/operator/timestamp-key.pem" \
			--cert "$F/operator/timestamp-cert.pem" --output "$TS" "$1" 2>/dev/null
		sleep 1
	done
}
publish "$F/trust-list.xml" &
PUB=$!
track $PUB
for m in CN-ZZ CN-XA KZ-KGS; do fstart "$F" "$m" || exit 1; done

# Past the bound from the list's Issued, statements keep both nodes fresh:
# CN-XA's from its file, CN-ZZ's fetched from CN-XA (it has no file).
sleep $((BOUND + 3))
hcurl "$F" none CN-XA /v1/trust-lists/silk/timestamp >"$WORK/served.xml"
expect_status 200 "CN-XA serves its newest statement"
grep -q '<TrustListTimestamp' "$WORK/served.xml" && grep -q '<Sequence>2</Sequence>' "$WORK/served.xml" &&
	ok "a TrustListTimestamp for sequence 2" || not_ok "served: $(head -c 300 "$WORK/served.xml")"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk/timestamp >/dev/null
expect_status 200 "CN-ZZ, without a file, holds one fetched from a peer"
grep -q trust_list_stale_alarm "$WORK/CN-XA.log" "$WORK/CN-ZZ.log" && not_ok "a node went stale while statements came" ||
	ok "no node went stale while statements came"
hcurl "$F" none CN-XA /readyz >/dev/null
expect_status 200 "CN-XA is ready"
fsubmit "$F" KZ-KGS declaration CN-XA >/dev/null
wait_for 10 held_count_is "$F" CN-XA KZ-KGS 1 && ok "CN-XA accepts KZ-KGS's record" || not_ok "no record from KZ-KGS"

# The operator revokes KZ-KGS; the list and its statements never reach
# CN-XA (its only source withholds them): the publisher stops.
expect 0 "sequence 3 revokes KZ-KGS" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status KZ-KGS=revoked "$F/trust-list.xml"
cp "$WORK/out" "$WORK/tl3.xml"
kill "$PUB" 2>/dev/null || true; wait "$PUB" 2>/dev/null || true
wait_for $((BOUND + 10)) grep -q 'event=trust_list_stale_alarm federation=silk sequence=2' "$WORK/CN-XA.log" &&
	ok "past the bound CN-XA alarms: its list is stale" || not_ok "no stale alarm: $(grep -E 'trust_list|timestamp' "$WORK/CN-XA.log" | tail -3)"
hcurl "$F" none CN-XA /readyz >/dev/null
expect_status 503 "and is not ready"
grep -q 'stale' "$WORK/body" && ok "saying the list is stale" || not_ok "readyz: $(cat "$WORK/body")"
has_metric "$F" CN-XA '^silkport_trust_list_stale 1$' && ok "silkport_trust_list_stale is 1" || not_ok "no stale gauge"

# KZ-KGS (revoked in a list CN-XA cannot see) is no longer accepted.
"$SILKPORT" record new --origin KZ-KGS --sequence 9 --type release --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/release.xml" |
	"$SILKPORT" record sign --key "$F/members/KZ-KGS/sign-key.pem" --cert "$F/members/KZ-KGS/sign-cert.pem" >"$WORK/kgs.xml"
hcurl "$F" KZ-KGS CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/kgs.xml" >/dev/null
expect_status 422 "KZ-KGS's record pushed to CN-XA: 422"
expect_problem trust-list-stale "as trust-list-stale (transient)"
hcurl "$F" KZ-KGS CN-XA "/v1/logs/KZ-KGS/entries?start=0" >/dev/null
expect_status 422 "KZ-KGS's reads are refused too"
fsubmit "$F" KZ-KGS release CN-XA >/dev/null
sleep 5
[ "$(held "$F" CN-XA KZ-KGS | wc -l)" = 1 ] && ok "KZ-KGS's next record is neither delivered nor pulled" ||
	not_ok "CN-XA holds $(held "$F" CN-XA KZ-KGS | wc -l) records of KZ-KGS"
fsubmit "$F" CN-XA release KZ-KGS >/dev/null
sleep 4
held "$F" KZ-KGS CN-XA | grep -q . && not_ok "CN-XA delivered to KZ-KGS on a stale list" ||
	ok "and KZ-KGS gets none of CN-XA's records while the list is stale"
hcurl "$F" none CN-XA /v1/trust-lists/silk >/dev/null
expect_status 200 "public endpoints stay open while stale"

# The newer list arrives, with the statements about it: KZ-KGS is revoked.
cp "$WORK/tl3.xml" "$F/members/CN-XA/tl3.xml"
sed -i "s|^list = .*|list = tl3.xml|" "$F/members/CN-XA/node.ini"
kill -HUP "$PID_CN_XA"
wait_for 10 grep -q 'event=trust_list_installed federation=silk sequence=3' "$WORK/CN-XA.log" &&
	ok "CN-XA installs sequence 3" || not_ok "no sequence 3"
# issued before the bound passed, the list alone does not make it fresh
sleep 1
hcurl "$F" none CN-XA /readyz >/dev/null
expect_status 503 "a list issued longer than the bound ago is stale by itself"
publish "$WORK/tl3.xml" &
PUB=$!
track $PUB
wait_for 10 grep -q 'event=trust_list_fresh federation=silk sequence=3' "$WORK/CN-XA.log" &&
	ok "a statement about it makes CN-XA fresh again" || not_ok "not fresh: $(grep -E 'stale|fresh|timestamp' "$WORK/CN-XA.log" | tail -3 | tr '\n' ' ')"
hcurl "$F" none CN-XA /readyz >/dev/null
expect_status 200 "and ready"
has_metric "$F" CN-XA '^silkport_trust_list_stale 0$' && ok "silkport_trust_list_stale is 0" || not_ok "stale gauge not 0"
hcurl "$F" KZ-KGS CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/kgs.xml" >/dev/null
expect_status 403 "KZ-KGS is now refused as revoked"
sleep 3
[ "$(held "$F" CN-XA KZ-KGS | wc -l)" = 1 ] && ok "and none of its later records was ever accepted" ||
	not_ok "CN-XA holds $(held "$F" CN-XA KZ-KGS | wc -l) records of KZ-KGS"

kill "$PUB" 2>/dev/null || true; wait "$PUB" 2>/dev/null || true
fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
