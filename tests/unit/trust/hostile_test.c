/* hostile_test.c: signed-record verification against a corpus of hostile
 * inputs (signature wrapping, tampering, forbidden algorithms, unauthorized
 * signers, parser attacks), each derived from a valid record at run time and
 * checked for the exact error name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "unit/trust/fixture.h"

typedef struct hctx {
	fx_fed f;
	fx_buf valid;    /* CN-ZZ record signed by CN-ZZ (ECDSA P-256) */
	fx_buf hn_valid; /* CN-HN record signed by CN-HN (RSA-2048) */
	fx_buf unsigned_zz;
	EVP_PKEY *pk_zz, *pk_hn;
	uint8_t *zz_cert;
	size_t zz_cert_len;
	char dir[FX_PATH]; /* where every hostile input is written */
	size_t written;
	int ready;
} hctx;

static hctx H;

typedef int (*xform_fn)(fx_buf *o);

typedef struct hcase {
	const char *name;
	xform_fn fn;
	int want;                /* sp_err */
	const char *want_origin; /* for SP_OK cases: Origin read back */
} hcase;

/* ---------------------------------------------------------------- helpers */

/* Replace the first occurrence of old (oldlen bytes) in in by new. */
static int sub_n(const fx_buf *in, const char *old, size_t oldlen,
                 const char *nw, size_t nwlen, fx_buf *o)
{
	size_t i;
	if (oldlen == 0 || in->n < oldlen)
		return SP_ERR_NOT_FOUND;
	for (i = 0; i + oldlen <= in->n; i++) {
		if (memcmp(in->p + i, old, oldlen) != 0)
			continue;
		o->n = in->n - oldlen + nwlen;
		o->p = malloc(o->n + 1);
		if (o->p == NULL)
			return SP_ERR_NOMEM;
		memcpy(o->p, in->p, i);
		memcpy(o->p + i, nw, nwlen);
		memcpy(o->p + i + nwlen, in->p + i + oldlen,
		       in->n - i - oldlen);
		o->p[o->n] = '\0';
		return SP_OK;
	}
	return SP_ERR_NOT_FOUND;
}

static int sub(const fx_buf *in, const char *old, const char *nw, fx_buf *o)
{
	return sub_n(in, old, strlen(old), nw, strlen(nw), o);
}

/* Insert text in the prolog: after an XML declaration, or (as signed
 * records carry none) at the very beginning. */
static int after_decl(const fx_buf *in, const char *text, fx_buf *o)
{
	size_t i = 0, tl = strlen(text);

	if (in->n >= 5 && memcmp(in->p, "<?xml", 5) == 0) {
		for (i = 0; i + 2 <= in->n; i++)
			if (memcmp(in->p + i, "?>", 2) == 0)
				break;
		if (i + 2 > in->n)
			return SP_ERR_NOT_FOUND;
		i += 2;
	}
	o->n = in->n + tl;
	o->p = malloc(o->n + 1);
	if (o->p == NULL)
		return SP_ERR_NOMEM;
	memcpy(o->p, in->p, i);
	memcpy(o->p + i, text, tl);
	memcpy(o->p + i + tl, in->p + i, in->n - i);
	o->p[o->n] = '\0';
	return SP_OK;
}

static xmlNodePtr el(xmlDocPtr d, const char *name)
{
	return fx_find(xmlDocGetRootElement(d), SP_NS, name);
}

/* Set an element's text (replacing its children). */
static int set_text(xmlDocPtr d, const char *name, const char *text)
{
	xmlNodePtr n = el(d, name);
	if (n == NULL)
		return SP_ERR_NOT_FOUND;
	xmlNodeSetContent(n, FX_X(text));
	return SP_OK;
}

/* Split an element's value by a comment: "CN-" <!--x--> "ZZ". */
static int split_by_comment(xmlDocPtr d, const char *name, size_t at)
{
	xmlNodePtr n = el(d, name), c;
	xmlChar *v;
	size_t len;
	int rc = SP_ERR_INTERNAL;

	if (n == NULL)
		return SP_ERR_NOT_FOUND;
	v = xmlNodeGetContent(n);
	len = v != NULL ? strlen((const char *)v) : 0;
	if (len > at && at > 0) {
		xmlNodeSetContent(n, NULL);
		xmlNodeAddContentLen(n, v, (int)at);
		c = xmlNewDocComment(d, FX_X("x"));
		if (c != NULL && xmlAddChild(n, c) != NULL &&
		    xmlAddChild(n, xmlNewDocText(d, v + at)) != NULL)
			rc = SP_OK;
	}
	xmlFree(v);
	return rc;
}

static int resign_zz(xmlDocPtr d, int redigest, fx_buf *o)
{
	int rc = fx_resign(d, fx_root_sig(d), H.pk_zz, NULL, 0, redigest);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	return fx_dump(d, o);
}

static xmlNodePtr ds_el(xmlDocPtr d, const char *name)
{
	return fx_find(xmlDocGetRootElement(d), SP_DSIG_NS, name);
}

static xmlNodePtr new_ds(xmlNodePtr parent, const char *name, const char *alg)
{
	xmlNodePtr sig = parent;
	xmlNsPtr ns;
	xmlNodePtr n;
	while (sig != NULL && !fx_is(sig, SP_DSIG_NS, "Signature"))
		sig = sig->parent;
	ns = sig != NULL ? sig->ns : NULL;
	n = xmlNewDocNode(parent->doc, ns, FX_X(name), NULL);
	if (n != NULL && alg != NULL)
		xmlSetProp(n, FX_X("Algorithm"), FX_X(alg));
	return n;
}

/* The i-th (0-based) ds:Transform of the first Reference. */
static xmlNodePtr transform(xmlDocPtr d, int i)
{
	xmlNodePtr t =
	    fx_child(ds_el(d, "Transforms"), SP_DSIG_NS, "Transform");
	for (; t != NULL; t = t->next)
		if (fx_is(t, SP_DSIG_NS, "Transform") && i-- == 0)
			return t;
	return NULL;
}

/* ---------------------------------------------------------------- positive
 * controls */

