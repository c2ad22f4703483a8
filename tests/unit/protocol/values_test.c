/* values_test.c: node ids, UUIDs, RFC 3339 times, SHA-256 and CLI subjects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"
#include "protocol_int.h"

static void test_node_id(void **state)
{
	char long_id[80];

	(void)state;
	assert_true(sp_node_id_valid("CN-ZZ"));
	assert_true(sp_node_id_valid("KZ-KGS"));
	assert_true(sp_node_id_valid("0"));
	assert_true(sp_node_id_valid("CN-ZZ.port_1"));
	assert_false(sp_node_id_valid(""));
	assert_false(sp_node_id_valid(NULL));
	assert_false(sp_node_id_valid("cn-zz"));
	assert_false(sp_node_id_valid("-ZZ"));
	assert_false(sp_node_id_valid("CN ZZ"));
	assert_false(sp_node_id_valid("CN-ZZ "));
	assert_false(sp_node_id_valid("CN/ZZ"));
	assert_false(sp_node_id_valid("CN-郑州"));
	memset(long_id, 'A', 64);
	long_id[64] = '\0';
	assert_true(sp_node_id_valid(long_id));
	long_id[64] = 'A';
	long_id[65] = '\0';
	assert_false(sp_node_id_valid(long_id));
}

static void test_uuid(void **state)
{
	char a[SP_UUID_LEN + 1], b[SP_UUID_LEN + 1];

	(void)state;
	assert_int_equal(sp_uuid_v4(a), SP_OK);
	assert_int_equal(sp_uuid_v4(b), SP_OK);
	assert_int_equal(strlen(a), SP_UUID_LEN);
	assert_true(sp_uuid_valid(a));
	assert_true(sp_uuid_valid(b));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');
	assert_true(strchr("89ab", a[19]) != NULL);
	assert_true(sp_uuid_valid("0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b"));
	assert_false(sp_uuid_valid("0F8A3C1E-2B4D-4E6F-8A9B-0C1D2E3F4A5B"));
	assert_false(
	    sp_uuid_valid("0f8a3c1e-2b4d-1e6f-8a9b-0c1d2e3f4a5b")); /* v1 */
	assert_false(sp_uuid_valid(
	    "0f8a3c1e-2b4d-4e6f-ca9b-0c1d2e3f4a5b")); /* variant */
	assert_false(sp_uuid_valid("0f8a3c1e2b4d4e6f8a9b0c1d2e3f4a5b"));
	assert_false(sp_uuid_valid("0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b0"));
	assert_false(sp_uuid_valid("0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5"));
	assert_false(sp_uuid_valid(""));
	assert_false(sp_uuid_valid(NULL));
}

static void test_time(void **state)
{
	char out[SP_TIME_TEXT_MAX];
	int64_t t;

	(void)state;
	assert_int_equal(sp_time_format(0, out), SP_OK);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	assert_int_equal(sp_time_parse("2026-11-27T08:00:00Z", &t), SP_OK);
	assert_int_equal(t, 1795766400);
	assert_int_equal(sp_time_format(t, out), SP_OK);
	assert_string_equal(out, "2026-11-27T08:00:00Z");
	assert_int_equal(sp_time_parse("2000-02-29T23:59:59Z", &t), SP_OK);
	assert_int_equal(t, 951868799);
	assert_int_equal(sp_time_format(-1, out), SP_OK);
	assert_string_equal(out, "1969-12-31T23:59:59Z");
	assert_int_equal(sp_time_format(253402300799LL, out), SP_OK);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	assert_int_equal(sp_time_format(253402300800LL, out),
	                 SP_ERR_INVALID_ARGUMENT);
	/* Round trip over a spread of instants. */
	for (int64_t x = -86400LL * 365 * 50; x < 86400LL * 365 * 300;
	     x += 7777777) {
		int64_t back;
		assert_int_equal(sp_time_format(x, out), SP_OK);
		assert_int_equal(sp_time_parse(out, &back), SP_OK);
		assert_int_equal(back, x);
	}
	/* Everything the profile forbids. */
	const char *bad[] = {
	    "2026-11-27T08:00:00+08:00",
	    "2026-11-27T08:00:00.5Z",
	    "2026-11-27t08:00:00Z",
	    "2026-11-27T08:00:00z",
	    "2026-11-27 08:00:00Z",
	    "2026-11-27T08:00:00",
	    " 2026-11-27T08:00:00Z",
	    "2026-11-27T08:00:00Z ",
	    "2026-02-29T00:00:00Z",
	    "1900-02-29T00:00:00Z",
	    "2026-13-01T00:00:00Z",
	    "2026-00-01T00:00:00Z",
	    "2026-04-31T00:00:00Z",
	    "2026-11-27T24:00:00Z",
	    "2026-11-27T23:60:00Z",
	    "2026-11-27T23:59:60Z",
	    "0000-01-01T00:00:00Z",
	    "+026-11-27T08:00:00Z",
	    "2026-1-27T08:00:00Z",
	    "",
	    "2026-11-27",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 42;
		assert_int_equal(sp_time_parse(bad[i], &t), SP_ERR_FIELD);
		assert_int_equal(t, 0);
	}
	assert_int_equal(sp_time_parse(NULL, &t), SP_ERR_FIELD);
}

