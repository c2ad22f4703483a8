/* profile.c: the signature profile: tree checks, xmlsec verify, post-checks. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/list.h>
#include <xmlsec/membuf.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include "trust_int.h"

#define ALG_EXC_C14N     SP_ALG_EXC_C14N
#define ALG_ENVELOPED    SP_ALG_ENVELOPED
#define ALG_SHA256       SP_ALG_SHA256
#define ALG_ECDSA_SHA256 SP_ALG_ECDSA_SHA256
#define ALG_RSA_SHA256   SP_ALG_RSA_SHA256

/* The reference digest goes with the signature method: SM3 for SM2, SHA-256
 * for ECDSA and RSA (SPEC [SIG-39]); no other pairing is in the profile. */
static const char *digest_uri(sp_key_alg alg)
{
	return alg == SP_KEY_SM2 ? SP_ALG_SM3 : ALG_SHA256;
}

static xmlSecTransformId digest_id(sp_key_alg alg)
{
	return alg == SP_KEY_SM2 ? sp_trust__sm3_id() : xmlSecTransformSha256Id;
}

static xmlSecTransformId sign_id_of(sp_key_alg alg)
{
	switch (alg) {
	case SP_KEY_P256:
		return xmlSecTransformEcdsaSha256Id;
	case SP_KEY_RSA2048:
		return xmlSecTransformRsaSha256Id;
	case SP_KEY_SM2:
		return sp_trust__sm2_sm3_id();
	default:
		return xmlSecTransformIdUnknown;
	}
}

static int is_ns(xmlNodePtr n, const char *ns)
{
	return n->ns != NULL && n->ns->href != NULL &&
	       strcmp((const char *)n->ns->href, ns) == 0;
}

static int is_ds(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE && is_ns(n, SP_DSIG_NS);
}

static int is_ds_named(xmlNodePtr n, const char *local)
{
	return is_ds(n) && strcmp((const char *)n->name, local) == 0;
}

static int only_space(const xmlChar *s)
{
	if (s == NULL)
		return 1;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* Next element sibling starting at n (inclusive). Text that is not
 * whitespace between profile elements is outside the profile. */
static int next_elem(xmlNodePtr n, xmlNodePtr *out)
{
	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE) {
			*out = n;
			return SP_OK;
		}
		if ((n->type == XML_TEXT_NODE ||
		     n->type == XML_CDATA_SECTION_NODE) &&
		    !only_space(n->content))
			return SP_ERR_SIG_PROFILE;
		if (n->type != XML_TEXT_NODE && n->type != XML_COMMENT_NODE &&
		    n->type != XML_CDATA_SECTION_NODE)
			return SP_ERR_SIG_PROFILE;
	}
	*out = NULL;
	return SP_OK;
}

/* The value of the attribute `name` (no namespace) if it is the only
 * attribute; *extra is set when other attributes are present. The returned
 * string is xmlMalloc'd, or NULL when the attribute is absent. */
static xmlChar *sole_attr(xmlNodePtr n, const char *name, int *extra)
{
	xmlAttrPtr a;
	xmlChar *v = NULL;

	*extra = 0;
	for (a = n->properties; a != NULL; a = a->next) {
		if (a->ns == NULL && name != NULL &&
		    strcmp((const char *)a->name, name) == 0 && v == NULL)
			v = xmlNodeListGetString(n->doc, a->children, 1);
		else
			*extra = 1;
	}
	if (v == NULL && name != NULL && xmlHasNsProp(n, SP_XC(name), NULL))
		v = xmlStrdup(SP_XC(""));
	return v;
}

static int no_attrs(xmlNodePtr n)
{
	return n->properties == NULL;
}

/* An element with no element children (leaf values like DigestValue). */
static int is_leaf(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return 0;
	return 1;
}

#define FAIL(code, msg)                                                        \
	do {                                                                   \
		rc = (code);                                                   \
		if (why)                                                       \
			*why = (msg);                                          \
		goto done;                                                     \
	} while (0)

