/* store_content_test.c: at a held (Origin, Sequence) the store tells a second
 * signature over the same content (a duplicate: the held receipt, no
 * evidence, the held bytes stay the record) from different signed content
 * (equivocation), with real signed records (SPEC LOG-37), on the backend
 * store_fixture.h tests. */
#include <sys/stat.h>

#include "store_fixture.h"
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

typedef struct signed_rec {
	uint8_t *bytes;
	size_t len;
	uint8_t content[32];
	sp_store_put_req put;
	char id[SP_UUID_LEN + 1];
} signed_rec;

/* Sign u as CN-ZZ, verify, and fill a put request as ingest does. */
static void make(signed_rec *r, const uint8_t *u, size_t un)
{
	sp_doc *doc = NULL;
	sp_record *rec = NULL;
	const char *why = NULL;

	memset(r, 0, sizeof(*r));
	assert_int_equal(
	    sp_sign_document(g_fed.k[0], u, un, &r->bytes, &r->len, &why),
	    SP_OK);
	assert_int_equal(sp_verify_record(g_fed.trust, r->bytes, r->len, NULL,
	                                  &doc, &rec, &why),
	                 SP_OK);
	assert_int_equal(sp_signed_content_digest(doc, r->content, &why),
	                 SP_OK);
	snprintf(r->id, sizeof(r->id), "%s", sp_record_id(rec));
	r->put.bytes = r->bytes;
	r->put.len = r->len;
	r->put.record_id = r->id;
	r->put.origin = "CN-ZZ";
	r->put.sequence = sp_record_sequence(rec);
	r->put.type = "order";
	r->put.issued = sp_record_issued(rec);
	r->put.signed_digest = r->content;
	r->put.source = "KZ-KGS";
	sp_record_free(rec);
	sp_doc_free(doc);
}

