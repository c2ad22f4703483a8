/* assert_sigprofile.c: Signature-profile assertions: every hostile record
 * variant (signature wrapping, tampering, forbidden algorithms and
 * structures, parser attacks) is delivered over the wire and must be refused
 * with its SPEC error name; positive controls must be accepted. Each variant
 * starts from a fresh record signed by the auditor member. */
#include "conf_int.h"
#include "sigcase_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#define X(s) ((const xmlChar *)(s))

typedef int (*xform_fn)(hctx *h, cf_buf *out);

typedef struct hcase {
	const char *title;
	const char *spec;
	xform_fn fn;
	int want; /* sp_err; SP_OK for a positive control */
} hcase;

/* ---------------------------------------------------------------- helpers */

int cf_sig_sub(const hctx *h, const char *old, const char *nw, cf_buf *o)
{
	return cf_buf_sub(&h->valid, old, strlen(old), nw, strlen(nw), o);
}

static int sub(const hctx *h, const char *old, const char *nw, cf_buf *o)
{
	return cf_sig_sub(h, old, nw, o);
}

static int done(xmlDocPtr d, cf_buf *o)
{
	return cf_dom_dump(d, o);
}

static int fail_doc(xmlDocPtr d, int rc)
{
	xmlFreeDoc(d);
	return rc;
}

/* Re-sign with the auditor's key and serialize. */
static int resigned(hctx *h, xmlDocPtr d, int redigest, cf_buf *o)
{
	int rc = cf_resign(d, h->x->sign_pkey, NULL, 0, redigest);

	return rc != SP_OK ? fail_doc(d, rc) : done(d, o);
}

static xmlNodePtr srep(xmlDocPtr d, const char *name)
{
	return cf_dom_find(d, SP_NS, name);
}

static xmlNodePtr ds(xmlDocPtr d, const char *name)
{
	return cf_dom_find(d, SP_DSIG_NS, name);
}

static int is_ec(const hctx *h)
{
	return EVP_PKEY_get_base_id(h->x->sign_pkey) == EVP_PKEY_EC;
}

static const char *other_member(const hctx *h)
{
	const sp_tl *tl = sp_trust_list(h->x->trust);

	for (size_t i = 0; i < tl->n_members; i++)
		if (strcmp(tl->members[i].node_id, h->x->as) != 0 &&
		    strcmp(tl->members[i].node_id, h->x->target_id) != 0)
			return tl->members[i].node_id;
	return h->x->target_id;
}

/* Another member (neither the auditor nor the target) whose signing
 * certificates are of the auditor's algorithm, or NULL: a record moved to a
 * member of another algorithm is refused by name first (SPEC TL-45). */
static const char *other_member_same_alg(const hctx *h)
{
	const sp_tl *tl = sp_trust_list(h->x->trust);
	sp_key_alg mine = sp_key_get_alg(h->x->sign);

	for (size_t i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		if (strcmp(m->node_id, h->x->as) == 0 ||
		    strcmp(m->node_id, h->x->target_id) == 0 ||
		    m->n_signing == 0)
			continue;
		if (sp_pki_cert_alg(m->signing[0].der, m->signing[0].der_len) ==
		    mine)
			return m->node_id;
	}
	return NULL;
}

/* ---------------------------------------------------------------- controls */

static int x_resigned(hctx *h, cf_buf *o)
{
	return resigned(h, cf_dom(&h->valid), 1, o);
}

/* The ds:X509Certificate of a KeyInfo added to the signature (a record
 * carries none, SPEC REC-31), holding the suite's signing certificate. */
static xmlNodePtr add_keyinfo_cert(hctx *h, xmlDocPtr d)
{
	xmlNodePtr sig = cf_dom_sig(d), ki, xd, cert;
	const uint8_t *der;
	size_t der_len;

	if (sig == NULL)
		return NULL;
	ki = cf_dom_new_ds(sig, "KeyInfo", NULL);
	xmlAddChild(sig, ki);
	xd = cf_dom_new_ds(ki, "X509Data", NULL);
	xmlAddChild(ki, xd);
	cert = cf_dom_new_ds(xd, "X509Certificate", NULL);
	xmlAddChild(xd, cert);
	der = sp_key_cert_der(h->x->sign, &der_len);
	if (cf_dom_set_b64(cert, der, der_len) != SP_OK)
		return NULL;
	return cert;
}

