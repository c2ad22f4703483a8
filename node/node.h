/* node.h: the silkport daemon and command line. */
#ifndef SP_NODE_H
#define SP_NODE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Run the command line (argv[1] is the sub-command). Returns the process
 * exit status: 0 success, 1 a refusal or failure, 2 a usage error. */
int sp_cli_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* SP_NODE_H */
