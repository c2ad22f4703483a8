#!/bin/bash
# fed_trust_witnessed.sh: trust lists appended to a witnessed log (SPEC 7.3,
# [TL-81] to [TL-84], 10.15). The list names two witnesses (CN-XA, KZ-KGS)
# with a quorum of 2; a node installs a newer list only with both
# cosignatures. A normal update installs everywhere; a list shown to one
# node while a witness is away is not installed (and the witness that is
# up has seen it); a witness asked to cosign a second list of that sequence
# refuses it, keeps it as evidence and alarms, also after a restart; once
# the other witness is back the first list installs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
O="$F/operator"
NODES="CN-ZZ CN-XA KZ-KGS"
digest() { sha256sum "$1" | cut -c1-64; }
seq_of() { sed -n 's:.*<Sequence>\([0-9]*\)</Sequence>.*:\1:p' "$1" | head -1; }
update() { # update FROM OUT [ARGS...]: the operator's next list after FROM
	from=$1; out=$2; shift 2
	"$SILKPORT" trust-list update --key "$O/key.pem" --cert "$O/cert.pem" "$@" "$from" >"$out" 2>"$WORK/update.err"
}
serves() { # serves NODE FILE: NODE's current list is FILE
	hcurl "$F" none "$1" /v1/trust-lists/silk >"$WORK/served-$1.xml"
	[ "$(digest "$WORK/served-$1.xml")" = "$(digest "$2")" ]
}

