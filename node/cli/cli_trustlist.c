/* cli_trustlist.c: "silkport trust-list sign|verify|show|update" (and the
 * dispatch of add-member, remove-member, renew-member). */
#include "cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_STATUS_CHANGES 64

const char sp_cli__tl_usage[] =
    "usage: silkport trust-list sign --key KEY.pem --cert CERT.pem [FILE]\n"
    "       silkport trust-list verify --anchor CERT.pem [--at TIME] [FILE]\n"
    "       silkport trust-list show [--anchor CERT.pem] [FILE]\n"
    "       silkport trust-list update --key KEY.pem --cert CERT.pem\n"
    "           [--status MEMBER=active|suspended|revoked ...]\n"
    "           [--relays-to MEMBER=FEDERATION ...] [--valid-days N]\n"
    "           [--may-originate MEMBER=[TYPE[,TYPE...]] ...]\n"
    "           [--timestamp-cert CERT.pem] [--staleness-bound SECONDS]\n"
    "           [--max-validity SECONDS]\n"
    "           [--witness MEMBER ... --quorum K] [--merge-delay SECONDS]\n"
    "           [--next-tls-cert MEMBER=[CERT.pem] ...]\n"
    "           [--next-tls-csr MEMBER=CSR ...]\n"
    "           [--next-log-key MEMBER=[VKEY] ...] [--promote MEMBER ...]\n"
    "           [--operator-cert CERT.pem ... --threshold T] [FILE]\n"
    "       silkport trust-list timestamp --key TS-KEY.pem --cert "
    "TS-CERT.pem\n"
    "           [--valid-seconds N] [--output FILE] [LIST]\n"
    "sign    signs a TrustList with the federation operator's key; a list\n"
    "        that is signed already gets one more signature beside the\n"
    "        others (each operator of a threshold signs on its own machine)\n"
    "verify  checks the operator's signature and validity window; prints\n"
    "        'ok FEDERATION SEQUENCE members=N next-update=TIME'\n"
    "show    prints the members, verified first when --anchor is given\n"
    "update  prints a new list: sequence + 1, issued now, statuses changed,\n"
    "        signed with the operator key (FILE is the current list);\n"
    "        --relays-to adds FEDERATION to MEMBER's RelaysTo (the member may\n"
    "        relay records to it as a gateway); MEMBER= clears its RelaysTo;\n"
    "        --may-originate sets the record types MEMBER may originate\n"
    "        (MayOriginate); MEMBER= returns it to its role's defaults;\n"
    "        --timestamp-cert names the online key of the federation's\n"
    "        freshness statements, --staleness-bound how old the newest may\n"
    "        be before nodes take the list as stale (3600), --max-validity\n"
    "        the cap on NextUpdate - Issued (604800, 7 days);\n"
    "        --witness (repeated) names the federation's witnesses and\n"
    "        --quorum the cosignatures of them a checkpoint needs (--quorum 0\n"
    "        lists none); --merge-delay is how long a record may wait for\n"
    "        inclusion in a witnessed checkpoint (default 10 seconds);\n"
    "        key overlap (SPEC 14.30): --next-tls-cert lists CERT.pem as\n"
    "        MEMBER's NextTlsCertificate; --next-tls-csr issues it from the\n"
    "        member's CSR ('member renew --next-tls') with --key/--cert into\n"
    "        CSR's name with -cert.pem; --next-log-key VKEY (printed by\n"
    "        'member renew --next-log-key') as its NextLogKey; MEMBER=\n"
    "        clears it; --promote makes MEMBER's next certificate and key\n"
    "        its current ones and drops the old (after the member switched)\n"
    "        --operator-cert (repeated) names the operator keys of the next\n"
    "        lists and --threshold how many of them must sign one; a list\n"
    "        that changes them needs the old and the new threshold of\n"
    "        signatures (add each with trust-list sign); the new list\n"
    "        names FILE's SHA-256 as its PreviousList\n"
    "timestamp  prints (or writes to --output in one step) a statement by\n"
    "        the list's timestamp key that LIST is current, valid N seconds\n"
    "        (at most the list's staleness bound); run it every few "
    "minutes\n"
    "        and publish it beside the list\n"
    "FILE defaults to standard input.\n"
    "       silkport trust-list reset --config NODE.ini [LIST]\n"
    "reset   recovery after the operator threshold was compromised, on one\n"
    "        node, stopped: LIST (default: the configured trust_list),\n"
    "        verified with the configured anchors (install the new anchors\n"
    "        first), replaces the stored list whatever its sequence; logged\n"
    "        at error level as trust_list_reset\n"
    "       silkport trust-list add-member --key KEY.pem --cert CERT.pem\n"
    "           --request JOIN-REQUEST.xml --issued-dir OUT [--valid-days N]\n"
    "           [--ca-key KEY.pem --ca-cert CERT.pem]\n"
    "           [--may-originate TYPE[,TYPE...]] LIST\n"
    "       silkport trust-list remove-member --key KEY.pem --cert CERT.pem\n"
    "           --member ID [--invalid-from TIME] LIST\n"
    "       silkport trust-list renew-member --key KEY.pem --cert CERT.pem\n"
    "           --request RENEWAL-REQUEST.xml --issued-dir OUT [--valid-days "
    "N]\n"
    "           [--ca-key KEY.pem --ca-cert CERT.pem] LIST\n"
    "add-member     checks a member's signed join request (signature, proof "
    "of\n"
    "               possession of each key, id not taken, not expired), "
    "issues\n"
    "               its signing and TLS certificates into OUT/ (valid N "
    "days,\n"
    "               825) and prints the new list with the member active;\n"
    "               --may-originate lists the record types it may originate\n"
    "               (default: its role's, SPEC 7.6)\n"
    "remove-member  prints the new list with the member revoked: it has "
    "left\n"
    "               for good, and its NodeId is never given again;\n"
    "               --invalid-from is when its keys became untrusted\n"
    "               (InvalidFrom, default now): its records proven to\n"
    "               exist before then stay valid\n"
    "renew-member   checks a renewal request (signed by the new key and the\n"
    "               listed one), issues the new signing certificate into "
    "OUT/\n"
    "               and lists it beside the old one, which stays valid\n"
    "LIST is the current list, verified with CERT.pem; the new one goes to\n"
    "standard output. --ca-key and --ca-cert name the CA that issues the\n"
    "certificates when it is not the list's signer (an operator that signs\n"
    "lists with SM2 issues from its P-256 or RSA CA: federation init\n"
    "--list-alg sm2).\n";

