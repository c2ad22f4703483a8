/* client_test.c: the peers HTTP/2 client against the node's own HTTP/2 server:
 * mTLS, concurrency, pins, backoff, caps, restart, free. */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "http.h"
#include "h2client.h"
#include "protocol.h"
#include "trust.h"

#define PATHLEN 512

/* ---------------------------------------------------------------- PKI */

static char g_dir[128];
static char ca_key[PATHLEN], ca_cert[PATHLEN];
static char srv_key[PATHLEN], srv_cert[PATHLEN];
static char cli_key[PATHLEN], cli_cert[PATHLEN];
static char ca2_key[PATHLEN], ca2_cert[PATHLEN];
static char oth_key[PATHLEN], oth_cert[PATHLEN];
static char op_key[PATHLEN], op_cert[PATHLEN];
static uint8_t *srv_der, *cli_der, *oth_der, *op_der;
static size_t srv_der_len, cli_der_len, oth_der_len, op_der_len;

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
	snprintf(g_dir, sizeof(g_dir), "/tmp/sp-client-test-XXXXXX");
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
	path_in(oth_key, "oth.key");
	path_in(oth_cert, "oth.pem");
	path_in(op_key, "op.key");
	path_in(op_cert, "op.pem");
	if (sp_pki_make_ca("Client Test CA", SP_KEY_P256, 2, ca_key, ca_cert,
	                   &why) != SP_OK ||
	    sp_pki_issue(ca_key, ca_cert, SP_CERT_TLS, "CN-ZZ", sans,
	                 SP_KEY_P256, 2, srv_key, srv_cert, &why) != SP_OK ||
	    sp_pki_issue(ca_key, ca_cert, SP_CERT_TLS, "CN-HN", sans,
	                 SP_KEY_P256, 2, cli_key, cli_cert, &why) != SP_OK ||
	    sp_pki_make_ca("Other CA", SP_KEY_P256, 2, ca2_key, ca2_cert,
	                   &why) != SP_OK ||
	    sp_pki_issue(ca2_key, ca2_cert, SP_CERT_TLS, "CN-ZZ", sans,
	                 SP_KEY_P256, 2, oth_key, oth_cert, &why) != SP_OK ||
	    sp_pki_cert_der(srv_cert, &srv_der, &srv_der_len, &why) != SP_OK ||
	    sp_pki_cert_der(cli_cert, &cli_der, &cli_der_len, &why) != SP_OK ||
	    sp_pki_issue(ca_key, ca_cert, SP_CERT_OPERATOR, "operator", NULL,
	                 SP_KEY_P256, 2, op_key, op_cert, &why) != SP_OK ||
	    sp_pki_cert_der(oth_cert, &oth_der, &oth_der_len, &why) != SP_OK ||
	    sp_pki_cert_der(op_cert, &op_der, &op_der_len, &why) != SP_OK) {
		fprintf(stderr, "pki: %s\n", why != NULL ? why : "?");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[PATHLEN + 16];

	(void)state;
	free(srv_der);
	free(cli_der);
	free(oth_der);
	free(op_der);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		return -1;
	sp_trust_cleanup();
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- server
 * thread */

#define MAX_HELD 512

typedef struct tsrv tsrv;

typedef struct slow_req {
	tsrv *t;
	sp_http_req *req;
	struct event *ev;
	int slot;
} slow_req;

struct tsrv {
	struct event_base *base;
	sp_server *srv;
	pthread_t thr;
	atomic_int stop;
	atomic_int started; /* 1 ok, -1 failed */
	uint16_t port;
	const char *cert, *key;
	/* loop-thread state, read by the test after the loop stops or through
	 * the atomics */
	slow_req *slow[MAX_HELD];
	sp_http_req *held[MAX_HELD];
	int n_held;
	atomic_int held_now;
	atomic_int active;     /* /slow requests being worked on */
	atomic_int max_active; /* their peak */
	atomic_int handled;
	sp_server_stats stats; /* taken when the loop stops */
	int shutdown_done;
};

static void slow_fire(evutil_socket_t fd, short what, void *arg)
{
	slow_req *s = arg;
	static const char msg[] = "slow";

	(void)fd;
	(void)what;
	atomic_fetch_sub(&s->t->active, 1);
	s->t->slow[s->slot] = NULL;
	(void)sp_http_respond(s->req, 200, "text/plain", msg, sizeof(msg) - 1);
	event_free(s->ev);
	free(s);
}

static void handler(sp_http_req *req, void *arg)
{
	tsrv *t = arg;
	const char *path = sp_http_req_path(req);
	char out[1024], q[32];
	size_t blen = 0;
	const uint8_t *body;
	const uint8_t *cert;

	atomic_fetch_add(&t->handled, 1);
	if (strcmp(path, "/echo") == 0) {
		sp_http_header extra[] = {{"x-test", "yes"}};
		const char *xh = sp_http_req_header(req, "x-hello", NULL);
		int n;

		body = sp_http_req_body(req, &blen);
		cert = sp_http_req_client_cert(req, NULL);
		n = snprintf(
		    out, sizeof(out), "%s %s?%s cert=%d hello=%s body=%.*s",
		    sp_http_req_method(req), path, sp_http_req_query(req),
		    cert != NULL, xh != NULL ? xh : "-",
		    (int)(blen > 512 ? 512 : blen), (const char *)body);
		(void)sp_http_respond_ex(req, 200, "text/plain", extra, 1, out,
		                         (size_t)n);
		return;
	}
	if (strcmp(path, "/big") == 0) {
		size_t n = 0;
		char *big;

		if (sp_http_req_query_param(req, "n", q, sizeof(q), NULL) ==
		    SP_OK)
			n = strtoull(q, NULL, 10);
		big = malloc(n + 1);
		if (big == NULL) {
			sp_http_req_unref(req);
			return;
		}
		memset(big, 'a', n);
		(void)sp_http_respond(req, 200, "application/octet-stream", big,
		                      n);
		free(big);
		return;
	}
	if (strcmp(path, "/slow") == 0) {
		struct timeval tv = {0, 20 * 1000};
		slow_req *s = calloc(1, sizeof(*s));
		int i, cur;

		for (i = 0; i < MAX_HELD && t->slow[i] != NULL; i++)
			;
		if (s == NULL || i == MAX_HELD) {
			free(s);
			sp_http_req_unref(req);
			return;
		}
		s->t = t;
		s->req = req;
		s->slot = i;
		s->ev = evtimer_new(t->base, slow_fire, s);
		t->slow[i] = s;
		evtimer_add(s->ev, &tv);
		cur = atomic_fetch_add(&t->active, 1) + 1;
		if (cur > atomic_load(&t->max_active))
			atomic_store(&t->max_active, cur);
		return;
	}
	if (strcmp(path, "/drop") == 0) {
		sp_http_req_unref(
		    req); /* no answer: the server resets the stream */
		return;
	}
	if (strcmp(path, "/hold") == 0) {
		if (t->n_held < MAX_HELD) {
			t->held[t->n_held++] = req;
			atomic_fetch_add(&t->held_now, 1);
		} else {
			sp_http_req_unref(req);
		}
		return;
	}
	(void)sp_http_respond_problem(req, SP_ERR_NOT_FOUND, 0, NULL);
}

static void shutdown_done(void *arg)
{
	tsrv *t = arg;

	t->shutdown_done = 1;
}

static void *loop_main(void *arg)
{
	tsrv *t = arg;
	const char *why = NULL;
	const char *cas[] = {ca_cert, NULL};
	sp_server_config cfg;
	int i;

	t->base = event_base_new();
	sp_server_config_default(&cfg);
	cfg.host = "127.0.0.1";
	cfg.port = t->port;
	cfg.cert_file = t->cert;
	cfg.key_file = t->key;
	cfg.client_ca_files = cas;
	cfg.handler = handler;
	cfg.handler_arg = t;
	cfg.limits.max_concurrent_streams = 100;
	cfg.limits.shutdown_timeout_ms = 300;
	if (t->base == NULL ||
	    sp_server_new(t->base, &cfg, &t->srv, &why) != SP_OK) {
		fprintf(stderr, "server: %s\n", why != NULL ? why : "?");
		if (t->base != NULL)
			event_base_free(t->base);
		atomic_store(&t->started, -1);
		return NULL;
	}
	t->port = sp_server_port(t->srv);
	atomic_store(&t->started, 1);
	while (!atomic_load(&t->stop)) {
		struct timeval tv = {0, 20 * 1000};

		event_base_loopexit(t->base, &tv);
		event_base_loop(t->base, 0);
	}
	/* Graceful: GOAWAY to every connection, then close them. */
	sp_server_get_stats(t->srv, &t->stats);
	sp_server_shutdown(t->srv, shutdown_done, t);
	while (!t->shutdown_done) {
		struct timeval tv = {0, 20 * 1000};

		event_base_loopexit(t->base, &tv);
		event_base_loop(t->base, 0);
	}
	sp_server_free(t->srv);
	for (i = 0; i < MAX_HELD; i++) {
		if (t->slow[i] != NULL) {
			event_free(t->slow[i]->ev);
			sp_http_req_unref(t->slow[i]->req);
			free(t->slow[i]);
			t->slow[i] = NULL;
		}
	}
	for (i = 0; i < t->n_held; i++)
		sp_http_req_unref(t->held[i]);
	t->n_held = 0;
	event_base_free(t->base);
	return NULL;
}

/* Start a server on 127.0.0.1 (port 0: any); returns 0 or -1. */
static int srv_start(tsrv *t, uint16_t port, const char *cert, const char *key)
{
	int64_t deadline = now_ms() + 5000;

	memset(t, 0, sizeof(*t));
	t->port = port;
	t->cert = cert;
	t->key = key;
	if (pthread_create(&t->thr, NULL, loop_main, t) != 0)
		return -1;
	while (atomic_load(&t->started) == 0 && now_ms() < deadline)
		usleep(1000);
	if (atomic_load(&t->started) != 1) {
		pthread_join(t->thr, NULL);
		return -1;
	}
	return 0;
}

static void srv_stop(tsrv *t)
{
	atomic_store(&t->stop, 1);
	event_base_loopbreak(t->base);
	pthread_join(t->thr, NULL);
}

/* ---------------------------------------------------------------- client
 * helpers */

static const char *g_cas[] = {NULL, NULL};

static void cfg_for(sp_h2_client_config *cfg, uint16_t port)
{
	g_cas[0] = ca_cert;
	sp_h2_client_config_default(cfg);
	cfg->host = "127.0.0.1";
	cfg->port = port;
	cfg->cert_file = cli_cert;
	cfg->key_file = cli_key;
	cfg->ca_files = g_cas;
	cfg->connect_timeout_ms = 3000;
	cfg->request_timeout_ms = 10000;
}

typedef struct call {
	int calls;
	int err;
	const char *why;
	int status;
	char body[256];
	size_t body_len;
	int64_t at;
	sp_h2_client_state st; /* client state seen in the callback */
	sp_h2_client *client;
	int free_in_cb;
} call;

static void on_resp(void *ud, const sp_h2_response *r)
{
	call *cl = ud;
	size_t n;

	cl->calls++;
	cl->err = r->err;
	cl->why = r->why;
	cl->status = r->status;
	cl->at = now_ms();
	if (r->err == SP_OK) {
		assert_non_null(r->body);
		assert_int_equal(r->body[r->body_len], 0);
		n = r->body_len < sizeof(cl->body) - 1 ? r->body_len
		                                       : sizeof(cl->body) - 1;
		memcpy(cl->body, r->body, n);
		cl->body[n] = '\0';
		cl->body_len = r->body_len;
	} else {
		assert_non_null(r->why);
		assert_int_equal(r->status, 0);
	}
	if (cl->client != NULL)
		sp_h2_client_get_state(cl->client, &cl->st);
	if (cl->free_in_cb)
		sp_h2_client_free(cl->client);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Run base until *count >= want or timeout_ms; returns 1 if reached. */
static int run_until(struct event_base *base, const int *count, int want,
                     int timeout_ms)
{
	struct event *t = event_new(base, -1, EV_PERSIST, tick, NULL);
	struct timeval tv = {0, 5 * 1000};
	int64_t deadline = now_ms() + timeout_ms;

	event_add(t, &tv);
	while (*count < want && now_ms() < deadline)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return *count >= want;
}

/* Run base for ms milliseconds. */
static void run_for(struct event_base *base, int ms)
{
	int never = 0;

	(void)run_until(base, &never, 1, ms);
}

static uint16_t closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* ---------------------------------------------------------------- tests */

static void test_fetch_get_post_mtls(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_result res;
	sp_h2_header hdr[] = {{"X-Hello", "world"}};
	const char *why = NULL;
	size_t len = 0;
	const char *v;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);

	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo?a=1", hdr, 1, NULL, 0, &res, &why),
	    SP_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal((const char *)res.body,
	                    "GET /echo?a=1 cert=1 hello=world body=");
	v = sp_h2_result_header(&res, "X-Test", &len);
	assert_non_null(v);
	assert_int_equal(len, 3);
	assert_string_equal(v, "yes");
	assert_null(sp_h2_result_header(&res, "x-absent", NULL));
	assert_int_equal(res.peer_cert_der_len, srv_der_len);
	assert_memory_equal(res.peer_cert_der, srv_der, srv_der_len);
	sp_h2_result_free(&res);
	assert_null(res.body);

	assert_int_equal(sp_h2_fetch(&cfg, "POST", "/echo", NULL, 0, "payload",
	                             7, &res, &why),
	                 SP_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal((const char *)res.body,
	                    "POST /echo? cert=1 hello=- body=payload");
	sp_h2_result_free(&res);

	/* Without a client certificate the server sees none. */
	cfg.cert_file = cfg.key_file = NULL;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_OK);
	assert_string_equal((const char *)res.body,
	                    "GET /echo? cert=0 hello=- body=");
	sp_h2_result_free(&res);

	/* A problem answer is a response, not a transport failure. */
	cfg_for(&cfg, t.port);
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/nothing", NULL, 0, NULL, 0, &res, &why),
	    SP_OK);
	assert_int_equal(res.status, 404);
	sp_h2_result_free(&res);

	/* Invalid requests are refused before any I/O. */
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "no-slash", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_INVALID_ARGUMENT);
	{
		sp_h2_header bad[] = {{"content-length", "5"}};
		sp_h2_header crlf[] = {{"x-a", "b\r\nx-c: d"}};

		assert_int_equal(sp_h2_fetch(&cfg, "GET", "/echo", bad, 1, NULL,
		                             0, &res, &why),
		                 SP_ERR_INVALID_ARGUMENT);
		assert_int_equal(sp_h2_fetch(&cfg, "GET", "/echo", crlf, 1,
		                             NULL, 0, &res, &why),
		                 SP_ERR_INVALID_ARGUMENT);
	}
	srv_stop(&t);
}

