/* sign_record_test.c: a record signed from the tree it was built as
 * (sp_record_build_doc(), sp_sign_record()) is byte for byte the record
 * signed from the bytes sp_record_build() writes (sp_sign_document()), for
 * bodies that exercise libxml2's indentation (element-only, mixed content,
 * comments, escapes, deep nesting), attachments, broadcast and Supersedes;
 * both paths refuse the same drafts with the same error; the signed content
 * read from the tree is the one read from the bytes. RSA PKCS#1 v1.5 is
 * deterministic, so its signatures compare whole; P-256 ones compare up to
 * the SignatureValue, and both verify. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/trust/fixture.h"

static fx_fed g_fed;

static int group_setup(void **state)
{
	(void)state;
	if (sp_trust_init() != SP_OK)
		return -1;
	return fx_fed_setup(&g_fed) == SP_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_fed_free(&g_fed);
	sp_trust_cleanup();
	return 0;
}

#define DECL_HEAD                                                              \
	"<DeclarationNo>4600202611270001</DeclarationNo>"                      \
	"<Mode>9610</Mode><Direction>export</Direction>"                       \
	"<Declarant>Broker &amp; Sons &lt;Zhengzhou&gt; "                      \
	"\xe4\xb8\xad</Declarant>"
#define ITEM                                                                   \
	"<Item><Name>Green tea</Name><Quantity>2</Quantity>"                   \
	"<Value currency=\"CNY\">120.50</Value><HsCode>090210</HsCode></Item>"

typedef struct body_case {
	const char *name;
	const char *body;
	int ok; /* 1: both paths sign it; 0: both refuse it alike */
} body_case;

static const body_case bodies[] = {
    {"element only", "<Declaration>" DECL_HEAD ITEM "</Declaration>", 1},
    {"laid out, with a declaration",
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Declaration>\n  " DECL_HEAD
     "\n  " ITEM "\n</Declaration>\n",
     1},
    {"comments between and inside",
     "<Declaration><!-- first -->" DECL_HEAD "<!-- between -->" ITEM
     "<Extension><!-- in --><Note>x</Note></Extension></Declaration>",
     1},
    {"mixed content in Extension",
     "<Declaration>" DECL_HEAD ITEM
     "<Extension>text <Note>a<B>b</B>c</Note> tail<E><F/></E>"
     "</Extension></Declaration>",
     1},
    {"deep element-only Extension",
     "<Declaration>" DECL_HEAD ITEM
     "<Extension><A><B><C><D><E><F><G><H><I><J>deep</J></I></H></G></F>"
     "</E></D></C></B></A></Extension></Declaration>",
     1},
    {"empty elements and attributes with escapes",
     "<Declaration>" DECL_HEAD ITEM
     "<Extension><Note a=\"1 &amp; &quot;2&quot;&#10;\"/><Empty></Empty>"
     "<T>&#13;cr &#x9;tab</T></Extension></Declaration>",
     1},
    {"CDATA",
     "<Declaration>" DECL_HEAD ITEM
     "<Extension><Note><![CDATA[<not markup> & ]]></Note></Extension>"
     "</Declaration>",
     1},
    {"schema refuses: no Mode",
     "<Declaration><DeclarationNo>1</DeclarationNo>"
     "<Direction>export</Direction><Declarant>x</Declarant>" ITEM
     "</Declaration>",
     0},
    {"another type's body", "<Order><OrderNo>1</OrderNo></Order>", 0},
};

static void draft_for(sp_record_draft *d, const char *body, int variant)
{
	static const char *const recips[] = {"CN-HN", "CN-ZZ"};
	static const sp_subject subj[2] = {
	    {"Enterprise", "USCC", "91410100MA44XXXX0X"},
	    {"Declaration", NULL, "4600202611270001"},
	};
	static const uint8_t content[] = "<CEB621Message>x</CEB621Message>";
	static const sp_attachment att[1] = {
	    {"application/xml", "CEB621Message", content, sizeof(content) - 1},
	};

	memset(d, 0, sizeof(*d));
	d->record_id = "3f1c2a4e-8b7d-4c6e-9f01-23456789abcd";
	d->origin = "CN-HN";
	d->sequence = 42;
	d->type = "declaration";
	d->issued = g_fed.now;
	d->recipients = recips;
	d->n_recipients = 2;
	d->subjects = subj;
	d->n_subjects = 2;
	d->body = (const uint8_t *)body;
	d->body_len = strlen(body);
	if (variant == 1) {
		d->broadcast = 1;
		d->supersedes = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
		d->attachments = att;
		d->n_attachments = 1;
	}
}

/* Sign the draft both ways with key k. *a from the bytes, *b from the
 * tree; returns the first path's result, asserting the second's is the
 * same. */
