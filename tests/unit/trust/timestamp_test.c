/* timestamp_test.c: the freshness of trust lists (SPEC 7.9): the cap on a
 * list's window, the TrustListTimestamp document and its signature by the
 * list's timestamp key, and the rule that says until when a list is fresh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/trust/trust_fixture.h"

#define HOUR ((int64_t)3600)

static fx_fed g_fed;
static sp_trust *g_ts_list; /* names KZ-KGS's signing key as timestamp key */

static sp_trust *open_or_fail(const uint8_t *b, size_t n, int *rc)
{
	sp_trust *t = NULL;
	const char *why = NULL;

	*rc = sp_trust_open(g_fed.anchors, b, n, NULL, NULL, &t, &why);
	return t;
}

static int group_setup(void **state)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc;

	(void)state;
	if (fx_setup(&g_fed) != SP_OK)
		return -1;
	g_fed.ts_der = sp_key_cert_der(g_fed.k[1], &g_fed.ts_der_len);
	g_fed.staleness_bound = HOUR;
	rc =
	    fx_build_tl(&g_fed, "silk-zz", 7, g_fed.now - 60, g_fed.ca, &b, &n);
	g_fed.ts_der = NULL;
	g_fed.staleness_bound = 0;
	if (rc != SP_OK)
		return -1;
	g_ts_list = open_or_fail(b, n, &rc);
	free(b);
	return rc == SP_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	sp_trust_unref(g_ts_list);
	fx_teardown(&g_fed);
	sp_trust_cleanup();
	return 0;
}

/* A statement about list t, signed by `by`. */
static uint8_t *statement(const sp_trust *t, const char *federation,
                          uint64_t sequence, int64_t issued, int64_t expires,
                          const sp_key *by, size_t *len)
{
	sp_tl_timestamp ts;
	uint8_t *u = NULL, *s = NULL;
	size_t ulen = 0;
	const char *why = NULL;

	memset(&ts, 0, sizeof(ts));
	snprintf(ts.federation, sizeof(ts.federation), "%s", federation);
	ts.sequence = sequence;
	snprintf(ts.list_digest, sizeof(ts.list_digest), "%s",
	         sp_trust_list_digest(t));
	ts.issued = issued;
	ts.expires = expires;
	assert_int_equal(sp_tl_timestamp_build(&ts, &u, &ulen, &why), SP_OK);
	assert_int_equal(sp_sign_document(by, u, ulen, &s, len, &why), SP_OK);
	free(u);
	return s;
}

static int open_statement(const sp_trust *t, const uint8_t *b, size_t n,
                          sp_tl_timestamp *out)
{
	const char *why = NULL;

	return sp_tl_timestamp_open(t, b, n, NULL, out, &why);
}

/* [TL-64]: the window within the cap, 7 days by default. */
static void test_window_cap(void **state)
{
	uint8_t *b = NULL, *u = NULL, *s = NULL;
	size_t n = 0, ulen = 0, slen = 0;
	const char *why = NULL;
	char *cap;
	sp_trust *t;
	sp_tl tl;
	int rc;

	(void)state;
	/* 8 days without MaxValidity: the operator's builder refuses it */
	g_fed.window = 8 * 86400;
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 8, g_fed.now, g_fed.ca, &b, &n),
	    SP_ERR_VALIDITY_TOO_LONG);
	/* a federation that allows 30 days */
	g_fed.max_validity = 30 * 86400;
	assert_int_equal(
	    fx_build_tl(&g_fed, "silk-zz", 8, g_fed.now, g_fed.ca, &b, &n),
	    SP_OK);
	t = open_or_fail(b, n, &rc);
	assert_int_equal(rc, SP_OK);
	assert_int_equal(sp_tl_max_validity(sp_trust_list(t)), 30 * 86400);
	sp_trust_unref(t);
	free(b);
	g_fed.window = 0;
	g_fed.max_validity = 0;

	/* A signed list of 30 days without the cap element, made by hand:
	 * the verifier refuses it with its own error. */
	memset(&tl, 0, sizeof(tl));
	snprintf(tl.federation, sizeof(tl.federation), "silk-zz");
	tl.sequence = 9;
	tl.issued = g_fed.now;
	tl.next_update = g_fed.now + 30 * 86400;
	tl.max_validity = 30 * 86400;
	tl.operator_name = fx_unconst("Operator");
	assert_int_equal(sp_tl_build(&tl, &b, &n, &why), SP_OK);
	u = calloc(1, n + 1); /* NUL-terminated, for strstr */
	assert_non_null(u);
	memcpy(u, b, n);
	free(b);
	cap = strstr((char *)u, "<MaxValidity>2592000</MaxValidity>");
	assert_non_null(cap);
	memmove(cap, cap + strlen("<MaxValidity>2592000</MaxValidity>"),
	        strlen(cap + strlen("<MaxValidity>2592000</MaxValidity>")) + 1);
	ulen = strlen((char *)u);
	assert_int_equal(sp_sign_document(g_fed.ca, u, ulen, &s, &slen, &why),
	                 SP_OK);
	t = open_or_fail(s, slen, &rc);
	assert_null(t);
	assert_int_equal(rc, SP_ERR_VALIDITY_TOO_LONG);
	assert_string_equal(sp_strerror(rc), "validity-too-long");
	free(u);
	free(s);

	/* the ranges: a cap above 366 days, a staleness bound above 7 days */
	tl.max_validity = 367 * 86400;
	assert_int_equal(sp_tl_build(&tl, &b, &n, &why), SP_ERR_FIELD);
	tl.max_validity = 0;
	tl.next_update = g_fed.now + 86400;
	tl.staleness_bound = 8 * 86400;
	assert_int_equal(sp_tl_build(&tl, &b, &n, &why), SP_ERR_FIELD);
}