typedef struct many {
	int done;
	int ok;
	int bad;
} many;

static void on_many(void *ud, const sp_h2_response *r)
{
	many *m = ud;

	m->done++;
	if (r->err == SP_OK && r->status == 200 && r->body_len == 4 &&
	    memcmp(r->body, "slow", 4) == 0)
		m->ok++;
	else
		m->bad++;
}

static void test_many_streams_one_connection(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	sp_h2_client_state st;
	struct event_base *base = event_base_new();
	many m = {0, 0, 0};
	int i;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	for (i = 0; i < 300; i++)
		assert_int_equal(sp_h2_client_request(c, "GET", "/slow", NULL,
		                                      0, NULL, 0, on_many, &m),
		                 SP_OK);
	sp_h2_client_get_state(c, &st);
	assert_int_equal(st.queued, 300);
	assert_int_equal(m.done, 0); /* never from inside the call */
	assert_true(run_until(base, &m.done, 300, 20000));
	assert_int_equal(m.ok, 300);
	assert_int_equal(m.bad, 0);
	sp_h2_client_get_state(c, &st);
	assert_int_equal(st.connects, 1);
	assert_int_equal(st.responses, 300);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.streams_open, 0);
	assert_true(st.connected);
	sp_h2_client_free(c);
	event_base_free(base);
	srv_stop(&t);
	/* The server never saw more than its limit at once, and did see
	 * real concurrency, all on one connection. */
	assert_true(atomic_load(&t.max_active) <= 100);
	assert_true(atomic_load(&t.max_active) >= 50);
	assert_int_equal(t.stats.conns_accepted, 1);
	assert_int_equal(atomic_load(&t.handled), 300);
}

