/* verify_cx_test.c: records and receipts read by the canonical reader
 * (protocol/cxml.c, trust/verify_cx.c). A record in canonical form is read
 * without libxml2; every change to it is decided exactly as libxml2 alone
 * decides it (verify_both.h aborts otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "unit/trust/fixture.h"

/* A declaration without Extension, with a multi-byte name and the
 * references canonical form writes. */
#define PLAIN_BODY                                                             \
	"<Declaration><DeclarationNo>4604202611270000123</DeclarationNo>"      \
	"<Mode>1210</Mode><Direction>import</Direction>"                       \
	"<Declarant>\xe6\xb2\xb3\xe5\x8d\x97 &amp; &lt;Co&gt; "                \
	"\"Ltd\"</Declarant>"                                                  \
	"<Item><Name>milk powder 900g</Name><Quantity>2</Quantity>"            \
	"<Value currency=\"CNY\">318.00</Value><HsCode>1901101000</HsCode>"    \
	"</Item></Declaration>"

static fx_fed F;

static int group_setup(void **state)
{
	(void)state;
	if (sp_trust_init() != SP_OK || fx_fed_setup(&F) != SP_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fx_fed_free(&F);
	sp_trust_cleanup();
	return 0;
}

static void signed_plain(int who, fx_buf *out)
{
	uint8_t *u = NULL;
	size_t ul = 0;

	assert_int_equal(fx_record_build(F.m[who].id, 7, "declaration", F.now,
	                                 PLAIN_BODY, strlen(PLAIN_BODY), &u,
	                                 &ul),
	                 SP_OK);
	assert_int_equal(fx_sign(F.m[who].sk, u, ul, &out->p, &out->n), SP_OK);
	free(u);
}

static int verify(const fx_buf *b, const sp_verify_opts *lim, int *canonical)
{
	sp_verify_opts o;
	sp_record *rec = NULL;
	const char *why = NULL;
	int rc;

	if (lim != NULL)
		o = *lim;
	else
		sp_verify_opts_default(&o);
	o.now = F.now;
	rc = fx_verify_both(F.trust, b->p, b->n, &o, &rec, &why, canonical);
	sp_record_free(rec);
	return rc;
}

/* The first `s` in b, or NULL. */
static uint8_t *find(const fx_buf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; n <= b->n && i <= b->n - n; i++)
		if (memcmp(b->p + i, s, n) == 0)
			return b->p + i;
	return NULL;
}

/* Replace the first `old` in b by `nw`; the test fails if absent. */
static void edit(const fx_buf *in, const char *old, const char *nw, fx_buf *o)
{
	const uint8_t *at = find(in, old);
	size_t pre, ol = strlen(old), nl = strlen(nw);

	assert_non_null(at);
	pre = (size_t)(at - in->p);
	o->n = in->n - ol + nl;
	o->p = malloc(o->n);
	assert_non_null(o->p);
	memcpy(o->p, in->p, pre);
	memcpy(o->p + pre, nw, nl);
	memcpy(o->p + pre + nl, in->p + pre + ol, in->n - pre - ol);
}

static void test_read_without_libxml2(void **state)
{
	fx_buf zz = {0}, hn = {0};
	sp_verify_opts o;
	uint8_t got[32], want[32];
	const char *why = NULL;
	int canonical = 0;

	(void)state;
	signed_plain(FX_ZZ, &zz);
	signed_plain(FX_HN, &hn);
	assert_int_equal(verify(&zz, NULL, &canonical), SP_OK);
	assert_int_equal(canonical, 1);
	canonical = 0;
	assert_int_equal(verify(&hn, NULL, &canonical), SP_OK);
	assert_int_equal(canonical, 1);
	/* the signed digest comes out the same as from the tree */
	sp_verify_opts_default(&o);
	o.now = F.now;
	o.signed_digest = got;
	assert_int_equal(
	    sp_verify_record(F.trust, zz.p, zz.n, &o, NULL, NULL, &why), SP_OK);
	assert_int_equal(sp_signed_content_digest_of(zz.p, zz.n, want, &why),
	                 SP_OK);
	assert_memory_equal(got, want, 32);
	fx_buf_free(&zz);
	fx_buf_free(&hn);
}

/* What the signature and canonical-form rules refuse, decided alike both
 * ways (verify_both.h), and never accepted. */
