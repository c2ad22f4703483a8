/* record_test.c: building and reading Records for every registry type, header
 * reading rules, attachments, visibility. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"
#include "proto_test.h"

static int setup(void **state)
{
	(void)state;
	return sp_protocol_init() == SP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocol_cleanup();
	return 0;
}

static const char *const recips[] = {"KZ-KGS", "CN-HGS"};
static const sp_subject subjects[] = {
    {"Enterprise", "USCC", "91410100MA44K7QX2P"},
    {"Declaration", NULL, "4604202611270000123"},
    {"Goods", "HS", "1901101000"},
};
static const char ceb621[] =
    "<CEB621Message xmlns=\"http://www.chinaport.gov.cn/ceb\">"
    "<InventoryHead><orderNo>ZZ20261127000123</orderNo></InventoryHead></"
    "CEB621Message>";

static void draft_for(sp_record_draft *d, const char *type, const uint8_t *body,
                      size_t len)
{
	memset(d, 0, sizeof(*d));
	d->origin = "CN-ZZ";
	d->sequence = 41;
	d->type = type;
	d->issued = 1795766400; /* 2026-11-27T08:00:00Z */
	d->recipients = recips;
	d->n_recipients = 2;
	d->subjects = subjects;
	d->n_subjects = 3;
	d->body = body;
	d->body_len = len;
}

/* Build, parse and read; returns the read record (doc in *docp). */
static sp_record *build_read(const sp_record_draft *d, sp_doc **docp,
                             uint8_t **bytes, size_t *blen)
{
	const char *why = NULL;
	sp_record *r = NULL;
	int rc = sp_record_build(d, bytes, blen, &why);

	if (rc != SP_OK)
		print_error("build %s: %s (%s)\n", d->type, sp_strerror(rc),
		            why != NULL ? why : "-");
	assert_int_equal(rc, SP_OK);
	rc = sp_doc_parse(*bytes, *blen, SP_DOC_RECORD, NULL, docp, &why);
	assert_int_equal(rc, SP_OK);
	rc = sp_record_read(*docp, &r, &why);
	assert_int_equal(rc, SP_OK);
	return r;
}

