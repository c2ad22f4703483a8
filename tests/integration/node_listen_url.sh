#!/bin/bash
# node_listen_url.sh: "silkport run --listen ADDRESS:PORT" listens there in
# place of the configuration's [listen] address and port (several processes
# of one node side by side), keeps it across a reload without calling it a
# change, and "submit", "status" and "peers --url https://ADDRESS:PORT" reach
# that process. Bad values are refused with a usage error naming the option.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_init "$F" CN-ZZ KZ-KGS
INI="$F/members/KZ-KGS/node.ini"
CONFIGURED=$(sed -n 's/^port = //p' "$INI")
# a free port outside federation init's range
for _ in $(seq 1 20); do
	ALT=$((33000 + RANDOM % 20000))
	(exec 3<>"/dev/tcp/127.0.0.1/$ALT") 2>/dev/null || break
done

expect 2 "run --listen refuses a value without a port" -- "$SILKPORT" run --config "$INI" --listen 127.0.0.1
expect_err "listen 127.0.0.1: want an IP ADDRESS:PORT" "naming the option and the form"
expect 2 "and a host name (an address is wanted)" -- "$SILKPORT" run --config "$INI" --listen localhost:7400
expect 2 "and a port past 65535" -- "$SILKPORT" run --config "$INI" --listen 127.0.0.1:70000

"$SILKPORT" run --config "$INI" --listen "127.0.0.1:$ALT" 2>>"$WORK/KZ-KGS.log" &
PID=$!
track $PID
wait_for 10 grep -q "event=started node=KZ-KGS .* port=$ALT " "$WORK/KZ-KGS.log" &&
	ok "the node listens on the --listen port" || not_ok "started: $(grep event=started "$WORK/KZ-KGS.log")"
curl -sk --http2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$ALT/healthz" | grep -qx 200 &&
	ok "/healthz answers there" || not_ok "no answer on $ALT"
(exec 3<>"/dev/tcp/127.0.0.1/$CONFIGURED") 2>/dev/null && not_ok "the configured port $CONFIGURED is open too" ||
	ok "and not on the configured port"

expect 1 "status without --url looks at the configured port (nothing there)" -- \
	"$SILKPORT" status --config "$INI"
expect 0 "status --url reaches the process" -- "$SILKPORT" status --config "$INI" --url "https://127.0.0.1:$ALT"
grep -q "KZ-KGS" "$WORK/out" && ok "and prints the node's state" || not_ok "status: $(head -5 "$WORK/out")"
expect 0 "status --json --url (a trailing slash is fine)" -- \
	"$SILKPORT" status --config "$INI" --json --url "https://127.0.0.1:$ALT/"
grep -q "\"url\":\"https://127.0.0.1:$ALT\"" "$WORK/out" && ok "the JSON names the URL reached" ||
	not_ok "json: $(head -c 300 "$WORK/out")"
expect 0 "peers --url" -- "$SILKPORT" peers --config "$INI" --url "https://127.0.0.1:$ALT"
grep -q '^silkport-peers/v1' "$WORK/out" && ok "prints the peers report" || not_ok "peers: $(head -3 "$WORK/out")"
expect 0 "submit --url" -- "$SILKPORT" submit --config "$INI" --url "https://127.0.0.1:$ALT" --type inspection \
	--recipient CN-ZZ --body "$SP_DATA_DIR/bodies/inspection.xml"
grep -Eq '^[0-9a-f-]{36} 0 [0-9a-f]{64}$' "$WORK/out" && ok "the process signed its first record" || not_ok "submit: $(cat "$WORK/out")"
for bad in "http://127.0.0.1:$ALT" "https://127.0.0.1:$ALT/v1/peers" "https://" "https://127.0.0.1:0"; do
	expect 1 "status --url $bad is refused" -- "$SILKPORT" status --config "$INI" --url "$bad"
	expect_err "url $bad" "naming the URL"
done

kill -HUP $PID
wait_for 10 grep -q 'event=reloaded' "$WORK/KZ-KGS.log" && ok "a reload" || not_ok "no reload: $(tail -3 "$WORK/KZ-KGS.log")"
grep -q 'event=reload_needs_restart' "$WORK/KZ-KGS.log" && not_ok "the reload calls --listen a change" ||
	ok "does not call the --listen address a change of [listen]"
expect 0 "and the process still answers on its port" -- "$SILKPORT" status --config "$INI" --url "https://127.0.0.1:$ALT"
kill -TERM $PID
wait $PID 2>/dev/null
finish
