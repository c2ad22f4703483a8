/* cert_cache_test.c: sp_trust__x509_decode(), the decoded certificates
 * kept between trust-list opens: the same DER gives the same shared
 * certificate, anything but exactly one DER certificate is refused each
 * time (trailing or missing bytes are another key, never a hit), and a
 * cache filled past its bound is emptied and keeps decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "trust_int.h"
#include "unit/trust/trust_fixture.h"

static fx_fed g_fed;

static int group_setup(void **state)
{
	(void)state;
	return fx_setup(&g_fed) == SP_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_teardown(&g_fed);
	sp_trust_cleanup();
	return 0;
}

/* The DER of a PEM certificate file (malloc'd). */
static uint8_t *der_of(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	unsigned char *der = NULL;
	uint8_t *out;
	int len;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	out = malloc((size_t)len + 1);
	assert_non_null(out);
	memcpy(out, der, (size_t)len);
	*n = (size_t)len;
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

static void test_same_der_shared(void **state)
{
	size_t n = 0, m = 0;
	uint8_t *a = der_of(g_fed.sign_cert[0], &n);
	uint8_t *b = der_of(g_fed.sign_cert[1], &m);
	uint8_t *copy = malloc(n);
	X509 *x1, *x2, *y;

	(void)state;
	assert_non_null(copy);
	memcpy(copy, a, n);
	x1 = sp_trust__x509_decode(a, n);
	x2 = sp_trust__x509_decode(copy, n);
	y = sp_trust__x509_decode(b, m);
	assert_non_null(x1);
	assert_ptr_equal(x1, x2); /* the same bytes elsewhere: a hit */
	assert_non_null(y);
	assert_ptr_not_equal(x1, y);
	assert_int_equal(X509_cmp(x1, y) == 0, 0);
	X509_free(x1);
	X509_free(x2);
	X509_free(y);
	free(copy);
	free(a);
	free(b);
}

static void test_not_one_certificate(void **state)
{
	size_t n = 0;
	uint8_t *a = der_of(g_fed.sign_cert[0], &n);
	X509 *x = sp_trust__x509_decode(a, n), *again;

	(void)state;
	assert_non_null(x); /* cached now */
	a[n] = 0x00;        /* a trailing byte */
	assert_null(sp_trust__x509_decode(a, n + 1));
	assert_null(sp_trust__x509_decode(a, n - 1)); /* truncated */
	assert_null(sp_trust__x509_decode(a, 0));
	assert_null(sp_trust__x509_decode(NULL, n));
	a[n / 2] ^= 0x01; /* one bit: another key, decoded afresh */
	again = sp_trust__x509_decode(a, n);
	assert_ptr_not_equal(again, x);
	X509_free(again);
	a[n / 2] ^= 0x01;
	again = sp_trust__x509_decode(a, n);
	assert_ptr_equal(again, x);
	X509_free(again);
	X509_free(x);
	free(a);
}

/* A certificate for the CA's key with serial `serial`, as DER. */
static uint8_t *make_cert(EVP_PKEY *key, long serial, size_t *n)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	uint8_t *out;
	int len;

	assert_non_null(x);
	assert_non_null(name);
	assert_int_equal(X509_NAME_add_entry_by_txt(
	                     name, "CN", MBSTRING_ASC,
	                     (const unsigned char *)"cache", -1, -1, 0),
	                 1);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_int_equal(X509_set_subject_name(x, name), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	out = malloc((size_t)len);
	assert_non_null(out);
	memcpy(out, der, (size_t)len);
	*n = (size_t)len;
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_free(x);
	return out;
}

/* More distinct certificates than the cache holds: each decodes, the
 * cache is emptied on the way, and a held reference stays valid. */
static void test_bound(void **state)
{
	size_t n0 = 0, n = 0;
	uint8_t *first = make_cert(g_fed.ca->pkey, 1, &n0), *d;
	X509 *held = sp_trust__x509_decode(first, n0), *x;

	(void)state;
	assert_non_null(held);
	for (long i = 2; i < 1100; i++) {
		d = make_cert(g_fed.ca->pkey, i, &n);
		x = sp_trust__x509_decode(d, n);
		assert_non_null(x);
		X509_free(x);
		free(d);
	}
	x = sp_trust__x509_decode(first, n0);
	assert_non_null(x);
	assert_int_equal(X509_cmp(x, held), 0);
	X509_free(x);
	X509_free(held); /* still a valid reference after the emptying */
	sp_trust__cert_cache_clear();
	x = sp_trust__x509_decode(first, n0);
	assert_non_null(x);
	X509_free(x);
	free(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_der_shared),
	    cmocka_unit_test(test_not_one_certificate),
	    cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
