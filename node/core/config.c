/* config.c: the node's INI configuration: one option table, file:line errors.
 */
#include "node.h"
#include "protocol.h"
#include "store.h"
#include "trust.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum opt_type {
	T_STRING,   /* free text */
	T_PATH,     /* a path; made absolute */
	T_FILE,     /* a path to a file that must be readable */
	T_INT,      /* decimal within [min, max] */
	T_BOOL,     /* true/false, yes/no, on/off, 1/0 */
	T_NODE_ID,  /* a node or federation id */
	T_ENUM,     /* one of `choices`, '|'-separated */
	T_FILES,    /* repeatable T_FILE */
	T_NODE_IDS, /* repeatable T_NODE_ID */
	T_STRINGS,  /* repeatable T_STRING */
	T_FED_ID,   /* a federation id */
	T_FED_IDS,  /* repeatable T_FED_ID */
	T_KEY,      /* a private key: a readable file, or a pkcs11: URI */
};

struct opt {
	const char *section;
	const char *name;
	enum opt_type type;
	size_t off;       /* field in sp_config */
	size_t count_off; /* repeatable: the size_t count field */
	int64_t min, max;
	const char *def; /* NULL: no default */
	int required;
	const char *choices;
	const char *help;
};

#define F(field) offsetof(sp_config, field)
#define N(field) offsetof(sp_config, n_##field)

