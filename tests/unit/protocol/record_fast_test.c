/* record_fast_test.c: sp_record_from_cx (record_fast.c) reads every body
 * type of the registry to the same sp_record as sp_doc_parse() +
 * sp_record_read(), and declines (SP_CX_OTHER) each record the schema or a
 * record rule refuses, records that use an unmodeled type, and records
 * under a schema whose pattern it has no checker for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol_int.h"
#include "unit/protocol/proto_test.h"
#include "unit/trust/fixture.h"

static char g_dir[FX_PATH];
static sp_key *g_key; /* CN-ZZ, P-256 */

static int setup(void **state)
{
	(void)state;
	if (sp_trust_init() != SP_OK || fx_tmpdir(g_dir, "rfast") != 0 ||
	    fx_signer(g_dir, "CN-ZZ", SP_KEY_P256, &g_key) != SP_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_key_free(g_key);
	fx_rmtree(g_dir);
	sp_trust_cleanup();
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static const char *const g_recips[] = {"CN-HN", "KZ-KGS", "CN-ZZ"};
static const sp_subject g_subjects[] = {
    {"Enterprise", "USCC", "91410100MA44K7QX2P"},
    {"Declaration", NULL, "4604202611270000123"},
    {"Waybill", NULL, "SF1234567890"},
    {"Order", NULL, "ZZ20261127000123"},
    {"Payment", NULL, "PAY-2026-0001"},
    {"Goods", "HS", "1901101000"},
    {"Goods", NULL, "Green tea \xe7\xbb\xbf\xe8\x8c\xb6"},
    {"Container", NULL, "MSKU1234567"},
    {"Conveyance", NULL, "CA1234"},
    {"Case", NULL, "CASE-77"},
};
static const char g_ceb621[] =
    "<CEB621Message xmlns=\"http://www.chinaport.gov.cn/ceb\">"
    "<InventoryHead><orderNo>ZZ20261127000123</orderNo></InventoryHead>"
    "</CEB621Message>";

#define RECORD_ID  "5f0c2a9e-8d7b-4c6a-b5e4-d3c2b1a09f8e"
#define SUPERSEDES "0b8a5c7e-3f2d-4a1b-9c8d-7e6f5a4b3c2d"

/* Build and sign a record of `type` with body, every subject kind, three
 * recipients (or Broadcast), a Supersedes and two attachments. */
static uint8_t *signed_record(const char *type, const char *body, int broadcast,
                              size_t *len)
{
	sp_attachment att[2] = {
	    {"application/xml", "CEB621Message", (const uint8_t *)g_ceb621,
	     sizeof(g_ceb621) - 1},
	    {"text/plain", "note", (const uint8_t *)"", 0},
	};
	sp_record_draft d;
	uint8_t *u = NULL, *out = NULL;
	size_t ul = 0;
	const char *why = NULL;
	int rc;

	memset(&d, 0, sizeof(d));
	d.record_id = RECORD_ID;
	d.origin = "CN-ZZ";
	d.sequence = 9007199254740993ULL;
	d.type = type;
	d.issued = 1795766400;
	d.broadcast = broadcast;
	d.recipients = g_recips;
	d.n_recipients = 3;
	d.subjects = g_subjects;
	d.n_subjects = sizeof(g_subjects) / sizeof(g_subjects[0]);
	d.supersedes = SUPERSEDES;
	d.body = (const uint8_t *)body;
	d.body_len = strlen(body);
	d.attachments = att;
	d.n_attachments = 2;
	rc = sp_record_build(&d, &u, &ul, &why);
	if (rc != SP_OK)
		print_error("build %s: %s\n", type, why != NULL ? why : "-");
	assert_int_equal(rc, SP_OK);
	rc = sp_sign_document(g_key, u, ul, &out, len, &why);
	free(u);
	if (rc != SP_OK)
		print_error("sign %s: %s\n", type, why != NULL ? why : "-");
	assert_int_equal(rc, SP_OK);
	return out;
}

static void assert_same_record(const sp_record *a, const sp_record *b)
{
	assert_string_equal(sp_record_id(a), sp_record_id(b));
	assert_string_equal(sp_record_origin(a), sp_record_origin(b));
	assert_true(sp_record_sequence(a) == sp_record_sequence(b));
	assert_string_equal(sp_record_type_code(a), sp_record_type_code(b));
	assert_true(sp_record_issued(a) == sp_record_issued(b));
	assert_int_equal(sp_record_is_broadcast(a), sp_record_is_broadcast(b));
	assert_int_equal(sp_record_recipient_count(a),
	                 sp_record_recipient_count(b));
	for (size_t i = 0; i < sp_record_recipient_count(a); i++)
		assert_string_equal(sp_record_recipient(a, i),
		                    sp_record_recipient(b, i));
	assert_int_equal(sp_record_subject_count(a),
	                 sp_record_subject_count(b));
	for (size_t i = 0; i < sp_record_subject_count(a); i++) {
		const sp_subject *x = sp_record_subject(a, i);
		const sp_subject *y = sp_record_subject(b, i);

		assert_string_equal(x->kind, y->kind);
		assert_string_equal(x->value, y->value);
		assert_int_equal(x->scheme == NULL, y->scheme == NULL);
		if (x->scheme != NULL)
			assert_string_equal(x->scheme, y->scheme);
	}
	assert_int_equal(sp_record_supersedes(a) == NULL,
	                 sp_record_supersedes(b) == NULL);
	if (sp_record_supersedes(a) != NULL)
		assert_string_equal(sp_record_supersedes(a),
		                    sp_record_supersedes(b));
}

/* The full path's answer: SP_OK with *out, or its error. */
static int full_read(const uint8_t *buf, size_t len, sp_record **out)
{
	sp_doc *doc = NULL;
	const char *why = NULL;
	int rc = sp_doc_parse(buf, len, SP_DOC_RECORD, NULL, &doc, &why);

	*out = NULL;
	if (rc == SP_OK)
		rc = sp_record_read(doc, out, &why);
	sp_doc_free(doc);
	return rc;
}

/* The fast path's answer under schema s (NULL: the one of
 * sp_protocol_init). The canonical reading itself must accept buf: every
 * case here is about the schema and the record rules. */
static int fast_read(const sp_fs_schema *s, const uint8_t *buf, size_t len,
                     sp_record **out)
{
	sp_cx_doc *d = NULL;
	int rc = sp_cx_read(buf, len, NULL, &d);

	*out = NULL;
	if (rc != SP_OK)
		print_error("the canonical reading declined: %.*s\n", (int)len,
		            (const char *)buf);
	assert_int_equal(rc, SP_OK);
	rc = s != NULL ? sp_proto__record_from_cx(s, d, out)
	               : sp_record_from_cx(d, out);
	sp_cx_free(d);
	return rc;
}

/* Both paths accept buf and read the same record. */
static void assert_both_accept(const uint8_t *buf, size_t len)
{
	sp_record *fast = NULL, *full = NULL;

	assert_int_equal(full_read(buf, len, &full), SP_OK);
	if (fast_read(NULL, buf, len, &fast) != SP_OK)
		print_error("the fast path declined: %.*s\n", (int)len,
		            (const char *)buf);
	assert_non_null(fast);
	assert_same_record(fast, full);
	sp_record_free(fast);
	sp_record_free(full);
}

/* ---------------------------------------------------------------- accept */

static void test_every_body_type(void **state)
{
	size_t n = 0;

	(void)state;
	for (const sp_record_type *t = sp_record_types(); t->code != NULL;
	     t++, n++) {
		char rel[128];
		size_t blen = 0, len = 0;
		uint8_t *body, *rec;

		snprintf(rel, sizeof(rel), "bodies/%s.xml", t->code);
		body = pt_read_data(rel, &blen);
		assert_non_null(body);
		rec = signed_record(t->code, (const char *)body, 0, &len);
		assert_both_accept(rec, len);
		free(rec);
		rec = signed_record(t->code, (const char *)body, 1, &len);
		assert_both_accept(rec, len);
		free(rec);
		free(body);
	}
	assert_int_equal(n, 22);
}

/* ---------------------------------------------------------------- decline */

#define DECL_BODY                                                              \
	"<Declaration><DeclarationNo>4600202611270001</DeclarationNo>"         \
	"<Mode>9610</Mode><Direction>export</Direction>"                       \
	"<Declarant>Zhengzhou Broker</Declarant>"                              \
	"<Item><Name>Green tea</Name><Quantity>2</Quantity>"                   \
	"<Value currency=\"CNY\">120.50</Value></Item></Declaration>"

static char *g_decl; /* a signed declaration record, NUL-terminated */

static char *decl_record(void)
{
	size_t len = 0;
	uint8_t *rec = signed_record("declaration", DECL_BODY, 0, &len);
	char *s = malloc(len + 1);

	assert_non_null(s);
	memcpy(s, rec, len);
	s[len] = '\0';
	free(rec);
	return s;
}

/* The record with `from` replaced by `to` is one the full path refuses,
 * and the fast path declines. */
static void declines_(const char *base, const char *from, const char *to,
                      int full_refuses)
{
	char *m = pt_replace(base, from, to);
	sp_record *r = NULL;
	int rc;

	if (m == NULL)
		print_error("not in the record: %s\n", from);
	assert_non_null(m);
	rc = full_read((const uint8_t *)m, strlen(m), &r);
	sp_record_free(r);
	if ((rc != SP_OK) != full_refuses)
		print_error("full path %s: %s -> %s\n",
		            rc == SP_OK ? "took" : "refused", from, to);
	if (full_refuses)
		assert_int_not_equal(rc, SP_OK);
	else
		assert_int_equal(rc, SP_OK);
	rc = fast_read(NULL, (const uint8_t *)m, strlen(m), &r);
	if (rc != SP_CX_OTHER)
		print_error("fast path took: %s -> %s\n", from, to);
	assert_int_equal(rc, SP_CX_OTHER);
	assert_null(r);
	free(m);
}

#define DECLINES(from, to) declines_(g_decl, (from), (to), 1)

static void test_schema_refusals(void **state)
{
	char *m;

	(void)state;
	g_decl = decl_record();
	assert_both_accept((const uint8_t *)g_decl, strlen(g_decl));
	/* an enumeration */
	DECLINES("<Direction>export</Direction>",
	         "<Direction>exports</Direction>");
	DECLINES("<Type>declaration</Type>", "<Type>Declaration</Type>");
	/* patterns */
	DECLINES("<Mode>9610</Mode>", "<Mode>961A</Mode>");
	DECLINES("<Origin>CN-ZZ</Origin>", "<Origin>cn-ZZ</Origin>");
	DECLINES("<Quantity>2</Quantity>", "<Quantity>02</Quantity>");
	DECLINES("<Declarant>Zhengzhou Broker</Declarant>",
	         "<Declarant>Zhengzhou Broker </Declarant>");
	DECLINES("<Declarant>Zhengzhou Broker</Declarant>",
	         "<Declarant>Zhengzhou\nBroker</Declarant>");
	DECLINES("currency=\"CNY\"", "currency=\"CN\"");
	DECLINES("<Issued>2026-11-27T08:00:00Z</Issued>",
	         "<Issued>2026-13-27T08:00:00Z</Issued>");
	/* the fixed version */
	DECLINES("version=\"1\"", "version=\"2\"");
	/* missing, extra and out-of-order elements */
	DECLINES("<Mode>9610</Mode>", "");
	DECLINES("<Mode>9610</Mode>", "<Mode>9610</Mode><Mode>9610</Mode>");
	m = pt_replace(g_decl, "<Mode>9610</Mode>", "");
	assert_non_null(m);
	declines_(m, "<Direction>export</Direction>",
	          "<Direction>export</Direction><Mode>9610</Mode>", 1);
	free(m);
	DECLINES("<Declarant>", "<Note>x</Note><Declarant>");
	DECLINES("</Value>", "</Value><Colour>green</Colour>");
	/* undeclared and missing attributes; text in element content */
	DECLINES("<Mode>", "<Mode mode=\"1\">");
	DECLINES("<Declaration>", "<Declaration id=\"d\">");
	DECLINES(" currency=\"CNY\"", "");
	DECLINES("<DeclarationNo>", "x<DeclarationNo>");
	/* the unique recipients, Broadcast alone */
	DECLINES("<Node>KZ-KGS</Node>", "<Node>CN-HN</Node>");
	DECLINES("<Recipients>", "<Recipients><Broadcast></Broadcast>");
	DECLINES("<Node>CN-HN</Node>",
	         "<Node>CN-HN</Node><Broadcast></Broadcast>");
	free(g_decl);
}

static void test_record_rule_refusals(void **state)
{
	char good[65], bad[65], from[80], to[80];
	size_t blen = 0, len = 0;
	uint8_t *body, *rec;
	char *s;

	(void)state;
	g_decl = decl_record();
	/* Type against the body element; Supersedes is not the own id */
	DECLINES("<Type>declaration</Type>", "<Type>order</Type>");
	DECLINES("<Supersedes>" SUPERSEDES, "<Supersedes>" RECORD_ID);
	/* calendar dates the pattern allows */
	DECLINES("<Issued>2026-11-27T08:00:00Z</Issued>",
	         "<Issued>2026-02-30T08:00:00Z</Issued>");
	/* Sequence beyond 2^63 - 1 (the pattern allows 19 digits) */
	DECLINES("<Sequence>9007199254740993</Sequence>",
	         "<Sequence>9999999999999999999</Sequence>");
	/* an attachment's digest (of other content) and base64 */
	sp_sha256_hex((const uint8_t *)g_ceb621, sizeof(g_ceb621) - 1, good);
	sp_sha256_hex((const uint8_t *)"other", 5, bad);
	snprintf(from, sizeof(from), "sha256=\"%s\"", good);
	snprintf(to, sizeof(to), "sha256=\"%s\"", bad);
	DECLINES(from, to);
	DECLINES("</Attachment>", "A</Attachment>");
	/* a subject's own rules: Enterprise needs a scheme */
	DECLINES("<Enterprise scheme=\"USCC\">", "<Enterprise>");
	free(g_decl);

	/* PeriodStart after PeriodEnd */
	body = pt_read_data("bodies/statistics.xml", &blen);
	assert_non_null(body);
	rec = signed_record("statistics", (const char *)body, 0, &len);
	s = strndup((const char *)rec, len);
	assert_non_null(s);
	declines_(s, "<PeriodStart>2026-11-01T00:00:00Z",
	          "<PeriodStart>2026-12-01T00:00:00Z", 1);
	free(s);
	free(rec);
	free(body);
}

/* Name is at most 256 characters: multibyte text counts in characters. */
static void test_lengths_in_characters(void **state)
{
	char name[2 * 257 + 1], from[64], *m, *to;
	const char *base;
	size_t i;

	(void)state;
	g_decl = decl_record();
	base = g_decl;
	snprintf(from, sizeof(from), "<Declarant>Zhengzhou Broker</Declarant>");
	for (i = 0; i < 256; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2); /* U+00E9, 2 bytes */
	name[2 * 256] = '\0';
	to = malloc(sizeof(name) + 64);
	assert_non_null(to);
	/* 256 characters in 512 bytes: both accept */
	snprintf(to, sizeof(name) + 64, "<Declarant>%s</Declarant>", name);
	m = pt_replace(base, from, to);
	assert_non_null(m);
	assert_both_accept((const uint8_t *)m, strlen(m));
	free(m);
	/* 257 characters: too long */
	memcpy(name + 2 * 256, "\xc3\xa9", 2);
	name[2 * 257] = '\0';
	snprintf(to, sizeof(name) + 64, "<Declarant>%s</Declarant>", name);
	declines_(base, from, to, 1);
	free(to);
	free(g_decl);
}

/* XML-DSig elements only as the root's last child, only ds:Signature. */
static void test_dsig_slot(void **state)
{
	char *m;

	(void)state;
	g_decl = decl_record();
	DECLINES("</Declaration>",
	         "</Declaration><ds:Object "
	         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
	         "</ds:Object>");
	DECLINES("</ds:Signature>",
	         "</ds:Signature><ds:Signature "
	         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
	         "</ds:Signature>");
	/* a ds element other than Signature in the slot */
	m = pt_replace(g_decl, "<ds:Signature ", "<ds:Object ");
	assert_non_null(m);
	declines_(m, "</ds:Signature>", "</ds:Object>", 1);
	free(m);
	DECLINES("</ds:Signature>", "</ds:Signature><Body></Body>");
	free(g_decl);
}

/* A body with an Extension (mixed content, any element, any attribute,
 * none of it validated): read alike both ways, whatever it holds, except
 * an XML-DSig element, which the slot rule refuses anywhere there. */
static void test_extension_open(void **state)
{
	uint8_t *u = NULL, *rec = NULL;
	size_t ul = 0, len = 0;
	char *s, *m;

	(void)state;
	assert_int_equal(
	    fx_record_build("CN-ZZ", 3, NULL, 1795766400, NULL, 0, &u, &ul),
	    SP_OK);
	assert_int_equal(fx_sign(g_key, u, ul, &rec, &len), SP_OK);
	s = strndup((const char *)rec, len);
	assert_non_null(s);
	assert_both_accept((const uint8_t *)s, strlen(s));
	m = pt_replace(s, "<Extension>",
	               "<Extension a=\"1\" b=\"&lt;&quot;\">text &amp; more"
	               "<Any><Deeper x=\"y\">z</Deeper></Any>\ntail"
	               "<Node>not a recipient</Node>");
	assert_non_null(m);
	assert_both_accept((const uint8_t *)m, strlen(m));
	free(m);
	declines_(s, "<Note>test</Note>",
	          "<ds:KeyName xmlns:ds=\"" SP_DSIG_NS "\">x</ds:KeyName>", 1);
	free(s);
	free(rec);
	free(u);
}

/* The schema is compiled from the XSD text: a pattern without a checker
 * makes its type unmodeled, and a record using it is declined. */
static void test_xsd_tweak(void **state)
{
	static const char from[] =
	    "<xs:pattern value=\"[A-Z0-9][A-Za-z0-9._\\-]{0,63}\"/>";
	static const char to[] =
	    "<xs:pattern value=\"[A-Z0-9][A-Za-z0-9._\\-]{0,62}\"/>";
	char *xsd = strndup((const char *)sp_proto__schema_record,
	                    sp_proto__schema_record_len);
	char *tweaked;
	sp_fs_schema *same = NULL, *other = NULL;
	sp_record *r = NULL;

	(void)state;
	assert_non_null(xsd);
	tweaked = pt_replace(xsd, from, to);
	assert_non_null(tweaked);
	assert_int_equal(sp_proto__fs_compile((const unsigned char *)xsd,
	                                      strlen(xsd), &same),
	                 SP_OK);
	assert_int_equal(sp_proto__fs_compile((const unsigned char *)tweaked,
	                                      strlen(tweaked), &other),
	                 SP_OK);
	assert_true(sp_proto__fs_type_modeled(same, "NodeId"));
	assert_false(sp_proto__fs_type_modeled(other, "NodeId"));
	assert_true(sp_proto__fs_type_modeled(other, "UUID"));
	assert_true(sp_proto__fs_type_modeled(same, "Extension"));

	g_decl = decl_record();
	assert_int_equal(
	    fast_read(same, (const uint8_t *)g_decl, strlen(g_decl), &r),
	    SP_OK);
	sp_record_free(r);
	assert_int_equal(
	    fast_read(other, (const uint8_t *)g_decl, strlen(g_decl), &r),
	    SP_CX_OTHER);
	assert_null(r);
	free(g_decl);
	/* a construct outside the subset (whiteSpace) unmodels the type */
	free(tweaked);
	tweaked = pt_replace(xsd, "<xs:pattern value=\"[A-Z]{3}\"/>",
	                     "<xs:whiteSpace value=\"collapse\"/>");
	assert_non_null(tweaked);
	sp_proto__fs_free(other);
	assert_int_equal(sp_proto__fs_compile((const unsigned char *)tweaked,
	                                      strlen(tweaked), &other),
	                 SP_OK);
	assert_false(sp_proto__fs_type_modeled(other, "Currency"));
	assert_false(sp_proto__fs_type_modeled(other, "Amount"));
	assert_true(sp_proto__fs_type_modeled(other, "Decimal"));
	/* the open type only as SREP spells it: a lax wildcard is not */
	free(tweaked);
	tweaked = pt_replace(
	    xsd, "<xs:any namespace=\"##any\" processContents=\"skip\"",
	    "<xs:any namespace=\"##any\" processContents=\"lax\"");
	assert_non_null(tweaked);
	sp_proto__fs_free(other);
	assert_int_equal(sp_proto__fs_compile((const unsigned char *)tweaked,
	                                      strlen(tweaked), &other),
	                 SP_OK);
	assert_false(sp_proto__fs_type_modeled(other, "Extension"));
	sp_proto__fs_free(same);
	sp_proto__fs_free(other);
	free(tweaked);
	free(xsd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_body_type),
	    cmocka_unit_test(test_schema_refusals),
	    cmocka_unit_test(test_record_rule_refusals),
	    cmocka_unit_test(test_lengths_in_characters),
	    cmocka_unit_test(test_dsig_slot),
	    cmocka_unit_test(test_extension_open),
	    cmocka_unit_test(test_xsd_tweak),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
