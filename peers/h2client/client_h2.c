/* client_h2.c: one HTTP/2 client connection: TCP and TLS through
 * bufferevent_openssl, the nghttp2 client session, its streams. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include "client_int.h"

/* Stop feeding TLS once this much is waiting; the write callback resumes. */
#define OUT_HIGH_WATER ((size_t)1 << 20)
/* Our own bound on streams per connection, whatever the server allows. */
#define MAX_STREAMS_PER_CONN 256u
#define MAX_RESPONSE_FIELDS  256u
#define STREAM_WINDOW        ((int32_t)1 << 20)
#define CONN_WINDOW          ((int32_t)16 << 20)

static sp_h2_req *find_req(sp_h2_conn *k, int32_t stream_id)
{
	sp_h2_req *r;

	for (r = k->reqs.head; r != NULL; r = r->next)
		if (r->stream_id == stream_id)
			return r;
	return NULL;
}

/* Give up on one stream: tell the server, end the request with err. */
static void stream_fail(sp_h2_conn *k, sp_h2_req *r, int err, const char *why)
{
	if (k->h2 != NULL && r->stream_id > 0)
		nghttp2_submit_rst_stream(k->h2, NGHTTP2_FLAG_NONE,
		                          r->stream_id, NGHTTP2_CANCEL);
	sp_peers__req_finish(r, err, why);
}

/* ---------------------------------------------------------------- nghttp2
 * callbacks */

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *frame,
                            void *user)
{
	sp_h2_req *r;

	(void)h2;
	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	r = find_req(user, frame->hd.stream_id);
	if (r != NULL)
		r->info_block = 0;
	return 0;
}

static int field_add(sp_h2_req *r, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen)
{
	sp_h2_field *f;
	char *n, *v;

	if (r->n_fields == r->cap_fields) {
		size_t cap = r->cap_fields ? r->cap_fields * 2 : 16;

		f = realloc(r->fields, cap * sizeof(*f));
		if (f == NULL)
			return SP_ERR_NOMEM;
		r->fields = f;
		r->cap_fields = cap;
	}
	n = malloc(namelen + 1);
	v = malloc(valuelen + 1);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return SP_ERR_NOMEM;
	}
	memcpy(n, name, namelen);
	n[namelen] = '\0';
	memcpy(v, value, valuelen);
	v[valuelen] = '\0';
	f = &r->fields[r->n_fields++];
	f->name = n;
	f->name_len = namelen;
	f->value = v;
	f->value_len = valuelen;
	return SP_OK;
}

static int parse_status(const uint8_t *v, size_t len)
{
	if (len != 3 || v[0] < '1' || v[0] > '5' || v[1] < '0' || v[1] > '9' ||
	    v[2] < '0' || v[2] > '9')
		return -1;
	return (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
}

/* Content-Length above the cap: refuse before any body arrives. */
static int content_length_over(const uint8_t *v, size_t len, size_t cap)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || len > 19)
		return len > 19;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0; /* nghttp2 rejects a malformed value itself */
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	return n > (uint64_t)cap;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *user)
{
	sp_h2_conn *k = user;
	sp_h2_client *c = k->c;
	sp_h2_req *r;
	int st;

	(void)h2;
	(void)flags;
	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	r = find_req(k, frame->hd.stream_id);
	if (r == NULL)
		return 0;
	r->got_response = 1;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		st = parse_status(value, valuelen);
		if (st < 0 || st == 101) {
			stream_fail(k, r, SP_ERR_IO,
			            "bad :status from the server");
			return 0;
		}
		if (st < 200) {
			r->info_block = 1; /* 1xx: skipped */
			return 0;
		}
		r->status = st;
		return 0;
	}
	if (r->info_block || namelen == 0 || name[0] == ':')
		return 0;
	r->header_bytes += namelen + valuelen + 32;
	if (r->header_bytes > c->max_header_bytes ||
	    r->n_fields >= MAX_RESPONSE_FIELDS) {
		stream_fail(k, r, SP_ERR_TOO_LARGE,
		            "response headers too large");
		return 0;
	}
	if (namelen == 14 && memcmp(name, "content-length", 14) == 0 &&
	    content_length_over(value, valuelen, c->max_body)) {
		stream_fail(k, r, SP_ERR_TOO_LARGE, "response body too large");
		return 0;
	}
	if (field_add(r, name, namelen, value, valuelen) != SP_OK)
		stream_fail(k, r, SP_ERR_NOMEM, "out of memory");
	return 0;
}

