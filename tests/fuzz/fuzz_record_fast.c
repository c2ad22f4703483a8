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

/* ---------------------------------------------------------------- values
 *
 * Random bytes rarely make a record both readers accept, so half the
 * inputs are a value put into one field of a small canonical record: the
 * pattern, enumeration and length checkers of record_fast.c then meet
 * libxml2's XSD regular expressions on arbitrary text. */

#define HEAD(type)                                                             \
	"<Record xmlns=\"urn:silkport:srep:1\" version=\"1\"><Header>"         \
	"<RecordId>5f0c2a9e-8d7b-4c6a-b5e4-d3c2b1a09f8e</RecordId>"            \
	"<Origin>CN-ZZ</Origin><Sequence>42</Sequence><Type>" type "</Type>"   \
	"<Issued>2026-11-27T08:00:00Z</Issued><Recipients><Node>CN-HN</Node>"  \
	"<Node>KZ-KGS</Node></Recipients><Subject>"                            \
	"<Enterprise scheme=\"USCC\">91410100MA44K7QX2P</Enterprise>"          \
	"<Goods>tea</Goods></Subject>"                                         \
	"<Supersedes>0b8a5c7e-3f2d-4a1b-9c8d-7e6f5a4b3c2d</Supersedes>"        \
	"</Header><Body>"

static const char *const templates[] = {
    HEAD(
        "declaration") "<Declaration><DeclarationNo>D1</DeclarationNo>"
                       "<Mode>9610</Mode><Direction>export</Direction>"
                       "<Declarant>Broker</Declarant><Item><Name>Tea</Name>"
                       "<Quantity>7.25</Quantity><Value currency=\"CNY\">1.5"
                       "</Value><HsCode>090210</HsCode></Item>"
                       "</Declaration><Attachment mediaType=\"text/plain\" "
                       "profile=\"prof1\" sha256=\"709e80c88487a2411e1ee4dfb9f2"
                       "2a861492d20c4765150c0c794abd70f8147c\">AAAA</"
                       "Attachment>"
                       "</Body></Record>",
    HEAD("statistics") "<Statistics><PeriodStart>2026-11-01T00:00:00Z"
                       "</PeriodStart><PeriodEnd>2026-11-30T23:59:59Z"
                       "</PeriodEnd><Indicator name=\"n.1\">-1.25</Indicator>"
                       "</Statistics></Body></Record>",
    HEAD("cancellation") "<Cancellation><DeclarationNo>D1</DeclarationNo>"
                         "<Reason>Wrong</Reason></Cancellation></Body>"
                         "</Record>",
};

/* A field: in which template, the text replaced, an attribute or not. */
static const struct {
	unsigned t;
	const char *from;
	int in_attr;
} slots[] = {
    {0, "5f0c2a9e-8d7b-4c6a-b5e4-d3c2b1a09f8e", 0},
    {0, "CN-ZZ", 0},
    {0, "42", 0},
    {0, "declaration", 0},
    {0, "2026-11-27T08:00:00Z", 0},
    {0, "KZ-KGS", 0},
    {0, "USCC", 1},
    {0, "91410100MA44K7QX2P", 0},
    {0, "tea", 0},
    {0, "0b8a5c7e-3f2d-4a1b-9c8d-7e6f5a4b3c2d", 0},
    {0, "D1", 0},
    {0, "9610", 0},
    {0, "export", 0},
    {0, "Broker", 0},
    {0, "Tea", 0},
    {0, "7.25", 0},
    {0, "CNY", 1},
    {0, "1.5", 0},
    {0, "090210", 0},
    {0, "text/plain", 1},
    {0, "prof1", 1},
    {0, "709e80c88487a2411e1ee4dfb9f22a861492d20c4765150c0c794abd70f8147c", 1},
    {0, "AAAA", 0},
    {1, "2026-11-01T00:00:00Z", 0},
    {1, "2026-11-30T23:59:59Z", 0},
    {1, "n.1", 1},
    {1, "-1.25", 0},
    {2, "Wrong", 0},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_protocol_init() != SP_OK)
		abort();
	/* Each template must pass the fast path as it is, or the value half
	 * of the inputs would test nothing. */
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		sp_cx_doc *cx = NULL;
		sp_record *r = NULL;

		if (sp_cx_read((const uint8_t *)templates[i],
		               strlen(templates[i]), NULL, &cx) != SP_OK ||
		    sp_record_from_cx(cx, &r) != SP_OK) {
			fprintf(stderr,
			        "fuzz_record_fast: template %zu is "
			        "declined\n",
			        i);
			abort();
		}
		sp_record_free(r);
		sp_cx_free(cx);
	}
	return 0;
}

/* Append v escaped as canonical form writes it (text or attribute). */
static size_t escape(char *out, const uint8_t *v, size_t n, int in_attr)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;

		switch (v[i]) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = in_attr ? NULL : "&gt;";
			break;
		case '"':
			e = in_attr ? "&quot;" : NULL;
			break;
		case '\t':
			e = in_attr ? "&#x9;" : NULL;
			break;
		case '\n':
			e = in_attr ? "&#xA;" : NULL;
			break;
		case '\r':
			e = "&#xD;";
			break;
		}
		if (e != NULL) {
			memcpy(out + o, e, strlen(e));
			o += strlen(e);
		} else {
			out[o++] = (char)v[i];
		}
	}
	return o;
}

/* The template of slot k with its field replaced by v; malloc'd. */
static char *with_value(unsigned k, const uint8_t *v, size_t n, size_t *len)
{
	const char *t = templates[slots[k].t], *from = slots[k].from;
	const char *at = strstr(t, from), *rest;
	size_t pre, o;
	char *out;

	if (at == NULL)
		abort(); /* a slot not in its template: fix the table */
	pre = (size_t)(at - t);
	rest = at + strlen(from);
	out = malloc(strlen(t) + 6 * n + 1);
	if (out == NULL)
		abort();
	memcpy(out, t, pre);
	o = pre + escape(out + pre, v, n, slots[k].in_attr);
	strcpy(out + o, rest);
	*len = o + strlen(rest);
	return out;
}

static void differential(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = 0;
	char *doc;

	if (size < 2 || (data[0] & 1) == 0) {
		differential(data, size);
		return 0;
	}
	doc = with_value(data[1] % (sizeof(slots) / sizeof(slots[0])), data + 2,
	                 size - 2, &len);
	differential((const uint8_t *)doc, len);
	free(doc);
	return 0;
}

static void differential(const uint8_t *data, size_t size)
{
	sp_cx_doc *cx = NULL;
	sp_record *fast = NULL, *full = NULL;
	sp_doc *doc = NULL;
	const char *why = NULL;
	int rc;

	if (sp_cx_read(data, size, NULL, &cx) != SP_OK)
		return;
	rc = sp_record_from_cx(cx, &fast);
	sp_cx_free(cx);
	if (rc != SP_OK)
		return;
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
}
