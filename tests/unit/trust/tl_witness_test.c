/* tl_witness_test.c: trust lists in a witnessed log (SPEC 7.3, [TL-81],
 * [TL-82]): the witness note of a list, cosignatures of the held list's
 * witnesses, and the refusals: a malformed note or line, a key that is
 * not a witness's, a cosignature of another list (another digest, or
 * another list of the same Sequence), one dated in the future, a witness
 * that is not active, one witness counted once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/trust/trust_fixture.h"

#define FED "silk"

static struct {
	fx_fed f;
	sp_note_signer *w[2];  /* the witnesses CN-ZZ and KZ-KGS */
	sp_note_signer *thief; /* KZ-KGS's name, another key */
	char *vkey[2], *thief_vkey;
	sp_trust *held, *next, *other; /* Sequence 1, 2 and another 2 */
} g;

static int make_note_key(int i, const char *member, sp_note_signer **s,
                         char **vkey)
{
	char name[64], path[160];
	const char *why = NULL;
	int rc;

	snprintf(name, sizeof(name), "silkport/" FED "/%s", member);
	snprintf(path, sizeof(path), "%s/note%d.key", g.f.dir, i);
	rc = sp_note_keygen(name, path, vkey, &why);
	if (rc == SP_OK)
		rc = sp_note_signer_load(name, path, s, &why);
	return rc == SP_OK ? SP_OK : fx_die("note key", rc, why);
}

static int open_tl(uint64_t seq, int64_t issued, const sp_trust *cur,
                   sp_trust **out)
{
	uint8_t *b = NULL;
	size_t len = 0;
	const char *why = NULL;
	int rc = fx_build_tl(&g.f, FED, seq, issued, g.f.ca, &b, &len);

	if (rc == SP_OK)
		rc = sp_trust_open(g.f.anchors, b, len, cur, NULL, out, &why);
	free(b);
	return rc == SP_OK ? SP_OK : fx_die("open list", rc, why);
}

