/* timestamp.c: the freshness of a trust list (SPEC 7.9): the online
 * timestamp key a list names, the TrustListTimestamps it signs, and the time
 * until which a list is fresh. */
#include <stdint.h>
#include <string.h>

#include "trust_int.h"

static int set_why(const char **why, const char *msg, int rc)
{
	if (why)
		*why = msg;
	return rc;
}

int sp_trust__timestamp_key_check(const sp_tl *tl, const char **why)
{
	sp_trust__vkey v;
	int rc;

	if (tl->timestamp_cert_der == NULL)
		return SP_OK;
	rc = sp_trust__vkey_init(&v, tl->timestamp_cert_der,
	                         tl->timestamp_cert_der_len, why);
	if (rc != SP_OK) {
		if (rc == SP_ERR_CERT_INVALID)
			set_why(why,
			        "the TimestampCertificate is not one DER "
			        "X.509 certificate",
			        rc);
		return rc;
	}
	rc = v.alg == 0 ? set_why(why,
	                          "the TimestampCertificate's key is neither "
	                          "ECDSA P-256, RSA >= 2048 nor SM2",
	                          SP_ERR_KEY_WEAK)
	                : SP_OK;
	sp_trust__vkey_clear(&v);
	return rc;
}

int sp_trust_has_timestamp_key(const sp_trust *t)
{
	return t != NULL && t->tl->timestamp_cert_der != NULL;
}

/* The signature, with the list's timestamp key only (never KeyInfo's). */
static int verify_signature(const sp_trust *t, xmlDocPtr tree, int64_t now,
                            int64_t skew, const char **why)
{
	sp_trust__sig sig;
	sp_trust__vkey v;
	int rc;

	if ((rc = sp_trust__profile_check(tree, &sig, why)) != SP_OK)
		return rc;
	if ((rc = sp_trust__vkey_init(&v, t->tl->timestamp_cert_der,
	                              t->tl->timestamp_cert_der_len, why)) !=
	    SP_OK)
		return rc;
	if (v.pkey == NULL || v.alg != sig.alg)
		rc = set_why(why,
		             "the statement's SignatureMethod is not the "
		             "timestamp key's",
		             SP_ERR_SIG_INVALID);
	else if ((rc = sp_trust__dsig_verify(&sig, v.pkey, v.alg, NULL, why)) ==
	             SP_OK &&
	         !sp_trust__vkey_valid_at(&v, now, skew))
		rc = set_why(why, "the TimestampCertificate is not valid now",
		             SP_ERR_CERT_INVALID);
	sp_trust__vkey_clear(&v);
	sp_trust__sig_clear(&sig);
	return rc;
}

int sp_tl_timestamp_open(const sp_trust *t, const uint8_t *buf, size_t len,
                         const sp_verify_opts *o, sp_tl_timestamp *out,
                         const char **why)
{
	int64_t now = sp_trust__now(o), skew = sp_trust__skew(o);
	sp_tl_timestamp ts;
	sp_doc *doc = NULL;
	int rc;

	if (t == NULL || buf == NULL || out == NULL)
		return set_why(why, "missing argument",
		               SP_ERR_INVALID_ARGUMENT);
	if (!sp_trust__ready())
		return set_why(why, "sp_trust_init() was not called",
		               SP_ERR_INTERNAL);
	if (!sp_trust_has_timestamp_key(t))
		return set_why(why,
		               "the trust list names no TimestampCertificate",
		               SP_ERR_TIMESTAMP_INVALID);
	if ((rc = sp_doc_parse(buf, len, SP_DOC_TL_TIMESTAMP,
	                       o ? o->limits : NULL, &doc, why)) != SP_OK)
		return rc;
	if ((rc = verify_signature(t, sp_doc_tree(doc), now, skew, why)) !=
	        SP_OK ||
	    (rc = sp_tl_timestamp_read(doc, &ts, why)) != SP_OK)
		goto done;
	if (strcmp(ts.federation, t->tl->federation) != 0)
		rc = set_why(why, "the statement is for another federation",
		             SP_ERR_WRONG_FEDERATION);
	else if (ts.issued > now && ts.issued - now > skew)
		rc = set_why(why, "the statement is issued in the future",
		             SP_ERR_ISSUED_IN_FUTURE);
	else if ((uint64_t)(ts.expires - ts.issued) >
	         sp_tl_staleness_bound(t->tl))
		rc = set_why(why,
		             "Expires - Issued is longer than the list's "
		             "StalenessBound",
		             SP_ERR_TIMESTAMP_INVALID);
	else if (now > ts.expires && now - ts.expires > skew)
		rc = set_why(why, "the statement has expired",
		             SP_ERR_TIMESTAMP_INVALID);
	if (rc == SP_OK)
		*out = ts;
done:
	sp_doc_free(doc);
	return rc;
}

int sp_tl_timestamp_names(const sp_trust *t, const sp_tl_timestamp *ts)
{
	return t != NULL && ts != NULL &&
	       strcmp(ts->federation, t->tl->federation) == 0 &&
	       ts->sequence == t->tl->sequence &&
	       strcmp(ts->list_digest, t->digest) == 0;
}

int64_t sp_trust_fresh_until(const sp_trust *t, const sp_tl_timestamp *ts)
{
	int64_t bound, until, by_ts;

	if (t == NULL)
		return INT64_MIN;
	if (!sp_trust_has_timestamp_key(t))
		return INT64_MAX; /* SREP 1.2 behaviour: never stale */
	bound = (int64_t)sp_tl_staleness_bound(t->tl);
	/* The list itself, signed by the anchor at Issued, says as much as a
	 * statement made then. */
	until = t->tl->issued + bound;
	if (sp_tl_timestamp_names(t, ts)) {
		by_ts = ts->issued + bound;
		if (by_ts > ts->expires)
			by_ts = ts->expires;
		if (by_ts > until)
			until = by_ts;
	}
	return until;
}
