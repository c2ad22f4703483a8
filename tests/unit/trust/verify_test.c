/* verify_test.c: signing and verifying records and receipts, signer
 * authorization. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "trust_int.h"
#include "unit/trust/trust_fixture.h"
#include "unit/trust/verify_both.h"

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

/* Both ways, the canonical reader and libxml2, which must agree. */
static int verify(const uint8_t *b, size_t n, const sp_verify_opts *o)
{
	const char *why = NULL;
	sp_record *rec = NULL;
	sp_verify_opts base;
	int rc;

	if (o != NULL)
		base = *o;
	else
		sp_verify_opts_default(&base);
	rc = fx_verify_both(g_fed.trust, b, n, &base, &rec, &why, NULL);
	if (rc == SP_OK) {
		assert_non_null(rec);
	} else {
		assert_null(rec);
		assert_non_null(why);
	}
	sp_record_free(rec);
	return rc;
}

static void test_sign_verify_types(void **state)
{
	static const char *const types[] = {
	    "declaration", "order",      "payment", "waybill",
	    "release",     "statistics", "credit",  "warehouse"};
	size_t t;
	int who;

	(void)state;
	for (who = 0; who < 2; who++) {
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			uint8_t *s = NULL;
			size_t n = 0;
			sp_record *rec = NULL;
			sp_doc *doc = NULL;
			const char *why = NULL;

			assert_int_equal(
			    fx_signed_record(&g_fed, who, NULL, types[t],
			                     g_fed.now - 10, &s, &n),
			    SP_OK);
			assert_true(fx_find(s, n, "<ds:Signature") > 0);
			assert_true(
			    fx_find(s, n,
			            who == 0 ? "xmldsig-more#ecdsa-sha256"
			                     : "xmldsig-more#rsa-sha256") > 0);
			/* the transport form: no declaration, no KeyInfo */
			assert_true(memcmp(s, "<Record ", 8) == 0);
			assert_true(fx_find(s, n, "KeyInfo") < 0);
			assert_int_equal(sp_verify_record(g_fed.trust, s, n,
			                                  NULL, &doc, &rec,
			                                  &why),
			                 SP_OK);
			assert_string_equal(sp_record_origin(rec), fx_ids[who]);
			assert_string_equal(sp_record_type_code(rec), types[t]);
			assert_int_equal(sp_record_issued(rec), g_fed.now - 10);
			assert_int_equal(sp_doc_get_kind(doc), SP_DOC_RECORD);
			/* Either out-pointer may be NULL. */
			assert_int_equal(sp_verify_record(g_fed.trust, s, n,
			                                  NULL, NULL, NULL,
			                                  &why),
			                 SP_OK);
			sp_record_free(rec);
			sp_doc_free(doc);
			free(s);
		}
	}
}

static void test_sign_refusals(void **state)
{
	uint8_t *s = NULL, *s2 = NULL;
	size_t n = 0, n2 = 0;
	const char *why = NULL;
	static const char other[] =
	    "<?xml version=\"1.0\"?><Foo xmlns=\"urn:silkport:srep:1\"/>";
	static const char dtd[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE Record []><Record/>";

	(void)state;
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], s, n, &s2, &n2, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(s2);
	assert_int_equal(sp_sign_document(g_fed.k[0], (const uint8_t *)other,
	                                  sizeof(other) - 1, &s2, &n2, &why),
	                 SP_ERR_WRONG_DOCUMENT);
	assert_int_not_equal(sp_sign_document(g_fed.k[0], (const uint8_t *)dtd,
	                                      sizeof(dtd) - 1, &s2, &n2, &why),
	                     SP_OK);
	assert_null(s2);
	free(s);
}

static void test_unsigned_missing(void **state)
{
	uint8_t *u = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(fx_record("CN-ZZ", 1, "order", g_fed.now, &u, &n),
	                 SP_OK);
	assert_int_equal(verify(u, n, NULL), SP_ERR_SIG_MISSING);
	free(u);
}

/* Flip one base64 character right after `marker`. */
static uint8_t *flip_after(const uint8_t *s, size_t n, const char *marker)
{
	long p = fx_find(s, n, marker);
	uint8_t *c;

	assert_true(p >= 0);
	c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, s, n);
	p += (long)strlen(marker) + 2;
	c[p] = c[p] == 'A' ? 'B' : 'A';
	return c;
}

