/* cli_int.h: helpers shared by the silkport sub-commands (node-internal). */
#ifndef SP_CLI_INT_H
#define SP_CLI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "trust.h"

/* Exit statuses of every command. */
#define SP_EXIT_OK    0
#define SP_EXIT_FAIL  1
#define SP_EXIT_USAGE 2

/* Largest file a command reads (records are capped far lower by the
 * verifier; this only bounds memory). */
#define SP_CLI_MAX_INPUT ((size_t)64 << 20)

/* Read a whole file, or standard input when path is NULL or "-". *buf is
 * malloc'd and NUL-terminated (the NUL is not counted in *len). Prints an
 * error naming the file and returns -1 on failure. */
int sp_cli__read_input(const char *path, uint8_t **buf, size_t *len);
/* Write all bytes to a file (mode 0644, or 0600 when private), or to stdout
 * when path is NULL. Prints an error and returns -1 on failure. */
int sp_cli__write_output(const char *path, const uint8_t *buf, size_t len,
                         int private_file);
/* Print "silkport: " + message to stderr. */
void sp_cli__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a decimal unsigned number; -1 if not one. */
int sp_cli__parse_u64(const char *s, uint64_t *out);
/* Initialise protocol/ and trust/ (xmlsec); prints and returns -1 on error. */
int sp_cli__init_crypto(void);

/* mkdir -p with mode for the folders it creates; prints and returns -1 on
 * error. */
int sp_cli__mkdir_p(const char *path, unsigned mode);
/* out = a "/" b; prints and returns -1 when it does not fit. */
int sp_cli__path_join(char *out, size_t cap, const char *a, const char *b);
/* 1 if path exists. */
int sp_cli__exists(const char *path);

/* Sign FILE (stdin if NULL) with a key and print it; `what` prefixes errors.
 * Returns an exit status. */
int sp_cli__sign_file(const char *what, const char *key_path,
                      const char *cert_path, const char *in_path);
/* Fill verify options from --at and --skew (either may be NULL). */
int sp_cli__time_opts(const char *at, const char *skew, sp_verify_opts *o);
/* Open a trust list file against one anchor file, as of o->now. Prints the
 * reason and returns NULL on failure; *anchors_out must outlive the result. */
sp_trust *sp_cli__open_trust(const char *what, const char *tl_path,
                             const char *anchor_path, const sp_verify_opts *o,
                             sp_anchors **anchors_out);

/* trust-list helpers (cli_trustlist.c): parse a list without verifying it
 * (prints and returns -1 on error); bump its sequence, set Issued to now and
 * NextUpdate to now + days (0: the list's own window), sign it with the
 * operator's key and print it (returns 0 or -1, having printed why). */
int sp_cli__tl_read_unverified(const char *what, const char *path, sp_tl **out);
int sp_cli__tl_emit(const char *what, sp_tl *tl, const char *key_path,
                    const char *cert_path, uint64_t days);
/* cli_trustlist_members.c: add-member, remove-member, renew-member */
int sp_cli__tl_add_member(int argc, char **argv);
int sp_cli__tl_remove_member(int argc, char **argv);
int sp_cli__tl_renew_member(int argc, char **argv);

int sp_cli_federation(int argc, char **argv);
int sp_cli_record(int argc, char **argv);
int sp_cli_trust_list(int argc, char **argv);
int sp_cli_check_config(int argc, char **argv);
int sp_cli_run(int argc, char **argv);
int sp_cli_log(int argc, char **argv);
int sp_cli_member(int argc, char **argv);
int sp_cli_key(int argc, char **argv);
/* cli_backup.c */
int sp_cli_backup(int argc, char **argv);
int sp_cli_restore(int argc, char **argv);

/* The commands that talk to a running node (cli_peers.c). */
int sp_cli_submit(int argc, char **argv);
int sp_cli_status(int argc, char **argv);
int sp_cli_peers(int argc, char **argv);

/* A member's signing key in a token (cli_member_token.c). Renew: make
 * the new key inside the token of cfg's [signing] key, write its URI to
 * uri_file and into new_key. Pending: read that URI back. Install: name it
 * in node.ini's [signing] key and drop uri_file. Each prints its error and
 * returns -1, or 0. */
struct sp_config;
int sp_cli__token_renew_key(const struct sp_config *cfg, sp_key_alg alg,
                            const char *uri_file, char *new_key, size_t cap);
int sp_cli__token_pending(const char *uri_file, char *new_key, size_t cap);
int sp_cli__token_install_renewal(const char *cfg_path, const char *uri_file,
                                  const char *new_key);

/* Run the command line (argv[1] is the sub-command). Returns the process
 * exit status: 0 success, 1 a refusal or failure, 2 a usage error. */
int sp_cli_main(int argc, char **argv);

#endif /* SP_CLI_INT_H */
