/* server.c: the HTTP/2 server's lifecycle: listening, accepting, TLS
 * connections, timeouts, stats, shutdown. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "base.h"
#include "http_int.h"
#include "protocol.h"

void sp_server_config_default(sp_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->host = "127.0.0.1";
	cfg->limits.max_concurrent_streams = 100;
	cfg->limits.max_header_list_bytes = 16 * 1024;
	cfg->limits.max_headers = 100;
	cfg->limits.max_body_bytes = SP_DEFAULT_MAX_BYTES;
	cfg->limits.max_connections = 1024;
	cfg->limits.max_anon_connections = 256;
	cfg->limits.conn_buffered_bytes = (size_t)8 << 20;
	cfg->limits.global_buffered_bytes = (size_t)256 << 20;
	cfg->limits.anon_buffered_bytes = (size_t)64 << 20;
	cfg->limits.initial_window = 256 * 1024;
	cfg->limits.handshake_timeout_ms = 10000;
	cfg->limits.idle_timeout_ms = 60000;
	cfg->limits.stream_timeout_ms = 15000;
	cfg->limits.shutdown_timeout_ms = 10000;
	cfg->limits.reset_burst = 1000;
	cfg->limits.reset_rate = 33;
	cfg->limits.max_continuations = 8;
}

static void ms_to_tv(uint32_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000u);
	tv->tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
}

static void server_unref(sp_server *s)
{
	if (--s->refs > 0)
		return;
	SSL_CTX_free(s->ctx);
	nghttp2_session_callbacks_del(s->cbs);
	nghttp2_option_del(s->opt);
	free(s);
}

void sp_node__conn_unref(sp_conn *c)
{
	sp_server *s;

	if (--c->refs > 0)
		return;
	s = c->srv;
	free(c->peer_der);
	free(c);
	server_unref(s);
}

static void server_check_done(sp_server *s)
{
	if (s->shutting_down && !s->done_called && s->conns == NULL &&
	    s->done_ev != NULL)
		event_active(s->done_ev, EV_TIMEOUT, 0);
}

int sp_node__conn_may_hold(const sp_conn *c, size_t n)
{
	const sp_server *s = c->srv;

	/* TLS output is counted as it is queued, so a total may already be
	 * over its cap: compare by adding. */
	if (c->buffered + n > s->lim.conn_buffered_bytes ||
	    s->st.buffered_bytes + n > s->lim.global_buffered_bytes)
		return 0;
	/* The anonymous share is capped on its own, so whatever anonymous
	 * clients hold, members and operators keep the rest. */
	return !c->anon ||
	       s->st.buffered_anon + n <= s->lim.anon_buffered_bytes;
}

void sp_node__conn_account_out(sp_conn *c)
{
	sp_server *s = c->srv;
	size_t now = c->closed ? 0 : sp_node__io_pending(c);

	c->buffered = c->buffered - c->out_held + now;
	s->st.buffered_bytes = s->st.buffered_bytes - c->out_held + now;
	if (c->anon)
		s->st.buffered_anon = s->st.buffered_anon - c->out_held + now;
	c->out_held = now;
}

void sp_node__conn_close(sp_conn *c)
{
	sp_server *s = c->srv;

	if (c->closed)
		return;
	if (c->in_recv || c->in_send) {
		/* nghttp2 is on the stack: finish once it returns. */
		c->close_after_flush = 1;
		c->want_flush = 1;
		return;
	}
	c->closed = 1;
	sp_node__conn_account_out(c); /* to zero */
	/* Requests whose handler still runs keep c alive by reference; their
	 * responses will be dropped. */
	while (c->reqs != NULL)
		sp_node__req_detach(c->reqs);
	if (c->h2 != NULL) {
		nghttp2_session_del(c->h2);
		c->h2 = NULL;
	}
	if (c->timer != NULL) {
		event_free(c->timer);
		c->timer = NULL;
	}
	sp_node__io_close(c); /* closes the socket and frees the SSL */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	s->st.conns_open--;
	/* c->anon stays: requests that outlive the connection give their
	 * bytes back to the anonymous share. */
	if (c->anon)
		s->st.conns_anon--;
	server_check_done(s);
	sp_node__conn_unref(c);
}

