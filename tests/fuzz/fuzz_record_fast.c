/* fuzz_record_fast.c: libFuzzer target, differential: the canonical
 * reading of a Record (sp_cx_read + sp_record_from_cx, no libxml2) against
 * the full path (sp_doc_parse(SP_DOC_RECORD) + sp_record_read). Whatever
 * the input, when the fast path accepts, the full path must accept too and
 * read the same record field by field (id, origin, sequence, type, issued,
 * recipients or Broadcast, subjects, Supersedes); otherwise abort(). The
 * other direction is allowed to differ: the fast path may always decline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_protocol_init() != SP_OK)
		abort();
	return 0;
}

static void differ(const char *what)
{
	fprintf(stderr, "fuzz_record_fast: the paths differ: %s\n", what);
	abort();
}

static int str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void compare(const sp_record *a, const sp_record *b)
{
	if (!str_eq(sp_record_id(a), sp_record_id(b)))
		differ("RecordId");
	if (!str_eq(sp_record_origin(a), sp_record_origin(b)))
		differ("Origin");
	if (sp_record_sequence(a) != sp_record_sequence(b))
		differ("Sequence");
	if (!str_eq(sp_record_type_code(a), sp_record_type_code(b)))
		differ("Type");
	if (sp_record_issued(a) != sp_record_issued(b))
		differ("Issued");
	if (sp_record_is_broadcast(a) != sp_record_is_broadcast(b) ||
	    sp_record_recipient_count(a) != sp_record_recipient_count(b))
		differ("Recipients");
	for (size_t i = 0; i < sp_record_recipient_count(a); i++)
		if (!str_eq(sp_record_recipient(a, i),
		            sp_record_recipient(b, i)))
			differ("Recipients/Node");
	if (sp_record_subject_count(a) != sp_record_subject_count(b))
		differ("Subject count");
	for (size_t i = 0; i < sp_record_subject_count(a); i++) {
		const sp_subject *x = sp_record_subject(a, i);
		const sp_subject *y = sp_record_subject(b, i);

		if (!str_eq(x->kind, y->kind) ||
		    !str_eq(x->scheme, y->scheme) ||
		    !str_eq(x->value, y->value))
			differ("Subject");
	}
	if (!str_eq(sp_record_supersedes(a), sp_record_supersedes(b)))
		differ("Supersedes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_cx_doc *cx = NULL;
	sp_record *fast = NULL, *full = NULL;
	sp_doc *doc = NULL;
	const char *why = NULL;
	int rc;

	if (sp_cx_read(data, size, NULL, &cx) != SP_OK)
		return 0;
	rc = sp_record_from_cx(cx, &fast);
	sp_cx_free(cx);
	if (rc != SP_OK)
		return 0;
	rc = sp_doc_parse(data, size, SP_DOC_RECORD, NULL, &doc, &why);
	if (rc != SP_OK) {
		fprintf(stderr, "sp_doc_parse: %s\n", why != NULL ? why : "-");
		differ("the full path refuses the document");
	}
	rc = sp_record_read(doc, &full, &why);
	if (rc != SP_OK) {
		fprintf(stderr, "sp_record_read: %s\n",
		        why != NULL ? why : "-");
		differ("the full path refuses the record");
	}
	compare(fast, full);
	sp_record_free(fast);
	sp_record_free(full);
	sp_doc_free(doc);
	return 0;
}
