/* timestamp.c: building and reading the TrustListTimestamp, the short-lived
 * signed statement that a trust list is still its federation's current one
 * (SPEC 7.9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "protocol_int.h"

static int hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* The rules the schema cannot say: the Sequence range, a real calendar
 * time, Expires after Issued. */
static int check(const sp_tl_timestamp *ts, const char **why)
{
	if (!sp_federation_id_valid(ts->federation))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "FederationId: invalid");
	if (ts->sequence > (uint64_t)INT64_MAX)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	if (!hex64(ts->list_digest))
		return sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "ListDigest: not 64 lowercase hex digits");
	if (ts->expires <= ts->issued)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Expires must follow Issued");
	return SP_OK;
}

int sp_tl_timestamp_build(const sp_tl_timestamp *ts, uint8_t **out,
                          size_t *outlen, const char **why)
{
	char seq[24], issued[SP_TIME_TEXT_MAX], expires[SP_TIME_TEXT_MAX];
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr ns;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (ts == NULL || out == NULL || outlen == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no timestamp");
	if ((rc = check(ts, why)) != SP_OK)
		return rc;
	if (sp_time_format(ts->issued, issued) != SP_OK ||
	    sp_time_format(ts->expires, expires) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Issued/Expires: out of range");
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)ts->sequence);
	if ((doc = sp_proto__new_doc(SP_NS, "TrustListTimestamp", &ns)) == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	root = xmlDocGetRootElement(doc);
	if (!xmlSetProp(root, SP_XC("version"), SP_XC("1")) ||
	    !sp_proto__add(root, ns, "FederationId", ts->federation) ||
	    !sp_proto__add(root, ns, "Sequence", seq) ||
	    !sp_proto__add(root, ns, "ListDigest", ts->list_digest) ||
	    !sp_proto__add(root, ns, "Issued", issued) ||
	    !sp_proto__add(root, ns, "Expires", expires))
		rc = sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	else
		rc = sp_proto__finish(doc, SP_DOC_TL_TIMESTAMP, out, outlen,
		                      why);
	xmlFreeDoc(doc);
	return rc;
}

int sp_tl_timestamp_read(sp_doc *doc, sp_tl_timestamp *out, const char **why)
{
	char seq[24], t1[SP_TIME_TEXT_MAX], t2[SP_TIME_TEXT_MAX];
	xmlNodePtr root, c;
	int rc;

	if (doc == NULL || out == NULL || doc->kind != SP_DOC_TL_TIMESTAMP)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "not a TrustListTimestamp");
	memset(out, 0, sizeof(*out));
	root = xmlDocGetRootElement(doc->tree);
	if (!sp_proto__is(root, SP_NS, "TrustListTimestamp"))
		return sp_proto__fail(why, SP_ERR_WRONG_DOCUMENT,
		                      "not a TrustListTimestamp");
	c = sp_proto__first_elem(root);
	if ((rc = sp_proto__field(&c, "FederationId", out->federation,
	                          sizeof(out->federation), why)) != SP_OK ||
	    (rc = sp_proto__field(&c, "Sequence", seq, sizeof(seq), why)) !=
	        SP_OK ||
	    (rc = sp_proto__field(&c, "ListDigest", out->list_digest,
	                          sizeof(out->list_digest), why)) != SP_OK ||
	    (rc = sp_proto__field(&c, "Issued", t1, sizeof(t1), why)) !=
	        SP_OK ||
	    (rc = sp_proto__field(&c, "Expires", t2, sizeof(t2), why)) != SP_OK)
		return rc;
	if (sp_proto__parse_u64(seq, INT64_MAX, &out->sequence) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	if (sp_time_parse(t1, &out->issued) != SP_OK ||
	    sp_time_parse(t2, &out->expires) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Issued/Expires: not a calendar time");
	return check(out, why);
}
