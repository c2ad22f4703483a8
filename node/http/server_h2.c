/* server_h2.c: the HTTP/2 server's nghttp2 session per connection: callbacks,
 * limits, flushing, GOAWAY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base.h"
#include "http_int.h"
#include "protocol.h"

static ssize_t send_cb(nghttp2_session *h2, const uint8_t *data, size_t len,
                       int flags, void *user)
{
	sp_conn *c = user;

	(void)h2;
	(void)flags;
	if (c->ssl == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	/* Back-pressure: sending resumes once SSL_write has taken the queued
	 * bytes (sp_node__conn_flush, or the socket's write event). */
	if (sp_node__io_pending(c) >= SP_SRV_OUT_HIGH_WATER)
		return NGHTTP2_ERR_WOULDBLOCK;
	if (sp_node__io_queue(c, data, len) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	c->srv->st.bytes_out += len;
	sp_node__conn_account_out(c);
	return (ssize_t)len;
}

static sp_http_req *stream_req(sp_conn *c, int32_t stream_id)
{
	if (c->h2 == NULL)
		return NULL;
	return nghttp2_session_get_stream_user_data(c->h2, stream_id);
}

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *frame,
                            void *user)
{
	sp_conn *c = user;
	sp_http_req *r;

	if (frame->hd.type != NGHTTP2_HEADERS ||
	    frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	r = sp_node__req_new(c, frame->hd.stream_id);
	if (r == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the
		                                                 stream */
	if (nghttp2_session_set_stream_user_data(h2, frame->hd.stream_id, r) !=
	    0) {
		sp_node__req_detach(r);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int store_header(sp_http_req *r, const uint8_t *name, size_t namelen,
                        const uint8_t *value, size_t valuelen)
{
	sp_hdr *h;

	if (namelen > 0 && name[0] == ':') {
		if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
			if (r->method != NULL)
				return 0;
			/* a method name fits the request (GET, POST) */
			if (valuelen < sizeof(r->method_inline)) {
				memcpy(r->method_inline, value, valuelen);
				r->method_inline[valuelen] = '\0';
				r->method = r->method_inline;
				return 0;
			}
			r->method = dup_bytes(value, valuelen);
			return r->method != NULL ? 0 : -1;
		} else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
			const uint8_t *q = memchr(value, '?', valuelen);
			size_t plen =
			    q != NULL ? (size_t)(q - value) : valuelen;

			if (r->path != NULL)
				return 0; /* nghttp2 refuses duplicates already
				           */
			/* one allocation: "path\0query\0" (query may be
			 * empty); r->query points into it */
			r->path = dup_bytes(value, valuelen);
			if (r->path == NULL)
				return -1;
			r->path[plen] = '\0';
			r->query =
			    q != NULL ? r->path + plen + 1 : r->path + plen;
			return 0;
		}
		return 0; /* :scheme, :authority: not needed */
	}
	if (r->hdrs == NULL) {
		r->hdrs = r->hdrs_inline;
		r->cap_hdrs =
		    sizeof(r->hdrs_inline) / sizeof(r->hdrs_inline[0]);
	}
	if (r->n_hdrs == r->cap_hdrs) {
		size_t ncap = r->cap_hdrs * 2;
		sp_hdr *nh = r->hdrs == r->hdrs_inline
		                 ? malloc(ncap * sizeof(*nh))
		                 : realloc(r->hdrs, ncap * sizeof(*nh));

		if (nh == NULL)
			return -1;
		if (r->hdrs == r->hdrs_inline)
			memcpy(nh, r->hdrs_inline, sizeof(r->hdrs_inline));
		r->hdrs = nh;
		r->cap_hdrs = ncap;
	}
	h = &r->hdrs[r->n_hdrs];
	/* one allocation: "name\0value\0"; h->value points into it */
	if ((h->name = malloc(namelen + valuelen + 2)) == NULL)
		return -1;
	memcpy(h->name, name, namelen);
	h->name[namelen] = '\0';
	h->value = h->name + namelen + 1;
	memcpy(h->value, value, valuelen);
	h->value[valuelen] = '\0';
	h->value_len = valuelen;
	r->n_hdrs++;
	return 0;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *user)
{
	sp_conn *c = user;
	sp_http_req *r = stream_req(c, frame->hd.stream_id);
	const sp_server_limits *lim = &c->srv->lim;

	(void)h2;
	(void)flags;
	if (r == NULL || r->responded)
		return 0;
	/* nghttp2 does not bound the decoded list: count it here (RFC 7541
	 * field size: name + value + 32). Past the cap nothing more is kept;
	 * the request is answered 431 once its header block ends. */
	r->hdr_bytes += namelen + valuelen + 32;
	r->hdr_count++;
	if (r->hdr_overflow)
		return 0;
	if (r->hdr_bytes > lim->max_header_list_bytes ||
	    r->hdr_count > lim->max_headers) {
		r->hdr_overflow = 1;
		return 0;
	}
	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers: counted, not kept */
	if (store_header(r, name, namelen, value, valuelen) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int declared_length_too_big(const sp_http_req *r, size_t max)
{
	for (size_t i = 0; i < r->n_hdrs; i++) {
		const char *v = r->hdrs[i].value;
		unsigned long long n = 0;

		if (strcmp(r->hdrs[i].name, "content-length") != 0)
			continue;
		/* nghttp2 has checked it is all digits */
		for (size_t k = 0; k < r->hdrs[i].value_len; k++) {
			if (v[k] < '0' || v[k] > '9')
				return 0;
			if (n > (unsigned long long)max)
				return 1;
			n = n * 10u + (unsigned)(v[k] - '0');
		}
		return n > (unsigned long long)max;
	}
	return 0;
}

static void headers_complete(sp_conn *c, sp_http_req *r)
{
	const sp_server_limits *lim = &c->srv->lim;

	r->headers_done = 1;
	if (r->hdr_overflow) {
		c->srv->st.dropped_limits++;
		sp_node__req_reject(
		    r, SP_ERR_TOO_LARGE, 431,
		    "the request header list is over the limit");
		return;
	}
	if (r->method == NULL || r->path == NULL) {
		sp_node__req_reject(r, SP_ERR_METHOD, 405,
		                    "this method is not served");
		return;
	}
	if (declared_length_too_big(r, lim->max_body_bytes)) {
		c->srv->st.dropped_limits++;
		sp_node__req_reject(r, SP_ERR_TOO_LARGE, 413,
		                    "the request body is over the limit");
	}
}

/* Count a client's RST_STREAM in a token bucket of half nghttp2's burst,
 * refilled at its rate; when empty, end the connection with
 * ENHANCE_YOUR_CALM. */
static int reset_bucket(sp_conn *c, nghttp2_session *h2)
{
	const sp_server_limits *lim = &c->srv->lim;
	double cap = (double)lim->reset_burst / 2;
	uint64_t now = sp_monotonic_us();

	if (c->reset_last_us == 0)
		c->reset_tokens = cap;
	else
		c->reset_tokens += (double)(now - c->reset_last_us) / 1e6 *
		                   (double)lim->reset_rate;
	if (c->reset_tokens > cap)
		c->reset_tokens = cap;
	c->reset_last_us = now;
	if (c->reset_tokens < 1) {
		c->srv->st.dropped_flood++;
		nghttp2_session_terminate_session(h2,
		                                  NGHTTP2_ENHANCE_YOUR_CALM);
		return 0;
	}
	c->reset_tokens -= 1;
	return 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                         void *user)
{
	sp_conn *c = user;
	sp_http_req *r;

	if (frame->hd.type == NGHTTP2_RST_STREAM)
		return reset_bucket(c, h2);
	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	r = stream_req(c, frame->hd.stream_id);
	if (r == NULL)
		return 0;
	if (frame->hd.type == NGHTTP2_HEADERS &&
	    frame->headers.cat == NGHTTP2_HCAT_REQUEST)
		headers_complete(c, r);
	if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && !r->responded &&
	    !r->dispatched)
		sp_node__req_dispatch(r);
	return 0;
}

/* Flow control is credited by hand: bytes the server keeps credit both the
 * stream and the connection; bytes it throws away (an answered or refused
 * stream) credit the connection only, so such a stream stalls once its
 * window is spent instead of streaming garbage at full speed. */
static int on_data_chunk_recv(nghttp2_session *h2, uint8_t flags,
                              int32_t stream_id, const uint8_t *data,
                              size_t len, void *user)
{
	sp_conn *c = user;
	sp_server *s = c->srv;
	sp_http_req *r = stream_req(c, stream_id);
	size_t need;

	(void)flags;
	if (r != NULL)
		sp_node__req_progress(r, len, 0);
	if (r == NULL || r->responded || r->dispatched || len == 0)
		goto discard;
	if (len > s->lim.max_body_bytes - r->body_len) {
		s->st.dropped_limits++;
		sp_node__req_reject(r, SP_ERR_TOO_LARGE, 413,
		                    "the request body is over the limit");
		goto discard;
	}
	need = r->body_len + len;
	if (need > r->body_cap) {
		size_t ncap = r->body_cap ? r->body_cap : 16384;
		size_t grow;
		uint8_t *nb;

		while (ncap < need)
			ncap = ncap > s->lim.max_body_bytes / 2
			           ? s->lim.max_body_bytes
			           : ncap * 2;
		if (ncap < need)
			ncap = need;
		grow = ncap - r->body_cap;
		if (!sp_node__conn_may_hold(c, grow)) {
			s->st.dropped_limits++;
			sp_node__req_reject(
			    r, SP_ERR_OVERLOADED, 503,
			    "the node holds too many request bytes");
			goto discard;
		}
		nb = realloc(r->body, ncap);
		if (nb == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		r->body = nb;
		r->body_cap = ncap;
		sp_node__req_hold(r, grow, 0);
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	return nghttp2_session_consume(h2, stream_id, len) == 0
	           ? 0
	           : NGHTTP2_ERR_CALLBACK_FAILURE;

discard:
	return nghttp2_session_consume_connection(h2, len) == 0
	           ? 0
	           : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static int on_frame_send(nghttp2_session *h2, const nghttp2_frame *frame,
                         void *user)
{
	sp_conn *c = user;
	sp_http_req *r;

	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	r = stream_req(c, frame->hd.stream_id);
	/* Progress is what the client takes: answer bytes, or an answer
	 * finished; HEADERS alone are none. */
	if (r != NULL)
		sp_node__req_progress(
		    r, frame->hd.type == NGHTTP2_DATA ? frame->hd.length : 0,
		    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0);
	if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	/* A complete answer went out before the request ended. The client may
	 * still finish its request; if it has not within a short grace, it is
	 * asked to stop (RST_STREAM NO_ERROR, RFC 9113 §8.1). Resetting at
	 * once would make some clients drop the answer unread. */
	if (r != NULL && r->early &&
	    nghttp2_session_get_stream_remote_close(h2, frame->hd.stream_id) ==
	        0)
		sp_node__req_linger(r);
	return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t stream_id,
                           uint32_t error_code, void *user)
{
	sp_conn *c = user;
	sp_http_req *r = stream_req(c, stream_id);

	(void)error_code;
	if (r == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(h2, stream_id, NULL);
	sp_node__req_detach(r);
	return 0;
}

int sp_node__h2_setup(sp_server *s)
{
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return SP_ERR_NOMEM;
	nghttp2_session_callbacks_set_send_callback(cb, send_cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(
	    cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
	    cb, on_data_chunk_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	                                                       on_stream_close);
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cb);
		return SP_ERR_NOMEM;
	}
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
	nghttp2_option_set_no_auto_window_update(opt, 1);
#ifdef SP_HAVE_NGHTTP2_RESET_LIMIT
	nghttp2_option_set_stream_reset_rate_limit(opt, s->lim.reset_burst,
	                                           s->lim.reset_rate);
#endif
#ifdef SP_HAVE_NGHTTP2_MAX_CONTINUATIONS
	nghttp2_option_set_max_continuations(opt, s->lim.max_continuations);
#endif
	s->cbs = cb;
	s->opt = opt;
	return SP_OK;
}

int sp_node__h2_start(sp_conn *c)
{
	sp_server *s = c->srv;
	nghttp2_settings_entry iv[3];
	int rv;

	if (nghttp2_session_server_new2(&c->h2, s->cbs, c, s->opt) != 0)
		return SP_ERR_NOMEM;
	iv[0].settings_id = NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS;
	iv[0].value = s->lim.max_concurrent_streams;
	iv[1].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	iv[1].value = s->lim.initial_window;
	iv[2].settings_id = NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE;
	iv[2].value = s->lim.max_header_list_bytes > UINT32_MAX
	                  ? UINT32_MAX
	                  : (uint32_t)s->lim.max_header_list_bytes;
	rv = nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 3);
	if (rv != 0)
		return SP_ERR_INTERNAL;
	/* The connection window: room for a few streams' windows at once. */
	rv = nghttp2_session_set_local_window_size(
	    c->h2, NGHTTP2_FLAG_NONE, 0,
	    (int32_t)(s->lim.initial_window * 4u > NGHTTP2_MAX_WINDOW_SIZE
	                  ? NGHTTP2_MAX_WINDOW_SIZE
	                  : s->lim.initial_window * 4u));
	return rv == 0 ? SP_OK : SP_ERR_INTERNAL;
}

int sp_node__conn_recv(sp_conn *c, const uint8_t *data, size_t len)
{
	ssize_t rv;

	if (c->h2 == NULL)
		return -1;
	c->in_recv = 1;
	rv = nghttp2_session_mem_recv(c->h2, data, len);
	c->in_recv = 0;
	if (rv < 0) {
		if (rv == NGHTTP2_ERR_FLOODED)
			sp_log(
			    SP_LOG_WARN, "http2_flood",
			    SP_LF_STR("remote", c->remote),
			    SP_LF_STR("why", "flood, dropping the connection"));
		c->srv->st.dropped_flood++;
		return -1;
	}
	return 0;
}

/* Let nghttp2 queue what it has (up to the high-water mark); -1 when the
 * session failed (the connection is then closed). */
static int conn_serialize(sp_conn *c)
{
	int rv;

	do {
		c->want_flush = 0;
		c->in_send = 1;
		rv = nghttp2_session_send(c->h2);
		c->in_send = 0;
		if (rv != 0) {
			c->close_after_flush = 0;
			sp_node__conn_close(c);
			return -1;
		}
	} while (c->want_flush);
	return 0;
}

void sp_node__conn_flush(sp_conn *c)
{
	if (c->closed || c->h2 == NULL)
		return;
	if (c->in_recv || c->in_send) {
		c->want_flush = 1;
		return;
	}
	/* Written in this turn, not the next: SSL_write until the socket is
	 * full, and again while nghttp2 had more than the mark let it queue.
	 */
	for (;;) {
		if (conn_serialize(c) != 0)
			return;
		if (sp_node__io_pending(c) == 0)
			break;
		if (sp_node__io_write(c) != 0)
			return; /* closed */
		if (sp_node__io_pending(c) > 0 ||
		    !nghttp2_session_want_write(c->h2))
			break;
	}
	if (!nghttp2_session_want_read(c->h2) &&
	    !nghttp2_session_want_write(c->h2))
		c->close_after_flush = 1;
	if (c->close_after_flush && sp_node__io_pending(c) == 0)
		sp_node__conn_close(c);
}

void sp_node__conn_goaway(sp_conn *c)
{
	if (c->closed || c->h2 == NULL || c->goaway_sent)
		return;
	c->goaway_sent = 1;
	/* Streams up to the last one we took still finish. */
	nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
	                      nghttp2_session_get_last_proc_stream_id(c->h2),
	                      NGHTTP2_NO_ERROR, NULL, 0);
	sp_node__conn_flush(c);
}
