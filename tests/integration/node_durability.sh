#!/bin/bash
# node_durability.sh: kill -9 a node in the middle of submissions and
# deliveries, restart it, and check that every record whose receipt (or
# signed record) was returned is present, and that the log only grew.
. "$(dirname "$0")/lib.sh"

ROUNDS=${SP_DURABILITY_ROUNDS:-20}
F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk-alliance --member CN-ZZ --member CN-XA 2>/dev/null
TL="$F/trust-list.xml"; ANCHOR="$F/operator/cert.pem"

# A pool of CN-XA's records addressed to CN-ZZ, delivered across the rounds.
mkdir -p "$WORK/pool" "$WORK/acked"
POOL=$((ROUNDS * 4))
for i in $(seq 0 $((POOL - 1))); do
	"$SILKPORT" record new --origin CN-XA --sequence "$i" --type waybill --recipient CN-ZZ \
		--subject waybill=SF$i --body "$SP_DATA_DIR/bodies/waybill.xml" 2>/dev/null |
		"$SILKPORT" record sign --key "$F/members/CN-XA/sign-key.pem" --cert "$F/members/CN-XA/sign-cert.pem" >"$WORK/pool/$i.xml"
done
submission release "$SP_DATA_DIR/bodies/release.xml" CN-XA >"$WORK/sub.xml"

# deliver_loop FIRST COUNT: deliver pool records, note the acknowledged ones.
deliver_loop() {
	for i in $(seq "$1" $(($1 + $2 - 1))); do
		# An answer cut short by the kill is no acknowledgment: curl
		# must have read all of it (exit 0), not only its status.
		code=$(curl -sS --http2 --cacert "$ANCHOR" --cert "$F/members/CN-XA/tls-cert.pem" --key "$F/members/CN-XA/tls-key.pem" \
			-H 'content-type: application/xml' --data-binary @"$WORK/pool/$i.xml" -o "$WORK/acked/d$i.receipt" -w '%{http_code}' \
			"https://127.0.0.1:$PORT_CN_ZZ/v1/records" 2>/dev/null) || code=cut
		case "$code" in 200|201) echo "$i" >>"$WORK/acked/deliveries" ;; *) rm -f "$WORK/acked/d$i.receipt" ;; esac
	done
}

# submit_loop TAG COUNT: submit, keep every record returned.
submit_loop() {
	for k in $(seq 1 "$2"); do
		out="$WORK/acked/s-$1-$k.xml"
		code=$(curl -sS --http2 --cacert "$ANCHOR" --cert "$F/members/CN-ZZ/operator-cert.pem" --key "$F/members/CN-ZZ/operator-key.pem" \
			-H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" -o "$out" -w '%{http_code}' \
			"https://127.0.0.1:$PORT_CN_ZZ/v1/submit" 2>/dev/null) || code=cut
		[ "$code" = 201 ] || rm -f "$out"
	done
}

prev_cp=""
lost=0
checked=0
for r in $(seq 1 "$ROUNDS"); do
	start_node "$F" CN-ZZ || { not_ok "round $r: node did not start"; break; }
	deliver_loop $(((r - 1) * 4)) 4 &
	d=$!
	submit_loop "$r-a" 8 &
	s1=$!
	submit_loop "$r-b" 8 &
	s2=$!
	sleep "0.$((RANDOM % 6 + 2))"
	kill -9 "$PID_CN_ZZ"
	wait "$PID_CN_ZZ" 2>/dev/null || true
	wait $d $s1 $s2 2>/dev/null || true
	PID_CN_ZZ=""
	start_node "$F" CN-ZZ || { not_ok "round $r: node did not restart"; break; }
	# Every acknowledged delivery and submission is there, byte for byte.
	for i in $(sort -u "$WORK/acked/deliveries" 2>/dev/null); do
		hcurl "$F" op:CN-ZZ CN-ZZ "/v1/records/$(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$WORK/pool/$i.xml")" >"$WORK/got"
		checked=$((checked + 1))
		cmp -s "$WORK/got" "$WORK/pool/$i.xml" || { lost=$((lost + 1)); echo "# lost delivery $i" >&2; }
	done
	for f in "$WORK"/acked/s-*.xml; do
		[ -e "$f" ] || continue
		hcurl "$F" op:CN-ZZ CN-ZZ "/v1/records/$(sed -n 's:.*<RecordId>\(.*\)</RecordId>.*:\1:p' "$f" | head -1)" >"$WORK/got"
		checked=$((checked + 1))
		cmp -s "$WORK/got" "$f" || { lost=$((lost + 1)); echo "# lost submission $f" >&2; }
	done
	# The own log only grew: the new checkpoint is consistent with the last.
	for _ in $(seq 1 40); do
		hcurl "$F" none CN-ZZ /v1/logs/CN-ZZ/checkpoint >"$WORK/cp-new"
		size=$(sed -n 2p "$WORK/cp-new")
		want=$(ls "$WORK"/acked/s-*.xml 2>/dev/null | wc -l)
		[ -n "$size" ] && [ "$size" -ge "$want" ] && break
		sleep 0.1
	done
	if [ -n "$prev_cp" ] && [ "$(sed -n 2p "$prev_cp")" != 0 ]; then
		old=$(sed -n 2p "$prev_cp")
		hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/proofs/consistency?old=$old&size=$size" >"$WORK/proof"
		"$SILKPORT" log consistency "$prev_cp" "$WORK/cp-new" "$WORK/proof" --trust-list "$TL" --anchor "$ANCHOR" >/dev/null 2>"$WORK/err" ||
			{ not_ok "round $r: log not consistent with round $((r - 1)): $(cat "$WORK/err")"; }
	fi
	cp "$WORK/cp-new" "$WORK/cp-$r"
	prev_cp="$WORK/cp-$r"
	stop_node CN-ZZ
done

[ "$lost" = 0 ] && ok "$ROUNDS kill -9 rounds: all $checked acknowledged records present" || not_ok "$lost of $checked acknowledged records lost"
n_sub=$(ls "$WORK"/acked/s-*.xml 2>/dev/null | wc -l)
[ "$n_sub" -gt 0 ] && ok "$n_sub submissions acknowledged across the rounds" || not_ok "no submission acknowledged"
[ -s "$WORK/acked/deliveries" ] && ok "$(sort -u "$WORK/acked/deliveries" | wc -l) deliveries acknowledged" || not_ok "no delivery acknowledged"

# Sequence numbers stay contiguous: the own log's size equals the highest
# acknowledged sequence + 1 at least, and every stored sequence has a proof.
start_node "$F" CN-ZZ
sleep 1.2
hcurl "$F" none CN-ZZ /v1/logs/CN-ZZ/checkpoint >"$WORK/cp-final"
size=$(sed -n 2p "$WORK/cp-final")
bad=0
for f in $(ls "$WORK"/acked/s-*.xml | shuf -n 10 --random-source=<(yes)); do
	seq=$(sed -n 's:.*<Sequence>\(.*\)</Sequence>.*:\1:p' "$f" | head -1)
	hcurl "$F" none CN-ZZ "/v1/logs/CN-ZZ/proofs/inclusion?index=$seq&size=$size" >"$WORK/p"
	"$SILKPORT" log verify "$f" "$WORK/p" "$WORK/cp-final" --trust-list "$TL" --anchor "$ANCHOR" >/dev/null 2>&1 || bad=$((bad + 1))
done
[ "$bad" = 0 ] && ok "acknowledged submissions are provably in the final log (size $size)" || not_ok "$bad inclusion proofs failed"
stop_node CN-ZZ
finish
