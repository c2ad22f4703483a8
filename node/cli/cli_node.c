/* cli_node.c: "silkport check-config": validate a node configuration. */
#include "cli_int.h"
#include "node.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The shipped unit silkport@ID.service reads /etc/silkport/ID/node.ini and
 * may write only its StateDirectory, /var/lib/silkport/ID
 * (ProtectSystem=strict). */
#define UNIT_CONFIG_ROOT "/etc/silkport/"
#define UNIT_STATE_ROOT  "/var/lib/silkport/"

struct check {
	const char *path; /* the config file, for messages */
	unsigned errors, warnings;
};

static void problem(struct check *c, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct check *c, int error, const char *fmt, ...)
{
	va_list ap;

	if (error)
		c->errors++;
	else
		c->warnings++;
	fprintf(stderr, "%s: %s: ", c->path, error ? "error" : "warning");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The instance name ID when path is /etc/silkport/ID/FILE, else "". */
static void unit_instance(const char *path, char *out, size_t cap)
{
	char abs[4096];
	const char *id, *slash;

	out[0] = '\0';
	if (realpath(path, abs) == NULL ||
	    strncmp(abs, UNIT_CONFIG_ROOT, strlen(UNIT_CONFIG_ROOT)) != 0)
		return;
	id = abs + strlen(UNIT_CONFIG_ROOT);
	if ((slash = strchr(id, '/')) == NULL || strchr(slash + 1, '/'))
		return;
	snprintf(out, cap, "%.*s", (int)(slash - id), id);
}

/* Where the node writes: the database's folder (SQLite adds -wal and -shm
 * files beside it), writable by whoever runs the check (the unit runs
 * check-config as its own user), and, under the unit, inside its
 * StateDirectory. */
static void check_paths(struct check *c, const sp_config *cfg)
{
	char dir[4096], inst[256], state[4096];
	char *slash;
	struct stat st;
	size_t i;
	const char *keys[] = {cfg->tls_key, cfg->sign_key, cfg->log_key};

	/* a PostgreSQL store has no file here (its dsn was parsed on load) */
	if (strcmp(cfg->store_backend, "postgresql") == 0)
		goto keys;
	snprintf(dir, sizeof(dir), "%s", cfg->database);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(dir, W_OK | X_OK) != 0)
		problem(c, 1,
		        "[node] database %s: its folder %s is not writable by "
		        "this user (uid %u): %s",
		        cfg->database, dir, (unsigned)geteuid(),
		        strerror(errno));
	else if (access(cfg->database, F_OK) == 0 &&
	         access(cfg->database, W_OK) != 0)
		problem(c, 1,
		        "[node] database %s is not writable by this user (uid "
		        "%u)",
		        cfg->database, (unsigned)geteuid());
	unit_instance(c->path, inst, sizeof(inst));
	if (inst[0] != '\0') {
		snprintf(state, sizeof(state), "%s%s/", UNIT_STATE_ROOT, inst);
		if (strncmp(cfg->database, state, strlen(state)) != 0)
			problem(c, 0,
			        "[node] database %s: the unit silkport@%s can "
			        "write only %s (its StateDirectory; "
			        "ProtectSystem=strict makes the rest "
			        "read-only)",
			        cfg->database, inst, state);
	}
keys:
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (stat(keys[i], &st) == 0 && (st.st_mode & S_IROTH))
			problem(c, 0,
			        "private key %s is readable by every user",
			        keys[i]);
}

/* The trust list names this node with these keys: what `run` would refuse
 * at start, found before it starts. */
