#!/bin/bash
# member_join.sh: members keep their own keys (SPEC 7.8). An operator and
# three members in separate folders do the whole join: federation init
# without members, member init on each member's side, trust-list add-member
# on the operator's side from the join requests alone, member install. No
# file under the operator's folder (or that it received) holds a private
# key. Then the three nodes exchange records, receipt them and prove them
# against each other's checkpoints, and each node's operators (certified by
# the node's own CA) reach it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

OP="$WORK/operator-site" # the operator's machine
F="$WORK/fed"            # the members' machines: F/members/ID each
MEMBERS="CN-ZZ CN-XA KZ-KGS"
role_of() { [ "$1" = KZ-KGS ] && echo port-authority || echo zone; }

for _ in $(seq 1 20); do
	BASE=$((12000 + RANDOM % 20000))
	busy=0
	for i in 0 1 2; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$((BASE + i))") 2>/dev/null; then busy=1; fi
	done
	[ $busy = 0 ] && break
done

# -- the operator: a federation with no members yet
expect 0 "federation init without --member" -- "$SILKPORT" federation init "$OP" --federation silk
[ -f "$OP/operator/key.pem" ] && [ -f "$OP/operator/cert.pem" ] && [ -f "$OP/trust-list.xml" ] &&
	ok "operator CA and trust list made" || not_ok "operator folder: $(find "$OP" | tr '\n' ' ')"
[ ! -d "$OP/members" ] && ok "and no member folder" || not_ok "a members folder was made"
expect 0 "the empty list verifies" -- "$SILKPORT" trust-list verify --anchor "$OP/operator/cert.pem" "$OP/trust-list.xml"
grep -q '^ok silk 1 members=0 ' "$WORK/out" && ok "sequence 1, no members" || not_ok "verify: $(cat "$WORK/out")"
cp "$OP/trust-list.xml" "$WORK/list.xml"

# -- each member, on its own machine
i=0
for m in $MEMBERS; do
	expect 0 "$m: member init" -- "$SILKPORT" member init "$F/members/$m" --federation silk --member "$m" \
		--role "$(role_of "$m")" --host 127.0.0.1 --port $((BASE + i))
	grep -q "send .*join-request.xml to the operator of federation silk" "$WORK/err" &&
		grep -Eq 'SHA-256 [0-9a-f]{64}' "$WORK/err" && ok "$m: says what to send to whom, with a digest" ||
		not_ok "$m: init output: $(head -c 400 "$WORK/err")"
	# what travels: the join request only
	mkdir -p "$OP/received"
	cp "$F/members/$m/join-request.xml" "$OP/received/$m-join-request.xml"
	i=$((i + 1))
done
grep -q '<TlsCsr>' "$OP/received/CN-ZZ-join-request.xml" && grep -q '<LogKeyProof>' "$OP/received/CN-ZZ-join-request.xml" &&
	grep -q '<ds:SignatureValue>' "$OP/received/CN-ZZ-join-request.xml" &&
	ok "a join request carries CSRs, the LogKey proof and a signature" || not_ok "join request content"

# -- the operator adds each member from its request
seq=1
for m in $MEMBERS; do
	expect 0 "operator: add-member $m" -- "$SILKPORT" trust-list add-member --key "$OP/operator/key.pem" \
		--cert "$OP/operator/cert.pem" --request "$OP/received/$m-join-request.xml" \
		--issued-dir "$OP/issued/$m" "$WORK/list.xml"
	cp "$WORK/out" "$WORK/list.xml"
	seq=$((seq + 1))
done
cp "$WORK/list.xml" "$OP/trust-list.xml"
expect 0 "the new list verifies" -- "$SILKPORT" trust-list verify --anchor "$OP/operator/cert.pem" "$OP/trust-list.xml"
grep -q "^ok silk $seq members=3 " "$WORK/out" && ok "sequence $seq with the three members" || not_ok "verify: $(cat "$WORK/out")"
"$SILKPORT" trust-list show --anchor "$OP/operator/cert.pem" "$OP/trust-list.xml" >"$WORK/show" 2>&1
[ "$(grep -c 'status=active' "$WORK/show")" = 3 ] && grep -q 'KZ-KGS .*role=port-authority status=active' "$WORK/show" &&
	ok "all three active, with their roles" || not_ok "show: $(cat "$WORK/show")"
