#!/bin/bash
# conformance.sh: silkport-conformance against a freshly started node (zero
# MUST failures, TAP, JUnit that parses, a self-contained HTML report), then
# against the test-only silkport-broken build of the same node (revoked
# signers not refused), where the suite must fail on exactly that assertion;
# then the cross-federation broadcast assertion alone against a gateway;
# finally the HTML report rendered in headless Chromium.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

CONF="$SP_BINARY_DIR/conformance/silkport-conformance"
BROKEN="$SP_BINARY_DIR/conformance/silkport-broken"
F="$WORK/fed"
T=CN-ZZ
TL="$F/members/$T/node-tl.xml"

# The auditor's entry lists the one Type the suite delivers (an auditor
# originates none by default, SPEC TL-60).
"$SILKPORT" federation init "$F" --federation silk-alliance --member "$T" --member CN-XA \
	--member KZ-RV --member KZ-SP --member AUDIT-1:auditor --may-originate AUDIT-1=declaration 2>/dev/null
# The node reads its own copy of the list, so that a rollback can be tried on
# it while the auditor keeps the newest one; a short request timeout keeps
# the stalled-request probe quick.
cp "$F/trust-list.xml" "$WORK/tl1.xml"
cp "$WORK/tl1.xml" "$TL"
sed -i 's|^list = .*|list = node-tl.xml|; s/^stream_timeout = .*/stream_timeout = 4/' "$F/members/$T/node.ini"
"$SILKPORT" trust-list update --key "$F/operator/key.pem" --cert "$F/operator/cert.pem" \
	--status KZ-RV=revoked --status KZ-SP=suspended "$WORK/tl1.xml" >"$WORK/tl2.xml"
cp "$WORK/tl2.xml" "$F/trust-list.xml"

# ---- a fresh node, its own log empty: the whole suite with no MUST failure.
# Proof parameters that are invalid on their own answer 400 before an empty
# log answers 404 (API-38 before API-39). CN-XA runs only for this.
start_node "$F" CN-XA || exit 1
for _ in $(seq 1 40); do
	hcurl "$F" none CN-XA "/v1/logs/CN-XA/checkpoint" >/dev/null
	[ "$(cat "$WORK/status")" = 200 ] && break
	sleep 0.1
done
hcurl "$F" none CN-XA "/v1/logs/CN-XA/proofs/consistency?old=0&size=0" >/dev/null
expect_status 400 "consistency?old=0&size=0 on an empty log is 400, not 404"
hcurl "$F" none CN-XA "/v1/logs/CN-XA/proofs/consistency?old=1&size=5" >/dev/null
expect_status 404 "consistency?old=1&size=5 beyond an empty log is 404"
set +e
timeout 90 "$CONF" --target "https://127.0.0.1:$PORT_CN_XA" --federation-dir "$F" --as AUDIT-1 \
	>"$WORK/fresh.tap" 2>"$WORK/fresh.err"
rc=$?
set -e
[ "$rc" = 0 ] && ok "the suite exits 0 against a fresh node" \
	|| { not_ok "the suite exited $rc against a fresh node"; grep -A3 '^not ok' "$WORK/fresh.tap" | sed 's/^/#   /' >&2; }
! grep -E '^not ok .*\[MUST ' "$WORK/fresh.tap" >/dev/null && ok "no MUST assertion is 'not ok' on a fresh node" \
	|| not_ok "MUST failures on a fresh node: $(grep -E '^not ok .*\[MUST ' "$WORK/fresh.tap" | cut -d' ' -f5 | tr '\n' ' ')"
grep -E '^ok [0-9]+ - CONF-LOG-[0-9]+ out-of-range proof requests' "$WORK/fresh.tap" | grep -qv '# SKIP' \
	&& ok "the proof-parameter assertion ran and passed on the empty log" \
	|| not_ok "proof-parameter assertion: $(grep 'out-of-range proof requests' "$WORK/fresh.tap")"
stop_node CN-XA

start_node "$F" "$T" || exit 1
var=$(echo "$T" | tr -- '-.' '__')
eval "PID=\$PID_$var PORT=\$PORT_$var"

