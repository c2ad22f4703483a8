/* cli_member.c: "silkport member init|install|renew": a member makes and
 * keeps its own keys and sends its federation operator only a signed
 * request with CSRs (SPEC 7.8). */
#include "cli_int.h"
#include "node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPERATOR_CA_DAYS   3650
#define OPERATOR_DAYS      825
#define REQUEST_DAYS       7
#define JOIN_REQUEST_FILE  "join-request.xml"
#define RENEW_REQUEST_FILE "renewal-request.xml"
#define RENEW_KEY_FILE     "renewal-sign-key.pem"
#define TOKEN_KEYS_FILE    "token-keys.ini"
#define RENEW_URI_FILE     "renewal-sign-key.uri" /* a key in a token */
#define NEXT_TLS_KEY_FILE  "next-tls-key.pem"     /* member renew --next-tls */
#define NEXT_TLS_CERT_FILE "next-tls-cert.pem"    /* issued from its CSR */

static const char usage_text[] =
    "usage: silkport member init DIR --federation ID --member ID --role ROLE\n"
    "           --host NAME --port N [--alg p256|rsa2048|sm2] [--name TEXT]\n"
    "           [--valid-days N] [--pkcs11 TOKEN-URI [--module PATH]\n"
    "           [--pin-env VAR]]\n"
    "       silkport member install DIR --issued OUT --trust-list LIST "
    "--anchor OPCERT\n"
    "       silkport member renew DIR [--valid-days N]\n"
    "       silkport member renew DIR --next-tls|--next-log-key\n"
    "init     on the member's machine: makes the signing, TLS and checkpoint\n"
    "         (Ed25519) keys in DIR, a CA of this node's own operators and "
    "one\n"
    "         operator certificate, and DIR/join-request.xml: the public keys "
    "and\n"
    "         CSRs, signed, for the federation operator (no private key "
    "leaves\n"
    "         DIR). ROLE: zone, port-authority or auditor. --valid-days: how\n"
    "         long the request may be used (1 to 30, default 7). --pkcs11:\n"
    "         the signing and TLS keys are made inside that token instead\n"
    "         (p256 or rsa2048; DIR/token-keys.ini names them)\n"
    "install  checks the certificates the operator issued (OUT/sign-cert.pem,\n"
    "         OUT/tls-cert.pem) against DIR's keys and the anchor, and that "
    "the\n"
    "         signed LIST lists them, then copies them, LIST and the anchor "
    "into\n"
    "         DIR and writes DIR/node.ini for 'silkport run'. After 'member\n"
    "         renew' it installs the renewed signing certificate instead;\n"
    "         with OUT/next-tls-cert.pem (issued from DIR/next-tls.csr), the\n"
    "         next TLS certificate, checked against DIR/next-tls-key.pem and\n"
    "         listed as NextTlsCertificate, into DIR. A NextTlsCertificate\n"
    "         listed for the member must hold DIR's next TLS key.\n"
    "renew    a new signing key and DIR/renewal-request.xml, signed by the "
    "new\n"
    "         key and by the current one (DIR/node.ini names them), for the\n"
    "         operator's 'trust-list renew-member'. A key in a token is\n"
    "         renewed inside the same token. Key overlap (SPEC 14.30):\n"
    "         --next-tls makes DIR/next-tls-key.pem and its CSR\n"
    "         DIR/next-tls.csr for the operator's 'trust-list update\n"
    "         --next-tls-csr'; --next-log-key makes DIR/next-log-key.pem and\n"
    "         prints its verifier key for 'trust-list update --next-log-key'.\n"
    "         Point node.ini at them once the list that lists them is\n"
    "         installed, then restart the node\n";

static void fail_msg(const char *what, const char *file, int err,
                     const char *why)
{
	sp_cli__err("%s: %s%s%s: %s", what, file ? file : "", file ? ": " : "",
	            sp_strerror(err), why ? why : "");
}

static int sign_and_write(const char *what, const sp_enroll_req *r,
                          const char *key_path, const char *out_path)
{
	uint8_t *doc = NULL, *signed_doc = NULL;
	size_t len, slen;
	sp_key *k = NULL;
	const char *why = NULL;
	int err, rc = -1;

	if ((err = sp_enroll_req_build(r, &doc, &len, &why)) != SP_OK ||
	    (err = sp_key_load_bare(key_path, &k, &why)) != SP_OK ||
	    (err = sp_sign_document(k, doc, len, &signed_doc, &slen, &why)) !=
	        SP_OK) {
		fail_msg(what, out_path, err, why);
		goto out;
	}
	if (sp_cli__write_output(out_path, signed_doc, slen, 0) != 0)
		goto out;
	rc = 0;
out:
	sp_key_free(k);
	free(doc);
	free(signed_doc);
	return rc;
}

static void print_digest(const char *path)
{
	uint8_t *b = NULL;
	size_t n;
	char hex[65];

	if (sp_cli__read_input(path, &b, &n) != 0)
		return;
	sp_sha256_hex(b, n, hex);
	fprintf(stderr, "  SHA-256 %s\n", hex);
	free(b);
}

/* ---------------------------------------------------------------- init */

/* The signing and TLS keys made inside the token (SPEC SEC-35), labelled
 * MEMBER-sign and MEMBER-tls; k->sign_key and k->tls_key get their URIs
 * (malloc'd), the token settings stay as given. */
