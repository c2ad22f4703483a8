/* server_req.c: the HTTP/2 server's request objects: getters, query decoding,
 * responses, references, access log. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "base.h"
#include "http_int.h"
#include "protocol.h"

static void stream_timer_cb(evutil_socket_t fd, short what, void *arg);

sp_http_req *sp_node__req_new(sp_conn *c, int32_t stream_id)
{
	sp_server *s = c->srv;
	/* the stream's timer lives in the same allocation, behind the
	 * request (aligned as malloc aligns): one allocation per stream */
	size_t at = (sizeof(sp_http_req) + _Alignof(max_align_t) - 1) /
	            _Alignof(max_align_t) * _Alignof(max_align_t);
	sp_http_req *r = calloc(1, at + event_get_struct_event_size());
	uint8_t be[8];
	uint64_t v;

	if (r == NULL)
		return NULL;
	/* splitmix64 of key + counter: a bijection, so ids never repeat
	 * within a process, and they do not reveal the request count. */
	v = s->id_key + 0x9e3779b97f4a7c15ull * ++s->id_next;
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
	v ^= v >> 31;
	for (size_t i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (56 - 8 * i));
	sp_hex_encode(be, sizeof(be), r->id);
	r->timer = (struct event *)((char *)r + at);
	if (evtimer_assign(r->timer, s->base, stream_timer_cb, r) != 0) {
		free(r);
		return NULL;
	}
	evtimer_add(r->timer, s->stream_tv);
	r->refs = 1; /* the stream's */
	r->conn = c;
	c->refs++;
	r->stream_id = stream_id;
	r->stream_open = 1;
	r->start_wall = (int64_t)time(NULL);
	r->start_us = sp_monotonic_us();
	r->progress_us = r->start_us;
	r->next = c->reqs;
	if (c->reqs != NULL)
		c->reqs->prev = r;
	c->reqs = r;
	c->n_streams++;
	s->st.streams_open++;
	s->st.streams_total++;
	return r;
}

void sp_node__req_progress(sp_http_req *r, size_t bytes, int done)
{
	sp_conn *c = r->conn;
	uint64_t now = 0;

	r->moved += bytes;
	c->moved += bytes;
	if (done || r->moved >= SP_SRV_PROGRESS_BYTES) {
		now = sp_monotonic_us();
		r->progress_us = now;
		r->moved = 0;
	}
	if (done || c->moved >= SP_SRV_PROGRESS_BYTES) {
		c->progress_us = now != 0 ? now : sp_monotonic_us();
		c->moved = 0;
	}
}

/* A connection's class does not change while it holds bytes (it is fixed
 * at the handshake, and a revoked one is closed), so the anonymous total
 * stays exact. */
void sp_node__req_hold(sp_http_req *r, size_t n, int resp)
{
	if (resp)
		r->held_resp += n;
	else
		r->held_body += n;
	r->conn->buffered += n;
	r->conn->srv->st.buffered_bytes += n;
	if (r->conn->anon)
		r->conn->srv->st.buffered_anon += n;
}

void sp_node__req_unhold(sp_http_req *r, size_t n, int resp)
{
	size_t *held = resp ? &r->held_resp : &r->held_body;

	if (n > *held)
		n = *held;
	*held -= n;
	r->conn->buffered -= n;
	r->conn->srv->st.buffered_bytes -= n;
	if (r->conn->anon)
		r->conn->srv->st.buffered_anon -= n;
}

static void req_free_response(sp_http_req *r)
{
	free(r->resp);
	r->resp = NULL;
	r->resp_len = r->resp_off = 0;
	sp_node__req_unhold(r, r->held_resp, 1);
}

void sp_node__req_release(sp_http_req *r)
{
	sp_conn *c;

	if (--r->refs > 0)
		return;
	c = r->conn;
	if (r->timer != NULL)
		event_del(r->timer); /* its memory is r's */
	if (r->method != r->method_inline)
		free(r->method);
	free(r->path);
	/* r->query lies in r->path's allocation, each value in its name's */
	for (size_t i = 0; i < r->n_hdrs; i++)
		free(r->hdrs[i].name);
	if (r->hdrs != r->hdrs_inline)
		free(r->hdrs);
	free(r->body);
	sp_node__req_unhold(r, r->held_body, 0);
	req_free_response(r);
	free(r);
	sp_node__conn_unref(c);
}