static int sign_both(const sp_key *k, const sp_record_draft *d, uint8_t **a,
                     size_t *alen, uint8_t **b, size_t *blen,
                     uint8_t signed_digest[32])
{
	uint8_t *u = NULL;
	size_t ulen = 0;
	sp_doc *doc = NULL;
	const char *why = NULL;
	int rc1, rc2;

	*a = *b = NULL;
	rc1 = sp_record_build(d, &u, &ulen, &why);
	if (rc1 == SP_OK)
		rc1 = sp_sign_document(k, u, ulen, a, alen, &why);
	free(u);
	rc2 = sp_record_build_doc(d, &doc, &why);
	if (rc2 == SP_OK) {
		assert_null(sp_doc_bytes(doc, NULL));
		rc2 = sp_sign_record(k, doc, b, blen, &why);
	}
	if (rc2 != SP_OK)
		assert_non_null(why);
	if (rc2 == SP_OK)
		assert_int_equal(
		    sp_signed_content_digest(doc, signed_digest, &why), SP_OK);
	sp_doc_free(doc);
	assert_int_equal(rc1, rc2);
	return rc1;
}

static void test_rsa_byte_identical(void **state)
{
	size_t i, signed_ok = 0;
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
			sp_record_draft d;
			uint8_t *a, *b, sd[32], sd_bytes[32];
			size_t alen = 0, blen = 0;
			const char *why = NULL;
			int rc;

			draft_for(&d, bodies[i].body, v);
			rc = sign_both(g_fed.m[FX_HN].sk, &d, &a, &alen, &b,
			               &blen, sd);
			if ((rc == SP_OK) != bodies[i].ok)
				fail_msg("%s (variant %d): %s", bodies[i].name,
				         v, sp_strerror(rc));
			if (rc == SP_OK) {
				if (alen != blen || memcmp(a, b, alen) != 0)
					fail_msg("%s (variant %d): the bytes "
					         "differ:\n%.*s\n----\n%.*s",
					         bodies[i].name, v, (int)alen,
					         (const char *)a, (int)blen,
					         (const char *)b);
				assert_int_equal(
				    fx_verify(&g_fed, b, blen, NULL, &why),
				    SP_OK);
				assert_int_equal(sp_signed_content_digest_of(
				                     a, alen, sd_bytes, &why),
				                 SP_OK);
				assert_memory_equal(sd, sd_bytes, 32);
				signed_ok++;
			}
			free(a);
			free(b);
		}
	}
	assert_int_equal(signed_ok, 2 * 7);
}

/* The bytes up to and after the SignatureValue's text. */
static void split_sig(const uint8_t *p, size_t n, size_t *start, size_t *end)
{
	const char *s = strstr((const char *)p, "<ds:SignatureValue>");
	const char *e = strstr((const char *)p, "</ds:SignatureValue>");

	assert_non_null(s);
	assert_non_null(e);
	*start = (size_t)(s - (const char *)p);
	*end = (size_t)(e - (const char *)p);
	assert_true(*end <= n);
}

static void test_p256_same_but_signature(void **state)
{
	sp_record_draft d;
	uint8_t *a, *b, sd[32];
	size_t alen = 0, blen = 0, as, ae, bs, be;
	const char *why = NULL;
	uint8_t *az, *bz;

	(void)state;
	draft_for(&d, bodies[3].body, 1);
	d.origin = "CN-ZZ";
	assert_int_equal(
	    sign_both(g_fed.m[FX_ZZ].sk, &d, &a, &alen, &b, &blen, sd), SP_OK);
	/* NUL-terminated copies for strstr */
	az = calloc(1, alen + 1);
	bz = calloc(1, blen + 1);
	assert_non_null(az);
	assert_non_null(bz);
	memcpy(az, a, alen);
	memcpy(bz, b, blen);
	split_sig(az, alen, &as, &ae);
	split_sig(bz, blen, &bs, &be);
	assert_int_equal(as, bs);
	assert_memory_equal(az, bz, as);
	assert_int_equal(alen - ae, blen - be);
	assert_memory_equal(az + ae, bz + be, alen - ae);
	assert_int_equal(fx_verify(&g_fed, a, alen, NULL, &why), SP_OK);
	assert_int_equal(fx_verify(&g_fed, b, blen, NULL, &why), SP_OK);
	free(az);
	free(bz);
	free(a);
	free(b);
}

/* A record whose signed form is above the default size cap is refused
 * rather than signed: no receiver with the default limits would take it. */
