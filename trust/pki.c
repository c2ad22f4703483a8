/* pki.c: the federation PKI: operator CA and the certificates it issues. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trust_int.h"

#define SP_PKI_MAX_DAYS 36500

static int set_why(const char **why, const char *msg, int rc)
{
	if (why)
		*why = msg;
	return rc;
}

EVP_PKEY *sp_trust__gen_key(sp_key_alg alg)
{
	switch (alg) {
	case SP_KEY_ED25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case SP_KEY_P256:
		return EVP_EC_gen("P-256");
	case SP_KEY_RSA2048:
		return EVP_RSA_gen(2048);
	case SP_KEY_SM2:
		return EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	default:
		return NULL;
	}
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Write PEM through a file created with `mode`; the private key never
 * exists on disk with wider permissions. */
static int write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	FILE *f;
	int fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	          mode);
	if (fd < 0)
		return SP_ERR_IO;
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return SP_ERR_IO;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return SP_ERR_IO;
	}
	if (key != NULL)
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_X509(f, cert);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0)
		ok = 0;
	ERR_clear_error();
	return ok ? SP_OK : SP_ERR_IO;
}

static int set_serial(X509 *x)
{
	unsigned char r[16];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	int ok = 0;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return 0;
	r[0] &= 0x7f; /* positive */
	r[0] |= 0x40; /* and never short or zero */
	bn = BN_bin2bn(r, sizeof(r), NULL);
	if (bn != NULL)
		ai = BN_to_ASN1_INTEGER(bn, NULL);
	if (ai != NULL && X509_set_serialNumber(x, ai) == 1)
		ok = 1;
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static int dns_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      (c == '*' && i == 0)))
			return 0;
	}
	return 1;
}

/* subjectAltName from DNS names and IP addresses (told apart by
 * inet_pton), built directly so that no name is parsed as config text. */
static int add_sans(X509 *x, const char *const *sans, const char **why)
{
	GENERAL_NAMES *gens = NULL;
	size_t i;
	int rc = SP_ERR_NOMEM;

	gens = sk_GENERAL_NAME_new_null();
	if (gens == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; sans[i] != NULL; i++) {
		unsigned char ip[16];
		int iplen = 0;
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_STRING *s;

		if (g == NULL)
			goto fail;
		if (inet_pton(AF_INET, sans[i], ip) == 1)
			iplen = 4;
		else if (inet_pton(AF_INET6, sans[i], ip) == 1)
			iplen = 16;
		if (iplen) {
			s = ASN1_OCTET_STRING_new();
			if (s == NULL ||
			    ASN1_OCTET_STRING_set(s, ip, iplen) != 1) {
				ASN1_STRING_free(s);
				GENERAL_NAME_free(g);
				goto fail;
			}
			GENERAL_NAME_set0_value(g, GEN_IPADD, s);
		} else {
			if (!dns_name_ok(sans[i])) {
				GENERAL_NAME_free(g);
				rc = set_why(
				    why,
				    "a subject alternative name is neither "
				    "a DNS name nor an IP address",
				    SP_ERR_INVALID_ARGUMENT);
				goto fail;
			}
			s = ASN1_IA5STRING_new();
			if (s == NULL || ASN1_STRING_set(s, sans[i], -1) != 1) {
				ASN1_STRING_free(s);
				GENERAL_NAME_free(g);
				goto fail;
			}
			GENERAL_NAME_set0_value(g, GEN_DNS, s);
		}
		if (sk_GENERAL_NAME_push(gens, g) <= 0) {
			GENERAL_NAME_free(g);
			goto fail;
		}
	}
	if (sk_GENERAL_NAME_num(gens) > 0 &&
	    X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
	                      X509V3_ADD_DEFAULT) != 1)
		goto fail;
	rc = SP_OK;
fail:
	sk_GENERAL_NAME_pop_free(gens, GENERAL_NAME_free);
	return rc;
}

/* Sign with SHA-256 (ECDSA, RSA) or, for an SM2 issuer, SM2-with-SM3 and
 * the SM2 distinguishing identifier, which OpenSSL 3.0 would otherwise
 * leave empty (an empty one is what other SM2 software does not expect). */
static int sign_cert(X509 *x, EVP_PKEY *issuer_key)
{
	EVP_MD_CTX *m;
	int ok;

	if (sp_trust__key_alg(issuer_key) != SP_KEY_SM2)
		return X509_sign(x, issuer_key, EVP_sha256()) > 0 ? 0 : -1;
	m = EVP_MD_CTX_new();
	if (m == NULL)
		return -1;
	ok = sp_trust__sm2_init(m, issuer_key, 1) == 0 &&
	     X509_sign_ctx(x, m) > 0;
	EVP_MD_CTX_free(m);
	return ok ? 0 : -1;
}

