/* main.c: the silkport command line: dispatches to the sub-commands. */
#include "node/node.h"

int main(int argc, char **argv)
{
	return sp_cli_main(argc, argv);
}