static void test_list_fields_round_trip(void **state)
{
	const sp_tl *tl = sp_trust_list(g_ts_list);
	size_t len = 0;
	const uint8_t *der = sp_key_cert_der(g_fed.k[1], &len);

	(void)state;
	assert_true(sp_trust_has_timestamp_key(g_ts_list));
	assert_false(sp_trust_has_timestamp_key(g_fed.trust));
	assert_int_equal(tl->timestamp_cert_der_len, len);
	assert_memory_equal(tl->timestamp_cert_der, der, len);
	assert_int_equal(tl->staleness_bound, HOUR);
	assert_int_equal(sp_tl_staleness_bound(tl), HOUR);
	assert_int_equal(tl->max_validity, 0);
	assert_int_equal(sp_tl_max_validity(tl), 7 * 86400);
	assert_int_equal(sp_tl_staleness_bound(sp_trust_list(g_fed.trust)),
	                 SP_TL_STALENESS_DEFAULT);
}

static void test_statement_verifies(void **state)
{
	int64_t now = g_fed.now;
	sp_tl_timestamp ts;
	uint8_t *b;
	size_t n;

	(void)state;
	b = statement(g_ts_list, "silk-zz", 7, now, now + 600, g_fed.k[1], &n);
	assert_int_equal(open_statement(g_ts_list, b, n, &ts), SP_OK);
	assert_string_equal(ts.federation, "silk-zz");
	assert_int_equal(ts.sequence, 7);
	assert_string_equal(ts.list_digest, sp_trust_list_digest(g_ts_list));
	assert_int_equal(ts.issued, now);
	assert_int_equal(ts.expires, now + 600);
	assert_true(sp_tl_timestamp_names(g_ts_list, &ts));
	/* a list without a timestamp key takes no statement */
	assert_int_equal(open_statement(g_fed.trust, b, n, &ts),
	                 SP_ERR_TIMESTAMP_INVALID);
	free(b);
}

static void test_statement_refusals(void **state)
{
	int64_t now = g_fed.now;
	sp_tl_timestamp ts;
	uint8_t *b;
	size_t n;

	(void)state;
	/* signed by a member's key, not the timestamp key */
	b = statement(g_ts_list, "silk-zz", 7, now, now + 600, g_fed.k[0], &n);
	assert_int_equal(open_statement(g_ts_list, b, n, &ts),
	                 SP_ERR_SIG_INVALID);
	free(b);
	/* by the anchor: the anchor does not stand in for the online key */
	b = statement(g_ts_list, "silk-zz", 7, now, now + 600, g_fed.ca, &n);
	assert_int_not_equal(open_statement(g_ts_list, b, n, &ts), SP_OK);
	free(b);
	/* another federation */
	b = statement(g_ts_list, "silk-xa", 7, now, now + 600, g_fed.k[1], &n);
	assert_int_equal(open_statement(g_ts_list, b, n, &ts),
	                 SP_ERR_WRONG_FEDERATION);
	free(b);
	/* expired */
	b = statement(g_ts_list, "silk-zz", 7, now - 2 * HOUR,
	              now - 2 * HOUR + 600, g_fed.k[1], &n);
	assert_int_equal(open_statement(g_ts_list, b, n, &ts),
	                 SP_ERR_TIMESTAMP_INVALID);
	free(b);
	/* issued in the future */
	b = statement(g_ts_list, "silk-zz", 7, now + HOUR, now + HOUR + 60,
	              g_fed.k[1], &n);
	assert_int_equal(open_statement(g_ts_list, b, n, &ts),
	                 SP_ERR_ISSUED_IN_FUTURE);
	free(b);
	/* valid longer than the list's staleness bound */
	b = statement(g_ts_list, "silk-zz", 7, now, now + 2 * HOUR, g_fed.k[1],
	              &n);
	assert_int_equal(open_statement(g_ts_list, b, n, &ts),
	                 SP_ERR_TIMESTAMP_INVALID);
	free(b);
	/* altered after signing */
	b = statement(g_ts_list, "silk-zz", 7, now, now + 600, g_fed.k[1], &n);
	{
		static const char tag[] = "<Sequence>7<";
		size_t i;

		for (i = 0; i + sizeof(tag) - 1 <= n &&
		            memcmp(b + i, tag, sizeof(tag) - 1) != 0;
		     i++)
			;
		assert_true(i + sizeof(tag) - 1 <= n);
		b[i + 10] = '8';
	}
	assert_int_equal(open_statement(g_ts_list, b, n, &ts),
	                 SP_ERR_SIG_INVALID);
	free(b);
}

