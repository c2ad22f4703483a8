/* merkle_test.c: RFC 9162 hashes and proofs over every tree of 1..70 leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "protocol.h"

#define MAX_LEAVES 70

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * n);
	for (i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Reference hashing, written independently of merkle.c: one-shot SHA256()
 * over concatenated buffers. */
static void ref_leaf(const uint8_t *d, size_t n, uint8_t out[32])
{
	uint8_t buf[256];

	assert_true(n < sizeof(buf));
	buf[0] = 0x00;
	memcpy(buf + 1, d, n);
	SHA256(buf, n + 1, out);
}

static void ref_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	SHA256(buf, sizeof(buf), out);
}

/* Bottom-up root: pair neighbours level by level, an odd last node moves
 * up unchanged. Equivalent to MTH's largest-power-of-two split. */
static void ref_root(uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
	uint8_t level[MAX_LEAVES][32];
	size_t i, w = n;

	memcpy(level, leaves, n * 32);
	while (w > 1) {
		size_t o = 0;
		for (i = 0; i + 1 < w; i += 2)
			ref_node(level[i], level[i + 1], level[o++]);
		if (w % 2 == 1)
			memcpy(level[o++], level[w - 1], 32);
		w = o;
	}
	memcpy(out, level[0], 32);
}

static uint8_t g_leaves[MAX_LEAVES][32];

static void make_leaves(void)
{
	char data[32];
	int i, n;

	for (i = 0; i < MAX_LEAVES; i++) {
		n = snprintf(data, sizeof(data), "record-%d", i);
		sp_merkle_leaf_hash((const uint8_t *)data, (size_t)n,
		                    g_leaves[i]);
	}
}

static const uint8_t (*cleaves(void))[32]
{
	return (const uint8_t(*)[32])g_leaves;
}

static void test_known_answers(void **state)
{
	uint8_t root[32], want[32], l[32], r[32];
	const uint8_t data[] = "silkport";
	uint8_t two[2][32];

	(void)state;
	/* Empty tree: SHA-256 of the empty string. */
	assert_int_equal(sp_merkle_root(NULL, 0, root), SP_OK);
	hex_to_bytes(
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    want, 32);
	assert_memory_equal(root, want, 32);

	/* One leaf: SHA-256(0x00 || data). */
	sp_merkle_leaf_hash(data, sizeof(data) - 1, two[0]);
	ref_leaf(data, sizeof(data) - 1, want);
	assert_memory_equal(two[0], want, 32);
	assert_int_equal(sp_merkle_root((const uint8_t(*)[32])two, 1, root),
	                 SP_OK);
	assert_memory_equal(root, want, 32);

	/* Leaf hash of the empty string (RFC 6962 test vectors). */
	sp_merkle_leaf_hash(NULL, 0, l);
	hex_to_bytes(
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    want, 32);
	assert_memory_equal(l, want, 32);

	/* Node hash. */
	sp_merkle_leaf_hash((const uint8_t *)"a", 1, two[0]);
	sp_merkle_leaf_hash((const uint8_t *)"b", 1, two[1]);
	sp_merkle_node_hash(two[0], two[1], r);
	ref_node(two[0], two[1], want);
	assert_memory_equal(r, want, 32);
	assert_int_equal(sp_merkle_root((const uint8_t(*)[32])two, 2, root),
	                 SP_OK);
	assert_memory_equal(root, want, 32);

	/* Leaves NULL with n > 0 is an argument error. */
	assert_int_equal(sp_merkle_root(NULL, 3, root),
	                 SP_ERR_INVALID_ARGUMENT);
}

/* The roots of the first 1..8 of the Certificate Transparency reference
 * inputs (RFC 6962 test data). */
static void test_ct_vectors(void **state)
{
	static const char *inputs[8] = {
	    "",
	    "00",
	    "10",
	    "2021",
	    "3031",
	    "40414243",
	    "5051525354555657",
	    "606162636465666768696a6b6c6d6e6f",
	};
	static const char *roots[8] = {
	    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	uint8_t leaves[8][32], root[32], want[32], buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		size_t n = strlen(inputs[i]) / 2;
		if (n > 0)
			hex_to_bytes(inputs[i], buf, n);
		sp_merkle_leaf_hash(buf, n, leaves[i]);
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(
		    sp_merkle_root((const uint8_t(*)[32])leaves, i + 1, root),
		    SP_OK);
		hex_to_bytes(roots[i], want, 32);
		assert_memory_equal(root, want, 32);
	}
}

