/* trust_int.h: structures and helpers shared by the trust/ sources and their
 * tests only. Not part of the public contract. */
#ifndef SP_TRUST_INT_H
#define SP_TRUST_INT_H

#include <stdatomic.h>

#include <libxml/tree.h>

/* A C string as libxml2's const xmlChar * (BAD_CAST drops const). */
#define SP_XC(s) ((const xmlChar *)(s))
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>

#include "trust.h"

/* At most this many certificates are tried for one signature. */
#define SP_TRUST__MAX_CANDIDATES 4

struct sp_key {
	sp_key_alg alg;
	EVP_PKEY *pkey;
	X509 *cert;
	uint8_t *der;
	size_t der_len;
	char *cert_b64; /* base64 of der, no line breaks, for KeyInfo */
	size_t cert_b64_len;
	xmlSecKeyPtr xkey; /* prepared once; duplicated per signature */
	int external;      /* held in a token: sign.c signs without xmlsec */
};

/* A verification key prepared from one certificate. */
typedef struct sp_trust__vkey {
	X509 *cert;
	/* The certificate's public key, decoded once with it (owned by cert);
	 * NULL when the profile does not allow the key (weak). */
	EVP_PKEY *pkey;
	sp_key_alg alg; /* 0 when the key is not allowed */
	int is_ca;
	int64_t not_before; /* the certificate's own window */
	int64_t not_after;
	int64_t list_from; /* the trust list's window (anchors: unbounded) */
	int64_t list_until;
	char *b64; /* base64 DER without breaks, to match KeyInfo hints */
	size_t b64_len;
} sp_trust__vkey;

struct sp_anchors {
	sp_trust__vkey *v;
	size_t n;
	size_t cap;
};

typedef struct sp_trust__member {
	const sp_tl_member *m; /* points into the owning sp_trust's list */
	sp_trust__vkey *keys;
	size_t n_keys;
} sp_trust__member;

/* One TLS certificate a member may present: its TlsCertificate or its
 * NextTlsCertificate (SPEC [TL-79]). */
typedef struct sp_trust__tls {
	uint8_t hash[32]; /* SHA-256 of the DER */
	const uint8_t *der;
	size_t len;
	const sp_trust__member *tm;
} sp_trust__tls;

struct sp_trust {
	atomic_int refs;
	const sp_anchors *anchors;
	sp_tl *tl;
	uint8_t *bytes;
	size_t len;
	char digest[65];           /* hex SHA-256 of bytes, made once at open */
	sp_trust__member *members; /* in list order */
	sp_trust__member **by_id;  /* sorted by node id */
	sp_trust__tls *by_tls;     /* every listed TLS certificate, by hash */
	size_t n_tls;
	size_t n_members;
	/* sp_trust_without(): tl->members holds n_all members, the ignored
	 * ones after tl->n_members; 0 when none is ignored. */
	size_t n_all;
	/* distinct operator keys (anchors, or the keys of the list held)
	 * that verified the list when it was opened: 1 for a list with one
	 * anchor signature */
	unsigned signers;
};

/* What the profile check found in a parsed document, and what the
 * signature check computes from it once for every key it tries. */
typedef struct sp_trust__sig {
	xmlNodePtr node; /* the ds:Signature, last child of the root */
	sp_key_alg alg;  /* by SignatureMethod */
	xmlNodePtr
	    hint_cert; /* first KeyInfo/X509Data/X509Certificate or NULL */
	/* Set by sp_trust__canonical_check(): the document's bytes, which are
	 * its own exclusive canonical form, and the span [sig_start, sig_end)
	 * of ds:Signature in them. The enveloped reference then covers the
	 * bytes outside the span, with no second canonicalization. NULL:
	 * the reference is canonicalized from the tree. */
	const uint8_t *canon;
	size_t canon_len, sig_start, sig_end;
	/* and, when SignedInfo and all in it are written with the prefix ds
	 * declared on ds:Signature alone, the span of SignedInfo's content,
	 * from which its own canonical form follows (0, 0: canonicalize). */
	size_t si_start, si_end;
	/* Read by the canonical reader (verify_cx.c), node is NULL and these
	 * are the texts of DigestValue and SignatureValue in its tree. */
	const char *digest_text, *value_text;
	const char *hint_text; /* first X509Certificate's text, or NULL */
	/* Made by the first sp_trust__dsig_verify(); sp_trust__sig_clear()
	 * frees them. */
	int prepared;
	int prep_rc;          /* SP_OK, or the refusal for every key */
	const char *prep_why; /* its reason */
	int digest_state;     /* 1 the reference digest matched, -1 not */
	uint8_t digest[32];   /* DigestValue, decoded (digest_state != 0) */
	uint8_t *signed_info; /* exclusive C14N of SignedInfo */
	size_t signed_info_len;
	uint8_t *value; /* SignatureValue, decoded */
	size_t value_len;
} sp_trust__sig;

