#!/bin/bash
# store_config.sh: the [store] section: check-config parses a PostgreSQL
# connection string with libpq and names the line of a bad one; `run` refuses
# to start when the server does not answer, naming the connection string
# without its password; backup and restore send PostgreSQL stores to
# PostgreSQL's own tools. Needs no PostgreSQL server.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
"$SILKPORT" federation init "$F" --federation silk --member CN-ZZ 2>/dev/null
INI="$F/members/CN-ZZ/node.ini"
cp "$INI" "$WORK/base.ini"

# with_store LINES...: node.ini with a [store] section of these lines
with_store() {
	cp "$WORK/base.ini" "$INI"
	printf '\n[store]\n' >>"$INI"
	for l in "$@"; do printf '%s\n' "$l" >>"$INI"; done
}

with_store "backend = sqlite"
expect 0 "backend = sqlite is the default's equal" -- "$SILKPORT" check-config --config "$INI"

with_store "backend = postgresql"
expect 1 "postgresql without a dsn is refused" -- "$SILKPORT" check-config --config "$INI"
expect_err 'node.ini:[0-9]+: \[store\] backend = postgresql needs \[store\] dsn' "the error names the missing dsn and the line"

with_store "backend = postgresql" "dsn = host=/nowhere port=x5432 dbname"
expect 1 "a dsn libpq cannot parse is refused" -- "$SILKPORT" check-config --config "$INI"
expect_err "node.ini:[0-9]+: \[store\] dsn: .*dbname" "libpq's message names the bad keyword, at its line"

with_store "backend = postgresql" "dsn = postgresql://silkport@db1:5432/silkport?sslmode=verify-full&bogus=1"
expect 1 "an unknown URI parameter is refused" -- "$SILKPORT" check-config --config "$INI"
expect_err "bogus" "the message names it"

with_store "backend = mysql"
expect 1 "an unknown backend is refused" -- "$SILKPORT" check-config --config "$INI"
expect_err "sqlite\|postgresql|sqlite.*postgresql" "the error lists the backends"

with_store "dsn = dbname=silkport"
expect 1 "a dsn without backend = postgresql is refused" -- "$SILKPORT" check-config --config "$INI"
expect_err "\[store\] dsn is for backend = postgresql" "and says why"

# A server that is not there: a unix socket folder with no server in it.
mkdir -p "$WORK/nosock"
with_store "backend = postgresql" \
	"dsn = host=$WORK/nosock port=5999 dbname=silkport user=silkport password=s3cret-pw connect_timeout=2"
expect 0 "a well-formed dsn passes check-config (it does not connect)" -- "$SILKPORT" check-config --config "$INI"
expect 1 "run refuses to start without its database" -- timeout 30 "$SILKPORT" run --config "$INI"
expect_err 'event=store_open_failed .*store="[^"]*dbname=silkport' "the error names the database"
if grep -q 's3cret-pw' "$WORK/err"; then not_ok "the password is not logged"; else ok "the password is not logged"; fi
expect_err 'password=\*\*\*' "it is shown as ***"

expect 1 "backup refuses a PostgreSQL store" -- "$SILKPORT" backup --config "$INI" "$WORK/copy.db"
expect_err "pg_dump" "and names PostgreSQL's tools"
expect 1 "restore refuses a PostgreSQL store" -- "$SILKPORT" restore --config "$INI" "$WORK/copy.db"
expect_err "pg_basebackup" "and names PostgreSQL's tools"

finish