void sp_node__req_log(sp_http_req *r)
{
	sp_server *s = r->conn->srv;
	sp_access_entry e;

	if (r->logged || s->freed || s->access_log == NULL)
		return;
	r->logged = 1;
	e.request_id = r->id;
	e.method = r->method != NULL ? r->method : "";
	e.path = r->path != NULL ? r->path : "";
	e.status = r->status;
	e.bytes = r->bytes_sent;
	e.duration_us = sp_monotonic_us() - r->start_us;
	e.remote = r->conn->remote;
	e.client_cert = r->conn->peer_der != NULL;
	e.client_der = r->conn->peer_der;
	e.client_der_len = r->conn->peer_der_len;
	s->access_log(&e, s->access_log_arg);
}

void sp_node__req_detach(sp_http_req *r)
{
	sp_conn *c = r->conn;

	if (!r->stream_open)
		return;
	r->stream_open = 0;
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		c->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	c->n_streams--;
	c->srv->st.streams_open--;
	if (r->timer != NULL) {
		event_del(r->timer); /* its memory is r's, freed with it */
		r->timer = NULL;
	}
	if (r->responded)
		sp_node__req_log(
		    r); /* bytes tell how much of the answer left */
	req_free_response(r);
	sp_node__req_release(r);
}

static void ms_tv(uint64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000u);
	tv->tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
}

static void stream_reset(sp_conn *c, sp_http_req *r, uint32_t code)
{
	if (c->h2 == NULL)
		return;
	c->refs++;
	nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id, code);
	sp_node__conn_flush(c);
	sp_node__conn_unref(c);
}

static void stream_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	sp_http_req *r = arg;
	sp_conn *c = r->conn;
	uint64_t limit_us = (uint64_t)c->srv->lim.stream_timeout_ms * 1000u,
	         now;

	(void)fd;
	(void)what;
	if (!r->stream_open || c->closed || (r->dispatched && !r->responded))
		return;
	if (r->lingering) {
		/* The grace after an early answer is over. */
		stream_reset(c, r, NGHTTP2_NO_ERROR);
		return;
	}
	if (r->responded) {
		/* An answer the client does not take (its window kept at zero,
		 * or it does not read): reset once no byte moved for
		 * stream_timeout, which frees what the answer held
		 * (SPEC [SEC-22]). */
		struct timeval tv;

		now = sp_monotonic_us();
		if (now - r->progress_us < limit_us) {
			ms_tv((limit_us - (now - r->progress_us) + 999u) /
			          1000u,
			      &tv);
			evtimer_add(r->timer, &tv);
			return;
		}
		c->srv->st.dropped_timeout++;
		stream_reset(c, r, NGHTTP2_CANCEL);
		return;
	}
	c->srv->st.dropped_timeout++;
	c->refs++;
	if (!r->headers_done) {
		/* Stalled inside a header block: nothing else can use the
		 * connection (CONTINUATION must follow), so drop it. */
		sp_node__conn_close(c);
	} else {
		r->refs++;
		sp_node__req_reject(r, SP_ERR_UNAVAILABLE, 408,
		                    "the request did not complete in time");
		sp_node__conn_flush(c);
		sp_node__req_release(r);
	}
	sp_node__conn_unref(c);
}

#define LINGER_MS 2000u

void sp_node__req_linger(sp_http_req *r)
{
	uint32_t ms = r->conn->srv->lim.stream_timeout_ms;
	struct timeval tv;

	if (r->timer == NULL || !r->stream_open)
		return;
	if (ms > LINGER_MS)
		ms = LINGER_MS;
	r->lingering = 1;
	ms_tv(ms, &tv);
	evtimer_add(r->timer, &tv);
}

void sp_node__req_dispatch(sp_http_req *r)
{
	sp_server *s = r->conn->srv;

	/* The handler's time is the node's: no clock runs until it answers. */
	if (r->timer != NULL)
		evtimer_del(r->timer);
	r->dispatched = 1;
	r->refs++; /* the handler's */
	s->st.requests++;
	s->handler(r, s->handler_arg);
}

/* ---------------------------------------------------------------- getters */

const char *sp_http_req_method(const sp_http_req *req)
{
	return req->method != NULL ? req->method : "";
}

const char *sp_http_req_path(const sp_http_req *req)
{
	return req->path != NULL ? req->path : "";
}

const char *sp_http_req_query(const sp_http_req *req)
{
	return req->query != NULL ? req->query : "";
}

const char *sp_http_req_header(const sp_http_req *req, const char *name,
                               size_t *len)
{
	if (len != NULL)
		*len = 0;
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < req->n_hdrs; i++) {
		if (strcmp(req->hdrs[i].name, name) == 0) {
			if (len != NULL)
				*len = req->hdrs[i].value_len;
			return req->hdrs[i].value;
		}
	}
	return NULL;
}

