/* store_tree_test.c: the store's per-origin Merkle logs against RFC 9162:
 * roots and every proof for small trees, out-of-order arrival, and a bulk
 * 100k-leaf log with timed appends and spot-checked proofs, on the backend
 * store_fixture.h tests. */
#include <time.h>

#include "store_fixture.h"

/* Synthetic record bytes and ids for (origin, seq). */
typedef struct leafrec {
	char id[SP_UUID_LEN + 1];
	char bytes[96];
	size_t len;
} leafrec;

static void leafrec_make(leafrec *lr, const char *origin, uint64_t seq,
                         sp_store_put_req *put)
{
	lr->len = (size_t)snprintf(lr->bytes, sizeof(lr->bytes),
	                           "<Record o=\"%s\" s=\"%llu\"/>", origin,
	                           (unsigned long long)seq);
	snprintf(lr->id, sizeof(lr->id), "%08llx-0000-4000-8000-%012x",
	         (unsigned long long)seq, (unsigned)origin[3]);
	memset(put, 0, sizeof(*put));
	put->bytes = (const uint8_t *)lr->bytes;
	put->len = lr->len;
	put->record_id = lr->id;
	put->origin = origin;
	put->sequence = seq;
	put->type = "waybill";
	put->issued = 1790000000;
	put->received = 1790000000;
}

static int put_one(fx *f, const char *origin, uint64_t seq, uint8_t leaf[32])
{
	leafrec lr;
	sp_store_put_req put;

	leafrec_make(&lr, origin, seq, &put);
	if (leaf)
		sp_merkle_leaf_hash(put.bytes, put.len, leaf);
	return sp_store_put(f->s, &put, NULL, NULL);
}

/* Positions worth proving in a tree of n leaves: all of them in small
 * trees, else the ends, the middle and both sides of every power of two. */
static size_t probe_points(uint64_t n, uint64_t *out, size_t cap)
{
	size_t k = 0;
	uint64_t p, i;

	if (n <= 64) {
		for (i = 0; i < n && k < cap; i++)
			out[k++] = i;
		return k;
	}
	out[k++] = 0;
	out[k++] = n - 1;
	out[k++] = n / 2;
	out[k++] = n / 3;
	for (p = 1; p < n && k + 2 <= cap; p <<= 1) {
		out[k++] = p - 1;
		out[k++] = p;
	}
	return k;
}

/* The store's log (tree.c over the driver's node rows) and protocol's
 * in-memory generator share one proof recursion: every root of trees
 * 1..300 and the proofs at probe_points() are byte-for-byte equal. */
#define TREE_N 300u

static void test_proofs_equal_merkle_c_to_300(void **state)
{
	fx *f = *state;
	leafrec *lrs = calloc(TREE_N, sizeof(*lrs));
	sp_store_put_req *puts = calloc(TREE_N, sizeof(*puts));
	int *out = calloc(TREE_N, sizeof(*out));
	uint8_t(*leaves)[32] = calloc(TREE_N, 32);
	uint8_t root[32], ref[32];
	uint8_t path[SP_STORE_PROOF_MAX][32], refpath[SP_MERKLE_MAX_PATH][32];
	uint64_t pts[80], n;
	size_t plen, rlen, np, j;
	unsigned checked = 0;

	assert_non_null(lrs);
	assert_non_null(puts);
	assert_non_null(out);
	assert_non_null(leaves);
	for (j = 0; j < TREE_N; j++) {
		leafrec_make(&lrs[j], "CN-ZZ", j, &puts[j]);
		sp_merkle_leaf_hash(puts[j].bytes, puts[j].len, leaves[j]);
	}
	assert_int_equal(sp_store_put_batch(f->s, puts, TREE_N, out), SP_OK);
	for (j = 0; j < TREE_N; j++)
		assert_int_equal(out[j], SP_STORE_INSERTED);

	for (n = 1; n <= TREE_N; n++) {
		assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", n, root),
		                 SP_OK);
		assert_int_equal(
		    sp_merkle_root((const uint8_t(*)[32])leaves, n, ref),
		    SP_OK);
		assert_memory_equal(root, ref, 32);
		np = probe_points(n, pts, sizeof(pts) / sizeof(pts[0]));
		for (j = 0; j < np; j++) {
			assert_int_equal(sp_store_inclusion_proof(f->r, "CN-ZZ",
			                                          pts[j], n,
			                                          path, &plen),
			                 SP_OK);
			assert_int_equal(sp_merkle_inclusion_path(
			                     (const uint8_t(*)[32])leaves, n,
			                     pts[j], refpath,
			                     SP_MERKLE_MAX_PATH, &rlen),
			                 SP_OK);
			assert_int_equal(plen, rlen);
			if (plen)
				assert_memory_equal(path, refpath, plen * 32);
			assert_int_equal(sp_merkle_verify_inclusion(
			                     pts[j], n, leaves[pts[j]],
			                     (const uint8_t(*)[32])path, plen,
			                     root),
			                 SP_OK);
			/* consistency from m = pts[j] + 1 (1..n) to n */
			assert_int_equal(
			    sp_store_consistency_proof(
			        f->r, "CN-ZZ", pts[j] + 1, n, path, &plen),
			    SP_OK);
			assert_int_equal(sp_merkle_consistency_path(
			                     (const uint8_t(*)[32])leaves, n,
			                     pts[j] + 1, refpath,
			                     SP_MERKLE_MAX_PATH, &rlen),
			                 SP_OK);
			assert_int_equal(plen, rlen);
			if (plen)
				assert_memory_equal(path, refpath, plen * 32);
			checked += 2;
		}
	}
	printf("# %u proofs equal to protocol/merkle.c's\n", checked);
	free(lrs);
	free(puts);
	free(out);
	free(leaves);
}

