/* keys.c: signing keys (key + certificate) and verification keys prepared once.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>

#include "trust_int.h"

sp_key_alg sp_trust__key_alg(EVP_PKEY *pkey)
{
	char group[64];
	size_t glen = 0;

	if (pkey == NULL)
		return 0;
	/* OpenSSL 3 decodes a key on the SM2 curve as an SM2 key; an EC key
	 * on that curve is the same key and is SM2 too, never ECDSA. */
	if (EVP_PKEY_is_a(pkey, "SM2"))
		return SP_KEY_SM2;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(
		        pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
		        &glen) != 1)
			return 0;
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			return SP_KEY_P256;
		if (strcmp(group, "SM2") == 0)
			return SP_KEY_SM2;
		return 0;
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(pkey) >= 2048 ? SP_KEY_RSA2048 : 0;
	default:
		return 0;
	}
}

xmlSecKeyPtr sp_trust__xmlsec_key(EVP_PKEY *pkey)
{
	xmlSecKeyPtr key = NULL;
	xmlSecKeyDataPtr data = NULL;

	/* xmlsec 1.2.37 knows no SM2 key: our own key class (sm2.c). */
	if (sp_trust__key_alg(pkey) == SP_KEY_SM2)
		return sp_trust__sm2_xmlsec_key(pkey);
	if (EVP_PKEY_up_ref(pkey) != 1)
		return NULL;
	data = xmlSecOpenSSLEvpKeyAdopt(pkey);
	if (data == NULL) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	key = xmlSecKeyCreate();
	if (key == NULL)
		goto fail;
	if (xmlSecKeySetValue(key, data) < 0)
		goto fail;
	return key;
fail:
	xmlSecKeyDataDestroy(data);
	if (key != NULL)
		xmlSecKeyDestroy(key);
	return NULL;
}

int sp_trust__asn1_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	time_t v;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return SP_ERR_CERT_INVALID;
	v = timegm(&tm);
	if (v == (time_t)-1)
		return SP_ERR_CERT_INVALID;
	*out = (int64_t)v;
	return SP_OK;
}

int sp_trust__b64(const uint8_t *der, size_t len, char **out, size_t *outlen)
{
	size_t cap;
	char *b;
	int n;

	*out = NULL;
	if (len > (size_t)INT_MAX / 2)
		return SP_ERR_TOO_LARGE;
	cap = 4 * ((len + 2) / 3) + 1;
	b = malloc(cap);
	if (b == NULL)
		return SP_ERR_NOMEM;
	n = EVP_EncodeBlock((unsigned char *)b, der, (int)len);
	if (n < 0) {
		free(b);
		return SP_ERR_INTERNAL;
	}
	*out = b;
	*outlen = (size_t)n;
	return SP_OK;
}

int sp_trust__vkey_from_x509(sp_trust__vkey *v, X509 *cert, const char **why)
{
	EVP_PKEY *pub;
	unsigned char *der = NULL;
	int dlen, rc;

	memset(v, 0, sizeof(*v));
	v->cert = cert;
	v->list_from = INT64_MIN;
	v->list_until = INT64_MAX;
	if (sp_trust__asn1_time(X509_get0_notBefore(cert), &v->not_before) ||
	    sp_trust__asn1_time(X509_get0_notAfter(cert), &v->not_after)) {
		if (why)
			*why = "certificate validity unreadable";
		rc = SP_ERR_CERT_INVALID;
		goto fail;
	}
	v->is_ca = X509_check_ca(cert) >= 1;
	pub = X509_get0_pubkey(cert);
	if (pub == NULL) {
		if (why)
			*why = "certificate public key unreadable";
		rc = SP_ERR_CERT_INVALID;
		goto fail;
	}
	v->alg = sp_trust__key_alg(pub);
	if (v->alg != 0)
		v->pkey = pub;
	dlen = i2d_X509(cert, &der);
	if (dlen <= 0) {
		rc = SP_ERR_CERT_INVALID;
		goto fail;
	}
	rc = sp_trust__b64(der, (size_t)dlen, &v->b64, &v->b64_len);
	OPENSSL_free(der);
	if (rc != SP_OK)
		goto fail;
	return SP_OK;
fail:
	free(v->b64);
	memset(v, 0, sizeof(*v));
	return rc;
}