static void test_every_type_round_trip(void **state)
{
	sp_attachment att = {"application/xml", "CEB621Message",
	                     (const uint8_t *)ceb621, sizeof(ceb621) - 1};
	size_t n = 0;

	(void)state;
	for (const sp_record_type *t = sp_record_types(); t->code != NULL;
	     t++, n++) {
		char rel[128], open[64];
		size_t len = 0, blen = 0;
		uint8_t *body, *bytes = NULL;
		sp_record_draft d;
		sp_doc *doc = NULL;
		sp_record *r;
		char id[SP_UUID_LEN + 1];

		snprintf(rel, sizeof(rel), "bodies/%s.xml", t->code);
		body = pt_read_data(rel, &len);
		if (body == NULL)
			print_error("missing fixture %s\n", rel);
		assert_non_null(body);
		draft_for(&d, t->code, body, len);
		if (strcmp(t->code, "declaration") == 0) {
			d.attachments = &att;
			d.n_attachments = 1;
		}
		if (strcmp(t->code, "cancellation") == 0)
			d.supersedes = "0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b";
		r = build_read(&d, &doc, &bytes, &blen);

		/* Layout: declaration, default namespace, the body element in
		 * it. */
		assert_true(blen > 40);
		assert_memory_equal(
		    bytes, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
		assert_non_null(strstr(
		    (const char *)bytes,
		    "<Record xmlns=\"urn:silkport:srep:1\" version=\"1\">"));
		snprintf(open, sizeof(open), "\n    <%s>", t->body_element);
		assert_non_null(strstr((const char *)bytes, open));

		assert_true(sp_uuid_valid(sp_record_id(r)));
		snprintf(id, sizeof(id), "%s", sp_record_id(r));
		assert_string_equal(sp_record_origin(r), "CN-ZZ");
		assert_int_equal(sp_record_sequence(r), 41);
		assert_string_equal(sp_record_type_code(r), t->code);
		assert_int_equal(sp_record_issued(r), 1795766400);
		assert_false(sp_record_is_broadcast(r));
		assert_int_equal(sp_record_recipient_count(r), 2);
		assert_string_equal(sp_record_recipient(r, 0), "KZ-KGS");
		assert_string_equal(sp_record_recipient(r, 1), "CN-HGS");
		assert_null(sp_record_recipient(r, 2));
		assert_int_equal(sp_record_subject_count(r), 3);
		assert_string_equal(sp_record_subject(r, 0)->kind,
		                    "Enterprise");
		assert_string_equal(sp_record_subject(r, 0)->scheme, "USCC");
		assert_string_equal(sp_record_subject(r, 0)->value,
		                    "91410100MA44K7QX2P");
		assert_string_equal(sp_record_subject(r, 1)->kind,
		                    "Declaration");
		assert_null(sp_record_subject(r, 1)->scheme);
		assert_string_equal(sp_record_subject(r, 2)->scheme, "HS");
		assert_null(sp_record_subject(r, 3));
		if (d.supersedes != NULL)
			assert_string_equal(sp_record_supersedes(r),
			                    d.supersedes);
		else
			assert_null(sp_record_supersedes(r));

		/* Deterministic: the same draft with the same id gives the same
		 * bytes. */
		{
			uint8_t *again = NULL;
			size_t alen = 0;
			const char *why = NULL;

			d.record_id = id;
			assert_int_equal(
			    sp_record_build(&d, &again, &alen, &why), SP_OK);
			assert_int_equal(alen, blen);
			assert_memory_equal(again, bytes, blen);
			free(again);
		}
		sp_record_free(r);
		sp_doc_free(doc);
		free(bytes);
		free(body);
	}
	assert_int_equal(n, 22);
}

static const char release_body[] =
    "<Release><DeclarationNo>4604202611270000123</DeclarationNo>"
    "<Decision>released</Decision><DecidedAt>2026-11-27T09:12:00Z</DecidedAt></"
    "Release>";

static int build_with(const char *type, const char *body, const char **why)
{
	sp_record_draft d;
	uint8_t *out = (uint8_t *)1;
	size_t len = 7;
	int rc;

	draft_for(&d, type, (const uint8_t *)body, strlen(body));
	rc = sp_record_build(&d, &out, &len, why);
	if (rc == SP_OK)
		free(out);
	else
		assert_null(out);
	return rc;
}

static void test_body_namespaces(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(build_with("release", release_body, &why), SP_OK);
	/* Already in the namespace, with a prefix, with a declaration. */
	assert_int_equal(
	    build_with(
	        "release",
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<s:Release xmlns:s=\"urn:silkport:srep:1\">"
	        "<s:DeclarationNo>1</s:DeclarationNo><s:Decision>held</"
	        "s:Decision>"
	        "<s:DecidedAt>2026-11-27T09:12:00Z</s:DecidedAt></s:Release>",
	        &why),
	    SP_OK);
	assert_int_equal(
	    build_with("release",
	               "<Release xmlns=\"\"><DeclarationNo>1</DeclarationNo>"
	               "<Decision>held</"
	               "Decision><DecidedAt>2026-11-27T09:12:00Z</DecidedAt>"
	               "<Extension><x:note xmlns:x=\"urn:example\">n</x:note>"
	               "<y xmlns=\"urn:other\"><z "
	               "xmlns=\"\">1</z></y></Extension></Release>",
	               &why),
	    SP_OK);
	/* A foreign namespace on the body element is not the type element. */
	assert_int_equal(
	    build_with(
	        "release",
	        "<Release xmlns=\"urn:other\"><DeclarationNo>1</DeclarationNo>"
	        "<Decision>held</Decision><DecidedAt>2026-11-27T09:12:00Z</"
	        "DecidedAt>"
	        "</Release>",
	        &why),
	    SP_ERR_TYPE_MISMATCH);
}

static void test_body_refusals(void **state)
{
	const char *why = NULL;

	(void)state;
	/* Type and body element disagree. */
	assert_int_equal(build_with("tax", release_body, &why),
	                 SP_ERR_TYPE_MISMATCH);
	assert_non_null(strstr(why, "Tax"));
	/* Content the schema rejects. */
	assert_int_equal(
	    build_with("release",
	               "<Release><DeclarationNo>1</DeclarationNo>"
	               "<Decision>maybe</"
	               "Decision><DecidedAt>2026-11-27T09:12:00Z</DecidedAt>"
	               "</Release>",
	               &why),
	    SP_ERR_SCHEMA);
	/* A signature smuggled into the body. */
	assert_int_equal(
	    build_with("release",
	               "<Release><DeclarationNo>1</"
	               "DeclarationNo><Decision>held</Decision>"
	               "<DecidedAt>2026-11-27T09:12:00Z</DecidedAt><Extension>"
	               "<ds:Signature "
	               "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>"
	               "</Extension></Release>",
	               &why),
	    SP_ERR_FIELD);
	/* The hardened parser applies to the fragment. */
	assert_int_equal(
	    build_with("release", "<!DOCTYPE x [<!ENTITY e \"1\">]><Release/>",
	               &why),
	    SP_ERR_NOT_WELL_FORMED);
	/* After the XML declaration is dropped, a DOCTYPE is out of place. */
	assert_int_equal(
	    build_with("release",
	               "<?xml version=\"1.0\"?><!DOCTYPE Release><Release/>",
	               &why),
	    SP_ERR_NOT_WELL_FORMED);
	assert_int_equal(
	    build_with("release", "<Release><?pi x?></Release>", &why),
	    SP_ERR_PROCESSING_INSTRUCTION);
	assert_int_equal(build_with("release", "<Release xml:id=\"a\"/>", &why),
	                 SP_ERR_XML_ID);
	assert_int_equal(build_with("release", "<Release>", &why),
	                 SP_ERR_NOT_WELL_FORMED);
	assert_int_equal(
	    build_with("release",
	               "<?xml version=\"1.0\" encoding=\"GBK\"?><Release/>",
	               &why),
	    SP_ERR_ENCODING);
	assert_int_equal(build_with("release", "text", &why), SP_ERR_FIELD);
	assert_int_equal(build_with("release", "", &why), SP_ERR_FIELD);
	assert_int_equal(build_with("release", "<Release/><Release/>", &why),
	                 SP_ERR_FIELD);
	assert_int_equal(build_with("release", "x<Release/>", &why),
	                 SP_ERR_FIELD);
}

static void test_draft_fields(void **state)
{
	sp_record_draft d;
	uint8_t *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	const char *const dup[] = {"KZ-KGS", "KZ-KGS"};
	const char *const bad_node[] = {"kz-kgs"};
	const sp_subject no_scheme[] = {
	    {"Enterprise", NULL, "91410100MA44K7QX2P"}};
	const sp_subject spaced[] = {{"Waybill", NULL, " YT1"}};

	(void)state;
#define REBUILD(want)                                                          \
	do {                                                                   \
		assert_int_equal(sp_record_build(&d, &out, &len, &why),        \
		                 (want));                                      \
		if (out != NULL) {                                             \
			free(out);                                             \
			out = NULL;                                            \
		}                                                              \
	} while (0)
#define RESET()                                                                \
	draft_for(&d, "release", (const uint8_t *)release_body,                \
	          strlen(release_body))

	RESET();
	REBUILD(SP_OK);
	RESET();
	d.origin = "cn-zz";
	REBUILD(SP_ERR_FIELD);
	assert_non_null(strstr(why, "Origin"));
	RESET();
	d.type = "shipment";
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.record_id = "0F8A3C1E-2B4D-4E6F-8A9B-0C1D2E3F4A5B";
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.sequence = (uint64_t)INT64_MAX + 1;
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.recipients = dup;
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.recipients = bad_node;
	d.n_recipients = 1;
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.n_recipients = 0;
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.subjects = no_scheme;
	d.n_subjects = 1;
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.subjects = spaced;
	d.n_subjects = 1;
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.supersedes = "nope";
	REBUILD(SP_ERR_FIELD);
	RESET();
	d.body = NULL;
	d.body_len = 0;
	REBUILD(SP_ERR_FIELD);
	assert_int_equal(sp_record_build(NULL, &out, &len, &why),
	                 SP_ERR_INVALID_ARGUMENT);
#undef REBUILD
#undef RESET
}

static void test_broadcast_and_visibility(void **state)
{
	sp_record_draft d;
	uint8_t *bytes = NULL;
	size_t blen = 0;
	sp_doc *doc = NULL;
	sp_record *r;

	(void)state;
	draft_for(&d, "release", (const uint8_t *)release_body,
	          strlen(release_body));
	r = build_read(&d, &doc, &bytes, &blen);
	assert_true(sp_record_visible_to(r, "CN-ZZ"));
	assert_true(sp_record_visible_to(r, "KZ-KGS"));
	assert_true(sp_record_visible_to(r, "CN-HGS"));
	assert_false(sp_record_visible_to(r, "UZ-TAS"));
	assert_false(sp_record_visible_to(r, "KZ-KG"));
	assert_false(sp_record_visible_to(r, NULL));
	sp_record_free(r);
	sp_doc_free(doc);
	free(bytes);

	d.broadcast = 1;
	d.n_subjects = 0;
	d.issued = 0; /* now */
	r = build_read(&d, &doc, &bytes, &blen);
	assert_true(sp_record_is_broadcast(r));
	assert_int_equal(sp_record_recipient_count(r), 0);
	assert_int_equal(sp_record_subject_count(r), 0);
	assert_true(sp_record_issued(r) > 1700000000);
	assert_true(sp_record_visible_to(r, "UZ-TAS"));
	assert_non_null(strstr((const char *)bytes, "<Broadcast/>"));
	sp_record_free(r);
	sp_doc_free(doc);
	free(bytes);
	sp_record_free(NULL);
}

/* Read a hand-written record (not built by us). */
static int read_text(const char *s, sp_record **r, const char **why)
{
	sp_doc *doc = NULL;
	int rc;

	*r = NULL;
	rc = sp_doc_parse((const uint8_t *)s, strlen(s), SP_DOC_RECORD, NULL,
	                  &doc, why);
	if (rc == SP_OK)
		rc = sp_record_read(doc, r, why);
	sp_doc_free(doc);
	return rc;
}

static void test_comment_split_value(void **state)
{
	char *s, *t;
	sp_record *r = NULL;
	const char *why = NULL;

	(void)state;
	s = pt_replace(PT_RECORD, "<Origin>CN-ZZ</Origin>",
	               "<Origin>CN-<!--x-->ZZ</Origin>");
	t = pt_replace(s, "<Node>KZ-KGS</Node>",
	               "<Node>KZ<!-- y -->-KGS</Node>");
	assert_int_equal(read_text(t, &r, &why), SP_OK);
	assert_string_equal(sp_record_origin(r), "CN-ZZ");
	assert_string_equal(sp_record_recipient(r, 0), "KZ-KGS");
	sp_record_free(r);
	free(s);
	free(t);
	/* A CDATA section is merged into the text as well. */
	s = pt_replace(PT_RECORD, "<Origin>CN-ZZ</Origin>",
	               "<Origin>CN<![CDATA[-Z]]>Z</Origin>");
	assert_int_equal(read_text(s, &r, &why), SP_OK);
	assert_string_equal(sp_record_origin(r), "CN-ZZ");
	sp_record_free(r);
	free(s);
}

static void test_read_checks(void **state)
{
	char *s;
	sp_record *r = NULL;
	const char *why = NULL;
	sp_doc *doc = NULL;

	(void)state;
	/* Type must match the body element. */
	s = pt_replace(PT_RECORD, "<Type>release</Type>", "<Type>tax</Type>");
	assert_int_equal(read_text(s, &r, &why), SP_ERR_TYPE_MISMATCH);
	assert_null(r);
	free(s);
	/* Calendar rules the pattern cannot say. */
	s = pt_replace(PT_RECORD, "2026-11-27T08:00:00Z",
	               "2026-02-30T08:00:00Z");
	assert_int_equal(read_text(s, &r, &why), SP_ERR_FIELD);
	free(s);
	/* Sequence above 2^63-1. */
	s = pt_replace(PT_RECORD, "<Sequence>7</Sequence>",
	               "<Sequence>9223372036854775808</Sequence>");
	assert_int_equal(read_text(s, &r, &why), SP_ERR_FIELD);
	free(s);
	/* Wrong kind of document. */
	assert_int_equal(sp_record_read(NULL, &r, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    pt_parse("<problem xmlns=\"urn:ietf:rfc:7807\"><type>x</type>"
	             "<title>t</title><status>500</status></problem>",
	             SP_DOC_PROBLEM, &doc),
	    SP_OK);
	assert_int_equal(sp_record_read(doc, &r, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	sp_doc_free(doc);
}

static void test_attachments(void **state)
{
	static const uint8_t bin[] = {0x00, 0xff, 0x10, 0x80, 0x7f};
	sp_attachment atts[2] = {
	    {"application/xml", "CEB621Message", (const uint8_t *)ceb621,
	     sizeof(ceb621) - 1},
	    {"application/octet-stream", "ePhyto", bin, sizeof(bin)},
	};
	sp_record_draft d;
	uint8_t *bytes = NULL;
	size_t blen = 0;
	sp_doc *doc = NULL;
	sp_record *r;
	char digest[65], *tampered, *s;
	const char *why = NULL;

	(void)state;
	draft_for(&d, "release", (const uint8_t *)release_body,
	          strlen(release_body));
	d.attachments = atts;
	d.n_attachments = 2;
	r = build_read(&d, &doc, &bytes, &blen);
	sp_record_free(r);
	sp_doc_free(doc);
	sp_sha256_hex(bin, sizeof(bin), digest);
	assert_non_null(strstr((const char *)bytes, digest));
	assert_non_null(strstr((const char *)bytes, ">AP8QgH8=<"));

	/* Content changed, digest kept. */
	s = malloc(blen + 1);
	memcpy(s, bytes, blen);
	s[blen] = '\0';
	tampered = pt_replace(s, ">AP8QgH8=<", ">BP8QgH8=<");
	assert_non_null(tampered);
	assert_int_equal(read_text(tampered, &r, &why),
	                 SP_ERR_ATTACHMENT_DIGEST);
	free(tampered);
	/* Digest changed, content kept. */
	tampered = pt_replace(
	    s, digest,
	    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(read_text(tampered, &r, &why),
	                 SP_ERR_ATTACHMENT_DIGEST);
	free(tampered);
	/* Whitespace inside base64 is ignored. */
	tampered = pt_replace(s, ">AP8QgH8=<", ">AP8Q\n  gH8=<");
	assert_int_equal(read_text(tampered, &r, &why), SP_OK);
	sp_record_free(r);
	free(tampered);
	/* Broken base64. */
	tampered = pt_replace(s, ">AP8QgH8=<", ">AP8QgH8<");
	assert_int_equal(read_text(tampered, &r, &why), SP_ERR_FIELD);
	free(tampered);
	free(s);
	free(bytes);

	/* Attachment attributes the schema refuses. */
	atts[1].media_type = "octet stream";
	assert_int_equal(sp_record_build(&d, &bytes, &blen, &why),
	                 SP_ERR_SCHEMA);
	assert_null(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_type_round_trip),
	    cmocka_unit_test(test_body_namespaces),
	    cmocka_unit_test(test_body_refusals),
	    cmocka_unit_test(test_draft_fields),
	    cmocka_unit_test(test_broadcast_and_visibility),
	    cmocka_unit_test(test_comment_split_value),
	    cmocka_unit_test(test_read_checks),
	    cmocka_unit_test(test_attachments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