static int x_valid(fx_buf *o)
{
	return fx_buf_set(o, H.valid.p, H.valid.n);
}
static int x_valid_hn(fx_buf *o)
{
	return fx_buf_set(o, H.hn_valid.p, H.hn_valid.n);
}

static int x_keyname_lies(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr ki = ds_el(d, "KeyInfo"), kn;
	if (ki == NULL) {
		/* KeyInfo is optional: add one. */
		ki = new_ds(fx_root_sig(d), "KeyInfo", NULL);
		xmlAddChild(fx_root_sig(d), ki);
	}
	xmlNodeSetContent(ki, NULL);
	kn = new_ds(ki, "KeyName", NULL);
	xmlNodeSetContent(kn, FX_X("CN-HN"));
	xmlAddChild(ki, kn);
	return fx_dump(d, o);
}

/* The certificate hint that the builder used to add to every record: not
 * signed, so it is a second byte string of the record (SPEC 4.6). */
static int x_keyinfo_cert_added(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr ki = new_ds(fx_root_sig(d), "KeyInfo", NULL), xd, cert;

	xmlAddChild(fx_root_sig(d), ki);
	xd = new_ds(ki, "X509Data", NULL);
	xmlAddChild(ki, xd);
	cert = new_ds(xd, "X509Certificate", NULL);
	xmlAddChild(xd, cert);
	if (fx_set_b64(cert, H.zz_cert, H.zz_cert_len) != SP_OK) {
		xmlFreeDoc(d);
		return SP_ERR_NOMEM;
	}
	return fx_dump(d, o);
}

static int x_comment_before_signing(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.unsigned_zz);
	fx_buf u = {NULL, 0};
	int rc = split_by_comment(d, "Origin", 3);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	rc = fx_dump(d, &u);
	if (rc == SP_OK)
		rc = fx_sign(H.f.m[FX_ZZ].sk, u.p, u.n, &o->p, &o->n);
	fx_buf_free(&u);
	return rc;
}

static int x_comment_after_signing(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	if (split_by_comment(d, "Origin", 3) != SP_OK ||
	    split_by_comment(d, "Type", 4) != SP_OK) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	return fx_dump(d, o);
}

static int x_cdata_after_signing(fx_buf *o)
{
	return sub(&H.valid, ">CN-ZZ</Origin>", ">CN-<![CDATA[ZZ]]></Origin>",
	           o);
}

/* The hand-made re-signing with nothing changed must verify: this is what
 * makes the re-signed hostile cases meaningful. */
static int x_resigned_unchanged(fx_buf *o)
{
	return resign_zz(fx_dom(&H.valid), 1, o);
}

static int x_resigned_unchanged_rsa(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.hn_valid);
	int rc = fx_resign(d, fx_root_sig(d), H.pk_hn, NULL, 0, 1);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	return fx_dump(d, o);
}

static int x_issued_within_skew(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_ZZ].sk, "CN-ZZ", 8, H.f.now + 120,
	                        &o->p, &o->n);
}

/* ---------------------------------------------------------------- signature
 * wrapping */

static int x_object_forged_header(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr sig = fx_root_sig(d), obj, hdr;
	obj = new_ds(sig, "Object", NULL);
	hdr = xmlDocCopyNode(el(d, "Header"), d, 1);
	xmlAddChild(sig, obj);
	xmlAddChild(obj, hdr);
	xmlNodeSetContent(fx_find(hdr, SP_NS, "Sequence"), FX_X("0"));
	xmlNodeSetContent(fx_find(hdr, SP_NS, "Type"), FX_X("release"));
	return fx_dump(d, o);
}