static void test_roots_match_reference(void **state)
{
	uint8_t root[32], want[32];
	size_t n;

	(void)state;
	for (n = 1; n <= MAX_LEAVES; n++) {
		assert_int_equal(sp_merkle_root(cleaves(), n, root), SP_OK);
		ref_root(g_leaves, n, want);
		assert_memory_equal(root, want, 32);
	}
}

/* ------------------------------------------------------------ shapes */

static uint64_t split(uint64_t n)
{
	uint64_t k = 1;

	while (2 * k < n)
		k *= 2;
	return k;
}

/* Which side each inclusion-path sibling sits on, leaf upwards, from the
 * PATH recursion: 'R' sibling right of the path, 'L' left. */
static void incl_shape(uint64_t m, uint64_t n, char *out, size_t *len)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = split(n);
	if (m < k) {
		incl_shape(m, k, out, len);
		out[(*len)++] = 'R';
	} else {
		incl_shape(m - k, n - k, out, len);
		out[(*len)++] = 'L';
	}
}

/* Consistency-proof shape from the SUBPROOF recursion: 'S' a starting
 * subtree hash, 'R' right sibling, 'L' left sibling. */
static void cons_shape(uint64_t m, uint64_t n, int whole, char *out,
                       size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!whole)
			out[(*len)++] = 'S';
		return;
	}
	k = split(n);
	if (m <= k) {
		cons_shape(m, k, whole, out, len);
		out[(*len)++] = 'R';
	} else {
		cons_shape(m - k, n - k, 0, out, len);
		out[(*len)++] = 'L';
	}
}

static int same_incl_shape(uint64_t i, uint64_t n1, uint64_t n2)
{
	char a[80], b[80];
	size_t la = 0, lb = 0;

	incl_shape(i, n1, a, &la);
	incl_shape(i, n2, b, &lb);
	return la == lb && memcmp(a, b, la) == 0;
}

static int same_cons_shape(uint64_t m1, uint64_t n1, uint64_t m2, uint64_t n2)
{
	char a[80], b[80];
	size_t la = 0, lb = 0;

	if (m1 == 0 || m2 == 0 || m1 >= n1 || m2 >= n2)
		return 0;
	cons_shape(m1, n1, 1, a, &la);
	cons_shape(m2, n2, 1, b, &lb);
	return la == lb && memcmp(a, b, la) == 0;
}

/* ------------------------------------------------------------ inclusion */

