#!/bin/bash
# log_journal.sh: logs journald can use. A node whose stderr is the journal
# (JOURNAL_STREAM names its stderr, as systemd sets it) starts every line
# with the syslog priority of its level; one whose stderr is a file does
# not. Both formats stay the node's own, JSON numbers are numbers, and
# access lines name the caller: anonymous, a member's NodeId, or the
# operator certificate's subject.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"
CHECK="python3 $(dirname "$0")/logcheck.py"

F="$WORK/fed"
fed_init "$F" CN-ZZ CN-XA
sed -i 's/^format = kv$/format = json/' "$F/members/CN-ZZ/node.ini"
touch "$WORK/CN-ZZ.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/CN-ZZ.log") fstart "$F" CN-ZZ || exit 1
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/CN-ZZ.log") fstart "$F" CN-XA || exit 1
ready() { curl -sk --http2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$1/readyz" | grep -q 200; }
wait_for 30 ready "$PORT_CN_ZZ" && wait_for 30 ready "$PORT_CN_XA" && ok "both nodes ready" || not_ok "not ready"
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null && ok "a submission by CN-ZZ's operator" || not_ok "submit failed"
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 1 && ok "delivered to CN-XA" || not_ok "not delivered"
hcurl "$F" none CN-ZZ /healthz >/dev/null
sleep 3 # CN-XA fetches CN-ZZ's checkpoint with its own certificate
fed_stop_all CN-ZZ CN-XA

# CN-ZZ: the journal; CN-XA: the same variable, but its stderr is another file.
$CHECK json "$WORK/CN-ZZ.log" --journal >"$WORK/zz.json" 2>"$WORK/check.err" &&
	ok "every CN-ZZ line starts with the priority of its level" || not_ok "CN-ZZ's log: $(cat "$WORK/check.err")"
grep -q '^<6>{"ts":"[^"]*","level":"info","event":"started"' "$WORK/CN-ZZ.log" && ok "the start is <6> (info)" || not_ok "started line: $(grep started "$WORK/CN-ZZ.log")"
$CHECK kv "$WORK/CN-XA.log" >"$WORK/xa.json" 2>"$WORK/check.err" &&
	ok "CN-XA, not on the journal, has plain lines" || not_ok "CN-XA's log: $(cat "$WORK/check.err")"
grep -q '^<' "$WORK/CN-XA.log" && not_ok "a prefix on a file" || ok "and no prefix"

python3 - "$WORK/zz.json" <<'PY' && ok "JSON numbers are numbers" || not_ok "JSON numbers"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
reqs = [e for e in evs if e["event"] == "request"]
assert reqs and all(isinstance(e["status"], int) and isinstance(e["duration_us"], int) for e in reqs), reqs[:2]
started = [e for e in evs if e["event"] == "started"][0]
assert isinstance(started["port"], int) and isinstance(started["pid"], int), started
PY
callers() { python3 -c 'import json,sys; print("\n".join(sorted({json.loads(l).get("caller","") for l in open(sys.argv[1]) if json.loads(l)["event"]=="request"})))' "$1"; }
callers "$WORK/zz.json" >"$WORK/zz.callers"
grep -qx 'anonymous' "$WORK/zz.callers" && ok "an anonymous caller is named anonymous" || not_ok "callers: $(tr '\n' ' ' <"$WORK/zz.callers")"
grep -qx 'operator:CN-ZZ local operator' "$WORK/zz.callers" && ok "the operator by its certificate's subject" || not_ok "callers: $(tr '\n' ' ' <"$WORK/zz.callers")"
grep -qx 'CN-XA' "$WORK/zz.callers" && ok "a member by its NodeId" || not_ok "callers: $(tr '\n' ' ' <"$WORK/zz.callers")"
grep -q '"cert"' "$WORK/zz.json" && not_ok "a cert=0/1 field is left" || ok "no bare cert flag"
callers "$WORK/xa.json" | grep -qx 'CN-ZZ' && ok "CN-XA names CN-ZZ when it delivers" || not_ok "CN-XA's callers: $(callers "$WORK/xa.json" | tr '\n' ' ')"
finish
