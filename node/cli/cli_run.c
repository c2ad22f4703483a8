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
    "  --listen ADDRESS:PORT  listen there instead of [listen] address and\n"
    "                port (an IPv4 address, or [IPv6]:PORT), so that several\n"
    "                processes of one node can run from one configuration\n";

int sp_cli_run(int argc, char **argv)
{
	const char *path = NULL, *listen = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", &path, SP_CLI_REQUIRED),
	    SP_CLI_STRING("listen", &listen, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"run", run_usage, NULL, 0, 0, opts};
	char **args, host[64];
	unsigned port;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (listen != NULL && sp_config_addr_port(listen, host, &port) <= 0)
		return sp_cli__usage_error(
		    &cmd,
		    "--listen %s: want an IP ADDRESS:PORT "
		    "(e.g. 127.0.0.1:7410 or [::1]:7410)",
		    listen);
	return sp_node_run(path, listen) == 0 ? SP_EXIT_OK : SP_EXIT_FAIL;
}