static void test_signature_changes(void **state)
{
	static const struct {
		const char *old, *nw;
		int want; /* 0: any refusal */
	} cases[] = {
	    {"</ds:SignatureValue>",
	     "</ds:SignatureValue><ds:KeyInfo><ds:KeyName>CN-ZZ</ds:KeyName>"
	     "</ds:KeyInfo>",
	     0},
	    {"<ds:SignatureValue>", "<ds:SignatureValue>\n", 0},
	    {"<ds:SignatureValue>", "<ds:SignatureValue Id=\"v\">", 0},
	    {"<ds:SignedInfo>", "<ds:SignedInfo Id=\"s\">", 0},
	    {"<ds:Reference URI=\"\">", "<ds:Reference URI=\"#x\">", 0},
	    {"<ds:Reference URI=\"\">", "<ds:Reference Type=\"t\" URI=\"\">",
	     0},
	    {SP_ALG_ENVELOPED, SP_ALG_EXC_C14N, 0},
	    {"xmldsig-more#ecdsa-sha256", "xmldsig-more#ecdsa-sha512", 0},
	    {"xmlenc#sha256", "xmldsig-more#sha384", 0},
	    {"</ds:SignatureValue>",
	     "</ds:SignatureValue><ds:Object></ds:Object>", 0},
	    {"</ds:Signature>", "</ds:Signature><ds:Signature></ds:Signature>",
	     0},
	    {"<ds:Signature xmlns:ds", "<ds:Signature  xmlns:ds", 0},
	    {"<ds:SignedInfo>", "<ds:SignedInfo><!-- c -->", 0},
	    {"<Body>",
	     "<Body><ds:KeyName xmlns:ds=\"" SP_DSIG_NS "\">x</ds:KeyName>", 0},
	    {"<Mode>1210</Mode>", "<Mode>1211</Mode>", SP_ERR_SIG_INVALID},
	    {"<Origin>CN-ZZ</Origin>", "<Origin>CN-HN</Origin>", 0},
	};
	fx_buf zz = {0};
	size_t i;

	(void)state;
	signed_plain(FX_ZZ, &zz);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx_buf m = {0};
		int rc;

		edit(&zz, cases[i].old, cases[i].nw, &m);
		rc = verify(&m, NULL, NULL);
		if (cases[i].want != 0)
			assert_int_equal(rc, cases[i].want);
		else
			assert_int_not_equal(rc, SP_OK);
		fx_buf_free(&m);
	}
	fx_buf_free(&zz);
}

/* A changed DigestValue: read canonically, then refused by the digest. */
static void test_digest_changed(void **state)
{
	fx_buf zz = {0};
	uint8_t *p;

	(void)state;
	signed_plain(FX_ZZ, &zz);
	p = find(&zz, "<ds:DigestValue>");
	assert_non_null(p);
	p[16] = p[16] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(&zz, NULL, NULL), SP_ERR_SIG_INVALID);
	fx_buf_free(&zz);
}

/* The parser's limits hold on the canonical reading too. */
static void test_limits(void **state)
{
	fx_buf zz = {0};
	sp_verify_opts o;
	sp_limits lim;

	(void)state;
	signed_plain(FX_ZZ, &zz);
	sp_verify_opts_default(&o);
	o.limits = &lim;
	sp_limits_default(&lim);
	lim.max_elements = 5;
	assert_int_equal(verify(&zz, &o, NULL), SP_ERR_TOO_MANY_ELEMENTS);
	sp_limits_default(&lim);
	lim.max_depth = 3;
	assert_int_equal(verify(&zz, &o, NULL), SP_ERR_TOO_DEEP);
	sp_limits_default(&lim);
	lim.max_bytes = zz.n - 1;
	assert_int_equal(verify(&zz, &o, NULL), SP_ERR_TOO_LARGE);
	fx_buf_free(&zz);
}

/* Signer decisions are the same code on both ways. */
static void test_signers(void **state)
{
	fx_buf rv = {0}, sp = {0};

	(void)state;
	signed_plain(FX_RV, &rv);
	signed_plain(FX_SP, &sp);
	assert_int_equal(verify(&rv, NULL, NULL), SP_ERR_SIGNER_REVOKED);
	assert_int_equal(verify(&sp, NULL, NULL), SP_ERR_SIGNER_SUSPENDED);
	fx_buf_free(&rv);
	fx_buf_free(&sp);
}