/* An AlgorithmMethod element: exactly an Algorithm attribute and no element
 * children. Returns the algorithm URI (xmlMalloc'd). */
static int method(xmlNodePtr n, xmlChar **alg, const char **why)
{
	int extra, rc = SP_OK;

	*alg = sole_attr(n, "Algorithm", &extra);
	if (*alg == NULL)
		FAIL(SP_ERR_SIG_PROFILE, "Algorithm attribute missing");
	if (extra)
		FAIL(SP_ERR_SIG_PROFILE, "unexpected attribute on a method");
done:
	return rc;
}

static int method_children_empty(xmlNodePtr n, const char **why)
{
	xmlNodePtr c;

	if (!is_leaf(n)) {
		if (why)
			*why = "method parameters are outside the profile";
		return SP_ERR_SIG_PROFILE;
	}
	if (next_elem(n->children, &c)) {
		if (why)
			*why = "method content is outside the profile";
		return SP_ERR_SIG_PROFILE;
	}
	return SP_OK;
}

static int check_reference(xmlNodePtr ref, sp_key_alg alg, const char **why)
{
	xmlNodePtr c, t;
	xmlChar *v = NULL;
	int extra, rc = SP_OK;
	int seen = 0, misplaced = 0;

	v = sole_attr(ref, "URI", &extra);
	if (extra)
		FAIL(SP_ERR_SIG_PROFILE,
		     "Reference carries Id, Type or other attributes");
	if (v == NULL)
		FAIL(SP_ERR_SIG_PROFILE, "Reference without URI");
	if (v[0] != '\0')
		FAIL(SP_ERR_SIG_PROFILE, "Reference URI is not \"\"");
	xmlFree(v);
	v = NULL;

	if (next_elem(ref->children, &c) || c == NULL ||
	    !is_ds_named(c, "Transforms") || !no_attrs(c))
		FAIL(SP_ERR_SIG_PROFILE, "Reference without Transforms");
	if (next_elem(c->children, &t))
		FAIL(SP_ERR_SIG_PROFILE, "text in Transforms");
	while (t != NULL) {
		int is_env, is_exc;

		if (!is_ds_named(t, "Transform"))
			FAIL(SP_ERR_SIG_PROFILE,
			     "foreign element in Transforms");
		rc = method(t, &v, why);
		if (rc != SP_OK)
			goto done;
		is_env = strcmp((const char *)v, ALG_ENVELOPED) == 0;
		is_exc = strcmp((const char *)v, ALG_EXC_C14N) == 0;
		xmlFree(v);
		v = NULL;
		if (!is_env && !is_exc)
			FAIL(SP_ERR_SIG_ALGORITHM, "transform not allowed");
		rc = method_children_empty(t, why);
		if (rc != SP_OK)
			goto done;
		/* Each position has one allowed URI (SPEC SIG-14). */
		if ((seen == 0 && !is_env) || (seen == 1 && !is_exc))
			misplaced = 1;
		seen++;
		if (next_elem(t->next, &t))
			FAIL(SP_ERR_SIG_PROFILE, "text in Transforms");
	}
	if (seen != 2)
		FAIL(SP_ERR_SIG_PROFILE, "Transforms must hold exactly two "
		                         "Transform elements");
	if (misplaced)
		FAIL(SP_ERR_SIG_ALGORITHM,
		     "transforms must be enveloped-signature "
		     "then exclusive C14N");

	if (next_elem(c->next, &c) || c == NULL ||
	    !is_ds_named(c, "DigestMethod"))
		FAIL(SP_ERR_SIG_PROFILE, "DigestMethod missing");
	rc = method(c, &v, why);
	if (rc != SP_OK)
		goto done;
	if (strcmp((const char *)v, digest_uri(alg)) != 0)
		FAIL(SP_ERR_SIG_ALGORITHM,
		     alg == SP_KEY_SM2 ? "an SM2 signature's digest must be SM3"
		                       : "digest is not SHA-256");
	rc = method_children_empty(c, why);
	if (rc != SP_OK)
		goto done;

	if (next_elem(c->next, &c) || c == NULL ||
	    !is_ds_named(c, "DigestValue") || !no_attrs(c) || !is_leaf(c))
		FAIL(SP_ERR_SIG_PROFILE, "DigestValue missing or malformed");
	if (next_elem(c->next, &c) || c != NULL)
		FAIL(SP_ERR_SIG_PROFILE, "unexpected element in Reference");
done:
	xmlFree(v);
	return rc;
}

