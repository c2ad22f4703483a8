/* canonical_test.c: the canonical transport form of records (SPEC 4.6,
 * [REC-29]..[REC-32]): every byte variant of a signed record that still
 * verifies cryptographically is refused with non-canonical, the builder's
 * output is the one form (a C14N fixpoint, low-s, no KeyInfo), and the
 * signed-content digest is what two signings of one content share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

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

static int verify_why(const uint8_t *b, size_t n, const char **why)
{
	*why = NULL;
	return sp_verify_record(g_fed.trust, b, n, NULL, NULL, NULL, why);
}

/* The signature of b checked with member who's key and nothing else of the
 * canonical form: what a verifier without SPEC 4.6 would accept. */
static int crypto_only(const uint8_t *b, size_t n, int who)
{
	sp_doc *doc = NULL;
	sp_trust__sig sig;
	const char *why = NULL;
	int rc;

	memset(&sig, 0, sizeof(sig));
	rc = sp_doc_parse(b, n, SP_DOC_RECORD, NULL, &doc, &why);
	if (rc == SP_OK)
		rc = sp_trust__profile_check(sp_doc_tree(doc), &sig, &why);
	if (rc == SP_OK)
		rc = sp_trust__dsig_verify(&sig, g_fed.k[who]->pkey,
		                           g_fed.k[who]->alg, NULL, &why);
	sp_trust__sig_clear(&sig);
	sp_doc_free(doc);
	return rc;
}

/* The SignedInfo that the verifier takes from the canonical bytes of b
 * equals libxml2's exclusive C14N of the SignedInfo subtree. */
static void signed_info_agrees(const uint8_t *b, size_t n)
{
	sp_doc *doc = NULL;
	sp_trust__sig sig, tree_only;
	const char *why = NULL;
	uint8_t *x = NULL, *y = NULL;
	size_t xn = 0, yn = 0;

	memset(&sig, 0, sizeof(sig));
	assert_int_equal(sp_doc_parse(b, n, SP_DOC_RECORD, NULL, &doc, &why),
	                 SP_OK);
	assert_int_equal(sp_trust__profile_check(sp_doc_tree(doc), &sig, &why),
	                 SP_OK);
	assert_int_equal(
	    sp_trust__canonical_check(sp_doc_tree(doc), b, n, &sig, &why),
	    SP_OK);
	assert_true(sig.si_end > sig.si_start); /* the signer's own form */
	tree_only = sig;
	tree_only.canon = NULL;
	assert_int_equal(sp_trust__signed_info(&sig, &x, &xn), SP_OK);
	assert_int_equal(sp_trust__signed_info(&tree_only, &y, &yn), SP_OK);
	assert_int_equal(xn, yn);
	assert_memory_equal(x, y, xn);
	free(x);
	free(y);
	sp_trust__sig_clear(&sig);
	sp_doc_free(doc);
}

/* The bytes between open and close (exclusive), malloc'd, NUL-terminated. */
static char *between(const uint8_t *s, size_t n, const char *open,
                     const char *close)
{
	long a = fx_find(s, n, open), b;
	char *o;

	assert_true(a >= 0);
	a += (long)strlen(open);
	b = fx_find(s + a, n - (size_t)a, close);
	assert_true(b >= 0);
	o = malloc((size_t)b + 1);
	assert_non_null(o);
	memcpy(o, s + a, (size_t)b);
	o[b] = '\0';
	return o;
}

static uint8_t *concat(const char *pre, const uint8_t *s, size_t n,
                       const char *post, size_t *outn)
{
	size_t a = strlen(pre), c = strlen(post);
	uint8_t *o = malloc(a + n + c + 1);

	assert_non_null(o);
	memcpy(o, pre, a);
	memcpy(o + a, s, n);
	memcpy(o + a + n, post, c);
	*outn = a + n + c;
	o[*outn] = 0;
	return o;
}

/* A signed record by member who, decoded SignatureValue in raw. */
static void signature_value(const uint8_t *s, size_t n, uint8_t *raw,
                            size_t cap, size_t *rawlen)
{
	char *v = between(s, n, "<ds:SignatureValue>", "</ds:SignatureValue>");

	assert_int_equal(sp_b64_decode(v, strlen(v), raw, cap, rawlen), SP_OK);
	free(v);
}

