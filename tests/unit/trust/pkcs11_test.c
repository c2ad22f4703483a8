/* pkcs11_test.c: keys in a SoftHSM2 token: generation inside the token,
 * records signed with a token key that verify, PIN errors, URI checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trust_int.h"
#include "unit/trust/trust_fixture.h"

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define PIN            "4711"

static fx_fed g_fed;
static char g_tok[64];     /* the token folder */
static char g_pinfile[96]; /* holds PIN */

static int run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "pkcs11_test: '%s' failed (%d)\n", cmd, rc);
	return rc;
}

static int group_setup(void **state)
{
	char conf[128], cmd[512];
	FILE *f;

	(void)state;
	if (fx_setup(&g_fed) != SP_OK)
		return -1;
	snprintf(g_tok, sizeof(g_tok), "/tmp/sp-p11-XXXXXX");
	if (mkdtemp(g_tok) == NULL)
		return -1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", g_tok);
	snprintf(cmd, sizeof(cmd), "mkdir %s/tokens", g_tok);
	if (run(cmd) != 0 || (f = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(f,
	        "directories.tokendir = %s/tokens\nobjectstore.backend = "
	        "file\nlog.level = ERROR\n",
	        g_tok);
	fclose(f);
	snprintf(g_pinfile, sizeof(g_pinfile), "%s/pin", g_tok);
	if ((f = fopen(g_pinfile, "w")) == NULL)
		return -1;
	fputs(PIN "\n", f);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	/* Two tokens: "sp-unit" holds the keys, "sp-other" is never logged
	 * in by the engine, so a wrong PIN there meets the token itself. */
	if (run("softhsm2-util --init-token --free --label sp-unit --pin " PIN
	        " --so-pin 12345678 >/dev/null") != 0 ||
	    run("softhsm2-util --init-token --free --label sp-other --pin " PIN
	        " --so-pin 12345678 >/dev/null") != 0)
		return -1;
	setenv("SP_UNIT_PIN", PIN, 1);
	if (sp_key_pkcs11_setup(SOFTHSM_MODULE, "SP_UNIT_PIN", NULL) != SP_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	fx_teardown(&g_fed);
	sp_trust_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_tok);
	return run(cmd) == 0 ? 0 : -1;
}

/* A signing certificate for `pub` issued by the fixture's operator CA,
 * with the profile sp_pki_issue() gives (SPEC 3). PEM at out_path; *der
 * malloc'd. */
static void issue_signing_cert(EVP_PKEY *pub, const char *cn,
                               const char *out_path, uint8_t **der,
                               size_t *der_len)
{
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL, *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	unsigned char serial[16];
	BIGNUM *bn;
	FILE *f;
	unsigned char *d = NULL;
	int dl;

	assert_non_null(x);
	f = fopen(g_fed.ca_key, "r");
	assert_non_null(f);
	ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	f = fopen(g_fed.ca_cert, "r");
	assert_non_null(f);
	ca = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(ca_key);
	assert_non_null(ca);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(RAND_bytes(serial, sizeof(serial)), 1);
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
	BN_free(bn);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 30 * 86400));
	assert_int_equal(X509_NAME_add_entry_by_txt(
	                     X509_get_subject_name(x), "CN", MBSTRING_UTF8,
	                     (const unsigned char *)cn, -1, -1, 0),
	                 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(ca)), 1);
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	                          "critical,CA:FALSE");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
	                          "critical,digitalSignature,nonRepudiation");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
	f = fopen(out_path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	dl = i2d_X509(x, &d);
	assert_true(dl > 0);
	*der = malloc((size_t)dl);
	assert_non_null(*der);
	memcpy(*der, d, (size_t)dl);
	*der_len = (size_t)dl;
	OPENSSL_free(d);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
}

/* Generate a key for member `who` in the token, certify it, list it, sign
 * a record with it and verify the record against the new list. */
