/* console_test.c: the operator console's building blocks: the one HTML
 * escape and the printf that escapes every %s (console_html.c), and the
 * store reads its pages make (sqlite_console.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/core/console_int.h"
#include "store.h"

/* ---------------------------------------------------------------- html */

static void test_escape_every_special(void **state)
{
	static const char in[] = "<a href='x' onclick=\"y\">&amp;</a>\x01\t\n";
	sp_text t = {0};

	(void)state;
	sp_html_esc(&t, in, sizeof(in) - 1);
	assert_false(t.failed);
	assert_string_equal(t.buf,
	                    "&lt;a href=&#39;x&#39; onclick=&quot;y&quot;&gt;"
	                    "&amp;amp;&lt;/a&gt;\xef\xbf\xbd\t\n");
	sp_text_free(&t);
}

static void test_escape_embedded_nul(void **state)
{
	sp_text t = {0};

	(void)state;
	sp_html_esc(&t, "a\0<", 3);
	assert_int_equal(t.len, 1 + 3 + 4);
	assert_memory_equal(t.buf, "a\xef\xbf\xbd&lt;", t.len);
	sp_text_free(&t);
}

static void test_printf_escapes_strings_only(void **state)
{
	sp_text t = {0};

	(void)state;
	sp_html(&t, "<td class=\"x\">%s|%d|%u|%lld|%llu|%zu|%.1f|100%%</td>",
	        "<script>", -3, 4u, -5LL, 6ULL, (size_t)7, 2.25);
	assert_false(t.failed);
	assert_string_equal(
	    t.buf, "<td class=\"x\">&lt;script&gt;|-3|4|-5|6|7|2.2|100%</td>");
	sp_text_free(&t);
}

static void test_url_encoding(void **state)
{
	sp_text t = {0};

	(void)state;
	sp_html_url(&t, "a b&c=<\"'>/~");
	assert_string_equal(t.buf, "a%20b%26c%3D%3C%22%27%3E%2F~");
	sp_text_free(&t);
}

static void test_chart_svg(void **state)
{
	const double a[3] = {0, 2, 4}, b[3] = {1, 1, 1};
	const double *v[2] = {a, b};
	const char *labels[2] = {"in", "<b>"};
	sp_text t = {0};

	(void)state;
	sp_html_chart(&t, "T", "u", labels, v, 2, 3);
	assert_non_null(strstr(t.buf, "<svg class=\"chart\""));
	assert_non_null(strstr(t.buf, "data-series=\"in\""));
	assert_non_null(strstr(t.buf, "data-series=\"&lt;b&gt;\""));
	assert_null(strstr(t.buf, "<b>"));
	/* the largest value is the top of the plot, 0 its bottom */
	assert_non_null(strstr(t.buf, "points=\"48.0,194.0 378.0,104.0 "
	                              "708.0,14.0 \""));
	sp_text_free(&t);
}

/* ---------------------------------------------------------------- store */

