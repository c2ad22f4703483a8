/* c14n_match_test.c: sp_trust__c14n_matches(), the check that a record's
 * bytes are the exclusive C14N of its tree (SPEC 4.6 rule 1) without
 * writing the form, agrees with libxml2's xmlC14NDocDumpMemory(): it
 * accepts the form libxml2 writes and nothing else, on signed records,
 * receipts and trust lists, on documents made to exercise every rule
 * (namespaces rendered, re-rendered, undeclared; attribute order; escapes;
 * comments; CDATA), and on byte mutations of each, reparsed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>

#include "trust_int.h"
#include "unit/trust/trust_fixture.h"

static fx_fed g_fed;

static int group_setup(void **state)
{
	(void)state;
	return fx_setup(&g_fed) == SP_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_teardown(&g_fed);
	sp_trust_cleanup();
	return 0;
}

static xmlDocPtr parse(const uint8_t *b, size_t n, int opts)
{
	return xmlReadMemory((const char *)b, (int)n, NULL, NULL,
	                     opts | XML_PARSE_NONET | XML_PARSE_NOERROR |
	                         XML_PARSE_NOWARNING);
}

/* libxml2's exclusive C14N without comments of doc, or NULL (*n = 0)
 * when it has none. */
static xmlChar *libxml2_c14n(xmlDocPtr doc, size_t *n)
{
	xmlChar *c = NULL;
	int len = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL,
	                               0, &c);

	if (len < 0 || c == NULL) {
		xmlFree(c);
		*n = 0;
		return NULL;
	}
	*n = (size_t)len;
	return c;
}

/* The matcher's answer on (doc, b) is libxml2's: b is its form. */
static int agrees(xmlDocPtr doc, const uint8_t *b, size_t n)
{
	size_t cn;
	xmlChar *c = libxml2_c14n(doc, &cn);
	int want = c != NULL && cn == n && memcmp(c, b, n) == 0;

	xmlFree(c);
	return sp_trust__c14n_matches(doc, b, n) == want;
}

/* Mutations of the canonical bytes c: each byte replaced by a few others,
 * deleted, or a space inserted before it; reparsed (when well-formed)
 * with and without CDATA merged, the matcher agrees with libxml2 on the
 * new tree; on the old tree the mutation is never accepted. reparse == 0
 * (long documents): the old tree only, each byte replaced by one other,
 * deleted, or a space inserted before it. */
static void mutations_agree(xmlDocPtr doc, const uint8_t *c, size_t n,
                            int reparse)
{
	static const char repl[] = " \"'<>&=a:/\t\n\r;x";
	uint8_t *m = malloc(n + 1);
	size_t i, k, mn;

	assert_non_null(m);
	for (i = 0; i < n; i++) {
		for (k = reparse ? 0 : sizeof(repl) - 2; k < sizeof(repl) + 1;
		     k++) {
			if (k < sizeof(repl) - 1) { /* replace */
				if ((uint8_t)repl[k] == c[i])
					continue;
				memcpy(m, c, n);
				m[i] = (uint8_t)repl[k];
				mn = n;
			} else if (k == sizeof(repl) - 1) { /* delete */
				memcpy(m, c, i);
				memcpy(m + i, c + i + 1, n - i - 1);
				mn = n - 1;
			} else { /* insert a space */
				memcpy(m, c, i);
				m[i] = ' ';
				memcpy(m + i + 1, c + i, n - i);
				mn = n + 1;
			}
			if (sp_trust__c14n_matches(doc, m, mn))
				fail_msg("mutation %zu/%zu accepted on the "
				         "original tree",
				         i, k);
			if (!reparse)
				continue;
			for (int o = 0; o < 2; o++) {
				xmlDocPtr d =
				    parse(m, mn, o ? XML_PARSE_NOCDATA : 0);

				if (d == NULL)
					continue;
				if (!agrees(d, m, mn))
					fail_msg(
					    "mutation %zu/%zu: the matcher "
					    "and libxml2 disagree on %.*s",
					    i, k, (int)mn, (const char *)m);
				xmlFreeDoc(d);
			}
		}
	}
	free(m);
}

