/* verify.c: verifying signed Records and Receipts and authorizing their
 * signers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/tree.h>

#include "trust_int.h"

#define SP_DEFAULT_SKEW 300

void sp_verify_opts_default(sp_verify_opts *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof(*o));
	o->now = 0;
	o->clock_skew = SP_DEFAULT_SKEW;
	o->limits = NULL;
}

int64_t sp_trust__now(const sp_verify_opts *o)
{
	if (o != NULL && o->now != 0)
		return o->now;
	return (int64_t)time(NULL);
}

int64_t sp_trust__skew(const sp_verify_opts *o)
{
	if (o == NULL)
		return SP_DEFAULT_SKEW;
	return o->clock_skew > 0 ? o->clock_skew : 0;
}

static int set_why(const char **why, const char *msg, int rc)
{
	if (why)
		*why = msg;
	return rc;
}

/* Signer authorization, then the signature with the signer's certificates
 * that are valid at `when` and now (with when_only, at `when` alone: SPEC
 * [TL-78]). *used is the member whose key verified, *until (may be NULL)
 * the end of the verifying certificate's validity. */
static int authorize_and_verify(const sp_trust *t, sp_trust__sig *sig,
                                const char *signer, int64_t when, int64_t now,
                                int64_t skew, int when_only, int64_t *until,
                                const sp_trust__member **used, const char **why)
{
	const sp_trust__member *m;
	const sp_trust__vkey *cand[SP_TRUST__MAX_CANDIDATES];
	size_t i, n = 0, valid = 0, pass;
	int rc, digest_ok;
	int64_t cap = INT64_MAX; /* the end of the signer's authority */

	*used = NULL;
	m = sp_trust__find(t, signer);
	if (m == NULL)
		return set_why(why,
		               "the signer is not a member of the trust list",
		               SP_ERR_UNKNOWN_ORIGIN);
	switch (m->m->status) {
	case SP_STATUS_ACTIVE:
		break;
	case SP_STATUS_REVOKED:
		/* SPEC [TL-77]: a record issued before the member's keys
		 * became invalid may still be proven to have existed before
		 * then; it is held, and judged at its existence bound */
		if (when_only && m->m->invalid_from > 0 &&
		    when < m->m->invalid_from) {
			cap = m->m->invalid_from;
			break;
		}
#ifdef SP_BROKEN_FOR_TESTS
		/* Test-only build (silkport-broken, conformance self-test): the
		 * revoked-signer refusal is skipped. Never in a real node. */
		break;
#else
		return set_why(why, "the signer is revoked",
		               SP_ERR_SIGNER_REVOKED);
#endif
	case SP_STATUS_SUSPENDED:
		return set_why(why, "the signer is suspended",
		               SP_ERR_SIGNER_SUSPENDED);
	default:
		return set_why(why, "the signer's status is unknown",
		               SP_ERR_INTERNAL);
	}
	if (when > now && when - now > skew)
		return set_why(why, "the document is dated in the future",
		               SP_ERR_ISSUED_IN_FUTURE);

	/* Candidates: certificates valid at both times; the one named by
	 * KeyInfo first. KeyInfo never supplies a key. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < m->n_keys; i++) {
			const sp_trust__vkey *v = &m->keys[i];
			int hinted;

			if (!sp_trust__vkey_valid_at(v, when, skew) ||
			    (!when_only &&
			     !sp_trust__vkey_valid_at(v, now, skew)))
				continue;
			if (pass == 0)
				valid++;
			hinted = sp_trust__hint_matches(sig, v);
			if ((pass == 0) != (hinted != 0))
				continue;
			if (v->pkey == NULL || v->alg != sig->alg)
				continue;
			if (n < SP_TRUST__MAX_CANDIDATES)
				cand[n++] = v;
		}
	}
	if (valid == 0)
		return set_why(why,
		               "no signing certificate of the signer is valid "
		               "at the document's time and now",
		               SP_ERR_SIGNER_EXPIRED);
	for (i = 0; i < n; i++) {
		rc = sp_trust__dsig_verify(sig, cand[i]->pkey, cand[i]->alg,
		                           &digest_ok, why);
		if (rc == SP_OK) {
			*used = m;
			if (until != NULL) {
				*until =
				    cand[i]->not_after < cand[i]->list_until
				        ? cand[i]->not_after
				        : cand[i]->list_until;
				if (cap < *until)
					*until = cap;
			}
			return SP_OK;
		}
		if (rc != SP_ERR_SIG_INVALID)
			return rc;
		if (digest_ok < 0)
			break; /* the document was altered: no key helps */
	}
	if (n == 0) {
		for (i = 0; i < m->n_keys; i++)
			if (m->keys[i].pkey != NULL)
				break;
		if (i == m->n_keys)
			return set_why(
			    why, "the signer's certificates hold weak keys",
			    SP_ERR_KEY_WEAK);
	}
	/* SPEC [TL-45]: a document is accepted only under the method the
	 * list names for the signer; an SM2 member's record under ECDSA (or
	 * the reverse) is refused by name before any cryptography. */
	if (n == 0)
		return set_why(why,
		               "the signature method is not the one the trust "
		               "list names for the signer's certificates",
		               SP_ERR_ALG_NOT_LISTED);
	return set_why(why,
	               "the signature does not verify with the signer's keys",
	               SP_ERR_SIG_INVALID);
}

