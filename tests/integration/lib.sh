# lib.sh: shared helpers for the integration tests (sourced, not run).
set -eu
SP_BINARY_DIR=${SP_BINARY_DIR:?run under ctest or set SP_BINARY_DIR}
SP_DATA_DIR=${SP_DATA_DIR:?run under ctest or set SP_DATA_DIR}
SILKPORT="$SP_BINARY_DIR/node/silkport"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sp-test.XXXXXX")
# On exit: stop every node and helper process the test started, then clean up.
sp_cleanup() {
	for p in $(cat "$WORK/pids" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
	for p in $(cat "$WORK/pids" 2>/dev/null); do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap sp_cleanup EXIT
# track PID: stop it at exit.
track() { echo "$1" >>"$WORK/pids"; }

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) - $*"; }

# expect STATUS DESCRIPTION -- COMMAND...: run COMMAND, compare its exit status.
expect() {
	want=$1; desc=$2; shift 3
	set +e
	"$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	set -e
	if [ "$got" = "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $got, wanted $want)"; sed 's/^/#   /' "$WORK/err" >&2; fi
}

# expect_err PATTERN DESCRIPTION: the last command's stderr matches PATTERN.
expect_err() {
	if grep -Eq "$1" "$WORK/err"; then ok "$2"; else
		not_ok "$2 (stderr: $(head -c 300 "$WORK/err"))"; fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# ---- nodes

# store_ini INI: with SP_TEST_STORE=postgresql (ctest's *_pg tests), give the
# node of INI a database of its own on the test server (tests/pg_env.sh,
# SP_TEST_PG_DIR) through a [store] section; once per INI. Otherwise the
# node keeps its SQLite file.
store_ini() {
	[ "${SP_TEST_STORE:-sqlite}" = postgresql ] || return 0
	grep -q '^\[store\]' "$1" && return 0
	: "${SP_TEST_PG_DIR:?SP_TEST_STORE=postgresql needs SP_TEST_PG_DIR}"
	local name dsn
	name=$(printf 'sp_%s_%s' "$$" "$(basename "$(dirname "$1")")" | tr 'A-Z.-' 'a-z__')
	dsn=$(bash "$(dirname "${BASH_SOURCE[0]}")/../pg_env.sh" db "$SP_TEST_PG_DIR" "$name") || return 1
	printf '\n[store]\nbackend = postgresql\ndsn = %s\n' "$dsn" >>"$1"
}

# db_sql DB SQL: run SQL on a node's store, DB being its SQLite file
# (FED/members/MEMBER/node.db); when the node.ini beside it puts the store on
# PostgreSQL (store_ini), on that database instead, with CAST(x AS TEXT) of
# a blob written as PostgreSQL says it. Rows as sqlite3 prints them: one a
# line, columns separated by |.
db_sql() {
	local ini dsn q
	ini="$(dirname "$1")/node.ini"
	if [ -f "$ini" ] && grep -q '^backend = postgresql' "$ini"; then
		dsn=$(sed -n 's/^dsn = //p' "$ini" | head -1)
		q=$(printf '%s' "$2" | sed -E "s/CAST\(([A-Za-z_.]+) AS TEXT\)/convert_from(\1, 'UTF8')/g")
		psql "$dsn" -Atq -c "$q"
	else
		sqlite3 "$1" "$2"
	fi
}
export -f db_sql

# sqlite_only WHY: a test that changes the bytes of a node's SQLite file
# (what it checks lies above the store, the same on both backends) is
# skipped (77) when the nodes' stores are on PostgreSQL.
sqlite_only() {
	[ "${SP_TEST_STORE:-sqlite}" = postgresql ] || return 0
	echo "1..0 # SKIP on PostgreSQL: $1"
	exit 77
}

# start_node FED MEMBER: run MEMBER's node (config FED/members/MEMBER/node.ini,
# port rewritten to 0) in the background; sets PORT_<MEMBER> and PID_<MEMBER>
# (dashes in the id become underscores).
start_node() {
	fed=$1; m=$2; var=$(echo "$m" | tr -- '-.' '__')
	ini="$fed/members/$m/node.ini"
	[ "${SP_KEEP_PORTS:-0}" = 1 ] || sed -i 's/^port = .*/port = 0/' "$ini"
	store_ini "$ini" || return 1
	log="$WORK/$m.log"
	: >"$log"
	"$SILKPORT" run --config "$ini" 2>>"$log" &
	eval "PID_$var=$!"
	track $!
	for _ in $(seq 1 200); do
		port=$(sed -n 's/.*event=started .* port=\([0-9]*\) .*/\1/p' "$log" | tail -1)
		if [ -n "$port" ]; then
			eval "PORT_$var=$port"
			# so that status, submit and peers find the running node
			sed -i "s/^port = .*/port = $port/" "$ini"
			return 0
		fi
		if ! kill -0 "$(eval echo \$PID_$var)" 2>/dev/null; then
			echo "# node $m exited:" >&2; sed 's/^/#   /' "$log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "# node $m did not start" >&2
	return 1
}

stop_node() {
	var=$(echo "$1" | tr -- '-.' '__')
	pid=$(eval echo "\${PID_$var:-}")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	eval "PID_$var="
}

# hcurl FED AS TARGET PATH [curl args...]: HTTP/2 request to TARGET's node with
# AS's TLS client identity (AS may be "none", or "op:MEMBER" for MEMBER's
# operator identity). Prints the body; status in $WORK/status, headers in
# $WORK/headers.
hcurl() {
	fed=$1; as=$2; target=$3; path=$4; shift 4
	var=$(echo "$target" | tr -- '-.' '__')
	port=$(eval echo "\$PORT_$var")
	case "$as" in
	none) id="" ;;
	op:*) m=${as#op:}; id="--cert $fed/members/$m/operator-cert.pem --key $fed/members/$m/operator-key.pem" ;;
	*) id="--cert $fed/members/$as/tls-cert.pem --key $fed/members/$as/tls-key.pem" ;;
	esac
	# shellcheck disable=SC2086
	curl -sS --http2 --cacert "$fed/operator/cert.pem" $id -D "$WORK/headers" \
		-o "$WORK/body" -w '%{http_code}' "$@" "https://127.0.0.1:$port$path" >"$WORK/status" 2>"$WORK/curl.err" || true
	cat "$WORK/body" 2>/dev/null || true
}

# expect_status WANT DESCRIPTION: after hcurl.
expect_status() {
	got=$(cat "$WORK/status" 2>/dev/null)
	if [ "$got" = "$1" ]; then ok "$2"; else
		not_ok "$2 (HTTP $got, wanted $1: $(head -c 400 "$WORK/body" 2>/dev/null) $(cat "$WORK/curl.err"))"; fi
}

# expect_problem NAME DESCRIPTION: the last body is a problem of that name.
expect_problem() {
	if grep -q "urn:silkport:srep:1:error:$1" "$WORK/body" && grep -qi '^content-type: application/problem+xml' "$WORK/headers"; then
		ok "$2"; else not_ok "$2 (wanted problem $1: $(head -c 400 "$WORK/body"))"; fi
}

# submission TYPE BODYFILE RECIPIENTS...: a Submit document on stdout.
submission() {
	type=$1; bodyf=$2; shift 2
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<Submit xmlns="urn:silkport:srep:1" version="1">\n'
	printf '  <Type>%s</Type>\n  <Recipients>' "$type"
	if [ "$1" = broadcast ]; then printf '<Broadcast/>'; else for r in "$@"; do printf '<Node>%s</Node>' "$r"; done; fi
	printf '</Recipients>\n  <Subject><Enterprise scheme="USCC">91410100MA44XXXX0A</Enterprise></Subject>\n  <Body>\n'
	cat "$bodyf"
	printf '\n  </Body>\n</Submit>\n'
}
