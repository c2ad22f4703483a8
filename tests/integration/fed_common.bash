# fed_common.bash: helpers for the multi-node federation tests (sourced after
# lib.sh). Nodes keep the ports of "federation init --base-port", since the
# trust list's Endpoint URLs carry them.

# fed_init DIR MEMBER...: a federation "silk" on a free random port range,
# with short retry and pull periods; sets FED_BASE. FED_INIT_ARGS, when set,
# goes to federation init too (e.g. --list-alg sm2, --may-originate ID=TYPE,...).
fed_init() {
	dir=$1; shift
	n=$#
	for _ in $(seq 1 20); do
		# below the usual ephemeral range (32768-60999) that outgoing
		# connections take their ports from
		FED_BASE=$((12000 + RANDOM % 20000))
		busy=0
		for i in $(seq 0 $((n - 1))); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$((FED_BASE + i))") 2>/dev/null; then busy=1; fi
		done
		[ $busy = 0 ] && break
	done
	args=""
	for m in "$@"; do args="$args --member $m"; done
	# shellcheck disable=SC2086
	"$SILKPORT" federation init "$dir" --federation silk $args ${FED_INIT_ARGS:-} --base-port "$FED_BASE" 2>/dev/null
	for m in "$@"; do
		m=${m%%:*}
		printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$dir/members/$m/node.ini"
	done
}

# fed_up DIR MEMBER...: fed_init, then start every node; when a port turns
# out to be taken, start over on another range.
fed_up() {
	dir=$1; shift
	for _ in 1 2 3 4 5; do
		fed_init "$dir" "$@"
		up=""
		for m in "$@"; do
			m=${m%%:*}
			if fstart "$dir" "$m" 2>"$WORK/fstart.err"; then up="$up $m"; continue; fi
			if grep -q 'Address already in use' "$WORK/fstart.err"; then
				# shellcheck disable=SC2086
				for u in $up; do stop_node "$u"; done
				for u in "$@"; do rm -f "$WORK/${u%%:*}.log"; done
				rm -rf "$dir"
				up=retry
				break
			fi
			cat "$WORK/fstart.err" >&2
			return 1
		done
		[ "$up" = retry ] || return 0
	done
	echo "# no free port range found" >&2
	return 1
}

# fstart DIR MEMBER: run MEMBER's node on its configured port (appending to
# its log); sets PORT_<MEMBER> and PID_<MEMBER>.
fstart() {
	dir=$1; m=$2; var=$(echo "$m" | tr -- '-.' '__')
	ini="$dir/members/$m/node.ini"
	store_ini "$ini" || return 1
	log="$WORK/$m.log"
	touch "$log"
	mark=$(wc -l <"$log")
	"$SILKPORT" run --config "$ini" 2>>"$log" &
	eval "PID_$var=$!"
	track $!
	for _ in $(seq 1 200); do
		if tail -n +"$((mark + 1))" "$log" | grep -Eq 'event=started |"event":"started"'; then
			eval "PORT_$var=$(sed -n 's/^port = //p' "$ini")"
			return 0
		fi
		if ! kill -0 "$(eval echo \$PID_$var)" 2>/dev/null; then
			echo "# node $m exited:" >&2; tail -n 20 "$log" | sed 's/^/#   /' >&2
			return 1
		fi
		sleep 0.05
	done
	echo "# node $m did not start" >&2
	return 1
}

# fsubmit DIR MEMBER TYPE RECIPIENTS...: submit through MEMBER's operator
# endpoint; prints "RECORD-ID SEQUENCE SHA256".
fsubmit() {
	dir=$1; m=$2; type=$3; shift 3
	if [ "$1" = broadcast ]; then to="--broadcast"; else to=""; for r in "$@"; do to="$to --recipient $r"; done; fi
	# shellcheck disable=SC2086
	"$SILKPORT" submit --config "$dir/members/$m/node.ini" --type "$type" $to \
		--body "$SP_DATA_DIR/bodies/$type.xml"
}