static void test_pinned_certificate(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_result res;
	const char *why = NULL;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	cfg.pinned_cert_der = srv_der;
	cfg.pinned_cert_der_len = srv_der_len;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_OK);
	assert_int_equal(res.status, 200);
	sp_h2_result_free(&res);

	/* The pin alone (no CA) is enough when it matches ... */
	cfg.ca_files = NULL;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_OK);
	sp_h2_result_free(&res);

	/* ... and a different certificate from the same CA is refused. */
	cfg_for(&cfg, t.port);
	cfg.pinned_cert_der = cli_der;
	cfg.pinned_cert_der_len = cli_der_len;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	assert_non_null(why);
	assert_non_null(strstr(why, "pinned"));
	assert_null(res.body);
	cfg.ca_files = NULL;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);

	/* Garbage as a pin is refused at once. */
	cfg.pinned_cert_der = (const uint8_t *)"not a certificate";
	cfg.pinned_cert_der_len = 17;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	srv_stop(&t);
	/* None of the refused attempts reached the handler. */
	assert_int_equal(atomic_load(&t.handled), 2);
}

/* SPEC 7.7 [TL-42]: a member's server certificate is pinned and must also
 * chain to an anchor of its federation and be fit for serverAuth. */
static void test_pin_needs_chain_and_purpose(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_result res;
	const char *why = NULL;

	(void)state;
	/* the pin matches, but the certificate is of another CA */
	assert_int_equal(srv_start(&t, 0, oth_cert, oth_key), 0);
	cfg_for(&cfg, t.port);
	cfg.pinned_cert_der = oth_der;
	cfg.pinned_cert_der_len = oth_der_len;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	assert_non_null(why);
	assert_non_null(strstr(why, "issuer"));
	assert_null(res.body);
	srv_stop(&t);

	/* the pin matches and the chain holds, but the certificate is only
	 * for clientAuth (an operator's) */
	assert_int_equal(srv_start(&t, 0, op_cert, op_key), 0);
	cfg_for(&cfg, t.port);
	cfg.pinned_cert_der = op_der;
	cfg.pinned_cert_der_len = op_der_len;
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	assert_non_null(why);
	assert_non_null(strstr(why, "purpose"));
	assert_null(res.body);
	srv_stop(&t);
	assert_int_equal(atomic_load(&t.handled), 0);
}

