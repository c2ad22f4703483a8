#!/bin/bash
# fed_proof.sh: records pushed to a node (POST /v1/records) are proven
# against the origin's signed checkpoint like pulled ones (FED-14): by root
# comparison for a contiguous copy, by inclusion proofs for a sparse one;
# a pushed record that the origin's checkpoint does not include is alarmed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
fed_up "$F" CN-ZZ CN-XA KZ-KGS:port-authority || exit 1
ZZKEY="--key $F/members/CN-ZZ/sign-key.pem --cert $F/members/CN-ZZ/sign-cert.pem"

# proof_counts AT: "PULLED PROVEN UNPROVEN" for origin CN-ZZ from silkport peers.
proof_counts() {
	"$SILKPORT" peers --config "$F/members/$1/node.ini" 2>/dev/null | grep -A30 '^peer CN-ZZ' |
		sed -n 's/^  catch-up *\([0-9]*\) pulled, [0-9]* refused, \([0-9]*\) proven, \([0-9]*\) unproven$/\1 \2 \3/p' | head -1
}
proven_is() { has_metric "$F" "$1" "^silkport_records_proven\\{origin=\"CN-ZZ\"\\} $2\$" &&
	has_metric "$F" "$1" "^silkport_records_unproven\\{origin=\"CN-ZZ\"\\} $3\$"; }

# Sequences 0..3; sequence 1 is addressed to CN-XA only, so KZ-KGS holds a
# sparse copy (0, 2, 3) that no root comparison covers.
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
fsubmit "$F" CN-ZZ release CN-XA >/dev/null
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 4 && ok "CN-XA holds the four records" || not_ok "CN-XA: $(held "$F" CN-XA CN-ZZ | tr '\n' ' ')"
wait_for 20 held_count_is "$F" KZ-KGS CN-ZZ 3 && ok "KZ-KGS holds the three broadcasts" || not_ok "KZ-KGS: $(held "$F" KZ-KGS CN-ZZ | tr '\n' ' ')"

wait_for 30 proven_is CN-XA 4 0 && ok "CN-XA: the 4 records proven in /metrics, none unproven" ||
	not_ok "CN-XA metrics: $(grep -E 'records_(un)?proven' "$WORK/metrics.CN-XA" | tr '\n' ' ')"
wait_for 30 proven_is KZ-KGS 3 0 && ok "KZ-KGS (sparse copy): the 3 records proven by inclusion proofs" ||
	not_ok "KZ-KGS metrics: $(grep -E 'records_(un)?proven' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"
for m in CN-XA KZ-KGS; do
	read -r pulled proven unproven <<<"$(proof_counts $m)"
	[ "${unproven:-x}" = 0 ] && [ "${proven:-0}" -gt "${pulled:-0}" ] &&
		ok "$m: silkport peers shows pushed records proven ($pulled pulled, $proven proven, $unproven unproven)" ||
		not_ok "$m: silkport peers: pulled=$pulled proven=$proven unproven=$unproven"
done
grep -q 'event=record_accepted.*origin=CN-ZZ' "$WORK/KZ-KGS.log" && ok "the records reached KZ-KGS by push" || not_ok "no record_accepted at KZ-KGS"
# A 1.2 list (no witnesses, k = 0): proven means confirmed ([FED-55]).
for m in CN-XA KZ-KGS; do
	hcurl "$F" "op:$m" "$m" "/v1/search?origin=CN-ZZ" >"$WORK/s.$m.xml"
	n=$(grep -c '<LogState>confirmed</LogState>' "$WORK/s.$m.xml" || true)
	other=$(grep '<LogState>' "$WORK/s.$m.xml" | grep -vc confirmed || true)
	[ "$n" -ge 3 ] && [ "$other" = 0 ] && ok "$m: with k = 0 every proven record is confirmed ($n)" ||
		not_ok "$m search: $(cat "$WORK/s.$m.xml")"
done

# A forged sequence 4 pushed to KZ-KGS before the origin issues its own: it
# is stored, waits unproven, and the origin's next checkpoint convicts it.
# shellcheck disable=SC2086
"$SILKPORT" record new --origin CN-ZZ --sequence 4 --type release --broadcast \
	--body "$SP_DATA_DIR/bodies/release.xml" | "$SILKPORT" record sign $ZZKEY >"$WORK/fork4.xml"
hcurl "$F" CN-ZZ KZ-KGS /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/fork4.xml" >/dev/null
expect_status 201 "a forged sequence 4 pushed to KZ-KGS is accepted"
wait_for 10 proven_is KZ-KGS 3 1 && ok "and listed unproven (beyond the checkpoint)" ||
	not_ok "KZ-KGS metrics: $(grep -E 'records_(un)?proven' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"
grep -q 'is not in checkpoint' "$WORK/KZ-KGS.log" && not_ok "alarmed before any checkpoint covers it" || ok "no alarm while no checkpoint covers it"
fsubmit "$F" CN-ZZ declaration broadcast >/dev/null
wait_for 20 held_count_is "$F" CN-XA CN-ZZ 5 && ok "CN-XA holds the origin's sequence 4" || not_ok "CN-XA: $(held "$F" CN-XA CN-ZZ | tr '\n' ' ')"
wait_for 30 grep -q 'event=equivocation_alarm kind=record origin=CN-ZZ detail=.*sequence 4 is not in checkpoint' "$WORK/KZ-KGS.log" &&
	ok "KZ-KGS alarms: the pushed record fails its inclusion proof" || not_ok "no proof alarm at KZ-KGS"
wait_for 10 proven_is KZ-KGS 3 0 && ok "the convicted record leaves the unproven list" ||
	not_ok "KZ-KGS metrics: $(grep -E 'records_(un)?proven' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"
wait_for 30 proven_is CN-XA 5 0 && ok "CN-XA proves the origin's sequence 4" ||
	not_ok "CN-XA metrics: $(grep -E 'records_(un)?proven' "$WORK/metrics.CN-XA" | tr '\n' ' ')"
grep -q 'event=equivocation_alarm' "$WORK/CN-XA.log" && not_ok "CN-XA alarmed on an honest log" || ok "no alarm at CN-XA"
fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
