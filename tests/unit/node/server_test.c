/* server_test.c: the HTTP/2 server against curl and a raw nghttp2 client: TLS,
 * client certificates, limits, timeouts, late answers, shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "pool_int.h"
#include "http.h"
#include "protocol.h"
#include "trust.h"

extern char **environ;

#define PATHLEN 512

/* ---------------------------------------------------------------- PKI */

static char g_dir[128];
static char ca_key[PATHLEN], ca_cert[PATHLEN];
static char srv_key[PATHLEN], srv_cert[PATHLEN];
static char cli_key[PATHLEN], cli_cert[PATHLEN];
static char ca2_key[PATHLEN], ca2_cert[PATHLEN];
static char bad_key[PATHLEN], bad_cert[PATHLEN];

static void path_in(char *out, const char *name)
{
	snprintf(out, PATHLEN, "%s/%s", g_dir, name);
}

static int group_setup(void **state)
{
	static const char *const sans[] = {"127.0.0.1", "localhost", NULL};
	const char *why = NULL;

	(void)state;
	evthread_use_pthreads();
	if (sp_trust_init() != SP_OK)
		return -1;
	snprintf(g_dir, sizeof(g_dir), "/tmp/sp-server-test-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	path_in(ca_key, "ca.key");
	path_in(ca_cert, "ca.pem");
	path_in(srv_key, "srv.key");
	path_in(srv_cert, "srv.pem");
	path_in(cli_key, "cli.key");
	path_in(cli_cert, "cli.pem");
	path_in(ca2_key, "ca2.key");
	path_in(ca2_cert, "ca2.pem");
	path_in(bad_key, "bad.key");
	path_in(bad_cert, "bad.pem");
	if (sp_pki_make_ca("Test Federation CA", SP_KEY_P256, 2, ca_key,
	                   ca_cert, &why) != SP_OK ||
	    sp_pki_issue(ca_key, ca_cert, SP_CERT_TLS, "CN-ZZ", sans,
	                 SP_KEY_P256, 2, srv_key, srv_cert, &why) != SP_OK ||
	    sp_pki_issue(ca_key, ca_cert, SP_CERT_TLS, "CN-HN", sans,
	                 SP_KEY_P256, 2, cli_key, cli_cert, &why) != SP_OK ||
	    sp_pki_make_ca("Other CA", SP_KEY_P256, 2, ca2_key, ca2_cert,
	                   &why) != SP_OK ||
	    sp_pki_issue(ca2_key, ca2_cert, SP_CERT_TLS, "CN-HN", sans,
	                 SP_KEY_P256, 2, bad_key, bad_cert, &why) != SP_OK) {
		fprintf(stderr, "pki: %s\n", why != NULL ? why : "?");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[PATHLEN + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		return -1;
	sp_trust_cleanup();
	return 0;
}

/* ---------------------------------------------------------------- server
 * thread */

typedef struct access_rec {
	int n;
	int last_status;
	uint64_t last_bytes;
	char last_id[32];
	char last_path[64];
} access_rec;

typedef struct tsrv {
	struct event_base *base;
	sp_server *srv;
	sp_pool *pool;
	pthread_t thr;
	int stop;
	uint16_t port;
	pthread_mutex_t mu; /* guards alog, handled, shutdown_done */
	access_rec alog;
	int handled;
	int shutdown_done;
} tsrv;

static tsrv T;
static int g_allow_tls12;
/* The authentication callback for the next srv_start() (NULL: none), and
 * whether it still accepts the test's client certificate. */
static sp_http_auth_fn g_auth;
static int g_cli_revoked;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void access_log(const sp_access_entry *e, void *arg)
{
	tsrv *t = arg;

	pthread_mutex_lock(&t->mu);
	t->alog.n++;
	t->alog.last_status = e->status;
	t->alog.last_bytes = e->bytes;
	snprintf(t->alog.last_id, sizeof(t->alog.last_id), "%s", e->request_id);
	snprintf(t->alog.last_path, sizeof(t->alog.last_path), "%s", e->path);
	pthread_mutex_unlock(&t->mu);
}

/* A late answer: the work sleeps on a worker, the answer goes out from the
 * loop thread afterwards. */
static void async_work(void *arg)
{
	(void)arg;
	usleep(600 * 1000);
}

static void async_done(void *arg)
{
	sp_http_req *req = arg;
	static const char msg[] = "late";

	(void)sp_http_respond(req, 200, "text/plain", msg, sizeof(msg) - 1);
}

static void handler(sp_http_req *req, void *arg)
{
	tsrv *t = arg;
	char out[512], x[64];
	size_t blen = 0, xlen = 0;
	const uint8_t *cert;
	int xrc;

	pthread_mutex_lock(&t->mu);
	t->handled++;
	pthread_mutex_unlock(&t->mu);
	if (strcmp(sp_http_req_path(req), "/async") == 0) {
		if (sp_pool_submit(t->pool, async_work, async_done, req) !=
		    SP_OK)
			sp_http_respond_problem(req, SP_ERR_OVERLOADED, 0,
			                        NULL);
		return;
	}
	if (strcmp(sp_http_req_path(req), "/big") == 0) {
		static char big[40000];

		memset(big, 'z', sizeof(big));
		(void)sp_http_respond(req, 200, "text/plain", big, sizeof(big));
		return;
	}
	if (strcmp(sp_http_req_path(req), "/huge") == 0) {
		size_t n = (size_t)512 * 1024;
		uint8_t *huge = malloc(n);

		if (huge != NULL)
			memset(huge, 'h', n);
		(void)sp_http_respond_take(req, 200, "text/plain", NULL, 0,
		                           huge, huge != NULL ? n : 0);
		return;
	}
	if (strcmp(sp_http_req_path(req), "/drop") == 0) {
		sp_http_req_unref(
		    req); /* no answer at all: the stream is reset */
		return;
	}
	(void)sp_http_req_body(req, &blen);
	cert = sp_http_req_client_cert(req, NULL);
	xrc = sp_http_req_query_param(req, "x", x, sizeof(x), &xlen);
	snprintf(out, sizeof(out),
	         "method=%s path=%s body=%zu cert=%d x=%s/%d id=%s ua=%s\n",
	         sp_http_req_method(req), sp_http_req_path(req), blen,
	         cert != NULL, xrc == SP_OK ? x : "-", xrc, sp_http_req_id(req),
	         sp_http_req_header(req, "user-agent", NULL) != NULL ? "yes"
	                                                             : "no");
	sp_http_header extra[] = {{"cache-control", "no-store"}};
	(void)sp_http_respond_ex(req, 200, "text/plain", extra, 1, out,
	                         strlen(out));
}

static void *loop_main(void *arg)
{
	tsrv *t = arg;

	while (!t->stop)
		event_base_loop(t->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Run fn(arg) on the loop thread and wait for it. */
typedef struct on_loop {
	void (*fn)(void *);
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
} on_loop;

static void on_loop_cb(evutil_socket_t fd, short what, void *arg)
{
	on_loop *o = arg;

	(void)fd;
	(void)what;
	o->fn(o->arg);
	pthread_mutex_lock(&o->mu);
	o->done = 1;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
}

static void run_on_loop(void (*fn)(void *), void *arg)
{
	on_loop o = {.fn = fn, .arg = arg, .done = 0};
	struct timeval tv = {0, 0};

	pthread_mutex_init(&o.mu, NULL);
	pthread_cond_init(&o.cv, NULL);
	assert_int_equal(
	    event_base_once(T.base, -1, EV_TIMEOUT, on_loop_cb, &o, &tv), 0);
	pthread_mutex_lock(&o.mu);
	while (!o.done)
		pthread_cond_wait(&o.cv, &o.mu);
	pthread_mutex_unlock(&o.mu);
	pthread_cond_destroy(&o.cv);
	pthread_mutex_destroy(&o.mu);
}

static void get_stats_fn(void *arg)
{
	sp_server_get_stats(T.srv, arg);
}

static sp_server_stats stats(void)
{
	sp_server_stats st;

	run_on_loop(get_stats_fn, &st);
	return st;
}

static void stop_fn(void *arg)
{
	(void)arg;
	sp_server_free(T.srv);
	T.srv = NULL;
	sp_pool_free(T.pool);
	T.pool = NULL;
	T.stop = 1;
	event_base_loopbreak(T.base);
}

static void srv_start(const sp_server_limits *lim, int with_client_ca)
{
	sp_server_config cfg;
	const char *cas[] = {ca_cert, NULL};
	const char *why = NULL;
	int rc;

	memset(&T, 0, sizeof(T));
	pthread_mutex_init(&T.mu, NULL);
	T.base = event_base_new();
	assert_non_null(T.base);
	sp_server_config_default(&cfg);
	if (lim != NULL)
		cfg.limits = *lim;
	cfg.host = "127.0.0.1";
	cfg.port = 0;
	cfg.cert_file = srv_cert;
	cfg.key_file = srv_key;
	cfg.client_ca_files = with_client_ca ? cas : NULL;
	cfg.allow_tls12 = g_allow_tls12;
	cfg.handler = handler;
	cfg.handler_arg = &T;
	cfg.access_log = access_log;
	cfg.access_log_arg = &T;
	cfg.authenticated = g_auth;
	assert_int_equal(sp_pool_new(T.base, 2, 64, &T.pool), SP_OK);
	rc = sp_server_new(T.base, &cfg, &T.srv, &why);
	if (rc != SP_OK)
		fprintf(stderr, "server: %s\n", why != NULL ? why : "?");
	assert_int_equal(rc, SP_OK);
	T.port = sp_server_port(T.srv);
	assert_true(T.port != 0);
	assert_int_equal(pthread_create(&T.thr, NULL, loop_main, &T), 0);
}

static void srv_stop(void)
{
	run_on_loop(stop_fn, NULL);
	pthread_join(T.thr, NULL);
	/* Let libevent finish the connections it was told to free. */
	event_base_loop(T.base, EVLOOP_NONBLOCK);
	event_base_free(T.base);
	pthread_mutex_destroy(&T.mu);
}

static int handled(void)
{
	int n;

	pthread_mutex_lock(&T.mu);
	n = T.handled;
	pthread_mutex_unlock(&T.mu);
	return n;
}

static sp_server_limits short_limits(void)
{
	sp_server_config cfg;

	sp_server_config_default(&cfg);
	return cfg.limits;
}

/* ---------------------------------------------------------------- curl */

typedef struct curl_res {
	int exit_code;
	int http_code;
	char version[8];
	char ctype[128];
	char body[4096];
	char headers[4096];
} curl_res;

static void slurp(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	out[0] = '\0';
	if (f == NULL)
		return;
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* curl with the given extra arguments (NULL-terminated) against path. */
static curl_res run_curl(const char *path, ...)
{
	curl_res r;
	char url[256], wout[PATHLEN], bout[PATHLEN], hout[PATHLEN];
	const char *argv[48];
	size_t n = 0;
	va_list ap;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0;
	const char *a;

	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "https://127.0.0.1:%u%s", (unsigned)T.port,
	         path);
	path_in(wout, "curl.w");
	path_in(bout, "curl.body");
	path_in(hout, "curl.hdr");
	unlink(bout);
	unlink(hout);
	argv[n++] = "curl";
	argv[n++] = getenv("SP_CURL_V") != NULL ? "-v" : "-sS";
	argv[n++] = "--max-time";
	argv[n++] = "8";
	argv[n++] = "--cacert";
	argv[n++] = ca_cert;
	argv[n++] = "-o";
	argv[n++] = bout;
	argv[n++] = "-D";
	argv[n++] = hout;
	argv[n++] = "-w";
	argv[n++] = "%{http_code} %{http_version} %{content_type}";
	va_start(ap, path);
	while ((a = va_arg(ap, const char *)) != NULL && n < 44)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = url;
	argv[n] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, wout,
	                                 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (getenv("SP_CURL_V") == NULL)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
		                                 0);
	assert_int_equal(posix_spawnp(&pid, "curl", &fa, NULL,
	                              (char *const *)(uintptr_t)argv, environ),
	                 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	{
		char w[256];

		slurp(wout, w, sizeof(w));
		if (sscanf(w, "%d %7s %127[^\n]", &r.http_code, r.version,
		           r.ctype) < 2)
			r.http_code = -1;
	}
	slurp(bout, r.body, sizeof(r.body));
	slurp(hout, r.headers, sizeof(r.headers));
	return r;
}

static void write_file(const char *path, size_t len, char fill)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		fputc(fill, f);
	fclose(f);
}

/* ---------------------------------------------------------------- raw client
 */

typedef struct tstream {
	int32_t id;
	int status;
	char ctype[64];
	char body[2048];
	size_t body_len;
	size_t body_total; /* all DATA bytes, also past body[] */
	int closed;
	uint32_t error_code;
	/* request body and where to stall */
	const uint8_t *data;
	size_t data_len, data_off, stall_at;
} tstream;

typedef struct tclient {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	nghttp2_session *h2;
	tstream st[32];
	int nst;
	int goaway;
	int eof;
	int got_settings;
	uint32_t max_streams;
	uint32_t max_header_list;
} tclient;

static ssize_t tc_send_cb(nghttp2_session *h2, const uint8_t *data, size_t len,
                          int flags, void *user)
{
	(void)h2;
	(void)data;
	(void)len;
	(void)flags;
	(void)user;
	return NGHTTP2_ERR_CALLBACK_FAILURE; /* mem_send is used instead */
}

static int tc_on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                        const uint8_t *name, size_t namelen,
                        const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *user)
{
	tstream *s =
	    nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);

	(void)flags;
	(void)user;
	if (s == NULL)
		return 0;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0)
		s->status = (int)strtol((const char *)value, NULL, 10);
	if (namelen == 12 && memcmp(name, "content-type", 12) == 0 &&
	    valuelen < sizeof(s->ctype))
		memcpy(s->ctype, value, valuelen);
	return 0;
}

static int tc_on_data(nghttp2_session *h2, uint8_t flags, int32_t stream_id,
                      const uint8_t *data, size_t len, void *user)
{
	tstream *s = nghttp2_session_get_stream_user_data(h2, stream_id);

	(void)flags;
	(void)user;
	if (s == NULL)
		return 0;
	s->body_total += len;
	if (len > sizeof(s->body) - 1 - s->body_len)
		len = sizeof(s->body) - 1 - s->body_len;
	memcpy(s->body + s->body_len, data, len);
	s->body_len += len;
	return 0;
}

static int tc_on_close(nghttp2_session *h2, int32_t stream_id, uint32_t code,
                       void *user)
{
	tstream *s = nghttp2_session_get_stream_user_data(h2, stream_id);

	(void)user;
	if (s != NULL) {
		s->closed = 1;
		s->error_code = code;
	}
	return 0;
}

static int tc_on_frame(nghttp2_session *h2, const nghttp2_frame *frame,
                       void *user)
{
	tclient *c = user;

	(void)h2;
	if (frame->hd.type == NGHTTP2_GOAWAY)
		c->goaway = 1;
	if (frame->hd.type == NGHTTP2_SETTINGS &&
	    !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
		c->got_settings = 1;
		for (size_t i = 0; i < frame->settings.niv; i++) {
			if (frame->settings.iv[i].settings_id ==
			    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
				c->max_streams = frame->settings.iv[i].value;
			if (frame->settings.iv[i].settings_id ==
			    NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE)
				c->max_header_list =
				    frame->settings.iv[i].value;
		}
	}
	return 0;
}

static ssize_t tc_read_body(nghttp2_session *h2, int32_t stream_id,
                            uint8_t *buf, size_t length, uint32_t *data_flags,
                            nghttp2_data_source *source, void *user)
{
	tstream *s = source->ptr;
	size_t limit = s->stall_at < s->data_len ? s->stall_at : s->data_len;
	size_t n = limit - s->data_off;

	(void)h2;
	(void)stream_id;
	(void)user;
	if (n == 0 && s->data_off < s->data_len)
		return NGHTTP2_ERR_DEFERRED; /* stall */
	if (n > length)
		n = length;
	memcpy(buf, s->data + s->data_off, n);
	s->data_off += n;
	if (s->data_off == s->data_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* SO_RCVBUF for the next tc_connect() (0: the system's) */
static int g_tc_rcvbuf;

/* Connect with ALPN h2; cert/key may be NULL. Returns 0 or -1 (handshake
 * refused). */
static int tc_connect(tclient *c, const char *cert, const char *key)
{
	struct sockaddr_in sa;
	nghttp2_session_callbacks *cb;
	static const unsigned char alpn[] = "\x02h2";
	struct timeval tv = {3, 0};

	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (g_tc_rcvbuf > 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &g_tc_rcvbuf,
		           sizeof(g_tc_rcvbuf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(T.port);
	sa.sin_addr.s_addr = htonl(0x7f000001);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	c->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(c->ctx);
	assert_int_equal(SSL_CTX_load_verify_locations(c->ctx, ca_cert, NULL),
	                 1);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (cert != NULL) {
		assert_int_equal(SSL_CTX_use_certificate_file(c->ctx, cert,
		                                              SSL_FILETYPE_PEM),
		                 1);
		assert_int_equal(
		    SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM),
		    1);
	}
	SSL_CTX_set_alpn_protos(c->ctx, alpn, 3);
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, c->fd);
	{
		char host[] = "localhost"; /* the macro casts away const */

		SSL_set_tlsext_host_name(c->ssl, host);
	}
	if (SSL_connect(c->ssl) != 1) {
		ERR_clear_error();
		return -1;
	}
	nghttp2_session_callbacks_new(&cb);
	nghttp2_session_callbacks_set_send_callback(cb, tc_send_cb);
	nghttp2_session_callbacks_set_on_header_callback(cb, tc_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	                                                          tc_on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, tc_on_close);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, tc_on_frame);
	assert_int_equal(nghttp2_session_client_new(&c->h2, cb, c), 0);
	nghttp2_session_callbacks_del(cb);
	assert_int_equal(
	    nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	return 0;
}

static void tc_close(tclient *c)
{
	if (c->h2 != NULL)
		nghttp2_session_del(c->h2);
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Submit a request; extra headers as name/value pairs, NULL-terminated. */
static tstream *tc_request(tclient *c, const char *method, const char *path,
                           const uint8_t *body, size_t len, size_t stall_at,
                           const char *const *extra)
{
	nghttp2_nv nva[200];
	size_t n = 0;
	tstream *s;
	nghttp2_data_provider prd;
	char authority[32];

	assert_true(c->nst < (int)(sizeof(c->st) / sizeof(c->st[0])));
	s = &c->st[c->nst++];
	memset(s, 0, sizeof(*s));
	s->data = body;
	s->data_len = len;
	s->stall_at = stall_at;
	snprintf(authority, sizeof(authority), "127.0.0.1:%u",
	         (unsigned)T.port);
#define NV(nm, v)                                                              \
	do {                                                                   \
		nva[n].name = (uint8_t *)(uintptr_t)(nm);                      \
		nva[n].namelen = strlen(nm);                                   \
		nva[n].value = (uint8_t *)(uintptr_t)(v);                      \
		nva[n].valuelen = strlen(v);                                   \
		nva[n].flags = NGHTTP2_NV_FLAG_NONE;                           \
		n++;                                                           \
	} while (0)
	NV(":method", method);
	NV(":scheme", "https");
	NV(":authority", authority);
	NV(":path", path);
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 198; i += 2)
		NV(extra[i], extra[i + 1]);
#undef NV
	prd.source.ptr = s;
	prd.read_callback = tc_read_body;
	s->id = nghttp2_submit_request(c->h2, NULL, nva, n,
	                               body != NULL ? &prd : NULL, s);
	assert_true(s->id > 0);
	return s;
}

/* Exchange frames until pred(c, arg) holds, the peer closes, or ms pass.
 * Returns 1 if pred held. */
static int tc_pump(tclient *c, int ms, int (*pred)(tclient *, void *),
                   void *arg)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		const uint8_t *out;
		ssize_t n;
		struct pollfd pfd;
		uint8_t buf[16384];
		int rn;
		uint64_t now;

		if (pred != NULL && pred(c, arg))
			return 1;
		while ((n = nghttp2_session_mem_send(c->h2, &out)) > 0) {
			if (SSL_write(c->ssl, out, (int)n) <= 0) {
				c->eof = 1;
				return pred != NULL && pred(c, arg);
			}
		}
		if (pred != NULL && pred(c, arg))
			return 1;
		if (c->eof)
			return 0;
		now = now_ms();
		if (now >= end)
			return 0;
		if (SSL_pending(c->ssl) == 0) {
			pfd.fd = c->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1,
			         (int)(end - now > 50 ? 50 : end - now)) <= 0)
				continue;
		}
		rn = SSL_read(c->ssl, buf, sizeof(buf));
		if (rn <= 0) {
			int e = SSL_get_error(c->ssl, rn);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				continue;
			c->eof = 1;
			continue;
		}
		if (nghttp2_session_mem_recv(c->h2, buf, (size_t)rn) < 0) {
			c->eof = 1;
			continue;
		}
	}
}

static int pred_closed(tclient *c, void *arg)
{
	(void)c;
	return ((tstream *)arg)->closed;
}

static int pred_settings(tclient *c, void *arg)
{
	(void)arg;
	return c->got_settings;
}

static int pred_eof(tclient *c, void *arg)
{
	(void)arg;
	return c->eof;
}

/* Send what the client's session has queued, without reading anything. */
static void tc_send_only(tclient *c)
{
	const uint8_t *out;
	ssize_t n;

	while ((n = nghttp2_session_mem_send(c->h2, &out)) > 0)
		assert_int_equal(SSL_write(c->ssl, out, (int)n), (int)n);
}

/* ---------------------------------------------------------------- tests */

static void test_get_post_client_cert(void **state)
{
	curl_res r;
	char body[PATHLEN], arg[PATHLEN + 1];
	access_rec a;

	(void)state;
	srv_start(NULL, 1);
	r = run_curl("/echo?y=1&x=a%20b+c", "--http2", "--cert", cli_cert,
	             "--key", cli_key, NULL);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.http_code, 200);
	assert_string_equal(r.version, "2");
	assert_non_null(
	    strstr(r.body, "method=GET path=/echo body=0 cert=1 x=a b c/0"));
	assert_non_null(strstr(r.body, "ua=yes"));
	assert_non_null(strstr(r.headers, "content-length: "));
	assert_non_null(strstr(r.headers, "x-request-id: "));
	assert_non_null(strstr(r.headers, "cache-control: no-store"));

	/* The access log saw it, with the id sent in x-request-id. */
	pthread_mutex_lock(&T.mu);
	a = T.alog;
	pthread_mutex_unlock(&T.mu);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.last_status, 200);
	assert_int_equal(strlen(a.last_id), 16);
	assert_int_equal(strspn(a.last_id, "0123456789abcdef"), 16);
	assert_string_equal(a.last_path, "/echo");
	assert_int_equal(a.last_bytes, strlen(r.body));
	{
		char want[64];

		snprintf(want, sizeof(want), "x-request-id: %s", a.last_id);
		assert_non_null(strstr(r.headers, want));
	}

	/* A bad escape in the parameter is reported, not guessed. */
	r = run_curl("/echo?x=%zz", "--http2", NULL);
	assert_int_equal(r.http_code, 200);
	{
		char want[32];

		snprintf(want, sizeof(want), "x=-/%d", SP_ERR_BAD_REQUEST);
		assert_non_null(strstr(r.body, want));
	}

	path_in(body, "post.bin");
	write_file(body, 1000, 'a');
	snprintf(arg, sizeof(arg), "@%s", body);
	r = run_curl("/echo", "--http2", "--cert", cli_cert, "--key", cli_key,
	             "--data-binary", arg, NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(
	    strstr(r.body, "method=POST path=/echo body=1000 cert=1"));

	/* A method name is kept whole on either side of the request's own
	 * room for it (15 bytes and more), and so is a query. */
	r = run_curl("/echo?x=q", "--http2", "-X", "ABCDEFGHIJKLMNO", NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(
	    strstr(r.body, "method=ABCDEFGHIJKLMNO path=/echo body=0"));
	assert_non_null(strstr(r.body, "x=q/0"));
	r = run_curl("/echo", "--http2", "-X", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	             NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(
	    r.body, "method=ABCDEFGHIJKLMNOPQRSTUVWXYZ path=/echo body=0"));
	srv_stop();
}

static void test_no_client_cert(void **state)
{
	curl_res r;

	(void)state;
	srv_start(NULL, 1);
	r = run_curl("/echo", "--http2", NULL);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "cert=0"));
	srv_stop();
}