static void test_wrong_ca_and_name(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_result res;
	const char *why = NULL;

	(void)state;
	assert_int_equal(srv_start(&t, 0, oth_cert, oth_key), 0);
	cfg_for(&cfg, t.port);
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	assert_non_null(why);
	assert_non_null(strstr(why, "issuer"));
	srv_stop(&t);

	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	cfg.server_name = "localhost"; /* a DNS SAN of the certificate */
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_OK);
	sp_h2_result_free(&res);
	cfg.server_name = "other.example";
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	assert_non_null(strstr(why, "hostname"));
	cfg.server_name = "127.0.0.2"; /* an IP the certificate does not name */
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/echo", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_CERT_INVALID);
	srv_stop(&t);
	assert_int_equal(atomic_load(&t.handled), 1);
}

static void test_refused_and_backoff(void **state)
{
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	sp_h2_client_state st;
	struct event_base *base = event_base_new();
	call cl[8];
	uint32_t ceil_expect = 20, max_late = 0;
	int64_t t0;
	int i;

	(void)state;
	cfg_for(&cfg, closed_port());
	cfg.backoff_base_ms = 20;
	cfg.backoff_cap_ms = 300;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(cl, 0, sizeof(cl));
	t0 = now_ms();
	for (i = 0; i < 8; i++) {
		cl[i].client = c;
		assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL,
		                                      0, NULL, 0, on_resp,
		                                      &cl[i]),
		                 SP_OK);
		assert_true(run_until(base, &cl[i].calls, 1, 3000));
		assert_int_equal(cl[i].calls, 1);
		assert_int_equal(cl[i].err, SP_ERR_UNAVAILABLE);
		assert_string_equal(cl[i].why, "connection refused");
		st = cl[i].st;
		assert_false(st.connected);
		assert_int_equal(st.consecutive_failures, (unsigned)(i + 1));
		assert_int_equal(st.last_error, SP_ERR_UNAVAILABLE);
		/* The ceiling doubles up to the cap; the delay is drawn
		 * below it (full jitter). */
		assert_int_equal(st.backoff_ceiling_ms, ceil_expect);
		assert_true(st.backoff_delay_ms <= st.backoff_ceiling_ms);
		assert_true(st.next_reconnect_ms > 0);
		if (i >= 4 && st.backoff_delay_ms > max_late)
			max_late = st.backoff_delay_ms;
		/* The attempt did not start before the previous failure's
		 * reconnect time (libevent's coarse clock: a few ms slack). */
		if (i > 0) {
			if (st.last_failure_ms + 5 <
			    cl[i - 1].st.next_reconnect_ms)
				fprintf(
				    stderr, "attempt %d at %lld, due %lld\n", i,
				    (long long)st.last_failure_ms,
				    (long long)cl[i - 1].st.next_reconnect_ms);
			assert_true(st.last_failure_ms + 5 >=
			            cl[i - 1].st.next_reconnect_ms);
		}
		ceil_expect = ceil_expect * 2 > 300 ? 300 : ceil_expect * 2;
	}
	/* The first failure came quickly. */
	assert_true(cl[0].at - t0 < 1000);
	/* Later delays reach past the first ceilings (all four below 40 ms
	 * out of [0, 300] would be a 1-in-3000 fluke). */
	assert_true(max_late > 40);
	sp_h2_client_get_state(c, &st);
	assert_int_equal(st.failures, 8);
	sp_h2_client_free(c);
	event_base_free(base);
}