static void test_tampering(void **state)
{
	uint8_t *s = NULL, *t;
	size_t n = 0, tn = 0;
	int who;

	(void)state;
	for (who = 0; who < 2; who++) {
		assert_int_equal(fx_signed_record(&g_fed, who, NULL,
		                                  "declaration", g_fed.now, &s,
		                                  &n),
		                 SP_OK);
		assert_int_equal(verify(s, n, NULL), SP_OK);
		/* header */
		t = fx_replace(s, n, "<Sequence>1</Sequence>",
		               "<Sequence>2</Sequence>", &tn);
		assert_non_null(t);
		assert_int_equal(verify(t, tn, NULL), SP_ERR_SIG_INVALID);
		free(t);
		/* body */
		t = fx_replace(s, n, "<Mode>1210</Mode>", "<Mode>9610</Mode>",
		               &tn);
		assert_non_null(t);
		assert_int_equal(verify(t, tn, NULL), SP_ERR_SIG_INVALID);
		free(t);
		/* a comment splitting a value changes nothing the signature
		 * covers, but is another byte string of the record (SPEC
		 * 4.6)... */
		t = fx_replace(s, n, "<Mode>1210</Mode>",
		               "<Mode>12<!-- x -->10</Mode>", &tn);
		assert_non_null(t);
		assert_int_equal(verify(t, tn, NULL), SP_ERR_NON_CANONICAL);
		free(t);
		/* ...but text does */
		t = fx_replace(s, n, "<Mode>1210</Mode>", "<Mode>1210 </Mode>",
		               &tn);
		assert_non_null(t);
		assert_int_not_equal(verify(t, tn, NULL), SP_OK);
		free(t);
		/* digest value */
		t = flip_after(s, n, "<ds:DigestValue>");
		assert_int_equal(verify(t, n, NULL), SP_ERR_SIG_INVALID);
		free(t);
		/* signature value */
		t = flip_after(s, n, "<ds:SignatureValue>");
		assert_int_equal(verify(t, n, NULL), SP_ERR_SIG_INVALID);
		free(t);
		free(s);
	}
}

