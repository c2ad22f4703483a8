/* tree.c: the per-origin RFC 9162 Merkle logs over the driver's node rows:
 * appending leaves and perfect-subtree hashes, and roots, inclusion and
 * consistency proofs from O(log n) point lookups, with protocol/merkle.c's
 * proof recursion. */
#include <string.h>

#include "base.h"
#include "store_int.h"

/* Nodes one proof or root reads, fetched together (driver nodes_get): an
 * inclusion proof in a log of 10^7 leaves reads some 48 nodes, each a
 * round trip when the store is across a network. */
#define TREE_PREFETCH_MAX 256

/* A driver connection and an origin's tree, for lookups on either side.
 * With a prefetch, a first pass of the proof only collects the nodes it
 * will read (the shape of RFC 9162's recursion depends on the sizes and
 * indexes, never on the hashes), one nodes_get fetches them, and the second
 * pass reads them from here. */
typedef struct tree_ctx {
	const sp_store_driver *d;
	sp_store_conn *c;
	int64_t origin_id;
	int collecting; /* first pass: note the nodes, answer zeros */
	size_t n_nodes; /* nodes noted, then fetched */
	int fetched;    /* hash[] holds them */
	unsigned level[TREE_PREFETCH_MAX];
	uint64_t idx[TREE_PREFETCH_MAX];
	uint8_t hash[TREE_PREFETCH_MAX][32];
} tree_ctx;

static int node_get(tree_ctx *t, unsigned level, uint64_t idx, uint8_t out[32])
{
	size_t i;

	for (i = 0; i < t->n_nodes; i++)
		if (t->level[i] == level && t->idx[i] == idx)
			break;
	if (t->collecting) {
		if (i == t->n_nodes && i < TREE_PREFETCH_MAX) {
			t->level[i] = level;
			t->idx[i] = idx;
			t->n_nodes++;
		}
		memset(out, 0, 32);
		return SP_OK;
	}
	if (t->fetched && i < t->n_nodes) {
		memcpy(out, t->hash[i], 32);
		return SP_OK;
	}
	/* no prefetch, or more nodes than it holds */
	return t->d->node_get(t->c, t->origin_id, level, idx, out);
}

static int node_put(const tree_ctx *t, unsigned level, uint64_t idx,
                    const uint8_t h[32])
{
	return t->d->node_put(t->c, t->origin_id, level, idx, h);
}

int sp_store__tree_append(sp_store *s, int64_t origin_id, uint64_t index,
                          const uint8_t leaf[32])
{
	tree_ctx t;
	uint8_t h[32], left[32];
	uint64_t end = index + 1; /* leaves now in the tree */
	unsigned level;
	int err;

	t.d = s->ops;
	t.c = s->w;
	t.origin_id = origin_id;
	t.collecting = 0;
	t.n_nodes = 0;
	t.fetched = 0;
	if ((err = node_put(&t, 0, index, leaf)))
		return err;
	memcpy(h, leaf, 32);
	/* each perfect subtree that this leaf completes: its right half ends
	 * here, its left half is the previous subtree of the level below */
	for (level = 1; level < 64 && (end & (((uint64_t)1 << level) - 1)) == 0;
	     level++) {
		uint64_t right_idx = (end >> (level - 1)) - 1;

		if ((err = node_get(&t, level - 1, right_idx - 1, left)))
			return err;
		sp_merkle_node_hash(left, h, h);
		if ((err = node_put(&t, level, (end >> level) - 1, h)))
			return err;
	}
	return SP_OK;
}

/* ---------------------------------------------------------------- reads */

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static unsigned log2_exact(uint64_t n)
{
	unsigned l = 0;

	while (((uint64_t)1 << l) < n)
		l++;
	return l;
}

/* MTH(D[start : start + size]) for a subtree of an RFC 9162 tree: start is
 * always a multiple of the largest power of two <= size, so the left part
 * of every split is a stored perfect subtree. */
static int subtree_hash(void *ctx, uint64_t start, uint64_t size,
                        uint8_t out[32])
{
	tree_ctx *t = ctx;
	uint8_t left[32], right[32];
	uint64_t k;
	int err;

	if ((size & (size - 1)) == 0) {
		unsigned l = log2_exact(size);

		return node_get(t, l, start >> l, out);
	}
	k = split_point(size);
	if ((err = node_get(t, log2_exact(k), start >> log2_exact(k), left)) ||
	    (err = subtree_hash(ctx, start + k, size - k, right)))
		return err;
	sp_merkle_node_hash(left, right, out);
	return SP_OK;
}

static int tree_open(sp_store_reader *r, const char *origin, tree_ctx *t,
                     uint64_t *size)
{
	if (!r || !origin)
		return SP_ERR_INVALID_ARGUMENT;
	t->d = r->s->ops;
	t->c = r->c;
	t->collecting = 0;
	t->n_nodes = 0;
	t->fetched = 0;
	return t->d->tree_origin(r->c, origin, &t->origin_id, size);
}

/* One pass of a read over the tree (a root or a proof). */
typedef int (*tree_pass)(tree_ctx *t, void *arg);

/* pass, after a first run of it that only notes the nodes it reads and one
 * driver call that fetches them, where the driver can. */
static int prefetched(tree_ctx *t, tree_pass pass, void *arg)
{
	int err;

	if (t->d->nodes_get) {
		t->collecting = 1;
		err = pass(t, arg);
		t->collecting = 0;
		if (err)
			return err;
		if (t->n_nodes > 0 &&
		    (err = t->d->nodes_get(t->c, t->origin_id, t->n_nodes,
		                           t->level, t->idx, t->hash)))
			return err;
		t->fetched = 1;
	}
	return pass(t, arg);
}