/* ------------------------------------------------------ decoded certificates
 *
 * OpenSSL 3 decodes a certificate's public key through its provider
 * decoder machinery: d2i_X509() of one P-256 certificate costs about 1.4 M
 * instructions, several times a signature verification. A trust list is
 * opened again whenever it is fetched, re-verified or reloaded, with the
 * same certificates in it, and each open decoded every one of them. The
 * certificates decoded are kept here, process-wide, keyed by their exact
 * DER (SHA-256 to find, the bytes compared to match), and shared by
 * reference count: an X509 is only read once decoded (its extensions and
 * key are cached before it is shared). At most CERT_CACHE_MAX are kept;
 * when full the cache is emptied, so a stream of new certificates (lists
 * from an attacker) costs what it did before and never memory. */

#define CERT_CACHE_MAX 1024

struct cert_entry {
	uint8_t hash[SHA256_DIGEST_LENGTH];
	uint8_t *der;
	size_t len;
	X509 *x;
};

static pthread_mutex_t cert_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cert_entry *cert_cache; /* CERT_CACHE_MAX entries */
static size_t cert_n;

/* Under cert_lock. */
static void cert_cache_empty(void)
{
	for (size_t i = 0; i < cert_n; i++) {
		X509_free(cert_cache[i].x);
		free(cert_cache[i].der);
	}
	cert_n = 0;
}

void sp_trust__cert_cache_clear(void)
{
	pthread_mutex_lock(&cert_lock);
	cert_cache_empty();
	free(cert_cache);
	cert_cache = NULL;
	pthread_mutex_unlock(&cert_lock);
}

static X509 *cert_cache_find(const uint8_t hash[SHA256_DIGEST_LENGTH],
                             const uint8_t *der, size_t len)
{
	X509 *x = NULL;

	pthread_mutex_lock(&cert_lock);
	for (size_t i = 0; i < cert_n; i++) {
		const struct cert_entry *e = &cert_cache[i];

		if (e->len == len &&
		    memcmp(e->hash, hash, sizeof(e->hash)) == 0 &&
		    memcmp(e->der, der, len) == 0) {
			if (X509_up_ref(e->x) == 1)
				x = e->x;
			break;
		}
	}
	pthread_mutex_unlock(&cert_lock);
	return x;
}

/* Keep x (one more reference) under its DER; nothing if out of memory. */
static void cert_cache_add(const uint8_t hash[SHA256_DIGEST_LENGTH],
                           const uint8_t *der, size_t len, X509 *x)
{
	uint8_t *copy = malloc(len);

	if (copy == NULL)
		return;
	memcpy(copy, der, len);
	pthread_mutex_lock(&cert_lock);
	if (cert_cache == NULL)
		cert_cache = calloc(CERT_CACHE_MAX, sizeof(*cert_cache));
	if (cert_n == CERT_CACHE_MAX)
		cert_cache_empty();
	if (cert_cache != NULL && X509_up_ref(x) == 1) {
		struct cert_entry *e = &cert_cache[cert_n++];

		memcpy(e->hash, hash, sizeof(e->hash));
		e->der = copy;
		e->len = len;
		e->x = x;
		copy = NULL;
	}
	pthread_mutex_unlock(&cert_lock);
	free(copy);
}

X509 *sp_trust__x509_decode(const uint8_t *der, size_t len)
{
	uint8_t hash[SHA256_DIGEST_LENGTH];
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || len == 0 || len > (size_t)LONG_MAX)
		return NULL;
	SHA256(der, len, hash);
	if ((x = cert_cache_find(hash, der, len)) != NULL)
		return x;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return NULL;
	}
	/* What users read lazily, computed before x is shared. */
	(void)X509_check_ca(x);
	(void)X509_get0_pubkey(x);
	ERR_clear_error();
	cert_cache_add(hash, der, len, x);
	return x;
}

