/* sign.c: enveloped XML-DSig signing of Records, Receipts, TrustLists and
 * join and renewal requests. */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include "trust_int.h"

/* Which document the bytes hold, from the root element's local name. The
 * hardened parse that follows checks the root again with its namespace. */
static int sniff_kind(const uint8_t *b, size_t len, sp_doc_kind *kind)
{
	size_t i = 0, s;

	if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
		i = 3;
	for (;;) {
		while (i < len && (b[i] == ' ' || b[i] == '\t' ||
		                   b[i] == '\n' || b[i] == '\r'))
			i++;
		if (i + 1 >= len || b[i] != '<')
			return SP_ERR_NOT_WELL_FORMED;
		if (b[i + 1] == '?') { /* XML declaration */
			for (i += 2;
			     i + 1 < len && !(b[i] == '?' && b[i + 1] == '>');
			     i++)
				;
			i += 2;
			continue;
		}
		if (i + 3 < len && b[i + 1] == '!' && b[i + 2] == '-' &&
		    b[i + 3] == '-') {
			for (i += 4;
			     i + 2 < len && !(b[i] == '-' && b[i + 1] == '-' &&
			                      b[i + 2] == '>');
			     i++)
				;
			i += 3;
			continue;
		}
		if (b[i + 1] == '!')
			return SP_ERR_DOCTYPE;
		break;
	}
	s = ++i;
	while (i < len && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' &&
	       b[i] != '\r' && b[i] != '>' && b[i] != '/') {
		if (b[i] == ':')
			s = i + 1;
		i++;
	}
#define IS(name) (i - s == sizeof(name) - 1 && memcmp(b + s, name, i - s) == 0)
	if (IS("Record"))
		*kind = SP_DOC_RECORD;
	else if (IS("Receipt"))
		*kind = SP_DOC_RECEIPT;
	else if (IS("TrustList"))
		*kind = SP_DOC_TRUST_LIST;
	else if (IS("TrustListTimestamp"))
		*kind = SP_DOC_TL_TIMESTAMP;
	else if (IS("JoinRequest"))
		*kind = SP_DOC_JOIN_REQUEST;
	else if (IS("RenewalRequest"))
		*kind = SP_DOC_RENEWAL_REQUEST;
	else
		return SP_ERR_WRONG_DOCUMENT;
#undef IS
	return SP_OK;
}

static int has_signature(xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->ns != NULL && n->ns->href != NULL &&
		    strcmp((const char *)n->ns->href, SP_DSIG_NS) == 0 &&
		    strcmp((const char *)n->name, "Signature") == 0)
			return 1;
		if (has_signature(n->children))
			return 1;
	}
	return 0;
}

/* Drop the whitespace xmlsec's template put between the elements of the
 * signature outside SignedInfo (SignedInfo is signed and stays as it is). */
static void drop_blank_text(xmlNodePtr parent)
{
	xmlNodePtr c = parent->children, next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (c->type == XML_TEXT_NODE) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else if (c->type == XML_ELEMENT_NODE &&
		           strcmp((const char *)c->name, "SignedInfo") != 0 &&
		           strcmp((const char *)c->name, "SignatureValue") !=
		               0 &&
		           strcmp((const char *)c->name, "X509Certificate") !=
		               0 &&
		           strcmp((const char *)c->name, "KeyName") != 0) {
			drop_blank_text(c);
		}
	}
}

/* Bring what the signature does not cover into its one form (SPEC 4.6): no
 * text between the signature's elements, SignatureValue as canonical base64
 * without line breaks, and for ECDSA the low-s twin of the signature. SM2
 * has no twin to choose: (r, n - s) does not verify (SPEC [SIG-37]). */
