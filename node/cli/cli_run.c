/* cli_run.c: "silkport run": parse the command line, then hand over to the
 * node's lifecycle (core/daemon.c). */
#include <getopt.h>
#include <stdio.h>

#include "cli_int.h"
#include "node.h"

static const char run_usage[] =
    "usage: silkport run --config FILE\n"
    "Runs the node in the foreground until SIGTERM or SIGINT. SIGHUP reloads\n"
    "the configuration and the trust list (the old ones stay if the new are\n"
    "invalid). Under systemd (Type=notify) it reports READY, RELOADING,\n"
    "STOPPING and STATUS.\n";

int sp_cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'c')
			path = optarg;
		else if (c == 'h') {
			fputs(run_usage, stdout);
			return SP_EXIT_OK;
		} else {
			fputs(run_usage, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (path == NULL || optind != argc) {
		fputs(run_usage, stderr);
		return SP_EXIT_USAGE;
	}
	return sp_node_run(path) == 0 ? SP_EXIT_OK : SP_EXIT_FAIL;
}
