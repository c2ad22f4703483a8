/* threshold.c: trust lists signed by a threshold of operator keys, and the
 * rotation of those keys (SPEC 7.2, [TL-71] to [TL-74]).
 *
 * A list may carry several enveloped ds:Signature elements, all children of
 * the root after the last Member. Each is made over the list with no
 * ds:Signature in it, so operators sign independently and in any order;
 * each is checked on a copy of the tree from which the other signatures
 * are removed, by the same strict profile and signature check as a list
 * with one signature (profile.c). */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>

#include "trust_int.h"

/* The keys whose signatures count for one requirement, and how many
 * distinct ones must have signed. */
typedef struct keyset {
	const sp_trust__vkey *v;
	size_t n;
	unsigned need;
	int anchors;         /* the configured anchors: each must be a CA */
	unsigned char *hit;  /* hit[i]: key i verified one of the signatures */
	sp_trust__vkey *own; /* keys prepared from a list (freed here) */
	const char *what;    /* *why when the threshold is not met */
} keyset;

static void keyset_clear(keyset *ks)
{
	for (size_t i = 0; ks->own != NULL && i < ks->n; i++)
		sp_trust__vkey_clear(&ks->own[i]);
	free(ks->own);
	free(ks->hit);
	memset(ks, 0, sizeof(*ks));
}

static int keyset_from_anchors(keyset *ks, const sp_anchors *a, unsigned need)
{
	memset(ks, 0, sizeof(*ks));
	ks->v = a->v;
	ks->n = a->n;
	ks->need = need;
	ks->anchors = 1;
	ks->what = "fewer of the configured anchors signed the list than "
	           "its Threshold";
	ks->hit = calloc(a->n ? a->n : 1, 1);
	return ks->hit != NULL ? SP_OK : SP_ERR_NOMEM;
}

/* The OperatorCertificate keys of tl (which names at least one). A key
 * outside the profile refuses the list, as a member's would (TL-5). */
static int keyset_from_list(keyset *ks, const sp_tl *tl, const char *what,
                            const char **why)
{
	size_t n = tl->n_operator_certs;
	int rc;

	memset(ks, 0, sizeof(*ks));
	ks->own = calloc(n, sizeof(*ks->own));
	ks->hit = calloc(n, 1);
	if (ks->own == NULL || ks->hit == NULL)
		return SP_ERR_NOMEM;
	ks->v = ks->own;
	ks->need = sp_tl_threshold(tl);
	ks->what = what;
	for (size_t i = 0; i < n; i++) {
		rc = sp_trust__vkey_init(&ks->own[i], tl->operator_certs[i].der,
		                         tl->operator_certs[i].der_len, why);
		if (rc != SP_OK) {
			if (why)
				*why = "an OperatorCertificate is not one DER "
				       "X.509 certificate";
			return rc;
		}
		ks->n++;
		if (ks->own[i].alg == 0) {
			if (why)
				*why = "an OperatorCertificate key is neither "
				       "ECDSA P-256, RSA >= 2048 nor SM2";
			return SP_ERR_KEY_WEAK;
		}
	}
	return SP_OK;
}

/* Distinct keys that signed: two certificates of one public key count
 * once, so a threshold is never met by one key named twice. */
static unsigned keyset_count(const keyset *ks)
{
	unsigned count = 0;

	for (size_t i = 0; i < ks->n; i++) {
		int seen = 0;

		if (!ks->hit[i])
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = ks->hit[k] &&
			       EVP_PKEY_eq(ks->v[k].pkey, ks->v[i].pkey) == 1;
		if (!seen)
			count++;
	}
	return count;
}

static int is_signature(xmlNodePtr n)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       xmlStrEqual(n->ns->href, SP_XC(SP_DSIG_NS)) &&
	       xmlStrEqual(n->name, SP_XC("Signature"));
}

size_t sp_trust__count_signatures(xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t n = 0;

	for (xmlNodePtr c = root ? root->children : NULL; c != NULL;
	     c = c->next)
		if (is_signature(c))
			n++;
	return n;
}