static void test_body_cap(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	struct event_base *base = event_base_new();
	call a, b, d;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	cfg.max_response_body = 10000;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	assert_int_equal(sp_h2_client_request(c, "GET", "/big?n=10000", NULL, 0,
	                                      NULL, 0, on_resp, &a),
	                 SP_OK);
	assert_int_equal(sp_h2_client_request(c, "GET", "/big?n=10001", NULL, 0,
	                                      NULL, 0, on_resp, &b),
	                 SP_OK);
	assert_true(run_until(base, &b.calls, 1, 5000));
	assert_true(run_until(base, &a.calls, 1, 5000));
	assert_int_equal(a.err, SP_OK);
	assert_int_equal(a.body_len, 10000);
	assert_int_equal(b.err, SP_ERR_TOO_LARGE);
	/* The connection survives a reset stream. */
	assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL, 0, NULL,
	                                      0, on_resp, &d),
	                 SP_OK);
	assert_true(run_until(base, &d.calls, 1, 5000));
	assert_int_equal(d.err, SP_OK);
	d.client = c;
	sp_h2_client_get_state(c, &d.st);
	assert_int_equal(d.st.connects, 1);
	sp_h2_client_free(c);
	event_base_free(base);
	srv_stop(&t);
}

static void test_request_timeout(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	struct event_base *base = event_base_new();
	call a, b;
	int64_t t0;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	cfg.request_timeout_ms = 300;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	t0 = now_ms();
	assert_int_equal(sp_h2_client_request(c, "GET", "/hold", NULL, 0, NULL,
	                                      0, on_resp, &a),
	                 SP_OK);
	assert_true(run_until(base, &a.calls, 1, 3000));
	assert_int_equal(a.err, SP_ERR_UNAVAILABLE);
	assert_string_equal(a.why, "request timed out");
	assert_true(a.at - t0 >= 290 && a.at - t0 < 2000);
	assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL, 0, NULL,
	                                      0, on_resp, &b),
	                 SP_OK);
	assert_true(run_until(base, &b.calls, 1, 3000));
	assert_int_equal(b.err, SP_OK);
	sp_h2_client_free(c);
	event_base_free(base);
	srv_stop(&t);
	assert_int_equal(a.calls, 1);
}

static void test_server_restart(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	sp_h2_client_state st;
	struct event_base *base = event_base_new();
	call a, b, d;
	uint16_t port;
	int64_t deadline;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	port = t.port;
	cfg_for(&cfg, port);
	cfg.backoff_base_ms = 20;
	cfg.backoff_cap_ms = 100;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL, 0, NULL,
	                                      0, on_resp, &a),
	                 SP_OK);
	assert_true(run_until(base, &a.calls, 1, 5000));
	assert_int_equal(a.err, SP_OK);
	sp_h2_client_get_state(c, &st);
	assert_true(st.connected);

	srv_stop(&t);
	/* The client notices the close by itself. */
	deadline = now_ms() + 3000;
	do {
		run_for(base, 10);
		sp_h2_client_get_state(c, &st);
	} while (st.connected && now_ms() < deadline);
	assert_false(st.connected);
	assert_int_equal(st.consecutive_failures,
	                 0); /* an idle close is no failure */

	/* While the server is down, requests fail ... */
	assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL, 0, NULL,
	                                      0, on_resp, &b),
	                 SP_OK);
	assert_true(run_until(base, &b.calls, 1, 5000));
	assert_int_equal(b.err, SP_ERR_UNAVAILABLE);

	/* ... and after it is back, the client reconnects. */
	assert_int_equal(srv_start(&t, port, srv_cert, srv_key), 0);
	assert_int_equal(t.port, port);
	assert_int_equal(sp_h2_client_request(c, "POST", "/echo", NULL, 0, "x",
	                                      1, on_resp, &d),
	                 SP_OK);
	assert_true(run_until(base, &d.calls, 1, 5000));
	assert_int_equal(d.err, SP_OK);
	assert_string_equal(d.body, "POST /echo? cert=1 hello=- body=x");
	sp_h2_client_get_state(c, &st);
	assert_true(st.connected);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.consecutive_failures, 0);
	assert_int_equal(st.next_reconnect_ms, 0);
	sp_h2_client_free(c);
	event_base_free(base);
	srv_stop(&t);
}

typedef struct counted {
	int calls[160];
	int errs[160];
	int total;
} counted;

typedef struct slot {
	counted *k;
	int i;
} slot;

static void on_counted(void *ud, const sp_h2_response *r)
{
	slot *s = ud;

	s->k->calls[s->i]++;
	s->k->errs[s->i] = r->err;
	s->k->total++;
}