# Revocation and suspension by a newer list, then a rollback attempt.
cp "$WORK/tl2.xml" "$TL"
kill -HUP "$PID"
for _ in $(seq 1 50); do grep -q "event=trust_list_installed .*sequence=2" "$WORK/$T.log" && break; sleep 0.1; done
grep -q "event=trust_list_installed .*sequence=2" "$WORK/$T.log" && ok "the node installed trust list 2" || not_ok "trust list 2 not installed"
cp "$WORK/tl1.xml" "$TL"
kill -HUP "$PID"
for _ in $(seq 1 50); do grep -q "event=trust_list_kept" "$WORK/$T.log" && break; sleep 0.1; done

# Records of the node's own log, visible to the auditor (broadcast).
submission release "$SP_DATA_DIR/bodies/release.xml" broadcast >"$WORK/sub.xml"
for _ in 1 2 3; do
	hcurl "$F" "op:$T" "$T" /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >/dev/null
done
expect_status 201 "three broadcast records submitted to the target"
# and one the auditor may not see, so that the log is proven by a consistency
# proof from the visible prefix rather than by recomputing its root.
submission release "$SP_DATA_DIR/bodies/release.xml" CN-XA >"$WORK/sub-xa.xml"
hcurl "$F" "op:$T" "$T" /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub-xa.xml" >/dev/null
expect_status 201 "and one addressed to CN-XA only"
for _ in $(seq 1 40); do
	hcurl "$F" none "$T" "/v1/logs/$T/checkpoint" >"$WORK/cp.txt"
	[ "$(sed -n 2p "$WORK/cp.txt")" = 4 ] && break
	sleep 0.1
done

# ---- the normal node: no MUST failure
run_suite() { # OUT-PREFIX: run the suite against $PORT, exit status in $WORK/$1.rc
	set +e
	timeout 70 "$CONF" --target "https://127.0.0.1:$PORT" --federation-dir "$F" --as AUDIT-1 \
		--save-checkpoint "$WORK/$1.checkpoint" \
		--junit "$WORK/$1.junit.xml" --html "$WORK/$1.html" >"$WORK/$1.tap" 2>"$WORK/$1.err"
	echo $? >"$WORK/$1.rc"
	set -e
}
t0=$(date +%s)
run_suite good
rc=$(cat "$WORK/good.rc")
[ "$rc" = 0 ] && ok "the suite exits 0 against the node ($(($(date +%s) - t0)) s)" \
	|| { not_ok "the suite exited $rc against the node"; grep -A3 '^not ok' "$WORK/good.tap" | sed 's/^/#   /' >&2; }
head -1 "$WORK/good.tap" | grep -qx "TAP version 14" && ok "TAP 14 on standard output" || not_ok "no TAP 14 header"
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$WORK/good.tap")
results=$(grep -cE '^(not )?ok [0-9]+ - CONF-' "$WORK/good.tap" || true)
[ -n "$plan" ] && [ "$plan" = "$results" ] && [ "$plan" -ge 150 ] && ok "TAP plan 1..$plan matches $results results" \
	|| not_ok "TAP plan '$plan' vs $results results"
! grep -E '^not ok .*\[MUST ' "$WORK/good.tap" >/dev/null && ok "no MUST assertion is 'not ok'" \
	|| not_ok "MUST failures: $(grep -E '^not ok .*\[MUST ' "$WORK/good.tap" | cut -d' ' -f5 | tr '\n' ' ')"
grep -q '^ok [0-9]* - CONF-TRUST-4 .*' "$WORK/good.tap" && ! grep -q 'CONF-TRUST-4 .*# SKIP' "$WORK/good.tap" \
	&& ok "the revoked-signer assertion ran and passed" || not_ok "CONF-TRUST-4 did not pass: $(grep 'CONF-TRUST-4 ' "$WORK/good.tap")"
