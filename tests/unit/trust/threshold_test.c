/* threshold_test.c: trust lists signed by a threshold of operator keys
 * (SPEC 7.2, [TL-71] to [TL-75]): 2 of 3, rotation under the old and the
 * new threshold, a stolen single anchor, a list made for a fork, the
 * node's stored list after a rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "unit/trust/trust_fixture.h"

#define N_OPS 3

static struct {
	fx_fed fed;
	sp_key *op[N_OPS];   /* the operators of the first lists */
	sp_key *nop[N_OPS];  /* the operators a rotation moves to */
	sp_anchors *anchors; /* op[0..2] configured locally */
} g;

static int make_op(int i, const char *prefix, sp_key **out)
{
	char key[160], cert[160], cn[32];
	const char *why = NULL;
	int rc;

	snprintf(cn, sizeof(cn), "%s operator %d", prefix, i);
	snprintf(key, sizeof(key), "%s/%s%d.key", g.fed.dir, prefix, i);
	snprintf(cert, sizeof(cert), "%s/%s%d.crt", g.fed.dir, prefix, i);
	rc = sp_pki_make_ca(cn, SP_KEY_P256, 365, key, cert, &why);
	if (rc == SP_OK)
		rc = sp_key_load(key, cert, out, &why);
	if (rc == SP_OK && prefix[0] == 'o')
		rc = sp_anchors_add_pem_file(g.anchors, cert, &why);
	return rc == SP_OK ? SP_OK : fx_die("operator", rc, why);
}

static int group_setup(void **state)
{
	(void)state;
	if (fx_setup(&g.fed) != SP_OK || sp_anchors_new(&g.anchors) != SP_OK)
		return -1;
	for (int i = 0; i < N_OPS; i++)
		if (make_op(i, "op", &g.op[i]) != SP_OK ||
		    make_op(i, "new", &g.nop[i]) != SP_OK)
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < N_OPS; i++) {
		sp_key_free(g.op[i]);
		sp_key_free(g.nop[i]);
	}
	sp_anchors_free(g.anchors);
	fx_teardown(&g.fed);
	sp_trust_cleanup();
	return 0;
}

/* A list with no member (SPEC [TL-46]) naming the operators in `ops`
 * (n of them, NULL for a 1.3 list) with threshold t, after `prev` (a
 * digest or NULL), signed in turn by each key of `signers`. */
static uint8_t *make_list(uint64_t seq, sp_key *const *ops, size_t n,
                          unsigned t, const char *prev, sp_key *const *signers,
                          size_t n_signers, size_t *len)
{
	sp_tl tl;
	sp_tl_operator_cert oc[N_OPS];
	uint8_t *doc = NULL, *next = NULL;
	const char *why = NULL;

	memset(&tl, 0, sizeof(tl));
	snprintf(tl.federation, sizeof(tl.federation), "silk-th");
	tl.sequence = seq;
	tl.issued = g.fed.now - 60;
	tl.next_update = g.fed.now + 86400;
	tl.operator_name = fx_unconst("Threshold Alliance");
	for (size_t i = 0; i < n; i++)
		oc[i].der = (uint8_t *)(uintptr_t)sp_key_cert_der(
		    ops[i], &oc[i].der_len);
	tl.operator_certs = n > 0 ? oc : NULL;
	tl.n_operator_certs = n;
	tl.threshold = t;
	if (prev != NULL)
		snprintf(tl.previous_list, sizeof(tl.previous_list), "%s",
		         prev);
	assert_int_equal(sp_tl_build(&tl, &doc, len, &why), SP_OK);
	for (size_t i = 0; i < n_signers; i++) {
		assert_int_equal(sp_trust_list_cosign(signers[i], doc, *len,
		                                      &next, len, &why),
		                 SP_OK);
		free(doc);
		doc = next;
	}
	return doc;
}

static int open_list(const uint8_t *b, size_t n, const sp_trust *cur,
                     int stored, sp_trust **out, const char **why)
{
	sp_verify_opts o;
	sp_trust *t = NULL;
	int rc;

	sp_verify_opts_default(&o);
	o.stored_list = stored;
	*why = NULL;
	rc = sp_trust_open(g.anchors, b, n, cur, &o, &t, why);
	if (rc != SP_OK)
		print_message("open: %s: %s\n", sp_strerror(rc),
		              *why ? *why : "-");
	if (out != NULL)
		*out = t;
	else
		sp_trust_unref(t);
	return rc;
}