/* A certificate for `key`, issued by (issuer, issuer_key), or self-signed
 * when issuer is NULL. */
static int make_cert(EVP_PKEY *key, const char *cn, int days, X509 *issuer,
                     EVP_PKEY *issuer_key, sp_cert_usage usage, int is_ca,
                     const char *const *sans, X509 **out, const char **why)
{
	X509 *x = NULL;
	X509_NAME *name = NULL;
	int rc = SP_ERR_INTERNAL;

	*out = NULL;
	x = X509_new();
	name = X509_NAME_new();
	if (x == NULL || name == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                               (const unsigned char *)cn, -1, -1,
	                               0) != 1) {
		rc = set_why(why, "invalid common name",
		             SP_ERR_INVALID_ARGUMENT);
		goto fail;
	}
	if (X509_set_version(x, 2) != 1 || !set_serial(x) ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
	                                   : name) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;

	if (!add_ext(x, issuer ? issuer : x, NID_subject_key_identifier,
	             "hash") ||
	    !add_ext(x, issuer ? issuer : x, NID_authority_key_identifier,
	             "keyid:always"))
		goto fail;
	if (is_ca) {
		/* digitalSignature too: the anchor key signs trust lists
		 * (XML-DSig), not only certificates (SPEC 7.7 [TL-40]) */
		if (!add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
		    !add_ext(x, x, NID_key_usage,
		             "critical,digitalSignature,keyCertSign,cRLSign"))
			goto fail;
	} else {
		if (!add_ext(x, issuer, NID_basic_constraints,
		             "critical,CA:FALSE"))
			goto fail;
		switch (usage) {
		case SP_CERT_SIGNING:
			if (!add_ext(
			        x, issuer, NID_key_usage,
			        "critical,digitalSignature,nonRepudiation"))
				goto fail;
			break;
		case SP_CERT_TLS:
			if (!add_ext(x, issuer, NID_key_usage,
			             EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
			                 ? "critical,digitalSignature,"
			                   "keyEncipherment"
			                 : "critical,digitalSignature") ||
			    !add_ext(x, issuer, NID_ext_key_usage,
			             "serverAuth,clientAuth"))
				goto fail;
			if (sans != NULL) {
				rc = add_sans(x, sans, why);
				if (rc != SP_OK)
					goto fail;
				rc = SP_ERR_INTERNAL;
			}
			break;
		case SP_CERT_OPERATOR:
			if (!add_ext(x, issuer, NID_key_usage,
			             "critical,digitalSignature") ||
			    !add_ext(x, issuer, NID_ext_key_usage,
			             "clientAuth"))
				goto fail;
			break;
		default:
			rc = set_why(why, "unknown certificate usage",
			             SP_ERR_INVALID_ARGUMENT);
			goto fail;
		}
	}
	if (sign_cert(x, issuer_key) != 0)
		goto fail;
	X509_NAME_free(name);
	*out = x;
	return SP_OK;
fail:
	if (rc == SP_ERR_INTERNAL && why)
		*why = "OpenSSL could not build the certificate";
	ERR_clear_error();
	X509_NAME_free(name);
	X509_free(x);
	return rc;
}

int sp_pki__make_cert(EVP_PKEY *key, const char *cn, int days, X509 *issuer,
                      EVP_PKEY *issuer_key, sp_cert_usage usage,
                      const char *const *sans, X509 **out, const char **why)
{
	if (days < 1 || days > SP_PKI_MAX_DAYS)
		return set_why(why, "validity must be 1 to 36500 days",
		               SP_ERR_INVALID_ARGUMENT);
	return make_cert(key, cn, days, issuer, issuer_key, usage, 0, sans, out,
	                 why);
}

int sp_pki__write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert)
{
	return write_pem(path, mode, key, cert);
}

