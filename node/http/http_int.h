/* http_int.h: the HTTP/2 server's private structures, shared by
 * node/server*.c only (the public side is http.h). */
#ifndef SP_NODE_SERVER_CONN_INT_H
#define SP_NODE_SERVER_CONN_INT_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "http.h"
#include "base.h"

struct event;
struct evconnlistener;

/* Bytes of TLS output a connection may queue before nghttp2 is told to
 * wait (the write callback resumes it). */
#define SP_SRV_OUT_HIGH_WATER ((size_t)256 * 1024)
#define SP_SRV_REMOTE_MAX     64
/* Body bytes that count as progress for the stream and connection clocks
 * (or a finished answer): a client that takes its answers a few bytes at a
 * time (a window opened by one byte a second) makes none (SPEC [SEC-22]). */
#define SP_SRV_PROGRESS_BYTES ((size_t)1024)

typedef struct sp_conn sp_conn;

typedef struct sp_hdr {
	char *name;  /* NUL-terminated, lower case (HTTP/2 requires it) */
	char *value; /* NUL-terminated, in name's allocation */
	size_t value_len;
} sp_hdr;

struct sp_http_req {
	int refs;
	sp_conn *conn;            /* holds a connection reference */
	sp_http_req *prev, *next; /* in conn->reqs while the stream is open */
	int32_t stream_id;
	unsigned stream_open : 1; /* nghttp2 still has the stream */
	unsigned headers_done : 1;
	unsigned dispatched : 1; /* handed to the handler */
	unsigned responded : 1;  /* a response was submitted (or dropped) */
	unsigned early : 1;      /* answered before the request ended */
	unsigned
	    lingering : 1; /* early answer out, waiting for the request's end */
	unsigned hdr_overflow : 1;
	unsigned logged : 1;
	/* Until dispatch: the request must complete in stream_timeout. After
	 * the answer: reset when no byte moved for stream_timeout. */
	struct event *timer;
	uint64_t progress_us; /* last progress on the stream */
	size_t moved;         /* body bytes since then */

	char *method, *path, *query; /* query: in path's allocation */
	char method_inline[16];      /* method, unless longer */
	sp_hdr *hdrs; /* hdrs_inline until more arrive than it holds */
	size_t n_hdrs, cap_hdrs;
	sp_hdr hdrs_inline[8]; /* a request has a few regular headers */
	size_t hdr_bytes, hdr_count;

	uint8_t *body;
	size_t body_len, body_cap;

	char id[17];
	int64_t start_wall;
	uint64_t start_us;

	int status;
	uint8_t *resp;
	size_t resp_len, resp_off;
	uint64_t bytes_sent;

	size_t held_body; /* accounted in conn->buffered and the server's */
	size_t held_resp;
};

struct sp_conn {
	int refs; /* 1 while open, plus one per request object alive */
	sp_server *srv;
	sp_conn *prev, *next; /* in srv->conns while open */
	int fd;               /* the socket, -1 once closed */
	SSL *ssl;
	struct event *rev; /* EV_READ, added unless reads are paused */
	struct event *wev; /* EV_WRITE, added only while the socket is full */
	/* TLS plaintext nghttp2 produced and SSL_write has not taken yet:
	 * out[out_off..out_len) */
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	nghttp2_session *h2;
	struct event *timer; /* handshake timeout, then idle timeout */
	unsigned closed : 1;
	unsigned handshake_done : 1;
	unsigned in_recv : 1;
	unsigned in_send : 1;
	unsigned want_flush : 1;
	unsigned close_after_flush : 1;
	unsigned goaway_sent : 1;
	unsigned anon : 1; /* in the anonymous share (handshaking or no auth) */
	unsigned stalled : 1;          /* closing for want of progress */
	unsigned reading : 1;          /* rev is added */
	unsigned writing : 1;          /* wev is added */
	unsigned write_wants_read : 1; /* SSL_write said WANT_READ */
	unsigned read_wants_write : 1; /* SSL_read said WANT_WRITE */
	uint64_t progress_us;          /* last stream progress (idle_timeout) */
	size_t moved;                  /* body bytes since then, all streams */
	uint8_t *peer_der;
	size_t peer_der_len;
	char remote[SP_SRV_REMOTE_MAX];
	sp_http_req *reqs;
	size_t n_streams;
	size_t buffered; /* request bodies, answers and TLS output held */
	size_t out_held; /* TLS output counted in buffered */
	/* Our own rapid-reset bucket, tighter than nghttp2's backstop, so that
	 * an abusive client gets GOAWAY ENHANCE_YOUR_CALM (SPEC SEC-11). */
	double reset_tokens;
	uint64_t reset_last_us;
};

