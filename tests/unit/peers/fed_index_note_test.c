/* fed_index_note_test.c: recipient index notes (SPEC 9.9, [LOG-49]): the
 * text an Origin signs, what a reader refuses (malformed lines, Sequences
 * out of order or out of range, another first line, too many lines), and
 * the reader's verification (wrong key, another origin line or recipient,
 * a start not asked for, a range beyond the verified checkpoint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fed_int.h"

#define NAME  "silkport/CN-CBEC/CN-XA"
#define OTHER "silkport/CN-CBEC/CN-YY"

static char g_dir[64];
static sp_note_signer *g_origin, *g_other, *g_renamed;

static sp_note_signer *make_key(const char *name, const char *file)
{
	char path[128];
	char *vkey = NULL;
	const char *why = NULL;
	sp_note_signer *s = NULL;

	snprintf(path, sizeof(path), "%s/%s", g_dir, file);
	if (sp_note_keygen(name, path, &vkey, &why) != SP_OK ||
	    sp_note_signer_load(name, path, &s, &why) != SP_OK) {
		fprintf(stderr, "key %s: %s\n", name, why ? why : "?");
		free(vkey);
		return NULL;
	}
	free(vkey);
	return s;
}

static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/sp-index-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	g_origin = make_key(NAME, "origin.pem");
	g_other = make_key(NAME, "other.pem"); /* same name, another key */
	g_renamed = make_key(OTHER, "renamed.pem");
	return g_origin && g_other && g_renamed ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	sp_note_signer_free(g_origin);
	sp_note_signer_free(g_other);
	sp_note_signer_free(g_renamed);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A signed note over `text` by s (malloc'd). */
static char *sign(const sp_note_signer *s, const char *text)
{
	char *note = NULL;
	const char *why = NULL;

	assert_int_equal(sp_note_sign(s, text, strlen(text), &note, &why),
	                 SP_OK);
	return note;
}

static void test_format_parse_round_trip(void **state)
{
	uint64_t seqs[] = {1203, 1204, 1207};
	sp_index_note in = {NAME, "CN-ZZ", 1200, 1210, seqs, 3}, out;
	char *text = NULL;
	size_t len = 0, body = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sp_index_note_format(&in, &text, &len), SP_OK);
	assert_string_equal(text, "silkport-index/v1\n" NAME "\n"
	                          "recipient CN-ZZ\nrange 1200 1210\n"
	                          "1203\n1204\n1207\n");
	assert_int_equal(sp_index_note_parse(text, len, &out, &body, &why),
	                 SP_OK);
	assert_int_equal(body, len);
	assert_string_equal(out.origin, NAME);
	assert_string_equal(out.recipient, "CN-ZZ");
	assert_int_equal(out.start, 1200);
	assert_int_equal(out.end, 1210);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.seqs[2], 1207);
	sp_index_note_free(&out);
	free(text);

	/* an empty list is a statement too: nothing in the range is for R */
	in.n = 0;
	assert_int_equal(sp_index_note_format(&in, &text, &len), SP_OK);
	assert_int_equal(sp_index_note_parse(text, len, &out, NULL, &why),
	                 SP_OK);
	assert_int_equal(out.n, 0);
	sp_index_note_free(&out);
	free(text);

	/* the writer keeps the rules it asks of readers */
	seqs[1] = 1203;
	in.n = 3;
	assert_int_equal(sp_index_note_format(&in, &text, &len), SP_ERR_FIELD);
	seqs[1] = 1210; /* at the end: outside [start, end) */
	seqs[2] = 1211;
	assert_int_equal(sp_index_note_format(&in, &text, &len), SP_ERR_FIELD);
}

static void test_malformed_refused(void **state)
{
#define HEAD "silkport-index/v1\n" NAME "\nrecipient CN-ZZ\n"
	static const char *bad[] = {
	    /* a checkpoint is never an index */
	    NAME "\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
	    "silkport-index/v2\n" NAME "\nrecipient CN-ZZ\nrange 0 5\n",
	    "silkport-index/v1\n\nrecipient CN-ZZ\nrange 0 5\n",
	    "silkport-index/v1\nsilk port\nrecipient CN-ZZ\nrange 0 5\n",
	    "silkport-index/v1\n" NAME "\nrecipient cn-zz\nrange 0 5\n",
	    "silkport-index/v1\n" NAME "\nrecipient  CN-ZZ\nrange 0 5\n",
	    "silkport-index/v1\n" NAME "\nrange 0 5\n",
	    HEAD "range 5 4\n",       /* start > end */
	    HEAD "range 0\n",         /* no end */
	    HEAD "range 00 5\n",      /* leading zero */
	    HEAD "range 0 5\n3\n1\n", /* out of order */
	    HEAD "range 0 5\n1\n1\n", /* repeated */
	    HEAD "range 2 5\n1\n",    /* below start */
	    HEAD "range 0 5\n5\n",    /* at end */
	    HEAD "range 0 5\n07\n",   /* not canonical */
	    HEAD "range 0 5\n-1\n",
	    HEAD "range 0 5\n1 \n",
	    HEAD "range 0 5\n1\r\n",
	    HEAD "range 0 5\nx\n",
	    HEAD "range 0 5\n1", /* no final line feed */
	    "",
	};
	sp_index_note out;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (sp_index_note_parse(bad[i], strlen(bad[i]), &out, NULL,
		                        &why) != SP_ERR_INDEX_INVALID)
			fail_msg("accepted #%zu: %s", i, bad[i]);
		assert_non_null(why);
		assert_null(out.seqs);
	}