static void check_inclusion(uint64_t n, uint64_t idx, const uint8_t root[32])
{
	uint8_t path[SP_MERKLE_MAX_PATH + 1][32], bad[32];
	size_t len = 0, i, b;
	const uint8_t(*cp)[32] = (const uint8_t(*)[32])path;
	char shape[80];
	size_t slen = 0;

	assert_int_equal(sp_merkle_inclusion_path(cleaves(), n, idx, path,
	                                          SP_MERKLE_MAX_PATH, &len),
	                 SP_OK);
	incl_shape(idx, n, shape, &slen);
	assert_int_equal(len, slen);
	assert_int_equal(
	    sp_merkle_verify_inclusion(idx, n, g_leaves[idx], cp, len, root),
	    SP_OK);

	/* Every byte of every path hash matters. */
	for (i = 0; i < len; i++) {
		for (b = 0; b < 32; b++) {
			path[i][b] ^= 0x01;
			assert_int_equal(
			    sp_merkle_verify_inclusion(idx, n, g_leaves[idx],
			                               cp, len, root),
			    SP_ERR_PROOF_INVALID);
			path[i][b] ^= 0x01;
		}
	}
	/* Leaf and root bytes. */
	for (b = 0; b < 32; b++) {
		memcpy(bad, g_leaves[idx], 32);
		bad[b] ^= 0x80;
		assert_int_equal(
		    sp_merkle_verify_inclusion(idx, n, bad, cp, len, root),
		    SP_ERR_PROOF_INVALID);
		memcpy(bad, root, 32);
		bad[b] ^= 0x80;
		assert_int_equal(sp_merkle_verify_inclusion(
		                     idx, n, g_leaves[idx], cp, len, bad),
		                 SP_ERR_PROOF_INVALID);
	}
	/* Another leaf at this index. */
	if (n > 1)
		assert_int_equal(
		    sp_merkle_verify_inclusion(idx, n, g_leaves[(idx + 1) % n],
		                               cp, len, root),
		    SP_ERR_PROOF_INVALID);
	/* Wrong index: the path then describes another position. */
	if (idx + 1 < n)
		assert_int_equal(sp_merkle_verify_inclusion(
		                     idx + 1, n, g_leaves[idx], cp, len, root),
		                 SP_ERR_PROOF_INVALID);
	if (idx > 0)
		assert_int_equal(sp_merkle_verify_inclusion(
		                     idx - 1, n, g_leaves[idx], cp, len, root),
		                 SP_ERR_PROOF_INVALID);
	assert_int_equal(
	    sp_merkle_verify_inclusion(n, n, g_leaves[idx], cp, len, root),
	    SP_ERR_PROOF_INVALID);
	/* Wrong size: the root does not commit to the size, so a proof can
	 * only pass for another size whose proof has exactly the same shape;
	 * every other size must fail. */
	{
		uint64_t sizes[4] = {n + 1, n - 1, n * 2, n + 7};
		for (i = 0; i < 4; i++) {
			int want;
			if (sizes[i] <= idx || sizes[i] == n)
				continue;
			want = same_incl_shape(idx, n, sizes[i])
			           ? SP_OK
			           : SP_ERR_PROOF_INVALID;
			assert_int_equal(
			    sp_merkle_verify_inclusion(
			        idx, sizes[i], g_leaves[idx], cp, len, root),
			    want);
		}
	}
	/* Truncated and extended paths. */
	if (len > 0) {
		assert_int_equal(sp_merkle_verify_inclusion(
		                     idx, n, g_leaves[idx], cp, len - 1, root),
		                 SP_ERR_PROOF_INVALID);
		assert_int_equal(
		    sp_merkle_verify_inclusion(idx, n, g_leaves[idx], cp + 1,
		                               len - 1, root),
		    SP_ERR_PROOF_INVALID);
	}
	memcpy(path[len], g_leaves[0], 32);
	assert_int_equal(sp_merkle_verify_inclusion(idx, n, g_leaves[idx], cp,
	                                            len + 1, root),
	                 SP_ERR_PROOF_INVALID);
	memcpy(path[len], root, 32);
	assert_int_equal(sp_merkle_verify_inclusion(idx, n, g_leaves[idx], cp,
	                                            len + 1, root),
	                 SP_ERR_PROOF_INVALID);
}

static void test_inclusion_all(void **state)
{
	uint8_t root[32];
	uint64_t n, i;

	(void)state;
	for (n = 1; n <= MAX_LEAVES; n++) {
		assert_int_equal(sp_merkle_root(cleaves(), n, root), SP_OK);
		for (i = 0; i < n; i++)
			check_inclusion(n, i, root);
	}
}

/* ------------------------------------------------------------ consistency */