static int move_sig(xmlNodePtr to, int first, xmlDocPtr d, fx_buf *o)
{
	xmlNodePtr sig = fx_root_sig(d);
	if (sig == NULL || to == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlUnlinkNode(sig);
	if (first && to->children != NULL)
		xmlAddPrevSibling(to->children, sig);
	else
		xmlAddChild(to, sig);
	return fx_dump(d, o);
}

static int x_sig_first(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	return move_sig(xmlDocGetRootElement(d), 1, d, o);
}

static int x_sig_in_header(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	return move_sig(el(d, "Header"), 0, d, o);
}

static int x_sig_in_extension(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	return move_sig(el(d, "Extension"), 0, d, o);
}

static int second_sig(xmlNodePtr to, xmlDocPtr d, fx_buf *o)
{
	xmlNodePtr copy = xmlDocCopyNode(fx_root_sig(d), d, 1);
	if (copy == NULL || to == NULL) {
		xmlFreeNode(copy);
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlAddChild(to, copy);
	return fx_dump(d, o);
}

static int x_second_sig_appended(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	return second_sig(xmlDocGetRootElement(d), d, o);
}

static int x_second_sig_in_body(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	return second_sig(el(d, "Body"), d, o);
}

static int x_second_sig_in_extension(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	return second_sig(el(d, "Extension"), d, o);
}

static int x_wrap_foreign_root(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr w = xmlNewDocNode(d, NULL, FX_X("Wrapper"), NULL), old;
	xmlSetNs(w, xmlNewNs(w, FX_X("urn:example:wrap"), NULL));
	old = xmlDocSetRootElement(d, w);
	xmlAddChild(w, old);
	return fx_dump(d, o);
}

/* A forged record (Sequence 99, Type release) whose Extension carries the
 * original signed record; keep: what happens to the outer signature. */
enum { WRAP_SIG_NESTED, WRAP_SIG_HOISTED, WRAP_AS_THIRD_CHILD };

static int wrap_forged(int how, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr root = xmlDocGetRootElement(d);
	xmlNodePtr orig = xmlDocCopyNode(root, d, 1);
	xmlNodePtr sig = fx_root_sig(d);

	if (orig == NULL || sig == NULL) {
		xmlFreeNode(orig);
		xmlFreeDoc(d);
		return SP_ERR_INTERNAL;
	}
	set_text(d, "Sequence", "99");
	if (how == WRAP_SIG_HOISTED) {
		/* The wrapped copy loses its signature; the original signature
		 * stays where the profile wants it. */
		xmlNodePtr s2 = fx_root_sig(d);
		(void)s2;
		for (s2 = orig->children; s2 != NULL; s2 = s2->next)
			if (fx_is(s2, SP_DSIG_NS, "Signature"))
				break;
		if (s2 != NULL) {
			xmlUnlinkNode(s2);
			xmlFreeNode(s2);
		}
		xmlAddChild(el(d, "Extension"), orig);
	} else {
		xmlUnlinkNode(sig);
		xmlFreeNode(sig);
		if (how == WRAP_SIG_NESTED)
			xmlAddChild(el(d, "Extension"), orig);
		else
			xmlAddChild(root, orig);
	}
	return fx_dump(d, o);
}

static int x_wrap_in_extension_sig_nested(fx_buf *o)
{
	return wrap_forged(WRAP_SIG_NESTED, o);
}
static int x_wrap_in_extension_sig_hoisted(fx_buf *o)
{
	return wrap_forged(WRAP_SIG_HOISTED, o);
}
static int x_wrap_as_third_child(fx_buf *o)
{
	return wrap_forged(WRAP_AS_THIRD_CHILD, o);
}

static int x_outsider_signed(fx_buf *o)
{
	return fx_signed_record(H.f.outsider, "CN-ZZ", 7, H.f.now - 60, &o->p,
	                        &o->n);
}

static int x_outsider_sig_member_cert(fx_buf *o)
{
	fx_buf s = {NULL, 0};
	xmlDocPtr d;
	xmlNodePtr cert;
	int rc = x_outsider_signed(&s);
	if (rc != SP_OK)
		return rc;
	d = fx_dom(&s);
	fx_buf_free(&s);
	cert = ds_el(d, "X509Certificate");
	if (cert == NULL) {
		/* No certificate hint from the signer: add the member's. */
		xmlNodePtr ki = new_ds(fx_root_sig(d), "KeyInfo", NULL), xd;
		xmlAddChild(fx_root_sig(d), ki);
		xd = new_ds(ki, "X509Data", NULL);
		xmlAddChild(ki, xd);
		cert = new_ds(xd, "X509Certificate", NULL);
		xmlAddChild(xd, cert);
	}
	rc = fx_set_b64(cert, H.zz_cert, H.zz_cert_len);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	return fx_dump(d, o);
}

/* Outsider signature with the outsider's public key as a KeyValue. */
static int x_keyinfo_retrieval_method(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr ki = ds_el(d, "KeyInfo"), rm;
	if (ki == NULL) {
		ki = new_ds(fx_root_sig(d), "KeyInfo", NULL);
		xmlAddChild(fx_root_sig(d), ki);
	}
	xmlNodeSetContent(ki, NULL);
	rm = new_ds(ki, "RetrievalMethod", NULL);
	xmlSetProp(rm, FX_X("URI"), FX_X("file:///etc/passwd"));
	xmlAddChild(ki, rm);
	return fx_dump(d, o);
}

static int hmac_case(const char *alg, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	int rc = fx_set_alg(ds_el(d, "SignatureMethod"), alg);
	if (rc == SP_OK)
		rc = fx_resign(d, fx_root_sig(d), NULL, H.zz_cert,
		               H.zz_cert_len, 0);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	return fx_dump(d, o);
}

static int x_hmac_sha256(fx_buf *o)
{
	return hmac_case(FX_ALG_HMAC_SHA256, o);
}
static int x_hmac_sha1(fx_buf *o)
{
	return hmac_case(FX_ALG_HMAC_SHA1, o);
}

/* Insert a transform between enveloped-signature and exclusive C14N. */
static int insert_transform(const char *alg, const char *child_ns,
                            const char *child, const char *attr,
                            const char *attr_val, const char *text, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr t1 = transform(d, 1), t, c;
	if (t1 == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	t = new_ds(t1, "Transform", alg);
	xmlAddPrevSibling(t1, t);
	if (child != NULL) {
		if (child_ns != NULL) {
			c = xmlNewDocNode(d, NULL, FX_X(child), NULL);
			xmlSetNs(c, xmlNewNs(c, FX_X(child_ns), FX_X("f")));
		} else {
			c = new_ds(t, child, NULL);
		}
		if (attr != NULL)
			xmlSetProp(c, FX_X(attr), FX_X(attr_val));
		if (text != NULL)
			xmlNodeSetContent(c, FX_X(text));
		xmlAddChild(t, c);
	}
	return resign_zz(d, 0, o);
}

static int x_xpath(fx_buf *o)
{
	return insert_transform(FX_ALG_XPATH, NULL, "XPath", NULL, NULL, "1",
	                        o);
}

static int x_xpath2(fx_buf *o)
{
	return insert_transform(FX_ALG_XPATH2, FX_ALG_XPATH2, "XPath", "Filter",
	                        "union", "/", o);
}

static int x_xslt(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr t1 = transform(d, 1), t, ss, tmpl, cp;
	xmlNsPtr ns;
	if (t1 == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	t = new_ds(t1, "Transform", FX_ALG_XSLT);
	xmlAddPrevSibling(t1, t);
	ss = xmlNewDocNode(d, NULL, FX_X("stylesheet"), NULL);
	ns = xmlNewNs(ss, FX_X("http://www.w3.org/1999/XSL/Transform"),
	              FX_X("xsl"));
	xmlSetNs(ss, ns);
	xmlSetProp(ss, FX_X("version"), FX_X("1.0"));
	xmlAddChild(t, ss);
	tmpl = xmlNewChild(ss, ns, FX_X("template"), NULL);
	xmlSetProp(tmpl, FX_X("match"), FX_X("/"));
	cp = xmlNewChild(tmpl, ns, FX_X("copy-of"), NULL);
	xmlSetProp(cp, FX_X("select"), FX_X("document('file:///etc/passwd')"));
	return resign_zz(d, 0, o);
}

static int set_ref_uri(const char *uri, int redigest, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr ref = ds_el(d, "Reference");
	if (ref == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	if (uri != NULL)
		xmlSetProp(ref, FX_X("URI"), FX_X(uri));
	else
		xmlUnsetProp(ref, FX_X("URI"));
	return resign_zz(d, redigest, o);
}

static int x_uri_xpointer_root(fx_buf *o)
{
	return set_ref_uri("#xpointer(/)", 1, o);
}
static int x_uri_xpointer_id(fx_buf *o)
{
	return set_ref_uri("#xpointer(id('x'))", 0, o);
}
static int x_uri_absent(fx_buf *o)
{
	return set_ref_uri(NULL, 1, o);
}
static int x_uri_external(fx_buf *o)
{
	return set_ref_uri("file:///etc/passwd", 0, o);
}
static int x_uri_bare_name(fx_buf *o)
{
	return set_ref_uri("#Header", 0, o);
}

static int x_two_references(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr ref = ds_el(d, "Reference");
	if (ref == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlAddNextSibling(ref, xmlDocCopyNode(ref, d, 1));
	return resign_zz(d, 0, o);
}

static int x_manifest(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr sig = fx_root_sig(d), obj, man;
	obj = new_ds(sig, "Object", NULL);
	xmlAddChild(sig, obj);
	man = new_ds(obj, "Manifest", NULL);
	xmlAddChild(obj, man);
	xmlAddChild(man, xmlDocCopyNode(ds_el(d, "Reference"), d, 1));
	return fx_dump(d, o);
}

/* ---------------------------------------------------------------- tampering */

static int x_tamper_sequence(fx_buf *o)
{
	return sub(&H.valid, ">7</Sequence>", ">8</Sequence>", o);
}
static int x_tamper_origin_member(fx_buf *o)
{
	return sub(&H.valid, ">CN-ZZ</Origin>", ">CN-HN</Origin>", o);
}
static int x_tamper_origin_nonmember(fx_buf *o)
{
	return sub(&H.valid, ">CN-ZZ</Origin>", ">CN-QQ</Origin>", o);
}
static int x_tamper_type(fx_buf *o)
{
	return sub(&H.valid, ">declaration</Type>", ">waybill</Type>", o);
}
static int x_tamper_body(fx_buf *o)
{
	return sub(&H.valid, "Green tea", "Green tex", o);
}
static int x_tamper_recipient(fx_buf *o)
{
	return sub(&H.valid, ">CN-HN</Node>", ">CN-SP</Node>", o);
}

static int x_tamper_issued(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	char t[SP_TIME_TEXT_MAX];
	sp_time_format(H.f.now - 61, t);
	if (set_text(d, "Issued", t) != SP_OK) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	return fx_dump(d, o);
}

/* Flip one base64 character of an element's value (A<->B keeps it valid). */
static int flip_b64(const char *name, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr n = ds_el(d, name);
	xmlChar *v = n != NULL ? xmlNodeGetContent(n) : NULL;
	size_t i;
	if (v == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	for (i = 3; v[i] != '\0'; i++)
		if ((v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= 'a' && v[i] <= 'z')) {
			v[i] = v[i] == 'A' ? 'B' : 'A';
			break;
		}
	xmlNodeSetContent(n, v);
	xmlFree(v);
	return fx_dump(d, o);
}

static int x_tamper_digest_value(fx_buf *o)
{
	return flip_b64("DigestValue", o);
}
static int x_tamper_signature_value(fx_buf *o)
{
	return flip_b64("SignatureValue", o);
}

static int x_tamper_whitespace(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr origin = el(d, "Origin");
	if (origin == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlAddPrevSibling(origin, xmlNewDocText(d, FX_X("\n    ")));
	return fx_dump(d, o);
}

/* ---------------------------------------------------------------- algorithms
 */

static int alg_case(const char *ds_name, int which, const char *alg,
                    int redigest, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr n = which >= 0 ? transform(d, which) : ds_el(d, ds_name);
	int rc = fx_set_alg(n, alg);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	return resign_zz(d, redigest, o);
}

static int x_digest_sha1(fx_buf *o)
{
	return alg_case("DigestMethod", -1, FX_ALG_SHA1, 1, o);
}
static int x_digest_md5(fx_buf *o)
{
	return alg_case("DigestMethod", -1, FX_ALG_MD5, 1, o);
}
static int x_digest_sha512(fx_buf *o)
{
	return alg_case("DigestMethod", -1, FX_ALG_SHA512, 1, o);
}
static int x_ecdsa_sha1(fx_buf *o)
{
	return alg_case("SignatureMethod", -1, FX_ALG_ECDSA_SHA1, 0, o);
}
static int x_ecdsa_sha512(fx_buf *o)
{
	return alg_case("SignatureMethod", -1, FX_ALG_ECDSA_SHA512, 0, o);
}

static int hn_alg(const char *alg, fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.hn_valid);
	int rc = fx_set_alg(ds_el(d, "SignatureMethod"), alg);
	if (rc == SP_OK)
		rc = fx_resign(d, fx_root_sig(d), H.pk_hn, NULL, 0, 0);
	if (rc != SP_OK) {
		xmlFreeDoc(d);
		return rc;
	}
	return fx_dump(d, o);
}

static int x_rsa_sha1(fx_buf *o)
{
	return hn_alg(FX_ALG_RSA_SHA1, o);
}
static int x_rsa_md5(fx_buf *o)
{
	return hn_alg(FX_ALG_RSA_MD5, o);
}
static int x_rsa_sha512(fx_buf *o)
{
	return hn_alg(FX_ALG_RSA_SHA512, o);
}

static int x_si_exc_comments(fx_buf *o)
{
	return alg_case("CanonicalizationMethod", -1, FX_ALG_EXC_COMMENTS, 0,
	                o);
}
static int x_si_c14n10(fx_buf *o)
{
	return alg_case("CanonicalizationMethod", -1, FX_ALG_C14N10, 0, o);
}
static int x_si_c14n11(fx_buf *o)
{
	return alg_case("CanonicalizationMethod", -1, FX_ALG_C14N11, 0, o);
}
static int x_ref_exc_comments(fx_buf *o)
{
	return alg_case(NULL, 1, FX_ALG_EXC_COMMENTS, 1, o);
}
static int x_ref_c14n10(fx_buf *o)
{
	return alg_case(NULL, 1, FX_ALG_C14N10, 1, o);
}
static int x_ref_c14n11(fx_buf *o)
{
	return alg_case(NULL, 1, FX_ALG_C14N11, 1, o);
}

static int x_extra_transform(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr t1 = transform(d, 1);
	if (t1 == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlAddNextSibling(t1, xmlDocCopyNode(t1, d, 1));
	return resign_zz(d, 1, o);
}

static int x_transforms_swapped(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr t0 = transform(d, 0), t1 = transform(d, 1);
	if (t0 == NULL || t1 == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	fx_set_alg(t0, FX_ALG_EXC);
	fx_set_alg(t1, FX_ALG_ENVELOPED);
	return resign_zz(d, 1, o);
}

static int x_transforms_absent(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr ts = ds_el(d, "Transforms");
	if (ts == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlUnlinkNode(ts);
	xmlFreeNode(ts);
	return resign_zz(d, 0, o);
}

/* ---------------------------------------------------------------- signers */

static int x_unknown_origin(fx_buf *o)
{
	return fx_signed_record(H.f.outsider, "CN-XX", 0, H.f.now - 60, &o->p,
	                        &o->n);
}

static int x_revoked(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_RV].sk, "CN-RV", 0, H.f.now - 60,
	                        &o->p, &o->n);
}

static int x_suspended(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_SP].sk, "CN-SP", 0, H.f.now - 60,
	                        &o->p, &o->n);
}

static int x_expired_now(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_EX].sk, "CN-EX", 0, H.f.now - 60,
	                        &o->p, &o->n);
}

static int x_expired_issued_in_window(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_EX].sk, "CN-EX", 0,
	                        H.f.now - 15 * FX_DAY, &o->p, &o->n);
}

static int x_issued_before_window(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_ZZ].sk, "CN-ZZ", 1,
	                        H.f.now - 2 * FX_DAY, &o->p, &o->n);
}