static void test_foreign_client_cert_refused(void **state)
{
	curl_res r;
	sp_server_stats st;
	tclient c;

	(void)state;
	srv_start(NULL, 1);
	r = run_curl("/echo", "--http2", "--cert", bad_cert, "--key", bad_key,
	             NULL);
	assert_int_not_equal(r.exit_code, 0);
	assert_int_equal(r.http_code, 0);
	assert_int_equal(handled(), 0);
	/* TLS 1.3: the client learns of the refusal after its Finished. */
	if (tc_connect(&c, bad_cert, bad_key) == 0) {
		tstream *s = tc_request(&c, "GET", "/echo", NULL, 0, 0, NULL);

		tc_pump(&c, 3000, pred_closed, s);
		assert_int_equal(s->status, 0);
		assert_true(c.eof);
	}
	tc_close(&c);
	assert_int_equal(handled(), 0);
	st = stats();
	assert_true(st.handshakes_failed >= 1);
	/* The right certificate still works. */
	r = run_curl("/echo", "--http2", "--cert", cli_cert, "--key", cli_key,
	             NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "cert=1"));
	srv_stop();
}

/* A certificate of the federation CA fit only for serverAuth (SPEC 7.7
 * [TL-43]): sp_pki issues none, so it is built here. 0 on success. */
