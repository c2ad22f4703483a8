#!/bin/bash
# store_two_processes.sh: two `silkport run` processes of one node (CN-ZZ)
# share one PostgreSQL database, each on its own --listen address. Both take
# submissions (submit --url); one is killed with -9 in the middle: every
# acknowledged record is stored, no Sequence is issued twice and the log
# has no hole, the survivor signs the checkpoints and delivers to CN-XA.
# Then the PostgreSQL server restarts under traffic: the survivor reports
# not ready, then recovers without a restart of its own. The test runs a
# PostgreSQL server of its own (tests/pg_env.sh), as it restarts it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

PG_BIN=${SP_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
	echo "# no PostgreSQL server binaries in $PG_BIN (SP_PG_BIN)"
	exit 77
fi
chmod 0711 "$WORK" # the server may run as another user
export SP_TEST_STORE=postgresql SP_TEST_PG_DIR="$WORK/pg"
PG_ENV="$(cd "$(dirname "$0")/.." && pwd)/pg_env.sh"
# at exit: the server (immediate stop), then lib.sh's cleanup
trap 'bash "$PG_ENV" stop "$SP_TEST_PG_DIR"; sp_cleanup' EXIT
bash "$PG_ENV" start "$SP_TEST_PG_DIR" || exit 1
F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA || exit 1
INI="$F/members/CN-ZZ/node.ini"
DSN=$(sed -n 's/^dsn = //p' "$INI")
sql() { "$PG_BIN/psql" -X -At "$DSN" -c "$1"; }
ready() { curl -sk --http2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$1/readyz" | grep -q 200; }

# The second process of CN-ZZ on a port of its own.
for _ in $(seq 1 20); do
	PORT_B=$((12000 + RANDOM % 20000))
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT_B") 2>/dev/null || break
done
"$SILKPORT" run --config "$INI" --listen "127.0.0.1:$PORT_B" 2>>"$WORK/CN-ZZ-b.log" &
PID_B=$!
track $PID_B
wait_for 20 ready "$PORT_B" && ok "a second process of CN-ZZ serves on --listen 127.0.0.1:$PORT_B" ||
	{ not_ok "second process: $(tail -5 "$WORK/CN-ZZ-b.log")"; finish; exit 1; }
wait_for 20 ready "$PORT_CN_ZZ" || true

expect 0 "status --url reaches the second process" -- "$SILKPORT" status --config "$INI" --url "https://127.0.0.1:$PORT_B"
expect 2 "a --listen without a port is a usage error" -- "$SILKPORT" run --config "$INI" --listen 127.0.0.1

# submit_loop TAG URL COUNT: submissions through one process; each
# acknowledged one is "RECORD-ID SEQUENCE SHA256" in acked.TAG.
submit_loop() {
	for _ in $(seq 1 "$3"); do
		"$SILKPORT" submit --config "$INI" --url "$2" --type release --recipient CN-XA \
			--body "$SP_DATA_DIR/bodies/release.xml" >>"$WORK/acked.$1" 2>/dev/null || true
	done
}
submit_loop a "https://127.0.0.1:$PORT_CN_ZZ" 40 &
LA=$!
submit_loop b "https://127.0.0.1:$PORT_B" 40 &
LB=$!
# both take submissions for a while (on a loaded machine the first may be
# slow to come), then the first is killed in the middle of its loop
for _ in $(seq 1 60); do [ -s "$WORK/acked.a" ] && break; sleep 0.25; done
sleep 1
kill -9 "$PID_CN_ZZ"
wait "$PID_CN_ZZ" 2>/dev/null || true
wait $LA $LB 2>/dev/null || true
cat "$WORK"/acked.* >"$WORK/acked"
n_acked=$(wc -l <"$WORK/acked")
[ "$(cut -d' ' -f2 "$WORK/acked" | sort -n | uniq -d | wc -l)" = 0 ] &&
	ok "$n_acked acknowledged submissions, no Sequence twice" || not_ok "a Sequence was acknowledged twice"
resigned=$(cat "$WORK"/CN-ZZ.log "$WORK/CN-ZZ-b.log" | grep -c submission_resigned || true)
echo "# acknowledged: $(wc -l <"$WORK/acked.a") by the killed process, $(wc -l <"$WORK/acked.b") by the survivor;" \
	"$resigned signed again after the other took the Sequence"
# the two raced for Sequences while both ran; a race costs the submitter
# nothing (the loser signs again at the next one), so every submission to
# the survivor was acknowledged
[ "$(wc -l <"$WORK/acked.b")" = 40 ] && [ "$resigned" -gt 0 ] &&
	ok "every submission to the survivor acknowledged ($resigned lost a race and were signed again)" ||
	not_ok "the survivor acknowledged $(wc -l <"$WORK/acked.b") of 40 ($resigned signed again)"
[ -s "$WORK/acked.a" ] && [ -s "$WORK/acked.b" ] && [ "$(wc -l <"$WORK/acked.a")" -lt 40 ] &&
	ok "both processes took submissions, the killed one until killed" ||
	not_ok "acked: a=$(wc -l <"$WORK/acked.a" 2>/dev/null) b=$(wc -l <"$WORK/acked.b" 2>/dev/null)"
lost=0
while read -r id seq _; do
	[ "$(sql "SELECT count(*) FROM records WHERE origin = 'CN-ZZ' AND record_id = '$id' AND sequence = $seq")" = 1 ] || lost=$((lost + 1))
done <"$WORK/acked"
[ "$lost" = 0 ] && ok "every acknowledged record is stored at its Sequence" || not_ok "$lost acknowledged records missing"
held_n=$(sql "SELECT count(*) FROM records WHERE origin = 'CN-ZZ'")
[ "$(sql "SELECT max(sequence) + 1 FROM records WHERE origin = 'CN-ZZ'")" = "$held_n" ] &&
	[ "$(sql "SELECT tree_size FROM origins WHERE name = 'CN-ZZ'")" = "$held_n" ] &&
	ok "the log has no hole: $held_n records, Sequences 0..$((held_n - 1)), tree size $held_n" ||
	not_ok "log: $held_n records, $(sql "SELECT max_sequence, tree_size FROM origins WHERE name = 'CN-ZZ'")"

# The survivor takes over checkpoint signing and delivery.
signed() { [ "$(sql "SELECT max(size) FROM checkpoints WHERE origin = 'CN-ZZ' AND source IS NULL")" = "$held_n" ]; }
wait_for 20 signed && ok "the survivor signs a checkpoint of all $held_n records" ||
	not_ok "checkpoints: $(sql "SELECT max(size) FROM checkpoints WHERE origin = 'CN-ZZ'")"
grep -q 'event=checkpoint_signer .*this_process=1' "$WORK/CN-ZZ-b.log" && ok "and logs that it signs" ||
	not_ok "no checkpoint_signer line"
# (rows the killed process had claimed are due again after a minute)
wait_for 90 held_count_is "$F" CN-XA CN-ZZ "$held_n" && ok "CN-XA holds all $held_n, each once" ||
	not_ok "CN-XA holds $(held "$F" CN-XA CN-ZZ | wc -l)"
grep -q 'status=409\|equivocation' "$WORK/CN-XA.log" && not_ok "CN-XA saw an equivocation" || ok "CN-XA saw no equivocation"

# PostgreSQL restarts during traffic.
submit_loop c "https://127.0.0.1:$PORT_B" 30 &
LC=$!
sleep 1
bash "$PG_ENV" restart "$SP_TEST_PG_DIR" 3 &
RS=$!
notready=0
for _ in $(seq 1 40); do
	ready "$PORT_B" || { notready=1; break; }
	sleep 0.1
done
[ "$notready" = 1 ] && ok "the survivor reports not ready while the database is down" || not_ok "never not ready"
wait $RS
wait_for 30 ready "$PORT_B" && ok "and ready again once it is back, without a restart" ||
	not_ok "not ready after the restart: $(tail -3 "$WORK/CN-ZZ-b.log")"
wait $LC 2>/dev/null || true
kill -0 "$PID_B" && ok "the same process" || not_ok "the process exited"
"$SILKPORT" submit --config "$INI" --url "https://127.0.0.1:$PORT_B" --type release --recipient CN-XA \
	--body "$SP_DATA_DIR/bodies/release.xml" >>"$WORK/acked.c" && ok "and takes submissions" || not_ok "submission after the restart"
cat "$WORK/acked.c" >>"$WORK/acked"
held_n=$(sql "SELECT count(*) FROM records WHERE origin = 'CN-ZZ'")
[ "$(cut -d' ' -f2 "$WORK/acked" | sort -n | uniq -d | wc -l)" = 0 ] &&
	[ "$(sql "SELECT max(sequence) + 1 FROM records WHERE origin = 'CN-ZZ'")" = "$held_n" ] &&
	ok "still no Sequence twice and no hole ($held_n records)" || not_ok "Sequences after the restart"

kill -TERM "$PID_B"
wait "$PID_B" 2>/dev/null || true
grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/CN-ZZ-b.log" &&
	not_ok "sanitizer report: $(grep -E -A5 'Sanitizer|runtime error' "$WORK/CN-ZZ-b.log" | head -8)" || ok "the survivor stopped cleanly"
finish
