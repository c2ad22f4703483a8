/* cli_federation.c: "silkport federation init": a new federation's operator CA,
 * member identities and the first signed trust list. */
#include "cli_int.h"
#include "node.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_MEMBERS 64
#define CA_DAYS     3650
#define MEMBER_DAYS 825
#define LIST_DAYS   7 /* the default cap on a list's window, SPEC [TL-64] */

static const char usage_text[] =
    "usage: silkport federation init DIR --federation ID [--rsa] "
    "[--list-alg sm2]\n"
    "       silkport federation init DIR --federation ID --member "
    "ID[:ROLE[:ALG]] "
    "...\n"
    "         [--existing ID=MEMBER-DIR ...] [--rsa] [--list-alg sm2]\n"
    "         [--base-port N] [--host NAME]\n"
    "         [--config-dir DIR --state-dir DIR]\n"
    "         [--may-originate ID=TYPE[,TYPE...] ...]\n"
    "         [--operators N --threshold T]\n"
    "Without --member: the operator's CA (DIR/operator/) and a signed trust\n"
    "list with no members (DIR/trust-list.xml); members then join with\n"
    "'silkport member init' on their own machines and the operator's\n"
    "'silkport trust-list add-member', and no private key of theirs is ever\n"
    "here. With --member (the quick path, for demos and tests): also one "
    "folder\n"
    "per member (DIR/members/ID/: signing, TLS, operator-client and log keys,\n"
    "and node.ini, the member's node configuration)\n"
    "and DIR/trust-list.xml signed by the operator.\n"
    "  ROLE          zone (default), port-authority or auditor\n"
    "  ALG           the member's record signing algorithm: p256, rsa2048\n"
    "                or sm2 (SM2-with-SM3; its TLS key stays P-256)\n"
    "  --rsa         RSA-2048 keys instead of ECDSA P-256\n"
    "  --list-alg sm2  the operator signs trust lists with SM2-with-SM3: a\n"
    "                second operator key (DIR/operator/list-key.pem and\n"
    "                list-cert.pem) beside the CA, which stays P-256 (or RSA)\n"
    "                because it issues the TLS certificates; nodes configure\n"
    "                both as anchors (DIR/operator/anchors.pem)\n"
    "  --base-port N member i (from 0, in the order given) gets port N+i "
    "(7400)\n"
    "  --host NAME   extra TLS name and the host in member endpoints\n"
    "  --existing ID=MEMBER-DIR  member ID runs its node in another "
    "federation\n"
    "                (MEMBER-DIR is its folder there, with node.ini): list "
    "its\n"
    "                signing certificate and LogKey from there and issue only "
    "a\n"
    "                TLS and an operator identity for this federation (a\n"
    "                gateway); prints the [relay] lines for its node.ini\n"
    "  --may-originate ID=TYPE[,TYPE...]  member ID may originate exactly\n"
    "                these record types (SPEC 5.2 codes); without it, its\n"
    "                role's: a zone every type, a port authority its port's\n"
    "                decisions (not credit, negative-list, ...), an auditor\n"
    "                none\n"
    "  --operators N --threshold T  N operator keys (the CA and\n"
    "                DIR/operator/opI-key.pem, opI-cert.pem for I = 2..N),\n"
    "                all anchors (DIR/operator/anchors.pem); the list names\n"
    "                them and needs T of their signatures (SPEC 7.2); the\n"
    "                first list is signed by operators 1..T\n"
    "  --config-dir DIR  put each member's keys, node.ini and a copy of the\n"
    "                trust list and anchor in DIR/ID/ (e.g. /etc/silkport)\n"
    "                instead of DIR/members/ID/; node.ini then has absolute\n"
    "                paths\n"
    "  --state-dir DIR   put each member's database in DIR/ID/ (e.g.\n"
    "                /var/lib/silkport, the unit's StateDirectory); needs\n"
    "                --config-dir\n"
    "  Run as root with a 'silkport' system user (the Debian package makes\n"
    "  it), the config folders become root:silkport 0750 with keys 0640, the\n"
    "  operator's client key root-only, and the state folders silkport's.\n";

/* Where members' files go: DIR/members/ID (both NULL) or the production
 * layout CONFIG/ID and STATE/ID. */
struct layout {
	const char *config_dir;
	const char *state_dir;
	int chown;          /* root with a service user: hand files to it */
	uid_t uid;          /* the service user */
	gid_t gid;          /* its group */
	const char *group;  /* its name, for messages */
	const char *anchor; /* what nodes configure as the federation's
	                       anchors, relative to DIR (make_operator) */
};

#define SERVICE_USER "silkport"

struct member_arg {
	char id[SP_NODE_ID_MAX + 1];
	sp_member_role role;
	const char *existing; /* its member folder in its own federation */
	sp_key_alg sign_alg;  /* 0: the federation's (--rsa or P-256) */
	sp_type_set types;    /* --may-originate; 0: the role's defaults */
};

/* snprintf that reports truncation: every name here is bounded (ids are at
 * most 64 bytes), so truncation means a bug, not input to shorten. */