struct sp_server {
	int refs; /* 1 for the owner, plus one per connection object alive */
	/* Request ids: a random key mixed with a counter (distinct ids
	 * without a random-number call per request). */
	uint64_t id_key, id_next;
	struct event_base *base;
	struct evconnlistener *listener;
	SSL_CTX *ctx;
	sp_server_limits lim;
	/* stream_timeout_ms as libevent's common timeout of the base: every
	 * stream's deadline is the same length, so arming and disarming one is
	 * a queue operation instead of a heap one (two per request) */
	const struct timeval *stream_tv;
	struct timeval stream_tv_plain;
	sp_http_handler handler;
	void *handler_arg;
	sp_access_log_fn access_log;
	void *access_log_arg;
	sp_http_auth_fn authenticated;
	void *auth_arg;
	uint16_t port;
	sp_conn *conns;
	sp_server_stats st;
	unsigned freed : 1;
	unsigned shutting_down : 1;
	unsigned done_called : 1;
	struct event *shutdown_timer;
	struct event *done_ev;
	void (*done)(void *arg);
	void *done_arg;
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
};

void sp_node__conn_close(sp_conn *c);
void sp_node__conn_unref(sp_conn *c);
/* May c hold n more bytes (per connection, all connections, and the
 * anonymous share if c is in it)? SPEC [SEC-21]. */
int sp_node__conn_may_hold(const sp_conn *c, size_t n);
/* Count the connection's queued TLS output in its budget (after writes
 * are queued or taken). */
void sp_node__conn_account_out(sp_conn *c);
/* Body bytes moved on a stream (done: its answer finished): restart its
 * clock and the connection's once SP_SRV_PROGRESS_BYTES have moved. */
void sp_node__req_progress(sp_http_req *r, size_t bytes, int done);

/* server_h2.c */
int sp_node__h2_setup(sp_server *s);
int sp_node__h2_start(sp_conn *c);
/* Send what nghttp2 has queued; closes the connection when it is done or
 * broken. Deferred while nghttp2 is calling back into this connection. */
void sp_node__conn_flush(sp_conn *c);
/* Start the graceful end of one connection (GOAWAY). */
void sp_node__conn_goaway(sp_conn *c);
int sp_node__conn_recv(sp_conn *c, const uint8_t *data, size_t len);

/* server_req.c */
sp_http_req *sp_node__req_new(sp_conn *c, int32_t stream_id);
void sp_node__req_release(sp_http_req *r);
/* Submit a response; body ownership is taken. Does not touch references. */
int sp_node__req_submit(sp_http_req *r, int status, const char *ctype,
                        const sp_http_header *extra, size_t n_extra,
                        uint8_t *body, size_t len);
/* An early problem answer from the server itself (413, 431, 408, 503...). */
void sp_node__req_reject(sp_http_req *r, int err, int status,
                         const char *detail);
/* Account bytes held in memory by a request (body or response). */
void sp_node__req_hold(sp_http_req *r, size_t n, int resp);
void sp_node__req_unhold(sp_http_req *r, size_t n, int resp);
/* The stream went away: unlink, stop its timer, log, drop the stream's
 * reference. */
void sp_node__req_detach(sp_http_req *r);
void sp_node__req_dispatch(sp_http_req *r);
/* After an early answer: reset the stream if the client has not ended its
 * request within a short grace. */
void sp_node__req_linger(sp_http_req *r);
void sp_node__req_log(sp_http_req *r);

/* The handshake finished: check ALPN and the client certificate, start
 * HTTP/2 (server.c). */
void sp_node__conn_handshake_done(sp_conn *c);

/* server_io.c: the connection's socket and TLS */
/* Take the accepted socket and the SSL (freed by sp_node__io_close from
 * then on) and wait for the ClientHello. */
int sp_node__io_start(sp_conn *c, int fd, SSL *ssl);
void sp_node__io_close(sp_conn *c);
/* Output queued and not yet taken by SSL_write. */
size_t sp_node__io_pending(const sp_conn *c);
/* Queue nghttp2's output (copied). */
int sp_node__io_queue(sp_conn *c, const uint8_t *data, size_t len);
/* SSL_write what is queued until done or the socket is full; -1 when the
 * connection failed (it is then closed). */
int sp_node__io_write(sp_conn *c);

/* server_tls.c */
int sp_node__tls_alpn_ok(SSL *ssl);

#endif /* SP_NODE_SERVER_CONN_INT_H */
