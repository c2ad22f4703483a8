/* schema.c: protocol initialisation and XSD validation against the schemas
 * embedded at build time. */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "protocol_int.h"

/* Submit documents are validated by the record schema (one root more);
 * join and renewal requests share request.xsd (two roots). */
static xmlSchemaPtr schemas[SP_DOC_TL_TIMESTAMP + 1];
static int ready;

static void on_schema_parse_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	/* Only reached if an embedded schema is broken: a build defect. */
	if (e != NULL && e->level >= XML_ERR_ERROR)
		fprintf(stderr, "silkport: embedded schema: %s",
		        e->message != NULL ? e->message : "error\n");
}

static xmlSchemaPtr compile(const unsigned char *xsd, size_t len)
{
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr s;

	if (len > (size_t)INT32_MAX)
		return NULL;
	pc = xmlSchemaNewMemParserCtxt((const char *)xsd, (int)len);
	if (pc == NULL)
		return NULL;
	xmlSchemaSetParserStructuredErrors(pc, on_schema_parse_error, NULL);
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	return s;
}

int sp_protocol_init(void)
{
	if (ready)
		return SP_OK;
	xmlInitParser();
	sp_proto__route_lib_errors();
	schemas[SP_DOC_RECORD] =
	    compile(sp_proto__schema_record, sp_proto__schema_record_len);
	schemas[SP_DOC_RECEIPT] =
	    compile(sp_proto__schema_receipt, sp_proto__schema_receipt_len);
	schemas[SP_DOC_TRUST_LIST] =
	    compile(sp_proto__schema_trustlist, sp_proto__schema_trustlist_len);
	schemas[SP_DOC_PROBLEM] =
	    compile(sp_proto__schema_problem, sp_proto__schema_problem_len);
	schemas[SP_DOC_JOIN_REQUEST] =
	    compile(sp_proto__schema_request, sp_proto__schema_request_len);
	schemas[SP_DOC_TL_TIMESTAMP] =
	    compile(sp_proto__schema_timestamp, sp_proto__schema_timestamp_len);
	for (int k = SP_DOC_RECORD; k <= SP_DOC_TL_TIMESTAMP; k++) {
		if (k == SP_DOC_SUBMIT || k == SP_DOC_RENEWAL_REQUEST)
			continue;
		if (schemas[k] == NULL) {
			fprintf(stderr,
			        "silkport: cannot compile the schema for "
			        "document kind %d\n",
			        k);
			sp_protocol_cleanup();
			return SP_ERR_INTERNAL;
		}
	}
	/* The record schema's tables for the canonical reading (record_fast.c),
	 * from the same embedded record.xsd. */
	if (sp_proto__fast_init() != SP_OK) {
		sp_protocol_cleanup();
		return SP_ERR_INTERNAL;
	}
	ready = 1;
	return SP_OK;
}

void sp_protocol_cleanup(void)
{
	ready = 0;
	sp_proto__fast_cleanup();
	for (int k = 0; k <= SP_DOC_TL_TIMESTAMP; k++) {
		if (schemas[k] != NULL)
			xmlSchemaFree(schemas[k]);
		schemas[k] = NULL;
	}
}

int sp_proto__ready(void)
{
	return ready;
}

struct vstate {
	char first[320];
};

static void on_valid_error(void *ctx, xmlErrorPtr e)
{
	struct vstate *st = ctx;
	size_t n;

	if (st == NULL || e == NULL || e->level < XML_ERR_ERROR ||
	    st->first[0] != '\0')
		return;
	snprintf(st->first, sizeof(st->first), "line %d: %s", e->line,
	         e->message != NULL ? e->message : "schema error");
	n = strlen(st->first);
	while (n > 0 && (st->first[n - 1] == '\n' || st->first[n - 1] == ' '))
		st->first[--n] = '\0';
}

int sp_proto__validate(xmlDocPtr doc, sp_doc_kind kind, const char **why)
{
	xmlSchemaValidCtxtPtr vc;
	struct vstate st;
	int r;

	if (kind == SP_DOC_SUBMIT)
		kind = SP_DOC_RECORD;
	if (kind == SP_DOC_RENEWAL_REQUEST)
		kind = SP_DOC_JOIN_REQUEST;
	if (!ready || kind < SP_DOC_RECORD || kind > SP_DOC_TL_TIMESTAMP ||
	    kind == SP_DOC_SUBMIT || kind == SP_DOC_RENEWAL_REQUEST)
		return sp_proto__fail(why, SP_ERR_INTERNAL,
		                      "schemas not loaded");
	vc = xmlSchemaNewValidCtxt(schemas[kind]);
	if (vc == NULL)
		return sp_proto__fail(why, SP_ERR_NOMEM, "validation context");
	memset(&st, 0, sizeof(st));
	xmlSchemaSetValidStructuredErrors(vc, on_valid_error, &st);
	r = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (r == 0)
		return SP_OK;
	if (r > 0)
		return sp_proto__fail(why, SP_ERR_SCHEMA, "%s",
		                      st.first[0] != '\0' ? st.first
		                                          : "schema-invalid");
	return sp_proto__fail(
	    why, SP_ERR_INTERNAL, "schema validation failed: %s",
	    st.first[0] != '\0' ? st.first : "internal error");
}
