/* pki_test.c: the federation PKI and loading signing keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "unit/trust/trust_fixture.h"

static char g_dir[64];
static char g_ca_key[128], g_ca_cert[128];

static int setup(void **state)
{
	const char *why = NULL;

	(void)state;
	if (sp_trust_init() != SP_OK)
		return -1;
	snprintf(g_dir, sizeof(g_dir), "/tmp/sp-pki-XXXXXX");
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

static X509 *load_cert(const char *path)
{
	FILE *fp = fopen(path, "r");
	X509 *x;

	assert_non_null(fp);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

static void test_ca(void **state)
{
	struct stat st;
	X509 *x;
	char k2[128], c2[128];
	const char *why = NULL;

	(void)state;
	assert_int_equal(stat(g_ca_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	x = load_cert(g_ca_cert);
	assert_true(X509_check_ca(x) >= 1);
	assert_true(X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
	assert_true(X509_get_key_usage(x) & KU_CRL_SIGN);
	/* the anchor key signs trust lists (SPEC 7.7 [TL-40]) */
	assert_true(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_check_issued(x, x), X509_V_OK);
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
	assert_true(X509_cmp_current_time(X509_get0_notAfter(x)) > 0);
	X509_free(x);
	/* RSA CA */
	fx_path(k2, sizeof(k2), g_dir, "ca-rsa.key");
	fx_path(c2, sizeof(c2), g_dir, "ca-rsa.crt");
	assert_int_equal(
	    sp_pki_make_ca("RSA CA", SP_KEY_RSA2048, 10, k2, c2, &why), SP_OK);
	x = load_cert(c2);
	assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(x)), 2048);
	X509_free(x);
	/* bad arguments */
	assert_int_equal(sp_pki_make_ca("X", SP_KEY_P256, 0, k2, c2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_pki_make_ca("X", SP_KEY_ED25519, 10, k2, c2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_pki_make_ca("", SP_KEY_P256, 10, k2, c2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_pki_make_ca("X", SP_KEY_P256, 10,
	                                "/nonexistent/dir/k", c2, &why),
	                 SP_ERR_IO);
}

static void test_issue(void **state)
{
	char k[128], c[128];
	const char *sans[] = {"zz.example.test", "192.0.2.7", "2001:db8::1",
	                      NULL};
	const char *bad_sans[] = {"bad name,with comma", NULL};
	const char *why = NULL;
	X509 *x, *ca;
	GENERAL_NAMES *gens;
	int i, saw_dns = 0, saw_ip4 = 0, saw_ip6 = 0;
	struct stat st;
	ASN1_INTEGER *serial;

	(void)state;
	fx_path(k, sizeof(k), g_dir, "tls.key");
	fx_path(c, sizeof(c), g_dir, "tls.crt");
	assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert, SP_CERT_TLS, "CN-ZZ",
	                              sans, SP_KEY_P256, 10, k, c, &why),
	                 SP_OK);
	assert_int_equal(stat(k, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	x = load_cert(c);
	ca = load_cert(g_ca_cert);
	assert_int_equal(X509_check_issued(ca, x), X509_V_OK);
	assert_int_equal(X509_verify(x, X509_get0_pubkey(ca)), 1);
	assert_int_equal(X509_check_ca(x), 0);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
	serial = X509_get_serialNumber(x);
	assert_true(serial->length >= 15);
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(gens);
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS)
			saw_dns = 1;
		if (g->type == GEN_IPADD && g->d.iPAddress->length == 4)
			saw_ip4 = 1;
		if (g->type == GEN_IPADD && g->d.iPAddress->length == 16)
			saw_ip6 = 1;
	}
	GENERAL_NAMES_free(gens);
	assert_true(saw_dns && saw_ip4 && saw_ip6);
	assert_int_equal(X509_check_host(x, "zz.example.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "192.0.2.7", 0), 1);
	X509_free(x);

	/* signing */
	assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert, SP_CERT_SIGNING,
	                              "CN-ZZ", NULL, SP_KEY_RSA2048, 10, k, c,
	                              &why),
	                 SP_OK);
	x = load_cert(c);
	assert_true(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_key_usage(x) & KU_NON_REPUDIATION);
	assert_false(X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
	assert_int_equal(X509_check_ca(x), 0);
	X509_free(x);

	/* operator */
	assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert, SP_CERT_OPERATOR,
	                              "ops", NULL, SP_KEY_P256, 10, k, c, &why),
	                 SP_OK);
	x = load_cert(c);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
	assert_false(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	X509_free(x);

	/* refusals */
	assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert, SP_CERT_TLS, "x",
	                              bad_sans, SP_KEY_P256, 10, k, c, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	/* a leaf cannot issue */
	{
		char k2[128], c2[128];

		fx_path(k2, sizeof(k2), g_dir, "leaf.key");
		fx_path(c2, sizeof(c2), g_dir, "leaf.crt");
		assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert,
		                              SP_CERT_SIGNING, "leaf", NULL,
		                              SP_KEY_P256, 10, k2, c2, &why),
		                 SP_OK);
		assert_int_equal(sp_pki_issue(k2, c2, SP_CERT_SIGNING, "x",
		                              NULL, SP_KEY_P256, 10, k, c,
		                              &why),
		                 SP_ERR_CERT_INVALID);
		/* key and certificate that do not match */
		assert_int_equal(sp_pki_issue(k2, g_ca_cert, SP_CERT_SIGNING,
		                              "x", NULL, SP_KEY_P256, 10, k, c,
		                              &why),
		                 SP_ERR_CERT_INVALID);
	}
	X509_free(ca);
}