static int make_token_keys(const char *token, const char *member,
                           sp_key_alg alg, sp_member_keys *k)
{
	char label[96], shown[512];
	const char *why = NULL;
	int err;

	if ((err = sp_key_pkcs11_setup(k->pkcs11_module, k->pkcs11_pin_env,
	                               &why)) != SP_OK)
		goto fail;
	snprintf(label, sizeof(label), "%s-sign", member);
	if ((err = sp_key_pkcs11_generate(token, alg, label, &k->sign_key,
	                                  &why)) != SP_OK)
		goto fail;
	snprintf(label, sizeof(label), "%s-tls", member);
	if ((err = sp_key_pkcs11_generate(token, alg, label, &k->tls_key,
	                                  &why)) != SP_OK)
		goto fail;
	return 0;
fail:
	sp_cli__err("member init: %s: %s: %s",
	            sp_key_redact(token, shown, sizeof(shown)),
	            sp_strerror(err), why ? why : "-");
	return -1;
}

static const sp_cli_word roles[] = {{"zone", SP_ROLE_ZONE},
                                    {"port-authority", SP_ROLE_PORT_AUTHORITY},
                                    {"auditor", SP_ROLE_AUDITOR},
                                    {NULL, 0}};

/* The spellings sp_key_alg_parse() takes, but not Ed25519: a member's
 * signing key signs records. */
static const sp_cli_word sign_algs[] = {{"p256", SP_KEY_P256},
                                        {"rsa2048", SP_KEY_RSA2048},
                                        {"sm2", SP_KEY_SM2},
                                        {"P-256", SP_KEY_P256},
                                        {"rsa", SP_KEY_RSA2048},
                                        {"SM2", SP_KEY_SM2},
                                        {NULL, 0}};

/* "member init": what the command line asked for. */
struct init_args {
	const char *dir, *federation, *member, *host, *name, *token;
	const char *module, *pin_env;
	uint64_t port, days;
	int role, alg;
	sp_member_keys tk; /* the token's settings and keys' URIs (malloc'd) */
};

/* The files "member init" makes in DIR. */
struct init_paths {
	char sign_key[4096], tls_key[4096], log_key[4096], ca_key[4096];
	char ca_cert[4096], op_key[4096], op_cert[4096], req[4096], tk[4096];
};

