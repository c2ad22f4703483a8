/* merkle.c: RFC 9162 Merkle tree hashing, proof generation and verification. */
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* SHA-256(prefix || a || b); prefix < 0 means no prefix byte. */
static int hash_parts(int prefix, const uint8_t *a, size_t alen,
                      const uint8_t *b, size_t blen, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int olen = 0;
	uint8_t p = (uint8_t)(prefix & 0xff);
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	if (ok && prefix >= 0)
		ok = EVP_DigestUpdate(ctx, &p, 1) == 1;
	if (ok && alen > 0)
		ok = EVP_DigestUpdate(ctx, a, alen) == 1;
	if (ok && blen > 0)
		ok = EVP_DigestUpdate(ctx, b, blen) == 1;
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &olen) == 1 && olen == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? SP_OK : SP_ERR_INTERNAL;
}

static int node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	return hash_parts(1, l, 32, r, 32, out);
}

/* A hash that cannot be computed (allocation failure inside OpenSSL) must
 * never turn into a wrong value that is later signed or compared: the void
 * entry points stop the process instead. */
static void hash_failed(void)
{
	fputs("silkport: SHA-256 failed (out of memory?)\n", stderr);
	abort();
}

void sp_merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[32])
{
	if (hash_parts(0, data, data != NULL ? len : 0, NULL, 0, out) != SP_OK)
		hash_failed();
}

void sp_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
                         uint8_t out[32])
{
	if (node_hash(left, right, out) != SP_OK)
		hash_failed();
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

/* MTH(D[0:n]) over leaf hashes, n >= 1. Recursion depth is at most 64. */
static int mth(const uint8_t (*d)[32], uint64_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	uint64_t k;
	int rc;

	if (n == 1) {
		memcpy(out, d[0], 32);
		return SP_OK;
	}
	k = split_point(n);
	if ((rc = mth(d, k, l)) != SP_OK)
		return rc;
	if ((rc = mth(d + k, n - k, r)) != SP_OK)
		return rc;
	return node_hash(l, r, out);
}

int sp_merkle_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32])
{
	if (out == NULL || (leaves == NULL && n > 0))
		return SP_ERR_INVALID_ARGUMENT;
	if (n == 0)
		return hash_parts(-1, NULL, 0, NULL, 0, out);
	return mth(leaves, n, out);
}

/* Output of proof generation: a bounded list of hashes, each the MTH of a
 * subtree as the caller's callback computes it. */
typedef struct path_out {
	sp_merkle_subtree_fn hash;
	void *ctx;
	uint8_t (*hashes)[32];
	size_t max;
	size_t len;
} path_out;

static int path_append(path_out *po, uint64_t start, uint64_t size)
{
	int rc;

	if (po->len >= po->max)
		return SP_ERR_TOO_LARGE;
	if ((rc = po->hash(po->ctx, start, size, po->hashes[po->len])) != SP_OK)
		return rc;
	po->len++;
	return SP_OK;
}

/* PATH(m, D[start : start + n]) of RFC 9162 §2.1.3.1, deepest first. */
static int inclusion_rec(path_out *po, uint64_t start, uint64_t n, uint64_t m)
{
	uint64_t k;
	int rc;

	if (n <= 1)
		return SP_OK;
	k = split_point(n);
	if (m < k) {
		if ((rc = inclusion_rec(po, start, k, m)) != SP_OK)
			return rc;
		return path_append(po, start + k, n - k);
	}
	if ((rc = inclusion_rec(po, start + k, n - k, m - k)) != SP_OK)
		return rc;
	return path_append(po, start, k);
}

/* SUBPROOF(m, D[start : start + n], b) of RFC 9162 §2.1.4.1. */
static int subproof_rec(path_out *po, uint64_t start, uint64_t n, uint64_t m,
                        int whole)
{
	uint64_t k;
	int rc;

	if (m == n)
		return whole ? SP_OK : path_append(po, start, n);
	k = split_point(n);
	if (m <= k) {
		if ((rc = subproof_rec(po, start, k, m, whole)) != SP_OK)
			return rc;
		return path_append(po, start + k, n - k);
	}
	if ((rc = subproof_rec(po, start + k, n - k, m - k, 0)) != SP_OK)
		return rc;
	return path_append(po, start, k);
}

int sp_merkle_inclusion_path_fn(sp_merkle_subtree_fn hash, void *ctx,
                                uint64_t n, uint64_t index, uint8_t (*path)[32],
                                size_t max, size_t *path_len)
{
	path_out po = {hash, ctx, path, max, 0};
	int rc;

	if (path_len != NULL)
		*path_len = 0;
	if (hash == NULL || path_len == NULL || index >= n ||
	    (path == NULL && max > 0))
		return SP_ERR_INVALID_ARGUMENT;
	rc = inclusion_rec(&po, 0, n, index);
	if (rc == SP_OK)
		*path_len = po.len;
	return rc;
}