static int make_server_only_cert(const char *key_out, const char *cert_out)
{
	FILE *f = NULL;
	BIO *b = NULL;
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL, *x = NULL;
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	int rc = -1;

	if ((b = BIO_new_file(ca_key, "r")) == NULL ||
	    (cakey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		goto done;
	BIO_free(b);
	if ((b = BIO_new_file(ca_cert, "r")) == NULL ||
	    (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL)
		goto done;
	if ((key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    X509_NAME_add_entry_by_txt(
	        X509_get_subject_name(x), "CN", MBSTRING_UTF8,
	        (const unsigned char *)"CN-HN", -1, -1, 0) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto done;
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage,
	                               "serverAuth")) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		goto done;
	if (X509_sign(x, cakey, EVP_sha256()) <= 0)
		goto done;
	if ((f = fopen(key_out, "w")) == NULL ||
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1)
		goto done;
	fclose(f);
	f = NULL;
	if ((f = fopen(cert_out, "w")) == NULL || PEM_write_X509(f, x) != 1)
		goto done;
	rc = 0;
done:
	if (f != NULL)
		fclose(f);
	BIO_free(b);
	X509_EXTENSION_free(ext);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return rc;
}

/* SPEC 7.7 [TL-43]: a client certificate of the right CA that is not fit
 * for clientAuth is refused in the handshake. */
static void test_client_cert_purpose_refused(void **state)
{
	char k[PATHLEN], c[PATHLEN];
	curl_res r;

	(void)state;
	path_in(k, "srvonly.key");
	path_in(c, "srvonly.pem");
	assert_int_equal(make_server_only_cert(k, c), 0);
	srv_start(NULL, 1);
	r = run_curl("/echo", "--http2", "--cert", c, "--key", k, NULL);
	assert_int_not_equal(r.exit_code, 0);
	assert_int_equal(r.http_code, 0);
	assert_int_equal(handled(), 0);
	/* a certificate of the same CA fit for clientAuth is admitted */
	r = run_curl("/echo", "--http2", "--cert", cli_cert, "--key", cli_key,
	             NULL);
	assert_int_equal(r.http_code, 200);
	srv_stop();
}

static void test_http11_refused(void **state)
{
	curl_res r;
	sp_server_stats st;

	(void)state;
	srv_start(NULL, 1);
	r = run_curl("/echo", "--http1.1", NULL);
	assert_int_not_equal(r.exit_code, 0);
	assert_int_equal(r.http_code, 0);
	assert_int_equal(handled(), 0);
	st = stats();
	assert_int_equal(st.handshakes_failed, 1);
	assert_int_equal(st.requests, 0);
	srv_stop();
}

static void test_body_cap(void **state)
{
	sp_server_limits lim = short_limits();
	curl_res r;
	char body[PATHLEN], arg[PATHLEN + 1];
	sp_server_stats st;

	(void)state;
	lim.max_body_bytes = 64 * 1024;
	srv_start(&lim, 1);
	path_in(body, "big.bin");
	snprintf(arg, sizeof(arg), "@%s", body);

	write_file(body, 64 * 1024, 'b'); /* exactly the cap: fine */
	r = run_curl("/echo", "--http2", "--data-binary", arg, NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "body=65536"));

	write_file(body, 100 * 1024, 'b');
	r = run_curl("/echo", "--http2", "--data-binary", arg, NULL);
	if (r.http_code != 413)
		fprintf(stderr, "curl exit %d code %d headers [%s]\n",
		        r.exit_code, r.http_code, r.headers);
	assert_int_equal(r.http_code, 413);
	assert_string_equal(r.ctype, "application/problem+xml");
	assert_non_null(strstr(r.body, "too-large"));
	assert_non_null(strstr(r.headers, "x-request-id: "));
	assert_int_equal(handled(), 1);

	/* Without a declared length the count while streaming catches it. */
	{
		tclient c;
		static uint8_t data[100 * 1024];
		tstream *s;

		memset(data, 'c', sizeof(data));
		assert_int_equal(tc_connect(&c, NULL, NULL), 0);
		s = tc_request(&c, "POST", "/echo", data, sizeof(data),
		               sizeof(data), NULL);
		assert_true(tc_pump(&c, 5000, pred_closed, s));
		assert_int_equal(s->status, 413);
		assert_string_equal(s->ctype, "application/problem+xml");
		tc_close(&c);
	}
	assert_int_equal(handled(), 1);
	st = stats();
	assert_int_equal(st.dropped_limits, 2);
	assert_int_equal(st.responses[4], 2);
	srv_stop();
}

static void test_buffered_bound(void **state)
{
	sp_server_limits lim = short_limits();
	curl_res r;
	char body[PATHLEN], arg[PATHLEN + 1];

	(void)state;
	lim.conn_buffered_bytes = 32 * 1024; /* below the body cap */
	srv_start(&lim, 1);
	path_in(body, "mid.bin");
	snprintf(arg, sizeof(arg), "@%s", body);
	write_file(body, 50 * 1024, 'm');
	r = run_curl("/echo", "--http2", "--data-binary", arg, NULL);
	assert_int_equal(r.http_code, 503);
	assert_string_equal(r.ctype, "application/problem+xml");
	assert_non_null(strstr(r.body, "overloaded"));
	write_file(body, 10 * 1024, 'm');
	r = run_curl("/echo", "--http2", "--data-binary", arg, NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "body=10240"));
	/* An answer is held until its stream closes, which the loop may see
	 * a moment after curl has read it all. */
	{
		uint64_t end = now_ms() + 3000;
		sp_server_stats st;

		while ((st = stats()).buffered_bytes != 0 && now_ms() < end)
			usleep(20 * 1000);
		assert_int_equal(st.buffered_bytes, 0); /* all given back */
		assert_int_equal(st.dropped_limits, 1);
	}
	srv_stop();
}

static void test_header_cap(void **state)
{
	tclient c;
	tstream *s, *s2, *s3;
	static char big[20000];
	const char *extra[] = {"x-big", big, NULL};
	const char *many[2 * 150 + 1];
	char names[150][16];

	(void)state;
	srv_start(NULL, 1);
	memset(big, 'h', sizeof(big) - 1);
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	s = tc_request(&c, "GET", "/echo", NULL, 0, 0, extra);
	assert_true(tc_pump(&c, 5000, pred_closed, s));
	assert_true(s->status == 431 ||
	            (s->status == 0 && s->error_code != NGHTTP2_NO_ERROR));
	if (s->status == 431)
		assert_string_equal(s->ctype, "application/problem+xml");

	/* Too many small fields. */
	for (int i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "x-h%d", i);
		many[2 * i] = names[i];
		many[2 * i + 1] = "v";
	}
	many[300] = NULL;
	s2 = tc_request(&c, "GET", "/echo", NULL, 0, 0, many);
	assert_true(tc_pump(&c, 5000, pred_closed, s2));
	assert_int_equal(s2->status, 431);

	/* The connection is still good for a normal request. */
	s3 = tc_request(&c, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&c, 5000, pred_closed, s3));
	assert_int_equal(s3->status, 200);
	assert_int_equal(handled(), 1);
	tc_close(&c);
	srv_stop();
}