static int check_signed_info(xmlNodePtr si, sp_key_alg *alg, const char **why)
{
	xmlNodePtr c, ref;
	xmlChar *v = NULL;
	int rc = SP_OK;

	if (!no_attrs(si))
		FAIL(SP_ERR_SIG_PROFILE, "attribute on SignedInfo");
	if (next_elem(si->children, &c) || c == NULL ||
	    !is_ds_named(c, "CanonicalizationMethod"))
		FAIL(SP_ERR_SIG_PROFILE, "CanonicalizationMethod missing");
	rc = method(c, &v, why);
	if (rc != SP_OK)
		goto done;
	if (strcmp((const char *)v, ALG_EXC_C14N) != 0)
		FAIL(SP_ERR_SIG_ALGORITHM,
		     "canonicalization is not exclusive C14N without comments");
	xmlFree(v);
	v = NULL;
	rc = method_children_empty(c, why);
	if (rc != SP_OK)
		goto done;

	if (next_elem(c->next, &c) || c == NULL ||
	    !is_ds_named(c, "SignatureMethod"))
		FAIL(SP_ERR_SIG_PROFILE, "SignatureMethod missing");
	rc = method(c, &v, why);
	if (rc != SP_OK)
		goto done;
	if (strcmp((const char *)v, ALG_ECDSA_SHA256) == 0)
		*alg = SP_KEY_P256;
	else if (strcmp((const char *)v, ALG_RSA_SHA256) == 0)
		*alg = SP_KEY_RSA2048;
	else if (strcmp((const char *)v, SP_ALG_SM2_SM3) == 0)
		*alg = SP_KEY_SM2;
	else
		FAIL(SP_ERR_SIG_ALGORITHM, "signature method not allowed");
	rc = method_children_empty(c, why);
	if (rc != SP_OK)
		goto done;

	if (next_elem(c->next, &ref) || ref == NULL ||
	    !is_ds_named(ref, "Reference"))
		FAIL(SP_ERR_SIG_PROFILE, "Reference missing");
	if (next_elem(ref->next, &c))
		FAIL(SP_ERR_SIG_PROFILE, "text in SignedInfo");
	if (c != NULL)
		FAIL(SP_ERR_SIG_PROFILE,
		     is_ds_named(c, "Reference")
		         ? "more than one Reference"
		         : "unexpected element in SignedInfo");
	rc = check_reference(ref, *alg, why);
done:
	xmlFree(v);
	return rc;
}