static void us_to_tv(uint64_t us, struct timeval *tv)
{
	tv->tv_sec = (time_t)(us / 1000000u);
	tv->tv_usec = (suseconds_t)(us % 1000000u);
}

/* Is a handler still working on one of c's requests? That is the node's
 * own delay, not the client's. */
static int conn_busy(const sp_conn *c)
{
	for (const sp_http_req *r = c->reqs; r != NULL; r = r->next)
		if (r->dispatched && !r->responded)
			return 1;
	return 0;
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	sp_conn *c = arg;
	uint64_t idle_us = (uint64_t)c->srv->lim.idle_timeout_ms * 1000u, now;
	struct timeval tv;

	(void)fd;
	(void)what;
	if (!c->handshake_done || c->goaway_sent) {
		/* A handshake too slow, or a goodbye not taken: cut off. */
		c->srv->st.dropped_timeout++;
		sp_node__conn_close(c);
		return;
	}
	/* The idle clock runs while streams are open too (SPEC [SEC-22]): a
	 * client that neither sends nor takes a byte of any stream, for
	 * example one that keeps its flow-control window at zero, is not
	 * kept. Control frames (PING, SETTINGS, WINDOW_UPDATE) are not
	 * progress. */
	now = sp_monotonic_us();
	if (now - c->progress_us < idle_us || conn_busy(c)) {
		us_to_tv(now - c->progress_us < idle_us
		             ? idle_us - (now - c->progress_us)
		             : idle_us,
		         &tv);
		evtimer_add(c->timer, &tv);
		return;
	}
	if (c->n_streams > 0) {
		/* Stalled streams: a defence, counted as a timeout drop. */
		c->stalled = 1;
		c->srv->st.dropped_timeout++;
	}
	/* Say goodbye properly, then close (the GOAWAY goes out now, and
	 * may end the connection at once). */
	c->refs++;
	sp_node__conn_goaway(c);
	if (!c->closed) {
		/* Bound the goodbye: close for good after a short grace. */
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		evtimer_add(c->timer, &tv);
	}
	sp_node__conn_unref(c);
}

void sp_node__conn_handshake_done(sp_conn *c)
{
	SSL *ssl = c->ssl;
	X509 *peer;
	struct timeval tv;

	if (ssl == NULL || !sp_node__tls_alpn_ok(ssl)) {
		/* Not reached: the ClientHello callback refuses a client
		 * without ALPN, alpn_select() one without "h2". Kept as a
		 * backstop. */
		c->srv->st.handshakes_failed++;
		sp_node__conn_close(c);
		return;
	}
	peer = SSL_get0_peer_certificate(ssl);
	if (peer != NULL) {
		unsigned char *der = NULL;
		int n = i2d_X509(peer, &der);

		if (n <= 0) {
			sp_node__conn_close(c);
			return;
		}
		c->peer_der = malloc((size_t)n);
		if (c->peer_der == NULL) {
			OPENSSL_free(der);
			sp_node__conn_close(c);
			return;
		}
		memcpy(c->peer_der, der, (size_t)n);
		c->peer_der_len = (size_t)n;
		OPENSSL_free(der);
	}
	/* Leave the anonymous share only with a certificate of a party the
	 * node knows (SPEC [SEC-21]). */
	if (c->peer_der != NULL &&
	    (c->srv->authenticated == NULL ||
	     c->srv->authenticated(c->peer_der, c->peer_der_len,
	                           c->srv->auth_arg))) {
		c->anon = 0;
		c->srv->st.conns_anon--;
	}
	c->handshake_done = 1;
	evtimer_del(c->timer);
	/* A peer that stops reading our output is cut off after the idle
	 * time (server_io.c); reads are bounded by the idle and stream
	 * timers. */
	if (sp_node__h2_start(c) != SP_OK) {
		sp_node__conn_close(c);
		return;
	}
	c->progress_us = sp_monotonic_us();
	if (c->srv->shutting_down) {
		sp_node__conn_goaway(c);
	} else {
		ms_to_tv(c->srv->lim.idle_timeout_ms, &tv);
		evtimer_add(c->timer, &tv);
	}
	if (!c->closed)
		sp_node__conn_flush(c);
}

