/* schema_test.c: XSD validation of records, receipts, trust lists and problems
 * (structure, values, enumerations). */
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

static void expect_kind(const char *s, sp_doc_kind kind, int want)
{
	sp_doc *doc = NULL;
	const char *why = NULL;
	int rc;

	assert_non_null(s);
	rc =
	    sp_doc_parse((const uint8_t *)s, strlen(s), kind, NULL, &doc, &why);
	if (rc != want)
		print_error("got %s (%s), want %s\n", sp_strerror(rc),
		            why != NULL ? why : "-", sp_strerror(want));
	assert_int_equal(rc, want);
	if (rc == SP_OK) {
		sp_doc_free(doc);
	} else {
		assert_null(doc);
		assert_non_null(why);
	}
}

/* Replace `from` by `to` in the sample record and expect `want`. */
static void mutate(const char *from, const char *to, int want)
{
	char *s = pt_replace(PT_RECORD, from, to);

	assert_non_null(s);
	expect_kind(s, SP_DOC_RECORD, want);
	free(s);
}

static void test_record_structure(void **state)
{
	(void)state;
	expect_kind(PT_RECORD, SP_DOC_RECORD, SP_OK);
	/* duplicated header element */
	mutate("<Origin>CN-ZZ</Origin>",
	       "<Origin>CN-ZZ</Origin><Origin>CN-HN</Origin>", SP_ERR_SCHEMA);
	/* missing element */
	mutate("<Type>release</Type>", "", SP_ERR_SCHEMA);
	mutate("<Recipients><Node>KZ-KGS</Node></Recipients>", "",
	       SP_ERR_SCHEMA);
	/* order matters */
	mutate("<Origin>CN-ZZ</Origin><Sequence>7</Sequence>",
	       "<Sequence>7</Sequence><Origin>CN-ZZ</Origin>", SP_ERR_SCHEMA);
	/* unknown element and attribute */
	mutate("<Issued>", "<Priority>high</Priority><Issued>", SP_ERR_SCHEMA);
	mutate("<Header>", "<Header id=\"x\">", SP_ERR_SCHEMA);
	/* version */
	mutate("version=\"1\"", "version=\"2\"", SP_ERR_SCHEMA);
	mutate(" version=\"1\"", "", SP_ERR_SCHEMA);
	/* two body elements, or none */
	mutate("</Release>",
	       "</Release><Cancellation><DeclarationNo>1</"
	       "DeclarationNo><Reason>x</Reason></Cancellation>",
	       SP_ERR_SCHEMA);
	/* Broadcast and Node together */
	mutate("<Node>KZ-KGS</Node>", "<Node>KZ-KGS</Node><Broadcast/>",
	       SP_ERR_SCHEMA);
	mutate("<Node>KZ-KGS</Node>", "<Broadcast/>", SP_OK);
	mutate("<Node>KZ-KGS</Node>", "<Broadcast>x</Broadcast>",
	       SP_ERR_SCHEMA);
	/* duplicate recipients */
	mutate("<Node>KZ-KGS</Node>", "<Node>KZ-KGS</Node><Node>KZ-KGS</Node>",
	       SP_ERR_SCHEMA);
	mutate("<Node>KZ-KGS</Node>", "<Node>KZ-KGS</Node><Node>CN-HGS</Node>",
	       SP_OK);
	/* a signature slot only at the end */
	mutate("<Header>",
	       "<ds:Signature "
	       "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/><Header>",
	       SP_ERR_SCHEMA);
}