static int transport_form(xmlNodePtr sig, sp_key_alg alg, const char **why)
{
	xmlNodePtr v;
	xmlChar *text = NULL;
	char b64[2800]; /* RSA up to 16384 bits */
	uint8_t raw[2048];
	size_t i, k = 0, rawlen = 0;
	int rc = SP_OK;

	drop_blank_text(sig);
	for (v = sig->children; v != NULL; v = v->next)
		if (v->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)v->name, "SignatureValue") == 0)
			break;
	if (v == NULL || (text = xmlNodeGetContent(v)) == NULL) {
		rc = SP_ERR_INTERNAL;
		goto done;
	}
	for (i = 0; text[i] != '\0' && k < sizeof(b64); i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
		    text[i] != '\r')
			b64[k++] = (char)text[i];
	if (text[i] != '\0' ||
	    sp_b64_decode(b64, k, raw, sizeof(raw), &rawlen) != SP_OK ||
	    ((alg == SP_KEY_P256 || alg == SP_KEY_SM2) && rawlen != 64)) {
		rc = SP_ERR_INTERNAL;
		goto done;
	}
	if (alg == SP_KEY_P256 && sp_trust__ecdsa_low_s(raw) < 0) {
		rc = SP_ERR_INTERNAL;
		goto done;
	}
	if (sp_b64_encode(raw, rawlen, b64, sizeof(b64)) == 0) {
		rc = SP_ERR_INTERNAL;
		goto done;
	}
	xmlNodeSetContent(v, SP_XC(b64));
done:
	if (rc != SP_OK && why)
		*why = "could not write SignatureValue in its canonical form";
	xmlFree(text);
	return rc;
}

static xmlNodePtr ds_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent ? parent->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns != NULL &&
		    strcmp((const char *)c->ns->href, SP_DSIG_NS) == 0 &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Fill the template's DigestValue and SignatureValue without xmlsec's
 * transforms, for every P-256 and RSA key: the reference over the
 * exclusive canonical form of the document without the signature, then
 * SignedInfo's canonical form signed through OpenSSL. These are the
 * canonical forms the verifier computes (canonical.c): xmlsec's generic
 * node-set machinery took about twice as long for the same bytes. A key
 * held in a token is signed here too: xmlsec 1.2.37 takes such a key for a
 * public one (it looks for the private scalar or exponent, which stay in
 * the token), while OpenSSL signs with it through the engine. The profile
 * is the one xmlsec writes: one Reference URI="", enveloped-signature then
 * exclusive C14N, SHA-256; ECDSA as r||s (SIG-18) or RSA PKCS#1 v1.5. The
 * verifier checks the result like any other. */
static int sign_evp(const sp_key *key, xmlDocPtr tree, xmlNodePtr sig,
                    const char **why)
{
	xmlNodePtr si = ds_child(sig, "SignedInfo");
	xmlNodePtr ref = ds_child(si, "Reference");
	xmlNodePtr dv = ds_child(ref, "DigestValue");
	xmlNodePtr sv = ds_child(sig, "SignatureValue");
	uint8_t *c = NULL, digest[32], *der = NULL, raw[1024];
	char b64[1400];
	size_t clen = 0, dlen = 0, rawlen = 0;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	int rc = SP_ERR_INTERNAL;

	if (si == NULL || dv == NULL || sv == NULL)
		goto done;
	rc = sp_trust__c14n_without(tree, sig, &c, &clen);
	if (rc != SP_OK)
		goto done;
	rc = SP_ERR_INTERNAL;
	if (EVP_Digest(c, clen, digest, NULL, EVP_sha256(), NULL) != 1 ||
	    sp_b64_encode(digest, sizeof(digest), b64, sizeof(b64)) == 0)
		goto done;
	xmlNodeSetContent(dv, SP_XC(b64));
	free(c);
	c = NULL;
	rc = sp_trust__c14n_subtree(tree, si, &c, &clen);
	if (rc != SP_OK)
		goto done;
	rc = SP_ERR_INTERNAL;
	md = EVP_MD_CTX_new();
	if (md == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &dlen, c, clen) != 1 ||
	    (der = malloc(dlen)) == NULL ||
	    EVP_DigestSign(md, der, &dlen, c, clen) != 1) {
		ERR_clear_error();
		rc = SP_ERR_INTERNAL; /* worded below */
		if (key->external) {
			if (why)
				*why = "the token refused to sign";
			rc = SP_ERR_TOKEN;
		}
		goto done;
	}
	if (key->alg == SP_KEY_P256) {
		const unsigned char *p = der;
		const BIGNUM *r, *s;

		es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		if (es == NULL)
			goto done;
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, raw, 32) != 32 ||
		    BN_bn2binpad(s, raw + 32, 32) != 32)
			goto done;
		rawlen = 64;
	} else {
		if (dlen > sizeof(raw))
			goto done;
		memcpy(raw, der, dlen);
		rawlen = dlen;
	}
	if (sp_b64_encode(raw, rawlen, b64, sizeof(b64)) == 0)
		goto done;
	xmlNodeSetContent(sv, SP_XC(b64));
	rc = SP_OK;
