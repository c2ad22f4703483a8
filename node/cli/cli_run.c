/* cli_run.c: "silkport run": parse the command line, then hand over to the
 * node's lifecycle (core/daemon.c). */
#include <stdio.h>

#include "cli_int.h"
#include "node.h"

static const char run_usage[] =
    "usage: silkport run --config FILE [--listen ADDRESS:PORT]\n"
    "Runs the node in the foreground until SIGTERM or SIGINT. SIGHUP reloads\n"
    "the configuration and the trust list (the old ones stay if the new are\n"
    "invalid). Under systemd (Type=notify) it reports READY, RELOADING,\n"
    "STOPPING and STATUS.\n"
    "--listen replaces [listen] address and port (an IP address): several\n"
    "processes of one node, sharing its PostgreSQL store, side by side.\n";

int sp_cli_run(int argc, char **argv)
{
	const char *path = NULL, *listen = NULL, *why = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", &path, SP_CLI_REQUIRED),
	    SP_CLI_STRING("listen", &listen, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"run", run_usage, NULL, 0, 0, opts};
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (listen != NULL &&
	    sp_config_listen_override(NULL, listen, &why) != 0)
		return sp_cli__usage_error(&cmd, "--listen %s: %s", listen,
		                           why);
	return sp_node_run_listen(path, listen) == 0 ? SP_EXIT_OK
	                                             : SP_EXIT_FAIL;
}
