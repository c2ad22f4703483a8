/* store_tree.c: the per-origin RFC 9162 Merkle logs: appending leaves and
 * perfect-subtree hashes, and roots, inclusion and consistency proofs from
 * O(log n) point lookups. */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "store_int.h"

static const char sql_node_get[] =
    "SELECT hash FROM merkle_nodes WHERE origin_id = ?1 AND level = ?2"
    " AND idx = ?3";
static const char sql_node_put[] =
    "INSERT INTO merkle_nodes (origin_id, level, idx, hash)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_tree_origin[] =
    "SELECT id, tree_size FROM origins WHERE name = ?1";

/* A connection plus its statement cache, for lookups on either side. */
typedef struct tree_ctx {
	sqlite3 *db;
	sp_store_stmts *c;
	int64_t origin_id;
} tree_ctx;

static int node_get(const tree_ctx *t, unsigned level, uint64_t idx,
                    uint8_t out[32])
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(t->db, t->c, sql_node_get, &err);

	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, t->origin_id);
	sqlite3_bind_int(st, 2, (int)level);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
		memcpy(out, sqlite3_column_blob(st, 0), 32);
		sqlite3_reset(st);
		return SP_OK;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		/* every node below the tree size is written with its leaf */
		sp_log(SP_LOG_ERROR, "store_error",
		       SP_LF_STR("why", "merkle node missing"),
		       SP_LF_INT("origin_id", t->origin_id),
		       SP_LF_UINT("level", level), SP_LF_UINT("idx", idx));
		return SP_ERR_INTERNAL;
	}
	return sp_store__err(t->db, rc, "merkle-get");
}

static int node_put(const tree_ctx *t, unsigned level, uint64_t idx,
                    const uint8_t h[32])
{
	int err = SP_OK, rc;
	sqlite3_stmt *st = sp_store__stmt(t->db, t->c, sql_node_put, &err);

	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, t->origin_id);
	sqlite3_bind_int(st, 2, (int)level);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 4, h, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sp_store__err(t->db, rc, "merkle-put");
	return SP_OK;
}

int sp_store__tree_append(sp_store *s, int64_t origin_id, uint64_t index,
                          const uint8_t leaf[32])
{
	tree_ctx t = {s->db, &s->wst, origin_id};
	uint8_t h[32], left[32];
	uint64_t end = index + 1; /* leaves now in the tree */
	unsigned level;
	int err;

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
static int subtree_hash(const tree_ctx *t, uint64_t start, uint64_t size,
                        uint8_t out[32])
{
	uint8_t left[32], right[32];
	uint64_t k;
	int err;

	if ((size & (size - 1)) == 0) {
		unsigned l = log2_exact(size);

		return node_get(t, l, start >> l, out);
	}
	k = split_point(size);
	if ((err = node_get(t, log2_exact(k), start >> log2_exact(k), left)) ||
	    (err = subtree_hash(t, start + k, size - k, right)))
		return err;
	sp_merkle_node_hash(left, right, out);
	return SP_OK;
}

static int tree_open(sp_store_reader *r, const char *origin, tree_ctx *t,
                     uint64_t *size)
{
	int err = SP_OK, rc;
	sqlite3_stmt *st;

	if (!r || !origin)
		return SP_ERR_INVALID_ARGUMENT;
	if (!(st = sp_store__stmt(r->db, &r->st, sql_tree_origin, &err)))
		return err;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->db = r->db;
		t->c = &r->st;
		t->origin_id = sqlite3_column_int64(st, 0);
		*size = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SP_ERR_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return sp_store__err(r->db, rc, "tree-origin");
	return SP_OK;
}

int sp_store_tree_size(sp_store_reader *r, const char *origin, uint64_t *size)
{
	tree_ctx t;

	if (!size)
		return SP_ERR_INVALID_ARGUMENT;
	*size = 0;
	return tree_open(r, origin, &t, size);
}

int sp_store_tree_root(sp_store_reader *r, const char *origin, uint64_t size,
                       uint8_t root[32])
{
	tree_ctx t;
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
	return subtree_hash(&t, 0, size, root);
}

typedef struct proof_out {
	uint8_t (*path)[32];
	size_t n;
} proof_out;

static int proof_add(proof_out *p, const tree_ctx *t, uint64_t start,
                     uint64_t size)
{
	if (p->n >= SP_STORE_PROOF_MAX)
		return SP_ERR_INTERNAL;
	return subtree_hash(t, start, size, p->path[p->n++]);
}

/* RFC 9162 §2.1.3.1 PATH(m, D[start : start + size]), deepest first. */
static int inclusion_rec(const tree_ctx *t, uint64_t start, uint64_t size,
                         uint64_t m, proof_out *p)
{
	uint64_t k;
	int err;

	if (size <= 1)
		return SP_OK;
	k = split_point(size);
	if (m < k) {
		if ((err = inclusion_rec(t, start, k, m, p)))
			return err;
		return proof_add(p, t, start + k, size - k);
	}
	if ((err = inclusion_rec(t, start + k, size - k, m - k, p)))
		return err;
	return proof_add(p, t, start, k);
}

int sp_store_inclusion_proof(sp_store_reader *r, const char *origin,
                             uint64_t index, uint64_t size,
                             uint8_t path[SP_STORE_PROOF_MAX][32],
                             size_t *path_len)
{
	tree_ctx t;
	uint64_t have = 0;
	proof_out p = {path, 0};
	int err;

	if (!path || !path_len)
		return SP_ERR_INVALID_ARGUMENT;
	*path_len = 0;
	if ((err = tree_open(r, origin, &t, &have)))
		return err;
	if (size > have || index >= size)
		return SP_ERR_INVALID_ARGUMENT;
	if ((err = inclusion_rec(&t, 0, size, index, &p)))
		return err;
	*path_len = p.n;
	return SP_OK;
}

/* RFC 9162 §2.1.4.1 SUBPROOF(m, D[start : start + size], whole). */
static int consistency_rec(const tree_ctx *t, uint64_t start, uint64_t size,
                           uint64_t m, int whole, proof_out *p)
{
	uint64_t k;
	int err;

	if (m == size)
		return whole ? SP_OK : proof_add(p, t, start, size);
	k = split_point(size);
	if (m <= k) {
		if ((err = consistency_rec(t, start, k, m, whole, p)))
			return err;
		return proof_add(p, t, start + k, size - k);
	}
	if ((err = consistency_rec(t, start + k, size - k, m - k, 0, p)))
		return err;
	return proof_add(p, t, start, k);
}

int sp_store_consistency_proof(sp_store_reader *r, const char *origin,
                               uint64_t m, uint64_t n,
                               uint8_t path[SP_STORE_PROOF_MAX][32],
                               size_t *path_len)
{
	tree_ctx t;
	uint64_t have = 0;
	proof_out p = {path, 0};
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
	if ((err = consistency_rec(&t, 0, n, m, 1, &p)))
		return err;
	*path_len = p.n;
	return SP_OK;
}