static void test_free_with_requests_in_flight(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	sp_h2_client_state st;
	struct event_base *base = event_base_new();
	static counted k;
	static slot s[160];
	int64_t deadline;
	int i;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	for (i = 0; i < 150; i++) {
		s[i].k = &k;
		s[i].i = i;
		assert_int_equal(sp_h2_client_request(c, "POST", "/hold", NULL,
		                                      0, "body", 4, on_counted,
		                                      &s[i]),
		                 SP_OK);
	}
	deadline = now_ms() + 5000;
	while (atomic_load(&t.held_now) < 100 && now_ms() < deadline)
		run_for(base, 10);
	assert_int_equal(atomic_load(&t.held_now), 100);
	sp_h2_client_get_state(c, &st);
	assert_int_equal(st.streams_open, 100);
	assert_int_equal(st.queued, 50);
	assert_int_equal(k.total, 0);
	sp_h2_client_free(c);
	assert_int_equal(k.total, 150);
	for (i = 0; i < 150; i++) {
		assert_int_equal(k.calls[i], 1);
		assert_int_equal(k.errs[i], SP_ERR_UNAVAILABLE);
	}
	run_for(base, 20); /* nothing left that could fire */
	assert_int_equal(k.total, 150);
	event_base_free(base);
	srv_stop(&t);
}

static void test_free_from_callback(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	struct event_base *base = event_base_new();
	call first, held1, held2;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(&first, 0, sizeof(first));
	memset(&held1, 0, sizeof(held1));
	memset(&held2, 0, sizeof(held2));
	assert_int_equal(sp_h2_client_request(c, "GET", "/hold", NULL, 0, NULL,
	                                      0, on_resp, &held1),
	                 SP_OK);
	assert_int_equal(sp_h2_client_request(c, "GET", "/hold", NULL, 0, NULL,
	                                      0, on_resp, &held2),
	                 SP_OK);
	assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL, 0, NULL,
	                                      0, on_resp, &first),
	                 SP_OK);
	first.client = c;
	first.free_in_cb = 1;
	assert_true(run_until(base, &first.calls, 1, 5000));
	assert_int_equal(first.err, SP_OK);
	/* The client went away inside that callback; the others were told. */
	assert_int_equal(held1.calls, 1);
	assert_int_equal(held2.calls, 1);
	assert_int_equal(held1.err, SP_ERR_UNAVAILABLE);
	assert_string_equal(held2.why, "client closed");
	run_for(base, 20);
	assert_int_equal(first.calls, 1);
	event_base_free(base);
	srv_stop(&t);
}