static int fmt(char *out, size_t cap, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static int fmt(char *out, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(out, cap, f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		sp_cli__err("name too long: %s", out);
		return -1;
	}
	return 0;
}

/* A member that already runs a node in another federation: take its
 * signing certificate and LogKey from that node's config (SPEC FED-32). */
static int existing_identity(const struct member_arg *ma, sp_tl_member *m)
{
	char path[4096], errbuf[2048], name[256];
	sp_config *cfg = NULL;
	sp_note_signer *ns = NULL;
	sp_tl_signing_cert *sc;
	const char *why = NULL;
	int err, rc = -1;

	if (sp_cli__path_join(path, sizeof(path), ma->existing, "node.ini") !=
	    0)
		return -1;
	if ((cfg = sp_config_load(path, errbuf, sizeof(errbuf))) == NULL) {
		sp_cli__err("federation init: member %s: %s", ma->id, errbuf);
		return -1;
	}
	if (strcmp(cfg->node_id, ma->id) != 0) {
		sp_cli__err("federation init: %s is the config of %s, not %s",
		            path, cfg->node_id, ma->id);
		goto out;
	}
	if ((m->signing = calloc(1, sizeof(*m->signing))) == NULL)
		goto out;
	m->n_signing = 1;
	sc = &m->signing[0];
	if ((err = sp_pki_cert_der(cfg->sign_cert, &sc->der, &sc->der_len,
	                           &why)) != SP_OK)
		goto fail;
	sc->method = sp_key_alg_method(sp_pki_cert_alg(sc->der, sc->der_len));
	sc->valid_from = (int64_t)time(NULL) - 3600;
	sc->valid_until = (int64_t)time(NULL) + (int64_t)MEMBER_DAYS * 86400;
	if (fmt(name, sizeof(name), "silkport/%s/%s", cfg->federation,
	        ma->id) != 0)
		goto out;
	if ((err = sp_note_signer_load(name, cfg->log_key, &ns, &why)) != SP_OK)
		goto fail;
	if ((m->log_key = strdup(sp_note_signer_vkey(ns))) == NULL)
		goto out;
	rc = 0;
	goto out;
fail:
	sp_cli__err("federation init: member %s: %s: %s", ma->id,
	            sp_strerror(err), why ? why : "");
out:
	sp_note_signer_free(ns);
	sp_config_free(cfg);
	return rc;
}

/* Issue a certificate for a fresh key, signed by DIR/operator's CA. */
static int issue(const char *dir, sp_cert_usage usage, const char *cn,
                 const char *const *sans, sp_key_alg alg, const char *key_out,
                 const char *cert_out, const char **why)
{
	char ca_key[4096], ca_cert[4096];

	if (sp_cli__path_join(ca_key, sizeof(ca_key), dir,
	                      "operator/key.pem") != 0 ||
	    sp_cli__path_join(ca_cert, sizeof(ca_cert), dir,
	                      "operator/cert.pem") != 0)
		return SP_ERR_INVALID_ARGUMENT;
	return sp_pki_issue(ca_key, ca_cert, usage, cn, sans, alg, MEMBER_DAYS,
	                    key_out, cert_out, why);
}

/* The folder of member id's keys and node.ini. */
static int member_dir(char *out, size_t cap, const char *dir,
                      const struct layout *l, const char *id)
{
	return l->config_dir != NULL ? fmt(out, cap, "%s/%s", l->config_dir, id)
	                             : fmt(out, cap, "%s/members/%s", dir, id);
}

/* Copy a small file (a trust list or a certificate), mode 0644 before
 * finish_member() narrows it. */
static int copy_file(const char *from, const char *to)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if (sp_cli__read_input(from, &buf, &len) != 0)
		return -1;
	rc = sp_cli__write_output(to, buf, len, 0);
	free(buf);
	return rc;
}

/* Production layout: the config folder and the files the node reads go to
 * root:GROUP 0750/0640 so that only the service user (and root) read them
 * and it cannot change them; the operator's client key stays root's; the
 * state folder is the service user's. Without a service user (not root):
 * the folder is 0700 and the files 0600 for whoever ran init. */