typedef struct variant {
	const char *name;
	const char *from; /* NULL: prepend `to`, or append `post` */
	const char *to;
	const char *post;
	const char *why; /* a part of the refusal's reason */
} variant;

/* Every class of byte change that leaves the signature valid. */
static const variant variants[] = {
    {"trailing comment", NULL, "", "<!-- x -->", "comment"},
    {"trailing newline", NULL, "", "\n", "after the root"},
    {"byte order mark", NULL, "\xef\xbb\xbf", "", "byte order mark"},
    {"XML declaration", NULL, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
     "", "XML declaration"},
    {"XML declaration, single quotes", NULL, "<?xml version='1.0'?>", "",
     "XML declaration"},
    {"comment before the root", NULL, "<!-- x -->", "", "comment"},
    {"single-quoted attribute", "version=\"1\"", "version='1'", NULL,
     "single-quoted"},
    {"namespace declaration after an attribute",
     "<Record xmlns=\"urn:silkport:srep:1\" version=\"1\">",
     "<Record version=\"1\" xmlns=\"urn:silkport:srep:1\">", NULL, "namespace"},
    {"unused namespace declaration", "<Record xmlns=\"urn:silkport:srep:1\"",
     "<Record xmlns=\"urn:silkport:srep:1\" xmlns:x=\"urn:x\"", NULL,
     "namespace"},
    {"moved namespace declaration", "<Header>",
     "<Header xmlns=\"urn:silkport:srep:1\">", NULL, "namespace"},
    {"comment inside a value", "<Type>release</Type>",
     "<Type>rel<!-- x -->ease</Type>", NULL, "comment"},
    {"CDATA in a value", "<Type>release</Type>",
     "<Type><![CDATA[release]]></Type>", NULL, "CDATA"},
    {"character reference in a value", "<Type>release</Type>",
     "<Type>&#114;elease</Type>", NULL, "reference"},
    {"hex character reference in a value", "<Type>release</Type>",
     "<Type>re&#x6C;ease</Type>", NULL, "reference"},
    {"empty-element tag", "<Broadcast></Broadcast>", "<Broadcast/>", NULL,
     "empty-element"},
    {"whitespace inside a tag", "<Origin>", "<Origin >", NULL, "whitespace"},
    {"whitespace in an end tag", "</Origin>", "</Origin\n>", NULL,
     "whitespace"},
    {"whitespace inside ds:Signature", "<ds:SignatureValue>",
     "\n<ds:SignatureValue>", NULL, "text between"},
    {"whitespace after SignatureValue", "</ds:SignatureValue>",
     "</ds:SignatureValue>\n", NULL, "text between"},
    {"comment inside ds:Signature", "</ds:SignatureValue>",
     "</ds:SignatureValue><!-- x -->", NULL, "comment"},
    {"signature under another prefix",
     "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
     "<ds:SignedInfo>",
     "<sig:Signature xmlns:sig=\"http://www.w3.org/2000/09/xmldsig#\">"
     "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
     NULL, "prefix ds"},
};

static uint8_t *apply(const variant *v, const uint8_t *s, size_t n,
                      size_t *outn)
{
	uint8_t *t, *u;
	size_t tn = 0;

	if (v->from == NULL)
		return concat(v->to, s, n, v->post, outn);
	t = fx_replace(s, n, v->from, v->to, &tn);
	if (t == NULL)
		fail_msg("%s: '%s' not found", v->name, v->from);
	if (strcmp(v->name, "signature under another prefix") == 0) {
		/* the closing tags of the two elements outside SignedInfo */
		u = fx_replace(t, tn, "</ds:SignatureValue></ds:Signature>",
		               "</sig:SignatureValue></sig:Signature>", outn);
		free(t);
		assert_non_null(u);
		t = fx_replace(u, *outn, "<ds:SignatureValue>",
		               "<sig:SignatureValue>", &tn);
		free(u);
		assert_non_null(t);
	}
	*outn = tn;
	return t;
}