static void check_consistency(uint64_t m, uint64_t n,
                              uint8_t roots[MAX_LEAVES + 1][32])
{
	uint8_t path[SP_MERKLE_MAX_PATH + 1][32], bad[32];
	const uint8_t(*cp)[32] = (const uint8_t(*)[32])path;
	size_t len = 0, i, b;

	assert_int_equal(sp_merkle_consistency_path(cleaves(), n, m, path,
	                                            SP_MERKLE_MAX_PATH, &len),
	                 SP_OK);
	if (m == 0 || m == n)
		assert_int_equal(len, 0);
	else
		assert_true(len > 0);
	assert_int_equal(
	    sp_merkle_verify_consistency(m, n, roots[m], roots[n], cp, len),
	    SP_OK);

	for (i = 0; i < len; i++) {
		for (b = 0; b < 32; b++) {
			path[i][b] ^= 0x04;
			assert_int_equal(sp_merkle_verify_consistency(
			                     m, n, roots[m], roots[n], cp, len),
			                 SP_ERR_PROOF_INVALID);
			path[i][b] ^= 0x04;
		}
	}
	for (b = 0; b < 32; b++) {
		memcpy(bad, roots[m], 32);
		bad[b] ^= 0x10;
		assert_int_equal(
		    sp_merkle_verify_consistency(m, n, bad, roots[n], cp, len),
		    SP_ERR_PROOF_INVALID);
		/* The empty tree is a prefix of every tree, whatever its root.
		 */
		memcpy(bad, roots[n], 32);
		bad[b] ^= 0x10;
		assert_int_equal(
		    sp_merkle_verify_consistency(m, n, roots[m], bad, cp, len),
		    m == 0 ? SP_OK : SP_ERR_PROOF_INVALID);
	}
	/* Wrong sizes: pass only where the claimed sizes give a proof of the
	 * very same shape (and the roots are the ones given). */
	{
		uint64_t alt[6][2] = {{m + 1, n}, {m - 1, n},     {m, n + 1},
		                      {m, n - 1}, {m + 1, n + 1}, {m, 2 * n}};
		for (i = 0; i < 6; i++) {
			uint64_t am = alt[i][0], an = alt[i][1];
			int want;
			if ((am == m && an == n) || am > an || am > 1000 ||
			    (m == 0 && am > 1000))
				continue;
			if (m == 0 && i == 1)
				continue; /* m - 1 wrapped */
			if (am == an)
				want = m == n ? SP_OK : SP_ERR_PROOF_INVALID;
			else if (am == 0)
				want = m == 0 ? SP_OK : SP_ERR_PROOF_INVALID;
			else
				want = same_cons_shape(m, n, am, an)
				           ? SP_OK
				           : SP_ERR_PROOF_INVALID;
			assert_int_equal(
			    sp_merkle_verify_consistency(am, an, roots[m],
			                                 roots[n], cp, len),
			    want);
		}
	}
	if (len > 0) {
		assert_int_equal(sp_merkle_verify_consistency(
		                     m, n, roots[m], roots[n], cp, len - 1),
		                 SP_ERR_PROOF_INVALID);
		assert_int_equal(sp_merkle_verify_consistency(
		                     m, n, roots[m], roots[n], cp + 1, len - 1),
		                 SP_ERR_PROOF_INVALID);
	}
	memcpy(path[len], roots[m], 32);
	assert_int_equal(
	    sp_merkle_verify_consistency(m, n, roots[m], roots[n], cp, len + 1),
	    SP_ERR_PROOF_INVALID);
	/* Swapped direction. */
	if (m != n)
		assert_int_equal(sp_merkle_verify_consistency(
		                     n, m, roots[n], roots[m], cp, len),
		                 SP_ERR_PROOF_INVALID);
}

static void test_consistency_all(void **state)
{
	static uint8_t roots[MAX_LEAVES + 1][32];
	uint64_t n, m;

	(void)state;
	for (n = 0; n <= MAX_LEAVES; n++)
		assert_int_equal(sp_merkle_root(cleaves(), n, roots[n]), SP_OK);
	for (n = 1; n <= MAX_LEAVES; n++)
		for (m = 0; m <= n; m++)
			check_consistency(m, n, roots);
}

/* The callback recursion: a subtree hash from the callback, the callback's
 * errors stopping the proof, and the bounds checked before any call. */
typedef struct cb_ctx {
	const uint8_t (*leaves)[32];
	unsigned calls;
	unsigned fail_at; /* 0: never */
} cb_ctx;

static int cb_subtree(void *ctx, uint64_t start, uint64_t size, uint8_t out[32])
{
	cb_ctx *c = ctx;

	if (++c->calls == c->fail_at)
		return SP_ERR_IO;
	return sp_merkle_root(c->leaves + start, size, out);
}