/* A TrustList gets one more signature (SPEC [TL-71]); any other document
 * the one signature it always got. */
static int sign_list_or_document(const sp_key *key, const uint8_t *doc,
                                 size_t len, uint8_t **out, size_t *outlen,
                                 const char **why)
{
	int rc = sp_trust_list_cosign(key, doc, len, out, outlen, why);

	if (rc == SP_ERR_WRONG_DOCUMENT)
		rc = sp_sign_document(key, doc, len, out, outlen, why);
	return rc;
}

static int cmd_sign(int argc, char **argv)
{
	const char *key = NULL, *cert = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("key", &key, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", &cert, SP_CLI_REQUIRED),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "trust-list sign", sp_cli__tl_usage, "FILE", 0, 1, opts};
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	/* A list that carries signatures gets one more (SPEC [TL-71]) */
	return sp_cli__sign_file("trust-list sign", sign_list_or_document, key,
	                         cert, n_args > 0 ? args[0] : NULL);
}

static void print_time(const char *label, int64_t t)
{
	char buf[SP_TIME_TEXT_MAX];

	if (sp_time_format(t, buf) != SP_OK)
		snprintf(buf, sizeof(buf), "(invalid)");
	printf("%s%s\n", label, buf);
}

/* The record types a member may originate, and whether its entry lists
 * them or its role gives them (SPEC [TL-59], [TL-60]). */
static void print_may_originate(const sp_tl_member *m)
{
	char buf[512];
	sp_type_set set = sp_tl_member_types(m);

	sp_type_set_format(set, buf, sizeof(buf));
	printf("    may-originate %s (%s)\n",
	       set == SP_TYPE_SET_ALL ? "every type"
	       : set != 0             ? buf
	                              : "none",
	       m->may_originate != 0 ? "listed" : "role default");
}

static void show_list(const sp_tl *tl)
{
	size_t i, j;
	char fp[65];

	printf("federation:  %s\n", tl->federation);
	printf("sequence:    %llu\n", (unsigned long long)tl->sequence);
	print_time("issued:      ", tl->issued);
	print_time("next-update: ", tl->next_update);
	printf("operator:    %s\n", tl->operator_name ? tl->operator_name : "");
	printf("max-validity: %llu s\n",
	       (unsigned long long)sp_tl_max_validity(tl));
	if (tl->timestamp_cert_der != NULL) {
		sp_sha256_hex(tl->timestamp_cert_der,
		              tl->timestamp_cert_der_len, fp);
		printf("timestamp-key: sha256:%s\n", fp);
		printf("staleness-bound: %llu s\n",
		       (unsigned long long)sp_tl_staleness_bound(tl));
	} else {
		printf("timestamp-key: none (the list is never stale)\n");
	}
	for (i = 0; i < tl->n_witnesses; i++)
		printf("witness:     %s\n", tl->witnesses[i]);
	printf("quorum:      %u\n", tl->quorum);
	printf("merge-delay: %u%s\n", (unsigned)sp_tl_merge_delay(tl),
	       tl->merge_delay ? "" : " (default)");
	printf("members:     %zu\n", tl->n_members);
	for (i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		printf("\n  %s  %s  role=%s status=%s\n", m->node_id,
		       m->name ? m->name : "", sp_role_name(m->role),
		       sp_status_name(m->status));
		for (j = 0; j < m->n_endpoints; j++)
			printf("    endpoint     %s\n", m->endpoints[j]);
		if (m->tls_cert_der != NULL) {
			sp_sha256_hex(m->tls_cert_der, m->tls_cert_der_len, fp);
			printf("    tls-cert     sha256:%s\n", fp);
		}
		if (m->next_tls_cert_der != NULL) {
			sp_sha256_hex(m->next_tls_cert_der,
			              m->next_tls_cert_der_len, fp);
			printf("    next-tls     sha256:%s\n", fp);
		}
		for (j = 0; j < m->n_signing; j++) {
			char from[SP_TIME_TEXT_MAX], until[SP_TIME_TEXT_MAX];

			sp_sha256_hex(m->signing[j].der, m->signing[j].der_len,
			              fp);
			if (sp_time_format(m->signing[j].valid_from, from) !=
			    SP_OK)
				snprintf(from, sizeof(from), "?");
			if (sp_time_format(m->signing[j].valid_until, until) !=
			    SP_OK)
				snprintf(until, sizeof(until), "?");
			printf("    signing-cert sha256:%s %s .. %s %s\n", fp,
			       from, until,
			       sp_key_alg_name(sp_pki_cert_alg(
			           m->signing[j].der, m->signing[j].der_len)));
		}
		if (m->log_key != NULL)
			printf("    log-key      %s\n", m->log_key);
		if (m->next_log_key != NULL)
			printf("    next-log-key %s\n", m->next_log_key);
		for (j = 0; j < m->n_relays_to; j++)
			printf("    relays-to    %s\n", m->relays_to[j]);
		print_may_originate(m);
		if (m->invalid_from != 0) { /* SPEC [TL-77] */
			char t[SP_TIME_TEXT_MAX];

			if (sp_time_format(m->invalid_from, t) != SP_OK)
				snprintf(t, sizeof(t), "?");
			printf("    invalid-from %s\n", t);
		}
	}
}

/* Parse without verifying: for show (no anchor) and update (operator's own).
 * With `successor`, the list is the base of the next one, which names it as
 * its PreviousList (SPEC [TL-75]). */
static int read_unverified(const char *what, const char *path, int successor,
                           sp_tl **out)
{
	uint8_t *in = NULL;
	size_t len;
	sp_doc *doc = NULL;
	const char *why = NULL;
	int err, rc = -1;

	*out = NULL;
	if (sp_cli__read_input(path, &in, &len) != 0)
		return -1;
	if ((err = sp_doc_parse(in, len, SP_DOC_TRUST_LIST, NULL, &doc,
	                        &why)) != SP_OK ||
	    (err = sp_tl_read(doc, out, &why)) != SP_OK) {
		sp_cli__err("%s: %s: %s: %s", what,
		            path ? path : "(standard input)", sp_strerror(err),
		            why ? why : "");
		goto out;
	}
	if (successor)
		sp_sha256_hex(in, len, (*out)->previous_list);
	rc = 0;
out:
	sp_doc_free(doc);
	free(in);
	return rc;
}

int sp_cli__tl_read_unverified(const char *what, const char *path, sp_tl **out)
{
	return read_unverified(what, path, 0, out);
}

int sp_cli__tl_read_base(const char *what, const char *path, sp_tl **out)
{
	return read_unverified(what, path, 1, out);
}

/* "trust-list show" without --anchor: the list as it says it is. */
static int show_unverified(const char *what, const char *path)
{
	sp_tl *own = NULL;

	if (sp_cli__tl_read_unverified(what, path, &own) != 0)
		return SP_EXIT_FAIL;
	printf("signature:   NOT verified (give --anchor to verify)\n");
	show_list(own);
	sp_tl_free(own);
	return SP_EXIT_OK;
}

/* "trust-list verify": in force as of o->now, or rejected. */
static int print_verified(const sp_trust *t, const sp_verify_opts *o)
{
	const sp_tl *tl = sp_trust_list(t);
	char next[SP_TIME_TEXT_MAX];

	if (sp_trust_expired(t, o->now ? o->now : (int64_t)time(NULL))) {
		fprintf(stderr, "rejected %s: next update was due %s\n",
		        sp_strerror(SP_ERR_TRUST_LIST_EXPIRED),
		        sp_time_format(tl->next_update, next) == SP_OK ? next
		                                                       : "?");
		return SP_EXIT_FAIL;
	}
	if (sp_time_format(tl->next_update, next) != SP_OK)
		return SP_EXIT_FAIL;
	printf("ok %s %llu members=%zu next-update=%s\n", tl->federation,
	       (unsigned long long)tl->sequence, tl->n_members, next);
	return SP_EXIT_OK;
}

static int cmd_verify_or_show(int argc, char **argv, int show)
{
	const char *anchor = NULL, *at = NULL, *skew = NULL, *path;
	const char *what = show ? "trust-list show" : "trust-list verify";
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("anchor", &anchor, show ? 0 : SP_CLI_REQUIRED),
	    SP_CLI_STRING("at", &at, 0),
	    SP_CLI_STRING("skew", &skew, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {what, sp_cli__tl_usage, "FILE", 0, 1, opts};
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t;
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	path = n_args > 0 ? args[0] : NULL;
	if (sp_cli__time_opts(at, skew, &o) != 0)
		return SP_EXIT_USAGE;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if (anchor == NULL)
		return show_unverified(what, path);
	if ((t = sp_cli__open_trust(what, path ? path : "-", anchor, &o,
	                            &anchors)) == NULL)
		return SP_EXIT_FAIL;
	if (show) {
		printf("signature:   verified with anchor %s\n", anchor);
		show_list(sp_trust_list(t));
		rc = SP_EXIT_OK;
	} else {
		rc = print_verified(t, &o);
	}
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	return rc;
}

/* "MEMBER=FEDERATION": add FEDERATION to MEMBER's RelaysTo; "MEMBER=":
 * clear it. SP_ERR_INVALID_ARGUMENT for a malformed value, SP_ERR_NOT_FOUND
 * for an unknown member, SP_ERR_TOO_LARGE past 16, SP_ERR_NOMEM. */
static int set_relays_to(sp_tl *tl, char *arg)
{
	char *eq = strchr(arg, '=');
	sp_tl_member *m = NULL;
	char **a;
	size_t k;

	if (eq == NULL) {
		sp_cli__err("trust-list update: --relays-to wants "
		            "MEMBER=FEDERATION, got '%s'",
		            arg);
		return SP_ERR_INVALID_ARGUMENT;
	}
	*eq = '\0';
	for (k = 0; k < tl->n_members; k++)
		if (strcmp(tl->members[k].node_id, arg) == 0)
			m = &tl->members[k];
	if (m == NULL) {
		sp_cli__err("trust-list update: no member '%s' in the list",
		            arg);
		return SP_ERR_NOT_FOUND;
	}
	if (eq[1] == '\0') {
		for (k = 0; k < m->n_relays_to; k++)
			free(m->relays_to[k]);
		m->n_relays_to = 0;
		return SP_OK;
	}
	if (!sp_federation_id_valid(eq + 1)) {
		sp_cli__err("trust-list update: '%s' is not a federation id",
		            eq + 1);
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (strcmp(eq + 1, tl->federation) == 0) {
		sp_cli__err(
		    "trust-list update: %s is this list's own federation",
		    eq + 1);
		return SP_ERR_INVALID_ARGUMENT;
	}
	for (k = 0; k < m->n_relays_to; k++)
		if (strcmp(m->relays_to[k], eq + 1) == 0)
			return SP_OK;
	if (m->n_relays_to == 16) {
		sp_cli__err(
		    "trust-list update: %s relays to 16 federations already",
		    m->node_id);
		return SP_ERR_TOO_LARGE;
	}
	if ((a = realloc(m->relays_to, (m->n_relays_to + 1) * sizeof(*a))) ==
	    NULL)
		return SP_ERR_NOMEM;
	m->relays_to = a;
	if ((a[m->n_relays_to] = strdup(eq + 1)) == NULL)
		return SP_ERR_NOMEM;
	m->n_relays_to++;
	return SP_OK;
}

/* --may-originate MEMBER=TYPE[,TYPE...] (MayOriginate, SPEC [TL-59]), or
 * MEMBER= for its role's defaults; an exit status, or SP_CLI_GO. */
static int set_may_originate(sp_tl *tl, const sp_cli_list *changes)
{
	for (size_t i = 0; i < changes->n; i++) {
		char *arg = changes->v[i], *eq = strchr(arg, '=');
		sp_tl_member *m = NULL;
		sp_type_set set = 0;
		const char *why = NULL;

		if (eq == NULL) {
			sp_cli__err("trust-list update: --may-originate wants "
			            "MEMBER=TYPE[,TYPE...], got '%s'",
			            arg);
			return SP_EXIT_USAGE;
		}
		*eq = '\0';
		for (size_t k = 0; k < tl->n_members; k++)
			if (strcmp(tl->members[k].node_id, arg) == 0)
				m = &tl->members[k];
		if (m == NULL) {
			sp_cli__err("trust-list update: no member '%s' in the "
			            "list",
			            arg);
			return SP_EXIT_FAIL;
		}
		if (eq[1] != '\0' &&
		    sp_type_set_parse(eq + 1, &set, &why) != SP_OK) {
			sp_cli__err("trust-list update: --may-originate %s: %s",
			            arg, why);
			return SP_EXIT_USAGE;
		}
		m->may_originate = set;
	}
	return SP_CLI_GO;
}

/* --status MEMBER=STATUS, each in turn; an exit status, or SP_CLI_GO. */
static int set_statuses(sp_tl *tl, const sp_cli_list *changes)
{
	for (size_t i = 0; i < changes->n; i++) {
		char *arg = changes->v[i], *eq = strchr(arg, '=');
		sp_tl_member *m = NULL;
		sp_member_status st;

		if (eq == NULL) {
			sp_cli__err("trust-list update: --status wants "
			            "MEMBER=STATUS, got '%s'",
			            arg);
			return SP_EXIT_USAGE;
		}
		*eq = '\0';
		for (size_t k = 0; k < tl->n_members; k++)
			if (strcmp(tl->members[k].node_id, arg) == 0)
				m = &tl->members[k];
		if (m == NULL) {
			sp_cli__err(
			    "trust-list update: no member '%s' in the list",
			    arg);
			return SP_EXIT_FAIL;
		}
		if (sp_status_parse(eq + 1, &st) != SP_OK) {
			sp_cli__err("trust-list update: status '%s' is not "
			            "active, suspended or revoked",
			            eq + 1);
			return SP_EXIT_USAGE;
		}
		if (m->status == SP_STATUS_REVOKED && st != SP_STATUS_REVOKED) {
			sp_cli__err("trust-list update: %s is revoked; "
			            "revocation is permanent",
			            m->node_id);
			return SP_EXIT_FAIL;
		}
		m->status = st;
	}
	return SP_CLI_GO;
}

/* --timestamp-cert, --staleness-bound, --max-validity (SPEC 7.9); an
 * exit status, or SP_CLI_GO. */
static int set_freshness(sp_tl *tl, const char *ts_cert, uint64_t staleness,
                         uint64_t max_validity)
{
	const char *why = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	int err;

	if (ts_cert != NULL) {
		if ((err = sp_pki_cert_der(ts_cert, &der, &len, &why)) !=
		    SP_OK) {
			sp_cli__err("trust-list update: %s: %s: %s", ts_cert,
			            sp_strerror(err), why ? why : "");
			return SP_EXIT_FAIL;
		}
		free(tl->timestamp_cert_der);
		tl->timestamp_cert_der = der;
		tl->timestamp_cert_der_len = len;
	}
	if (staleness > 0)
		tl->staleness_bound = staleness;
	if (max_validity > 0)
		tl->max_validity = max_validity;
	return SP_CLI_GO;
}

/* --operator-cert (repeated) and --threshold of trust-list update (SPEC
 * [TL-71], [TL-72]): the certificates given replace the list's operator
 * keys; --threshold alone changes the threshold. A list that changes
 * either needs the old and the new threshold's signatures (the other
 * operators add theirs with trust-list sign). An exit status or
 * SP_CLI_GO. */
static int set_operators(sp_tl *tl, const sp_cli_list *certs,
                         uint64_t threshold)
{
	sp_tl_operator_cert *oc = NULL;
	const char *why = NULL;
	int err;

	if (certs->n > 0) {
		if ((oc = calloc(certs->n, sizeof(*oc))) == NULL)
			return SP_EXIT_FAIL;
		for (size_t i = 0; i < certs->n; i++)
			if ((err = sp_pki_cert_der(certs->v[i], &oc[i].der,
			                           &oc[i].der_len, &why)) !=
			    SP_OK) {
				sp_cli__err("trust-list update: %s: %s: %s",
				            certs->v[i], sp_strerror(err),
				            why ? why : "");
				while (i > 0)
					free(oc[--i].der);
				free(oc);
				return SP_EXIT_FAIL;
			}
		for (size_t i = 0; i < tl->n_operator_certs; i++)
			free(tl->operator_certs[i].der);
		free(tl->operator_certs);
		tl->operator_certs = oc;
		tl->n_operator_certs = certs->n;
		if (threshold == 0 && tl->threshold == 0)
			threshold = 1;
	}
	if (threshold > 0)
		tl->threshold = (unsigned)threshold;
	return SP_CLI_GO;
}

/* --witness, --quorum, --merge-delay of trust-list update: the witnesses
 * given replace the list's; --quorum 0 lists none. The list's own check
 * (sp_tl_build) says what is wrong with the result. */
static int set_witnessing(sp_tl *tl, const sp_cli_list *witnesses,
                          uint64_t quorum, uint64_t merge_delay)
{
	char **w = NULL;

	if (witnesses->n > 0 || quorum == 0) {
		if (witnesses->n > 0 &&
		    (w = calloc(witnesses->n, sizeof(*w))) == NULL)
			return SP_EXIT_FAIL;
		for (size_t i = 0; i < witnesses->n; i++)
			if ((w[i] = strdup(witnesses->v[i])) == NULL) {
				while (i > 0)
					free(w[--i]);
				free(w);
				return SP_EXIT_FAIL;
			}
		for (size_t i = 0; i < tl->n_witnesses; i++)
			free(tl->witnesses[i]);
		free(tl->witnesses);
		tl->witnesses = w;
		tl->n_witnesses = witnesses->n;
		if (quorum == UINT64_MAX)
			quorum = witnesses->n; /* all of them unless told */
	}
	if (quorum != UINT64_MAX)
		tl->quorum = (unsigned)quorum;
	if (merge_delay > 0)
		tl->merge_delay = (uint32_t)merge_delay;
	return SP_CLI_GO;
}

static sp_tl_member *update_member(sp_tl *tl, const char *opt, char *arg,
                                   char **value)
{
	char *eq = value != NULL ? strchr(arg, '=') : NULL;

	if (value != NULL && eq == NULL) {
		sp_cli__err("trust-list update: %s wants MEMBER=VALUE, got "
		            "'%s'",
		            opt, arg);
		return NULL;
	}
	if (eq != NULL) {
		*eq = '\0';
		*value = eq + 1;
	}
	for (size_t k = 0; k < tl->n_members; k++)
		if (strcmp(tl->members[k].node_id, arg) == 0)
			return &tl->members[k];
	sp_cli__err("trust-list update: %s: no member '%s' in the list", opt,
	            arg);
	return NULL;
}

/* Key overlap (SPEC [TL-79], [LOG-47]): --next-tls-cert MEMBER=CERT.pem,
 * --next-log-key MEMBER=VKEY (MEMBER= clears either), then --promote
 * MEMBER: the next ones become the current ones, the old are dropped.
 * The list's own checks (sp_tl_build, then every node's) judge the
 * result; an exit status, or SP_CLI_GO. */
static int set_key_overlap(sp_tl *tl, const sp_cli_list *tls,
                           const sp_cli_list *csrs, const char *key_path,
                           const char *cert_path, const sp_cli_list *logs,
                           const sp_cli_list *promote)
{
	const char *why = NULL;
	sp_tl_member *m;
	char *v = NULL;
	int err;

	for (size_t i = 0; i < tls->n; i++) {
		uint8_t *der = NULL;
		size_t len = 0;

		if ((m = update_member(tl, "--next-tls-cert", tls->v[i], &v)) ==
		    NULL)
			return SP_EXIT_USAGE;
		if (*v != '\0' &&
		    (err = sp_pki_cert_der(v, &der, &len, &why)) != SP_OK) {
			sp_cli__err(
			    "trust-list update: --next-tls-cert %s: %s: "
			    "%s",
			    v, sp_strerror(err), why ? why : "");
			return SP_EXIT_FAIL;
		}
		free(m->next_tls_cert_der);
		m->next_tls_cert_der = der;
		m->next_tls_cert_der_len = len;
	}
	for (size_t i = 0; i < csrs->n; i++) {
		if ((m = update_member(tl, "--next-tls-csr", csrs->v[i], &v)) ==
		    NULL)
			return SP_EXIT_USAGE;
		if (sp_cli__tl_issue_next_tls(tl, m, v, key_path, cert_path) !=
		    0)
			return SP_EXIT_FAIL;
	}
	for (size_t i = 0; i < logs->n; i++) {
		char *k = NULL;

		if ((m = update_member(tl, "--next-log-key", logs->v[i], &v)) ==
		    NULL)
			return SP_EXIT_USAGE;
		if (*v != '\0') {
			if ((err = sp_note_log_key_check(v, m->node_id,
			                                 &why)) != SP_OK) {
				sp_cli__err("trust-list update: --next-log-key "
				            "%s: %s: %s",
				            m->node_id, sp_strerror(err),
				            why ? why : "");
				return SP_EXIT_FAIL;
			}
			if ((k = strdup(v)) == NULL)
				return SP_EXIT_FAIL;
		}
		free(m->next_log_key);
		m->next_log_key = k;
	}
	for (size_t i = 0; i < promote->n; i++) {
		if ((m = update_member(tl, "--promote", promote->v[i], NULL)) ==
		    NULL)
			return SP_EXIT_USAGE;
		if (m->next_tls_cert_der == NULL && m->next_log_key == NULL) {
			sp_cli__err(
			    "trust-list update: --promote %s: it has no "
			    "next certificate or key",
			    m->node_id);
			return SP_EXIT_FAIL;
		}
		if (m->next_tls_cert_der != NULL) {
			free(m->tls_cert_der);
			m->tls_cert_der = m->next_tls_cert_der;
			m->tls_cert_der_len = m->next_tls_cert_der_len;
			m->next_tls_cert_der = NULL;
			m->next_tls_cert_der_len = 0;
		}
		if (m->next_log_key != NULL) {
			free(m->log_key);
			m->log_key = m->next_log_key;
			m->next_log_key = NULL;
		}
	}
	return SP_CLI_GO;
}

static int cmd_update(int argc, char **argv)
{
	const char *key_path = NULL, *cert_path = NULL;
	char *changes[MAX_STATUS_CHANGES], *relays[MAX_STATUS_CHANGES];
	sp_cli_list change_list = {changes, 0, MAX_STATUS_CHANGES};
	sp_cli_list relay_list = {relays, 0, MAX_STATUS_CHANGES};
	char *types[MAX_STATUS_CHANGES];
	sp_cli_list types_list = {types, 0, MAX_STATUS_CHANGES};
	/* freshness (SPEC 7.9) */
	const char *ts_cert = NULL;
	uint64_t staleness = 0, max_validity = 0;
	char *witnesses[SP_TL_WITNESSES_MAX];
	sp_cli_list witness_list = {witnesses, 0, SP_TL_WITNESSES_MAX};
	uint64_t days = 0, quorum = UINT64_MAX, merge_delay = 0;
	/* key overlap (SPEC 14.30) */
	char *next_tls[MAX_STATUS_CHANGES], *next_log[MAX_STATUS_CHANGES];
	char *promote[MAX_STATUS_CHANGES], *next_csr[MAX_STATUS_CHANGES];
	sp_cli_list next_csr_list = {next_csr, 0, MAX_STATUS_CHANGES};
	sp_cli_list next_tls_list = {next_tls, 0, MAX_STATUS_CHANGES};
	sp_cli_list next_log_list = {next_log, 0, MAX_STATUS_CHANGES};
	sp_cli_list promote_list = {promote, 0, MAX_STATUS_CHANGES};
	/* threshold anchors (SPEC [TL-71]) */
	char *op_certs[SP_TL_OPERATORS_MAX];
	sp_cli_list op_list = {op_certs, 0, SP_TL_OPERATORS_MAX};
	uint64_t threshold = 0;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("key", &key_path, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", &cert_path, SP_CLI_REQUIRED),
	    SP_CLI_LIST("status", &change_list),
	    SP_CLI_U64("valid-days", &days, 1, 3650, 0),
	    SP_CLI_LIST("relays-to", &relay_list),
	    SP_CLI_LIST("may-originate", &types_list),
	    SP_CLI_PATH("timestamp-cert", &ts_cert, 0),
	    SP_CLI_U64("staleness-bound", &staleness, 1, SP_TL_STALENESS_MAX,
	               0),
	    SP_CLI_U64("max-validity", &max_validity, 1, SP_TL_MAX_VALIDITY_MAX,
	               0),
	    SP_CLI_LIST("witness", &witness_list),
	    SP_CLI_U64("quorum", &quorum, 0, SP_TL_WITNESSES_MAX, 0),
	    SP_CLI_U64("merge-delay", &merge_delay, 1, SP_TL_MERGE_DELAY_MAX,
	               0),
	    SP_CLI_LIST("next-tls-cert", &next_tls_list),
	    SP_CLI_LIST("next-tls-csr", &next_csr_list),
	    SP_CLI_LIST("next-log-key", &next_log_list),
	    SP_CLI_LIST("promote", &promote_list),
	    SP_CLI_LIST("operator-cert", &op_list),
	    SP_CLI_U64("threshold", &threshold, 1, SP_TL_OPERATORS_MAX, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "trust-list update", sp_cli__tl_usage, "FILE", 0, 1, opts};
	sp_tl *tl = NULL;
	char **args;
	int n_args, err, rc;
	size_t i;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (sp_cli__init_crypto() != 0 ||
	    sp_cli__tl_read_base("trust-list update",
	                         n_args > 0 ? args[0] : NULL, &tl) != 0)
		return SP_EXIT_FAIL;
	rc = set_statuses(tl, &change_list);
	for (i = 0; rc == SP_CLI_GO && i < relay_list.n; i++)
		if ((err = set_relays_to(tl, relays[i])) != SP_OK)
			rc = err == SP_ERR_INVALID_ARGUMENT ? SP_EXIT_USAGE
			                                    : SP_EXIT_FAIL;
	if (rc == SP_CLI_GO)
		rc = set_may_originate(tl, &types_list);
	if (rc == SP_CLI_GO)
		rc = set_freshness(tl, ts_cert, staleness, max_validity);
	if (rc == SP_CLI_GO)
		rc = set_witnessing(tl, &witness_list, quorum, merge_delay);
	if (rc == SP_CLI_GO)
		rc = set_key_overlap(tl, &next_tls_list, &next_csr_list,
		                     key_path, cert_path, &next_log_list,
		                     &promote_list);
	if (rc == SP_CLI_GO)
		rc = set_operators(tl, &op_list, threshold);
	if (rc == SP_CLI_GO)
		rc = sp_cli__tl_emit("trust-list update", tl, key_path,
		                     cert_path, days) == 0
		         ? SP_EXIT_OK
		         : SP_EXIT_FAIL;
	sp_tl_free(tl);
	return rc;
}

int sp_cli__tl_emit(const char *what, sp_tl *tl, const char *key_path,
                    const char *cert_path, uint64_t days)
{
	int64_t now = (int64_t)time(NULL), window;
	sp_key *key = NULL;
	uint8_t *unsigned_doc = NULL, *signed_doc = NULL;
	size_t ulen, slen;
	const char *why = NULL;
	int err, rc = -1;

	window = tl->next_update - tl->issued;
	/* A list made before the cap (SPEC [TL-64]) keeps its window only up
	 * to the cap; an explicit --valid-days above it is refused below. */
	if (window > (int64_t)sp_tl_max_validity(tl))
		window = (int64_t)sp_tl_max_validity(tl);
	if (days > 0)
		window = (int64_t)days * 86400;
	if (window <= 0)
		window = (int64_t)sp_tl_max_validity(tl);
	tl->sequence++;
	tl->issued = now;
	tl->next_update = now + window;
	if ((err = sp_key_load(key_path, cert_path, &key, &why)) != SP_OK ||
	    (err = sp_tl_build(tl, &unsigned_doc, &ulen, &why)) != SP_OK ||
	    (err = sp_sign_document(key, unsigned_doc, ulen, &signed_doc, &slen,
	                            &why)) != SP_OK) {
		sp_cli__err("%s: %s: %s", what, sp_strerror(err),
		            why ? why : "");
		goto out;
	}
	rc = sp_cli__write_output(NULL, signed_doc, slen, 0);
out:
	sp_key_free(key);
	free(unsigned_doc);
	free(signed_doc);
	return rc;
}

int sp_cli_trust_list(int argc, char **argv)
{
	if (argc < 2) {
		fputs(sp_cli__tl_usage, stderr);
		return SP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify_or_show(argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "show") == 0)
		return cmd_verify_or_show(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "update") == 0)
		return cmd_update(argc - 1, argv + 1);
	if (strcmp(argv[1], "add-member") == 0)
		return sp_cli__tl_add_member(argc - 1, argv + 1);
	if (strcmp(argv[1], "remove-member") == 0)
		return sp_cli__tl_remove_member(argc - 1, argv + 1);
	if (strcmp(argv[1], "renew-member") == 0)
		return sp_cli__tl_renew_member(argc - 1, argv + 1);
	if (strcmp(argv[1], "timestamp") == 0)
		return sp_cli__tl_timestamp(argc - 1, argv + 1);
	if (strcmp(argv[1], "reset") == 0)
		return sp_cli__tl_reset(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0) {
		fputs(sp_cli__tl_usage, stdout);
		return SP_EXIT_OK;
	}
	sp_cli__err("trust-list: unknown sub-command '%s'", argv[1]);
	return SP_EXIT_USAGE;
}