/* init.c */
int sp_trust__ready(void);

/* keys.c */
/* The profile algorithm of a key, or 0 if the profile does not allow it. */
sp_key_alg sp_trust__key_alg(EVP_PKEY *pkey);
/* A fresh xmlsec key holding a new reference to pkey. */
xmlSecKeyPtr sp_trust__xmlsec_key(EVP_PKEY *pkey);
int sp_trust__asn1_time(const ASN1_TIME *t, int64_t *out);
/* base64 without line breaks, malloc'd and NUL-terminated. */
int sp_trust__b64(const uint8_t *der, size_t len, char **out, size_t *outlen);
/* Prepare a verification key from a DER certificate. Windows of the list
 * are set unbounded; the caller narrows them. */
int sp_trust__vkey_init(sp_trust__vkey *v, const uint8_t *der, size_t len,
                        const char **why);
int sp_trust__vkey_from_x509(sp_trust__vkey *v, X509 *cert, const char **why);
/* Exactly one DER X.509 certificate, decoded (a new reference: X509_free
 * it), or NULL. Decoded certificates are kept process-wide (keys.c) and
 * shared: callers only read them. */
X509 *sp_trust__x509_decode(const uint8_t *der, size_t len);
/* Drop the decoded certificates kept (sp_trust_cleanup). */
void sp_trust__cert_cache_clear(void);
void sp_trust__vkey_clear(sp_trust__vkey *v);
/* 1 if both windows of v contain t within skew. */
int sp_trust__vkey_valid_at(const sp_trust__vkey *v, int64_t t, int64_t skew);

/* sm2.c: SM2-with-SM3 and SM3 for xmlsec (SPEC [SIG-38]..) */
/* Register both transform classes with xmlsec; once, from sp_trust_init. */
int sp_trust__sm_register(void);
xmlSecTransformId sp_trust__sm3_id(void);
xmlSecTransformId sp_trust__sm2_sm3_id(void);
/* An xmlsec key of the SM2 key class holding a new reference to pkey. */
xmlSecKeyPtr sp_trust__sm2_xmlsec_key(EVP_PKEY *pkey);
/* Start an SM2-with-SM3 signature or verification on mctx with the
 * distinguishing identifier SP_SM2_DISTID. 0 or -1. */
int sp_trust__sm2_init(EVP_MD_CTX *mctx, EVP_PKEY *pkey, int sign);
/* DER ECDSA-Sig-Value <-> r || s (32 bytes each). 0 or -1; *der is
 * OPENSSL_malloc'd. */
int sp_trust__sm2_der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64]);
int sp_trust__sm2_raw_to_der(const uint8_t raw[64], uint8_t **der, size_t *len);

/* timestamp.c */
/* A list's TimestampCertificate, when it has one, decodes and holds a key
 * of the profile: SP_OK, SP_ERR_CERT_INVALID or SP_ERR_KEY_WEAK. */
int sp_trust__timestamp_key_check(const sp_tl *tl, const char **why);

/* profile.c */
/* Structural and algorithm checks of the signature profile, done on the
 * parsed tree before any cryptography. Errors: SP_ERR_SIG_MISSING,
 * SP_ERR_SIG_PROFILE, SP_ERR_SIG_ALGORITHM. */
int sp_trust__profile_check(xmlDocPtr doc, sp_trust__sig *out,
                            const char **why);
/* verify_cx.c: the same profile, and the canonical-form rules 2 to 4 of
 * SPEC 4.6, on a record read by the canonical reader from buf: SP_OK with
 * *out ready for sp_trust__dsig_verify (its texts point into d), or
 * SP_CX_OTHER when the libxml2 path must decide. */
