/* client_int.h: internals of the HTTP/2 client shared by peers/client*.c:
 * the client, its connections and its requests. */
#ifndef SP_PEERS_CLIENT_INT_H
#define SP_PEERS_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "base.h"
#include "h2client.h"

/* Headers a client sends with every request: the node's list header and
 * its digest (SPEC [API-73], [FED-60]). */
#define SP_H2_EXTRA_MAX 2

struct event;
struct bufferevent;

typedef struct sp_h2_conn sp_h2_conn;
typedef struct sp_h2_req sp_h2_req;

/* Where a request is. */
enum sp_h2_req_where {
	SP_REQ_QUEUED = 1, /* in c->queue, waiting for a stream */
	SP_REQ_STREAM = 2, /* submitted on a connection */
	SP_REQ_DONE = 3,   /* in c->done, waiting for its callback */
};

struct sp_h2_req {
	sp_h2_client *c;
	sp_h2_req *prev, *next; /* in the list for `where` */
	enum sp_h2_req_where where;
	sp_h2_conn *conn; /* while SP_REQ_STREAM */
	int32_t stream_id;
	int retried;      /* already retried once after a refusal */
	int got_response; /* any response frame arrived */
	int info_block;   /* the header block being read is a 1xx one */
	int complete;     /* the final response ended with END_STREAM */
	struct event *timer;

	nghttp2_nv *nva; /* request header block, strings in `strs` */
	size_t nvlen;
	char *strs;
	uint8_t *body;
	size_t body_len;
	size_t body_off;

	sp_h2_response_cb cb;
	void *ud;

	/* response */
	int err;
	const char *why;
	int status;
	sp_h2_field *fields;
	size_t n_fields, cap_fields;
	size_t header_bytes;
	uint8_t *rbody;
	size_t rbody_len, rbody_cap;
};

typedef struct sp_h2_req_list {
	sp_h2_req *head, *tail;
	size_t n;
} sp_h2_req_list;

enum sp_h2_conn_state {
	SP_CONN_CONNECTING = 1, /* TCP and TLS */
	SP_CONN_SETTINGS = 2,   /* TLS done, waiting for the server SETTINGS */
	SP_CONN_READY = 3,      /* streams may start */
	SP_CONN_DRAINING = 4,   /* GOAWAY received: finishing its streams */
	SP_CONN_DEAD = 5,       /* closed, waiting to be freed */
};

struct sp_h2_conn {
	sp_h2_client *c;
	sp_h2_conn *next; /* in c->draining or c->dead */
	enum sp_h2_conn_state state;
	struct bufferevent *bev;
	SSL *ssl; /* owned by bev */
	nghttp2_session *h2;
	sp_h2_req_list reqs;    /* requests on this connection */
	int64_t last_read_ms;   /* monotonic, last bytes from the server */
	int answered;           /* a complete response arrived on it */
	int32_t goaway_last_id; /* -1 until GOAWAY */
	/* Verification outcome recorded by the verify callback. */
	int cert_failed;
	const char *cert_why;
	uint8_t *peer_der;
	size_t peer_der_len;
	/* Address list for the attempt. */
	struct addrinfo *ai, *ai_next;
};

struct sp_h2_client {
	struct event_base *base;
	/* configuration (owned copies) */
	char *host;
	uint16_t port;
	char *server_name;
	char *authority;
	int name_is_ip;
	uint8_t *pin;
	size_t pin_len;
	uint8_t *pin_next; /* a second accepted leaf, or NULL (SPEC TL-79) */
	size_t pin_next_len;
	int ctx_no_ca; /* no CA file: the pin alone is the check */
	uint32_t connect_timeout_ms, request_timeout_ms;
	size_t max_body, max_header_bytes, max_queued;
	uint32_t backoff_base_ms, backoff_cap_ms;
	SSL_CTX *ctx;

