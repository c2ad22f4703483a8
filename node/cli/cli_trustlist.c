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
    "           [--witness MEMBER ... --quorum K] [--merge-delay SECONDS] "
    "[FILE]\n"
    "sign    signs an unsigned TrustList with the federation operator's key\n"
    "verify  checks the operator's signature and validity window; prints\n"
    "        'ok FEDERATION SEQUENCE members=N next-update=TIME'\n"
    "show    prints the members, verified first when --anchor is given\n"
    "update  prints a new list: sequence + 1, issued now, statuses changed,\n"
    "        signed with the operator key (FILE is the current list);\n"
    "        --relays-to adds FEDERATION to MEMBER's RelaysTo (the member may\n"
    "        relay records to it as a gateway); MEMBER= clears its RelaysTo;\n"
    "        --witness (repeated) names the federation's witnesses and\n"
    "        --quorum the cosignatures of them a checkpoint needs (--quorum 0\n"
    "        lists none); --merge-delay is how long a record may wait for\n"
    "        inclusion in a witnessed checkpoint (default 10 seconds)\n"
    "FILE defaults to standard input.\n"
    "       silkport trust-list add-member --key KEY.pem --cert CERT.pem\n"
    "           --request JOIN-REQUEST.xml --issued-dir OUT [--valid-days N] "
    "LIST\n"
    "       silkport trust-list remove-member --key KEY.pem --cert CERT.pem\n"
    "           --member ID LIST\n"
    "       silkport trust-list renew-member --key KEY.pem --cert CERT.pem\n"
    "           --request RENEWAL-REQUEST.xml --issued-dir OUT [--valid-days "
    "N] LIST\n"
    "add-member     checks a member's signed join request (signature, proof "
    "of\n"
    "               possession of each key, id not taken, not expired), "
    "issues\n"
    "               its signing and TLS certificates into OUT/ (valid N "
    "days,\n"
    "               825) and prints the new list with the member active\n"
    "remove-member  prints the new list with the member revoked: it has "
    "left\n"
    "               for good, and its NodeId is never given again\n"
    "renew-member   checks a renewal request (signed by the new key and the\n"
    "               listed one), issues the new signing certificate into "
    "OUT/\n"
    "               and lists it beside the old one, which stays valid\n"
    "LIST is the current list, verified with CERT.pem; the new one goes to\n"
    "standard output.\n";

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
	return sp_cli__sign_file("trust-list sign", key, cert,
	                         n_args > 0 ? args[0] : NULL);
}

static void print_time(const char *label, int64_t t)
{
	char buf[SP_TIME_TEXT_MAX];

	if (sp_time_format(t, buf) != SP_OK)
		snprintf(buf, sizeof(buf), "(invalid)");
	printf("%s%s\n", label, buf);
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
		for (j = 0; j < m->n_relays_to; j++)
			printf("    relays-to    %s\n", m->relays_to[j]);
	}
}

/* Parse without verifying: for show (no anchor) and update (operator's own). */
int sp_cli__tl_read_unverified(const char *what, const char *path, sp_tl **out)
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
	rc = 0;
out:
	sp_doc_free(doc);
	free(in);
	return rc;
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

static int cmd_update(int argc, char **argv)
{
	const char *key_path = NULL, *cert_path = NULL;
	char *changes[MAX_STATUS_CHANGES], *relays[MAX_STATUS_CHANGES];
	sp_cli_list change_list = {changes, 0, MAX_STATUS_CHANGES};
	sp_cli_list relay_list = {relays, 0, MAX_STATUS_CHANGES};
	char *witnesses[SP_TL_WITNESSES_MAX];
	sp_cli_list witness_list = {witnesses, 0, SP_TL_WITNESSES_MAX};
	uint64_t days = 0, quorum = UINT64_MAX, merge_delay = 0;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("key", &key_path, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", &cert_path, SP_CLI_REQUIRED),
	    SP_CLI_LIST("status", &change_list),
	    SP_CLI_U64("valid-days", &days, 1, 3650, 0),
	    SP_CLI_LIST("relays-to", &relay_list),
	    SP_CLI_LIST("witness", &witness_list),
	    SP_CLI_U64("quorum", &quorum, 0, SP_TL_WITNESSES_MAX, 0),
	    SP_CLI_U64("merge-delay", &merge_delay, 1, SP_TL_MERGE_DELAY_MAX,
	               0),
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
	    sp_cli__tl_read_unverified("trust-list update",
	                               n_args > 0 ? args[0] : NULL, &tl) != 0)
		return SP_EXIT_FAIL;
	rc = set_statuses(tl, &change_list);
	for (i = 0; rc == SP_CLI_GO && i < relay_list.n; i++)
		if ((err = set_relays_to(tl, relays[i])) != SP_OK)
			rc = err == SP_ERR_INVALID_ARGUMENT ? SP_EXIT_USAGE
			                                    : SP_EXIT_FAIL;
	if (rc == SP_CLI_GO)
		rc = set_witnessing(tl, &witness_list, quorum, merge_delay);
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
	if (days > 0)
		window = (int64_t)days * 86400;
	if (window <= 0)
		window = 365 * 86400;
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
	if (strcmp(argv[1], "--help") == 0) {
		fputs(sp_cli__tl_usage, stdout);
		return SP_EXIT_OK;
	}
	sp_cli__err("trust-list: unknown sub-command '%s'", argv[1]);
	return SP_EXIT_USAGE;
}