/* Each variant verifies cryptographically (so it is a real second byte
 * string of the record) and is refused with non-canonical. */
static void test_variants_refused(void **state)
{
	int who;
	size_t i;

	(void)state;
	for (who = 0; who < 2; who++) {
		uint8_t *s = NULL;
		size_t n = 0;
		const char *why = NULL;

		assert_int_equal(fx_signed_record(&g_fed, who, NULL, "release",
		                                  g_fed.now - 10, &s, &n),
		                 SP_OK);
		assert_int_equal(verify_why(s, n, &why), SP_OK);
		for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
			size_t tn = 0;
			uint8_t *t = apply(&variants[i], s, n, &tn);
			int rc;

			if (crypto_only(t, tn, who) != SP_OK)
				fail_msg("%s: the variant does not verify "
				         "cryptographically",
				         variants[i].name);
			rc = verify_why(t, tn, &why);
			if (rc != SP_ERR_NON_CANONICAL)
				fail_msg("%s: got %s (%s), want non-canonical",
				         variants[i].name, sp_strerror(rc),
				         why ? why : "-");
			if (why == NULL || strstr(why, variants[i].why) == NULL)
				fail_msg("%s: reason '%s' does not say '%s'",
				         variants[i].name, why ? why : "-",
				         variants[i].why);
			free(t);
		}
		free(s);
	}
}

/* SignatureValue written another way: base64 line breaks, spaces, and a
 * non-canonical encoding of the same bytes. */
static void test_signature_value_encoding(void **state)
{
	uint8_t *s = NULL, *t;
	size_t n = 0, tn = 0;
	char *v, *w;
	const char *why = NULL;
	size_t vl;

	(void)state;
	assert_int_equal(fx_signed_record(&g_fed, 1, NULL, "release",
	                                  g_fed.now - 10, &s, &n),
	                 SP_OK);
	v = between(s, n, "<ds:SignatureValue>", "</ds:SignatureValue>");
	vl = strlen(v);
	assert_true(vl > 128);
	w = malloc(vl + 8);
	assert_non_null(w);
	/* a line break after 64 characters, as xmlsec writes by default */
	memcpy(w, v, 64);
	w[64] = '\n';
	memcpy(w + 65, v + 64, vl - 64 + 1);
	t = fx_replace(s, n, v, w, &tn);
	assert_non_null(t);
	assert_int_equal(crypto_only(t, tn, 1), SP_OK);
	assert_int_equal(verify_why(t, tn, &why), SP_ERR_NON_CANONICAL);
	assert_non_null(strstr(why, "base64"));
	free(t);
	/* leading and trailing line breaks */
	snprintf(w, vl + 8, "\n%s\n", v);
	t = fx_replace(s, n, v, w, &tn);
	assert_non_null(t);
	assert_int_equal(crypto_only(t, tn, 1), SP_OK);
	assert_int_equal(verify_why(t, tn, &why), SP_ERR_NON_CANONICAL);
	free(t);
	/* a character reference for a line feed inside the value */
	{
		char *x = malloc(vl + 16);

		assert_non_null(x);
		memcpy(x, v, 64);
		memcpy(x + 64, "&#xA;", 5);
		memcpy(x + 69, v + 64, vl - 64 + 1);
		t = fx_replace(s, n, v, x, &tn);
		assert_non_null(t);
		assert_int_equal(crypto_only(t, tn, 1), SP_OK);
		assert_int_equal(verify_why(t, tn, &why), SP_ERR_NON_CANONICAL);
		free(t);
		free(x);
	}
	free(w);
	free(v);
	free(s);
}

/* KeyInfo is not signed: adding one (with the right certificate or with
 * another member's) makes another byte string of the record. */
