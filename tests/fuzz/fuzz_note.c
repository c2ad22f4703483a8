/* fuzz_note.c: libFuzzer target for C2SP signed notes and verifier keys
 * (trust/note.c, SPEC 9.2..9.4): the note splitter, the signature-line
 * walk, key names and key ids, and the parser of verifier keys
 * ("name+hhhhhhhh+base64"), which reach a node in LogKey fields.
 *
 * Input: a verifier key line, a line feed, then a note. The note is
 * verified with that key, as a note and as a cosignature, and with the two
 * fixed keys; a valid note text is also signed and verified again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sp_note_signer *key_a, *key_b;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_trust_init() != SP_OK)
		abort();
	key_a = fz_signer(FZ_ORIGIN_NAME, fz_origin_pem);
	key_b = fz_signer(FZ_WITNESS_NAME, fz_witness_pem);
	return 0;
}

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_note: %s (%s)\n", what, why != NULL ? why : "-");
	abort();
}

static void verify_all(const char *vk, const char *note, size_t len)
{
	const char *why = NULL;
	size_t tl = 0;
	int rc;

	rc = sp_note_verify(vk, note, len, &tl, &why);
	if (rc == SP_OK && (tl == 0 || tl + 2 > len || note[tl - 1] != '\n' ||
	                    note[tl] != '\n'))
		fail("a verified note's text length is off", NULL);
	if (rc > 0 || (rc != SP_OK && why == NULL))
		fail("a refusal without a reason", sp_strerror(rc));
	(void)sp_note_verify_cosignature(vk, note, len, NULL, 0, NULL, &why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	char *vk = NULL, *s = NULL;
	const char *note, *why = NULL;
	size_t vl, len, text_len;

	if (nl == NULL)
		return 0;
	vl = (size_t)(nl - (const char *)data);
	if ((vk = malloc(vl + 1)) == NULL)
		abort();
	memcpy(vk, data, vl);
	vk[vl] = '\0';
	note = nl + 1;
	len = size - vl - 1;

	verify_all(vk, note, len);
	verify_all(sp_note_signer_vkey(key_a), note, len);
	verify_all(sp_note_cosigner_vkey(key_b), note, len);

	/* Sign the note's text (up to its blank line, or all of it) with
	 * key A: a signature made here must verify, over exactly that text. */
	for (text_len = 0; text_len + 1 < len; text_len++)
		if (note[text_len] == '\n' && note[text_len + 1] == '\n')
			break;
	text_len = text_len + 1 < len ? text_len + 1 : len;
	if (sp_note_sign(key_a, note, text_len, &s, &why) == SP_OK) {
		size_t tl = 0;
		if (sp_note_verify(sp_note_signer_vkey(key_a), s, strlen(s),
		                   &tl, &why) != SP_OK ||
		    tl != text_len || memcmp(s, note, text_len) != 0)
			fail("own signature does not verify", why);
		verify_all(vk, s, strlen(s));
		free(s);
	}
	free(vk);
	return 0;
}