int sp_merkle_consistency_path_fn(sp_merkle_subtree_fn hash, void *ctx,
                                  uint64_t n, uint64_t m, uint8_t (*path)[32],
                                  size_t max, size_t *path_len)
{
	path_out po = {hash, ctx, path, max, 0};
	int rc;

	if (path_len != NULL)
		*path_len = 0;
	if (hash == NULL || path_len == NULL || m > n ||
	    (path == NULL && max > 0))
		return SP_ERR_INVALID_ARGUMENT;
	if (m == 0 || m == n)
		return SP_OK;
	rc = subproof_rec(&po, 0, n, m, 1);
	if (rc == SP_OK)
		*path_len = po.len;
	return rc;
}

/* The subtree callback over an in-memory array of leaf hashes. */
static int array_subtree(void *ctx, uint64_t start, uint64_t size,
                         uint8_t out[32])
{
	const uint8_t(*leaves)[32] = ctx;

	return mth(leaves + start, size, out) == SP_OK ? SP_OK
	                                               : SP_ERR_INTERNAL;
}

int sp_merkle_inclusion_path(const uint8_t (*leaves)[32], uint64_t n,
                             uint64_t index, uint8_t (*path)[32], size_t max,
                             size_t *path_len)
{
	if (path_len != NULL)
		*path_len = 0;
	if (leaves == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	/* the callback only reads the leaves */
	return sp_merkle_inclusion_path_fn(array_subtree,
	                                   (void *)(uintptr_t)leaves, n, index,
	                                   path, max, path_len);
}

int sp_merkle_consistency_path(const uint8_t (*leaves)[32], uint64_t n,
                               uint64_t m, uint8_t (*path)[32], size_t max,
                               size_t *path_len)
{
	if (path_len != NULL)
		*path_len = 0;
	if (leaves == NULL && n > 0)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_merkle_consistency_path_fn(array_subtree,
	                                     (void *)(uintptr_t)leaves, n, m,
	                                     path, max, path_len);
}

static int hash_equal(const uint8_t a[32], const uint8_t b[32])
{
	return CRYPTO_memcmp(a, b, 32) == 0;
}

int sp_merkle_verify_inclusion(uint64_t index, uint64_t size,
                               const uint8_t leaf_hash[32],
                               const uint8_t (*path)[32], size_t path_len,
                               const uint8_t root[32])
{
	uint64_t fn, sn;
	uint8_t r[32];
	size_t i;

	if (leaf_hash == NULL || root == NULL || (path == NULL && path_len > 0))
		return SP_ERR_PROOF_INVALID;
	if (index >= size || path_len > SP_MERKLE_MAX_PATH)
		return SP_ERR_PROOF_INVALID;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, 32);
	for (i = 0; i < path_len; i++) {
		if (sn == 0)
			return SP_ERR_PROOF_INVALID;
		if ((fn & 1) || fn == sn) {
			if (node_hash(path[i], r, r) != SP_OK)
				return SP_ERR_INTERNAL;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if (node_hash(r, path[i], r) != SP_OK)
				return SP_ERR_INTERNAL;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !hash_equal(r, root))
		return SP_ERR_PROOF_INVALID;
	return SP_OK;
}

int sp_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                 const uint8_t root1[32],
                                 const uint8_t root2[32],
                                 const uint8_t (*path)[32], size_t path_len)
{
	uint8_t fr[32], sr[32];
	uint64_t fn, sn;
	size_t i, start;

	if (root1 == NULL || root2 == NULL || (path == NULL && path_len > 0))
		return SP_ERR_PROOF_INVALID;
	if (size1 > size2 || path_len > SP_MERKLE_MAX_PATH)
		return SP_ERR_PROOF_INVALID;
	if (size1 == size2) {
		if (path_len != 0 || !hash_equal(root1, root2))
			return SP_ERR_PROOF_INVALID;
		return SP_OK;
	}
	if (size1 == 0) {
		uint8_t empty[32];

		if (path_len != 0)
			return SP_ERR_PROOF_INVALID;
		if (sp_merkle_root(NULL, 0, empty) != SP_OK)
			return SP_ERR_INTERNAL;
		return hash_equal(root1, empty) ? SP_OK : SP_ERR_PROOF_INVALID;
	}
	/* 0 < size1 < size2 from here: RFC 9162 §2.1.4.2. */
	if (path_len == 0)
		return SP_ERR_PROOF_INVALID;
	if ((size1 & (size1 - 1)) == 0) {
		/* size1 is a power of two: its root is the first path element.
		 */
		memcpy(fr, root1, 32);
		start = 0;
	} else {
		memcpy(fr, path[0], 32);
		start = 1;
	}
	memcpy(sr, fr, 32);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (i = start; i < path_len; i++) {
		if (sn == 0)
			return SP_ERR_PROOF_INVALID;
		if ((fn & 1) || fn == sn) {
			if (node_hash(path[i], fr, fr) != SP_OK ||
			    node_hash(path[i], sr, sr) != SP_OK)
				return SP_ERR_INTERNAL;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			if (node_hash(sr, path[i], sr) != SP_OK)
				return SP_ERR_INTERNAL;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !hash_equal(fr, root1) || !hash_equal(sr, root2))
		return SP_ERR_PROOF_INVALID;
	return SP_OK;
}
