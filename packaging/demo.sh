#!/bin/bash
# demo.sh: install what is missing, build silkport, and run a local demo
# federation: two pilot zones (Zhengzhou CN-ZZ, Xi'an CN-XA) and a gateway
# (CN-GW) in the pilot-zone alliance, and a foreign port authority
# (Khorgos KZ-KGS) in the Silk Road port group, reached through the gateway.
# Zhengzhou signs its records and receipts with SM2-with-SM3 (China's national
# algorithms); the others with ECDSA P-256. The alliance's operator signs
# its trust lists with SM2 too.
# Records of several types are submitted, delivered, receipted and proved.
# The nodes keep running afterwards; demo/stop.sh stops them.
set -eu
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
BUILD=${SP_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_TESTING=OFF >"$BUILD.configure.log" 2>&1 ||
	{ cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target silkport
SP="$PWD/$BUILD/node/silkport"
DEMO="$PWD/${SP_DEMO_DIR:-demo}"
BASE=${SP_DEMO_PORT:-7400}
A="$DEMO/alliance"
B="$DEMO/ports"

[ -x "$DEMO/stop.sh" ] && "$DEMO/stop.sh" >/dev/null 2>&1 || true
rm -rf "$DEMO"
mkdir -p "$DEMO/records" "$DEMO/logs"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
for p in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 10)) $((BASE + 11)); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "demo: port $p is in use; set SP_DEMO_PORT to another base port" >&2
		exit 1
	fi
done

step "1. Two federations, each with its operator CA and signed trust list"
# The pilot-zone alliance's operator signs its lists with SM2 (beside its
# P-256 CA, which issues the TLS certificates); its nodes' anchor file holds
# both certificates.
"$SP" federation init "$A" --federation silk-alliance --list-alg sm2 --base-port "$BASE" \
	--member CN-ZZ:zone:sm2 --member CN-XA:zone --member CN-GW:zone
"$SP" federation init "$B" --federation silk-ports --base-port $((BASE + 10)) \
	--member CN-GW:zone --member KZ-KGS:port-authority --existing CN-GW="$A/members/CN-GW" 2>"$DEMO/ports-init.txt"
sed -n '1,/^    \[relay\]$/p' "$DEMO/ports-init.txt" | grep -v '^    \[relay\]$' >&2 || true
# Each operator authorizes CN-GW to relay into the other federation.
"$SP" trust-list update --key "$A/operator/list-key.pem" --cert "$A/operator/list-cert.pem" \
	--relays-to CN-GW=silk-ports "$A/trust-list.xml" >"$DEMO/tl.xml" && mv "$DEMO/tl.xml" "$A/trust-list.xml"
"$SP" trust-list update --key "$B/operator/key.pem" --cert "$B/operator/cert.pem" \
	--relays-to CN-GW=silk-alliance "$B/trust-list.xml" >"$DEMO/tl.xml" && mv "$DEMO/tl.xml" "$B/trust-list.xml"
"$SP" trust-list verify --anchor "$A/operator/anchors.pem" "$A/trust-list.xml"
"$SP" trust-list verify --anchor "$B/operator/cert.pem" "$B/trust-list.xml"

# Node configuration beyond what federation init writes: each node follows
# the other federation's list (to verify records relayed from it), the
# gateway has its TLS identity in the port group, and the demo retries fast.
for ini in "$A"/members/CN-{ZZ,XA}/node.ini; do
	printf '\n[relay]\nfederation = silk-ports\ntrust_list = %s\nanchor = %s\n' \
		"$B/trust-list.xml" "$B/operator/cert.pem" >>"$ini"
done
printf '\n[relay]\nfederation = silk-alliance\ntrust_list = %s\nanchor = %s\n' \
	"$A/trust-list.xml" "$A/operator/anchors.pem" >>"$B/members/KZ-KGS/node.ini"
{ echo; sed -n '/^    \[relay\]$/,/^    tls_key = /p' "$DEMO/ports-init.txt" | sed 's/^    //'; } >>"$A/members/CN-GW/node.ini"
# Freshness (SPEC 7.9): each node reads its federation's newest signed
# statement that its list is current from the file the publisher below
# rewrites; without one for an hour the list would be stale.
for m in CN-ZZ CN-XA CN-GW; do
	sed -i "s|^\[trust\]\$|[trust]\ntimestamp_file = $A/trust-list-timestamp.xml|" "$A/members/$m/node.ini"
