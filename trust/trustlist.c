/* trustlist.c: federation anchors, opening trust lists, the member index. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <xmlsec/keys.h>

#include "trust_int.h"

/* ---------------------------------------------------------------- anchors */

int sp_anchors_new(sp_anchors **out)
{
	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = calloc(1, sizeof(**out));
	return *out ? SP_OK : SP_ERR_NOMEM;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int sp_anchors_add_pem_file(sp_anchors *a, const char *path, const char **why)
{
	BIO *bio;
	X509 *cert;
	size_t added = 0;
	int rc = SP_OK;

	if (a == NULL || path == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	bio = BIO_new_file(path, "r");
	if (bio == NULL) {
		ERR_clear_error();
		if (why)
			*why = "cannot open the anchor file";
		return SP_ERR_IO;
	}
	while ((cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) !=
	       NULL) {
		sp_trust__vkey v;

		rc = sp_trust__vkey_from_x509(&v, cert, why);
		if (rc != SP_OK) {
			X509_free(cert);
			break;
		}
		if (v.alg == 0) {
			sp_trust__vkey_clear(&v);
			if (why)
				*why = "anchor key is neither ECDSA P-256, "
				       "RSA >= 2048 nor SM2";
			rc = SP_ERR_KEY_WEAK;
			break;
		}
		if (!v.is_ca) {
			sp_trust__vkey_clear(&v);
			if (why)
				*why = "anchor is not a CA certificate";
			rc = SP_ERR_CERT_INVALID;
			break;
		}
		if (a->n == a->cap) {
			size_t nc = a->cap ? a->cap * 2 : 4;
			sp_trust__vkey *nv = realloc(a->v, nc * sizeof(*nv));

			if (nv == NULL) {
				sp_trust__vkey_clear(&v);
				rc = SP_ERR_NOMEM;
				break;
			}
			a->v = nv;
			a->cap = nc;
		}
		a->v[a->n++] = v;
		added++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (rc == SP_OK && added == 0) {
		if (why)
			*why = "no PEM certificate in the anchor file";
		rc = SP_ERR_CERT_INVALID;
	}
	return rc;
}

void sp_anchors_free(sp_anchors *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		sp_trust__vkey_clear(&a->v[i]);
	free(a->v);
	free(a);
}

/* ---------------------------------------------------------------- trust */

static void trust_free(sp_trust *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; t->members != NULL && i < t->n_members; i++) {
		for (j = 0; j < t->members[i].n_keys; j++)
			sp_trust__vkey_clear(&t->members[i].keys[j]);
		free(t->members[i].keys);
	}
	free(t->members);
	free(t->by_id);
	free(t->by_tls);
	if (t->tl != NULL && t->n_all > 0)
		t->tl->n_members = t->n_all; /* free the ignored members too */
	sp_tl_free(t->tl);
	free(t->bytes);
	free(t);
}

static int cmp_id(const void *a, const void *b)
{
	const sp_trust__member *x = *(const sp_trust__member *const *)a;
	const sp_trust__member *y = *(const sp_trust__member *const *)b;

	return strcmp(x->m->node_id, y->m->node_id);
}

static int cmp_tls(const void *a, const void *b)
{
	const sp_trust__tls *x = a;
	const sp_trust__tls *y = b;

	return memcmp(x->hash, y->hash, 32);
}

static void add_tls(sp_trust *t, const sp_trust__member *tm, const uint8_t *der,
                    size_t len)
{
	sp_trust__tls *e = &t->by_tls[t->n_tls++];

	SHA256(der, len, e->hash);
	e->der = der;
	e->len = len;
	e->tm = tm;
}

static int check_der_cert(const uint8_t *der, size_t len)
{
	X509 *x = sp_trust__x509_decode(der, len);

	if (x == NULL)
		return SP_ERR_CERT_INVALID;
	X509_free(x);
	return SP_OK;
}

/* Prepare every member's signing keys once, so that verification never
 * parses a certificate. */
static int index_members(sp_trust *t, const char **why)
{
	size_t i, j, n = t->tl->n_members;
	int rc;

	t->members = calloc(n ? n : 1, sizeof(*t->members));
	t->by_id = calloc(n ? n : 1, sizeof(*t->by_id));
	t->by_tls = calloc(n ? 2 * n : 1, sizeof(*t->by_tls));
	if (t->members == NULL || t->by_id == NULL || t->by_tls == NULL)
		return SP_ERR_NOMEM;
	t->n_members = n;
	for (i = 0; i < n; i++) {
		const sp_tl_member *m = &t->tl->members[i];
		sp_trust__member *tm = &t->members[i];

		tm->m = m;
		tm->keys =
		    calloc(m->n_signing ? m->n_signing : 1, sizeof(*tm->keys));
		if (tm->keys == NULL)
			return SP_ERR_NOMEM;
		if (m->tls_cert_der == NULL) {
			if (why)
				*why = "a member has no TLS certificate";
			return SP_ERR_CERT_INVALID;
		}
		rc = check_der_cert(m->tls_cert_der, m->tls_cert_der_len);
		if (rc != SP_OK) {
			if (why)
				*why = "a member's TLS certificate is not one "
				       "DER X.509 certificate";
			return rc;
		}
		add_tls(t, tm, m->tls_cert_der, m->tls_cert_der_len);
		if (m->next_tls_cert_der != NULL) {
			rc = check_der_cert(m->next_tls_cert_der,
			                    m->next_tls_cert_der_len);
			if (rc != SP_OK) {
				if (why)
					*why = "a member's NextTlsCertificate "
					       "is not one DER X.509 "
					       "certificate";
				return rc;
			}
			add_tls(t, tm, m->next_tls_cert_der,
			        m->next_tls_cert_der_len);
		}
		/* SPEC TL-6: a LogKey that does not split, or whose name or
		 * key ID does not match, refuses the list. */
		if (m->log_key != NULL) {
			rc = sp_note_log_key_check(m->log_key, m->node_id, why);
			if (rc != SP_OK)
				return rc;
		}
		/* SPEC LOG-47: the next key obeys TL-6 as the current one
		 * does (same name, so same origin line). */
		if (m->next_log_key != NULL) {
			rc = sp_note_log_key_check(m->next_log_key, m->node_id,
			                           why);
			if (rc != SP_OK)
				return rc;
		}
		for (j = 0; j < m->n_signing; j++) {
			sp_trust__vkey *v = &tm->keys[j];

			rc = sp_trust__vkey_init(v, m->signing[j].der,
			                         m->signing[j].der_len, why);
			if (rc != SP_OK) {
				if (why && rc == SP_ERR_CERT_INVALID)
					*why =
					    "a member's signing certificate "
					    "is not one DER X.509 certificate";
				return rc;
			}
			tm->n_keys++;
			/* SPEC TL-5: a weak signing key refuses the list. */
			if (v->alg == 0) {
				if (why)
					*why =
					    "a member's signing key is neither "
					    "ECDSA P-256, RSA >= 2048 nor SM2";
				return SP_ERR_KEY_WEAK;
			}
			/* SPEC [TL-45]: the method the list names is the
			 * key's one; an SM2 certificate must name it, so no
			 * 1.0 reader takes an SM2 key for an ECDSA one. */
			if (m->signing[j].method == SP_SIGM_UNSPECIFIED
			        ? v->alg == SP_KEY_SM2
			        : sp_key_alg_method(v->alg) !=
			              m->signing[j].method) {
				if (why)
					*why = "a member's SigningCertificate "
					       "names a signatureMethod its "
					       "key does not sign with (or an "
					       "SM2 one names none)";
				return SP_ERR_ALG_NOT_LISTED;
			}
			v->list_from = m->signing[j].valid_from;
			v->list_until = m->signing[j].valid_until;
		}
		t->by_id[i] = tm;
	}
	qsort(t->by_id, n, sizeof(*t->by_id), cmp_id);
	for (i = 1; i < n; i++)
		if (strcmp(t->by_id[i - 1]->m->node_id,
		           t->by_id[i]->m->node_id) == 0) {
			if (why)
				*why =
				    "a node id appears twice in the trust list";
			return SP_ERR_FIELD;
		}
	qsort(t->by_tls, t->n_tls, sizeof(*t->by_tls), cmp_tls);
	for (i = 1; i < t->n_tls; i++)
		if (memcmp(t->by_tls[i - 1].hash, t->by_tls[i].hash, 32) == 0) {
			if (why)
				*why = "two members share one TLS certificate";
			return SP_ERR_FIELD;
		}
	return SP_OK;
}

/* Verify the list's signature with the anchors. The KeyInfo certificate
 * only orders the attempts and names the error; the key always comes from
 * an anchor. */
static int verify_with_anchors(const sp_anchors *a, sp_trust__sig *sig,
                               int64_t now, int64_t skew, const char **why)
{
	size_t i, tried = 0;
	int hinted_any = 0, any_digest_ok = 0, rc, pass;

	if (a->n == 0) {
		if (why)
			*why = "no federation anchors are configured";
		return SP_ERR_UNTRUSTED_ANCHOR;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < a->n; i++) {
			const sp_trust__vkey *v = &a->v[i];
			int hinted = sp_trust__hint_matches(sig, v);
			int digest_ok = 0;

			if (hinted)
				hinted_any = 1;
			/* pass 0: the hinted anchor; pass 1: the others */
			if ((pass == 0) != (hinted != 0))
				continue;
			if (v->pkey == NULL || v->alg != sig->alg)
				continue;
			rc = sp_trust__dsig_verify(sig, v->pkey, v->alg,
			                           &digest_ok, why);
			tried++;
			if (digest_ok > 0)
				any_digest_ok = 1;
			if (rc == SP_OK) {
				if (!v->is_ca ||
				    !sp_trust__vkey_valid_at(v, now, skew)) {
					if (why)
						*why = "the anchor that signed "
						       "the list is not a CA "
						       "valid now";
					return SP_ERR_CERT_INVALID;
				}
				return SP_OK;
			}
			if (rc != SP_ERR_SIG_INVALID)
				return rc;
			if (digest_ok < 0) {
				/* The document itself was altered: no key
				 * helps. */
				if (why)
					*why = "digest does not match the "
					       "trust list";
				return SP_ERR_SIG_INVALID;
			}
		}
	}
	if (sig->hint_cert != NULL && !hinted_any) {
		if (why)
			*why = "the trust list is signed by a certificate that "
			       "is not an anchor";
		return SP_ERR_UNTRUSTED_ANCHOR;
	}
	if (hinted_any || (tried > 0 && !any_digest_ok)) {
		if (why)
			*why = "trust list signature does not verify";
		return SP_ERR_SIG_INVALID;
	}
	if (why)
		*why = "no anchor key verifies the trust list";
	return SP_ERR_UNTRUSTED_ANCHOR;
}

int sp_trust_open(const sp_anchors *anchors, const uint8_t *tl_bytes,
                  size_t tl_len, const sp_trust *current,
                  const sp_verify_opts *o, sp_trust **out, const char **why)
{
	sp_trust *t = NULL;
	sp_doc *doc = NULL;
	sp_trust__sig sig;
	const uint8_t *bytes;
	size_t blen;
	int64_t now = sp_trust__now(o), skew = sp_trust__skew(o);
	int rc;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (anchors == NULL || tl_bytes == NULL) {
		if (why)
			*why = "missing argument";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (!sp_trust__ready()) {
		if (why)
			*why = "sp_trust_init() was not called";
		return SP_ERR_INTERNAL;
	}
	rc = sp_doc_parse(tl_bytes, tl_len, SP_DOC_TRUST_LIST,
	                  o ? o->limits : NULL, &doc, why);
	if (rc != SP_OK)
		return rc;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	atomic_init(&t->refs, 1);
	t->anchors = anchors;
	/* The list is read from the tree that is verified: its operator keys
	 * and Threshold say which signatures a rotation needs (TL-72); the
	 * keys that must sign first are never the list's own. */
	rc = sp_tl_read(doc, &t->tl, why);
	if (rc != SP_OK)
		goto fail;
	if (sp_trust__threshold_needed(sp_doc_tree(doc), t->tl,
	                               current ? current->tl : NULL)) {
		rc = sp_trust__threshold_verify(
		    sp_doc_tree(doc), t->tl, current ? current->tl : NULL,
		    o != NULL && o->stored_list && current == NULL, anchors,
		    now, skew, &t->signers, why);
	} else {
		/* A 1.3 list: one signature by one anchor. */
		rc = sp_trust__profile_check(sp_doc_tree(doc), &sig, why);
		if (rc == SP_OK) { /* a failed check leaves sig empty */
			bytes = sp_doc_bytes(doc, &blen);
			sp_trust__canonical_hint(sp_doc_tree(doc), bytes, blen,
			                         &sig);
			rc = verify_with_anchors(anchors, &sig, now, skew, why);
		}
		sp_trust__sig_clear(&sig);
		t->signers = 1;
	}
	if (rc != SP_OK)
		goto fail;
	/* SPEC 7.9: a window within the federation's cap, a usable
	 * timestamp key */
	if ((rc = sp_tl_window_check(t->tl, why)) != SP_OK ||
	    (rc = sp_trust__timestamp_key_check(t->tl, why)) != SP_OK)
		goto fail;
	if (t->tl->issued > now && t->tl->issued - now > skew) {
		if (why)
			*why = "the trust list is issued in the future";
		rc = SP_ERR_ISSUED_IN_FUTURE;
		goto fail;
	}
	if (o != NULL && o->list_sequence != NULL)
		*o->list_sequence = t->tl->sequence;
	bytes = sp_doc_bytes(doc, &blen);
	if (current != NULL) {
		if (strcmp(current->tl->federation, t->tl->federation) != 0) {
			if (why)
				*why =
				    "the trust list is for another federation";
			rc = SP_ERR_WRONG_FEDERATION;
			goto fail;
		}
		if (t->tl->sequence < current->tl->sequence) {
			if (why)
				*why = "the trust list's sequence is lower "
				       "than the current one";
			rc = SP_ERR_TRUST_LIST_ROLLBACK;
			goto fail;
		}
		if (t->tl->sequence == current->tl->sequence &&
		    (blen != current->len ||
		     memcmp(bytes, current->bytes, blen) != 0)) {
			if (why)
				*why = "a different trust list with the "
				       "current sequence";
			rc = SP_ERR_TRUST_LIST_ROLLBACK;
			goto fail;
		}
		/* TL-75: the successor names the list held; a list that
		 * names another was made for a fork (shown to other nodes). */
		if (t->tl->sequence == current->tl->sequence + 1 &&
		    t->tl->previous_list[0] != '\0' &&
		    strcmp(t->tl->previous_list, current->digest) != 0) {
			if (why)
				*why =
				    "the list's PreviousList is not the list "
				    "held";
			rc = SP_ERR_TRUST_LIST_FORK;
			goto fail;
		}
	}
	t->bytes = malloc(blen ? blen : 1);
	if (t->bytes == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	memcpy(t->bytes, bytes, blen);
	t->len = blen;
	sp_sha256_hex(t->bytes, t->len, t->digest);
	rc = index_members(t, why);
	if (rc != SP_OK)
		goto fail;
	sp_doc_free(doc);
	*out = t;
	return SP_OK;
fail:
	trust_free(t);
	sp_doc_free(doc);
	return rc;
}

int sp_trust_without(const sp_trust *t, const char *const *node_ids,
                     size_t n_ids, sp_trust **out, const char **why)
{
	sp_trust *nt = NULL;
	sp_doc *doc = NULL;
	sp_tl_member *order = NULL;
	size_t i, j, kept = 0, dropped = 0, n;
	int rc;

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (t == NULL || (n_ids > 0 && node_ids == NULL))
		return SP_ERR_INVALID_ARGUMENT;
	/* The bytes were verified when t was opened: parse them again for a
	 * private copy of the members, without a second signature check. */
	rc = sp_doc_parse(t->bytes, t->len, SP_DOC_TRUST_LIST, NULL, &doc, why);
	if (rc != SP_OK)
		return rc;
	nt = calloc(1, sizeof(*nt));
	if (nt == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	atomic_init(&nt->refs, 1);
	nt->anchors = t->anchors;
	rc = sp_tl_read(doc, &nt->tl, why);
	if (rc != SP_OK)
		goto fail;
	nt->bytes = malloc(t->len ? t->len : 1);
	n = nt->tl->n_members;
	order = calloc(n ? n : 1, sizeof(*order));
	if (nt->bytes == NULL || order == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}
	memcpy(nt->bytes, t->bytes, t->len);
	nt->len = t->len;
	memcpy(nt->digest, t->digest, sizeof(nt->digest));
	nt->signers = t->signers;
	/* Stable: the kept members keep their list order (routing uses it);
	 * the ignored ones go after them, still owned by the list. */
	for (i = 0; i < n; i++) {
		int drop = 0;

		for (j = 0; j < n_ids && !drop; j++)
			drop = strcmp(nt->tl->members[i].node_id,
			              node_ids[j]) == 0;
		if (!drop)
			order[kept++] = nt->tl->members[i];
	}
	for (i = 0; i < n; i++) {
		int drop = 0;

		for (j = 0; j < n_ids && !drop; j++)
			drop = strcmp(nt->tl->members[i].node_id,
			              node_ids[j]) == 0;
		if (drop)
			order[kept + dropped++] = nt->tl->members[i];
	}
	memcpy(nt->tl->members, order, n * sizeof(*order));
	free(order);
	order = NULL;
	if (dropped > 0) {
		nt->n_all = n;
		nt->tl->n_members = kept;
	}
	rc = index_members(nt, why);
	if (rc != SP_OK)
		goto fail;
	sp_doc_free(doc);
	*out = nt;
	return SP_OK;
fail:
	free(order);
	trust_free(nt);
	sp_doc_free(doc);
	return rc;
}

sp_trust *sp_trust_ref(sp_trust *t)
{
	if (t != NULL)
		atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
	return t;
}

void sp_trust_unref(sp_trust *t)
{
	if (t == NULL)
		return;
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		trust_free(t);
}

const sp_tl *sp_trust_list(const sp_trust *t)
{
	return t ? t->tl : NULL;
}

const char *sp_trust_list_digest(const sp_trust *t)
{
	return t ? t->digest : NULL;
}

unsigned sp_trust_signers(const sp_trust *t)
{
	return t ? t->signers : 0;
}

const uint8_t *sp_trust_list_bytes(const sp_trust *t, size_t *len)
{
	if (t == NULL) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = t->len;
	return t->bytes;
}

int sp_trust_expired(const sp_trust *t, int64_t now)
{
	if (t == NULL)
		return 1;
	return now > t->tl->next_update ? 1 : 0;
}

const sp_tl_member *sp_trust_member_by_tls_cert(const sp_trust *t,
                                                const uint8_t *der, size_t len)
{
	uint8_t h[32];
	size_t lo = 0, hi;

	if (t == NULL || der == NULL || len == 0)
		return NULL;
	SHA256(der, len, h);
	hi = t->n_tls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const sp_trust__tls *e = &t->by_tls[mid];
		int c = memcmp(h, e->hash, 32);

		if (c == 0) {
			/* Confirm on the bytes themselves, not only the hash.
			 */
			if (e->len == len && memcmp(e->der, der, len) == 0)
				return e->tm->m;
			return NULL;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const sp_trust__member *sp_trust__find(const sp_trust *t, const char *node_id)
{
	size_t lo = 0, hi;

	if (t == NULL || node_id == NULL)
		return NULL;
	hi = t->n_members;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(node_id, t->by_id[mid]->m->node_id);

		if (c == 0)
			return t->by_id[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
