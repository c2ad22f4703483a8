#!/bin/bash
# fed_equivocation.sh: an origin that signs two different records for one
# Sequence is detected by every honest peer: by the 409 on a second version
# pushed to it, by the origin's own delivery being answered 409, and by the
# origin's checkpoint not matching the records a peer holds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA KZ-KGS:port-authority CN-HZ || exit 1
ZZKEY="--key $F/members/CN-ZZ/sign-key.pem --cert $F/members/CN-ZZ/sign-cert.pem"

# forge SEQ FILE: another broadcast record of CN-ZZ at SEQ, signed with its key.
forge() {
	# shellcheck disable=SC2086
	"$SILKPORT" record new --origin CN-ZZ --sequence "$1" --type release --broadcast \
		--body "$SP_DATA_DIR/bodies/release.xml" | "$SILKPORT" record sign $ZZKEY >"$2"
}
# push AT FILE: deliver FILE to AT as CN-ZZ would (its TLS identity).
push() {
	hcurl "$F" CN-ZZ "$1" /v1/records -H 'content-type: application/xml' --data-binary @"$2" >/dev/null
}

fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
for m in CN-XA KZ-KGS CN-HZ; do
	wait_for 20 held_count_is "$F" $m CN-ZZ 1 && ok "$m holds CN-ZZ's sequence 0" || not_ok "$m: $(held "$F" $m CN-ZZ | tr '\n' ' ')"
done

# (1) A second version of sequence 0, pushed to the three peers.
forge 0 "$WORK/fork0.xml"
for m in CN-XA KZ-KGS CN-HZ; do
	push $m "$WORK/fork0.xml"; expect_status 409 "$m answers the second version of sequence 0 with 409"
	expect_problem equivocation "as equivocation"
	grep -q 'event=equivocation_alarm.*origin=CN-ZZ' "$WORK/$m.log" && ok "$m raised an equivocation alarm" || not_ok "no alarm in $m's log"
	has_metric "$F" $m '^silkport_equivocations_total [1-9]' && ok "$m counts it in silkport_equivocations_total" || not_ok "$m metric"
	held_count_is "$F" $m CN-ZZ 1 && ok "$m kept the first version only" || not_ok "$m holds: $(held "$F" $m CN-ZZ | tr '\n' ' ')"
done

# (2) CN-HZ gets a forged sequence 1 before the origin issues its own: the
# origin's delivery is answered 409 (the origin alarms), and CN-HZ finds that
# what it holds does not match the origin's signed checkpoint.
forge 1 "$WORK/fork1.xml"
push CN-HZ "$WORK/fork1.xml"; expect_status 201 "a forged sequence 1 reaches CN-HZ first"
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
for m in CN-XA KZ-KGS; do
	wait_for 20 held_count_is "$F" $m CN-ZZ 2 && ok "$m holds the origin's sequence 1" || not_ok "$m: $(held "$F" $m CN-ZZ | tr '\n' ' ')"
done
wait_for 20 grep -q 'event=equivocation_alarm kind=delivery origin=CN-ZZ peer=CN-HZ' "$WORK/CN-ZZ.log" &&
	ok "the origin alarms on CN-HZ's 409 (its own log is suspect)" || not_ok "no delivery alarm at CN-ZZ"
wait_for 30 grep -q 'event=equivocation_alarm kind=record origin=CN-ZZ.*checkpoint' "$WORK/CN-HZ.log" &&
	ok "CN-HZ alarms: the record it holds is not in the origin's checkpoint" || not_ok "no checkpoint-based alarm at CN-HZ"
expect 0 "silkport peers on CN-HZ" -- "$SILKPORT" peers --config "$F/members/CN-HZ/node.ini"
grep -A25 '^peer CN-ZZ' "$WORK/out" | grep -Eq '^  alarms +[1-9]' && ok "silkport peers lists the alarm on CN-ZZ" ||
	not_ok "peers: $(grep -A25 '^peer CN-ZZ' "$WORK/out")"
has_metric "$F" CN-HZ '^silkport_equivocation_alarms [1-9]' && ok "silkport_equivocation_alarms at CN-HZ" || not_ok "alarm gauge"
# The honest peers hold the same log, so they raise no checkpoint alarm.
grep -q 'equivocation_alarm kind=record origin=CN-ZZ.*checkpoint' "$WORK/CN-XA.log" && not_ok "CN-XA alarmed on a consistent log" || ok "CN-XA's copy matches the checkpoint"
fed_stop_all CN-ZZ CN-XA KZ-KGS CN-HZ
finish