/* Signer and time read from the tree before verification: hints that only
 * select keys; every decision is re-checked on the verified header. */
static int read_hints(xmlNodePtr parent, const char *who_el,
                      const char *when_el, char **who, int64_t *when,
                      const char **why)
{
	char *w;
	int rc;

	*who = sp_trust__child_text(parent, who_el);
	if (*who == NULL)
		return set_why(why, "the signer element is missing",
		               SP_ERR_FIELD);
	w = sp_trust__child_text(parent, when_el);
	if (w == NULL)
		return set_why(why, "the time element is missing",
		               SP_ERR_FIELD);
	rc = sp_time_parse(w, when);
	free(w);
	if (rc != SP_OK)
		return set_why(why, "the document's time is not a valid time",
		               SP_ERR_FIELD);
	return SP_OK;
}

/* After the signature verified with member m's key: the header from the
 * same bytes names m and the time the keys were chosen for, and m's entry
 * lets it originate the record's Type. */
static int accept_record(const sp_trust__member *m, const sp_record *rec,
                         int64_t issued, const sp_trust__sig *sig,
                         const sp_verify_opts *o, const char **why)
{
	if (strcmp(sp_record_origin(rec), m->m->node_id) != 0 ||
	    sp_record_issued(rec) != issued)
		return set_why(why, "the verified Origin is not the signer",
		               SP_ERR_SIG_INVALID);
	/* SPEC [TL-61]: a valid signature makes the Origin the author, not an
	 * authority for every Type: a port authority's credit rating of a
	 * Chinese enterprise is refused unless its entry lists `credit`. */
	if (!sp_tl_member_may_originate(m->m, sp_record_type_code(rec)))
		return set_why(why,
		               "the Origin's trust-list entry does not let it "
		               "originate records of this Type",
		               SP_ERR_TYPE_NOT_AUTHORIZED);
	if (o != NULL && o->signer_revoked != NULL)
		*o->signer_revoked = m->m->status == SP_STATUS_REVOKED;
	if (o != NULL && o->signed_digest != NULL)
		memcpy(o->signed_digest, sig->digest, sizeof(sig->digest));
	if (o != NULL && o->read_canonically != NULL)
		*o->read_canonically = sig->node == NULL;
	return SP_OK;
}

/* A record in canonical form, read without libxml2 (protocol/cxml.c,
 * record_fast.c, verify_cx.c). Until the signature check, every step only
 * accepts or answers SP_CX_OTHER; what it accepts, the libxml2 path
 * accepts in the same way, so from there on both reach the same
 * decisions with the same code. */
