#!/bin/bash
# fed_trust_types.sh: per-type signer authorization (SPEC 7.6, [TL-59] to
# [TL-62]). A port authority listed for `credit` issues it and is heard;
# once the operator's list returns it to its role's defaults, its validly
# signed `credit` records are refused with type-not-authorized wherever they
# arrive: pushed to a node (delivery), pulled from its log (catch-up), and
# at its own node's submit, which no longer signs one. Nothing refused is
# stored, and the offline verifier agrees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

F="$WORK/fed"
FED_INIT_ARGS="--may-originate KZ-KGS=credit,release,declaration" \
	fed_up "$F" CN-ZZ CN-XA KZ-KGS:port-authority || exit 1
LIST="$F/trust-list.xml"
ANCHOR="$F/operator/cert.pem"

# A validly signed credit record of KZ-KGS, sequence SEQ, addressed to TO.
kgs_credit() {
	"$SILKPORT" record new --origin KZ-KGS --sequence "$1" --type credit --recipient "$2" \
		--subject USCC=91410100MA44XXXX0A --body "$SP_DATA_DIR/bodies/credit.xml" |
		"$SILKPORT" record sign --key "$F/members/KZ-KGS/sign-key.pem" \
			--cert "$F/members/KZ-KGS/sign-cert.pem"
}

# ---- sequence 1 lists credit for KZ-KGS: it is heard.
"$SILKPORT" trust-list show "$LIST" >"$WORK/show1.txt"
grep -A8 '^  KZ-KGS ' "$WORK/show1.txt" | grep -q 'may-originate declaration,release,credit (listed)' &&
	ok "trust-list show prints KZ-KGS's listed types" || not_ok "show: $(grep -A8 '^  KZ-KGS ' "$WORK/show1.txt")"
grep -A8 '^  CN-ZZ ' "$WORK/show1.txt" | grep -q 'may-originate every type (role default)' &&
	ok "and a zone's role default, every type" || not_ok "show: $(grep -A8 '^  CN-ZZ ' "$WORK/show1.txt")"
expect 0 "KZ-KGS submits a credit record to CN-XA" -- fsubmit "$F" KZ-KGS credit CN-XA
wait_for 20 held_count_is "$F" CN-XA KZ-KGS 1 && ok "CN-XA accepts it: the entry lists credit" ||
	not_ok "CN-XA holds $(held "$F" CN-XA KZ-KGS | wc -l) records of KZ-KGS"

# CN-ZZ is away while KZ-KGS issues a credit record for it: it will arrive
# both by the outbox's retries and by CN-ZZ's own catch-up.
stop_node CN-ZZ
expect 0 "KZ-KGS submits a credit record to CN-ZZ (sequence 1)" -- fsubmit "$F" KZ-KGS credit CN-ZZ

# ---- sequence 2: KZ-KGS back to its role's defaults (no credit).
expect 0 "trust-list update returns KZ-KGS to its role's defaults" -- "$SILKPORT" trust-list update \
	--key "$F/operator/key.pem" --cert "$ANCHOR" --may-originate KZ-KGS= "$LIST"
cp "$WORK/out" "$WORK/tl2.xml"
"$SILKPORT" trust-list show "$WORK/tl2.xml" | grep -A8 '^  KZ-KGS ' | grep -q 'may-originate .*release.*(role default)' &&
	! "$SILKPORT" trust-list show "$WORK/tl2.xml" | grep -A8 '^  KZ-KGS ' | grep -q 'credit' &&
	ok "sequence 2 gives KZ-KGS the port authority's defaults, without credit" || not_ok "sequence 2's entry"
grep -q '<MayOriginate>' "$WORK/tl2.xml" && not_ok "sequence 2 still lists MayOriginate" ||
	ok "and lists no MayOriginate"

# The offline verifier: the same signed bytes, two lists.
kgs_credit 9 CN-XA >"$WORK/credit.xml"
expect 0 "record verify accepts KZ-KGS's credit record under sequence 1" -- \
	"$SILKPORT" record verify --trust-list "$LIST" --anchor "$ANCHOR" "$WORK/credit.xml"
expect 1 "and refuses it under sequence 2" -- \
	"$SILKPORT" record verify --trust-list "$WORK/tl2.xml" --anchor "$ANCHOR" "$WORK/credit.xml"
grep -q '^rejected type-not-authorized' "$WORK/out" "$WORK/err" && ok "as type-not-authorized" ||
	not_ok "record verify said: $(cat "$WORK/out" "$WORK/err")"

cp "$WORK/tl2.xml" "$LIST"
fstart "$F" CN-ZZ || exit 1
grep 'event=started' "$WORK/CN-ZZ.log" | tail -1 | grep -q 'trust_list=2' && ok "CN-ZZ restarts on sequence 2" ||
	not_ok "CN-ZZ started on: $(grep 'event=started' "$WORK/CN-ZZ.log" | tail -1)"