grep -q 'log-key      silkport/silk/CN-XA+' "$WORK/show" && ok "with their LogKeys" || not_ok "no LogKey for CN-XA"

# issued certificates fit the profiles (SPEC 7.7)
openssl x509 -in "$OP/issued/CN-ZZ/tls-cert.pem" -noout -ext extendedKeyUsage,subjectAltName,keyUsage,basicConstraints >"$WORK/ext" 2>&1
grep -q 'TLS Web Server Authentication, TLS Web Client Authentication' "$WORK/ext" && grep -q 'IP Address:127.0.0.1' "$WORK/ext" &&
	grep -q 'CA:FALSE' "$WORK/ext" && ok "the TLS certificate: serverAuth, clientAuth, the endpoint's address, not a CA" ||
	not_ok "TLS extensions: $(cat "$WORK/ext")"
openssl x509 -in "$OP/issued/CN-ZZ/sign-cert.pem" -noout -ext keyUsage,basicConstraints >"$WORK/ext" 2>&1
grep -q 'Digital Signature' "$WORK/ext" && grep -q 'CA:FALSE' "$WORK/ext" && ! grep -q 'Certificate Sign' "$WORK/ext" &&
	ok "the signing certificate: digitalSignature, not a CA" || not_ok "signing extensions: $(cat "$WORK/ext")"

# -- no private key on the operator's side: neither as PEM nor as any DER
# openssl parses; and none of a member's key bytes anywhere there
pk=$(grep -rl 'PRIVATE KEY' "$OP" | sort | tr '\n' ' ')
# the operator's own keys: its CA's and its online timestamp key (SPEC 7.9)
[ "$pk" = "$OP/operator/key.pem $OP/operator/timestamp-key.pem " ] &&
	ok "the operator's own CA and timestamp keys are the only PEM private keys in its folder" ||
	not_ok "private keys under the operator's folder: $pk"
leaks=""
while IFS= read -r f; do
	case $f in "$OP/operator/key.pem" | "$OP/operator/timestamp-key.pem") continue ;; esac
	if openssl pkey -in "$f" -noout 2>/dev/null || openssl pkey -inform DER -in "$f" -noout 2>/dev/null; then leaks="$leaks $f"; fi
done < <(find "$OP" -type f)
[ -z "$leaks" ] && ok "openssl finds no private key in any other file there" || not_ok "parsed as private keys:$leaks"
for m in $MEMBERS; do
	for k in sign-key tls-key log-key operator-key operator-ca-key; do
		body=$(sed -n '2p' "$F/members/$m/$k.pem")
		if grep -rqF -- "$body" "$OP"; then not_ok "$m's $k appears under the operator's folder"; fi
		der=$(openssl pkey -in "$F/members/$m/$k.pem" -outform DER 2>/dev/null | base64 -w0 | cut -c 20-80)
		if grep -rqF -- "$der" "$OP"; then not_ok "$m's $k (DER, base64) appears under the operator's folder"; fi
	done
done
ok "no member's private key bytes appear under the operator's folder"
for m in $MEMBERS; do
	for other in $MEMBERS; do
		[ "$m" = "$other" ] && continue
		body=$(sed -n '2p' "$F/members/$other/sign-key.pem")
		if grep -rqF -- "$body" "$F/members/$m"; then not_ok "$other's signing key is in $m's folder"; fi
	done
done
ok "no member holds another's signing key"

# -- each member installs what it received
for m in $MEMBERS; do
	expect 0 "$m: member install" -- "$SILKPORT" member install "$F/members/$m" --issued "$OP/issued/$m" \
		--trust-list "$OP/trust-list.xml" --anchor "$OP/operator/cert.pem"
	expect 0 "$m: check-config accepts the node.ini it wrote" -- "$SILKPORT" check-config --config "$F/members/$m/node.ini"
	printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$F/members/$m/node.ini"
done
grep -q '^ca = operator-ca.pem$' "$F/members/CN-ZZ/node.ini" && ok "node.ini trusts the node's own operator CA" || not_ok "no [operators] ca"

