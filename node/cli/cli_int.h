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

/* ---- options (cli_opts.c): each command declares its options in one
 * table and sp_cli__parse() reads argv from it (README.md). */

/* What an option's value is, and so where it goes (the `out` pointer). */
typedef enum {
	SP_CLI_KIND_FLAG,          /* no value; int *out = 1 */
	SP_CLI_KIND_STRING,        /* const char **out */
	SP_CLI_KIND_PATH,          /* const char **out; 1 to 4095 bytes */
	SP_CLI_KIND_U64,           /* uint64_t *out; decimal, min to max */
	SP_CLI_KIND_NODE_ID,       /* const char **out; sp_node_id_valid() */
	SP_CLI_KIND_FEDERATION_ID, /* const char **out; sp_federation_id_valid
	                            */
	SP_CLI_KIND_LIST,          /* sp_cli_list *out; repeated, in order */
	SP_CLI_KIND_ENUM,          /* int *out = the value of one of `words` */
} sp_cli_kind;

/* One word an enum option accepts. A value may have several words: the
 * first is the one messages offer, the others are accepted aliases. */
typedef struct {
	const char *word;
	int value;
} sp_cli_word;

/* A repeated option's values (pointers into argv, which a command may
 * split in place), at most max of them. */
typedef struct {
	char **v;
	size_t n, max;
} sp_cli_list;

typedef struct {
	const char *name; /* the long name, without "--" */
	sp_cli_kind kind;
	void *out;
	int required;
	uint64_t min, max;        /* SP_CLI_KIND_U64 bounds */
	const sp_cli_word *words; /* SP_CLI_KIND_ENUM; ends with {NULL, 0} */
} sp_cli_opt;

#define SP_CLI_REQUIRED 1
#define SP_CLI_MAX_OPTS 24

/* The table's rows; `p` must point to the type the kind stores into (the
 * conditional makes the compiler check it). `req`: 0 or SP_CLI_REQUIRED.
 * clang-format off: one row per line reads better than its layout. */
// clang-format off
#define SP_CLI__OUT(type, p) ((void *)(1 ? (p) : (type *)0))
#define SP_CLI_FLAG(n, p) \
	{(n), SP_CLI_KIND_FLAG, SP_CLI__OUT(int, p), 0, 0, 0, NULL}
#define SP_CLI_STRING(n, p, req) \
	{(n), SP_CLI_KIND_STRING, SP_CLI__OUT(const char *, p), (req), 0, 0, NULL}
#define SP_CLI_PATH(n, p, req) \
	{(n), SP_CLI_KIND_PATH, SP_CLI__OUT(const char *, p), (req), 0, 0, NULL}
#define SP_CLI_U64(n, p, lo, hi, req) \
	{(n), SP_CLI_KIND_U64, SP_CLI__OUT(uint64_t, p), (req), (lo), (hi), NULL}
#define SP_CLI_NODE_ID(n, p, req) \
	{(n), SP_CLI_KIND_NODE_ID, SP_CLI__OUT(const char *, p), (req), 0, 0, \
	 NULL}
#define SP_CLI_FEDERATION_ID(n, p, req) \
	{(n), SP_CLI_KIND_FEDERATION_ID, SP_CLI__OUT(const char *, p), (req), \
	 0, 0, NULL}
#define SP_CLI_LIST(n, p) \
	{(n), SP_CLI_KIND_LIST, SP_CLI__OUT(sp_cli_list, p), 0, 0, 0, NULL}
#define SP_CLI_ENUM(n, p, w, req) \
	{(n), SP_CLI_KIND_ENUM, SP_CLI__OUT(int, p), (req), 0, 0, (w)}
#define SP_CLI_END {NULL, SP_CLI_KIND_FLAG, NULL, 0, 0, 0, NULL}
// clang-format on

/* One command's command line. */
typedef struct {
	const char *what;  /* "member init": begins every message */
	const char *usage; /* --help: stdout; a usage error: stderr */
	const char *args;  /* the positional arguments' name ("DIR") */
	int min_args, max_args;
	const sp_cli_opt *opts; /* ends with SP_CLI_END */
} sp_cli_cmd;

/* sp_cli__parse() found a command line to run. */
#define SP_CLI_GO (-1)

/* Read argv (argv[0] is the command's name) by cmd's table with
 * getopt_long: --help/-h prints the usage to stdout and gives SP_EXIT_OK; a
 * bad value ("member init: --port wants 1 to 65535"), an unknown option, a
 * missing required option or a wrong number of arguments prints why (and,
 * but for a bad value, the usage) to stderr and gives SP_EXIT_USAGE. Else
 * SP_CLI_GO with the positional arguments in *args (n_args of them). */
int sp_cli__parse(const sp_cli_cmd *cmd, int argc, char **argv, char ***args,
                  int *n_args);
/* Print "silkport: WHAT: message" and give SP_EXIT_USAGE: for the checks
 * a command makes across options after sp_cli__parse(). */
int sp_cli__usage_error(const sp_cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A signer of documents: sp_sign_document() or sp_trust_list_cosign(). */
typedef int (*sp_cli_signer)(const sp_key *key, const uint8_t *doc, size_t len,
                             uint8_t **out, size_t *outlen, const char **why);
/* Sign FILE (stdin if NULL) with a key by `sign` and print it; `what`
 * prefixes errors. Returns an exit status. */
int sp_cli__sign_file(const char *what, sp_cli_signer sign,
                      const char *key_path, const char *cert_path,
                      const char *in_path);
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
/* The same for a list the next one is made from: *out names the list's
 * SHA-256 as its PreviousList (SPEC [TL-75]). */
int sp_cli__tl_read_base(const char *what, const char *path, sp_tl **out);
/* trust-list reset (cli_trustlist_reset.c, SPEC [TL-76]). */
int sp_cli__tl_reset(int argc, char **argv);
int sp_cli__tl_emit(const char *what, sp_tl *tl, const char *key_path,
                    const char *cert_path, uint64_t days);
/* cli_trustlist_timestamp.c: "trust-list timestamp", and the statement
 * itself (SPEC 7.9): for the list's bytes, signed with the key and
 * certificate given, which must be the list's TimestampCertificate, valid
 * valid_seconds (0 or more than the list's StalenessBound: the bound).
 * *out is malloc'd. Returns 0 or -1, having printed why. */
int sp_cli__tl_timestamp(int argc, char **argv);
int sp_cli__tl_timestamp_make(const char *what, const char *key_path,
                              const char *cert_path, const uint8_t *list,
                              size_t list_len, uint64_t valid_seconds,
                              uint8_t **out, size_t *out_len);
/* The usage of every trust-list command (cli_trustlist.c). */
extern const char sp_cli__tl_usage[];
/* cli_trustlist_members.c: add-member, remove-member, renew-member */
int sp_cli__tl_add_member(int argc, char **argv);
/* Key overlap (SPEC 14.30): issue member m's next TLS certificate from the
 * DER CSR in csr_path with the CA ca_key/ca_cert (subject and names from
 * the list, as TL-51), write it to csr_path without ".csr" + "-cert.pem",
 * and list it as m's NextTlsCertificate. 0, or -1 after a message. */
int sp_cli__tl_issue_next_tls(const sp_tl *tl, sp_tl_member *m,
                              const char *csr_path, const char *ca_key,
                              const char *ca_cert);
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