done:
	if (rc == SP_ERR_INTERNAL && why)
		*why = "could not sign with the key";
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	free(der);
	free(c);
	return rc;
}

/* Sign the tree of an unsigned document of `kind` in place (the signature
 * becomes the root's last child) and write its canonical transport form to
 * *out. */
static int sign_tree(const sp_key *key, xmlDocPtr tree, sp_doc_kind kind,
                     uint8_t **out, size_t *outlen, const char **why)
{
	xmlNodePtr root, sig = NULL, ref, ki, x509, cert;
	xmlSecDSigCtxPtr ctx = NULL;
	xmlChar *mem = NULL;
	xmlSecTransformId sign_id, digest_id = xmlSecTransformSha256Id;
	int size = 0, rc;

	root = xmlDocGetRootElement(tree);
	if (root == NULL)
		return SP_ERR_INTERNAL;
	if (has_signature(root)) {
		if (why)
			*why = "the document already carries a ds:Signature";
		return SP_ERR_INVALID_ARGUMENT;
	}

	switch (key->alg) {
	case SP_KEY_P256:
		sign_id = xmlSecTransformEcdsaSha256Id;
		break;
	case SP_KEY_RSA2048:
		sign_id = xmlSecTransformRsaSha256Id;
		break;
	case SP_KEY_SM2:
		/* SM2 signs with SM3 and digests with SM3 (SPEC [SIG-39]) */
		sign_id = sp_trust__sm2_sm3_id();
		digest_id = sp_trust__sm3_id();
		break;
	default:
		if (why)
			*why = "the key's algorithm does not sign documents";
		return SP_ERR_INVALID_ARGUMENT;
	}
	sig = xmlSecTmplSignatureCreateNsPref(tree, xmlSecTransformExclC14NId,
	                                      sign_id, NULL, SP_XC("ds"));
	if (sig == NULL)
		goto nomem;
	if (xmlAddChild(root, sig) == NULL) {
		xmlFreeNode(sig);
		goto nomem;
	}
	/* A line break before the root's end tag, for readers of the bytes. */
	if (xmlAddChild(root, xmlNewDocText(tree, SP_XC("\n"))) == NULL)
		goto nomem;
	ref = xmlSecTmplSignatureAddReference(sig, digest_id, NULL, SP_XC(""),
	                                      NULL);
	if (ref == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ==
	        NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) ==
	        NULL)
		goto nomem;

	/* SM2 signs through xmlsec's SM2-with-SM3 transform (sm2.c) */
	if (key->external || key->alg != SP_KEY_SM2) {
		rc = sign_evp(key, tree, sig, why);
		if (rc != SP_OK)
			goto fail;
	} else {
		ctx = xmlSecDSigCtxCreate(NULL);
		if (ctx == NULL)
			goto nomem;
		ctx->signKey = xmlSecKeyDuplicate(key->xkey);
		if (ctx->signKey == NULL)
			goto nomem;
		if (xmlSecDSigCtxSign(ctx, sig) < 0) {
			if (why)
				*why = "xmlsec could not sign the document";
			rc = SP_ERR_INTERNAL;
			goto fail;
		}
	}
	/* Receipts and trust lists carry the certificate as a hint; it is
	 * added after signing: it lies inside the enveloped signature and is
	 * not covered by it. A record carries none: what is not signed there
	 * would let anyone make a second byte string of it (SPEC 4.6). */
	/* A join or renewal request carries its key in its CSR and has no
	 * certificate yet (SPEC 7.8): no KeyInfo either. */
	if (kind != SP_DOC_RECORD && kind != SP_DOC_JOIN_REQUEST &&
	    kind != SP_DOC_RENEWAL_REQUEST && key->cert_b64 != NULL) {
		ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
		if (ki == NULL)
			goto nomem;
		x509 = xmlSecTmplKeyInfoAddX509Data(ki);
		if (x509 == NULL)
			goto nomem;
		cert = xmlSecTmplX509DataAddCertificate(x509);
		if (cert == NULL)
			goto nomem;
		xmlNodeAddContentLen(cert, SP_XC(key->cert_b64),
		                     (int)key->cert_b64_len);
	}
	rc = transport_form(sig, key->alg, why);
	if (rc != SP_OK)
		goto fail;

	/* The exclusive canonical form of the whole document is its one
	 * transport form: no XML declaration, no comments, fixed quoting and
	 * attribute order. It verifies: the signature was made over the
	 * canonical forms of this same tree. */
	size = xmlC14NDocDumpMemory(tree, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                            &mem);
	if (mem == NULL || size <= 0)
		goto nomem;
	if (xmlFree == (xmlFreeFunc)free) {
		*out = (uint8_t *)mem;
		mem = NULL;
	} else {
		*out = malloc((size_t)size);
		if (*out == NULL)
			goto nomem;
		memcpy(*out, mem, (size_t)size);
	}
	*outlen = (size_t)size;
	rc = SP_OK;
	goto done;