done
sed -i "s|^\[trust\]\$|[trust]\ntimestamp_file = $B/trust-list-timestamp.xml|" "$B/members/KZ-KGS/node.ini"
# Zhengzhou's operator console, on the loopback port federation init chose.
sed -i 's/^;\(listen = 127\.0\.0\.1:[0-9]*\)$/\1/' "$A/members/CN-ZZ/node.ini"
CONSOLE=$(sed -n 's/^listen = \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$A/members/CN-ZZ/node.ini")
for ini in "$A"/members/CN-{ZZ,XA,GW}/node.ini "$B/members/KZ-KGS/node.ini"; do
	printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 5\n' >>"$ini"
	"$SP" check-config --config "$ini"
done

step "2. Four nodes on 127.0.0.1 (logs in $DEMO/logs)"
: >"$DEMO/pids"
# Each operator's publisher: a statement by the online timestamp key about
# the current list, every 5 minutes (the staleness bound is an hour).
publish() {
	while :; do
		for d in "$A" "$B"; do
			"$SP" trust-list timestamp --key "$d/operator/timestamp-key.pem" \
				--cert "$d/operator/timestamp-cert.pem" --output "$d/trust-list-timestamp.xml" \
				"$d/trust-list.xml" 2>>"$DEMO/logs/publisher.log"
		done
		sleep 300
	done
}
publish &
echo $! >>"$DEMO/pids"
for d in "$A" "$B"; do # the first statements, before the nodes start
	for _ in $(seq 1 50); do
		grep -q "<Sequence>2</Sequence>" "$d/trust-list-timestamp.xml" 2>/dev/null && break
		sleep 0.1
	done
done
start() { # DIR MEMBER
	"$SP" run --config "$1/members/$2/node.ini" 2>"$DEMO/logs/$2.log" &
	echo $! >>"$DEMO/pids"
}
start "$A" CN-ZZ
start "$A" CN-XA
start "$A" CN-GW
start "$B" KZ-KGS
cat >"$DEMO/stop.sh" <<EOF
#!/bin/sh
# Stop the demo nodes (SIGTERM: they finish what is in flight).
kill \$(cat "$DEMO/pids") 2>/dev/null || true
EOF
chmod +x "$DEMO/stop.sh"
ready() { # PORT
	for _ in $(seq 1 100); do
		curl -s --http2 --cacert "$2" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$1/readyz" 2>/dev/null | grep -q 200 && return 0
		sleep 0.1
	done
	echo "demo: the node on port $1 did not become ready (see $DEMO/logs)" >&2
	return 1
}
ready "$BASE" "$A/operator/cert.pem"
ready $((BASE + 1)) "$A/operator/cert.pem"
ready $((BASE + 2)) "$A/operator/cert.pem"
ready $((BASE + 11)) "$B/operator/cert.pem"
for m in CN-ZZ CN-XA CN-GW; do
	"$SP" status --config "$A/members/$m/node.ini" | head -3
done
"$SP" status --config "$B/members/KZ-KGS/node.ini" | head -3

step "3. Zhengzhou and Xi'an submit supervision records (the node signs, logs and delivers)"
submit() { # DIR MEMBER NAME TYPE RECIPIENT... (or broadcast)
	dir=$1; m=$2; name=$3; type=$4; shift 4
	if [ "$1" = broadcast ]; then to=(--broadcast); else to=(); for r in "$@"; do to+=(--recipient "$r"); done; fi
	out=$("$SP" submit --config "$dir/members/$m/node.ini" --type "$type" "${to[@]}" \
		--subject USCC=91410100MA44XXXX0A --subject declaration=4601202610000012345 \
		--body "tests/data/bodies/$type.xml" --out "$DEMO/records/$name.xml")
	printf '  %-18s %-8s -> %-16s %s\n' "$type" "$m" "$*" "$out"
	echo "$out" | cut -d' ' -f1 >"$DEMO/records/$name.id"
}
submit "$A" CN-ZZ filing party-registration broadcast
submit "$A" CN-ZZ declaration declaration CN-XA
submit "$A" CN-ZZ transfer transfer CN-XA
submit "$A" CN-ZZ waybill waybill KZ-KGS
submit "$A" CN-XA release release CN-ZZ
submit "$B" KZ-KGS inspection inspection CN-ZZ

step "4. Delivered: each recipient holds the exact signed bytes"
holds() { # DIR MEMBER PORT NAME: the member's node holds the record
	curl -s --http2 --cacert "$1/operator/cert.pem" --cert "$1/members/$2/operator-cert.pem" \
		--key "$1/members/$2/operator-key.pem" -o "$DEMO/records/$4.at-$2" -w '%{http_code}' \
		"https://127.0.0.1:$3/v1/records/$(cat "$DEMO/records/$4.id")" 2>/dev/null | grep -q 200 &&
		cmp -s "$DEMO/records/$4.at-$2" "$DEMO/records/$4.xml"
}
check() { # DIR MEMBER PORT NAME
	for _ in $(seq 1 100); do
		if holds "$@"; then printf '  %-12s holds %-12s byte for byte\n' "$2" "$4"; return 0; fi
		sleep 0.1
	done
	echo "demo: $2 did not receive $4 (see $DEMO/logs)" >&2
	return 1
}
check "$A" CN-XA $((BASE + 1)) filing
check "$A" CN-GW $((BASE + 2)) filing
check "$A" CN-XA $((BASE + 1)) declaration
check "$A" CN-XA $((BASE + 1)) transfer
check "$B" KZ-KGS $((BASE + 11)) waybill
check "$A" CN-ZZ "$BASE" release
check "$A" CN-ZZ "$BASE" inspection

step "5. Receipted: every delivery has its peer's signed receipt (outbox empty)"
for _ in $(seq 1 50); do
	"$SP" peers --config "$A/members/CN-ZZ/node.ini" >"$DEMO/peers.txt" 2>&1 || true
	grep -Eq 'outbox-depth +[1-9]' "$DEMO/peers.txt" || break
	sleep 0.2
done
grep -E '^peer|^  (connected|delivered|outbox-depth|alarms) ' "$DEMO/peers.txt"
echo "  (all of it: $SP peers --config $A/members/CN-ZZ/node.ini)"

step "6. Provable: the declaration is in CN-ZZ's log (checked offline)"
for _ in $(seq 1 40); do
	curl -s --http2 --cacert "$A/operator/cert.pem" "https://127.0.0.1:$BASE/v1/logs/CN-ZZ/checkpoint" >"$DEMO/checkpoint.txt"
	[ "$(sed -n 2p "$DEMO/checkpoint.txt")" = 4 ] && break
	sleep 0.1
done
cat "$DEMO/checkpoint.txt"
seq=$(sed -n 's:.*<Sequence>\(.*\)</Sequence>.*:\1:p' "$DEMO/records/declaration.xml" | head -1)
curl -s --http2 --cacert "$A/operator/cert.pem" \
	"https://127.0.0.1:$BASE/v1/logs/CN-ZZ/proofs/inclusion?index=$seq&size=4" >"$DEMO/proof.txt"
"$SP" log verify "$DEMO/records/declaration.xml" "$DEMO/proof.txt" "$DEMO/checkpoint.txt" \
	--trust-list "$A/trust-list.xml" --anchor "$A/operator/anchors.pem"
echo "  witnessed: Xi'an serves CN-ZZ's checkpoint with its cosignature (to members):"
# Xi'an cosigned CN-ZZ's empty log at start; wait (up to 30 s) for its
# cosignature of the checkpoint of the 4 records above
for _ in $(seq 1 150); do
	curl -s --http2 --cacert "$A/operator/cert.pem" --cert "$A/members/CN-ZZ/tls-cert.pem" \
		--key "$A/members/CN-ZZ/tls-key.pem" \
		"https://127.0.0.1:$((BASE + 1))/v1/logs/CN-ZZ/checkpoint" >"$DEMO/witnessed.txt"
	grep -q '^— silkport/silk-alliance/CN-XA ' "$DEMO/witnessed.txt" &&
		[ "$(sed -n 2p "$DEMO/witnessed.txt")" -ge 4 ] 2>/dev/null && break
	sleep 0.2
done
sed 's/^/    /' "$DEMO/witnessed.txt"

cat <<EOF

Done: 4 nodes are running (stop them with $DEMO/stop.sh). Next, try:

  # Zhengzhou's operator console, in a browser on this machine
  http://$CONSOLE/
  # a node's state, its peers, a record's bytes
  $SP status --config $A/members/CN-ZZ/node.ini
  $SP peers --config $A/members/CN-ZZ/node.ini
  curl --http2 --cacert $A/operator/cert.pem --cert $A/members/CN-XA/tls-cert.pem \\
       --key $A/members/CN-XA/tls-key.pem https://127.0.0.1:$((BASE + 1))/v1/records/$(cat "$DEMO/records/declaration.id")
  # search CN-XA's records by enterprise, as CN-ZZ
  curl --http2 --cacert $A/operator/cert.pem --cert $A/members/CN-ZZ/tls-cert.pem --key $A/members/CN-ZZ/tls-key.pem \\
       'https://127.0.0.1:$((BASE + 1))/v1/search?subject-kind=Enterprise&subject-scheme=USCC&subject-value=91410100MA44XXXX0A'
  # submit another record, then verify one offline
  $SP submit --config $A/members/CN-ZZ/node.ini --type tax --recipient CN-XA --body tests/data/bodies/tax.xml
  $SP record verify --trust-list $A/trust-list.xml --anchor $A/operator/anchors.pem $DEMO/records/transfer.xml
  # the node's own log is public (without cosignatures); other origins'
  # logs and the cosignatures are for members; metrics, for the operator
  curl --http2 --cacert $A/operator/cert.pem https://127.0.0.1:$BASE/v1/logs/CN-ZZ/checkpoint
  curl --http2 --cacert $A/operator/cert.pem --cert $A/members/CN-ZZ/operator-cert.pem \
       --key $A/members/CN-ZZ/operator-key.pem https://127.0.0.1:$BASE/metrics
EOF
