/* enroll_test.c: join and renewal requests (SPEC 7.8): a correct request
 * opens; each bad one is refused with its named error; certificates issued
 * from CSRs fit their profiles and the member's check refuses altered or
 * foreign ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "unit/trust/trust_fixture.h"

static char g_dir[64];
static char g_ca_key[128], g_ca_cert[128];
static int g_n;

static int setup(void **state)
{
	const char *why = NULL;

	(void)state;
	if (sp_trust_init() != SP_OK)
		return -1;
	snprintf(g_dir, sizeof(g_dir), "/tmp/sp-enroll-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	fx_path(g_ca_key, sizeof(g_ca_key), g_dir, "ca.key");
	fx_path(g_ca_cert, sizeof(g_ca_cert), g_dir, "ca.crt");
	return sp_pki_make_ca("Test CA", SP_KEY_P256, 30, g_ca_key, g_ca_cert,
	                      &why) == SP_OK
	           ? 0
	           : -1;
}

static int teardown(void **state)
{
	fx_fed f;

	(void)state;
	memset(&f, 0, sizeof(f));
	memcpy(f.dir, g_dir, sizeof(g_dir));
	fx_teardown(&f);
	sp_trust_cleanup();
	return 0;
}

/* A fresh file name in the test folder. */
static void fresh(char *out, size_t cap, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%d.pem", what, g_n++);
	fx_path(out, cap, g_dir, name);
}

/* Copy the file at path to the end of f (an anchor file of several
 * certificates). */
static void append_file(FILE *f, const char *path)
{
	FILE *in = fopen(path, "r");
	char buf[4096];
	size_t n;

	assert_non_null(in);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(in);
}

struct member {
	char sign[128], tls[128], log[128];
};

static void keys(struct member *m)
{
	const char *why = NULL;

	fresh(m->sign, sizeof(m->sign), "sign");
	fresh(m->tls, sizeof(m->tls), "tls");
	fresh(m->log, sizeof(m->log), "log");
	assert_int_equal(sp_pki_keygen(SP_KEY_P256, m->sign, &why), SP_OK);
	assert_int_equal(sp_pki_keygen(SP_KEY_P256, m->tls, &why), SP_OK);
	assert_int_equal(sp_pki_keygen(SP_KEY_ED25519, m->log, &why), SP_OK);
}

