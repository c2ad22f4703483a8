/* enroll.c: members keep their own keys (SPEC 7.8): key generation, CSRs,
 * signing and checking join and renewal requests, issuing certificates from
 * CSRs, and the member's check of what it was issued. */
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
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trust_int.h"

#define JOIN_PROOF_TAG    "silkport join-request/v1"
#define RENEWAL_PROOF_TAG "silkport renewal-request/v1"
#define MAX_SIG           1024

static int set_why(const char **why, const char *msg, int rc)
{
	if (why)
		*why = msg;
	return rc;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Through the one private-key loader: a PEM file or a pkcs11: URI. */
static EVP_PKEY *read_key(const char *where)
{
	EVP_PKEY *k = NULL;

	if (sp_key_load_private(where, &k, NULL) != SP_OK)
		k = NULL;
	ERR_clear_error();
	return k;
}

static X509 *read_cert_pem(const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x = NULL;

	if (b != NULL)
		x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	ERR_clear_error();
	return x;
}

static X509 *der_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || len == 0 || len > 65536)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) { /* nothing after it */
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

static X509_REQ *der_csr(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_REQ *q;

	if (der == NULL || len == 0 || len > 65536)
		return NULL;
	q = d2i_X509_REQ(NULL, &p, (long)len);
	if (q != NULL && p != der + len) {
		X509_REQ_free(q);
		q = NULL;
	}
	ERR_clear_error();
	return q;
}

/* ---------------------------------------------------------------- keys */

int sp_pki_keygen(sp_key_alg alg, const char *key_out, const char **why)
{
	EVP_PKEY *key = NULL;
	FILE *f = NULL;
	int fd, ok = 0;

	if (key_out == NULL)
		return set_why(why, "missing path", SP_ERR_INVALID_ARGUMENT);
	if (alg != SP_KEY_P256 && alg != SP_KEY_RSA2048 && alg != SP_KEY_SM2 &&
	    alg != SP_KEY_ED25519)
		return set_why(why, "unknown key algorithm",
		               SP_ERR_INVALID_ARGUMENT);
	key = sp_trust__gen_key(alg);
	if (key == NULL) {
		ERR_clear_error();
		return set_why(why, "key generation failed", SP_ERR_INTERNAL);
	}
	/* A key is never replaced by accident: the file must not exist, and
	 * it is private from its first byte. */
	fd = open(key_out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	          0600);
	if (fd < 0) {
		EVP_PKEY_free(key);
		return set_why(why,
		               errno == EEXIST ? "the key file already exists"
		                               : "cannot create the key file",
		               SP_ERR_IO);
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto done;
	}
	ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	     fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
done:
	ERR_clear_error();
	EVP_PKEY_free(key);
	if (!ok) {
		unlink(key_out);
		return set_why(why, "cannot write the key file", SP_ERR_IO);
	}
	return SP_OK;
}

int sp_key_load_bare(const char *key_path, sp_key **out, const char **why)
{
	sp_key *k;
	int rc;

	if (out == NULL || key_path == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return SP_ERR_NOMEM;
	if ((rc = sp_key_load_private(key_path, &k->pkey, why)) != SP_OK) {
		free(k);
		return rc;
	}
	k->external = sp_key_is_pkcs11(key_path);
	if ((k->alg = sp_trust__key_alg(k->pkey)) == 0) {
		sp_key_free(k);
		return set_why(why,
		               "key is neither ECDSA P-256 nor RSA >= 2048",
		               SP_ERR_KEY_WEAK);
	}
	if ((k->xkey = sp_trust__xmlsec_key(k->pkey)) == NULL) {
		sp_key_free(k);
		return SP_ERR_NOMEM;
	}
	*out = k;
	return SP_OK;
}

/* A raw SHA-256 signature (ECDSA DER or RSA PKCS#1 v1.5) by pkey. */
static int sign_raw(EVP_PKEY *pkey, const char *text, uint8_t **sig,
                    size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t n = 0;
	int rc = SP_ERR_INTERNAL;

	*sig = NULL;
	*siglen = 0;
	if (md == NULL)
		return SP_ERR_NOMEM;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &n, (const unsigned char *)text,
	                   strlen(text)) != 1 ||
	    n == 0 || n > MAX_SIG)
		goto done;
	if ((*sig = malloc(n)) == NULL) {
		rc = SP_ERR_NOMEM;
		goto done;
	}
	if (EVP_DigestSign(md, *sig, &n, (const unsigned char *)text,
	                   strlen(text)) != 1) {
		free(*sig);
		*sig = NULL;
		goto done;
	}
	*siglen = n;
	rc = SP_OK;
done:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return rc;
}

