#!/bin/bash
# pg_env.sh: a throwaway PostgreSQL server for the tests.
#
#   tests/pg_env.sh start DIR   initdb into DIR/data, start the server on a
#                               unix socket in DIR (no TCP port), write its
#                               connection string to DIR/dsn
#   tests/pg_env.sh stop DIR    stop it and remove DIR
#   tests/pg_env.sh db DIR NAME create database NAME, print its DSN
#   tests/pg_env.sh restart DIR [SECONDS]
#                               stop the server (fast), wait, start it again
#
# initdb refuses to run as root: as root, the server runs as an
# unprivileged user (SP_PG_USER, default nobody), which owns DIR. The
# server binaries are PostgreSQL 15's (SP_PG_BIN to use others). The
# server trusts local connections only, through a socket in DIR.
set -euo pipefail

PG_BIN=${SP_PG_BIN:-/usr/lib/postgresql/15/bin}
RUN_AS=${SP_PG_USER:-nobody}

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" \
			--clear-groups -- "$@"
	else
		"$@"
	fi
}

start() {
	local dir=$1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/dsn" ] && stop "$dir" 2>/dev/null; then :; fi
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown "$RUN_AS" "$dir"
	chmod 0755 "$dir"
	if ! as_owner test -w "$dir"; then
		echo "pg_env.sh: $RUN_AS cannot write $dir: every folder above it must be searchable (o+x)" >&2
		return 1
	fi
	as_owner "$PG_BIN/initdb" -D "$dir/data" -U silkport -A trust \
		-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		return 1
	}
	# the tests need speed, not durability of the test server itself;
	# in the configuration file, so that a restart keeps them
	cat >>"$dir/data/postgresql.conf" <<-EOF
		listen_addresses = ''
		unix_socket_directories = '$dir'
		fsync = off
		full_page_writes = off
		max_connections = 200
	EOF
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-t 60 start >/dev/null || {
		cat "$dir/server.log" >&2
		return 1
	}
	echo "host=$dir port=5432 user=silkport dbname=postgres" >"$dir/dsn"
}

stop() {
	local dir=$1
	if [ -d "$dir/data" ]; then
		as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w \
			stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

restart() {
	local dir=$1
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	sleep "${2:-1}"
	as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		-t 60 start >/dev/null
}

db() {
	local dir=$1 name=$2 base
	base=$(cat "$dir/dsn")
	PGOPTIONS="-c client_min_messages=warning" \
		"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$base" \
		-c "DROP DATABASE IF EXISTS \"$name\"" \
		-c "CREATE DATABASE \"$name\"" >/dev/null
	echo "${base% dbname=postgres} dbname=$name"
}

case "${1:-}" in
start) start "$2" ;;
stop) stop "$2" ;;
db) db "$2" "$3" ;;
restart) restart "$2" "${3:-1}" ;;
*)
	echo "usage: $0 start|stop DIR | db DIR NAME | restart DIR [SECONDS]" >&2
	exit 2
	;;
esac
