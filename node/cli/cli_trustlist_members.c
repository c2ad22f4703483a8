/* cli_trustlist_members.c: "silkport trust-list add-member|remove-member|
 * renew-member": the operator's side of joining, leaving and renewal, from
 * a member's signed request and never from its private keys (SPEC 7.8). */
#include "cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMBER_DAYS     825
#define MAX_VALID_CERTS 4 /* SPEC [TL-33] */

struct tl_opts {
	const char *key, *cert, *request, *issued, *member, *list;
	const char *ca_key, *ca_cert; /* the issuing CA: key and cert unless
	                                 the list signer is not a CA for TLS */
	uint64_t days;
	const char *types;        /* add-member --may-originate */
	const char *invalid_from; /* remove-member --invalid-from */
};

/* The options the three commands share: add-member and renew-member want
 * --request and --issued-dir, remove-member --member. An exit status, or
 * SP_CLI_GO. */
static int parse_opts(const char *what, int argc, char **argv,
                      struct tl_opts *t, int want_request)
{
	const int req = want_request ? SP_CLI_REQUIRED : 0;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("key", &t->key, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", &t->cert, SP_CLI_REQUIRED),
	    SP_CLI_PATH("request", &t->request, req),
	    SP_CLI_PATH("issued-dir", &t->issued, req),
	    SP_CLI_STRING("member", &t->member, req ? 0 : SP_CLI_REQUIRED),
	    SP_CLI_U64("valid-days", &t->days, 1, 3650, 0),
	    SP_CLI_PATH("ca-key", &t->ca_key, 0),
	    SP_CLI_PATH("ca-cert", &t->ca_cert, 0),
	    SP_CLI_STRING("may-originate", &t->types, 0),
	    SP_CLI_STRING("invalid-from", &t->invalid_from, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {what, sp_cli__tl_usage, "LIST", 1, 1, opts};
	char **args;
	int n_args, rc;

	memset(t, 0, sizeof(*t));
	t->days = MEMBER_DAYS;
	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	t->list = args[0];
	if ((t->ca_key == NULL) != (t->ca_cert == NULL))
		return sp_cli__usage_error(&cmd, "--ca-key and --ca-cert go "
		                                 "together");
	if (!want_request && t->ca_key != NULL)
		return sp_cli__usage_error(&cmd, "--ca-key: nothing to issue");
	if (t->ca_key == NULL) {
		t->ca_key = t->key;
		t->ca_cert = t->cert;
	}
	/* a member's types are set when it joins (or by trust-list update) */
	if (t->types != NULL && strcmp(what, "trust-list add-member") != 0)
		return sp_cli__usage_error(&cmd, "--may-originate is for "
		                                 "add-member and update");
	if (t->invalid_from != NULL &&
	    strcmp(what, "trust-list remove-member") != 0)
		return sp_cli__usage_error(&cmd, "--invalid-from is for "
		                                 "remove-member");
	return SP_CLI_GO;
}

/* The current list, verified with the operator's own certificate (a list
 * the operator did not sign is never extended), as an editable copy. */
static int open_list(const char *what, const struct tl_opts *t, sp_tl **out)
{
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *tr;

	*out = NULL;
	sp_verify_opts_default(&o);
	/* The operator's own list: one that names operator keys must carry
	 * the threshold of them (SPEC [TL-74]); CERT.pem is one operator's. */
	o.stored_list = 1;
	if ((tr = sp_cli__open_trust(what, t->list, t->cert, &o, &anchors)) ==
	    NULL)
		return -1;
	sp_trust_unref(tr);
	sp_anchors_free(anchors);
	return sp_cli__tl_read_base(what, t->list, out);
}

static int open_request(const char *what, const char *path, sp_doc_kind kind,
                        const sp_tl *tl, sp_enroll_req **out)
{
	uint8_t *b = NULL;
	size_t n;
	sp_verify_opts o;
	const char *why = NULL;
	int err;

	*out = NULL;
	if (sp_cli__read_input(path, &b, &n) != 0)
		return -1;
	sp_verify_opts_default(&o);
	err = sp_enroll_open(b, n, kind, tl->federation, &o, out, &why);
	free(b);
	if (err != SP_OK) {
		fprintf(stderr, "rejected %s: %s: %s\n", sp_strerror(err), path,
		        why ? why : "");
		return -1;
	}
	return 0;
}

/* The host of an https URL (brackets of an IPv6 literal removed). */
static int url_host(const char *url, char *out, size_t cap)
{
	const char *h = url + 8, *end;
	size_t n;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	if (*h == '[') {
		h++;
		end = strchr(h, ']');
	} else {
		end = h + strcspn(h, ":/");
	}
	if (end == NULL || end == h || (n = (size_t)(end - h)) >= cap)
		return -1;
	memcpy(out, h, n);
	out[n] = '\0';
	return 0;
}

/* Is the key of csr the key of a certificate listed for anyone? */
static const sp_tl_member *csr_key_listed(const sp_tl *tl, const uint8_t *csr,
                                          size_t len)
{
	for (size_t i = 0; i < tl->n_members; i++) {
		const sp_tl_member *o = &tl->members[i];
		int dup =
		    sp_pki_csr_matches_cert(csr, len, o->tls_cert_der,
		                            o->tls_cert_der_len) ||
		    (o->next_tls_cert_der != NULL &&
		     sp_pki_csr_matches_cert(csr, len, o->next_tls_cert_der,
		                             o->next_tls_cert_der_len));

		for (size_t k = 0; !dup && k < o->n_signing; k++)
			dup = sp_pki_csr_matches_cert(
			    csr, len, o->signing[k].der, o->signing[k].der_len);
		if (dup)
			return o;
	}
	return NULL;
}

int sp_cli__tl_issue_next_tls(const sp_tl *tl, sp_tl_member *m,
                              const char *csr_path, const char *ca_key,
                              const char *ca_cert)
{
	const char *what = "trust-list update --next-tls-csr", *why = NULL;
	char hosts[16][256], out[4096];
	const char *sans[17];
	const sp_tl_member *o;
	uint8_t *csr = NULL, *der = NULL;
	size_t csr_len = 0, der_len = 0, n = 0, base;
	int err, rc = -1;

	base = strlen(csr_path);
	if (base > 4 && strcmp(csr_path + base - 4, ".csr") == 0)
		base -= 4;
	if (snprintf(out, sizeof(out), "%.*s-cert.pem", (int)base, csr_path) >=
	    (int)sizeof(out))
		return -1;
	for (size_t i = 0; i < m->n_endpoints && n < 16; i++)
		if (url_host(m->endpoints[i], hosts[n], 256) == 0) {
			sans[n] = hosts[n];
			n++;
		}
	sans[n] = NULL;
	if (sp_cli__read_input(csr_path, &csr, &csr_len) != 0)
		return -1;
	if ((o = csr_key_listed(tl, csr, csr_len)) != NULL) {
		fprintf(stderr,
		        "rejected %s: %s: %s: the key is already listed for "
		        "%s\n",
		        sp_strerror(SP_ERR_MEMBER_EXISTS), what, csr_path,
		        o->node_id);
		goto out;
	}
	if (sp_cli__exists(out)) {
		sp_cli__err("%s: %s exists", what, out);
		goto out;
	}
	if ((err = sp_pki_issue_csr(ca_key, ca_cert, SP_CERT_TLS, csr, csr_len,
	                            m->node_id, sans, 825, &der, &der_len,
	                            &why)) != SP_OK ||
	    (err = sp_pki_write_cert(der, der_len, out, &why)) != SP_OK) {
		fprintf(stderr, "rejected %s: %s: %s: %s\n", sp_strerror(err),
		        what, csr_path, why ? why : "");
		goto out;
	}
	fprintf(stderr,
	        "%s: %s's next TLS certificate is %s; send it to the "
	        "member\n",
	        what, m->node_id, out);
	free(m->next_tls_cert_der);
	m->next_tls_cert_der = der;
	m->next_tls_cert_der_len = der_len;
	der = NULL;
	rc = 0;
out:
	free(csr);
	free(der);
	return rc;
}

/* Issue one certificate from a CSR into OUT/file. */
static int issue_one(const char *what, const struct tl_opts *t,
                     sp_cert_usage usage, const uint8_t *csr, size_t csr_len,
                     const char *cn, const char *const *sans, const char *file,
                     uint8_t **der, size_t *len)
{
	char path[4096];
	const char *why = NULL;
	int err;

	if (sp_cli__path_join(path, sizeof(path), t->issued, file) != 0)
		return -1;
	if (sp_cli__exists(path)) {
		sp_cli__err("%s: %s exists; give an empty --issued-dir", what,
		            path);
		return -1;
	}
	if ((err = sp_pki_issue_csr(t->ca_key, t->ca_cert, usage, csr, csr_len,
	                            cn, sans, (int)t->days, der, len, &why)) !=
	        SP_OK ||
	    (err = sp_pki_write_cert(*der, *len, path, &why)) != SP_OK) {
		fprintf(stderr, "rejected %s: %s: %s\n", sp_strerror(err), what,
		        why ? why : "");
		return -1;
	}
	return 0;
}

static sp_tl_member *find(sp_tl *tl, const char *id)
{
	for (size_t i = 0; i < tl->n_members; i++)
		if (strcmp(tl->members[i].node_id, id) == 0)
			return &tl->members[i];
	return NULL;
}

/* Is a key of the request already listed, for anyone? One key, one
 * member: it is not certified again (SPEC [TL-50]). Prints who has it. */
static int key_listed(const sp_tl *tl, const sp_enroll_req *r,
                      const char *request)
{
	for (size_t i = 0; i < tl->n_members; i++) {
		const sp_tl_member *o = &tl->members[i];
		int dup = sp_pki_csr_matches_cert(r->tls_csr, r->tls_csr_len,
		                                  o->tls_cert_der,
		                                  o->tls_cert_der_len);

		for (size_t k = 0; !dup && k < o->n_signing; k++)
			dup = sp_pki_csr_matches_cert(
			          r->signing_csr, r->signing_csr_len,
			          o->signing[k].der, o->signing[k].der_len) ||
			      sp_pki_csr_matches_cert(
			          r->tls_csr, r->tls_csr_len, o->signing[k].der,
			          o->signing[k].der_len);
		dup = dup || sp_pki_csr_matches_cert(
		                 r->signing_csr, r->signing_csr_len,
		                 o->tls_cert_der, o->tls_cert_der_len);
		if (dup) {
			fprintf(stderr,
			        "rejected %s: %s: a key of the request is "
			        "already listed for %s\n",
			        sp_strerror(SP_ERR_MEMBER_EXISTS), request,
			        o->node_id);
			return 1;
		}
	}
	return 0;
}

/* The TLS certificate's names: the host of each Endpoint (at most 16),
 * NULL-terminated in sans. */
static int endpoint_sans(const sp_enroll_req *r, const char *request,
                         char hosts[16][256], const char *sans[17])
{
	size_t i, n = 0;

	for (i = 0; i < r->n_endpoints && i < 16; i++) {
		if (url_host(r->endpoints[i], hosts[n], 256) != 0) {
			fprintf(stderr,
			        "rejected %s: %s: Endpoint %s has no host\n",
			        sp_strerror(SP_ERR_FIELD), request,
			        r->endpoints[i]);
			return -1;
		}
		sans[n] = hosts[n];
		n++;
	}
	sans[n] = NULL;
	return 0;
}

/* The new member's entry, appended to the list: its certificates issued
 * from the request's CSRs, its strings moved over from the request. */
static int add_entry(const char *what, const struct tl_opts *t, sp_tl *tl,
                     sp_enroll_req *r, const char *const *sans)
{
	int64_t now = (int64_t)time(NULL);
	sp_tl_member *m, *ms;
	char cn[256];

	if ((ms = realloc(tl->members, (tl->n_members + 1) * sizeof(*ms))) ==
	    NULL)
		return -1;
	tl->members = ms;
	m = &tl->members[tl->n_members++];
	memset(m, 0, sizeof(*m));
	snprintf(m->node_id, sizeof(m->node_id), "%s", r->node_id);
	m->role = r->role;
	m->status = SP_STATUS_ACTIVE;
	if ((m->signing = calloc(1, sizeof(*m->signing))) == NULL)
		return -1;
	m->n_signing = 1;
	snprintf(cn, sizeof(cn), "%s record signing", r->node_id);
	if (issue_one(what, t, SP_CERT_SIGNING, r->signing_csr,
	              r->signing_csr_len, cn, NULL, "sign-cert.pem",
	              &m->signing[0].der, &m->signing[0].der_len) != 0 ||
	    issue_one(what, t, SP_CERT_TLS, r->tls_csr, r->tls_csr_len,
	              r->node_id, sans, "tls-cert.pem", &m->tls_cert_der,
	              &m->tls_cert_der_len) != 0)
		return -1;
	/* the list's window of the certificate is the certificate's own */
	m->signing[0].valid_from = now - 3600;
	m->signing[0].valid_until = now + (int64_t)t->days * 86400;
	/* the method the member's records must use ([TL-45]) */
	m->signing[0].method = sp_key_alg_method(
	    sp_pki_cert_alg(m->signing[0].der, m->signing[0].der_len));
	m->name = r->name;
	r->name = NULL;
	m->endpoints = r->endpoints;
	m->n_endpoints = r->n_endpoints;
	r->endpoints = NULL;
	r->n_endpoints = 0;
	m->log_key = r->log_key;
	r->log_key = NULL;
	/* SPEC [TL-59]: checked already by sp_cli__tl_add_member() */
	if (t->types != NULL &&
	    sp_type_set_parse(t->types, &m->may_originate, NULL) != SP_OK)
		return -1;
	return 0;
}

/* --may-originate TYPE[,TYPE...]: registry codes (SPEC 5.2). */
static int check_types(const char *what, const char *list)
{
	sp_type_set set;
	const char *why = NULL;

	if (sp_type_set_parse(list, &set, &why) == SP_OK)
		return 0;
	sp_cli__err("%s: --may-originate: %s", what, why);
	return -1;
}

int sp_cli__tl_add_member(int argc, char **argv)
{
	const char *what = "trust-list add-member";
	struct tl_opts t;
	sp_tl *tl = NULL;
	sp_enroll_req *r = NULL;
	sp_tl_member *m;
	char hosts[16][256];
	const char *sans[17];
	int rc;

	if ((rc = parse_opts(what, argc, argv, &t, 1)) != SP_CLI_GO)
		return rc;
	if (t.types != NULL && check_types(what, t.types) != 0)
		return SP_EXIT_USAGE;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() != 0 || open_list(what, &t, &tl) != 0 ||
	    open_request(what, t.request, SP_DOC_JOIN_REQUEST, tl, &r) != 0)
		goto out;
	if ((m = find(tl, r->node_id)) != NULL) {
		/* a revoked NodeId is never given again (SPEC [TL-27]) */
		fprintf(stderr,
		        "rejected %s: %s: NodeId %s is already listed (%s)\n",
		        sp_strerror(SP_ERR_MEMBER_EXISTS), t.request,
		        r->node_id, sp_status_name(m->status));
		goto out;
	}
	if (key_listed(tl, r, t.request))
		goto out;
	if (tl->n_members >= 1000) {
		sp_cli__err("%s: the list holds 1000 members already", what);
		goto out;
	}
	if (endpoint_sans(r, t.request, hosts, sans) != 0 ||
	    sp_cli__mkdir_p(t.issued, 0755) != 0 ||
	    add_entry(what, &t, tl, r, sans) != 0 ||
	    sp_cli__tl_emit(what, tl, t.key, t.cert, 0) != 0)
		goto out;
	m = &tl->members[tl->n_members - 1];
	fprintf(stderr,
	        "member %s (%s) added, active, in list sequence %llu\n"
	        "issued %s/sign-cert.pem and %s/tls-cert.pem from its CSRs; "
	        "send them,\n"
	        "the new list and the federation's anchors (%s%s%s) to %s, and "
	        "publish\n"
	        "the new list to every member\n",
	        m->node_id, sp_role_name(m->role),
	        (unsigned long long)tl->sequence, t.issued, t.issued, t.cert,
	        t.ca_cert != t.cert ? " and " : "",
	        t.ca_cert != t.cert ? t.ca_cert : "", m->node_id);
	rc = SP_EXIT_OK;
out:
	sp_enroll_req_free(r);
	sp_tl_free(tl);
	return rc;
}

int sp_cli__tl_remove_member(int argc, char **argv)
{
	const char *what = "trust-list remove-member";
	struct tl_opts t;
	sp_tl *tl = NULL;
	sp_tl_member *m;
	int rc;

	if ((rc = parse_opts(what, argc, argv, &t, 0)) != SP_CLI_GO)
		return rc;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() != 0 || open_list(what, &t, &tl) != 0)
		goto out;
	if ((m = find(tl, t.member)) == NULL) {
		fprintf(stderr, "rejected %s: no member '%s' in %s\n",
		        sp_strerror(SP_ERR_NOT_FOUND), t.member, t.list);
		goto out;
	}
	if (m->status == SP_STATUS_REVOKED) {
		sp_cli__err("%s: %s has left already (revoked)", what,
		            t.member);
		goto out;
	}
	/* Kept in the list as revoked: nodes refuse its traffic from now on,
	 * keep what they accepted before, and the NodeId is never reused
	 * (SPEC [TL-26], [TL-27], [TL-54]). */
	m->status = SP_STATUS_REVOKED;
	/* Since when its keys are taken as compromised (SPEC [TL-77]): its
	 * records proven to exist before then stay valid. Default: now. */
	m->invalid_from = (int64_t)time(NULL);
	if (t.invalid_from != NULL &&
	    (sp_time_parse(t.invalid_from, &m->invalid_from) != SP_OK ||
	     m->invalid_from <= 0 || m->invalid_from > (int64_t)time(NULL))) {
		sp_cli__err("%s: --invalid-from %s: want a past Time "
		            "(YYYY-MM-DDThh:mm:ssZ)",
		            what, t.invalid_from);
		goto out;
	}
	if (sp_cli__tl_emit(what, tl, t.key, t.cert, 0) != 0)
		goto out;
	fprintf(stderr,
	        "member %s revoked in list sequence %llu; publish the new list "
	        "to every member\n",
	        t.member, (unsigned long long)tl->sequence);
	rc = SP_EXIT_OK;
out:
	sp_tl_free(tl);
	return rc;
}