/* Every root, inclusion and consistency proof of trees 1..40, checked with
 * protocol's verifiers and against protocol's in-memory generators. */
static void test_small_trees_all_proofs(void **state)
{
	fx *f = *state;
	uint8_t leaves[40][32], root[32], ref[32], roots[41][32];
	uint8_t path[SP_STORE_PROOF_MAX][32], refpath[SP_MERKLE_MAX_PATH][32];
	size_t plen, rlen;
	uint64_t n, i, m, size;
	unsigned checked = 0;

	for (n = 1; n <= 40; n++) {
		assert_int_equal(put_one(f, "CN-ZZ", n - 1, leaves[n - 1]),
		                 SP_STORE_INSERTED);
		assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size),
		                 SP_OK);
		assert_int_equal(size, n);
	}
	assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", 0, roots[0]), SP_OK);
	assert_int_equal(sp_merkle_root(NULL, 0, ref), SP_OK);
	assert_memory_equal(roots[0], ref, 32);
	for (n = 1; n <= 40; n++) {
		assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", n, roots[n]),
		                 SP_OK);
		assert_int_equal(
		    sp_merkle_root((const uint8_t(*)[32])leaves, n, ref),
		    SP_OK);
		assert_memory_equal(roots[n], ref, 32);
	}
	for (n = 1; n <= 40; n++) {
		for (i = 0; i < n; i++) {
			assert_int_equal(sp_store_inclusion_proof(
			                     f->r, "CN-ZZ", i, n, path, &plen),
			                 SP_OK);
			assert_int_equal(sp_merkle_verify_inclusion(
			                     i, n, leaves[i],
			                     (const uint8_t(*)[32])path, plen,
			                     roots[n]),
			                 SP_OK);
			assert_int_equal(sp_merkle_inclusion_path(
			                     (const uint8_t(*)[32])leaves, n, i,
			                     refpath, SP_MERKLE_MAX_PATH,
			                     &rlen),
			                 SP_OK);
			assert_int_equal(plen, rlen);
			if (plen)
				assert_memory_equal(path, refpath, plen * 32);
			/* the proof does not prove another leaf */
			if (n > 1)
				assert_int_not_equal(
				    sp_merkle_verify_inclusion(
				        i, n, leaves[(i + 1) % n],
				        (const uint8_t(*)[32])path, plen,
				        roots[n]),
				    SP_OK);
			checked++;
		}
		for (m = 0; m <= n; m++) {
			assert_int_equal(sp_store_consistency_proof(
			                     f->r, "CN-ZZ", m, n, path, &plen),
			                 SP_OK);
			assert_int_equal(sp_merkle_verify_consistency(
			                     m, n, roots[m], roots[n],
			                     (const uint8_t(*)[32])path, plen),
			                 SP_OK);
			assert_int_equal(sp_merkle_consistency_path(
			                     (const uint8_t(*)[32])leaves, n, m,
			                     refpath, SP_MERKLE_MAX_PATH,
			                     &rlen),
			                 SP_OK);
			assert_int_equal(plen, rlen);
			if (plen)
				assert_memory_equal(path, refpath, plen * 32);
			/* and not against a wrong old root */
			if (m > 0 && m < n) {
				memcpy(root, roots[m], 32);
				root[31] ^= 1;
				assert_int_not_equal(
				    sp_merkle_verify_consistency(
				        m, n, root, roots[n],
				        (const uint8_t(*)[32])path, plen),
				    SP_OK);
			}
			checked++;
		}
	}
	printf("# %u proofs checked\n", checked);

	/* bounds */
	assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", 41, root),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_store_inclusion_proof(f->r, "CN-ZZ", 40, 40, path, &plen),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_store_inclusion_proof(f->r, "CN-ZZ", 0, 41, path, &plen),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_store_consistency_proof(f->r, "CN-ZZ", 5, 4, path, &plen),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sp_store_consistency_proof(f->r, "CN-ZZ", 5, 41, path, &plen),
	    SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_store_tree_root(f->r, "CN-NONE", 0, root),
	                 SP_ERR_NOT_FOUND);
	assert_int_equal(sp_store_tree_size(f->r, "CN-NONE", &size),
	                 SP_ERR_NOT_FOUND);
}