# ---- catch-up: CN-ZZ pulls KZ-KGS's log and refuses the record by name.
wait_for 30 grep -q 'event=pulled_record_refused origin=KZ-KGS sequence=1 .*err=type-not-authorized' "$WORK/CN-ZZ.log" &&
	ok "catch-up: the credit record pulled from KZ-KGS's log is refused with type-not-authorized" ||
	not_ok "no pulled_record_refused: $(grep -E 'pulled_record|record_refused' "$WORK/CN-ZZ.log" | tail -3)"
# ---- delivery: KZ-KGS's outbox pushes it and gets 422 type-not-authorized.
wait_for 30 grep -q 'event=record_refused .*peer=KZ-KGS err=type-not-authorized' "$WORK/CN-ZZ.log" &&
	ok "delivery: KZ-KGS's push of it is refused with type-not-authorized" ||
	not_ok "no record_refused: $(grep -E 'record_refused' "$WORK/CN-ZZ.log" | tail -3)"
held "$F" CN-ZZ KZ-KGS | grep -q . && not_ok "CN-ZZ stored a record it refused" || ok "and CN-ZZ stores nothing of it"
has_metric "$F" CN-ZZ 'type-not-authorized' && ok "its metrics count the refusal by name" ||
	not_ok "no type-not-authorized in CN-ZZ's metrics"
# [ERR-10]: the sender retries type-not-authorized slowly (a newer list
# may authorize it), it does not give the delivery up.
has_metric "$F" KZ-KGS '^silkport_outbox_depth\{peer="CN-ZZ"\} 1$' &&
	ok "KZ-KGS keeps the refused delivery pending, to retry slowly" ||
	not_ok "KZ-KGS's outbox: $(grep -E 'outbox_(depth|failed)' "$WORK/metrics.KZ-KGS" | tr '\n' ' ')"
grep -q '^silkport_outbox_failed{peer="CN-ZZ"} [1-9]' "$WORK/metrics.KZ-KGS" &&
	not_ok "KZ-KGS abandoned the delivery as failed" || ok "and has not abandoned it"

# ---- delivery by hand, to a node that has learnt sequence 2 from a peer.
wait_for 30 grep -q 'event=trust_list_installed federation=silk sequence=2' "$WORK/CN-XA.log" &&
	ok "CN-XA learns sequence 2 from a peer" || not_ok "CN-XA did not install sequence 2"
hcurl "$F" KZ-KGS CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/credit.xml" >/dev/null
expect_status 422 "CN-XA refuses a freshly signed credit record of KZ-KGS: 422"
expect_problem type-not-authorized "as type-not-authorized"
kgs_credit 9 CN-XA | sed 's#<Type>credit</Type>#<Type>release</Type>#' >"$WORK/moved.xml"
hcurl "$F" KZ-KGS CN-XA /v1/records -H 'content-type: application/xml' --data-binary @"$WORK/moved.xml" >/dev/null
case $(cat "$WORK/status") in
4??) grep -q 'error:type-not-authorized' "$WORK/body" && not_ok "a Type changed after signing was judged on authority" ||
	ok "a Type changed after signing is refused before any authority question ($(sed -n 's/.*error:\([a-z-]*\).*/\1/p' "$WORK/body" | head -1))" ;;
*) not_ok "a Type changed after signing: HTTP $(cat "$WORK/status")" ;;
esac
held_count_is "$F" CN-XA KZ-KGS 1 && ok "CN-XA still holds only the record of sequence 0" ||
	not_ok "CN-XA holds: $(held "$F" CN-XA KZ-KGS | tr '\n' ' ')"

# ---- submit: KZ-KGS's own node no longer signs a credit record.
wait_for 30 grep -q 'event=trust_list_installed federation=silk sequence=2' "$WORK/KZ-KGS.log" &&
	ok "KZ-KGS learns sequence 2 from a peer" || not_ok "KZ-KGS did not install sequence 2"
submission credit "$SP_DATA_DIR/bodies/credit.xml" CN-XA >"$WORK/sub.xml"
hcurl "$F" op:KZ-KGS KZ-KGS /v1/submit -H 'content-type: application/xml' --data-binary @"$WORK/sub.xml" >/dev/null
expect_status 422 "submit: KZ-KGS's node refuses to sign a credit record: 422"
expect_problem type-not-authorized "as type-not-authorized"
expect 1 "silkport submit exits 1 for it" -- fsubmit "$F" KZ-KGS credit CN-XA
expect 0 "a release (a port authority's default type) is still signed" -- fsubmit "$F" KZ-KGS release CN-XA
read -r _ seq _ <"$WORK/out"
[ "$seq" = 2 ] && ok "at sequence 2: the refusals consumed no sequence" || not_ok "the release got sequence $seq"
wait_for 20 held_count_is "$F" CN-XA KZ-KGS 2 && ok "and CN-XA accepts it" ||
	not_ok "CN-XA holds $(held "$F" CN-XA KZ-KGS | wc -l) records of KZ-KGS"

fed_stop_all CN-ZZ CN-XA KZ-KGS
finish