static int x_keyinfo_added(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	if (ds(d, "KeyInfo") != NULL || add_keyinfo_cert(h, d) == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	return done(d, o);
}

static int x_xml_declaration(hctx *h, cf_buf *o)
{
	static const char decl[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

	if ((o->p = malloc(sizeof(decl) + h->valid.n)) == NULL)
		return SP_ERR_NOMEM;
	memcpy(o->p, decl, sizeof(decl) - 1);
	memcpy(o->p + sizeof(decl) - 1, h->valid.p, h->valid.n);
	o->n = sizeof(decl) - 1 + h->valid.n;
	o->p[o->n] = 0;
	return SP_OK;
}

static int x_trailing_newline(hctx *h, cf_buf *o)
{
	if (cf_buf_set(o, h->valid.p, h->valid.n + 1) != SP_OK)
		return SP_ERR_NOMEM;
	o->p[h->valid.n] = '\n';
	return SP_OK;
}

/* An r || s value brought to P-256's low-s form, as one forging an ECDSA
 * signature from another 64-byte value would (SPEC REC-32 is checked before
 * the signer's method). */
static int p256_low_s(xmlDocPtr d)
{
	xmlNodePtr sv = ds(d, "SignatureValue");
	xmlChar *v = sv != NULL ? xmlNodeGetContent(sv) : NULL;
	uint8_t raw[64];
	size_t rawlen = 0;
	BIGNUM *n = NULL, *half = NULL, *s = NULL;
	EC_GROUP *g = NULL;
	int rc = SP_ERR_INTERNAL;

	if (v == NULL ||
	    sp_b64_decode((const char *)v, strlen((const char *)v), raw,
	                  sizeof(raw), &rawlen) != SP_OK ||
	    rawlen != 64)
		goto out;
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	n = BN_new();
	half = BN_new();
	s = BN_bin2bn(raw + 32, 32, NULL);
	if (g == NULL || n == NULL || half == NULL || s == NULL ||
	    EC_GROUP_get_order(g, n, NULL) != 1 || BN_rshift1(half, n) != 1)
		goto out;
	rc = SP_OK;
	if (BN_cmp(s, half) > 0)
		rc = BN_sub(s, n, s) == 1 && BN_bn2binpad(s, raw + 32, 32) == 32
		         ? cf_dom_set_b64(sv, raw, 64)
		         : SP_ERR_INTERNAL;
out:
	xmlFree(v);
	BN_free(n);
	BN_free(half);
	BN_free(s);
	EC_GROUP_free(g);
	return rc;
}

/* (r, s) -> (r, n - s): the ECDSA twin, valid wherever the original is. */
static int x_ecdsa_twin(hctx *h, cf_buf *o)
{
	xmlDocPtr d;
	xmlNodePtr sv;
	xmlChar *v;
	uint8_t raw[64];
	size_t rawlen = 0;
	BIGNUM *n = NULL, *s = NULL;
	EC_GROUP *g = NULL;
	int rc = SP_ERR_INTERNAL;

	if (!is_ec(h))
		return NO_CASE;
	d = cf_dom(&h->valid);
	sv = ds(d, "SignatureValue");
	v = sv != NULL ? xmlNodeGetContent(sv) : NULL;
	if (v == NULL ||
	    sp_b64_decode((const char *)v, strlen((const char *)v), raw,
	                  sizeof(raw), &rawlen) != SP_OK ||
	    rawlen != 64)
		goto out;
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	n = BN_new();
	s = BN_bin2bn(raw + 32, 32, NULL);
	if (g == NULL || n == NULL || s == NULL ||
	    EC_GROUP_get_order(g, n, NULL) != 1 || BN_sub(s, n, s) != 1 ||
	    BN_bn2binpad(s, raw + 32, 32) != 32)
		goto out;
	rc = cf_dom_set_b64(sv, raw, 64);
out:
	xmlFree(v);
	BN_free(n);
	BN_free(s);
	EC_GROUP_free(g);
	return rc != SP_OK ? fail_doc(d, rc) : done(d, o);
}

static int x_keyname_other(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sig = cf_dom_sig(d), ki = ds(d, "KeyInfo"), kn;

	if (ki == NULL) {
		ki = cf_dom_new_ds(sig, "KeyInfo", NULL);
		xmlAddChild(sig, ki);
	}
	kn = cf_dom_new_ds(ki, "KeyName", NULL);
	xmlNodeSetContent(kn, X(other_member(h)));
	if (ki->children != NULL)
		xmlAddPrevSibling(ki->children, kn);
	else
		xmlAddChild(ki, kn);
	return done(d, o);
}

static int x_comment_split(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	if (cf_dom_split_comment(d, "Origin", 2) != SP_OK ||
	    cf_dom_split_comment(d, "Type", 4) != SP_OK)
		return fail_doc(d, SP_ERR_INTERNAL);
	return done(d, o);
}

static int x_cdata_split(hctx *h, cf_buf *o)
{
	char old[SP_NODE_ID_MAX + 32], nw[SP_NODE_ID_MAX + 64];

	snprintf(old, sizeof(old), ">%s</Origin>", h->x->as);
	snprintf(nw, sizeof(nw), ">%.2s<![CDATA[%s]]></Origin>", h->x->as,
	         h->x->as + 2);
	return sub(h, old, nw, o);
}

static int x_b64_linebreaks(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sv = ds(d, "SignatureValue");
	xmlChar *v = sv != NULL ? xmlNodeGetContent(sv) : NULL;
	char buf[1024];
	size_t n, k = 0;

	if (v == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	n = strlen((const char *)v);
	for (size_t i = 0; i < n && k + 3 < sizeof(buf); i++) {
		if (i > 0 && i % 40 == 0)
			buf[k++] = '\n';
		buf[k++] = (char)v[i];
	}
	buf[k] = '\0';
	xmlFree(v);
	xmlNodeSetContent(sv, X(buf));
	return done(d, o);
}

static int x_issued_skew(hctx *h, cf_buf *o)
{
	cf_recopt ro;
	char err[200];

	memset(&ro, 0, sizeof(ro));
	ro.seq = h->seq;
	ro.issued = (int64_t)time(NULL) + 120;
	return cf_record(h->x, &ro, &o->p, &o->n, err, sizeof(err));
}

static int x_bom(hctx *h, cf_buf *o)
{
	if ((o->p = malloc(h->valid.n + 4)) == NULL)
		return SP_ERR_NOMEM;
	memcpy(o->p, "\xEF\xBB\xBF", 3);
	memcpy(o->p + 3, h->valid.p, h->valid.n);
	o->n = h->valid.n + 3;
	o->p[o->n] = 0;
	return SP_OK;
}

static void set_ns_tree(xmlNodePtr n, const xmlChar *href, xmlNsPtr ns)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->ns != NULL && xmlStrEqual(n->ns->href, href))
			xmlSetNs(n, ns);
		set_ns_tree(n->children, href, ns);
	}
}