static int finish_member(const struct layout *l, const char *mdir,
                         const char *sdir)
{
	static const char *const files[] = {
	    "node.ini",       "tls-cert.pem",     "tls-key.pem",
	    "sign-key.pem",   "sign-cert.pem",    "log-key.pem",
	    "trust-list.xml", "trust-anchor.pem", "operator-cert.pem"};
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (sp_cli__path_join(path, sizeof(path), mdir, files[i]) != 0)
			return -1;
		if (l->chown
		        ? chown(path, 0, l->gid) != 0 || chmod(path, 0640) != 0
		        : chmod(path, 0600) != 0) {
			sp_cli__err("%s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (sp_cli__path_join(path, sizeof(path), mdir, "operator-key.pem") !=
	    0)
		return -1;
	if (chmod(path, 0600) != 0 ||
	    (l->chown ? chown(mdir, 0, l->gid) != 0 || chmod(mdir, 0750) != 0
	              : chmod(mdir, 0700) != 0)) {
		sp_cli__err("%s: %s", mdir, strerror(errno));
		return -1;
	}
	if (sdir != NULL && (l->chown ? chown(sdir, l->uid, l->gid) != 0 : 0)) {
		sp_cli__err("%s: %s", sdir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The member's signing certificate: from its node in another federation
 * (--existing), or a fresh key issued here. */
static int member_signing(const char *dir, const char *mdir,
                          const struct member_arg *ma, sp_key_alg alg,
                          sp_tl_member *m)
{
	char key[4096], cert[4096], cn[256];
	const char *why = NULL;
	sp_tl_signing_cert *sc;
	int err;

	if (ma->existing != NULL)
		return existing_identity(ma, m);
	if (ma->sign_alg)
		alg = ma->sign_alg;
	if (fmt(cn, sizeof(cn), "%s record signing", ma->id) != 0 ||
	    sp_cli__path_join(key, sizeof(key), mdir, "sign-key.pem") != 0 ||
	    sp_cli__path_join(cert, sizeof(cert), mdir, "sign-cert.pem") != 0)
		return -1;
	if ((err = issue(dir, SP_CERT_SIGNING, cn, NULL, alg, key, cert,
	                 &why)) != SP_OK)
		goto fail;
	if ((m->signing = calloc(1, sizeof(*m->signing))) == NULL)
		return -1;
	m->n_signing = 1;
	sc = &m->signing[0];
	if ((err = sp_pki_cert_der(cert, &sc->der, &sc->der_len, &why)) !=
	    SP_OK)
		goto fail;
	sc->valid_from = (int64_t)time(NULL) - 3600;
	sc->valid_until = (int64_t)time(NULL) + (int64_t)MEMBER_DAYS * 86400;
	/* SPEC [TL-45]: the list names the method */
	sc->method = sp_key_alg_method(alg);
	return 0;
fail:
	sp_cli__err("federation init: member %s: %s: %s", ma->id,
	            sp_strerror(err), why ? why : "");
	return -1;
}

/* The member's TLS and operator-client identities (and, but for a
 * gateway, its checkpoint key). */
static int member_identities(const char *dir, const char *mdir,
                             const char *federation,
                             const struct member_arg *ma, sp_key_alg alg,
                             const char *host, sp_tl_member *m)
{
	char key[4096], cert[4096], cn[256], origin[256];
	const char *sans[4] = {"localhost", "127.0.0.1", host, NULL};
	const char *why = NULL;
	int err;

	if (fmt(cn, sizeof(cn), "%s", ma->id) != 0 ||
	    sp_cli__path_join(key, sizeof(key), mdir, "tls-key.pem") != 0 ||
	    sp_cli__path_join(cert, sizeof(cert), mdir, "tls-cert.pem") != 0)
		return -1;
	if ((err = issue(dir, SP_CERT_TLS, cn, sans, alg, key, cert, &why)) !=
	        SP_OK ||
	    (err = sp_pki_cert_der(cert, &m->tls_cert_der, &m->tls_cert_der_len,
	                           &why)) != SP_OK)
		goto fail;
	if (fmt(cn, sizeof(cn), "%s local operator", ma->id) != 0 ||
	    sp_cli__path_join(key, sizeof(key), mdir, "operator-key.pem") !=
	        0 ||
	    sp_cli__path_join(cert, sizeof(cert), mdir, "operator-cert.pem") !=
	        0)
		return -1;
	if ((err = issue(dir, SP_CERT_OPERATOR, cn, NULL, alg, key, cert,
	                 &why)) != SP_OK)
		goto fail;
	if (ma->existing != NULL)
		return 0;
	if (sp_cli__path_join(key, sizeof(key), mdir, "log-key.pem") != 0 ||
	    fmt(origin, sizeof(origin), "silkport/%s/%s", federation, ma->id) !=
	        0)
		return -1;
	if ((err = sp_note_keygen(origin, key, &m->log_key, &why)) != SP_OK)
		goto fail;
	return 0;
fail:
	sp_cli__err("federation init: member %s: %s: %s", ma->id,
	            sp_strerror(err), why ? why : "");
	return -1;
}

/* The entry's id, name, role and endpoint. */
static int member_entry(const struct member_arg *ma, unsigned port,
                        const char *host, sp_tl_member *m)
{
	char cn[256], url[512];

	if (fmt(m->node_id, sizeof(m->node_id), "%s", ma->id) != 0 ||
	    fmt(cn, sizeof(cn), "%s (%s)", ma->id, sp_role_name(ma->role)) != 0)
		return -1;
	if ((m->name = strdup(cn)) == NULL)
		return -1;
	m->role = ma->role;
	m->status = SP_STATUS_ACTIVE;
	m->may_originate = ma->types;
	if (fmt(url, sizeof(url), "https://%s:%u", host ? host : "127.0.0.1",
	        port) != 0)
		return -1;
	if ((m->endpoints = calloc(1, sizeof(char *))) == NULL ||
	    (m->endpoints[0] = strdup(url)) == NULL)
		return -1;
	m->n_endpoints = 1;
	return 0;
}

/* A gateway's node runs from its own federation's config: say what to
 * add there. */
static void print_gateway(const char *dir, const char *federation,
                          const char *anchor, const struct member_arg *ma)
{
	char abs[4096];

	if (realpath(dir, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", dir);
	fprintf(stderr,
	        "  member %s is a gateway: add to %s/node.ini\n"
	        "    [relay]\n    federation = %s\n    trust_list = "
	        "%s/trust-list.xml\n"
	        "    anchor = %s/%s\n    tls_cert = "
	        "%s/members/%s/tls-cert.pem\n"
	        "    tls_key = %s/members/%s/tls-key.pem\n",
	        ma->id, ma->existing, federation, abs, abs, anchor, abs, ma->id,
	        abs, ma->id);
}

/* Production layout: absolute paths (the unit's working folder is the
 * state folder), and the node's own copies of the trust list and anchor,
 * so that nothing it reads lives in the operator's folder. */
static int production_config(const char *dir, const struct layout *l,
                             const char *federation, const char *id,
                             unsigned port, const char *mdir, const char *ini)
{
	char abs_cfg[4096], abs_state[4096], tl_path[4096], anchor[4096];
	char buf[4096];

	if (realpath(mdir, abs_cfg) == NULL) {
		sp_cli__err("%s: %s", mdir, strerror(errno));
		return -1;
	}
	if (l->state_dir != NULL) {
		if (fmt(buf, sizeof(buf), "%s/%s", l->state_dir, id) != 0 ||
		    sp_cli__mkdir_p(buf, 0700) != 0)
			return -1;
		if (realpath(buf, abs_state) == NULL) {
			sp_cli__err("%s: %s", buf, strerror(errno));
			return -1;
		}
	}
	if (sp_cli__path_join(tl_path, sizeof(tl_path), abs_cfg,
	                      "trust-list.xml") != 0 ||
	    sp_cli__path_join(anchor, sizeof(anchor), abs_cfg,
	                      "trust-anchor.pem") != 0 ||
	    sp_cli__path_join(buf, sizeof(buf), dir, l->anchor) != 0 ||
	    copy_file(buf, anchor) != 0)
		return -1;
	if (sp_config_write_member(ini, id, federation, port, abs_cfg,
	                           l->state_dir ? abs_state : NULL, tl_path,
	                           anchor, NULL, NULL) != 0) {
		sp_cli__err("federation init: %s: %s", ini, strerror(errno));
		return -1;
	}
	return 0;
}

/* The member's node.ini, in the layout asked for. */
static int member_config(const char *dir, const struct layout *l,
                         const char *federation, const struct member_arg *ma,
                         unsigned port, const char *mdir)
{
	char ini[4096], anchor[4096];

	if (ma->existing != NULL) {
		print_gateway(dir, federation, l->anchor, ma);
		return 0;
	}
	if (sp_cli__path_join(ini, sizeof(ini), mdir, "node.ini") != 0)
		return -1;
	if (l->config_dir != NULL)
		return production_config(dir, l, federation, ma->id, port, mdir,
		                         ini);
	if (fmt(anchor, sizeof(anchor), "../../%s", l->anchor) != 0)
		return -1;
	if (sp_config_write_member(ini, ma->id, federation, port, NULL, NULL,
	                           "../../trust-list.xml", anchor, NULL,
	                           NULL) != 0) {
		sp_cli__err("federation init: %s: %s", ini, strerror(errno));
		return -1;
	}
	return 0;
}

/* Issue one member's keys and fill its trust-list entry. */
static int make_member(const char *dir, const struct layout *l,
                       const char *federation, const struct member_arg *ma,
                       sp_key_alg alg, unsigned port, const char *host,
                       sp_tl_member *m)
{
	char mdir[4096], ini[4096];

	if (member_dir(mdir, sizeof(mdir), dir, l, ma->id) != 0)
		return -1;
	if (l->config_dir != NULL && ma->existing == NULL) {
		if (sp_cli__path_join(ini, sizeof(ini), mdir, "node.ini") != 0)
			return -1;
		if (sp_cli__exists(ini)) {
			sp_cli__err("federation init: %s exists; refusing to "
			            "overwrite a node's configuration",
			            ini);
			return -1;
		}
	}
	if (sp_cli__mkdir_p(mdir, 0700) != 0 ||
	    member_signing(dir, mdir, ma, alg, m) != 0)
		return -1;
	/* TLS and the operator client stay on P-256 or RSA (SPEC [SEC-34]) */
	if (ma->sign_alg == SP_KEY_P256 || ma->sign_alg == SP_KEY_RSA2048)
		alg = ma->sign_alg;
	if (member_identities(dir, mdir, federation, ma, alg, host, m) != 0 ||
	    member_entry(ma, port, host, m) != 0)
		return -1;
	return member_config(dir, l, federation, ma, port, mdir);
}

static void free_members(sp_tl_member *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sp_tl_member *m = &ms[i];

		free(m->name);
		if (m->endpoints)
			free(m->endpoints[0]);
		free(m->endpoints);
		free(m->tls_cert_der);
		if (m->signing)
			free(m->signing[0].der);
		free(m->signing);
		free(m->log_key);
	}
	free(ms);
}

/* "federation init": what the command line asked for. */
struct init_args {
	const char *dir, *federation, *host;
	int rsa;
	int list_alg; /* an sp_key_alg; 0: the CA's own key signs the list */
	uint64_t base_port;
	struct layout lay;
	char *member_v[MAX_MEMBERS], *existing_v[MAX_MEMBERS];
	sp_cli_list members, existing;
	char *types_v[MAX_MEMBERS];
	sp_cli_list types; /* --may-originate ID=TYPE,... */
	struct member_arg margs[MAX_MEMBERS];
	size_t n_members;
	uint64_t operators, threshold; /* 0: one operator key (SPEC 7.2) */
};

/* --member ID[:ROLE[:ALG]] (split in place). */
static int parse_member(const sp_cli_cmd *cmd, char *arg, struct member_arg *ma)
{
	char *colon = strchr(arg, ':'), *alg_s;

	ma->role = SP_ROLE_ZONE;
	ma->existing = NULL;
	ma->sign_alg = 0;
	if (colon != NULL) {
		*colon = '\0';
		if ((alg_s = strchr(colon + 1, ':')) != NULL) {
			*alg_s++ = '\0';
			if (sp_key_alg_parse(alg_s, &ma->sign_alg) != SP_OK)
				return sp_cli__usage_error(
				    cmd,
				    "member %s: algorithm '%s' is not p256, "
				    "rsa2048 or sm2",
				    arg, alg_s);
		}
		if (sp_role_parse(colon + 1, &ma->role) != SP_OK)
			return sp_cli__usage_error(cmd,
			                           "role '%s' is not zone, "
			                           "port-authority or auditor",
			                           colon + 1);
	}
	if (!sp_node_id_valid(arg))
		return sp_cli__usage_error(
		    cmd, "'%s' is not a node id ([A-Z0-9][A-Za-z0-9._-]{0,63})",
		    arg);
	snprintf(ma->id, sizeof(ma->id), "%s", arg);
	return SP_CLI_GO;
}

/* Every --may-originate ID=TYPE[,TYPE...] onto its member (SPEC [TL-59]). */
static int parse_may_originate(const sp_cli_cmd *cmd, struct init_args *a)
{
	const char *why = NULL;
	size_t i, j;

	for (i = 0; i < a->types.n; i++) {
		char *id = a->types_v[i], *eq = strchr(id, '=');

		if (eq == NULL)
			return sp_cli__usage_error(
			    cmd, "--may-originate wants ID=TYPE[,TYPE...]");
		*eq = '\0';
		for (j = 0; j < a->n_members && strcmp(a->margs[j].id, id) != 0;
		     j++)
			;
		if (j == a->n_members)
			return sp_cli__usage_error(
			    cmd, "--may-originate %s: no such --member", id);
		if (a->margs[j].types != 0)
			return sp_cli__usage_error(
			    cmd, "--may-originate %s given twice", id);
		if (sp_type_set_parse(eq + 1, &a->margs[j].types, &why) !=
		    SP_OK)
			return sp_cli__usage_error(
			    cmd, "--may-originate %s: %s", id, why);
	}
	return SP_CLI_GO;
}

/* Every --member, then every --existing ID=MEMBER-DIR onto its member. */
static int parse_members(const sp_cli_cmd *cmd, struct init_args *a)
{
	size_t i, j;
	int rc;

	for (i = 0; i < a->members.n; i++) {
		if ((rc = parse_member(cmd, a->member_v[i], &a->margs[i])) !=
		    SP_CLI_GO)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(a->margs[j].id, a->margs[i].id) == 0)
				return sp_cli__usage_error(
				    cmd, "member %s given twice",
				    a->margs[i].id);
	}
	a->n_members = a->members.n;
	for (i = 0; i < a->existing.n; i++) {
		char *id = a->existing_v[i], *eq = strchr(id, '=');

		if (eq == NULL)
			return sp_cli__usage_error(
			    cmd, "--existing wants ID=MEMBER-DIR");
		*eq = '\0';
		for (j = 0; j < a->n_members && strcmp(a->margs[j].id, id) != 0;
		     j++)
			;
		if (j == a->n_members)
			return sp_cli__usage_error(
			    cmd, "--existing %s: no such --member", id);
		a->margs[j].existing = eq + 1;
	}
	return parse_may_originate(cmd, a);
}

/* Run as root with a 'silkport' system user: hand it the files. */
static void find_service_user(struct layout *lay)
{
	const struct passwd *pw;

	if (lay->config_dir == NULL || geteuid() != 0 ||
	    (pw = getpwnam(SERVICE_USER)) == NULL)
		return;
	lay->chown = 1;
	lay->uid = pw->pw_uid;
	lay->gid = pw->pw_gid;
	lay->group = SERVICE_USER;
}

static int init_parse(int argc, char **argv, struct init_args *a)
{
	/* Only SM2 is offered: for P-256 and RSA the CA's own key signs. */
	static const sp_cli_word list_algs[] = {{"sm2", SP_KEY_SM2}, {NULL, 0}};
	const sp_cli_opt opts[] = {
	    SP_CLI_FEDERATION_ID("federation", &a->federation, SP_CLI_REQUIRED),
	    SP_CLI_LIST("member", &a->members),
	    SP_CLI_FLAG("rsa", &a->rsa),
	    SP_CLI_ENUM("list-alg", &a->list_alg, list_algs, 0),
	    SP_CLI_U64("base-port", &a->base_port, 1, 65535, 0),
	    SP_CLI_STRING("host", &a->host, 0),
	    SP_CLI_LIST("existing", &a->existing),
	    SP_CLI_LIST("may-originate", &a->types),
	    SP_CLI_PATH("config-dir", &a->lay.config_dir, 0),
	    SP_CLI_PATH("state-dir", &a->lay.state_dir, 0),
	    SP_CLI_U64("operators", &a->operators, 2, SP_TL_OPERATORS_MAX, 0),
	    SP_CLI_U64("threshold", &a->threshold, 1, SP_TL_OPERATORS_MAX, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "federation init", usage_text, "DIR", 1, 1, opts};
	char **args;
	int n_args, rc;

	memset(a, 0, sizeof(*a));
	a->base_port = 7400;
	a->members = (sp_cli_list){a->member_v, 0, MAX_MEMBERS};
	a->existing = (sp_cli_list){a->existing_v, 0, MAX_MEMBERS};
	a->types = (sp_cli_list){a->types_v, 0, MAX_MEMBERS};
	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	a->dir = args[0];
	if (a->lay.state_dir != NULL && a->lay.config_dir == NULL)
		return sp_cli__usage_error(&cmd, "--state-dir needs "
		                                 "--config-dir");
	if (a->lay.config_dir != NULL && a->members.n == 0)
		return sp_cli__usage_error(&cmd, "--config-dir lays out "
		                                 "members' nodes: it needs "
		                                 "--member");
	if ((a->operators != 0) != (a->threshold != 0) ||
	    a->threshold > a->operators)
		return sp_cli__usage_error(&cmd, "--operators N and "
		                                 "--threshold T go together, "
		                                 "with T at most N");
	if (a->operators != 0 && a->list_alg != 0)
		return sp_cli__usage_error(&cmd, "--operators and --list-alg "
		                                 "do not go together");
	a->lay.anchor = a->list_alg || a->operators ? "operator/anchors.pem"
	                                            : "operator/cert.pem";
	if ((rc = parse_members(&cmd, a)) != SP_CLI_GO)
		return rc;
	if (a->base_port + a->n_members - 1 > 65535)
		return sp_cli__usage_error(&cmd, "ports %llu.. run past 65535",
		                           (unsigned long long)a->base_port);
	find_service_user(&a->lay);
	return SP_CLI_GO;
}

/* With --list-alg: the operator's list-signing key beside its CA
 * (list-key.pem, list-cert.pem), and anchors.pem, the two certificates
 * that nodes configure as the federation's anchors. The CA stays the
 * issuer of every member certificate: OpenSSL 3.0 verifies an SM2-signed
 * certificate chain only without the SM2 distinguishing identifier, which
 * other SM2 software would not verify, so SM2 keys never sign
 * certificates of the TLS chain (SPEC [SEC-34]). key and cert become the
 * list signer's. */
static int make_list_signer(const struct init_args *a, char *key, char *cert)
{
	char anchors[4096], cn[256];
	uint8_t *ca = NULL, *ls = NULL, *both = NULL;
	size_t ca_len = 0, ls_len = 0;
	const char *why = NULL;
	int err, rc = -1;

	snprintf(cn, sizeof(cn), "silkport federation %s list signer",
	         a->federation);
	if (sp_cli__path_join(anchors, sizeof(anchors), a->dir,
	                      a->lay.anchor) != 0 ||
	    sp_cli__read_input(cert, &ca, &ca_len) != 0 ||
	    sp_cli__path_join(key, 4096, a->dir, "operator/list-key.pem") !=
	        0 ||
	    sp_cli__path_join(cert, 4096, a->dir, "operator/list-cert.pem") !=
	        0)
		goto out;
	if ((err = sp_pki_make_ca(cn, (sp_key_alg)a->list_alg, CA_DAYS, key,
	                          cert, &why)) != SP_OK) {
		sp_cli__err("federation init: list signer: %s: %s",
		            sp_strerror(err), why ? why : "");
		goto out;
	}
	if (sp_cli__read_input(cert, &ls, &ls_len) != 0 ||
	    (both = malloc(ls_len + ca_len)) == NULL)
		goto out;
	memcpy(both, ls, ls_len);
	memcpy(both + ls_len, ca, ca_len);
	if (sp_cli__write_output(anchors, both, ls_len + ca_len, 0) != 0)
		goto out;
	fprintf(stderr,
	        "federation %s: list signer %s (SM2); anchors for nodes: %s\n",
	        a->federation, cert, anchors);
	rc = 0;
out:
	free(ca);
	free(ls);
	free(both);
	return rc;
}

/* DIR/operator: the federation operator's CA (key.pem, cert.pem), and with
 * --list-alg its list signer. */
static int make_operator(const struct init_args *a, sp_key_alg alg, char *key,
                         char *cert, char *cn, size_t cn_cap)
{
	char path[4096];
	const char *why = NULL;
	int err;

	if (sp_cli__path_join(path, sizeof(path), a->dir, "trust-list.xml") !=
	    0)
		return -1;
	if (sp_cli__exists(path)) {
		sp_cli__err("federation init: %s exists; refusing to overwrite "
		            "a federation",
		            path);
		return -1;
	}
	if (sp_cli__init_crypto() != 0 || sp_cli__mkdir_p(a->dir, 0755) != 0 ||
	    sp_cli__path_join(path, sizeof(path), a->dir, "operator") != 0 ||
	    sp_cli__mkdir_p(path, 0700) != 0 ||
	    sp_cli__path_join(key, 4096, a->dir, "operator/key.pem") != 0 ||
	    sp_cli__path_join(cert, 4096, a->dir, "operator/cert.pem") != 0)
		return -1;
	snprintf(cn, cn_cap, "silkport federation %s operator", a->federation);
	if ((err = sp_pki_make_ca(cn, alg, CA_DAYS, key, cert, &why)) !=
	    SP_OK) {
		sp_cli__err("federation init: operator CA: %s: %s",
		            sp_strerror(err), why ? why : "");
		return -1;
	}
	fprintf(stderr, "federation %s: operator CA %s\n", a->federation, cert);
	return a->list_alg ? make_list_signer(a, key, cert) : 0;
}

/* --operators N: operator I's key (I = 2..N) as DIR/operator/opI-key.pem
 * and opI-cert.pem; every operator's certificate in the list and in
 * anchors.pem, which nodes configure (SPEC [TL-71]). */
static int make_operators(const struct init_args *a, sp_key_alg alg,
                          const char *cert1, sp_tl *tl)
{
	char key[4096], cert[4096], cn[256], anchors[4096];
	sp_text pem;
	uint8_t *buf = NULL;
	size_t len;
	const char *why = NULL;
	int err, rc = -1;

	if (a->operators == 0)
		return 0;
	tl->operator_certs = calloc(a->operators, sizeof(*tl->operator_certs));
	if (tl->operator_certs == NULL)
		return -1;
	memset(&pem, 0, sizeof(pem));
	for (uint64_t i = 1; i <= a->operators; i++) {
		sp_tl_operator_cert *oc = &tl->operator_certs[i - 1];

		snprintf(cn, sizeof(cn), "silkport federation %s operator %llu",
		         a->federation, (unsigned long long)i);
		if (i == 1)
			snprintf(cert, sizeof(cert), "%s", cert1);
		else if (fmt(key, sizeof(key), "%s/operator/op%llu-key.pem",
		             a->dir, (unsigned long long)i) != 0 ||
		         fmt(cert, sizeof(cert), "%s/operator/op%llu-cert.pem",
		             a->dir, (unsigned long long)i) != 0 ||
		         (err = sp_pki_make_ca(cn, alg, CA_DAYS, key, cert,
		                               &why)) != SP_OK) {
			sp_cli__err("federation init: operator %llu: %s",
			            (unsigned long long)i, why ? why : "");
			goto out;
		}
		if ((err = sp_pki_cert_der(cert, &oc->der, &oc->der_len,
		                           &why)) != SP_OK ||
		    sp_cli__read_input(cert, &buf, &len) != 0) {
			sp_cli__err("federation init: %s: %s", cert,
			            why ? why : "unreadable");
			goto out;
		}
		tl->n_operator_certs++;
		sp_text_append(&pem, (const char *)buf, len);
		free(buf);
		buf = NULL;
	}
	tl->threshold = (unsigned)a->threshold;
	if (pem.failed ||
	    sp_cli__path_join(anchors, sizeof(anchors), a->dir,
	                      a->lay.anchor) != 0 ||
	    sp_cli__write_output(anchors, (const uint8_t *)pem.buf, pem.len,
	                         0) != 0)
		goto out;
	fprintf(stderr,
	        "federation %s: %llu operators, threshold %llu; anchors for "
	        "nodes: %s\n",
	        a->federation, (unsigned long long)a->operators,
	        (unsigned long long)a->threshold, anchors);
	rc = 0;
out:
	sp_text_free(&pem);
	return rc;
}

/* Operators 2..T add their signatures to the first list (SPEC [TL-72]). */
static int cosign_first_list(const struct init_args *a, uint8_t **doc,
                             size_t *len)
{
	char key[4096], cert[4096];
	sp_key *op = NULL;
	uint8_t *next = NULL;
	const char *why = NULL;
	int err;

	for (uint64_t i = 2; i <= a->threshold; i++) {
		if (fmt(key, sizeof(key), "%s/operator/op%llu-key.pem", a->dir,
		        (unsigned long long)i) != 0 ||
		    fmt(cert, sizeof(cert), "%s/operator/op%llu-cert.pem",
		        a->dir, (unsigned long long)i) != 0)
			return -1;
		if ((err = sp_key_load(key, cert, &op, &why)) != SP_OK ||
		    (err = sp_trust_list_cosign(op, *doc, *len, &next, len,
		                                &why)) != SP_OK) {
			sp_cli__err("federation init: operator %llu signs: "
			            "%s: %s",
			            (unsigned long long)i, sp_strerror(err),
			            why ? why : "");
			sp_key_free(op);
			return -1;
		}
		sp_key_free(op);
		op = NULL;
		free(*doc);
		*doc = next;
		next = NULL;
	}
	return 0;
}

/* Every member's keys, node.ini and list entry. */
static int make_members(const struct init_args *a, sp_key_alg alg, sp_tl *tl)
{
	const char *host = a->host ? a->host : "127.0.0.1";

	if ((tl->members = calloc(a->n_members ? a->n_members : 1,
	                          sizeof(*tl->members))) == NULL)
		return -1;
	for (size_t i = 0; i < a->n_members; i++) {
		unsigned port = (unsigned)(a->base_port + i);

		tl->n_members++; /* counted first: a failure frees what it made
		                  */
		if (make_member(a->dir, &a->lay, a->federation, &a->margs[i],
		                alg, port, a->host, &tl->members[i]) != 0)
			return -1;
		fprintf(stderr, "  member %-12s %-15s https://%s:%u\n",
		        a->margs[i].id, sp_role_name(a->margs[i].role), host,
		        port);
	}
	return 0;
}

/* The federation's online timestamp key (SPEC 7.9), issued by the operator
 * CA into DIR/operator/timestamp-{key,cert}.pem, and named in the list: the
 * CA's key can then stay offline while statements are made every few
 * minutes. */
static int make_timestamp_key(const struct init_args *a, sp_key_alg alg,
                              sp_tl *tl)
{
	char key[4096], cert[4096], cn[256];
	const char *why = NULL;
	int err;

	if (sp_cli__path_join(key, sizeof(key), a->dir,
	                      "operator/timestamp-key.pem") != 0 ||
	    sp_cli__path_join(cert, sizeof(cert), a->dir,
	                      "operator/timestamp-cert.pem") != 0 ||
	    fmt(cn, sizeof(cn), "silkport federation %s trust-list timestamps",
	        a->federation) != 0)
		return -1;
	if ((err = issue(a->dir, SP_CERT_SIGNING, cn, NULL, alg, key, cert,
	                 &why)) != SP_OK ||
	    (err = sp_pki_cert_der(cert, &tl->timestamp_cert_der,
	                           &tl->timestamp_cert_der_len, &why)) !=
	        SP_OK) {
		sp_cli__err("federation init: timestamp key: %s: %s",
		            sp_strerror(err), why ? why : "");
		return -1;
	}
	return 0;
}

/* The first statement that the list is current, DIR/trust-list-timestamp.xml:
 * a publisher renews it every few minutes ("trust-list timestamp"). */
static int write_timestamp(const struct init_args *a, const uint8_t *list,
                           size_t len)
{
	char key[4096], cert[4096], path[4096];
	uint8_t *doc = NULL;
	size_t dlen = 0;
	int rc = -1;

	if (sp_cli__path_join(key, sizeof(key), a->dir,
	                      "operator/timestamp-key.pem") == 0 &&
	    sp_cli__path_join(cert, sizeof(cert), a->dir,
	                      "operator/timestamp-cert.pem") == 0 &&
	    sp_cli__path_join(path, sizeof(path), a->dir,
	                      "trust-list-timestamp.xml") == 0 &&
	    sp_cli__tl_timestamp_make("federation init", key, cert, list, len,
	                              0, &doc, &dlen) == 0 &&
	    sp_cli__write_output(path, doc, dlen, 0) == 0) {
		fprintf(stderr,
		        "timestamp key %s (online; renew %s every few minutes "
		        "with 'silkport trust-list timestamp')\n",
		        cert, path);
		rc = 0;
	}
	free(doc);
	return rc;
}

/* The first list, signed by the operator, into DIR/trust-list.xml; the
 * signed document stays in *signed_doc. */
static int write_list(const struct init_args *a, sp_tl *tl, const char *key,
                      const char *cert, uint8_t **signed_doc, size_t *slen)
{
	char path[4096];
	sp_key *op = NULL;
	uint8_t *unsigned_doc = NULL;
	size_t ulen;
	const char *why = NULL;
	int err, rc = -1;

	snprintf(tl->federation, sizeof(tl->federation), "%s", a->federation);
	tl->sequence = 1;
	tl->issued = (int64_t)time(NULL);
	tl->next_update = tl->issued + (int64_t)LIST_DAYS * 86400;
	if ((err = sp_key_load(key, cert, &op, &why)) != SP_OK ||
	    (err = sp_tl_build(tl, &unsigned_doc, &ulen, &why)) != SP_OK ||
	    (err = sp_sign_document(op, unsigned_doc, ulen, signed_doc, slen,
	                            &why)) != SP_OK) {
		sp_cli__err("federation init: trust list: %s: %s",
		            sp_strerror(err), why ? why : "");
		goto out;
	}
	if (cosign_first_list(a, signed_doc, slen) != 0)
		goto out;
	if (sp_cli__path_join(path, sizeof(path), a->dir, "trust-list.xml") !=
	        0 ||
	    sp_cli__write_output(path, *signed_doc, *slen, 0) != 0)
		goto out;
	fprintf(stderr, "trust list %s (sequence 1, %zu members)\n", path,
	        a->n_members);
	if (a->n_members == 0)
		fprintf(
		    stderr,
		    "members join from their own machines: each runs "
		    "'silkport member init'\n"
		    "and sends you its join-request.xml; you run 'silkport "
		    "trust-list add-member\n"
		    "--key %s --cert %s%s --request REQ --issued-dir OUT %s'\n"
		    "and send it OUT's certificates, the list and %s/%s\n",
		    key, cert,
		    a->list_alg ? " --ca-key DIR/operator/key.pem --ca-cert "
		                  "DIR/operator/cert.pem"
		                : "",
		    path, a->dir, a->lay.anchor);
	rc = 0;
out:
	sp_key_free(op);
	free(unsigned_doc);
	return rc;
}

/* Production layout: each node's own copy of the list, then the
 * ownership and modes of its folders. */
static int finish_members(const struct init_args *a, const uint8_t *list,
                          size_t len)
{
	const struct layout *lay = &a->lay;

	for (size_t i = 0; lay->config_dir != NULL && i < a->n_members; i++) {
		const char *id = a->margs[i].id;
		char mdir[4096], sdir[4096], copy[4096];

		if (a->margs[i].existing != NULL)
			continue;
		if (member_dir(mdir, sizeof(mdir), a->dir, lay, id) != 0 ||
		    sp_cli__path_join(copy, sizeof(copy), mdir,
		                      "trust-list.xml") != 0 ||
		    sp_cli__write_output(copy, list, len, 0) != 0)
			return -1;
		if (lay->state_dir != NULL &&
		    fmt(sdir, sizeof(sdir), "%s/%s", lay->state_dir, id) != 0)
			return -1;
		if (finish_member(lay, mdir,
		                  lay->state_dir != NULL ? sdir : NULL) != 0)
			return -1;
		fprintf(stderr, "  %s/node.ini%s%s%s\n", mdir,
		        lay->chown ? " (readable by group " : "",
		        lay->chown ? lay->group : "", lay->chown ? ")" : "");
	}
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	struct init_args a;
	char key[4096], cert[4096], cn[256];
	sp_key_alg alg;
	sp_tl tl;
	uint8_t *signed_doc = NULL;
	size_t slen = 0;
	int rc;

	if ((rc = init_parse(argc, argv, &a)) != SP_CLI_GO)
		return rc;
	alg = a.rsa ? SP_KEY_RSA2048 : SP_KEY_P256;
	if (make_operator(&a, alg, key, cert, cn, sizeof(cn)) != 0)
		return SP_EXIT_FAIL;
	memset(&tl, 0, sizeof(tl));
	tl.operator_name = cn;
	rc = SP_EXIT_FAIL;
	if (make_operators(&a, alg, cert, &tl) == 0 &&
	    make_members(&a, alg, &tl) == 0 &&
	    make_timestamp_key(&a, alg, &tl) == 0 &&
	    write_list(&a, &tl, key, cert, &signed_doc, &slen) == 0 &&
	    write_timestamp(&a, signed_doc, slen) == 0 &&
	    finish_members(&a, signed_doc, slen) == 0)
		rc = SP_EXIT_OK;
	free_members(tl.members, tl.n_members);
	free(tl.timestamp_cert_der);
	for (size_t i = 0; i < tl.n_operator_certs; i++)
		free(tl.operator_certs[i].der);
	free(tl.operator_certs);
	free(signed_doc);
	return rc;
}

int sp_cli_federation(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return SP_EXIT_OK;
	}
	fputs(usage_text, stderr);
	return SP_EXIT_USAGE;
}
