/* fuzz_parse.c: libFuzzer target for the hardened parser and schema check
 * of every document kind, and the readers that run on a parsed tree. */
#include <stdint.h>
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

/* Whatever the input, a parse either fails with a parse error and no
 * document, or gives a document of the kind asked for. */
static void check_parse_result(int rc, sp_doc *doc, sp_doc_kind kind,
                               const char *why)
{
	if (rc == SP_OK) {
		if (doc == NULL || sp_doc_get_kind(doc) != kind)
			abort();
		return;
	}
	if (doc != NULL || rc >= 0)
		abort();
	if (why == NULL)
		abort();
}

static void read_record(sp_doc *doc)
{
	sp_record *r = NULL;
	const char *why = NULL;
	size_t i, n;

	if (sp_record_read(doc, &r, &why) != SP_OK) {
		if (r != NULL)
			abort();
		return;
	}
	/* Touch every accessor so that ASan sees every string. */
	if (strlen(sp_record_id(r)) != SP_UUID_LEN ||
	    !sp_node_id_valid(sp_record_origin(r)))
		abort();
	(void)sp_record_sequence(r);
	if (sp_record_type_find(sp_record_type_code(r)) == NULL)
		abort();
	(void)sp_record_issued(r);
	(void)sp_record_is_broadcast(r);
	n = sp_record_recipient_count(r);
	for (i = 0; i < n; i++)
		if (!sp_node_id_valid(sp_record_recipient(r, i)))
			abort();
	n = sp_record_subject_count(r);
	for (i = 0; i < n; i++) {
		const sp_subject *s = sp_record_subject(r, i);
		if (s == NULL || s->kind == NULL || s->value == NULL)
			abort();
	}
	if (sp_record_supersedes(r) != NULL &&
	    !sp_uuid_valid(sp_record_supersedes(r)))
		abort();
	(void)sp_record_visible_to(r, "CN-ZZ");
	sp_record_free(r);
}

static void read_other(sp_doc *doc, sp_doc_kind kind)
{
	const char *why = NULL;

	if (kind == SP_DOC_RECEIPT) {
		sp_receipt_info ri;
		(void)sp_receipt_read(doc, &ri, &why);
	} else if (kind == SP_DOC_TRUST_LIST) {
		sp_tl *tl = NULL;
		if (sp_tl_read(doc, &tl, &why) == SP_OK) {
			size_t i;
			for (i = 0; i < tl->n_members; i++)
				(void)sp_tl_find(tl, tl->members[i].node_id);
		}
		sp_tl_free(tl);
	} else if (kind == SP_DOC_PROBLEM) {
		int err = 0, status = 0;
		char *detail = NULL;
		(void)sp_problem_read(doc, &err, &status, &detail);
		free(detail);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const sp_doc_kind kinds[] = {SP_DOC_RECORD, SP_DOC_RECEIPT,
	                                    SP_DOC_TRUST_LIST, SP_DOC_PROBLEM};
	size_t k;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		sp_doc *doc = NULL;
		const char *why = NULL;
		int rc = sp_doc_parse(data, size, kinds[k], NULL, &doc, &why);

		check_parse_result(rc, doc, kinds[k], why);
		if (rc != SP_OK)
			continue;
		{
			size_t blen = 0;
			const uint8_t *b = sp_doc_bytes(doc, &blen);
			if (blen != size ||
			    (size > 0 && memcmp(b, data, size) != 0))
				abort();
		}
		if (kinds[k] == SP_DOC_RECORD)
			read_record(doc);
		else
			read_other(doc, kinds[k]);
		sp_doc_free(doc);
	}
	return 0;
}
