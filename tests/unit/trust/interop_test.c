/* interop_test.c: records and trust lists signed by silkport verify with the
 * independent xmlsec1 command-line tool, and tampered copies do not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>

#include "unit/trust/fixture.h"

#define XMLSEC1 "/usr/bin/xmlsec1"

extern char **environ;

static fx_fed F;
static int have_xmlsec1;
static int fed_ready;

/* Run xmlsec1 with argv (argv[0] unused), output to dir/xmlsec1.log.
 * Returns the exit status, or -1 if it could not run. */
static int run_xmlsec1(char *const argv[])
{
	char log[FX_PATH];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = 0, rc;

	if (fx_path(log, F.dir, "xmlsec1.log") != 0)
		return -1;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(&fa, 1, log,
	                                 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&pid, XMLSEC1, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void show_log(void)
{
	char log[FX_PATH];
	uint8_t *b = NULL;
	size_t n = 0;
	if (fx_path(log, F.dir, "xmlsec1.log") == 0 &&
	    fx_read_file(log, &b, &n) == SP_OK)
		fprintf(stderr, "xmlsec1 said:\n%.*s\n",
		        (int)(n > 4000 ? 4000 : n), (const char *)b);
	free(b);
}

/* xmlsec1 --verify with only URI="" references and the signer's
 * certificate as the key. strict: KeyInfo processing is limited to KeyName
 * and raw keys, so the certificate in KeyInfo cannot supply the key and the
 * signature must verify under `cert` itself. Otherwise the federation CA is
 * the trust root for the KeyInfo certificate. */
static int xmlsec1_verify(const char *file, const char *cert, const char *ca,
                          int strict)
{
	char a_cert[FX_PATH], a_ca[FX_PATH], a_file[FX_PATH];
	char *argv[16];
	int i = 0;

	snprintf(a_cert, sizeof(a_cert), "%s", cert);
	snprintf(a_ca, sizeof(a_ca), "%s", ca);
	snprintf(a_file, sizeof(a_file), "%s", file);
	argv[i++] = (char *)(uintptr_t) "xmlsec1";
	argv[i++] = (char *)(uintptr_t) "--verify";
	argv[i++] = (char *)(uintptr_t) "--enabled-reference-uris";
	argv[i++] = (char *)(uintptr_t) "empty";
	if (strict) {
		argv[i++] = (char *)(uintptr_t) "--enabled-key-data";
		argv[i++] = (char *)(uintptr_t) "key-name,rsa,ecdsa";
	}
	argv[i++] = (char *)(uintptr_t) "--pubkey-cert-pem";
	argv[i++] = a_cert;
	if (!strict) {
		argv[i++] = (char *)(uintptr_t) "--trusted-pem";
		argv[i++] = a_ca;
	}
	argv[i++] = a_file;
	argv[i] = NULL;
	return run_xmlsec1(argv);
}

/* Both ways must agree: 0 for a good signature. */
static void expect_xmlsec1_ok(const char *file, const char *cert,
                              const char *ca)
{
	int rc = xmlsec1_verify(file, cert, ca, 1);
	if (rc != 0)
		show_log();
	assert_int_equal(rc, 0);
	rc = xmlsec1_verify(file, cert, ca, 0);
	if (rc != 0)
		show_log();
	assert_int_equal(rc, 0);
}

static void write_tmp(const char *name, const uint8_t *b, size_t n,
                      char out[FX_PATH])
{
	assert_int_equal(fx_path(out, F.dir, name), 0);
	assert_int_equal(fx_write_file(out, b, n), SP_OK);
}

/* Sign with member m, check silkport and xmlsec1 both accept; then check
 * both refuse a copy with the Sequence changed, and xmlsec1 refuses it with
 * another member's certificate. */
static void sign_and_check(int m, int other, const char *origin)
{
	uint8_t *s = NULL;
	size_t n = 0;
	char path[FX_PATH], name[64];
	fx_buf in, t = {NULL, 0};
	int rc;

	if (!have_xmlsec1)
		skip();
	assert_int_equal(
	    fx_signed_record(F.m[m].sk, origin, 41, F.now - 30, &s, &n), SP_OK);
	assert_int_equal(fx_verify(&F, s, n, NULL, NULL), SP_OK);
	snprintf(name, sizeof(name), "%s-valid.xml", origin);
	write_tmp(name, s, n, path);
	expect_xmlsec1_ok(path, F.m[m].cert, F.ca_cert);

	/* Wrong key: another member's certificate. */
	rc = xmlsec1_verify(path, F.m[other].cert, F.ca_cert, 1);
	assert_true(rc > 0);

	in.p = s;
	in.n = n;
	{
		const char *needle = ">41</Sequence>";
		size_t i, nl = strlen(needle);
		for (i = 0; i + nl <= n; i++)
			if (memcmp(s + i, needle, nl) == 0)
				break;
		assert_true(i + nl <= n);
		assert_int_equal(fx_buf_set(&t, in.p, in.n), SP_OK);
		t.p[i + 2] = '2'; /* 41 -> 42 */
	}
	assert_int_equal(fx_verify(&F, t.p, t.n, NULL, NULL),
	                 SP_ERR_SIG_INVALID);
	snprintf(name, sizeof(name), "%s-tampered.xml", origin);
	write_tmp(name, t.p, t.n, path);
	assert_true(xmlsec1_verify(path, F.m[m].cert, F.ca_cert, 1) > 0);
	assert_true(xmlsec1_verify(path, F.m[m].cert, F.ca_cert, 0) > 0);
	fx_buf_free(&t);
	free(s);
}

static void test_p256(void **state)
{
	(void)state;
	sign_and_check(FX_ZZ, FX_HN, "CN-ZZ");
}

static void test_rsa2048(void **state)
{
	(void)state;
	sign_and_check(FX_HN, FX_ZZ, "CN-HN");
}

/* The trust list the fixture signed with the CA key verifies with xmlsec1
 * given the CA certificate. */
static void test_trust_list(void **state)
{
	char path[FX_PATH];
	int rc;
	(void)state;
	if (!have_xmlsec1)
		skip();
	write_tmp("trustlist.xml", F.tl, F.tl_len, path);
	expect_xmlsec1_ok(path, F.ca_cert, F.ca_cert);
	rc = xmlsec1_verify(path, F.out_ca_cert, F.out_ca_cert, 1);
	assert_true(rc > 0);
}

/* Every record type with the body from tests/data/bodies/<code>.xml, signed
 * by CN-ZZ: silkport and xmlsec1 agree. */
static void test_every_type(void **state)
{
	const char *data = getenv("SP_DATA_DIR");
	const sp_record_type *t;
	size_t done = 0;
	(void)state;

	if (!have_xmlsec1)
		skip();
	assert_non_null(data);
	for (t = sp_record_types(); t->code != NULL; t++) {
		char bp[FX_PATH], name[96], path[FX_PATH];
		uint8_t *body = NULL, *u = NULL, *s = NULL;
		size_t bl = 0, ul = 0, sl = 0;
		int rc;

		snprintf(name, sizeof(name), "bodies/%s.xml", t->code);
		assert_int_equal(fx_path(bp, data, name), 0);
		if (fx_read_file(bp, &body, &bl) != SP_OK) {
			fail_msg("missing body fixture %s", bp);
		}
		rc = fx_record_build("CN-ZZ", 100 + done, t->code, F.now - 30,
		                     (const char *)body, bl, &u, &ul);
		free(body);
		if (rc != SP_OK)
			fail_msg("%s: sp_record_build: %s", t->code,
			         sp_strerror(rc));
		assert_int_equal(fx_sign(F.m[FX_ZZ].sk, u, ul, &s, &sl), SP_OK);
		free(u);
		rc = fx_verify(&F, s, sl, NULL, NULL);
		if (rc != SP_OK)
			fail_msg("%s: sp_verify_record: %s", t->code,
			         sp_strerror(rc));
		snprintf(name, sizeof(name), "type-%s.xml", t->code);
		write_tmp(name, s, sl, path);
		free(s);
		rc = xmlsec1_verify(path, F.m[FX_ZZ].cert, F.ca_cert, 1);
		if (rc != 0) {
			show_log();
			fail_msg("%s: xmlsec1 exit %d", t->code, rc);
		}
		done++;
	}
	assert_true(done >= 22);
}

/* The other direction: xmlsec1 signs a standard enveloped template by the
 * profile and silkport's verifier accepts it. */
static void xmlsec1_signs(int m, const char *origin, const char *alg)
{
	static const char tmpl_fmt[] =
	    "<ds:Signature xmlns:ds=\"" SP_DSIG_NS "\"><ds:SignedInfo>"
	    "<ds:CanonicalizationMethod Algorithm=\"" FX_ALG_EXC "\"/>"
	    "<ds:SignatureMethod Algorithm=\"%s\"/>"
	    "<ds:Reference URI=\"\"><ds:Transforms>"
	    "<ds:Transform Algorithm=\"" FX_ALG_ENVELOPED "\"/>"
	    "<ds:Transform Algorithm=\"" FX_ALG_EXC "\"/></ds:Transforms>"
	    "<ds:DigestMethod Algorithm=\"" FX_ALG_SHA256
	    "\"/><ds:DigestValue/>"
	    "</ds:Reference></ds:SignedInfo><ds:SignatureValue/>"
	    "<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature></Record>";
	fx_buf raw, sent = {NULL, 0};
	char sent_path[FX_PATH];
	char tmpl[1024], in_path[FX_PATH], out_path[FX_PATH],
	    keyarg[2 * FX_PATH + 2];
	char name[64];
	char *argv[12];
	uint8_t *u = NULL, *s = NULL;
	size_t ul = 0, sl = 0, i;
	fx_buf in, t = {NULL, 0};
	sp_record *rec = NULL;
	const char *why = NULL;
	int rc, k = 0;

	if (!have_xmlsec1)
		skip();
	assert_int_equal(
	    fx_record_build(origin, 5, NULL, F.now - 30, NULL, 0, &u, &ul),
	    SP_OK);
	snprintf(tmpl, sizeof(tmpl), tmpl_fmt, alg);
	in.p = u;
	in.n = ul;
	for (i = ul; i > 9; i--)
		if (memcmp(u + i - 9, "</Record>", 9) == 0)
			break;
	assert_true(i > 9);
	t.n = i - 9 + strlen(tmpl);
	t.p = malloc(t.n);
	assert_non_null(t.p);
	memcpy(t.p, in.p, i - 9);
	memcpy(t.p + i - 9, tmpl, strlen(tmpl));
	snprintf(name, sizeof(name), "%s-template.xml", origin);
	write_tmp(name, t.p, t.n, in_path);
	fx_buf_free(&t);
	free(u);
	snprintf(name, sizeof(name), "%s-by-xmlsec1.xml", origin);
	assert_int_equal(fx_path(out_path, F.dir, name), 0);
	snprintf(keyarg, sizeof(keyarg), "%s,%s", F.m[m].key, F.m[m].cert);
	argv[k++] = (char *)(uintptr_t) "xmlsec1";
	argv[k++] = (char *)(uintptr_t) "--sign";
	argv[k++] = (char *)(uintptr_t) "--privkey-pem";
	argv[k++] = keyarg;
	argv[k++] = (char *)(uintptr_t) "--output";
	argv[k++] = out_path;
	argv[k++] = in_path;
	argv[k] = NULL;
	rc = run_xmlsec1(argv);
	if (rc != 0)
		show_log();
	assert_int_equal(rc, 0);
	assert_int_equal(fx_read_file(out_path, &s, &sl), SP_OK);
	/* xmlsec1 writes an XML declaration, base64 line breaks and KeyInfo:
	 * a valid signature, but not the record's transport form... */
	rc = fx_verify(&F, s, sl, &rec, &why);
	assert_int_equal(rc, SP_ERR_NON_CANONICAL);
	/* ...which a signer makes without touching what is signed. */
	raw.p = s;
	raw.n = sl;
	assert_int_equal(fx_transport_form(&raw, &sent), SP_OK);
	rc = fx_verify(&F, sent.p, sent.n, &rec, &why);
	if (rc != SP_OK)
		fail_msg("record signed by xmlsec1 (%s): %s (%s)", origin,
		         sp_strerror(rc), why != NULL ? why : "-");
	assert_string_equal(sp_record_origin(rec), origin);
	sp_record_free(rec);
	/* and the transport form is still a plain XML-DSig document */
	snprintf(name, sizeof(name), "%s-transport-form.xml", origin);
	write_tmp(name, sent.p, sent.n, sent_path);
	expect_xmlsec1_ok(sent_path, F.m[m].cert, F.ca_cert);
	fx_buf_free(&sent);
	free(s);
}

static void test_xmlsec1_signs_p256(void **state)
{
	(void)state;
	xmlsec1_signs(FX_ZZ, "CN-ZZ", FX_ALG_ECDSA_SHA256);
}

static void test_xmlsec1_signs_rsa2048(void **state)
{
	(void)state;
	xmlsec1_signs(FX_HN, "CN-HN", FX_ALG_RSA_SHA256);
}

static int setup(void **state)
{
	(void)state;
	have_xmlsec1 = access(XMLSEC1, X_OK) == 0;
	if (!have_xmlsec1)
		fprintf(stderr,
		        "interop: %s is not installed; the interop cases are "
		        "skipped "
		        "(apt-get install xmlsec1)\n",
		        XMLSEC1);
	if (sp_trust_init() != SP_OK || fx_fed_setup(&F) != SP_OK)
		return -1;
	fed_ready = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_fed_free(&F);
	sp_trust_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_p256),
	    cmocka_unit_test(test_rsa2048),
	    cmocka_unit_test(test_trust_list),
	    cmocka_unit_test(test_every_type),
	    cmocka_unit_test(test_xmlsec1_signs_p256),
	    cmocka_unit_test(test_xmlsec1_signs_rsa2048),
	};
	return cmocka_run_group_tests_name("trust/interop", tests, setup,
	                                   teardown);
}
