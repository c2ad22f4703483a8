/* daemon.c: "silkport run": the node's lifecycle: config, keys, trust, store,
 * server, worker pool, signals, systemd notification, shutdown. */
#include "console_int.h"
#include "node_int.h"
#include "relay_int.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#ifdef SP_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

struct sp_mbox_item {
	sp_mbox_item *next;
	void (*fn)(void *arg);
	void *arg;
};

static const sp_node_extension *extensions[SP_NODE_MAX_EXTENSIONS];
static size_t n_extensions;

int sp_node_register_extension(const sp_node_extension *ext)
{
	if (n_extensions == SP_NODE_MAX_EXTENSIONS)
		return -1;
	extensions[n_extensions++] = ext;
	return 0;
}

/* The API (node/api) is registered by whoever assembles the binary, so
 * that the core never depends on the floor above it. */
static sp_node_api_handler api_handler;

void sp_node_set_api(sp_node_api_handler h)
{
	api_handler = h;
}

void sp_node__dispatch(sp_node *n, sp_http_req *req, int slot)
{
	if (api_handler != NULL)
		api_handler(n, req, slot);
	else
		sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 404,
		                        "no API registered");
}

/* The home listener's handler: callers identified against the home
 * federation's list. */
static void handle_home(sp_http_req *req, void *arg)
{
	sp_node__dispatch(arg, req, -1);
}

void sp_node__recheck_conns(sp_node *n)
{
	size_t closed;

	if (n->server == NULL)
		return;
	closed = sp_server_recheck(n->server) + sp_node__relay_recheck(n);
	if (closed > 0)
		sp_log(SP_LOG_INFO, "connections_closed",
		       SP_LF_STR("why", "no_longer_authorized"),
		       SP_LF_UINT("count", closed));
}

static void notify(const char *state)
{
#ifdef SP_HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

void sp_node_post(sp_node *n, void (*fn)(void *arg), void *arg)
{
	sp_mbox_item *it = malloc(sizeof(*it));
	uint64_t one = 1;
	ssize_t w;

	if (it == NULL) {
		/* Nothing sane is left to do without memory; the node's state
		 * would silently diverge from what was promised. */
		sp_log(SP_LOG_ERROR, "out_of_memory",
		       SP_LF_STR("where", "mailbox"));
		abort();
	}
	it->next = NULL;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&n->mbox_mu);
	if (n->mbox_tail)
		n->mbox_tail->next = it;
	else
		n->mbox_head = it;
	n->mbox_tail = it;
	pthread_mutex_unlock(&n->mbox_mu);
	do
		w = write(n->mbox_fd, &one, sizeof(one));
	while (w < 0 && errno == EINTR);
}

static void on_mbox(evutil_socket_t fd, short what, void *arg)
{
	sp_node *n = arg;
	sp_mbox_item *it, *next;
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		sp_log(SP_LOG_WARN, "mailbox_read", SP_LF_INT("errno", errno));
	pthread_mutex_lock(&n->mbox_mu);
	it = n->mbox_head;
	n->mbox_head = n->mbox_tail = NULL;
	pthread_mutex_unlock(&n->mbox_mu);
	for (; it != NULL; it = next) {
		next = it->next;
		it->fn(it->arg);
		free(it);
	}
}