static void test_settings_advertised(void **state)
{
	tclient c;

	(void)state;
	srv_start(NULL, 1);
	assert_int_equal(tc_connect(&c, cli_cert, cli_key), 0);
	assert_true(tc_pump(&c, 3000, pred_settings, NULL));
	assert_int_equal(c.max_streams, 100);
	assert_int_equal(c.max_header_list, 16 * 1024);
	tc_close(&c);

	/* Not HTTP/2 after the handshake: the connection is dropped. */
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	{
		static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

		assert_int_equal(SSL_write(c.ssl, junk, (int)sizeof(junk) - 1),
		                 (int)sizeof(junk) - 1);
	}
	assert_true(tc_pump(&c, 3000, pred_eof, NULL));
	tc_close(&c);
	assert_int_equal(stats().dropped_flood, 1);
	assert_int_equal(handled(), 0);
	srv_stop();
}

static void test_idle_timeout(void **state)
{
	sp_server_limits lim = short_limits();
	tclient c;
	uint64_t t0, dt;
	sp_server_stats st;

	(void)state;
	lim.idle_timeout_ms = 700;
	lim.handshake_timeout_ms = 500;
	srv_start(&lim, 1);
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	t0 = now_ms();
	assert_true(tc_pump(&c, 5000, pred_eof, NULL));
	dt = now_ms() - t0;
	assert_true(c.goaway); /* a proper goodbye before the close */
	assert_true(dt >= 600);
	assert_true(dt < 3000);
	tc_close(&c);
	st = stats();
	assert_int_equal(st.conns_open, 0);
	assert_int_equal(st.conns_accepted, 1);
	assert_int_equal(st.dropped_timeout, 0); /* an idle close is normal */

	/* A client that never starts TLS is cut off after the handshake
	 * timeout. */
	{
		struct sockaddr_in sa;
		struct timeval tv = {4, 0};
		char b;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		assert_true(fd >= 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons(T.port);
		sa.sin_addr.s_addr = htonl(0x7f000001);
		assert_int_equal(
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		t0 = now_ms();
		assert_int_equal(recv(fd, &b, 1, 0), 0);
		dt = now_ms() - t0;
		assert_true(dt >= 400 && dt < 3000);
		close(fd);
	}
	st = stats();
	assert_int_equal(st.dropped_timeout, 1);
	assert_int_equal(st.conns_open, 0);
	srv_stop();
}

static void test_slow_client(void **state)
{
	sp_server_limits lim = short_limits();
	tclient c;
	tstream *s;
	static uint8_t data[1000];
	const char *cl[] = {"content-length", "1000", NULL};
	curl_res r;
	uint64_t t0;
	sp_server_stats st;

	(void)state;
	lim.stream_timeout_ms = 1500;
	srv_start(&lim, 1);
	memset(data, 'd', sizeof(data));
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	t0 = now_ms();
	s = tc_request(&c, "POST", "/echo", data, sizeof(data), 500, cl);
	/* Half the body goes out, then the client stalls. */
	tc_pump(&c, 300, pred_closed, s);
	assert_false(s->closed);
	assert_int_equal(s->data_off, 500);
	/* Meanwhile another client is served. */
	r = run_curl("/echo", "--http2", NULL);
	assert_int_equal(r.http_code, 200);
	assert_true(tc_pump(&c, 5000, pred_closed, s));
	assert_true(now_ms() - t0 >= 1300);
	assert_true(s->status == 408 || s->error_code != NGHTTP2_NO_ERROR);
	assert_int_equal(s->status, 408);
	assert_int_equal(handled(),
	                 1); /* only curl's request reached the handler */
	tc_close(&c);
	st = stats();
	assert_true(st.dropped_timeout >= 1);
	srv_stop();
}

static int wait_dropped(uint64_t want, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (now_ms() < end) {
		if (stats().responses_dropped >= want)
			return 1;
		usleep(50 * 1000);
	}
	return 0;
}

static void test_late_respond_after_client_left(void **state)
{
	tclient c;
	tstream *s;
	curl_res r;
	access_rec a;

	(void)state;
	srv_start(NULL, 1);
	/* 1: the whole connection goes away while the job runs. */
	assert_int_equal(tc_connect(&c, cli_cert, cli_key), 0);
	s = tc_request(&c, "GET", "/async", NULL, 0, 0, NULL);
	tc_pump(&c, 200, pred_closed, s);
	assert_int_equal(handled(), 1);
	tc_close(&c);
	assert_true(wait_dropped(1, 5000));

	/* 2: only the stream is cancelled; the connection lives on. */
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	s = tc_request(&c, "GET", "/async", NULL, 0, 0, NULL);
	tc_pump(&c, 200, pred_closed, s);
	assert_int_equal(handled(), 2);
	nghttp2_submit_rst_stream(c.h2, NGHTTP2_FLAG_NONE, s->id,
	                          NGHTTP2_CANCEL);
	tc_pump(&c, 100, NULL, NULL);
	assert_true(wait_dropped(2, 5000));
	{
		tstream *s2 = tc_request(&c, "GET", "/echo", NULL, 0, 0, NULL);

		assert_true(tc_pump(&c, 3000, pred_closed, s2));
		assert_int_equal(s2->status, 200);
	}
	tc_close(&c);
	pthread_mutex_lock(&T.mu);
	a = T.alog;
	pthread_mutex_unlock(&T.mu);
	assert_int_equal(a.n, 3); /* two dropped (status 0), one answered */

	/* 3: a handler that gives up without answering resets the stream. */
	r = run_curl("/drop", "--http2", NULL);
	assert_int_not_equal(r.exit_code, 0);
	r = run_curl("/echo", "--http2", NULL);
	assert_int_equal(r.http_code, 200);
	srv_stop();
}

static void shutdown_done(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&T.mu);
	T.shutdown_done = 1;
	pthread_mutex_unlock(&T.mu);
}

static void shutdown_fn(void *arg)
{
	(void)arg;
	sp_server_shutdown(T.srv, shutdown_done, NULL);
}

static int is_shutdown_done(void)
{
	int d;

	pthread_mutex_lock(&T.mu);
	d = T.shutdown_done;
	pthread_mutex_unlock(&T.mu);
	return d;
}

static void test_graceful_shutdown(void **state)
{
	tclient c, idle;
	tstream *s;
	curl_res r;
	uint64_t end;

	(void)state;
	srv_start(NULL, 1);
	assert_int_equal(tc_connect(&idle, NULL, NULL), 0);
	tc_pump(&idle, 100, NULL, NULL);
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	s = tc_request(&c, "GET", "/async", NULL, 0, 0, NULL);
	tc_pump(&c, 150, pred_closed, s);
	assert_int_equal(handled(), 1);

	run_on_loop(shutdown_fn, NULL);
	/* The idle connection is told and closed at once. */
	assert_true(tc_pump(&idle, 2000, pred_eof, NULL));
	assert_true(idle.goaway);
	tc_close(&idle);
	/* The request in flight still gets its answer after the GOAWAY. */
	assert_true(tc_pump(&c, 5000, pred_closed, s));
	assert_true(c.goaway);
	assert_int_equal(s->status, 200);
	assert_string_equal(s->body, "late");
	assert_true(tc_pump(&c, 2000, pred_eof, NULL));
	tc_close(&c);
	end = now_ms() + 3000;
	while (!is_shutdown_done() && now_ms() < end)
		usleep(20 * 1000);
	assert_true(is_shutdown_done());
	/* Nobody is let in any more. */
	r = run_curl("/echo", "--http2", "--connect-timeout", "2", NULL);
	assert_int_not_equal(r.exit_code, 0);
	srv_stop();
}

static void test_tls_versions(void **state)
{
	curl_res r;

	(void)state;
	srv_start(NULL, 0); /* no client CAs: certificates are not asked for */
	r = run_curl("/echo", "--http2", "--tlsv1.2", "--tls-max", "1.2", NULL);
	assert_int_not_equal(r.exit_code, 0);
	r = run_curl("/echo", "--http2", "--cert", cli_cert, "--key", cli_key,
	             NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "cert=0"));
	srv_stop();

	g_allow_tls12 = 1;
	srv_start(NULL, 0);
	g_allow_tls12 = 0;
	r = run_curl("/echo", "--http2", "--tlsv1.2", "--tls-max", "1.2", NULL);
	assert_int_equal(r.http_code, 200);
	assert_string_equal(r.version, "2");
	/* Only forward-secret AEAD suites. */
	r = run_curl("/echo", "--http2", "--tlsv1.2", "--tls-max", "1.2",
	             "--ciphers", "AES128-GCM-SHA256", NULL);
	assert_int_not_equal(r.exit_code, 0);
	r = run_curl("/echo", "--http2", "--tlsv1.2", "--tls-max", "1.2",
	             "--ciphers", "ECDHE-ECDSA-AES128-SHA256", NULL);
	assert_int_not_equal(r.exit_code, 0);
	srv_stop();
}

