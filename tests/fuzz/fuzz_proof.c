/* fuzz_proof.c: libFuzzer target for inclusion and consistency proofs as a
 * node reads them from a peer (SPEC 9.5, LOG-28..32): the strict text
 * parser, then RFC 9162 verification against a real log of TREE leaves
 * made at start-up, as catch-up (inclusion) and witnessing (consistency) do.
 *
 * Checked on every input: a parsed proof formats back to the same bytes
 * (the text form is canonical), and a proof verifies against the real
 * roots exactly when its hashes are the real path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TREE 70 /* odd sizes, powers of two and a few levels */

static uint8_t leaves[TREE][32];
static uint8_t roots[TREE + 1][32]; /* roots[n]: the tree of the first n */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_protocol_init() != SP_OK)
		abort();
	for (size_t i = 0; i < TREE; i++) {
		char rec[32];
		int n = snprintf(rec, sizeof(rec), "record %zu", i);

		sp_merkle_leaf_hash((const uint8_t *)rec, (size_t)n, leaves[i]);
	}
	for (size_t n = 0; n <= TREE; n++)
		if (sp_merkle_root((const uint8_t(*)[32])leaves, n, roots[n]) !=
		    SP_OK)
			abort();
	return 0;
}

static int same_path(const sp_proof *p, uint8_t (*want)[32], size_t n)
{
	return p->n_hashes == n &&
	       (n == 0 || memcmp(p->hashes, want, n * 32) == 0);
}

static void check_against_tree(const sp_proof *p)
{
	uint8_t want[SP_MERKLE_MAX_PATH][32];
	size_t n = 0;
	int rc, real;

	if (p->kind == SP_PROOF_INCLUSION) {
		if (p->size > TREE) {
			/* beyond the real log: exercise the walk only */
			(void)sp_merkle_verify_inclusion(
			    p->index, p->size, leaves[0],
			    (const uint8_t(*)[32])p->hashes, p->n_hashes,
			    roots[TREE]);
			return;
		}
		if (sp_merkle_inclusion_path((const uint8_t(*)[32])leaves,
		                             p->size, p->index, want,
		                             SP_MERKLE_MAX_PATH, &n) != SP_OK)
			abort();
		rc = sp_merkle_verify_inclusion(p->index, p->size,
		                                leaves[p->index],
		                                (const uint8_t(*)[32])p->hashes,
		                                p->n_hashes, roots[p->size]);
	} else {
		if (p->size > TREE) {
			(void)sp_merkle_verify_consistency(
			    p->old_size, p->size, roots[0], roots[TREE],
			    (const uint8_t(*)[32])p->hashes, p->n_hashes);
			return;
		}
		if (sp_merkle_consistency_path((const uint8_t(*)[32])leaves,
		                               p->size, p->old_size, want,
		                               SP_MERKLE_MAX_PATH, &n) != SP_OK)
			abort();
		rc = sp_merkle_verify_consistency(
		    p->old_size, p->size, roots[p->old_size], roots[p->size],
		    (const uint8_t(*)[32])p->hashes, p->n_hashes);
	}
	real = same_path(p, want, n);
	if (rc != SP_OK && rc != SP_ERR_PROOF_INVALID)
		abort();
	if ((rc == SP_OK) != real) {
		fprintf(stderr,
		        "fuzz_proof: %s proof (%llu, %llu) %s but is %sthe "
		        "real path\n",
		        p->kind == SP_PROOF_INCLUSION ? "inclusion"
		                                      : "consistency",
		        (unsigned long long)(p->kind == SP_PROOF_INCLUSION
		                                 ? p->index
		                                 : p->old_size),
		        (unsigned long long)p->size,
		        rc == SP_OK ? "verifies" : "does not verify",
		        real ? "" : "not ");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_proof p;
	const char *why = NULL;
	char *text = NULL;
	size_t tl = 0;
	int rc = sp_proof_parse((const char *)data, size, &p, &why);

	if (rc != SP_OK) {
		if ((rc != SP_ERR_PROOF_INVALID && rc != SP_ERR_TOO_LARGE) ||
		    why == NULL)
			abort();
		return 0;
	}
	if (p.n_hashes > SP_MERKLE_MAX_PATH ||
	    (p.kind == SP_PROOF_INCLUSION ? p.index >= p.size
	                                  : p.old_size > p.size))
		abort();
	if (sp_proof_format(&p, &text, &tl) != SP_OK || tl != size ||
	    memcmp(text, data, size) != 0) {
		fprintf(stderr, "fuzz_proof: a parsed proof does not format "
		                "back to its text\n");
		abort();
	}
	free(text);
	check_against_tree(&p);
	return 0;
}
