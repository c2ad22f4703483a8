/* xml_test.c: the hardened parser refuses DTDs, entities, PIs, xml:id, bad
 * encodings and oversized or deep input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

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

/* Parse s as a record; assert the error and that a reason is given. */
static void expect_err(const char *s, size_t len, int want)
{
	sp_doc *doc = (sp_doc *)1;
	const char *why = NULL;
	int rc = sp_doc_parse((const uint8_t *)s, len, SP_DOC_RECORD, NULL,
	                      &doc, &why);

	if (rc != want)
		print_error("got %s (%s), want %s\n", sp_strerror(rc),
		            why != NULL ? why : "-", sp_strerror(want));
	assert_int_equal(rc, want);
	if (want == SP_OK) {
		assert_non_null(doc);
		sp_doc_free(doc);
	} else {
		assert_null(doc);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
	}
}

#define EXPECT(s, want) expect_err((s), strlen(s), (want))

static void test_valid(void **state)
{
	sp_doc *doc = NULL;
	const char *why = "unset";
	const uint8_t *b;
	size_t len;

	(void)state;
	assert_int_equal(sp_doc_parse((const uint8_t *)PT_RECORD,
	                              strlen(PT_RECORD), SP_DOC_RECORD, NULL,
	                              &doc, &why),
	                 SP_OK);
	assert_non_null(doc);
	assert_int_equal(sp_doc_get_kind(doc), SP_DOC_RECORD);
	b = sp_doc_bytes(doc, &len);
	assert_int_equal(len, strlen(PT_RECORD));
	assert_memory_equal(b, PT_RECORD, len);
	assert_non_null(sp_doc_tree(doc));
	sp_doc_free(doc);
	sp_doc_free(NULL);
}

static void test_doctype_plain(void **state)
{
	(void)state;
	EXPECT("<?xml version=\"1.0\"?>\n<!DOCTYPE Record>\n" PT_RECORD_HEAD
	           PT_RECORD_BODY "</Record>",
	       SP_ERR_DOCTYPE);
	EXPECT("<!DOCTYPE Record SYSTEM "
	       "\"http://127.0.0.1:1/x.dtd\">" PT_RECORD_HEAD PT_RECORD_BODY
	       "</Record>",
	       SP_ERR_DOCTYPE);
}

static void test_internal_entity(void **state)
{
	char *s;

	(void)state;
	s = pt_replace(PT_RECORD, "<Origin>CN-ZZ</Origin>",
	               "<Origin>&o;</Origin>");
	assert_non_null(s);
	char *d = pt_replace(
	    s, "<Record ", "<!DOCTYPE Record [<!ENTITY o \"CN-ZZ\">]><Record ");
	assert_non_null(d);
	/* pt_replace hits the first "<Record " after the XML declaration. */
	EXPECT(d, SP_ERR_DOCTYPE);
	free(d);
	/* Without a DOCTYPE the reference is simply undefined. */
	EXPECT(s, SP_ERR_NOT_WELL_FORMED);
	free(s);
}

/* Namespace well-formedness (SPEC [XML-9]): inside Extension, where the
 * schema takes any element and attribute, a document that is well-formed
 * XML but not well-formed with namespaces is still refused. */
static void test_namespace_well_formed(void **state)
{
	static const char *const bad[] = {
	    /* an undeclared prefix on an attribute, on an element */
	    "<Extension p:a=\"1\"/>",
	    "<Extension><p:x/></Extension>",
	    /* one attribute twice by its expanded name */
	    "<Extension xmlns:p=\"u:x\" xmlns:q=\"u:x\" p:a=\"\" q:a=\"\"/>",
	    /* a prefix bound to the empty name (Namespaces in XML 1.0) */
	    "<Extension><x xmlns:p=\"\"/></Extension>",
	};
	const char *good = "<Extension xmlns:p=\"urn:x\" p:a=\"1\"><p:x "
	                   "xmlns=\"\"/></Extension>";
	const char *at = "</DecidedAt>";
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char with[256];

		snprintf(with, sizeof(with), "%s%s", at, bad[i]);
		s = pt_replace(PT_RECORD, at, with);
		assert_non_null(s);
		EXPECT(s, SP_ERR_NOT_WELL_FORMED);
		free(s);
	}
	{
		char with[256];

		snprintf(with, sizeof(with), "%s%s", at, good);
		s = pt_replace(PT_RECORD, at, with);
		assert_non_null(s);
		EXPECT(s, SP_OK);
		free(s);
	}
}

