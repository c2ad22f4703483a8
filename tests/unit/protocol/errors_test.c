/* errors_test.c: sp_err names are unique, stable and round-trip; HTTP statuses
 * are sensible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"

static const int all_errs[] = {
    SP_OK,
    SP_ERR_NOMEM,
    SP_ERR_INTERNAL,
    SP_ERR_IO,
    SP_ERR_INVALID_ARGUMENT,
    SP_ERR_NOT_FOUND,
    SP_ERR_TOO_LARGE,
    SP_ERR_TOO_DEEP,
    SP_ERR_TOO_MANY_ELEMENTS,
    SP_ERR_NOT_WELL_FORMED,
    SP_ERR_ENCODING,
    SP_ERR_DOCTYPE,
    SP_ERR_SCHEMA,
    SP_ERR_WRONG_DOCUMENT,
    SP_ERR_XML_ID,
    SP_ERR_FIELD,
    SP_ERR_ATTACHMENT_DIGEST,
    SP_ERR_TYPE_MISMATCH,
    SP_ERR_PROCESSING_INSTRUCTION,
    SP_ERR_SIG_MISSING,
    SP_ERR_SIG_PROFILE,
    SP_ERR_SIG_ALGORITHM,
    SP_ERR_SIG_INVALID,
    SP_ERR_KEY_WEAK,
    SP_ERR_UNKNOWN_ORIGIN,
    SP_ERR_SIGNER_REVOKED,
    SP_ERR_SIGNER_SUSPENDED,
    SP_ERR_SIGNER_EXPIRED,
    SP_ERR_ISSUED_IN_FUTURE,
    SP_ERR_TRUST_LIST_ROLLBACK,
    SP_ERR_TRUST_LIST_EXPIRED,
    SP_ERR_UNTRUSTED_ANCHOR,
    SP_ERR_CERT_INVALID,
    SP_ERR_WRONG_FEDERATION,
    SP_ERR_UNAUTHENTICATED,
    SP_ERR_FORBIDDEN,
    SP_ERR_EQUIVOCATION,
    SP_ERR_METHOD,
    SP_ERR_MEDIA_TYPE,
    SP_ERR_OVERLOADED,
    SP_ERR_NOT_RECIPIENT,
    SP_ERR_BAD_REQUEST,
    SP_ERR_UNAVAILABLE,
    SP_ERR_PROOF_INVALID,
    SP_ERR_CHECKPOINT_INVALID,
    SP_ERR_RECORD_ID_AMBIGUOUS,
    SP_ERR_REVOCATION_REVERSED,
    SP_ERR_NON_CANONICAL,
    SP_ERR_REQUEST_SIGNER,
    SP_ERR_KEY_UNPROVEN,
    SP_ERR_MEMBER_EXISTS,
    SP_ERR_REQUEST_EXPIRED,
    SP_ERR_ISSUED_MISMATCH,
    SP_ERR_VALIDITY_TOO_LONG,
    SP_ERR_TRUST_LIST_STALE,
    SP_ERR_TIMESTAMP_INVALID,
    SP_ERR_INDEX_INVALID,
    SP_ERR_THRESHOLD_NOT_MET,
    SP_ERR_TRUST_LIST_FORK,
    SP_ERR_LIST_NOT_WITNESSED,
    SP_ERR_LIST_EQUIVOCATION,
};
#define N_ERRS (sizeof(all_errs) / sizeof(all_errs[0]))

static void test_names_unique_and_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ERRS; i++) {
		const char *n = sp_strerror(all_errs[i]);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown-error");
		/* Names are URI-safe: lowercase letters, digits, '-'. */
		for (const char *p = n; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') ||
			            (*p >= '0' && *p <= '9') || *p == '-');
		assert_int_equal(sp_err_from_name(n), all_errs[i]);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(n, sp_strerror(all_errs[k]));
	}
}

static void test_known_names(void **state)
{
	(void)state;
	assert_string_equal(sp_strerror(SP_ERR_SIG_INVALID),
	                    "signature-invalid");
	assert_string_equal(sp_strerror(SP_ERR_ENCODING), "encoding-invalid");
	assert_string_equal(sp_strerror(SP_ERR_DOCTYPE), "doctype-forbidden");
	assert_string_equal(sp_strerror(SP_ERR_NOMEM), "out-of-memory");
	assert_string_equal(sp_strerror(SP_ERR_SIGNER_EXPIRED),
	                    "signer-expired");
	assert_string_equal(sp_strerror(SP_ERR_NON_CANONICAL), "non-canonical");
	assert_string_equal(sp_strerror(SP_ERR_INDEX_INVALID), "index-invalid");
	assert_string_equal(sp_strerror(-9999), "unknown-error");
	assert_string_equal(sp_strerror(5), "unknown-error");
	assert_int_equal(sp_err_from_name("no-such-error"), SP_ERR_INTERNAL);
	assert_int_equal(sp_err_from_name(NULL), SP_ERR_INTERNAL);
	assert_int_equal(sp_err_from_name("unknown-error"), SP_ERR_INTERNAL);
}

static void test_statuses(void **state)
{
	(void)state;
	assert_int_equal(sp_err_http_status(SP_ERR_TOO_LARGE), 413);
	assert_int_equal(sp_err_http_status(SP_ERR_UNAUTHENTICATED), 401);
	assert_int_equal(sp_err_http_status(SP_ERR_FORBIDDEN), 403);
	assert_int_equal(sp_err_http_status(SP_ERR_NOT_FOUND), 404);
	assert_int_equal(sp_err_http_status(SP_ERR_METHOD), 405);
	assert_int_equal(sp_err_http_status(SP_ERR_EQUIVOCATION), 409);
	assert_int_equal(sp_err_http_status(SP_ERR_LIST_EQUIVOCATION), 409);
	assert_int_equal(sp_err_http_status(SP_ERR_LIST_NOT_WITNESSED), 422);
	assert_int_equal(sp_err_http_status(SP_ERR_MEDIA_TYPE), 415);
	assert_int_equal(sp_err_http_status(SP_ERR_SCHEMA), 422);
	assert_int_equal(sp_err_http_status(SP_ERR_SIG_INVALID), 422);
	assert_int_equal(sp_err_http_status(SP_ERR_NOT_WELL_FORMED), 400);
	assert_int_equal(sp_err_http_status(SP_ERR_NON_CANONICAL), 400);
	assert_int_equal(sp_err_http_status(SP_ERR_OVERLOADED), 503);
	assert_int_equal(sp_err_http_status(SP_ERR_INTERNAL), 500);
	assert_int_equal(sp_err_http_status(-9999), 500);
	for (size_t i = 1; i < N_ERRS; i++) {
		int s = sp_err_http_status(all_errs[i]);
		assert_true(s >= 400 && s <= 599);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_unique_and_round_trip),
	    cmocka_unit_test(test_known_names),
	    cmocka_unit_test(test_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