static int x_hn_signs_as_zz(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_HN].sk, "CN-ZZ", 7, H.f.now - 60,
	                        &o->p, &o->n);
}

static int x_issued_in_future(fx_buf *o)
{
	return fx_signed_record(H.f.m[FX_ZZ].sk, "CN-ZZ", 9, H.f.now + FX_DAY,
	                        &o->p, &o->n);
}

static int x_unsigned(fx_buf *o)
{
	return fx_buf_set(o, H.unsigned_zz.p, H.unsigned_zz.n);
}

/* ---------------------------------------------------------------- parsing */

static int x_doctype_plain(fx_buf *o)
{
	return after_decl(&H.valid, "\n<!DOCTYPE Record>", o);
}

static int with_doctype(const char *dt, const char *entity_use, fx_buf *o)
{
	fx_buf t = {NULL, 0};
	int rc = after_decl(&H.valid, dt, &t);
	if (rc == SP_OK && entity_use != NULL)
		rc = sub(&t, ">test</Note>", entity_use, o);
	else if (rc == SP_OK)
		return fx_buf_set(o, t.p, t.n) == SP_OK
		           ? (fx_buf_free(&t), SP_OK)
		           : SP_ERR_NOMEM;
	fx_buf_free(&t);
	return rc;
}

static int x_doctype_internal_entity(fx_buf *o)
{
	return with_doctype("\n<!DOCTYPE Record [<!ENTITY e \"test\">]>",
	                    ">&e;</Note>", o);
}