static void test_billion_laughs(void **state)
{
	const char *bomb =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE Record [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 "
	    "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 "
	    "\"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "\n"
	    " <!ENTITY lol3 "
	    "\"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "\n"
	    " <!ENTITY lol4 "
	    "\"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "\n"
	    " <!ENTITY lol5 "
	    "\"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "\n"
	    " <!ENTITY lol6 "
	    "\"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "\n"
	    " <!ENTITY lol7 "
	    "\"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "\n"
	    " <!ENTITY lol8 "
	    "\"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "\n"
	    " <!ENTITY lol9 "
	    "\"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "\n"
	    "]>\n"
	    "<Record xmlns=\"urn:silkport:srep:1\" "
	    "version=\"1\">&lol9;</Record>";
	clock_t t0 = clock();

	(void)state;
	EXPECT(bomb, SP_ERR_DOCTYPE);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_external_entity(void **state)
{
	(void)state;
	EXPECT(
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE Record [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
	    "<Record xmlns=\"urn:silkport:srep:1\" "
	    "version=\"1\">&xxe;</Record>",
	    SP_ERR_DOCTYPE);
	EXPECT("<!DOCTYPE Record [<!ENTITY xxe SYSTEM "
	       "\"http://127.0.0.1:1/secret\">]>"
	       "<Record xmlns=\"urn:silkport:srep:1\" "
	       "version=\"1\">&xxe;</Record>",
	       SP_ERR_DOCTYPE);
}

static void test_parameter_entity(void **state)
{
	(void)state;
	EXPECT("<?xml version=\"1.0\"?>\n"
	       "<!DOCTYPE Record [<!ENTITY % p SYSTEM "
	       "\"http://127.0.0.1:1/evil.dtd\"> %p;]>\n"
	       "<Record xmlns=\"urn:silkport:srep:1\" version=\"1\"/>",
	       SP_ERR_DOCTYPE);
	EXPECT(
	    "<!DOCTYPE Record [<!ENTITY % a \"<!ENTITY b 'x'>\"> %a;]>"
	    "<Record xmlns=\"urn:silkport:srep:1\" version=\"1\">&b;</Record>",
	    SP_ERR_DOCTYPE);
}

static void test_processing_instruction(void **state)
{
	char *s;

	(void)state;
	EXPECT("<?xml version=\"1.0\"?>\n<?xml-stylesheet "
	       "href=\"x.xsl\"?>\n" PT_RECORD_HEAD PT_RECORD_BODY "</Record>",
	       SP_ERR_PROCESSING_INSTRUCTION);
	s = pt_replace(PT_RECORD, "<Origin>", "<?php echo 1; ?><Origin>");
	EXPECT(s, SP_ERR_PROCESSING_INSTRUCTION);
	free(s);
	s = pt_replace(PT_RECORD, "</Record>", "</Record><?tail?>");
	EXPECT(s, SP_ERR_PROCESSING_INSTRUCTION);
	free(s);
}

static void test_xml_id(void **state)
{
	char *s;

	(void)state;
	s = pt_replace(PT_RECORD, "<Header>", "<Header xml:id=\"h\">");
	EXPECT(s, SP_ERR_XML_ID);
	free(s);
	s = pt_replace(PT_RECORD, "version=\"1\"",
	               "version=\"1\" xml:id=\"r\"");
	EXPECT(s, SP_ERR_XML_ID);
	free(s);
}

static void test_deep_nesting(void **state)
{
	const size_t depth = 100000;
	const char *open =
	    "<Record xmlns=\"urn:silkport:srep:1\" version=\"1\">";
	size_t n = strlen(open) + depth * 7 + 16, o;
	char *s = malloc(n);
	clock_t t0;

	(void)state;
	assert_non_null(s);
	o = (size_t)snprintf(s, n, "%s", open);
	for (size_t i = 0; i < depth; i++) {
		memcpy(s + o, "<a>", 3);
		o += 3;
	}
	s[o] = '\0';
	t0 = clock();
	/* Unterminated too: the depth cap must fire before the end is seen. */
	expect_err(s, o, SP_ERR_TOO_DEEP);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	free(s);

	/* Just over the default depth of 32, properly closed. */
	char buf[4096];
	o = (size_t)snprintf(buf, sizeof(buf), "%s", open);
	for (int i = 0; i < 32; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "<a>");
	for (int i = 0; i < 32; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "</a>");
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "</Record>");
	expect_err(buf, o, SP_ERR_TOO_DEEP);
}

static void test_too_many_elements(void **state)
{
	const char *open =
	    "<Record xmlns=\"urn:silkport:srep:1\" version=\"1\">";
	size_t n = strlen(open) + 10001 * 4 + 16, o;
	char *s = malloc(n);
	sp_limits lim;
	sp_doc *doc = NULL;
	const char *why = NULL;

	(void)state;
	assert_non_null(s);
	o = (size_t)snprintf(s, n, "%s", open);
	for (size_t i = 0; i < 10001; i++) {
		memcpy(s + o, "<a/>", 4);
		o += 4;
	}
	o += (size_t)snprintf(s + o, n - o, "</Record>");
	expect_err(s, o, SP_ERR_TOO_MANY_ELEMENTS);
	free(s);

	/* A caller's tighter limit applies to a valid record too. */
	sp_limits_default(&lim);
	lim.max_elements = 5;
	assert_int_equal(sp_doc_parse((const uint8_t *)PT_RECORD,
	                              strlen(PT_RECORD), SP_DOC_RECORD, &lim,
	                              &doc, &why),
	                 SP_ERR_TOO_MANY_ELEMENTS);
	assert_null(doc);
}

static void test_oversized(void **state)
{
	size_t n = SP_DEFAULT_MAX_BYTES + 1;
	char *s = malloc(n);
	sp_limits lim;
	sp_doc *doc = NULL;
	const char *why = NULL;

	(void)state;
	assert_non_null(s);
	memset(s, ' ', n);
	memcpy(s, PT_RECORD, strlen(PT_RECORD));
	expect_err(s, n, SP_ERR_TOO_LARGE);
	/* Exactly at the limit is allowed (trailing whitespace is fine). */
	expect_err(s, n - 1, SP_OK);
	free(s);
	sp_limits_default(&lim);
	assert_int_equal(lim.max_bytes, SP_DEFAULT_MAX_BYTES);
	assert_int_equal(lim.max_depth, SP_DEFAULT_MAX_DEPTH);
	lim.max_bytes = 100;
	assert_int_equal(sp_doc_parse((const uint8_t *)PT_RECORD,
	                              strlen(PT_RECORD), SP_DOC_RECORD, &lim,
	                              &doc, &why),
	                 SP_ERR_TOO_LARGE);
}

static void test_encoding(void **state)
{
	char *s;
	char buf[2048];
	size_t n;

	(void)state;
	/* Invalid UTF-8 inside a value. */
	s = pt_replace(PT_RECORD, "CN-ZZ", "CN-\xff\xfe");
	EXPECT(s, SP_ERR_ENCODING);
	free(s);
	s = pt_replace(PT_RECORD, "CN-ZZ", "CN-\xc0\xae");
	EXPECT(s, SP_ERR_ENCODING);
	free(s);
	/* A NUL byte. */
	n = (size_t)snprintf(buf, sizeof(buf), "%s", PT_RECORD);
	buf[60] = '\0';
	expect_err(buf, n, SP_ERR_ENCODING);
	/* Declared non-UTF-8 encodings. */
	s = pt_replace(PT_RECORD, "encoding=\"UTF-8\"",
	               "encoding=\"ISO-8859-1\"");
	EXPECT(s, SP_ERR_ENCODING);
	free(s);
	s = pt_replace(PT_RECORD, "encoding=\"UTF-8\"", "encoding='GB18030'");
	EXPECT(s, SP_ERR_ENCODING);
	free(s);
	s = pt_replace(PT_RECORD, "encoding=\"UTF-8\"", "encoding=\"utf-8\"");
	EXPECT(s, SP_OK);
	free(s);
	/* A UTF-8 BOM is fine. */
	n = (size_t)snprintf(buf, sizeof(buf), "\xef\xbb\xbf%s", PT_RECORD);
	expect_err(buf, n, SP_OK);
	/* UTF-16 has NUL bytes for ASCII. */
	const char u16[] = "\xff\xfe<\0R\0/\0>\0";
	expect_err(u16, sizeof(u16) - 1, SP_ERR_ENCODING);
	/* XML 1.1 is not XML 1.0. */
	s = pt_replace(PT_RECORD, "version=\"1.0\"", "version=\"1.1\"");
	EXPECT(s, SP_ERR_NOT_WELL_FORMED);
	free(s);
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t cut = 1; cut < strlen(PT_RECORD) - 1; cut += 37)
		expect_err(PT_RECORD, cut, SP_ERR_NOT_WELL_FORMED);
	expect_err(PT_RECORD, strlen(PT_RECORD) - 1, SP_ERR_NOT_WELL_FORMED);
	expect_err("", 0, SP_ERR_NOT_WELL_FORMED);
	EXPECT("<Record xmlns=\"urn:silkport:srep:1\" version=\"1\"></Recrd>",
	       SP_ERR_NOT_WELL_FORMED);
	EXPECT("not xml at all", SP_ERR_NOT_WELL_FORMED);
}

static void test_wrong_document(void **state)
{
	char *s;
	sp_doc *doc = NULL;

	(void)state;
	s = pt_replace(PT_RECORD, "urn:silkport:srep:1", "urn:silkport:srep:2");
	EXPECT(s, SP_ERR_WRONG_DOCUMENT);
	free(s);
	s = pt_replace(PT_RECORD, " xmlns=\"urn:silkport:srep:1\"", "");
	EXPECT(s, SP_ERR_WRONG_DOCUMENT);
	free(s);
	EXPECT("<Receipt xmlns=\"urn:silkport:srep:1\" version=\"1\"/>",
	       SP_ERR_WRONG_DOCUMENT);
	/* A record is not a receipt or a trust list. */
	assert_int_equal(pt_parse(PT_RECORD, SP_DOC_RECEIPT, &doc),
	                 SP_ERR_WRONG_DOCUMENT);
	assert_int_equal(pt_parse(PT_RECORD, SP_DOC_TRUST_LIST, &doc),
	                 SP_ERR_WRONG_DOCUMENT);
	assert_int_equal(pt_parse(PT_RECORD, SP_DOC_PROBLEM, &doc),
	                 SP_ERR_WRONG_DOCUMENT);
	assert_int_equal(pt_parse(PT_RECORD, (sp_doc_kind)9, &doc),
	                 SP_ERR_INVALID_ARGUMENT);
	/* Any prefix is accepted for the namespace. */
	s = pt_replace(PT_RECORD, "<Record xmlns=\"urn:silkport:srep:1\"",
	               "<s:Record xmlns:s=\"urn:silkport:srep:1\" "
	               "xmlns=\"urn:silkport:srep:1\"");
	char *t = pt_replace(s, "</Record>", "</s:Record>");
	EXPECT(t, SP_OK);
	free(s);
	free(t);
}

static void test_cdata_and_comments_accepted(void **state)
{
	char *s;

	(void)state;
	s = pt_replace(PT_RECORD, "<DeclarationNo>4604202611270000123",
	               "<DeclarationNo><![CDATA[46042026]]>11270000123");
	EXPECT(s, SP_OK);
	free(s);
	s = pt_replace(PT_RECORD, "<Header>", "<!-- note --><Header>");
	EXPECT(s, SP_OK);
	free(s);
}

static void test_dsig_placement(void **state)
{
	char *s;

	(void)state;
	/* A signature slot at the end of the record is fine before verifying.
	 */
	s = pt_replace(PT_RECORD, "</Body>",
	               "</Body><ds:Signature "
	               "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>");
	EXPECT(s, SP_OK);
	free(s);
	s = pt_replace(PT_RECORD, "</Body>",
	               "</Body><ds:Object "
	               "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>");
	EXPECT(s, SP_ERR_SIG_PROFILE);
	free(s);
	/* Hidden in an Extension. */
	s = pt_replace(PT_RECORD, "</Release>",
	               "<Extension><ds:Signature "
	               "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>"
	               "</Extension></Release>");
	EXPECT(s, SP_ERR_SIG_PROFILE);
	free(s);
}

static void test_not_initialised(void **state)
{
	sp_doc *doc = NULL;

	(void)state;
	sp_protocol_cleanup();
	assert_int_equal(pt_parse(PT_RECORD, SP_DOC_RECORD, &doc),
	                 SP_ERR_INTERNAL);
	assert_int_equal(sp_protocol_init(), SP_OK);
	assert_int_equal(sp_protocol_init(), SP_OK);
	assert_int_equal(pt_parse(PT_RECORD, SP_DOC_RECORD, &doc), SP_OK);
	sp_doc_free(doc);
}

/* Parsing and validation are safe from several threads after init, and
 * each thread sees its own reason text. */
static void *parse_loop(void *arg)
{
	long ok = 0;

	(void)arg;
	for (int i = 0; i < 200; i++) {
		sp_doc *doc = NULL;
		const char *why = NULL;

		if (sp_doc_parse((const uint8_t *)PT_RECORD, strlen(PT_RECORD),
		                 SP_DOC_RECORD, NULL, &doc, &why) == SP_OK)
			ok++;
		sp_doc_free(doc);
		if (sp_doc_parse((const uint8_t *)"<Record/>", 9, SP_DOC_RECORD,
		                 NULL, &doc, &why) == SP_ERR_WRONG_DOCUMENT &&
		    why != NULL && strstr(why, "Record") != NULL)
			ok++;
	}
	return (void *)ok;
}

static void test_threads(void **state)
{
	pthread_t th[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, parse_loop, NULL),
		                 0);
	for (int i = 0; i < 4; i++) {
		void *ret = NULL;
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_int_equal((long)ret, 400);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_doctype_plain),
	    cmocka_unit_test(test_internal_entity),
	    cmocka_unit_test(test_namespace_well_formed),
	    cmocka_unit_test(test_billion_laughs),
	    cmocka_unit_test(test_external_entity),
	    cmocka_unit_test(test_parameter_entity),
	    cmocka_unit_test(test_processing_instruction),
	    cmocka_unit_test(test_xml_id),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_too_many_elements),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_encoding),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_wrong_document),
	    cmocka_unit_test(test_cdata_and_comments_accepted),
	    cmocka_unit_test(test_dsig_placement),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_not_initialised),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