static int init_parse(int argc, char **argv, struct init_args *a)
{
	const sp_cli_opt opts[] = {
	    SP_CLI_FEDERATION_ID("federation", &a->federation, SP_CLI_REQUIRED),
	    SP_CLI_NODE_ID("member", &a->member, SP_CLI_REQUIRED),
	    SP_CLI_ENUM("role", &a->role, roles, SP_CLI_REQUIRED),
	    SP_CLI_STRING("host", &a->host, SP_CLI_REQUIRED),
	    SP_CLI_U64("port", &a->port, 1, 65535, SP_CLI_REQUIRED),
	    SP_CLI_ENUM("alg", &a->alg, sign_algs, 0),
	    SP_CLI_STRING("name", &a->name, 0),
	    SP_CLI_U64("valid-days", &a->days, 1, 30, 0),
	    SP_CLI_STRING("pkcs11", &a->token, 0),
	    SP_CLI_PATH("module", &a->module, 0),
	    SP_CLI_STRING("pin-env", &a->pin_env, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"member init", usage_text, "DIR", 1, 1, opts};
	char **args;
	int n_args, rc;

	memset(a, 0, sizeof(*a));
	a->days = REQUEST_DAYS;
	a->alg = SP_KEY_P256;
	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	a->dir = args[0];
	if (a->token == NULL && (a->module != NULL || a->pin_env != NULL))
		return sp_cli__usage_error(&cmd, "--module and --pin-env go "
		                                 "with --pkcs11");
	/* libp11 0.4.12 makes P-256 and RSA keys only (SPEC 14, keys in
	 * hardware tokens). */
	if (a->token != NULL && a->alg != SP_KEY_P256 &&
	    a->alg != SP_KEY_RSA2048)
		return sp_cli__usage_error(
		    &cmd,
		    "--pkcs11 makes p256 or rsa2048 keys; an SM2 key "
		    "cannot be made in a token through Debian 12's libp11");
	if (strpbrk(a->host, "/?#@ []") != NULL || a->host[0] == '\0')
		return sp_cli__usage_error(
		    &cmd, "--host '%s' is not a host name or IPv4 address",
		    a->host);
	return SP_CLI_GO;
}

static int init_paths(const char *dir, struct init_paths *p)
{
	const struct {
		char *out;
		const char *file;
	} files[] = {
	    {p->sign_key, "sign-key.pem"},
	    {p->tls_key, "tls-key.pem"},
	    {p->log_key, "log-key.pem"},
	    {p->ca_key, "operator-ca-key.pem"},
	    {p->ca_cert, "operator-ca.pem"},
	    {p->op_key, "operator-key.pem"},
	    {p->op_cert, "operator-cert.pem"},
	    {p->req, JOIN_REQUEST_FILE},
	    {p->tk, TOKEN_KEYS_FILE},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (sp_cli__path_join(files[i].out, 4096, dir, files[i].file) !=
		    0)
			return -1;
	return 0;
}

/* The signing and TLS keys: in the token, or in DIR. */
static int init_member_keys(struct init_args *a, struct init_paths *p,
                            sp_key_alg tls_alg)
{
	const char *why = NULL;
	int err;

	if (a->token != NULL) {
		if (make_token_keys(a->token, a->member, (sp_key_alg)a->alg,
		                    &a->tk) != 0)
			return -1;
		snprintf(p->sign_key, sizeof(p->sign_key), "%s",
		         a->tk.sign_key);
		snprintf(p->tls_key, sizeof(p->tls_key), "%s", a->tk.tls_key);
		if (sp_member_keys_write(p->tk, &a->tk) != 0) {
			sp_cli__err("member init: %s: %s", p->tk,
			            strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((err = sp_pki_keygen((sp_key_alg)a->alg, p->sign_key, &why)) !=
	    SP_OK) {
		fail_msg("member init", p->sign_key, err, why);
		return -1;
	}
	if ((err = sp_pki_keygen(tls_alg, p->tls_key, &why)) != SP_OK) {
		fail_msg("member init", p->tls_key, err, why);
		return -1;
	}
	return 0;
}

/* Every key: made here and kept here, in DIR or in the token; then the
 * node's own operators' CA and one operator certificate. */
static int init_keys(struct init_args *a, struct init_paths *p)
{
	/* TLS and operator keys stay P-256 for an SM2 signer (SPEC SEC-34) */
	sp_key_alg tls_alg =
	    a->alg == SP_KEY_SM2 ? SP_KEY_P256 : (sp_key_alg)a->alg;
	const char *why = NULL, *file;
	char cn[256];
	int err;

	if (init_member_keys(a, p, tls_alg) != 0)
		return -1;
	file = p->log_key;
	if ((err = sp_pki_keygen(SP_KEY_ED25519, p->log_key, &why)) != SP_OK)
		goto fail;
	snprintf(cn, sizeof(cn), "%s node operators CA", a->member);
	file = p->ca_cert;
	if ((err = sp_pki_make_ca(cn, tls_alg, OPERATOR_CA_DAYS, p->ca_key,
	                          p->ca_cert, &why)) != SP_OK)
		goto fail;
	snprintf(cn, sizeof(cn), "%s local operator", a->member);
	file = p->op_cert;
	if ((err = sp_pki_issue(p->ca_key, p->ca_cert, SP_CERT_OPERATOR, cn,
	                        NULL, tls_alg, OPERATOR_DAYS, p->op_key,
	                        p->op_cert, &why)) != SP_OK)
		goto fail;
	return 0;
fail:
	fail_msg("member init", file, err, why);
	return -1;
}

/* The join request: public keys, CSRs and the LogKey's proof, signed
 * with the new signing key into DIR/join-request.xml. r's buffers are
 * the caller's to free. */
static int init_request(const struct init_args *a, const struct init_paths *p,
                        sp_enroll_req *r, char *name, size_t name_cap,
                        char *url, size_t url_cap, char **endpoint)
{
	const char *why = NULL;
	char cn[256];
	int err;

	r->kind = SP_DOC_JOIN_REQUEST;
	snprintf(r->federation, sizeof(r->federation), "%s", a->federation);
	snprintf(r->node_id, sizeof(r->node_id), "%s", a->member);
	if (a->name != NULL)
		snprintf(name, name_cap, "%s", a->name);
	else
		snprintf(name, name_cap, "%s (%s)", a->member,
		         sp_role_name((sp_member_role)a->role));
	r->name = name;
	r->role = (sp_member_role)a->role;
	snprintf(url, url_cap, "https://%s:%u", a->host, (unsigned)a->port);
	*endpoint = url;
	r->endpoints = endpoint;
	r->n_endpoints = 1;
	r->created = (int64_t)time(NULL);
	r->expires = r->created + (int64_t)a->days * 86400;
	snprintf(cn, sizeof(cn), "%s record signing", a->member);
	if ((err = sp_pki_csr_make(p->sign_key, cn, &r->signing_csr,
	                           &r->signing_csr_len, &why)) != SP_OK ||
	    (err = sp_pki_csr_make(p->tls_key, a->member, &r->tls_csr,
	                           &r->tls_csr_len, &why)) != SP_OK) {
		fail_msg("member init", "CSR", err, why);
		return -1;
	}
	if ((err = sp_enroll_prove_log_key(r, p->log_key, &why)) != SP_OK) {
		fail_msg("member init", p->log_key, err, why);
		return -1;
	}
	return sign_and_write("member init", r, p->sign_key, p->req);
}

static void init_report(const struct init_args *a, const struct init_paths *p,
                        const sp_enroll_req *r)
{
	fprintf(stderr,
	        "member %s of federation %s: keys made in %s (they stay "
	        "there)\n"
	        "  signing key     %s\n"
	        "  TLS key         %s\n"
	        "  checkpoint key  %s\n"
	        "                  %s\n"
	        "  operators' CA   %s (your node's own operators)\n"
	        "  operator cert   %s\n"
	        "send %s to the operator of federation %s (it holds public "
	        "keys and\n"
	        "CSRs only) and confirm its digest with them by another "
	        "channel:\n",
	        a->member, a->federation, a->dir, p->sign_key, p->tls_key,
	        p->log_key, r->log_key ? r->log_key : "", p->ca_cert,
	        p->op_cert, p->req, a->federation);
	print_digest(p->req);
	fprintf(stderr,
	        "the operator answers with the issued certificates, the new "
	        "trust list and\n"
	        "its anchor certificate; then run 'silkport member install "
	        "%s --issued OUT\n"
	        "--trust-list LIST --anchor OPCERT'. The request can be used "
	        "until %d day(s) from now.\n",
	        a->dir, (int)a->days);
}

static int cmd_init(int argc, char **argv)
{
	struct init_args a;
	struct init_paths p;
	sp_enroll_req r;
	char name[256], url[600], *endpoint;
	int rc;

	if ((rc = init_parse(argc, argv, &a)) != SP_CLI_GO)
		return rc;
	if (init_paths(a.dir, &p) != 0)
		return SP_EXIT_FAIL;
	if (sp_cli__exists(p.req) || sp_cli__exists(p.sign_key) ||
	    sp_cli__exists(p.tk)) {
		sp_cli__err("member init: %s already holds a member's keys; "
		            "refusing to replace them",
		            a.dir);
		return SP_EXIT_FAIL;
	}
	if (sp_cli__init_crypto() != 0 || sp_cli__mkdir_p(a.dir, 0700) != 0)
		return SP_EXIT_FAIL;
	memset(&r, 0, sizeof(r));
	rc = SP_EXIT_FAIL;
	if ((a.module == NULL ||
	     (a.tk.pkcs11_module = strdup(a.module)) != NULL) &&
	    (a.pin_env == NULL ||
	     (a.tk.pkcs11_pin_env = strdup(a.pin_env)) != NULL) &&
	    init_keys(&a, &p) == 0 &&
	    init_request(&a, &p, &r, name, sizeof(name), url, sizeof(url),
	                 &endpoint) == 0) {
		init_report(&a, &p, &r);
		rc = SP_EXIT_OK;
	}
	sp_member_keys_clear(&a.tk);
	free(r.signing_csr);
	free(r.tls_csr);
	free(r.log_key);
	free(r.log_key_proof);
	return rc;
}

/* ---------------------------------------------------------------- install */

static int read_own_request(const char *path, sp_doc_kind kind,
                            sp_enroll_req **out)
{
	uint8_t *b = NULL;
	size_t n;
	sp_doc *doc = NULL;
	const char *why = NULL;
	int err;

	*out = NULL;
	if (sp_cli__read_input(path, &b, &n) != 0)
		return -1;
	err = sp_doc_parse(b, n, kind, NULL, &doc, &why);
	if (err == SP_OK)
		err = sp_enroll_req_read(doc, out, &why);
	if (err != SP_OK)
		fail_msg("member install", path, err, why);
	sp_doc_free(doc);
	free(b);
	return err == SP_OK ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
	uint8_t *b = NULL;
	size_t n;
	int rc;

	if (sp_cli__read_input(from, &b, &n) != 0)
		return -1;
	rc = sp_cli__write_output(to, b, n, 0);
	free(b);
	return rc;
}

static int der_in_member(const sp_tl_member *m, const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < m->n_signing; i++)
		if (m->signing[i].der_len == len &&
		    memcmp(m->signing[i].der, der, len) == 0)
			return 1;
	return 0;
}

/* The issued certificate of `usage` for the key in key_path, checked. */
static int load_issued(const char *out_dir, const char *file,
                       const char *key_path, const char *anchor,
                       sp_cert_usage usage, uint8_t **der, size_t *len)
{
	char path[4096];
	const char *why = NULL;
	int err;

	if (sp_cli__path_join(path, sizeof(path), out_dir, file) != 0)
		return -1;
	if ((err = sp_pki_cert_der(path, der, len, &why)) != SP_OK ||
	    (err = sp_pki_issued_check(*der, *len, key_path, anchor, usage,
	                               (int64_t)time(NULL), &why)) != SP_OK) {
		fail_msg("member install", path, err, why);
		return -1;
	}
	return 0;
}

/* SPEC [TL-79] with TL-52: the NextTlsCertificate the list gives this
 * member must hold the key of DIR's next TLS key, and be signed by the
 * anchor, valid and in the TLS profile, as the current one. next_der, when
 * not NULL, is the one the operator sent: the list must carry it. NULL
 * when they match, else the reason (why may name the check that failed). */
static const char *next_tls_mismatch(const char *dir, const char *anchor,
                                     const sp_tl_member *m,
                                     const uint8_t *next_der, size_t next_len,
                                     int *err, const char **why)
{
	char key[4096];

	*err = SP_ERR_ISSUED_MISMATCH;
	if (next_der != NULL &&
	    (m->next_tls_cert_der_len != next_len ||
	     memcmp(m->next_tls_cert_der, next_der, next_len) != 0))
		return "the trust list does not list the issued next TLS "
		       "certificate as this member's NextTlsCertificate";
	if (m->next_tls_cert_der == NULL)
		return NULL;
	if (sp_cli__path_join(key, sizeof(key), dir, NEXT_TLS_KEY_FILE) != 0)
		return "the folder's path is too long";
	if (!sp_cli__exists(key))
		return "the trust list lists a NextTlsCertificate for this "
		       "member, but it has no next TLS key ('member renew "
		       "--next-tls' makes one)";
	*err = sp_pki_issued_check(m->next_tls_cert_der,
	                           m->next_tls_cert_der_len, key, anchor,
	                           SP_CERT_TLS, (int64_t)time(NULL), why);
	if (*err != SP_OK)
		return "the trust list's NextTlsCertificate for this member "
		       "fails the check of a certificate issued for its next "
		       "TLS key";
	return NULL;
}

/* Does LIST (verified with anchor) list node_id, active, with these
 * (sign_der NULL: any signing certificate)? The next TLS slot is checked
 * against DIR's next key (next_der: the next certificate issued). */
static int list_lists(const char *list, const char *anchor, const char *node_id,
                      const char *dir, const uint8_t *sign_der, size_t sign_len,
                      const uint8_t *tls_der, size_t tls_len,
                      const char *log_key, const uint8_t *next_der,
                      size_t next_len)
{
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t;
	const sp_tl_member *m;
	const char *why = NULL, *detail = NULL;
	int rc = -1, err = SP_ERR_ISSUED_MISMATCH;

	sp_verify_opts_default(&o);
	if ((t = sp_cli__open_trust("member install", list, anchor, &o,
	                            &anchors)) == NULL)
		goto out;
	m = sp_tl_find(sp_trust_list(t), node_id);
	if (m == NULL)
		why = "the trust list does not list this member";
	else if (m->status != SP_STATUS_ACTIVE)
		why = "the trust list does not list this member as active";
	else if (tls_der != NULL &&
	         (m->tls_cert_der_len != tls_len ||
	          memcmp(m->tls_cert_der, tls_der, tls_len) != 0))
		why = "the trust list gives this member another TLS "
		      "certificate";
	else if (sign_der != NULL && !der_in_member(m, sign_der, sign_len))
		why = "the trust list does not list the issued signing "
		      "certificate";
	else if (log_key != NULL &&
	         (m->log_key == NULL || strcmp(m->log_key, log_key) != 0))
		why = "the trust list gives this member another LogKey";
	else
		why = next_tls_mismatch(dir, anchor, m, next_der, next_len,
		                        &err, &detail);
	if (why != NULL && detail != NULL) {
		sp_cli__err("member install: %s: %s: %s (%s)", list,
		            sp_strerror(err), why, detail);
		goto out;
	}
	if (why != NULL) {
		fail_msg("member install", list, err, why);
		goto out;
	}
	rc = 0;
out:
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	return rc;
}

static unsigned endpoint_port(const char *url)
{
	const char *host = url + 8, *colon, *slash;
	uint64_t p = 0;
	char buf[8];
	size_t n;

	slash = strchr(host, '/');
	colon = strrchr(host, ':');
	if (colon == NULL || (slash != NULL && colon > slash))
		return 443;
	n = slash ? (size_t)(slash - colon - 1) : strlen(colon + 1);
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, colon + 1, n);
	buf[n] = '\0';
	if (sp_cli__parse_u64(buf, &p) != 0 || p == 0 || p > 65535)
		return 0;
	return (unsigned)p;
}

/* After "member renew": put the renewed signing key and certificate where
 * node.ini names them; the retired key is kept aside, private. */
static int install_renewal(const char *dir, const char *out_dir,
                           const char *list, const char *anchor)
{
	char cfg_path[4096], new_key[4096], req[4096], retired[4096];
	char stamp[32], errbuf[4096], uri_file[4096];
	sp_config *cfg = NULL;
	sp_enroll_req *r = NULL;
	uint8_t *der = NULL;
	size_t len;
	const char *why = NULL;
	int err, rc = SP_EXIT_FAIL, token;

	if (sp_cli__path_join(cfg_path, sizeof(cfg_path), dir, "node.ini") !=
	        0 ||
	    sp_cli__path_join(new_key, sizeof(new_key), dir, RENEW_KEY_FILE) !=
	        0 ||
	    sp_cli__path_join(uri_file, sizeof(uri_file), dir,
	                      RENEW_URI_FILE) != 0 ||
	    sp_cli__path_join(req, sizeof(req), dir, RENEW_REQUEST_FILE) != 0)
		return rc;
	if ((cfg = sp_config_load(cfg_path, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return rc;
	}
	/* a new key in the token: its URI waits in uri_file */
	if ((token = sp_cli__exists(uri_file)) != 0) {
		if (sp_cli__token_pending(uri_file, new_key, sizeof(new_key)) !=
		    0)
			goto out;
		if ((err = sp_key_pkcs11_setup(cfg->pkcs11_module,
		                               cfg->pkcs11_pin_env, &why)) !=
		    SP_OK) {
			fail_msg("member install", cfg_path, err, why);
			goto out;
		}
	}
	if (read_own_request(req, SP_DOC_RENEWAL_REQUEST, &r) != 0 ||
	    load_issued(out_dir, "sign-cert.pem", new_key, anchor,
	                SP_CERT_SIGNING, &der, &len) != 0 ||
	    list_lists(list, anchor, cfg->node_id, dir, der, len, NULL, 0, NULL,
	               NULL, 0) != 0)
		goto out;
	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	if (token) {
		/* the old key stays in the token, under its own label */
		sp_key_redact(cfg->sign_key, retired, sizeof(retired));
		if (sp_cli__token_install_renewal(cfg_path, uri_file,
		                                  new_key) != 0)
			goto out;
	} else if (snprintf(retired, sizeof(retired),
	                    "%s/retired-sign-key-%s.pem", dir,
	                    stamp) >= (int)sizeof(retired))
		goto out;
	else if (rename(cfg->sign_key, retired) != 0 ||
	         rename(new_key, cfg->sign_key) != 0) {
		sp_cli__err("member install: %s: %s", cfg->sign_key,
		            strerror(errno));
		goto out;
	}
	if ((err = sp_pki_write_cert(der, len, cfg->sign_cert, &why)) !=
	    SP_OK) {
		fail_msg("member install", cfg->sign_cert, err, why);
		goto out;
	}
	if (copy_file(list, cfg->trust_list) != 0)
		goto out;
	remove(req);
	fprintf(stderr,
	        "member %s: renewed signing certificate installed in %s\n"
	        "  the retired key is %s (its certificate stays listed, so "
	        "records it\n"
	        "  signed keep verifying; delete the key when you no longer "
	        "need it)\n"
	        "restart the node to sign with the new key; start once the "
	        "list has\n"
	        "reached your peers (SPEC TL-34)\n",
	        cfg->node_id, cfg->sign_cert, retired);
	rc = SP_EXIT_OK;
out:
	free(der);
	sp_enroll_req_free(r);
	sp_config_free(cfg);
	return rc;
}

/* Keys made in a token by "member init --pkcs11": DIR/token-keys.ini
 * names them; sign_key and tls_key (4096 bytes each) become their URIs.
 * 0 also when there is no such file. */
static int use_token_keys(const char *dir, sp_member_keys *tk, char *sign_key,
                          char *tls_key)
{
	char path[4096], errbuf[4096];
	const char *why = NULL;
	int err;

	if (sp_cli__path_join(path, sizeof(path), dir, TOKEN_KEYS_FILE) != 0)
		return -1;
	if (!sp_cli__exists(path))
		return 0;
	if (sp_member_keys_read(path, tk, errbuf, sizeof(errbuf)) != 0) {
		fputs(errbuf, stderr);
		return -1;
	}
	if ((err = sp_key_pkcs11_setup(tk->pkcs11_module, tk->pkcs11_pin_env,
	                               &why)) != SP_OK) {
		fail_msg("member install", path, err, why);
		return -1;
	}
	snprintf(sign_key, 4096, "%s", tk->sign_key);
	snprintf(tls_key, 4096, "%s", tk->tls_key);
	return 0;
}

/* The checked certificates, the list and the anchor into DIR. */
static int install_files(const char *dir, const uint8_t *sign_der,
                         size_t sign_len, const uint8_t *tls_der,
                         size_t tls_len, const char *list, const char *anchor)
{
	char path[4096];
	const char *why = NULL;

	if (sp_cli__path_join(path, sizeof(path), dir, "sign-cert.pem") != 0 ||
	    sp_pki_write_cert(sign_der, sign_len, path, &why) != SP_OK ||
	    sp_cli__path_join(path, sizeof(path), dir, "tls-cert.pem") != 0 ||
	    sp_pki_write_cert(tls_der, tls_len, path, &why) != SP_OK) {
		fail_msg("member install", path, SP_ERR_IO, why);
		return -1;
	}
	if (sp_cli__path_join(path, sizeof(path), dir, "trust-list.xml") != 0 ||
	    copy_file(list, path) != 0 ||
	    sp_cli__path_join(path, sizeof(path), dir,
	                      "federation-anchor.pem") != 0 ||
	    copy_file(anchor, path) != 0)
		return -1;
	return 0;
}

/* DIR/node.ini for 'silkport run', unless one is there already. */
static int install_config(const char *dir, const sp_enroll_req *r,
                          unsigned port, const sp_member_keys *tk)
{
	char cfg_path[4096];

	if (sp_cli__path_join(cfg_path, sizeof(cfg_path), dir, "node.ini") != 0)
		return -1;
	if (sp_cli__exists(cfg_path)) {
		fprintf(stderr, "member install: %s exists; kept as it is\n",
		        cfg_path);
	} else if (sp_config_write_member(
	               cfg_path, r->node_id, r->federation, port, NULL, NULL,
	               "trust-list.xml", "federation-anchor.pem",
	               "operator-ca.pem", tk->sign_key ? tk : NULL) != 0) {
		sp_cli__err("member install: %s: %s", cfg_path,
		            strerror(errno));
		return -1;
	}
	fprintf(stderr,
	        "member %s installed: certificates checked against your keys "
	        "and the\n"
	        "anchor, and listed in the trust list. Start the node with\n"
	        "  silkport run --config %s\n"
	        "(check it first with 'silkport check-config %s'; [listen] "
	        "address is 127.0.0.1)\n",
	        r->node_id, cfg_path, cfg_path);
	return 0;
}

/* After "member init": the first certificates, checked, and node.ini. */
static int install_join(const char *dir, const char *out_dir, const char *list,
                        const char *anchor)
{
	char path[4096], sign_key[4096], tls_key[4096];
	sp_member_keys tk = {NULL, NULL, NULL, NULL};
	sp_enroll_req *r = NULL;
	uint8_t *sign_der = NULL, *tls_der = NULL;
	size_t sign_len = 0, tls_len = 0;
	unsigned port;
	int rc = SP_EXIT_FAIL;

	if (sp_cli__path_join(path, sizeof(path), dir, JOIN_REQUEST_FILE) !=
	        0 ||
	    sp_cli__path_join(sign_key, sizeof(sign_key), dir,
	                      "sign-key.pem") != 0 ||
	    sp_cli__path_join(tls_key, sizeof(tls_key), dir, "tls-key.pem") !=
	        0)
		return rc;
	if (read_own_request(path, SP_DOC_JOIN_REQUEST, &r) != 0 ||
	    use_token_keys(dir, &tk, sign_key, tls_key) != 0)
		goto out;
	if (load_issued(out_dir, "sign-cert.pem", sign_key, anchor,
	                SP_CERT_SIGNING, &sign_der, &sign_len) != 0 ||
	    load_issued(out_dir, "tls-cert.pem", tls_key, anchor, SP_CERT_TLS,
	                &tls_der, &tls_len) != 0)
		goto out;
	if (list_lists(list, anchor, r->node_id, dir, sign_der, sign_len,
	               tls_der, tls_len, r->log_key, NULL, 0) != 0)
		goto out;
	if ((port = endpoint_port(r->endpoints[0])) == 0) {
		sp_cli__err("member install: %s: no port in Endpoint %s", path,
		            r->endpoints[0]);
		goto out;
	}
	if (install_files(dir, sign_der, sign_len, tls_der, tls_len, list,
	                  anchor) == 0 &&
	    install_config(dir, r, port, &tk) == 0)
		rc = SP_EXIT_OK;
out:
	sp_member_keys_clear(&tk);
	free(sign_der);
	free(tls_der);
	sp_enroll_req_free(r);
	return rc;
}

/* Key overlap (SPEC 14.30, [TL-79]): the next TLS certificate the operator
 * issued from DIR/next-tls.csr, checked against DIR's next key and the
 * anchor, and listed as this member's NextTlsCertificate, goes beside the
 * current one; node.ini is left to the member's operator (it switches once
 * the list has reached the peers). */
static int install_next_tls(const char *dir, const char *out_dir,
                            const char *list, const char *anchor)
{
	char cfg_path[4096], key[4096], path[4096], errbuf[4096];
	sp_config *cfg = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	const char *why = NULL;
	int err, rc = SP_EXIT_FAIL;

	if (sp_cli__path_join(cfg_path, sizeof(cfg_path), dir, "node.ini") !=
	        0 ||
	    sp_cli__path_join(key, sizeof(key), dir, NEXT_TLS_KEY_FILE) != 0 ||
	    sp_cli__path_join(path, sizeof(path), dir, NEXT_TLS_CERT_FILE) != 0)
		return rc;
	if ((cfg = sp_config_load(cfg_path, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return rc;
	}
	if (!sp_cli__exists(key)) {
		fail_msg("member install", key, SP_ERR_ISSUED_MISMATCH,
		         "the operator issued a next TLS certificate, but "
		         "there is no next TLS key here ('member renew "
		         "--next-tls' makes one)");
		goto out;
	}
	if (load_issued(out_dir, NEXT_TLS_CERT_FILE, key, anchor, SP_CERT_TLS,
	                &der, &len) != 0 ||
	    list_lists(list, anchor, cfg->node_id, dir, NULL, 0, NULL, 0, NULL,
	               der, len) != 0)
		goto out;
	if ((err = sp_pki_write_cert(der, len, path, &why)) != SP_OK) {
		fail_msg("member install", path, err, why);
		goto out;
	}
	if (copy_file(list, cfg->trust_list) != 0)
		goto out;
	fprintf(stderr,
	        "member %s: next TLS certificate installed in %s, checked "
	        "against %s\n"
	        "and listed as NextTlsCertificate. Once the list has reached "
	        "your peers,\n"
	        "point [tls] cert and key at them and restart the node (SPEC "
	        "14.30)\n",
	        cfg->node_id, path, key);
	rc = SP_EXIT_OK;
out:
	free(der);
	sp_config_free(cfg);
	return rc;
}

static int cmd_install(int argc, char **argv)
{
	const char *out_dir = NULL, *list = NULL, *anchor = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("issued", &out_dir, SP_CLI_REQUIRED),
	    SP_CLI_PATH("trust-list", &list, SP_CLI_REQUIRED),
	    SP_CLI_PATH("anchor", &anchor, SP_CLI_REQUIRED),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "member install", usage_text, "DIR", 1, 1, opts};
	char path[4096], uri_path[4096], **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (sp_cli__init_crypto() != 0 ||
	    sp_cli__path_join(path, sizeof(path), args[0], RENEW_KEY_FILE) !=
	        0 ||
	    sp_cli__path_join(uri_path, sizeof(uri_path), args[0],
	                      RENEW_URI_FILE) != 0)
		return SP_EXIT_FAIL;
	if (sp_cli__exists(path) || sp_cli__exists(uri_path))
		return install_renewal(args[0], out_dir, list, anchor);
	if (sp_cli__path_join(path, sizeof(path), out_dir,
	                      NEXT_TLS_CERT_FILE) != 0)
		return SP_EXIT_FAIL;
	if (sp_cli__exists(path))
		return install_next_tls(args[0], out_dir, list, anchor);
	return install_join(args[0], out_dir, list, anchor);
}

/* ---------------------------------------------------------------- renew */

/* The renewal request: a CSR for the new key, signed by the current key
 * (in r) and then by the new one into `req`. */
static int renew_request(const sp_config *cfg, char *new_key,
                         const char *uri_file, const char *req, uint64_t days)
{
	sp_key *old = NULL;
	sp_enroll_req r;
	const char *why = NULL, *file = cfg->sign_key;
	char cn[256];
	int err, rc = -1;

	memset(&r, 0, sizeof(r));
	/* the listed key may be a pkcs11: URI: the token settings first */
	if ((err = sp_key_pkcs11_setup(cfg->pkcs11_module, cfg->pkcs11_pin_env,
	                               &why)) != SP_OK ||
	    (err = sp_key_load(cfg->sign_key, cfg->sign_cert, &old, &why)) !=
	        SP_OK)
		goto fail;
	/* the new key where the listed one is: in its token, or a file */
	if (sp_key_is_pkcs11(cfg->sign_key)) {
		if (sp_cli__token_renew_key(cfg, sp_key_get_alg(old), uri_file,
		                            new_key, 4096) != 0)
			goto out;
	} else {
		file = new_key;
		if ((err = sp_pki_keygen(sp_key_get_alg(old), new_key, &why)) !=
		    SP_OK)
			goto fail;
	}
	r.kind = SP_DOC_RENEWAL_REQUEST;
	snprintf(r.federation, sizeof(r.federation), "%s", cfg->federation);
	snprintf(r.node_id, sizeof(r.node_id), "%s", cfg->node_id);
	r.created = (int64_t)time(NULL);
	r.expires = r.created + (int64_t)days * 86400;
	snprintf(cn, sizeof(cn), "%s record signing", cfg->node_id);
	if ((err = sp_pki_csr_make(new_key, cn, &r.signing_csr,
	                           &r.signing_csr_len, &why)) != SP_OK ||
	    (err = sp_enroll_sign_previous(&r, old, &why)) != SP_OK)
		goto fail;
	rc = sign_and_write("member renew", &r, new_key, req);
	goto out;
fail:
	fail_msg("member renew", file, err, why);
out:
	free(r.signing_csr);
	free(r.previous_cert);
	free(r.previous_sig);
	sp_key_free(old);
	return rc;
}

/* A new signing key beside the current one named by DIR/node.ini. */
static int renew(const char *dir, uint64_t days)
{
	char cfg_path[4096], new_key[4096], req[4096], errbuf[4096];
	char uri_file[4096];
	sp_config *cfg = NULL;
	int rc = SP_EXIT_FAIL;

	if (sp_cli__path_join(cfg_path, sizeof(cfg_path), dir, "node.ini") !=
	        0 ||
	    sp_cli__path_join(new_key, sizeof(new_key), dir, RENEW_KEY_FILE) !=
	        0 ||
	    sp_cli__path_join(uri_file, sizeof(uri_file), dir,
	                      RENEW_URI_FILE) != 0 ||
	    sp_cli__path_join(req, sizeof(req), dir, RENEW_REQUEST_FILE) != 0)
		return rc;
	if (sp_cli__init_crypto() != 0)
		return rc;
	if ((cfg = sp_config_load(cfg_path, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return rc;
	}
	if (sp_cli__exists(new_key) || sp_cli__exists(uri_file)) {
		sp_cli__err("member renew: %s exists: a renewal is pending "
		            "(install it, or delete it and %s to start over)",
		            sp_cli__exists(new_key) ? new_key : uri_file, req);
		goto out;
	}
	if (renew_request(cfg, new_key, uri_file, req, days) != 0)
		goto out;
	fprintf(stderr,
	        "member %s: new signing key %s (it stays here)\n"
	        "send %s to the operator of federation %s; it is signed by "
	        "the new key\n"
	        "and by your current one. Digest, to confirm by another "
	        "channel:\n",
	        cfg->node_id, new_key, req, cfg->federation);
	print_digest(req);
	fprintf(stderr,
	        "then 'silkport member install %s --issued OUT --trust-list "
	        "LIST --anchor OPCERT'.\n",
	        dir);
	rc = SP_EXIT_OK;
out:
	sp_config_free(cfg);
	return rc;
}

/* Key overlap (SPEC 14.30): the member's next TLS key and its CSR, and
 * its next checkpoint key, made here beside the current ones; only public
 * parts go to the operator. Existing files are never replaced. */
static int renew_next_tls(const char *dir, const sp_config *cfg)
{
	char key[4096], csr_path[4096];
	uint8_t *csr = NULL;
	size_t csr_len = 0;
	sp_key *cur = NULL;
	const char *why = NULL;
	int err, rc = -1;

	if (sp_cli__path_join(key, sizeof(key), dir, "next-tls-key.pem") != 0 ||
	    sp_cli__path_join(csr_path, sizeof(csr_path), dir,
	                      "next-tls.csr") != 0)
		return -1;
	/* the same algorithm as the current TLS key */
	if ((err = sp_key_load(cfg->tls_key, cfg->tls_cert, &cur, &why)) !=
	        SP_OK ||
	    (err = sp_pki_keygen(sp_key_get_alg(cur), key, &why)) != SP_OK ||
	    (err = sp_pki_csr_make(key, cfg->node_id, &csr, &csr_len, &why)) !=
	        SP_OK) {
		fail_msg("member renew --next-tls", key, err, why);
		goto out;
	}
	if (sp_cli__write_output(csr_path, csr, csr_len, 0) != 0)
		goto out;
	fprintf(stderr,
	        "member %s: next TLS key %s (it stays here); send %s to the "
	        "operator\n",
	        cfg->node_id, key, csr_path);
	rc = 0;
out:
	free(csr);
	sp_key_free(cur);
	return rc;
}

static int renew_next_log_key(const char *dir, const sp_config *cfg)
{
	char key[4096], origin[SP_CHECKPOINT_ORIGIN_MAX], *vkey = NULL;
	const char *why = NULL;
	int err;

	if (sp_cli__path_join(key, sizeof(key), dir, "next-log-key.pem") != 0)
		return -1;
	/* the same key name (origin line) as the current key (LOG-6) */
	if (sp_checkpoint_origin(cfg->federation, cfg->node_id, origin) !=
	        SP_OK ||
	    (err = sp_note_keygen(origin, key, &vkey, &why)) != SP_OK) {
		fail_msg("member renew --next-log-key", key, SP_ERR_FIELD, why);
		return -1;
	}
	printf("%s\n", vkey);
	fprintf(stderr,
	        "member %s: next checkpoint key %s (it stays here); send the "
	        "verifier key above to the operator\n",
	        cfg->node_id, key);
	free(vkey);
	return 0;
}

static int renew_next(const char *dir, int tls, int log_key)
{
	char cfg_path[4096], errbuf[4096];
	sp_config *cfg = NULL;
	int rc = SP_EXIT_FAIL;

	if (sp_cli__path_join(cfg_path, sizeof(cfg_path), dir, "node.ini") !=
	        0 ||
	    sp_cli__init_crypto() != 0)
		return rc;
	if ((cfg = sp_config_load(cfg_path, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return rc;
	}
	if ((!tls || renew_next_tls(dir, cfg) == 0) &&
	    (!log_key || renew_next_log_key(dir, cfg) == 0))
		rc = SP_EXIT_OK;
	sp_config_free(cfg);
	return rc;
}

static int cmd_renew(int argc, char **argv)
{
	uint64_t days = REQUEST_DAYS;
	int next_tls = 0, next_log = 0;
	const sp_cli_opt opts[] = {
	    SP_CLI_U64("valid-days", &days, 1, 30, 0),
	    SP_CLI_FLAG("next-tls", &next_tls),
	    SP_CLI_FLAG("next-log-key", &next_log),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"member renew", usage_text, "DIR", 1, 1, opts};
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (next_tls || next_log)
		return renew_next(args[0], next_tls, next_log);
	return renew(args[0], days);
}

int sp_cli_member(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "install") == 0)
		return cmd_install(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "renew") == 0)
		return cmd_renew(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return SP_EXIT_OK;
	}
	fputs(usage_text, stderr);
	return SP_EXIT_USAGE;
}