static int on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t stream_id,
                         const uint8_t *data, size_t len, void *user)
{
	sp_h2_conn *k = user;
	sp_h2_client *c = k->c;
	sp_h2_req *r;
	size_t need, cap;
	uint8_t *p;

	(void)h2;
	(void)flags;
	r = find_req(k, stream_id);
	if (r == NULL)
		return 0;
	r->got_response = 1;
	if (len > c->max_body - r->rbody_len) {
		stream_fail(k, r, SP_ERR_TOO_LARGE, "response body too large");
		return 0;
	}
	need = r->rbody_len + len + 1; /* +1: the NUL handed to callers */
	if (need > r->rbody_cap) {
		cap = r->rbody_cap ? r->rbody_cap : 4096;
		while (cap < need)
			cap *= 2;
		if (cap > c->max_body + 1)
			cap = c->max_body + 1;
		p = realloc(r->rbody, cap);
		if (p == NULL) {
			stream_fail(k, r, SP_ERR_NOMEM, "out of memory");
			return 0;
		}
		r->rbody = p;
		r->rbody_cap = cap;
	}
	memcpy(r->rbody + r->rbody_len, data, len);
	r->rbody_len += len;
	return 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                         void *user)
{
	sp_h2_conn *k = user;
	sp_h2_req *r;

	(void)h2;
	switch (frame->hd.type) {
	case NGHTTP2_SETTINGS:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) &&
		    k->state == SP_CONN_SETTINGS)
			sp_peers__conn_ready(k);
		break;
	case NGHTTP2_GOAWAY:
		if (k->goaway_last_id < 0 ||
		    frame->goaway.last_stream_id < k->goaway_last_id)
			k->goaway_last_id = frame->goaway.last_stream_id;
		sp_peers__conn_goaway(k);
		break;
	case NGHTTP2_HEADERS:
	case NGHTTP2_DATA:
		if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
			break;
		r = find_req(k, frame->hd.stream_id);
		if (r != NULL && r->status >= 200 && !r->info_block)
			r->complete = 1;
		break;
	default:
		break;
	}
	return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t stream_id,
                           uint32_t error_code, void *user)
{
	sp_h2_conn *k = user;
	sp_h2_req *r;

	(void)h2;
	r = find_req(k, stream_id);
	if (r == NULL)
		return 0;
	if (r->complete) {
		/* A server may reset the request side (NO_ERROR) once it has
		 * answered in full: the response stands. */
		k->answered = 1;
		sp_peers__req_finish(r, SP_OK, NULL);
	} else if (error_code == NGHTTP2_REFUSED_STREAM && !r->got_response &&
	           !r->retried) {
		/* Not processed by the server (RFC 9113 §8.7): safe to retry.
		 */
		sp_peers__req_requeue(r);
	} else {
		sp_peers__req_finish(
		    r, SP_ERR_IO,
		    error_code == NGHTTP2_NO_ERROR
		        ? "stream ended without a complete response"
		        : "stream reset by the server");
	}
	return 0;
}

static int on_frame_not_send(nghttp2_session *h2, const nghttp2_frame *frame,
                             int lib_error, void *user)
{
	sp_h2_conn *k = user;
	sp_h2_req *r;

	(void)h2;
	(void)lib_error;
	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	r = find_req(k, frame->hd.stream_id);
	if (r == NULL)
		return 0;
	if (!r->retried)
		sp_peers__req_requeue(r);
	else
		sp_peers__req_finish(r, SP_ERR_UNAVAILABLE,
		                     "the stream could not be started");
	return 0;
}