# held DIR AT ORIGIN: the sequences of ORIGIN's records held by AT, one per
# line, in order (operator view, all pages).
held() {
	dir=$1; at=$2; origin=$3
	start=0
	while :; do
		hcurl "$dir" "op:$at" "$at" "/v1/logs/$origin/entries?start=$start&count=1000" >"$WORK/entries"
		[ -s "$WORK/entries" ] || break
		grep -a -E '^[0-9]+ [0-9]+$' "$WORK/entries" | cut -d' ' -f1
		next=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^x-silkport-next-start: //Ip')
		[ -n "$next" ] || break
		start=$next
	done
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_for() {
	limit=$1; shift
	end=$(($(date +%s) + limit))
	while [ "$(date +%s)" -le "$end" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.2
	done
	return 1
}

# held_count_is DIR AT ORIGIN N: AT holds exactly N records of ORIGIN, each once.
held_count_is() {
	got=$(held "$1" "$2" "$3" | sort | uniq | wc -l)
	all=$(held "$1" "$2" "$3" | wc -l)
	[ "$got" = "$4" ] && [ "$all" = "$4" ]
}

# metric DIR AT LINE-REGEX: AT's /metrics has a line matching.
has_metric() {
	hcurl "$1" "op:$2" "$2" /metrics >"$WORK/metrics.$2"
	grep -Eq "$3" "$WORK/metrics.$2"
}

# fed_stop_all MEMBER...: stop the nodes (TERM) and check that each shut down
# cleanly, with no sanitizer report in its log.
fed_stop_all() {
	for m in "$@"; do stop_node "$m"; done
	for m in "$@"; do
		if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/$m.log"; then
			not_ok "$m: sanitizer report"; grep -E -A12 'AddressSanitizer|LeakSanitizer|runtime error:' "$WORK/$m.log" | head -40 | sed 's/^/#   /' >&2
		else
			ok "$m stopped cleanly"
		fi
	done
}

# fed_gateway_init A B: two federations on loopback joined by a gateway, as
# SPEC 13.5 describes: the alliance (CN-ZZ, GW) in A on ports P, P+1 and
# the port group (GW, KZ-KGS) in B on P+10, P+11. GW is a member of both
# (the alliance's signing certificate and LogKey, a TLS identity of the
# port group's own); CN-ZZ follows the port group's list and KZ-KGS the
# alliance's. Nobody is authorized to relay yet (no RelaysTo). Sets P;
# "federation init"'s output for B is in $WORK/init-b.err.
fed_gateway_init() {
	A=$1; B=$2
	for _ in $(seq 1 20); do
		P=$((12000 + RANDOM % 20000))
		busy=0
		for p in $P $((P + 1)) $((P + 10)) $((P + 11)); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy=1; fi
		done
		[ $busy = 0 ] && break
	done
	"$SILKPORT" federation init "$A" --federation alliance --member CN-ZZ --member GW --base-port "$P" 2>/dev/null
	"$SILKPORT" federation init "$B" --federation ports --member GW --member KZ-KGS:port-authority \
		--existing GW="$A/members/GW" --base-port $((P + 10)) 2>"$WORK/init-b.err"
	for ini in "$A/members/CN-ZZ/node.ini" "$A/members/GW/node.ini" "$B/members/KZ-KGS/node.ini"; do
		printf '\n[peers]\npull_interval = 2\nretry_min = 1\nretry_max = 2\n' >>"$ini"
	done
	printf '\n[relay]\nfederation = ports\ntrust_list = %s\nanchor = %s\n' "$B/trust-list.xml" "$B/operator/cert.pem" \
		>>"$A/members/CN-ZZ/node.ini"
	printf '\n[relay]\nfederation = alliance\ntrust_list = %s\nanchor = %s\n' "$A/trust-list.xml" "$A/operator/cert.pem" \
		>>"$B/members/KZ-KGS/node.ini"
	# the lines "federation init --existing" prints for the gateway's node.ini
	{ echo; sed -n '/^    \[relay\]$/,/^    tls_key = /p' "$WORK/init-b.err" | sed 's/^    //'; } >>"$A/members/GW/node.ini"
}