# -- run them, exchange, receipt, prove
mkdir -p "$F/operator" && cp "$OP/operator/cert.pem" "$F/operator/cert.pem" # the anchor, for hcurl
for m in $MEMBERS; do fstart "$F" "$m" || exit 1; done
hcurl "$F" op:CN-ZZ CN-ZZ /v1/peers >/dev/null
expect_status 200 "CN-ZZ's operator (certified by the node's own CA) is recognised"
hcurl "$F" op:CN-XA CN-ZZ /v1/peers >/dev/null
# TLS 1.3: the client learns of the refusal as an unknown_ca alert or as a
# reset, depending on timing; either way no HTTP answer comes
[ "$(cat "$WORK/status")" = 000 ] && grep -Eq 'unknown ca|reset|alert' "$WORK/curl.err" &&
	ok "another node's operator certificate (another node's CA) is refused in CN-ZZ's handshake" ||
	not_ok "CN-XA's operator at CN-ZZ: HTTP $(cat "$WORK/status") $(cat "$WORK/curl.err")"

fsubmit "$F" CN-ZZ declaration broadcast >"$WORK/s1"
"$SILKPORT" submit --config "$F/members/CN-XA/node.ini" --type release --recipient KZ-KGS \
	--body "$SP_DATA_DIR/bodies/release.xml" --out "$WORK/xa-release.xml" >"$WORK/s2"
fsubmit "$F" KZ-KGS inspection CN-ZZ CN-XA >"$WORK/s3"
fsubmit "$F" CN-ZZ declaration broadcast >>"$WORK/s1"
[ -s "$WORK/s1" ] && [ -s "$WORK/s2" ] && [ -s "$WORK/s3" ] && ok "each member's operators submit records" || not_ok "submissions"
wait_for 30 held_count_is "$F" CN-XA CN-ZZ 2 && wait_for 30 held_count_is "$F" KZ-KGS CN-ZZ 2 &&
	ok "CN-ZZ's broadcasts reach both" || not_ok "CN-ZZ's records: XA $(held "$F" CN-XA CN-ZZ | wc -l), KGS $(held "$F" KZ-KGS CN-ZZ | wc -l)"
wait_for 30 held_count_is "$F" KZ-KGS CN-XA 1 && ok "CN-XA's record reaches KZ-KGS" || not_ok "KZ-KGS lacks CN-XA's record"
wait_for 30 held_count_is "$F" CN-ZZ KZ-KGS 1 && wait_for 30 held_count_is "$F" CN-XA KZ-KGS 1 &&
	ok "KZ-KGS's record reaches both its recipients" || not_ok "KZ-KGS's record"
for pair in CN-ZZ:CN-XA CN-ZZ:KZ-KGS CN-XA:KZ-KGS KZ-KGS:CN-ZZ KZ-KGS:CN-XA; do
	o=${pair%%:*}; p=${pair#*:}
	wait_for 30 has_metric "$F" "$o" "^silkport_outbox_depth\\{peer=\"$p\"\\} 0\$" &&
		ok "$o's deliveries to $p are receipted" || not_ok "$o -> $p outbox: $(grep outbox "$WORK/metrics.$o" | tr '\n' ' ')"
done
proven() { has_metric "$F" "$1" "^silkport_records_proven\\{origin=\"$2\"\\} $3\$" && has_metric "$F" "$1" "^silkport_records_unproven\\{origin=\"$2\"\\} 0\$"; }
wait_for 40 proven CN-XA CN-ZZ 2 && ok "CN-XA proves CN-ZZ's records against its checkpoint" ||
	not_ok "CN-XA: $(grep -E 'records_(un)?proven' "$WORK/metrics.CN-XA" | tr '\n' ' ')"
wait_for 40 proven KZ-KGS CN-XA 1 && ok "KZ-KGS proves CN-XA's record" ||
	not_ok "KZ-KGS: $(grep -E 'records_(un)?proven' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"
wait_for 40 proven CN-ZZ KZ-KGS 1 && ok "CN-ZZ proves KZ-KGS's record" ||
	not_ok "CN-ZZ: $(grep -E 'records_(un)?proven' "$WORK/metrics.CN-ZZ" | tr '\n' ' ')"
expect 0 "CN-XA's signed record verifies with the list" -- "$SILKPORT" record verify --trust-list "$OP/trust-list.xml" \
	--anchor "$OP/operator/cert.pem" "$WORK/xa-release.xml"
grep -q 'event=equivocation_alarm' "$WORK"/*.log && not_ok "an alarm among honest members" || ok "no alarm"

fed_stop_all $MEMBERS
finish
