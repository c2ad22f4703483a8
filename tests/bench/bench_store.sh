#!/bin/bash
# bench_store.sh: the store's ingest and own-submission rates (bench_store)
# on one SQLite file with one handle, and on one PostgreSQL database with one
# and with two handles (a handle is what each process of a node has: a
# writer connection and a committer), with the ratios to SQLite. Starts a
# throwaway PostgreSQL server (tests/pg_env.sh) and removes it at exit.
# Then inclusion proofs (p50, p99) at a log of PROOF_RECORDS on each (on
# PostgreSQL from 10^6 records on, loaded by tests/bench/pg_bulk_log.sql).
# usage: tests/bench/bench_store.sh BUILD_DIR [RECORDS [PROOF_RECORDS]]
set -eu
B=$(cd "${1:?usage: bench_store.sh BUILD_DIR [RECORDS]}" && pwd)
N=${2:-20000}
NP=${3:-100000}
BIN="$B/tests/bench/bench_store"
HERE=$(cd "$(dirname "$0")" && pwd)
PG_BIN=${SP_PG_BIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sp-bench-store.XXXXXX")
chmod 0755 "$WORK" # the server runs as another user when this is root
trap 'bash "$HERE/../pg_env.sh" stop "$WORK/pg" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
bash "$HERE/../pg_env.sh" start "$WORK/pg"
# a PostgreSQL server as a node would run it: durable commits
cat >>"$WORK/pg/data/postgresql.conf" <<CONF
fsync = on
full_page_writes = on
CONF
bash "$HERE/../pg_env.sh" restart "$WORK/pg" 0

run() { # MODE BACKEND HANDLES TARGET: the rate, records/s
	"$BIN" --mode "$1" --backend "$2" --handles "$3" --target "$4" --records "$N" |
		tee -a "$WORK/out" | sed 's/.* rate=\([0-9]*\)\/s.*/\1/'
}
for mode in ingest submit; do
	lite=$(run "$mode" sqlite 1 "$WORK/$mode.db")
	pg1=$(run "$mode" postgresql 1 "$(bash "$HERE/../pg_env.sh" db "$WORK/pg" "${mode}1")")
	pg2=$(run "$mode" postgresql 2 "$(bash "$HERE/../pg_env.sh" db "$WORK/pg" "${mode}2")")
	printf '%-6s sqlite x1 %6s/s   postgresql x1 %6s/s (%.2f)   postgresql x2 %6s/s (%.2f)\n' \
		"$mode" "$lite" "$pg1" "$(echo "$pg1 / $lite" | bc -l)" "$pg2" "$(echo "$pg2 / $lite" | bc -l)"
done
for b in sqlite postgresql; do
	if [ $b = sqlite ]; then t="$WORK/proofs.db"; else t=$(bash "$HERE/../pg_env.sh" db "$WORK/pg" proofs); fi
	if [ $b = postgresql ] && [ "$NP" -ge 1000000 ]; then
		# the store's write path takes hours for 10^7 records on
		# PostgreSQL (a few round trips each): the same rows, written
		# by the server itself; bench_store checks every proof it
		# measures against the leaf it computes for that record
		echo "# loading $NP records into PostgreSQL with pg_bulk_log.sql"
		"$BIN" --mode proofs --backend $b --target "$t" --records 1 >/dev/null
		psql -q "$t" -v n="$NP" -f "$HERE/pg_bulk_log.sql" >>"$WORK/out"
	fi
	"$BIN" --mode proofs --backend $b --target "$t" --records "$NP" | tee -a "$WORK/out" | grep '^proofs '
done
echo "# details:"
sed 's/^/#   /' "$WORK/out"
