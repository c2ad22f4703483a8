/* cxml_test.c: the canonical reader (cxml.c) reads a signed record as it
 * is written, and answers SP_CX_OTHER for every byte string outside the
 * exclusive canonical subset it models; what it accepts, libxml2 parses
 * and canonicalizes to the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/c14n.h>

#include "protocol_int.h"
#include "unit/trust/fixture.h"

#define SREP "xmlns=\"urn:silkport:srep:1\""
#define DSIG "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\""
#define ROOT "<Record " SREP " version=\"1\">"

static char g_dir[FX_PATH];
static uint8_t *g_rec; /* a signed record in canonical transport form */
static size_t g_rec_len;
static uint8_t *g_rsa; /* the same, signed with RSA-2048 */
static size_t g_rsa_len;

/* A CA, a P-256 and an RSA-2048 member and a record each signed, in a
 * fresh directory. */
static int setup(void **state)
{
	sp_key *k = NULL;
	int rc;

	(void)state;
	if (sp_trust_init() != SP_OK || fx_tmpdir(g_dir, "cxml") != 0)
		return -1;
	rc = fx_signer(g_dir, "CN-ZZ", SP_KEY_P256, &k);
	if (rc == SP_OK)
		rc = fx_signed_record(k, "CN-ZZ", 7, 0, &g_rec, &g_rec_len);
	sp_key_free(k);
	k = NULL;
	if (rc == SP_OK)
		rc = fx_signer(g_dir, "CN-HN", SP_KEY_RSA2048, &k);
	if (rc == SP_OK)
		rc = fx_signed_record(k, "CN-HN", 3, 0, &g_rsa, &g_rsa_len);
	sp_key_free(k);
	return rc == SP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(g_rec);
	free(g_rsa);
	fx_rmtree(g_dir);
	sp_trust_cleanup();
	return 0;
}

static int read_lim(const char *s, size_t len, const sp_limits *lim,
                    sp_cx_doc **d)
{
	return sp_cx_read((const uint8_t *)s, len, lim, d);
}

/* s must be outside the subset. */
static void other_n(const char *s, size_t len, const sp_limits *lim)
{
	sp_cx_doc *d = (sp_cx_doc *)1;
	int rc = read_lim(s, len, lim, &d);

	if (rc != SP_CX_OTHER)
		print_error("accepted: %.*s\n", (int)len, s);
	assert_int_equal(rc, SP_CX_OTHER);
	assert_null(d);
}

#define OTHER(s) other_n((s), strlen(s), NULL)

/* s must be read, and be libxml2's exclusive canonical form of itself as
 * silkport's parser reads it: the property the reader rests on. */
static sp_cx_doc *accept_n(const char *s, size_t len, const sp_limits *lim)
{
	sp_cx_doc *d = NULL;
	xmlDocPtr doc = NULL;
	xmlChar *c = NULL;
	const char *why = NULL;
	int n;

	assert_int_equal(read_lim(s, len, lim, &d), SP_OK);
	assert_non_null(d);
	assert_int_equal(
	    sp_proto__parse_tree((const uint8_t *)s, len, lim, &doc, &why),
	    SP_OK);
	n = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
	                         &c);
	assert_int_equal(n, (int)len);
	assert_memory_equal(c, s, len);
	xmlFree(c);
	xmlFreeDoc(doc);
	return d;
}

#define ACCEPT(s) accept_n((s), strlen(s), NULL)