int sp_trust__profile_cx(const uint8_t *buf, size_t len, const sp_cx_doc *d,
                         sp_trust__sig *out);
/* The same for a Receipt, which has only the profile (no SPEC 4.6 rules:
 * KeyInfo may name the certificate, and it is only a hint). */
int sp_trust__profile_cx_receipt(const uint8_t *buf, size_t len,
                                 const sp_cx_doc *d, sp_trust__sig *out);
/* 1 if the KeyInfo hint names exactly this certificate. */
int sp_trust__hint_matches(const sp_trust__sig *s, const sp_trust__vkey *v);
/* Verify the signature with `key` (a trusted key, never from KeyInfo) for
 * the profile algorithm `alg`, which must be the one SignatureMethod names:
 * the reference digest (SHA-256, SM3 for SM2) over the enveloped,
 * exclusively canonicalized document against DigestValue, then
 * SignatureValue over the exclusive C14N of SignedInfo. Everything but the
 * last step is computed once per document and kept in *s, so trying
 * several keys costs one public-key operation each. *digest_ok (may be
 * NULL) is set to 1 when the reference digest matched, -1 when it did not
 * (no key can help then), 0 when it was not reached. Returns SP_OK,
 * SP_ERR_SIG_INVALID, SP_ERR_NOMEM or SP_ERR_INTERNAL. */
int sp_trust__dsig_verify(sp_trust__sig *s, EVP_PKEY *key, sp_key_alg alg,
                          int *digest_ok, const char **why);
/* The exclusive C14N of the signature's SignedInfo, malloc'd: from the
 * canonical bytes when sp_trust__canonical_check() found them written so
 * that it follows from them, else canonicalized from the tree. */
int sp_trust__signed_info(const sp_trust__sig *s, uint8_t **out,
                          size_t *outlen);
/* Free what sp_trust__dsig_verify() kept in s. */
void sp_trust__sig_clear(sp_trust__sig *s);
/* Trimmed xmlNodeGetContent() of a child element of parent in SP_NS,
 * malloc'd; NULL if absent. */
char *sp_trust__child_text(xmlNodePtr parent, const char *local);
xmlNodePtr sp_trust__child(xmlNodePtr parent, const char *local);

/* canonical.c */
/* The canonical transport form of a record (SPEC 4.6, [REC-29]..[REC-32]) on
 * the tree parsed from buf, with the signature the profile check found:
 * buf equals the exclusive C14N (without comments) of the whole tree; no
 * text between the children of ds:Signature, both elements outside
 * SignedInfo written with the prefix ds; no KeyInfo; SignatureValue
 * canonical base64; an ECDSA signature low-s. On success it records in
 * *sig where ds:Signature lies in buf (buf must outlive *sig's use).
 * Returns SP_OK or SP_ERR_NON_CANONICAL with *why naming the rule broken
 * (or SP_ERR_INVALID_ARGUMENT). */
int sp_trust__canonical_check(xmlDocPtr doc, const uint8_t *buf, size_t len,
                              sp_trust__sig *sig, const char **why);
/* For documents that need not be in canonical form (receipts, trust lists):
 * when buf, the bytes doc was parsed from, happens to be its exclusive
 * C14N (as silkport's signer writes every document) with the signature
 * under the prefix ds, record in *sig where the signature (and SignedInfo)
 * lie in buf, as sp_trust__canonical_check() does for records, so that the
 * reference digest and SignedInfo come from the bytes with no second
 * canonicalization. Otherwise *sig is left as it was. buf must outlive the
 * use of *sig. */
void sp_trust__canonical_hint(xmlDocPtr doc, const uint8_t *buf, size_t len,
                              sp_trust__sig *sig);
/* 1 if buf is the exclusive C14N without comments of the whole doc, as
 * libxml2 writes it, found by comparing while walking the tree; 0 if not or
 * if the tree holds what the matcher does not model (a caller then asks
 * libxml2). */
int sp_trust__c14n_matches(xmlDocPtr doc, const uint8_t *buf, size_t len);
/* Exclusive C14N without comments into a malloc'd buffer: of the whole
 * document without the subtree `sig` (the enveloped-signature transform),
 * or of the subtree `top` alone. SP_OK, SP_ERR_NOMEM, SP_ERR_INTERNAL. */