static int x_billion_laughs(fx_buf *o)
{
	return with_doctype(
	    "\n<!DOCTYPE Record [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 "
	    "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 "
	    "\"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "\n"
	    " <!ENTITY lol3 "
	    "\"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "\n"
	    " <!ENTITY lol4 "
	    "\"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "\n"
	    " <!ENTITY lol5 "
	    "\"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "\n"
	    " <!ENTITY lol6 "
	    "\"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "\n"
	    " <!ENTITY lol7 "
	    "\"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "\n"
	    " <!ENTITY lol8 "
	    "\"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "\n"
	    " <!ENTITY lol9 "
	    "\"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "\n"
	    "]>",
	    ">&lol9;</Note>", o);
}

static int x_external_entity(fx_buf *o)
{
	return with_doctype(
	    "\n<!DOCTYPE Record [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
	    ">&xxe;</Note>", o);
}

static int x_external_dtd(fx_buf *o)
{
	return with_doctype(
	    "\n<!DOCTYPE Record SYSTEM \"http://127.0.0.1:9/record.dtd\">",
	    NULL, o);
}

static int x_parameter_entity_external(fx_buf *o)
{
	return with_doctype("\n<!DOCTYPE Record [<!ENTITY % p SYSTEM "
	                    "\"file:///etc/passwd\"> %p;]>",
	                    NULL, o);
}

static int x_parameter_entity_internal(fx_buf *o)
{
	return with_doctype(
	    "\n<!DOCTYPE Record [<!ENTITY % q \"<!ENTITY r 'test'>\"> %q;]>",
	    ">&r;</Note>", o);
}

static int repeat_into_note(const char *open, const char *close, size_t times,
                            fx_buf *o)
{
	size_t ol = strlen(open), cl = close != NULL ? strlen(close) : 0, i,
	       at = 0;
	size_t len = times * (ol + cl) + 16;
	char *s = malloc(len);
	int rc;
	if (s == NULL)
		return SP_ERR_NOMEM;
	at += (size_t)snprintf(s, len, ">");
	for (i = 0; i < times; i++, at += ol)
		memcpy(s + at, open, ol);
	for (i = 0; i < times && cl > 0; i++, at += cl)
		memcpy(s + at, close, cl);
	memcpy(s + at, "</Note>", 8);
	rc = sub(&H.valid, ">test</Note>", s, o);
	free(s);
	return rc;
}

static int x_too_deep(fx_buf *o)
{
	return repeat_into_note("<a>", "</a>", 10000, o);
}
static int x_too_deep_40(fx_buf *o)
{
	return repeat_into_note("<a>", "</a>", 40, o);
}
static int x_too_many_elements(fx_buf *o)
{
	return repeat_into_note("<a/>", NULL, 10001, o);
}
static int x_too_large(fx_buf *o)
{
	return repeat_into_note("AAAAAAAAAAAAAAAA", NULL, 131072, o);
}