static void test_stream_reset_and_connect_timeout(void **state)
{
	tsrv t;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	sp_h2_result res;
	struct event_base *base = event_base_new();
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	const char *why = NULL;
	call x, y;
	int64_t t0;
	int lfd;

	(void)state;
	assert_int_equal(srv_start(&t, 0, srv_cert, srv_key), 0);
	cfg_for(&cfg, t.port);
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	assert_int_equal(sp_h2_client_request(c, "GET", "/drop", NULL, 0, NULL,
	                                      0, on_resp, &x),
	                 SP_OK);
	assert_true(run_until(base, &x.calls, 1, 5000));
	assert_int_equal(x.err, SP_ERR_IO);
	assert_string_equal(x.why, "stream reset by the server");
	assert_int_equal(sp_h2_client_request(c, "GET", "/echo", NULL, 0, NULL,
	                                      0, on_resp, &y),
	                 SP_OK);
	assert_true(run_until(base, &y.calls, 1, 5000));
	assert_int_equal(y.err, SP_OK);
	sp_h2_client_free(c);
	event_base_free(base);
	srv_stop(&t);

	/* A listener that never answers the TLS handshake. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	cfg_for(&cfg, ntohs(a.sin_port));
	cfg.connect_timeout_ms = 300;
	t0 = now_ms();
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_UNAVAILABLE);
	assert_string_equal(why, "connect timed out");
	assert_true(now_ms() - t0 >= 290 && now_ms() - t0 < 3000);
	close(lfd);
}

/* ---------------------------------------------------------------- raw server
 */

/* A scripted HTTP/2 server on blocking sockets, for what the node's server
 * never does on purpose: GOAWAY below streams it has received, no ALPN. */

typedef struct raw_srv {
	int lfd;
	uint16_t port;
	pthread_t thr;
	int alpn;      /* select h2 */
	int max_conns; /* connections to serve before exiting */
	atomic_int conns;
	/* per connection */
	int32_t done_ids[16];
	int n_done;
	/* the SNI each connection's ClientHello carried ("" for none) */
	char sni[16][256];
} raw_srv;

static char raw_one[] = "one";
static char raw_two[] = "two";

static int raw_alpn_cb(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	if (inlen >= 3 && in[0] == 2 && memcmp(in + 1, "h2", 2) == 0) {
		*out = in + 1;
		*outlen = 2;
		return SSL_TLSEXT_ERR_OK;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int raw_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                          void *user)
{
	raw_srv *r = user;

	(void)h2;
	if ((frame->hd.type == NGHTTP2_HEADERS ||
	     frame->hd.type == NGHTTP2_DATA) &&
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && r->n_done < 16)
		r->done_ids[r->n_done++] = frame->hd.stream_id;
	return 0;
}

static ssize_t raw_body(nghttp2_session *h2, int32_t id, uint8_t *buf,
                        size_t len, uint32_t *flags, nghttp2_data_source *src,
                        void *user)
{
	size_t n = strlen(src->ptr);

	(void)h2;
	(void)id;
	(void)user;
	if (n > len)
		n = len;
	memcpy(buf, src->ptr, n);
	*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static void raw_respond(nghttp2_session *h2, int32_t id, char *body)
{
	static char st[] = ":status", ok[] = "200";
	nghttp2_nv nv = {(uint8_t *)st, (uint8_t *)ok, 7, 3,
	                 NGHTTP2_NV_FLAG_NONE};
	nghttp2_data_provider prd;

	prd.source.ptr = body;
	prd.read_callback = raw_body;
	nghttp2_submit_response(h2, id, &nv, 1, &prd);
}

static int raw_flush(nghttp2_session *h2, SSL *ssl)
{
	const uint8_t *data;
	ssize_t n;

	while ((n = nghttp2_session_mem_send(h2, &data)) > 0)
		if (SSL_write(ssl, data, (int)n) <= 0)
			return -1;
	return n < 0 ? -1 : 0;
}

/* Connection 0: answer stream 1, GOAWAY(last 1) once 3 requests are in,
 * then close without close_notify. Later connections answer everything. */
static void raw_serve(raw_srv *r, SSL *ssl, int index)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_session *h2;
	nghttp2_settings_entry iv = {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
	                             100};
	uint8_t buf[16384];
	int answered = 0, goaway = 0, n, i;

	r->n_done = 0;
	nghttp2_session_callbacks_new(&cbs);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
	                                                     raw_frame_recv);
	nghttp2_session_server_new(&h2, cbs, r);
	nghttp2_session_callbacks_del(cbs);
	nghttp2_submit_settings(h2, NGHTTP2_FLAG_NONE, &iv, 1);
	for (;;) {
		if (index == 0 && !goaway && r->n_done >= 3) {
			raw_respond(h2, 1, raw_one);
			nghttp2_submit_goaway(h2, NGHTTP2_FLAG_NONE, 1,
			                      NGHTTP2_NO_ERROR, NULL, 0);
			goaway = 1;
		}
		if (index > 0)
			for (i = answered; i < r->n_done; i++)
				raw_respond(h2, r->done_ids[i], raw_two);
		if (index > 0)
			answered = r->n_done;
		if (raw_flush(h2, ssl) != 0 || goaway)
			break;
		n = SSL_read(ssl, buf, sizeof(buf));
		if (n <= 0 || nghttp2_session_mem_recv(h2, buf, (size_t)n) < 0)
			break;
	}
	nghttp2_session_del(h2);
}

static void *raw_main(void *arg)
{
	raw_srv *r = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	struct timeval tv = {5, 0};
	struct pollfd p;
	int i, fd;
	SSL *ssl;

	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_use_certificate_chain_file(ctx, srv_cert);
	SSL_CTX_use_PrivateKey_file(ctx, srv_key, SSL_FILETYPE_PEM);
	if (r->alpn)
		SSL_CTX_set_alpn_select_cb(ctx, raw_alpn_cb, NULL);
	for (i = 0; i < r->max_conns; i++) {
		p.fd = r->lfd;
		p.events = POLLIN;
		if (poll(&p, 1, 5000) != 1)
			break;
		fd = accept(r->lfd, NULL, NULL);
		if (fd < 0)
			break;
		atomic_fetch_add(&r->conns, 1);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1) {
			const char *sni =
			    SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
			if (i < 16)
				snprintf(r->sni[i], sizeof(r->sni[i]), "%s",
				         sni != NULL ? sni : "");
			raw_serve(r, ssl, i);
		}
		SSL_free(ssl); /* no close_notify */
		close(fd);
	}
	SSL_CTX_free(ctx);
	return NULL;
}

static int raw_start(raw_srv *r, int alpn, int max_conns)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(r, 0, sizeof(*r));
	r->alpn = alpn;
	r->max_conns = max_conns;
	r->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(r->lfd, 8) != 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	r->port = ntohs(a.sin_port);
	return pthread_create(&r->thr, NULL, raw_main, r) == 0 ? 0 : -1;
}

static void raw_stop(raw_srv *r)
{
	pthread_join(r->thr, NULL);
	close(r->lfd);
}

static void test_goaway_retries_unprocessed(void **state)
{
	raw_srv r;
	sp_h2_client_config cfg;
	sp_h2_client *c = NULL;
	sp_h2_client_state st;
	struct event_base *base = event_base_new();
	call a, b, d;

	(void)state;
	assert_int_equal(raw_start(&r, 1, 2), 0);
	cfg_for(&cfg, r.port);
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, NULL), SP_OK);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	assert_int_equal(
	    sp_h2_client_request(c, "GET", "/a", NULL, 0, NULL, 0, on_resp, &a),
	    SP_OK);
	assert_int_equal(sp_h2_client_request(c, "POST", "/b", NULL, 0, "bb", 2,
	                                      on_resp, &b),
	                 SP_OK);
	assert_int_equal(
	    sp_h2_client_request(c, "GET", "/d", NULL, 0, NULL, 0, on_resp, &d),
	    SP_OK);
	assert_true(run_until(base, &a.calls, 1, 5000));
	assert_true(run_until(base, &b.calls, 1, 5000));
	assert_true(run_until(base, &d.calls, 1, 5000));
	/* Stream 1 was answered on the first connection; streams 3 and 5,
	 * above the GOAWAY's last id, went again on a second one. */
	assert_int_equal(a.err, SP_OK);
	assert_string_equal(a.body, "one");
	assert_int_equal(b.err, SP_OK);
	assert_string_equal(b.body, "two");
	assert_int_equal(d.err, SP_OK);
	assert_string_equal(d.body, "two");
	sp_h2_client_get_state(c, &st);
	assert_int_equal(st.retried, 2);
	assert_int_equal(st.connects, 2);
	sp_h2_client_free(c);
	event_base_free(base);
	raw_stop(&r);
	assert_int_equal(atomic_load(&r.conns), 2);
}

