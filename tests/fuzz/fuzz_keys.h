/* fuzz_keys.h: two fixed Ed25519 log keys for the checkpoint and note fuzz
 * targets and for gen_seeds, which signs their seed corpus with them, so
 * that the seeds' signatures verify and the fuzzer starts past them. They
 * are throw-away test keys made for this purpose: never use them
 * elsewhere. Header-only: static functions. */
#ifndef SP_TESTS_FUZZ_KEYS_H
#define SP_TESTS_FUZZ_KEYS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"

/* The origin whose checkpoints are fuzzed, and a witness that cosigns. */
#define FZ_ORIGIN_NAME  "silkport/0sp-test/CN-ZZ"
#define FZ_WITNESS_NAME "silkport/0sp-test/CN-HN"

static const char fz_origin_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIPBs7KNdU6rrhhUHLjZo4k9CWPcuHJiFR/ijB7OMEsDT\n"
    "-----END PRIVATE KEY-----\n";
static const char fz_witness_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJRltnKKhIc3LFIasES2sOVAj8U8ed3/jLoabYo6DYel\n"
    "-----END PRIVATE KEY-----\n";

/* Load a note signer from PEM text through a temporary file (the loader
 * reads files only); aborts on failure, since a target cannot run without. */
static inline sp_note_signer *fz_signer(const char *name, const char *pem)
{
	char path[] = "/tmp/sp-fuzz-key-XXXXXX";
	sp_note_signer *s = NULL;
	const char *why = NULL;
	int fd = mkstemp(path);
	size_t len = strlen(pem);

	if (fd < 0 || write(fd, pem, len) != (ssize_t)len) {
		fprintf(stderr, "fuzz: cannot write a temporary key file\n");
		abort();
	}
	close(fd);
	if (sp_note_signer_load(name, path, &s, &why) != SP_OK) {
		fprintf(stderr, "fuzz: cannot load the note key %s: %s\n", name,
		        why != NULL ? why : "-");
		unlink(path);
		abort();
	}
	unlink(path);
	return s;
}

#endif /* SP_TESTS_FUZZ_KEYS_H */