static void format_remote(const struct sockaddr *sa, socklen_t salen, char *out,
                          size_t outsz)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	int n;

	if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outsz, "unknown");
		return;
	}
	n = sa->sa_family == AF_INET6
	        ? snprintf(out, outsz, "[%s]:%s", host, serv)
	        : snprintf(out, outsz, "%s:%s", host, serv);
	if (n < 0 || (size_t)n >= outsz)
		snprintf(out, outsz, "unknown");
}

/* Make room in the anonymous share: close its oldest connection (the
 * list is newest first). A slow handshake or a stalled anonymous client
 * thus cannot keep a newcomer out; authenticated connections are never
 * chosen. */
static int evict_anon(sp_server *s)
{
	sp_conn *c, *oldest = NULL;

	for (c = s->conns; c != NULL; c = c->next)
		if (c->anon)
			oldest = c;
	if (oldest == NULL)
		return 0;
	s->st.conns_evicted++;
	sp_node__conn_close(oldest);
	return 1;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
	sp_server *s = arg;
	sp_conn *c = NULL;
	SSL *ssl = NULL;
	struct timeval tv;

	(void)l;
	/* Every new connection is anonymous until its handshake says
	 * otherwise: it needs a slot in the anonymous share and in the total
	 * (SPEC [SEC-21]). */
	if (s->shutting_down ||
	    ((s->st.conns_open >= s->lim.max_connections ||
	      s->st.conns_anon >= s->lim.max_anon_connections) &&
	     !evict_anon(s))) {
		s->st.conns_refused_limit++;
		evutil_closesocket(fd);
		return;
	}
	/* Responses often go out in two writes (headers, then body): without
	 * this, Nagle and the peer's delayed ACK add ~40 ms to each. */
	{
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	ssl = SSL_new(s->ctx);
	if (ssl == NULL)
		goto fail;
	c->srv = s;
	c->refs = 1;
	c->fd = -1;
	format_remote(sa, (socklen_t)salen, c->remote, sizeof(c->remote));
	c->timer = evtimer_new(s->base, conn_timer_cb, c);
	if (c->timer == NULL)
		goto fail;
	if (sp_node__io_start(c, fd, ssl) != SP_OK)
		goto fail; /* it has not taken the socket or the SSL */
	s->refs++;
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->st.conns_open++;
	s->st.conns_accepted++;
	c->anon = 1;
	s->st.conns_anon++;
	ms_to_tv(s->lim.handshake_timeout_ms, &tv);
	evtimer_add(c->timer, &tv);
	return;

fail:
	if (c != NULL && c->timer != NULL)
		event_free(c->timer);
	free(c);
	SSL_free(ssl);
	evutil_closesocket(fd);
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	sp_server *s = arg;

	(void)fd;
	(void)what;
	if (s->done_called || s->conns != NULL)
		return;
	s->done_called = 1;
	if (s->shutdown_timer != NULL)
		evtimer_del(s->shutdown_timer);
	if (s->done != NULL)
		s->done(s->done_arg);
}

static void shutdown_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	sp_server *s = arg;

	(void)fd;
	(void)what;
	while (s->conns != NULL) {
		s->st.dropped_timeout++;
		sp_node__conn_close(s->conns);
	}
	server_check_done(s);
}