int sp_cli__tl_renew_member(int argc, char **argv)
{
	const char *what = "trust-list renew-member";
	struct tl_opts t;
	sp_tl *tl = NULL;
	sp_enroll_req *r = NULL;
	sp_tl_member *m;
	sp_tl_signing_cert *sc;
	char cn[256];
	const char *why = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t i, valid = 0;
	int err, rc;

	if ((rc = parse_opts(what, argc, argv, &t, 1)) != SP_CLI_GO)
		return rc;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() != 0 || open_list(what, &t, &tl) != 0 ||
	    open_request(what, t.request, SP_DOC_RENEWAL_REQUEST, tl, &r) != 0)
		goto out;
	if ((m = find(tl, r->node_id)) == NULL) {
		fprintf(stderr, "rejected %s: %s: no member %s in %s\n",
		        sp_strerror(SP_ERR_UNKNOWN_ORIGIN), t.request,
		        r->node_id, t.list);
		goto out;
	}
	if (m->status != SP_STATUS_ACTIVE) {
		fprintf(stderr, "rejected %s: %s: member %s is %s\n",
		        sp_strerror(m->status == SP_STATUS_REVOKED
		                        ? SP_ERR_SIGNER_REVOKED
		                        : SP_ERR_SIGNER_SUSPENDED),
		        t.request, r->node_id, sp_status_name(m->status));
		goto out;
	}
	if ((err = sp_enroll_check_previous(r, m, &why)) != SP_OK) {
		fprintf(stderr, "rejected %s: %s: %s\n", sp_strerror(err),
		        t.request, why ? why : "");
		goto out;
	}
	for (i = 0; i < m->n_signing; i++)
		if (sp_pki_csr_matches_cert(r->signing_csr, r->signing_csr_len,
		                            m->signing[i].der,
		                            m->signing[i].der_len)) {
			fprintf(stderr,
			        "rejected %s: %s: the key of SigningCsr is "
			        "already listed for %s\n",
			        sp_strerror(SP_ERR_MEMBER_EXISTS), t.request,
			        m->node_id);
			goto out;
		}
	for (i = 0; i < m->n_signing; i++)
		if (m->signing[i].valid_from <= now &&
		    now <= m->signing[i].valid_until)
			valid++;
	if (valid >= MAX_VALID_CERTS || m->n_signing >= 16) {
		sp_cli__err("%s: %s has %zu signing certificates valid now; "
		            "at most %d at once (SPEC TL-33): shorten an old "
		            "one first",
		            what, m->node_id, valid, MAX_VALID_CERTS);
		goto out;
	}
	if (sp_cli__mkdir_p(t.issued, 0755) != 0)
		goto out;
	if ((sc = realloc(m->signing, (m->n_signing + 1) * sizeof(*sc))) ==
	    NULL)
		goto out;
	m->signing = sc;
	sc = &m->signing[m->n_signing];
	memset(sc, 0, sizeof(*sc));
	snprintf(cn, sizeof(cn), "%s record signing", m->node_id);
	if (issue_one(what, &t, SP_CERT_SIGNING, r->signing_csr,
	              r->signing_csr_len, cn, NULL, "sign-cert.pem", &sc->der,
	              &sc->der_len) != 0) {
		free(sc->der);
		goto out;
	}
	/* Beside the old certificate, which keeps its window: records it
	 * signed stay verifiable at their Issued time (SPEC [TL-36]). */
	sc->valid_from = now - 3600;
	sc->valid_until = now + (int64_t)t.days * 86400;
	sc->method = sp_key_alg_method(sp_pki_cert_alg(sc->der, sc->der_len));
	m->n_signing++;
	if (sp_cli__tl_emit(what, tl, t.key, t.cert, 0) != 0)
		goto out;
	fprintf(stderr,
	        "member %s: new signing certificate %s/sign-cert.pem listed "
	        "beside the\n"
	        "old one in list sequence %llu; send it and the new list to "
	        "%s and\n"
	        "publish the list to every member\n",
	        m->node_id, t.issued, (unsigned long long)tl->sequence,
	        m->node_id);
	rc = SP_EXIT_OK;
out:
	sp_enroll_req_free(r);
	sp_tl_free(tl);
	return rc;
}