/* TLS 1.3 key updates in both directions: the server reads the client's
 * KeyUpdate, answers one that asks for it with its own (a write from
 * inside a read), and keeps serving on the new keys; a client that asks
 * for a key update in the middle of a large answer gets it whole. */
static void test_key_update(void **state)
{
	tclient c;
	tstream *s;

	(void)state;
	srv_start(NULL, 1);
	assert_int_equal(tc_connect(&c, cli_cert, cli_key), 0);
	s = tc_request(&c, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&c, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);

	for (int round = 0; round < 3; round++) {
		assert_int_equal(
		    SSL_key_update(c.ssl, SSL_KEY_UPDATE_REQUESTED), 1);
		s = tc_request(&c, "GET", "/echo", NULL, 0, 0, NULL);
		assert_true(tc_pump(&c, 3000, pred_closed, s));
		assert_int_equal(s->status, 200);
		assert_non_null(strstr(s->body, "cert=1"));
	}
	s = tc_request(&c, "GET", "/big", NULL, 0, 0, NULL);
	tc_send_only(&c);
	assert_int_equal(SSL_key_update(c.ssl, SSL_KEY_UPDATE_REQUESTED), 1);
	assert_true(tc_pump(&c, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);
	assert_int_equal(s->body_total, 40000);
	tc_close(&c);
	assert_int_equal(stats().dropped_flood, 0);
	srv_stop();
}

static void set_tls_fn(void *arg)
{
	sp_server_set_tls(T.srv, arg);
}

static void test_tls_reload(void **state)
{
	sp_server_config cfg;
	SSL_CTX *ctx = NULL;
	const char *why = NULL;
	const char *cas[] = {ca2_cert, NULL};
	curl_res r;

	(void)state;
	srv_start(NULL, 1);
	r = run_curl("/echo", "--http2", "--cert", bad_cert, "--key", bad_key,
	             NULL);
	assert_int_equal(r.http_code, 0);
	/* The new context trusts only the other CA for clients. */
	sp_server_config_default(&cfg);
	cfg.cert_file = srv_cert;
	cfg.key_file = srv_key;
	cfg.client_ca_files = cas;
	assert_int_equal(sp_server_tls_ctx_new(&cfg, &ctx, &why), SP_OK);
	run_on_loop(set_tls_fn, ctx);
	SSL_CTX_free(ctx); /* the server keeps its own reference */
	r = run_curl("/echo", "--http2", "--cert", bad_cert, "--key", bad_key,
	             NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "cert=1"));
	r = run_curl("/echo", "--http2", "--cert", cli_cert, "--key", cli_key,
	             NULL);
	assert_int_equal(r.http_code, 0);

	/* A key that does not match its certificate is refused. */
	cfg.key_file = cli_key;
	ctx = NULL;
	assert_int_equal(sp_server_tls_ctx_new(&cfg, &ctx, &why),
	                 SP_ERR_CERT_INVALID);
	assert_null(ctx);
	assert_non_null(why);
	srv_stop();
}