static int x_utf8_invalid(fx_buf *o)
{
	return sub(&H.valid, "Green tea",
	           "Green t\xC3\x28"
	           "a",
	           o);
}
static int x_utf8_overlong(fx_buf *o)
{
	return sub(&H.valid, "Green tea",
	           "Green t\xC0\xAF"
	           "a",
	           o);
}
static int x_utf8_surrogate(fx_buf *o)
{
	return sub(&H.valid, "Green tea",
	           "Green t\xED\xA0\x80"
	           "a",
	           o);
}
static int x_nul_byte(fx_buf *o)
{
	return sub_n(&H.valid, "Green tea", 9, "Green t\0a", 9, o);
}

static int x_latin1_declared(fx_buf *o)
{
	fx_buf t = {NULL, 0};
	int rc = sub(&H.valid, "Green tea",
	             "Green t\xE9"
	             "a",
	             &t);
	if (rc == SP_OK)
		rc = after_decl(&t,
		                "<?xml version=\"1.0\" "
		                "encoding=\"ISO-8859-1\"?>\n",
		                o);
	fx_buf_free(&t);
	return rc;
}

static int x_truncated(fx_buf *o)
{
	return fx_buf_set(o, H.valid.p, H.valid.n / 2);
}
static int x_empty(fx_buf *o)
{
	return fx_buf_set(o, "", 0);
}

static int x_wrong_namespace(fx_buf *o)
{
	return sub(&H.valid, "\"" SP_NS "\"", "\"urn:silkport:srep:2\"", o);
}

static int x_trust_list_as_record(fx_buf *o)
{
	return fx_buf_set(o, H.f.tl, H.f.tl_len);
}

