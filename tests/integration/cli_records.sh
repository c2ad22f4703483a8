#!/bin/bash
# cli_records.sh: federation init, record new/sign/verify for every type, tampering,
# trust-list verify/show/update, exit statuses of the silkport CLI.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
expect 0 "federation init" -- "$SILKPORT" federation init "$F" --federation silk-alliance \
	--member CN-ZZ --member CN-HN:zone --member KZ-KGS:port-authority --member AUDIT-1:auditor --base-port 7600
for f in operator/key.pem operator/cert.pem trust-list.xml; do
	[ -s "$F/$f" ] && ok "wrote $f" || not_ok "missing $f"
done
for m in CN-ZZ CN-HN KZ-KGS AUDIT-1; do
	for f in sign-key.pem sign-cert.pem tls-key.pem tls-cert.pem operator-key.pem operator-cert.pem log-key.pem; do
		[ -s "$F/members/$m/$f" ] || not_ok "missing members/$m/$f"
	done
done
ok "every member has its seven key and certificate files"
[ "$(stat -c %a "$F/members/CN-ZZ/sign-key.pem")" = 600 ] && ok "private keys are mode 0600" || not_ok "key mode"
openssl x509 -in "$F/members/CN-ZZ/tls-cert.pem" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1" \
	&& ok "TLS certificate names 127.0.0.1" || not_ok "TLS SAN"
expect 1 "init refuses an existing federation" -- "$SILKPORT" federation init "$F" --federation x --member A
expect_err "exists" "and says why"

TL="$F/trust-list.xml"; ANCHOR="$F/operator/cert.pem"
expect 0 "trust-list verify" -- "$SILKPORT" trust-list verify --anchor "$ANCHOR" "$TL"
grep -q "^ok silk-alliance 1 members=4 " "$WORK/out" && ok "trust-list verify prints the summary" || not_ok "summary: $(cat "$WORK/out")"
expect 0 "trust-list show" -- "$SILKPORT" trust-list show --anchor "$ANCHOR" "$TL"
grep -q "KZ-KGS.*role=port-authority status=active" "$WORK/out" && ok "show lists roles" || not_ok "show output"

