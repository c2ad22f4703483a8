/* main.c: the silkport command line: dispatches to the sub-commands of the
 * node and of the peers module (which builds on the node). */
#include "cli_int.h"
#include "fed.h"
#include "api.h"

int main(int argc, char **argv)
{
	int rc;

	sp_node_set_api(sp_api_handle);
	if (sp_peers_register() != 0)
		return 1;
	rc = sp_peers_cli(argc, argv);

	return rc >= 0 ? rc : sp_cli_main(argc, argv);
}