static void test_sha256(void **state)
{
	char hex[65];
	uint8_t d[32];

	(void)state;
	sp_sha256_hex((const uint8_t *)"", 0, hex);
	assert_string_equal(
	    hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sp_sha256_hex((const uint8_t *)"abc", 3, hex);
	assert_string_equal(
	    hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sp_sha256((const uint8_t *)"abc", 3, d);
	assert_int_equal(d[0], 0xba);
	assert_int_equal(d[31], 0xad);
}

static void test_base64(void **state)
{
	uint8_t *out = NULL;
	size_t len = 0;
	char *e;

	(void)state;
	e = sp_proto__b64_encode((const uint8_t *)"foobar", 6);
	assert_string_equal(e, "Zm9vYmFy");
	free(e);
	e = sp_proto__b64_encode((const uint8_t *)"fooba", 5);
	assert_string_equal(e, "Zm9vYmE=");
	free(e);
	e = sp_proto__b64_encode((const uint8_t *)"f", 1);
	assert_string_equal(e, "Zg==");
	free(e);
	assert_int_equal(sp_proto__b64_decode("Zm9v\n YmE=\n", 11, &out, &len),
	                 SP_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "fooba", 5);
	free(out);
	assert_int_equal(sp_proto__b64_decode("", 0, &out, &len), SP_OK);
	assert_int_equal(len, 0);
	free(out);
	assert_int_equal(sp_proto__b64_decode("Zm9", 3, &out, &len),
	                 SP_ERR_FIELD);
	assert_null(out);
	assert_int_equal(sp_proto__b64_decode("Zm=v", 4, &out, &len),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_proto__b64_decode("Zh==", 4, &out, &len),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_proto__b64_decode("Zg==Zg==", 8, &out, &len),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_proto__b64_decode("Zm9v!", 5, &out, &len),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_proto__b64_decode("=Zg=", 4, &out, &len),
	                 SP_ERR_FIELD);
}

/* The validator reads ASCII eight bytes at a time: every bad byte must be
 * found at every offset, inside a word and across the words' ends. */
static void test_utf8_every_offset(void **state)
{
	static const char *const bad[] = {
	    "\0", "\x80", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe9\x83"};
	uint8_t buf[40];
	size_t b, at, bl;

	(void)state;
	for (at = 0; at < 24; at++) {
		memset(buf, 'a', sizeof(buf));
		assert_true(sp_proto__utf8_valid(buf, sizeof(buf)));
		memcpy(buf + at, "\xe9\x83\x91", 3); /* U+90D1 */
		assert_true(sp_proto__utf8_valid(buf, sizeof(buf)));
		assert_false(sp_proto__utf8_valid(buf, at + 2)); /* cut */
		for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			memset(buf, 'a', sizeof(buf));
			bl = b == 0 ? 1 : strlen(bad[b]);
			memcpy(buf + at, bad[b], bl);
			assert_false(sp_proto__utf8_valid(buf, sizeof(buf)));
		}
	}
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(sp_proto__utf8_valid((const uint8_t *)"郑州 CN-ZZ",
	                                 strlen("郑州 CN-ZZ")));
	assert_false(sp_proto__utf8_valid((const uint8_t *)"a\0b", 3));
	assert_false(sp_proto__utf8_valid((const uint8_t *)"\xc0\xaf",
	                                  2)); /* overlong */
	assert_false(sp_proto__utf8_valid((const uint8_t *)"\xed\xa0\x80",
	                                  3)); /* surrogate */
	assert_false(
	    sp_proto__utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
	assert_false(
	    sp_proto__utf8_valid((const uint8_t *)"\xe9\x83", 2)); /* cut */
	assert_false(sp_proto__utf8_valid((const uint8_t *)"\xff", 1));
	assert_true(
	    sp_proto__utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 4));
}

static void test_subject_from_arg(void **state)
{
	sp_subject s;
	const char *why = NULL;
	char a1[] = "USCC=91410100MA44K7QX2P";
	char a2[] = "declaration=4604202611270000123";
	char a3[] = "WAYBILL=YT7712345678901";
	char a4[] = "enterprise=91410100MA44K7QX2P";
	char a5[] = "novalue=";
	char a6[] = "=x";
	char a7[] = "noequals";
	char a8[] = "US CC=1";
	char a9[] = "goods=1901101000";

	(void)state;
	assert_int_equal(sp_subject_from_arg(a1, &s, &why), SP_OK);
	assert_string_equal(s.kind, "Enterprise");
	assert_string_equal(s.scheme, "USCC");
	assert_string_equal(s.value, "91410100MA44K7QX2P");
	assert_int_equal(sp_subject_from_arg(a2, &s, &why), SP_OK);
	assert_string_equal(s.kind, "Declaration");
	assert_null(s.scheme);
	assert_string_equal(s.value, "4604202611270000123");
	assert_int_equal(sp_subject_from_arg(a3, &s, &why), SP_OK);
	assert_string_equal(s.kind, "Waybill");
	assert_int_equal(sp_subject_from_arg(a9, &s, &why), SP_OK);
	assert_string_equal(s.kind, "Goods");
	assert_null(s.scheme);
	assert_int_equal(sp_subject_from_arg(a4, &s, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_non_null(why);
	assert_int_equal(sp_subject_from_arg(a5, &s, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_subject_from_arg(a6, &s, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_subject_from_arg(a7, &s, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_int_equal(sp_subject_from_arg(a8, &s, &why),
	                 SP_ERR_INVALID_ARGUMENT);
}

static void test_registry(void **state)
{
	size_t n = 0;

	(void)state;
	for (const sp_record_type *t = sp_record_types(); t->code != NULL;
	     t++) {
		assert_ptr_equal(sp_record_type_find(t->code), t);
		assert_true(strlen(t->code) <= SP_TYPE_MAX);
		assert_non_null(t->body_element);
		assert_non_null(t->summary);
		n++;
	}
	assert_int_equal(n, 22);
	assert_string_equal(sp_record_type_find("negative-list")->body_element,
	                    "NegativeListEntry");
	assert_null(sp_record_type_find("Declaration"));
	assert_null(sp_record_type_find(""));
	assert_null(sp_record_type_find(NULL));
}

static void test_roles(void **state)
{
	sp_member_role r;
	sp_member_status s;

	(void)state;
	assert_int_equal(sp_role_parse("port-authority", &r), SP_OK);
	assert_int_equal(r, SP_ROLE_PORT_AUTHORITY);
	assert_string_equal(sp_role_name(SP_ROLE_AUDITOR), "auditor");
	assert_int_equal(sp_role_parse("Zone", &r), SP_ERR_FIELD);
	assert_int_equal(sp_status_parse("suspended", &s), SP_OK);
	assert_int_equal(s, SP_STATUS_SUSPENDED);
	assert_string_equal(sp_status_name(SP_STATUS_REVOKED), "revoked");
	assert_int_equal(sp_status_parse("active ", &s), SP_ERR_FIELD);
}

static void test_duration_text(void **state)
{
	char d[SP_DURATION_TEXT_MAX], w[SP_WHEN_TEXT_MAX];
	int64_t t;

	(void)state;
	sp_duration_text(0, d);
	assert_string_equal(d, "0 s");
	sp_duration_text(45, d);
	assert_string_equal(d, "45 s");
	sp_duration_text(180, d);
	assert_string_equal(d, "3 min");
	sp_duration_text(192, d);
	assert_string_equal(d, "3 min 12 s");
	sp_duration_text(3600 + 59, d); /* the two largest units only */
	assert_string_equal(d, "1 h");
	/* the example: a trust list valid for 364 d 23 h more */
	sp_duration_text(31535989, d);
	assert_string_equal(d, "364 d 23 h");
	sp_duration_text(-90, d);
	assert_string_equal(d, "-1 min 30 s");
	sp_duration_text(INT64_MIN, d);
	assert_true(d[0] == '-' && strstr(d, " d") != NULL);
	sp_duration_text(INT64_MAX, d);
	assert_non_null(strstr(d, " d "));

	assert_int_equal(sp_time_parse("2026-12-02T14:30:46Z", &t), SP_OK);
	sp_when_text(t, t + 180, w);
	assert_string_equal(w, "2026-12-02T14:30:46Z (3 min ago)");
	sp_when_text(t, t - 2 * 86400 - 4 * 3600, w);
	assert_string_equal(w, "2026-12-02T14:30:46Z (in 2 d 4 h)");
	sp_when_text(t, t, w);
	assert_string_equal(w, "2026-12-02T14:30:46Z (now)");
	sp_when_text(0, t, w);
	assert_string_equal(w, "never");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_node_id),
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_duration_text),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_utf8_every_offset),
	    cmocka_unit_test(test_subject_from_arg),
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