static void test_cert_der(void **state)
{
	uint8_t *der = NULL;
	size_t n = 0;
	const char *why = NULL;
	const unsigned char *p;
	X509 *x;

	(void)state;
	assert_int_equal(sp_pki_cert_der(g_ca_cert, &der, &n, &why), SP_OK);
	p = der;
	x = d2i_X509(NULL, &p, (long)n);
	assert_non_null(x);
	assert_ptr_equal(p, der + n);
	X509_free(x);
	free(der);
	assert_int_equal(sp_pki_cert_der(g_ca_key, &der, &n, &why),
	                 SP_ERR_CERT_INVALID);
	assert_null(der);
	assert_int_equal(sp_pki_cert_der("/nonexistent", &der, &n, &why),
	                 SP_ERR_IO);
}

/* A self-signed certificate for an arbitrary key, written by OpenSSL
 * directly (the project's PKI refuses weak keys). */
static void write_selfsigned(EVP_PKEY *key, const char *kp, const char *cp)
{
	X509 *x = X509_new();
	FILE *f;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"weak", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	f = fopen(kp, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(cp, "w");
	assert_non_null(f);
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
}

static void test_key_load(void **state)
{
	char k[128], c[128], k2[128], c2[128];
	const char *why = NULL;
	sp_key *key = NULL;
	const uint8_t *der;
	size_t n = 0;
	EVP_PKEY *weak;

	(void)state;
	fx_path(k, sizeof(k), g_dir, "s.key");
	fx_path(c, sizeof(c), g_dir, "s.crt");
	fx_path(k2, sizeof(k2), g_dir, "s2.key");
	fx_path(c2, sizeof(c2), g_dir, "s2.crt");
	assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert, SP_CERT_SIGNING,
	                              "CN-ZZ", NULL, SP_KEY_P256, 10, k, c,
	                              &why),
	                 SP_OK);
	assert_int_equal(sp_pki_issue(g_ca_key, g_ca_cert, SP_CERT_SIGNING,
	                              "CN-ZZ", NULL, SP_KEY_RSA2048, 10, k2, c2,
	                              &why),
	                 SP_OK);
	assert_int_equal(sp_key_load(k, c, &key, &why), SP_OK);
	assert_int_equal(sp_key_get_alg(key), SP_KEY_P256);
	der = sp_key_cert_der(key, &n);
	assert_non_null(der);
	assert_true(n > 100);
	sp_key_free(key);
	assert_int_equal(sp_key_load(k2, c2, &key, &why), SP_OK);
	assert_int_equal(sp_key_get_alg(key), SP_KEY_RSA2048);
	sp_key_free(key);
	key = NULL;
	/* mismatched pair */
	assert_int_equal(sp_key_load(k, c2, &key, &why), SP_ERR_CERT_INVALID);
	assert_null(key);
	assert_non_null(why);
	/* swapped files */
	assert_int_not_equal(sp_key_load(c, k, &key, &why), SP_OK);
	assert_int_equal(sp_key_load("/nonexistent", c, &key, &why), SP_ERR_IO);
	/* weak keys */
	weak = EVP_RSA_gen(1024);
	assert_non_null(weak);
	write_selfsigned(weak, k, c);
	EVP_PKEY_free(weak);
	assert_int_equal(sp_key_load(k, c, &key, &why), SP_ERR_KEY_WEAK);
	weak = EVP_EC_gen("P-384");
	assert_non_null(weak);
	write_selfsigned(weak, k, c);
	EVP_PKEY_free(weak);
	assert_int_equal(sp_key_load(k, c, &key, &why), SP_ERR_KEY_WEAK);
	weak = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(weak);
	{
		/* Ed25519 signs notes only, never XML. */
		X509 *x = X509_new();
		FILE *f;

		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 86400);
		X509_set_pubkey(x, weak);
		assert_true(X509_sign(x, weak, NULL) > 0);
		f = fopen(k, "w");
		PEM_write_PrivateKey(f, weak, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		f = fopen(c, "w");
		PEM_write_X509(f, x);
		fclose(f);
		X509_free(x);
	}
	EVP_PKEY_free(weak);
	assert_int_equal(sp_key_load(k, c, &key, &why), SP_ERR_KEY_WEAK);
	assert_null(key);
	sp_key_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ca),
	    cmocka_unit_test(test_issue),
	    cmocka_unit_test(test_cert_der),
	    cmocka_unit_test(test_key_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
