/* xdsig.c: editing the suite's own signed records and re-signing them by
 * hand (libxml2 canonicalization, OpenSSL signatures), so that hostile
 * variants can carry cryptographically valid signatures over forbidden
 * structures and algorithms. Independent of trust/'s signing code. */
#include "conf_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#define X(s) ((const xmlChar *)(s))

void cf_buf_free(cf_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

int cf_buf_set(cf_buf *b, const void *p, size_t n)
{
	b->p = malloc(n + 1);
	b->n = 0;
	if (b->p == NULL)
		return SP_ERR_NOMEM;
	if (n > 0)
		memcpy(b->p, p, n);
	b->p[n] = '\0';
	b->n = n;
	return SP_OK;
}

int cf_buf_sub(const cf_buf *in, const char *old, size_t oldlen, const char *nw,
               size_t nwlen, cf_buf *out)
{
	out->p = NULL;
	out->n = 0;
	if (oldlen == 0 || in->n < oldlen)
		return SP_ERR_NOT_FOUND;
	for (size_t i = 0; i + oldlen <= in->n; i++) {
		if (memcmp(in->p + i, old, oldlen) != 0)
			continue;
		out->n = in->n - oldlen + nwlen;
		if ((out->p = malloc(out->n + 1)) == NULL)
			return SP_ERR_NOMEM;
		memcpy(out->p, in->p, i);
		if (nwlen > 0)
			memcpy(out->p + i, nw, nwlen);
		memcpy(out->p + i + nwlen, in->p + i + oldlen,
		       in->n - i - oldlen);
		out->p[out->n] = '\0';
		return SP_OK;
	}
	return SP_ERR_NOT_FOUND;
}

xmlDocPtr cf_dom(const cf_buf *b)
{
	/* Our own bytes; still parsed without network access or entities. */
	if (b->n > INT_MAX)
		return NULL;
	return xmlReadMemory((const char *)b->p, (int)b->n, NULL, NULL,
	                     XML_PARSE_NONET);
}

int cf_dom_dump(xmlDocPtr d, cf_buf *out)
{
	xmlChar *mem = NULL;
	int len = 0, rc;

	out->p = NULL;
	out->n = 0;
	if (d == NULL)
		return SP_ERR_INTERNAL;
	/* Exclusive C14N with comments: for an edited record the canonical
	 * transport form (SPEC 4.6) plus whatever comments a case added, so
	 * that each case meets the check it is about. */
	len = xmlC14NDocDumpMemory(d, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 1,
	                           &mem);
	xmlFreeDoc(d);
	if (mem == NULL || len < 0)
		return SP_ERR_NOMEM;
	rc = cf_buf_set(out, mem, (size_t)len);
	xmlFree(mem);
	return rc;
}

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	       xmlStrEqual(n->name, X(name)) &&
	       (ns == NULL ||
	        (n->ns != NULL && xmlStrEqual(n->ns->href, X(ns))));
}

static xmlNodePtr find_from(xmlNodePtr n, const char *ns, const char *name)
{
	for (; n != NULL; n = n->next) {
		xmlNodePtr hit;

		if (is_el(n, ns, name))
			return n;
		if (n->type == XML_ELEMENT_NODE &&
		    (hit = find_from(n->children, ns, name)) != NULL)
			return hit;
	}
	return NULL;
}

xmlNodePtr cf_dom_find(xmlDocPtr d, const char *ns, const char *name)
{
	return d != NULL ? find_from(xmlDocGetRootElement(d), ns, name) : NULL;
}

static xmlNodePtr child_el(xmlNodePtr p, const char *ns, const char *name)
{
	for (xmlNodePtr n = p != NULL ? p->children : NULL; n != NULL;
	     n = n->next)
		if (is_el(n, ns, name))
			return n;
	return NULL;
}

