/* profile.c: the signature profile: the tree checks, then the signature
 * itself (reference digest, SignedInfo, SignatureValue) computed by the
 * profile with libxml2's C14N and OpenSSL. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

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

/* 1 if text, without its whitespace, is exactly b64. */
static int b64_same(const char *text, const char *b64, size_t len)
{
	size_t pos = 0;

	for (; *text; text++) {
		if (*text == ' ' || *text == '\t' || *text == '\n' ||
		    *text == '\r')
			continue;
		if (pos >= len || *text != b64[pos])
			return 0;
		pos++;
	}
	return pos == len;
}

int sp_trust__hint_matches(const sp_trust__sig *s, const sp_trust__vkey *v)
{
	xmlNodePtr c;
	size_t pos = 0;

	if (s->hint_text != NULL && v->b64 != NULL)
		return b64_same(s->hint_text, v->b64, v->b64_len);
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

/* Whitespace-free base64 of a leaf's text, decoded into a malloc'd buffer.
 * A receipt or trust list from another implementation may break
 * SignatureValue into lines; records are held to canonical base64 by
 * sp_trust__canonical_check() before they get here. */
static int decode_text(const char *text, uint8_t **out, size_t *outlen)
{
	char *b64 = NULL;
	size_t i, k = 0, cap;
	int rc = SP_ERR_NOMEM;

	*out = NULL;
	*outlen = 0;
	cap = strlen(text) + 1;
	if ((b64 = malloc(cap)) == NULL || (*out = malloc(cap)) == NULL)
		goto done;
	for (i = 0; text[i] != '\0'; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
		    text[i] != '\r')
			b64[k++] = (char)text[i];
	rc = sp_b64_decode(b64, k, *out, cap, outlen) == SP_OK
	         ? SP_OK
	         : SP_ERR_SIG_INVALID;
done:
	if (rc != SP_OK) {
		free(*out);
		*out = NULL;
	}
	free(b64);
	return rc;
}

static int decode_value(xmlNodePtr n, uint8_t **out, size_t *outlen)
{
	xmlChar *text = xmlNodeGetContent(n);
	int rc;

	*out = NULL;
	*outlen = 0;
	if (text == NULL)
		return SP_ERR_NOMEM;
	rc = decode_text((const char *)text, out, outlen);
	xmlFree(text);
	return rc;
}

static xmlNodePtr ds_child(xmlNodePtr parent, const char *local)
{
	xmlNodePtr c;

	for (c = parent->children; c != NULL; c = c->next)
		if (is_ds_named(c, local))
			return c;
	return NULL;
}

/* The reference digest: SHA-256 (SM3 for SM2, SPEC [SIG-39]) over the
 * document without its signature, canonicalized exclusively without
 * comments: what enveloped-signature then exclusive C14N give for URI=""
 * (SPEC SIG-28). A record in canonical transport form is that already,
 * outside the signature's span; anything else is canonicalized here. */
static int reference_digest(const sp_trust__sig *s, uint8_t *md,
                            unsigned *mdlen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t *c = NULL;
	size_t clen = 0;
	int rc = SP_ERR_NOMEM, ok;

	if (m == NULL)
		return SP_ERR_NOMEM;
	ok = EVP_DigestInit_ex(
	         m, s->alg == SP_KEY_SM2 ? EVP_sm3() : EVP_sha256(), NULL) == 1;
	if (s->canon != NULL) {
		ok = ok && EVP_DigestUpdate(m, s->canon, s->sig_start) == 1 &&
		     EVP_DigestUpdate(m, s->canon + s->sig_end,
		                      s->canon_len - s->sig_end) == 1;
	} else {
		rc = sp_trust__c14n_without(s->node->doc, s->node, &c, &clen);
		if (rc != SP_OK)
			goto done;
		ok = ok && EVP_DigestUpdate(m, c, clen) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(m, md, mdlen) == 1;
	rc = ok ? SP_OK : SP_ERR_INTERNAL;
done:
	free(c);
	EVP_MD_CTX_free(m);
	return rc;
}

/* What every key needs from the document, computed on the first call: the
 * reference digest compared with DigestValue, SignedInfo canonicalized,
 * SignatureValue decoded. */
static int prepare(sp_trust__sig *s)
{
	uint8_t want[32], got[EVP_MAX_MD_SIZE];
	unsigned glen = 0;
	xmlNodePtr sv;
	int rc;

	s->prepared = 1;
	s->prep_why = "signature could not be verified";
	rc = s->node != NULL
	         ? sp_trust__digest_value(s->node, want, &s->prep_why)
	         : sp_trust__digest_text(s->digest_text, want, &s->prep_why);
	if (rc == SP_ERR_SIG_PROFILE) {
		/* Not 32 bytes: no document has that digest. */
		s->digest_state = -1;
		return s->prep_rc = SP_ERR_SIG_INVALID;
	}
	if (rc != SP_OK)
		return s->prep_rc = rc;
	rc = reference_digest(s, got, &glen);
	if (rc != SP_OK)
		return s->prep_rc = rc;
	if (glen != sizeof(want) || CRYPTO_memcmp(got, want, glen) != 0) {
		s->digest_state = -1;
		s->prep_why = "digest does not match the document";
		return s->prep_rc = SP_ERR_SIG_INVALID;
	}
	s->digest_state = 1;
	memcpy(s->digest, want, sizeof(want));
	rc = sp_trust__signed_info(s, &s->signed_info, &s->signed_info_len);
	if (rc == SP_OK && s->node == NULL) {
		rc = decode_text(s->value_text, &s->value, &s->value_len);
	} else if (rc == SP_OK) {
		sv = ds_child(s->node, "SignatureValue");
		if (sv == NULL)
			return s->prep_rc = SP_ERR_INTERNAL; /* profile ran */
		rc = decode_value(sv, &s->value, &s->value_len);
	}
	if (rc == SP_ERR_SIG_INVALID)
		s->prep_why = "SignatureValue is not base64";
	return s->prep_rc = rc;
}

/* SignatureValue over the canonical SignedInfo with one key: RSA PKCS#1
 * v1.5 with SHA-256, or r || s (32 bytes each, XML-DSig 1.1 for ECDSA,
 * SPEC [SIG-37] for SM2) made DER for OpenSSL. 1 verified, 0 not, -1 an
 * OpenSSL failure. */
static int check_value(const sp_trust__sig *s, EVP_PKEY *key, sp_key_alg alg)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	const uint8_t *sv = s->value;
	size_t svlen = s->value_len;
	int ok = -1;

	if (m == NULL)
		return -1;
	if (alg == SP_KEY_P256 || alg == SP_KEY_SM2) {
		/* Any other length is not a signature of this profile. */
		if (svlen != 64) {
			ok = 0;
			goto done;
		}
		if (sp_trust__sm2_raw_to_der(sv, &der, &svlen) != 0)
			goto done;
		sv = der;
	}
	if (alg == SP_KEY_SM2) {
		if (sp_trust__sm2_init(m, key, 0) != 0)
			goto done;
	} else if (EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, key) !=
	           1) {
		goto done;
	}
	ok = EVP_DigestVerify(m, sv, svlen, s->signed_info,
	                      s->signed_info_len) == 1;
done:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(m);
	return ok;
}

int sp_trust__dsig_verify(sp_trust__sig *s, EVP_PKEY *key, sp_key_alg alg,
                          int *digest_ok, const char **why)
{
	int rc = SP_OK, ok;

	if (digest_ok)
		*digest_ok = 0;
	if (s == NULL || (s->node == NULL && s->value_text == NULL) ||
	    key == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (alg != s->alg)
		FAIL(SP_ERR_SIG_INVALID,
		     "signature method does not match the key");
	if (!s->prepared)
		prepare(s);
	if (digest_ok)
		*digest_ok = s->digest_state;
	if (s->prep_rc != SP_OK)
		FAIL(s->prep_rc, s->prep_why);
	ok = check_value(s, key, alg);
	if (ok < 0)
		FAIL(SP_ERR_INTERNAL, "the signature check failed in OpenSSL");
	if (ok == 0)
		FAIL(SP_ERR_SIG_INVALID, "signature value does not verify");
done:
	return rc;
}

void sp_trust__sig_clear(sp_trust__sig *s)
{
	if (s == NULL)
		return;
	free(s->signed_info);
	free(s->value);
	memset(s, 0, sizeof(*s));
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
