#!/bin/bash
# node_abuse.sh: a bounded abuse run against a real node (rapid reset,
# CONTINUATION flood, oversized headers, too many streams, invalid frames, a
# stalled body) while a second client keeps asking /healthz: every probe must
# meet an HTTP/2 defence, and /healthz must keep answering throughout.
# Then the zero-window and slow-read attacks (SPEC [SEC-21], [SEC-22]):
# anonymous clients hold the answers to 100 trust-list requests per
# connection without taking them, while a member delivers and the operator
# submits; the attackers are cut off within the timeouts and nobody else
# gets a 503.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

ABUSE="$SP_BINARY_DIR/tests/tools/h2abuse"
F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA || exit 1
stop_node CN-ZZ
# Short timeouts, and the smallest global budget: the attack below holds
# more than all of it (20 connections x 100 answers x ~5 KiB).
sed -i 's/^stream_timeout = .*/stream_timeout = 2/; s/^idle_timeout = .*/idle_timeout = 4/' "$F/members/CN-ZZ/node.ini"
sed -i 's/^\[limits\]$/[limits]\nglobal_buffer_mb = 8/' "$F/members/CN-ZZ/node.ini"
fstart "$F" CN-ZZ || exit 1
wait_for 20 bash -c "curl -sk --http2 -o /dev/null -w '%{http_code}' https://127.0.0.1:$PORT_CN_XA/readyz | grep -q 200"

# The health watcher: one request every 50 ms, each with a 5 s budget. It
# presents the node's operator certificate, as a monitoring system of the
# authority would: anonymous clients share one slice of connections and
# memory (SEC-21), which the anonymous attackers below fill on purpose, and
# only members and operators are promised service through that.
: >"$WORK/health"
(
	while :; do
		code=$(curl -sS --http2 --max-time 5 --cacert "$F/operator/cert.pem" -o /dev/null \
			--cert "$F/members/CN-ZZ/operator-cert.pem" --key "$F/members/CN-ZZ/operator-key.pem" \
			-w '%{http_code} %{time_total}' "https://127.0.0.1:$PORT_CN_ZZ/healthz" 2>/dev/null) || code="000 2"
		echo "$code" >>"$WORK/health"
		sleep 0.05
	done
) &
HL=$!
track $HL

probe() {
	mode=$1; shift
	as=$1; shift
	case "$as" in
	member) id="$F/members/CN-XA/tls-cert.pem $F/members/CN-XA/tls-key.pem" ;;
	*) id="- -" ;;
	esac
	# shellcheck disable=SC2086
	if out=$(timeout 20 "$ABUSE" 127.0.0.1 "$PORT_CN_ZZ" "$F/operator/cert.pem" $id "$mode" "$@" 2>&1); then
		ok "$mode $*: $out"
	else
		not_ok "$mode $*: no defence: $out"
	fi
}

probe rapid-reset none 20000
probe rapid-reset member 20000
probe continuation none 5000
probe big-headers none 200000
probe streams member 400
probe bad-frame none
probe slow-body member 6000
for i in 1 2 3; do probe rapid-reset none 5000; done

# ---- holding answers: zero window, and one byte of window a second
TL=/v1/trust-lists/silk
hcurl "$F" none CN-ZZ "$TL" >/dev/null
expect_status 200 "the trust list is served to anyone"
# pair SUFFIX: the operator submits at CN-ZZ and CN-XA's operator submits
# for CN-ZZ (which CN-XA then delivers as a member); prints milliseconds.
pair() {
	s0=$(date +%s%N)
	fsubmit "$F" CN-ZZ declaration CN-XA >/dev/null 2>>"$WORK/submit.err" || echo fail >>"$WORK/submit.fails"
	fsubmit "$F" CN-XA declaration CN-ZZ >/dev/null 2>>"$WORK/submit.err" || echo fail >>"$WORK/submit.fails"
	echo $((($(date +%s%N) - s0) / 1000000))
}
: >"$WORK/submit.fails"
base=$(pair)
[ ! -s "$WORK/submit.fails" ] && ok "before the attack a pair of submissions takes $base ms" || not_ok "submissions fail without an attack"
t0=$(date +%s)
timeout 40 "$ABUSE" 127.0.0.1 "$PORT_CN_ZZ" "$F/operator/cert.pem" - - zero-window 20 "$TL" 25 >"$WORK/zw.out" 2>&1 &
ZW=$!
timeout 40 "$ABUSE" 127.0.0.1 "$PORT_CN_ZZ" "$F/operator/cert.pem" - - slow-read 4 "$TL" 25 >"$WORK/sr.out" 2>&1 &
SR=$!
track $ZW
track $SR
sleep 1.5 # every connection is up and its answers are held