# One record of every type, signed by CN-ZZ, verified.
seq=0
for body in "$SP_DATA_DIR"/bodies/*.xml; do
	type=$(basename "$body" .xml)
	"$SILKPORT" record new --origin CN-ZZ --sequence $seq --type "$type" --recipient CN-HN \
		--subject USCC=91410100MA44XXXX0A --subject declaration=460120261000000$seq \
		--body "$body" >"$WORK/u.xml" 2>"$WORK/err" || { not_ok "record new $type"; cat "$WORK/err" >&2; continue; }
	"$SILKPORT" record sign --key "$F/members/CN-ZZ/sign-key.pem" --cert "$F/members/CN-ZZ/sign-cert.pem" \
		<"$WORK/u.xml" >"$WORK/s-$type.xml" 2>"$WORK/err" || { not_ok "record sign $type"; cat "$WORK/err" >&2; continue; }
	want="ok CN-ZZ $seq $type $(sha256sum <"$WORK/s-$type.xml" | cut -d' ' -f1)"
	got=$("$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" "$WORK/s-$type.xml" 2>&1) || true
	[ "$got" = "$want" ] && ok "verify $type" || not_ok "verify $type: $got"
	seq=$((seq + 1))
done
[ $seq -ge 22 ] && ok "all $seq registry types signed and verified" || not_ok "only $seq types"

S="$WORK/s-declaration.xml"
sed 's/<Origin>CN-ZZ</<Origin>CN-HN</' "$S" >"$WORK/t1.xml"
expect 1 "origin changed to another member is refused" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" "$WORK/t1.xml"
expect_err "^rejected signature-invalid: " "as signature-invalid"
sed 's/<Origin>CN-ZZ</<Origin>XX-NONE</' "$S" >"$WORK/t2.xml"
expect 1 "origin changed to a non-member is refused" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" "$WORK/t2.xml"
expect_err "^rejected unknown-origin: " "as unknown-origin"
printf '<!DOCTYPE r [<!ENTITY a "b">]>' | cat - "$S" >"$WORK/t3.xml"
expect 1 "a DOCTYPE is refused" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" "$WORK/t3.xml"
expect_err "^rejected (doctype-forbidden|not-well-formed): " "before any signature work"
expect 1 "verify reads standard input" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" <"$WORK/t1.xml"
expect 0 "verify as of an earlier time" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" --at "$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)" "$S"
expect 1 "a record checked before it was issued is refused" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" --at "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" "$S"
expect 2 "verify without --trust-list is a usage error" -- "$SILKPORT" record verify --anchor "$ANCHOR" "$S"
expect 2 "record new without a recipient is a usage error" -- "$SILKPORT" record new --origin CN-ZZ --sequence 1 --type order --body "$SP_DATA_DIR/bodies/order.xml"
expect 2 "record new with an unknown type is a usage error" -- "$SILKPORT" record new --origin CN-ZZ --sequence 1 --type bogus --broadcast --body "$SP_DATA_DIR/bodies/order.xml"
expect 1 "record new with a body of another type is refused" -- "$SILKPORT" record new --origin CN-ZZ --sequence 1 --type order --broadcast --body "$SP_DATA_DIR/bodies/payment.xml"
expect_err "type-mismatch" "as type-mismatch"
expect 0 "every command has --help" -- "$SILKPORT" record verify --help
expect 2 "an unknown command is a usage error" -- "$SILKPORT" frobnicate
# silkport --help lists every command, and each one it lists answers --help.
expect 0 "silkport --help" -- "$SILKPORT" --help
cp "$WORK/out" "$WORK/help.txt"
missing=""
for cmd in "federation init" "record new" "record sign" "record verify" "trust-list sign" "trust-list verify" \
	"trust-list show" "trust-list update" run submit status peers "log verify" "log consistency" check-config \
	"member init" "member install" "member renew" "trust-list add-member" "trust-list remove-member" \
	"trust-list renew-member"; do
	case "$cmd" in
	trust-list\ *-member) listed="trust-list add-member|remove-member|renew-member" ;;
	trust-list\ *) listed="trust-list sign|verify|show|update" ;;
	member\ *) listed="member init|install|renew" ;;
	*) listed=$cmd ;;
	esac
	grep -q "^  $listed\( \|$\)" "$WORK/help.txt" || missing="$missing '$cmd' (not listed)"
	# shellcheck disable=SC2086
	"$SILKPORT" $cmd --help >/dev/null 2>&1 || missing="$missing '$cmd' (no --help)"
done
[ -z "$missing" ] && ok "silkport --help lists all 21 commands and each answers --help" \
	|| not_ok "silkport --help:$missing"
grep -q -- "--version" "$WORK/help.txt" && ok "and names --version" || not_ok "--help does not name --version"
spec=$(sed -n 's/^#define SP_SPEC_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$(dirname "$0")/../../protocol/protocol.h")
expect 0 "silkport --version" -- "$SILKPORT" --version
grep -Eqx "silkport [0-9]+\.[0-9]+\.[0-9]+ \(SREP $spec\)" "$WORK/out" && [ -n "$spec" ] \
	&& ok "--version prints the version and SREP $spec" || not_ok "--version printed: $(cat "$WORK/out")"

# An attachment travels base64 with its digest.
printf '<CEB621Message>sample</CEB621Message>' >"$WORK/ceb.xml"
expect 0 "record new with an attachment" -- "$SILKPORT" record new --origin CN-ZZ --sequence 99 --type declaration --broadcast \
	--body "$SP_DATA_DIR/bodies/declaration.xml" --attach "application/xml:CEB621Message:$WORK/ceb.xml"
grep -q "sha256=\"$(sha256sum <"$WORK/ceb.xml" | cut -d' ' -f1)\"" "$WORK/out" && ok "attachment digest is the file's" || not_ok "attachment digest"

# Revocation through a trust-list update.
expect 0 "trust-list update revokes CN-ZZ" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" --cert "$ANCHOR" --status CN-ZZ=revoked "$TL"
cp "$WORK/out" "$WORK/tl2.xml"
expect 0 "the updated list verifies" -- "$SILKPORT" trust-list verify --anchor "$ANCHOR" "$WORK/tl2.xml"
grep -q "^ok silk-alliance 2 " "$WORK/out" && ok "with sequence 2" || not_ok "sequence 2: $(cat "$WORK/out")"
expect 1 "a record of a revoked member is refused" -- "$SILKPORT" record verify --trust-list "$WORK/tl2.xml" --anchor "$ANCHOR" "$S"
expect_err "^rejected signer-revoked: " "as signer-revoked"
expect 0 "trust-list update suspends CN-HN" -- "$SILKPORT" trust-list update --key "$F/operator/key.pem" --cert "$ANCHOR" --status CN-HN=suspended "$TL"
cp "$WORK/out" "$WORK/tl3.xml"
"$SILKPORT" record new --origin CN-HN --sequence 0 --type release --broadcast --body "$SP_DATA_DIR/bodies/release.xml" 2>/dev/null |
	"$SILKPORT" record sign --key "$F/members/CN-HN/sign-key.pem" --cert "$F/members/CN-HN/sign-cert.pem" >"$WORK/hn.xml"
expect 0 "CN-HN's record verifies while active" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" "$WORK/hn.xml"
expect 1 "and is refused while suspended" -- "$SILKPORT" record verify --trust-list "$WORK/tl3.xml" --anchor "$ANCHOR" "$WORK/hn.xml"
expect_err "^rejected signer-suspended: " "as signer-suspended"
sed '0,/<Status>active</s//<Status>suspended</' "$TL" >"$WORK/tl-bad.xml"
cmp -s "$TL" "$WORK/tl-bad.xml" && not_ok "the tampering changed nothing"
expect 1 "a tampered trust list is refused" -- "$SILKPORT" trust-list verify --anchor "$ANCHOR" "$WORK/tl-bad.xml"

# A foreign federation's operator is not an anchor for this one.
expect 0 "a second federation" -- "$SILKPORT" federation init "$WORK/other" --federation silk-ports --member KZ-KGS:port-authority --rsa
expect 1 "its anchor does not verify this list" -- "$SILKPORT" trust-list verify --anchor "$WORK/other/operator/cert.pem" "$TL"
expect_err "untrusted-anchor|signature-invalid" "as an untrusted anchor"
"$SILKPORT" record new --origin KZ-KGS --sequence 0 --type transfer --recipient CN-ZZ --body "$SP_DATA_DIR/bodies/transfer.xml" 2>/dev/null |
	"$SILKPORT" record sign --key "$WORK/other/members/KZ-KGS/sign-key.pem" --cert "$WORK/other/members/KZ-KGS/sign-cert.pem" >"$WORK/kz.xml"
expect 0 "RSA-2048 records verify" -- "$SILKPORT" record verify --trust-list "$WORK/other/trust-list.xml" --anchor "$WORK/other/operator/cert.pem" "$WORK/kz.xml"
expect 1 "but not against another federation's list" -- "$SILKPORT" record verify --trust-list "$TL" --anchor "$ANCHOR" "$WORK/kz.xml"

finish
