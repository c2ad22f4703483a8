# join_common.bash: helpers for the tests of joining and renewal (SPEC 7.8),
# sourced after lib.sh and fed_common.bash. The operator works in OP, the
# members in F/members/ID (the layout fed_common.bash's helpers expect);
# F/operator/cert.pem is a copy of the anchor, for hcurl.

# free_base N: a random port range of N free ports; sets BASE.
free_base() {
	for _ in $(seq 1 20); do
		BASE=$((12000 + RANDOM % 20000))
		busy=0
		for i in $(seq 0 $(($1 - 1))); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$((BASE + i))") 2>/dev/null; then busy=1; fi
		done
		[ $busy = 0 ] && return 0
	done
}

# join_init OP F ID[:ROLE[:ALG]]...: the operator's federation "silk"
# without members, each member's member init, the operator's add-member from
# the request alone, each member's install. OP/trust-list.xml is the result.
# With JOIN_LIST_ALG=sm2 the operator signs its lists with an SM2 key beside
# its CA (federation init --list-alg sm2); JOIN_ANCHOR is then the file of
# both anchors, and F/operator/cert.pem a copy of it.
join_init() {
	op=$1; f=$2; shift 2
	free_base $#
	# shellcheck disable=SC2086
	"$SILKPORT" federation init "$op" --federation silk ${JOIN_LIST_ALG:+--list-alg $JOIN_LIST_ALG} 2>/dev/null || return 1
	signer="--key $op/operator/key.pem --cert $op/operator/cert.pem"
	JOIN_ANCHOR="$op/operator/cert.pem"
	if [ -n "${JOIN_LIST_ALG:-}" ]; then
		signer="--key $op/operator/list-key.pem --cert $op/operator/list-cert.pem"
		signer="$signer --ca-key $op/operator/key.pem --ca-cert $op/operator/cert.pem"
		JOIN_ANCHOR="$op/operator/anchors.pem"
	fi
	mkdir -p "$op/received" "$f/operator"
	cp "$JOIN_ANCHOR" "$f/operator/cert.pem"
	i=0
	for mr in "$@"; do
		m=${mr%%:*}; role=zone; alg=p256
		[ "$m" != "$mr" ] && role=${mr#*:}
		case $role in *:*) alg=${role#*:}; role=${role%%:*} ;; esac
		"$SILKPORT" member init "$f/members/$m" --federation silk --member "$m" --role "$role" \
			--alg "$alg" --host 127.0.0.1 --port $((BASE + i)) 2>/dev/null || return 1
		cp "$f/members/$m/join-request.xml" "$op/received/$m-join-request.xml"
		# shellcheck disable=SC2086
		"$SILKPORT" trust-list add-member $signer \
			--request "$op/received/$m-join-request.xml" --issued-dir "$op/issued/$m" \
			"$op/trust-list.xml" >"$op/next.xml" 2>/dev/null || return 1
		mv "$op/next.xml" "$op/trust-list.xml"
		i=$((i + 1))
	done
	for mr in "$@"; do
		m=${mr%%:*}
		"$SILKPORT" member install "$f/members/$m" --issued "$op/issued/$m" \
			--trust-list "$op/trust-list.xml" --anchor "$JOIN_ANCHOR" 2>/dev/null || return 1
		printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$f/members/$m/node.ini"
	done
}

# resign FILE KEY: FILE without its signature, signed again by KEY (a
# throwaway self-signed certificate pairs it for the signing command; a
# request carries no certificate). Prints the result.
resign() {
	python3 -c 'import re,sys; d=open(sys.argv[1]).read(); sys.stdout.write(re.sub(r"<ds:Signature\b.*</ds:Signature>", "", d, flags=re.S))' "$1" >"$WORK/unsigned.xml"
	openssl req -x509 -new -key "$2" -subj /CN=throwaway -days 1 -out "$WORK/throwaway.pem" 2>/dev/null
	"$SILKPORT" trust-list sign --key "$2" --cert "$WORK/throwaway.pem" "$WORK/unsigned.xml"
}
