/* checkpoint_test.c: strict base64, checkpoint bodies, cosigned message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"

#define ROOT_B64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static void test_base64_vectors(void **state)
{
	/* RFC 4648 §10 */
	static const char *plain[] = {"",     "f",     "fo",    "foo",
	                              "foob", "fooba", "foobar"};
	static const char *enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
	                            "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];
	uint8_t dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < 7; i++) {
		size_t pl = strlen(plain[i]);
		assert_int_equal(sp_b64_encode((const uint8_t *)plain[i], pl,
		                               out, sizeof(out)),
		                 strlen(enc[i]));
		assert_string_equal(out, enc[i]);
		n = 99;
		assert_int_equal(
		    sp_b64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &n),
		    SP_OK);
		assert_int_equal(n, pl);
		assert_memory_equal(dec, plain[i], pl);
	}
	/* Every byte value survives. */
	{
		uint8_t all[256], back[256];
		char txt[400];
		for (i = 0; i < 256; i++)
			all[i] = (uint8_t)i;
		n = sp_b64_encode(all, 256, txt, sizeof(txt));
		assert_int_equal(n, 344);
		assert_int_equal(sp_b64_decode(txt, n, back, sizeof(back), &n),
		                 SP_OK);
		assert_int_equal(n, 256);
		assert_memory_equal(all, back, 256);
	}
	/* Output buffer too small: 4 bytes of text plus the NUL. */
	assert_int_equal(sp_b64_encode((const uint8_t *)"f", 1, out, 4), 0);
	assert_int_equal(sp_b64_encode((const uint8_t *)"f", 1, out, 5), 4);
	assert_int_equal(sp_b64_decode("Zm9vYmFy", 8, dec, 5, &n),
	                 SP_ERR_TOO_LARGE);
	assert_int_equal(n, 0);
}

static void test_base64_strict(void **state)
{
	static const char *bad[] = {
	    "Zg=",              /* not a multiple of 4 */
	    "Zg",               /* unpadded */
	    "Zh==",             /* non-zero pad bits */
	    "Zm9=",             /* non-zero pad bits */
	    "Z===",             /* too much padding */
	    "====", "Zg==Zg==", /* padding inside */
	    "Z=g=", " Zg=",      "Zg==\n", "Zm9v\n", "Zm-v", /* URL alphabet */
	    "Zm_v", "Zm9v Zm9v",
	};
	uint8_t dec[16];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		assert_int_equal(
		    sp_b64_decode(bad[i], strlen(bad[i]), dec, sizeof(dec), &n),
		    SP_ERR_FIELD);
		assert_int_equal(n, 0);
	}
}

static void test_origin(void **state)
{
	char out[SP_CHECKPOINT_ORIGIN_MAX];
	char long_id[80], long_fed[80];

	(void)state;
	assert_int_equal(sp_checkpoint_origin("silk-road", "CN-ZZ", out),
	                 SP_OK);
	assert_string_equal(out, "silkport/silk-road/CN-ZZ");
	assert_int_equal(sp_checkpoint_origin("f1", "KZ-KGS.2_a", out), SP_OK);
	assert_string_equal(out, "silkport/f1/KZ-KGS.2_a");

	assert_int_equal(sp_checkpoint_origin("", "CN-ZZ", out), SP_ERR_FIELD);
	assert_string_equal(out, "");
	assert_int_equal(sp_checkpoint_origin("f1", "cn-zz", out),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_checkpoint_origin("f1", "-CN", out), SP_ERR_FIELD);
	assert_int_equal(sp_checkpoint_origin("F/1", "CN", out), SP_ERR_FIELD);
	assert_int_equal(sp_checkpoint_origin("f1", "CN ZZ", out),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_checkpoint_origin("f1", "CN\nZZ", out),
	                 SP_ERR_FIELD);
	assert_int_equal(sp_checkpoint_origin(NULL, "CN", out), SP_ERR_FIELD);
	memset(long_id, 'A', 64);
	long_id[64] = '\0';
	memset(long_fed, 'a', 64);
	long_fed[64] = '\0';
	assert_int_equal(sp_checkpoint_origin(long_fed, long_id, out), SP_OK);
	assert_int_equal(strlen(out), 9 + 64 + 1 + 64);
	long_id[64] = 'A';
	long_id[65] = '\0';
	assert_int_equal(sp_checkpoint_origin("f1", long_id, out),
	                 SP_ERR_FIELD);
}

