#!/bin/bash
# node_abuse.sh: a bounded abuse run against a real node (rapid reset,
# CONTINUATION flood, oversized headers, too many streams, invalid frames, a
# stalled body) while a second client keeps asking /healthz: every probe must
# meet an HTTP/2 defence, and /healthz must keep answering throughout.
. "$(dirname "$0")/lib.sh"

ABUSE="$SP_BINARY_DIR/tests/tools/h2abuse"
F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk-alliance --member CN-ZZ --member CN-XA 2>/dev/null
sed -i 's/^stream_timeout = .*/stream_timeout = 2/' "$F/members/CN-ZZ/node.ini"
start_node "$F" CN-ZZ || exit 1

# The health watcher: one request every 50 ms, each with a 5 s budget.
: >"$WORK/health"
(
	while :; do
		code=$(curl -sS --http2 --max-time 5 --cacert "$F/operator/cert.pem" -o /dev/null \
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

sleep 0.3
kill $HL 2>/dev/null; wait $HL 2>/dev/null || true
total=$(wc -l <"$WORK/health")
bad=$(grep -vc '^200 ' "$WORK/health" || true)
slowest=$(awk '{print $2}' "$WORK/health" | sort -n | tail -1)
[ "$total" -ge 10 ] && ok "/healthz was asked $total times during the abuse" || not_ok "health watcher ran only $total times"
[ "$bad" = 0 ] && ok "/healthz answered every time (slowest ${slowest}s)" || not_ok "/healthz failed $bad of $total times"
hcurl "$F" none CN-ZZ /metrics >"$WORK/metrics"
grep -q '^silkport_connections_dropped_total{cause="flood"} [1-9]' "$WORK/metrics" && ok "floods counted in metrics" \
	|| not_ok "no flood drop in metrics: $(grep dropped "$WORK/metrics")"
kill -0 "$PID_CN_ZZ" && ok "the node is still running" || not_ok "the node died"
finish