static int verify_record_cx(const sp_trust *t, const uint8_t *buf, size_t len,
                            const sp_verify_opts *o, sp_record **rec_out,
                            const char **why)
{
	sp_cx_doc *d = NULL;
	sp_record *rec = NULL;
	sp_trust__sig sig;
	const sp_trust__member *m = NULL;
	int64_t issued;
	int rc;

	memset(&sig, 0, sizeof(sig));
	rc = sp_cx_read(buf, len, o ? o->limits : NULL, &d);
	if (rc == SP_OK)
		rc = sp_record_from_cx(d, &rec);
	if (rc == SP_OK)
		rc = sp_trust__profile_cx(buf, len, d, &sig);
	if (rc == SP_ERR_NOMEM)
		set_why(why, "out of memory", rc);
	if (rc != SP_OK)
		goto done;
	issued = sp_record_issued(rec);
	rc = authorize_and_verify(t, &sig, sp_record_origin(rec), issued,
	                          sp_trust__now(o), sp_trust__skew(o),
	                          o != NULL && o->existence_later,
	                          o != NULL ? o->signer_until : NULL, &m, why);
	if (rc == SP_OK)
		rc = accept_record(m, rec, issued, &sig, o, why);
	if (rc == SP_OK && rec_out != NULL) {
		*rec_out = rec;
		rec = NULL;
	}
done:
	sp_trust__sig_clear(&sig);
	sp_record_free(rec);
	sp_cx_free(d);
	return rc;
}