static int check_key_info(xmlNodePtr ki, xmlNodePtr *hint, const char **why)
{
	xmlNodePtr c, x;
	int rc = SP_OK;

	*hint = NULL;
	if (!no_attrs(ki))
		FAIL(SP_ERR_SIG_PROFILE, "attribute on KeyInfo");
	if (next_elem(ki->children, &c))
		FAIL(SP_ERR_SIG_PROFILE, "text in KeyInfo");
	for (; c != NULL;) {
		if (is_ds_named(c, "KeyName")) {
			if (!no_attrs(c) || !is_leaf(c))
				FAIL(SP_ERR_SIG_PROFILE, "KeyName malformed");
		} else if (is_ds_named(c, "X509Data")) {
			if (!no_attrs(c))
				FAIL(SP_ERR_SIG_PROFILE,
				     "attribute on X509Data");
			if (next_elem(c->children, &x) || x == NULL)
				FAIL(SP_ERR_SIG_PROFILE, "X509Data malformed");
			for (; x != NULL;) {
				if (!is_ds_named(x, "X509Certificate") ||
				    !no_attrs(x) || !is_leaf(x))
					FAIL(SP_ERR_SIG_PROFILE,
					     "X509Data may hold "
					     "X509Certificate only");
				if (*hint == NULL)
					*hint = x;
				if (next_elem(x->next, &x))
					FAIL(SP_ERR_SIG_PROFILE,
					     "text in X509Data");
			}
		} else {
			FAIL(SP_ERR_SIG_PROFILE,
			     "KeyInfo may hold X509Data or KeyName only");
		}
		if (next_elem(c->next, &c))
			FAIL(SP_ERR_SIG_PROFILE, "text in KeyInfo");
	}
done:
	return rc;
}

/* Is n inside a ds:Signature element? */
static int under_signature(xmlNodePtr n)
{
	for (n = n->parent; n != NULL && n->type == XML_ELEMENT_NODE;
	     n = n->parent)
		if (is_ds_named(n, "Signature"))
			return 1;
	return 0;
}