/* The fields of a join request for m, proofs made; not yet built. */
static void join_fields(sp_enroll_req *r, const struct member *m,
                        const char *node, int64_t created)
{
	static char url[] = "https://127.0.0.1:7400";
	static char *eps[] = {url};
	static char name[] = "a member";
	const char *why = NULL;

	memset(r, 0, sizeof(*r));
	r->kind = SP_DOC_JOIN_REQUEST;
	snprintf(r->federation, sizeof(r->federation), "silk");
	snprintf(r->node_id, sizeof(r->node_id), "%s", node);
	r->name = name;
	r->role = SP_ROLE_ZONE;
	r->endpoints = eps;
	r->n_endpoints = 1;
	r->created = created;
	r->expires = created + 7 * 86400;
	assert_int_equal(sp_pki_csr_make(m->sign, "s", &r->signing_csr,
	                                 &r->signing_csr_len, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_pki_csr_make(m->tls, node, &r->tls_csr, &r->tls_csr_len, &why),
	    SP_OK);
	assert_int_equal(sp_enroll_prove_log_key(r, m->log, &why), SP_OK);
}

static void join_clear(sp_enroll_req *r)
{
	free(r->signing_csr);
	free(r->tls_csr);
	free(r->log_key);
	free(r->log_key_proof);
	memset(r, 0, sizeof(*r));
}

/* Build r and sign it with the key in key_path. */
static uint8_t *build_signed(const sp_enroll_req *r, const char *key_path,
                             size_t *len)
{
	uint8_t *doc = NULL, *out = NULL;
	size_t dlen;
	sp_key *k = NULL;
	const char *why = NULL;

	assert_int_equal(sp_enroll_req_build(r, &doc, &dlen, &why), SP_OK);
	assert_int_equal(sp_key_load_bare(key_path, &k, &why), SP_OK);
	assert_int_equal(sp_sign_document(k, doc, dlen, &out, len, &why),
	                 SP_OK);
	sp_key_free(k);
	free(doc);
	return out;
}

static int open_join(const uint8_t *b, size_t n, const char *fed)
{
	sp_enroll_req *r = NULL;
	const char *why = NULL;
	int err =
	    sp_enroll_open(b, n, SP_DOC_JOIN_REQUEST, fed, NULL, &r, &why);

	if (err == SP_OK)
		assert_non_null(r);
	else
		assert_null(r);
	sp_enroll_req_free(r);
	return err;
}

static void test_join_ok(void **state)
{
	struct member m;
	sp_enroll_req r, *got = NULL;
	uint8_t *b;
	size_t n;
	const char *why = NULL;

	(void)state;
	keys(&m);
	join_fields(&r, &m, "CN-ZZ", (int64_t)time(NULL));
	b = build_signed(&r, m.sign, &n);
	assert_null(strstr((const char *)b, "PRIVATE"));
	assert_null(strstr((const char *)b, "KeyInfo"));
	assert_int_equal(
	    sp_enroll_open(b, n, SP_DOC_JOIN_REQUEST, "silk", NULL, &got, &why),
	    SP_OK);
	assert_string_equal(got->node_id, "CN-ZZ");
	assert_string_equal(got->endpoints[0], "https://127.0.0.1:7400");
	assert_string_equal(got->log_key, r.log_key);
	assert_int_equal(got->role, SP_ROLE_ZONE);
	assert_memory_equal(got->tls_csr, r.tls_csr, r.tls_csr_len);
	sp_enroll_req_free(got);
	/* the other kind's root is refused */
	assert_int_equal(sp_enroll_open(b, n, SP_DOC_RENEWAL_REQUEST, NULL,
	                                NULL, &got, &why),
	                 SP_ERR_WRONG_DOCUMENT);
	free(b);
	join_clear(&r);
}

static void test_wrong_signer(void **state)
{
	struct member m, other;
	sp_enroll_req r;
	uint8_t *b;
	size_t n;

	(void)state;
	keys(&m);
	keys(&other);
	join_fields(&r, &m, "CN-ZZ", (int64_t)time(NULL));
	b = build_signed(&r, other.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_REQUEST_SIGNER);
	free(b);
	/* signed by the TLS key of the same member: still not its signer */
	b = build_signed(&r, m.tls, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_REQUEST_SIGNER);
	free(b);
	join_clear(&r);
}

static void test_altered(void **state)
{
	struct member m;
	sp_enroll_req r;
	uint8_t *b;
	char *p;
	size_t n;

	(void)state;
	keys(&m);
	join_fields(&r, &m, "CN-ZZ", (int64_t)time(NULL));
	b = build_signed(&r, m.sign, &n);
	p = strstr((char *)b, "a member");
	assert_non_null(p);
	p[0] = 'A';
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_SIG_INVALID);
	free(b);
	join_clear(&r);
}

static void test_csr_not_proven(void **state)
{
	struct member m;
	sp_enroll_req r;
	uint8_t *b;
	size_t n;

	(void)state;
	keys(&m);
	/* the TLS CSR's self-signature broken (its last byte) */
	join_fields(&r, &m, "CN-ZZ", (int64_t)time(NULL));
	r.tls_csr[r.tls_csr_len - 1] ^= 0x01;
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_KEY_UNPROVEN);
	free(b);
	join_clear(&r);
	/* the signing CSR's */
	join_fields(&r, &m, "CN-ZZ", (int64_t)time(NULL));
	r.signing_csr[r.signing_csr_len - 1] ^= 0x01;
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_KEY_UNPROVEN);
	free(b);
	join_clear(&r);
}