static void check_identity(struct check *c, const sp_config *cfg)
{
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	sp_key *k = NULL;
	sp_note_signer *ns = NULL;
	sp_verify_opts o;
	const sp_tl_member *me = NULL;
	const sp_tl *tl;
	uint8_t *buf = NULL;
	const uint8_t *der;
	size_t len, i;
	const char *why = NULL;
	char origin[256];
	int err;

	if (sp_key_load(cfg->tls_key, cfg->tls_cert, &k, &why) != SP_OK)
		problem(c, 1, "[tls] key %s does not go with cert %s: %s",
		        cfg->tls_key, cfg->tls_cert, why ? why : "");
	if (sp_anchors_new(&anchors) != SP_OK)
		goto out;
	for (i = 0; i < cfg->n_anchors; i++)
		if ((err = sp_anchors_add_pem_file(anchors, cfg->anchors[i],
		                                   &why)) != SP_OK)
			problem(c, 1, "[trust] anchor %s: %s: %s",
			        cfg->anchors[i], sp_strerror(err),
			        why ? why : "");
	if (sp_cli__read_input(cfg->trust_list, &buf, &len) != 0) {
		c->errors++;
		goto keys;
	}
	sp_verify_opts_default(&o);
	o.clock_skew = cfg->clock_skew;
	if ((err = sp_trust_open(anchors, buf, len, NULL, &o, &t, &why)) !=
	    SP_OK) {
		problem(c, 1, "[trust] list %s: %s: %s", cfg->trust_list,
		        sp_strerror(err), why ? why : "");
		goto keys;
	}
	tl = sp_trust_list(t);
	if (strcmp(tl->federation, cfg->federation) != 0)
		problem(c, 1,
		        "[node] federation %s: trust list %s is federation "
		        "%s's",
		        cfg->federation, cfg->trust_list, tl->federation);
	else if ((me = sp_tl_find(tl, cfg->node_id)) == NULL)
		problem(c, 1,
		        "[node] id %s is not a member in trust list %s "
		        "(federation %s, sequence %llu)",
		        cfg->node_id, cfg->trust_list, tl->federation,
		        (unsigned long long)tl->sequence);
	else if (me->status != SP_STATUS_ACTIVE)
		problem(c, 0, "[node] id %s is %s in trust list %s",
		        cfg->node_id, sp_status_name(me->status),
		        cfg->trust_list);
	if (sp_trust_expired(t, (int64_t)time(NULL)))
		problem(c, 0,
		        "[trust] list %s is past its NextUpdate; peers refuse "
		        "traffic after [trust] expiry_grace",
		        cfg->trust_list);
	/* the current or the next certificate (SPEC TL-79) */
	if (me != NULL && k != NULL && me->tls_cert_der != NULL &&
	    ((der = sp_key_cert_der(k, &len)) == NULL ||
	     !sp_tl_member_has_tls_cert(me, der, len)))
		problem(c, 0,
		        "[tls] cert %s is not the TLS certificate the trust "
		        "list gives %s: peers will not recognise this node",
		        cfg->tls_cert, cfg->node_id);
keys:
	sp_key_free(k);
	k = NULL;
	if (sp_key_load(cfg->sign_key, cfg->sign_cert, &k, &why) != SP_OK)
		problem(c, 1, "[signing] key %s does not go with cert %s: %s",
		        cfg->sign_key, cfg->sign_cert, why ? why : "");
	snprintf(origin, sizeof(origin), "silkport/%s/%s", cfg->federation,
	         cfg->node_id);
	if (sp_note_signer_load(origin, cfg->log_key, &ns, &why) != SP_OK)
		problem(c, 1, "[signing] log_key %s: %s", cfg->log_key,
		        why ? why : "unreadable");
	else if (me != NULL && me->log_key != NULL &&
	         !sp_tl_member_has_log_key(me, sp_note_signer_vkey(ns)))
		problem(c, 1,
		        "[signing] log_key %s is not the LogKey the trust list "
		        "gives %s",
		        cfg->log_key, cfg->node_id);
out:
	sp_note_signer_free(ns);
	sp_key_free(k);
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	free(buf);
}

static const char check_usage[] =
    "usage: silkport check-config --config FILE\n"
    "       silkport check-config --list\n"
    "Checks a node configuration without starting the node: exit 0 when it\n"
    "is valid, 1 with 'file:line: what' lines when not. Beyond the syntax it\n"
    "checks what 'run' would refuse (errors: the node id is not in the trust\n"
    "list, a key does not go with its certificate, the database folder is\n"
    "not writable by this user, a [store] dsn libpq cannot parse) and warns "
    "about what the unit as shipped\n"
    "cannot do (a database outside /var/lib/silkport/ID when the config is\n"
    "/etc/silkport/ID/node.ini) and keys that every user can read.\n"
    "--list prints every option with its default and bounds.\n";

int sp_cli_check_config(int argc, char **argv)
{
	const char *path = NULL;
	int list = 0;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", &path, 0),
	    SP_CLI_FLAG("list", &list),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"check-config", check_usage, NULL, 0, 0, opts};
	char errbuf[8192], **args;
	sp_config *cfg;
	struct check chk;
	const char *why = NULL;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (list) {
		sp_config_print_options();
		return SP_EXIT_OK;
	}
	if (path == NULL)
		return sp_cli__usage_error(&cmd,
		                           "--config or --list is required");
	if ((cfg = sp_config_load(path, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return SP_EXIT_FAIL;
	}
	memset(&chk, 0, sizeof(chk));
	chk.path = path;
	if (sp_cli__init_crypto() != 0) {
		sp_config_free(cfg);
		return SP_EXIT_FAIL;
	}
	check_paths(&chk, cfg);
	/* Keys may be pkcs11: URIs: the token settings come first, as in
	 * `run`. */
	if (sp_key_pkcs11_setup(cfg->pkcs11_module, cfg->pkcs11_pin_env,
	                        &why) != SP_OK)
		problem(&chk, 1, "[pkcs11] module %s: %s",
		        cfg->pkcs11_module ? cfg->pkcs11_module : "(default)",
		        why ? why : "cannot be loaded");
	else
		check_identity(&chk, cfg);
	if (chk.errors > 0) {
		fprintf(stderr, "%s: %u error(s), %u warning(s)\n", path,
		        chk.errors, chk.warnings);
		sp_config_free(cfg);
		return SP_EXIT_FAIL;
	}
	printf("%s: ok%s (node %s, federation %s, %s:%lld)\n", path,
	       chk.warnings ? " with warnings" : "", cfg->node_id,
	       cfg->federation, cfg->listen_address,
	       (long long)cfg->listen_port);
	/* Read grants beyond the visibility rule are shown, never implied
	 * (ACC-10, ACC-14). */
	printf("access: operator_read=%s wide_read=", cfg->operator_read);
	for (size_t i = 0; i < cfg->n_wide_readers; i++)
		printf("%s%s", i ? "," : "", cfg->wide_readers[i]);
	printf("%s\n", cfg->n_wide_readers ? "" : "-");
	sp_config_free(cfg);
	return SP_EXIT_OK;
}