int sp_trust__profile_check(xmlDocPtr doc, sp_trust__sig *out, const char **why)
{
	xmlNodePtr root, n, sig = NULL, c, last = NULL;
	size_t nsig = 0;
	int rc = SP_OK;

	memset(out, 0, sizeof(*out));
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL)
		FAIL(SP_ERR_WRONG_DOCUMENT, "no root element");

	/* Walk the whole tree once, in document order, without recursion. */
	n = root;
	while (n != NULL) {
		if (is_ds(n)) {
			const char *nm = (const char *)n->name;

			if (strcmp(nm, "Signature") == 0) {
				nsig++;
				if (sig == NULL)
					sig = n;
			} else if (strcmp(nm, "Object") == 0 ||
			           strcmp(nm, "Manifest") == 0) {
				FAIL(SP_ERR_SIG_PROFILE,
				     "ds:Object and ds:Manifest are outside "
				     "the profile");
			} else if (!under_signature(n)) {
				FAIL(SP_ERR_SIG_PROFILE,
				     "XML-DSig element outside the signature");
			}
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n != root && n->next == NULL)
			n = n->parent;
		if (n == NULL || n == root)
			break;
		n = n->next;
	}
	if (nsig == 0)
		FAIL(SP_ERR_SIG_MISSING, "the document is not signed");
	if (nsig > 1)
		FAIL(SP_ERR_SIG_PROFILE, "more than one ds:Signature");
	if (sig->parent != root)
		FAIL(SP_ERR_SIG_PROFILE,
		     "ds:Signature is not a child of the root");
	for (c = root->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			last = c;
	if (last != sig)
		FAIL(SP_ERR_SIG_PROFILE,
		     "ds:Signature is not the root's last child");
	/* Only whitespace may follow it (SPEC SIG-4). */
	for (c = sig->next; c != NULL; c = c->next)
		if (c->type != XML_TEXT_NODE || !only_space(c->content))
			FAIL(SP_ERR_SIG_PROFILE,
			     "only whitespace may follow ds:Signature");
	if (!no_attrs(sig))
		FAIL(SP_ERR_SIG_PROFILE, "attribute on ds:Signature");

	if (next_elem(sig->children, &c) || c == NULL ||
	    !is_ds_named(c, "SignedInfo"))
		FAIL(SP_ERR_SIG_PROFILE, "SignedInfo missing");
	rc = check_signed_info(c, &out->alg, why);
	if (rc != SP_OK)
		goto done;
	if (next_elem(c->next, &c) || c == NULL ||
	    !is_ds_named(c, "SignatureValue") || !no_attrs(c) || !is_leaf(c))
		FAIL(SP_ERR_SIG_PROFILE, "SignatureValue missing or malformed");
	if (next_elem(c->next, &c))
		FAIL(SP_ERR_SIG_PROFILE, "text in ds:Signature");
	if (c != NULL) {
		if (!is_ds_named(c, "KeyInfo"))
			FAIL(SP_ERR_SIG_PROFILE,
			     "unexpected element in ds:Signature");
		rc = check_key_info(c, &out->hint_cert, why);
		if (rc != SP_OK)
			goto done;
		if (next_elem(c->next, &c) || c != NULL)
			FAIL(SP_ERR_SIG_PROFILE,
			     "unexpected element in ds:Signature");
	}
	out->node = sig;
done:
	if (rc != SP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int sp_trust__hint_matches(const sp_trust__sig *s, const sp_trust__vkey *v)
{
	xmlNodePtr c;
	size_t pos = 0;

	if (s->hint_cert == NULL || v->b64 == NULL)
		return 0;
	/* Compare the text nodes against the prepared base64, skipping
	 * whitespace, without building a copy. */
	for (c = s->hint_cert->children; c != NULL; c = c->next) {
		const xmlChar *p;

		if (c->type != XML_TEXT_NODE &&
		    c->type != XML_CDATA_SECTION_NODE)
			continue;
		for (p = c->content; p && *p; p++) {
			if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				continue;
			if (pos >= v->b64_len || (char)*p != v->b64[pos])
				return 0;
			pos++;
		}
	}
	return pos == v->b64_len;
}

static int enable_transforms(xmlSecDSigCtxPtr ctx, sp_key_alg alg)
{
	xmlSecTransformId sign = sign_id_of(alg);

	if (xmlSecDSigCtxEnableSignatureTransform(
	        ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, sign) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(
	        ctx, xmlSecTransformEnvelopedId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(
	        ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, digest_id(alg)) < 0)
		return -1;
	return 0;
}

/* The transform chain of the reference must be exactly enveloped,
 * exclusive C14N, then the method's digest (SHA-256, SM3 for SM2); xmlsec's
 * own memory buffers (the pre-digest one when asked for, and the one after
 * the digest that holds its result) are not transforms of the document. */
static int chain_ok(xmlSecDSigReferenceCtxPtr r, sp_key_alg alg)
{
	xmlSecTransformId ids[3];
	xmlSecTransformPtr t;
	size_t i = 0;

	ids[0] = xmlSecTransformEnvelopedId;
	ids[1] = xmlSecTransformExclC14NId;
	ids[2] = digest_id(alg);
	for (t = r->transformCtx.first; t != NULL; t = t->next) {
		if (t == r->preDigestMemBufMethod ||
		    t->id == xmlSecTransformMemBufId)
			continue;
		if (i >= 3 || t->id != ids[i])
			return 0;
		i++;
	}
	return i == 3 && r->digestMethod != NULL &&
	       r->digestMethod->id == ids[2];
}

static int digest_state(xmlSecDSigReferenceCtxPtr r)
{
	if (r->status == xmlSecDSigStatusSucceeded)
		return 1;
	if (r->status == xmlSecDSigStatusInvalid)
		return -1;
	return 0;
}

int sp_trust__dsig_verify(const sp_trust__sig *s, xmlSecKeyPtr key,
                          sp_key_alg alg, int *digest_ok, const char **why)
{
	xmlSecDSigCtxPtr ctx = NULL;
	xmlSecDSigReferenceCtxPtr r;
	xmlSecTransformId sign_id;
	int rc = SP_OK;

	if (digest_ok)
		*digest_ok = 0;
	if (s == NULL || s->node == NULL || key == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (alg != s->alg)
		FAIL(SP_ERR_SIG_INVALID,
		     "signature method does not match the key");
	sign_id = sign_id_of(alg);
	if (sign_id == xmlSecTransformIdUnknown)
		FAIL(SP_ERR_SIG_ALGORITHM, "no signature method for the key");
	ctx = xmlSecDSigCtxCreate(NULL);
	if (ctx == NULL)
		FAIL(SP_ERR_NOMEM, "out of memory");
	ctx->flags = XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	/* KeyInfo is never read for key material: no keys manager, and the
	 * trusted key is set before verification so xmlsec skips KeyInfo. */
	ctx->keyInfoReadCtx.keysMngr = NULL;
	if (enable_transforms(ctx, alg) < 0)
		FAIL(SP_ERR_NOMEM, "cannot set the transform allow-lists");
	ctx->signKey = xmlSecKeyDuplicate(key);
	if (ctx->signKey == NULL)
		FAIL(SP_ERR_NOMEM, "cannot duplicate the key");

	if (xmlSecDSigCtxVerify(ctx, s->node) < 0) {
		r = xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1
		        ? xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0)
		        : NULL;
		if (digest_ok && r != NULL)
			*digest_ok = digest_state(r);
		FAIL(SP_ERR_SIG_INVALID, "signature could not be verified");
	}
	if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1)
		FAIL(SP_ERR_SIG_PROFILE,
		     "xmlsec processed other than one Reference");
	r = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
	if (r == NULL)
		FAIL(SP_ERR_INTERNAL, "reference context missing");
	if (digest_ok)
		*digest_ok = digest_state(r);
	if (ctx->status != xmlSecDSigStatusSucceeded)
		FAIL(SP_ERR_SIG_INVALID,
		     r->status == xmlSecDSigStatusSucceeded
		         ? "signature value does not verify"
		         : "digest does not match the document");
	if (r->status != xmlSecDSigStatusSucceeded)
		FAIL(SP_ERR_SIG_INVALID, "digest does not match the document");
	if (r->origin != xmlSecDSigReferenceOriginSignedInfo ||
	    r->uri == NULL || r->uri[0] != '\0')
		FAIL(SP_ERR_SIG_PROFILE, "verified reference is not URI=\"\"");
	if (r->digestMethod == NULL || r->digestMethod->id != digest_id(alg))
		FAIL(SP_ERR_SIG_ALGORITHM,
		     "verified digest is not the method's digest");
	if (!chain_ok(r, alg))
		FAIL(SP_ERR_SIG_PROFILE,
		     "verified transform chain is not the profile's");
	if (ctx->signMethod == NULL || ctx->signMethod->id != sign_id)
		FAIL(SP_ERR_SIG_ALGORITHM,
		     "verified signature method unexpected");
	if (ctx->c14nMethod == NULL ||
	    ctx->c14nMethod->id != xmlSecTransformExclC14NId)
		FAIL(SP_ERR_SIG_ALGORITHM,
		     "verified canonicalization unexpected");
done:
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx); /* also destroys ctx->signKey */
	return rc;
}

xmlNodePtr sp_trust__child(xmlNodePtr parent, const char *local)
{
	xmlNodePtr c;

	if (parent == NULL)
		return NULL;
	for (c = parent->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && is_ns(c, SP_NS) &&
		    strcmp((const char *)c->name, local) == 0)
			return c;
	return NULL;
}

char *sp_trust__child_text(xmlNodePtr parent, const char *local)
{
	xmlNodePtr c = sp_trust__child(parent, local);
	xmlChar *v;
	char *out;
	size_t b = 0, e;

	if (c == NULL)
		return NULL;
	v = xmlNodeGetContent(c);
	if (v == NULL)
		return NULL;
	e = strlen((const char *)v);
	while (b < e &&
	       (v[b] == ' ' || v[b] == '\t' || v[b] == '\n' || v[b] == '\r'))
		b++;
	while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t' ||
	                 v[e - 1] == '\n' || v[e - 1] == '\r'))
		e--;
	out = malloc(e - b + 1);
	if (out != NULL) {
		memcpy(out, v + b, e - b);
		out[e - b] = '\0';
	}
	xmlFree(v);
	return out;
}