static void test_signer_authorization(void **state)
{
	uint8_t *s = NULL;
	size_t n = 0;
	sp_verify_opts o;

	(void)state;
	/* unknown origin */
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, "XX-NONE", "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_UNKNOWN_ORIGIN);
	free(s);
	/* revoked, suspended, list window over */
	assert_int_equal(
	    fx_signed_record(&g_fed, 2, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIGNER_REVOKED);
	free(s);
	assert_int_equal(
	    fx_signed_record(&g_fed, 3, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIGNER_SUSPENDED);
	free(s);
	assert_int_equal(
	    fx_signed_record(&g_fed, 4, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIGNER_EXPIRED);
	free(s);

	/* a member signing as another origin, same and other algorithm */
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, "CN-TWO", "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIG_INVALID);
	free(s);
	/* other algorithm: refused by name before any cryptography (SPEC
	 * [TL-45]) */
	assert_int_equal(
	    fx_signed_record(&g_fed, 1, "CN-ZZ", "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_ALG_NOT_LISTED);
	free(s);
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, "KZ-KGS", "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_ALG_NOT_LISTED);
	free(s);

	/* Issued: in the future beyond the skew, within it, before the
	 * certificate's list window; and "now" after the certificate. */
	assert_int_equal(fx_signed_record(&g_fed, 0, NULL, "order",
	                                  g_fed.now + 3600, &s, &n),
	                 SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_ISSUED_IN_FUTURE);
	sp_verify_opts_default(&o);
	o.now = g_fed.now + 3600;
	assert_int_equal(verify(s, n, &o), SP_OK);
	free(s);
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, NULL, "order", g_fed.now + 120, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_OK);
	sp_verify_opts_default(&o);
	o.clock_skew = 10;
	assert_int_equal(verify(s, n, &o), SP_ERR_ISSUED_IN_FUTURE);
	free(s);
	assert_int_equal(fx_signed_record(&g_fed, 0, NULL, "order",
	                                  g_fed.now - 3 * 86400, &s, &n),
	                 SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIGNER_EXPIRED);
	free(s);
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	sp_verify_opts_default(&o);
	o.now = g_fed.now + 2 * 365 * 86400;
	assert_int_equal(verify(s, n, &o), SP_ERR_SIGNER_EXPIRED);
	free(s);
}

/* SPEC [TL-78]: with witnesses, a certificate past its validity (retired)
 * still authorizes a record whose Issued lies in it: the verifier says when
 * that validity ended, and the record is confirmed only if proven to exist
 * by then. An Issued outside the validity is refused all the same. */
static void test_signer_at_existence(void **state)
{
	uint8_t *s = NULL;
	size_t n = 0;
	int64_t until = 0;
	sp_verify_opts o;

	(void)state;
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	sp_verify_opts_default(&o);
	o.now = g_fed.now + 2 * 365 * 86400; /* the certificate is over */
	assert_int_equal(verify(s, n, &o), SP_ERR_SIGNER_EXPIRED);
	o.existence_later = 1;
	o.signer_until = &until;
	assert_int_equal(verify(s, n, &o), SP_OK);
	assert_true(until > g_fed.now);
	assert_true(until < o.now);
	free(s);
	/* Issued before every certificate of the signer: nothing to judge */
	assert_int_equal(fx_signed_record(&g_fed, 0, NULL, "order",
	                                  g_fed.now - 3 * 86400, &s, &n),
	                 SP_OK);
	assert_int_equal(verify(s, n, &o), SP_ERR_SIGNER_EXPIRED);
	free(s);
}

/* SPEC [TL-77]: CN-HZ is revoked with an InvalidFrom. With
 * witnesses, a record it issued before then is held (judged later at its
 * existence bound, which must lie before InvalidFrom); one issued after is
 * refused; without witnesses the revocation refuses both (TL-26). The
 * element round-trips through the list. */
static void test_revoked_invalid_from(void **state)
{
	/* its certificate starts at setup: times around now */
	const int64_t invalid_from = g_fed.now + 100;
	uint8_t *list = NULL, *before = NULL, *after = NULL;
	size_t list_len = 0, nb = 0, na = 0;
	sp_trust *t = NULL;
	const char *why = NULL;
	int64_t until = 0;
	sp_verify_opts o;

	(void)state;
	g_fed.invalid_from[2] = invalid_from;
	assert_int_equal(fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now - 60,
	                             g_fed.ca, &list, &list_len),
	                 SP_OK);
	g_fed.invalid_from[2] = 0;
	assert_int_equal(
	    sp_trust_open(g_fed.anchors, list, list_len, NULL, NULL, &t, &why),
	    SP_OK);
	assert_int_equal(sp_tl_find(sp_trust_list(t), "CN-HZ")->invalid_from,
	                 invalid_from);
	assert_int_equal(fx_signed_record(&g_fed, 2, NULL, "order",
	                                  invalid_from - 200, &before, &nb),
	                 SP_OK);
	assert_int_equal(fx_signed_record(&g_fed, 2, NULL, "order",
	                                  invalid_from + 100, &after, &na),
	                 SP_OK);
	sp_verify_opts_default(&o);
	assert_int_equal(sp_verify_record(t, before, nb, &o, NULL, NULL, &why),
	                 SP_ERR_SIGNER_REVOKED);
	o.existence_later = 1;
	o.signer_until = &until;
	assert_int_equal(sp_verify_record(t, before, nb, &o, NULL, NULL, &why),
	                 SP_OK);
	assert_int_equal(until, invalid_from); /* the end of its authority */
	assert_int_equal(sp_verify_record(t, after, na, &o, NULL, NULL, &why),
	                 SP_ERR_SIGNER_REVOKED);
	sp_trust_unref(t);
	free(list);
	free(before);
	free(after);
}

static void test_rotation(void **state)
{
	uint8_t *s = NULL, *u = NULL;
	size_t n = 0, un = 0;
	sp_key *old = NULL;
	const char *why = NULL;

	(void)state;
	/* CN-TWO lists an expired certificate first: the current one verifies.
	 */
	assert_int_equal(
	    fx_signed_record(&g_fed, 5, NULL, "payment", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_OK);
	free(s);
	/* A signature by the retired key no longer verifies... */
	assert_int_equal(sp_key_load(g_fed.old_key, g_fed.old_cert, &old, &why),
	                 SP_OK);
	assert_int_equal(fx_record("CN-TWO", 1, "payment", g_fed.now, &u, &un),
	                 SP_OK);
	assert_int_equal(sp_sign_document(old, u, un, &s, &n, &why), SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIG_INVALID);
	free(s);
	free(u);
	/* Its list window held two months ago, but its X.509 window did not:
	 * both windows must contain Issued and now. */
	assert_int_equal(
	    fx_record("CN-TWO", 1, "payment", g_fed.now - 60 * 86400, &u, &un),
	    SP_OK);
	assert_int_equal(sp_sign_document(old, u, un, &s, &n, &why), SP_OK);
	{
		sp_verify_opts o;

		sp_verify_opts_default(&o);
		o.now = g_fed.now - 59 * 86400;
		assert_int_equal(verify(s, n, &o), SP_ERR_SIGNER_EXPIRED);
		assert_int_equal(verify(s, n, NULL), SP_ERR_SIGNER_EXPIRED);
	}
	free(s);
	free(u);
	sp_key_free(old);
}

/* Replace the content between the first `open` and the following `close`. */
static uint8_t *replace_between(const uint8_t *s, size_t n, const char *open,
                                const char *close, const char *with,
                                size_t *outn)
{
	long a = fx_find(s, n, open), b;
	uint8_t *o;

	assert_true(a >= 0);
	a += (long)strlen(open);
	b = fx_find(s + a, n - (size_t)a, close);
	assert_true(b >= 0);
	b += a;
	o = malloc(n + strlen(with) + 1);
	assert_non_null(o);
	memcpy(o, s, (size_t)a);
	memcpy(o + a, with, strlen(with));
	memcpy(o + a + strlen(with), s + b, n - (size_t)b);
	*outn = (size_t)a + strlen(with) + (n - (size_t)b);
	return o;
}

static void test_keyinfo_is_only_a_hint(void **state)
{
	uint8_t *s = NULL, *t, *u = NULL;
	size_t n = 0, tn = 0, un = 0;
	char *b64 = NULL;
	sp_receipt_info ri, got;
	const char *why = NULL;

	(void)state;
	/* A receipt's KeyInfo naming another member's certificate: the key
	 * still comes from the trust list for the Receiver. */
	memset(&ri, 0, sizeof(ri));
	assert_int_equal(sp_uuid_v4(ri.record_id), SP_OK);
	snprintf(ri.origin, sizeof(ri.origin), "KZ-KGS");
	sp_sha256_hex((const uint8_t *)"x", 1, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "CN-ZZ");
	ri.received = g_fed.now - 5;
	ri.status = SP_RECEIPT_ACCEPTED;
	assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &s, &n, &why),
	                 SP_OK);
	b64 = g_fed.k[1]->cert_b64;
	t = replace_between(s, n, "<ds:X509Certificate>",
	                    "</ds:X509Certificate>", b64, &tn);
	assert_int_equal(
	    sp_verify_receipt(g_fed.trust, t, tn, NULL, &got, &why), SP_OK);
	free(t);
	/* No KeyInfo at all. */
	t = replace_between(s, n, "</ds:SignatureValue>", "</ds:Signature>", "",
	                    &tn);
	assert_int_equal(
	    sp_verify_receipt(g_fed.trust, t, tn, NULL, &got, &why), SP_OK);
	free(t);
	free(s);
	free(u);
	/* A signature by a key that is not the Origin's is refused. */
	assert_int_equal(
	    fx_signed_record(&g_fed, 5, "CN-ZZ", "order", g_fed.now, &s, &n),
	    SP_OK);
	assert_int_equal(verify(s, n, NULL), SP_ERR_SIG_INVALID);
	/* A record carries no KeyInfo: one naming the Origin's own
	 * certificate, added by anyone, is another byte string of it. */
	{
		char ki[4096];

		snprintf(ki, sizeof(ki),
		         "</ds:SignatureValue><ds:KeyInfo><ds:X509Data>"
		         "<ds:X509Certificate>%s</ds:X509Certificate>"
		         "</ds:X509Data></ds:KeyInfo>",
		         g_fed.k[0]->cert_b64);
		free(s);
		assert_int_equal(fx_signed_record(&g_fed, 0, NULL, "order",
		                                  g_fed.now, &s, &n),
		                 SP_OK);
		t = fx_replace(s, n, "</ds:SignatureValue>", ki, &tn);
		assert_non_null(t);
		assert_int_equal(verify(t, tn, NULL), SP_ERR_NON_CANONICAL);
		free(t);
	}
	free(s);
}

typedef struct edit {
	const char *from;
	const char *to;
	int want;
} edit;

static void test_profile_violations(void **state)
{
	static const edit edits[] = {
	    {"URI=\"\"", "URI=\"#xpointer(/)\"", SP_ERR_SIG_PROFILE},
	    {"URI=\"\"", "", SP_ERR_SIG_PROFILE},
	    {"URI=\"\"", "URI=\"\" Id=\"r1\"", SP_ERR_SIG_PROFILE},
	    {"<ds:Signature ", "<ds:Signature Id=\"s\" ", SP_ERR_SIG_PROFILE},
	    {"http://www.w3.org/2001/04/xmlenc#sha256",
	     "http://www.w3.org/2000/09/xmldsig#sha1", SP_ERR_SIG_ALGORITHM},
	    {"http://www.w3.org/2001/04/xmlenc#sha256",
	     "http://www.w3.org/2001/04/xmldsig-more#md5",
	     SP_ERR_SIG_ALGORITHM},
	    {"<ds:CanonicalizationMethod "
	     "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"",
	     "<ds:CanonicalizationMethod "
	     "Algorithm=\"http://www.w3.org/2001/10/"
	     "xml-exc-c14n#WithComments\"",
	     SP_ERR_SIG_ALGORITHM},
	    {"<ds:CanonicalizationMethod "
	     "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"",
	     "<ds:CanonicalizationMethod "
	     "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"",
	     SP_ERR_SIG_ALGORITHM},
	    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
	     "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
	     SP_ERR_SIG_ALGORITHM},
	    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
	     "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
	     SP_ERR_SIG_ALGORITHM},
	    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
	     "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
	     SP_ERR_SIG_ALGORITHM},
	    {"<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2000/09/"
	     "xmldsig#enveloped-signature\"></ds:Transform>",
	     "<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2000/09/"
	     "xmldsig#enveloped-signature\"></ds:Transform>"
	     "<ds:Transform "
	     "Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\">"
	     "<ds:XPath>1</ds:XPath></ds:Transform>",
	     SP_ERR_SIG_ALGORITHM},
	    {"<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2000/09/"
	     "xmldsig#enveloped-signature\"></ds:Transform>",
	     "<ds:Transform "
	     "Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"/>",
	     SP_ERR_SIG_ALGORITHM},
	    {"<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2000/09/"
	     "xmldsig#enveloped-signature\"></ds:Transform>",
	     "", SP_ERR_SIG_PROFILE},
	    {"<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">"
	     "</ds:Transform>",
	     "<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">"
	     "<ec:InclusiveNamespaces "
	     "xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" "
	     "PrefixList=\"\"/></ds:Transform>",
	     SP_ERR_SIG_PROFILE},
	    {"</ds:SignatureValue>",
	     "</ds:SignatureValue><ds:KeyInfo><ds:RetrievalMethod "
	     "URI=\"file:///etc/passwd\"/></ds:KeyInfo>",
	     SP_ERR_SIG_PROFILE},
	    {"</ds:SignatureValue>",
	     "</ds:SignatureValue><ds:KeyInfo><ds:KeyValue><ds:HMACKey>"
	     "c2VjcmV0</ds:HMACKey></ds:KeyValue></ds:KeyInfo>",
	     SP_ERR_SIG_PROFILE},
	    {"<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2000/09/"
	     "xmldsig#enveloped-signature\"></ds:Transform>\n<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">"
	     "</ds:Transform>",
	     "<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
	     "<ds:Transform "
	     "Algorithm=\"http://www.w3.org/2000/09/"
	     "xmldsig#enveloped-signature\"></ds:Transform>",
	     SP_ERR_SIG_ALGORITHM},
	    {"</ds:Signature>", "</ds:Signature><!-- after -->",
	     SP_ERR_SIG_PROFILE},
	    {"<ds:SignatureValue>", "<ds:SignatureValue>AAAA",
	     SP_ERR_SIG_INVALID},
	    {"<ds:DigestValue>", "<ds:DigestValue>AAAA", SP_ERR_SIG_INVALID},
	    {"</ds:SignatureValue>",
	     "</ds:SignatureValue><ds:Object>x</ds:Object>",
	     SP_ERR_SIG_PROFILE},
	    {"</ds:SignedInfo>",
	     "<ds:Reference URI=\"\"><ds:Transforms/><ds:DigestMethod "
	     "Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
	     "<ds:DigestValue>AA==</ds:DigestValue></ds:Reference></"
	     "ds:SignedInfo>",
	     SP_ERR_SIG_PROFILE},
	};
	uint8_t *s = NULL, *t;
	size_t n = 0, tn = 0, i;

	(void)state;
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, NULL, "declaration", g_fed.now, &s, &n),
	    SP_OK);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		t = fx_replace(s, n, edits[i].from, edits[i].to, &tn);
		if (t == NULL)
			fail_msg("edit %zu: '%s' not found", i, edits[i].from);
		if (verify(t, tn, NULL) != edits[i].want)
			fail_msg("edit %zu: got %s, want %s", i,
			         sp_strerror(verify(t, tn, NULL)),
			         sp_strerror(edits[i].want));
		free(t);
	}
	/* Two signatures: a copy of the signature in the body's Extension,
	 * which the schema does not validate. */
	{
		long a = fx_find(s, n, "<ds:Signature"),
		     b = fx_find(s, n, "</ds:Signature>");
		long e = fx_find(s, n, "<Body>");
		static const char o[] = "<Extension>", c[] = "</Extension>";
		size_t sl, tl;

		assert_true(e > 0);
		e += fx_find(s + e, n - (size_t)e, "</Declaration>");
		assert_true(a > 0 && b > a && e > 0 && e < a);
		b += (long)strlen("</ds:Signature>");
		sl = (size_t)(b - a);
		tl = n + sl + sizeof(o) - 1 + sizeof(c) - 1;
		t = malloc(tl);
		assert_non_null(t);
		memcpy(t, s, (size_t)e);
		memcpy(t + e, o, sizeof(o) - 1);
		memcpy(t + e + sizeof(o) - 1, s + a, sl);
		memcpy(t + e + sizeof(o) - 1 + sl, c, sizeof(c) - 1);
		memcpy(t + e + sizeof(o) - 1 + sl + sizeof(c) - 1, s + e,
		       n - (size_t)e);
		assert_int_equal(verify(t, tl, NULL), SP_ERR_SIG_PROFILE);
		free(t);
	}
	/* Any XML-DSig element outside the signature, and a ds:Object or
	 * ds:Manifest anywhere. */
	{
		static const char *const ins[] = {
		    "<Extension><ds:SignedInfo "
		    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></"
		    "Extension>",
		    "<Extension><ds:Object "
		    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></"
		    "Extension>",
		    "<Extension><ds:Manifest "
		    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></"
		    "Extension>",
		};
		size_t k;

		for (k = 0; k < 3; k++) {
			char to[512];

			long e = fx_find(s, n, "<Body>");

			assert_true(e > 0);
			snprintf(to, sizeof(to), "%s</Declaration>", ins[k]);
			t = fx_replace(s + e, n - (size_t)e, "</Declaration>",
			               to, &tn);
			assert_non_null(t);
			{
				uint8_t *w = malloc((size_t)e + tn);

				assert_non_null(w);
				memcpy(w, s, (size_t)e);
				memcpy(w + e, t, tn);
				free(t);
				t = w;
				tn += (size_t)e;
			}
			assert_non_null(t);
			assert_int_equal(verify(t, tn, NULL),
			                 SP_ERR_SIG_PROFILE);
			free(t);
		}
	}
	free(s);
}