static void test_roundtrip(void **state)
{
	static const uint64_t sizes[] = {0, 1, 9, 1000000, UINT64_MAX};
	sp_checkpoint cp, back;
	char *txt = NULL, want[200];
	char root_b64[48];
	size_t tl = 0, body = 0, i;
	const char *why = NULL;

	(void)state;
	memset(&cp, 0, sizeof(cp));
	assert_int_equal(sp_checkpoint_origin("silk-road", "CN-ZZ", cp.origin),
	                 SP_OK);
	for (i = 0; i < 32; i++)
		cp.root[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(sp_b64_encode(cp.root, 32, root_b64, sizeof(root_b64)),
	                 44);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cp.size = sizes[i];
		assert_int_equal(sp_checkpoint_format(&cp, &txt, &tl), SP_OK);
		snprintf(want, sizeof(want),
		         "silkport/silk-road/CN-ZZ\n%llu\n%s\n",
		         (unsigned long long)sizes[i], root_b64);
		assert_string_equal(txt, want);
		assert_int_equal(tl, strlen(want));
		assert_int_equal(
		    sp_checkpoint_parse(txt, tl, &back, &body, &why), SP_OK);
		assert_null(why);
		assert_int_equal(body, tl);
		assert_string_equal(back.origin, cp.origin);
		assert_int_equal(back.size, cp.size);
		assert_memory_equal(back.root, cp.root, 32);
		free(txt);
		txt = NULL;
	}

	/* Format refuses origins that would break the line structure. */
	memcpy(cp.origin, "a\nb", 4);
	assert_int_equal(sp_checkpoint_format(&cp, &txt, &tl), SP_ERR_FIELD);
	assert_null(txt);
	cp.origin[0] = '\0';
	assert_int_equal(sp_checkpoint_format(&cp, &txt, &tl), SP_ERR_FIELD);
	memset(cp.origin, 'x', sizeof(cp.origin)); /* no NUL inside */
	assert_int_equal(sp_checkpoint_format(&cp, &txt, &tl), SP_ERR_FIELD);
}

static void test_note_split_and_extensions(void **state)
{
	static const char note[] =
	    "example.com/log\n42\n" ROOT_B64 "\n"
	    "ext one\n"
	    "ext two\n"
	    "\n"
	    "\xe2\x80\x94 example.com/log AAAAAAAAAAAA\n";
	static const char bare[] = "any origin with spaces\n0\n" ROOT_B64 "\n";
	sp_checkpoint cp;
	size_t body = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(
	    sp_checkpoint_parse(note, sizeof(note) - 1, &cp, &body, &why),
	    SP_OK);
	assert_string_equal(cp.origin, "example.com/log");
	assert_int_equal(cp.size, 42);
	assert_int_equal(body, strlen("example.com/log\n42\n" ROOT_B64
	                              "\next one\next two\n"));
	assert_int_equal(note[body], '\n');
	assert_true(memcmp(note + body + 1, "\xe2\x80\x94", 3) == 0);

	/* C2SP allows any non-empty origin line. */
	assert_int_equal(
	    sp_checkpoint_parse(bare, sizeof(bare) - 1, &cp, &body, &why),
	    SP_OK);
	assert_string_equal(cp.origin, "any origin with spaces");
	assert_int_equal(body, sizeof(bare) - 1);
	assert_int_equal(cp.size, 0);
	/* Only the leading part up to the blank line counts. */
	assert_int_equal(sp_checkpoint_parse(note, body, &cp, &body, &why),
	                 SP_ERR_CHECKPOINT_INVALID);

	/* Extension lines are capped. */
	{
		char buf[1024];
		size_t pos;
		int n, k;

		n = snprintf(buf, sizeof(buf), "o\n1\n%s\n", ROOT_B64);
		pos = (size_t)n;
		for (k = 0; k < SP_CHECKPOINT_MAX_EXTENSIONS; k++) {
			memcpy(buf + pos, "ext\n", 4);
			pos += 4;
		}
		assert_int_equal(
		    sp_checkpoint_parse(buf, pos, &cp, &body, &why), SP_OK);
		assert_int_equal(body, pos);
		memcpy(buf + pos, "ext\n", 4);
		why = NULL;
		assert_int_equal(
		    sp_checkpoint_parse(buf, pos + 4, &cp, &body, &why),
		    SP_ERR_CHECKPOINT_INVALID);
		assert_non_null(why);
	}
}