static void test_keyinfo_in_record(void **state)
{
	int who, cert;

	(void)state;
	for (who = 0; who < 2; who++) {
		uint8_t *s = NULL, *t;
		size_t n = 0, tn = 0;
		const char *why = NULL;

		assert_int_equal(fx_signed_record(&g_fed, who, NULL, "release",
		                                  g_fed.now - 10, &s, &n),
		                 SP_OK);
		assert_true(fx_find(s, n, "KeyInfo") < 0);
		for (cert = 0; cert < 2; cert++) {
			char ki[4096];

			snprintf(ki, sizeof(ki),
			         "</ds:SignatureValue><ds:KeyInfo><ds:X509Data>"
			         "<ds:X509Certificate>%s</ds:X509Certificate>"
			         "</ds:X509Data></ds:KeyInfo>",
			         g_fed.k[cert]->cert_b64);
			t = fx_replace(s, n, "</ds:SignatureValue>", ki, &tn);
			assert_non_null(t);
			assert_int_equal(crypto_only(t, tn, who), SP_OK);
			assert_int_equal(verify_why(t, tn, &why),
			                 SP_ERR_NON_CANONICAL);
			assert_non_null(strstr(why, "KeyInfo"));
			free(t);
		}
		/* a KeyName */
		t = fx_replace(s, n, "</ds:SignatureValue>",
		               "</ds:SignatureValue><ds:KeyInfo><ds:KeyName>k"
		               "</ds:KeyName></ds:KeyInfo>",
		               &tn);
		assert_non_null(t);
		assert_int_equal(crypto_only(t, tn, who), SP_OK);
		assert_int_equal(verify_why(t, tn, &why), SP_ERR_NON_CANONICAL);
		free(t);
		free(s);
	}
}

/* The ECDSA twin (r, n - s) verifies wherever (r, s) does; only the low
 * one is the record. */
static void test_ecdsa_twin(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < 4; k++) {
		uint8_t *s = NULL, *t, raw[64], twin[64];
		size_t n = 0, tn = 0, rawlen = 0;
		char *v, b64[128];
		const char *why = NULL;

		assert_int_equal(fx_signed_record(&g_fed, 0, NULL, "release",
		                                  g_fed.now - 10, &s, &n),
		                 SP_OK);
		signature_value(s, n, raw, sizeof(raw), &rawlen);
		assert_int_equal(rawlen, 64);
		assert_false(sp_trust__ecdsa_high_s(raw));
		/* n - s: BN arithmetic through the builder's helper on the
		 * twin of a high value gives back the low one. */
		memcpy(twin, raw, 64);
		{
			BIGNUM *order = BN_new(),
			       *ss = BN_bin2bn(raw + 32, 32, NULL);
			EC_GROUP *g =
			    EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);

			assert_non_null(order);
			assert_non_null(ss);
			assert_non_null(g);
			assert_true(EC_GROUP_get_order(g, order, NULL) == 1);
			assert_true(BN_sub(ss, order, ss) == 1);
			assert_int_equal(BN_bn2binpad(ss, twin + 32, 32), 32);
			BN_free(order);
			BN_free(ss);
			EC_GROUP_free(g);
		}
		assert_true(sp_trust__ecdsa_high_s(twin));
		{
			uint8_t back[64];

			memcpy(back, twin, 64);
			assert_int_equal(sp_trust__ecdsa_low_s(back), 1);
			assert_memory_equal(back, raw, 64);
		}
		assert_true(sp_b64_encode(twin, 64, b64, sizeof(b64)) > 0);
		v = between(s, n, "<ds:SignatureValue>",
		            "</ds:SignatureValue>");
		t = fx_replace(s, n, v, b64, &tn);
		assert_non_null(t);
		assert_int_equal(crypto_only(t, tn, 0), SP_OK);
		assert_int_equal(verify_why(t, tn, &why), SP_ERR_NON_CANONICAL);
		assert_non_null(strstr(why, "high-s"));
		free(t);
		free(v);
		free(s);
	}
}

/* The builder's output: accepted, its own exclusive canonical form, no XML
 * declaration, no KeyInfo, no text in the signature outside SignedInfo, and
 * low-s on every ECDSA signature (64 of them: a builder that did not
 * normalize would emit a high s with probability 1/2 each). */