/* SPEC SIG-18: an ECDSA value in DER instead of r||s is refused. */
static void test_ecdsa_der_value(void **state)
{
	uint8_t *s = NULL, *t;
	size_t n = 0, tn = 0;
	long a, b;
	unsigned char raw[128], *der = NULL;
	char b64[256], *v;
	int len, k, j;
	ECDSA_SIG *sig;
	BIGNUM *r, *ss;

	(void)state;
	assert_int_equal(
	    fx_signed_record(&g_fed, 0, NULL, "order", g_fed.now, &s, &n),
	    SP_OK);
	a = fx_find(s, n, "<ds:SignatureValue>");
	b = fx_find(s, n, "</ds:SignatureValue>");
	assert_true(a > 0 && b > a);
	a += (long)strlen("<ds:SignatureValue>");
	v = malloc((size_t)(b > a ? b - a : 0) + 1);
	assert_non_null(v);
	for (k = 0, j = 0; k < b - a; k++)
		if (s[a + k] != '\n' && s[a + k] != '\r' && s[a + k] != ' ')
			v[j++] = (char)s[a + k];
	v[j] = 0;
	len = EVP_DecodeBlock(raw, (const unsigned char *)v, j);
	free(v);
	assert_int_equal(len, 66); /* 64 bytes + base64 padding */
	r = BN_bin2bn(raw, 32, NULL);
	ss = BN_bin2bn(raw + 32, 32, NULL);
	sig = ECDSA_SIG_new();
	assert_true(ECDSA_SIG_set0(sig, r, ss) == 1);
	len = i2d_ECDSA_SIG(sig, &der);
	assert_true(len > 0);
	EVP_EncodeBlock((unsigned char *)b64, der, len);
	t = malloc(n + sizeof(b64));
	assert_non_null(t);
	memcpy(t, s, (size_t)a);
	memcpy(t + a, b64, strlen(b64));
	memcpy(t + a + strlen(b64), s + b, n - (size_t)b);
	tn = (size_t)a + strlen(b64) + (n - (size_t)b);
	assert_int_equal(verify(t, tn, NULL), SP_ERR_SIG_INVALID);
	/* the original value still verifies */
	assert_int_equal(verify(s, n, NULL), SP_OK);
	free(t);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	free(s);
}