sp_store_reader *sp_node_reader(sp_node *n)
{
	static _Thread_local sp_store_reader *mine;
	static _Thread_local sp_node *owner;
	const char *why = NULL;
	int err;

	if (mine != NULL && owner == n)
		return mine;
	if ((err = sp_store_reader_open(n->store, &mine, &why)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "store_reader",
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		mine = NULL;
		return NULL;
	}
	owner = n;
	pthread_mutex_lock(&n->readers_mu);
	if (n->n_readers < sizeof(n->readers) / sizeof(n->readers[0]))
		n->readers[n->n_readers++] = mine;
	pthread_mutex_unlock(&n->readers_mu);
	return mine;
}

void sp_node_caller(sp_node *n, sp_http_req *req, int slot, sp_caller *out)
{
	size_t len;
	const uint8_t *der = sp_http_req_client_cert(req, &len);

	sp_node__caller_der(n, slot, der, len, out);
}

/* The home listener's authentication callback: a connection leaves the
 * anonymous share only for an operator or an active member (SPEC
 * [SEC-21]), and is closed when it stops being one (sp_server_recheck(),
 * [SEC-24]). */
static int conn_authenticated(const uint8_t *der, size_t len, void *arg)
{
	sp_caller c;

	sp_node__caller_der(arg, -1, der, len, &c);
	return c.operator|| c.member_active;
}

void sp_node__caller_der(sp_node *n, int slot, const uint8_t *der, size_t len,
                         sp_caller *out)
{
	size_t i, j;
	int64_t valid_at = (int64_t)time(NULL) - n->cfg->expiry_grace;
	sp_trust *t;
	int expired;

	memset(out, 0, sizeof(*out));
	if (der == NULL)
		return;
	for (i = 0; i < n->n_operators; i++) {
		if (n->operator_der_len[i] == len &&
		    CRYPTO_memcmp(n->operator_der[i], der, len) == 0) {
			out->operator= 1;
			out->operator_index = (int)i;
			/* only by explicit grant (ACC-5, ACC-14) */
			out->wide_read =
			    strcmp(n->cfg->operator_read, "all") == 0;
			snprintf(out->id, sizeof(out->id), "operator");
			snprintf(out->federation, sizeof(out->federation), "%s",
			         n->cfg->federation);
			return;
		}
	}
	/* [FED-41]: the certificate is looked up only in the list of the
	 * federation this listener serves, and it makes the caller that
	 * list's member only where that list binds the NodeId (the first list
	 * that lists it, home first): a followed operator's entry for a
	 * NodeId of another federation gives no rights here. */
	if (slot < 0) {
		out->member = sp_trust_member_by_tls_cert(n->trust, der, len);
		expired = sp_trust_expired(n->trust, valid_at);
		snprintf(out->federation, sizeof(out->federation), "%s",
		         n->cfg->federation);
	} else {
		t = sp_node_relay_trust(n, (size_t)slot);
		out->member = sp_trust_member_by_tls_cert(t, der, len);
		expired = sp_trust_expired(t, valid_at);
		snprintf(out->federation, sizeof(out->federation), "%s",
		         sp_node_relay_federation(n, (size_t)slot));
		/* loop thread: the list outlives this request's handling, as
		 * the home list does (swapped only on this thread) */
		sp_trust_unref(t);
		if (out->member != NULL &&
		    sp_node__binding(n, out->member->node_id) != slot)
			out->member = NULL;
	}
	if (out->member == NULL)
		return;
	snprintf(out->id, sizeof(out->id), "%s", out->member->node_id);
	/* the home list's freshness (SPEC [TL-66]); a followed list's is
	 * not tracked (its statements reach this node only through the
	 * gateway that could withhold them) */
	out->list_stale = slot < 0 && sp_node_list_stale(n);
	out->member_active = out->member->status == SP_STATUS_ACTIVE &&
	                     !expired && !out->list_stale;
	for (j = 0; j < n->cfg->n_wide_readers; j++)
		if (strcmp(n->cfg->wide_readers[j], out->id) == 0)
			out->wide_read = out->member_active;
}

int sp_node__load_list(sp_node *n, int slot, const sp_anchors *anchors,
                       const char *federation, const char *file,
                       int64_t clock_skew, sp_trust **out)
{
	sp_verify_opts o;
	sp_trust *t = NULL, *stored = NULL;
	uint8_t *buf = NULL;
	const uint8_t *b;
	size_t len;
	uint64_t seq;
	const char *why = NULL;
	sp_store_reader *r = NULL;
	int err;

	*out = NULL;
	sp_verify_opts_default(&o);
	o.clock_skew = clock_skew;
	if (sp_read_file(file, SP_NODE_MAX_TRUST_LIST, &buf, &len, &why) != 0) {
		sp_log(SP_LOG_ERROR, "trust_list_unreadable",
		       SP_LF_STR("federation", federation),
		       SP_LF_STR("file", file), SP_LF_STR("why", why));
		return -1;
	}
	err = sp_trust_open(anchors, buf, len, NULL, &o, &t, &why);
	free(buf);
	buf = NULL;
	if (err != SP_OK) {
		sp_log(SP_LOG_ERROR, "trust_list_refused",
		       SP_LF_STR("federation", federation),
		       SP_LF_STR("file", file),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	if (strcmp(sp_trust_list(t)->federation, federation) != 0) {
		sp_log(SP_LOG_ERROR, "trust_list_refused",
		       SP_LF_STR("file", file),
		       SP_LF_STR("err", "wrong-federation"),
		       SP_LF_STR("list", sp_trust_list(t)->federation),
		       SP_LF_STR("config", federation));
		sp_trust_unref(t);
		return -1;
	}
	/* The list persisted at run time: it wins when newer (TL-18), and
	 * it stays when the file's list is refused by the gate. It was
	 * verified when installed, so after a rotation its own operator keys
	 * vouch for it, not the anchors it moved away from (TL-74). */
	o.stored_list = 1;
	if (n->store != NULL &&
	    sp_store_reader_open(n->store, &r, &why) == SP_OK) {
		if (sp_store_trust_list_get(r, federation, &seq, &buf, &len) ==
		        SP_OK &&
		    sp_trust_open(anchors, buf, len, NULL, &o, &stored, &why) ==
		        SP_OK &&
		    (sp_trust_list(stored)->sequence != seq ||
		     strcmp(sp_trust_list(stored)->federation, federation) !=
		         0)) {
			sp_trust_unref(stored);
			stored = NULL;
		}
		free(buf);
		sp_store_reader_close(r);
	}
	if (stored != NULL &&
	    sp_trust_list(stored)->sequence > sp_trust_list(t)->sequence) {
		sp_trust_unref(t);
		t = stored;
		stored = NULL;
	}
	/* A newer home list from the file needs the cosignatures of the
	 * stored list's witnesses like one from a peer ([TL-82]); without
	 * them the stored list stays. The first list a node ever holds is
	 * its operator's choice, not witnessed. */
	if (slot < 0 && stored != NULL &&
	    sp_node__tl_witness_gate(n, stored, t, NULL, 0, file) != SP_OK) {
		sp_trust_unref(t);
		t = stored;
		stored = NULL;
	}
	err = sp_node__trust_gate(n, slot, &t, file);
	/* the list held stays when the file's is refused ([TL-80] too) */
	if ((err == SP_ERR_REVOCATION_REVERSED ||
	     err == SP_ERR_THRESHOLD_NOT_MET) &&
	    stored != NULL) {
		sp_trust_unref(t);
		t = stored;
		stored = NULL;
		err = sp_node__trust_gate(n, slot, &t, "store");
	}
	sp_trust_unref(stored);
	if (err != SP_OK) {
		sp_trust_unref(t);
		return -1;
	}
	/* TL-18: the list the node acts on is stored first, so that a later
	 * start falls back to it, not to an older one, when the file's next
	 * list is refused. */
	b = sp_trust_list_bytes(t, &len);
	if ((err = sp_store_trust_list_put(n->store, federation,
	                                   sp_trust_list(t)->sequence, b,
	                                   len)) != SP_OK)
		sp_log(SP_LOG_WARN, "trust_list_persist_failed",
		       SP_LF_STR("federation", federation),
		       SP_LF_UINT("sequence", sp_trust_list(t)->sequence),
		       SP_LF_STR("err", sp_strerror(err)));
	*out = t;
	return 0;
}

static int load_trust(sp_node *n, const sp_config *cfg, sp_trust **out)
{
	return sp_node__load_list(n, -1, n->anchors, cfg->federation,
	                          cfg->trust_list, cfg->clock_skew, out);
}

/* A certificate of the node's own outside its profile is refused at start
 * (SPEC [TL-56]): peers would refuse it later, less clearly. */
static int check_profile(const char *file, const uint8_t *der, size_t len,
                         sp_cert_usage usage)
{
	const char *why = NULL;
	int err = sp_pki_cert_profile_check(der, len, usage, &why);

	if (err == SP_OK)
		return 0;
	sp_log(SP_LOG_ERROR, "certificate_refused", SP_LF_STR("file", file),
	       SP_LF_STR("err", sp_strerror(err)), SP_LF_STR("why", why));
	return -1;
}

static int load_operators(sp_node *n, const sp_config *cfg)
{
	size_t i;
	const char *why = NULL;

	for (i = 0; i < cfg->n_operator_certs; i++) {
		if (sp_pki_cert_der(cfg->operator_certs[i], &n->operator_der[i],
		                    &n->operator_der_len[i], &why) != SP_OK) {
			sp_log(SP_LOG_ERROR, "operator_cert",
			       SP_LF_STR("file", cfg->operator_certs[i]),
			       SP_LF_STR("why", why));
			return -1;
		}
		n->n_operators = i + 1;
		{
			sp_cert_info info;
			size_t got = 0;

			snprintf(n->operator_subject[i],
			         sizeof(n->operator_subject[i]), "%s",
			         sp_cert_file_info(cfg->operator_certs[i],
			                           &info, 1, &got,
			                           &why) == SP_OK &&
			                 got == 1
			             ? info.subject
			             : "?");
		}
		if (check_profile(cfg->operator_certs[i], n->operator_der[i],
		                  n->operator_der_len[i],
		                  SP_CERT_OPERATOR) != 0)
			return -1;
	}
	return 0;
}

static void free_operators(sp_node *n)
{
	size_t i;

	for (i = 0; i < n->n_operators; i++)
		free(n->operator_der[i]);
	n->n_operators = 0;
}

void sp_node__server_config(const sp_config *cfg, sp_server_config *sc)
{
	sp_server_config_default(sc);
	sc->host = cfg->listen_address;
	sc->port = (uint16_t)cfg->listen_port;
	sc->cert_file = cfg->tls_cert;
	sc->key_file = cfg->tls_key;
	/* the anchors, and the node's own operator CAs (SPEC [TL-55]) */
	sc->client_ca_files = cfg->client_cas;
	sc->allow_tls12 = cfg->tls12;
	sc->limits.max_concurrent_streams = (uint32_t)cfg->max_streams;
	sc->limits.max_header_list_bytes = (size_t)cfg->max_header_list;
	sc->limits.max_body_bytes = (size_t)cfg->max_body;
	sc->limits.max_connections = (size_t)cfg->max_connections;
	sc->limits.global_buffered_bytes = (size_t)cfg->global_buffer_mb << 20;
	sc->limits.max_anon_connections =
	    cfg->anon_connections > 0 ? (size_t)cfg->anon_connections
	                              : ((size_t)cfg->max_connections + 3) / 4;
	sc->limits.anon_buffered_bytes =
	    cfg->anon_buffer_mb > 0 ? (size_t)cfg->anon_buffer_mb << 20
	                            : sc->limits.global_buffered_bytes / 4;
	sc->limits.handshake_timeout_ms =
	    (uint32_t)cfg->handshake_timeout * 1000;
	sc->limits.idle_timeout_ms = (uint32_t)cfg->idle_timeout * 1000;
	sc->limits.stream_timeout_ms = (uint32_t)cfg->stream_timeout * 1000;
}

/* Who called, for the access log: "anonymous" (no certificate), the
 * member's NodeId (home list first, then each followed list), or
 * "operator:" and the operator certificate's subject; a certificate that
 * is none of these is "unknown-certificate". A name that is not a literal
 * is written into buf. */
static const char *caller_name(sp_node *n, const uint8_t *der, size_t len,
                               char *buf, size_t cap)
{
	sp_caller c;
	size_t i;

	if (der == NULL)
		return "anonymous";
	sp_node__caller_der(n, -1, der, len, &c);
	if (c.operator) {
		snprintf(buf, cap, "operator:%s",
		         n->operator_subject[c.operator_index]);
		return buf;
	}
	/* a member of a followed federation, on its own listener */
	for (i = 0; c.member == NULL && i < sp_node_relay_count(n); i++)
		sp_node__caller_der(n, (int)i, der, len, &c);
	if (c.member == NULL)
		return "unknown-certificate";
	snprintf(buf, cap, "%s", c.id);
	return buf;
}

void sp_node__access_log(const sp_access_entry *e, void *arg)
{
	char buf[160];
	const char *caller;

	/* the caller's name costs a certificate lookup: none when the line
	 * is not written */
	if (SP_LOG_INFO < sp_log__min_level)
		return;
	caller = caller_name(arg, e->client_der, e->client_der_len, buf,
	                     sizeof(buf));
	sp_log(SP_LOG_INFO, "request", SP_LF_STR("request_id", e->request_id),
	       SP_LF_STR("method", e->method), SP_LF_STR("path", e->path),
	       SP_LF_INT("status", e->status), SP_LF_UINT("bytes", e->bytes),
	       SP_LF_UINT("duration_us", e->duration_us),
	       SP_LF_STR("remote", e->remote), SP_LF_STR("caller", caller));
}

static void on_log_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sp_log_flush();
}

/* A line entered the loop thread's empty log batch: write it out after
 * the callbacks that are due now (they may add more). */
static void arm_log_flush(void *arg)
{
	sp_node *n = arg;

	event_active(n->log_flush, EV_TIMEOUT, 0);
}

static void on_commit(void *ud, double seconds, size_t n_requests)
{
	sp_node *n = ud;

	(void)n_requests;
	sp_metrics_observe(n->metrics, SP_HIST_COMMIT, seconds);
}

static void on_shutdown_done(void *arg)
{
	sp_node *n = arg;

	event_base_loopexit(n->base, NULL);
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	sp_node *n = arg;

	(void)what;
	if (n->stopping) {
		sp_log(SP_LOG_WARN, "shutdown_forced",
		       SP_LF_INT("signal", sig));
		event_base_loopbreak(n->base);
		return;
	}
	n->stopping = 1;
	notify("STOPPING=1");
	sp_log(SP_LOG_INFO, "shutdown", SP_LF_INT("signal", sig));
	sp_server_shutdown(n->server, on_shutdown_done, n);
}

/* run --listen: the address and port in place of the file's, at start
 * and at every reload (so that a reload does not report them changed). */
static int apply_listen(sp_config *cfg, const char *listen)
{
	char host[64];
	unsigned port;
	char *dup;

	if (listen == NULL)
		return 0;
	if (sp_config_addr_port(listen, host, &port) <= 0 ||
	    (dup = strdup(host)) == NULL)
		return -1;
	free(cfg->listen_address);
	cfg->listen_address = dup;
	cfg->listen_port = (int64_t)port;
	return 0;
}

/* Options read only at start: name the changed ones so that the operator
 * knows the reload did not apply them (listen port, database, limits...). */
static void restart_changes(const sp_config *a, const sp_config *b, char *out,
                            size_t cap)
{
#define STR_CHANGED(f) (strcmp(a->f ? a->f : "", b->f ? b->f : "") != 0)
	const struct {
		const char *name;
		int changed;
	} c[] = {
	    {"[node] database", STR_CHANGED(database)},
	    {"[store] backend", STR_CHANGED(store_backend)},
	    {"[store] dsn", STR_CHANGED(store_dsn)},
	    {"[listen] address", STR_CHANGED(listen_address)},
	    {"[listen] port", a->listen_port != b->listen_port},
	    {"[limits] max_body", a->max_body != b->max_body},
	    {"[limits] max_header_list",
	     a->max_header_list != b->max_header_list},
	    {"[limits] max_streams", a->max_streams != b->max_streams},
	    {"[limits] max_connections",
	     a->max_connections != b->max_connections},
	    {"[limits] max_depth", a->max_depth != b->max_depth},
	    {"[limits] max_elements", a->max_elements != b->max_elements},
	    {"[limits] handshake_timeout",
	     a->handshake_timeout != b->handshake_timeout},
	    {"[limits] idle_timeout", a->idle_timeout != b->idle_timeout},
	    {"[limits] stream_timeout", a->stream_timeout != b->stream_timeout},
	    {"[limits] global_buffer_mb",
	     a->global_buffer_mb != b->global_buffer_mb},
	    {"[limits] anon_connections",
	     a->anon_connections != b->anon_connections},
	    {"[limits] anon_buffer_mb", a->anon_buffer_mb != b->anon_buffer_mb},
	    {"[workers] threads", a->threads != b->threads},
	    {"[workers] queue", a->queue != b->queue},
	    {"[relay] federation",
	     a->n_relay_federations != b->n_relay_federations},
	    {"[console] listen", STR_CHANGED(console_listen)},
	};
#undef STR_CHANGED
	size_t i, used = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (!c[i].changed)
			continue;
		n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "",
		             c[i].name);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
}

/* SIGHUP: re-validate the config; install a newer trust list and the TLS
 * identity; keep everything old when anything new is invalid. */
static void on_reload(evutil_socket_t sig, short what, void *arg)
{
	sp_node *n = arg;
	char errbuf[4096], pending[1024];
	sp_config *cfg;
	sp_trust *t = NULL;
	sp_server_config sc;
	struct ssl_ctx_st *ctx = NULL;
	const char *why = NULL;
	int err;

	(void)sig;
	(void)what;
	notify("RELOADING=1");
	cfg = sp_config_load(n->cfg->path, errbuf, sizeof(errbuf));
	if (cfg != NULL && apply_listen(cfg, n->listen_override) != 0) {
		sp_config_free(cfg);
		cfg = NULL;
		snprintf(errbuf, sizeof(errbuf), "--listen: out of memory");
	}
	if (cfg == NULL) {
		sp_log(SP_LOG_ERROR, "reload_refused",
		       SP_LF_STR("why", errbuf));
		notify("READY=1");
		return;
	}
	if (strcmp(cfg->node_id, n->cfg->node_id) != 0 ||
	    strcmp(cfg->federation, n->cfg->federation) != 0) {
		sp_log(SP_LOG_ERROR, "reload_refused",
		       SP_LF_STR(
		           "why",
		           "node id and federation cannot change at run time"));
		sp_config_free(cfg);
		notify("READY=1");
		return;
	}
	if (load_trust(n, cfg, &t) != 0) {
		sp_config_free(cfg);
		notify("READY=1");
		return;
	}
	if (sp_trust_list(t)->sequence < sp_trust_list(n->trust)->sequence) {
		sp_log(
		    SP_LOG_WARN, "trust_list_kept",
		    SP_LF_STR("why", "rollback"),
		    SP_LF_UINT("file_sequence", sp_trust_list(t)->sequence),
		    SP_LF_UINT("current", sp_trust_list(n->trust)->sequence));
		sp_trust_unref(t);
		t = NULL;
	} else if (sp_trust_list(t)->sequence ==
	           sp_trust_list(n->trust)->sequence) {
		sp_trust_unref(t);
		t = NULL;
	}
	sp_node__server_config(cfg, &sc);
	if ((err = sp_server_tls_ctx_new(&sc, &ctx, &why)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "reload_refused",
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		sp_trust_unref(t);
		sp_config_free(cfg);
		notify("READY=1");
		return;
	}
	sp_server_set_tls(n->server, ctx);
	SSL_CTX_free(ctx);
	if (t != NULL) {
		sp_node_install_list(n, -1, t, "file");
		sp_trust_unref(t);
	}
	free_operators(n);
	if (load_operators(n, cfg) != 0)
		sp_log(
		    SP_LOG_ERROR, "reload_partial",
		    SP_LF_STR(
		        "why",
		        "operator certificates unreadable; none are accepted"));
	sp_node__log_setup(cfg->log_level, cfg->log_format);
	/* Options read only at start (listen address, limits, database) keep
	 * their old values until a restart: say which ones changed. */
	restart_changes(n->cfg, cfg, pending, sizeof(pending));
	if (pending[0] != '\0')
		sp_log(SP_LOG_WARN, "reload_needs_restart",
		       SP_LF_STR("changed", pending),
		       SP_LF_STR("why", "read only at start; the old values "
		                        "stay until a restart"));
	sp_config_free(n->cfg);
	n->cfg = cfg;
	sp_node__recheck_conns(n); /* an operator certificate may be gone */
	sp_log(SP_LOG_INFO, "reloaded", SP_LF_STR("config", cfg->path),
	       SP_LF_STR("needs_restart", pending[0] ? pending : "none"));
	notify("READY=1");
}

static void trust_expiry_check(sp_node *n, int64_t now)
{
	const sp_tl *tl = sp_trust_list(n->trust);
	int64_t window = tl->next_update - tl->issued;
	int64_t left = tl->next_update - now;
	static int64_t last_warn;

	/* Warn when a quarter of the window or 7 days remain, whichever is
	 * shorter, once an hour. */
	if (left < window / 4 && left < 7 * 86400 && now - last_warn >= 3600) {
		last_warn = now;
		sp_log(SP_LOG_WARN, "trust_list_expiring",
		       SP_LF_STR("federation", tl->federation),
		       SP_LF_UINT("sequence", tl->sequence),
		       SP_LF_INT("seconds_left", left));
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	sp_node *n = arg;
	char status[256];

	(void)fd;
	(void)what;
	if (n->stopping)
		return;
	trust_expiry_check(n, (int64_t)time(NULL));
	sp_node__fresh_tick(n, (int64_t)time(NULL));
	sp_node__checkpoint_tick(n);
	sp_node__storage_probe(n);
	sp_node__notify(n, SP_NODE_EV_TICK, NULL);
	snprintf(status, sizeof(status),
	         "STATUS=node %s serving; log size %llu; trust list %llu",
	         n->cfg->node_id, (unsigned long long)n->checkpoint_size,
	         (unsigned long long)sp_trust_list(n->trust)->sequence);
	notify(status);
}

/* One node per database: the lock of DATABASE.lock is held for the
 * node's life, so that a second node, or a restore, on the same database
 * is refused rather than corrupting what this one does. */
static int lock_database(sp_node *n)
{
	char path[4096];
	const char *why = NULL;
	long holder = 0;

	if (snprintf(path, sizeof(path), "%s.lock", n->cfg->database) >=
	    (int)sizeof(path))
		return -1;
	if ((n->lock_fd = sp_lock_file(path, &holder, &why)) < 0) {
		/* held by another node, or not even openable (a read-only
		 * or full disk, a folder this user cannot write) */
		int held =
		    holder > 0 || (why != NULL &&
		                   strcmp(why, "held by another process") == 0);

		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", held ? "the database is in use"
		                             : "the database's lock file "
		                               "cannot be written"),
		       SP_LF_STR("file", path), SP_LF_STR("lock", why),
		       SP_LF_INT("holder_pid", holder));
		return -1;
	}
	return 0;
}

/* The SQLite file (locked: one process per file), or the PostgreSQL
 * database, which several processes of one node may share: it must answer
 * and its schema be this silkport's (created or migrated here). */
static int open_store(sp_node *n)
{
	const sp_config *c = n->cfg;
	int pg = strcmp(c->store_backend, "postgresql") == 0;
	const char *why = NULL;
	int err;

	if (pg)
		sp_store_dsn_redact(c->store_dsn, n->store_name,
		                    sizeof(n->store_name));
	else
		snprintf(n->store_name, sizeof(n->store_name), "%s",
		         c->database);
	if (!pg && lock_database(n) != 0)
		return -1;
	err = sp_store_open_backend(c->store_backend,
	                            pg ? c->store_dsn : c->database,
	                            SP_STORE_CREATE, &n->store, &why);
	if (err != SP_OK) {
		sp_log(SP_LOG_ERROR, "store_open_failed",
		       SP_LF_STR("store", n->store_name),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	sp_log(SP_LOG_INFO, "store_opened",
	       SP_LF_STR("backend", c->store_backend),
	       SP_LF_STR("store", n->store_name));
	return 0;
}

/* The store names the node it belongs to (written on first start): a
 * database of another node is refused. Then the fence it carries. */
static int check_store_identity(sp_node *n)
{
	sp_store_reader *r = NULL;
	char owner[SP_STORE_STATE_MAX], fence[SP_STORE_STATE_MAX];
	const char *why = NULL;
	int err, ferr;

	if ((err = sp_store_reader_open(n->store, &r, &why)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "store_open_failed",
		       SP_LF_STR("store", n->store_name),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	err =
	    sp_store_state_get(r, SP_STORE_STATE_NODE_ID, owner, sizeof(owner));
	ferr =
	    sp_store_state_get(r, SP_STORE_STATE_FENCED, fence, sizeof(fence));
	sp_store_reader_close(r);
	if (err == SP_OK && strcmp(owner, n->cfg->node_id) != 0) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "the database belongs to another node"),
		       SP_LF_STR("store", n->store_name),
		       SP_LF_STR("owner", owner),
		       SP_LF_STR("node", n->cfg->node_id));
		return -1;
	}
	if (err == SP_ERR_NOT_FOUND)
		err = sp_store_state_set(n->store, SP_STORE_STATE_NODE_ID,
		                         n->cfg->node_id);
	if (err != SP_OK || (ferr != SP_OK && ferr != SP_ERR_NOT_FOUND)) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "cannot read or write the node state"),
		       SP_LF_STR("store", n->store_name),
		       SP_LF_STR("err", sp_strerror(err ? err : ferr)));
		return -1;
	}
	if (ferr == SP_OK) {
		n->fenced = 1;
		n->fence_persisted = 1;
		snprintf(n->fence_why, sizeof(n->fence_why), "%s", fence);
		sp_log(SP_LOG_WARN, "fenced",
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("why", fence), SP_LF_INT("persisted", 1));
	}
	return 0;
}