static ssize_t body_read(nghttp2_session *h2, int32_t stream_id, uint8_t *buf,
                         size_t length, uint32_t *data_flags,
                         nghttp2_data_source *source, void *user)
{
	sp_h2_req *r;
	size_t n;

	(void)h2;
	(void)source;
	/* Looked up by id: a cancelled request is gone, whatever nghttp2
	 * still holds. */
	r = find_req(user, stream_id);
	if (r == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	n = r->body_len - r->body_off;
	if (n > length)
		n = length;
	memcpy(buf, r->body + r->body_off, n);
	r->body_off += n;
	if (r->body_off == r->body_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* ---------------------------------------------------------------- session */

static int session_new(sp_h2_conn *k)
{
	sp_h2_client *c = k->c;
	nghttp2_session_callbacks *cbs = NULL;
	nghttp2_option *opt = NULL;
	nghttp2_settings_entry iv[4];
	int rv = -1;

	if (nghttp2_session_callbacks_new(&cbs) != 0 ||
	    nghttp2_option_new(&opt) != 0)
		goto done;
	nghttp2_session_callbacks_set_on_begin_headers_callback(
	    cbs, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
	    cbs, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
	                                                     on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
	                                                       on_stream_close);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(
	    cbs, on_frame_not_send);
	/* The server's header list is bounded by our own count in on_header. */
	nghttp2_option_set_max_send_header_block_length(opt, 65536);
	if (nghttp2_session_client_new2(&k->h2, cbs, k, opt) != 0)
		goto done;
	iv[0].settings_id = NGHTTP2_SETTINGS_ENABLE_PUSH;
	iv[0].value = 0;
	iv[1].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
	iv[1].value = 0; /* no server-initiated streams */
	iv[2].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	iv[2].value = (uint32_t)STREAM_WINDOW;
	iv[3].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
	iv[3].value = (uint32_t)c->max_header_bytes;
	if (nghttp2_submit_settings(k->h2, NGHTTP2_FLAG_NONE, iv, 4) != 0 ||
	    nghttp2_session_set_local_window_size(k->h2, NGHTTP2_FLAG_NONE, 0,
	                                          CONN_WINDOW) != 0)
		goto done;
	rv = 0;
done:
	nghttp2_session_callbacks_del(cbs);
	nghttp2_option_del(opt);
	return rv;
}

/* Submit one queued request on k. */
static void submit_one(sp_h2_conn *k, sp_h2_req *r)
{
	sp_h2_client *c = k->c;
	nghttp2_data_provider prd;
	int32_t id;

	memset(&prd, 0, sizeof(prd));
	prd.read_callback = body_read;
	r->body_off = 0;
	id = nghttp2_submit_request(k->h2, NULL, r->nva, r->nvlen,
	                            r->body_len > 0 ? &prd : NULL, NULL);
	if (id < 0) {
		if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
			/* Stream ids used up: this connection takes no
			 * more; the request waits for the next one. */
			k->goaway_last_id = INT32_MAX;
			sp_peers__conn_goaway(k);
			return;
		}
		sp_peers__req_finish(r, SP_ERR_INTERNAL,
		                     "cannot submit the request");
		return;
	}
	sp_peers__list_remove(&c->queue, r);
	r->where = SP_REQ_STREAM;
	r->conn = k;
	r->stream_id = id;
	r->got_response = 0;
	r->complete = 0;
	r->info_block = 0;
	r->status = 0;
	r->header_bytes = 0;
	r->rbody_len = 0;
	sp_peers__fields_free(r->fields, r->n_fields);
	r->fields = NULL;
	r->n_fields = r->cap_fields = 0;
	sp_peers__list_append(&k->reqs, r);
}

static uint32_t stream_limit(sp_h2_conn *k)
{
	uint32_t lim = nghttp2_session_get_remote_settings(
	    k->h2, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);

	return lim < MAX_STREAMS_PER_CONN ? lim : MAX_STREAMS_PER_CONN;
}

static void conn_error(sp_h2_conn *k, int err, const char *why)
{
	sp_peers__conn_closed(k, err, why);
}

void sp_peers__conn_pump(sp_h2_conn *k)
{
	sp_h2_client *c = k->c;
	struct evbuffer *out;
	const uint8_t *data;
	ssize_t n;

	if (k->h2 == NULL || k->bev == NULL || k->state == SP_CONN_DEAD)
		return;
	while (k->state == SP_CONN_READY && c->conn == k && !c->freeing &&
	       c->queue.head != NULL && k->reqs.n < stream_limit(k))
		submit_one(k, c->queue.head);
	if (k->state == SP_CONN_DEAD)
		return;
	out = bufferevent_get_output(k->bev);
	while (evbuffer_get_length(out) < OUT_HIGH_WATER) {
		n = nghttp2_session_mem_send(k->h2, &data);
		if (n < 0) {
			conn_error(k, SP_ERR_IO, nghttp2_strerror((int)n));
			return;
		}
		if (k->state == SP_CONN_DEAD)
			return;
		if (n == 0)
			break;
		if (evbuffer_add(out, data, (size_t)n) != 0) {
			conn_error(k, SP_ERR_NOMEM, "out of memory");
			return;
		}
	}
	if (!nghttp2_session_want_read(k->h2) &&
	    !nghttp2_session_want_write(k->h2) && evbuffer_get_length(out) == 0)
		conn_error(k, SP_ERR_IO, "connection finished");
}

void sp_peers__conn_cancel(sp_h2_conn *k, sp_h2_req *r)
{
	sp_h2_client *c = k->c;

	if (k->h2 == NULL || r->stream_id <= 0)
		return;
	nghttp2_submit_rst_stream(k->h2, NGHTTP2_FLAG_NONE, r->stream_id,
	                          NGHTTP2_CANCEL);
	sp_peers__kick(c);
	/* Nothing from the server for a whole request timeout: the
	 * connection is probably dead; drop it so the next request
	 * reconnects. */
	if (sp_clock_mono_ms() - k->last_read_ms >=
	    (int64_t)c->request_timeout_ms) {
		sp_peers__req_finish(r, SP_ERR_UNAVAILABLE,
		                     "request timed out");
		conn_error(k, SP_ERR_IO, "server stopped responding");
	}
}

/* ---------------------------------------------------------------- I/O */

static void conn_readcb(struct bufferevent *bev, void *arg)
{
	sp_h2_conn *k = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	unsigned char *p;
	ssize_t n;

	if (k->state == SP_CONN_DEAD || k->h2 == NULL)
		return;
	k->last_read_ms = sp_clock_mono_ms();
	while ((len = evbuffer_get_length(in)) > 0) {
		struct evbuffer_iovec v;

		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		p = v.iov_base;
		len = v.iov_len;
		n = nghttp2_session_mem_recv(k->h2, p, len);
		if (k->state == SP_CONN_DEAD)
			return;
		if (n < 0) {
			conn_error(k, SP_ERR_IO, nghttp2_strerror((int)n));
			return;
		}
		evbuffer_drain(in, (size_t)n);
	}
	sp_peers__conn_pump(k);
}

static void conn_writecb(struct bufferevent *bev, void *arg)
{
	sp_h2_conn *k = arg;

	(void)bev;
	if (k->state != SP_CONN_DEAD)
		sp_peers__conn_pump(k);
}

static int try_next_addr(sp_h2_conn *k, const char **why);

static int socket_error_retryable(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == EADDRNOTAVAIL || e == EAFNOSUPPORT;
}

static void conn_eventcb(struct bufferevent *bev, short events, void *arg)
{
	sp_h2_conn *k = arg;
	int sock_err = EVUTIL_SOCKET_ERROR();
	const char *why = NULL;
	int err;

	(void)bev;
	if (k->state == SP_CONN_DEAD)
		return;
	if (events & BEV_EVENT_CONNECTED) {
		err = sp_peers__tls_check(k, &why);
		if (err != SP_OK) {
			sp_peers__conn_failed(k, err, why);
			return;
		}
		if (session_new(k) != 0) {
			sp_peers__conn_failed(k, SP_ERR_NOMEM, "out of memory");
			return;
		}
		k->state = SP_CONN_SETTINGS;
		k->last_read_ms = sp_clock_mono_ms();
		sp_peers__conn_pump(k);
		return;
	}
	if (!(events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
		return;
	if (k->state == SP_CONN_CONNECTING) {
		err = sp_peers__tls_failure(k, sock_err, &why);
		if (err == SP_ERR_UNAVAILABLE && k->ai_next != NULL &&
		    socket_error_retryable(sock_err)) {
			if (try_next_addr(k, &why) == SP_OK)
				return;
		}
		sp_peers__conn_failed(k, err, why);
		return;
	}
	if (k->state == SP_CONN_SETTINGS) {
		/* A TLS 1.3 server checks our certificate after our side of
		 * the handshake is done: its refusal arrives here. */
		err = sp_peers__tls_failure(k, sock_err, &why);
		if (why == NULL || (events & BEV_EVENT_EOF))
			why = "server closed the connection during setup";
		sp_peers__conn_failed(k, err, why);
		return;
	}
	/* Drain what arrived before the close (a final GOAWAY, say). */
	conn_readcb(k->bev, k);
	if (k->state == SP_CONN_DEAD)
		return;
	if (events & BEV_EVENT_EOF)
		conn_error(k, SP_ERR_IO, "connection closed by the server");
	else
		conn_error(k, SP_ERR_IO, "connection lost");
}

static int try_next_addr(sp_h2_conn *k, const char **why)
{
	sp_h2_client *c = k->c;
	struct addrinfo *ai;
	SSL *ssl;

	*why = "connection failed";
	while ((ai = k->ai_next) != NULL) {
		k->ai_next = ai->ai_next;
		if (k->bev != NULL) {
			bufferevent_free(k->bev);
			k->bev = NULL;
			k->ssl = NULL;
		}
		k->cert_failed = 0;
		k->cert_why = NULL;
		ssl = sp_peers__tls_new(c, k, why);
		if (ssl == NULL)
			return SP_ERR_NOMEM;
		/* The bufferevent owns ssl from here (BEV_OPT_CLOSE_ON_FREE).
		 */
		k->bev = bufferevent_openssl_socket_new(
		    c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		if (k->bev == NULL) {
			*why = "out of memory";
			return SP_ERR_NOMEM;
		}
		k->ssl = ssl;
		/* A peer that closes without close_notify has closed, not
		 * failed. */
		bufferevent_openssl_set_allow_dirty_shutdown(k->bev, 1);
		bufferevent_setcb(k->bev, conn_readcb, conn_writecb,
		                  conn_eventcb, k);
		if (bufferevent_enable(k->bev, EV_READ | EV_WRITE) != 0)
			continue;
		if (bufferevent_socket_connect(k->bev, ai->ai_addr,
		                               (int)ai->ai_addrlen) == 0) {
			/* no Nagle: requests and their bodies go out at once */
			int one = 1;

			setsockopt(bufferevent_getfd(k->bev), IPPROTO_TCP,
			           TCP_NODELAY, &one, sizeof(one));
			return SP_OK;
		}
	}
	return SP_ERR_UNAVAILABLE;
}

int sp_peers__conn_start(sp_h2_conn *k, const char **why)
{
	sp_h2_client *c = k->c;
	struct addrinfo hints;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags =
	    sp_peers__is_ip(c->host) ? AI_NUMERICHOST : AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	/* Name lookup blocks the loop; peers are usually few and their
	 * addresses cached by the system resolver (see README). */
	rc = getaddrinfo(c->host, port, &hints, &k->ai);
	if (rc != 0 || k->ai == NULL) {
		*why = rc == EAI_NONAME ? "unknown host"
		                        : "cannot resolve the host";
		return SP_ERR_UNAVAILABLE;
	}
	k->ai_next = k->ai;
	return try_next_addr(k, why);
}

void sp_peers__conn_free(sp_h2_conn *k)
{
	if (k == NULL)
		return;
	if (k->bev != NULL)
		bufferevent_free(k->bev); /* frees the SSL */
	nghttp2_session_del(k->h2);
	if (k->ai != NULL)
		freeaddrinfo(k->ai);
	free(k->peer_der);
	free(k);
}