/* Every byte of a record changed in one of four ways: whatever each
 * change does, both ways decide it alike (verify_both.h aborts
 * otherwise), and no changed record is accepted. */
static void test_every_byte(void **state)
{
	static const uint8_t repl[] = {'A', '<', '&', ' ', '>', '"', 0xc3};
	fx_buf zz = {0};
	size_t i, accepted = 0;

	(void)state;
	signed_plain(FX_ZZ, &zz);
	for (i = 0; i < zz.n; i++) {
		fx_buf m = {0};
		int kind = (int)(i % 3);

		m.n = kind == 0 ? zz.n - 1 : kind == 1 ? zz.n : zz.n + 1;
		m.p = malloc(m.n);
		assert_non_null(m.p);
		memcpy(m.p, zz.p, i);
		if (kind == 0) { /* delete */
			memcpy(m.p + i, zz.p + i + 1, zz.n - i - 1);
		} else { /* replace, or insert before */
			m.p[i] = repl[(i / 3) % sizeof(repl)];
			memcpy(m.p + i + 1, zz.p + i + (kind == 1),
			       zz.n - i - (kind == 1));
		}
		/* a byte replaced by itself is no change */
		if ((m.n != zz.n || memcmp(m.p, zz.p, m.n) != 0) &&
		    verify(&m, NULL, NULL) == SP_OK)
			accepted++;
		fx_buf_free(&m);
	}
	/* Base64 has no slack in canonical form and the signed bytes are
	 * digested: no changed record verifies. */
	assert_int_equal(accepted, 0);
	fx_buf_free(&zz);
}

/* A receipt as a node signs it (built as a tree, canonical, KeyInfo as a
 * hint): read without libxml2; every byte of it changed is decided alike
 * both ways, and none of the changes outside KeyInfo verifies. */
static void test_receipts(void **state)
{
	static const uint8_t repl[] = {'A', '<', '&', ' ', '>', '"'};
	sp_receipt_info ri, got;
	sp_verify_opts o;
	sp_doc *doc = NULL;
	uint8_t *r = NULL, *ki, *ki_end;
	fx_buf rb;
	size_t rlen = 0, i, accepted = 0;
	const char *why = NULL;
	int canonical = 0;

	(void)state;
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.record_id, sizeof(ri.record_id),
	         "3f1c2a4e-8b7d-4c6e-9f01-23456789abcd");
	snprintf(ri.origin, sizeof(ri.origin), "CN-HN");
	ri.sequence = 12;
	memset(ri.record_digest, 'c', 64);
	snprintf(ri.receiver, sizeof(ri.receiver), "CN-ZZ");
	ri.received = F.now;
	ri.status = SP_RECEIPT_ACCEPTED;
	assert_int_equal(sp_receipt_build_doc(&ri, &doc, &why), SP_OK);
	assert_int_equal(sp_sign_receipt(F.m[FX_ZZ].sk, doc, &r, &rlen, &why),
	                 SP_OK);
	sp_doc_free(doc);
	sp_verify_opts_default(&o);
	o.now = F.now;
	assert_int_equal(fx_verify_receipt_both(F.trust, r, rlen, &o, &got,
	                                        &why, &canonical),
	                 SP_OK);
	assert_int_equal(canonical, 1);
	assert_true(fx_receipt_same(&ri, &got));
	rb.p = r;
	rb.n = rlen;
	ki = find(&rb, "<ds:KeyInfo>");
	ki_end = find(&rb, "</ds:KeyInfo>");
	assert_non_null(ki);
	assert_non_null(ki_end);
	for (i = 0; i < rlen; i++) {
		/* KeyInfo is not signed, only a hint (SPEC REC-31): a
		 * changed certificate there may well verify */
		int hint = r + i >= ki && r + i < ki_end + 13;
		uint8_t *m = malloc(rlen);

		assert_non_null(m);
		memcpy(m, r, rlen);
		if (m[i] == repl[i % sizeof(repl)]) {
			free(m);
			continue;
		}
		m[i] = repl[i % sizeof(repl)];
		if (fx_verify_receipt_both(F.trust, m, rlen, &o, &got, &why,
		                           NULL) == SP_OK &&
		    !hint)
			accepted++;
		free(m);
	}
	assert_int_equal(accepted, 0);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_without_libxml2),
	    cmocka_unit_test(test_signature_changes),
	    cmocka_unit_test(test_digest_changed),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_signers),
	    cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_receipts),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