# While the attack runs: the operator submits and a member (CN-XA) delivers.
# Full rate: no pair more than twice as slow as before the attack (plus
# 500 ms of scheduling slack on a shared machine).
slow=0
times=""
for i in 1 2 3 4 5 6; do
	ms=$(pair)
	times="$times $ms"
	[ "$ms" -le $((2 * base + 500)) ] || slow=$((slow + 1))
done
fails=$(wc -l <"$WORK/submit.fails")
[ "$fails" = 0 ] && ok "12 submissions during the attack all succeeded" ||
	not_ok "$fails of 12 submissions failed during the attack: $(head -c 400 "$WORK/submit.err")"
[ "$slow" = 0 ] && ok "at full rate: pairs took$times ms (before: $base)" || not_ok "$slow pairs were slowed down:$times ms (before: $base)"
wait_for 10 held_count_is "$F" CN-ZZ CN-XA 7 && ok "CN-ZZ holds the member's 7 deliveries" ||
	not_ok "CN-ZZ holds of CN-XA: $(held "$F" CN-ZZ CN-XA | tr '\n' ' ')"
wait_for 10 held_count_is "$F" CN-XA CN-ZZ 7 && ok "CN-XA holds the operator's 7 submissions" ||
	not_ok "CN-XA holds of CN-ZZ: $(held "$F" CN-XA CN-ZZ | tr '\n' ' ')"
n503=$(grep -E 'event=request .*path=/v1/(records|submit) status=503' "$WORK/CN-ZZ.log" | wc -l)
[ "$n503" = 0 ] && ok "no delivery or submission got a 503 at CN-ZZ" || not_ok "$n503 deliveries or submissions got a 503 at CN-ZZ"

set +e
wait $ZW; zw=$?
wait $SR; sr=$?
set -e
took=$(($(date +%s) - t0))
# stream_timeout 2 + idle_timeout 4 + the 1 s GOAWAY grace, with slack
[ "$zw" = 0 ] && ok "zero-window: $(cat "$WORK/zw.out")" || not_ok "zero-window attackers not cut off (exit $zw): $(cat "$WORK/zw.out")"
[ "$sr" = 0 ] && ok "slow-read: $(cat "$WORK/sr.out")" || not_ok "slow-read attackers not cut off (exit $sr): $(cat "$WORK/sr.out")"
last_ms() { sed -n 's/.*the last after \([0-9]*\) ms.*/\1/p' "$1"; }
for f in zw sr; do
	ms=$(last_ms "$WORK/$f.out")
	[ -n "$ms" ] && [ "$ms" -le 10000 ] && ok "$f: the last attacker connection ended after $ms ms (within the timeouts)" ||
		not_ok "$f: attacker connections lasted ${ms:-?} ms (attack ran ${took}s)"
done
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >"$WORK/metrics"
bb=$(sed -n "s/^silkport_buffered_bytes //p" "$WORK/metrics")
# what is left is the /metrics connection's own HTTP/2 preface, not yet written
[ -n "$bb" ] && [ "$bb" -lt 1024 ] && ok "every held byte given back ($bb left)" ||
	not_ok "still held: $(grep '^silkport_buffered_bytes' "$WORK/metrics")"