/* Another origin's tree covers only its contiguous prefix; records that
 * arrived early join it once the gap closes. */
static void test_out_of_order_and_gaps(void **state)
{
	fx *f = *state;
	uint8_t leaves[6][32], root[32], ref[32];
	uint64_t size = 99;
	sp_store_stats st;

	assert_int_equal(put_one(f, "KZ-KGS", 2, leaves[2]), SP_STORE_INSERTED);
	assert_int_equal(put_one(f, "KZ-KGS", 1, leaves[1]), SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "KZ-KGS", &size), SP_OK);
	assert_int_equal(size, 0);
	assert_int_equal(sp_store_tree_root(f->r, "KZ-KGS", 1, root),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(put_one(f, "KZ-KGS", 5, leaves[5]), SP_STORE_INSERTED);
	assert_int_equal(put_one(f, "KZ-KGS", 0, leaves[0]), SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "KZ-KGS", &size), SP_OK);
	assert_int_equal(size, 3);
	assert_int_equal(sp_store_tree_root(f->r, "KZ-KGS", 3, root), SP_OK);
	assert_int_equal(sp_merkle_root((const uint8_t(*)[32])leaves, 3, ref),
	                 SP_OK);
	assert_memory_equal(root, ref, 32);
	assert_int_equal(put_one(f, "KZ-KGS", 3, leaves[3]), SP_STORE_INSERTED);
	assert_int_equal(put_one(f, "KZ-KGS", 4, leaves[4]), SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "KZ-KGS", &size), SP_OK);
	assert_int_equal(size, 6);
	assert_int_equal(sp_store_tree_root(f->r, "KZ-KGS", 6, root), SP_OK);
	assert_int_equal(sp_merkle_root((const uint8_t(*)[32])leaves, 6, ref),
	                 SP_OK);
	assert_memory_equal(root, ref, 32);

	/* a sparse copy (no sequence 0) has an empty tree */
	assert_int_equal(put_one(f, "RU-SPB", 7, NULL), SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "RU-SPB", &size), SP_OK);
	assert_int_equal(size, 0);
	assert_int_equal(sp_store_stats_get(f->r, &st), SP_OK);
	assert_int_equal(st.n_origins, 2);
	assert_string_equal(st.origins[0].origin, "KZ-KGS");
	assert_int_equal(st.origins[0].tree_size, 6);
	assert_string_equal(st.origins[1].origin, "RU-SPB");
	assert_int_equal(st.origins[1].records, 1);
	assert_int_equal(st.origins[1].max_sequence, 7);
	assert_int_equal(st.origins[1].tree_size, 0);
	sp_store_stats_clear(&st);
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

#define BIG 100000u

