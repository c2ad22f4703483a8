/* config_edit_test.c: sp_config_set() changes one option of a node.ini and
 * keeps every other line, the file's permissions and its atomicity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "node.h"

static char g_path[64];

static void write_file(const char *text, mode_t mode)
{
	FILE *f;

	snprintf(g_path, sizeof(g_path), "/tmp/sp-config-edit-XXXXXX");
	int fd = mkstemp(g_path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *read_back(void)
{
	static char buf[4096];
	FILE *f = fopen(g_path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char base[] = "; a comment\n"
                           "[tls]\n"
                           "cert = tls-cert.pem\n"
                           "key = tls-key.pem\n"
                           "\n"
                           "[signing]\n"
                           "key = sign-key.pem ; inline\n"
                           "cert = sign-cert.pem\n"
                           "\n"
                           "[log]\n"
                           "level = info\n";

/* Only the [signing] key changes, not the [tls] one of the same name. */
static void test_replace_in_its_section(void **state)
{
	(void)state;
	write_file(base, 0600);
	assert_int_equal(sp_config_set(g_path, "signing", "key",
	                               "pkcs11:token=t;object=new"),
	                 0);
	assert_string_equal(read_back(), "; a comment\n"
	                                 "[tls]\n"
	                                 "cert = tls-cert.pem\n"
	                                 "key = tls-key.pem\n"
	                                 "\n"
	                                 "[signing]\n"
	                                 "key = pkcs11:token=t;object=new\n"
	                                 "cert = sign-cert.pem\n"
	                                 "\n"
	                                 "[log]\n"
	                                 "level = info\n");
	unlink(g_path);
}

/* An option the section lacks is added at the section's end; a section
 * the file lacks is added at the file's end. */
static void test_add_option_and_section(void **state)
{
	char *s;

	(void)state;
	write_file(base, 0600);
	assert_int_equal(sp_config_set(g_path, "tls", "ca", "ca.pem"), 0);
	assert_int_equal(
	    sp_config_set(g_path, "pkcs11", "pin_env", "SILKPORT_PIN"), 0);
	assert_int_equal(sp_config_set(g_path, "log", "format", "json"), 0);
	s = read_back();
	assert_non_null(
	    strstr(s, "key = tls-key.pem\nca = ca.pem\n\n[signing]"));
	assert_non_null(strstr(s, "level = info\nformat = json\n\n[pkcs11]\n"
	                          "pin_env = SILKPORT_PIN\n"));
	unlink(g_path);
}

/* The replacement keeps the permissions of the file it replaces, and a
 * value with a line break is refused without touching the file. */
static void test_mode_and_refusal(void **state)
{
	struct stat st;

	(void)state;
	write_file(base, 0640);
	assert_int_equal(sp_config_set(g_path, "log", "level", "debug"), 0);
	assert_int_equal(stat(g_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(sp_config_set(g_path, "log", "level", "a\n[x]"), -1);
	assert_null(strstr(read_back(), "[x]"));
	assert_int_equal(sp_config_set("/nonexistent/node.ini", "a", "b", "c"),
	                 -1);
	unlink(g_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replace_in_its_section),
	    cmocka_unit_test(test_add_option_and_section),
	    cmocka_unit_test(test_mode_and_refusal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