static void test_receipts(void **state)
{
	sp_receipt_info ri, got;
	uint8_t *u = NULL, *s = NULL, *t;
	size_t un = 0, n = 0, tn = 0;
	const char *why = NULL;

	(void)state;
	memset(&ri, 0, sizeof(ri));
	assert_int_equal(sp_uuid_v4(ri.record_id), SP_OK);
	snprintf(ri.origin, sizeof(ri.origin), "CN-ZZ");
	ri.sequence = 7;
	sp_sha256_hex((const uint8_t *)"x", 1, ri.record_digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "KZ-KGS");
	ri.received = g_fed.now - 5;
	ri.status = SP_RECEIPT_ACCEPTED;
	assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[1], u, un, &s, &n, &why),
	                 SP_OK);
	assert_int_equal(sp_verify_receipt(g_fed.trust, s, n, NULL, &got, &why),
	                 SP_OK);
	assert_string_equal(got.record_id, ri.record_id);
	assert_string_equal(got.receiver, "KZ-KGS");
	assert_string_equal(got.origin, "CN-ZZ");
	assert_int_equal(got.sequence, 7);
	assert_int_equal(got.received, ri.received);
	assert_string_equal(got.record_digest, ri.record_digest);
	/* tampered */
	t = fx_replace(s, n, "<Sequence>7</Sequence>", "<Sequence>8</Sequence>",
	               &tn);
	assert_non_null(t);
	assert_int_equal(
	    sp_verify_receipt(g_fed.trust, t, tn, NULL, &got, &why),
	    SP_ERR_SIG_INVALID);
	free(t);
	free(s);
	/* signed by someone other than the Receiver (P-256 for an RSA
	 * receiver: not the listed method) */
	assert_int_equal(sp_sign_document(g_fed.k[0], u, un, &s, &n, &why),
	                 SP_OK);
	assert_int_equal(sp_verify_receipt(g_fed.trust, s, n, NULL, &got, &why),
	                 SP_ERR_ALG_NOT_LISTED);
	free(s);
	free(u);
	/* a revoked receiver */
	snprintf(ri.receiver, sizeof(ri.receiver), "CN-HZ");
	assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[2], u, un, &s, &n, &why),
	                 SP_OK);
	assert_int_equal(sp_verify_receipt(g_fed.trust, s, n, NULL, &got, &why),
	                 SP_ERR_SIGNER_REVOKED);
	/* a receipt is not a record */
	assert_int_equal(verify(s, n, NULL), SP_ERR_WRONG_DOCUMENT);
	free(s);
	free(u);
}