int sp_trust__vkey_init(sp_trust__vkey *v, const uint8_t *der, size_t len,
                        const char **why)
{
	X509 *cert;
	int rc;

	memset(v, 0, sizeof(*v));
	if (len == 0 || len > (size_t)LONG_MAX) {
		if (why)
			*why = "empty certificate";
		return SP_ERR_CERT_INVALID;
	}
	cert = sp_trust__x509_decode(der, len);
	if (cert == NULL) {
		if (why)
			*why = "certificate is not one DER X.509 certificate";
		return SP_ERR_CERT_INVALID;
	}
	rc = sp_trust__vkey_from_x509(v, cert, why);
	if (rc != SP_OK)
		X509_free(cert);
	return rc;
}

void sp_trust__vkey_clear(sp_trust__vkey *v)
{
	if (v == NULL)
		return;
	X509_free(v->cert);
	free(v->b64);
	memset(v, 0, sizeof(*v));
}

static int in_window(int64_t t, int64_t lo, int64_t hi, int64_t skew)
{
	/* Compare without overflow at the unbounded ends. */
	if (lo != INT64_MIN && t < lo && lo - t > skew)
		return 0;
	if (hi != INT64_MAX && t > hi && t - hi > skew)
		return 0;
	return 1;
}

int sp_trust__vkey_valid_at(const sp_trust__vkey *v, int64_t t, int64_t skew)
{
	return in_window(t, v->not_before, v->not_after, skew) &&
	       in_window(t, v->list_from, v->list_until, skew);
}

static int read_pem_cert(const char *path, X509 **cert)
{
	BIO *bio = BIO_new_file(path, "r");

	if (bio == NULL) {
		ERR_clear_error();
		return SP_ERR_IO;
	}
	*cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (*cert == NULL) {
		ERR_clear_error();
		return SP_ERR_CERT_INVALID;
	}
	return SP_OK;
}