static const sp_cx_node *child(const sp_cx_node *n, const char *name)
{
	for (const sp_cx_node *c = n->first; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Every node's offsets frame its tags, and (no references in a record) its
 * text is the bytes between its children. */
static void check_node(const uint8_t *b, const sp_cx_node *n)
{
	size_t nl = strlen(n->name), at = n->inner_start;
	char expect[8192];
	size_t el = 0;

	assert_int_equal(b[n->start], '<');
	assert_memory_equal(b + n->start + 1 + (n->ns == SP_CX_NS_DSIG ? 3 : 0),
	                    n->name, nl);
	assert_int_equal(b[n->inner_start - 1], '>');
	assert_memory_equal(b + n->inner_end, "</", 2);
	assert_int_equal(b[n->end - 1], '>');
	assert_int_equal(n->end - n->inner_end,
	                 nl + 3 + (n->ns == SP_CX_NS_DSIG ? 3 : 0));
	for (const sp_cx_node *c = n->first; c != NULL; c = c->next) {
		assert_ptr_equal(c->parent, n);
		assert_true(c->start >= at);
		memcpy(expect + el, b + at, c->start - at);
		el += c->start - at;
		at = c->end;
		check_node(b, c);
	}
	memcpy(expect + el, b + at, n->inner_end - at);
	el += n->inner_end - at;
	assert_int_equal(n->text_len, el);
	assert_memory_equal(n->text, expect, el);
	assert_int_equal(n->text[el], '\0');
}

static void test_signed_record(void **state)
{
	uint8_t *copy = malloc(g_rec_len);
	sp_cx_doc *d = NULL;
	const sp_cx_node *root, *hdr, *sig, *si, *n;
	const char *p;

	(void)state;
	assert_non_null(copy);
	memcpy(copy, g_rec, g_rec_len);
	assert_int_equal(sp_cx_read(copy, g_rec_len, NULL, &d), SP_OK);
	free(copy); /* the tree points into nothing of the input */

	root = sp_cx_root(d);
	assert_string_equal(root->name, "Record");
	assert_int_equal(root->ns, SP_CX_NS_SREP);
	assert_null(root->parent);
	assert_int_equal(root->start, 0);
	assert_int_equal(root->end, g_rec_len);
	assert_int_equal(root->n_attrs, 1);
	assert_string_equal(root->attrs[0].name, "version");
	assert_string_equal(root->attrs[0].value, "1");
	assert_int_equal(root->attrs[0].value_len, 1);

	hdr = root->first;
	assert_non_null(hdr);
	assert_string_equal(hdr->name, "Header");
	assert_int_equal(hdr->ns, SP_CX_NS_SREP);
	n = child(hdr, "Origin");
	assert_non_null(n);
	assert_string_equal(n->text, "CN-ZZ");
	assert_int_equal(n->text_len, 5);
	assert_null(n->first);
	assert_null(n->attrs);
	assert_string_equal(child(hdr, "Sequence")->text, "7");
	n = child(child(hdr, "Subject"), "Enterprise");
	assert_non_null(n);
	assert_int_equal(n->n_attrs, 1);
	assert_string_equal(n->attrs[0].name, "scheme");
	assert_string_equal(n->attrs[0].value, "USCC");
	assert_string_equal(n->text, "91410100MA44XXXX0X");

	/* the signature: the root's last child, in DSIG, where the bytes
	 * have it */
	for (sig = root->first; sig->next != NULL; sig = sig->next)
		;
	assert_string_equal(sig->name, "Signature");
	assert_int_equal(sig->ns, SP_CX_NS_DSIG);
	p = strstr((const char *)g_rec, "<ds:Signature ");
	assert_non_null(p);
	assert_int_equal(sig->start, (size_t)(p - (const char *)g_rec));
	p = strstr((const char *)g_rec, "</ds:Signature>");
	assert_int_equal(sig->end, (size_t)(p - (const char *)g_rec) + 15);
	si = sig->first;
	assert_string_equal(si->name, "SignedInfo");
	assert_int_equal(si->ns, SP_CX_NS_DSIG);
	assert_ptr_equal(si->parent, sig);
	n = child(si, "CanonicalizationMethod");
	assert_non_null(n);
	assert_string_equal(n->attrs[0].name, "Algorithm");
	assert_string_equal(n->attrs[0].value,
	                    "http://www.w3.org/2001/10/xml-exc-c14n#");
	assert_non_null(child(sig, "SignatureValue"));
	assert_null(child(sig, "KeyInfo"));

	assert_null(memchr(g_rec, '&', g_rec_len));
	check_node(g_rec, root);
	sp_cx_free(d);

	/* and libxml2 agrees that it is its own canonical form */
	sp_cx_free(accept_n((const char *)g_rec, g_rec_len, NULL));
}

/* The RSA-2048 record reads as well, and is its own canonical form. */
static void test_signed_record_rsa(void **state)
{
	sp_cx_doc *d;
	const sp_cx_node *root, *sig;

	(void)state;
	d = accept_n((const char *)g_rsa, g_rsa_len, NULL);
	root = sp_cx_root(d);
	assert_string_equal(root->name, "Record");
	assert_string_equal(child(child(root, "Header"), "Origin")->text,
	                    "CN-HN");
	sig = child(root, "Signature");
	assert_non_null(sig);
	assert_int_equal(sig->ns, SP_CX_NS_DSIG);
	assert_string_equal(
	    child(child(sig, "SignedInfo"), "SignatureMethod")->attrs[0].value,
	    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
	assert_int_equal(child(sig, "SignatureValue")->text_len, 344);
	check_node(g_rsa, root);
	sp_cx_free(d);
}

/* One case per rule: each is what canonical form never writes, or what the
 * reader leaves to the full path. */
static void test_outside_the_subset(void **state)
{
	static const char *const cases[] = {
	    /* before or after the root */
	    "<!DOCTYPE Record>" ROOT "</Record>",
	    "\xef\xbb\xbf" ROOT "</Record>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" ROOT "</Record>",
	    "<?xml version=\"1.0\"?>\n" ROOT "</Record>",
	    ROOT "</Record>\n",
	    " " ROOT "</Record>",
	    "<!--c-->" ROOT "</Record>",
	    ROOT "</Record><!--c-->",
	    "<?pi x?>" ROOT "</Record>",
	    ROOT "</Record>" ROOT "</Record>",
	    /* inside */
	    ROOT "<!--c--></Record>",
	    ROOT "<?pi x?></Record>",
	    ROOT "<![CDATA[x]]></Record>",
	    ROOT "<a/></Record>",
	    "<Record " SREP "/>",
	    ROOT "<a ></a></Record>",
	    ROOT "<a></a ></Record>",
	    ROOT "<a></b></Record>",
	    ROOT "<a></ds:a></Record>",
	    ROOT "<a>",
	    ROOT "<a></a>",
	    ROOT "</Record",
	    /* attributes */
	    "<Record " SREP " b=\"1\" a=\"2\"></Record>",
	    "<Record " SREP " a=\"1\" a=\"1\"></Record>",
	    "<Record " SREP " version='1'></Record>",
	    "<Record " SREP "  version=\"1\"></Record>",
	    "<Record " SREP "\tversion=\"1\"></Record>",
	    "<Record " SREP " version=\"1\" ></Record>",
	    "<Record " SREP " version = \"1\"></Record>",
	    "<Record " SREP " version=\"1\"version=\"2\"></Record>",
	    "<Record " SREP " a=\"x<y\"></Record>",
	    "<Record " SREP " a=\"x&y\"></Record>",
	    "<Record " SREP " a=\"x\ty\"></Record>",
	    "<Record " SREP " a=\"x\ny\"></Record>",
	    "<Record " SREP " a=\"x\ry\"></Record>",
	    "<Record " SREP " a=\"&gt;\"></Record>",
	    "<Record " SREP " a=\"&apos;\"></Record>",
	    "<Record " SREP " a=\"&#x41;\"></Record>",
	    "<Record " SREP " a=\"&#xa;\"></Record>",
	    "<Record " SREP " a=\"&#10;\"></Record>",
	    "<Record " SREP " xml:lang=\"en\"></Record>",
	    "<Record " SREP " ds:a=\"1\"></Record>",
	    "<Record " SREP " xmlid=\"1\"></Record>",
	    "<Record " SREP " 1a=\"1\"></Record>",
	    /* text */
	    ROOT "&#65;</Record>",
	    ROOT "&#x41;</Record>",
	    ROOT "&#xd;</Record>",
	    ROOT "&#13;</Record>",
	    ROOT "&apos;</Record>",
	    ROOT "&quot;</Record>",
	    ROOT "&#x9;</Record>",
	    ROOT "&amp</Record>",
	    ROOT "a>b</Record>",
	    ROOT "]]></Record>",
	    ROOT "a\rb</Record>",
	    ROOT "a\r\nb</Record>",
	    ROOT "a\x01"
	         "b</Record>",
	    ROOT "\x7f\xef\xbf\xbe</Record>",
	    ROOT "\xef\xbf\xbf</Record>",
	    "<Record " SREP " a=\"\xef\xbf\xbe\"></Record>",
	    ROOT "\xc3\x28</Record>",     /* not UTF-8 */
	    ROOT "\xed\xa0\x80</Record>", /* a surrogate */
	    /* namespaces */
	    "<Record version=\"1\"></Record>",
	    "<Record version=\"1\" " SREP "></Record>",
	    "<Record xmlns=\"urn:silkport:srep:2\"></Record>",
	    "<Record xmlns=\"urn:silkport:srep&#x3A;1\"></Record>",
	    "<Record " SREP " " DSIG "></Record>",
	    "<Record " DSIG " " SREP "></Record>",
	    "<ds:Record " DSIG "></ds:Record>",
	    ROOT "<a " SREP "></a></Record>",
	    ROOT "<a xmlns=\"\"></a></Record>",
	    ROOT "<a " DSIG "></a></Record>",
	    ROOT "<ds:a></ds:a></Record>",
	    ROOT "<ds:a " DSIG " " SREP "></ds:a></Record>",
	    ROOT "<ds:a xmlns:ds=\"http://www.w3.org/2000/09/xmldsig\">"
	         "</ds:a></Record>",
	    ROOT "<ds:a " DSIG "><ds:b " DSIG "></ds:b></ds:a></Record>",
	    ROOT "<ds:a " DSIG "><b><ds:c " DSIG "></ds:c></b></ds:a></Record>",
	    ROOT "<x:a xmlns:x=\"urn:x\"></x:a></Record>",
	    ROOT "<dsx:a xmlns:dsx=\"urn:x\"></dsx:a></Record>",
	    ROOT "<ds:a:b " DSIG "></ds:a:b></Record>",
	    ROOT "<ds: " DSIG "></ds:></Record>",
	    /* names */
	    "<R\xc3\xa9"
	    "cord " SREP "></R\xc3\xa9"
	    "cord>",
	    ROOT "<\xc3\xa9></\xc3\xa9></Record>",
	    ROOT "<1a></1a></Record>",
	    ROOT "<-a></-a></Record>",
	    ROOT "<xmlThing></xmlThing></Record>",
	    ROOT "< a></ a></Record>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		OTHER(cases[i]);
	other_n("", 0, NULL);
	other_n(ROOT "\0</Record>", sizeof(ROOT "\0</Record>") - 1, NULL);
}

/* The limits, counted as the full path counts them: exactly at a limit is
 * read, one past it is not. */
static void test_limits(void **state)
{
	static const char two_deep[] = ROOT "<a></a></Record>";
	static const char three_deep[] = ROOT "<a><b></b></a></Record>";
	static const char three_elems[] = ROOT "<a></a><b></b></Record>";
	sp_limits lim;

	(void)state;
	sp_limits_default(&lim);
	lim.max_depth = 2;
	sp_cx_free(accept_n(two_deep, strlen(two_deep), &lim));
	other_n(three_deep, strlen(three_deep), &lim);

	sp_limits_default(&lim);
	lim.max_elements = 3;
	sp_cx_free(accept_n(three_elems, strlen(three_elems), &lim));
	lim.max_elements = 2;
	other_n(three_elems, strlen(three_elems), &lim);

	sp_limits_default(&lim);
	lim.max_bytes = strlen(two_deep);
	sp_cx_free(accept_n(two_deep, strlen(two_deep), &lim));
	lim.max_bytes--;
	other_n(two_deep, strlen(two_deep), &lim);
}

static void test_accepted(void **state)
{
	sp_cx_doc *d;
	const sp_cx_node *r, *a;

	(void)state;
	/* non-ASCII text and a CR written as canonical form writes it */
	d = ACCEPT(ROOT "\xe4\xb8\xad\xe6\x96\x87 caf\xc3\xa9&#xD;\n\t"
	                "&amp;&lt;&gt;\"'</Record>");
	r = sp_cx_root(d);
	assert_string_equal(r->text,
	                    "\xe4\xb8\xad\xe6\x96\x87 caf\xc3\xa9\r\n\t"
	                    "&<>\"'");
	assert_int_equal(r->text_len, strlen(r->text));
	sp_cx_free(d);

	/* raw ' and > in attributes, and every reference they may hold */
	d = ACCEPT("<Record " SREP " a=\"it's > 1\" b=\"&amp;&lt;&quot;&#x9;"
	           "&#xA;&#xD;\" c=\"\"></Record>");
	r = sp_cx_root(d);
	assert_int_equal(r->n_attrs, 3);
	assert_string_equal(r->attrs[0].name, "a");
	assert_string_equal(r->attrs[0].value, "it's > 1");
	assert_string_equal(r->attrs[1].value, "&<\"\t\n\r");
	assert_int_equal(r->attrs[1].value_len, 6);
	assert_string_equal(r->attrs[2].value, "");
	assert_string_equal(r->text, "");
	assert_int_equal(r->text_len, 0);
	sp_cx_free(d);

	/* mixed content: the direct text joined, offsets around the child */
	d = ACCEPT(ROOT "x&amp;<a.b-c_d>in</a.b-c_d>y<e></e>z</Record>");
	r = sp_cx_root(d);
	assert_string_equal(r->text, "x&yz");
	a = r->first;
	assert_string_equal(a->name, "a.b-c_d");
	assert_string_equal(a->text, "in");
	assert_int_equal(a->start, strlen(ROOT "x&amp;"));
	assert_int_equal(a->inner_start, strlen(ROOT "x&amp;<a.b-c_d>"));
	assert_int_equal(a->inner_end, strlen(ROOT "x&amp;<a.b-c_d>in"));
	assert_int_equal(a->end, strlen(ROOT "x&amp;<a.b-c_d>in</a.b-c_d>"));
	assert_string_equal(a->next->name, "e");
	assert_null(a->next->next);
	sp_cx_free(d);

	/* ds is declared on the outermost ds: element of each branch only;
	 * an unprefixed element inside keeps the root's default namespace */
	d = ACCEPT(ROOT "<ds:Signature " DSIG " Id=\"s\"><ds:SignedInfo>"
	                "</ds:SignedInfo><Obj><ds:X></ds:X></Obj>"
	                "</ds:Signature><B><ds:Y " DSIG "></ds:Y></B>"
	                "</Record>");
	r = sp_cx_root(d);
	a = r->first;
	assert_int_equal(a->ns, SP_CX_NS_DSIG);
	assert_int_equal(a->n_attrs, 1);
	assert_string_equal(a->attrs[0].name, "Id");
	assert_int_equal(a->first->ns, SP_CX_NS_DSIG);
	assert_string_equal(a->first->next->name, "Obj");
	assert_int_equal(a->first->next->ns, SP_CX_NS_SREP);
	assert_int_equal(a->first->next->first->ns, SP_CX_NS_DSIG);
	assert_string_equal(a->first->next->first->name, "X");
	assert_int_equal(a->next->first->ns, SP_CX_NS_DSIG);
	sp_cx_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signed_record),
	    cmocka_unit_test(test_signed_record_rsa),
	    cmocka_unit_test(test_outside_the_subset),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_accepted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