static void test_record_values(void **state)
{
	(void)state;
	/* bad enumerations */
	mutate("<Decision>released</Decision>", "<Decision>approved</Decision>",
	       SP_ERR_SCHEMA);
	mutate("<Decision>released</Decision>", "<Decision>Released</Decision>",
	       SP_ERR_SCHEMA);
	mutate("<Type>release</Type>", "<Type>shipment</Type>", SP_ERR_SCHEMA);
	/* whitespace around tokens is an error, not trimmed */
	mutate("<Decision>released</Decision>",
	       "<Decision> released</Decision>", SP_ERR_SCHEMA);
	mutate("<Origin>CN-ZZ</Origin>", "<Origin>CN-ZZ\n</Origin>",
	       SP_ERR_SCHEMA);
	mutate("<Type>release</Type>", "<Type>release </Type>", SP_ERR_SCHEMA);
	mutate("<DeclarationNo>4604202611270000123</DeclarationNo>",
	       "<DeclarationNo> 4604202611270000123</DeclarationNo>",
	       SP_ERR_SCHEMA);
	/* value patterns */
	mutate("<Sequence>7</Sequence>", "<Sequence>07</Sequence>",
	       SP_ERR_SCHEMA);
	mutate("<Sequence>7</Sequence>", "<Sequence>-7</Sequence>",
	       SP_ERR_SCHEMA);
	mutate("<Sequence>7</Sequence>", "<Sequence>+7</Sequence>",
	       SP_ERR_SCHEMA);
	mutate("<Sequence>7</Sequence>", "<Sequence>0</Sequence>", SP_OK);
	mutate("<Sequence>7</Sequence>",
	       "<Sequence>9223372036854775807</Sequence>", SP_OK);
	mutate("<Issued>2026-11-27T08:00:00Z</Issued>",
	       "<Issued>2026-11-27T08:00:00+08:00</Issued>", SP_ERR_SCHEMA);
	mutate("<Issued>2026-11-27T08:00:00Z</Issued>",
	       "<Issued>2026-11-27T08:00:00.000Z</Issued>", SP_ERR_SCHEMA);
	mutate("<Issued>2026-11-27T08:00:00Z</Issued>",
	       "<Issued>2026-11-27</Issued>", SP_ERR_SCHEMA);
	mutate("<RecordId>0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b</RecordId>",
	       "<RecordId>0F8A3C1E-2B4D-4E6F-8A9B-0C1D2E3F4A5B</RecordId>",
	       SP_ERR_SCHEMA);
	mutate("<RecordId>0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b</RecordId>",
	       "<RecordId>0f8a3c1e-2b4d-1e6f-8a9b-0c1d2e3f4a5b</RecordId>",
	       SP_ERR_SCHEMA);
	mutate("<Origin>CN-ZZ</Origin>", "<Origin>cn-zz</Origin>",
	       SP_ERR_SCHEMA);
	mutate("<Origin>CN-ZZ</Origin>", "<Origin></Origin>", SP_ERR_SCHEMA);
	mutate("<Node>KZ-KGS</Node>", "<Node>KZ KGS</Node>", SP_ERR_SCHEMA);
	/* subjects */
	mutate("</Recipients>",
	       "</Recipients><Subject><Enterprise "
	       "scheme=\"USCC\">91410100MA44K7QX2P</Enterprise>"
	       "<Goods "
	       "scheme=\"HS\">1901101000</Goods><Waybill>YT7712345678901</"
	       "Waybill></Subject>",
	       SP_OK);
	mutate("</Recipients>",
	       "</Recipients><Subject><Enterprise>91410100MA44K7QX2P</"
	       "Enterprise></Subject>",
	       SP_ERR_SCHEMA);
	mutate("</Recipients>", "</Recipients><Subject/>", SP_ERR_SCHEMA);
	mutate(
	    "</Recipients>",
	    "</Recipients><Subject><Waybill scheme=\"X\">1</Waybill></Subject>",
	    SP_ERR_SCHEMA);
	mutate("</Recipients>",
	       "</Recipients><Supersedes>not-a-uuid</Supersedes>",
	       SP_ERR_SCHEMA);
}

static void test_receipt(void **state)
{
	const char *ok = "<Receipt xmlns=\"urn:silkport:srep:1\" version=\"1\">"
	                 "<RecordId>0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b</"
	                 "RecordId><Origin>CN-ZZ</Origin>"
	                 "<Sequence>7</Sequence>"
	                 "<RecordDigest>"
	                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
	                 "91b7852b855</RecordDigest>"
	                 "<Receiver>KZ-KGS</"
	                 "Receiver><Received>2026-11-27T08:00:05Z</Received>"
	                 "<Status>accepted</Status></Receipt>";
	char *s;

	(void)state;
	expect_kind(ok, SP_DOC_RECEIPT, SP_OK);
	s = pt_replace(ok, "accepted", "rejected");
	expect_kind(s, SP_DOC_RECEIPT, SP_ERR_SCHEMA);
	free(s);
	s = pt_replace(ok, "e3b0c442", "E3B0C442");
	expect_kind(s, SP_DOC_RECEIPT, SP_ERR_SCHEMA);
	free(s);
	s = pt_replace(ok, "<Receiver>KZ-KGS</Receiver>", "");
	expect_kind(s, SP_DOC_RECEIPT, SP_ERR_SCHEMA);
	free(s);
}

static void test_problem(void **state)
{
	const char *ok =
	    "<problem xmlns=\"urn:ietf:rfc:7807\">"
	    "<status>422</"
	    "status><type>urn:silkport:srep:1:error:schema-invalid</type>"
	    "<title>schema-invalid</title><detail>bad</"
	    "detail><error>schema-invalid</error>"
	    "</problem>";
	char *s;

	(void)state;
	expect_kind(ok, SP_DOC_PROBLEM, SP_OK);
	s = pt_replace(ok, "<status>422</status>", "");
	expect_kind(s, SP_DOC_PROBLEM, SP_ERR_SCHEMA);
	free(s);
	s = pt_replace(ok, "<status>422</status>", "<status>abc</status>");
	expect_kind(s, SP_DOC_PROBLEM, SP_ERR_SCHEMA);
	free(s);
	s = pt_replace(ok, "urn:ietf:rfc:7807", "urn:silkport:srep:1");
	expect_kind(s, SP_DOC_PROBLEM, SP_ERR_WRONG_DOCUMENT);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_structure),
	    cmocka_unit_test(test_record_values),
	    cmocka_unit_test(test_receipt),
	    cmocka_unit_test(test_problem),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