started=0
for _ in 1 2 3 4 5; do
	fed_init "$F" CN-ZZ CN-XA KZ-KGS:port-authority
	update "$F/trust-list.xml" "$WORK/l1.xml" --witness CN-XA --witness KZ-KGS --quorum 2
	# each node reads its own list file, so that one can be shown a list alone
	for m in $NODES; do
		cp "$WORK/l1.xml" "$F/members/$m/list.xml"
		sed -i "s|^list = .*|list = $F/members/$m/list.xml|" "$F/members/$m/node.ini"
	done
	up=""
	for m in $NODES; do
		if fstart "$F" $m 2>"$WORK/fstart.err"; then up="$up $m"; continue; fi
		break
	done
	if [ "$up" = " $NODES" ]; then started=1; break; fi
	# shellcheck disable=SC2086
	for u in $up; do stop_node "$u"; done
	rm -rf "$F" "$WORK"/*.log
done
[ $started = 1 ] && ok "three nodes from list 1 (witnesses CN-XA, KZ-KGS, quorum 2; the first list is not witnessed)" ||
	{ not_ok "start: $(cat "$WORK/fstart.err")"; finish; }

# A normal update: the operator's list 2 reaches every node's file; each
# asks the witnesses, and installs it with both cosignatures.
update "$WORK/l1.xml" "$WORK/l2.xml" && ok "the operator makes list 2" || not_ok "list 2: $(cat "$WORK/update.err")"
for m in $NODES; do cp "$WORK/l2.xml" "$F/members/$m/list.xml"; done
all_serve() { for m in $NODES; do serves "$m" "$1" || return 1; done; }
wait_for 30 all_serve "$WORK/l2.xml" && ok "every node installs list 2 with the quorum of cosignatures" ||
	not_ok "list 2 not installed: $(grep -hE 'trust_list_(not_witnessed|installed|cosign|witness)' "$WORK"/*.log | tail -5)"
hcurl "$F" none CN-ZZ /v1/trust-lists/silk/cosignatures >"$WORK/cosigs.txt"
expect_status 200 "GET .../cosignatures answers 200 to anyone"
printf 'silkport-trust-list/v1\nsilk\n%s\n%s\n\n' "$(seq_of "$WORK/l2.xml")" \
	"$(digest "$WORK/l2.xml")" >"$WORK/note-head.txt"
head -c "$(wc -c <"$WORK/note-head.txt")" "$WORK/cosigs.txt" | cmp -s - "$WORK/note-head.txt" &&
	ok "the note names the federation, the sequence and the list's SHA-256" || not_ok "note: $(head -5 "$WORK/cosigs.txt")"
grep -q '^— silkport/silk/CN-XA ' "$WORK/cosigs.txt" && grep -q '^— silkport/silk/KZ-KGS ' "$WORK/cosigs.txt" &&
	ok "with the cosignatures of both witnesses" || not_ok "cosignatures: $(cat "$WORK/cosigs.txt")"

# The conformance suite sees the same from outside (CONF-TRUST-14).
CONF="$SP_BINARY_DIR/conformance/silkport-conformance"
timeout 60 "$CONF" --target "https://127.0.0.1:$PORT_CN_ZZ" --trust-list "$WORK/l2.xml" --anchor "$O/cert.pem" \
	--tls-cert "$F/members/KZ-KGS/tls-cert.pem" --tls-key "$F/members/KZ-KGS/tls-key.pem" --read-only \
	--only CONF-TRUST-14 >"$WORK/conf.tap" 2>"$WORK/conf.err" &&
	grep -q '^ok [0-9]* - CONF-TRUST-14 ' "$WORK/conf.tap" && ! grep -q -e '^not ok' -e '# SKIP' "$WORK/conf.tap" &&
	ok "silkport-conformance: CONF-TRUST-14 passes on the served cosignatures" ||
	not_ok "conformance: $(cat "$WORK/conf.tap" "$WORK/conf.err" | head -c 600)"

# List 3a is shown to CN-ZZ alone while KZ-KGS is away: CN-XA cosigns it
# (it has seen it), one cosignature is not the quorum, CN-ZZ keeps list 2.
stop_node KZ-KGS
update "$WORK/l2.xml" "$WORK/l3a.xml" --valid-days 6 && ok "the operator makes list 3a" || not_ok "list 3a"
cp "$WORK/l3a.xml" "$F/members/CN-ZZ/list.xml"
not_witnessed() { grep -q "event=trust_list_not_witnessed .*digest=$(digest "$WORK/l3a.xml")" "$WORK/CN-ZZ.log"; }
wait_for 30 not_witnessed && ok "CN-ZZ does not install list 3a: not witnessed (logged)" ||
	not_ok "no trust_list_not_witnessed: $(grep -E 'trust_list' "$WORK/CN-ZZ.log" | tail -3)"
serves CN-ZZ "$WORK/l2.xml" && ok "CN-ZZ keeps list 2" || not_ok "CN-ZZ serves another list"
pending() { "$SILKPORT" peers --config "$F/members/CN-ZZ/node.ini" >"$WORK/peers.txt" 2>&1 &&
	grep -qF "trust-list-pending sequence $(seq_of "$WORK/l3a.xml") $(digest "$WORK/l3a.xml"): 1 of 2 witness cosignature(s), sequence $(seq_of "$WORK/l2.xml") kept" "$WORK/peers.txt"; }
wait_for 10 pending && ok "silkport peers says list 3a waits for its witnesses (1 of 2)" ||
	not_ok "peers: $(grep -E 'trust-list|alarms' "$WORK/peers.txt")"
grep -q "event=trust_list_cosigned .*digest=$(digest "$WORK/l3a.xml")" "$WORK/CN-XA.log" &&
	ok "the witness CN-XA has seen list 3a and cosigned it" || not_ok "CN-XA: $(grep trust_list "$WORK/CN-XA.log" | tail -3)"

# The operator now shows list 3b, of the same sequence, to CN-XA's witness
# endpoint (here as the member CN-ZZ would): refused, kept, alarmed.
update "$WORK/l2.xml" "$WORK/l3b.xml" --valid-days 5 && ok "the operator makes list 3b of the same sequence" || not_ok "list 3b"
hcurl "$F" CN-ZZ CN-XA /v1/trust-lists/silk/cosign -X POST -H 'content-type: application/xml' \
	--data-binary "@$WORK/l3b.xml" >/dev/null
expect_status 409 "CN-XA refuses to cosign a second list of that sequence"
expect_problem trust-list-equivocation "with trust-list-equivocation"
grep -q "event=trust_list_witness_alarm kind=equivocation .*digest=$(digest "$WORK/l3b.xml") other=$(digest "$WORK/l3a.xml")" \
	"$WORK/CN-XA.log" && ok "CN-XA alarms, naming both lists" || not_ok "alarm: $(grep witness_alarm "$WORK/CN-XA.log")"
[ "$(db_sql "$F/members/CN-XA/node.db" "SELECT count(*) FROM evidence WHERE kind = 'trust-list' AND digest = '$(digest "$WORK/l3b.xml")'")" = 1 ] &&
	ok "and keeps list 3b as evidence" || not_ok "evidence: $(db_sql "$F/members/CN-XA/node.db" 'SELECT kind, digest FROM evidence' 2>&1)"
hcurl "$F" CN-ZZ CN-XA /v1/trust-lists/silk/cosign -X POST -H 'content-type: application/xml' \
	--data-binary "@$WORK/l3a.xml" >"$WORK/note3a.txt"
expect_status 200 "the same list 3a again gets a cosignature"
grep -q "^$(digest "$WORK/l3a.xml")$" "$WORK/note3a.txt" && grep -q '^— silkport/silk/CN-XA ' "$WORK/note3a.txt" &&
	ok "a witness note of list 3a by CN-XA" || not_ok "note: $(cat "$WORK/note3a.txt")"
hcurl "$F" none CN-XA /v1/trust-lists/silk/cosign -X POST -H 'content-type: application/xml' \
	--data-binary "@$WORK/l3a.xml" >/dev/null
expect_status 401 "an anonymous caller may not ask for a cosignature"
stop_node CN-XA
fstart "$F" CN-XA || not_ok "CN-XA starts again"
hcurl "$F" CN-ZZ CN-XA /v1/trust-lists/silk/cosign -X POST -H 'content-type: application/xml' \
	--data-binary "@$WORK/l3b.xml" >/dev/null
expect_status 409 "after a restart CN-XA still refuses list 3b (kept durably)"

# KZ-KGS is back: CN-ZZ gathers its cosignature and installs list 3a; the
# others learn of it from CN-ZZ and install it too.
fstart "$F" KZ-KGS || not_ok "KZ-KGS starts again"
wait_for 30 serves CN-ZZ "$WORK/l3a.xml" && ok "with both witnesses CN-ZZ installs list 3a" ||
	not_ok "CN-ZZ: $(grep -E 'trust_list' "$WORK/CN-ZZ.log" | tail -3)"
wait_for 30 all_serve "$WORK/l3a.xml" && ok "and so does every node, from CN-ZZ" ||
	not_ok "not everywhere: $(grep -hE 'trust_list_(not_witnessed|installed)' "$WORK"/*.log | tail -4)"
# shellcheck disable=SC2086
fed_stop_all $NODES

finish