static void test_builder_output(void **state)
{
	uint8_t *u = NULL;
	size_t un = 0;
	int i, who;

	(void)state;
	assert_int_equal(
	    fx_record("CN-ZZ", 3, "order", g_fed.now - 10, &u, &un), SP_OK);
	for (who = 0; who < 2; who++) {
		for (i = 0; i < (who == 0 ? 64 : 4); i++) {
			uint8_t *s = NULL, raw[512];
			size_t n = 0, rawlen = 0;
			xmlDocPtr d;
			xmlChar *c = NULL;
			int cl;
			const char *why = NULL;
			uint8_t *uu = NULL;
			size_t uun = 0;

			if (who == 1) {
				assert_int_equal(fx_record("KZ-KGS", 3, "order",
				                           g_fed.now - 10, &uu,
				                           &uun),
				                 SP_OK);
				assert_int_equal(sp_sign_document(g_fed.k[1],
				                                  uu, uun, &s,
				                                  &n, &why),
				                 SP_OK);
				free(uu);
			} else {
				assert_int_equal(sp_sign_document(g_fed.k[0], u,
				                                  un, &s, &n,
				                                  &why),
				                 SP_OK);
			}
			assert_int_equal(verify_why(s, n, &why), SP_OK);
			if (i == 0)
				signed_info_agrees(s, n);
			assert_true(n > 8 && memcmp(s, "<Record ", 8) == 0);
			assert_true(s[n - 1] == '>');
			assert_true(fx_find(s, n, "<?xml") < 0);
			assert_true(fx_find(s, n, "KeyInfo") < 0);
			assert_true(fx_find(s, n,
			                    "</ds:SignedInfo><ds:"
			                    "SignatureValue>") > 0);
			assert_true(fx_find(s, n,
			                    "</ds:SignatureValue></ds:"
			                    "Signature>") > 0);
			/* independently of trust/: a C14N fixpoint */
			d = xmlReadMemory((const char *)s, (int)n, NULL, NULL,
			                  XML_PARSE_NONET);
			assert_non_null(d);
			cl = xmlC14NDocDumpMemory(
			    d, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &c);
			assert_int_equal(cl, (int)n);
			assert_memory_equal(c, s, n);
			xmlFree(c);
			xmlFreeDoc(d);
			signature_value(s, n, raw, sizeof(raw), &rawlen);
			if (who == 0) {
				assert_int_equal(rawlen, 64);
				assert_false(sp_trust__ecdsa_high_s(raw));
			} else {
				assert_int_equal(rawlen, 256);
			}
			free(s);
		}
	}
	free(u);
}

/* The verifier takes a record's enveloped reference from its canonical
 * bytes outside the span of ds:Signature (SPEC 4.6 makes them the exclusive
 * canonical form), not from a second canonicalization. An element with the
 * signature's qualified name in another namespace, earlier in the body, must
 * not move that span; and both ways of computing the reference (the bytes,
 * or libxml2's C14N without the signature as for receipts) agree, on the
 * record and on a copy altered inside and beside the decoy. */
static void test_reference_from_canonical_bytes(void **state)
{
	static const char body[] =
	    "<Order><OrderNo>ZZ20261127000123</OrderNo>"
	    "<Platform>Silk Road shop</Platform>"
	    "<TotalAmount currency=\"CNY\">398.00</TotalAmount>"
	    "<Extension><ds:Signature xmlns:ds=\"urn:example:decoy\">"
	    "<ds:SignedInfo>decoy</ds:SignedInfo></ds:Signature> tail"
	    "</Extension></Order>";
	static const char *const edits[][2] = {
	    {">decoy<", ">decoi<"},
	    {"</ds:Signature> tail", "</ds:Signature> tale"},
	    {"<ds:Signature xmlns:ds=\"urn:example:decoy\">",
	     "<ds:Signature xmlns:ds=\"urn:example:decoi\">"},
	};
	sp_subject subj = {"Declaration", NULL, "4604202611270000123"};
	sp_record_draft d;
	uint8_t *u = NULL, *s = NULL, *t;
	size_t un = 0, n = 0, tn, i;
	const char *why = NULL;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.origin = "CN-ZZ";
	d.sequence = 9;
	d.type = "order";
	d.issued = g_fed.now - 10;
	d.broadcast = 1;
	d.subjects = &subj;
	d.n_subjects = 1;
	d.body = (const uint8_t *)body;
	d.body_len = sizeof(body) - 1;
	assert_int_equal(sp_record_build(&d, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &s, &n, &why),
	                 SP_OK);
	assert_true(fx_find(s, n, "urn:example:decoy") > 0);
	assert_int_equal(verify_why(s, n, &why), SP_OK);
	assert_int_equal(crypto_only(s, n, 0), SP_OK);
	signed_info_agrees(s, n);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		t = fx_replace(s, n, edits[i][0], edits[i][1], &tn);
		assert_non_null(t);
		assert_int_equal(verify_why(t, tn, &why), SP_ERR_SIG_INVALID);
		assert_int_equal(crypto_only(t, tn, 0), SP_ERR_SIG_INVALID);
		free(t);
	}
	free(s);
	free(u);
}