static void sign_with_token_key(int who, sp_key_alg alg, const char *label)
{
	char *uri = NULL, cert[128];
	const char *why = NULL;
	EVP_PKEY *pk = NULL;
	sp_key *key = NULL;
	uint8_t *der = NULL, *tl = NULL, *u = NULL, *s = NULL, *s2 = NULL;
	size_t der_len = 0, tl_len = 0, ulen = 0, n = 0, n2 = 0;
	sp_trust *t = NULL;
	sp_record *rec = NULL;
	int rc;

	rc = sp_key_pkcs11_generate("pkcs11:token=sp-unit", alg, label, &uri,
	                            &why);
	if (rc != SP_OK)
		fail_msg("generate: %s: %s", sp_strerror(rc), why);
	assert_string_equal(uri + strlen(uri) - 13, ";type=private");
	assert_int_equal(sp_key_load_private(uri, &pk, &why), SP_OK);
	assert_int_equal(sp_trust__key_alg(pk), alg);
	snprintf(cert, sizeof(cert), "%s/%s.crt", g_tok, label);
	issue_signing_cert(pk, fx_ids[who], cert, &der, &der_len);
	EVP_PKEY_free(pk);
	rc = sp_key_load(uri, cert, &key, &why);
	if (rc != SP_OK)
		fail_msg("sp_key_load: %s: %s", sp_strerror(rc), why);
	assert_int_equal(sp_key_get_alg(key), alg);

	g_fed.sign_der[who] = der;
	g_fed.sign_der_len[who] = der_len;
	assert_int_equal(fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now - 60,
	                             g_fed.ca, &tl, &tl_len),
	                 SP_OK);
	g_fed.sign_der[who] = NULL;
	assert_int_equal(
	    sp_trust_open(g_fed.anchors, tl, tl_len, NULL, NULL, &t, &why),
	    SP_OK);

	assert_int_equal(
	    fx_record(fx_ids[who], 1, "declaration", g_fed.now - 10, &u, &ulen),
	    SP_OK);
	rc = sp_sign_document(key, u, ulen, &s, &n, &why);
	if (rc != SP_OK)
		fail_msg("sign with the token key: %s: %s", sp_strerror(rc),
		         why);
	rc = sp_verify_record(t, s, n, NULL, NULL, &rec, &why);
	if (rc != SP_OK)
		fail_msg("verify: %s: %s", sp_strerror(rc), why);
	assert_string_equal(sp_record_origin(rec), fx_ids[who]);
	sp_record_free(rec);
	/* The list names the token key only: the member's old file key no
	 * longer signs for it. */
	assert_int_equal(
	    sp_sign_document(g_fed.k[who], u, ulen, &s2, &n2, &why), SP_OK);
	assert_int_equal(sp_verify_record(t, s2, n2, NULL, NULL, NULL, &why),
	                 SP_ERR_SIG_INVALID);
	/* Receipts and trust lists sign the same way. */
	free(s2);
	s2 = NULL;
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 7, g_fed.now - 60, key, &s2, &n2),
	    SP_OK);

	free(s2);
	free(s);
	free(u);
	free(tl);
	free(der);
	sp_trust_unref(t);
	sp_key_free(key);
	free(uri);
}

static void test_p256_token_key_signs(void **state)
{
	(void)state;
	sign_with_token_key(0, SP_KEY_P256, "sign-p256");
}

static void test_rsa_token_key_signs(void **state)
{
	(void)state;
	sign_with_token_key(1, SP_KEY_RSA2048, "sign-rsa");
}

/* The path that signs with a token key writes what xmlsec writes: with a
 * deterministic RSA PKCS#1 v1.5 signature, the very same bytes. */