/* A copy of doc that keeps only the keep-th ds:Signature of the root. */
static xmlDocPtr copy_with_one_signature(xmlDocPtr doc, size_t keep)
{
	xmlDocPtr copy = xmlCopyDoc(doc, 1);
	xmlNodePtr root, c, next;
	size_t i = 0;

	if (copy == NULL || (root = xmlDocGetRootElement(copy)) == NULL) {
		xmlFreeDoc(copy);
		return NULL;
	}
	for (c = root->children; c != NULL; c = next) {
		next = c->next;
		if (is_signature(c) && i++ != keep) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
	return copy;
}

/* Mark in ks every key that verifies sig. *altered is set when the
 * reference digest does not match: the list itself was changed. */
static int try_keys(keyset *ks, sp_trust__sig *sig, int64_t now, int64_t skew,
                    int *altered, const char **why)
{
	int rc, digest_ok;

	for (size_t k = 0; k < ks->n; k++) {
		const sp_trust__vkey *v = &ks->v[k];

		if (ks->hit[k] || v->pkey == NULL || v->alg != sig->alg)
			continue;
		digest_ok = 0;
		rc = sp_trust__dsig_verify(sig, v->pkey, v->alg, &digest_ok,
		                           why);
		if (digest_ok < 0) {
			*altered = 1;
			return SP_OK;
		}
		if (rc == SP_ERR_SIG_INVALID)
			continue;
		if (rc != SP_OK)
			return rc;
		/* A key counts only while its certificate is valid; an
		 * anchor must also be a CA (as for one signature). */
		if ((!ks->anchors || v->is_ca) &&
		    sp_trust__vkey_valid_at(v, now, skew))
			ks->hit[k] = 1;
	}
	return SP_OK;
}

/* Check each signature by the profile and mark the keys of both sets
 * that verify it. A signature no key verifies is ignored: it may be an
 * operator's whose key the list does not name yet. */
static int check_signatures(xmlDocPtr doc, size_t n_sigs, keyset *sets,
                            size_t n_sets, int64_t now, int64_t skew,
                            const char **why)
{
	for (size_t i = 0; i < n_sigs; i++) {
		xmlDocPtr copy = copy_with_one_signature(doc, i);
		sp_trust__sig sig;
		int rc = SP_OK, altered = 0;

		if (copy == NULL)
			return SP_ERR_NOMEM;
		rc = sp_trust__profile_check(copy, &sig, why);
		for (size_t s = 0; rc == SP_OK && s < n_sets && !altered; s++)
			rc = try_keys(&sets[s], &sig, now, skew, &altered, why);
		sp_trust__sig_clear(&sig);
		xmlFreeDoc(copy);
		if (rc != SP_OK)
			return rc;
		if (altered) {
			if (why)
				*why = "digest does not match the trust list";
			return SP_ERR_SIG_INVALID;
		}
	}
	return SP_OK;
}

int sp_trust__threshold_needed(xmlDocPtr doc, const sp_tl *tl,
                               const sp_tl *held)
{
	return sp_trust__count_signatures(doc) > 1 ||
	       tl->n_operator_certs > 0 ||
	       (held != NULL && held->n_operator_certs > 0);
}

int sp_trust__threshold_verify(xmlDocPtr doc, const sp_tl *tl,
                               const sp_tl *held, int own_keys,
                               const sp_anchors *anchors, int64_t now,
                               int64_t skew, unsigned *signers,
                               const char **why)
{
	keyset sets[2];
	size_t n_sets = 0, n_sigs = sp_trust__count_signatures(doc);
	int rc;

	memset(sets, 0, sizeof(sets));
	if (n_sigs > SP_TL_OPERATORS_MAX) {
		if (why)
			*why = "more than 16 signatures on the trust list";
		return SP_ERR_SIG_PROFILE;
	}
	if (held != NULL && held->n_operator_certs > 0 &&
	    tl->n_operator_certs == 0) {
		if (why)
			*why =
			    "the list drops the OperatorCertificate elements "
			    "of the list held";
		return SP_ERR_THRESHOLD_NOT_MET;
	}
	/* The keys the node already trusts (TL-71): those the held list
	 * names; a stored list's own (TL-74); else the anchors, t of them. */
	if (held != NULL && held->n_operator_certs > 0)
		rc = keyset_from_list(&sets[n_sets++], held,
		                      "fewer operator keys of the list held "
		                      "signed the list than its Threshold",
		                      why);
	else if (own_keys && tl->n_operator_certs > 0)
		rc = keyset_from_list(&sets[n_sets++], tl,
		                      "fewer of the list's own operator keys "
		                      "signed it than its Threshold",
		                      why);
	else
		rc = keyset_from_anchors(&sets[n_sets++], anchors,
		                         sp_tl_threshold(tl));
	/* Rotation (TL-72): the keys the new list names must reach its own
	 * threshold as well. */
	if (rc == SP_OK && tl->n_operator_certs > 0)
		rc = keyset_from_list(&sets[n_sets++], tl,
		                      "fewer of the operator keys the list "
		                      "names signed it than its Threshold",
		                      why);
	if (rc == SP_OK && n_sigs == 0) {
		if (why)
			*why = "the document is not signed";
		rc = SP_ERR_SIG_MISSING;
	}
	if (rc == SP_OK)
		rc =
		    check_signatures(doc, n_sigs, sets, n_sets, now, skew, why);
	if (rc == SP_OK)
		*signers = keyset_count(&sets[0]);
	for (size_t s = 0; rc == SP_OK && s < n_sets; s++)
		if (keyset_count(&sets[s]) < sets[s].need) {
			if (why)
				*why = sets[s].what;
			rc = SP_ERR_THRESHOLD_NOT_MET;
		}
	for (size_t s = 0; s < n_sets; s++)
		keyset_clear(&sets[s]);
	return rc;
}

/* Drop one trailing line break of the root's content: the one the signer
 * wrote after the signature it appended (sign.c), which the next signer
 * writes again. */
static void drop_signer_break(xmlNodePtr root)
{
	xmlNodePtr last = root->last;
	size_t n;

	if (last == NULL || last->type != XML_TEXT_NODE ||
	    last->content == NULL)
		return;
	n = strlen((const char *)last->content);
	if (n == 0 || last->content[n - 1] != '\n')
		return;
	if (n == 1) {
		xmlUnlinkNode(last);
		xmlFreeNode(last);
	} else {
		last->content[n - 1] = '\0';
	}
}

/* The list's signatures, unlinked from it (in order), and the list's bytes
 * without them as the signer had them. */
static int take_signatures(xmlDocPtr tree, xmlNodePtr *sigs, size_t *n_sigs,
                           xmlChar **bare, int *bare_len)
{
	xmlNodePtr root = xmlDocGetRootElement(tree), c, next;

	*n_sigs = 0;
	for (c = root->children; c != NULL; c = next) {
		next = c->next;
		if (!is_signature(c))
			continue;
		if (*n_sigs == SP_TL_OPERATORS_MAX)
			return SP_ERR_SIG_PROFILE;
		xmlUnlinkNode(c);
		sigs[(*n_sigs)++] = c;
	}
	if (*n_sigs > 0)
		drop_signer_break(root);
	if (xmlC14NDocDumpMemory(tree, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                         bare) < 0 ||
	    *bare == NULL)
		return SP_ERR_NOMEM;
	*bare_len = xmlStrlen(*bare);
	return SP_OK;
}

/* Put the earlier signatures right before the new one, no text between
 * them, so that each sees the list exactly as its signer did once the
 * others are removed. */
static int join_signatures(const uint8_t *signed_doc, size_t slen,
                           xmlNodePtr *sigs, size_t n_sigs, uint8_t **out,
                           size_t *outlen, const char **why)
{
	sp_doc *doc = NULL;
	xmlDocPtr tree;
	xmlNodePtr last = NULL, c;
	xmlChar *mem = NULL;
	int rc, size;

	rc = sp_doc_parse(signed_doc, slen, SP_DOC_TRUST_LIST, NULL, &doc, why);
	if (rc != SP_OK)
		return rc;
	tree = sp_doc_tree(doc);
	for (c = xmlDocGetRootElement(tree)->children; c != NULL; c = c->next)
		if (is_signature(c))
			last = c;
	rc = last != NULL ? SP_OK : SP_ERR_INTERNAL;
	for (size_t i = 0; rc == SP_OK && i < n_sigs; i++) {
		xmlNodePtr copy = xmlDocCopyNode(sigs[i], tree, 1);

		if (copy == NULL || xmlAddPrevSibling(last, copy) == NULL) {
			xmlFreeNode(copy);
			rc = SP_ERR_NOMEM;
		}
	}
	if (rc == SP_OK &&
	    ((size = xmlC14NDocDumpMemory(tree, NULL, XML_C14N_EXCLUSIVE_1_0,
	                                  NULL, 0, &mem)) < 0 ||
	     mem == NULL))
		rc = SP_ERR_NOMEM;
	if (rc == SP_OK && (*out = malloc((size_t)size + 1)) == NULL)
		rc = SP_ERR_NOMEM;
	if (rc == SP_OK) {
		memcpy(*out, mem, (size_t)size);
		*outlen = (size_t)size;
	}
	if (rc != SP_OK && why != NULL && *why == NULL)
		*why = "cannot join the signatures";
	xmlFree(mem);
	sp_doc_free(doc);
	return rc;
}

int sp_trust_list_cosign(const sp_key *key, const uint8_t *buf, size_t len,
                         uint8_t **out, size_t *outlen, const char **why)
{
	xmlNodePtr sigs[SP_TL_OPERATORS_MAX];
	size_t n_sigs = 0;
	sp_doc *doc = NULL;
	xmlChar *bare = NULL;
	uint8_t *one = NULL;
	size_t one_len = 0;
	int bare_len = 0, rc;

	if (out == NULL || outlen == NULL || key == NULL || buf == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	*outlen = 0;
	if (why != NULL)
		*why = NULL;
	rc = sp_doc_parse(buf, len, SP_DOC_TRUST_LIST, NULL, &doc, why);
	if (rc != SP_OK)
		return rc;
	rc = take_signatures(sp_doc_tree(doc), sigs, &n_sigs, &bare, &bare_len);
	if (rc == SP_ERR_SIG_PROFILE && why != NULL)
		*why = "the list already carries 16 signatures";
	if (rc == SP_OK)
		rc = sp_sign_document(key, bare, (size_t)bare_len, &one,
		                      &one_len, why);
	if (rc == SP_OK && n_sigs == 0) {
		*out = one;
		*outlen = one_len;
		one = NULL;
	} else if (rc == SP_OK) {
		rc = join_signatures(one, one_len, sigs, n_sigs, out, outlen,
		                     why);
	}
	for (size_t i = 0; i < n_sigs; i++)
		xmlFreeNode(sigs[i]);
	xmlFree(bare);
	free(one);
	sp_doc_free(doc);
	return rc;
}