/* ---------------------------------------------------------------- SEC-21..C4
 */

/* The client certificate counts as authenticated until "revoked". */
static int auth_cli(const uint8_t *der, size_t len, void *arg)
{
	(void)der;
	(void)len;
	(void)arg;
	return !g_cli_revoked;
}

/* Keep the stream window at zero: answers can send HEADERS, never DATA. */
static void tc_zero_window(tclient *c)
{
	nghttp2_settings_entry iv = {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0};

	assert_int_equal(
	    nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, &iv, 1), 0);
}

static int pred_all_closed(tclient *c, void *arg)
{
	(void)arg;
	for (int i = 0; i < c->nst; i++)
		if (!c->st[i].closed)
			return 0;
	return 1;
}

static void buffered_fn(void *arg)
{
	sp_server_stats st;

	sp_server_get_stats(T.srv, &st);
	*(uint64_t *)arg = st.buffered_bytes;
}

/* A client that never opens its window: its streams are reset after
 * stream_timeout, its connection closed (GOAWAY) after idle_timeout,
 * although streams were open; what its answers held is given back. */
static void test_zero_window_cut_off(void **state)
{
	sp_server_limits lim = short_limits();
	tclient c;
	uint64_t t0, dt, held = 0;
	sp_server_stats st;

	(void)state;
	lim.stream_timeout_ms = 800;
	lim.idle_timeout_ms = 1500;
	srv_start(&lim, 1);
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	tc_zero_window(&c);
	for (int i = 0; i < 6; i++)
		(void)tc_request(&c, "GET", "/big", NULL, 0, 0, NULL);
	t0 = now_ms();
	tc_pump(&c, 300, NULL, NULL);
	assert_int_equal(handled(), 6);
	run_on_loop(buffered_fn, &held);
	assert_true(held >=
	            6 * 40000); /* the answers are held for the client */
	assert_true(tc_pump(&c, 5000, pred_all_closed, NULL));
	dt = now_ms() - t0;
	assert_true(dt >= 600 && dt < 2500);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(c.st[i].status,
		                 200); /* the HEADERS went out */
		assert_int_equal(c.st[i].body_len, 0);
		assert_int_equal(c.st[i].error_code, NGHTTP2_CANCEL);
	}
	/* TLS output is given back when SSL_write has taken it, which may
	 * come a moment after the client read it. */
	for (int i = 0; i < 50; i++) {
		run_on_loop(buffered_fn, &held);
		if (held == 0)
			break;
		usleep(20 * 1000);
	}
	assert_int_equal(held, 0);
	/* A stream left open with nothing moving does not keep the
	 * connection: a new request that also stalls is reset too, and the
	 * connection ends within idle_timeout of its last progress. */
	(void)tc_request(&c, "GET", "/big", NULL, 0, 0, NULL);
	assert_true(tc_pump(&c, 6000, pred_eof, NULL));
	dt = now_ms() - t0;
	assert_true(c.goaway);
	assert_true(dt < 5000);
	tc_close(&c);
	st = stats();
	assert_int_equal(st.conns_open, 0);
	assert_true(st.dropped_timeout >= 6);
	srv_stop();
}