sleep 0.3
kill $HL 2>/dev/null; wait $HL 2>/dev/null || true
total=$(wc -l <"$WORK/health")
bad=$(grep -vc '^200 ' "$WORK/health" || true)
slowest=$(awk '{print $2}' "$WORK/health" | sort -n | tail -1)
[ "$total" -ge 10 ] && ok "/healthz was asked $total times during the abuse" || not_ok "health watcher ran only $total times"
[ "$bad" = 0 ] && ok "/healthz answered every time (slowest ${slowest}s)" || not_ok "/healthz failed $bad of $total times"
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >"$WORK/metrics"
grep -q '^silkport_connections_dropped_total{cause="flood"} [1-9]' "$WORK/metrics" && ok "floods counted in metrics" \
	|| not_ok "no flood drop in metrics: $(grep dropped "$WORK/metrics")"
kill -0 "$PID_CN_ZZ" && ok "the node is still running" || not_ok "the node died"

# ---- who reads /metrics ([metrics] allow, SPEC API-58)
cp "$F/members/CN-ZZ/node.ini" "$F/members/CN-ZZ/bad.ini"
sed -i 's/^anon_connections = .*/anon_connections = 5000/; s/^allow = .*/allow = everyone/' "$F/members/CN-ZZ/bad.ini"
expect 1 "check-config refuses an anonymous share above the total and an unknown [metrics] allow" -- \
	"$SILKPORT" check-config --config "$F/members/CN-ZZ/bad.ini"
grep -q 'anon_connections must be below max_connections' "$WORK/err" && grep -q "\[metrics\] allow = 'everyone'" "$WORK/err" &&
	ok "and says which" || not_ok "check-config said: $(cat "$WORK/err" "$WORK/out" | head -c 400)"
rm -f "$F/members/CN-ZZ/bad.ini"
hcurl "$F" none CN-ZZ /metrics >/dev/null; expect_status 401 "/metrics without a certificate: 401 (default: operators)"
hcurl "$F" CN-XA CN-ZZ /metrics >/dev/null; expect_status 403 "/metrics for a member: 403 (default: operators)"
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >/dev/null; expect_status 200 "/metrics for the operator: 200"
reload_metrics() {
	sed -i "s/^allow = .*/allow = $1/" "$F/members/CN-ZZ/node.ini"
	mark=$(grep -c 'event=reloaded' "$WORK/CN-ZZ.log" || true)
	kill -HUP "$PID_CN_ZZ"
	wait_for 10 bash -c "[ \$(grep -c 'event=reloaded' '$WORK/CN-ZZ.log') -gt $mark ]"
}
reload_metrics members
hcurl "$F" CN-XA CN-ZZ /metrics >/dev/null; expect_status 200 "allow = members: an active member reads /metrics"
hcurl "$F" none CN-ZZ /metrics >/dev/null; expect_status 401 "allow = members: still 401 without a certificate"
reload_metrics anyone
hcurl "$F" none CN-ZZ /metrics >/dev/null; expect_status 200 "allow = anyone: served without a certificate"
reload_metrics operators

# ---- a member's open connection ends when a trust list revokes it ([SEC-24])
timeout 30 "$ABUSE" 127.0.0.1 "$PORT_CN_ZZ" "$F/operator/cert.pem" "$F/members/CN-XA/tls-cert.pem" \
	"$F/members/CN-XA/tls-key.pem" hold 20 >"$WORK/hold.out" 2>&1 &
HOLD=$!
track $HOLD
wait_for 5 grep -q 'hold: connected' "$WORK/hold.out"
sleep 1
expect 0 "trust-list update revokes CN-XA" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status CN-XA=revoked "$F/trust-list.xml"
cp "$WORK/out" "$F/trust-list.xml"
t0=$(date +%s%N)
kill -HUP "$PID_CN_ZZ"
set +e
wait $HOLD; hold=$?
set -e
took=$((($(date +%s%N) - t0) / 1000000))
[ "$hold" = 0 ] && [ "$took" -lt 5000 ] && ok "the revoked member's connection ended ${took} ms after the reload: $(tail -1 "$WORK/hold.out")" ||
	not_ok "the revoked member's connection stayed (exit $hold, ${took} ms): $(cat "$WORK/hold.out")"
grep -q 'event=connections_closed why=no_longer_authorized' "$WORK/CN-ZZ.log" && ok "and CN-ZZ logged why" ||
	not_ok "no connections_closed line in CN-ZZ's log"
finish