typedef struct worker {
	int who;
	int failures;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	int i;

	for (i = 0; i < 20; i++) {
		uint8_t *s = NULL;
		size_t n = 0;

		if (fx_signed_record(&g_fed, w->who, NULL, "waybill", g_fed.now,
		                     &s, &n) != SP_OK ||
		    sp_verify_record(g_fed.trust, s, n, NULL, NULL, NULL,
		                     NULL) != SP_OK)
			w->failures++;
		free(s);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[4];
	worker w[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		w[i].who = i % 2;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
}

/* A list like the fixture's in which KZ-KGS (port authority) lists `types`
 * (0: its role's defaults), opened on its own. */
static sp_trust *list_with_types(sp_type_set types)
{
	sp_type_set saved = g_fed.may_originate[1];
	uint8_t *b = NULL;
	size_t n = 0;
	sp_trust *t = NULL;
	const char *why = NULL;

	g_fed.may_originate[1] = types;
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 6, g_fed.now - 60, g_fed.ca, &b, &n),
	    SP_OK);
	g_fed.may_originate[1] = saved;
	assert_int_equal(
	    sp_trust_open(g_fed.anchors, b, n, NULL, NULL, &t, &why), SP_OK);
	free(b);
	return t;
}

static int verify_with(const sp_trust *t, int who, const char *type,
                       const char **why)
{
	uint8_t *s = NULL;
	size_t n = 0;
	sp_record *rec = NULL;
	int rc;

	assert_int_equal(
	    fx_signed_record(&g_fed, who, NULL, type, g_fed.now - 10, &s, &n),
	    SP_OK);
	rc = sp_verify_record(t, s, n, NULL, NULL, &rec, why);
	if (rc == SP_OK)
		assert_string_equal(sp_record_type_code(rec), type);
	else
		assert_null(rec);
	sp_record_free(rec);
	free(s);
	return rc;
}