/* RFC 3986 percent-escapes take either case of hex digit. */
static int hexval(char ch)
{
	return sp_hex_nibble(ch >= 'A' && ch <= 'F' ? (char)(ch - 'A' + 'a')
	                                            : ch);
}

/* Percent-decode [p, p+n) into out (cap bytes, NUL added). */
static int pct_decode(const char *p, size_t n, char *out, size_t cap,
                      size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (ch == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return SP_ERR_BAD_REQUEST;
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return SP_ERR_BAD_REQUEST;
			ch = (char)(hi * 16 + lo);
			if (ch == '\0')
				return SP_ERR_BAD_REQUEST;
			i += 2;
		} else if (ch == '+') {
			ch = ' ';
		}
		if (o + 1 >= cap)
			return SP_ERR_TOO_LARGE;
		out[o++] = ch;
	}
	out[o] = '\0';
	*outlen = o;
	return SP_OK;
}

int sp_http_req_query_param(const sp_http_req *req, const char *name, char *buf,
                            size_t bufsize, size_t *len)
{
	return sp_node__query_param(sp_http_req_query(req), name, buf, bufsize,
	                            len);
}

int sp_node__query_param(const char *q, const char *name, char *buf,
                         size_t bufsize, size_t *len)
{
	char key[256];

	if (len != NULL)
		*len = 0;
	if (q == NULL || name == NULL || buf == NULL || bufsize == 0)
		return SP_ERR_INVALID_ARGUMENT;
	buf[0] = '\0';
	if (bufsize > SP_HTTP_QUERY_VALUE_MAX + 1)
		bufsize = SP_HTTP_QUERY_VALUE_MAX + 1;
	while (*q != '\0') {
		const char *end = strchr(q, '&');
		size_t plen = end != NULL ? (size_t)(end - q) : strlen(q);
		const char *eq = memchr(q, '=', plen);
		size_t klen = eq != NULL ? (size_t)(eq - q) : plen;
		size_t dk;

		if (pct_decode(q, klen, key, sizeof(key), &dk) == SP_OK &&
		    strcmp(key, name) == 0) {
			size_t vlen = 0;
			int rc = SP_OK;

			if (eq != NULL)
				rc = pct_decode(eq + 1, plen - klen - 1, buf,
				                bufsize, &vlen);
			if (rc != SP_OK) {
				buf[0] = '\0';
				return rc;
			}
			if (len != NULL)
				*len = vlen;
			return SP_OK;
		}
		if (end == NULL)
			break;
		q = end + 1;
	}
	return SP_ERR_NOT_FOUND;
}

const uint8_t *sp_http_req_body(const sp_http_req *req, size_t *len)
{
	static const uint8_t empty[1];

	if (len != NULL)
		*len = req->body_len;
	return req->body != NULL ? req->body : empty;
}

const uint8_t *sp_http_req_client_cert(const sp_http_req *req, size_t *len)
{
	if (len != NULL)
		*len = req->conn->peer_der_len;
	return req->conn->peer_der;
}

const char *sp_http_req_remote(const sp_http_req *req)
{
	return req->conn->remote;
}

const char *sp_http_req_id(const sp_http_req *req)
{
	return req->id;
}

int64_t sp_http_req_start_time(const sp_http_req *req)
{
	return req->start_wall;
}

uint64_t sp_http_req_start_us(const sp_http_req *req)
{
	return req->start_us;
}

int sp_http_req_alive(const sp_http_req *req)
{
	return req->stream_open && !req->conn->closed && !req->responded;
}

/* ---------------------------------------------------------------- references
 */

sp_http_req *sp_http_req_ref(sp_http_req *req)
{
	req->refs++;
	return req;
}

static void req_reset(sp_http_req *r, uint32_t code)
{
	sp_conn *c = r->conn;

	r->responded = 1;
	if (!r->stream_open || c->closed || c->h2 == NULL)
		return;
	nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id, code);
}

void sp_http_req_unref(sp_http_req *req)
{
	sp_conn *c;

	if (req == NULL)
		return;
	c = req->conn;
	/* The last reference outside the server's own is going: nobody can
	 * answer any more. */
	if (req->dispatched && !req->responded &&
	    req->refs == 1 + (req->stream_open ? 1 : 0)) {
		int open = req->stream_open && !c->closed;

		req_reset(req, NGHTTP2_INTERNAL_ERROR);
		if (!open)
			sp_node__req_log(req);
		c->refs++;
		sp_node__req_release(req);
		sp_node__conn_flush(c);
		sp_node__conn_unref(c);
		return;
	}
	sp_node__req_release(req);
}

