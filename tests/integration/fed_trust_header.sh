#!/bin/bash
# fed_trust_header.sh: every request between nodes says which list its
# sender holds (silkport-trust-list, SPEC [API-73]); a node that sees a
# higher sequence fetches that list from the sender at once, verified like
# any list, instead of waiting for its next poll. The header is attacker
# input: a malformed value is ignored, and a member that claims a list it
# does not serve makes the node fetch at most once a minute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_init "$F" CN-ZZ CN-XA KZ-KGS:port-authority
# CN-XA polls for lists once an hour: only the header can bring it news.
sed -i 's/^pull_interval = 2$/pull_interval = 3600/' "$F/members/CN-XA/node.ini"
for m in CN-ZZ CN-XA KZ-KGS; do fstart "$F" "$m" || exit 1; done
wait_for 10 grep -q 'event=peers_started' "$WORK/CN-XA.log" || true

# The operator's sequence 2 reaches CN-ZZ only.
expect 0 "sequence 2" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" \
	--cert "$F/operator/cert.pem" --status CN-ZZ=active "$F/trust-list.xml"
cp "$WORK/out" "$F/members/CN-ZZ/tl2.xml"
sed -i "s|^list = .*|list = tl2.xml|" "$F/members/CN-ZZ/node.ini"
kill -HUP "$PID_CN_ZZ"
wait_for 10 grep -q 'event=trust_list_installed federation=silk sequence=2 source=file' "$WORK/CN-ZZ.log" &&
	ok "CN-ZZ installs sequence 2" || not_ok "CN-ZZ did not reload"
# CN-ZZ's next request to CN-XA (its catch-up, every 2 s) carries "silk 2".
wait_for 15 grep -q 'event=trust_list_fetch peer=CN-ZZ federation=silk announced=2 held=1' "$WORK/CN-XA.log" &&
	ok "CN-XA sees CN-ZZ's header and fetches from it" || not_ok "no fetch: $(grep trust_list "$WORK/CN-XA.log" | tail -3 | tr '\n' ' ')"
wait_for 10 grep -q 'event=trust_list_installed federation=silk sequence=2 source=CN-ZZ' "$WORK/CN-XA.log" &&
	ok "and installs the verified list" || not_ok "CN-XA did not install sequence 2"

# Hostile values: ignored, the request itself is served.
for v in "silk  3" "silk 03" "silk -3" "silk 3 4" "silk" "silk 99999999999999999999" "s!lk 3" \
	"silk $(printf '9%.0s' $(seq 1 40))"; do
	hcurl "$F" KZ-KGS CN-XA /v1/logs/KZ-KGS/checkpoint -H "silkport-trust-list: $v" >/dev/null
	[ "$(cat "$WORK/status")" = 200 ] || [ "$(cat "$WORK/status")" = 404 ] || not_ok "header '$v': HTTP $(cat "$WORK/status")"
done
sleep 0.5
grep -q 'event=trust_list_fetch peer=KZ-KGS' "$WORK/CN-XA.log" && not_ok "a malformed header made CN-XA fetch" ||
	ok "malformed headers are ignored and the requests served"
hcurl "$F" KZ-KGS CN-XA /v1/logs/KZ-KGS/checkpoint -H "silkport-trust-list: other-fed 9" >/dev/null
hcurl "$F" KZ-KGS CN-XA /v1/logs/KZ-KGS/checkpoint -H "silkport-trust-list: silk 2" >/dev/null
sleep 0.5
grep -q 'event=trust_list_fetch peer=KZ-KGS' "$WORK/CN-XA.log" && not_ok "another federation's or an equal sequence made CN-XA fetch" ||
	ok "another federation, or the sequence held, asks for nothing"

# A liar: KZ-KGS claims sequence 7 again and again; it serves only 2.
for _ in 1 2 3 4 5 6; do
	hcurl "$F" KZ-KGS CN-XA /v1/logs/KZ-KGS/checkpoint -H "silkport-trust-list: silk 7" >/dev/null
done
sleep 2
n=$(grep -c 'event=trust_list_fetch peer=KZ-KGS' "$WORK/CN-XA.log" || true)
[ "$n" = 1 ] && ok "six claims of a list KZ-KGS does not serve: one fetch" || not_ok "$n fetches from KZ-KGS"
# An anonymous caller's header counts for nothing.
hcurl "$F" none CN-XA /v1/logs/KZ-KGS/checkpoint -H "silkport-trust-list: silk 8" >/dev/null
sleep 0.5
grep -q 'announced=8' "$WORK/CN-XA.log" && not_ok "an anonymous header made CN-XA fetch" || ok "an anonymous caller's header is ignored"
grep -q 'event=trust_list_installed federation=silk sequence=7' "$WORK/CN-XA.log" && not_ok "installed a list nobody signed" ||
	ok "and CN-XA still holds sequence 2"

fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