static void test_two_of_three(void **state)
{
	sp_key *one[] = {g.op[0]}, *two[] = {g.op[2], g.op[0]},
	       *same[] = {g.op[1], g.op[1]};
	const char *why;
	uint8_t *b;
	size_t n;

	(void)state;
	/* one valid operator signature of a 2-of-3 list: refused */
	b = make_list(1, g.op, N_OPS, 2, NULL, one, 1, &n);
	assert_int_equal(open_list(b, n, NULL, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(b);
	/* two, made on their own in any order: accepted */
	b = make_list(1, g.op, N_OPS, 2, NULL, two, 2, &n);
	assert_int_equal(open_list(b, n, NULL, 0, NULL, &why), SP_OK);
	free(b);
	/* one key twice does not make two */
	b = make_list(1, g.op, N_OPS, 2, NULL, same, 2, &n);
	assert_int_equal(open_list(b, n, NULL, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(b);
}

static void test_altered_list(void **state)
{
	sp_key *two[] = {g.op[0], g.op[1]};
	const char *why;
	uint8_t *b;
	char *p;
	size_t n;

	(void)state;
	b = make_list(1, g.op, N_OPS, 2, NULL, two, 2, &n);
	p = strstr((char *)b, "Threshold Alliance");
	assert_non_null(p);
	p[0] = 'X';
	assert_int_equal(open_list(b, n, NULL, 0, NULL, &why),
	                 SP_ERR_SIG_INVALID);
	free(b);
}

/* Keys the held list names sign the next one; the anchors no longer
 * count. */
static void test_held_keys_and_stolen_anchor(void **state)
{
	sp_key *two[] = {g.op[0], g.op[1]}, *other[] = {g.op[1], g.op[2]},
	       *one[] = {g.op[0]};
	sp_key *thief_ops[] = {g.op[0]};
	sp_trust *held = NULL;
	const char *why;
	uint8_t *b, *n2;
	size_t n, len2;

	(void)state;
	b = make_list(1, g.op, N_OPS, 2, NULL, two, 2, &n);
	assert_int_equal(open_list(b, n, NULL, 0, &held, &why), SP_OK);
	/* the successor, signed by another two of the three */
	n2 = make_list(2, g.op, N_OPS, 2, sp_trust_list_digest(held), other, 2,
	               &len2);
	assert_int_equal(open_list(n2, len2, held, 0, NULL, &why), SP_OK);
	free(n2);
	/* a stolen anchor: a 1.3 list at the highest sequence */
	n2 = make_list((uint64_t)INT64_MAX, NULL, 0, 0, NULL, one, 1, &len2);
	assert_int_equal(open_list(n2, len2, held, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(n2);
	/* nor can it rotate the operators to itself alone */
	n2 = make_list((uint64_t)INT64_MAX, thief_ops, 1, 1, NULL, one, 1,
	               &len2);
	assert_int_equal(open_list(n2, len2, held, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(n2);
	sp_trust_unref(held);
	free(b);
}

/* TL-72: new keys only with the old and the new threshold; TL-74: the
 * node's stored list after the rotation opens by its own keys. */
static void test_rotation(void **state)
{
	sp_key *two[] = {g.op[0], g.op[1]}, *old_only[] = {g.op[0], g.op[1]},
	       *new_only[] = {g.nop[0], g.nop[2]},
	       *old_one_new_two[] = {g.op[2], g.nop[0], g.nop[1]},
	       *both[] = {g.nop[1], g.op[2], g.nop[2], g.op[0]};
	sp_trust *held = NULL, *rotated = NULL;
	const char *why;
	uint8_t *b, *r, *after;
	size_t n, rn, an;

	(void)state;
	b = make_list(1, g.op, N_OPS, 2, NULL, two, 2, &n);
	assert_int_equal(open_list(b, n, NULL, 0, &held, &why), SP_OK);
	r = make_list(2, g.nop, N_OPS, 2, sp_trust_list_digest(held), old_only,
	              2, &rn);
	assert_int_equal(open_list(r, rn, held, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(r);
	r = make_list(2, g.nop, N_OPS, 2, sp_trust_list_digest(held), new_only,
	              2, &rn);
	assert_int_equal(open_list(r, rn, held, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(r);
	r = make_list(2, g.nop, N_OPS, 2, sp_trust_list_digest(held),
	              old_one_new_two, 3, &rn);
	assert_int_equal(open_list(r, rn, held, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(r);
	r = make_list(2, g.nop, N_OPS, 2, sp_trust_list_digest(held), both, 4,
	              &rn);
	assert_int_equal(open_list(r, rn, held, 0, &rotated, &why), SP_OK);
	free(r);
	/* after the rotation the new keys alone sign */
	after = make_list(3, g.nop, N_OPS, 2, sp_trust_list_digest(rotated),
	                  new_only, 2, &an);
	assert_int_equal(open_list(after, an, rotated, 0, NULL, &why), SP_OK);
	/* the old keys no longer do */
	free(after);
	after = make_list(3, g.nop, N_OPS, 2, sp_trust_list_digest(rotated),
	                  old_only, 2, &an);
	assert_int_equal(open_list(after, an, rotated, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	free(after);
	/* a restart: the stored list opens by its own keys, never a list
	 * from a file or a peer, which the anchors must vouch for */
	after = make_list(3, g.nop, N_OPS, 2, sp_trust_list_digest(rotated),
	                  new_only, 2, &an);
	assert_int_equal(open_list(after, an, NULL, 0, NULL, &why),
	                 SP_ERR_THRESHOLD_NOT_MET);
	assert_int_equal(open_list(after, an, NULL, 1, NULL, &why), SP_OK);
	free(after);
	sp_trust_unref(rotated);
	sp_trust_unref(held);
	free(b);
}

/* TL-75: a successor that names another predecessor was made for a fork. */
static void test_fork(void **state)
{
	sp_key *two[] = {g.op[0], g.op[1]};
	sp_trust *held = NULL;
	const char *why;
	char other[65];
	uint8_t *b, *f;
	size_t n, fn;

	(void)state;
	b = make_list(1, g.op, N_OPS, 2, NULL, two, 2, &n);
	assert_int_equal(open_list(b, n, NULL, 0, &held, &why), SP_OK);
	memset(other, 'a', 64);
	other[64] = '\0';
	f = make_list(2, g.op, N_OPS, 2, other, two, 2, &fn);
	assert_int_equal(open_list(f, fn, held, 0, NULL, &why),
	                 SP_ERR_TRUST_LIST_FORK);
	free(f);
	sp_trust_unref(held);
	free(b);
}

/* Replace the last occurrence of `from` in the NUL-terminated b by `to`
 * (same length). */
static void replace_last(uint8_t *b, const char *from, const char *to)
{
	char *p = strstr((char *)b, from), *last = NULL;

	for (; p != NULL; p = strstr(p + 1, from))
		last = p;
	assert_non_null(last);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(last, to, strlen(to));
}

/* Each signature keeps the whole profile: one outside it fails the list,
 * even when the others reach the threshold. */
static void test_each_signature_in_profile(void **state)
{
	sp_key *three[] = {g.op[0], g.op[1], g.op[2]};
	const char *why;
	uint8_t *b, *c;
	size_t n;

	(void)state;
	b = make_list(1, g.op, N_OPS, 2, NULL, three, 3, &n);
	c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, b, n);
	c[n] = '\0';
	assert_int_equal(open_list(c, n, NULL, 0, NULL, &why), SP_OK);
	/* the third signature's digest method becomes SHA-512, outside the
	 * profile */
	replace_last(c, "http://www.w3.org/2001/04/xmlenc#sha256",
	             "http://www.w3.org/2001/04/xmlenc#sha512");
	assert_int_equal(open_list(c, n, NULL, 0, NULL, &why),
	                 SP_ERR_SIG_ALGORITHM);
	/* a Threshold above the number of keys is refused on reading */
	memcpy(c, b, n);
	replace_last(c, "<Threshold>2</Threshold>", "<Threshold>4</Threshold>");
	assert_int_equal(open_list(c, n, NULL, 0, NULL, &why), SP_ERR_FIELD);
	free(c);
	free(b);
}

/* The schema rules the XSD cannot say. */
static void test_build_rules(void **state)
{
	sp_tl tl;
	sp_tl_operator_cert oc[2];
	uint8_t *doc = NULL;
	size_t len;
	const char *why = NULL;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	snprintf(tl.federation, sizeof(tl.federation), "silk-th");
	tl.sequence = 1;
	tl.issued = g.fed.now;
	tl.next_update = g.fed.now + 3600;
	tl.operator_name = fx_unconst("x");
	oc[0].der =
	    (uint8_t *)(uintptr_t)sp_key_cert_der(g.op[0], &oc[0].der_len);
	oc[1] = oc[0];
	tl.operator_certs = oc;
	tl.n_operator_certs = 1;
	tl.threshold = 2; /* above the number of keys */
	assert_int_equal(sp_tl_build(&tl, &doc, &len, &why), SP_ERR_FIELD);
	tl.threshold = 0; /* keys without a threshold */
	assert_int_equal(sp_tl_build(&tl, &doc, &len, &why), SP_ERR_FIELD);
	tl.n_operator_certs = 2; /* one certificate twice */
	tl.threshold = 1;
	assert_int_equal(sp_tl_build(&tl, &doc, &len, &why), SP_ERR_FIELD);
	assert_null(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_of_three),
	    cmocka_unit_test(test_altered_list),
	    cmocka_unit_test(test_held_keys_and_stolen_anchor),
	    cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_fork),
	    cmocka_unit_test(test_each_signature_in_profile),
	    cmocka_unit_test(test_build_rules),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