static int start(sp_node *n)
{
	sp_server_config sc;
	const char *why = NULL;
	const sp_tl_member *me;
	struct timeval one_s = {1, 0};
	size_t i;
	int err;

	if (evthread_use_pthreads() != 0) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "libevent threads"));
		return -1;
	}
	if (sp_trust_init() != SP_OK) {
		sp_log(SP_LOG_ERROR, "crypto_init_failed",
		       SP_LF_STR("why", "could not initialise the XML security "
		                        "library"));
		return -1;
	}
	sp_limits_default(&n->limits);
	n->limits.max_bytes = (size_t)n->cfg->max_body;
	n->limits.max_depth = (unsigned)n->cfg->max_depth;
	n->limits.max_elements = (size_t)n->cfg->max_elements;
	if (sp_anchors_new(&n->anchors) != SP_OK)
		return -1;
	for (i = 0; i < n->cfg->n_anchors; i++) {
		if ((err = sp_anchors_add_pem_file(
		         n->anchors, n->cfg->anchors[i], &why)) != SP_OK) {
			sp_log(SP_LOG_ERROR, "anchor_refused",
			       SP_LF_STR("file", n->cfg->anchors[i]),
			       SP_LF_STR("err", sp_strerror(err)),
			       SP_LF_STR("why", why));
			return -1;
		}
	}
	if (open_store(n) != 0)
		return -1;
	if (check_store_identity(n) != 0)
		return -1;
	if (load_trust(n, n->cfg, &n->trust) != 0)
		return -1;
	sp_node__fresh_reset(n);
	me = sp_tl_find(sp_trust_list(n->trust), n->cfg->node_id);
	if (me == NULL) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "the node is not in the trust list"),
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("federation", n->cfg->federation));
		return -1;
	}
	if (me->status != SP_STATUS_ACTIVE)
		sp_log(SP_LOG_WARN, "node_not_active",
		       SP_LF_STR("status", sp_status_name(me->status)));
	if ((err = sp_key_load(n->cfg->sign_key, n->cfg->sign_cert,
	                       &n->sign_key, &why)) != SP_OK) {
		char shown[512];

		sp_log(SP_LOG_ERROR, "signing_key_refused",
		       SP_LF_STR("file", sp_key_redact(n->cfg->sign_key, shown,
		                                       sizeof(shown))),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	{
		size_t dl = 0;
		const uint8_t *d = sp_key_cert_der(n->sign_key, &dl);
		uint8_t *tls = NULL;
		size_t tl = 0;
		int bad;

		if (check_profile(n->cfg->sign_cert, d, dl, SP_CERT_SIGNING) !=
		    0)
			return -1;
		if (sp_pki_cert_der(n->cfg->tls_cert, &tls, &tl, &why) ==
		    SP_OK) {
			bad = check_profile(n->cfg->tls_cert, tls, tl,
			                    SP_CERT_TLS);
			free(tls);
			if (bad)
				return -1;
		}
	}
	if (snprintf(n->log_origin, sizeof(n->log_origin), "silkport/%s/%s",
	             n->cfg->federation,
	             n->cfg->node_id) >= (int)sizeof(n->log_origin))
		return -1;
	if ((err = sp_note_signer_load(n->log_origin, n->cfg->log_key,
	                               &n->log_signer, &why)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "log_key_refused",
		       SP_LF_STR("file", n->cfg->log_key),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	/* either slot: a node switches to its NextLogKey once the list
	 * carrying it is installed (SPEC LOG-47) */
	if (me->log_key != NULL &&
	    !sp_tl_member_has_log_key(me, sp_note_signer_vkey(n->log_signer)))
		sp_log(SP_LOG_WARN, "log_key_mismatch",
		       SP_LF_STR("why", "the trust list lists another "
		                        "checkpoint key for this node"));
	if (load_operators(n, n->cfg) != 0)
		return -1;
	if (sp_node__expiry_load(n) != 0)
		return -1;
	if ((n->metrics = sp_metrics_new()) == NULL)
		return -1;
	sp_store_set_commit_hook(n->store, on_commit, n);
	if ((n->base = event_base_new()) == NULL)
		return -1;
	/* The loop's lines (an access line per request) are written together
	 * once the callbacks now due have run: one write for many. */
	if ((n->log_flush = event_new(n->base, -1, 0, on_log_flush, n)) == NULL)
		return -1;
	sp_log_batch(1, arm_log_flush, n);
	if ((err = sp_pool_new(n->base, (unsigned)n->cfg->threads,
	                       (size_t)n->cfg->queue, &n->pool)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "worker pool"),
		       SP_LF_STR("err", sp_strerror(err)));
		return -1;
	}
	if ((n->mbox_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    (n->mbox_ev = event_new(n->base, n->mbox_fd, EV_READ | EV_PERSIST,
	                            on_mbox, n)) == NULL ||
	    event_add(n->mbox_ev, NULL) != 0)
		return -1;
	sp_node__server_config(n->cfg, &sc);
	sc.handler = handle_home;
	sc.handler_arg = n;
	sc.access_log = sp_node__access_log;
	sc.access_log_arg = n;
	sc.authenticated = conn_authenticated;
	sc.auth_arg = n;
	if ((err = sp_server_new(n->base, &sc, &n->server, &why)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "listen_failed",
		       SP_LF_STR("address", n->cfg->listen_address),
		       SP_LF_INT("port", n->cfg->listen_port),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	if (sp_node__relay_start(n) != 0)
		return -1;
	n->sig_term = evsignal_new(n->base, SIGTERM, on_stop_signal, n);
	n->sig_int = evsignal_new(n->base, SIGINT, on_stop_signal, n);
	n->sig_hup = evsignal_new(n->base, SIGHUP, on_reload, n);
	n->tick = event_new(n->base, -1, EV_PERSIST, on_tick, n);
	if (n->sig_term == NULL || n->sig_int == NULL || n->sig_hup == NULL ||
	    n->tick == NULL || event_add(n->sig_term, NULL) != 0 ||
	    event_add(n->sig_int, NULL) != 0 ||
	    event_add(n->sig_hup, NULL) != 0 || event_add(n->tick, &one_s) != 0)
		return -1;
	if ((err = sp_store_next_sequence(n->store, n->cfg->node_id,
	                                  &n->next_sequence)) != SP_OK) {
		sp_log(SP_LOG_ERROR, "start_failed",
		       SP_LF_STR("why", "cannot read the own log"),
		       SP_LF_STR("err", sp_strerror(err)));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	n->started = (int64_t)time(NULL);
	for (i = 0; i < n_extensions; i++) {
		n->ext[i] = extensions[i];
		if (extensions[i]->start != NULL &&
		    extensions[i]->start(n, &n->ext_state[i]) != 0) {
			sp_log(SP_LOG_ERROR, "start_failed",
			       SP_LF_STR("extension", extensions[i]->name));
			return -1;
		}
		n->n_ext = i + 1;
	}
	if (sp_node__console_start(n) != 0)
		return -1;
	sp_node__checkpoint_tick(n);
	sp_log(SP_LOG_INFO, "started", SP_LF_STR("node", n->cfg->node_id),
	       SP_LF_STR("federation", n->cfg->federation),
	       SP_LF_STR("address", n->cfg->listen_address),
	       SP_LF_UINT("port", sp_server_port(n->server)),
	       SP_LF_UINT("trust_list", sp_trust_list(n->trust)->sequence),
	       SP_LF_UINT("workers", sp_pool_threads(n->pool)),
	       SP_LF_INT("pid", getpid()));
	notify("READY=1");
	return 0;
}

static void stop(sp_node *n)
{
	size_t i;

	/* from here each line is written at once */
	sp_log_batch(0, NULL, NULL);
	if (n->log_flush)
		event_free(n->log_flush);

	if (n->sig_term)
		event_free(n->sig_term);
	if (n->sig_int)
		event_free(n->sig_int);
	if (n->sig_hup)
		event_free(n->sig_hup);
	if (n->tick)
		event_free(n->tick);
	sp_server_free(n->server);
	sp_node__relay_close(n);
	for (i = n->n_ext; i-- > 0;)
		if (n->ext[i]->stop != NULL)
			n->ext[i]->stop(n->ext_state[i]);
	/* Answers still in the mailbox must not reach a stopped extension. */
	n->n_ext = 0;
	/* libevent finishes freeing closed connections from the loop. */
	if (n->base)
		event_base_loop(n->base, EVLOOP_NONBLOCK);
	/* Drain the pool: every queued job runs and completes. */
	sp_pool_free(n->pool);
	/* Store callbacks post to the mailbox: run what is left. */
	if (n->mbox_ev != NULL)
		on_mbox(n->mbox_fd, EV_READ, n);
	/* Every console page has been answered by now. */
	sp_node__console_free(n->console);
	n->console = NULL;
	for (i = 0; i < n->n_readers; i++)
		sp_store_reader_close(n->readers[i]);
	sp_store_close(n->store);
	if (n->mbox_ev != NULL) {
		on_mbox(n->mbox_fd, EV_READ, n);
		event_free(n->mbox_ev);
	}
	if (n->mbox_fd > 0)
		close(n->mbox_fd);
	if (n->lock_fd >= 0)
		close(n->lock_fd); /* after the store closed */
	sp_trust_unref(n->trust);
	sp_node__fresh_free(n);
	sp_node__relay_free(n);
	sp_anchors_free(n->anchors);
	sp_key_free(n->sign_key);
	sp_node__expiry_free(n->expiry);
	n->expiry = NULL;
	sp_note_signer_free(n->log_signer);
	free_operators(n);
	sp_metrics_free(n->metrics);
	if (n->base)
		event_base_free(n->base);
	pthread_mutex_destroy(&n->mbox_mu);
	pthread_mutex_destroy(&n->readers_mu);
	free(n->wtimes);
	pthread_mutex_destroy(&n->wtime_mu);
}

int sp_node_run(const char *path, const char *listen)
{
	char errbuf[8192];
	sp_node n;
	int rc = 1;

	memset(&n, 0, sizeof(n));
	n.mbox_fd = -1;
	n.lock_fd = -1;
	pthread_mutex_init(&n.mbox_mu, NULL);
	pthread_mutex_init(&n.readers_mu, NULL);
	pthread_mutex_init(&n.wtime_mu, NULL);
	n.listen_override = listen;
	if ((n.cfg = sp_config_load(path, errbuf, sizeof(errbuf))) == NULL ||
	    apply_listen(n.cfg, listen) != 0) {
		if (n.cfg == NULL)
			fputs(errbuf, stderr);
		else
			fprintf(stderr,
			        "silkport: --listen %s: want "
			        "ADDRESS:PORT\n",
			        listen);
		sp_config_free(n.cfg);
		pthread_mutex_destroy(&n.mbox_mu);
		pthread_mutex_destroy(&n.readers_mu);
		pthread_mutex_destroy(&n.wtime_mu);
		return 1;
	}
	sp_node__log_setup(n.cfg->log_level, n.cfg->log_format);
	/* Before any key is read: keys may be pkcs11: URIs. */
	if (sp_key_pkcs11_setup(n.cfg->pkcs11_module, n.cfg->pkcs11_pin_env,
	                        NULL) != SP_OK)
		n.exit_code = 1;
	else if (start(&n) == 0) {
		event_base_dispatch(n.base);
		rc = n.exit_code;
	}
	sp_log(SP_LOG_INFO, "stopped", SP_LF_STR("node", n.cfg->node_id));
	stop(&n);
	sp_config_free(n.cfg);
	return rc;
}