static void test_same_content_is_a_duplicate(void **state)
{
	fx f = {0};
	sp_store *s = NULL;
	sp_store_reader *rd = NULL;
	sp_store_record *got = NULL;
	uint8_t *u = NULL, *u2 = NULL, *receipt = NULL;
	size_t un = 0, un2 = 0, rlen = 0;
	signed_rec a, b, c;
	const char rcpt_a[] = "<Receipt>for a</Receipt>";
	const char rcpt_b[] = "<Receipt>for b</Receipt>";
	const char *why = NULL;

	(void)state;
	fx_make(&f, "node.db");
	assert_int_equal(fx_open(&f, f.path, SP_STORE_CREATE, &s, &why), SP_OK);
	assert_int_equal(sp_store_reader_open(s, &rd, &why), SP_OK);

	/* a and b: two signatures by the Origin over one record (different
	 * ECDSA nonces, so different bytes); c: another record at the same
	 * Sequence. */
	assert_int_equal(
	    fx_record("CN-ZZ", 5, "order", g_fed.now - 10, &u, &un), SP_OK);
	assert_int_equal(
	    fx_record("CN-ZZ", 5, "order", g_fed.now - 10, &u2, &un2), SP_OK);
	make(&a, u, un);
	make(&b, u, un);
	make(&c, u2, un2);
	assert_false(a.len == b.len && memcmp(a.bytes, b.bytes, a.len) == 0);
	assert_memory_equal(a.content, b.content, 32);
	assert_memory_not_equal(a.content, c.content, 32);

	a.put.receipt = (const uint8_t *)rcpt_a;
	a.put.receipt_len = sizeof(rcpt_a) - 1;
	assert_int_equal(sp_store_put(s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);

	/* b: a duplicate, answered with a's receipt; nothing is kept of b */
	b.put.receipt = (const uint8_t *)rcpt_b;
	b.put.receipt_len = sizeof(rcpt_b) - 1;
	assert_int_equal(sp_store_put(s, &b.put, &receipt, &rlen),
	                 SP_STORE_DUPLICATE);
	assert_non_null(receipt);
	assert_int_equal(rlen, sizeof(rcpt_a) - 1);
	assert_memory_equal(receipt, rcpt_a, rlen);
	free(receipt);
	receipt = NULL;
	assert_int_equal(db_count(&f, "SELECT count(*) FROM equivocations"), 0);
	assert_int_equal(sp_store_get_at(rd, "CN-ZZ", 5, &got), SP_OK);
	assert_int_equal(got->len, a.len);
	assert_memory_equal(got->bytes, a.bytes, a.len);
	sp_store_record_free(got);
	got = NULL;

	/* c: different signed content at the same Sequence: equivocation,
	 * kept as evidence, a stays the record */
	c.put.receipt = (const uint8_t *)rcpt_b;
	c.put.receipt_len = sizeof(rcpt_b) - 1;
	assert_int_equal(sp_store_put(s, &c.put, &receipt, &rlen),
	                 SP_STORE_EQUIVOCATION);
	assert_null(receipt);
	assert_int_equal(db_count(&f, "SELECT count(*) FROM equivocations"
	                              " WHERE kind = 'position'"),
	                 1);
	assert_int_equal(sp_store_get_at(rd, "CN-ZZ", 5, &got), SP_OK);
	assert_memory_equal(got->bytes, a.bytes, a.len);
	sp_store_record_free(got);

	sp_store_reader_close(rd);
	sp_store_close(s);
	remove_db(&f);
	free(a.bytes);
	free(b.bytes);
	free(c.bytes);
	free(u);
	free(u2);
}

/* A record held without its signed digest (stored before schema 6, or put
 * without one) is parsed again to compare: a second signature is still a
 * duplicate, other content still equivocation. A record put with one keeps
 * it in the row. */
static void test_held_without_digest_is_parsed(void **state)
{
	fx f = {0};
	sp_store *s = NULL;
	uint8_t *u = NULL, *u2 = NULL, *receipt = NULL;
	size_t un = 0, un2 = 0, rlen = 0;
	signed_rec a, b, c;
	const char *why = NULL;

	(void)state;
	fx_make(&f, "node.db");
	assert_int_equal(fx_open(&f, f.path, SP_STORE_CREATE, &s, &why), SP_OK);
	assert_int_equal(
	    fx_record("CN-ZZ", 7, "order", g_fed.now - 10, &u, &un), SP_OK);
	assert_int_equal(
	    fx_record("CN-ZZ", 7, "order", g_fed.now - 10, &u2, &un2), SP_OK);
	make(&a, u, un);
	make(&b, u, un);
	make(&c, u2, un2);
	a.put.signed_digest = NULL;
	assert_int_equal(sp_store_put(s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(db_count(&f, "SELECT count(*) FROM records"
	                              " WHERE signed_digest IS NULL"),
	                 1);
	assert_int_equal(sp_store_put(s, &b.put, &receipt, &rlen),
	                 SP_STORE_DUPLICATE);
	free(receipt);
	assert_int_equal(sp_store_put(s, &c.put, NULL, NULL),
	                 SP_STORE_EQUIVOCATION);
	/* a put with its digest keeps it */
	free(a.bytes);
	free(u);
	u = NULL;
	assert_int_equal(
	    fx_record("CN-ZZ", 8, "order", g_fed.now - 10, &u, &un), SP_OK);
	make(&a, u, un);
	assert_int_equal(sp_store_put(s, &a.put, NULL, NULL),
	                 SP_STORE_INSERTED);
	assert_int_equal(db_count(&f, "SELECT count(*) FROM records"
	                              " WHERE sequence = 8 AND"
	                              " length(signed_digest) = 32"),
	                 1);
	sp_store_close(s);
	remove_db(&f);
	free(a.bytes);
	free(b.bytes);
	free(c.bytes);
	free(u);
	free(u2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_content_is_a_duplicate),
	    cmocka_unit_test(test_held_without_digest_is_parsed),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
