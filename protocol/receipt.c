/* receipt.c: building and reading the Receipt a node returns for an accepted
 * record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "protocol_int.h"

static const char *status_name(sp_receipt_status s)
{
	switch (s) {
	case SP_RECEIPT_ACCEPTED:
		return "accepted";
	case SP_RECEIPT_RELAYED:
		return "relayed";
	}
	return NULL;
}

static int digest_valid(const char *s)
{
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* The unsigned Receipt's tree, from checked values. */
static int build_tree(const sp_receipt_info *ri, xmlDocPtr *out,
                      const char **why)
{
	char seq[24], when[SP_TIME_TEXT_MAX];
	const char *st;
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlNsPtr ns;

	*out = NULL;
	if (ri == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no receipt");
	if (!sp_uuid_valid(ri->record_id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "RecordId: not a lowercase v4 UUID");
	if (!sp_node_id_valid(ri->origin))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Origin: not a node id");
	if (ri->sequence > (uint64_t)INT64_MAX)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	if (!digest_valid(ri->record_digest))
		return sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "RecordDigest: not lowercase hex SHA-256");
	if (!sp_node_id_valid(ri->receiver))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Receiver: not a node id");
	if (sp_time_format(ri->received, when) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Received: out of range");
	st = status_name(ri->status);
	if (st == NULL)
		return sp_proto__fail(why, SP_ERR_FIELD, "Status: unknown");
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)ri->sequence);

	doc = sp_proto__new_doc(SP_NS, "Receipt", &ns);
	if (doc == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	root = xmlDocGetRootElement(doc);
	if (!xmlSetProp(root, SP_XC("version"), SP_XC("1")) ||
	    !sp_proto__add(root, ns, "RecordId", ri->record_id) ||
	    !sp_proto__add(root, ns, "Origin", ri->origin) ||
	    !sp_proto__add(root, ns, "Sequence", seq) ||
	    !sp_proto__add(root, ns, "RecordDigest", ri->record_digest) ||
	    !sp_proto__add(root, ns, "Receiver", ri->receiver) ||
	    !sp_proto__add(root, ns, "Received", when) ||
	    !sp_proto__add(root, ns, "Status", st)) {
		xmlFreeDoc(doc);
		return sp_proto__fail(why, SP_ERR_NOMEM, "out of memory");
	}
	*out = doc;
	return SP_OK;
}

int sp_receipt_build(const sp_receipt_info *ri, uint8_t **out, size_t *outlen,
                     const char **why)
{
	xmlDocPtr doc;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (why != NULL)
		*why = NULL;
	if (out == NULL || outlen == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no receipt");
	if ((rc = build_tree(ri, &doc, why)) != SP_OK)
		return rc;
	rc = sp_proto__finish(doc, SP_DOC_RECEIPT, out, outlen, why);
	xmlFreeDoc(doc);
	return rc;
}

/* The tree to sign at once: built by this file from values checked above,
 * so there are no outside bytes to parse; it is validated against
 * receipt.xsd as a parse of sp_receipt_build()'s bytes would be. */
int sp_receipt_build_doc(const sp_receipt_info *ri, sp_doc **out,
                         const char **why)
{
	xmlDocPtr doc;
	int rc;

	if (why != NULL)
		*why = NULL;
	if (out == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no output");
	*out = NULL;
	if ((rc = build_tree(ri, &doc, why)) != SP_OK)
		return rc;
	return sp_proto__doc_from_tree(doc, SP_DOC_RECEIPT, out, why);
}

/* The rules on a receipt's values once they are copied into *out (ids,
 * digest) and the three read as text: both readers end here. */
static int receipt_values(sp_receipt_info *out, const char *seq,
                          const char *when, const char *st, const char **why)
{
	if (!sp_uuid_valid(out->record_id))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "RecordId: not a v4 UUID");
	if (!sp_node_id_valid(out->origin) || !sp_node_id_valid(out->receiver))
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Origin/Receiver: not a node id");
	if (sp_proto__parse_u64(seq, INT64_MAX, &out->sequence) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Sequence: out of range");
	if (!digest_valid(out->record_digest))
		return sp_proto__fail(
		    why, SP_ERR_FIELD,
		    "RecordDigest: not lowercase hex SHA-256");
	if (sp_time_parse(when, &out->received) != SP_OK)
		return sp_proto__fail(why, SP_ERR_FIELD,
		                      "Received: not an RFC 3339 UTC time");
	if (strcmp(st, "accepted") == 0)
		out->status = SP_RECEIPT_ACCEPTED;
	else if (strcmp(st, "relayed") == 0)
		out->status = SP_RECEIPT_RELAYED;
	else
		return sp_proto__fail(why, SP_ERR_FIELD, "Status: unknown");
	return SP_OK;
}

int sp_receipt_read(sp_doc *doc, sp_receipt_info *out, const char **why)
{
	xmlNodePtr root, c;
	char seq[24], when[SP_TIME_TEXT_MAX], st[16];
	int rc;

	if (why != NULL)
		*why = NULL;
	if (out == NULL)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "no output");
	memset(out, 0, sizeof(*out));
	if (doc == NULL || doc->kind != SP_DOC_RECEIPT)
		return sp_proto__fail(why, SP_ERR_INVALID_ARGUMENT,
		                      "not a Receipt");
	root = xmlDocGetRootElement(doc->tree);
	if (!sp_proto__is(root, SP_NS, "Receipt"))
		return sp_proto__fail(why, SP_ERR_WRONG_DOCUMENT,
		                      "not a Receipt");

#define FIELD(name, buf)                                                       \
	do {                                                                   \
		if ((rc = sp_proto__field(&c, name, buf, sizeof(buf), why)) != \
		    SP_OK)                                                     \
			goto fail;                                             \
	} while (0)

	c = sp_proto__first_elem(root);
	FIELD("RecordId", out->record_id);
	FIELD("Origin", out->origin);
	FIELD("Sequence", seq);
	FIELD("RecordDigest", out->record_digest);
	FIELD("Receiver", out->receiver);
	FIELD("Received", when);
	FIELD("Status", st);
#undef FIELD
	if ((rc = receipt_values(out, seq, when, st, why)) == SP_OK)
		return SP_OK;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

/* The text of n into buf if it fits: 0, or -1. */
static int cx_text(const sp_cx_node *n, char *buf, size_t cap)
{
	if (n == NULL || n->text_len >= cap)
		return -1;
	memcpy(buf, n->text, n->text_len + 1);
	return 0;
}

int sp_receipt_from_cx(const sp_cx_doc *d, sp_receipt_info *out)
{
	const sp_cx_node *c;
	char seq[24], when[SP_TIME_TEXT_MAX], st[16];

	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	/* receipt.xsd has fixed the seven elements and their order */
	if (!sp_proto__fs_valid(sp_proto__receipt_schema(), d, "Receipt"))
		return SP_CX_OTHER;
	c = sp_cx_root(d)->first;
	if (cx_text(c, out->record_id, sizeof(out->record_id)) != 0 ||
	    cx_text(c = c->next, out->origin, sizeof(out->origin)) != 0 ||
	    cx_text(c = c->next, seq, sizeof(seq)) != 0 ||
	    cx_text(c = c->next, out->record_digest,
	            sizeof(out->record_digest)) != 0 ||
	    cx_text(c = c->next, out->receiver, sizeof(out->receiver)) != 0 ||
	    cx_text(c = c->next, when, sizeof(when)) != 0 ||
	    cx_text(c = c->next, st, sizeof(st)) != 0 ||
	    receipt_values(out, seq, when, st, NULL) != SP_OK) {
		memset(out, 0, sizeof(*out));
		return SP_CX_OTHER;
	}
	return SP_OK;
}