/* SPEC [TL-61]: a validly signed record whose Type its Origin may not
 * originate is refused by name; the role's defaults apply without
 * MayOriginate, and a MayOriginate replaces them. */
static void test_type_authorization(void **state)
{
	sp_trust *dflt = list_with_types(0);
	sp_trust *listed = list_with_types(sp_type_bit("credit"));
	const char *why = NULL;
	uint8_t *s = NULL, *bad;
	size_t n = 0, bn;

	(void)state;
	/* the port authority by its role: its port's decisions, not credit
	 * or negative-list entries about Chinese enterprises */
	assert_int_equal(verify_with(dflt, 1, "credit", &why),
	                 SP_ERR_TYPE_NOT_AUTHORIZED);
	assert_non_null(strstr(why, "Type"));
	assert_int_equal(verify_with(dflt, 1, "negative-list", &why),
	                 SP_ERR_TYPE_NOT_AUTHORIZED);
	assert_int_equal(verify_with(dflt, 1, "waybill", &why),
	                 SP_ERR_TYPE_NOT_AUTHORIZED);
	assert_int_equal(verify_with(dflt, 1, "release", &why), SP_OK);
	assert_int_equal(verify_with(dflt, 1, "declaration", &why), SP_OK);
	/* a zone originates every type */
	assert_int_equal(verify_with(dflt, 0, "credit", &why), SP_OK);
	assert_int_equal(verify_with(dflt, 0, "negative-list", &why), SP_OK);
	/* listed: exactly what the entry names, defaults no longer apply */
	assert_int_equal(verify_with(listed, 1, "credit", &why), SP_OK);
	assert_int_equal(verify_with(listed, 1, "release", &why),
	                 SP_ERR_TYPE_NOT_AUTHORIZED);
	/* the signature comes first: a record altered after signing is
	 * signature-invalid, never mistaken for a question of authority */
	assert_int_equal(
	    fx_signed_record(&g_fed, 1, NULL, "credit", g_fed.now - 10, &s, &n),
	    SP_OK);
	bad = fx_replace(s, n, "<Sequence>1<", "<Sequence>2<", &bn);
	assert_non_null(bad);
	assert_int_equal(
	    sp_verify_record(dflt, bad, bn, NULL, NULL, NULL, &why),
	    SP_ERR_SIG_INVALID);
	free(bad);
	free(s);
	sp_trust_unref(dflt);
	sp_trust_unref(listed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign_verify_types),
	    cmocka_unit_test(test_sign_refusals),
	    cmocka_unit_test(test_unsigned_missing),
	    cmocka_unit_test(test_tampering),
	    cmocka_unit_test(test_signer_authorization),
	    cmocka_unit_test(test_signer_at_existence),
	    cmocka_unit_test(test_revoked_invalid_from),
	    cmocka_unit_test(test_type_authorization),
	    cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_keyinfo_is_only_a_hint),
	    cmocka_unit_test(test_profile_violations),
	    cmocka_unit_test(test_ecdsa_der_value),
	    cmocka_unit_test(test_receipts),
	    cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