static const struct opt options[] = {
    {"node", "id", T_NODE_ID, F(node_id), 0, 0, 0, NULL, 1, NULL,
     "this node's id in the trust list"},
    {"node", "federation", T_FED_ID, F(federation), 0, 0, 0, NULL, 1, NULL,
     "the federation whose trust list this node follows"},
    {"node", "database", T_PATH, F(database), 0, 0, 0, "node.db", 0, NULL,
     "SQLite database file (with [store] backend = sqlite)"},
    {"store", "backend", T_ENUM, F(store_backend), 0, 0, 0, "sqlite", 0,
     "sqlite|postgresql",
     "where the node keeps its records: the SQLite file [node] database, or "
     "the PostgreSQL database [store] dsn (several processes may share it)"},
    {"store", "dsn", T_STRING, F(store_dsn), 0, 0, 0, NULL, 0, NULL,
     "libpq connection string of the PostgreSQL database (keyword=value "
     "pairs or a postgresql:// URI); keep a password in a passfile "
     "(PGPASSFILE), not here"},
    {"listen", "address", T_STRING, F(listen_address), 0, 0, 0, "127.0.0.1", 0,
     NULL, "listen address"},
    {"listen", "port", T_INT, F(listen_port), 0, 0, 65535, "7400", 0, NULL,
     "listen port (0: any free port)"},
    {"listen", "tls12", T_BOOL, F(tls12), 0, 0, 0, "false", 0, NULL,
     "also accept TLS 1.2 (ECDHE with AEAD only)"},
    {"tls", "cert", T_FILE, F(tls_cert), 0, 0, 0, "tls-cert.pem", 0, NULL,
     "TLS certificate (server and client), PEM"},
    {"tls", "key", T_KEY, F(tls_key), 0, 0, 0, "tls-key.pem", 0, NULL,
     "TLS private key, PEM, or a pkcs11: URI (key in a token)"},
    {"signing", "key", T_KEY, F(sign_key), 0, 0, 0, "sign-key.pem", 0, NULL,
     "record and receipt signing key, PEM, or a pkcs11: URI"},
    {"signing", "cert", T_FILE, F(sign_cert), 0, 0, 0, "sign-cert.pem", 0, NULL,
     "signing certificate, PEM"},
    {"signing", "log_key", T_KEY, F(log_key), 0, 0, 0, "log-key.pem", 0, NULL,
     "Ed25519 checkpoint key, PEM (a file even when the other keys are in a "
     "token: libp11 0.4.12 has no Ed25519)"},
    {"trust", "list", T_FILE, F(trust_list), 0, 0, 0, NULL, 1, NULL,
     "the signed trust list this node starts from"},
    {"trust", "anchor", T_FILES, F(anchors), N(anchors), 0, 0, NULL, 1, NULL,
     "federation operator certificate (repeatable)"},
    {"trust", "clock_skew", T_INT, F(clock_skew), 0, 0, 3600, "300", 0, NULL,
     "seconds of clock tolerance"},
    {"trust", "expiry_grace", T_INT, F(expiry_grace), 0, 0, 30 * 86400, "86400",
     0, NULL, "seconds past NextUpdate before peer traffic is refused"},
    {"trust", "expiry_warn_days", T_INT, F(expiry_warn_days), 0, 0, 3650, "30",
     0, NULL,
     "warn in /readyz and status this many days before a certificate the "
     "node uses expires"},
    {"trust", "min_threshold", T_INT, F(min_threshold), 0, 1, 16, "1", 0, NULL,
     "the fewest distinct operator signatures, and the lowest Threshold, of a "
     "trust list of the home federation this node installs, the first one "
     "included (1: any list the anchors verify)"},
    {"trust", "list_url", T_STRING, F(trust_list_url), 0, 0, 0, NULL, 0, NULL,
     "https URL to fetch newer trust lists from"},
    {"trust", "timestamp_file", T_PATH, F(timestamp_file), 0, 0, 0, NULL, 0,
     NULL,
     "a file the operator's publisher rewrites with the newest freshness "
     "statement of the trust list (TrustListTimestamp), read at each poll"},
    {"pkcs11", "module", T_STRING, F(pkcs11_module), 0, 0, 0, NULL, 0, NULL,
     "PKCS#11 module for keys given as pkcs11: URIs without module-path "
     "(default: p11-kit's proxy, every module registered with p11-kit)"},
    {"pkcs11", "pin_env", T_STRING, F(pkcs11_pin_env), 0, 0, 0, NULL, 0, NULL,
     "environment variable holding the token's user PIN, when the URI has "
     "no pin-source or pin-value"},
    {"operators", "cert", T_FILES, F(operator_certs), N(operator_certs), 0, 0,
     NULL, 0, NULL, "local operator client certificate (repeatable)"},
    {"operators", "ca", T_FILES, F(operator_cas), N(operator_cas), 0, 0, NULL,
     0, NULL,
     "this node's own CA of its operator certificates, trusted beside the "
     "anchors in the handshake (repeatable; 'member init' makes one)"},
    {"access", "wide_read", T_NODE_IDS, F(wide_readers), N(wide_readers), 0, 0,
     NULL, 0, NULL,
     "member granted read access to every record (repeatable; e.g. an "
     "auditor)"},
    {"access", "operator_read", T_ENUM, F(operator_read), 0, 0, 0, "addressed",
     0, "addressed|all",
     "what this node's operators read: the records this node is an addressee "
     "of, or every record it holds (also those it only relays)"},
    {"access", "public_own_log", T_BOOL, F(public_own_log), 0, 0, 0, "yes", 0,
     NULL,
     "serve this node's own checkpoint and proofs to callers without a "
     "member's or operator's certificate (no: members and operators only; "
     "other origins' logs and all cosignatures are always members-only)"},
    {"limits", "max_body", T_INT, F(max_body), 0, 4096, 16 << 20, "1048576", 0,
     NULL, "largest request body and document, bytes"},
    {"limits", "max_header_list", T_INT, F(max_header_list), 0, 1024, 1 << 20,
     "16384", 0, NULL, "largest request header list, bytes"},
    {"limits", "max_streams", T_INT, F(max_streams), 0, 1, 1000, "100", 0, NULL,
     "concurrent streams per connection"},
    {"limits", "max_connections", T_INT, F(max_connections), 0, 1, 100000,
     "1024", 0, NULL, "open connections"},
    {"limits", "max_depth", T_INT, F(max_depth), 0, 8, 256, "32", 0, NULL,
     "XML element nesting"},
    {"limits", "max_elements", T_INT, F(max_elements), 0, 100, 1000000, "10000",
     0, NULL, "XML elements per document"},
    {"limits", "handshake_timeout", T_INT, F(handshake_timeout), 0, 1, 300,
     "10", 0, NULL, "TLS handshake timeout, seconds"},
    {"limits", "idle_timeout", T_INT, F(idle_timeout), 0, 1, 86400, "60", 0,
     NULL, "idle connection timeout, seconds"},
    {"limits", "stream_timeout", T_INT, F(stream_timeout), 0, 1, 3600, "15", 0,
     NULL, "a request must arrive within, seconds"},
    {"limits", "global_buffer_mb", T_INT, F(global_buffer_mb), 0, 8, 65536,
     "256", 0, NULL,
     "memory for request and response bodies, all connections, MiB"},
    {"limits", "anon_connections", T_INT, F(anon_connections), 0, 0, 100000,
     "0", 0, NULL,
     "connections without a member's or operator's certificate, and handshakes "
     "(0: a quarter of max_connections)"},
    {"limits", "anon_buffer_mb", T_INT, F(anon_buffer_mb), 0, 0, 65536, "0", 0,
     NULL,
     "of global_buffer_mb, what those connections may hold, MiB (0: a "
     "quarter)"},
    {"metrics", "allow", T_ENUM, F(metrics_allow), 0, 0, 0, "operators", 0,
     "operators|members|anyone",
     "who may read /metrics: this node's operators, also active members, or "
     "anyone"},
    {"workers", "threads", T_INT, F(threads), 0, 0, 256, "0", 0, NULL,
     "crypto worker threads (0: one per core)"},
    {"workers", "queue", T_INT, F(queue), 0, 16, 1000000, "4096", 0, NULL,
     "jobs waiting for a worker before 503"},
    {"log", "level", T_ENUM, F(log_level), 0, 0, 0, "info", 0,
     "debug|info|warn|error", "log level"},
    {"log", "format", T_ENUM, F(log_format), 0, 0, 0, "kv", 0, "kv|json",
     "log line format"},
    {"peers", "retry_min", T_INT, F(retry_min), 0, 1, 3600, "1", 0, NULL,
     "first delivery retry delay, seconds"},
    {"peers", "retry_max", T_INT, F(retry_max), 0, 1, 86400, "300", 0, NULL,
     "longest delivery retry delay, seconds"},
    {"peers", "retention_days", T_INT, F(retention_days), 0, 1, 3650, "30", 0,
     NULL, "how long undelivered records are retried"},
    {"peers", "relay_deadline", T_INT, F(relay_deadline), 0, 1, 2592000, "3600",
     0, NULL,
     "seconds a relayed record may wait for its final receipt before the "
     "next gateway is tried"},
    {"peers", "pull_interval", T_INT, F(pull_interval), 0, 1, 86400, "30", 0,
     NULL, "catch-up and checkpoint poll period, seconds"},
    {"relay", "federation", T_FED_IDS, F(relay_federations),
     N(relay_federations), 0, 0, NULL, 0, NULL,
     "another federation whose trust list this node follows, to verify its "
     "members and relay to it (repeatable)"},
    {"relay", "trust_list", T_FILES, F(relay_trust_lists), N(relay_trust_lists),
     0, 0, NULL, 0, NULL,
     "that federation's trust list (repeatable, same order)"},
    {"relay", "anchor", T_FILES, F(relay_anchors), N(relay_anchors), 0, 0, NULL,
     0, NULL,
     "that federation's operator certificate (repeatable, same order)"},
    {"relay", "tls_cert", T_FILES, F(relay_tls_certs), N(relay_tls_certs), 0, 0,
     NULL, 0, NULL,
     "a gateway's TLS certificate in that federation, PEM (none, or one per "
     "federation line, same order)"},
    {"relay", "tls_key", T_FILES, F(relay_tls_keys), N(relay_tls_keys), 0, 0,
     NULL, 0, NULL, "its private key, PEM (same order)"},
    {"console", "listen", T_STRING, F(console_listen), 0, 0, 0, NULL, 0, NULL,
     "the operator console's plain-HTTP listener, a loopback ADDRESS:PORT "
     "(reach it through an SSH tunnel; off when absent)"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

struct parse_state {
	sp_config *cfg;
	FILE *f;
	unsigned line;
	char dir[4096];
	unsigned char seen[N_OPTIONS];
	unsigned set_line[N_OPTIONS];
	char *errbuf;
	size_t errlen, errused;
	unsigned nerr;
};

static void add_error(struct parse_state *st, unsigned line, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

static void add_error(struct parse_state *st, unsigned line, const char *fmt,
                      ...)
{
	va_list ap;
	int n;

	st->nerr++;
	if (st->nerr > SP_CONFIG_MAX_ERRORS || st->errbuf == NULL ||
	    st->errused + 1 >= st->errlen)
		return;
	if (line > 0)
		n = snprintf(st->errbuf + st->errused, st->errlen - st->errused,
		             "%s:%u: ", st->cfg->path, line);
	else
		n = snprintf(st->errbuf + st->errused, st->errlen - st->errused,
		             "%s: ", st->cfg->path);
	if (n < 0 || (size_t)n >= st->errlen - st->errused)
		goto full;
	st->errused += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(st->errbuf + st->errused, st->errlen - st->errused, fmt,
	              ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= st->errlen - st->errused - 1)
		goto full;
	st->errused += (size_t)n;
	st->errbuf[st->errused++] = '\n';
	st->errbuf[st->errused] = '\0';
	return;
full:
	st->errused = st->errlen - 1;
	st->errbuf[st->errused] = '\0';
}

static char *make_path(const struct parse_state *st, const char *v)
{
	char buf[8192];
	int n;

	if (v[0] == '/')
		return strdup(v);
	n = snprintf(buf, sizeof(buf), "%s/%s", st->dir, v);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return strdup(buf);
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;

	while (p != NULL && *p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

static int is_list(const struct opt *o)
{
	return o->type == T_FILES || o->type == T_NODE_IDS ||
	       o->type == T_STRINGS || o->type == T_FED_IDS;
}

/* Store one value; reports its own errors. */
static void set_option(struct parse_state *st, size_t idx, const char *v,
                       unsigned line)
{
	const struct opt *o = &options[idx];
	char *base = (char *)st->cfg;
	char *s = NULL;
	char *end;
	long long n;
	int b;
	size_t *count;

	switch (o->type) {
	case T_INT:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < o->min ||
		    n > o->max) {
			add_error(st, line,
			          "[%s] %s = '%s': want a whole number from "
			          "%lld to %lld",
			          o->section, o->name, v, (long long)o->min,
			          (long long)o->max);
			return;
		}
		*(int64_t *)(void *)(base + o->off) = n;
		return;
	case T_BOOL:
		if (parse_bool(v, &b) != 0) {
			add_error(st, line,
			          "[%s] %s = '%s': want true or false",
			          o->section, o->name, v);
			return;
		}
		*(int *)(void *)(base + o->off) = b;
		return;
	case T_ENUM:
		if (!in_choices(o->choices, v)) {
			add_error(st, line, "[%s] %s = '%s': want one of %s",
			          o->section, o->name, v, o->choices);
			return;
		}
		s = strdup(v);
		break;
	case T_NODE_ID:
	case T_NODE_IDS:
		if (!sp_node_id_valid(v)) {
			add_error(st, line,
			          "[%s] %s = '%s': not a node id "
			          "([A-Z0-9][A-Za-z0-9._-]{0,63})",
			          o->section, o->name, v);
			return;
		}
		s = strdup(v);
		break;
	case T_FED_ID:
	case T_FED_IDS:
		if (!sp_federation_id_valid(v)) {
			add_error(st, line,
			          "[%s] %s = '%s': not a federation id "
			          "([A-Za-z0-9][A-Za-z0-9._-]{0,63})",
			          o->section, o->name, v);
			return;
		}
		s = strdup(v);
		break;
	case T_KEY:
		if (strncmp(v, "pkcs11:", 7) == 0) {
			const char *why = NULL;

			if (strcmp(o->name, "log_key") == 0) {
				add_error(
				    st, line,
				    "[%s] %s: the Ed25519 checkpoint key "
				    "cannot be used from a token (libp11 "
				    "0.4.12 has no Ed25519): keep it in a "
				    "file",
				    o->section, o->name);
				return;
			}
			if (sp_key_pkcs11_uri_check(v, &why) != SP_OK) {
				add_error(st, line, "[%s] %s: %s", o->section,
				          o->name, why);
				return;
			}
			s = strdup(v);
			break;
		}
		/* not a URI: a file */
		__attribute__((fallthrough));
	case T_PATH:
	case T_FILE:
	case T_FILES:
		if (*v == '\0') {
			add_error(st, line, "[%s] %s: empty path", o->section,
			          o->name);
			return;
		}
		s = make_path(st, v);
		if (s != NULL && o->type != T_PATH && access(s, R_OK) != 0) {
			add_error(st, line, "[%s] %s: cannot read %s: %s",
			          o->section, o->name, s, strerror(errno));
			free(s);
			return;
		}
		break;
	case T_STRING:
	case T_STRINGS:
		s = strdup(v);
		break;
	}
	if (s == NULL) {
		add_error(st, line, "out of memory");
		return;
	}
	if (is_list(o)) {
		count = (size_t *)(void *)(base + o->count_off);
		if (*count == SP_CONFIG_MAX_LIST) {
			add_error(st, line, "[%s] %s: more than %d values",
			          o->section, o->name, SP_CONFIG_MAX_LIST);
			free(s);
			return;
		}
		((char **)(void *)(base + o->off))[(*count)++] = s;
		return;
	}
	free(*(char **)(void *)(base + o->off));
	*(char **)(void *)(base + o->off) = s;
}

static int on_value(void *user, const char *section, const char *name,
                    const char *value)
{
	struct parse_state *st = user;
	size_t i;

	for (i = 0; i < N_OPTIONS; i++) {
		if (strcmp(options[i].section, section) != 0 ||
		    strcmp(options[i].name, name) != 0)
			continue;
		if (st->seen[i] && !is_list(&options[i])) {
			add_error(st, st->line,
			          "[%s] %s given twice (first on line %u)",
			          section, name, st->set_line[i]);
			return 1;
		}
		st->seen[i] = 1;
		st->set_line[i] = st->line;
		set_option(st, i, value, st->line);
		return 1;
	}
	add_error(st, st->line, "unknown option '%s' in section [%s]", name,
	          section);
	return 1;
}

/* inih reads through this so that errors can name the line. */
static char *read_line(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	char *r = fgets(buf, size, st->f);

	if (r != NULL)
		st->line++;
	return r;
}

void sp_config_free(sp_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < N_OPTIONS; i++) {
		const struct opt *o = &options[i];
		char *base = (char *)c;

		if (is_list(o)) {
			size_t j, n = *(size_t *)(void *)(base + o->count_off);

			for (j = 0; j < n; j++)
				free(((char **)(void *)(base + o->off))[j]);
		} else if (o->type != T_INT && o->type != T_BOOL) {
			free(*(char **)(void *)(base + o->off));
		}
	}
	free(c->path);
	free(c);
}

/* The line an option was set on (0: its default). */
static unsigned line_of(const struct parse_state *st, size_t off)
{
	size_t i;

	for (i = 0; i < N_OPTIONS; i++)
		if (options[i].off == off)
			return st->set_line[i];
	return 0;
}

/* PostgreSQL needs a connection string that libpq can parse; the message
 * is libpq's own. Connecting is for `run`. */
static void check_store(struct parse_state *st, const sp_config *c)
{
	char why[256];

	if (c->store_backend == NULL ||
	    strcmp(c->store_backend, "postgresql") != 0) {
		if (c->store_dsn != NULL)
			add_error(st, line_of(st, F(store_dsn)),
			          "[store] dsn is for backend = postgresql");
		return;
	}
	if (c->store_dsn == NULL) {
		add_error(st, line_of(st, F(store_backend)),
		          "[store] backend = postgresql needs [store] dsn "
		          "(a libpq connection string)");
		return;
	}
	if (sp_store_dsn_check(c->store_dsn, why, sizeof(why)) != SP_OK)
		add_error(st, line_of(st, F(store_dsn)), "[store] dsn: %s",
		          why);
}

sp_config *sp_config_load(const char *path, char *errbuf, size_t errlen)
{
	struct parse_state st;
	sp_config *c;
	char *slash;
	size_t i;
	int r;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	memset(&st, 0, sizeof(st));
	st.errbuf = errbuf;
	st.errlen = errlen;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "%s: out of memory\n", path);
		return NULL;
	}
	st.cfg = c;
	if (realpath(path, st.dir) == NULL) {
		add_error(&st, 0, "%s", strerror(errno));
		goto fail;
	}
	if ((slash = strrchr(st.dir, '/')) != NULL)
		*(slash == st.dir ? slash + 1 : slash) = '\0';
	if ((st.f = fopen(path, "r")) == NULL) {
		add_error(&st, 0, "%s", strerror(errno));
		goto fail;
	}
	r = ini_parse_stream(read_line, &st, on_value, &st);
	fclose(st.f);
	if (r > 0)
		add_error(&st, (unsigned)r,
		          "syntax error (want [section] or name = value)");
	else if (r < 0)
		add_error(&st, 0, "could not be read");

	for (i = 0; i < N_OPTIONS; i++) {
		const struct opt *o = &options[i];

		if (st.seen[i])
			continue;
		if (o->required) {
			add_error(&st, 0, "[%s] %s is required (%s)",
			          o->section, o->name, o->help);
			continue;
		}
		if (o->def != NULL)
			set_option(&st, i, o->def, 0);
	}
	{
		size_t k = 0, j;

		for (j = 0; j < c->n_anchors; j++)
			c->client_cas[k++] = c->anchors[j];
		for (j = 0; j < c->n_operator_cas; j++)
			c->client_cas[k++] = c->operator_cas[j];
		c->client_cas[k] = NULL;
	}
	if (c->n_relay_federations != c->n_relay_trust_lists ||
	    c->n_relay_federations != c->n_relay_anchors)
		add_error(&st, 0,
		          "[relay] needs as many trust_list and anchor lines "
		          "as federation lines");
	if (c->n_relay_tls_certs != c->n_relay_tls_keys ||
	    (c->n_relay_tls_certs != 0 &&
	     c->n_relay_tls_certs != c->n_relay_federations))
		add_error(&st, 0,
		          "[relay] tls_cert and tls_key: none, or one of each "
		          "per federation line");
	if (c->anon_connections >= c->max_connections &&
	    c->anon_connections > 0)
		add_error(
		    &st, 0,
		    "[limits] anon_connections must be below max_connections");
	if (c->anon_buffer_mb >= c->global_buffer_mb && c->anon_buffer_mb > 0)
		add_error(
		    &st, 0,
		    "[limits] anon_buffer_mb must be below global_buffer_mb");
	for (i = 0; i < c->n_relay_federations; i++)
		if (c->federation != NULL &&
		    strcmp(c->relay_federations[i], c->federation) == 0)
			add_error(&st, 0,
			          "[relay] federation %s is this node's own "
			          "federation",
			          c->federation);
	check_store(&st, c);
	if (c->console_listen != NULL) {
		char host[64];
		unsigned port;
		const char *why;

		for (i = 0; i < N_OPTIONS; i++)
			if (options[i].off == F(console_listen))
				break;
		if (sp_config_console_listen(c->console_listen, host, &port,
		                             &why) != 0)
			add_error(&st, st.set_line[i],
			          "[console] listen = '%s': %s",
			          c->console_listen, why);
	}
	if (st.nerr > 0)
		goto fail;
	return c;
fail:
	sp_config_free(c);
	return NULL;
}

int sp_config_addr_port(const char *v, char host[64], unsigned *port)
{
	const char *colon, *end;
	uint64_t p;
	size_t len;
	unsigned char addr[16];
	int bracketed = v[0] == '[';

	if (bracketed) {
		if ((end = strchr(v, ']')) == NULL || end[1] != ':')
			return -1;
		colon = end + 1;
		v++;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			return -1;
		end = colon;
	}
	len = (size_t)(end - v);
	if (len == 0 || len >= 64 ||
	    sp_parse_u64(colon + 1, strlen(colon + 1), 65535, &p) != SP_OK)
		return -1;
	memcpy(host, v, len);
	host[len] = '\0';
	*port = (unsigned)p;
	if (inet_pton(AF_INET, host, addr) == 1)
		return AF_INET;
	if (bracketed && inet_pton(AF_INET6, host, addr) == 1)
		return AF_INET6;
	return 0;
}

int sp_config_console_listen(const char *v, char host[64], unsigned *port,
                             const char **why)
{
	unsigned char addr[16];
	int af = sp_config_addr_port(v, host, port);

	if (af < 0) {
		*why = "want a loopback ADDRESS:PORT, e.g. 127.0.0.1:7480 or "
		       "[::1]:7480";
		return -1;
	}
	/* the console is plain HTTP: only this machine may reach it */
	if (af == AF_INET) {
		if (inet_pton(AF_INET, host, addr) == 1 && addr[0] == 127)
			return 0;
	} else if (af == AF_INET6) {
		static const unsigned char one[16] = {[15] = 1};

		if (inet_pton(AF_INET6, host, addr) == 1 &&
		    memcmp(addr, one, 16) == 0)
			return 0;
	}
	*why = "not a loopback address: the console speaks plain HTTP and "
	       "listens on 127.0.0.0/8 or ::1 only (reach it through an SSH "
	       "tunnel, or use /console/ on the TLS port)";
	return -1;
}

void sp_config_print_options(void)
{
	size_t i;
	const char *last = "";

	for (i = 0; i < N_OPTIONS; i++) {
		const struct opt *o = &options[i];

		if (strcmp(last, o->section) != 0)
			printf("%s[%s]\n", i ? "\n" : "", o->section);
		last = o->section;
		printf("%-18s %s", o->name, o->help);
		if (o->type == T_INT)
			printf(" [%lld..%lld]", (long long)o->min,
			       (long long)o->max);
		if (o->choices != NULL)
			printf(" (%s)", o->choices);
		if (o->required)
			printf(" (required)");
		else if (o->def != NULL)
			printf(" (default: %s)", o->def);
		putchar('\n');
	}
}

/* A key or database path for node.ini: bare (relative to node.ini's folder)
 * when dir is NULL, else dir/name. */
static int layout_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = dir == NULL ? snprintf(out, cap, "%s", name)
	                    : snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* 1 if nothing listens on 127.0.0.1:port now. */
static int port_free(unsigned port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* A port for the console to suggest in node.ini: the node's port + 1000
 * when that is free now, else the next free one above it. */
static unsigned console_port(unsigned port)
{
	unsigned p;

	for (p = port + 1000; p < port + 1100 && p <= 65535; p++)
		if (port_free(p))
			return p;
	return port + 1000 <= 65535 ? port + 1000 : 7480;
}

int sp_config_write_member(const char *path, const char *node_id,
                           const char *federation, unsigned port,
                           const char *config_dir, const char *state_dir,
                           const char *trust_list, const char *anchor,
                           const char *operator_ca, const sp_member_keys *keys)
{
	static const char *const names[] = {
	    "tls-cert.pem",  "tls-key.pem", "sign-key.pem",
	    "sign-cert.pem", "log-key.pem", "operator-cert.pem"};
	char p[6][4096], db[4096], ca[4096];
	FILE *f;
	size_t i;
	int ok;

	for (i = 0; i < 6; i++)
		if (layout_path(p[i], sizeof(p[i]), config_dir, names[i]) != 0)
			return -1;
	if (layout_path(db, sizeof(db), state_dir ? state_dir : config_dir,
	                "node.db") != 0)
		return -1;
	if (operator_ca != NULL &&
	    layout_path(ca, sizeof(ca), config_dir, operator_ca) != 0)
		return -1;
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f,
	        "; silkport node %s of federation %s (written by silkport).\n"
	        "; %s\n"
	        "; 'silkport check-config --list' prints every option with "
	        "its default.\n"
	        "[node]\n"
	        "id = %s\n"
	        "federation = %s\n"
	        "database = %s\n"
	        "\n[listen]\n"
	        "address = 127.0.0.1\n"
	        "port = %u\n"
	        "\n[tls]\n"
	        "cert = %s\n"
	        "key = %s\n"
	        "\n[signing]\n"
	        "key = %s\n"
	        "cert = %s\n"
	        "log_key = %s\n"
	        "\n[trust]\n"
	        "list = %s\n"
	        "anchor = %s\n"
	        "clock_skew = 300\n"
	        "\n[operators]\n"
	        "cert = %s\n",
	        node_id, federation,
	        config_dir == NULL
	            ? "Relative paths are from this file's folder."
	            : "Absolute paths: keys beside this file, the database in "
	              "the state folder.",
	        node_id, federation, db, port, p[0],
	        keys && keys->tls_key ? keys->tls_key : p[1],
	        keys && keys->sign_key ? keys->sign_key : p[2], p[3], p[4],
	        trust_list, anchor, p[5]);
	if (operator_ca != NULL)
		fprintf(f, "ca = %s\n", ca);
	if (keys != NULL && (keys->pkcs11_module || keys->pkcs11_pin_env)) {
		fprintf(f, "\n[pkcs11]\n");
		if (keys->pkcs11_module)
			fprintf(f, "module = %s\n", keys->pkcs11_module);
		if (keys->pkcs11_pin_env)
			fprintf(f, "pin_env = %s\n", keys->pkcs11_pin_env);
	}
	fprintf(
	    f,
	    "\n[limits]\n"
	    "max_body = 1048576\n"
	    "max_header_list = 16384\n"
	    "max_streams = 100\n"
	    "handshake_timeout = 10\n"
	    "idle_timeout = 60\n"
	    "stream_timeout = 15\n"
	    "; anonymous clients (no member's or operator's certificate) "
	    "share\n"
	    "; anon_connections and anon_buffer_mb; 0: a quarter of "
	    "max_connections\n"
	    "; and of global_buffer_mb\n"
	    "anon_connections = 0\n"
	    "anon_buffer_mb = 0\n"
	    "\n[metrics]\n"
	    "; who may read /metrics: operators, members (active) or anyone\n"
	    "allow = operators\n"
	    "\n[log]\n"
	    "level = info\n"
	    "format = kv\n");
	fprintf(f,
	        "\n[console]\n"
	        "; the operator console, read-only HTML pages over plain HTTP "
	        "on\n"
	        "; loopback (ssh -L 7480:127.0.0.1:PORT, then "
	        "http://localhost:7480/);\n"
	        "; the same pages are at /console/ on the TLS port for "
	        "operators\n"
	        ";listen = 127.0.0.1:%u\n",
	        console_port(port));
	ok = ferror(f) == 0;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* ---------------------------------------------------------------- token keys
 */

int sp_member_keys_write(const char *path, const sp_member_keys *k)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f,
	        "; keys this member made inside a PKCS#11 token (silkport "
	        "member init\n"
	        "; --pkcs11); 'silkport member install' copies them into "
	        "node.ini.\n"
	        "[tls]\nkey = %s\n\n[signing]\nkey = %s\n",
	        k->tls_key, k->sign_key);
	if (k->pkcs11_module || k->pkcs11_pin_env)
		fprintf(f, "\n[pkcs11]\n");
	if (k->pkcs11_module)
		fprintf(f, "module = %s\n", k->pkcs11_module);
	if (k->pkcs11_pin_env)
		fprintf(f, "pin_env = %s\n", k->pkcs11_pin_env);
	ok = ferror(f) == 0;
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

struct keys_parse {
	sp_member_keys *k;
	const char *path;
	char *err;
	size_t err_len;
	FILE *f;
	int line;
	int failed;
};

static char *keys_read_line(char *buf, int size, void *stream)
{
	struct keys_parse *st = stream;
	char *r = fgets(buf, size, st->f);

	if (r != NULL)
		st->line++;
	return r;
}

static int keys_entry(void *user, const char *section, const char *name,
                      const char *value)
{
	struct keys_parse *st = user;
	char **slot = NULL;
	int line = st->line;

	if (strcmp(section, "tls") == 0 && strcmp(name, "key") == 0)
		slot = &st->k->tls_key;
	else if (strcmp(section, "signing") == 0 && strcmp(name, "key") == 0)
		slot = &st->k->sign_key;
	else if (strcmp(section, "pkcs11") == 0 && strcmp(name, "module") == 0)
		slot = &st->k->pkcs11_module;
	else if (strcmp(section, "pkcs11") == 0 && strcmp(name, "pin_env") == 0)
		slot = &st->k->pkcs11_pin_env;
	if (slot == NULL || *slot != NULL || *value == '\0') {
		snprintf(st->err, st->err_len, "%s:%d: [%s] %s: %s\n", st->path,
		         line, section, name,
		         slot == NULL    ? "not an option of this file"
		         : *slot != NULL ? "given twice"
		                         : "empty");
		st->failed = 1;
		return 0;
	}
	if ((*slot = strdup(value)) == NULL) {
		snprintf(st->err, st->err_len, "%s: out of memory\n", st->path);
		st->failed = 1;
		return 0;
	}
	return 1;
}

int sp_member_keys_read(const char *path, sp_member_keys *k, char *err,
                        size_t err_len)
{
	struct keys_parse st = {k, path, err, err_len, NULL, 0, 0};
	int rc;

	memset(k, 0, sizeof(*k));
	if ((st.f = fopen(path, "r")) == NULL) {
		snprintf(err, err_len, "%s: cannot read: %s\n", path,
		         strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(keys_read_line, &st, keys_entry, &st);
	fclose(st.f);
	if (rc < 0)
		snprintf(err, err_len, "%s: cannot read\n", path);
	else if (rc > 0 && !st.failed)
		snprintf(err, err_len, "%s:%d: not INI syntax\n", path, rc);
	else if (!st.failed && (k->sign_key == NULL || k->tls_key == NULL))
		snprintf(err, err_len,
		         "%s: [tls] key and [signing] key are "
		         "required\n",
		         path);
	else if (!st.failed)
		return 0;
	sp_member_keys_clear(k);
	return -1;
}

void sp_member_keys_clear(sp_member_keys *k)
{
	free(k->sign_key);
	free(k->tls_key);
	free(k->pkcs11_module);
	free(k->pkcs11_pin_env);
	memset(k, 0, sizeof(*k));
}

/* ---------------------------------------------------------------- editing */

/* "[name]" (with optional blanks) -> 1 and the name in sec. */
static int section_line(const char *l, char *sec, size_t cap)
{
	const char *e;
	size_t n;

	while (*l == ' ' || *l == '\t')
		l++;
	if (*l != '[' || (e = strchr(l, ']')) == NULL)
		return 0;
	n = (size_t)(e - l - 1);
	if (n >= cap)
		n = cap - 1;
	memcpy(sec, l + 1, n);
	sec[n] = '\0';
	return 1;
}

/* "name = ..." or "name=..." */
static int option_line(const char *l, const char *name)
{
	size_t n = strlen(name);

	while (*l == ' ' || *l == '\t')
		l++;
	if (strncmp(l, name, n) != 0)
		return 0;
	l += n;
	while (*l == ' ' || *l == '\t')
		l++;
	return *l == '=';
}

int sp_config_set(const char *path, const char *section, const char *name,
                  const char *value)
{
	char tmp[4096], sec[128] = "", line[8192];
	FILE *in, *out = NULL;
	struct stat st;
	int in_target = 0, done = 0, blanks = 0, ok, e;

	if (strchr(value, '\n') != NULL || strchr(name, '\n') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((in = fopen(path, "r")) == NULL)
		return -1;
	/* the same owner's permissions as the file it replaces (node.ini
	 * may name token settings and is kept from other users) */
	if (fstat(fileno(in), &st) != 0 || (out = fopen(tmp, "w")) == NULL ||
	    fchmod(fileno(out), st.st_mode & 07777) != 0) {
		e = errno;
		if (out != NULL) {
			fclose(out);
			remove(tmp);
		}
		fclose(in);
		errno = e;
		return -1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		int header = section_line(line, sec, sizeof(sec));

		if (in_target && !done && !header &&
		    line[strspn(line, " \t\r\n")] == '\0') {
			blanks++; /* held: an added option goes before them */
			continue;
		}
		if (in_target && !done && (header || option_line(line, name))) {
			/* in place of the option's line, or at the end of its
			 * section, before the blank lines that close it */
			if (!header)
				for (; blanks > 0; blanks--)
					fputc('\n', out);
			fprintf(out, "%s = %s\n", name, value);
			done = 1;
			if (!header)
				continue;
		}
		for (; blanks > 0; blanks--)
			fputc('\n', out);
		fputs(line, out);
		if (header)
			in_target = strcmp(sec, section) == 0;
	}
	if (!done && in_target)
		fprintf(out, "%s = %s\n", name, value);
	else if (!done)
		fprintf(out, "\n[%s]\n%s = %s\n", section, name, value);
	for (; blanks > 0; blanks--)
		fputc('\n', out);
	ok = !ferror(in) && !ferror(out);
	fclose(in);
	if (fclose(out) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		e = errno ? errno : EIO;
		remove(tmp);
		errno = e;
		return -1;
	}
	return 0;
}