/* One document: libxml2's form is accepted (unless it has none, or
 * `unsure` says the matcher leaves it to libxml2), the bytes as written
 * get libxml2's answer, and mutations of the form are judged alike. */
static void check_doc(const char *name, const uint8_t *b, size_t n, int unsure,
                      int reparse)
{
	/* long documents: as silkport parses them (CDATA merged) */
	for (int o = reparse ? 0 : 1; o < 2; o++) {
		xmlDocPtr doc = parse(b, n, o ? XML_PARSE_NOCDATA : 0);
		xmlChar *c;
		size_t cn;

		if (doc == NULL)
			fail_msg("%s: not well-formed", name);
		if (!agrees(doc, b, n) && !unsure)
			fail_msg("%s: the matcher and libxml2 disagree on the "
			         "bytes as written",
			         name);
		c = libxml2_c14n(doc, &cn);
		if (c == NULL) {
			/* no canonical form: never accepted */
			if (sp_trust__c14n_matches(doc, b, n))
				fail_msg("%s: accepted without a canonical "
				         "form",
				         name);
		} else {
			if (sp_trust__c14n_matches(doc, c, cn) != !unsure)
				fail_msg("%s: libxml2's form %s", name,
				         unsure ? "accepted, but the document "
				                  "was to be left to libxml2"
				                : "refused");
			/* an unsure document's mutations may be too */
			mutations_agree(doc, c, cn, reparse && !unsure);
		}
		xmlFree(c);
		xmlFreeDoc(doc);
	}
}

