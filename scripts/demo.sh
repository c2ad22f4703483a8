#!/bin/sh
# demo.sh: install what is missing, build silkport, and run the signing demo:
# create a federation, sign and verify one record of every type, and show a
# tampered record refused.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
BUILD=${SP_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSP_TESTING=OFF >"$BUILD.configure.log" 2>&1 ||
	{ cat "$BUILD.configure.log"; exit 1; }
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target silkport
SP="$BUILD/node/silkport"
DEMO=${SP_DEMO_DIR:-demo}
rm -rf "$DEMO"
mkdir -p "$DEMO/records"

echo
echo "== 1. A federation: the operator CA, three members, a signed trust list"
"$SP" federation init "$DEMO/fed" --federation silk-alliance \
	--member CN-ZZ:zone --member CN-XA:zone --member KZ-KGS:port-authority --member AUDIT-1:auditor
"$SP" trust-list verify --anchor "$DEMO/fed/operator/cert.pem" "$DEMO/fed/trust-list.xml"

echo
echo "== 2. Zhengzhou (CN-ZZ) signs one record of every type; each is verified"
seq=0
for body in tests/data/bodies/*.xml; do
	type=$(basename "$body" .xml)
	"$SP" record new --origin CN-ZZ --sequence $seq --type "$type" --recipient CN-XA --recipient KZ-KGS \
		--subject USCC=91410100MA44XXXX0A --body "$body" |
		"$SP" record sign --key "$DEMO/fed/members/CN-ZZ/sign-key.pem" \
			--cert "$DEMO/fed/members/CN-ZZ/sign-cert.pem" >"$DEMO/records/$seq-$type.xml"
	"$SP" record verify --trust-list "$DEMO/fed/trust-list.xml" --anchor "$DEMO/fed/operator/cert.pem" \
		"$DEMO/records/$seq-$type.xml"
	seq=$((seq + 1))
done

echo
echo "== 3. A tampered copy (Sequence changed after signing) is refused"
decl=$(ls "$DEMO"/records/*-declaration.xml)
sed 's|<Sequence>\([0-9]*\)</Sequence>|<Sequence>\199</Sequence>|' "$decl" >"$DEMO/records/tampered.xml"
if "$SP" record verify --trust-list "$DEMO/fed/trust-list.xml" --anchor "$DEMO/fed/operator/cert.pem" \
	"$DEMO/records/tampered.xml"; then
	echo "demo: the tampered record was accepted" >&2
	exit 1
fi

echo
echo "Done. Records are in $DEMO/records/. Try:"
echo "  $SP trust-list show --anchor $DEMO/fed/operator/cert.pem $DEMO/fed/trust-list.xml"
echo "  $SP record verify --trust-list $DEMO/fed/trust-list.xml --anchor $DEMO/fed/operator/cert.pem $decl"