int sp_trust__c14n_without(xmlDocPtr doc, xmlNodePtr sig, uint8_t **out,
                           size_t *outlen);
int sp_trust__c14n_subtree(xmlDocPtr doc, xmlNodePtr top, uint8_t **out,
                           size_t *outlen);
/* The decoded DigestValue of the one Reference of the signature `sig`
 * (whitespace inside it is not data). SP_OK or SP_ERR_SIG_PROFILE. */
int sp_trust__digest_value(xmlNodePtr sig, uint8_t out[32], const char **why);
/* The same from DigestValue's text. */
int sp_trust__digest_text(const char *text, uint8_t out[32], const char **why);
/* 1 if the ECDSA-P256 signature r||s has s > n/2. */
int sp_trust__ecdsa_high_s(const uint8_t sig[64]);
/* Replace s by n - s when s > n/2: 1 if changed, 0 if already low, -1 on an
 * OpenSSL failure. */
int sp_trust__ecdsa_low_s(uint8_t sig[64]);

/* pki.c */
#include <sys/types.h>
/* An end-entity certificate of `usage` for key, issued by (issuer,
 * issuer_key), by the profiles of SPEC 7.7. */
int sp_pki__make_cert(EVP_PKEY *key, const char *cn, int days, X509 *issuer,
                      EVP_PKEY *issuer_key, sp_cert_usage usage,
                      const char *const *sans, X509 **out, const char **why);
/* PEM of key (when not NULL) or cert, through a file created with mode. */
int sp_pki__write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *cert);

/* trustlist.c */
const sp_trust__member *sp_trust__find(const sp_trust *t, const char *node_id);

/* pkcs11.c */
/* An RFC 7512 pkcs11: URI naming a key (the attributes silkport uses). */
typedef struct sp_trust__p11uri {
	char *token; /* token label */
	char *object;
	char *manufacturer;
	char *serial;
	char *model;
	uint8_t id[64]; /* CKA_ID */
	size_t id_len;
	char *pin_value;   /* wiped on clear */
	char *pin_source;  /* a file holding the PIN ("file:" prefix allowed) */
	char *module_path; /* the PKCS#11 module */
	char *path;        /* "pkcs11:" + the path part: what the engine gets */
} sp_trust__p11uri;

/* Parse a pkcs11: URI; refuses attributes libp11 cannot honour and a URI
 * naming no object (object= or id=). Errors: SP_ERR_INVALID_ARGUMENT,
 * SP_ERR_NOMEM. */
int sp_trust__p11uri_parse(const char *uri, sp_trust__p11uri *u,
                           const char **why);
void sp_trust__p11uri_clear(sp_trust__p11uri *u);
/* Release the engine (sp_trust_cleanup). */
void sp_trust__pkcs11_cleanup(void);

/* threshold.c (SPEC 7.2, [TL-71] to [TL-74]) */
/* The ds:Signature children of the root. */
size_t sp_trust__count_signatures(xmlDocPtr doc);
/* 1 when the list in doc (read into tl, unverified) must be checked by the
 * threshold rules: several signatures, or operator keys named by it or by
 * the list held (NULL: none). */
int sp_trust__threshold_needed(xmlDocPtr doc, const sp_tl *tl,
                               const sp_tl *held);
/* Check doc's signatures: each by the profile on a copy without the others;
 * distinct keys the node already trusts (held's operator keys; with
 * own_keys and no held list, tl's own; else the anchors) must reach their
 * threshold, and when tl names operator keys, those must reach tl's
 * threshold too. Errors: the profile and signature errors,
 * SP_ERR_THRESHOLD_NOT_MET, SP_ERR_CERT_INVALID, SP_ERR_KEY_WEAK.
 * *signers (not NULL): the distinct keys already trusted that signed. */
int sp_trust__threshold_verify(xmlDocPtr doc, const sp_tl *tl,
                               const sp_tl *held, int own_keys,
                               const sp_anchors *anchors, int64_t now,
                               int64_t skew, unsigned *signers,
                               const char **why);

/* verify.c */
int64_t sp_trust__now(const sp_verify_opts *o);
int64_t sp_trust__skew(const sp_verify_opts *o);

/* A new key pair of a profile algorithm (pki.c), NULL on failure. */
EVP_PKEY *sp_trust__gen_key(sp_key_alg alg);

#endif /* SP_TRUST_INT_H */