static void test_callback_recursion(void **state)
{
	uint8_t path[SP_MERKLE_MAX_PATH][32], ref[SP_MERKLE_MAX_PATH][32];
	cb_ctx c = {cleaves(), 0, 0};
	size_t len = 0, rlen = 0;
	uint64_t n, i;

	(void)state;
	for (n = 1; n <= MAX_LEAVES; n++) {
		for (i = 0; i < n; i++) {
			assert_int_equal(sp_merkle_inclusion_path_fn(
			                     cb_subtree, &c, n, i, path,
			                     SP_MERKLE_MAX_PATH, &len),
			                 SP_OK);
			assert_int_equal(
			    sp_merkle_inclusion_path(cleaves(), n, i, ref,
			                             SP_MERKLE_MAX_PATH, &rlen),
			    SP_OK);
			assert_int_equal(len, rlen);
			if (len)
				assert_memory_equal(path, ref, len * 32);
		}
		for (i = 0; i <= n; i++) {
			assert_int_equal(sp_merkle_consistency_path_fn(
			                     cb_subtree, &c, n, i, path,
			                     SP_MERKLE_MAX_PATH, &len),
			                 SP_OK);
			assert_int_equal(sp_merkle_consistency_path(
			                     cleaves(), n, i, ref,
			                     SP_MERKLE_MAX_PATH, &rlen),
			                 SP_OK);
			assert_int_equal(len, rlen);
			if (len)
				assert_memory_equal(path, ref, len * 32);
		}
	}
	/* one hash per path element: a store pays one subtree per hash */
	c.calls = 0;
	assert_int_equal(sp_merkle_inclusion_path_fn(cb_subtree, &c, 70, 33,
	                                             path, SP_MERKLE_MAX_PATH,
	                                             &len),
	                 SP_OK);
	assert_int_equal(c.calls, len);
	/* the callback's error is the result, and no path is given */
	c.calls = 0;
	c.fail_at = 2;
	len = 99;
	assert_int_equal(sp_merkle_inclusion_path_fn(cb_subtree, &c, 70, 33,
	                                             path, SP_MERKLE_MAX_PATH,
	                                             &len),
	                 SP_ERR_IO);
	assert_int_equal(len, 0);
	c.calls = 0;
	len = 99;
	assert_int_equal(sp_merkle_consistency_path_fn(cb_subtree, &c, 70, 33,
	                                               path, SP_MERKLE_MAX_PATH,
	                                               &len),
	                 SP_ERR_IO);
	assert_int_equal(len, 0);
	/* bounds and a short buffer */
	c.fail_at = 0;
	assert_int_equal(sp_merkle_inclusion_path_fn(NULL, &c, 70, 3, path,
	                                             SP_MERKLE_MAX_PATH, &len),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_merkle_inclusion_path_fn(cb_subtree, &c, 70, 70,
	                                             path, SP_MERKLE_MAX_PATH,
	                                             &len),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_merkle_consistency_path_fn(cb_subtree, &c, 70, 71,
	                                               path, SP_MERKLE_MAX_PATH,
	                                               &len),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_merkle_inclusion_path_fn(cb_subtree, &c, 70, 33, path, 2, &len),
	    SP_ERR_TOO_LARGE);
}