static int group_setup(void **state)
{
	(void)state;
	if (fx_setup(&g.f) != SP_OK ||
	    make_note_key(0, fx_ids[0], &g.w[0], &g.vkey[0]) != SP_OK ||
	    make_note_key(1, fx_ids[1], &g.w[1], &g.vkey[1]) != SP_OK ||
	    make_note_key(2, fx_ids[1], &g.thief, &g.thief_vkey) != SP_OK)
		return -1;
	g.f.log_key[0] = g.vkey[0];
	g.f.log_key[1] = g.vkey[1];
	g.f.witnesses[0] = fx_ids[0];
	g.f.witnesses[1] = fx_ids[1];
	g.f.n_witnesses = 2;
	g.f.quorum = 2;
	if (open_tl(1, g.f.now - 120, NULL, &g.held) != SP_OK ||
	    open_tl(2, g.f.now - 60, g.held, &g.next) != SP_OK ||
	    open_tl(2, g.f.now - 30, g.held, &g.other) != SP_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sp_trust_unref(g.held);
	sp_trust_unref(g.next);
	sp_trust_unref(g.other);
	sp_note_signer_free(g.w[0]);
	sp_note_signer_free(g.w[1]);
	sp_note_signer_free(g.thief);
	free(g.vkey[0]);
	free(g.vkey[1]);
	free(g.thief_vkey);
	fx_teardown(&g.f);
	sp_trust_cleanup();
	return 0;
}

/* The cosignature line of signer s on list t at time `when`. */
static char *cosign(sp_note_signer *s, const sp_trust *t, int64_t when)
{
	char *line = NULL;
	const char *why = NULL;

	assert_int_equal(sp_tl_cosign(s, t, when, &line, &why), SP_OK);
	assert_non_null(line);
	return line;
}

static unsigned count(const sp_trust *t, const char *sigs)
{
	return sp_tl_cosigners(g.held, t, sigs, strlen(sigs), g.f.now + 300,
	                       NULL);
}

static void test_note_text(void **state)
{
	char text[256], want[256];
	size_t n;

	(void)state;
	n = sp_tl_note_text(g.next, text, sizeof(text));
	snprintf(want, sizeof(want), "silkport-trust-list/v1\n" FED "\n2\n%s\n",
	         sp_trust_list_digest(g.next));
	assert_string_equal(text, want);
	assert_int_equal(n, strlen(want));
	/* too small a buffer: nothing */
	assert_int_equal(sp_tl_note_text(g.next, text, 40), 0);
}

static void test_quorum(void **state)
{
	char *a = cosign(g.w[0], g.next, g.f.now);
	char *b = cosign(g.w[1], g.next, g.f.now);
	char both[1024];
	unsigned c = 9;
	const char *why = NULL;

	(void)state;
	snprintf(both, sizeof(both), "%s%s", a, b);
	assert_int_equal(count(g.next, both), 2);
	assert_int_equal(sp_tl_witnessed(g.held, g.next, both, strlen(both),
	                                 g.f.now + 300, &c, &why),
	                 SP_OK);
	assert_int_equal(c, 2);
	/* one of two is not the quorum */
	assert_int_equal(sp_tl_witnessed(g.held, g.next, a, strlen(a),
	                                 g.f.now + 300, &c, &why),
	                 SP_ERR_LIST_NOT_WITNESSED);
	assert_int_equal(c, 1);
	assert_non_null(why);
	/* the same witness twice counts once */
	snprintf(both, sizeof(both), "%s%s", a, a);
	assert_int_equal(count(g.next, both), 1);
	/* no lines */
	assert_int_equal(
	    sp_tl_witnessed(g.held, g.next, NULL, 0, g.f.now + 300, &c, &why),
	    SP_ERR_LIST_NOT_WITNESSED);
	/* a list that is not newer, or a held list without witnesses, needs
	 * none */
	assert_int_equal(
	    sp_tl_witnessed(g.held, g.held, NULL, 0, g.f.now + 300, &c, &why),
	    SP_OK);
	assert_int_equal(sp_tl_witnessed(g.f.trust, g.next, NULL, 0,
	                                 g.f.now + 300, &c, &why),
	                 SP_OK);
	free(a);
	free(b);
}

static void test_wrong_key(void **state)
{
	/* KZ-KGS's key name and a key the list does not hold */
	char *t = cosign(g.thief, g.next, g.f.now);
	char *a = cosign(g.w[0], g.next, g.f.now);
	char both[1024];

	(void)state;
	assert_int_equal(count(g.next, t), 0);
	snprintf(both, sizeof(both), "%s%s", t, a);
	assert_int_equal(count(g.next, both), 1);
	free(t);
	free(a);
}

static void test_wrong_digest(void **state)
{
	/* cosignatures of another list of Sequence 2, and of the held list,
	 * count nothing for list 2 */
	char *x = cosign(g.w[0], g.other, g.f.now);
	char *y = cosign(g.w[1], g.other, g.f.now);
	char *z = cosign(g.w[1], g.held, g.f.now);
	char all[2048];

	(void)state;
	snprintf(all, sizeof(all), "%s%s%s", x, y, z);
	assert_int_equal(count(g.next, all), 0);
	assert_int_equal(count(g.other, all), 2);
	free(x);
	free(y);
	free(z);
}

static void test_future_and_inactive(void **state)
{
	char *a = cosign(g.w[0], g.next, g.f.now + 3600);
	sp_trust *held2 = NULL, *next2 = NULL;
	char *b, *c, both[1024];

	(void)state;
	/* later than latest_s (now + skew): not counted ([LOG-25]) */
	assert_int_equal(count(g.next, a), 0);
	free(a);
	/* a suspended witness vouches for nothing */
	g.f.status[1] = SP_STATUS_SUSPENDED;
	assert_int_equal(open_tl(1, g.f.now - 120, NULL, &held2), SP_OK);
	assert_int_equal(open_tl(2, g.f.now - 60, held2, &next2), SP_OK);
	g.f.status[1] = SP_STATUS_ACTIVE;
	b = cosign(g.w[0], next2, g.f.now);
	c = cosign(g.w[1], next2, g.f.now);
	snprintf(both, sizeof(both), "%s%s", b, c);
	assert_int_equal(sp_tl_cosigners(held2, next2, both, strlen(both),
	                                 g.f.now + 300, NULL),
	                 1);
	free(b);
	free(c);
	sp_trust_unref(held2);
	sp_trust_unref(next2);
}

static void test_malformed(void **state)
{
	char *a = cosign(g.w[0], g.next, g.f.now);
	char text[256], note[2048], bad[1024];
	const char *sigs = NULL, *why = NULL;
	size_t sl = 0, tl = sp_tl_note_text(g.next, text, sizeof(text));

	(void)state;
	/* a whole note: its lines */
	snprintf(note, sizeof(note), "%s\n%s", text, a);
	assert_int_equal(
	    sp_tl_note_sigs(g.next, note, strlen(note), &sigs, &sl, &why),
	    SP_OK);
	assert_int_equal(sl, strlen(a));
	assert_memory_equal(sigs, a, sl);
	/* a note about another list */
	assert_int_equal(
	    sp_tl_note_sigs(g.other, note, strlen(note), &sigs, &sl, &why),
	    SP_ERR_FIELD);
	assert_null(sigs);
	/* not a trust-list note at all */
	assert_int_equal(
	    sp_tl_note_sigs(g.next, "silk\n1\n\n", 8, &sigs, &sl, &why),
	    SP_ERR_CHECKPOINT_INVALID);
	/* no blank line, or two */
	assert_int_equal(sp_tl_note_sigs(g.next, text, tl, &sigs, &sl, &why),
	                 SP_ERR_CHECKPOINT_INVALID);
	snprintf(note, sizeof(note), "%s%s", text, a);
	assert_int_equal(
	    sp_tl_note_sigs(g.next, note, strlen(note), &sigs, &sl, &why),
	    SP_ERR_CHECKPOINT_INVALID);
	snprintf(note, sizeof(note), "%s\n\n%s", text, a);
	assert_int_equal(
	    sp_tl_note_sigs(g.next, note, strlen(note), &sigs, &sl, &why),
	    SP_ERR_CHECKPOINT_INVALID);
	/* lines that are not cosignatures: nothing counts, nothing breaks */
	assert_int_equal(count(g.next, "garbage\n"), 0);
	assert_int_equal(
	    count(g.next, "\xe2\x80\x94 silkport/silk/CN-ZZ AAAA\n"), 0);
	/* a cosignature line cut short, and one without its line feed */
	snprintf(bad, sizeof(bad), "%.*s\n", (int)(strlen(a) - 10), a);
	assert_int_equal(count(g.next, bad), 0);
	snprintf(bad, sizeof(bad), "%.*s", (int)(strlen(a) - 1), a);
	assert_int_equal(count(g.next, bad), 0);
	/* a bit flipped in the signature */
	snprintf(bad, sizeof(bad), "%s", a);
	bad[strlen(bad) - 5] = bad[strlen(bad) - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(count(g.next, bad), 0);
	free(a);
	/* the generic note API refuses a text with an empty line */
	assert_int_equal(
	    sp_note_cosign_text(g.w[0], "a\n\nb\n", 5, 1, &a, &why),
	    SP_ERR_CHECKPOINT_INVALID);
	assert_null(a);
}

/* A cosignature of the note text is not a checkpoint cosignature: the
 * checkpoint API refuses the note (not a checkpoint), so a witness line
 * over a trust list cannot be taken for one over a log, nor the reverse
 * (the texts differ in their first line). */
static void test_not_a_checkpoint(void **state)
{
	char text[256], *line = NULL;
	const char *why = NULL;
	size_t tl = sp_tl_note_text(g.next, text, sizeof(text));

	(void)state;
	assert_int_not_equal(
	    sp_note_cosign(g.w[0], text, tl, g.f.now, &line, &why), SP_OK);
	assert_null(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_note_text),
	    cmocka_unit_test(test_quorum),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_wrong_digest),
	    cmocka_unit_test(test_future_and_inactive),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_not_a_checkpoint),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