static int check_args(const char *cn, sp_key_alg alg, int days,
                      const char *key_out, const char *cert_out,
                      const char **why)
{
	if (cn == NULL || cn[0] == '\0' || key_out == NULL || cert_out == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	if (alg != SP_KEY_P256 && alg != SP_KEY_RSA2048 && alg != SP_KEY_SM2)
		return set_why(why,
		               "certificates use ECDSA P-256, RSA 2048 or SM2",
		               SP_ERR_INVALID_ARGUMENT);
	if (days < 1 || days > SP_PKI_MAX_DAYS)
		return set_why(why, "validity must be 1 to 36500 days",
		               SP_ERR_INVALID_ARGUMENT);
	return SP_OK;
}

static int write_both(const char *key_out, const char *cert_out, EVP_PKEY *key,
                      X509 *cert, const char **why)
{
	if (write_pem(key_out, 0600, key, NULL) != SP_OK)
		return set_why(why, "cannot write the private key file",
		               SP_ERR_IO);
	if (write_pem(cert_out, 0644, NULL, cert) != SP_OK)
		return set_why(why, "cannot write the certificate file",
		               SP_ERR_IO);
	return SP_OK;
}

int sp_pki_make_ca(const char *common_name, sp_key_alg alg, int days,
                   const char *key_out, const char *cert_out, const char **why)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc;

	rc = check_args(common_name, alg, days, key_out, cert_out, why);
	if (rc != SP_OK)
		return rc;
	key = sp_trust__gen_key(alg);
	if (key == NULL) {
		ERR_clear_error();
		return set_why(why, "key generation failed", SP_ERR_INTERNAL);
	}
	rc = make_cert(key, common_name, days, NULL, key, 0, 1, NULL, &cert,
	               why);
	if (rc == SP_OK)
		rc = write_both(key_out, cert_out, key, cert, why);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

int sp_pki_issue(const char *ca_key, const char *ca_cert, sp_cert_usage usage,
                 const char *common_name, const char *const *sans,
                 sp_key_alg alg, int days, const char *key_out,
                 const char *cert_out, const char **why)
{
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *cacert = NULL, *cert = NULL;
	BIO *bio = NULL;
	int rc;

	rc = check_args(common_name, alg, days, key_out, cert_out, why);
	if (rc != SP_OK)
		return rc;
	if (ca_key == NULL || ca_cert == NULL)
		return set_why(why, "missing CA", SP_ERR_INVALID_ARGUMENT);
	if (usage != SP_CERT_SIGNING && usage != SP_CERT_TLS &&
	    usage != SP_CERT_OPERATOR)
		return set_why(why, "unknown certificate usage",
		               SP_ERR_INVALID_ARGUMENT);
	/* OpenSSL 3.0 has neither TLCP nor the RFC 8998 suites: SM2 keys sign
	 * documents, TLS stays on P-256 and RSA (SPEC [SEC-34]). */
	if (alg == SP_KEY_SM2 && usage != SP_CERT_SIGNING)
		return set_why(why,
		               "SM2 is for signing certificates only; TLS and "
		               "operator certificates use P-256 or RSA 2048",
		               SP_ERR_INVALID_ARGUMENT);
	bio = BIO_new_file(ca_key, "r");
	if (bio == NULL) {
		rc = set_why(why, "cannot open the CA key", SP_ERR_IO);
		goto done;
	}
	cakey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	bio = BIO_new_file(ca_cert, "r");
	if (bio == NULL) {
		rc = set_why(why, "cannot open the CA certificate", SP_ERR_IO);
		goto done;
	}
	cacert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (cakey == NULL || cacert == NULL) {
		rc = set_why(why, "cannot read the CA key or certificate",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(cacert), cakey) != 1) {
		rc = set_why(why, "CA key does not match the CA certificate",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	if (X509_check_ca(cacert) < 1) {
		rc =
		    set_why(why, "the issuer is not a CA", SP_ERR_CERT_INVALID);
		goto done;
	}
	key = sp_trust__gen_key(alg);
	if (key == NULL) {
		rc = set_why(why, "key generation failed", SP_ERR_INTERNAL);
		goto done;
	}
	rc = make_cert(key, common_name, days, cacert, cakey, usage, 0, sans,
	               &cert, why);
	if (rc == SP_OK)
		rc = write_both(key_out, cert_out, key, cert, why);
done:
	ERR_clear_error();
	X509_free(cert);
	X509_free(cacert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return rc;
}

int sp_pki_cert_der(const char *pem_path, uint8_t **der, size_t *len,
                    const char **why)
{
	BIO *bio;
	X509 *x;
	unsigned char *p = NULL;
	int n;

	if (der == NULL || len == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*der = NULL;
	*len = 0;
	if (pem_path == NULL)
		return set_why(why, "missing path", SP_ERR_INVALID_ARGUMENT);
	bio = BIO_new_file(pem_path, "r");
	if (bio == NULL) {
		ERR_clear_error();
		return set_why(why, "cannot open the certificate file",
		               SP_ERR_IO);
	}
	x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (x == NULL) {
		ERR_clear_error();
		return set_why(why, "no PEM certificate in the file",
		               SP_ERR_CERT_INVALID);
	}
	n = i2d_X509(x, &p);
	X509_free(x);
	if (n <= 0)
		return set_why(why, "cannot encode the certificate",
		               SP_ERR_INTERNAL);
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(p);
		return SP_ERR_NOMEM;
	}
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	return SP_OK;
}