/* Two signings of one unsigned record by its Origin are different bytes
 * (a fresh ECDSA nonce) with the same signed content; another record has
 * another signed content. */
static void test_signed_content_digest(void **state)
{
	uint8_t *u = NULL, *u2 = NULL, *a = NULL, *b = NULL, *c = NULL;
	size_t un = 0, un2 = 0, an = 0, bn = 0, cn = 0;
	uint8_t da[32], db[32], dc[32], dd[32];
	sp_doc *doc = NULL;
	const char *why = NULL;

	(void)state;
	assert_int_equal(
	    fx_record("CN-ZZ", 4, "order", g_fed.now - 10, &u, &un), SP_OK);
	assert_int_equal(
	    fx_record("CN-ZZ", 4, "order", g_fed.now - 10, &u2, &un2), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &a, &an, &why),
	                 SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &b, &bn, &why),
	                 SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u2, un2, &c, &cn, &why),
	                 SP_OK);
	assert_false(an == bn && memcmp(a, b, an) == 0);
	assert_int_equal(
	    sp_verify_record(g_fed.trust, a, an, NULL, &doc, NULL, &why),
	    SP_OK);
	assert_int_equal(sp_signed_content_digest(doc, da, &why), SP_OK);
	sp_doc_free(doc);
	assert_int_equal(sp_signed_content_digest_of(b, bn, db, &why), SP_OK);
	assert_int_equal(sp_signed_content_digest_of(c, cn, dc, &why), SP_OK);
	assert_int_equal(sp_signed_content_digest_of(a, an, dd, &why), SP_OK);
	assert_memory_equal(da, db, 32);
	assert_memory_equal(da, dd, 32);
	/* another RecordId: another content */
	assert_memory_not_equal(da, dc, 32);
	/* not a signed record */
	assert_int_equal(sp_signed_content_digest_of(u, un, dd, &why),
	                 SP_ERR_SIG_MISSING);
	free(a);
	free(b);
	free(c);
	free(u);
	free(u2);
}

/* Receipts keep the certificate hint in KeyInfo and come out canonical. */
static void test_receipt_keeps_keyinfo(void **state)
{
	sp_receipt_info ri, got;
	uint8_t *u = NULL, *s = NULL;
	size_t un = 0, n = 0;
	const char *why = NULL;

	(void)state;
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
	assert_true(fx_find(s, n,
	                    "<ds:KeyInfo><ds:X509Data><ds:"
	                    "X509Certificate>") > 0);
	assert_true(fx_find(s, n, "<?xml") < 0);
	assert_int_equal(sp_verify_receipt(g_fed.trust, s, n, NULL, &got, &why),
	                 SP_OK);
	free(s);
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_variants_refused),
	    cmocka_unit_test(test_signature_value_encoding),
	    cmocka_unit_test(test_keyinfo_in_record),
	    cmocka_unit_test(test_ecdsa_twin),
	    cmocka_unit_test(test_builder_output),
	    cmocka_unit_test(test_reference_from_canonical_bytes),
	    cmocka_unit_test(test_signed_content_digest),
	    cmocka_unit_test(test_receipt_keeps_keyinfo),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