static void test_no_alpn_h2(void **state)
{
	raw_srv r;
	sp_h2_client_config cfg;
	sp_h2_result res;
	const char *why = NULL;

	(void)state;
	assert_int_equal(raw_start(&r, 0, 1), 0);
	cfg_for(&cfg, r.port);
	assert_int_equal(
	    sp_h2_fetch(&cfg, "GET", "/", NULL, 0, NULL, 0, &res, &why),
	    SP_ERR_UNAVAILABLE);
	assert_non_null(strstr(why, "ALPN"));
	raw_stop(&r);
}

/* [API-6], [API-63]: SNI carries the endpoint's DNS name and is never
 * sent for an IP literal (RFC 6066 section 3 allows no IP address in
 * HostName), whatever the form of the address. The pin is the whole server
 * check here, as it is between members. */
static void test_sni_only_for_dns_names(void **state)
{
	static const struct {
		const char *host, *server_name, *want;
	} cases[] = {
	    {"127.0.0.1", NULL, ""},                 /* IPv4 endpoint */
	    {"127.0.0.1", "localhost", "localhost"}, /* DNS name */
	    {"localhost", NULL, "localhost"},
	    {"127.0.0.1", "localhost.", "localhost"}, /* no trailing dot */
	    {"127.0.0.1", "::1", ""},                 /* IPv6 literal */
	    {"127.0.0.1", "::ffff:127.0.0.1", ""},    /* mapped IPv4 */
	    {"127.0.0.1", "fe80::1%lo", ""},          /* IPv6 with a zone */
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	raw_srv r;
	sp_h2_client_config cfg;
	sp_h2_result res;
	const char *why = NULL;
	size_t i;

	(void)state;
	assert_int_equal(raw_start(&r, 1, (int)n), 0);
	for (i = 0; i < n; i++) {
		cfg_for(&cfg, r.port);
		cfg.host = cases[i].host;
		cfg.server_name = cases[i].server_name;
		cfg.ca_files = NULL;
		cfg.pinned_cert_der = srv_der;
		cfg.pinned_cert_der_len = srv_der_len;
		memset(&res, 0, sizeof(res));
		/* The raw server's answer does not matter, the handshake
		 * does: it completes (the pin matches) and the server saw
		 * the ClientHello. */
		(void)sp_h2_fetch(&cfg, "GET", "/", NULL, 0, NULL, 0, &res,
		                  &why);
		sp_h2_result_free(&res);
	}
	raw_stop(&r);
	assert_int_equal(atomic_load(&r.conns), (int)n);
	for (i = 0; i < n; i++) {
		if (strcmp(r.sni[i], cases[i].want) != 0)
			fprintf(stderr, "case %zu (%s): SNI \"%s\"\n", i,
			        cases[i].server_name ? cases[i].server_name
			                             : cases[i].host,
			        r.sni[i]);
		assert_string_equal(r.sni[i], cases[i].want);
	}
}

static void test_config_errors(void **state)
{
	sp_h2_client_config cfg;
	sp_h2_client *c = (sp_h2_client *)&cfg; /* must be reset to NULL */
	struct event_base *base = event_base_new();
	const char *why = NULL;
	const char *missing[] = {"/nonexistent/ca.pem", NULL};

	(void)state;
	cfg_for(&cfg, 443);
	cfg.host = NULL;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	assert_null(c);
	cfg_for(&cfg, 443);
	cfg.ca_files = NULL;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	cfg_for(&cfg, 443);
	cfg.ca_files = missing;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, &why), SP_ERR_IO);
	cfg_for(&cfg, 443);
	cfg.key_file = srv_key; /* another certificate's key */
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, &why),
	                 SP_ERR_CERT_INVALID);
	assert_null(c);
	cfg_for(&cfg, 443);
	cfg.key_file = NULL;
	assert_int_equal(sp_h2_client_new(base, &cfg, &c, &why),
	                 SP_ERR_INVALID_ARGUMENT);
	sp_h2_client_free(NULL);
	sp_h2_result_free(NULL);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_fetch_get_post_mtls),
	    cmocka_unit_test(test_many_streams_one_connection),
	    cmocka_unit_test(test_pinned_certificate),
	    cmocka_unit_test(test_pin_needs_chain_and_purpose),
	    cmocka_unit_test(test_wrong_ca_and_name),
	    cmocka_unit_test(test_refused_and_backoff),
	    cmocka_unit_test(test_body_cap),
	    cmocka_unit_test(test_request_timeout),
	    cmocka_unit_test(test_server_restart),
	    cmocka_unit_test(test_free_with_requests_in_flight),
	    cmocka_unit_test(test_free_from_callback),
	    cmocka_unit_test(test_goaway_retries_unprocessed),
	    cmocka_unit_test(test_no_alpn_h2),
	    cmocka_unit_test(test_sni_only_for_dns_names),
	    cmocka_unit_test(test_stream_reset_and_connect_timeout),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
