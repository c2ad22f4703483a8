#!/bin/bash
# cli_options.sh: every command reads its options through one table
# (node/cli/cli_opts.c): --help on standard output with exit 0; a bad
# value, an unknown option, a missing required option or argument names
# the command and the option on standard error with exit 2; nothing is made.
. "$(dirname "$0")/lib.sh"

# expect_msg STATUS TEXT DESC -- COMMAND...: the exit status, and TEXT in
# standard error.
expect_msg() {
	want=$1; text=$2; desc=$3; shift 4
	set +e
	"$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	set -e
	if [ "$got" = "$want" ] && grep -qF -- "$text" "$WORK/err"; then ok "$desc"; else
		not_ok "$desc (exit $got, wanted $want and '$text')"; sed 's/^/#   /' "$WORK/err" >&2; fi
}

M=(member init "$WORK/m" --federation silk --member CN-XA --role zone --host 127.0.0.1)
expect_msg 2 "member init: --port wants 1 to 65535" "a port out of range is refused" -- \
	"$SILKPORT" "${M[@]}" --port 65536
expect_msg 2 "member init: --port wants 1 to 65535" "a port that is not a number is refused" -- \
	"$SILKPORT" "${M[@]}" --port 80x
expect_msg 2 "member init: --role 'boss' is not zone, port-authority or auditor" "an unknown role is refused" -- \
	"$SILKPORT" member init "$WORK/m" --federation silk --member CN-XA --role boss --host h --port 1
expect_msg 2 "member init: --member 'cn xa' is not a node id" "a malformed NodeId is refused" -- \
	"$SILKPORT" member init "$WORK/m" --federation silk --member "cn xa" --role zone --host h --port 1
expect_msg 2 "member init: --alg 'ed25519' is not p256, rsa2048 or sm2" "a record key cannot be Ed25519" -- \
	"$SILKPORT" "${M[@]}" --port 7400 --alg ed25519
expect_msg 2 "member init: DIR, --federation, --member, --role, --host and --port are required" \
	"a missing required option names them all" -- "$SILKPORT" "${M[@]}"
[ ! -e "$WORK/m" ] && ok "and no usage error made DIR" || not_ok "a usage error made $WORK/m"

expect_msg 2 "federation init: --federation 'a b' is not a federation id" "a malformed FederationId is refused" -- \
	"$SILKPORT" federation init "$WORK/f" --federation "a b"
expect_msg 2 "federation init: role 'boss' is not zone" "federation init checks each --member" -- \
	"$SILKPORT" federation init "$WORK/f" --federation silk --member CN-XA:boss
expect_msg 2 "federation init: --base-port wants 1 to 65535" "federation init checks --base-port" -- \
	"$SILKPORT" federation init "$WORK/f" --federation silk --base-port 0
# SPEC [TL-59]: MayOriginate takes registry codes, for a member given
expect_msg 2 "federation init: --may-originate KZ-KGS: 'rating' is not a record type of the registry" \
	"federation init checks --may-originate's types" -- \
	"$SILKPORT" federation init "$WORK/f" --federation silk --member KZ-KGS:port-authority \
	--may-originate KZ-KGS=credit,rating
expect_msg 2 "federation init: --may-originate CN-XA: no such --member" \
	"and that it names a --member" -- \
	"$SILKPORT" federation init "$WORK/f" --federation silk --member KZ-KGS --may-originate CN-XA=credit
expect_msg 2 "federation init: --may-originate wants ID=TYPE" "and its form" -- \
	"$SILKPORT" federation init "$WORK/f" --federation silk --member KZ-KGS --may-originate credit
[ ! -e "$WORK/f" ] && ok "and made no federation" || not_ok "a usage error made $WORK/f"
expect_msg 2 "trust-list add-member: --may-originate: 'blacklist' is not a record type" \
	"add-member checks --may-originate before anything" -- \
	"$SILKPORT" trust-list add-member --key k --cert c --request r --issued-dir "$WORK/o" \
	--may-originate release,blacklist list.xml
expect_msg 2 "trust-list renew-member: --may-originate is for add-member and update" \
	"renew-member takes no types" -- \
	"$SILKPORT" trust-list renew-member --key k --cert c --request r --issued-dir "$WORK/o" \
	--may-originate release list.xml
[ ! -e "$WORK/o" ] && ok "and issued nothing" || not_ok "a usage error made $WORK/o"

expect_msg 2 "trust-list update: unknown option '--bogus'" "an unknown option names the command" -- \
	"$SILKPORT" trust-list update --key k --cert c --bogus
grep -q '^usage: silkport trust-list' "$WORK/err" && ok "and prints the usage on standard error" ||
	not_ok "no usage after an unknown option"
expect_msg 2 "record sign: unexpected argument 'b'" "one FILE at most" -- \
	"$SILKPORT" record sign --key k --cert c a b
expect_msg 2 "status: --json takes no value" "a flag takes no value" -- \
	"$SILKPORT" status --config x --json=1
expect_msg 2 "log verify: --anchor wants a value" "an option without its value" -- \
	"$SILKPORT" log verify r p c --trust-list t --anchor
expect_msg 2 "trust-list update: --valid-days wants 1 to 3650" "trust-list update checks --valid-days" -- \
	"$SILKPORT" trust-list update --key k --cert c --valid-days 0

for cmd in "federation init" "member init" "member install" "member renew" "record new" \
	"record sign" "record verify" "trust-list update" "trust-list add-member" \
	"trust-list renew-member" "log verify" \
	"log consistency" "key generate" submit status peers; do
	# shellcheck disable=SC2086
	expect 0 "$cmd --help" -- "$SILKPORT" $cmd --help
	grep -q '^usage: silkport' "$WORK/out" && [ ! -s "$WORK/err" ] ||
		not_ok "$cmd --help: the usage goes to standard output only"
done

finish