static int x_prefixed(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr root = xmlDocGetRootElement(d);
	xmlNsPtr ns = root != NULL ? xmlNewNs(root, X(SP_NS), X("srep")) : NULL;

	if (ns == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	set_ns_tree(root, X(SP_NS), ns);
	return resigned(h, d, 1, o);
}

/* ---------------------------------------------------------------- wrapping */

static int x_object_forged_header(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sig = cf_dom_sig(d),
	           obj = cf_dom_new_ds(sig, "Object", NULL);
	xmlNodePtr hdr = xmlDocCopyNode(srep(d, "Header"), d, 1);

	if (obj == NULL || hdr == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlAddChild(sig, obj);
	xmlAddChild(obj, hdr);
	for (xmlNodePtr n = hdr->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, X("Type")))
			xmlNodeSetContent(n, X("release"));
	return done(d, o);
}

static int move_sig(xmlDocPtr d, xmlNodePtr to, int first, cf_buf *o)
{
	xmlNodePtr sig = cf_dom_sig(d);

	if (sig == NULL || to == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlUnlinkNode(sig);
	if (first && to->children != NULL)
		xmlAddPrevSibling(to->children, sig);
	else
		xmlAddChild(to, sig);
	return done(d, o);
}

static int x_sig_first(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	return move_sig(d, xmlDocGetRootElement(d), 1, o);
}

static int x_sig_in_header(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	return move_sig(d, srep(d, "Header"), 0, o);
}

static int x_sig_in_extension(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	return move_sig(d, srep(d, "Extension"), 0, o);
}

static int second_sig(xmlDocPtr d, xmlNodePtr to, cf_buf *o)
{
	xmlNodePtr copy = xmlDocCopyNode(cf_dom_sig(d), d, 1);

	if (copy == NULL || to == NULL) {
		xmlFreeNode(copy);
		return fail_doc(d, SP_ERR_INTERNAL);
	}
	xmlAddChild(to, copy);
	return done(d, o);
}

static int x_second_sig_root(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	return second_sig(d, xmlDocGetRootElement(d), o);
}

static int x_second_sig_body(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	return second_sig(d, srep(d, "Body"), o);
}

static int x_second_sig_extension(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);

	return second_sig(d, srep(d, "Extension"), o);
}

static int x_foreign_root(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr w = xmlNewDocNode(d, NULL, X("Envelope"), NULL), old;

	if (w == NULL)
		return fail_doc(d, SP_ERR_NOMEM);
	xmlSetNs(w, xmlNewNs(w, X("urn:example:envelope"), NULL));
	old = xmlDocSetRootElement(d, w);
	xmlAddChild(w, old);
	return done(d, o);
}

enum { WRAP_NESTED, WRAP_HOISTED, WRAP_THIRD };

/* A forged record (another Sequence) that carries the signed original. */
static int wrap_forged(hctx *h, int how, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr root = xmlDocGetRootElement(d),
	           orig = xmlDocCopyNode(root, d, 1);
	xmlNodePtr sig = cf_dom_sig(d), seq = srep(d, "Sequence"),
	           ext = srep(d, "Extension");
	char s[32];

	if (orig == NULL || sig == NULL || seq == NULL || ext == NULL) {
		xmlFreeNode(orig);
		return fail_doc(d, SP_ERR_INTERNAL);
	}
	snprintf(s, sizeof(s), "%llu", (unsigned long long)(h->seq + 500000));
	xmlNodeSetContent(seq, X(s));
	if (how == WRAP_HOISTED) {
		for (xmlNodePtr n = orig->children; n != NULL; n = n->next)
			if (n->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(n->name, X("Signature"))) {
				xmlUnlinkNode(n);
				xmlFreeNode(n);
				break;
			}
		xmlAddChild(ext, orig);
	} else {
		xmlUnlinkNode(sig);
		xmlFreeNode(sig);
		xmlAddChild(how == WRAP_NESTED ? ext : root, orig);
	}
	return done(d, o);
}

static int x_wrap_nested(hctx *h, cf_buf *o)
{
	return wrap_forged(h, WRAP_NESTED, o);
}
static int x_wrap_hoisted(hctx *h, cf_buf *o)
{
	return wrap_forged(h, WRAP_HOISTED, o);
}
static int x_wrap_third(hctx *h, cf_buf *o)
{
	return wrap_forged(h, WRAP_THIRD, o);
}

static int outsider_signed(hctx *h, cf_buf *o)
{
	cf_recopt ro;
	char err[200];

	if (cf_make_outsiders(h->x, err, sizeof(err)) != 0)
		return NO_CASE;
	memset(&ro, 0, sizeof(ro));
	ro.seq = h->seq;
	ro.key = h->x->outsider_sign;
	return cf_record(h->x, &ro, &o->p, &o->n, err, sizeof(err));
}

static int x_outsider(hctx *h, cf_buf *o)
{
	return outsider_signed(h, o);
}

static int x_outsider_member_cert(hctx *h, cf_buf *o)
{
	cf_buf s = {NULL, 0};
	xmlDocPtr d;
	xmlNodePtr cert;
	const uint8_t *der;
	size_t der_len;
	int rc = outsider_signed(h, &s);

	if (rc != SP_OK)
		return rc;
	d = cf_dom(&s);
	cf_buf_free(&s);
	cert = ds(d, "X509Certificate");
	der = sp_key_cert_der(h->x->sign, &der_len);
	if (cert == NULL && (cert = add_keyinfo_cert(h, d)) == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	if ((rc = cf_dom_set_b64(cert, der, der_len)) != SP_OK)
		return fail_doc(d, rc);
	return done(d, o);
}

static int x_retrieval_method(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sig = cf_dom_sig(d), ki = ds(d, "KeyInfo"), rm;

	if (ki == NULL) {
		ki = cf_dom_new_ds(sig, "KeyInfo", NULL);
		xmlAddChild(sig, ki);
	}
	rm = cf_dom_new_ds(ki, "RetrievalMethod", NULL);
	xmlSetProp(rm, X("URI"), X("file:///etc/passwd"));
	xmlAddChild(ki, rm);
	return done(d, o);
}

static int x_issuer_serial(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr xd = ds(d, "X509Data"), is, n;

	if (xd == NULL && add_keyinfo_cert(h, d) != NULL)
		xd = ds(d, "X509Data");
	if (xd == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	is = cf_dom_new_ds(xd, "X509IssuerSerial", NULL);
	xmlAddChild(xd, is);
	n = cf_dom_new_ds(is, "X509IssuerName", NULL);
	xmlNodeSetContent(n, X("CN=conformance"));
	xmlAddChild(is, n);
	n = cf_dom_new_ds(is, "X509SerialNumber", NULL);
	xmlNodeSetContent(n, X("1"));
	xmlAddChild(is, n);
	return done(d, o);
}

static int hmac(hctx *h, const char *alg, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	const uint8_t *der;
	size_t der_len;
	int rc = cf_dom_set_alg(ds(d, "SignatureMethod"), alg);

	der = sp_key_cert_der(h->x->sign, &der_len);
	if (rc == SP_OK)
		rc = cf_resign(d, NULL, der, der_len, 0);
	return rc != SP_OK ? fail_doc(d, rc) : done(d, o);
}

static int x_hmac_sha256(hctx *h, cf_buf *o)
{
	return hmac(h, CF_ALG_HMAC_SHA256, o);
}
static int x_hmac_sha1(hctx *h, cf_buf *o)
{
	return hmac(h, CF_ALG_HMAC_SHA1, o);
}

/* A transform between enveloped-signature and exclusive C14N. */
static int insert_transform(hctx *h, const char *alg,
                            xmlNodePtr (*child)(xmlDocPtr, xmlNodePtr),
                            cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr t1 = cf_dom_transform(d, 1), t;

	if (t1 == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	t = cf_dom_new_ds(t1, "Transform", alg);
	xmlAddPrevSibling(t1, t);
	if (child != NULL)
		xmlAddChild(t, child(d, t));
	return resigned(h, d, 0, o);
}

static xmlNodePtr xpath_child(xmlDocPtr d, xmlNodePtr t)
{
	xmlNodePtr c = cf_dom_new_ds(t, "XPath", NULL);

	(void)d;
	xmlNodeSetContent(c, X("1"));
	return c;
}

static xmlNodePtr xpath2_child(xmlDocPtr d, xmlNodePtr t)
{
	xmlNodePtr c = xmlNewDocNode(d, NULL, X("XPath"), X("/"));

	(void)t;
	xmlSetNs(c, xmlNewNs(c, X(CF_ALG_XPATH2), X("f")));
	xmlSetProp(c, X("Filter"), X("union"));
	return c;
}

static xmlNodePtr xslt_child(xmlDocPtr d, xmlNodePtr t)
{
	xmlNodePtr ss = xmlNewDocNode(d, NULL, X("stylesheet"), NULL), tm, cp;
	xmlNsPtr ns =
	    xmlNewNs(ss, X("http://www.w3.org/1999/XSL/Transform"), X("xsl"));

	(void)t;
	xmlSetNs(ss, ns);
	xmlSetProp(ss, X("version"), X("1.0"));
	tm = xmlNewChild(ss, ns, X("template"), NULL);
	xmlSetProp(tm, X("match"), X("/"));
	cp = xmlNewChild(tm, ns, X("copy-of"), NULL);
	xmlSetProp(cp, X("select"), X("document('file:///etc/passwd')"));
	return ss;
}

static int x_xpath(hctx *h, cf_buf *o)
{
	return insert_transform(h, CF_ALG_XPATH, xpath_child, o);
}
static int x_xpath2(hctx *h, cf_buf *o)
{
	return insert_transform(h, CF_ALG_XPATH2, xpath2_child, o);
}
static int x_xslt(hctx *h, cf_buf *o)
{
	return insert_transform(h, CF_ALG_XSLT, xslt_child, o);
}

static int ref_uri(hctx *h, const char *uri, int redigest, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr ref = ds(d, "Reference");

	if (ref == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	if (uri != NULL)
		xmlSetProp(ref, X("URI"), X(uri));
	else
		xmlUnsetProp(ref, X("URI"));
	return resigned(h, d, redigest, o);
}

static int x_uri_xpointer_root(hctx *h, cf_buf *o)
{
	return ref_uri(h, "#xpointer(/)", 1, o);
}
static int x_uri_xpointer_id(hctx *h, cf_buf *o)
{
	return ref_uri(h, "#xpointer(id('Header'))", 0, o);
}
static int x_uri_absent(hctx *h, cf_buf *o)
{
	return ref_uri(h, NULL, 1, o);
}
static int x_uri_external(hctx *h, cf_buf *o)
{
	return ref_uri(h, "file:///etc/passwd", 0, o);
}
static int x_uri_bare_name(hctx *h, cf_buf *o)
{
	return ref_uri(h, "#Header", 0, o);
}

static int x_two_references(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr ref = ds(d, "Reference");

	if (ref == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlAddNextSibling(ref, xmlDocCopyNode(ref, d, 1));
	return resigned(h, d, 0, o);
}

static int x_manifest(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sig = cf_dom_sig(d),
	           obj = cf_dom_new_ds(sig, "Object", NULL), man;

	xmlAddChild(sig, obj);
	man = cf_dom_new_ds(obj, "Manifest", NULL);
	xmlAddChild(obj, man);
	xmlAddChild(man, xmlDocCopyNode(ds(d, "Reference"), d, 1));
	return done(d, o);
}

static int x_id_attribute(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sig = cf_dom_sig(d);

	if (sig == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlSetProp(sig, X("Id"), X("sig-1"));
	return done(d, o);
}

static int x_text_in_signature(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr sv = ds(d, "SignatureValue");

	if (sv == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlAddPrevSibling(sv, xmlNewDocText(d, X("unsigned text")));
	return done(d, o);
}

static int x_inclusive_namespaces(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr cm = ds(d, "CanonicalizationMethod"), in;

	if (cm == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	in = xmlNewDocNode(d, NULL, X("InclusiveNamespaces"), NULL);
	xmlSetNs(in, xmlNewNs(in, X(CF_ALG_EXC), X("ec")));
	xmlSetProp(in, X("PrefixList"), X("ds"));
	xmlAddChild(cm, in);
	return resigned(h, d, 0, o);
}

/* ---------------------------------------------------------------- tampering */

static int x_tamper_sequence(hctx *h, cf_buf *o)
{
	char old[48], nw[48];

	snprintf(old, sizeof(old), ">%llu</Sequence>",
	         (unsigned long long)h->seq);
	snprintf(nw, sizeof(nw), ">%llu</Sequence>",
	         (unsigned long long)h->seq + 1);
	return sub(h, old, nw, o);
}

static int x_tamper_origin_member(hctx *h, cf_buf *o)
{
	char old[SP_NODE_ID_MAX + 32], nw[SP_NODE_ID_MAX + 32];

	const char *other = other_member_same_alg(h);

	if (other == NULL)
		return NO_CASE;
	snprintf(old, sizeof(old), ">%s</Origin>", h->x->as);
	snprintf(nw, sizeof(nw), ">%s</Origin>", other);
	return sub(h, old, nw, o);
}

static int x_tamper_origin_nonmember(hctx *h, cf_buf *o)
{
	char old[SP_NODE_ID_MAX + 32];

	snprintf(old, sizeof(old), ">%s</Origin>", h->x->as);
	return sub(h, old, ">CONF-NO-SUCH-MEMBER</Origin>", o);
}

static int x_tamper_type(hctx *h, cf_buf *o)
{
	return sub(h, ">declaration</Type>", ">waybill</Type>", o);
}

static int x_tamper_issued(hctx *h, cf_buf *o)
{
	char old[64], nw[64], t[SP_TIME_TEXT_MAX];

	sp_time_format(h->issued, t);
	snprintf(old, sizeof(old), ">%s</Issued>", t);
	sp_time_format(h->issued - 61, t);
	snprintf(nw, sizeof(nw), ">%s</Issued>", t);
	return sub(h, old, nw, o);
}

static int x_tamper_recipient(hctx *h, cf_buf *o)
{
	char old[SP_NODE_ID_MAX + 32];

	snprintf(old, sizeof(old), "<Node>%s</Node>", h->x->target_id);
	/* Still the target, plus a second recipient. */
	char nw[2 * SP_NODE_ID_MAX + 64];

	snprintf(nw, sizeof(nw), "<Node>%s</Node><Node>CONF-EXTRA</Node>",
	         h->x->target_id);
	return sub(h, old, nw, o);
}

static int x_tamper_body(hctx *h, cf_buf *o)
{
	return sub(h, "Green tea", "Green tex", o);
}

static int flip_b64(hctx *h, const char *name, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr n = ds(d, name);
	xmlChar *v = n != NULL ? xmlNodeGetContent(n) : NULL;

	if (v == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	for (size_t i = 3; v[i] != '\0'; i++)
		if ((v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= 'a' && v[i] <= 'z')) {
			v[i] = v[i] == 'A' ? 'B' : 'A';
			break;
		}
	xmlNodeSetContent(n, v);
	xmlFree(v);
	return done(d, o);
}

static int x_tamper_digest(hctx *h, cf_buf *o)
{
	return flip_b64(h, "DigestValue", o);
}
static int x_tamper_sigvalue(hctx *h, cf_buf *o)
{
	return flip_b64(h, "SignatureValue", o);
}

static int x_tamper_whitespace(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr n = srep(d, "Origin");

	if (n == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlAddPrevSibling(n, xmlNewDocText(d, X("\n      ")));
	return done(d, o);
}

/* ---------------------------------------------------------------- algorithms
 */

static int alg_at(hctx *h, const char *dsname, int transform, const char *alg,
                  int redigest, int resign, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr n =
	    transform >= 0 ? cf_dom_transform(d, transform) : ds(d, dsname);
	int rc = cf_dom_set_alg(n, alg);

	if (rc != SP_OK)
		return fail_doc(d, rc);
	return resign ? resigned(h, d, redigest, o) : done(d, o);
}

static int x_digest_sha1(hctx *h, cf_buf *o)
{
	return alg_at(h, "DigestMethod", -1, CF_ALG_SHA1, 1, 1, o);
}
static int x_digest_md5(hctx *h, cf_buf *o)
{
	return alg_at(h, "DigestMethod", -1, CF_ALG_MD5, 1, 1, o);
}
static int x_digest_sha512(hctx *h, cf_buf *o)
{
	return alg_at(h, "DigestMethod", -1, CF_ALG_SHA512, 1, 1, o);
}
static int x_sig_sha1(hctx *h, cf_buf *o)
{
	return alg_at(h, "SignatureMethod", -1,
	              is_ec(h) ? CF_ALG_ECDSA_SHA1 : CF_ALG_RSA_SHA1, 0, 1, o);
}
static int x_sig_sha512(hctx *h, cf_buf *o)
{
	return alg_at(h, "SignatureMethod", -1,
	              is_ec(h) ? CF_ALG_ECDSA_SHA512 : CF_ALG_RSA_SHA512, 0, 1,
	              o);
}
static int x_sig_md5(hctx *h, cf_buf *o)
{
	if (is_ec(h))
		return NO_CASE;
	return alg_at(h, "SignatureMethod", -1, CF_ALG_RSA_MD5, 0, 1, o);
}
static int x_sig_sm2(hctx *h, cf_buf *o)
{
	return alg_at(h, "SignatureMethod", -1, CF_ALG_SM2_SM3, 0, 0, o);
}
/* SIG-39: SM2-SM3 goes with SM3 only, ECDSA and RSA with SHA-256 only. For
 * an ECDSA or RSA signer the SignatureMethod becomes SM2-SM3 over the
 * SHA-256 reference; for an SM2 signer the DigestMethod becomes SHA-256. */
static int is_sm2(hctx *h)
{
	return EVP_PKEY_is_a(h->x->sign_pkey, "SM2");
}
static int x_sig_sm2_sha256(hctx *h, cf_buf *o)
{
	if (is_sm2(h))
		return alg_at(h, "DigestMethod", -1, CF_ALG_SHA256, 0, 0, o);
	return alg_at(h, "SignatureMethod", -1, SP_ALG_SM2_SM3, 0, 0, o);
}
static int x_digest_sm3_other(hctx *h, cf_buf *o)
{
	if (is_sm2(h))
		return alg_at(h, "SignatureMethod", -1, CF_ALG_ECDSA_SHA256, 0,
		              0, o);
	return alg_at(h, "DigestMethod", -1, SP_ALG_SM3, 0, 0, o);
}
static int x_sig_other_key_type(hctx *h, cf_buf *o)
{
	if (is_sm2(h)) {
		/* ECDSA with its own digest, so that only the listed method
		 * is wrong, not the pairing (SIG-39) */
		xmlDocPtr d = cf_dom(&h->valid);
		int rc = cf_dom_set_alg(ds(d, "SignatureMethod"),
		                        CF_ALG_ECDSA_SHA256);

		if (rc == SP_OK)
			rc = cf_dom_set_alg(ds(d, "DigestMethod"),
			                    CF_ALG_SHA256);
		if (rc == SP_OK)
			rc = p256_low_s(d);
		if (rc != SP_OK)
			return fail_doc(d, rc);
		return done(d, o);
	}
	return alg_at(h, "SignatureMethod", -1,
	              is_ec(h) ? CF_ALG_RSA_SHA256 : CF_ALG_ECDSA_SHA256, 0, 0,
	              o);
}
static int x_si_exc_comments(hctx *h, cf_buf *o)
{
	return alg_at(h, "CanonicalizationMethod", -1, CF_ALG_EXC_COMMENTS, 0,
	              1, o);
}
static int x_si_c14n10(hctx *h, cf_buf *o)
{
	return alg_at(h, "CanonicalizationMethod", -1, CF_ALG_C14N10, 0, 1, o);
}
static int x_si_c14n11(hctx *h, cf_buf *o)
{
	return alg_at(h, "CanonicalizationMethod", -1, CF_ALG_C14N11, 0, 1, o);
}
static int x_ref_exc_comments(hctx *h, cf_buf *o)
{
	return alg_at(h, NULL, 1, CF_ALG_EXC_COMMENTS, 1, 1, o);
}
static int x_ref_c14n10(hctx *h, cf_buf *o)
{
	return alg_at(h, NULL, 1, CF_ALG_C14N10, 1, 1, o);
}
static int x_ref_c14n11(hctx *h, cf_buf *o)
{
	return alg_at(h, NULL, 1, CF_ALG_C14N11, 1, 1, o);
}

static int x_extra_transform(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr t1 = cf_dom_transform(d, 1);

	if (t1 == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlAddNextSibling(t1, xmlDocCopyNode(t1, d, 1));
	return resigned(h, d, 1, o);
}

static int x_transforms_swapped(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr t0 = cf_dom_transform(d, 0), t1 = cf_dom_transform(d, 1);

	if (t0 == NULL || t1 == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	cf_dom_set_alg(t0, CF_ALG_EXC);
	cf_dom_set_alg(t1, CF_ALG_ENVELOPED);
	return resigned(h, d, 1, o);
}

static int x_transforms_absent(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr ts = ds(d, "Transforms");

	if (ts == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlUnlinkNode(ts);
	xmlFreeNode(ts);
	return resigned(h, d, 0, o);
}

static int x_ecdsa_der(hctx *h, cf_buf *o)
{
	xmlDocPtr d;
	xmlNodePtr sv;
	xmlChar *v;
	uint8_t raw[256], der[300], *p = der;
	int n, dl;
	ECDSA_SIG *es;

	if (!is_ec(h))
		return NO_CASE;
	d = cf_dom(&h->valid);
	sv = ds(d, "SignatureValue");
	v = sv != NULL ? xmlNodeGetContent(sv) : NULL;
	if (v == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	{
		/* The signer may wrap base64 lines: decode the characters only.
		 */
		size_t k = 0;

		for (size_t i = 0; v[i] != '\0'; i++)
			if (v[i] != '\n' && v[i] != '\r' && v[i] != ' ' &&
			    v[i] != '\t')
				v[k++] = v[i];
		v[k] = '\0';
		n = k <= 128 ? EVP_DecodeBlock(raw, v, (int)k) : -1;
	}
	xmlFree(v);
	/* EVP_DecodeBlock counts padding as zero bytes: 64 bytes need 88
	 * characters with one '=', decoded as 66 minus padding. */
	if (n < 64 || (es = ECDSA_SIG_new()) == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	if (ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL),
	                   BN_bin2bn(raw + 32, 32, NULL)) != 1 ||
	    (dl = i2d_ECDSA_SIG(es, &p)) <= 0) {
		ECDSA_SIG_free(es);
		return fail_doc(d, SP_ERR_INTERNAL);
	}
	ECDSA_SIG_free(es);
	if ((n = cf_dom_set_b64(sv, der, (size_t)dl)) != SP_OK)
		return fail_doc(d, n);
	return done(d, o);
}

static int x_digest_short(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	uint8_t twenty[20];

	memset(twenty, 0x5a, sizeof(twenty));
	if (cf_dom_set_b64(ds(d, "DigestValue"), twenty, sizeof(twenty)) !=
	    SP_OK)
		return fail_doc(d, SP_ERR_INTERNAL);
	return resigned(h, d, 0, o);
}

/* ---------------------------------------------------------------- document */

static int x_unsigned(hctx *h, cf_buf *o)
{
	return cf_buf_set(o, h->unsig.p, h->unsig.n);
}

static int x_version_2(hctx *h, cf_buf *o)
{
	return sub(h, "version=\"1\"", "version=\"2\"", o);
}

static int x_impossible_date(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr n = srep(d, "Issued");

	if (n == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlNodeSetContent(n, X("2026-02-30T08:00:00Z"));
	return resigned(h, d, 1, o);
}

static int x_type_mismatch(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr n = srep(d, "Type");

	if (n == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlNodeSetContent(n, X("waybill"));
	return resigned(h, d, 1, o);
}

static int x_attachment_digest(hctx *h, cf_buf *o)
{
	cf_recopt ro;
	cf_buf s = {NULL, 0};
	xmlDocPtr d;
	xmlNodePtr a;
	char err[200];
	int rc;

	memset(&ro, 0, sizeof(ro));
	ro.seq = h->seq;
	ro.with_attachment = 1;
	if ((rc = cf_record(h->x, &ro, &s.p, &s.n, err, sizeof(err))) != SP_OK)
		return rc;
	d = cf_dom(&s);
	cf_buf_free(&s);
	if ((a = srep(d, "Attachment")) == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	xmlSetProp(a, X("sha256"),
	           X("000000000000000000000000000000000000000000000000000000000"
	             "0000000"));
	return resigned(h, d, 1, o);
}

static int x_supersedes_self(hctx *h, cf_buf *o)
{
	xmlDocPtr d = cf_dom(&h->valid);
	xmlNodePtr hdr = srep(d, "Header"), sup;

	if (hdr == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	sup =
	    xmlNewChild(hdr, srep(d, "Origin")->ns, X("Supersedes"), X(h->id));
	if (sup == NULL)
		return fail_doc(d, SP_ERR_INTERNAL);
	return resigned(h, d, 1, o);
}

/* ---------------------------------------------------------------- table */

static const hcase cases[] = {
    /* positive controls: these must be accepted */
    {"control: re-signed by hand with nothing changed is accepted",
     "SIG-28, SIG-29, SIG-33", x_resigned, SP_OK},
    {"control: Issued two minutes ahead, within the skew", "GEN-14, GEN-15",
     x_issued_skew, SP_OK},
    {"control: SREP elements with a namespace prefix", "GEN-3", x_prefixed,
     SP_OK},
    /* byte variants of a signed record that still verify: not its one
     * transport form, so nobody but the Origin can make a second record */
    {"the signer's certificate added in KeyInfo", "REC-31, SEC-32",
     x_keyinfo_added, SP_ERR_NON_CANONICAL},
    {"a KeyName naming another member added in KeyInfo", "REC-31, SIG-23",
     x_keyname_other, SP_ERR_NON_CANONICAL},
    {"Origin and Type split by comments after signing",
     "REC-29, GEN-11, SEC-32", x_comment_split, SP_ERR_NON_CANONICAL},
    {"Origin split by a CDATA section after signing", "REC-29, XML-17",
     x_cdata_split, SP_ERR_NON_CANONICAL},
    {"line breaks inside the SignatureValue base64", "REC-30, SIG-21",
     x_b64_linebreaks, SP_ERR_NON_CANONICAL},
    {"a leading UTF-8 byte order mark", "REC-29, XML-10", x_bom,
     SP_ERR_NON_CANONICAL},
    {"an XML declaration added", "REC-29, XML-11", x_xml_declaration,
     SP_ERR_NON_CANONICAL},
    {"a line feed after the root element", "REC-29", x_trailing_newline,
     SP_ERR_NON_CANONICAL},
    {"the ECDSA twin signature (r, n - s) (ECDSA signers)", "REC-32, SEC-32",
     x_ecdsa_twin, SP_ERR_NON_CANONICAL},
    /* signature wrapping and structure */
    {"ds:Object carrying a forged Header", "SIG-6, SEC-1",
     x_object_forged_header, SP_ERR_SIG_PROFILE},
    {"Signature moved to the root's first child", "SIG-4, REC-1, SEC-1",
     x_sig_first, SP_ERR_SCHEMA},
    {"Signature moved into the Header", "SIG-4, REC-1, SEC-1", x_sig_in_header,
     SP_ERR_SCHEMA},
    {"Signature moved into the body's Extension", "SIG-4, TYP-5, SEC-1",
     x_sig_in_extension, SP_ERR_SIG_PROFILE},
    {"a second Signature appended to the root", "SIG-4, REC-1",
     x_second_sig_root, SP_ERR_SCHEMA},
    {"a second Signature inside the Body", "SIG-5, REC-1", x_second_sig_body,
     SP_ERR_SCHEMA},
    {"a second Signature inside the Extension", "SIG-5, TYP-5",
     x_second_sig_extension, SP_ERR_SIG_PROFILE},
    {"the signed record wrapped in a foreign root", "XML-18, SEC-1",
     x_foreign_root, SP_ERR_WRONG_DOCUMENT},
    {"forged record carrying the signed one in its Extension", "SEC-1, TYP-5",
     x_wrap_nested, SP_ERR_SIG_PROFILE},
    {"forged record keeping the original signature, original in its Extension",
     "SEC-1, SIG-28", x_wrap_hoisted, SP_ERR_SIG_INVALID},
    {"the signed record appended as a third child of a forged one",
     "SEC-1, REC-1", x_wrap_third, SP_ERR_SCHEMA},
    {"signed by an outsider key with the outsider's certificate",
     "SIG-2, TL-35", x_outsider, SP_ERR_SIG_INVALID},
    {"outsider signature with the member's certificate in KeyInfo",
     "SIG-22, REC-31, SEC-6", x_outsider_member_cert, SP_ERR_NON_CANONICAL},
    {"KeyInfo with a RetrievalMethod to a file", "SIG-13, SIG-22",
     x_retrieval_method, SP_ERR_SIG_PROFILE},
    {"KeyInfo with an X509IssuerSerial", "SIG-13", x_issuer_serial,
     SP_ERR_SIG_PROFILE},
    {"an Id attribute on the Signature", "SIG-10, SEC-2", x_id_attribute,
     SP_ERR_SIG_PROFILE},
    {"text between the signature's elements", "SIG-11", x_text_in_signature,
     SP_ERR_SIG_PROFILE},
    {"InclusiveNamespaces inside CanonicalizationMethod", "SIG-12",
     x_inclusive_namespaces, SP_ERR_SIG_PROFILE},
    {"Reference URI #xpointer(/)", "SIG-8", x_uri_xpointer_root,
     SP_ERR_SIG_PROFILE},
    {"Reference URI #xpointer(id(...))", "SIG-8, SEC-2", x_uri_xpointer_id,
     SP_ERR_SIG_PROFILE},
    {"Reference without a URI", "SIG-8", x_uri_absent, SP_ERR_SIG_PROFILE},
    {"Reference URI naming an external file", "SIG-8, XML-16", x_uri_external,
     SP_ERR_SIG_PROFILE},
    {"Reference URI with a bare name", "SIG-8, SEC-2", x_uri_bare_name,
     SP_ERR_SIG_PROFILE},
    {"two References", "SIG-7", x_two_references, SP_ERR_SIG_PROFILE},
    {"a Manifest inside a ds:Object", "SIG-6", x_manifest, SP_ERR_SIG_PROFILE},
    /* algorithms, each signed correctly with the member's own key */
    {"HMAC-SHA256 keyed with the signer's public certificate", "SIG-14, SEC-5",
     x_hmac_sha256, SP_ERR_SIG_ALGORITHM},
    {"HMAC-SHA1 keyed with the signer's public certificate", "SIG-14, SEC-5",
     x_hmac_sha1, SP_ERR_SIG_ALGORITHM},
    {"an XPath transform", "SIG-14, SEC-4", x_xpath, SP_ERR_SIG_ALGORITHM},
    {"an XPath Filter 2.0 transform", "SIG-14, SEC-4", x_xpath2,
     SP_ERR_SIG_ALGORITHM},
    {"an XSLT transform", "SIG-14, SEC-4, XML-16", x_xslt,
     SP_ERR_SIG_ALGORITHM},
    {"DigestMethod SHA-1", "SIG-14, SEC-4", x_digest_sha1,
     SP_ERR_SIG_ALGORITHM},
    {"DigestMethod MD5", "SIG-14, SEC-4", x_digest_md5, SP_ERR_SIG_ALGORITHM},
    {"DigestMethod SHA-512", "SIG-14", x_digest_sha512, SP_ERR_SIG_ALGORITHM},
    {"SignatureMethod with SHA-1", "SIG-14, SEC-4", x_sig_sha1,
     SP_ERR_SIG_ALGORITHM},
    {"SignatureMethod with SHA-512", "SIG-14", x_sig_sha512,
     SP_ERR_SIG_ALGORITHM},
    {"SignatureMethod RSA-MD5 (RSA signers)", "SIG-14, SEC-4", x_sig_md5,
     SP_ERR_SIG_ALGORITHM},
    {"SignatureMethod under an unregistered SM2-SM3 URI", "SIG-14, SIG-38",
     x_sig_sm2, SP_ERR_SIG_ALGORITHM},
    {"SM2-SM3 paired with a SHA-256 reference digest", "SIG-39, SEC-33",
     x_sig_sm2_sha256, SP_ERR_SIG_ALGORITHM},
    {"an SM3 reference digest under ECDSA or RSA", "SIG-39, SEC-33",
     x_digest_sm3_other, SP_ERR_SIG_ALGORITHM},
    {"SignatureMethod of the other key type than the signer's",
     "SIG-15, SEC-5, TL-45", x_sig_other_key_type, SP_ERR_ALG_NOT_LISTED},
    {"SignedInfo canonicalized exclusive with comments", "SIG-14",
     x_si_exc_comments, SP_ERR_SIG_ALGORITHM},
    {"SignedInfo canonicalized inclusive C14N 1.0", "SIG-14", x_si_c14n10,
     SP_ERR_SIG_ALGORITHM},
    {"SignedInfo canonicalized inclusive C14N 1.1", "SIG-14", x_si_c14n11,
     SP_ERR_SIG_ALGORITHM},
    {"Reference transform exclusive with comments", "SIG-14",
     x_ref_exc_comments, SP_ERR_SIG_ALGORITHM},
    {"Reference transform inclusive C14N 1.0", "SIG-14", x_ref_c14n10,
     SP_ERR_SIG_ALGORITHM},
    {"Reference transform inclusive C14N 1.1", "SIG-14", x_ref_c14n11,
     SP_ERR_SIG_ALGORITHM},
    {"a third transform", "SIG-9", x_extra_transform, SP_ERR_SIG_PROFILE},
    {"the two transforms in the wrong order", "SIG-14", x_transforms_swapped,
     SP_ERR_SIG_ALGORITHM},
    {"no Transforms", "SIG-9", x_transforms_absent, SP_ERR_SIG_PROFILE},
    {"ECDSA SignatureValue DER-encoded instead of r||s (ECDSA signers)",
     "SIG-18", x_ecdsa_der, SP_ERR_SIG_INVALID},
    {"DigestValue of 20 bytes", "SIG-20", x_digest_short, SP_ERR_SIG_INVALID},
    /* tampering after signing */
    {"Sequence changed after signing", "SIG-28, SIG-30", x_tamper_sequence,
     SP_ERR_SIG_INVALID},
    {"Origin changed to another member after signing", "SIG-28, TL-35",
     x_tamper_origin_member, SP_ERR_SIG_INVALID},
    {"Origin changed to a non-member after signing", "TL-31, SIG-25",
     x_tamper_origin_nonmember, SP_ERR_UNKNOWN_ORIGIN},
    {"Type changed after signing", "SIG-28", x_tamper_type, SP_ERR_SIG_INVALID},
    {"Issued changed after signing", "SIG-28", x_tamper_issued,
     SP_ERR_SIG_INVALID},
    {"a recipient added after signing", "SIG-28", x_tamper_recipient,
     SP_ERR_SIG_INVALID},
    {"body text changed after signing", "SIG-28", x_tamper_body,
     SP_ERR_SIG_INVALID},
    {"DigestValue altered", "SIG-28, SIG-30", x_tamper_digest,
     SP_ERR_SIG_INVALID},
    {"SignatureValue altered", "SIG-29, SIG-30", x_tamper_sigvalue,
     SP_ERR_SIG_INVALID},
    {"whitespace added inside the Header after signing", "SIG-28, GEN-12",
     x_tamper_whitespace, SP_ERR_SIG_INVALID},
    /* document rules */
    {"no signature", "SIG-3, REC-2", x_unsigned, SP_ERR_SIG_MISSING},
    {"version=\"2\" on the root", "GEN-5", x_version_2, SP_ERR_SCHEMA},
    {"an impossible calendar date in Issued, re-signed", "GEN-7, SIG-27",
     x_impossible_date, SP_ERR_FIELD},
    {"Type that does not match the body element, re-signed", "REC-10, TYP-2",
     x_type_mismatch, SP_ERR_TYPE_MISMATCH},
    {"an attachment whose sha256 does not match, re-signed", "REC-22",
     x_attachment_digest, SP_ERR_ATTACHMENT_DIGEST},
    {"Supersedes naming the record itself, re-signed", "REC-15",
     x_supersedes_self, SP_ERR_FIELD},
    /* parsing */
    {"a DOCTYPE", "XML-12", x_doctype, SP_ERR_DOCTYPE},
    {"a DOCTYPE with an internal entity", "XML-12, XML-13", x_doctype_entity,
     SP_ERR_DOCTYPE},
    {"a billion-laughs entity expansion", "XML-12, SEC-3", x_billion_laughs,
     SP_ERR_DOCTYPE},
    {"an external entity (XXE)", "XML-12, XML-16, SEC-3", x_external_entity,
     SP_ERR_DOCTYPE},
    {"an external DTD", "XML-12, XML-16", x_external_dtd, SP_ERR_DOCTYPE},
    {"an external parameter entity", "XML-12, XML-16", x_pe_external,
     SP_ERR_DOCTYPE},
    {"an internal parameter entity", "XML-12", x_pe_internal, SP_ERR_DOCTYPE},
    {"10000 nested elements", "XML-3, XML-5", x_deep_10000, SP_ERR_TOO_DEEP},
    {"nesting just past the default depth of 32", "XML-3", x_deep_40,
     SP_ERR_TOO_DEEP},
    {"more than 10000 elements", "XML-4, XML-5", x_many_elements,
     SP_ERR_TOO_MANY_ELEMENTS},
    {"a 2 MiB record", "XML-1, API-17", x_too_large, SP_ERR_TOO_LARGE},
    {"ill-formed UTF-8", "XML-7", x_utf8_invalid, SP_ERR_ENCODING},
    {"overlong UTF-8", "XML-7", x_utf8_overlong, SP_ERR_ENCODING},
    {"a UTF-8-encoded surrogate", "XML-7", x_utf8_surrogate, SP_ERR_ENCODING},
    {"a NUL byte", "XML-7", x_nul, SP_ERR_ENCODING},
    {"an ISO-8859-1 encoding declaration", "XML-8", x_latin1, SP_ERR_ENCODING},
    {"a truncated document", "XML-9", x_truncated, SP_ERR_NOT_WELL_FORMED},
    {"an empty document", "XML-9", x_empty, SP_ERR_NOT_WELL_FORMED},
    {"the root in another namespace", "XML-18, GEN-1", x_wrong_ns,
     SP_ERR_WRONG_DOCUMENT},
    {"a trust list delivered as a record", "XML-18", x_trust_list,
     SP_ERR_WRONG_DOCUMENT},
    {"a duplicated Origin element", "XML-19, REC-1", x_duplicate_origin,
     SP_ERR_SCHEMA},
    {"a processing instruction in the Body", "XML-14", x_pi_body,
     SP_ERR_PROCESSING_INSTRUCTION},
    {"a processing instruction in the prolog", "XML-14", x_pi_prolog,
     SP_ERR_PROCESSING_INSTRUCTION},
    {"an xml:id attribute", "XML-15, SEC-2", x_xml_id, SP_ERR_XML_ID},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---------------------------------------------------------------- runner */

static void run_case(cf_ctx *x, const void *arg, cf_result *r)
{
	const hcase *c = arg;
	hctx h;
	cf_recopt ro;
	cf_buf in = {NULL, 0};
	cf_resp resp;
	char err[300], title[200];
	int rc;

	if (!cf_need_target(x, r))
		return;
	memset(&h, 0, sizeof(h));
	h.x = x;
	h.seq = cf_next_seq(x);
	h.issued = (int64_t)time(NULL) - 5;
	sp_uuid_v4(h.id);
	memset(&ro, 0, sizeof(ro));
	ro.seq = h.seq;
	ro.issued = h.issued;
	ro.record_id = h.id;
	if (cf_record(x, &ro, &h.valid.p, &h.valid.n, err, sizeof(err)) !=
	    SP_OK) {
		cf_fail(r, "suite: %s", err);
		goto out;
	}
	ro.unsigned_only = 1;
	if (cf_record(x, &ro, &h.unsig.p, &h.unsig.n, err, sizeof(err)) !=
	    SP_OK) {
		cf_fail(r, "suite: %s", err);
		goto out;
	}
	rc = c->fn(&h, &in);
	if (rc == NO_CASE) {
		cf_skip(r, "does not apply to this auditor's key or federation "
		           "directory");
		goto out;
	}
	if (rc != SP_OK) {
		cf_fail(r, "suite defect: the variant could not be built: %s",
		        sp_strerror(rc));
		goto out;
	}
	/* A variant equal to the valid record would make the case vacuous. */
	if (c->want != SP_OK && in.n == h.valid.n &&
	    memcmp(in.p, h.valid.p, in.n) == 0) {
		cf_fail(r, "suite defect: the variant is identical to the "
		           "valid record");
		goto out;
	}
	cf_deliver(x, in.p, in.n, &resp, r);
	if (c->want != SP_OK) {
		snprintf(title, sizeof(title), "the variant (%zu bytes)", in.n);
		cf_expect_error(r, &resp, c->want, title);
	} else if (resp.status != 201) {
		char name[72];

		cf_fail(r, "a conforming record was answered %d %s, not 201",
		        resp.status,
		        cf_problem_name(&resp, name, sizeof(name)));
	} else if (cf_check_receipt(x, in.p, in.n, resp.body, resp.len, err,
	                            sizeof(err)) != 0) {
		cf_fail(r, "accepted, but the receipt is wrong: %s", err);
	} else {
		char id[SP_UUID_LEN + 1];

		cf_pass(
		    r,
		    "accepted with 201 and a receipt that matches the record");
		if (cf_record_id_of(in.p, in.n, id) == 0)
			cf_remember(x, in.p, in.n, id, h.seq);
	}
	cf_resp_free(&resp);
out:
	cf_buf_free(&in);
	cf_buf_free(&h.valid);
	cf_buf_free(&h.unsig);
}

const cf_assertion *cf_area_sigprofile(size_t *n)
{
	static cf_assertion list[NCASES];

	for (size_t i = 0; i < NCASES; i++) {
		list[i].title = cases[i].title;
		list[i].spec = cases[i].spec;
		list[i].level = CF_MUST;
		list[i].run = run_case;
		list[i].arg = &cases[i];
		/* Every case delivers a record signed with the auditor's key:
		 * a target that wrongly accepts a variant keeps it. */
		list[i].writes = CF_WRITES;
	}
	*n = NCASES;
	return list;
}