static void test_external_path_matches_xmlsec(void **state)
{
	struct sp_key ext;
	uint8_t *u = NULL, *a = NULL, *b = NULL;
	size_t ulen = 0, na = 0, nb = 0;
	const char *why = NULL;
	int who;

	(void)state;
	for (who = 0; who < 2; who++) {
		assert_int_equal(fx_record(fx_ids[who], 3, "waybill",
		                           g_fed.now - 5, &u, &ulen),
		                 SP_OK);
		ext = *g_fed.k[who];
		ext.external = 1;
		assert_int_equal(
		    sp_sign_document(g_fed.k[who], u, ulen, &a, &na, &why),
		    SP_OK);
		assert_int_equal(sp_sign_document(&ext, u, ulen, &b, &nb, &why),
		                 SP_OK);
		assert_int_equal(sp_verify_record(g_fed.trust, b, nb, NULL,
		                                  NULL, NULL, &why),
		                 SP_OK);
		if (who == 1) {
			assert_int_equal(na, nb);
			assert_memory_equal(a, b, na);
		} else { /* ECDSA: same up to SignatureValue */
			int i = fx_find(a, na, "<ds:SignatureValue>");

			assert_true(i > 0);
			assert_int_equal(fx_find(b, nb, "<ds:SignatureValue>"),
			                 i);
			assert_memory_equal(a, b, (size_t)i);
		}
		free(a);
		free(b);
		free(u);
	}
}

static void test_wrong_pin(void **state)
{
	const char *why = NULL;
	EVP_PKEY *pk = NULL;
	char *uri = NULL;
	int rc;

	(void)state;
	/* The PIN from the environment variable [pkcs11] pin_env names. */
	setenv("SP_UNIT_PIN", "0000", 1);
	rc = sp_key_pkcs11_generate("pkcs11:token=sp-other", SP_KEY_P256, "x",
	                            &uri, &why);
	assert_int_equal(rc, SP_ERR_TOKEN_PIN);
	assert_null(uri);
	assert_non_null(strstr(why, "'sp-other'"));
	assert_non_null(strstr(why, "wrong PIN"));
	assert_null(strstr(why, "0000"));
	setenv("SP_UNIT_PIN", PIN, 1);
	assert_int_equal(sp_key_pkcs11_generate("pkcs11:token=sp-other",
	                                        SP_KEY_P256, "other", &uri,
	                                        &why),
	                 SP_OK);
	free(uri);
	/* pin-value in the URI takes precedence, and is never echoed. */
	rc = sp_key_load_private(
	    "pkcs11:token=sp-other;object=other?pin-value=0000", &pk, &why);
	assert_int_equal(rc, SP_ERR_TOKEN_PIN);
	assert_null(pk);
	assert_non_null(strstr(why, "'sp-other'"));
	assert_null(strstr(why, "0000"));
	assert_string_equal(sp_strerror(rc), "token-pin");
	/* pin-source: a file holding the PIN. */
	{
		char u[256];

		snprintf(u, sizeof(u),
		         "pkcs11:token=sp-other;object=other?pin-source=%s",
		         g_pinfile);
		assert_int_equal(sp_key_load_private(u, &pk, &why), SP_OK);
		EVP_PKEY_free(pk);
		pk = NULL;
		snprintf(u, sizeof(u),
		         "pkcs11:token=sp-other;object=other?pin-source=%s."
		         "missing",
		         g_pinfile);
		assert_int_equal(sp_key_load_private(u, &pk, &why), SP_ERR_IO);
	}
	/* No PIN anywhere. */
	unsetenv("SP_UNIT_PIN");
	rc = sp_key_load_private("pkcs11:token=sp-unit;object=sign-p256", &pk,
	                         &why);
	assert_int_equal(rc, SP_ERR_TOKEN_PIN);
	assert_non_null(strstr(why, "SP_UNIT_PIN"));
	setenv("SP_UNIT_PIN", PIN, 1);
}