int sp_key_load(const char *key_path, const char *cert_path, sp_key **out,
                const char **why)
{
	sp_key *k = NULL;
	unsigned char *der = NULL;
	int dlen, rc;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (key_path == NULL || cert_path == NULL) {
		if (why)
			*why = "key and certificate paths are required";
		return SP_ERR_INVALID_ARGUMENT;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return SP_ERR_NOMEM;
	rc = sp_key_load_private(key_path, &k->pkey, why);
	if (rc != SP_OK)
		goto fail;
	k->external = sp_key_is_pkcs11(key_path);
	rc = read_pem_cert(cert_path, &k->cert);
	if (rc != SP_OK) {
		if (why)
			*why = rc == SP_ERR_IO
			           ? "cannot open the certificate file"
			           : "no PEM certificate in the file";
		goto fail;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(k->cert), k->pkey) != 1) {
		ERR_clear_error();
		if (why)
			*why = "private key does not match the certificate";
		rc = SP_ERR_CERT_INVALID;
		goto fail;
	}
	k->alg = sp_trust__key_alg(k->pkey);
	if (k->alg == 0) {
		if (why)
			*why =
			    "key is neither ECDSA P-256, RSA >= 2048 nor SM2";
		rc = SP_ERR_KEY_WEAK;
		goto fail;
	}
	dlen = i2d_X509(k->cert, &der);
	if (dlen <= 0) {
		rc = SP_ERR_CERT_INVALID;
		goto fail;
	}
	k->der = malloc((size_t)dlen);
	if (k->der == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	memcpy(k->der, der, (size_t)dlen);
	k->der_len = (size_t)dlen;
	rc = sp_trust__b64(k->der, k->der_len, &k->cert_b64, &k->cert_b64_len);
	if (rc != SP_OK)
		goto fail;
	k->xkey = sp_trust__xmlsec_key(k->pkey);
	if (k->xkey == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	OPENSSL_free(der);
	*out = k;
	return SP_OK;
fail:
	OPENSSL_free(der);
	sp_key_free(k);
	return rc;
}

void sp_key_free(sp_key *k)
{
	if (k == NULL)
		return;
	if (k->xkey != NULL)
		xmlSecKeyDestroy(k->xkey);
	EVP_PKEY_free(k->pkey);
	X509_free(k->cert);
	free(k->der);
	free(k->cert_b64);
	free(k);
}

sp_key_alg sp_key_get_alg(const sp_key *k)
{
	return k ? k->alg : 0;
}

const uint8_t *sp_key_cert_der(const sp_key *k, size_t *len)
{
	if (k == NULL) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = k->der_len;
	return k->der;
}

int sp_key_alg_parse(const char *name, sp_key_alg *out)
{
	if (name == NULL || out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (strcmp(name, "p256") == 0 || strcmp(name, "P-256") == 0)
		*out = SP_KEY_P256;
	else if (strcmp(name, "rsa2048") == 0 || strcmp(name, "rsa") == 0)
		*out = SP_KEY_RSA2048;
	else if (strcmp(name, "sm2") == 0 || strcmp(name, "SM2") == 0)
		*out = SP_KEY_SM2;
	else
		return SP_ERR_INVALID_ARGUMENT;
	return SP_OK;
}

const char *sp_key_alg_name(sp_key_alg alg)
{
	switch (alg) {
	case SP_KEY_P256:
		return "p256";
	case SP_KEY_RSA2048:
		return "rsa2048";
	case SP_KEY_SM2:
		return "sm2";
	case SP_KEY_ED25519:
		return "ed25519";
	default:
		return "?";
	}
}

sp_sig_method sp_key_alg_method(sp_key_alg alg)
{
	switch (alg) {
	case SP_KEY_P256:
		return SP_SIGM_ECDSA_SHA256;
	case SP_KEY_RSA2048:
		return SP_SIGM_RSA_SHA256;
	case SP_KEY_SM2:
		return SP_SIGM_SM2_SM3;
	default:
		return SP_SIGM_UNSPECIFIED;
	}
}

sp_key_alg sp_pki_cert_alg(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;
	sp_key_alg a = 0;

	if (der == NULL || len == 0 || len > (size_t)LONG_MAX)
		return 0;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p == der + len)
		a = sp_trust__key_alg(X509_get0_pubkey(x));
	X509_free(x);
	ERR_clear_error();
	return a;
}

int sp_cert_file_info(const char *pem_path, sp_cert_info *out, size_t max,
                      size_t *n, const char **why)
{
	BIO *bio;
	X509 *x;
	int rc = SP_OK;

	*n = 0;
	bio = BIO_new_file(pem_path, "r");
	if (bio == NULL) {
		ERR_clear_error();
		if (why)
			*why = "cannot open the certificate file";
		return SP_ERR_IO;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		sp_cert_info *ci = &out[*n];
		X509_NAME *name = X509_get_subject_name(x);

		if (*n == max) {
			X509_free(x);
			if (why)
				*why = "too many certificates in the file";
			rc = SP_ERR_TOO_LARGE;
			break;
		}
		memset(ci, 0, sizeof(*ci));
		if (X509_NAME_get_text_by_NID(name, NID_commonName, ci->subject,
		                              sizeof(ci->subject)) < 0)
			X509_NAME_oneline(name, ci->subject,
			                  sizeof(ci->subject));
		if (sp_trust__asn1_time(X509_get0_notBefore(x),
		                        &ci->not_before) != SP_OK ||
		    sp_trust__asn1_time(X509_get0_notAfter(x),
		                        &ci->not_after) != SP_OK) {
			X509_free(x);
			if (why)
				*why = "certificate validity unreadable";
			rc = SP_ERR_CERT_INVALID;
			break;
		}
		X509_free(x);
		(*n)++;
	}
	ERR_clear_error(); /* the end of the file reads as an error */
	BIO_free(bio);
	if (rc == SP_OK && *n == 0) {
		if (why)
			*why = "no PEM certificate in the file";
		rc = SP_ERR_CERT_INVALID;
	}
	return rc;
}