static const struct {
	const char *name, *xml;
	int unsure; /* the matcher leaves it to libxml2 */
} docs[] = {
    {"default namespace undeclared and inherited",
     "<a xmlns=\"urn:x\"><b xmlns=\"\"><c/><d xmlns=\"\"/></b><e/></a>", 0},
    {"prefixes used by attributes only",
     "<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" q:y=\"1\" x=\"2\" p:z=\"3\">"
     "<q:b/><c xmlns=\"urn:d\" p:w=\"&amp;&lt;&gt;&quot;&#9;&#10;&#13;'\"/>"
     "</p:a>",
     0},
    {"attributes sorted by namespace URI, not prefix",
     "<a xmlns:z=\"urn:a\" xmlns:b=\"urn:z\" b:x=\"1\" z:x=\"2\" z:a=\"3\" "
     "m=\"4\" b=\"5\"/>",
     0},
    {"namespaces re-rendered where the URI changes",
     "<p:a xmlns:p=\"urn:p\"><p:b xmlns:p=\"urn:p\"/><p:c "
     "xmlns:p=\"urn:other\"><p:d/></p:c><p:e/></p:a>",
     0},
    {"default namespace switched back and forth",
     "<a xmlns=\"urn:1\"><b xmlns=\"urn:2\"><c xmlns=\"urn:1\"><d/></c></b>"
     "</a>",
     0},
    {"unused declarations dropped",
     "<a xmlns:u=\"urn:u\" xmlns:v=\"urn:v\"><b><u:c/></b><u:d/></a>", 0},
    {"text escapes", "<a>x &amp; y &lt; z &gt; w&#13;\n\tt \"q\" 'r'</a>", 0},
    {"attribute whitespace and references",
     "<a b=\"x&#9;y z&#10;&#13;\" c=' \"d\" ' e=\"&#x3c;&#62;\"/>", 0},
    {"comments inside and around the root",
     "<!--c--><a><!--d-->t<b/><!-- e --></a><!--f-->", 0},
    {"xml:lang kept, xml namespace never rendered",
     "<a xml:lang=\"en\" b=\"1\"><c xml:space=\"preserve\"> </c></a>", 0},
    {"CDATA", "<a><![CDATA[x<y&z]]>>w<![CDATA[]]>]]&gt;</a>", 0},
    {"non-ASCII text", "<a n=\"\xe4\xb8\xad\">\xe9\x83\x91\xe5\xb7\x9e</a>", 0},
    {"empty elements and declaration",
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b/><c></c>\n</a>", 0},
    {"deep nesting with prefixes",
     "<p:a xmlns:p=\"urn:p\"><q:b xmlns:q=\"urn:q\"><p:c><q:d><e "
     "xmlns=\"urn:e\"><f xmlns=\"\" q:g=\"h\"/></e></q:d></p:c></q:b></p:a>",
     0},
    {"relative namespace URI (no canonical form)",
     "<a xmlns:r=\"rel/path\"><r:b/></a>", 1},
    {"relative namespace URI declared, unused", "<a><b xmlns:r=\"rel\"/></a>",
     1},
    {"namespace URI with a quote", "<a xmlns:q='urn:a\"b'><q:b/></a>", 1},
};

static void test_made_documents(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		check_doc(docs[i].name, (const uint8_t *)docs[i].xml,
		          strlen(docs[i].xml), docs[i].unsure, 1);
}

/* Signed records of both algorithms, a receipt (KeyInfo, other root) and
 * the trust list: the matcher accepts the builder's bytes, and refuses
 * every byte mutation of them on their tree. */
static void test_signed_documents(void **state)
{
	uint8_t *s = NULL;
	size_t n = 0;
	sp_receipt_info ri;
	uint8_t *u = NULL;
	size_t un = 0;
	const char *why = NULL;

	(void)state;
	for (int who = 0; who < 2; who++) {
		assert_int_equal(fx_signed_record(&g_fed, who, NULL, "release",
		                                  g_fed.now - 10, &s, &n),
		                 SP_OK);
		check_doc("signed record", s, n, 0, 0);
		free(s);
	}
	memset(&ri, 0, sizeof(ri));
	assert_int_equal(sp_uuid_v4(ri.record_id), SP_OK);
	snprintf(ri.origin, sizeof(ri.origin), "CN-ZZ");
	ri.sequence = 7;
	sp_sha256_hex((const uint8_t *)"x", 1, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "CN-ZZ");
	ri.received = g_fed.now - 5;
	ri.status = SP_RECEIPT_ACCEPTED;
	assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &s, &n, &why),
	                 SP_OK);
	check_doc("signed receipt", s, n, 0, 0);
	free(s);
	free(u);
	check_doc("trust list", g_fed.tl_bytes, g_fed.tl_len, 0, 0);
}

/* A signed receipt (bytes, malloc'd) for the fixture's member 0. */
static uint8_t *signed_receipt(size_t *n)
{
	sp_receipt_info ri;
	uint8_t *u = NULL, *s = NULL;
	size_t un = 0;
	const char *why = NULL;

	memset(&ri, 0, sizeof(ri));
	assert_int_equal(sp_uuid_v4(ri.record_id), SP_OK);
	snprintf(ri.origin, sizeof(ri.origin), "CN-HN");
	ri.sequence = 3;
	sp_sha256_hex((const uint8_t *)"y", 1, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "CN-ZZ");
	ri.received = g_fed.now - 5;
	ri.status = SP_RECEIPT_ACCEPTED;
	assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &s, n, &why),
	                 SP_OK);
	free(u);
	return s;
}

/* sp_trust__canonical_hint() on documents that need not be canonical: a
 * receipt or trust list as the signer writes it gets the signature's span,
 * and the reference input outside it is libxml2's C14N of the document
 * without its signature; written otherwise, no span (libxml2
 * canonicalizes) and it still verifies; a changed byte fails either way. */