/* ---------------------------------------------------------------- responses */

static int header_name_ok(const char *n)
{
	if (n == NULL || *n == '\0')
		return 0;
	for (const char *p = n; *p != '\0'; p++) {
		char ch = *p;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return strcmp(n, "content-length") != 0 &&
	       strcmp(n, "x-request-id") != 0 && strcmp(n, "connection") != 0 &&
	       strcmp(n, "transfer-encoding") != 0;
}

static int header_value_ok(const char *v)
{
	if (v == NULL)
		return 0;
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return 0;
	}
	return 1;
}

static ssize_t resp_read_cb(nghttp2_session *h2, int32_t stream_id,
                            uint8_t *buf, size_t length, uint32_t *data_flags,
                            nghttp2_data_source *source, void *user)
{
	sp_http_req *r = source->ptr;
	size_t n = r->resp_len - r->resp_off;

	(void)h2;
	(void)stream_id;
	(void)user;
	if (n > length)
		n = length;
	if (n > 0)
		memcpy(buf, r->resp + r->resp_off, n);
	r->resp_off += n;
	r->bytes_sent += n;
	if (r->resp_off == r->resp_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define MAX_EXTRA_HEADERS 32

static nghttp2_nv mknv(const char *name, const char *value)
{
	nghttp2_nv nv;

	nv.name = (uint8_t *)(uintptr_t)name;
	nv.namelen = strlen(name);
	nv.value = (uint8_t *)(uintptr_t)value;
	nv.valuelen = strlen(value);
	nv.flags = NGHTTP2_NV_FLAG_NONE;
	return nv;
}

int sp_node__req_submit(sp_http_req *r, int status, const char *ctype,
                        const sp_http_header *extra, size_t n_extra,
                        uint8_t *body, size_t len)
{
	sp_conn *c = r->conn;
	sp_server *s = c->srv;
	nghttp2_nv nva[4 + MAX_EXTRA_HEADERS];
	size_t n = 0;
	char st[SP_DEC_MAX], cl[SP_DEC_MAX];
	nghttp2_data_provider prd;
	int rv;

	if (r->responded) {
		free(body);
		return SP_ERR_INVALID_ARGUMENT;
	}
	if (!r->stream_open || c->closed || c->h2 == NULL) {
		free(body);
		r->responded = 1;
		r->status = 0;
		if (!s->freed)
			s->st.responses_dropped++;
		sp_node__req_log(r);
		return SP_ERR_UNAVAILABLE;
	}
	if (status < 200 || status > 599 || n_extra > MAX_EXTRA_HEADERS ||
	    (extra == NULL && n_extra > 0) ||
	    (ctype != NULL && !header_value_ok(ctype)))
		goto invalid;
	for (size_t i = 0; i < n_extra; i++) {
		if (!header_name_ok(extra[i].name) ||
		    !header_value_ok(extra[i].value) ||
		    (ctype != NULL &&
		     strcmp(extra[i].name, "content-type") == 0))
			goto invalid;
	}
	/* no printf: two per response were a twentieth of /healthz */
	sp_dec_u64((uint64_t)status, st);
	sp_dec_u64(len, cl);
	nva[n++] = mknv(":status", st);
	if (ctype != NULL)
		nva[n++] = mknv("content-type", ctype);
	if (status != 204 && status != 304)
		nva[n++] = mknv("content-length", cl);
	/* unique per response: indexing it in the HPACK dynamic table would
	 * only evict entries that repeat (RFC 7541 6.2.2) */
	nva[n] = mknv("x-request-id", r->id);
	nva[n++].flags = NGHTTP2_NV_FLAG_NO_INDEX;
	for (size_t i = 0; i < n_extra; i++)
		nva[n++] = mknv(extra[i].name, extra[i].value);

	/* An answer is held until the client has taken it: it must fit the
	 * connection's and the node's budgets, and the anonymous share for an
	 * anonymous client (SPEC [SEC-23]). One that does not is not kept. */
	if (!sp_node__conn_may_hold(c, len)) {
		free(body);
		s->st.dropped_limits++;
		req_reset(r, NGHTTP2_ENHANCE_YOUR_CALM);
		r->status = 0;
		sp_node__req_log(r);
		return SP_ERR_OVERLOADED;
	}
	r->resp = body;
	r->resp_len = (status == 204 || status == 304) ? 0 : len;
	r->resp_off = 0;
	sp_node__req_hold(r, len, 1);
	prd.source.ptr = r;
	prd.read_callback = resp_read_cb;
	/* nghttp2 copies the header fields. */
	rv = nghttp2_submit_response(c->h2, r->stream_id, nva, n,
	                             r->resp_len > 0 ? &prd : NULL);
	if (rv != 0) {
		sp_log(SP_LOG_ERROR, "http2_submit_response",
		       SP_LF_STR("nghttp2", nghttp2_strerror(rv)));
		req_free_response(r);
		req_reset(r, NGHTTP2_INTERNAL_ERROR);
		return SP_ERR_INTERNAL;
	}
	r->responded = 1;
	r->status = status;
	if (!r->dispatched)
		r->early = 1;
	/* From now on the clock measures the client taking the answer (an
	 * early answer keeps the request's own deadline if it runs). */
	if (r->timer != NULL &&
	    (r->dispatched || !evtimer_pending(r->timer, NULL))) {
		r->progress_us = sp_monotonic_us();
		evtimer_add(r->timer, s->stream_tv);
	}
	s->st.responses[status / 100 <= 5 ? status / 100 : 0]++;
	return SP_OK;

invalid:
	free(body);
	req_reset(r, NGHTTP2_INTERNAL_ERROR);
	return SP_ERR_INVALID_ARGUMENT;
}

static int build_problem(const sp_http_req *r, int err, int status,
                         const char *detail, uint8_t **out, size_t *outlen)
{
	sp_problem p;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.status = status;
	p.detail = detail;
	p.request_id = r->id;
	*out = NULL;
	*outlen = 0;
	return sp_problem_build(&p, out, outlen);
}

void sp_node__req_reject(sp_http_req *r, int err, int status,
                         const char *detail)
{
	uint8_t *body = NULL;
	size_t len = 0;

	if (r->responded)
		return;
	if (build_problem(r, err, status, detail, &body, &len) != SP_OK) {
		free(body);
		body = NULL;
		len = 0;
	}
	/* Whatever arrived so far is of no use now. */
	free(r->body);
	r->body = NULL;
	r->body_len = r->body_cap = 0;
	sp_node__req_unhold(r, r->held_body, 0);
	(void)sp_node__req_submit(
	    r, status, body != NULL ? "application/problem+xml" : NULL, NULL, 0,
	    body, len);
}

int sp_http_respond_take(sp_http_req *req, int status, const char *content_type,
                         const sp_http_header *headers, size_t n_headers,
                         uint8_t *body, size_t len)
{
	sp_conn *c;
	int rc;

	if (req == NULL) {
		free(body);
		return SP_ERR_INVALID_ARGUMENT;
	}
	c = req->conn;
	c->refs++;
	rc = sp_node__req_submit(req, status, content_type, headers, n_headers,
	                         body, len);
	sp_node__req_release(req);
	sp_node__conn_flush(c);
	sp_node__conn_unref(c);
	return rc;
}

int sp_http_respond_ex(sp_http_req *req, int status, const char *content_type,
                       const sp_http_header *headers, size_t n_headers,
                       const void *body, size_t len)
{
	uint8_t *copy = NULL;

	if (len > 0) {
		if (body == NULL) {
			(void)sp_http_respond_take(req, 500, NULL, NULL, 0,
			                           NULL, 0);
			return SP_ERR_INVALID_ARGUMENT;
		}
		copy = malloc(len);
		if (copy == NULL) {
			(void)sp_http_respond_take(req, 503, NULL, NULL, 0,
			                           NULL, 0);
			return SP_ERR_NOMEM;
		}
		memcpy(copy, body, len);
	}
	return sp_http_respond_take(req, status, content_type, headers,
	                            n_headers, copy, len);
}

int sp_http_respond(sp_http_req *req, int status, const char *content_type,
                    const void *body, size_t len)
{
	return sp_http_respond_ex(req, status, content_type, NULL, 0, body,
	                          len);
}

int sp_http_respond_problem_ex(sp_http_req *req, int err, int status,
                               const char *detail,
                               const sp_http_header *headers, size_t n_headers)
{
	uint8_t *body = NULL;
	size_t len = 0;

	if (req == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	if (status == 0)
		status = sp_err_http_status(err);
	if (build_problem(req, err, status, detail, &body, &len) != SP_OK) {
		free(body);
		return sp_http_respond_take(req, status, NULL, headers,
		                            n_headers, NULL, 0);
	}
	return sp_http_respond_take(req, status, "application/problem+xml",
	                            headers, n_headers, body, len);
}

int sp_http_respond_problem(sp_http_req *req, int err, int status,
                            const char *detail)
{
	return sp_http_respond_problem_ex(req, err, status, detail, NULL, 0);
}
