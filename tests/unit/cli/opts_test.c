/* opts_test.c: the CLI's option table reader (node/cli/cli_opts.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/cli/cli_int.h"

static const char usage[] = "usage: test CMD DIR --port N\n";

static const sp_cli_word colours[] = {
    {"red", 1}, {"green", 2}, {"verde", 2}, {NULL, 0}};

/* The values one command line leaves, and what sp_cli__parse() said. */
struct run {
	const char *host, *node, *fed, *path;
	uint64_t port;
	int json, colour;
	char *items_v[2];
	sp_cli_list items;
	char **args;
	int n_args, rc;
};

static void parse(struct run *r, int argc, const char *const *argv)
{
	const sp_cli_opt opts[] = {
	    SP_CLI_STRING("host", &r->host, 0),
	    SP_CLI_U64("port", &r->port, 1, 65535, SP_CLI_REQUIRED),
	    SP_CLI_NODE_ID("member", &r->node, 0),
	    SP_CLI_FEDERATION_ID("federation", &r->fed, 0),
	    SP_CLI_PATH("out", &r->path, 0),
	    SP_CLI_FLAG("json", &r->json),
	    SP_CLI_LIST("item", &r->items),
	    SP_CLI_ENUM("colour", &r->colour, colours, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"test cmd", usage, "DIR", 1, 1, opts};
	static char store[24][64]; /* getopt_long may permute argv */
	static char *copy[24];     /* r->args points into it */

	memset(r, 0, sizeof(*r));
	r->items.v = r->items_v;
	r->items.max = 2;
	for (int i = 0; i < argc; i++) {
		snprintf(store[i], sizeof(store[i]), "%s", argv[i]);
		copy[i] = store[i];
	}
	copy[argc] = NULL;
	r->rc = sp_cli__parse(&cmd, argc, copy, &r->args, &r->n_args);
}

#define PARSE(r, ...)                                                          \
	do {                                                                   \
		const char *const av[] = {"cmd", __VA_ARGS__};                 \
		parse((r), (int)(sizeof(av) / sizeof(av[0])), av);             \
	} while (0)

static void test_values(void **state)
{
	struct run r;

	(void)state;
	PARSE(&r, "--port", "7400", "DIR1", "--host=example.org", "--json",
	      "--member", "CN-XA", "--federation", "silk", "--item", "a",
	      "--item", "b", "--colour", "verde", "--out", "/tmp/x");
	assert_int_equal(r.rc, SP_CLI_GO);
	assert_int_equal(r.port, 7400);
	assert_string_equal(r.host, "example.org");
	assert_string_equal(r.node, "CN-XA");
	assert_string_equal(r.fed, "silk");
	assert_string_equal(r.path, "/tmp/x");
	assert_int_equal(r.json, 1);
	assert_int_equal(r.colour, 2);
	assert_int_equal(r.items.n, 2);
	assert_string_equal(r.items.v[1], "b");
	assert_int_equal(r.n_args, 1);
	assert_string_equal(r.args[0], "DIR1");
}

static void test_bad_values(void **state)
{
	struct run r;

	(void)state;
	PARSE(&r, "D", "--port", "0");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "65536");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "12x");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--member", "lower-case");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--federation", "a b");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--colour", "blue");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--out", "");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--item", "a", "--item", "b", "--item",
	      "c");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
}

static void test_command_line(void **state)
{
	struct run r;

	(void)state;
	PARSE(&r, "D", "--help");
	assert_int_equal(r.rc, SP_EXIT_OK);
	PARSE(&r, "-h");
	assert_int_equal(r.rc, SP_EXIT_OK);
	PARSE(&r, "D"); /* --port is required */
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "--port", "1"); /* DIR is required */
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "E", "--port", "1");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--bogus");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "-x");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port", "1", "--json=yes");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	PARSE(&r, "D", "--port");
	assert_int_equal(r.rc, SP_EXIT_USAGE);
	/* the same table, parsed again: getopt starts afresh */
	PARSE(&r, "D", "--port", "2");
	assert_int_equal(r.rc, SP_CLI_GO);
	assert_int_equal(r.port, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
