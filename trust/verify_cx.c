/* verify_cx.c: the signature profile, and for a record the canonical-form
 * rules, of a record or receipt read by the canonical reader
 * (protocol/cxml.c), without libxml2.
 *
 * Every check here is one that profile.c and canonical.c make on the
 * libxml2 tree; this file only ever accepts. Whatever it does not accept
 * (a KeyInfo, an unknown algorithm, a high-s value, a stray element, ...)
 * answers SP_CX_OTHER, and sp_verify_record() then takes the libxml2 path,
 * which decides and names the fault. A record accepted here is therefore
 * also accepted there, and verified with the same key, by the same code
 * (sp_trust__dsig_verify), over the same bytes. */
#include <string.h>

#include "trust_int.h"

static int ws_only(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

static int is_ds(const sp_cx_node *n, const char *local)
{
	return n != NULL && n->ns == SP_CX_NS_DSIG &&
	       strcmp(n->name, local) == 0;
}

/* A bare container: no attributes, no text but whitespace between its
 * children. */
static int bare(const sp_cx_node *n)
{
	return n->n_attrs == 0 && ws_only(n->text);
}

/* ds:local with exactly the one attribute Algorithm, no element children
 * and no text but whitespace; its URI, or NULL. */
static const char *method(const sp_cx_node *n, const char *local)
{
	if (!is_ds(n, local) || n->n_attrs != 1 || n->first != NULL ||
	    strcmp(n->attrs[0].name, "Algorithm") != 0 || !ws_only(n->text))
		return NULL;
	return n->attrs[0].value;
}

static int method_is(const sp_cx_node *n, const char *local, const char *uri)
{
	const char *v = method(n, local);

	return v != NULL && strcmp(v, uri) == 0;
}

/* SPEC SIG-10..SIG-21 on SignedInfo: exc-c14n; one of the three signature
 * methods; one Reference URI="" with the enveloped-signature and exc-c14n
 * transforms in that order, the digest that goes with the method, and a
 * DigestValue leaf. */
static int signed_info(const sp_cx_node *si, sp_trust__sig *out)
{
	const sp_cx_node *c, *ref, *t;
	const char *v;

	if (!is_ds(si, "SignedInfo") || !bare(si))
		return SP_CX_OTHER;
	c = si->first;
	if (!method_is(c, "CanonicalizationMethod", SP_ALG_EXC_C14N))
		return SP_CX_OTHER;
	c = c->next;
	if ((v = method(c, "SignatureMethod")) == NULL)
		return SP_CX_OTHER;
	if (strcmp(v, SP_ALG_ECDSA_SHA256) == 0)
		out->alg = SP_KEY_P256;
	else if (strcmp(v, SP_ALG_RSA_SHA256) == 0)
		out->alg = SP_KEY_RSA2048;
	else if (strcmp(v, SP_ALG_SM2_SM3) == 0)
		out->alg = SP_KEY_SM2;
	else
		return SP_CX_OTHER;
	ref = c->next;
	if (!is_ds(ref, "Reference") || ref->next != NULL ||
	    ref->n_attrs != 1 || strcmp(ref->attrs[0].name, "URI") != 0 ||
	    ref->attrs[0].value_len != 0 || !ws_only(ref->text))
		return SP_CX_OTHER;
	c = ref->first;
	if (!is_ds(c, "Transforms") || !bare(c))
		return SP_CX_OTHER;
	t = c->first;
	if (!method_is(t, "Transform", SP_ALG_ENVELOPED) ||
	    !method_is(t->next, "Transform", SP_ALG_EXC_C14N) ||
	    t->next->next != NULL)
		return SP_CX_OTHER;
	c = c->next;
	if (!method_is(c, "DigestMethod",
	               out->alg == SP_KEY_SM2 ? SP_ALG_SM3 : SP_ALG_SHA256))
		return SP_CX_OTHER;
	c = c->next;
	if (!is_ds(c, "DigestValue") || c->n_attrs != 0 || c->first != NULL ||
	    c->next != NULL)
		return SP_CX_OTHER;
	out->digest_text = c->text;
	out->si_start = si->inner_start;
	out->si_end = si->inner_end;
	return SP_OK;
}

/* No XML-DSig element but the root's last child and what it holds
 * (profile.c walks for the same; ds:Object and ds:Manifest never are in
 * the profile). */
static int ds_only_in_slot(const sp_cx_node *root, const sp_cx_node *sig)
{
	const sp_cx_node *n = root->first;

	while (n != NULL && n != root) {
		if (n == sig) {
			/* skip the slot's subtree */
		} else if (n->ns == SP_CX_NS_DSIG) {
			return 0;
		} else if (n->first != NULL) {
			n = n->first;
			continue;
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	return 1;
}

/* A leaf of the KeyInfo profile: ds:local, no attributes, no elements. */
static int ds_leaf(const sp_cx_node *n, const char *local)
{
	return is_ds(n, local) && n->n_attrs == 0 && n->first == NULL;
}

/* A receipt's KeyInfo (profile.c, check_key_info): KeyName and X509Data
 * holding X509Certificate only; the first certificate is the hint. */
static int key_info(const sp_cx_node *ki, sp_trust__sig *out)
{
	const sp_cx_node *c, *x;

	if (!is_ds(ki, "KeyInfo") || !bare(ki))
		return SP_CX_OTHER;
	for (c = ki->first; c != NULL; c = c->next) {
		if (ds_leaf(c, "KeyName"))
			continue;
		if (!is_ds(c, "X509Data") || !bare(c) || c->first == NULL)
			return SP_CX_OTHER;
		for (x = c->first; x != NULL; x = x->next) {
			if (!ds_leaf(x, "X509Certificate"))
				return SP_CX_OTHER;
			if (out->hint_text == NULL)
				out->hint_text = x->text;
		}
	}
	return SP_OK;
}

/* The profile on the tree, and for a record the rules of SPEC 4.6. */
static int profile(const uint8_t *buf, size_t len, const sp_cx_doc *d,
                   int record, sp_trust__sig *out)
{
	const sp_cx_node *root = sp_cx_root(d), *sig, *si, *sv;
	uint8_t raw[2048];
	size_t rawlen = 0;

	memset(out, 0, sizeof(*out));
	if (root == NULL || root->first == NULL)
		return SP_CX_OTHER;
	for (sig = root->first; sig->next != NULL; sig = sig->next)
		;
	/* SIG-4: the one ds:Signature, the root's last child, nothing but
	 * whitespace after it (the root's text is whitespace only, which the
	 * schemas also require); no attribute on it. */
	if (!is_ds(sig, "Signature") || sig->n_attrs != 0 ||
	    !ws_only(root->text) || !ds_only_in_slot(root, sig))
		return SP_CX_OTHER;
	si = sig->first;
	if (si == NULL || (sv = si->next) == NULL)
		return SP_CX_OTHER;
	if (record) {
		/* SPEC 4.6 rule 2: no text at all between its children; rule
		 * 3: no KeyInfo in a record */
		if (sig->text_len != 0 || sv->next != NULL)
			return SP_CX_OTHER;
	} else if (!ws_only(sig->text) ||
	           (sv->next != NULL && (sv->next->next != NULL ||
	                                 key_info(sv->next, out) != SP_OK)))
		goto other;
	if (signed_info(si, out) != SP_OK || !ds_leaf(sv, "SignatureValue"))
		goto other;
	/* Rule 4: canonical base64, and of the ECDSA twins only low s. */
	if (record && (sp_b64_decode(sv->text, sv->text_len, raw, sizeof(raw),
	                             &rawlen) != SP_OK ||
	               (out->alg == SP_KEY_P256 && rawlen == 64 &&
	                sp_trust__ecdsa_high_s(raw))))
		goto other;
	out->value_text = sv->text;
	/* The bytes are the document's exclusive canonical form (the
	 * reader accepts nothing else): the enveloped reference covers the
	 * bytes outside the signature, and SignedInfo's own form is its
	 * content with ds declared on it (canonical.c, signed_info_span). */
	out->canon = buf;
	out->canon_len = len;
	out->sig_start = sig->start;
	out->sig_end = sig->end;
	return SP_OK;
other:
	memset(out, 0, sizeof(*out));
	return SP_CX_OTHER;
}

int sp_trust__profile_cx(const uint8_t *buf, size_t len, const sp_cx_doc *d,
                         sp_trust__sig *out)
{
	return profile(buf, len, d, 1, out);
}

int sp_trust__profile_cx_receipt(const uint8_t *buf, size_t len,
                                 const sp_cx_doc *d, sp_trust__sig *out)
{
	return profile(buf, len, d, 0, out);
}