static void test_log_key_proof(void **state)
{
	struct member m, other;
	sp_enroll_req r, r2;
	uint8_t *b, *swap;
	size_t n;

	(void)state;
	keys(&m);
	keys(&other);
	/* a proof made for another request (other CSRs) does not carry */
	join_fields(&r, &m, "CN-ZZ", (int64_t)time(NULL));
	join_fields(&r2, &other, "CN-ZZ", (int64_t)time(NULL));
	swap = r.log_key_proof;
	r.log_key_proof = r2.log_key_proof;
	r2.log_key_proof = swap;
	free(r.log_key);
	r.log_key = strdup(r2.log_key);
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_KEY_UNPROVEN);
	free(b);
	join_clear(&r);
	join_clear(&r2);
}

static void test_times_and_federation(void **state)
{
	struct member m;
	sp_enroll_req r;
	uint8_t *b;
	size_t n;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	keys(&m);
	join_fields(&r, &m, "CN-ZZ", now - 10 * 86400);
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_REQUEST_EXPIRED);
	free(b);
	join_clear(&r);

	join_fields(&r, &m, "CN-ZZ", now + 3600);
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_ISSUED_IN_FUTURE);
	free(b);
	join_clear(&r);

	join_fields(&r, &m, "CN-ZZ", now);
	r.expires = now + 31 * 86400;
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "silk"), SP_ERR_FIELD);
	free(b);
	join_clear(&r);

	join_fields(&r, &m, "CN-ZZ", now);
	b = build_signed(&r, m.sign, &n);
	assert_int_equal(open_join(b, n, "other"), SP_ERR_WRONG_FEDERATION);
	assert_int_equal(open_join(b, n, NULL), SP_OK);
	free(b);
	join_clear(&r);
}

static void test_keygen_never_replaces(void **state)
{
	char p[128];
	const char *why = NULL;
	struct stat st;

	(void)state;
	fresh(p, sizeof(p), "k");
	assert_int_equal(sp_pki_keygen(SP_KEY_RSA2048, p, &why), SP_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sp_pki_keygen(SP_KEY_P256, p, &why), SP_ERR_IO);
}