static int verify_raw(EVP_PKEY *pkey, const char *text, const uint8_t *sig,
                      size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (md == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	     EVP_DigestVerify(md, sig, siglen, (const unsigned char *)text,
	                      strlen(text)) == 1;
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return ok;
}

/* ---------------------------------------------------------------- CSRs */

/* A CSR's self-signature: SHA-256 for ECDSA and RSA; SM2-with-SM3 with the
 * SPEC [SIG-41] distinguishing identifier for an SM2 key. */
static int csr_sign(X509_REQ *q, EVP_PKEY *key)
{
	EVP_MD_CTX *m;
	int ok;

	if (sp_trust__key_alg(key) != SP_KEY_SM2)
		return X509_REQ_sign(q, key, EVP_sha256()) > 0 ? 0 : -1;
	if ((m = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = sp_trust__sm2_init(m, key, 1) == 0 && X509_REQ_sign_ctx(q, m) > 0;
	EVP_MD_CTX_free(m);
	return ok ? 0 : -1;
}

/* 1 when the CSR's self-signature verifies with k (for SM2 under the
 * [SIG-41] identifier, which the CSR's verification must be told). */
static int csr_verify(X509_REQ *q, EVP_PKEY *k)
{
	ASN1_OCTET_STRING *id;

	if (sp_trust__key_alg(k) == SP_KEY_SM2) {
		if ((id = ASN1_OCTET_STRING_new()) == NULL ||
		    ASN1_OCTET_STRING_set(
		        id, (const unsigned char *)SP_SM2_DISTID,
		        (int)sizeof(SP_SM2_DISTID) - 1) != 1) {
			ASN1_OCTET_STRING_free(id);
			return 0;
		}
		X509_REQ_set0_distinguishing_id(q, id);
	}
	return X509_REQ_verify(q, k);
}

int sp_pki_csr_make(const char *key_path, const char *cn, uint8_t **der,
                    size_t *len, const char **why)
{
	EVP_PKEY *key = NULL;
	X509_REQ *q = NULL;
	X509_NAME *name = NULL;
	unsigned char *p = NULL;
	int n, rc = SP_ERR_INTERNAL;

	if (der == NULL || len == NULL || key_path == NULL || cn == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	*der = NULL;
	*len = 0;
	if ((key = read_key(key_path)) == NULL)
		return set_why(why, "cannot read the private key", SP_ERR_IO);
	if (sp_trust__key_alg(key) == 0) {
		EVP_PKEY_free(key);
		return set_why(why,
		               "key is neither ECDSA P-256 nor RSA >= 2048",
		               SP_ERR_KEY_WEAK);
	}
	if ((q = X509_REQ_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                               (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_REQ_set_version(q, 0) != 1 ||
	    X509_REQ_set_subject_name(q, name) != 1 ||
	    X509_REQ_set_pubkey(q, key) != 1 || csr_sign(q, key) != 0 ||
	    (n = i2d_X509_REQ(q, &p)) <= 0) {
		set_why(why, "OpenSSL could not build the CSR", 0);
		goto done;
	}
	if ((*der = malloc((size_t)n)) == NULL) {
		rc = SP_ERR_NOMEM;
		goto done;
	}
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	rc = SP_OK;
done:
	ERR_clear_error();
	OPENSSL_free(p);
	X509_NAME_free(name);
	X509_REQ_free(q);
	EVP_PKEY_free(key);
	return rc;
}

/* The CSR's key, once its self-signature proves that the requester holds
 * the private key (proof of possession). */
static int csr_key(const uint8_t *der, size_t len, EVP_PKEY **out,
                   const char **why)
{
	X509_REQ *q = der_csr(der, len);
	EVP_PKEY *k;

	*out = NULL;
	if (q == NULL)
		return set_why(why, "a CSR is not one DER PKCS#10 request",
		               SP_ERR_FIELD);
	if ((k = X509_REQ_get_pubkey(q)) == NULL) {
		X509_REQ_free(q);
		ERR_clear_error();
		return set_why(why, "a CSR holds no usable key", SP_ERR_FIELD);
	}
	if (sp_trust__key_alg(k) == 0) {
		EVP_PKEY_free(k);
		X509_REQ_free(q);
		return set_why(why,
		               "a CSR's key is neither ECDSA P-256, RSA "
		               ">= 2048 nor SM2",
		               SP_ERR_KEY_WEAK);
	}
	if (csr_verify(q, k) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(k);
		X509_REQ_free(q);
		return set_why(why,
		               "a CSR's self-signature does not verify with "
		               "the key it carries",
		               SP_ERR_KEY_UNPROVEN);
	}
	X509_REQ_free(q);
	*out = k;
	return SP_OK;
}

int sp_pki_csr_matches_cert(const uint8_t *csr, size_t csr_len,
                            const uint8_t *der, size_t len)
{
	X509_REQ *q = der_csr(csr, csr_len);
	X509 *x = der_cert(der, len);
	EVP_PKEY *k = q ? X509_REQ_get0_pubkey(q) : NULL;
	int same =
	    k != NULL && x != NULL && EVP_PKEY_eq(k, X509_get0_pubkey(x)) == 1;

	ERR_clear_error();
	X509_REQ_free(q);
	X509_free(x);
	return same;
}

/* ---------------------------------------------------------------- proofs */

static int hexdigest(const uint8_t *d, size_t n, char out[65])
{
	sp_sha256_hex(d, n, out);
	return 0;
}

/* The text the LogKey signs, as a signed note (SPEC [TL-49]). */
static int join_proof_text(const sp_enroll_req *r, char *buf, size_t cap)
{
	char h1[65], h2[65], t[SP_TIME_TEXT_MAX];
	int n;

	hexdigest(r->signing_csr, r->signing_csr_len, h1);
	hexdigest(r->tls_csr, r->tls_csr_len, h2);
	if (sp_time_format(r->created, t) != SP_OK)
		return -1;
	n = snprintf(buf, cap, "%s\n%s\n%s\n%s\n%s\n%s\n", JOIN_PROOF_TAG,
	             r->federation, r->node_id, h1, h2, t);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The text the previous signing key signs (SPEC [TL-53]). */
static int renewal_proof_text(const sp_enroll_req *r, char *buf, size_t cap)
{
	char h[65], t1[SP_TIME_TEXT_MAX], t2[SP_TIME_TEXT_MAX];
	int n;

	hexdigest(r->signing_csr, r->signing_csr_len, h);
	if (sp_time_format(r->created, t1) != SP_OK ||
	    sp_time_format(r->expires, t2) != SP_OK)
		return -1;
	n = snprintf(buf, cap, "%s\n%s\n%s\n%s\n%s\n%s\n", RENEWAL_PROOF_TAG,
	             r->federation, r->node_id, h, t1, t2);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int sp_enroll_prove_log_key(sp_enroll_req *r, const char *log_key_path,
                            const char **why)
{
	char text[512], name[300];
	sp_note_signer *s = NULL;
	char *note = NULL, *b64, *end;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int rc;

	if (r == NULL || log_key_path == NULL || r->kind != SP_DOC_JOIN_REQUEST)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	if (snprintf(name, sizeof(name), "silkport/%s/%s", r->federation,
	             r->node_id) >= (int)sizeof(name) ||
	    join_proof_text(r, text, sizeof(text)) != 0)
		return set_why(why, "request fields too long", SP_ERR_FIELD);
	if ((rc = sp_note_signer_load(name, log_key_path, &s, why)) != SP_OK)
		return rc;
	if ((rc = sp_note_sign(s, text, strlen(text), &note, why)) != SP_OK)
		goto done;
	/* note = text "\n" "\u2014 " name " " base64 "\n": keep the base64 */
	b64 = strrchr(note, ' ');
	end = b64 ? strchr(b64, '\n') : NULL;
	if (b64 == NULL || end == NULL) {
		rc = set_why(why, "unexpected note signature", SP_ERR_INTERNAL);
		goto done;
	}
	b64++;
	raw = malloc((size_t)(end - b64));
	if (raw == NULL) {
		rc = SP_ERR_NOMEM;
		goto done;
	}
	if (sp_b64_decode(b64, (size_t)(end - b64), raw, (size_t)(end - b64),
	                  &rawlen) != SP_OK) {
		rc = set_why(why, "unexpected note signature", SP_ERR_INTERNAL);
		goto done;
	}
	free(r->log_key_proof);
	r->log_key_proof = raw;
	r->log_key_proof_len = rawlen;
	raw = NULL;
	free(r->log_key);
	if ((r->log_key = strdup(sp_note_signer_vkey(s))) == NULL)
		rc = SP_ERR_NOMEM;
done:
	free(raw);
	free(note);
	sp_note_signer_free(s);
	return rc;
}

static int check_log_key_proof(const sp_enroll_req *r, const char **why)
{
	char text[512], b64[256], note[1024];
	const char *plus;
	size_t tl = 0;
	int n, rc;

	if (r->log_key == NULL || r->log_key_proof == NULL ||
	    r->log_key_proof_len > 128)
		return set_why(why, "LogKey or its proof missing",
		               SP_ERR_KEY_UNPROVEN);
	rc = sp_note_log_key_check(r->log_key, r->node_id, why);
	if (rc != SP_OK)
		return rc;
	plus = strchr(r->log_key, '+');
	if (plus == NULL || join_proof_text(r, text, sizeof(text)) != 0 ||
	    sp_b64_encode(r->log_key_proof, r->log_key_proof_len, b64,
	                  sizeof(b64)) == 0)
		return set_why(why, "LogKey proof unreadable",
		               SP_ERR_KEY_UNPROVEN);
	n = snprintf(note, sizeof(note), "%s\n\xe2\x80\x94 %.*s %s\n", text,
	             (int)(plus - r->log_key), r->log_key, b64);
	if (n <= 0 || (size_t)n >= sizeof(note))
		return set_why(why, "LogKey proof too long",
		               SP_ERR_KEY_UNPROVEN);
	if (sp_note_verify(r->log_key, note, (size_t)n, &tl, NULL) != SP_OK)
		return set_why(why,
		               "LogKeyProof does not verify with the LogKey",
		               SP_ERR_KEY_UNPROVEN);
	return SP_OK;
}

int sp_enroll_sign_previous(sp_enroll_req *r, const sp_key *old,
                            const char **why)
{
	char text[512];
	const uint8_t *der;
	size_t dlen;
	int rc;

	if (r == NULL || old == NULL || r->kind != SP_DOC_RENEWAL_REQUEST ||
	    (der = sp_key_cert_der(old, &dlen)) == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	if (renewal_proof_text(r, text, sizeof(text)) != 0)
		return set_why(why, "request fields invalid", SP_ERR_FIELD);
	free(r->previous_cert);
	free(r->previous_sig);
	r->previous_sig = NULL;
	if ((r->previous_cert = malloc(dlen)) == NULL)
		return SP_ERR_NOMEM;
	memcpy(r->previous_cert, der, dlen);
	r->previous_cert_len = dlen;
	rc = sign_raw(old->pkey, text, &r->previous_sig, &r->previous_sig_len);
	if (rc != SP_OK)
		return set_why(why, "cannot sign with the previous key", rc);
	return SP_OK;
}

int sp_enroll_check_previous(const sp_enroll_req *r, const sp_tl_member *m,
                             const char **why)
{
	char text[512];
	X509 *x = NULL;
	EVP_PKEY *k;
	size_t i;
	int ok;

	if (r == NULL || m == NULL || r->kind != SP_DOC_RENEWAL_REQUEST)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	for (i = 0; i < m->n_signing; i++)
		if (m->signing[i].der_len == r->previous_cert_len &&
		    memcmp(m->signing[i].der, r->previous_cert,
		           r->previous_cert_len) == 0)
			break;
	if (i == m->n_signing)
		return set_why(why,
		               "PreviousCertificate is not one of the member's "
		               "listed signing certificates",
		               SP_ERR_REQUEST_SIGNER);
	if ((x = der_cert(r->previous_cert, r->previous_cert_len)) == NULL)
		return set_why(why, "PreviousCertificate is not a certificate",
		               SP_ERR_CERT_INVALID);
	k = X509_get0_pubkey(x);
	ok = k != NULL && renewal_proof_text(r, text, sizeof(text)) == 0 &&
	     verify_raw(k, text, r->previous_sig, r->previous_sig_len);
	X509_free(x);
	if (!ok)
		return set_why(why,
		               "PreviousKeySignature does not verify with the "
		               "previous certificate's key",
		               SP_ERR_REQUEST_SIGNER);
	return SP_OK;
}

/* ---------------------------------------------------------------- open */

int sp_enroll_open(const uint8_t *buf, size_t len, sp_doc_kind kind,
                   const char *federation, const sp_verify_opts *o,
                   sp_enroll_req **out, const char **why)
{
	sp_doc *doc = NULL;
	sp_enroll_req *r = NULL;
	sp_trust__sig sig;
	EVP_PKEY *sk = NULL, *tk = NULL;
	int64_t now = sp_trust__now(o), skew = sp_trust__skew(o);
	int rc, digest_ok = 0;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (!sp_trust__ready())
		return set_why(why, "sp_trust_init() was not called",
		               SP_ERR_INTERNAL);
	if (kind != SP_DOC_JOIN_REQUEST && kind != SP_DOC_RENEWAL_REQUEST)
		return set_why(why, "not a request kind",
		               SP_ERR_INVALID_ARGUMENT);
	if ((rc = sp_doc_parse(buf, len, kind, NULL, &doc, why)) != SP_OK)
		return rc;
	if ((rc = sp_trust__profile_check(sp_doc_tree(doc), &sig, why)) !=
	    SP_OK)
		goto done;
	if (sig.hint_cert != NULL) {
		rc = set_why(why, "a request carries no KeyInfo certificate",
		             SP_ERR_SIG_PROFILE);
		goto done;
	}
	if ((rc = sp_enroll_req_read(doc, &r, why)) != SP_OK)
		goto done;
	/* Who signed first: the key of SigningCsr, whose self-signature
	 * proves possession; a CSR that does not verify with its own key says
	 * nothing about who signed the document. */
	if ((rc = csr_key(r->signing_csr, r->signing_csr_len, &sk, why)) !=
	    SP_OK)
		goto done;
	if (sp_trust__key_alg(sk) != sig.alg) {
		rc = set_why(why,
		             "the SignatureMethod does not fit the key of "
		             "SigningCsr",
		             SP_ERR_REQUEST_SIGNER);
		goto done;
	}
	rc = sp_trust__dsig_verify(&sig, sk, sig.alg, &digest_ok, why);
	if (rc == SP_ERR_SIG_INVALID && digest_ok >= 0) {
		rc = set_why(why,
		             "the request is not signed by the key of its "
		             "SigningCsr",
		             SP_ERR_REQUEST_SIGNER);
		goto done;
	}
	if (rc != SP_OK)
		goto done;
	/* Then what the signed content says: federation, window. */
	if (federation != NULL && strcmp(r->federation, federation) != 0) {
		rc = set_why(why, "the request is for another federation",
		             SP_ERR_WRONG_FEDERATION);
		goto done;
	}
	if (r->created > now + skew) {
		rc = set_why(why, "Created is in the future",
		             SP_ERR_ISSUED_IN_FUTURE);
		goto done;
	}
	if (r->expires < now - skew) {
		rc = set_why(why, "the request's Expires has passed",
		             SP_ERR_REQUEST_EXPIRED);
		goto done;
	}
	if (r->expires - r->created > SP_ENROLL_MAX_VALIDITY) {
		rc = set_why(why, "a request may be valid for 30 days at most",
		             SP_ERR_FIELD);
		goto done;
	}
	/* Then possession of the other keys it carries. */
	if (kind == SP_DOC_JOIN_REQUEST) {
		if ((rc = csr_key(r->tls_csr, r->tls_csr_len, &tk, why)) !=
		    SP_OK)
			goto done;
		if (EVP_PKEY_eq(sk, tk) == 1) {
			rc =
			    set_why(why, "the signing and TLS keys must differ",
			            SP_ERR_FIELD);
			goto done;
		}
		if ((rc = check_log_key_proof(r, why)) != SP_OK)
			goto done;
	}
	*out = r;
	r = NULL;
	rc = SP_OK;
done:
	sp_trust__sig_clear(&sig);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(tk);
	sp_enroll_req_free(r);
	sp_doc_free(doc);
	return rc;
}

/* ---------------------------------------------------------------- issue */

int sp_pki_issue_csr(const char *ca_key, const char *ca_cert,
                     sp_cert_usage usage, const uint8_t *csr, size_t csr_len,
                     const char *common_name, const char *const *sans, int days,
                     uint8_t **der, size_t *der_len, const char **why)
{
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *cacert = NULL, *cert = NULL;
	unsigned char *p = NULL;
	int n, rc;

	if (der == NULL || der_len == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*der = NULL;
	*der_len = 0;
	if (ca_key == NULL || ca_cert == NULL || common_name == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	if ((rc = csr_key(csr, csr_len, &key, why)) != SP_OK)
		return rc;
	cakey = read_key(ca_key);
	cacert = read_cert_pem(ca_cert);
	if (cakey == NULL || cacert == NULL) {
		rc = set_why(why, "cannot read the CA key or certificate",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(cacert), cakey) != 1 ||
	    X509_check_ca(cacert) < 1) {
		rc = set_why(why,
		             "the CA key does not match the CA certificate, or "
		             "it is not a CA",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	/* The subject and names come from the operator, never from the CSR:
	 * the CSR proves the key, the request (checked) names the member. */
	rc = sp_pki__make_cert(key, common_name, days, cacert, cakey, usage,
	                       sans, &cert, why);
	if (rc != SP_OK)
		goto done;
	if ((n = i2d_X509(cert, &p)) <= 0 ||
	    (*der = malloc((size_t)n)) == NULL) {
		rc = SP_ERR_NOMEM;
		goto done;
	}
	memcpy(*der, p, (size_t)n);
	*der_len = (size_t)n;
	rc = SP_OK;
done:
	ERR_clear_error();
	OPENSSL_free(p);
	X509_free(cert);
	X509_free(cacert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return rc;
}

int sp_pki_write_cert(const uint8_t *der, size_t len, const char *path,
                      const char **why)
{
	X509 *x = der_cert(der, len);
	int rc;

	if (x == NULL)
		return set_why(why, "not a DER certificate",
		               SP_ERR_CERT_INVALID);
	rc = sp_pki__write_pem(path, 0644, NULL, x);
	X509_free(x);
	return rc == SP_OK ? SP_OK
	                   : set_why(why, "cannot write the certificate file",
	                             SP_ERR_IO);
}

int sp_pki_cert_profile_check(const uint8_t *der, size_t len,
                              sp_cert_usage usage, const char **why)
{
	X509 *x = der_cert(der, len);
	uint32_t ku, xku, flags;
	int rc = SP_OK;

	if (x == NULL)
		return set_why(why, "not one DER X.509 certificate",
		               SP_ERR_CERT_INVALID);
	if (X509_check_ca(x) != 0 || X509_get_version(x) != 2) {
		rc = set_why(why, "not a v3 end-entity certificate (cA true)",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	if (sp_trust__key_alg(X509_get0_pubkey(x)) == 0) {
		rc = set_why(why, "key neither ECDSA P-256 nor RSA >= 2048",
		             SP_ERR_KEY_WEAK);
		goto done;
	}
	/* keyUsage and extendedKeyUsage are checked when present (SPEC
	 * [TL-41], [TL-56]); OpenSSL reports an absent one as all bits. */
	flags = X509_get_extension_flags(x);
	ku = (flags & EXFLAG_KUSAGE) ? X509_get_key_usage(x) : UINT32_MAX;
	xku = (flags & EXFLAG_XKUSAGE) ? X509_get_extended_key_usage(x)
	                               : UINT32_MAX;
	if (!(ku & KU_DIGITAL_SIGNATURE)) {
		rc = set_why(why, "keyUsage lacks digitalSignature",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	switch (usage) {
	case SP_CERT_SIGNING:
		if ((flags & EXFLAG_KUSAGE) &&
		    (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)))
			rc = set_why(why,
			             "a signing certificate may not sign "
			             "certificates",
			             SP_ERR_CERT_INVALID);
		break;
	case SP_CERT_TLS:
		if (!(xku & XKU_SSL_SERVER) || !(xku & XKU_SSL_CLIENT))
			rc = set_why(
			    why,
			    "a TLS certificate's extendedKeyUsage needs "
			    "serverAuth and clientAuth",
			    SP_ERR_CERT_INVALID);
		break;
	case SP_CERT_OPERATOR:
		if (!(xku & XKU_SSL_CLIENT))
			rc = set_why(
			    why,
			    "an operator certificate's extendedKeyUsage "
			    "needs clientAuth",
			    SP_ERR_CERT_INVALID);
		break;
	default:
		rc = set_why(why, "unknown certificate usage",
		             SP_ERR_INVALID_ARGUMENT);
	}
done:
	ERR_clear_error();
	X509_free(x);
	return rc;
}

/* Is x signed by one of the certificates of the anchor file? 1 yes, 0 no,
 * -1 the file holds no certificate. A federation whose operator signs its
 * lists with SM2 has two anchors in the file, and its CA is the second. */
static int issued_by_anchor(X509 *x, const char *anchor_path)
{
	BIO *b = BIO_new_file(anchor_path, "r");
	X509 *anchor;
	int found = 0, any = 0;

	while (b != NULL && !found &&
	       (anchor = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) !=
	           NULL) {
		any = 1;
		found = X509_NAME_cmp(X509_get_issuer_name(x),
		                      X509_get_subject_name(anchor)) == 0 &&
		        X509_verify(x, X509_get0_pubkey(anchor)) == 1;
		X509_free(anchor);
	}
	BIO_free(b);
	ERR_clear_error();
	return found ? 1 : any ? 0 : -1;
}

int sp_pki_issued_check(const uint8_t *der, size_t len, const char *key_path,
                        const char *anchor_path, sp_cert_usage usage,
                        int64_t now, const char **why)
{
	X509 *x = NULL;
	EVP_PKEY *key = NULL;
	int64_t nb, na;
	int rc, by;

	if ((x = der_cert(der, len)) == NULL)
		return set_why(why, "not one DER X.509 certificate",
		               SP_ERR_ISSUED_MISMATCH);
	if ((key = read_key(key_path)) == NULL) {
		rc =
		    set_why(why, "cannot read the member's own key", SP_ERR_IO);
		goto done;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1) {
		rc =
		    set_why(why, "the certificate is not for this member's key",
		            SP_ERR_ISSUED_MISMATCH);
		goto done;
	}
	if ((by = issued_by_anchor(x, anchor_path)) < 0) {
		rc = set_why(why, "cannot read the anchor certificate",
		             SP_ERR_IO);
		goto done;
	}
	if (by == 0) {
		rc = set_why(why,
		             "the certificate is not signed by the federation "
		             "anchor (altered, or from someone else)",
		             SP_ERR_ISSUED_MISMATCH);
		goto done;
	}
	if (sp_trust__asn1_time(X509_get0_notBefore(x), &nb) != SP_OK ||
	    sp_trust__asn1_time(X509_get0_notAfter(x), &na) != SP_OK ||
	    now < nb - 300 || now > na) {
		rc = set_why(why, "the certificate is not valid now",
		             SP_ERR_CERT_INVALID);
		goto done;
	}
	rc = sp_pki_cert_profile_check(der, len, usage, why);
done:
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(x);
	return rc;
}