xmlNodePtr cf_dom_sig(xmlDocPtr d)
{
	xmlNodePtr root = d != NULL ? xmlDocGetRootElement(d) : NULL,
	           last = NULL;

	for (xmlNodePtr n = root != NULL ? root->children : NULL; n != NULL;
	     n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			last = n;
	return is_el(last, SP_DSIG_NS, "Signature") ? last : NULL;
}

xmlNodePtr cf_dom_transform(xmlDocPtr d, int i)
{
	xmlNodePtr ts = cf_dom_find(d, SP_DSIG_NS, "Transforms");

	for (xmlNodePtr t = ts != NULL ? ts->children : NULL; t != NULL;
	     t = t->next)
		if (is_el(t, SP_DSIG_NS, "Transform") && i-- == 0)
			return t;
	return NULL;
}

xmlNodePtr cf_dom_new_ds(xmlNodePtr near, const char *name, const char *alg)
{
	xmlNsPtr ns = NULL;
	xmlNodePtr n;

	/* Reuse the namespace declaration the signature already has. */
	for (xmlNodePtr p = near; p != NULL && p->type == XML_ELEMENT_NODE;
	     p = p->parent)
		if (p->ns != NULL && xmlStrEqual(p->ns->href, X(SP_DSIG_NS))) {
			ns = p->ns;
			break;
		}
	if (near == NULL ||
	    (n = xmlNewDocNode(near->doc, ns, X(name), NULL)) == NULL)
		return NULL;
	if (ns == NULL)
		xmlSetNs(n, xmlNewNs(n, X(SP_DSIG_NS), X("ds")));
	if (alg != NULL)
		xmlSetProp(n, X("Algorithm"), X(alg));
	return n;
}

int cf_dom_set_alg(xmlNodePtr n, const char *uri)
{
	if (n == NULL)
		return SP_ERR_NOT_FOUND;
	return xmlSetProp(n, X("Algorithm"), X(uri)) != NULL ? SP_OK
	                                                     : SP_ERR_NOMEM;
}

int cf_dom_set_b64(xmlNodePtr n, const uint8_t *b, size_t len)
{
	unsigned char *txt;

	if (n == NULL || len > 65536)
		return SP_ERR_INVALID_ARGUMENT;
	if ((txt = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return SP_ERR_NOMEM;
	EVP_EncodeBlock(txt, b, (int)len);
	xmlNodeSetContent(n, txt);
	free(txt);
	return SP_OK;
}

int cf_dom_split_comment(xmlDocPtr d, const char *name, size_t at)
{
	xmlNodePtr n = cf_dom_find(d, SP_NS, name);
	xmlChar *v;
	int rc = SP_ERR_NOT_FOUND;

	if (n == NULL || (v = xmlNodeGetContent(n)) == NULL)
		return SP_ERR_NOT_FOUND;
	if (at > 0 && strlen((const char *)v) > at) {
		xmlNodePtr head = xmlNewDocTextLen(d, v, (int)at);
		xmlNodePtr com = xmlNewDocComment(d, X("conformance"));
		xmlNodePtr tail = xmlNewDocText(d, v + at);

		xmlNodeSetContent(n, NULL);
		if (head != NULL && com != NULL && tail != NULL) {
			xmlAddChild(n, head);
			xmlAddChild(n, com);
			xmlAddChild(n, tail);
			rc = SP_OK;
		} else {
			xmlFreeNode(head);
			xmlFreeNode(com);
			xmlFreeNode(tail);
			rc = SP_ERR_NOMEM;
		}
	}
	xmlFree(v);
	return rc;
}

/* ---------------------------------------------------------------- c14n */

typedef struct vis {
	xmlNodePtr sub;
	int only; /* 1: only sub's subtree; 0: everything but it */
} vis;

static int vis_cb(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
	const vis *v = ud;
	xmlNodePtr n =
	    (node != NULL && node->type == XML_NAMESPACE_DECL) ? parent : node;
	int inside = 0;

	for (; n != NULL && v->sub != NULL; n = n->parent)
		if (n == v->sub) {
			inside = 1;
			break;
		}
	return v->only ? inside : !inside;
}

static int c14n_mode(const char *uri, int *mode, int *comments)
{
	static const struct {
		const char *uri;
		int mode, comments;
	} t[] = {
	    {CF_ALG_EXC, XML_C14N_EXCLUSIVE_1_0, 0},
	    {CF_ALG_EXC_COMMENTS, XML_C14N_EXCLUSIVE_1_0, 1},
	    {CF_ALG_C14N10, XML_C14N_1_0, 0},
	    {CF_ALG_C14N10 "#WithComments", XML_C14N_1_0, 1},
	    {CF_ALG_C14N11, XML_C14N_1_1, 0},
	    {CF_ALG_C14N11 "#WithComments", XML_C14N_1_1, 1},
	};

	for (size_t i = 0; uri != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(uri, t[i].uri) == 0) {
			*mode = t[i].mode;
			*comments = t[i].comments;
			return 0;
		}
	return -1;
}

static int canon(xmlDocPtr d, xmlNodePtr sub, int only, int mode, int comments,
                 cf_buf *out)
{
	vis v;
	xmlOutputBufferPtr ob = xmlAllocOutputBuffer(NULL);
	int rc = SP_ERR_INTERNAL;

	v.sub = sub;
	v.only = only;
	if (ob == NULL)
		return SP_ERR_NOMEM;
	if (xmlC14NExecute(d, vis_cb, &v, mode, NULL, comments, ob) >= 0)
		rc = cf_buf_set(out, xmlOutputBufferGetContent(ob),
		                xmlOutputBufferGetSize(ob));
	xmlOutputBufferClose(ob);
	return rc;
}

static char *prop(xmlNodePtr n, const char *name)
{
	xmlChar *v = n != NULL ? xmlGetProp(n, X(name)) : NULL;
	char *s = v != NULL ? strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static const EVP_MD *digest_of(const char *uri)
{
	if (uri == NULL)
		return NULL;
	if (strcmp(uri, CF_ALG_SHA256) == 0)
		return EVP_sha256();
	if (strcmp(uri, CF_ALG_SHA1) == 0)
		return EVP_sha1();
	if (strcmp(uri, CF_ALG_SHA512) == 0)
		return EVP_sha512();
	if (strcmp(uri, CF_ALG_MD5) == 0)
		return EVP_md5();
	if (strcmp(uri, SP_ALG_SM3) == 0)
		return EVP_sm3();
	return NULL;
}

enum { M_RSA = 1, M_ECDSA = 2, M_HMAC = 3, M_SM2 = 4 };

static int method_of(const char *uri, int *kind, const EVP_MD **md)
{
	static const struct {
		const char *uri;
		int kind;
		const char *md;
	} t[] = {
	    {CF_ALG_RSA_SHA256, M_RSA, "SHA256"},
	    {CF_ALG_RSA_SHA1, M_RSA, "SHA1"},
	    {CF_ALG_RSA_SHA512, M_RSA, "SHA512"},
	    {CF_ALG_RSA_MD5, M_RSA, "MD5"},
	    {CF_ALG_ECDSA_SHA256, M_ECDSA, "SHA256"},
	    {CF_ALG_ECDSA_SHA1, M_ECDSA, "SHA1"},
	    {CF_ALG_ECDSA_SHA512, M_ECDSA, "SHA512"},
	    {CF_ALG_HMAC_SHA1, M_HMAC, "SHA1"},
	    {CF_ALG_HMAC_SHA256, M_HMAC, "SHA256"},
	    {SP_ALG_SM2_SM3, M_SM2, "SM3"},
	};

	for (size_t i = 0; uri != NULL && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(uri, t[i].uri) == 0) {
			*kind = t[i].kind;
			*md = EVP_get_digestbyname(t[i].md);
			return *md != NULL ? 0 : -1;
		}
	return -1;
}

/* Sign by a SignatureMethod URI; ECDSA comes out as r||s (XML-DSig 1.1). */
static int sign_raw(const char *alg, EVP_PKEY *k, const uint8_t *hkey,
                    size_t hklen, const cf_buf *data, uint8_t *out,
                    size_t *outlen)
{
	const EVP_MD *md = NULL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t der[1024];
	size_t dlen = sizeof(der);
	int kind = 0, rc = SP_ERR_INTERNAL;

	if (method_of(alg, &kind, &md) != 0)
		return SP_ERR_INVALID_ARGUMENT;
	if (kind == M_HMAC) {
		size_t ol = 0;

		if (EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL,
		              hkey, hklen, data->p, data->n, out, *outlen,
		              &ol) == NULL)
			return SP_ERR_INTERNAL;
		*outlen = ol;
		return SP_OK;
	}
	if (k == NULL || (mctx = EVP_MD_CTX_new()) == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (kind == M_SM2 || EVP_PKEY_is_a(k, "SM2")) {
		/* SM2 hashes Z (SPEC SIG-41's identifier and the key) first;
		 * its r || s is fixed-width and has no low-s rule (SIG-37) */
		EVP_PKEY_CTX *pc = NULL;
		const unsigned char *p = der;
		ECDSA_SIG *es;
		const BIGNUM *r = NULL, *s = NULL;

		/* an SM2 key signs SM2-with-SM3 whatever the URI claims: the
		 * cases that name another method are about the URI */
		if (EVP_DigestSignInit_ex(mctx, &pc, "SM3", NULL, NULL, k,
		                          NULL) != 1 ||
		    EVP_PKEY_CTX_set1_id(pc, SP_SM2_DISTID,
		                         sizeof(SP_SM2_DISTID) - 1) != 1 ||
		    EVP_DigestSign(mctx, der, &dlen, data->p, data->n) != 1)
			goto out;
		es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		if (es != NULL && *outlen >= 64) {
			ECDSA_SIG_get0(es, &r, &s);
			if (BN_bn2binpad(r, out, 32) == 32 &&
			    BN_bn2binpad(s, out + 32, 32) == 32) {
				*outlen = 64;
				rc = SP_OK;
			}
		}
		ECDSA_SIG_free(es);
		goto out;
	}
	if (EVP_DigestSignInit(mctx, NULL, md, NULL, k) != 1 ||
	    EVP_DigestSign(mctx, der, &dlen, data->p, data->n) != 1)
		goto out;
	if (kind == M_RSA) {
		if (dlen <= *outlen) {
			memcpy(out, der, dlen);
			*outlen = dlen;
			rc = SP_OK;
		}
	} else {
		const unsigned char *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		const BIGNUM *r = NULL, *s = NULL;
		int half = (EVP_PKEY_get_bits(k) + 7) / 8;

		BIGNUM *n = BN_new(), *hs = BN_new();
		EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);

		if (es != NULL && n != NULL && hs != NULL && g != NULL &&
		    EC_GROUP_get_order(g, n, NULL) == 1 &&
		    BN_rshift1(hs, n) == 1) {
			ECDSA_SIG_get0(es, &r, &s);
			/* the low-s twin, as SPEC REC-32 wants it */
			if (BN_cmp(s, hs) > 0 && BN_sub(hs, n, s) == 1)
				s = hs;
			if ((size_t)half * 2 <= *outlen &&
			    BN_bn2binpad(r, out, half) == half &&
			    BN_bn2binpad(s, out + half, half) == half) {
				*outlen = (size_t)half * 2;
				rc = SP_OK;
			}
		}
		BN_free(n);
		BN_free(hs);
		EC_GROUP_free(g);
		ECDSA_SIG_free(es);
	}
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}

static int redigest_ref(xmlDocPtr d, xmlNodePtr sig, xmlNodePtr ref)
{
	xmlNodePtr ts = child_el(ref, SP_DSIG_NS, "Transforms");
	int env = 0, known = 1, mode = XML_C14N_1_0, comments = 0, rc;
	char *uri = prop(ref, "URI"), *alg;
	const EVP_MD *md;
	uint8_t dg[EVP_MAX_MD_SIZE];
	unsigned dglen = 0;
	cf_buf c = {NULL, 0};

	for (xmlNodePtr t = ts != NULL ? ts->children : NULL; t != NULL;
	     t = t->next) {
		if (!is_el(t, SP_DSIG_NS, "Transform"))
			continue;
		alg = prop(t, "Algorithm");
		if (alg != NULL && strcmp(alg, CF_ALG_ENVELOPED) == 0)
			env = 1;
		else if (c14n_mode(alg, &mode, &comments) != 0)
			known = 0;
		free(alg);
	}
	/* A same-document reference without a fragment drops comments. */
	if (uri == NULL || strncmp(uri, "#xpointer(/)", 12) != 0)
		comments = 0;
	free(uri);
	alg = prop(child_el(ref, SP_DSIG_NS, "DigestMethod"), "Algorithm");
	md = digest_of(alg);
	free(alg);
	if (!known || md == NULL)
		return SP_OK; /* left as it was: the case is about the structure
		               */
	if ((rc = canon(d, env ? sig : NULL, 0, mode, comments, &c)) != SP_OK)
		return rc;
	rc = EVP_Digest(c.p, c.n, dg, &dglen, md, NULL) == 1 ? SP_OK
	                                                     : SP_ERR_INTERNAL;
	cf_buf_free(&c);
	if (rc == SP_OK)
		rc = cf_dom_set_b64(child_el(ref, SP_DSIG_NS, "DigestValue"),
		                    dg, dglen);
	return rc;
}

int cf_resign(xmlDocPtr d, EVP_PKEY *key, const uint8_t *hkey, size_t hklen,
              int redigest)
{
	xmlNodePtr sig = cf_dom_sig(d);
	xmlNodePtr si = child_el(sig, SP_DSIG_NS, "SignedInfo");
	xmlNodePtr ref = child_el(si, SP_DSIG_NS, "Reference");
	cf_buf c = {NULL, 0};
	uint8_t sv[1024];
	size_t svlen = sizeof(sv);
	int mode = XML_C14N_EXCLUSIVE_1_0, comments = 0, rc;
	char *alg;

	if (si == NULL)
		return SP_ERR_NOT_FOUND;
	if (redigest && ref != NULL &&
	    (rc = redigest_ref(d, sig, ref)) != SP_OK)
		return rc;
	alg = prop(child_el(si, SP_DSIG_NS, "CanonicalizationMethod"),
	           "Algorithm");
	rc = c14n_mode(alg, &mode, &comments);
	free(alg);
	if (rc != 0)
		return SP_ERR_INVALID_ARGUMENT;
	if ((rc = canon(d, si, 1, mode, comments, &c)) != SP_OK)
		return rc;
	alg = prop(child_el(si, SP_DSIG_NS, "SignatureMethod"), "Algorithm");
	rc = sign_raw(alg, key, hkey, hklen, &c, sv, &svlen);
	free(alg);
	cf_buf_free(&c);
	if (rc != SP_OK)
		return rc;
	return cf_dom_set_b64(child_el(sig, SP_DSIG_NS, "SignatureValue"), sv,
	                      svlen);
}