/* [TL-66]: fresh until the later of the list's Issued and the statement's,
 * plus the bound; a statement about another list does not count. */
static void test_fresh_until(void **state)
{
	const sp_tl *tl = sp_trust_list(g_ts_list);
	sp_tl_timestamp ts;

	(void)state;
	assert_int_equal(sp_trust_fresh_until(g_fed.trust, NULL), INT64_MAX);
	assert_int_equal(sp_trust_fresh_until(g_ts_list, NULL),
	                 tl->issued + HOUR);
	memset(&ts, 0, sizeof(ts));
	snprintf(ts.federation, sizeof(ts.federation), "silk-zz");
	ts.sequence = 7;
	snprintf(ts.list_digest, sizeof(ts.list_digest), "%s",
	         sp_trust_list_digest(g_ts_list));
	ts.issued = tl->issued + 3 * HOUR;
	ts.expires = ts.issued + HOUR;
	assert_int_equal(sp_trust_fresh_until(g_ts_list, &ts),
	                 ts.issued + HOUR);
	/* the statement's own Expires ends it sooner */
	ts.expires = ts.issued + 600;
	assert_int_equal(sp_trust_fresh_until(g_ts_list, &ts), ts.issued + 600);
	/* an older statement does not shorten what the list gives */
	ts.issued = tl->issued - HOUR;
	ts.expires = ts.issued + 600;
	assert_int_equal(sp_trust_fresh_until(g_ts_list, &ts),
	                 tl->issued + HOUR);
	/* about another sequence, or other bytes: ignored */
	ts.issued = tl->issued + 3 * HOUR;
	ts.expires = ts.issued + HOUR;
	ts.sequence = 8;
	assert_int_equal(sp_trust_fresh_until(g_ts_list, &ts),
	                 tl->issued + HOUR);
	ts.sequence = 7;
	ts.list_digest[0] = ts.list_digest[0] == '0' ? '1' : '0';
	assert_int_equal(sp_trust_fresh_until(g_ts_list, &ts),
	                 tl->issued + HOUR);
}

/* The document itself: schema and the rules beyond it. */
static void test_document(void **state)
{
	sp_tl_timestamp ts, back;
	uint8_t *b = NULL;
	size_t n = 0;
	sp_doc *doc = NULL;
	const char *why = NULL;

	(void)state;
	memset(&ts, 0, sizeof(ts));
	snprintf(ts.federation, sizeof(ts.federation), "silk-zz");
	ts.sequence = 12;
	memset(ts.list_digest, 'a', 64);
	ts.issued = 1795766400;
	ts.expires = ts.issued + 300;
	assert_int_equal(sp_tl_timestamp_build(&ts, &b, &n, &why), SP_OK);
	assert_int_equal(
	    sp_doc_parse(b, n, SP_DOC_TL_TIMESTAMP, NULL, &doc, &why), SP_OK);
	assert_int_equal(sp_tl_timestamp_read(doc, &back, &why), SP_OK);
	assert_memory_equal(&back, &ts, sizeof(ts));
	sp_doc_free(doc);
	free(b);
	/* Expires not after Issued; an upper-case digest */
	ts.expires = ts.issued;
	assert_int_equal(sp_tl_timestamp_build(&ts, &b, &n, &why),
	                 SP_ERR_FIELD);
	ts.expires = ts.issued + 300;
	ts.list_digest[5] = 'A';
	assert_int_equal(sp_tl_timestamp_build(&ts, &b, &n, &why),
	                 SP_ERR_FIELD);
	/* the schema: an element out of order */
	{
		static const char bad[] =
		    "<TrustListTimestamp xmlns=\"urn:silkport:srep:1\" "
		    "version=\"1\"><Sequence>1</Sequence>"
		    "<FederationId>silk-zz</FederationId></"
		    "TrustListTimestamp>";

		assert_int_equal(
		    sp_doc_parse((const uint8_t *)bad, sizeof(bad) - 1,
		                 SP_DOC_TL_TIMESTAMP, NULL, &doc, &why),
		    SP_ERR_SCHEMA);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window_cap),
	    cmocka_unit_test(test_list_fields_round_trip),
	    cmocka_unit_test(test_statement_verifies),
	    cmocka_unit_test(test_statement_refusals),
	    cmocka_unit_test(test_fresh_until),
	    cmocka_unit_test(test_document),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