int sp_store_tree_size(sp_store_reader *r, const char *origin, uint64_t *size)
{
	tree_ctx t;

	if (!size)
		return SP_ERR_INVALID_ARGUMENT;
	*size = 0;
	return tree_open(r, origin, &t, size);
}

typedef struct root_arg {
	uint64_t size;
	uint8_t *out;
} root_arg;

static int root_pass(tree_ctx *t, void *arg)
{
	const root_arg *a = arg;

	return subtree_hash(t, 0, a->size, a->out);
}

int sp_store_tree_root(sp_store_reader *r, const char *origin, uint64_t size,
                       uint8_t root[32])
{
	tree_ctx t;
	root_arg a;
	uint64_t have = 0;
	int err;

	if (!root)
		return SP_ERR_INVALID_ARGUMENT;
	if ((err = tree_open(r, origin, &t, &have)))
		return err;
	if (size > have)
		return SP_ERR_INVALID_ARGUMENT;
	if (size == 0) {
		sp_sha256((const uint8_t *)"", 0, root);
		return SP_OK;
	}
	a.size = size;
	a.out = root;
	return prefetched(&t, root_pass, &a);
}

/* The stored tree of `stored` leaves followed by leaves not stored. */
typedef struct extended_ctx {
	tree_ctx t;
	uint64_t stored;
	const uint8_t (*extra)[32];
} extended_ctx;

/* MTH(D[start : start + size]) of the extended tree: stored subtrees from
 * the store, the rest computed; a range across the boundary is split as
 * RFC 9162 splits it. */
static int extended_hash(void *ctx, uint64_t start, uint64_t size,
                         uint8_t out[32])
{
	extended_ctx *e = ctx;
	uint8_t left[32], right[32];
	uint64_t k;
	int err;

	if (start + size <= e->stored)
		return subtree_hash(&e->t, start, size, out);
	if (start >= e->stored)
		return sp_merkle_root(e->extra + (start - e->stored), size,
		                      out);
	k = split_point(size);
	if ((err = extended_hash(ctx, start, k, left)) ||
	    (err = extended_hash(ctx, start + k, size - k, right)))
		return err;
	sp_merkle_node_hash(left, right, out);
	return SP_OK;
}

int sp_store_tree_root_extended(sp_store_reader *r, const char *origin,
                                const uint8_t (*extra)[32], uint64_t n_extra,
                                uint8_t root[32])
{
	extended_ctx e;
	int err;

	if (!root || (n_extra > 0 && !extra))
		return SP_ERR_INVALID_ARGUMENT;
	memset(&e, 0, sizeof(e));
	err = tree_open(r, origin, &e.t, &e.stored);
	if (err == SP_ERR_NOT_FOUND)
		e.stored = 0;
	else if (err != SP_OK)
		return err;
	e.extra = extra;
	if (e.stored + n_extra == 0) {
		sp_sha256((const uint8_t *)"", 0, root);
		return SP_OK;
	}
	return extended_hash(&e, 0, e.stored + n_extra, root);
}

/* A proof's sizes (n; m the index or the old size) and its output. */
typedef struct proof_arg {
	uint64_t n, m;
	uint8_t (*path)[32];
	size_t *path_len;
} proof_arg;

static int inclusion_pass(tree_ctx *t, void *arg)
{
	const proof_arg *a = arg;

	return sp_merkle_inclusion_path_fn(subtree_hash, t, a->n, a->m, a->path,
	                                   SP_STORE_PROOF_MAX, a->path_len);
}

static int consistency_pass(tree_ctx *t, void *arg)
{
	const proof_arg *a = arg;

	return sp_merkle_consistency_path_fn(subtree_hash, t, a->n, a->m,
	                                     a->path, SP_STORE_PROOF_MAX,
	                                     a->path_len);
}

int sp_store_inclusion_proof(sp_store_reader *r, const char *origin,
                             uint64_t index, uint64_t size,
                             uint8_t path[SP_STORE_PROOF_MAX][32],
                             size_t *path_len)
{
	tree_ctx t;
	proof_arg a;
	uint64_t have = 0;
	int err;

	if (!path || !path_len)
		return SP_ERR_INVALID_ARGUMENT;
	*path_len = 0;
	if ((err = tree_open(r, origin, &t, &have)))
		return err;
	if (size > have || index >= size)
		return SP_ERR_INVALID_ARGUMENT;
	a.n = size;
	a.m = index;
	a.path = path;
	a.path_len = path_len;
	return prefetched(&t, inclusion_pass, &a);
}

int sp_store_consistency_proof(sp_store_reader *r, const char *origin,
                               uint64_t m, uint64_t n,
                               uint8_t path[SP_STORE_PROOF_MAX][32],
                               size_t *path_len)
{
	tree_ctx t;
	proof_arg a;
	uint64_t have = 0;
	int err;

	if (!path || !path_len)
		return SP_ERR_INVALID_ARGUMENT;
	*path_len = 0;
	if ((err = tree_open(r, origin, &t, &have)))
		return err;
	if (m > n || n > have)
		return SP_ERR_INVALID_ARGUMENT;
	if (m == 0 || m == n)
		return SP_OK; /* the empty tree and equal sizes need no hashes
		               */
	a.n = n;
	a.m = m;
	a.path = path;
	a.path_len = path_len;
	return prefetched(&t, consistency_pass, &a);
}