# TL-61: the auditor (listed for declaration only) delivers a validly
# signed credit record; the node must refuse it by name.
TYPES_ID=$(sed -n 's/^ok [0-9]* - \(CONF-TRUST-[0-9]*\) a validly signed record of a Type its Origin may not originate.*/\1/p' "$WORK/good.tap")
[ -n "$TYPES_ID" ] && ! grep -q "$TYPES_ID .*# SKIP" "$WORK/good.tap" \
	&& ok "$TYPES_ID (type-not-authorized) ran and passed" \
	|| not_ok "the type-authorization assertion: $(grep 'may not originate' "$WORK/good.tap")"
# Issue 15's other observable rules: the record's log state (API-71), and a
# member's silkport-trust-list header as attacker input (API-73).
for what in "says the record's state in silkport-log-state" "silkport-trust-list header never changes the answer"; do
	grep -E "^ok [0-9]+ - CONF-[A-Z]+-[0-9]+ .*$what" "$WORK/good.tap" | grep -qv '# SKIP' \
		&& ok "the assertion that $what ran and passed" || not_ok "assertion '$what': $(grep "$what" "$WORK/good.tap")"
done
# The cross-federation broadcast assertion needs a second federation: without
# one it is skipped, naming the arguments that are missing.
BCAST=$(sed -n 's/^ok [0-9]* - \(CONF-API-[0-9]*\) a cross-federation broadcast is not readable .*/\1/p' "$WORK/good.tap")
[ -n "$BCAST" ] && grep -Eq "^ok [0-9]+ - $BCAST .*# SKIP no second federation given \(--second-federation-dir, --second-as\)" \
	"$WORK/good.tap" && ok "$BCAST (cross-federation broadcast) is skipped, naming the missing arguments" \
	|| not_ok "the cross-federation broadcast assertion: $(grep 'cross-federation broadcast' "$WORK/good.tap")"
for area in TLS SIG TRUST API LOG LIMIT H2 ERR; do
	echo "# area $area: $(grep -cE "^(not )?ok [0-9]+ - CONF-$area-" "$WORK/good.tap") assertions"
done
xmllint --noout "$WORK/good.junit.xml" && ok "JUnit XML parses" || not_ok "JUnit XML does not parse"
[ "$(grep -c '<testcase ' "$WORK/good.junit.xml")" = "$plan" ] && ok "JUnit lists every assertion" || not_ok "JUnit testcase count"
grep -q "$(openssl x509 -in "$F/members/$T/tls-cert.pem" -outform DER | sha256sum | cut -d' ' -f1)" "$WORK/good.html" \
	&& ok "the HTML report names the target's certificate fingerprint" || not_ok "fingerprint missing from the report"
grep -Eq '<script|<link |src="http|href="http' "$WORK/good.html" && not_ok "the report loads or runs something" \
	|| ok "the HTML report is self-contained (no scripts, no external resources)"

# ---- read-only mode: an audit that leaves nothing in the target's log
# The target's state as its own database and its served checkpoints show it:
# every origin's record count and tree size, every record and equivocation,
# and the checkpoint (size and root) of every origin it holds.
log_state() {
	db_sql "$F/members/$T/node.db" "SELECT name, records, max_sequence, tree_size FROM origins ORDER BY name;
		SELECT count(*), max(id) FROM records; SELECT count(*) FROM equivocations; SELECT count(*) FROM outbox"
	for o in $(db_sql "$F/members/$T/node.db" "SELECT name FROM origins ORDER BY name"); do
		echo "checkpoint $o: $(hcurl "$F" none "$T" "/v1/logs/$o/checkpoint" | sed -n 1,3p | tr '\n' ' ')"
	done
}
# The log grows by one broadcast after the first run saved its checkpoint
# (size 4): the read-only run proves that one a prefix of the current one.
[ "$(sed -n 2p "$WORK/good.checkpoint")" = 4 ] && ok "the first run saved the checkpoint of size 4" \
	|| not_ok "saved checkpoint: $(head -3 "$WORK/good.checkpoint" | tr '\n' ' ')"
hcurl "$F" "op:$T" "$T" /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >/dev/null
expect_status 201 "a fourth broadcast record submitted to the target"
for _ in $(seq 1 40); do
	[ "$(hcurl "$F" none "$T" "/v1/logs/$T/checkpoint" | sed -n 2p)" = 5 ] && break
	sleep 0.1
