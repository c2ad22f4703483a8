/* cli.c: the silkport command dispatcher and the helpers its commands share. */
#include "node.h"
#include "cli_int.h"
#include "base.h"
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: silkport COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  federation init   create a federation: operator CA, trust list (and, "
    "for\n"
    "                    demos, member keys)\n"
    "  member init|install|renew\n"
    "                    join a federation with keys made and kept here\n"
    "  record new        print an unsigned record\n"
    "  record sign       sign a record with a member's signing key\n"
    "  record verify     verify a signed record against a trust list\n"
    "  trust-list sign|verify|show|update\n"
    "                    work with a federation's signed trust list\n"
    "  trust-list add-member|remove-member|renew-member\n"
    "                    the operator's side of joining, leaving and renewal\n"
    "  trust-list timestamp\n"
    "                    the timestamp key's statement that a list is current\n"
    "  trust-list reset  recovery after a compromised operator threshold:\n"
    "                    a list under new anchors replaces the stored one\n"
    "  run               run a node (the daemon)\n"
    "  submit            submit a record to a running node (operator)\n"
    "  status            show a running node's state\n"
    "  peers             show a running node's peers: connection, outbox, lag\n"
    "  log verify        check a record against an inclusion proof and "
    "checkpoint\n"
    "  log consistency   check that one checkpoint's log extends another's\n"
    "  check-config      validate a node configuration without starting it\n"
    "  backup            copy a node's store while it runs, with a manifest\n"
    "  restore           install a backup (node stopped); the node starts "
    "fenced\n"
    "  key generate      make a key pair inside a PKCS#11 token\n"
    "\n"
    "  --help            this list\n"
    "  --version         the silkport version and the SREP version it "
    "implements\n"
    "\n"
    "Every command takes --help. Exit status: 0 success, 1 refused or failed,\n"
    "2 usage error.\n";

void sp_cli__err(const char *fmt, ...)
{
	va_list ap;

	fputs("silkport: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int sp_cli__read_input(const char *path, uint8_t **buf, size_t *len)
{
	const char *why;

	if (sp_read_file(path, SP_CLI_MAX_INPUT, buf, len, &why) != 0) {
		sp_cli__err("%s: %s",
		            path == NULL || strcmp(path, "-") == 0
		                ? "(standard input)"
		                : path,
		            why);
		return -1;
	}
	return 0;
}

int sp_cli__write_output(const char *path, const uint8_t *buf, size_t len,
                         int private_file)
{
	int fd;
	size_t off = 0;
	ssize_t w;

	if (path == NULL) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			sp_cli__err("standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	          private_file ? 0600 : 0644);
	if (fd < 0) {
		sp_cli__err("%s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			sp_cli__err("%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		sp_cli__err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int sp_cli__mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf)) {
		sp_cli__err("path too long: %s", path);
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST) {
			sp_cli__err("%s: %s", buf, strerror(errno));
			return -1;
		}
		buf[i] = path[i];
	}
	return 0;
}

int sp_cli__path_join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= cap) {
		sp_cli__err("path too long: %s/%s", a, b);
		return -1;
	}
	return 0;
}

int sp_cli__exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int sp_cli__parse_u64(const char *s, uint64_t *out)
{
	if (s == NULL || sp_parse_u64(s, strlen(s), UINT64_MAX, out) != SP_OK)
		return -1;
	return 0;
}

int sp_cli__init_crypto(void)
{
	if (sp_trust_init() != SP_OK) {
		sp_cli__err("could not initialise the XML security library");
		return -1;
	}
	return 0;
}

/* Every command of the binary, by its first word. Each takes its own argv
 * (argv[0] is the command's name) and answers --help. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
    {"federation", sp_cli_federation},
    {"record", sp_cli_record},
    {"trust-list", sp_cli_trust_list},
    {"member", sp_cli_member},
    {"log", sp_cli_log},
    {"run", sp_cli_run},
    {"key", sp_cli_key},
    {"check-config", sp_cli_check_config},
    {"submit", sp_cli_submit},
    {"status", sp_cli_status},
    {"peers", sp_cli_peers},
    {"backup", sp_cli_backup},
    {"restore", sp_cli_restore},
};

int sp_cli_main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return SP_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return SP_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("silkport %s (SREP %s)\n", SP_VERSION_STRING,
		       SP_SPEC_VERSION);
		return SP_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	sp_cli__err("unknown command '%s' (see silkport --help)", cmd);
	return SP_EXIT_USAGE;
}
