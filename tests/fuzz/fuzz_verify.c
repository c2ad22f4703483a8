/* fuzz_verify.c: libFuzzer target for signed-record and receipt
 * verification against a test federation made once at start-up. Unsigned
 * record inputs are also signed by the member named in Origin and verified,
 * so that signing and verification are checked against each other on
 * fuzzer-shaped content. Every verification runs both ways, the canonical
 * reader and libxml2 alone, and aborts if they decide differently. */
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
		        "fuzz_verify: cannot make the test federation\n");
		abort();
	}
	/* Keys and the trust list are in memory now; nothing reads the
	 * directory again. */
	fx_rmtree(F.dir);
	return 0;
}

static void check_verified(int rc, sp_record *rec)
{
	if (rc != SP_OK) {
		if (rec != NULL || rc >= 0)
			abort();
		return;
	}
	/* Only an active member's key can have made an accepted signature,
	 * and the fixture never signs anything here but the two members. */
	if (rec == NULL)
		abort();
	if (strcmp(sp_record_origin(rec), "CN-ZZ") != 0 &&
	    strcmp(sp_record_origin(rec), "CN-HN") != 0)
		abort();
}

/* Sign an unsigned record as its Origin and verify it: the signature we
 * just made must never come back as signature-invalid. */
static void self_sign(const uint8_t *data, size_t size)
{
	sp_doc *doc = NULL;
	sp_record *r = NULL;
	const sp_key *k = NULL;
	uint8_t *s = NULL;
	size_t sl = 0;
	const char *why = NULL;
	sp_verify_opts o;
	int rc;

	if (sp_doc_parse(data, size, SP_DOC_RECORD, NULL, &doc, &why) != SP_OK)
		return;
	if (sp_record_read(doc, &r, &why) == SP_OK) {
		if (strcmp(sp_record_origin(r), "CN-ZZ") == 0)
			k = F.m[FX_ZZ].sk;
		else if (strcmp(sp_record_origin(r), "CN-HN") == 0)
			k = F.m[FX_HN].sk;
	}
	sp_doc_free(doc);
	doc = NULL;
	if (k == NULL)
		goto done;
	if (sp_sign_document(k, data, size, &s, &sl, &why) != SP_OK)
		goto done;
	sp_verify_opts_default(&o);
	o.now = sp_record_issued(r);
	sp_record_free(r);
	r = NULL;
	/* both ways, the canonical reader and libxml2, which must agree */
	rc = fx_verify_both(F.trust, s, sl, &o, &r, &why, NULL);
	if (rc == SP_ERR_SIG_INVALID) {
		fprintf(stderr,
		        "fuzz_verify: own signature did not verify: %s\n",
		        why != NULL ? why : "-");
		abort();
	}
	check_verified(rc, r);
done:
	sp_doc_free(doc);
	sp_record_free(r);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_verify_opts o;
	sp_record *rec = NULL;
	sp_receipt_info ri;
	const char *why = NULL;
	int rc;

	sp_verify_opts_default(&o);
	o.now = F.now;
	rc = fx_verify_both(F.trust, data, size, &o, &rec, &why, NULL);
	check_verified(rc, rec);
	sp_record_free(rec);
	(void)sp_verify_receipt(F.trust, data, size, &o, &ri, &why);
	if (rc == SP_ERR_SIG_MISSING)
		self_sign(data, size);
	return 0;
}