#undef HEAD
}

static void test_line_bound(void **state)
{
	const size_t cap = 64 * 1024;
	char *text = malloc(cap);
	size_t len, i;
	sp_index_note out;
	const char *why = NULL;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap,
	                       "silkport-index/v1\n" NAME
	                       "\nrecipient CN-ZZ\nrange 0 100000\n");
	for (i = 0; i < SP_INDEX_NOTE_MAX_SEQS; i++)
		len += (size_t)snprintf(text + len, cap - len, "%zu\n", i);
	assert_int_equal(sp_index_note_parse(text, len, &out, NULL, &why),
	                 SP_OK);
	assert_int_equal(out.n, SP_INDEX_NOTE_MAX_SEQS);
	sp_index_note_free(&out);
	len += (size_t)snprintf(text + len, cap - len, "%zu\n", i);
	assert_int_equal(sp_index_note_parse(text, len, &out, NULL, &why),
	                 SP_ERR_INDEX_INVALID);
	free(text);
}

static void test_verify(void **state)
{
	static const char text[] = "silkport-index/v1\n" NAME
	                           "\nrecipient CN-ZZ\nrange 10 20\n12\n17\n";
	const char *vkey = sp_note_signer_vkey(g_origin);
	char *note = sign(g_origin, text), *n2;
	sp_index_note out;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20,
	                                        note, strlen(note), &out, &why),
	                 SP_OK);
	assert_int_equal(out.n, 2);
	sp_index_note_free(&out);
	/* a larger verified checkpoint is fine; a smaller one is not: the
	 * range must lie within what the reader verified */
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 99,
	                                        note, strlen(note), &out, &why),
	                 SP_OK);
	sp_index_note_free(&out);
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 19,
	                                        note, strlen(note), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	assert_non_null(strstr(why, "beyond"));
	/* for another recipient, or not from where it was asked */
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-YY", 10, 20,
	                                        note, strlen(note), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 0, 20,
	                                        note, strlen(note), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	/* a byte changed after signing */
	note[strlen(text) - 2] = '8';
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20,
	                                        note, strlen(note), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	free(note);

	/* the same name but another key: not the Origin's */
	n2 = sign(g_other, text);
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20, n2,
	                                        strlen(n2), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	free(n2);

	/* the Origin's key over a note naming another log */
	n2 = sign(g_origin, "silkport-index/v1\n" OTHER
	                    "\nrecipient CN-ZZ\nrange 10 20\n");
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20, n2,
	                                        strlen(n2), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	free(n2);

	/* an empty range proves nothing and is not progress */
	n2 = sign(g_origin, "silkport-index/v1\n" NAME
	                    "\nrecipient CN-ZZ\nrange 10 10\n");
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20, n2,
	                                        strlen(n2), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	free(n2);

	/* a signed checkpoint is not an index note */
	n2 = sign(g_origin, NAME "\n20\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3"
	                         "hSuFU=\n");
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20, n2,
	                                        strlen(n2), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	free(n2);

	/* another member's key over its own name: not this Origin's note */
	n2 = sign(g_renamed, "silkport-index/v1\n" OTHER
	                     "\nrecipient CN-ZZ\nrange 10 20\n");
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20, n2,
	                                        strlen(n2), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	free(n2);
}

/* SPEC [LOG-47]: a note by the member's NextLogKey verifies while the list
 * names it as next, and only then. */
static void test_verify_next_key(void **state)
{
	static const char text[] =
	    "silkport-index/v1\n" NAME "\nrecipient CN-ZZ\nrange 10 20\n12\n";
	const char *vkey = sp_note_signer_vkey(g_origin);
	const char *next = sp_note_signer_vkey(g_other);
	char *note = sign(g_other, text);
	sp_index_note out;
	const char *why = NULL;

	(void)state;
	assert_int_equal(sp_peers__index_verify(vkey, NULL, "CN-ZZ", 10, 20,
	                                        note, strlen(note), &out, &why),
	                 SP_ERR_INDEX_INVALID);
	assert_int_equal(sp_peers__index_verify(vkey, next, "CN-ZZ", 10, 20,
	                                        note, strlen(note), &out, &why),
	                 SP_OK);
	assert_int_equal(out.n, 1);
	sp_index_note_free(&out);
	free(note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_parse_round_trip),
	    cmocka_unit_test(test_malformed_refused),
	    cmocka_unit_test(test_line_bound),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_verify_next_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