static int x_duplicate_origin(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr n = el(d, "Origin");
	if (n == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlAddNextSibling(n, xmlDocCopyNode(n, d, 1));
	return fx_dump(d, o);
}

static int x_pi_in_body(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr b = el(d, "Declaration");
	if (b == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlAddPrevSibling(
	    b, xmlNewDocPI(d, FX_X("silkport"), FX_X("ignore-signature")));
	return fx_dump(d, o);
}

static int x_pi_in_prolog(fx_buf *o)
{
	return after_decl(&H.valid,
	                  "\n<?xml-stylesheet type=\"text/xsl\" "
	                  "href=\"file:///etc/passwd\"?>",
	                  o);
}

static int x_xml_id(fx_buf *o)
{
	xmlDocPtr d = fx_dom(&H.valid);
	xmlNodePtr h = el(d, "Header");
	xmlNsPtr xns = h != NULL ? xmlSearchNs(d, h, FX_X("xml")) : NULL;
	if (xns == NULL) {
		xmlFreeDoc(d);
		return SP_ERR_NOT_FOUND;
	}
	xmlNewNsProp(h, xns, FX_X("id"), FX_X("x"));
	return fx_dump(d, o);
}

/* ---------------------------------------------------------------- table */

#define C(n, f, e)                                                             \
	{                                                                      \
		n, f, e, NULL                                                  \
	}
#define OK(n, f, origin)                                                       \
	{                                                                      \
		n, f, SP_OK, origin                                            \
	}

static const hcase cases[] = {
    /* positive controls: these must verify */
    OK("valid-p256", x_valid, "CN-ZZ"),
    OK("valid-rsa2048", x_valid_hn, "CN-HN"),
    OK("comment-split-origin-before-signing", x_comment_before_signing,
       "CN-ZZ"),
    OK("issued-within-clock-skew", x_issued_within_skew, "CN-ZZ"),
    OK("resigned-by-hand-unchanged-p256", x_resigned_unchanged, "CN-ZZ"),
    OK("resigned-by-hand-unchanged-rsa", x_resigned_unchanged_rsa, "CN-HN"),
    /* byte changes the signature does not see: not the record's one
     * transport form (SPEC 4.6) */
    C("keyinfo-keyname-names-other-member", x_keyname_lies,
      SP_ERR_NON_CANONICAL),
    C("keyinfo-certificate-added", x_keyinfo_cert_added, SP_ERR_NON_CANONICAL),
    C("comment-split-values-after-signing", x_comment_after_signing,
      SP_ERR_NON_CANONICAL),
    C("cdata-split-origin-after-signing", x_cdata_after_signing,
      SP_ERR_NON_CANONICAL),
    /* signature wrapping */
    C("xsw-object-with-forged-header", x_object_forged_header,
      SP_ERR_SIG_PROFILE),
    C("xsw-signature-first-child", x_sig_first, SP_ERR_SCHEMA),
    C("xsw-signature-in-header", x_sig_in_header, SP_ERR_SCHEMA),
    C("xsw-signature-in-extension", x_sig_in_extension, SP_ERR_SIG_PROFILE),
    C("xsw-second-signature-appended", x_second_sig_appended, SP_ERR_SCHEMA),
    C("xsw-second-signature-in-body", x_second_sig_in_body, SP_ERR_SCHEMA),
    C("xsw-second-signature-in-extension", x_second_sig_in_extension,
      SP_ERR_SIG_PROFILE),
    C("xsw-wrapped-in-foreign-root", x_wrap_foreign_root,
      SP_ERR_WRONG_DOCUMENT),
    C("xsw-wrapped-in-extension-signature-nested",
      x_wrap_in_extension_sig_nested, SP_ERR_SIG_PROFILE),
    C("xsw-wrapped-in-extension-signature-hoisted",
      x_wrap_in_extension_sig_hoisted, SP_ERR_SIG_INVALID),
    C("xsw-wrapped-as-third-child", x_wrap_as_third_child, SP_ERR_SCHEMA),
    C("xsw-outsider-key-and-cert", x_outsider_signed, SP_ERR_SIG_INVALID),
    /* KeyInfo in a record is refused before any key is looked at */
    C("xsw-outsider-signature-member-cert", x_outsider_sig_member_cert,
      SP_ERR_NON_CANONICAL),
    C("xsw-keyinfo-retrieval-method", x_keyinfo_retrieval_method,
      SP_ERR_SIG_PROFILE),
    C("alg-hmac-sha256-keyed-with-cert", x_hmac_sha256, SP_ERR_SIG_ALGORITHM),
    C("alg-hmac-sha1-keyed-with-cert", x_hmac_sha1, SP_ERR_SIG_ALGORITHM),
    C("alg-transform-xpath", x_xpath, SP_ERR_SIG_ALGORITHM),
    C("alg-transform-xpath2-filter", x_xpath2, SP_ERR_SIG_ALGORITHM),
    C("alg-transform-xslt", x_xslt, SP_ERR_SIG_ALGORITHM),
    C("xsw-reference-uri-xpointer-root", x_uri_xpointer_root,
      SP_ERR_SIG_PROFILE),
    C("xsw-reference-uri-xpointer-id", x_uri_xpointer_id, SP_ERR_SIG_PROFILE),
    C("xsw-reference-uri-absent", x_uri_absent, SP_ERR_SIG_PROFILE),
    C("xsw-reference-uri-external-file", x_uri_external, SP_ERR_SIG_PROFILE),
    C("xsw-reference-uri-bare-name", x_uri_bare_name, SP_ERR_SIG_PROFILE),
    C("xsw-two-references", x_two_references, SP_ERR_SIG_PROFILE),
    C("xsw-manifest", x_manifest, SP_ERR_SIG_PROFILE),
    /* tampering */
    C("tamper-sequence", x_tamper_sequence, SP_ERR_SIG_INVALID),
    /* CN-HN signs with another algorithm than CN-ZZ: the method is not
     * the one listed for the claimed Origin (SPEC [TL-45]) */
    C("tamper-origin-to-other-member", x_tamper_origin_member,
      SP_ERR_ALG_NOT_LISTED),
    C("tamper-origin-to-non-member", x_tamper_origin_nonmember,
      SP_ERR_UNKNOWN_ORIGIN),
    C("tamper-type", x_tamper_type, SP_ERR_SIG_INVALID),
    C("tamper-issued", x_tamper_issued, SP_ERR_SIG_INVALID),
    C("tamper-recipient", x_tamper_recipient, SP_ERR_SIG_INVALID),
    C("tamper-body-text", x_tamper_body, SP_ERR_SIG_INVALID),
    C("tamper-digest-value", x_tamper_digest_value, SP_ERR_SIG_INVALID),
    C("tamper-signature-value", x_tamper_signature_value, SP_ERR_SIG_INVALID),
    C("tamper-whitespace-in-header", x_tamper_whitespace, SP_ERR_SIG_INVALID),
    /* algorithms, each correctly signed by the member's own key */
    C("alg-digest-sha1", x_digest_sha1, SP_ERR_SIG_ALGORITHM),
    C("alg-digest-md5", x_digest_md5, SP_ERR_SIG_ALGORITHM),
    C("alg-digest-sha512", x_digest_sha512, SP_ERR_SIG_ALGORITHM),
    C("alg-rsa-sha1", x_rsa_sha1, SP_ERR_SIG_ALGORITHM),
    C("alg-rsa-md5", x_rsa_md5, SP_ERR_SIG_ALGORITHM),
    C("alg-rsa-sha512", x_rsa_sha512, SP_ERR_SIG_ALGORITHM),
    C("alg-ecdsa-sha1", x_ecdsa_sha1, SP_ERR_SIG_ALGORITHM),
    C("alg-ecdsa-sha512", x_ecdsa_sha512, SP_ERR_SIG_ALGORITHM),
    C("alg-signedinfo-exc-c14n-with-comments", x_si_exc_comments,
      SP_ERR_SIG_ALGORITHM),
    C("alg-signedinfo-c14n-1.0", x_si_c14n10, SP_ERR_SIG_ALGORITHM),
    C("alg-signedinfo-c14n-1.1", x_si_c14n11, SP_ERR_SIG_ALGORITHM),
    C("alg-reference-exc-c14n-with-comments", x_ref_exc_comments,
      SP_ERR_SIG_ALGORITHM),
    C("alg-reference-c14n-1.0", x_ref_c14n10, SP_ERR_SIG_ALGORITHM),
    C("alg-reference-c14n-1.1", x_ref_c14n11, SP_ERR_SIG_ALGORITHM),
    C("alg-extra-transform", x_extra_transform, SP_ERR_SIG_PROFILE),
    C("alg-transforms-wrong-order", x_transforms_swapped, SP_ERR_SIG_ALGORITHM),
    C("alg-transforms-absent", x_transforms_absent, SP_ERR_SIG_PROFILE),
    /* signers */
    C("signer-unknown-origin", x_unknown_origin, SP_ERR_UNKNOWN_ORIGIN),
    C("signer-revoked", x_revoked, SP_ERR_SIGNER_REVOKED),
    C("signer-suspended", x_suspended, SP_ERR_SIGNER_SUSPENDED),
    C("signer-window-ended", x_expired_now, SP_ERR_SIGNER_EXPIRED),
    C("signer-window-ended-issued-inside", x_expired_issued_in_window,
      SP_ERR_SIGNER_EXPIRED),
    C("signer-issued-before-window", x_issued_before_window,
      SP_ERR_SIGNER_EXPIRED),
    C("signer-other-member-signs-as-origin", x_hn_signs_as_zz,
      SP_ERR_ALG_NOT_LISTED),
    C("signer-issued-one-day-in-future", x_issued_in_future,
      SP_ERR_ISSUED_IN_FUTURE),
    C("signature-missing", x_unsigned, SP_ERR_SIG_MISSING),
    /* parsing */
    C("parse-doctype-plain", x_doctype_plain, SP_ERR_DOCTYPE),
    C("parse-doctype-internal-entity", x_doctype_internal_entity,
      SP_ERR_DOCTYPE),
    C("parse-doctype-billion-laughs", x_billion_laughs, SP_ERR_DOCTYPE),
    C("parse-doctype-external-entity", x_external_entity, SP_ERR_DOCTYPE),
    C("parse-doctype-external-dtd", x_external_dtd, SP_ERR_DOCTYPE),
    C("parse-doctype-parameter-entity-external", x_parameter_entity_external,
      SP_ERR_DOCTYPE),
    C("parse-doctype-parameter-entity-internal", x_parameter_entity_internal,
      SP_ERR_DOCTYPE),
    C("parse-nesting-10000", x_too_deep, SP_ERR_TOO_DEEP),
    C("parse-nesting-40", x_too_deep_40, SP_ERR_TOO_DEEP),
    C("parse-10001-elements", x_too_many_elements, SP_ERR_TOO_MANY_ELEMENTS),
    C("parse-2mib", x_too_large, SP_ERR_TOO_LARGE),
    C("parse-utf8-invalid", x_utf8_invalid, SP_ERR_ENCODING),
    C("parse-utf8-overlong", x_utf8_overlong, SP_ERR_ENCODING),
    C("parse-utf8-surrogate", x_utf8_surrogate, SP_ERR_ENCODING),
    C("parse-nul-byte", x_nul_byte, SP_ERR_ENCODING),
    C("parse-latin1-declared", x_latin1_declared, SP_ERR_ENCODING),
    C("parse-truncated", x_truncated, SP_ERR_NOT_WELL_FORMED),
    C("parse-empty", x_empty, SP_ERR_NOT_WELL_FORMED),
    C("parse-wrong-namespace", x_wrong_namespace, SP_ERR_WRONG_DOCUMENT),
    C("parse-trust-list-as-record", x_trust_list_as_record,
      SP_ERR_WRONG_DOCUMENT),
    C("parse-duplicate-origin", x_duplicate_origin, SP_ERR_SCHEMA),
    C("parse-pi-in-body", x_pi_in_body, SP_ERR_PROCESSING_INSTRUCTION),
    C("parse-pi-in-prolog", x_pi_in_prolog, SP_ERR_PROCESSING_INSTRUCTION),
    C("parse-xml-id", x_xml_id, SP_ERR_XML_ID),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* ---------------------------------------------------------------- runner */

static void write_case(const char *name, const fx_buf *b)
{
	char p[FX_PATH];
	char file[160];
	snprintf(file, sizeof(file), "%s.xml", name);
	if (fx_path(p, H.dir, file) == 0 &&
	    fx_write_file(p, b->p, b->n) == SP_OK)
		H.written++;
}

static void run_case(void **state)
{
	const hcase *c = *state;
	fx_buf in = {NULL, 0};
	sp_record *rec = NULL;
	const char *why = NULL;
	int rc;

	if (!H.ready)
		fail_msg("fixture not ready");
	rc = c->fn(&in);
	if (rc != SP_OK)
		fail_msg("%s: could not build the input: %s", c->name,
		         sp_strerror(rc));
	write_case(c->name, &in);
	/* A transform that changed nothing would make the case vacuous. */
	if (c->want != SP_OK)
		assert_false(in.n == H.valid.n &&
		             memcmp(in.p, H.valid.p, in.n) == 0);
	rc = fx_verify(&H.f, in.p, in.n, &rec, &why);
	if (rc != c->want) {
		sp_record_free(rec);
		fx_buf_free(&in);
		fail_msg("%s: expected %s, got %s (%s)", c->name,
		         sp_strerror(c->want), sp_strerror(rc),
		         why != NULL ? why : "-");
	}
	if (rc == SP_OK) {
		assert_non_null(rec);
		if (c->want_origin != NULL)
			assert_string_equal(sp_record_origin(rec),
			                    c->want_origin);
	} else {
		assert_null(rec);
	}
	sp_record_free(rec);
	fx_buf_free(&in);
}

static int group_setup(void **state)
{
	const char *why = NULL;
	char hn_path[FX_PATH];
	int rc;

	(void)state;
	if (sp_trust_init() != SP_OK)
		return -1;
	if (fx_fed_setup(&H.f) != SP_OK)
		return -1;
	if (fx_record_build("CN-ZZ", 7, NULL, H.f.now - 60, NULL, 0,
	                    &H.unsigned_zz.p, &H.unsigned_zz.n) != SP_OK)
		return -1;
	if (fx_sign(H.f.m[FX_ZZ].sk, H.unsigned_zz.p, H.unsigned_zz.n,
	            &H.valid.p, &H.valid.n) != SP_OK)
		return -1;
	if (fx_signed_record(H.f.m[FX_HN].sk, "CN-HN", 3, H.f.now - 60,
	                     &H.hn_valid.p, &H.hn_valid.n) != SP_OK)
		return -1;
	H.pk_zz = fx_load_pkey(H.f.m[FX_ZZ].key);
	H.pk_hn = fx_load_pkey(H.f.m[FX_HN].key);
	snprintf(hn_path, sizeof(hn_path), "%s", H.f.m[FX_ZZ].cert);
	rc = sp_pki_cert_der(hn_path, &H.zz_cert, &H.zz_cert_len, &why);
	if (H.pk_zz == NULL || H.pk_hn == NULL || rc != SP_OK)
		return -1;
	if (fx_path(H.dir, H.f.dir, "hostile") != 0 || mkdir(H.dir, 0700) != 0)
		return -1;
	H.ready = 1;
	return 0;
}

/* With SP_HOSTILE_EXPORT=<dir>, the corpus is copied there (used to refresh
 * the fuzz seeds). */
static void export_corpus(void)
{
	const char *to = getenv("SP_HOSTILE_EXPORT");
	DIR *d;
	struct dirent *e;
	if (to == NULL || (d = opendir(H.dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char src[FX_PATH], dst[FX_PATH];
		uint8_t *b = NULL;
		size_t n = 0;
		if (e->d_name[0] == '.')
			continue;
		if (fx_path(src, H.dir, e->d_name) == 0 &&
		    fx_path(dst, to, e->d_name) == 0 &&
		    fx_read_file(src, &b, &n) == SP_OK)
			(void)fx_write_file(dst, b, n);
		free(b);
	}
	closedir(d);
}

static int group_teardown(void **state)
{
	(void)state;
	fprintf(stderr, "hostile: %zu cases, %zu inputs written to %s\n",
	        NCASES, H.written, H.dir);
	export_corpus();
	EVP_PKEY_free(H.pk_zz);
	EVP_PKEY_free(H.pk_hn);
	free(H.zz_cert);
	fx_buf_free(&H.valid);
	fx_buf_free(&H.hn_valid);
	fx_buf_free(&H.unsigned_zz);
	fx_fed_free(&H.f);
	sp_trust_cleanup();
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[NCASES];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	return _cmocka_run_group_tests("trust/hostile", tests, NCASES,
	                               group_setup, group_teardown);
}