typedef struct fx {
	char dir[256], path[300];
	sp_store *s;
	sp_store_reader *r;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	const char *why = NULL;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sp-console-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	assert_int_equal(sp_store_open(f->path, SP_STORE_CREATE, &f->s, &why),
	                 SP_OK);
	assert_int_equal(sp_store_reader_open(f->s, &f->r, &why), SP_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char p[320];

	sp_store_reader_close(f->r);
	sp_store_close(f->s);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Put a synthetic record (the store does not parse bytes). */
static int put(fx *f, const char *origin, uint64_t seq, const char *type,
               const char *to, const char *subject, const char *body,
               const char *deliver)
{
	char id[SP_UUID_LEN + 1], bytes[200];
	sp_subject subj = {"Waybill", NULL, subject};
	const char *rcpt[1] = {to};
	const char *dl[1] = {deliver};
	sp_store_put_req p;

	snprintf(id, sizeof(id), "%08llx-0000-4000-8000-%012llx",
	         (unsigned long long)seq, (unsigned long long)origin[3]);
	snprintf(bytes, sizeof(bytes), "<R o=\"%s\" s=\"%llu\">%s</R>", origin,
	         (unsigned long long)seq, body);
	memset(&p, 0, sizeof(p));
	p.bytes = (const uint8_t *)bytes;
	p.len = strlen(bytes);
	p.record_id = id;
	p.origin = origin;
	p.sequence = seq;
	p.type = type;
	p.issued = 1790000000;
	p.recipients = rcpt;
	p.n_recipients = 1;
	p.subjects = subject ? &subj : NULL;
	p.n_subjects = subject ? 1 : 0;
	p.deliver_to = deliver ? dl : NULL;
	p.n_deliver_to = deliver ? 1 : 0;
	if (strcmp(origin, "CN-ZZ") != 0) {
		p.receipt = (const uint8_t *)"<Receipt/>";
		p.receipt_len = 10;
		p.source = origin;
	}
	return sp_store_put(f->s, &p, NULL, NULL);
}

static void test_records_newest_first_and_filters(void **state)
{
	fx *f = *state;
	sp_store_console_query q = {.own = "CN-ZZ", .limit = 10};
	sp_store_view v = {"CN-ZZ", " "};
	sp_store_list *l = NULL;

	assert_int_equal(
	    put(f, "CN-ZZ", 0, "declaration", "CN-XA", NULL, "a", "CN-XA"),
	    SP_STORE_INSERTED);
	assert_int_equal(
	    put(f, "CN-ZZ", 1, "waybill", "CN-XA", "W1", "b", "CN-XA"),
	    SP_STORE_INSERTED);
	assert_int_equal(
	    put(f, "CN-XA", 0, "waybill", "CN-ZZ", "W1", "c", NULL),
	    SP_STORE_INSERTED);
	/* relayed: held here, addressed to another node */
	assert_int_equal(
	    put(f, "KZ-KG", 0, "waybill", "CN-XA", "W1", "d", NULL),
	    SP_STORE_INSERTED);

	q.sent = 1;
	assert_int_equal(sp_store_console_records(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 2);
	assert_int_equal(l->items[0]->sequence, 1); /* newest first */
	assert_int_equal(l->items[1]->sequence, 0);
	assert_null(l->items[0]->bytes);
	sp_store_list_free(l);

	q.sent = 0;
	assert_int_equal(sp_store_console_records(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 2);
	sp_store_list_free(l);
	q.view = &v; /* as the node itself: not what it only relays */
	assert_int_equal(sp_store_console_records(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0]->origin, "CN-XA");
	sp_store_list_free(l);

	q.view = NULL;
	q.sent = 1;
	q.subject_value = "W1"; /* any kind */
	assert_int_equal(sp_store_console_records(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->items[0]->sequence, 1);
	sp_store_list_free(l);
	q.subject_kind = "Enterprise";
	assert_int_equal(sp_store_console_records(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 0);
	sp_store_list_free(l);
	q.subject_kind = NULL;
	q.subject_value = NULL;
	q.type = "declaration";
	assert_int_equal(sp_store_console_records(f->r, &q, &l), SP_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->items[0]->type, "declaration");
	sp_store_list_free(l);
	q.limit = 0;
	assert_int_equal(sp_store_console_records(f->r, &q, &l),
	                 SP_ERR_INVALID_ARGUMENT);
}

static void test_deliveries_and_evidence(void **state)
{
	fx *f = *state;
	sp_store_delivery *d = NULL;
	sp_store_evidence *e = NULL;
	size_t n = 0;
	char id[SP_UUID_LEN + 1];
	uint8_t root1[32] = {1}, root2[32] = {2};

	assert_int_equal(
	    put(f, "CN-ZZ", 0, "declaration", "CN-XA", NULL, "a", "CN-XA"),
	    SP_STORE_INSERTED);
	snprintf(id, sizeof(id), "%08llx-0000-4000-8000-%012llx", 0ULL,
	         (unsigned long long)'Z');
	assert_int_equal(sp_store_console_deliveries(f->r, "CN-ZZ", id, &d, &n),
	                 SP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(d[0].peer, "CN-XA");
	assert_false(d[0].delivered);
	assert_int_equal(d[0].receipt_at, 0);
	free(d);

	assert_int_equal(sp_store_console_evidence(f->r, 10, &e, &n), SP_OK);
	assert_int_equal(n, 0);
	free(e);
	/* another record at CN-XA's position 0, and two roots for one size */
	assert_int_equal(
	    put(f, "CN-XA", 0, "waybill", "CN-ZZ", NULL, "first", NULL),
	    SP_STORE_INSERTED);
	assert_int_equal(
	    put(f, "CN-XA", 0, "waybill", "CN-ZZ", NULL, "second", NULL),
	    SP_STORE_EQUIVOCATION);
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-XA", 5, root1,
	                                         "note one\n", "CN-XA"),
	                 SP_STORE_INSERTED);
	assert_int_equal(sp_store_checkpoint_put(f->s, "CN-XA", 5, root2,
	                                         "note two\n", "CN-XB"),
	                 SP_STORE_EQUIVOCATION);
	assert_int_equal(sp_store_console_evidence(f->r, 10, &e, &n), SP_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].kind, "position");
	assert_string_equal(e[0].origin, "CN-XA");
	assert_int_equal(e[0].a_len,
	                 strlen("<R o=\"CN-XA\" s=\"0\">first</R>"));
	assert_memory_equal(e[0].a, "<R o=\"CN-XA\" s=\"0\">first</R>",
	                    e[0].a_len);
	assert_int_equal(e[0].b_len,
	                 strlen("<R o=\"CN-XA\" s=\"0\">second</R>"));
	assert_memory_equal(e[0].b, "<R o=\"CN-XA\" s=\"0\">second</R>",
	                    e[0].b_len);
	assert_string_equal(e[1].kind, "checkpoint");
	assert_int_equal(e[1].sequence, 5);
	assert_memory_equal(e[1].a, "note one\n", 9);
	assert_memory_equal(e[1].b, "note two\n", 9);
	assert_string_equal(e[1].source, "CN-XB");
	assert_string_equal(e[1].digest_a, "01000000000000000000000000000000"
	                                   "00000000000000000000000000000000");
	sp_store_evidence_free(e, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_every_special),
	    cmocka_unit_test(test_escape_embedded_nul),
	    cmocka_unit_test(test_printf_escapes_strings_only),
	    cmocka_unit_test(test_url_encoding),
	    cmocka_unit_test(test_chart_svg),
	    cmocka_unit_test_setup_teardown(
	        test_records_newest_first_and_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deliveries_and_evidence, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
