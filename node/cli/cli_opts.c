/* cli_opts.c: every command's options, read from one declarative table per
 * command (see README.md: "How a command declares its options"). */
#include "cli_int.h"
#include "protocol.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* getopt_long() returns SP_CLI__VAL + i for the table's option i, above
 * any character it returns itself ('h', '?', ':'). */
#define SP_CLI__VAL 0x100

/* The longest path a command accepts: the commands build paths in
 * 4096-byte buffers. */
#define SP_CLI__PATH_MAX 4096

static void vreport(const sp_cli_cmd *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void vreport(const sp_cli_cmd *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "silkport: %s: ", cmd->what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int sp_cli__usage_error(const sp_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	return SP_EXIT_USAGE;
}

/* A wrong command line: the message, then the command's usage. */
static int usage_error_with_text(const sp_cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error_with_text(const sp_cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cmd, fmt, ap);
	va_end(ap);
	fputs(cmd->usage, stderr);
	return SP_EXIT_USAGE;
}

/* An option getopt_long() did not take: not in the table, or a value
 * given to a flag ("--json=1"). */
static int unknown_option(const sp_cli_cmd *cmd, const char *arg)
{
	if (optopt >= SP_CLI__VAL)
		return usage_error_with_text(
		    cmd, "--%s takes no value",
		    cmd->opts[optopt - SP_CLI__VAL].name);
	if (optopt != 0) {
		char shown[3] = {'-', (char)optopt, '\0'};

		return usage_error_with_text(cmd, "unknown option '%s'", shown);
	}
	return usage_error_with_text(cmd, "unknown option '%s'", arg);
}

/* "a, b or c": the words of an enum, each value once (later spellings of
 * a value are accepted aliases, not offered). */
static void print_words(const sp_cli_word *w)
{
	size_t i, j, n = 0, last = 0;

	for (i = 0; w[i].word != NULL; i++) {
		for (j = 0; j < i && w[j].value != w[i].value; j++)
			;
		if (j == i)
			last = i;
	}
	for (i = 0; w[i].word != NULL; i++) {
		for (j = 0; j < i && w[j].value != w[i].value; j++)
			;
		if (j < i)
			continue;
		fprintf(stderr, "%s%s",
		        n == 0      ? ""
		        : i == last ? " or "
		                    : ", ",
		        w[i].word);
		n++;
	}
}

static int set_enum(const sp_cli_cmd *cmd, const sp_cli_opt *o, const char *arg)
{
	for (const sp_cli_word *w = o->words; w->word != NULL; w++) {
		if (strcmp(w->word, arg) == 0) {
			*(int *)o->out = w->value;
			return 0;
		}
	}
	fprintf(stderr, "silkport: %s: --%s '%s' is not ", cmd->what, o->name,
	        arg);
	print_words(o->words);
	fputc('\n', stderr);
	return -1;
}

static int set_list(const sp_cli_cmd *cmd, const sp_cli_opt *o, char *arg)
{
	sp_cli_list *l = o->out;

	if (l->n == l->max) {
		sp_cli__usage_error(cmd, "more than %zu --%s", l->max, o->name);
		return -1;
	}
	l->v[l->n++] = arg;
	return 0;
}

/* Check one value and store it where the table says; prints why not. */
static int set_value(const sp_cli_cmd *cmd, const sp_cli_opt *o, char *arg)
{
	uint64_t v;

	switch (o->kind) {
	case SP_CLI_KIND_FLAG:
		*(int *)o->out = 1;
		return 0;
	case SP_CLI_KIND_STRING:
		break;
	case SP_CLI_KIND_PATH:
		if (arg[0] == '\0' || strlen(arg) >= SP_CLI__PATH_MAX) {
			sp_cli__usage_error(cmd,
			                    "--%s wants a path of 1 to %d "
			                    "bytes",
			                    o->name, SP_CLI__PATH_MAX - 1);
			return -1;
		}
		break;
	case SP_CLI_KIND_U64:
		if (sp_cli__parse_u64(arg, &v) != 0 || v < o->min ||
		    v > o->max) {
			sp_cli__usage_error(cmd, "--%s wants %llu to %llu",
			                    o->name, (unsigned long long)o->min,
			                    (unsigned long long)o->max);
			return -1;
		}
		*(uint64_t *)o->out = v;
		return 0;
	case SP_CLI_KIND_NODE_ID:
		if (!sp_node_id_valid(arg)) {
			sp_cli__usage_error(cmd,
			                    "--%s '%s' is not a node id "
			                    "([A-Z0-9][A-Za-z0-9._-]{0,63})",
			                    o->name, arg);
			return -1;
		}
		break;
	case SP_CLI_KIND_FEDERATION_ID:
		if (!sp_federation_id_valid(arg)) {
			sp_cli__usage_error(cmd,
			                    "--%s '%s' is not a federation id",
			                    o->name, arg);
			return -1;
		}
		break;
	case SP_CLI_KIND_LIST:
		return set_list(cmd, o, arg);
	case SP_CLI_KIND_ENUM:
		return set_enum(cmd, o, arg);
	}
	*(const char **)o->out = arg;
	return 0;
}

/* "DIR, --a and --b are required" when one of them is missing. */
static int check_required(const sp_cli_cmd *cmd, const unsigned char *seen,
                          size_t n_opts, int n_args)
{
	const char *names[SP_CLI_MAX_OPTS + 1];
	size_t i, n = 0, missing = n_args < cmd->min_args;

	if (cmd->min_args > 0)
		names[n++] = cmd->args;
	for (i = 0; i < n_opts; i++) {
		if (!cmd->opts[i].required)
			continue;
		names[n++] = cmd->opts[i].name;
		missing |= !seen[i];
	}
	if (!missing)
		return 0;
	fprintf(stderr, "silkport: %s: ", cmd->what);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%s%s",
		        i == 0       ? ""
		        : i + 1 == n ? " and "
		                     : ", ",
		        cmd->min_args > 0 && i == 0 ? "" : "--", names[i]);
	fputs(n == 1 ? " is required\n" : " are required\n", stderr);
	fputs(cmd->usage, stderr);
	return -1;
}

int sp_cli__parse(const sp_cli_cmd *cmd, int argc, char **argv, char ***args,
                  int *n_args)
{
	struct option lo[SP_CLI_MAX_OPTS + 2];
	unsigned char seen[SP_CLI_MAX_OPTS] = {0};
	size_t i, n_opts;
	int c;

	for (n_opts = 0; cmd->opts[n_opts].name != NULL; n_opts++) {
		const sp_cli_opt *o = &cmd->opts[n_opts];

		if (n_opts == SP_CLI_MAX_OPTS)
			return usage_error_with_text(
			    cmd, "%s", "too many options (a bug)");
		lo[n_opts].name = o->name;
		lo[n_opts].has_arg = o->kind == SP_CLI_KIND_FLAG
		                         ? no_argument
		                         : required_argument;
		lo[n_opts].flag = NULL;
		lo[n_opts].val = SP_CLI__VAL + (int)n_opts;
	}
	lo[n_opts] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n_opts + 1] = (struct option){NULL, 0, NULL, 0};

	optind = 0; /* glibc: start afresh, as for a new argv */
	opterr = 0; /* its messages name no command; ours do */
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(cmd->usage, stdout);
			return SP_EXIT_OK;
		}
		if (c == ':')
			return usage_error_with_text(
			    cmd, "--%s wants a value",
			    optopt >= SP_CLI__VAL
			        ? cmd->opts[optopt - SP_CLI__VAL].name
			        : "?");
		if (c == '?')
			return unknown_option(cmd, argv[optind - 1]);
		i = (size_t)(c - SP_CLI__VAL);
		if (set_value(cmd, &cmd->opts[i], optarg) != 0)
			return SP_EXIT_USAGE;
		seen[i] = 1;
	}
	if (argc - optind > cmd->max_args)
		return usage_error_with_text(cmd, "unexpected argument '%s'",
		                             argv[optind + cmd->max_args]);
	if (check_required(cmd, seen, n_opts, argc - optind) != 0)
		return SP_EXIT_USAGE;
	*args = argv + optind;
	*n_args = argc - optind;
	return SP_CLI_GO;
}