static void test_issue_and_check(void **state)
{
	struct member m, other;
	sp_enroll_req r;
	uint8_t *sd = NULL, *td = NULL;
	size_t sl, tl;
	const char *sans[] = {"127.0.0.1", "node.example", NULL};
	const char *why = NULL;
	int64_t now = (int64_t)time(NULL);
	char other_ca_key[128], other_ca[128];

	(void)state;
	keys(&m);
	keys(&other);
	join_fields(&r, &m, "CN-ZZ", now);
	assert_int_equal(sp_pki_issue_csr(g_ca_key, g_ca_cert, SP_CERT_SIGNING,
	                                  r.signing_csr, r.signing_csr_len,
	                                  "CN-ZZ record signing", NULL, 825,
	                                  &sd, &sl, &why),
	                 SP_OK);
	assert_int_equal(sp_pki_issue_csr(g_ca_key, g_ca_cert, SP_CERT_TLS,
	                                  r.tls_csr, r.tls_csr_len, "CN-ZZ",
	                                  sans, 825, &td, &tl, &why),
	                 SP_OK);
	assert_int_equal(sp_pki_issued_check(sd, sl, m.sign, g_ca_cert,
	                                     SP_CERT_SIGNING, now, &why),
	                 SP_OK);
	assert_int_equal(sp_pki_issued_check(td, tl, m.tls, g_ca_cert,
	                                     SP_CERT_TLS, now, &why),
	                 SP_OK);
	/* the profiles: a CA is no member certificate; keyUsage and
	 * extendedKeyUsage are checked when present */
	{
		uint8_t *ca = NULL;
		size_t cl;

		assert_int_equal(sp_pki_cert_der(g_ca_cert, &ca, &cl, &why),
		                 SP_OK);
		assert_int_equal(
		    sp_pki_cert_profile_check(ca, cl, SP_CERT_SIGNING, &why),
		    SP_ERR_CERT_INVALID);
		free(ca);
	}
	assert_int_equal(
	    sp_pki_cert_profile_check(sd, sl, SP_CERT_SIGNING, &why), SP_OK);
	assert_int_equal(sp_pki_cert_profile_check(td, tl, SP_CERT_TLS, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_pki_cert_profile_check(td, tl, SP_CERT_OPERATOR, &why), SP_OK);
	/* a certificate for another key */
	assert_int_equal(sp_pki_issued_check(sd, sl, other.sign, g_ca_cert,
	                                     SP_CERT_SIGNING, now, &why),
	                 SP_ERR_ISSUED_MISMATCH);
	assert_int_equal(sp_pki_issued_check(td, tl, m.sign, g_ca_cert,
	                                     SP_CERT_SIGNING, now, &why),
	                 SP_ERR_ISSUED_MISMATCH);
	/* by another CA */
	fresh(other_ca_key, sizeof(other_ca_key), "ca2key");
	fresh(other_ca, sizeof(other_ca), "ca2");
	assert_int_equal(sp_pki_make_ca("Other CA", SP_KEY_P256, 30,
	                                other_ca_key, other_ca, &why),
	                 SP_OK);
	assert_int_equal(sp_pki_issued_check(sd, sl, m.sign, other_ca,
	                                     SP_CERT_SIGNING, now, &why),
	                 SP_ERR_ISSUED_MISMATCH);
	/* an anchor file of several certificates (an SM2 list signer before
	 * the issuing CA, as federation init --list-alg sm2 writes it): the
	 * issuer is found among them, and a file without it still refuses */
	{
		char sm2_key[128], sm2_cert[128], both[128];
		FILE *f;

		fresh(sm2_key, sizeof(sm2_key), "lskey");
		fresh(sm2_cert, sizeof(sm2_cert), "ls");
		fresh(both, sizeof(both), "anchors");
		assert_int_equal(sp_pki_make_ca("List signer", SP_KEY_SM2, 30,
		                                sm2_key, sm2_cert, &why),
		                 SP_OK);
		assert_non_null(f = fopen(both, "w"));
		append_file(f, sm2_cert);
		append_file(f, g_ca_cert);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(sp_pki_issued_check(sd, sl, m.sign, both,
		                                     SP_CERT_SIGNING, now,
		                                     &why),
		                 SP_OK);
		assert_int_equal(sp_pki_issued_check(sd, sl, m.sign, sm2_cert,
		                                     SP_CERT_SIGNING, now,
		                                     &why),
		                 SP_ERR_ISSUED_MISMATCH);
	}
	/* altered: a byte of the signature */
	sd[sl - 3] ^= 0x01;
	assert_int_equal(sp_pki_issued_check(sd, sl, m.sign, g_ca_cert,
	                                     SP_CERT_SIGNING, now, &why),
	                 SP_ERR_ISSUED_MISMATCH);
	/* a CSR whose self-signature fails is not issued from */
	r.tls_csr[r.tls_csr_len - 1] ^= 0x01;
	free(td);
	td = NULL;
	assert_int_equal(sp_pki_issue_csr(g_ca_key, g_ca_cert, SP_CERT_TLS,
	                                  r.tls_csr, r.tls_csr_len, "CN-ZZ",
	                                  sans, 825, &td, &tl, &why),
	                 SP_ERR_KEY_UNPROVEN);
	assert_null(td);
	free(sd);
	join_clear(&r);
}

static void test_renewal(void **state)
{
	struct member m, thief;
	char old_cert[128], new_key[128];
	sp_key *old = NULL;
	sp_enroll_req r, *got = NULL;
	sp_tl_signing_cert sc;
	sp_tl_member listed;
	uint8_t *b;
	size_t n;
	const char *why = NULL;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	keys(&m);
	keys(&thief);
	fresh(old_cert, sizeof(old_cert), "oldcert");
	fresh(new_key, sizeof(new_key), "newkey");
	/* the member's current, listed certificate */
	{
		uint8_t *csr = NULL, *der = NULL;
		size_t cl, dl;

		assert_int_equal(sp_pki_csr_make(m.sign, "s", &csr, &cl, &why),
		                 SP_OK);
		assert_int_equal(sp_pki_issue_csr(g_ca_key, g_ca_cert,
		                                  SP_CERT_SIGNING, csr, cl,
		                                  "CN-ZZ record signing", NULL,
		                                  30, &der, &dl, &why),
		                 SP_OK);
		assert_int_equal(sp_pki_write_cert(der, dl, old_cert, &why),
		                 SP_OK);
		free(csr);
		free(der);
	}
	assert_int_equal(sp_key_load(m.sign, old_cert, &old, &why), SP_OK);
	assert_int_equal(sp_pki_keygen(SP_KEY_P256, new_key, &why), SP_OK);
	memset(&r, 0, sizeof(r));
	r.kind = SP_DOC_RENEWAL_REQUEST;
	snprintf(r.federation, sizeof(r.federation), "silk");
	snprintf(r.node_id, sizeof(r.node_id), "CN-ZZ");
	r.created = now;
	r.expires = now + 86400;
	assert_int_equal(sp_pki_csr_make(new_key, "s", &r.signing_csr,
	                                 &r.signing_csr_len, &why),
	                 SP_OK);
	assert_int_equal(sp_enroll_sign_previous(&r, old, &why), SP_OK);
	b = build_signed(&r, new_key, &n);
	assert_int_equal(sp_enroll_open(b, n, SP_DOC_RENEWAL_REQUEST, "silk",
	                                NULL, &got, &why),
	                 SP_OK);
	free(b);

	memset(&listed, 0, sizeof(listed));
	snprintf(listed.node_id, sizeof(listed.node_id), "CN-ZZ");
	memset(&sc, 0, sizeof(sc));
	{
		size_t dl = 0;
		const uint8_t *d = sp_key_cert_der(old, &dl);

		sc.der = malloc(dl);
		assert_non_null(sc.der);
		memcpy(sc.der, d, dl);
		sc.der_len = dl;
	}
	listed.signing = &sc;
	listed.n_signing = 1;
	assert_int_equal(sp_enroll_check_previous(got, &listed, &why), SP_OK);
	/* the listed key's signature altered */
	got->previous_sig[got->previous_sig_len / 2] ^= 0x01;
	assert_int_equal(sp_enroll_check_previous(got, &listed, &why),
	                 SP_ERR_REQUEST_SIGNER);
	got->previous_sig[got->previous_sig_len / 2] ^= 0x01;
	/* a member that does not list PreviousCertificate */
	listed.n_signing = 0;
	assert_int_equal(sp_enroll_check_previous(got, &listed, &why),
	                 SP_ERR_REQUEST_SIGNER);
	sp_enroll_req_free(got);
	got = NULL;

	/* a renewal whose request is signed by a third key */
	b = build_signed(&r, thief.sign, &n);
	assert_int_equal(sp_enroll_open(b, n, SP_DOC_RENEWAL_REQUEST, "silk",
	                                NULL, &got, &why),
	                 SP_ERR_REQUEST_SIGNER);
	free(b);
	free(r.signing_csr);
	free(r.previous_cert);
	free(r.previous_sig);
	free(sc.der);
	sp_key_free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_join_ok),
	    cmocka_unit_test(test_wrong_signer),
	    cmocka_unit_test(test_altered),
	    cmocka_unit_test(test_csr_not_proven),
	    cmocka_unit_test(test_log_key_proof),
	    cmocka_unit_test(test_times_and_federation),
	    cmocka_unit_test(test_keygen_never_replaces),
	    cmocka_unit_test(test_issue_and_check),
	    cmocka_unit_test(test_renewal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