nomem:
	if (why)
		*why = "out of memory building the signature";
	rc = SP_ERR_NOMEM;
fail:
done:
	if (mem != NULL)
		xmlFree(mem);
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx);
	return rc;
}

static int sign_args_ok(const sp_key *key, const void *in, uint8_t **out,
                        size_t *outlen, const char **why)
{
	if (out)
		*out = NULL;
	if (outlen)
		*outlen = 0;
	if (key == NULL || in == NULL || out == NULL || outlen == NULL) {
		if (why)
			*why = "missing argument";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (!sp_trust__ready()) {
		if (why)
			*why = "sp_trust_init() was not called";
		return SP_ERR_INTERNAL;
	}
	return SP_OK;
}

int sp_sign_document(const sp_key *key, const uint8_t *buf, size_t len,
                     uint8_t **out, size_t *outlen, const char **why)
{
	sp_doc *doc = NULL;
	sp_doc_kind kind;
	int rc;

	if ((rc = sign_args_ok(key, buf, out, outlen, why)) != SP_OK)
		return rc;
	rc = sniff_kind(buf, len, &kind);
	if (rc != SP_OK) {
		if (why)
			*why = "not a Record, Receipt, TrustList or request";
		return rc;
	}
	rc = sp_doc_parse(buf, len, kind, NULL, &doc, why);
	if (rc != SP_OK)
		return rc;
	rc = sign_tree(key, sp_doc_tree(doc), kind, out, outlen, why);
	sp_doc_free(doc); /* frees the tree and the signature nodes in it */
	return rc;
}

/* A Record or Receipt that protocol/ built as a tree (sp_record_build_doc,
 * sp_receipt_build_doc), signed as sp_sign_document() signs its bytes. */
static int sign_built(const sp_key *key, sp_doc *doc, sp_doc_kind kind,
                      uint8_t **out, size_t *outlen, const char **why)
{
	int rc;

	if ((rc = sign_args_ok(key, doc, out, outlen, why)) != SP_OK)
		return rc;
	if (sp_doc_get_kind(doc) != kind) {
		if (why)
			*why = kind == SP_DOC_RECORD ? "not a Record"
			                             : "not a Receipt";
		return SP_ERR_WRONG_DOCUMENT;
	}
	rc = sign_tree(key, sp_doc_tree(doc), kind, out, outlen, why);
	/* sp_doc_parse() refuses a document above the default size cap: so
	 * would every receiver that keeps the default */
	if (rc == SP_OK && *outlen > SP_DEFAULT_MAX_BYTES) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		if (why)
			*why = "the signed document is larger than 1 MiB";
		rc = SP_ERR_TOO_LARGE;
	}
	return rc;
}

int sp_sign_record(const sp_key *key, sp_doc *unsigned_record, uint8_t **out,
                   size_t *outlen, const char **why)
{
	return sign_built(key, unsigned_record, SP_DOC_RECORD, out, outlen,
	                  why);
}

int sp_sign_receipt(const sp_key *key, sp_doc *unsigned_receipt, uint8_t **out,
                    size_t *outlen, const char **why)
{
	return sign_built(key, unsigned_receipt, SP_DOC_RECEIPT, out, outlen,
	                  why);
}