int sp_server_new(struct event_base *base, const sp_server_config *cfg,
                  sp_server **out, const char **why)
{
	static const char *dummy;
	sp_server *s = NULL;
	struct evutil_addrinfo hints, *ai = NULL;
	char portbuf[8];
	evutil_socket_t fd = -1;
	int rc, one = 1;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (base == NULL || cfg == NULL || cfg->handler == NULL) {
		*why = "an event base and a request handler are required";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (cfg->limits.max_concurrent_streams == 0 ||
	    cfg->limits.max_header_list_bytes == 0 ||
	    cfg->limits.max_headers == 0 || cfg->limits.max_connections == 0 ||
	    cfg->limits.initial_window == 0 ||
	    cfg->limits.initial_window > NGHTTP2_MAX_WINDOW_SIZE ||
	    cfg->limits.handshake_timeout_ms == 0 ||
	    cfg->limits.idle_timeout_ms == 0 ||
	    cfg->limits.stream_timeout_ms == 0 ||
	    cfg->limits.shutdown_timeout_ms == 0) {
		*why = "a server limit is zero or out of range";
		return SP_ERR_INVALID_ARGUMENT;
	}
	{
		/* A peer that has gone must not kill the process through a
		 * write (TLS writes go through write(2), not
		 * send(MSG_NOSIGNAL)). */
		struct sigaction sa;

		if (sigaction(SIGPIPE, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_DFL) {
			sa.sa_handler = SIG_IGN;
			sigemptyset(&sa.sa_mask);
			sa.sa_flags = 0;
			(void)sigaction(SIGPIPE, &sa, NULL);
		}
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return SP_ERR_NOMEM;
	s->refs = 1;
	if (RAND_bytes((unsigned char *)&s->id_key, sizeof(s->id_key)) != 1) {
		free(s);
		return SP_ERR_INTERNAL;
	}
	s->base = base;
	s->lim = cfg->limits;
	s->handler = cfg->handler;
	s->handler_arg = cfg->handler_arg;
	s->access_log = cfg->access_log;
	s->access_log_arg = cfg->access_log_arg;
	s->authenticated = cfg->authenticated;
	s->auth_arg = cfg->auth_arg;
	ms_to_tv(s->lim.stream_timeout_ms, &s->stream_tv_plain);
	s->stream_tv =
	    event_base_init_common_timeout(base, &s->stream_tv_plain);
	if (s->stream_tv == NULL)
		s->stream_tv = &s->stream_tv_plain;
	/* The anonymous share never exceeds the whole. */
	if (s->lim.max_anon_connections > s->lim.max_connections)
		s->lim.max_anon_connections = s->lim.max_connections;
	if (s->lim.anon_buffered_bytes > s->lim.global_buffered_bytes)
		s->lim.anon_buffered_bytes = s->lim.global_buffered_bytes;

	rc = sp_server_tls_ctx_new(cfg, &s->ctx, why);
	if (rc != SP_OK)
		goto fail;
	rc = sp_node__h2_setup(s);
	if (rc != SP_OK) {
		*why = "cannot set up HTTP/2";
		goto fail;
	}
	s->done_ev = event_new(base, -1, 0, done_cb, s);
	s->shutdown_timer = evtimer_new(base, shutdown_timer_cb, s);
	if (s->done_ev == NULL || s->shutdown_timer == NULL) {
		rc = SP_ERR_NOMEM;
		goto fail;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags =
	    EVUTIL_AI_PASSIVE | EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
	snprintf(portbuf, sizeof(portbuf), "%u", (unsigned)cfg->port);
	if (evutil_getaddrinfo(cfg->host != NULL ? cfg->host : "127.0.0.1",
	                       portbuf, &hints, &ai) != 0 ||
	    ai == NULL) {
		*why = "the listen address is not a numeric IP address";
		rc = SP_ERR_INVALID_ARGUMENT;
		goto fail;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		sp_log(SP_LOG_ERROR, "listen_error", SP_LF_STR("op", "bind"),
		       SP_LF_STR("errno", strerror(errno)));
		*why = "cannot bind the listen address";
		rc = SP_ERR_IO;
		goto fail;
	}
	if (ss.ss_family == AF_INET)
		s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	s->listener = evconnlistener_new(
	    base, accept_cb, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    511, fd);
	if (s->listener == NULL) {
		sp_log(SP_LOG_ERROR, "listen_error", SP_LF_STR("op", "listen"),
		       SP_LF_STR("errno", strerror(errno)));
		*why = "cannot listen";
		rc = SP_ERR_IO;
		goto fail;
	}
	fd = -1;
	evutil_freeaddrinfo(ai);
	*out = s;
	return SP_OK;

fail:
	if (fd >= 0)
		evutil_closesocket(fd);
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
	if (s->done_ev != NULL)
		event_free(s->done_ev);
	if (s->shutdown_timer != NULL)
		event_free(s->shutdown_timer);
	server_unref(s);
	return rc;
}

uint16_t sp_server_port(const sp_server *s)
{
	return s->port;
}

void sp_server_set_tls(sp_server *s, SSL_CTX *ctx)
{
	if (s == NULL || ctx == NULL || ctx == s->ctx)
		return;
	SSL_CTX_up_ref(ctx);
	SSL_CTX_free(s->ctx);
	s->ctx = ctx;
}

void sp_server_get_stats(const sp_server *s, sp_server_stats *out)
{
	*out = s->st;
}

size_t sp_server_recheck(sp_server *s)
{
	sp_conn *c, *next;
	size_t closed = 0;

	if (s == NULL)
		return 0;
	for (c = s->conns; c != NULL; c = next) {
		next = c->next; /* c may close now */
		if (c->anon || !c->handshake_done || c->peer_der == NULL ||
		    s->authenticated == NULL ||
		    s->authenticated(c->peer_der, c->peer_der_len, s->auth_arg))
			continue;
		/* Suspended or revoked (or an operator certificate removed):
		 * the connection ends as soon as the GOAWAY is out, and within
		 * a short grace in any case; answers still queued are not
		 * waited for (requests in flight were checked against the list
		 * they arrived under). */
		closed++;
		s->st.conns_revoked++;
		c->refs++; /* c may close (and go) under us */
		sp_node__conn_goaway(c);
		if (!c->closed) {
			c->close_after_flush = 1;
			sp_node__conn_flush(c);
		}
		if (!c->closed) {
			struct timeval tv = {1, 0};

			evtimer_add(c->timer, &tv);
		}
		sp_node__conn_unref(c);
	}
	return closed;
}

void sp_server_shutdown(sp_server *s, void (*done)(void *arg), void *arg)
{
	struct timeval tv;
	sp_conn *c, *next;

	if (s == NULL || s->shutting_down)
		return;
	s->shutting_down = 1;
	s->done = done;
	s->done_arg = arg;
	if (s->listener != NULL)
		evconnlistener_disable(s->listener);
	for (c = s->conns; c != NULL; c = next) {
		next = c->next; /* c may close now */
		if (!c->handshake_done)
			sp_node__conn_close(c);
		else
			sp_node__conn_goaway(c);
	}
	ms_to_tv(s->lim.shutdown_timeout_ms, &tv);
	evtimer_add(s->shutdown_timer, &tv);
	server_check_done(s);
}

void sp_server_free(sp_server *s)
{
	if (s == NULL)
		return;
	s->freed = 1;
	s->shutting_down = 1;
	s->done_called = 1;
	if (s->listener != NULL) {
		evconnlistener_free(s->listener);
		s->listener = NULL;
	}
	while (s->conns != NULL)
		sp_node__conn_close(s->conns);
	event_free(s->done_ev);
	s->done_ev = NULL;
	event_free(s->shutdown_timer);
	s->shutdown_timer = NULL;
	server_unref(s);
}