int sp_verify_record(const sp_trust *t, const uint8_t *buf, size_t len,
                     const sp_verify_opts *o, sp_doc **doc_out,
                     sp_record **rec_out, const char **why)
{
	sp_doc *doc = NULL;
	sp_record *rec = NULL;
	sp_trust__sig sig;
	const sp_trust__member *m = NULL;
	xmlNodePtr root, header;
	char *origin = NULL;
	int64_t issued = 0, now = sp_trust__now(o), skew = sp_trust__skew(o);
	int rc;

	memset(&sig, 0, sizeof(sig));
	if (doc_out)
		*doc_out = NULL;
	if (rec_out)
		*rec_out = NULL;
	if (t == NULL || buf == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	/* A caller that wants the libxml2 tree gets the libxml2 path. */
	if (doc_out == NULL && (o == NULL || !o->libxml2_only)) {
		rc = verify_record_cx(t, buf, len, o, rec_out, why);
		if (rc != SP_CX_OTHER)
			return rc;
	}
	rc = sp_doc_parse(buf, len, SP_DOC_RECORD, o ? o->limits : NULL, &doc,
	                  why);
	if (rc != SP_OK)
		return rc;
	rc = sp_trust__profile_check(sp_doc_tree(doc), &sig, why);
	if (rc != SP_OK)
		goto fail;
	/* Before any key or cryptography: a record that is not its one
	 * canonical byte string is refused, so that no holder of a record can
	 * make a second one that verifies (SPEC 4.6, SIG-25 step 5). */
	rc = sp_trust__canonical_check(sp_doc_tree(doc), buf, len, &sig, why);
	if (rc != SP_OK)
		goto fail;
	root = xmlDocGetRootElement(sp_doc_tree(doc));
	header = sp_trust__child(root, "Header");
	rc = read_hints(header, "Origin", "Issued", &origin, &issued, why);
	if (rc != SP_OK)
		goto fail;
	rc = authorize_and_verify(t, &sig, origin, issued, now, skew,
	                          o != NULL && o->existence_later,
	                          o != NULL ? o->signer_until : NULL, &m, why);
	if (rc != SP_OK)
		goto fail;
	/* The header, from the same tree that was just verified. */
	rc = sp_record_read(doc, &rec, why);
	if (rc != SP_OK)
		goto fail;
	rc = accept_record(m, rec, issued, &sig, o, why);
	if (rc != SP_OK)
		goto fail;
	free(origin);
	sp_trust__sig_clear(&sig);
	if (rec_out)
		*rec_out = rec;
	else
		sp_record_free(rec);
	if (doc_out)
		*doc_out = doc;
	else
		sp_doc_free(doc);
	return SP_OK;
fail:
	free(origin);
	sp_trust__sig_clear(&sig);
	sp_record_free(rec);
	sp_doc_free(doc);
	return rc;
}

/* A receipt in canonical form (as every receipt silkport signs is), read
 * without libxml2 as records are (verify_record_cx). */
static int verify_receipt_cx(const sp_trust *t, const uint8_t *buf, size_t len,
                             const sp_verify_opts *o, sp_receipt_info *out,
                             const char **why)
{
	sp_cx_doc *d = NULL;
	sp_receipt_info ri;
	sp_trust__sig sig;
	const sp_trust__member *m = NULL;
	int rc;

	memset(&sig, 0, sizeof(sig));
	rc = sp_cx_read(buf, len, o ? o->limits : NULL, &d);
	if (rc == SP_OK)
		rc = sp_receipt_from_cx(d, &ri);
	if (rc == SP_OK)
		rc = sp_trust__profile_cx_receipt(buf, len, d, &sig);
	if (rc == SP_ERR_NOMEM)
		set_why(why, "out of memory", rc);
	if (rc != SP_OK)
		goto done;
	rc = authorize_and_verify(t, &sig, ri.receiver, ri.received,
	                          sp_trust__now(o), sp_trust__skew(o), 0, NULL,
	                          &m, why);
	/* the signer found by Receiver is the one whose key verified */
	if (rc == SP_OK && strcmp(ri.receiver, m->m->node_id) != 0)
		rc = set_why(why, "the verified Receiver is not the signer",
		             SP_ERR_SIG_INVALID);
	if (rc == SP_OK) {
		if (out != NULL)
			*out = ri;
		if (o != NULL && o->read_canonically != NULL)
			*o->read_canonically = 1;
	}
done:
	sp_trust__sig_clear(&sig);
	sp_cx_free(d);
	return rc;
}

int sp_verify_receipt(const sp_trust *t, const uint8_t *buf, size_t len,
                      const sp_verify_opts *o, sp_receipt_info *out,
                      const char **why)
{
	sp_doc *doc = NULL;
	sp_receipt_info ri;
	sp_trust__sig sig;
	const sp_trust__member *m = NULL;
	char *receiver = NULL;
	int64_t received = 0, now = sp_trust__now(o), skew = sp_trust__skew(o);
	int rc;

	memset(&sig, 0, sizeof(sig));
	if (out)
		memset(out, 0, sizeof(*out));
	if (t == NULL || buf == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	if (o == NULL || !o->libxml2_only) {
		rc = verify_receipt_cx(t, buf, len, o, out, why);
		if (rc != SP_CX_OTHER)
			return rc;
	}
	rc = sp_doc_parse(buf, len, SP_DOC_RECEIPT, o ? o->limits : NULL, &doc,
	                  why);
	if (rc != SP_OK)
		return rc;
	rc = sp_trust__profile_check(sp_doc_tree(doc), &sig, why);
	if (rc != SP_OK)
		goto done;
	sp_trust__canonical_hint(sp_doc_tree(doc), buf, len, &sig);
	rc = read_hints(xmlDocGetRootElement(sp_doc_tree(doc)), "Receiver",
	                "Received", &receiver, &received, why);
	if (rc != SP_OK)
		goto done;
	rc = authorize_and_verify(t, &sig, receiver, received, now, skew, 0,
	                          NULL, &m, why);
	if (rc != SP_OK)
		goto done;
	memset(&ri, 0, sizeof(ri));
	rc = sp_receipt_read(doc, &ri, why);
	if (rc != SP_OK)
		goto done;
	if (strcmp(ri.receiver, m->m->node_id) != 0 ||
	    ri.received != received) {
		rc = set_why(why, "the verified Receiver is not the signer",
		             SP_ERR_SIG_INVALID);
		goto done;
	}
	if (out)
		*out = ri;
	if (o != NULL && o->read_canonically != NULL)
		*o->read_canonically = 0;
done:
	free(receiver);
	sp_trust__sig_clear(&sig);
	sp_doc_free(doc);
	return rc;
}
