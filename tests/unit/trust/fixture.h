/* fixture.h: a throw-away test federation (CA, members in every trust state,
 * an outsider with its own CA), record building and signing helpers shared by
 * the trust tests and the fuzz targets. Header-only: static functions. */
#ifndef SP_TESTS_TRUST_FIXTURE_H
#define SP_TESTS_TRUST_FIXTURE_H

#include <errno.h>
#include <sys/stat.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"
#include "trust.h"
#include "unit/trust/verify_both.h"

/* Valid both as SPEC.md's NodeId syntax and as the lowercase form the
 * trust-list code accepts. */
#define FX_FEDERATION "0sp-test"
#define FX_PATH       512
#define FX_DAY        ((int64_t)86400)

/* Indexes into fx_fed.m[]. */
enum {
	FX_ZZ = 0, /* CN-ZZ, P-256, active */
	FX_HN,     /* CN-HN, RSA-2048, active */
	FX_RV,     /* CN-RV, P-256, revoked */
	FX_SP,     /* CN-SP, P-256, suspended */
	FX_EX,     /* CN-EX, P-256, active, signing window ended 10 days ago */
	FX_NMEMBERS
};

typedef struct fx_member {
	const char *id;
	sp_key_alg alg;
	sp_member_status status;
	int64_t valid_from; /* trust-list window of the signing certificate */
	int64_t valid_until;
	char key[FX_PATH];
	char cert[FX_PATH];
	char tls_key[FX_PATH];
	char tls_cert[FX_PATH];
	sp_key *sk; /* loaded signing identity */
} fx_member;

typedef struct fx_fed {
	char dir[FX_PATH];
	int64_t now;
	char ca_key[FX_PATH];
	char ca_cert[FX_PATH];
	fx_member m[FX_NMEMBERS];
	/* A second, unrelated CA and a signing identity it issued. Its
	 * certificate says CN=CN-ZZ to look like the real member. */
	char out_ca_key[FX_PATH];
	char out_ca_cert[FX_PATH];
	char out_key[FX_PATH];
	char out_cert[FX_PATH];
	sp_key *outsider;
	uint8_t *tl;
	size_t tl_len;
	sp_anchors *anchors;
	sp_trust *trust;
} fx_fed;

static inline int fx_path(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, FX_PATH, "%s/%s", dir, name);
	return (n > 0 && n < FX_PATH) ? 0 : -1;
}

/* Remove a directory tree made by the fixture (files and subdirectories). */
static inline void fx_rmtree(const char *dir)
{
	DIR *d;
	struct dirent *e;

	if (dir == NULL || dir[0] == '\0')
		return;
	d = opendir(dir);
	if (d == NULL) {
		(void)remove(dir);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char p[FX_PATH];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fx_path(p, dir, e->d_name) != 0)
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			fx_rmtree(p);
		else
			(void)remove(p);
	}
	closedir(d);
	(void)rmdir(dir);
}

static inline int fx_report(const char *what, int rc, const char *why)
{
	fprintf(stderr, "fixture: %s: %s (%s)\n", what, sp_strerror(rc),
	        why != NULL ? why : "-");
	return rc;
}

/* A fresh directory under $TMPDIR (or /tmp) named after tag: 0 or -1. */
static inline int fx_tmpdir(char dir[FX_PATH], const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, FX_PATH, "%s/sp-%s-XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", tag);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* A member's signing key in dir (node_id.key, node_id.pem), issued by the
 * operator CA of dir (ca.key, ca.pem; made on first use). */
static inline int fx_signer(const char *dir, const char *node_id,
                            sp_key_alg alg, sp_key **out)
{
	char ca_key[FX_PATH], ca_cert[FX_PATH], key[FX_PATH], cert[FX_PATH];
	char stem[80];
	const char *why = NULL;
	int rc = SP_ERR_INVALID_ARGUMENT;

	*out = NULL;
	snprintf(stem, sizeof(stem), "%s.key", node_id);
	if (fx_path(ca_key, dir, "ca.key") || fx_path(ca_cert, dir, "ca.pem") ||
	    fx_path(key, dir, stem))
		return fx_report("fx_signer", rc, "path too long");
	snprintf(stem, sizeof(stem), "%s.pem", node_id);
	if (fx_path(cert, dir, stem))
		return fx_report("fx_signer", rc, "path too long");
	rc = SP_OK;
	if (access(ca_cert, R_OK) != 0)
		rc = sp_pki_make_ca("SP-TEST operator", SP_KEY_P256, 3650,
		                    ca_key, ca_cert, &why);
	if (rc == SP_OK)
		rc = sp_pki_issue(ca_key, ca_cert, SP_CERT_SIGNING, node_id,
		                  NULL, alg, 825, key, cert, &why);
	if (rc == SP_OK)
		rc = sp_key_load(key, cert, out, &why);
	return rc == SP_OK ? SP_OK : fx_report("fx_signer", rc, why);
}

