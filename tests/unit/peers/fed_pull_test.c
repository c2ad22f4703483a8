/* fed_pull_test.c: the catch-up client's entries frame reader (SPEC 9.6,
 * LOG-33..35), on bodies a peer could send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fed_int.h"

/* Read every frame of body; the number read, or -1 if the reader refused. */
static int read_all(const char *body, uint64_t start, size_t max_frames,
                    uint64_t max_len, uint64_t *seqs, size_t *offs,
                    size_t *lens)
{
	sp_peers__entries e = {.body = (const uint8_t *)body,
	                       .body_len = strlen(body),
	                       .start = start,
	                       .max_len = max_len,
	                       .max_frames = max_frames};
	uint64_t seq;
	size_t off, len;
	int rc, n = 0;

	while ((rc = sp_peers__entries_next(&e, &seq, &off, &len)) == 1) {
		seqs[n] = seq;
		offs[n] = off;
		lens[n] = len;
		n++;
	}
	return rc < 0 ? -1 : n;
}

static void test_frames_ok(void **state)
{
	uint64_t s[4];
	size_t o[4], l[4];

	(void)state;
	assert_int_equal(read_all("", 0, 10, 100, s, o, l), 0);
	assert_int_equal(read_all("3 3\nabc\n7 1\nx\n", 3, 10, 100, s, o, l),
	                 2);
	assert_int_equal(s[0], 3);
	assert_int_equal(o[0], 4);
	assert_int_equal(l[0], 3);
	assert_int_equal(s[1], 7);
	assert_int_equal(o[1], 12);
	assert_int_equal(l[1], 1);
	/* a record may hold line feeds and spaces: only the length counts */
	assert_int_equal(read_all("0 5\na\n b\n\n", 0, 10, 100, s, o, l), 1);
	assert_int_equal(l[0], 5);
}

static void test_frames_refused(void **state)
{
	static const struct {
		const char *body;
		uint64_t start;
		size_t max_frames;
	} bad[] = {
	    {"03 3\nabc\n", 0, 10},        /* leading zero */
	    {"3 03\nabc\n", 0, 10},        /* leading zero in the length */
	    {"+3 3\nabc\n", 0, 10},        /* sign */
	    {"3 0\n\n", 0, 10},            /* empty record */
	    {"3 3\nabc", 0, 10},           /* no final line feed */
	    {"3 4\nabc\n", 0, 10},         /* length past the end */
	    {"3 2\nabc\n", 0, 10},         /* length short of the line feed */
	    {"3 3\r\nabc\r\n", 0, 10},     /* CRLF */
	    {"3 3\nabc\n2 1\nx\n", 0, 10}, /* descending */
	    {"3 3\nabc\n3 1\nx\n", 0, 10}, /* repeated */
	    {"3 3\nabc\n", 4, 10},         /* below start */
	    {"3 3\nabc\n4 1\nx\n", 0, 1},  /* more than asked for */
	    {"3 300\n", 0, 10},            /* above the size limit */
	    {"18446744073709551616 1\nx\n", 0, 10}, /* 2^64 */
	    {"3 3\nabc\ngarbage", 0, 10},           /* trailing bytes */
	};
	uint64_t s[4];
	size_t o[4], l[4];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("body %zu\n", i);
		assert_int_equal(read_all(bad[i].body, bad[i].start,
		                          bad[i].max_frames, 100, s, o, l),
		                 -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frames_ok),
	    cmocka_unit_test(test_frames_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
