/* main.c: the silkport command line: dispatches to the sub-commands of the
 * node and of the peers module (which builds on the node). */
#include "node/node.h"
#include "peers/peers.h"

int main(int argc, char **argv)
{
	int rc;

	if (sp_peers_register() != 0)
		return 1;
	rc = sp_peers_cli(argc, argv);

	return rc >= 0 ? rc : sp_cli_main(argc, argv);
}