/* Open the client's windows wide, so that only the socket holds answers
 * back, and ask for 16 answers of 512 KiB (more than the server's socket
 * and its output mark take). */
static void tc_request_big_unread(tclient *c)
{
	nghttp2_settings_entry iv = {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
	                             1 << 20};

	assert_int_equal(
	    nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, &iv, 1), 0);
	assert_int_equal(nghttp2_session_set_local_window_size(
	                     c->h2, NGHTTP2_FLAG_NONE, 0, 16 << 20),
	                 0);
	for (int i = 0; i < 16; i++)
		(void)tc_request(c, "GET", "/huge", NULL, 0, 0, NULL);
	tc_send_only(c);
}

/* A client that stops reading its socket for a while gets every answer
 * whole once it reads again (the server waits for the socket, then writes
 * the rest); one that never reads again is cut off after idle_timeout and
 * what its answers held is given back. */
static void test_socket_not_read(void **state)
{
	sp_server_limits lim = short_limits();
	tclient c;
	uint64_t held = 0, t0;
	sp_server_stats st;

	(void)state;
	lim.idle_timeout_ms = 1500;
	lim.conn_buffered_bytes = (size_t)64 << 20;
	lim.global_buffered_bytes = (size_t)256 << 20;
	lim.anon_buffered_bytes = (size_t)256 << 20;
	srv_start(&lim, 1);
	/* a small receive buffer: the server's socket fills soon */
	g_tc_rcvbuf = 4096;

	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	tc_request_big_unread(&c);
	usleep(500 * 1000);
	assert_int_equal(handled(), 16);
	run_on_loop(buffered_fn, &held);
	assert_true(held > 0); /* the socket took part, the rest waits */
	assert_true(tc_pump(&c, 5000, pred_all_closed, NULL));
	for (int i = 0; i < 16; i++) {
		assert_int_equal(c.st[i].status, 200);
		assert_int_equal(c.st[i].error_code, NGHTTP2_NO_ERROR);
		assert_int_equal(c.st[i].body_total, 512 * 1024);
	}
	tc_close(&c);
	st = stats();
	assert_int_equal(st.dropped_timeout, 0);

	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	tc_request_big_unread(&c);
	t0 = now_ms();
	for (;;) {
		st = stats();
		if (st.conns_open == 0 || now_ms() - t0 > 6000)
			break;
		usleep(50 * 1000);
	}
	assert_int_equal(st.conns_open, 0);
	assert_true(now_ms() - t0 >= 1200);
	assert_true(st.dropped_timeout >= 1);
	assert_int_equal(st.buffered_bytes, 0);
	tc_close(&c);
	g_tc_rcvbuf = 0;
	srv_stop();
}

/* Anonymous clients hold at most their share: an answer over it is not
 * kept (the stream is reset), and a member's body still fits. */
static void test_anon_bytes_share(void **state)
{
	sp_server_limits lim = short_limits();
	tclient c;
	curl_res r;
	char body[PATHLEN], arg[PATHLEN + 1];
	sp_server_stats st;

	(void)state;
	lim.global_buffered_bytes = 200 * 1024;
	lim.anon_buffered_bytes = 100 * 1024;
	lim.stream_timeout_ms = 5000;
	lim.idle_timeout_ms = 5000;
	g_auth = auth_cli;
	g_cli_revoked = 0;
	srv_start(&lim, 1);
	assert_int_equal(tc_connect(&c, NULL, NULL), 0);
	tc_zero_window(&c);
	for (int i = 0; i < 4; i++)
		(void)tc_request(&c, "GET", "/big", NULL, 0, 0, NULL);
	tc_pump(&c, 500, NULL, NULL);
	assert_int_equal(handled(), 4);
	st = stats();
	assert_int_equal(st.conns_anon, 1);
	assert_true(st.buffered_anon <= 100 * 1024);
	assert_int_equal(st.buffered_anon, st.buffered_bytes);
	assert_true(st.buffered_anon >= 2 * 40000);
	/* Two answers fit the share; the other two were refused. */
	{
		int refused = 0;

		for (int i = 0; i < 4; i++)
			refused +=
			    c.st[i].closed &&
			    c.st[i].error_code == NGHTTP2_ENHANCE_YOUR_CALM;
		assert_int_equal(refused, 2);
	}
	/* A member (authenticated certificate) posts a body bigger than what
	 * is left of the anonymous share while the attacker holds it. */
	path_in(body, "member.bin");
	snprintf(arg, sizeof(arg), "@%s", body);
	write_file(body, 60 * 1024, 'm');
	r = run_curl("/echo", "--http2", "--cert", cli_cert, "--key", cli_key,
	             "--data-binary", arg, NULL);
	assert_int_equal(r.http_code, 200);
	assert_non_null(strstr(r.body, "body=61440 cert=1"));
	/* Without a certificate the same body does not fit. */
	r = run_curl("/echo", "--http2", "--data-binary", arg, NULL);
	assert_int_equal(r.http_code, 503);
	tc_close(&c);
	/* A request that outlives its connection (the handler still works
	 * when the client leaves) gives its bytes back to the share too. */
	{
		static uint8_t data[10000];
		uint64_t end;

		assert_int_equal(tc_connect(&c, NULL, NULL), 0);
		(void)tc_request(&c, "POST", "/async", data, sizeof(data),
		                 sizeof(data), NULL);
		tc_pump(&c, 200, NULL, NULL);
		tc_close(&c);
		end = now_ms() + 3000;
		do {
			usleep(50 * 1000);
			st = stats();
		} while ((st.buffered_anon != 0 || st.responses_dropped == 0) &&
		         now_ms() < end);
		assert_int_equal(st.responses_dropped, 1);
		assert_int_equal(st.buffered_anon, 0);
		assert_int_equal(st.buffered_bytes, 0);
		assert_int_equal(st.conns_anon, 0);
	}
	g_auth = NULL;
	srv_stop();
}

