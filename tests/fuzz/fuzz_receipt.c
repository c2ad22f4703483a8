/* fuzz_receipt.c: libFuzzer target for the receipts a sender gets back
 * from a recipient (SPEC 10.3): the Receipt reader and the verification a
 * sender runs on the response body (peers/fed/fed_deliver.c: sp_verify_receipt
 * against the recipient federation's trust list), against a test
 * federation made once at start-up.
 *
 * An unsigned receipt is also signed by the member named in Receiver and
 * verified, so that fuzzer-shaped receipts reach the steps after the
 * signature check; the fields a verified receipt yields must be the fields
 * that were signed. A receipt that reads is rebuilt and read again. Every
 * verification runs both ways, the canonical reader and libxml2 alone, and
 * aborts if they decide differently (verify_both.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit/trust/fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fx_fed F;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_trust_init() != SP_OK || fx_fed_setup(&F) != SP_OK) {
		fprintf(stderr,
		        "fuzz_receipt: cannot make the test federation\n");
		abort();
	}
	fx_rmtree(F.dir);
	return 0;
}

static void fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_receipt: %s (%s)\n", what,
	        why != NULL ? why : "-");
	abort();
}

/* Read without verification; 1 with *ri filled if the receipt reads. */
static int read_plain(const uint8_t *data, size_t size, sp_receipt_info *ri)
{
	sp_doc *doc = NULL;
	const char *why = NULL;
	int rc;

	if (sp_doc_parse(data, size, SP_DOC_RECEIPT, NULL, &doc, &why) != SP_OK)
		return 0;
	rc = sp_receipt_read(doc, ri, &why);
	sp_doc_free(doc);
	if (rc != SP_OK && why == NULL)
		fail("a refusal without a reason", sp_strerror(rc));
	return rc == SP_OK;
}

/* What reads must build again, and read back the same. */
static void rebuild(const sp_receipt_info *ri)
{
	sp_receipt_info again;
	uint8_t *b = NULL;
	size_t bl = 0;
	const char *why = NULL;

	if (sp_receipt_build(ri, &b, &bl, &why) != SP_OK)
		fail("a receipt that reads does not build", why);
	if (!read_plain(b, bl, &again) || !fx_receipt_same(ri, &again))
		fail("a rebuilt receipt reads differently", NULL);
	free(b);
}

/* The input with the text of its Received time replaced by a time inside
 * the fixture's signing windows, which start a day before the run: static
 * seeds would otherwise never verify. NULL if the text is not found. */
static uint8_t *move_received(const uint8_t *data, size_t size,
                              const sp_receipt_info *ri, int64_t to,
                              sp_receipt_info *moved)
{
	static const char tag[] = "<Received>";
	char from[SP_TIME_TEXT_MAX + sizeof(tag)], t[SP_TIME_TEXT_MAX];
	size_t fl, i;
	uint8_t *out;

	if (sp_time_format(ri->received, t) != SP_OK)
		return NULL;
	fl = (size_t)snprintf(from, sizeof(from), "%s%s", tag, t);
	for (i = 0; i + fl <= size && memcmp(data + i, from, fl) != 0; i++)
		;
	if (i + fl > size || sp_time_format(to, t) != SP_OK ||
	    strlen(t) != fl - strlen(tag) || (out = malloc(size)) == NULL)
		return NULL;
	memcpy(out, data, size);
	memcpy(out + i + strlen(tag), t, strlen(t));
	*moved = *ri;
	moved->received = to;
	return out;
}

static void self_sign(const uint8_t *data, size_t size,
                      const sp_receipt_info *plain)
{
	const sp_key *k = NULL;
	sp_verify_opts o;
	sp_receipt_info ri, got;
	uint8_t *m, *s = NULL;
	size_t sl = 0;
	const char *why = NULL;
	int rc;

	if (strcmp(plain->receiver, "CN-ZZ") == 0)
		k = F.m[FX_ZZ].sk;
	else if (strcmp(plain->receiver, "CN-HN") == 0)
		k = F.m[FX_HN].sk;
	if (k == NULL ||
	    (m = move_received(data, size, plain, F.now - 60, &ri)) == NULL)
		return;
	rc = sp_sign_document(k, m, size, &s, &sl, &why);
	free(m);
	if (rc != SP_OK)
		return;
	sp_verify_opts_default(&o);
	o.now = F.now;
	rc = fx_verify_receipt_both(F.trust, s, sl, &o, &got, &why, NULL);
	if (rc == SP_ERR_SIG_INVALID)
		fail("own signature on a receipt did not verify", why);
	if (rc == SP_OK && !fx_receipt_same(&ri, &got))
		fail("a verified receipt yields other fields than were signed",
		     NULL);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_verify_opts o;
	sp_receipt_info ri, plain;
	const char *why = NULL;
	int rc, reads;

	reads = read_plain(data, size, &plain);
	if (reads)
		rebuild(&plain);
	sp_verify_opts_default(&o);
	o.now = F.now;
	rc = fx_verify_receipt_both(F.trust, data, size, &o, &ri, &why, NULL);
	if (rc == SP_OK) {
		/* only an active member's key made it: the fixture signs with
		 * no other, and the fields are those of the bytes */
		if ((strcmp(ri.receiver, "CN-ZZ") != 0 &&
		     strcmp(ri.receiver, "CN-HN") != 0) ||
		    !reads || !fx_receipt_same(&ri, &plain))
			fail("a verified receipt that is not what it says",
			     NULL);
	} else if (rc >= 0 || why == NULL) {
		fail("a refusal without a reason", sp_strerror(rc));
	}
	if (rc == SP_ERR_SIG_MISSING && reads)
		self_sign(data, size, &plain);
	return 0;
}
