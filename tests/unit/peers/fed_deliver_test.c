/* fed_deliver_test.c: the delivery retry delay (FED-4), the class of a
 * receipt the sender refuses (RCP-9), and the final receipt and deadline of
 * a record relayed through a gateway ([FED-53]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_int.h"
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

/* FED-4: every delay lies in [retry_min, retry_max] seconds,
 * whatever the random draw: jitter only adds. */
static void test_backoff_bounds(void **state)
{
	static const uint32_t draws[] = {
	    0, 1, 399, 500, 999, 1000, 65535, 0x7fffffffu, 0xffffffffu};
	static const int64_t cfg[][2] = {{1, 300}, {1, 1},      {2, 5},
	                                 {3, 2},   {60, 86400}, {1, 86400}};
	size_t c, i;
	uint32_t n;

	(void)state;
	for (c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		int64_t lo = cfg[c][0] * 1000;
		int64_t hi =
		    (cfg[c][1] > cfg[c][0] ? cfg[c][1] : cfg[c][0]) * 1000;

		for (n = 0; n < 70; n++) {
			for (i = 0; i < sizeof(draws) / sizeof(draws[0]); i++) {
				int64_t d = sp_peers__backoff_ms(
				    cfg[c][0], cfg[c][1], n, draws[i]);

				assert_true(d >= lo);
				assert_true(d <= hi);
			}
		}
	}
}

/* The base doubles from retry_min and the jitter adds up to half of it. */
static void test_backoff_growth(void **state)
{
	(void)state;
	/* retry_min = 1: the first retry waits 1 to 1.5 s, never 0.4 s */
	assert_int_equal(sp_peers__backoff_ms(1, 300, 0, 0), 1000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 0, 500), 1500);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 0, 501), 1000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 1, 0), 2000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 3, 0), 8000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 3, 4000), 12000);
	/* near the cap the jitter is cut at retry_max */
	assert_int_equal(sp_peers__backoff_ms(1, 300, 8, 0), 256000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 8, 44000), 300000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 9, 12345), 300000);
	assert_int_equal(sp_peers__backoff_ms(1, 300, 4000000000u, 7), 300000);
	/* the draws spread the delay */
	assert_true(sp_peers__backoff_ms(1, 300, 2, 1) !=
	            sp_peers__backoff_ms(1, 300, 2, 2));
}

/* The due second is rounded up: a row due then is never tried early. */
static void test_due_rounds_up(void **state)
{
	int64_t now_ms;

	(void)state;
	assert_int_equal(sp_peers__due_s(10000, 1000), 11);
	assert_int_equal(sp_peers__due_s(10001, 1000), 12);
	assert_int_equal(sp_peers__due_s(10600, 1000), 12);
	for (now_ms = 1000000; now_ms < 1002000; now_ms += 37) {
		int64_t due = sp_peers__due_s(now_ms, 1000);

		/* the outbox compares whole seconds: the first instant at
		 * which the row is due is due * 1000 ms */
		assert_true(due * 1000 - now_ms >= 1000);
		assert_true(due * 1000 - now_ms < 2000);
	}
}

static sp_fed_outbox_item g_it;
static sp_receipt_status g_status = SP_RECEIPT_ACCEPTED;

/* A receipt by member `signer` (index in the fixture) naming `receiver`
 * for g_it, with `digest` as RecordDigest. */
static uint8_t *receipt(int signer, const char *receiver, const char *digest,
                        size_t *n)
{
	sp_receipt_info ri;
	uint8_t *u = NULL, *s = NULL;
	size_t un = 0;
	const char *why = NULL;

	memset(&ri, 0, sizeof(ri));
	snprintf(ri.record_id, sizeof(ri.record_id), "%s", g_it.record_id);
	snprintf(ri.origin, sizeof(ri.origin), "%s", g_it.origin);
	ri.sequence = g_it.sequence;
	snprintf(ri.record_digest, sizeof(ri.record_digest), "%s", digest);
	snprintf(ri.receiver, sizeof(ri.receiver), "%s", receiver);
	ri.received = g_fed.now - 5;
	ri.status = g_status;
	assert_int_equal(sp_receipt_build(&ri, &u, &un, &why), SP_OK);
	assert_int_equal(sp_sign_document(g_fed.k[signer], u, un, &s, n, &why),
	                 SP_OK);
	free(u);
	return s;
}

static int judge(const uint8_t *b, size_t n, const char *peer)
{
	sp_verify_opts o;
	char why[480];

	sp_verify_opts_default(&o);
	why[0] = '\0';
	return sp_peers__judge_receipt(g_fed.trust, b, n, peer, &g_it, &o, why,
	                               sizeof(why));
}

/* RCP-9: a receipt the sender refuses is no receipt, a transient
 * failure: the delivery stays pending and is retried with backoff. */