static void test_too_large_refused(void **state)
{
	static const char head[] =
	    "<Declaration>" DECL_HEAD ITEM "<Extension><Note>";
	static const char tail[] = "</Note></Extension></Declaration>";
	size_t fill = SP_DEFAULT_MAX_BYTES - 1200, n;
	char *body = malloc(sizeof(head) + fill + sizeof(tail));
	sp_record_draft d;
	sp_doc *doc = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	const char *why = NULL;

	(void)state;
	assert_non_null(body);
	memcpy(body, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	memset(body + n, 'x', fill);
	n += fill;
	memcpy(body + n, tail, sizeof(tail));
	draft_for(&d, body, 0);
	assert_int_equal(sp_record_build_doc(&d, &doc, &why), SP_OK);
	assert_int_equal(
	    sp_sign_record(g_fed.m[FX_HN].sk, doc, &out, &outlen, &why),
	    SP_ERR_TOO_LARGE);
	assert_null(out);
	assert_int_equal(outlen, 0);
	sp_doc_free(doc);
	free(body);
}

/* Only a built Record signs this way; a tree signs once. */
static void test_wrong_document_and_twice(void **state)
{
	sp_record_draft d;
	sp_doc *doc = NULL, *tl = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sp_doc_parse(g_fed.tl, g_fed.tl_len, SP_DOC_TRUST_LIST,
	                              NULL, &tl, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_sign_record(g_fed.m[FX_HN].sk, tl, &out, &outlen, &why),
	    SP_ERR_WRONG_DOCUMENT);
	assert_null(out);
	sp_doc_free(tl);

	draft_for(&d, bodies[0].body, 0);
	assert_int_equal(sp_record_build_doc(&d, &doc, &why), SP_OK);
	assert_int_equal(
	    sp_sign_record(g_fed.m[FX_HN].sk, doc, &out, &outlen, &why), SP_OK);
	free(out);
	out = NULL;
	assert_int_equal(
	    sp_sign_record(g_fed.m[FX_HN].sk, doc, &out, &outlen, &why),
	    SP_ERR_INVALID_ARGUMENT);
	assert_null(out);
	sp_doc_free(doc);
}

/* A receipt built as a tree and signed at once (sp_receipt_build_doc(),
 * sp_sign_receipt(), what a node does for every record it accepts) is the
 * receipt signed from sp_receipt_build()'s bytes: byte for byte with RSA,
 * and with P-256 both verify as the same receipt; a bad value is refused
 * alike. */
static void test_receipt_from_tree(void **state)
{
	static const struct {
		int who;
		sp_receipt_status status;
	} cases[] = {{FX_HN, SP_RECEIPT_ACCEPTED},
	             {FX_HN, SP_RECEIPT_RELAYED},
	             {FX_ZZ, SP_RECEIPT_ACCEPTED}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const sp_key *k = g_fed.m[cases[i].who].sk;
		sp_receipt_info ri, got;
		sp_verify_opts o;
		uint8_t *u = NULL, *a = NULL, *b = NULL;
		size_t ulen = 0, alen = 0, blen = 0;
		sp_doc *doc = NULL;
		const char *why = NULL;

		memset(&ri, 0, sizeof(ri));
		snprintf(ri.record_id, sizeof(ri.record_id), "%s",
		         "3f1c2a4e-8b7d-4c6e-9f01-23456789abcd");
		snprintf(ri.origin, sizeof(ri.origin), "CN-QD");
		ri.sequence = 7 + i;
		memset(ri.record_digest, 'a', 64);
		snprintf(ri.receiver, sizeof(ri.receiver), "%s",
		         g_fed.m[cases[i].who].id);
		ri.received = g_fed.now;
		ri.status = cases[i].status;
		assert_int_equal(sp_receipt_build(&ri, &u, &ulen, &why), SP_OK);
		assert_int_equal(sp_sign_document(k, u, ulen, &a, &alen, &why),
		                 SP_OK);
		assert_int_equal(sp_receipt_build_doc(&ri, &doc, &why), SP_OK);
		assert_null(sp_doc_bytes(doc, NULL));
		assert_int_equal(sp_sign_receipt(k, doc, &b, &blen, &why),
		                 SP_OK);
		if (cases[i].who == FX_HN) {
			assert_int_equal(alen, blen);
			assert_memory_equal(a, b, alen);
		}
		sp_verify_opts_default(&o);
		o.now = g_fed.now;
		assert_int_equal(
		    sp_verify_receipt(g_fed.trust, b, blen, &o, &got, &why),
		    SP_OK);
		assert_string_equal(got.receiver, ri.receiver);
		assert_int_equal(got.sequence, ri.sequence);
		assert_int_equal(got.status, ri.status);
		free(u);
		free(a);
		free(b);
		sp_doc_free(doc);
	}
	{
		sp_receipt_info bad;
		sp_doc *doc = NULL;
		const char *why = NULL;

		memset(&bad, 0, sizeof(bad));
		snprintf(bad.record_id, sizeof(bad.record_id), "not-a-uuid");
		assert_int_equal(sp_receipt_build_doc(&bad, &doc, &why),
		                 SP_ERR_FIELD);
		assert_null(doc);
		assert_int_equal(
		    sp_sign_receipt(g_fed.m[FX_HN].sk, NULL, NULL, NULL, &why),
		    SP_ERR_INVALID_ARGUMENT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rsa_byte_identical),
	    cmocka_unit_test(test_p256_same_but_signature),
	    cmocka_unit_test(test_too_large_refused),
	    cmocka_unit_test(test_wrong_document_and_twice),
	    cmocka_unit_test(test_receipt_from_tree),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