static void hint_case(sp_doc_kind kind, const uint8_t *b, size_t n,
                      int want_hint)
{
	sp_doc *doc = NULL;
	sp_trust__sig sig;
	const char *why = NULL;
	uint8_t *c = NULL;
	size_t cn = 0;

	memset(&sig, 0, sizeof(sig));
	assert_int_equal(sp_doc_parse(b, n, kind, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_trust__profile_check(sp_doc_tree(doc), &sig, &why),
	                 SP_OK);
	sp_trust__canonical_hint(sp_doc_tree(doc), b, n, &sig);
	assert_int_equal(sig.canon != NULL, want_hint);
	if (want_hint) {
		assert_int_equal(
		    sp_trust__c14n_without(sp_doc_tree(doc), sig.node, &c, &cn),
		    SP_OK);
		assert_int_equal(cn, n - (sig.sig_end - sig.sig_start));
		assert_memory_equal(c, b, sig.sig_start);
		assert_memory_equal(c + sig.sig_start, b + sig.sig_end,
		                    n - sig.sig_end);
		free(c);
	}
	sp_trust__sig_clear(&sig);
	sp_doc_free(doc);
}

static void test_hint_receipts_and_lists(void **state)
{
	sp_receipt_info got;
	const char *why = NULL;
	size_t n = 0, tn = 0;
	uint8_t *s = signed_receipt(&n), *t;
	sp_trust *tl = NULL;

	(void)state;
	hint_case(SP_DOC_RECEIPT, s, n, 1);
	assert_int_equal(sp_verify_receipt(g_fed.trust, s, n, NULL, &got, &why),
	                 SP_OK);
	/* another writing of the same receipt: verified from the tree */
	t = fx_replace(s, n, "<Receipt ",
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Receipt ",
	               &tn);
	assert_non_null(t);
	hint_case(SP_DOC_RECEIPT, t, tn, 0);
	assert_int_equal(
	    sp_verify_receipt(g_fed.trust, t, tn, NULL, &got, &why), SP_OK);
	free(t);
	/* the signed content changed, the bytes still canonical */
	t = fx_replace(s, n, "<Sequence>3</Sequence>", "<Sequence>4</Sequence>",
	               &tn);
	assert_non_null(t);
	hint_case(SP_DOC_RECEIPT, t, tn, 1);
	assert_int_equal(
	    sp_verify_receipt(g_fed.trust, t, tn, NULL, &got, &why),
	    SP_ERR_SIG_INVALID);
	free(t);
	free(s);
	/* the fixture's trust list, as trust-list sign writes it */
	hint_case(SP_DOC_TRUST_LIST, g_fed.tl_bytes, g_fed.tl_len, 1);
	assert_int_equal(sp_trust_open(g_fed.anchors, g_fed.tl_bytes,
	                               g_fed.tl_len, NULL, NULL, &tl, &why),
	                 SP_OK);
	sp_trust_unref(tl);
}

/* The check as verification runs it: a record the matcher refuses still
 * gets libxml2's reason (a comment here), and one it accepts verifies. */
static void test_verify_uses_it(void **state)
{
	uint8_t *s = NULL, *t;
	size_t n = 0, tn = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(fx_signed_record(&g_fed, 0, NULL, "release",
	                                  g_fed.now - 10, &s, &n),
	                 SP_OK);
	assert_int_equal(
	    sp_verify_record(g_fed.trust, s, n, NULL, NULL, NULL, &why), SP_OK);
	t = fx_replace(s, n, "<Body>", "<Body><!--x-->", &tn);
	assert_non_null(t);
	assert_int_equal(
	    sp_verify_record(g_fed.trust, t, tn, NULL, NULL, NULL, &why),
	    SP_ERR_NON_CANONICAL);
	assert_non_null(strstr(why, "a comment"));
	free(t);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_made_documents),
	    cmocka_unit_test(test_signed_documents),
	    cmocka_unit_test(test_verify_uses_it),
	    cmocka_unit_test(test_hint_receipts_and_lists),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