static void test_not_found(void **state)
{
	const char *why = NULL;
	EVP_PKEY *pk = NULL;
	char *uri = NULL;

	(void)state;
	assert_int_equal(
	    sp_key_load_private("pkcs11:token=no-such;object=k", &pk, &why),
	    SP_ERR_TOKEN);
	assert_non_null(strstr(why, "'no-such' not found"));
	assert_int_equal(
	    sp_key_load_private("pkcs11:token=sp-unit;object=no-such-key", &pk,
	                        &why),
	    SP_ERR_TOKEN);
	assert_non_null(strstr(why, "no-such-key"));
	assert_null(pk);
	assert_int_equal(sp_key_load_private("pkcs11:token=sp-unit;object=k?"
	                                     "module-path=/nonexistent.so",
	                                     &pk, &why),
	                 SP_ERR_TOKEN);
	assert_non_null(strstr(why, "/nonexistent.so"));
	/* A label already in the token is refused, not duplicated. */
	assert_int_equal(sp_key_pkcs11_generate("pkcs11:token=sp-unit",
	                                        SP_KEY_P256, "sign-p256", &uri,
	                                        &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_non_null(strstr(why, "already holds"));
	/* Ed25519 keys cannot be used through libp11 0.4.12. */
	assert_int_equal(sp_key_pkcs11_generate("pkcs11:token=sp-unit",
	                                        SP_KEY_ED25519, "log", &uri,
	                                        &why),
	                 SP_ERR_KEY_WEAK);
	assert_null(uri);
}

static void test_note_signer_refuses_token(void **state)
{
	sp_note_signer *s = NULL;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sp_note_signer_load("silkport/silk/CN-ZZ",
	                                     "pkcs11:token=sp-unit;object=log",
	                                     &s, &why),
	                 SP_ERR_TOKEN);
	assert_null(s);
	assert_non_null(strstr(why, "Ed25519"));
}

static void test_uri_syntax(void **state)
{
	static const struct {
		const char *uri;
		const char *why;
	} bad[] = {
	    {"pkcs11:token=a", "names no key"},
	    {"pkcs11:token=a;object=b;object=c", "given twice"},
	    {"pkcs11:token=a;object=b%2", "percent-encoding"},
	    {"pkcs11:token=a;object=b%zz", "percent-encoding"},
	    {"pkcs11:token=a;object=b%00", "percent-encoding"},
	    {"pkcs11:token=a;object=b;slot-id=1", "not supported"},
	    {"pkcs11:token=a;object=b;library-manufacturer=x", "not supported"},
	    {"pkcs11:token=a;object=b;type=cert", "type=private"},
	    {"pkcs11:token=a;object=b?pin-value=1&foo=bar", "not supported"},
	    {"pkcs11:token=a;object", "name=value"},
	    {"/etc/key.pem", "not a pkcs11"},
	};
	sp_trust__p11uri u;
	const char *why = NULL;
	char buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sp_key_pkcs11_uri_check(bad[i].uri, &why),
		                 SP_ERR_INVALID_ARGUMENT);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: '%s' lacks '%s'", bad[i].uri, why,
			         bad[i].why);
	}
	assert_int_equal(
	    sp_trust__p11uri_parse("pkcs11:token=My%20Token;id=%01%a0;"
	                           "type=private?pin-source=file:/run/p&"
	                           "module-path=/usr/lib/x.so",
	                           &u, &why),
	    SP_OK);
	assert_string_equal(u.token, "My Token");
	assert_int_equal(u.id_len, 2);
	assert_int_equal(u.id[0], 1);
	assert_int_equal(u.id[1], 0xa0);
	assert_string_equal(u.pin_source, "file:/run/p");
	assert_string_equal(u.module_path, "/usr/lib/x.so");
	assert_string_equal(u.path, "pkcs11:token=My%20Token;id=%01%a0;"
	                            "type=private");
	sp_trust__p11uri_clear(&u);
	/* What is logged never holds the query, where a PIN may be. */
	assert_string_equal(
	    sp_key_redact("pkcs11:token=a;object=b?pin-value=1234", buf,
	                  sizeof(buf)),
	    "pkcs11:token=a;object=b?...");
	assert_string_equal(sp_key_redact("/a/key.pem", buf, sizeof(buf)),
	                    "/a/key.pem");
	assert_true(sp_key_is_pkcs11("pkcs11:object=x"));
	assert_false(sp_key_is_pkcs11("key.pem"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uri_syntax),
	    cmocka_unit_test(test_external_path_matches_xmlsec),
	    cmocka_unit_test(test_wrong_pin),
	    cmocka_unit_test(test_p256_token_key_signs),
	    cmocka_unit_test(test_rsa_token_key_signs),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_note_signer_refuses_token),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