static inline int fx_write_file(const char *path, const uint8_t *buf,
                                size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return SP_ERR_IO;
	if (len > 0 && fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return SP_ERR_IO;
	}
	return fclose(f) == 0 ? SP_OK : SP_ERR_IO;
}

/* Read a whole file (at most 16 MiB); *out is malloc'd and NUL-terminated. */
static inline int fx_read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	*out = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (f == NULL)
		return SP_ERR_NOT_FOUND;
	for (;;) {
		size_t r;
		if (n + 4097 > cap) {
			uint8_t *nb;
			cap = cap ? cap * 2 : 8192;
			if (cap > ((size_t)16 << 20))
				goto fail;
			nb = realloc(buf, cap);
			if (nb == NULL)
				goto fail;
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return SP_OK;
fail:
	fclose(f);
	free(buf);
	return SP_ERR_IO;
}

static inline int fx_issue_member(fx_fed *f, fx_member *m)
{
	const char *why = NULL;
	static const char *const sans[] = {"localhost", "127.0.0.1", NULL};
	char name[128];
	int rc;

	snprintf(name, sizeof(name), "%s-sign.key", m->id);
	if (fx_path(m->key, f->dir, name) != 0)
		return SP_ERR_INTERNAL;
	snprintf(name, sizeof(name), "%s-sign.pem", m->id);
	if (fx_path(m->cert, f->dir, name) != 0)
		return SP_ERR_INTERNAL;
	snprintf(name, sizeof(name), "%s-tls.key", m->id);
	if (fx_path(m->tls_key, f->dir, name) != 0)
		return SP_ERR_INTERNAL;
	snprintf(name, sizeof(name), "%s-tls.pem", m->id);
	if (fx_path(m->tls_cert, f->dir, name) != 0)
		return SP_ERR_INTERNAL;
	rc = sp_pki_issue(f->ca_key, f->ca_cert, SP_CERT_SIGNING, m->id, NULL,
	                  m->alg, 825, m->key, m->cert, &why);
	if (rc != SP_OK)
		return fx_report("sp_pki_issue signing", rc, why);
	rc = sp_pki_issue(f->ca_key, f->ca_cert, SP_CERT_TLS, m->id, sans,
	                  SP_KEY_P256, 825, m->tls_key, m->tls_cert, &why);
	if (rc != SP_OK)
		return fx_report("sp_pki_issue tls", rc, why);
	rc = sp_key_load(m->key, m->cert, &m->sk, &why);
	if (rc != SP_OK)
		return fx_report("sp_key_load member", rc, why);
	return SP_OK;
}

static inline void fx_tl_members_free(sp_tl_member *tm, size_t n)
{
	size_t i;
	if (tm == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(tm[i].tls_cert_der);
		if (tm[i].signing != NULL)
			free(tm[i].signing[0].der);
		free(tm[i].signing);
		if (tm[i].endpoints != NULL)
			free(tm[i].endpoints[0]);
		free(tm[i].endpoints);
	}
	free(tm);
}

/* Build the trust list for f's members, sign it with the CA, open it. */
static inline int fx_make_trust(fx_fed *f)
{
	sp_tl tl;
	sp_tl_member *tm = NULL;
	sp_key *ca = NULL;
	uint8_t *unsigned_tl = NULL;
	size_t unsigned_len = 0;
	const char *why = NULL;
	sp_verify_opts o;
	size_t i;
	int rc;

	tm = calloc(FX_NMEMBERS, sizeof(*tm));
	if (tm == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < FX_NMEMBERS; i++) {
		fx_member *m = &f->m[i];
		char url[128];
		snprintf(tm[i].node_id, sizeof(tm[i].node_id), "%s", m->id);
		tm[i].name = (char *)(uintptr_t) "Test authority";
		tm[i].role = i == FX_HN ? SP_ROLE_PORT_AUTHORITY : SP_ROLE_ZONE;
		tm[i].status = m->status;
		snprintf(url, sizeof(url), "https://127.0.0.1:%u/",
		         (unsigned)(18443 + i));
		tm[i].endpoints = calloc(1, sizeof(char *));
		if (tm[i].endpoints == NULL ||
		    (tm[i].endpoints[0] = strdup(url)) == NULL) {
			rc = SP_ERR_NOMEM;
			goto fail;
		}
		tm[i].n_endpoints = 1;
		rc = sp_pki_cert_der(m->tls_cert, &tm[i].tls_cert_der,
		                     &tm[i].tls_cert_der_len, &why);
		if (rc != SP_OK) {
			fx_report("sp_pki_cert_der tls", rc, why);
			goto fail;
		}
		tm[i].signing = calloc(1, sizeof(*tm[i].signing));
		if (tm[i].signing == NULL) {
			rc = SP_ERR_NOMEM;
			goto fail;
		}
		tm[i].n_signing = 1;
		rc = sp_pki_cert_der(m->cert, &tm[i].signing[0].der,
		                     &tm[i].signing[0].der_len, &why);
		if (rc != SP_OK) {
			fx_report("sp_pki_cert_der signing", rc, why);
			goto fail;
		}
		tm[i].signing[0].valid_from = m->valid_from;
		tm[i].signing[0].valid_until = m->valid_until;
	}
	memset(&tl, 0, sizeof(tl));
	snprintf(tl.federation, sizeof(tl.federation), "%s", FX_FEDERATION);
	tl.sequence = 1;
	tl.issued = f->now - 3600;
	tl.next_update = f->now + 6 * FX_DAY;
	tl.operator_name = (char *)(uintptr_t) "Test federation operator";
	tl.members = tm;
	tl.n_members = FX_NMEMBERS;

	rc = sp_tl_build(&tl, &unsigned_tl, &unsigned_len, &why);
	if (rc != SP_OK) {
		fx_report("sp_tl_build", rc, why);
		goto fail;
	}
	rc = sp_key_load(f->ca_key, f->ca_cert, &ca, &why);
	if (rc != SP_OK) {
		fx_report("sp_key_load ca", rc, why);
		goto fail;
	}
	rc = sp_sign_document(ca, unsigned_tl, unsigned_len, &f->tl, &f->tl_len,
	                      &why);
	if (rc != SP_OK) {
		fx_report("sp_sign_document trust list", rc, why);
		goto fail;
	}
	rc = sp_anchors_new(&f->anchors);
	if (rc != SP_OK)
		goto fail;
	rc = sp_anchors_add_pem_file(f->anchors, f->ca_cert, &why);
	if (rc != SP_OK) {
		fx_report("sp_anchors_add_pem_file", rc, why);
		goto fail;
	}
	sp_verify_opts_default(&o);
	o.now = f->now;
	rc = sp_trust_open(f->anchors, f->tl, f->tl_len, NULL, &o, &f->trust,
	                   &why);
	if (rc != SP_OK) {
		fx_report("sp_trust_open", rc, why);
		goto fail;
	}
fail:
	sp_key_free(ca);
	free(unsigned_tl);
	fx_tl_members_free(tm, FX_NMEMBERS);
	return rc;
}

static inline void fx_fed_free(fx_fed *f)
{
	size_t i;
	if (f == NULL)
		return;
	sp_trust_unref(f->trust);
	f->trust = NULL;
	sp_anchors_free(f->anchors);
	f->anchors = NULL;
	free(f->tl);
	f->tl = NULL;
	for (i = 0; i < FX_NMEMBERS; i++) {
		sp_key_free(f->m[i].sk);
		f->m[i].sk = NULL;
	}
	sp_key_free(f->outsider);
	f->outsider = NULL;
	if (getenv("SP_KEEP_FIXTURE") == NULL)
		fx_rmtree(f->dir);
	else
		fprintf(stderr, "fixture: kept %s\n", f->dir);
}

/* Make the federation in a fresh directory under $TMPDIR. 0 on success. */
static inline int fx_fed_setup(fx_fed *f)
{
	static const struct {
		const char *id;
		sp_key_alg alg;
		sp_member_status status;
		int64_t from, until; /* relative to now */
	} spec[FX_NMEMBERS] = {
	    {"CN-ZZ", SP_KEY_P256, SP_STATUS_ACTIVE, -FX_DAY, 365 * FX_DAY},
	    {"CN-HN", SP_KEY_RSA2048, SP_STATUS_ACTIVE, -FX_DAY, 365 * FX_DAY},
	    {"CN-RV", SP_KEY_P256, SP_STATUS_REVOKED, -FX_DAY, 365 * FX_DAY},
	    {"CN-SP", SP_KEY_P256, SP_STATUS_SUSPENDED, -FX_DAY, 365 * FX_DAY},
	    {"CN-EX", SP_KEY_P256, SP_STATUS_ACTIVE, -20 * FX_DAY,
	     -10 * FX_DAY},
	};
	const char *tmp = getenv("TMPDIR");
	const char *why = NULL;
	size_t i;
	int rc;

	memset(f, 0, sizeof(*f));
	f->now = (int64_t)time(NULL);
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (snprintf(f->dir, sizeof(f->dir), "%s/sp-fed-XXXXXX", tmp) >=
	    (int)sizeof(f->dir))
		return SP_ERR_INTERNAL;
	if (mkdtemp(f->dir) == NULL) {
		f->dir[0] = '\0';
		return SP_ERR_IO;
	}
	if (fx_path(f->ca_key, f->dir, "ca.key") ||
	    fx_path(f->ca_cert, f->dir, "ca.pem") ||
	    fx_path(f->out_ca_key, f->dir, "outsider-ca.key") ||
	    fx_path(f->out_ca_cert, f->dir, "outsider-ca.pem") ||
	    fx_path(f->out_key, f->dir, "outsider.key") ||
	    fx_path(f->out_cert, f->dir, "outsider.pem"))
		return SP_ERR_INTERNAL;
	rc = sp_pki_make_ca("SP-TEST operator", SP_KEY_P256, 3650, f->ca_key,
	                    f->ca_cert, &why);
	if (rc != SP_OK)
		return fx_report("sp_pki_make_ca", rc, why);
	for (i = 0; i < FX_NMEMBERS; i++) {
		f->m[i].id = spec[i].id;
		f->m[i].alg = spec[i].alg;
		f->m[i].status = spec[i].status;
		f->m[i].valid_from = f->now + spec[i].from;
		f->m[i].valid_until = f->now + spec[i].until;
		rc = fx_issue_member(f, &f->m[i]);
		if (rc != SP_OK)
			return rc;
	}
	rc = sp_pki_make_ca("Outsider operator", SP_KEY_P256, 3650,
	                    f->out_ca_key, f->out_ca_cert, &why);
	if (rc != SP_OK)
		return fx_report("sp_pki_make_ca outsider", rc, why);
	rc = sp_pki_issue(f->out_ca_key, f->out_ca_cert, SP_CERT_SIGNING,
	                  "CN-ZZ", NULL, SP_KEY_P256, 825, f->out_key,
	                  f->out_cert, &why);
	if (rc != SP_OK)
		return fx_report("sp_pki_issue outsider", rc, why);
	rc = sp_key_load(f->out_key, f->out_cert, &f->outsider, &why);
	if (rc != SP_OK)
		return fx_report("sp_key_load outsider", rc, why);
	return fx_make_trust(f);
}

/* A Declaration body with an Extension, used when no body file is given. */
#define FX_DECLARATION_BODY                                                    \
	"<Declaration>"                                                        \
	"<DeclarationNo>4600202611270001</DeclarationNo>"                      \
	"<Mode>9610</Mode><Direction>export</Direction>"                       \
	"<Declarant>Zhengzhou Test Customs Broker Co., Ltd.</Declarant>"       \
	"<Item><Name>Green tea</Name><Quantity>2</Quantity>"                   \
	"<Value currency=\"CNY\">120.50</Value><HsCode>090210</HsCode></Item>" \
	"<Extension><Note>test</Note></Extension>"                             \
	"</Declaration>"

/* Build an unsigned record. body NULL means FX_DECLARATION_BODY with type
 * "declaration". *out is malloc'd. */
static inline int fx_record_build(const char *origin, uint64_t seq,
                                  const char *type, int64_t issued,
                                  const char *body, size_t body_len,
                                  uint8_t **out, size_t *len)
{
	static const char *const recips[] = {"CN-HN", "CN-ZZ"};
	sp_subject subj[2] = {
	    {"Enterprise", "USCC", "91410100MA44XXXX0X"},
	    {"Declaration", NULL, "4600202611270001"},
	};
	sp_record_draft d;
	const char *why = NULL;
	int rc;

	memset(&d, 0, sizeof(d));
	d.origin = origin;
	d.sequence = seq;
	d.type = type != NULL ? type : "declaration";
	d.issued = issued;
	d.recipients = recips;
	d.n_recipients = 2;
	d.subjects = subj;
	d.n_subjects = 2;
	if (body == NULL) {
		body = FX_DECLARATION_BODY;
		body_len = strlen(body);
	}
	d.body = (const uint8_t *)body;
	d.body_len = body_len;
	rc = sp_record_build(&d, out, len, &why);
	if (rc != SP_OK)
		fx_report("sp_record_build", rc, why);
	return rc;
}

static inline int fx_sign(const sp_key *k, const uint8_t *in, size_t len,
                          uint8_t **out, size_t *outlen)
{
	const char *why = NULL;
	int rc = sp_sign_document(k, in, len, out, outlen, &why);
	if (rc != SP_OK)
		fx_report("sp_sign_document", rc, why);
	return rc;
}

/* Build and sign a record in one go. */
static inline int fx_signed_record(const sp_key *k, const char *origin,
                                   uint64_t seq, int64_t issued, uint8_t **out,
                                   size_t *len)
{
	uint8_t *u = NULL;
	size_t ul = 0;
	int rc = fx_record_build(origin, seq, NULL, issued, NULL, 0, &u, &ul);
	if (rc == SP_OK)
		rc = fx_sign(k, u, ul, out, len);
	free(u);
	return rc;
}

/* Verify with the fixture's clock (both ways, which must agree). */
static inline int fx_verify(const fx_fed *f, const uint8_t *buf, size_t len,
                            sp_record **rec, const char **why)
{
	sp_verify_opts o;
	sp_record *r = NULL;
	int rc;

	sp_verify_opts_default(&o);
	o.now = f->now;
	rc = fx_verify_both(f->trust, buf, len, &o, rec != NULL ? rec : &r, why,
	                    NULL);
	sp_record_free(r);
	return rc;
}

/* ---------------------------------------------------------------- DOM and
 * XML-DSig tools: edit a signed document and, where a case needs a
 * cryptographically valid signature, recompute DigestValue and
 * SignatureValue by hand (exclusive or inclusive C14N through libxml2,
 * OpenSSL for the digest and the signature), independently of trust/. */

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define FX_ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define FX_ALG_EXC       "http://www.w3.org/2001/10/xml-exc-c14n#"
#define FX_ALG_EXC_COMMENTS                                                    \
	"http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
#define FX_ALG_C14N10 "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define FX_ALG_C14N10_COMMENTS                                                 \
	"http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
#define FX_ALG_C14N11 "http://www.w3.org/2006/12/xml-c14n11"
#define FX_ALG_C14N11_COMMENTS                                                 \
	"http://www.w3.org/2006/12/xml-c14n11#WithComments"
#define FX_ALG_SHA1       "http://www.w3.org/2000/09/xmldsig#sha1"
#define FX_ALG_SHA256     "http://www.w3.org/2001/04/xmlenc#sha256"
#define FX_ALG_SHA384     "http://www.w3.org/2001/04/xmldsig-more#sha384"
#define FX_ALG_SHA512     "http://www.w3.org/2001/04/xmlenc#sha512"
#define FX_ALG_MD5        "http://www.w3.org/2001/04/xmldsig-more#md5"
#define FX_ALG_RSA_SHA1   "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define FX_ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define FX_ALG_RSA_SHA512 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
#define FX_ALG_RSA_MD5    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
#define FX_ALG_ECDSA_SHA1 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
#define FX_ALG_ECDSA_SHA256                                                    \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define FX_ALG_ECDSA_SHA512                                                    \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
#define FX_ALG_HMAC_SHA1   "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
#define FX_ALG_HMAC_SHA256 "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
#define FX_ALG_XPATH       "http://www.w3.org/TR/1999/REC-xpath-19991116"
#define FX_ALG_XPATH2      "http://www.w3.org/2002/06/xmldsig-filter2"
#define FX_ALG_XSLT        "http://www.w3.org/TR/1999/REC-xslt-19991116"

#define FX_X(s) ((const xmlChar *)(s))

typedef struct fx_buf {
	uint8_t *p;
	size_t n;
} fx_buf;

static inline void fx_buf_free(fx_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static inline int fx_buf_set(fx_buf *b, const void *p, size_t n)
{
	b->p = malloc(n + 1);
	if (b->p == NULL)
		return SP_ERR_NOMEM;
	if (n > 0)
		memcpy(b->p, p, n);
	b->p[n] = '\0';
	b->n = n;
	return SP_OK;
}

/* Parse our own (trusted) bytes for editing. */
static inline xmlDocPtr fx_dom(const fx_buf *b)
{
	if (b->n > INT_MAX)
		return NULL;
	return xmlReadMemory((const char *)b->p, (int)b->n, NULL, NULL,
	                     XML_PARSE_NONET);
}

/* Serialize and free the tree, as exclusive C14N with comments: for an
 * edited record the canonical transport form (SPEC 4.6) plus whatever
 * comments a case added, so that each case meets the check it is about
 * rather than an accidental difference in serialization. */
static inline int fx_dump(xmlDocPtr d, fx_buf *o)
{
	xmlChar *mem = NULL;
	int len = 0, rc;

	if (d == NULL)
		return SP_ERR_INTERNAL;
	len = xmlC14NDocDumpMemory(d, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 1,
	                           &mem);
	xmlFreeDoc(d);
	if (mem == NULL || len < 0)
		return SP_ERR_NOMEM;
	rc = fx_buf_set(o, mem, (size_t)len);
	xmlFree(mem);
	return rc;
}

static inline int fx_is(const xmlNode *n, const char *ns, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 0;
	if (!xmlStrEqual(n->name, FX_X(name)))
		return 0;
	if (ns == NULL)
		return 1;
	return n->ns != NULL && xmlStrEqual(n->ns->href, FX_X(ns));
}

/* First element named ns:name at or below n, in document order. */
static inline xmlNodePtr fx_find(xmlNodePtr n, const char *ns, const char *name)
{
	for (; n != NULL; n = n->next) {
		xmlNodePtr r;
		if (fx_is(n, ns, name))
			return n;
		if (n->type == XML_ELEMENT_NODE &&
		    (r = fx_find(n->children, ns, name)) != NULL)
			return r;
	}
	return NULL;
}

static inline xmlNodePtr fx_child(xmlNodePtr parent, const char *ns,
                                  const char *name)
{
	xmlNodePtr n;
	if (parent == NULL)
		return NULL;
	for (n = parent->children; n != NULL; n = n->next)
		if (fx_is(n, ns, name))
			return n;
	return NULL;
}

/* The signature that is the last element child of the root. */
static inline xmlNodePtr fx_root_sig(xmlDocPtr d)
{
	xmlNodePtr r = xmlDocGetRootElement(d), n, last = NULL;
	if (r == NULL)
		return NULL;
	for (n = r->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			last = n;
	return fx_is(last, SP_DSIG_NS, "Signature") ? last : NULL;
}

static inline int fx_set_alg(xmlNodePtr n, const char *uri)
{
	if (n == NULL)
		return SP_ERR_NOT_FOUND;
	return xmlSetProp(n, FX_X("Algorithm"), FX_X(uri)) != NULL
	           ? SP_OK
	           : SP_ERR_NOMEM;
}

static inline int fx_c14n_alg(const char *uri, int *mode, int *comments)
{
	static const struct {
		const char *uri;
		int mode, comments;
	} t[] = {
	    {FX_ALG_EXC, XML_C14N_EXCLUSIVE_1_0, 0},
	    {FX_ALG_EXC_COMMENTS, XML_C14N_EXCLUSIVE_1_0, 1},
	    {FX_ALG_C14N10, XML_C14N_1_0, 0},
	    {FX_ALG_C14N10_COMMENTS, XML_C14N_1_0, 1},
	    {FX_ALG_C14N11, XML_C14N_1_1, 0},
	    {FX_ALG_C14N11_COMMENTS, XML_C14N_1_1, 1},
	};
	size_t i;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (uri != NULL && strcmp(uri, t[i].uri) == 0) {
			*mode = t[i].mode;
			*comments = t[i].comments;
			return 0;
		}
	return -1;
}

struct fx_vis {
	xmlNodePtr sub;
	int include; /* 1: only sub's subtree, 0: all but sub's subtree */
};

static inline int fx_vis_cb(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
	const struct fx_vis *v = ud;
	xmlNodePtr n = node;
	int inside = 0;

	if (n != NULL && n->type == XML_NAMESPACE_DECL)
		n = parent;
	for (; n != NULL && v->sub != NULL; n = n->parent)
		if (n == v->sub) {
			inside = 1;
			break;
		}
	return v->include ? inside : !inside;
}

static inline int fx_c14n(xmlDocPtr d, xmlNodePtr sub, int include, int mode,
                          int comments, fx_buf *o)
{
	struct fx_vis v;
	xmlOutputBufferPtr ob = xmlAllocOutputBuffer(NULL);
	int rc = SP_ERR_INTERNAL;

	v.sub = sub;
	v.include = include;
	if (ob == NULL)
		return SP_ERR_NOMEM;
	if (xmlC14NExecute(d, fx_vis_cb, &v, mode, NULL, comments, ob) >= 0)
		rc = fx_buf_set(o, xmlOutputBufferGetContent(ob),
		                xmlOutputBufferGetSize(ob));
	xmlOutputBufferClose(ob);
	return rc;
}

static inline const EVP_MD *fx_md_of(const char *uri)
{
	if (uri == NULL)
		return NULL;
	if (strcmp(uri, FX_ALG_SHA1) == 0)
		return EVP_sha1();
	if (strcmp(uri, FX_ALG_SHA256) == 0)
		return EVP_sha256();
	if (strcmp(uri, FX_ALG_SHA384) == 0)
		return EVP_sha384();
	if (strcmp(uri, FX_ALG_SHA512) == 0)
		return EVP_sha512();
	if (strcmp(uri, FX_ALG_MD5) == 0)
		return EVP_md5();
	return NULL;
}

enum { FX_SIG_RSA = 1, FX_SIG_ECDSA = 2, FX_SIG_HMAC = 3 };

static inline int fx_sig_of(const char *uri, int *kind, const EVP_MD **md)
{
	static const struct {
		const char *uri;
		int kind;
		int md; /* 1 sha1, 256, 512, 5 md5 */
	} t[] = {
	    {FX_ALG_RSA_SHA1, FX_SIG_RSA, 1},
	    {FX_ALG_RSA_SHA256, FX_SIG_RSA, 256},
	    {FX_ALG_RSA_SHA512, FX_SIG_RSA, 512},
	    {FX_ALG_RSA_MD5, FX_SIG_RSA, 5},
	    {FX_ALG_ECDSA_SHA1, FX_SIG_ECDSA, 1},
	    {FX_ALG_ECDSA_SHA256, FX_SIG_ECDSA, 256},
	    {FX_ALG_ECDSA_SHA512, FX_SIG_ECDSA, 512},
	    {FX_ALG_HMAC_SHA1, FX_SIG_HMAC, 1},
	    {FX_ALG_HMAC_SHA256, FX_SIG_HMAC, 256},
	};
	size_t i;
	for (i = 0; uri != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(uri, t[i].uri) == 0) {
			*kind = t[i].kind;
			*md = t[i].md == 1     ? EVP_sha1()
			      : t[i].md == 256 ? EVP_sha256()
			      : t[i].md == 512 ? EVP_sha512()
			                       : EVP_md5();
			return 0;
		}
	return -1;
}

static inline int fx_set_b64(xmlNodePtr n, const uint8_t *b, size_t len)
{
	unsigned char *out;
	if (n == NULL || len > 4096)
		return SP_ERR_INVALID_ARGUMENT;
	out = malloc(4 * ((len + 2) / 3) + 1);
	if (out == NULL)
		return SP_ERR_NOMEM;
	EVP_EncodeBlock(out, b, (int)len);
	xmlNodeSetContent(n, out);
	free(out);
	return SP_OK;
}

static inline char *fx_prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = n != NULL ? xmlGetProp(n, FX_X(name)) : NULL;
	char *r = v != NULL ? strdup((const char *)v) : NULL;
	xmlFree(v);
	return r;
}

/* Sign data by a ds SignatureMethod URI: RSA PKCS#1 v1.5, ECDSA as r||s
 * (XML-DSig form), or HMAC with hkey. */
static inline int fx_sign_raw(const char *alg, EVP_PKEY *k, const uint8_t *hkey,
                              size_t hklen, const fx_buf *data, uint8_t *out,
                              size_t *outlen)
{
	const EVP_MD *md = NULL;
	int kind = 0, rc = SP_ERR_INTERNAL;
	EVP_MD_CTX *ctx = NULL;
	uint8_t der[1024];
	size_t dlen = sizeof(der);

	if (fx_sig_of(alg, &kind, &md) != 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (kind == FX_SIG_HMAC) {
		size_t ol = 0;
		if (EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL,
		              hkey, hklen, data->p, data->n, out, *outlen,
		              &ol) == NULL)
			return SP_ERR_INTERNAL;
		*outlen = ol;
		return SP_OK;
	}
	if (k == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, der, &dlen, data->p, data->n) != 1)
		goto fail;
	if (kind == FX_SIG_RSA) {
		if (dlen > *outlen)
			goto fail;
		memcpy(out, der, dlen);
		*outlen = dlen;
		rc = SP_OK;
	} else {
		const unsigned char *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		const BIGNUM *r = NULL, *s = NULL;
		int half = (EVP_PKEY_get_bits(k) + 7) / 8;
		BIGNUM *n = BN_new(), *hs = BN_new();
		EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
		if (es == NULL || n == NULL || hs == NULL || g == NULL ||
		    EC_GROUP_get_order(g, n, NULL) != 1) {
			EC_GROUP_free(g);
			BN_free(n);
			BN_free(hs);
			ECDSA_SIG_free(es);
			goto fail;
		}
		EC_GROUP_free(g);
		ECDSA_SIG_get0(es, &r, &s);
		/* The low-s twin, as a canonical signer writes it (SPEC 4.6).
		 */
		if (BN_rshift1(hs, n) == 1 && BN_cmp(s, hs) > 0 &&
		    BN_sub(hs, n, s) == 1)
			s = hs;
		if ((size_t)half * 2 <= *outlen &&
		    BN_bn2binpad(r, out, half) == half &&
		    BN_bn2binpad(s, out + half, half) == half) {
			*outlen = (size_t)half * 2;
			rc = SP_OK;
		}
		BN_free(n);
		BN_free(hs);
		ECDSA_SIG_free(es);
	}
fail:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Recompute the first Reference's DigestValue from its URI and transforms
 * (when every transform is a known C14N or enveloped-signature; otherwise
 * leave it), then SignatureValue over SignedInfo by its CanonicalizationMethod
 * and SignatureMethod. sig is the Signature element to re-sign. */
static inline int fx_resign(xmlDocPtr d, xmlNodePtr sig, EVP_PKEY *k,
                            const uint8_t *hkey, size_t hklen, int redigest)
{
	xmlNodePtr si = fx_child(sig, SP_DSIG_NS, "SignedInfo");
	xmlNodePtr ref = fx_child(si, SP_DSIG_NS, "Reference");
	fx_buf c = {NULL, 0};
	uint8_t sv[1024];
	size_t svlen = sizeof(sv);
	char *alg = NULL;
	int mode = XML_C14N_EXCLUSIVE_1_0, comments = 0, rc;

	if (si == NULL)
		return SP_ERR_NOT_FOUND;
	if (redigest && ref != NULL) {
		xmlNodePtr tr =
		    fx_child(fx_child(ref, SP_DSIG_NS, "Transforms"),
		             SP_DSIG_NS, "Transform");
		char *uri = fx_prop(ref, "URI");
		int env = 0, known = 1, tmode = XML_C14N_1_0, tcom = 0;
		const EVP_MD *md;
		uint8_t dg[EVP_MAX_MD_SIZE];
		unsigned dglen = 0;

		for (; tr != NULL; tr = tr->next) {
			if (!fx_is(tr, SP_DSIG_NS, "Transform"))
				continue;
			alg = fx_prop(tr, "Algorithm");
			if (alg != NULL && strcmp(alg, FX_ALG_ENVELOPED) == 0)
				env = 1;
			else if (fx_c14n_alg(alg, &tmode, &tcom) != 0)
				known = 0;
			free(alg);
			alg = NULL;
		}
		/* URI="" drops comments; a bare-name xpointer(/) keeps them. */
		if (uri == NULL || strncmp(uri, "#xpointer(/)", 12) != 0)
			tcom = 0;
		free(uri);
		alg = fx_prop(fx_child(ref, SP_DSIG_NS, "DigestMethod"),
		              "Algorithm");
		md = fx_md_of(alg);
		free(alg);
		alg = NULL;
		if (known && md != NULL) {
			rc = fx_c14n(d, env ? sig : NULL, 0, tmode, tcom, &c);
			if (rc != SP_OK)
				return rc;
			if (EVP_Digest(c.p, c.n, dg, &dglen, md, NULL) != 1) {
				fx_buf_free(&c);
				return SP_ERR_INTERNAL;
			}
			fx_buf_free(&c);
			rc =
			    fx_set_b64(fx_child(ref, SP_DSIG_NS, "DigestValue"),
			               dg, dglen);
			if (rc != SP_OK)
				return rc;
		}
	}
	alg = fx_prop(fx_child(si, SP_DSIG_NS, "CanonicalizationMethod"),
	              "Algorithm");
	if (fx_c14n_alg(alg, &mode, &comments) != 0) {
		free(alg);
		return SP_ERR_INVALID_ARGUMENT;
	}
	free(alg);
	rc = fx_c14n(d, si, 1, mode, comments, &c);
	if (rc != SP_OK)
		return rc;
	alg = fx_prop(fx_child(si, SP_DSIG_NS, "SignatureMethod"), "Algorithm");
	rc = fx_sign_raw(alg, k, hkey, hklen, &c, sv, &svlen);
	free(alg);
	fx_buf_free(&c);
	if (rc != SP_OK)
		return rc;
	return fx_set_b64(fx_child(sig, SP_DSIG_NS, "SignatureValue"), sv,
	                  svlen);
}

/* What a signer other than trust/ does to the signed document it made
 * before sending it (SPEC 4.6): drop KeyInfo and the text between the
 * signature's children, write SignatureValue as canonical base64 with the
 * low-s twin of an ECDSA value, serialize as exclusive C14N. Independent of
 * trust/: libxml2 and OpenSSL only. */
static inline int fx_transport_form(const fx_buf *in, fx_buf *out)
{
	xmlDocPtr d = fx_dom(in);
	xmlNodePtr sig = d != NULL ? fx_root_sig(d) : NULL, c, next;
	xmlChar *v = NULL;
	unsigned char raw[1024];
	char b64[1400];
	size_t i, k = 0;
	int len, rc = SP_ERR_INTERNAL;

	if (sig == NULL)
		goto done;
	for (c = sig->children; c != NULL; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE ||
		    fx_is(c, SP_DSIG_NS, "KeyInfo")) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
	c = fx_child(sig, SP_DSIG_NS, "SignatureValue");
	if (c == NULL || (v = xmlNodeGetContent(c)) == NULL)
		goto done;
	for (i = 0; v[i] != '\0' && k + 1 < sizeof(b64); i++)
		if (v[i] != ' ' && v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
			b64[k++] = (char)v[i];
	b64[k] = '\0';
	len = k % 4 == 0 && k / 4 * 3 <= sizeof(raw)
	          ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)k)
	          : -1;
	if (len < 0)
		goto done;
	len -= k >= 1 && b64[k - 1] == '=';
	len -= k >= 2 && b64[k - 2] == '=';
	if (len == 64) {
		char *alg = fx_prop(fx_find(sig, SP_DSIG_NS, "SignatureMethod"),
		                    "Algorithm");
		int ecdsa =
		    alg != NULL && strcmp(alg, FX_ALG_ECDSA_SHA256) == 0;

		free(alg);
		if (ecdsa) {
			BIGNUM *n = BN_new(), *hs = BN_new(),
			       *ss = BN_bin2bn(raw + 32, 32, NULL);
			EC_GROUP *g =
			    EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
			int ok = n != NULL && hs != NULL && ss != NULL &&
			         g != NULL &&
			         EC_GROUP_get_order(g, n, NULL) == 1 &&
			         BN_rshift1(hs, n) == 1;

			if (ok && BN_cmp(ss, hs) > 0)
				ok = BN_sub(ss, n, ss) == 1 &&
				     BN_bn2binpad(ss, raw + 32, 32) == 32;
			BN_free(n);
			BN_free(hs);
			BN_free(ss);
			EC_GROUP_free(g);
			if (!ok)
				goto done;
		}
	}
	rc = fx_set_b64(c, raw, (size_t)len);
	if (rc != SP_OK)
		goto done;
	xmlFree(v);
	return fx_dump(d, out);
done:
	xmlFree(v);
	xmlFreeDoc(d);
	return rc;
}

static inline EVP_PKEY *fx_load_pkey(const char *path)
{
	EVP_PKEY *k = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

#endif /* SP_TESTS_TRUST_FIXTURE_H */
