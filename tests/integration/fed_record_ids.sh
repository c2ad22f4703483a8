#!/bin/bash
# fed_record_ids.sh: RecordIds are scoped per Origin (SPEC REC-25, REC-26,
# API-30; issue 8, MEDIUM 2). A member (UZ-TAS) signs its own record with
# the RecordId of CN-ZZ's record and delivers it to KZ-KGS first: CN-ZZ's
# genuine record is still accepted, raises no equivocation alarm, and stays
# reachable; the plain GET of the id is ambiguous where both are visible.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fed_common.bash"

T0=$(date +%s)
F="$WORK/silk"
fed_init "$F" CN-ZZ KZ-KGS UZ-TAS
# Only the receiver runs; the records are signed with the members' keys.
fstart "$F" KZ-KGS || exit 1

# new_record ORIGIN SEQUENCE [RECORD-ID]: an unsigned record for KZ-KGS.
new_record() {
	"$SILKPORT" record new --origin "$1" --sequence "$2" --type declaration --recipient KZ-KGS \
		--body "$SP_DATA_DIR/bodies/declaration.xml" |
		if [ -n "${3:-}" ]; then sed "s|<RecordId>[^<]*</RecordId>|<RecordId>$3</RecordId>|"; else cat; fi
}
sign_as() { # MEMBER
	"$SILKPORT" record sign --key "$F/members/$1/sign-key.pem" --cert "$F/members/$1/sign-cert.pem"
}
post_as() { # MEMBER FILE
	hcurl "$F" "$1" KZ-KGS /v1/records -X POST -H 'content-type: application/xml' --data-binary @"$2"
}

new_record CN-ZZ 6 | sign_as CN-ZZ >"$WORK/genuine.xml"
RID=$(sed -n 's:.*<RecordId>\([^<]*\)</RecordId>.*:\1:p' "$WORK/genuine.xml")
[ -n "$RID" ] && ok "CN-ZZ's record $RID" || not_ok "no RecordId in CN-ZZ's record"
new_record UZ-TAS 0 "$RID" | sign_as UZ-TAS >"$WORK/squat.xml"
grep -q "<RecordId>$RID</RecordId>" "$WORK/squat.xml" && grep -q '<Origin>UZ-TAS</Origin>' "$WORK/squat.xml" &&
	ok "UZ-TAS signs its own record with that RecordId" || not_ok "squatter's record: $(head -c 300 "$WORK/squat.xml")"

post_as UZ-TAS "$WORK/squat.xml" >/dev/null
expect_status 201 "the squatter's record arrives first (201)"
post_as CN-ZZ "$WORK/genuine.xml" >"$WORK/genuine.rcpt"
expect_status 201 "CN-ZZ's genuine record is still accepted (201, not 409)"
grep -q '<Status>accepted</Status>' "$WORK/genuine.rcpt" && ok "with an accepted receipt" ||
	not_ok "receipt: $(head -c 300 "$WORK/genuine.rcpt")"
post_as CN-ZZ "$WORK/genuine.xml" >/dev/null
expect_status 200 "the same bytes again: 200"
grep -q 'event=equivocation_alarm' "$WORK/KZ-KGS.log" && not_ok "an equivocation alarm against CN-ZZ" ||
	ok "no equivocation alarm"
[ "$(db_sql "$F/members/KZ-KGS/node.db" 'SELECT count(*) FROM equivocations')" = 0 ] &&
	ok "no equivocation evidence kept" || not_ok "evidence kept against a squatted id"

# By (Origin, RecordId): each Origin's own record.
hcurl "$F" KZ-KGS KZ-KGS "/v1/records/$RID?origin=CN-ZZ" >"$WORK/got.xml"
expect_status 200 "GET ?origin=CN-ZZ"
cmp -s "$WORK/got.xml" "$WORK/genuine.xml" && ok "is CN-ZZ's genuine record" || not_ok "?origin=CN-ZZ gave other bytes"
hcurl "$F" KZ-KGS KZ-KGS "/v1/records/$RID?origin=UZ-TAS" >"$WORK/got.xml"
cmp -s "$WORK/got.xml" "$WORK/squat.xml" && ok "GET ?origin=UZ-TAS is the squatter's" || not_ok "?origin=UZ-TAS gave other bytes"
hcurl "$F" KZ-KGS KZ-KGS "/v1/records/$RID?origin=RU-NONE" >/dev/null
expect_status 404 "GET ?origin= of an Origin without that id: 404"
hcurl "$F" KZ-KGS KZ-KGS "/v1/records/$RID?origin=bad%20id" >/dev/null
expect_status 400 "a malformed origin= is a bad request"

# By RecordId alone: ambiguous where both are visible, else the one visible.
hcurl "$F" KZ-KGS KZ-KGS "/v1/records/$RID" >/dev/null
expect_status 409 "GET without origin= for KZ-KGS, which sees both: 409"
expect_problem record-id-ambiguous "record-id-ambiguous"
grep -q 'CN-ZZ' "$WORK/body" && grep -q 'UZ-TAS' "$WORK/body" && ok "naming both Origins" ||
	not_ok "problem: $(head -c 400 "$WORK/body")"
hcurl "$F" CN-ZZ KZ-KGS "/v1/records/$RID" >"$WORK/got.xml"
expect_status 200 "for CN-ZZ, which sees only its own: 200"
cmp -s "$WORK/got.xml" "$WORK/genuine.xml" && ok "the genuine record" || not_ok "CN-ZZ got other bytes"
hcurl "$F" UZ-TAS KZ-KGS "/v1/records/$RID" >"$WORK/got.xml"
cmp -s "$WORK/got.xml" "$WORK/squat.xml" && ok "and the squatter gets only its own" || not_ok "UZ-TAS got other bytes"

# The Origin itself may not reuse a RecordId (REC-3, REC-26).
new_record CN-ZZ 7 "$RID" | sign_as CN-ZZ >"$WORK/reuse.xml"
post_as CN-ZZ "$WORK/reuse.xml" >/dev/null
expect_status 422 "CN-ZZ reusing its own RecordId at another Sequence: 422"
expect_problem field-invalid "field-invalid"
grep -q 'Header/RecordId' "$WORK/body" && ok "naming Header/RecordId" || not_ok "problem: $(head -c 400 "$WORK/body")"
grep -q 'event=equivocation_alarm' "$WORK/KZ-KGS.log" && not_ok "an equivocation alarm" || ok "still no alarm"

fed_stop_all KZ-KGS
echo "# fed_record_ids ran for $(($(date +%s) - T0)) s"
finish