static void test_bulk_100k(void **state)
{
	fx *f = *state;
	/* a server round trip per statement: an eighth of the rows on
	 * PostgreSQL keeps the test within a minute on a shared machine,
	 * still two chunks and a tree 14 levels deep */
	const unsigned big = f->pg ? BIG / 8 : BIG;
	leafrec *lrs = calloc(big, sizeof(*lrs));
	sp_store_put_req *puts = calloc(big, sizeof(*puts));
	int *out = calloc(big, sizeof(*out));
	uint8_t(*leaves)[32] = calloc(big, 32);
	uint8_t root[32], ref[32], rootm[32];
	uint8_t path[SP_STORE_PROOF_MAX][32];
	struct timespec t0, t1;
	sp_store_stats before, after;
	size_t plen, i, k;
	uint64_t size = 0;
	unsigned seed = 12345;

	assert_non_null(lrs);
	assert_non_null(puts);
	assert_non_null(out);
	assert_non_null(leaves);
	for (i = 0; i < big; i++) {
		leafrec_make(&lrs[i], "CN-ZZ", i, &puts[i]);
		sp_merkle_leaf_hash(puts[i].bytes, puts[i].len, leaves[i]);
	}
	assert_int_equal(sp_store_stats_get(f->r, &before), SP_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(sp_store_put_batch(f->s, puts, big, out), SP_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# bulk: %u appends in %.2f s (%.0f/s)\n", big,
	       elapsed(&t0, &t1), big / elapsed(&t0, &t1));
	for (i = 0; i < big; i++)
		assert_int_equal(out[i], SP_STORE_INSERTED);
	assert_int_equal(sp_store_stats_get(f->r, &after), SP_OK);
	/* one transaction per chunk */
	assert_int_equal(after.commits - before.commits,
	                 (big + SP_STORE_BATCH_CHUNK - 1) /
	                     SP_STORE_BATCH_CHUNK);
	assert_int_equal(after.records, big);
	sp_store_stats_clear(&before);
	sp_store_stats_clear(&after);

	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, big);
	assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", big, root), SP_OK);
	assert_int_equal(sp_merkle_root((const uint8_t(*)[32])leaves, big, ref),
	                 SP_OK);
	assert_memory_equal(root, ref, 32);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < 200; k++) {
		uint64_t idx, m;

		seed = seed * 1103515245u + 12345u;
		idx = seed % big;
		assert_int_equal(sp_store_inclusion_proof(f->r, "CN-ZZ", idx,
		                                          big, path, &plen),
		                 SP_OK);
		assert_int_equal(sp_merkle_verify_inclusion(
		                     idx, big, leaves[idx],
		                     (const uint8_t(*)[32])path, plen, root),
		                 SP_OK);
		seed = seed * 1103515245u + 12345u;
		m = 1 + seed % big;
		assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", m, rootm),
		                 SP_OK);
		assert_int_equal(sp_store_consistency_proof(f->r, "CN-ZZ", m,
		                                            big, path, &plen),
		                 SP_OK);
		assert_int_equal(
		    sp_merkle_verify_consistency(
		        m, big, rootm, root, (const uint8_t(*)[32])path, plen),
		    SP_OK);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# 200 inclusion + 200 consistency proofs on %u leaves in "
	       "%.3f s\n",
	       big, elapsed(&t0, &t1));
	/* a few sizes' roots against the in-memory reference */
	for (k = 0; k < 5; k++) {
		uint64_t m = (uint64_t)big - 1 - (k * 7919) % big;

		assert_int_equal(sp_store_tree_root(f->r, "CN-ZZ", m, rootm),
		                 SP_OK);
		assert_int_equal(
		    sp_merkle_root((const uint8_t(*)[32])leaves, m, ref),
		    SP_OK);
		assert_memory_equal(rootm, ref, 32);
	}
	/* appending after the bulk path continues the same tree */
	assert_int_equal(put_one(f, "CN-ZZ", big, NULL), SP_STORE_INSERTED);
	assert_int_equal(sp_store_tree_size(f->r, "CN-ZZ", &size), SP_OK);
	assert_int_equal(size, big + 1);
	/* a duplicate in a batch is reported per request */
	assert_int_equal(sp_store_put_batch(f->s, puts + 10, 2, out), SP_OK);
	assert_int_equal(out[0], SP_STORE_DUPLICATE);
	assert_int_equal(out[1], SP_STORE_DUPLICATE);
	free(lrs);
	free(puts);
	free(out);
	free(leaves);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_proofs_equal_merkle_c_to_300,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_small_trees_all_proofs, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_order_and_gaps, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_bulk_100k, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