static void test_refused_receipt_is_transient(void **state)
{
	char other[65];
	uint8_t *s, *t;
	size_t n = 0, tn = 0;

	(void)state;
	memset(&g_it, 0, sizeof(g_it));
	assert_int_equal(sp_uuid_v4(g_it.record_id), SP_OK);
	snprintf(g_it.origin, sizeof(g_it.origin), "CN-ZZ");
	g_it.sequence = 7;
	sp_sha256_hex((const uint8_t *)"record", 6, g_it.digest);
	sp_sha256_hex((const uint8_t *)"another", 7, other);

	/* the good receipt completes the delivery */
	s = receipt(1, "KZ-KGS", g_it.digest, &n);
	assert_int_equal(judge(s, n, "KZ-KGS"), FED_V_DELIVERED);
	assert_int_equal(sp_peers__verdict_retries(FED_V_DELIVERED), 0);
	/* a receipt from another node than the one delivered to */
	assert_int_equal(judge(s, n, "CN-TWO"), FED_V_BAD_RECEIPT);
	/* a bad signature */
	t = fx_replace(s, n, "<Sequence>7</Sequence>", "<Sequence>8</Sequence>",
	               &tn);
	assert_non_null(t);
	assert_int_equal(judge(t, tn, "KZ-KGS"), FED_V_BAD_RECEIPT);
	free(t);
	free(s);
	/* a valid receipt of other bytes (not the record's digest) */
	s = receipt(1, "KZ-KGS", other, &n);
	assert_int_equal(judge(s, n, "KZ-KGS"), FED_V_BAD_RECEIPT);
	free(s);
	/* signed by a member other than its Receiver */
	s = receipt(0, "KZ-KGS", g_it.digest, &n);
	assert_int_equal(judge(s, n, "KZ-KGS"), FED_V_BAD_RECEIPT);
	free(s);
	/* not a receipt at all */
	assert_int_equal(judge((const uint8_t *)"<Receipt/>", 10, "KZ-KGS"),
	                 FED_V_BAD_RECEIPT);

	/* the class: retried like a transient failure, never given up */
	assert_int_equal(sp_peers__verdict_retries(FED_V_BAD_RECEIPT), 1);
	assert_int_equal(sp_peers__verdict_retries(FED_V_TRANSIENT), 1);
	assert_int_equal(sp_peers__verdict_retries(FED_V_TRANSPORT), 1);
	assert_int_equal(sp_peers__verdict_retries(FED_V_SLOW), 1);
	assert_int_equal(sp_peers__verdict_retries(FED_V_PERMANENT), 0);
	assert_int_equal(sp_peers__verdict_retries(FED_V_EQUIVOCATION), 0);
	assert_int_equal(sp_peers__verdict_retries(FED_V_EXPIRED), 0);
}

static int judge_final(const uint8_t *b, size_t n, const char *receiver)
{
	sp_verify_opts o;
	char why[480];

	sp_verify_opts_default(&o);
	why[0] = '\0';
	return sp_peers__judge_final(g_fed.trust, b, n, receiver, &g_it, &o,
	                             why, sizeof(why));
}

/* [FED-53]: only the final receiver's own `accepted` receipt completes a
 * relayed delivery; the gateway's `relayed` receipt, or a receipt the
 * gateway made up in the receiver's name, does not. */
static void test_final_receipt(void **state)
{
	uint8_t *s;
	size_t n = 0;

	(void)state;
	memset(&g_it, 0, sizeof(g_it));
	assert_int_equal(sp_uuid_v4(g_it.record_id), SP_OK);
	snprintf(g_it.origin, sizeof(g_it.origin), "CN-ZZ");
	g_it.sequence = 9;
	sp_sha256_hex((const uint8_t *)"relayed record", 14, g_it.digest);

	/* the receiver's accepted receipt, verified with its list */
	s = receipt(1, "KZ-KGS", g_it.digest, &n);
	assert_int_equal(judge_final(s, n, "KZ-KGS"), FED_V_DELIVERED);
	/* it is not the receipt of another receiver behind the gateway */
	assert_int_equal(judge_final(s, n, "CN-SH"), FED_V_BAD_RECEIPT);
	free(s);
	/* a gateway (CN-ZZ here) signing a receipt in KZ-KGS's name */
	s = receipt(0, "KZ-KGS", g_it.digest, &n);
	assert_int_equal(judge_final(s, n, "KZ-KGS"), FED_V_BAD_RECEIPT);
	free(s);
	/* the gateway's own receipt: valid, but `relayed` is not final */
	g_status = SP_RECEIPT_RELAYED;
	s = receipt(0, "CN-ZZ", g_it.digest, &n);
	assert_int_equal(judge(s, n, "CN-ZZ"), FED_V_DELIVERED);
	assert_int_equal(judge_final(s, n, "CN-ZZ"), FED_V_BAD_RECEIPT);
	free(s);
	/* a receiver that relays again is not final either */
	s = receipt(1, "KZ-KGS", g_it.digest, &n);
	assert_int_equal(judge_final(s, n, "KZ-KGS"), FED_V_BAD_RECEIPT);
	free(s);
	g_status = SP_RECEIPT_ACCEPTED;
}

/* [FED-53]: each gateway in turn gets one more relay deadline. */
static void test_relay_deadline(void **state)
{
	(void)state;
	assert_int_equal(sp_peers__relay_due_s(1000, 3600, 0), 4600);
	assert_int_equal(sp_peers__relay_due_s(1000, 3600, 1), 8200);
	assert_int_equal(sp_peers__relay_due_s(1000, 6, 2), 1018);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_bounds),
	    cmocka_unit_test(test_backoff_growth),
	    cmocka_unit_test(test_due_rounds_up),
	    cmocka_unit_test(test_refused_receipt_is_transient),
	    cmocka_unit_test(test_final_receipt),
	    cmocka_unit_test(test_relay_deadline),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