done
# ACC-15: the auditor role reads no record it is not an addressee of.
XA_ID=$(db_sql "$F/members/$T/node.db" "SELECT r.record_id FROM records r JOIN record_recipients p ON p.rec = r.id
	WHERE p.node_id = 'CN-XA' AND r.broadcast = 0 AND r.origin = '$T'")
hcurl "$F" CN-XA "$T" "/v1/records/$XA_ID" >/dev/null
expect_status 200 "CN-XA reads the record addressed to it"
hcurl "$F" AUDIT-1 "$T" "/v1/records/$XA_ID" >/dev/null
expect_status 404 "the auditor AUDIT-1 (role auditor) does not: its role grants no wider read (ACC-15)"
log_state >"$WORK/ro-before.txt"
grep -q "^AUDIT-1|" "$WORK/ro-before.txt" && grep -q "^checkpoint $T: .* 5 " "$WORK/ro-before.txt" \
	&& ok "the target holds entries before the read-only run (its own log and the auditor's)" \
	|| not_ok "unexpected state before the read-only run: $(cat "$WORK/ro-before.txt")"
set +e
timeout 70 "$CONF" --target "https://127.0.0.1:$PORT" --federation-dir "$F" --as AUDIT-1 --read-only \
	--checkpoint "$WORK/good.checkpoint" \
	--junit "$WORK/ro.junit.xml" >"$WORK/ro.tap" 2>"$WORK/ro.err"
rc=$?
set -e
[ "$rc" = 0 ] && ok "the read-only suite exits 0" \
	|| { not_ok "the read-only suite exited $rc: $(head -c 300 "$WORK/ro.err")"; grep -A3 '^not ok' "$WORK/ro.tap" | sed 's/^/#   /' >&2; }
log_state >"$WORK/ro-after.txt"
cmp -s "$WORK/ro-before.txt" "$WORK/ro-after.txt" && ok "the target's records, tree sizes and checkpoints are unchanged" \
	|| not_ok "the read-only run changed the target: $(diff "$WORK/ro-before.txt" "$WORK/ro-after.txt" | tr '\n' ' ')"
grep -Eq '^ok [0-9]+ - CONF-LOG-10 [^#]*$' "$WORK/ro.tap" \
	&& grep -A2 ' - CONF-LOG-10 ' "$WORK/ro.tap" | grep -q 'earlier checkpoint of size 4 a prefix of the current one of size 5' \
	&& ok "CONF-LOG-10: the log over time, by a consistency proof from the saved checkpoint (4) to the current (5)" \
	|| not_ok "CONF-LOG-10: $(grep -A2 ' - CONF-LOG-10 ' "$WORK/ro.tap" | tr '\n' ' ')"
ro_plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$WORK/ro.tap")
[ "$ro_plan" = "$plan" ] && ok "the read-only run lists all $plan assertions" || not_ok "read-only plan '$ro_plan' vs $plan"
ro_skip=$(grep -c '# SKIP read-only mode: this assertion writes to the target$' "$WORK/ro.tap" || true)
ro_ran=$(grep -E '^(not )?ok [0-9]+ - CONF-' "$WORK/ro.tap" | grep -vc '# SKIP' || true)
[ "$ro_skip" -ge 100 ] && [ "$ro_ran" -ge 40 ] && ok "$ro_skip writing assertions skipped as read-only, $ro_ran ran" \
	|| not_ok "read-only: $ro_skip skipped, $ro_ran ran"
# Those that deliver are skipped for that reason; those that only read ran.
ro_bad=0
for id in CONF-API-7 CONF-API-23 CONF-SIG-1 CONF-TRUST-4 CONF-LOG-9 CONF-H2-11; do
	grep -Eq "^ok [0-9]+ - $id .*# SKIP read-only mode: this assertion writes to the target$" "$WORK/ro.tap" \
		|| { ro_bad=1; not_ok "$id was not skipped as read-only: $(grep " - $id " "$WORK/ro.tap")"; }
done
for id in CONF-TLS-1 CONF-TLS-10 CONF-TLS-11 CONF-TRUST-1 CONF-TRUST-2 CONF-API-1 CONF-LOG-3 CONF-LOG-5 CONF-LOG-6 CONF-LOG-7 \
	CONF-LOG-8 CONF-LIMIT-2 CONF-H2-9 CONF-ERR-1; do
	grep -Eq "^ok [0-9]+ - $id " "$WORK/ro.tap" && ! grep -Eq " - $id .*# SKIP" "$WORK/ro.tap" \
		|| { ro_bad=1; not_ok "$id did not run and pass in read-only mode: $(grep " - $id " "$WORK/ro.tap")"; }
done
[ "$ro_bad" = 0 ] && ok "read-only: the delivering assertions say why they were skipped, the reading ones ran"
grep -c 'read-only mode: this assertion writes to the target' "$WORK/ro.junit.xml" | grep -qx "$ro_skip" \
	&& ok "the JUnit report lists the same skips with the reason" || not_ok "JUnit read-only skips differ"
# Without --read-only, a run with no signing identity is refused before it starts.
set +e
"$CONF" --target "https://127.0.0.1:$PORT" --trust-list "$F/trust-list.xml" --anchor "$F/operator/cert.pem" \
	--tls-cert "$F/members/AUDIT-1/tls-cert.pem" --tls-key "$F/members/AUDIT-1/tls-key.pem" \
	>/dev/null 2>"$WORK/nosign.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q -- '--sign-cert FILE --sign-key FILE (or --read-only)' "$WORK/nosign.err" \
	&& ok "without --read-only the signing identity is required" || not_ok "no signing identity: exit $rc, $(cat "$WORK/nosign.err")"

# ---- explicit identity: an auditor who was not part of 'federation init'
# holds only the list, the operator certificate and its own TLS identity, in
# a directory of its own; its NodeId is found by its certificate.
mkdir -p "$WORK/auditor"
cp "$F/trust-list.xml" "$WORK/auditor/list.xml"
cp "$F/operator/cert.pem" "$WORK/auditor/anchor.pem"
cp "$F/members/AUDIT-1/tls-cert.pem" "$WORK/auditor/client.pem"
cp "$F/members/AUDIT-1/tls-key.pem" "$WORK/auditor/client-key.pem"
set +e
timeout 40 "$CONF" --target "https://127.0.0.1:$PORT" --trust-list "$WORK/auditor/list.xml" \
	--anchor "$WORK/auditor/anchor.pem" --tls-cert "$WORK/auditor/client.pem" \
	--tls-key "$WORK/auditor/client-key.pem" --read-only --only CONF-TLS-1,CONF-TLS-2,CONF-TRUST-1,CONF-TRUST-2,CONF-LOG \
	>"$WORK/explicit.tap" 2>"$WORK/explicit.err"
rc=$?
set -e
[ "$rc" = 0 ] && grep -q "^# silkport-conformance .*($T), as AUDIT-1, read-only$" "$WORK/explicit.tap" \
	&& ok "explicit --trust-list/--anchor/--tls-cert/--tls-key: exit 0, the auditor found as AUDIT-1 by its certificate" \
	|| { not_ok "the explicit-identity run exited $rc: $(head -c 300 "$WORK/explicit.err")"; sed 's/^/#   /' "$WORK/explicit.tap" >&2; }
n_ok=$(grep -cE '^ok [0-9]+ - CONF-(TLS-[12]|TRUST-[12]|LOG-[1-8]) ' "$WORK/explicit.tap" || true)
# (LOG-4 is skipped, as in the first run, when the checkpoint has no cosignature.)
[ "$n_ok" = 12 ] && ! grep -q '^not ok' "$WORK/explicit.tap" \
	&& ! grep -E ' - CONF-(TLS|TRUST|LOG-[1-8]) .*# SKIP read-only' "$WORK/explicit.tap" >/dev/null \
	&& grep -Eq '^ok [0-9]+ - CONF-LOG-5 [^#]*$' "$WORK/explicit.tap" && grep -Eq '^ok [0-9]+ - CONF-LOG-7 [^#]*$' "$WORK/explicit.tap" \
	&& ok "its 12 reading assertions (TLS, trust list, LOG-1..8) ran without a failure, entries and proofs included" \
	|| not_ok "explicit identity: $n_ok of 12 passed: $(grep -E '^(not )?ok' "$WORK/explicit.tap" | tr '\n' ' ')"

# ---- the broken node: same configuration, revoked signers accepted
stop_node "$T"
cp "$WORK/tl2.xml" "$TL"
SILKPORT_NORMAL=$SILKPORT
SILKPORT=$BROKEN
start_node "$F" "$T" || exit 1
SILKPORT=$SILKPORT_NORMAL
eval "PORT=\$PORT_$var"
run_suite broken
rc=$(cat "$WORK/broken.rc")
[ "$rc" = 1 ] && ok "the suite exits 1 against the broken node" || not_ok "the suite exited $rc against the broken node"
grep -q '^not ok [0-9]* - CONF-TRUST-4 ' "$WORK/broken.tap" && ok "CONF-TRUST-4 (signer-revoked) fails against it" \
	|| not_ok "CONF-TRUST-4 did not fail: $(grep 'CONF-TRUST-4 ' "$WORK/broken.tap")"
grep -A3 '^not ok [0-9]* - CONF-TRUST-4 ' "$WORK/broken.tap" | grep -q 'got 201' && ok "because the revoked member's record was accepted with 201" \
	|| not_ok "unexpected CONF-TRUST-4 outcome"
# The failure explains itself in each report: the request sent, what was
# expected with the requirement ids, and what came back.
sed -n '/^not ok [0-9]* - CONF-TRUST-4 /,/^  \.\.\.$/p' "$WORK/broken.tap" >"$WORK/t4.yaml"
grep -Eq '^  request: "POST /v1/records \([0-9]+ bytes\) as AUDIT-1"$' "$WORK/t4.yaml" \
	&& grep -Eq '^  expected: "[0-9]{3} signer-revoked \(.*\) \[MUST TL-26, TL-31\]"$' "$WORK/t4.yaml" \
	&& grep -Eq '^  got: "201 \(no problem type\); body: <.*"$' "$WORK/t4.yaml" \
	&& ok "TAP: the failed row shows the request, the expected signer-revoked [TL-26, TL-31] and the 201 with its body" \
	|| not_ok "TAP failure row lacks request/expected/got: $(tr '\n' ' ' <"$WORK/t4.yaml")"
xmllint --xpath 'string(//testcase[starts-with(@name,"CONF-TRUST-4 ")]/failure)' "$WORK/broken.junit.xml" >"$WORK/t4.junit" 2>/dev/null || true
grep -Eq '^request: POST /v1/records \([0-9]+ bytes\) as AUDIT-1$' "$WORK/t4.junit" \
	&& grep -q '^expected: .*signer-revoked.*\[MUST TL-26, TL-31\]$' "$WORK/t4.junit" && grep -q '^got: 201 .*body: <' "$WORK/t4.junit" \
	&& ok "JUnit: the failure element shows the request, the expectation and what came back" \
	|| not_ok "JUnit failure lacks request/expected/got: $(tr '\n' ' ' <"$WORK/t4.junit")"
grep 'id="CONF-TRUST-4"' "$WORK/broken.html" >"$WORK/t4.html" || true
grep -Eq '<dt>Request</dt><dd><code>POST /v1/records \([0-9]+ bytes\) as AUDIT-1</code>' "$WORK/t4.html" \
	&& grep -q '<dt>Expected</dt><dd>[0-9]* signer-revoked .*\[MUST TL-26, TL-31\]</dd>' "$WORK/t4.html" \
	&& grep -q '<dt>Got</dt><dd><code>201 .*body: &lt;' "$WORK/t4.html" \
	&& ok "HTML: the failed row shows the request, the expectation and what came back (escaped)" \
	|| not_ok "HTML failure row lacks request/expected/got: $(head -c 600 "$WORK/t4.html")"
extra=$(grep -E '^not ok .*\[MUST ' "$WORK/broken.tap" | cut -d' ' -f5 | grep -v '^CONF-TRUST-4$' || true)
[ -z "$extra" ] && ok "and no other MUST assertion fails" || not_ok "other MUST failures against the broken node: $extra"
stop_node "$T"

# ---- a gateway: a broadcast of one federation is not readable from the other
# GW is a member of the alliance (CN-ZZ, GW) and the port group (GW, KZ-KGS).
# The suite delivers a broadcast to GW as CN-ZZ (a member's TLS and signing
# keys from the federation directory are all it needs; no CN-ZZ node runs)
# and reads it back as KZ-KGS on GW's listener for the port group.
t0=$(date +%s)
BCAST=${BCAST:-CONF-API-26} # its id, should the first run not have listed it
fed_gateway_init "$WORK/alliance" "$WORK/ports"
fstart "$WORK/alliance" GW || exit 1
PORT_GWP=$((P + 10))
for port in $PORT_GW $PORT_GWP; do
	wait_for 10 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/readyz | grep -q 200" ||
		not_ok "GW's listener on port $port is not ready"
done
set +e
timeout 30 "$CONF" --target "https://127.0.0.1:$PORT_GW" --federation-dir "$WORK/alliance" --as CN-ZZ \
	--second-federation-dir "$WORK/ports" --second-as KZ-KGS --second-target "https://127.0.0.1:$PORT_GWP" \
	--only "$BCAST" >"$WORK/gw.tap" 2>"$WORK/gw.err"
rc=$?
set -e
[ "$rc" = 0 ] && ok "the suite exits 0 against the gateway" || not_ok "the suite exited $rc against the gateway: $(head -c 500 "$WORK/gw.err")"
grep -q "^1\.\.1$" "$WORK/gw.tap" && grep -q "^ok 1 - $BCAST " "$WORK/gw.tap" && ! grep -q '# SKIP' "$WORK/gw.tap" \
	&& ok "$BCAST ran alone and passed: KZ-KGS reads none of CN-ZZ's broadcast at GW" \
	|| { not_ok "$BCAST did not pass against the gateway"; sed 's/^/#   /' "$WORK/gw.tap" >&2; }
grep -q 'neither served (404 not-found), nor listed by search, nor in entries' "$WORK/gw.tap" \
	&& ok "after the positive control as its Origin" || not_ok "unexpected reason: $(grep -A1 '^  ---' "$WORK/gw.tap" | tail -1)"
fed_stop_all GW
echo "# the gateway run took $(($(date +%s) - t0)) s"

# ---- the report in a browser
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "# SKIP browser check: chromium is not installed (packaging/install-deps.sh --tests installs it)"
else
	chrome() {
		timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$WORK/chrome.XXXXXX")" "$@" 2>/dev/null
	}
	chrome --dump-dom "file://$WORK/good.html" >"$WORK/dom.html" || true
	grep -q 'id="summary">Summary</h2>' "$WORK/dom.html" && ok "Chromium renders the report with its summary" \
		|| not_ok "the rendered DOM lacks the summary: $(head -c 300 "$WORK/dom.html")"
	grep -q "<th id=\"total\">$plan</th>" "$WORK/dom.html" && grep -q 'Conformant: no MUST assertion failed' "$WORK/dom.html" \
		&& ok "the summary shows $plan assertions and the verdict" || not_ok "summary counts or verdict missing"
	chrome --dump-dom "file://$WORK/broken.html" >"$WORK/dom2.html" || true
	grep -q 'Not conformant: 1 MUST assertion failed' "$WORK/dom2.html" && ok "the broken node's report says not conformant" \
		|| not_ok "the broken node's verdict is missing"
	(cd "$WORK" && chrome --screenshot="$WORK/report.png" --window-size=1200,900 "file://$WORK/good.html" >/dev/null) || true
	[ "$(stat -c %s "$WORK/report.png" 2>/dev/null || echo 0)" -gt 10000 ] && ok "a screenshot of the report was taken" \
		|| not_ok "no screenshot"
fi
finish
