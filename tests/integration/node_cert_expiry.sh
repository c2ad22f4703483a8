#!/bin/bash
# node_cert_expiry.sh: certificate expiry as an operator sees it: the
# silkport_certificate_expiry_seconds gauges in /metrics, warnings from
# [trust] expiry_warn_days in /readyz and "silkport status", and a node that
# is not ready once its signing certificate has expired.
. "$(dirname "$0")/lib.sh"

F="$WORK/fed"
M="$F/members/CN-ZZ"
"$SILKPORT" federation init "$F" --federation silk --member CN-ZZ --member CN-XA 2>/dev/null
expect 0 "check-config lists expiry_warn_days" -- "$SILKPORT" check-config --list
grep -q '^expiry_warn_days .*(default: 30)' "$WORK/out" && ok "with its default of 30 days" || not_ok "option list: $(grep expiry "$WORK/out")"

wait_ready() {
	for _ in $(seq 1 150); do
		hcurl "$F" none CN-ZZ /readyz >/dev/null
		[ "$(cat "$WORK/status")" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

# Fresh certificates (825 days; the CA 10 years): ready, no warning.
start_node "$F" CN-ZZ || exit 1
wait_ready 200 && ok "a node with fresh certificates is ready" || not_ok "readyz: $(cat "$WORK/status")"
grep -q warning "$WORK/body" && not_ok "warnings for fresh certificates: $(cat "$WORK/body")" || ok "and /readyz warns of nothing"
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >"$WORK/metrics"
for kind in signing tls operator anchor checkpoint; do
	v=$(sed -n "s/^silkport_certificate_expiry_seconds{kind=\"$kind\",subject=\"[^\"]*\"} //p" "$WORK/metrics" | head -1)
	# the checkpoint key's is the list's NextUpdate: a week (SPEC TL-64)
	least=$((300 * 86400))
	[ "$kind" = checkpoint ] && least=$((6 * 86400))
	[ -n "$v" ] && [ "$v" -gt "$least" ] && ok "metric kind=$kind: $v s left" || not_ok "metric kind=$kind: '$v'"
done
grep -q '^# TYPE silkport_certificate_expiry_seconds gauge$' "$WORK/metrics" && ok "declared as a gauge" || not_ok "no TYPE line"
grep -q 'kind="signing",subject="CN-ZZ record signing"' "$WORK/metrics" && ok "labelled with the certificate's subject" || not_ok "subject label: $(grep expiry_seconds "$WORK/metrics" | head -2)"
v=$(sed -n 's/^silkport_certificate_expiry_seconds{kind="signing",[^}]*} //p' "$WORK/metrics")
want=$(( $(date -d "$(openssl x509 -in "$M/sign-cert.pem" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s) ))
[ $((v - want)) -le 60 ] && [ $((want - v)) -le 60 ] && ok "the signing value is the certificate's notAfter minus now" || not_ok "signing: $v, openssl says $want"
stop_node CN-ZZ

# Warn from expiry_warn_days: with the longest window, 3650 days, every
# certificate is "near". The CA's ten years end 3650 days after it was made,
# to the second, so it is inside the window only once a second has passed.
sed -i 's/^clock_skew = 300$/clock_skew = 300\nexpiry_warn_days = 3650/' "$M/node.ini"
sleep 1
start_node "$F" CN-ZZ || exit 1
wait_ready 200 && ok "still ready inside the warning window" || not_ok "readyz: $(cat "$WORK/status") $(cat "$WORK/body")"
for kind in signing tls operator anchor; do
	grep -q "^warning: the $kind certificate (.*) expires in [0-9]* days" "$WORK/body" && ok "/readyz warns about the $kind certificate" ||
		not_ok "no $kind warning: $(cat "$WORK/body")"
done
# A list is short-lived (SPEC TL-64): its NextUpdate warns from TL-20's
# threshold (a quarter of its window), not from expiry_warn_days.
grep -q '^warning: the trust list that vouches for the checkpoint key' "$WORK/body" &&
	not_ok "a week-long list warns: $(cat "$WORK/body")" || ok "but not about a fresh week-long list carrying the checkpoint key"
grep -q 'event=certificate_expiring.*kind=signing' "$WORK/CN-ZZ.log" && ok "the start is logged with certificate_expiring" || not_ok "no certificate_expiring log line"
expect 0 "silkport status" -- "$SILKPORT" status --config "$M/node.ini"
grep -Eq '^  WARNING +the tls certificate' "$WORK/out" && ok "status shows the warnings" || not_ok "status: $(cat "$WORK/out")"
grep -Eq '^  certificate +signing +[0-9]+ days WARN  CN-ZZ record signing' "$WORK/out" && ok "and each certificate with its days left" || not_ok "status: $(cat "$WORK/out")"
stop_node CN-ZZ

# An expired signing certificate (same key, reissued ending yesterday): the
# node runs but is not ready, and says why.
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >"$WORK/sign.ext"
openssl pkey -in "$M/sign-key.pem" -pubout -out "$WORK/sign.pub"
if openssl x509 -new -force_pubkey "$WORK/sign.pub" -subj "/CN=CN-ZZ record signing" -CA "$F/operator/cert.pem" \
	-CAkey "$F/operator/key.pem" -days -1 -extfile "$WORK/sign.ext" -out "$WORK/expired.pem" 2>"$WORK/openssl.err"; then
	cp "$WORK/expired.pem" "$M/sign-cert.pem"
	ok "reissued the signing certificate, expired yesterday"
else
	not_ok "openssl: $(cat "$WORK/openssl.err")"
fi
sed -i 's/^expiry_warn_days = 3650$/expiry_warn_days = 30/' "$M/node.ini"
start_node "$F" CN-ZZ || exit 1
wait_ready 503 && ok "an expired signing certificate: /readyz 503" || not_ok "readyz: $(cat "$WORK/status") $(cat "$WORK/body")"
expect_problem unavailable "as the problem unavailable"
grep -q 'the signing certificate (CN-ZZ record signing) has expired' "$WORK/body" && ok "naming the certificate" || not_ok "detail: $(cat "$WORK/body")"
grep -q 'event=certificate_expired.*kind=signing' "$WORK/CN-ZZ.log" && ok "logged at start as certificate_expired" || not_ok "no certificate_expired log line"
hcurl "$F" op:CN-ZZ CN-ZZ /metrics >"$WORK/metrics"
v=$(sed -n 's/^silkport_certificate_expiry_seconds{kind="signing",[^}]*} //p' "$WORK/metrics")
[ -n "$v" ] && [ "$v" -lt 0 ] && ok "its gauge is negative ($v)" || not_ok "signing gauge: '$v'"
expect 0 "silkport status" -- "$SILKPORT" status --config "$M/node.ini"
grep -Eq '^  ready +NO: the signing certificate .* has expired' "$WORK/out" && grep -Eq 'certificate +signing +-?[0-9]+ days EXPIRED' "$WORK/out" &&
	ok "status: not ready, why, and the certificate EXPIRED" || not_ok "status: $(cat "$WORK/out")"
stop_node CN-ZZ
grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/CN-ZZ.log" && not_ok "sanitizer report" || ok "no sanitizer report"
finish