/* Anonymous connections (and handshakes) hold at most their share of
 * slots; a newcomer evicts the oldest of them, never an authenticated
 * connection. */
static void test_anon_connection_share(void **state)
{
	sp_server_limits lim = short_limits();
	tclient m, x, y, z, m2;
	tstream *s;
	sp_server_stats st;

	(void)state;
	lim.max_connections = 4;
	lim.max_anon_connections = 2;
	g_auth = auth_cli;
	g_cli_revoked = 0;
	srv_start(&lim, 1);
	assert_int_equal(tc_connect(&m, cli_cert, cli_key), 0);
	assert_true(tc_pump(&m, 3000, pred_settings, NULL));
	assert_int_equal(tc_connect(&x, NULL, NULL), 0);
	assert_true(tc_pump(&x, 3000, pred_settings, NULL));
	assert_int_equal(tc_connect(&y, NULL, NULL), 0);
	assert_true(tc_pump(&y, 3000, pred_settings, NULL));
	st = stats();
	assert_int_equal(st.conns_open, 3);
	assert_int_equal(st.conns_anon, 2);
	/* A third anonymous client: the oldest anonymous one (x) goes. */
	assert_int_equal(tc_connect(&z, NULL, NULL), 0);
	assert_true(tc_pump(&x, 3000, pred_eof, NULL));
	s = tc_request(&y, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&y, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);
	/* A member still gets in (evicting y, the oldest anonymous) and is
	 * served; the first member was never touched. */
	assert_int_equal(tc_connect(&m2, cli_cert, cli_key), 0);
	s = tc_request(&m2, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&m2, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);
	s = tc_request(&m, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&m, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);
	st = stats();
	assert_int_equal(st.conns_evicted, 2);
	assert_int_equal(st.conns_anon, 1);
	assert_int_equal(st.conns_open, 3);
	tc_close(&m);
	tc_close(&m2);
	tc_close(&x);
	tc_close(&y);
	tc_close(&z);
	g_auth = NULL;
	srv_stop();
}

static void recheck_fn(void *arg)
{
	*(size_t *)arg = sp_server_recheck(T.srv);
}

/* A member suspended or revoked: sp_server_recheck() closes its open
 * connection; anonymous connections and others are left alone. */
static void test_recheck_closes_revoked(void **state)
{
	tclient m, a;
	tstream *s;
	size_t closed = 99;
	uint64_t t0;

	(void)state;
	g_auth = auth_cli;
	g_cli_revoked = 0;
	srv_start(NULL, 1);
	assert_int_equal(tc_connect(&m, cli_cert, cli_key), 0);
	s = tc_request(&m, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&m, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);
	assert_int_equal(tc_connect(&a, NULL, NULL), 0);
	assert_true(tc_pump(&a, 3000, pred_settings, NULL));
	run_on_loop(recheck_fn, &closed);
	assert_int_equal(closed, 0);
	g_cli_revoked = 1;
	run_on_loop(recheck_fn, &closed);
	assert_int_equal(closed, 1);
	t0 = now_ms();
	assert_true(tc_pump(&m, 3000, pred_eof, NULL));
	assert_true(now_ms() - t0 < 1500);
	assert_true(m.goaway);
	s = tc_request(&a, "GET", "/echo", NULL, 0, 0, NULL);
	assert_true(tc_pump(&a, 3000, pred_closed, s));
	assert_int_equal(s->status, 200);
	assert_int_equal(stats().conns_revoked, 1);
	/* Coming back with that certificate lands in the anonymous share. */
	tc_close(&m);
	assert_int_equal(tc_connect(&m, cli_cert, cli_key), 0);
	assert_true(tc_pump(&m, 3000, pred_settings, NULL));
	assert_int_equal(stats().conns_anon, 2);
	tc_close(&m);
	tc_close(&a);
	g_auth = NULL;
	srv_stop();
}

/* A TLS client with the given ALPN list (NULL: none). Returns 1 if the
 * handshake completed; *reason gets OpenSSL's reason code otherwise. */
static int alpn_handshake(const unsigned char *alpn, unsigned len, int *reason)
{
	struct sockaddr_in sa;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd, ok;
	unsigned long e, last = 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(T.port);
	sa.sin_addr.s_addr = htonl(0x7f000001);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_load_verify_locations(ctx, ca_cert, NULL), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (alpn != NULL)
		SSL_CTX_set_alpn_protos(ctx, alpn, len);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	ok = SSL_connect(ssl) == 1;
	while ((e = ERR_get_error()) != 0)
		last = e;
	*reason = ok ? 0 : ERR_GET_REASON(last);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return ok;
}

/* No ALPN, or no "h2" in it: the handshake itself fails with the
 * no_application_protocol alert (SPEC API-2). */
static void test_alpn_alert(void **state)
{
	static const unsigned char http11[] = "\x08http/1.1";
	static const unsigned char h2[] = "\x02h2";
	int reason = 0;

	(void)state;
	srv_start(NULL, 1);
	assert_false(alpn_handshake(NULL, 0, &reason));
	assert_int_equal(reason, SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
	assert_false(alpn_handshake(http11, 9, &reason));
	assert_int_equal(reason, SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL);
	assert_true(alpn_handshake(h2, 3, &reason));
	assert_int_equal(handled(), 0);
	srv_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_post_client_cert),
	    cmocka_unit_test(test_no_client_cert),
	    cmocka_unit_test(test_foreign_client_cert_refused),
	    cmocka_unit_test(test_client_cert_purpose_refused),
	    cmocka_unit_test(test_http11_refused),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_buffered_bound),
	    cmocka_unit_test(test_header_cap),
	    cmocka_unit_test(test_settings_advertised),
	    cmocka_unit_test(test_idle_timeout),
	    cmocka_unit_test(test_slow_client),
	    cmocka_unit_test(test_late_respond_after_client_left),
	    cmocka_unit_test(test_graceful_shutdown),
	    cmocka_unit_test(test_tls_versions),
	    cmocka_unit_test(test_key_update),
	    cmocka_unit_test(test_tls_reload),
	    cmocka_unit_test(test_zero_window_cut_off),
	    cmocka_unit_test(test_socket_not_read),
	    cmocka_unit_test(test_anon_bytes_share),
	    cmocka_unit_test(test_anon_connection_share),
	    cmocka_unit_test(test_recheck_closes_revoked),
	    cmocka_unit_test(test_alpn_alert),
	};

	if (getenv("SP_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("SP_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