static void test_malformed(void **state)
{
	static const char *bad[] = {
	    "",
	    "\n",
	    "origin",
	    "origin\n",
	    "origin\n5\n",
	    "origin\n5\n" ROOT_B64,       /* no final newline */
	    "\n5\n" ROOT_B64 "\n",        /* empty origin */
	    "origin\n05\n" ROOT_B64 "\n", /* leading zero */
	    "origin\n-5\n" ROOT_B64 "\n",
	    "origin\n+5\n" ROOT_B64 "\n",
	    "origin\n 5\n" ROOT_B64 "\n",
	    "origin\n5 \n" ROOT_B64 "\n",
	    "origin\n\n" ROOT_B64 "\n",
	    "origin\n18446744073709551616\n" ROOT_B64 "\n",
	    "origin\n5\n\n",
	    "origin\n5\n" ROOT_B64 " \n",
	    "origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n",
	    "origin\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n",
	    "origin\n5\nZm9v\n",
	    "origin\r\n5\n" ROOT_B64 "\n",
	    "ori\tgin\n5\n" ROOT_B64 "\n",
	    "origin\n5\r\n" ROOT_B64 "\n",
	    "origin\n5\n" ROOT_B64 "\r\n",
	    "origin\n5\n" ROOT_B64 "\next", /* unterminated extension */
	    "origin\n5\n" ROOT_B64 "\nex\x7ft\n",
	};
	sp_checkpoint cp;
	size_t i, body;
	const char *why;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		body = 99;
		assert_int_equal(sp_checkpoint_parse(bad[i], strlen(bad[i]),
		                                     &cp, &body, &why),
		                 SP_ERR_CHECKPOINT_INVALID);
		assert_non_null(why);
		assert_int_equal(body, 0);
		assert_int_equal(cp.size, 0);
	}
	/* NUL inside the origin. */
	{
		static const char nul[] = "ori\0gin\n5\n" ROOT_B64 "\n";
		assert_int_equal(
		    sp_checkpoint_parse(nul, sizeof(nul) - 1, &cp, &body, &why),
		    SP_ERR_CHECKPOINT_INVALID);
	}
	/* Origin length limit. */
	{
		char buf[600];
		int n;
		memset(buf, 'o', 255);
		n = snprintf(buf + 255, sizeof(buf) - 255, "\n5\n%s\n",
		             ROOT_B64);
		assert_int_equal(
		    sp_checkpoint_parse(buf, 255 + (size_t)n, &cp, &body, &why),
		    SP_OK);
		assert_int_equal(strlen(cp.origin), 255);
		memset(buf, 'o', 256);
		n = snprintf(buf + 256, sizeof(buf) - 256, "\n5\n%s\n",
		             ROOT_B64);
		assert_int_equal(
		    sp_checkpoint_parse(buf, 256 + (size_t)n, &cp, &body, &why),
		    SP_ERR_CHECKPOINT_INVALID);
	}
	/* Whole-note size cap. */
	{
		char *big = malloc(SP_CHECKPOINT_MAX_NOTE + 1);
		assert_non_null(big);
		memset(big, 'a', SP_CHECKPOINT_MAX_NOTE + 1);
		why = NULL;
		assert_int_equal(sp_checkpoint_parse(big,
		                                     SP_CHECKPOINT_MAX_NOTE + 1,
		                                     &cp, &body, &why),
		                 SP_ERR_TOO_LARGE);
		assert_non_null(why);
		free(big);
	}
}

static void test_cosigned_message(void **state)
{
	static const char body[] = "silkport/f1/CN-ZZ\n7\n" ROOT_B64 "\n";
	char *msg = NULL, cp_dummy[1];
	size_t len = 0;

	(void)state;
	assert_int_equal(sp_checkpoint_cosigned_message(body, sizeof(body) - 1,
	                                                1767225600, &msg, &len),
	                 SP_OK);
	assert_string_equal(msg, "cosignature/v1\ntime 1767225600\n"
	                         "silkport/f1/CN-ZZ\n7\n" ROOT_B64 "\n");
	assert_int_equal(len, strlen(msg));
	free(msg);
	assert_int_equal(sp_checkpoint_cosigned_message(body, sizeof(body) - 1,
	                                                0, &msg, &len),
	                 SP_OK);
	assert_true(strncmp(msg, "cosignature/v1\ntime 0\nsilkport/", 31) == 0);
	free(msg);
	assert_int_equal(sp_checkpoint_cosigned_message(body, sizeof(body) - 1,
	                                                INT64_MAX, &msg, &len),
	                 SP_OK);
	assert_true(strncmp(msg, "cosignature/v1\ntime 9223372036854775807\n",
	                    40) == 0);
	free(msg);
	msg = cp_dummy;
	assert_int_equal(sp_checkpoint_cosigned_message(body, sizeof(body) - 1,
	                                                -1, &msg, &len),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_vectors),
	    cmocka_unit_test(test_base64_strict),
	    cmocka_unit_test(test_origin),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_note_split_and_extensions),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_cosigned_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
