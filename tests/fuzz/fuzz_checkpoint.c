/* fuzz_checkpoint.c: libFuzzer target for checkpoints and cosignatures as a
 * witness receives them from GET /v1/logs/{origin}/checkpoint (SPEC 9.3,
 * 9.4): the origin's note signature, the checkpoint body, the copy the node
 * keeps and serves (only the origin's lines), its cosignature and the
 * verification of cosignatures, in the order the witness runs them
 * (peers/fed/fed_witness.c).
 *
 * A note whose body parses as a checkpoint is also signed by the origin
 * key and run again, so that mutated bodies reach the steps after the
 * signature check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_keys.h"
#include "fed_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sp_note_signer *origin_key, *witness_key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_trust_init() != SP_OK)
		abort();
	origin_key = fz_signer(FZ_ORIGIN_NAME, fz_origin_pem);
	witness_key = fz_signer(FZ_WITNESS_NAME, fz_witness_pem);
	return 0;
}

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_checkpoint: %s (%s)\n", what,
	        why != NULL ? why : "-");
	abort();
}

/* The witness's steps after the origin's signature verified. */
static void witness(const char *note, size_t len, size_t text_len,
                    const sp_checkpoint *cp)
{
	const char *why = NULL;
	char *keep = NULL, *line = NULL, *both = NULL;
	size_t kl, ll;
	int64_t t = 0;

	if (strcmp(cp->origin, FZ_ORIGIN_NAME) != 0)
		return; /* refused: not the LogKey's name */
	keep = sp_peers__origin_lines(note, len, text_len, FZ_ORIGIN_NAME);
	if (keep == NULL)
		fail("a verified note kept no origin line", NULL);
	kl = strlen(keep);
	/* What the node keeps is what it serves: it must still verify. */
	if (sp_note_verify(sp_note_signer_vkey(origin_key), keep, kl, NULL,
	                   &why) != SP_OK)
		fail("the kept copy of a verified note does not verify", why);
	if (sp_note_cosign(witness_key, keep, kl, 1700000000, &line, &why) !=
	    SP_OK)
		fail("cannot cosign a verified checkpoint", why);
	ll = strlen(line);
	if (sp_note_verify_cosignature(sp_note_cosigner_vkey(witness_key), keep,
	                               kl, line, ll, &t, &why) != SP_OK ||
	    t != 1700000000)
		fail("own cosignature does not verify", why);
	/* Served with the cosignature appended (LOG-26). */
	if ((both = malloc(kl + ll + 1)) == NULL)
		abort();
	memcpy(both, keep, kl);
	memcpy(both + kl, line, ll + 1);
	if (sp_note_verify_cosignature(sp_note_cosigner_vkey(witness_key), both,
	                               kl + ll, NULL, 0, NULL, &why) != SP_OK)
		fail("own cosignature in the note does not verify", why);
	if (sp_note_verify(sp_note_signer_vkey(origin_key), both, kl + ll, NULL,
	                   &why) != SP_OK)
		fail("a cosigned note no longer verifies", why);
	free(both);
	free(line);
	free(keep);
}

static void one(const char *note, size_t len, int signed_here)
{
	sp_checkpoint cp;
	const char *why = NULL;
	size_t text_len = 0, body_len = 0;
	int vr, pr;

	pr = sp_checkpoint_parse(note, len, &cp, &body_len, &why);
	if (pr == SP_OK) {
		size_t ol = strnlen(cp.origin, sizeof(cp.origin));
		if (ol == 0 || ol >= sizeof(cp.origin) || body_len == 0 ||
		    body_len > len || note[body_len - 1] != '\n')
			fail("a parsed checkpoint breaks its bounds", NULL);
	} else if (pr != SP_ERR_CHECKPOINT_INVALID && pr != SP_ERR_TOO_LARGE) {
		fail("unexpected error from the checkpoint parser",
		     sp_strerror(pr));
	}
	vr = sp_note_verify(sp_note_signer_vkey(origin_key), note, len,
	                    &text_len, &why);
	if (signed_here && vr != SP_OK)
		fail("own signature does not verify", why);
	/* Cosignatures that arrive with a served note. */
	(void)sp_note_verify_cosignature(sp_note_cosigner_vkey(witness_key),
	                                 note, len, NULL, 0, NULL, &why);
	if (vr != SP_OK || pr != SP_OK)
		return;
	/* The signed text and the checkpoint body are one and the same. */
	if (text_len != body_len)
		fail("signed text and checkpoint body differ", NULL);
	witness(note, len, text_len, &cp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_checkpoint cp;
	size_t body_len = 0;
	const char *why = NULL;
	char *s = NULL;

	one((const char *)data, size, 0);
	/* Sign the body as the origin and go again. */
	if (sp_checkpoint_parse((const char *)data, size, &cp, &body_len,
	                        &why) != SP_OK)
		return 0;
	if (sp_note_sign(origin_key, (const char *)data, body_len, &s, &why) ==
	    SP_OK) {
		one(s, strlen(s), 1);
		free(s);
	}
	return 0;
}
