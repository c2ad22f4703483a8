/* main.c: the silkport binary: assembles the floors (the API and the
 * federation side plug into the node core) and runs the command line. */
#include "api.h"
#include "cli_int.h"
#include "fed.h"

int main(int argc, char **argv)
{
	sp_node_set_api(sp_api_handle);
	if (sp_peers_register() != 0)
		return 1;
	return sp_cli_main(argc, argv);
}