static void test_edges(void **state)
{
	uint8_t path[SP_MERKLE_MAX_PATH + 2][32], root[32], empty[32];
	const uint8_t(*cp)[32] = (const uint8_t(*)[32])path;
	size_t len = 99;

	(void)state;
	memset(path, 0, sizeof(path));
	assert_int_equal(sp_merkle_root(cleaves(), 5, root), SP_OK);
	assert_int_equal(sp_merkle_root(NULL, 0, empty), SP_OK);

	/* Generation argument checks. */
	assert_int_equal(sp_merkle_inclusion_path(cleaves(), 5, 5, path,
	                                          SP_MERKLE_MAX_PATH, &len),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(len, 0);
	assert_int_equal(sp_merkle_inclusion_path(cleaves(), 0, 0, path,
	                                          SP_MERKLE_MAX_PATH, &len),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_merkle_consistency_path(cleaves(), 5, 6, path,
	                                            SP_MERKLE_MAX_PATH, &len),
	                 SP_ERR_INVALID_ARGUMENT);
	/* Output too small. */
	assert_int_equal(
	    sp_merkle_inclusion_path(cleaves(), 64, 3, path, 5, &len),
	    SP_ERR_TOO_LARGE);
	assert_int_equal(
	    sp_merkle_inclusion_path(cleaves(), 64, 3, path, 6, &len), SP_OK);
	assert_int_equal(len, 6);
	assert_int_equal(
	    sp_merkle_consistency_path(cleaves(), 64, 3, path, 1, &len),
	    SP_ERR_TOO_LARGE);

	/* Equal sizes: empty path and equal roots only. */
	assert_int_equal(
	    sp_merkle_verify_consistency(5, 5, root, root, NULL, 0), SP_OK);
	assert_int_equal(sp_merkle_verify_consistency(5, 5, root, root, cp, 1),
	                 SP_ERR_PROOF_INVALID);
	assert_int_equal(
	    sp_merkle_verify_consistency(5, 5, root, empty, NULL, 0),
	    SP_ERR_PROOF_INVALID);
	/* From the empty tree: its root must be the empty hash. */
	assert_int_equal(
	    sp_merkle_verify_consistency(0, 5, empty, root, NULL, 0), SP_OK);
	assert_int_equal(
	    sp_merkle_verify_consistency(0, 5, root, root, NULL, 0),
	    SP_ERR_PROOF_INVALID);
	assert_int_equal(sp_merkle_verify_consistency(0, 5, empty, root, cp, 1),
	                 SP_ERR_PROOF_INVALID);
	/* 0 < m < n needs a path. */
	assert_int_equal(
	    sp_merkle_verify_consistency(4, 5, root, root, NULL, 0),
	    SP_ERR_PROOF_INVALID);
	/* Over-long paths are refused before any hashing. */
	assert_int_equal(sp_merkle_verify_inclusion(0, 1, g_leaves[0], cp,
	                                            SP_MERKLE_MAX_PATH + 1,
	                                            g_leaves[0]),
	                 SP_ERR_PROOF_INVALID);
	assert_int_equal(sp_merkle_verify_consistency(1, 2, root, root, cp,
	                                              SP_MERKLE_MAX_PATH + 1),
	                 SP_ERR_PROOF_INVALID);
	/* Size 1: empty path, root is the leaf. */
	assert_int_equal(
	    sp_merkle_verify_inclusion(0, 1, g_leaves[0], NULL, 0, g_leaves[0]),
	    SP_OK);
	assert_int_equal(
	    sp_merkle_verify_inclusion(0, 0, g_leaves[0], NULL, 0, g_leaves[0]),
	    SP_ERR_PROOF_INVALID);
	assert_int_equal(
	    sp_merkle_verify_inclusion(0, 1, g_leaves[0], NULL, 0, g_leaves[1]),
	    SP_ERR_PROOF_INVALID);
	/* Huge sizes: the path must still be complete. */
	assert_int_equal(sp_merkle_verify_inclusion(UINT64_MAX - 1, UINT64_MAX,
	                                            g_leaves[0], cp, 3,
	                                            g_leaves[0]),
	                 SP_ERR_PROOF_INVALID);
}

/* ------------------------------------------------------------ proof text */

static void test_proof_text_roundtrip(void **state)
{
	sp_proof p, q;
	uint8_t root[32], old_root[32];
	char *txt = NULL;
	size_t tl = 0;
	const char *why = NULL;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.kind = SP_PROOF_INCLUSION;
	p.size = 37;
	p.index = 21;
	assert_int_equal(sp_merkle_inclusion_path(cleaves(), p.size, p.index,
	                                          p.hashes, SP_MERKLE_MAX_PATH,
	                                          &p.n_hashes),
	                 SP_OK);
	assert_int_equal(sp_proof_format(&p, &txt, &tl), SP_OK);
	assert_non_null(txt);
	assert_int_equal(strlen(txt), tl);
	assert_true(strncmp(txt,
	                    "silkport-proof/v1 inclusion\nsize 37\nindex 21\n",
	                    45) == 0);
	assert_int_equal(tl, 45 + 45 * p.n_hashes);
	assert_int_equal(sp_proof_parse(txt, tl, &q, &why), SP_OK);
	assert_null(why);
	assert_int_equal(q.kind, SP_PROOF_INCLUSION);
	assert_int_equal(q.size, 37);
	assert_int_equal(q.index, 21);
	assert_int_equal(q.n_hashes, p.n_hashes);
	assert_memory_equal(q.hashes, p.hashes, 32 * p.n_hashes);
	assert_int_equal(sp_merkle_root(cleaves(), 37, root), SP_OK);
	assert_int_equal(sp_merkle_verify_inclusion(
	                     q.index, q.size, g_leaves[21],
	                     (const uint8_t(*)[32])q.hashes, q.n_hashes, root),
	                 SP_OK);
	free(txt);

	memset(&p, 0, sizeof(p));
	p.kind = SP_PROOF_CONSISTENCY;
	p.old_size = 13;
	p.size = 70;
	assert_int_equal(
	    sp_merkle_consistency_path(cleaves(), p.size, p.old_size, p.hashes,
	                               SP_MERKLE_MAX_PATH, &p.n_hashes),
	    SP_OK);
	assert_int_equal(sp_proof_format(&p, &txt, &tl), SP_OK);
	assert_true(strncmp(txt,
	                    "silkport-proof/v1 consistency\nold 13\nsize 70\n",
	                    45) == 0);
	assert_int_equal(sp_proof_parse(txt, tl, &q, &why), SP_OK);
	assert_int_equal(q.kind, SP_PROOF_CONSISTENCY);
	assert_int_equal(q.old_size, 13);
	assert_int_equal(q.size, 70);
	assert_int_equal(q.n_hashes, p.n_hashes);
	assert_memory_equal(q.hashes, p.hashes, 32 * p.n_hashes);
	assert_int_equal(sp_merkle_root(cleaves(), 13, old_root), SP_OK);
	assert_int_equal(sp_merkle_root(cleaves(), 70, root), SP_OK);
	assert_int_equal(sp_merkle_verify_consistency(
	                     q.old_size, q.size, old_root, root,
	                     (const uint8_t(*)[32])q.hashes, q.n_hashes),
	                 SP_OK);
	/* The parser does not need a NUL: parse a prefix of the buffer that
	 * ends on a line boundary (one hash fewer). */
	assert_int_equal(sp_proof_parse(txt, tl - 45, &q, &why), SP_OK);
	assert_int_equal(q.n_hashes, p.n_hashes - 1);
	free(txt);

	/* Empty path, zero sizes. */
	memset(&p, 0, sizeof(p));
	p.kind = SP_PROOF_CONSISTENCY;
	assert_int_equal(sp_proof_format(&p, &txt, &tl), SP_OK);
	assert_string_equal(txt,
	                    "silkport-proof/v1 consistency\nold 0\nsize 0\n");
	assert_int_equal(sp_proof_parse(txt, tl, &q, &why), SP_OK);
	assert_int_equal(q.n_hashes, 0);
	free(txt);

	/* Format refuses what parse would refuse. */
	memset(&p, 0, sizeof(p));
	p.kind = SP_PROOF_INCLUSION;
	p.size = 3;
	p.index = 3;
	assert_int_equal(sp_proof_format(&p, &txt, &tl),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(txt);
	p.index = 2;
	p.n_hashes = SP_MERKLE_MAX_PATH + 1;
	assert_int_equal(sp_proof_format(&p, &txt, &tl),
	                 SP_ERR_INVALID_ARGUMENT);
	p.n_hashes = 0;
	p.kind = (sp_proof_kind)7;
	assert_int_equal(sp_proof_format(&p, &txt, &tl),
	                 SP_ERR_INVALID_ARGUMENT);
	memset(&p, 0, sizeof(p));
	p.kind = SP_PROOF_CONSISTENCY;
	p.old_size = 4;
	p.size = 3;
	assert_int_equal(sp_proof_format(&p, &txt, &tl),
	                 SP_ERR_INVALID_ARGUMENT);
}

#define H44 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" /* SHA-256("") */

static void test_proof_text_malformed(void **state)
{
	static const char *bad[] = {
	    "",
	    "\n",
	    "silkport-proof/v1 inclusion",
	    "silkport-proof/v1 inclusion\n",
	    "silkport-proof/v1 inclusion \nsize 3\nindex 1\n",
	    "silkport-proof/v1  inclusion\nsize 3\nindex 1\n",
	    "Silkport-proof/v1 inclusion\nsize 3\nindex 1\n",
	    "silkport-proof/v2 inclusion\nsize 3\nindex 1\n",
	    "silkport-proof/v1 inclusion\r\nsize 3\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize 3\r\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize 03\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize +3\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize -3\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize  3\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize 3 \nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize 0x3\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize 18446744073709551616\nindex 1\n",
	    "silkport-proof/v1 inclusion\nsize 99999999999999999999\nindex 1\n",
	    "silkport-proof/v1 inclusion\nindex 1\nsize 3\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 3\n",
	    "silkport-proof/v1 inclusion\nsize 0\nindex 0\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n" H44,
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n" H44 "\n\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n\n" H44 "\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n " H44 "\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n" H44 " \n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n" H44 "\r\n",
	    /* 31 bytes, 33 bytes */
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA\n",
	    /* unpadded, URL alphabet, non-zero pad bits */
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n"
	    "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\n",
	    "silkport-proof/v1 inclusion\nsize 3\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
	    "silkport-proof/v1 consistency\nsize 3\nold 1\n",
	    "silkport-proof/v1 consistency\nold 4\nsize 3\n",
	    "silkport-proof/v1 consistency\nold 1\nsize 3\nindex 1\n",
	    "silkport-proof/v1 consistency\nold 1\n",
	};
	sp_proof p;
	size_t i;
	const char *why;
	char buf[SP_PROOF_MAX_TEXT + 200];
	size_t pos;
	int n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		p.n_hashes = 99;
		assert_int_equal(
		    sp_proof_parse(bad[i], strlen(bad[i]), &p, &why),
		    SP_ERR_PROOF_INVALID);
		assert_non_null(why);
		assert_int_equal(p.n_hashes, 0);
	}

	/* An embedded NUL. */
	{
		static const char nul[] =
		    "silkport-proof/v1 inclusion\nsize 3\0\nindex 1\n";
		why = NULL;
		assert_int_equal(sp_proof_parse(nul, sizeof(nul) - 1, &p, &why),
		                 SP_ERR_PROOF_INVALID);
		assert_non_null(why);
	}

	/* 64 hashes pass, 65 do not. */
	n = snprintf(buf, sizeof(buf),
	             "silkport-proof/v1 inclusion\nsize 9\nindex 1\n");
	pos = (size_t)n;
	for (i = 0; i < SP_MERKLE_MAX_PATH; i++) {
		memcpy(buf + pos, H44 "\n", 45);
		pos += 45;
	}
	assert_int_equal(sp_proof_parse(buf, pos, &p, &why), SP_OK);
	assert_int_equal(p.n_hashes, SP_MERKLE_MAX_PATH);
	memcpy(buf + pos, H44 "\n", 45);
	why = NULL;
	assert_int_equal(sp_proof_parse(buf, pos + 45, &p, &why),
	                 SP_ERR_PROOF_INVALID);
	assert_non_null(why);

	/* Over the size cap. */
	memset(buf, 'A', sizeof(buf));
	why = NULL;
	assert_int_equal(sp_proof_parse(buf, SP_PROOF_MAX_TEXT + 1, &p, &why),
	                 SP_ERR_TOO_LARGE);
	assert_non_null(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_answers),
	    cmocka_unit_test(test_ct_vectors),
	    cmocka_unit_test(test_roots_match_reference),
	    cmocka_unit_test(test_inclusion_all),
	    cmocka_unit_test(test_consistency_all),
	    cmocka_unit_test(test_callback_recursion),
	    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_proof_text_roundtrip),
	    cmocka_unit_test(test_proof_text_malformed),
	};

	make_leaves();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