	sp_h2_conn *conn;        /* the connection new streams go to, or NULL */
	sp_h2_conn *draining;    /* after GOAWAY, finishing */
	sp_h2_conn *dead;        /* closed, freed by the work event */
	struct event *work;      /* deferred: deliver, connect, submit */
	struct event *reconnect; /* backoff timer */
	struct event *conn_timer; /* connect timeout for c->conn */
	int waiting_backoff;      /* reconnect timer armed */

	sp_h2_req_list queue; /* waiting for a stream */
	sp_h2_req_list done;  /* waiting for their callback */

	int delivering; /* inside a callback delivery */
	int freeing;    /* sp_h2_client_free() was called */

	uint8_t *peer_der;
	size_t peer_der_len;

	/* sent with every request (sp_h2_client_set_header()), one per name;
	 * NULL: none */
	char *extra_name[SP_H2_EXTRA_MAX], *extra_value[SP_H2_EXTRA_MAX];

	sp_h2_client_state st;
	int64_t next_reconnect_mono_ms;
};

/* ---------------------------------------------------------------- client.c */

/* Ask the work event to run (deliver callbacks, connect, submit). */
void sp_peers__kick(sp_h2_client *c);
/* Finish a request with err (SP_OK: the response it holds) and move it to
 * the done list. Detaches it from its connection or queue first. */
void sp_peers__req_finish(sp_h2_req *r, int err, const char *why);
/* Put a refused request back at the head of the queue (once). */
void sp_peers__req_requeue(sp_h2_req *r);
void sp_peers__list_remove(sp_h2_req_list *l, sp_h2_req *r);
void sp_peers__list_append(sp_h2_req_list *l, sp_h2_req *r);
/* A connection attempt failed (before it became ready). */
void sp_peers__conn_failed(sp_h2_conn *k, int err, const char *why);
/* A connection became ready. */
void sp_peers__conn_ready(sp_h2_conn *k);
/* A connection is over (closed, lost, or drained); its streams end. */
void sp_peers__conn_closed(sp_h2_conn *k, int err, const char *why);
/* The connection received GOAWAY. */
void sp_peers__conn_goaway(sp_h2_conn *k);

/* ---------------------------------------------------------------- client_tls.c
 */

/* Build the client TLS context from cfg. */
int sp_peers__tls_ctx_new(const sp_h2_client_config *cfg, SSL_CTX **out,
                          const char **why);
/* A fresh SSL for one connection: SNI, name check unless pinned, app data
 * k (for the verify callback). */
SSL *sp_peers__tls_new(sp_h2_client *c, sp_h2_conn *k, const char **why);
/* After the handshake: ALPN h2 and the pin (again); keeps the peer DER in k.
 * Returns SP_OK, SP_ERR_UNAVAILABLE or SP_ERR_CERT_INVALID. */
int sp_peers__tls_check(sp_h2_conn *k, const char **why);
/* Classify a failed connection attempt (sock_err: the socket errno seen
 * by the event callback): SP_ERR_CERT_INVALID when verification failed,
 * else SP_ERR_UNAVAILABLE, with a static reason. */
int sp_peers__tls_failure(sp_h2_conn *k, int sock_err, const char **why);
/* True if s is an IPv4 or IPv6 literal. */
int sp_peers__is_ip(const char *s);

/* ---------------------------------------------------------------- client_h2.c
 */

/* Start connecting c->conn (already allocated, state CONNECTING). */
int sp_peers__conn_start(sp_h2_conn *k, const char **why);
/* Submit queued requests while the server allows more streams, then send. */
void sp_peers__conn_pump(sp_h2_conn *k);
/* Cancel one request's stream (timeout): RST_STREAM CANCEL. */
void sp_peers__conn_cancel(sp_h2_conn *k, sp_h2_req *r);
/* Free a connection (not from inside its nghttp2 callbacks). */
void sp_peers__conn_free(sp_h2_conn *k);

/* ----------------------------------------------------------------
 * client_fetch.c */

void sp_peers__fields_free(sp_h2_field *f, size_t n);

#endif /* SP_PEERS_CLIENT_INT_H */
