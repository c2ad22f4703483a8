#!/bin/bash
# bench_idle.sh: an idle federation. N nodes of one federation (default 50),
# as `federation init` configures them, on this machine: the time for all of
# them to start and be ready, the CPU all of them use together while idle
# over a measured window, and the time for one broadcast to reach every
# other node (from the submit to the last node's access line for it).
# usage: tests/bench/bench_idle.sh SILKPORT [NODES] [SECONDS]
# (environment SETTLE: seconds between ready and the measured window, 60)
set -eu

SILKPORT=${1:?usage: bench_idle.sh SILKPORT [NODES] [SECONDS]}
N=${2:-50}
SECS=${3:-60}
DATA=$(cd "$(dirname "$0")/../data" && pwd)
HZ=$(getconf CLK_TCK)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sp-idle.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
now_ms() { date +%s%3N; }

# N consecutive free ports.
for _ in $(seq 1 30); do
	BASE=$((20000 + RANDOM % 30000))
	busy=0
	for i in $(seq 0 $((N - 1))); do
		if (: </dev/tcp/127.0.0.1/$((BASE + i))) 2>/dev/null; then busy=1; break; fi
	done
	[ $busy = 0 ] && break
done
ids=()
members=()
for i in $(seq 0 $((N - 1))); do
	ids+=("$(printf 'N-%02d' "$i")")
	members+=(--member "${ids[$i]}")
done
F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation idle --base-port "$BASE" "${members[@]}" >/dev/null 2>&1
list_kb=$(($(stat -c %s "$F/trust-list.xml") / 1024))
echo "silkport idle-federation benchmark: $N nodes of one federation, trust list $list_kb KB, $(nproc) cores"
pi=$(sed -n 's/^pull_interval = //p' "$F/members/${ids[0]}/node.ini" | head -1)
[ -n "$pi" ] || pi=$("$SILKPORT" check-config --list | sed -n "s/^pull_interval .*(default: \([0-9]*\)).*/\1/p")
echo "each node as federation init configures it: [peers] pull_interval ${pi:-?} s, [log] level info"

# Start every node; ready = /readyz answers 200.
t0=$(now_ms)
for id in "${ids[@]}"; do
	"$SILKPORT" run --config "$F/members/$id/node.ini" 2>"$WORK/$id.log" &
	PIDS="$PIDS $!"
	echo $! >"$WORK/$id.pid"
done
# Only the nodes not ready yet are asked again (50 curls a round load a
# busy 2-core machine themselves); up to 300 s in all.
ready=0
declare -a is_ready
deadline=$((t0 + 300000))
while [ "$ready" != "$N" ] && [ "$(now_ms)" -lt "$deadline" ]; do
	for i in $(seq 0 $((N - 1))); do
		[ "${is_ready[$i]:-0}" = 1 ] && continue
		code=$(curl -s -o /dev/null -w '%{http_code}' --http2 --cacert "$F/operator/cert.pem" \
			"https://127.0.0.1:$((BASE + i))/readyz" 2>/dev/null || true)
		if [ "$code" = 200 ]; then
			is_ready[$i]=1
			ready=$((ready + 1))
		fi
	done
	[ "$ready" = "$N" ] || sleep 0.2
done
t_ready=$(now_ms)
if [ "$ready" != "$N" ]; then
	echo "bench_idle: only $ready of $N nodes became ready" >&2
	for i in $(seq 0 $((N - 1))); do
		code=$(curl -s -o "$WORK/readyz" -w '%{http_code}' --http2 --cacert "$F/operator/cert.pem" \
			"https://127.0.0.1:$((BASE + i))/readyz" 2>/dev/null || true)
		[ "$code" = 200 ] || echo "  ${ids[$i]}: $code $(head -c 200 "$WORK/readyz" 2>/dev/null) | $(tail -1 "$WORK/${ids[$i]}.log")" >&2
	done
	exit 1
fi
echo "start-up: $N nodes started and ready in $((t_ready - t0)) ms"

cpu_ticks() {
	t=0
	for p in $PIDS; do
		set -- $(sed 's/^.*) //' "/proc/$p/stat")
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}
# Let the start-up pass (connections, the first two catch-up rounds of
# every origin, one pull interval apart), then measure the federation as
# it stays: idle. SETTLE seconds (default 60) after all are ready.
sleep "${SETTLE:-60}"
c0=$(cpu_ticks)
w0=$(now_ms)
sleep "$SECS"
c1=$(cpu_ticks)
w1=$(now_ms)
cpu_ms=$(((c1 - c0) * 1000 / HZ))
wall_ms=$((w1 - w0))
pct=$(awk -v c="$cpu_ms" -v w="$wall_ms" 'BEGIN { printf "%.1f", 100 * c / w }')
per=$(awk -v c="$cpu_ms" -v w="$wall_ms" -v n="$N" 'BEGIN { printf "%.2f", 100 * c / w / n }')
rss=0
for p in $PIDS; do rss=$((rss + $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status"))); done
echo "idle: $cpu_ms ms of CPU in $wall_ms ms by all nodes together = $pct% of one core ($per% per node); RSS $((rss / 1024)) MB in all"
# What the idle nodes asked each other, from their access lines since start.
cat "$WORK"/N-*.log | sed -n 's/.* event=request .* method=\([A-Z]*\) path=\([^ ]*\) status=\([0-9]*\) .*/\1 \2 \3/p' |
	sed 's|/v1/logs/[^/]*/|/v1/logs/ORIGIN/|; s|/v1/trust-lists/[^ ]*|/v1/trust-lists/FED|; s|?.*||' |
	sort | uniq -c | sort -rn | head -8 | awk '{ printf "  %8d  %s %s %s\n", $1, $2, $3, $4 }' >"$WORK/requests.txt"
echo "requests the nodes answered since start, by kind (count, method, path, status):"
cat "$WORK/requests.txt"

# One broadcast from the first node; when did the last of the others take it?
"$SILKPORT" submit --config "$F/members/${ids[0]}/node.ini" --type declaration --broadcast \
	--body "$DATA/bodies/declaration.xml" --out "$WORK/b.xml" >"$WORK/submit.out" 2>"$WORK/submit.err" &
ts=$(now_ms)
wait $! || { cat "$WORK/submit.err" >&2; exit 1; }
last=0
got=0
for _ in $(seq 1 300); do
	got=0
	last=0
	for id in "${ids[@]:1}"; do
		line=$(grep -m1 'method=POST path=/v1/records status=201' "$WORK/$id.log" || true)
		[ -n "$line" ] || continue
		got=$((got + 1))
		t=$(date -d "$(echo "$line" | sed -n 's/^ts=\([^ ]*\) .*/\1/p')" +%s%3N)
		[ "$t" -gt "$last" ] && last=$t
	done
	[ "$got" = $((N - 1)) ] && break
	sleep 0.1
done
[ "$got" = $((N - 1)) ] || echo "bench_idle: only $got of $((N - 1)) nodes received the broadcast" >&2
fan=$((last - ts))
echo "broadcast: from the submit to the last of $got nodes holding it: $fan ms"

met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "MET" : "NOT MET" }'; }
echo "target: idle CPU of $N nodes = $pct% of one core (<= 10%): $(met "$pct" 10)"
echo "target: one broadcast reaches all $((N - 1)) others in $fan ms (<= 1000 ms): $(met "$fan" 1000)"
echo "start-up of $N nodes: $((t_ready - t0)) ms (no target)"
