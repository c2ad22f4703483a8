/* http.h: the node's HTTP/2 server (nghttp2 over TLS on libevent):
 * configuration, limits, the request object, responses, stats, shutdown.
 *
 * Threading: every function here runs on the event-loop thread of the
 * server's event_base (a pool job's done_fn runs there too), except
 * sp_server_config_default() and sp_server_tls_ctx_new(), which may run
 * anywhere. */
#ifndef SP_NODE_SERVER_INT_H
#define SP_NODE_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct ssl_ctx_st;

typedef struct sp_server sp_server;
typedef struct sp_http_req sp_http_req;

/* ---------------------------------------------------------------- config */

typedef struct sp_server_limits {
	uint32_t max_concurrent_streams; /* SETTINGS_MAX_CONCURRENT_STREAMS,
	                                    default 100 */
	size_t max_header_list_bytes; /* name + value + 32 per field, default 16
	                                 KiB */
	size_t max_headers;           /* fields per request, default 100 */
	size_t max_body_bytes;        /* request body, default 1 MiB */
	size_t max_connections;       /* open connections, default 1024 */
	/* Anonymous share (SPEC [SEC-21]): connections without an
	 * authenticated client certificate (and those still in the TLS
	 * handshake) together hold at most this many slots, default 256 ... */
	size_t max_anon_connections;
	size_t conn_buffered_bytes; /* per connection: bodies + responses held,
	                               default 8 MiB */
	size_t global_buffered_bytes; /* all connections, default 256 MiB */
	/* ... and at most this many held bytes, default 64 MiB. Each is capped
	 * at its total; what is left is kept for members and operators. */
	size_t anon_buffered_bytes;
	uint32_t
	    initial_window; /* stream flow-control window, default 256 KiB */
	uint32_t handshake_timeout_ms; /* TLS handshake, default 10 s */
	uint32_t idle_timeout_ms; /* connection without progress on any stream,
	                             default 60 s */
	uint32_t stream_timeout_ms; /* request must complete; answer without
	                               progress; default 15 s */
	uint32_t
	    shutdown_timeout_ms; /* graceful shutdown bound, default 10 s */
	uint64_t reset_burst;    /* rapid-reset limit: burst, default 1000 */
	uint64_t reset_rate;     /* rapid-reset limit: per second, default 33 */
	size_t max_continuations; /* CONTINUATION frames per header block,
	                             default 8 */
} sp_server_limits;

/* What the access-log hook receives after each response. Strings are only
 * valid during the call; path is the raw path without the query. */
typedef struct sp_access_entry {
	const char *request_id;
	const char *method;
	const char *path;
	int status;     /* 0: the peer went away before a response */
	uint64_t bytes; /* response body bytes handed to TLS */
	uint64_t
	    duration_us;    /* from the first HEADERS frame to the last byte */
	const char *remote; /* "ip:port" */
	int client_cert;    /* 1 if the connection presented a certificate */
	const uint8_t *client_der; /* its DER (NULL: none), for naming the */
	size_t client_der_len;     /* caller in the log */
} sp_access_entry;

/* The request handler. It receives one reference to req and must give it
 * back exactly once: by one sp_http_respond*() call, now or later on the
 * loop thread, or by sp_http_req_unref() (the server then resets the
 * stream). */
typedef void (*sp_http_handler)(sp_http_req *req, void *arg);
typedef void (*sp_access_log_fn)(const sp_access_entry *e, void *arg);
/* Does this client certificate (DER, verified in the handshake) belong to
 * a party that is not anonymous (an active member, an operator)? 1 or 0.
 * Called on the loop thread at the end of each handshake and by
 * sp_server_recheck(). */
typedef int (*sp_http_auth_fn)(const uint8_t *der, size_t len, void *arg);

typedef struct sp_server_config {
	const char *host; /* listen address, default "127.0.0.1"; "::" etc. */
	uint16_t port;    /* 0: ephemeral, see sp_server_port() */
	const char *cert_file; /* PEM chain, leaf first */
	const char *key_file;  /* PEM private key */
	/* CA files (PEM, one or more certificates each) whose chains a client
	 * certificate must lead to. NULL-terminated; NULL or empty: client
	 * certificates are neither requested nor accepted. */
	const char *const *client_ca_files;
	int allow_tls12; /* 0 (default): TLS 1.3 only */
	sp_server_limits limits;
	sp_http_handler handler;
	void *handler_arg;
	sp_access_log_fn access_log; /* may be NULL */
	void *access_log_arg;
	/* NULL: every verified client certificate counts as authenticated. */
	sp_http_auth_fn authenticated;
	void *auth_arg;
} sp_server_config;

/* Defaults for everything; handler, files and port left empty. */
void sp_server_config_default(sp_server_config *cfg);

/* ---------------------------------------------------------------- server */

/* Build a TLS context by the config (TLS 1.3 minimum, or TLS 1.2 with ECDHE
 * AEAD suites only when allow_tls12; ALPN "h2" only; client certificates
 * verified against client_ca_files, optional). *out has one reference, free
 * with SSL_CTX_free(). Errors: SP_ERR_INVALID_ARGUMENT, SP_ERR_IO (a file
 * could not be read), SP_ERR_CERT_INVALID (key and certificate differ),
 * SP_ERR_NOMEM, SP_ERR_INTERNAL; *why says which. */
int sp_server_tls_ctx_new(const sp_server_config *cfg, struct ssl_ctx_st **out,
                          const char **why);

/* Bind, listen and start accepting on `base`. The config's strings are
 * used during the call only; the handler and log pointers are kept. Sets
 * SIGPIPE to ignored if it is at its default (TLS writes to a departed
 * peer would otherwise end the process).
 * Errors: those of sp_server_tls_ctx_new(), SP_ERR_IO (bind/listen failed),
 * SP_ERR_NOMEM. */
int sp_server_new(struct event_base *base, const sp_server_config *cfg,
                  sp_server **out, const char **why);

/* The bound port (useful with port 0). */
uint16_t sp_server_port(const sp_server *s);

/* Replace the TLS context for new connections (SIGHUP reload); existing
 * connections keep theirs. Takes a new reference on ctx (the caller keeps
 * its own). ctx must come from sp_server_tls_ctx_new(). */
void sp_server_set_tls(sp_server *s, struct ssl_ctx_st *ctx);

typedef struct sp_server_stats {
	uint64_t conns_open;
	uint64_t conns_accepted;
	uint64_t conns_refused_limit; /* over max_connections */
	uint64_t handshakes_failed;   /* TLS or ALPN refused */
	uint64_t streams_open;
	uint64_t streams_total;
	uint64_t requests; /* dispatched to the handler */
	uint64_t
	    responses[6]; /* by status class: [1]=1xx .. [5]=5xx, [0] other */
	uint64_t responses_dropped; /* the stream was gone when the handler
	                               answered */
	uint64_t bytes_in;          /* TLS plaintext received */
	uint64_t bytes_out;         /* TLS plaintext sent */
	uint64_t dropped_flood;     /* connections dropped for protocol floods /
	                               errors */
	uint64_t
	    dropped_timeout; /* handshake, idle, stream and write timeouts */
	uint64_t dropped_limits; /* 413, 431, 503 for buffered bytes */
	uint64_t buffered_bytes; /* request bodies and responses held now */
	uint64_t conns_anon;     /* open connections in the anonymous share */
	uint64_t buffered_anon;  /* bytes of buffered_bytes held for them */
	uint64_t conns_evicted;  /* anonymous connections closed to make room */
	uint64_t conns_revoked;  /* closed by sp_server_recheck() */
} sp_server_stats;

/* Ask the authentication callback again about every authenticated
 * connection (after a trust-list or operator change) and close those it
 * no longer accepts (GOAWAY, then closed at once). Returns how many were
 * closed. SPEC [SEC-24]. */
size_t sp_server_recheck(sp_server *s);

void sp_server_get_stats(const sp_server *s, sp_server_stats *out);

/* Graceful shutdown: stop accepting, send GOAWAY to every connection, let
 * the streams in flight finish, close connections as they go quiet; after
 * shutdown_timeout_ms close whatever is left. done(arg) is then called once,
 * from the loop (never from inside this call). Calling it twice is a no-op. */
void sp_server_shutdown(sp_server *s, void (*done)(void *arg), void *arg);

/* Close everything now and free. Requests still held by handlers stay valid
 * until they are answered or unreferenced; their responses are dropped and
 * no callback is called any more. Sockets, TLS state and events are freed
 * at once (a connection's own small object lives on while a handler holds
 * one of its requests); running the loop once more (EVLOOP_NONBLOCK)
 * before event_base_free() is harmless. NULL is a no-op. */
void sp_server_free(sp_server *s);

/* ---------------------------------------------------------------- request */

/* Strings below are NUL-terminated copies owned by req, valid while the
 * caller holds a reference. */
const char *sp_http_req_method(const sp_http_req *req);
/* The raw :path up to (not including) '?'; not percent-decoded. */
const char *sp_http_req_path(const sp_http_req *req);
/* The raw query after '?', "" if none. */
const char *sp_http_req_query(const sp_http_req *req);
/* First value of a request header; name in lower case. NULL if absent.
 * *len (if not NULL) gets the value length. */
const char *sp_http_req_header(const sp_http_req *req, const char *name,
                               size_t *len);

#define SP_HTTP_QUERY_VALUE_MAX 2048u

/* The first query parameter named `name` (compared after decoding),
 * percent-decoded ('+' is a space) into buf with a NUL; *len (if not NULL)
 * gets its length. Errors: SP_ERR_NOT_FOUND, SP_ERR_TOO_LARGE (does not fit
 * bufsize or SP_HTTP_QUERY_VALUE_MAX), SP_ERR_BAD_REQUEST (a bad %-escape or
 * a decoded NUL in the value), SP_ERR_INVALID_ARGUMENT. */
int sp_http_req_query_param(const sp_http_req *req, const char *name, char *buf,
                            size_t bufsize, size_t *len);
/* The same on a raw query string (the part after '?', NUL-terminated). */
int sp_node__query_param(const char *query, const char *name, char *buf,
                         size_t bufsize, size_t *len);

/* The request body (possibly empty, never NULL). */
const uint8_t *sp_http_req_body(const sp_http_req *req, size_t *len);
/* The client certificate's DER, or NULL if none was presented. It verified
 * against client_ca_files in the handshake; membership is the caller's
 * business. */
const uint8_t *sp_http_req_client_cert(const sp_http_req *req, size_t *len);
/* "ip:port" of the peer. */
const char *sp_http_req_remote(const sp_http_req *req);
/* 16 lowercase hex characters, random; sent as x-request-id. */
const char *sp_http_req_id(const sp_http_req *req);
/* Start of the request: wall clock (seconds) and monotonic microseconds. */
int64_t sp_http_req_start_time(const sp_http_req *req);
uint64_t sp_http_req_start_us(const sp_http_req *req);
/* 1 while the stream can still take a response. */
int sp_http_req_alive(const sp_http_req *req);

sp_http_req *sp_http_req_ref(sp_http_req *req);
/* Give back a reference. If it is the handler's reference and no response
 * was sent, the stream is reset (INTERNAL_ERROR). */
void sp_http_req_unref(sp_http_req *req);

/* ---------------------------------------------------------------- responses */

typedef struct sp_http_header {
	const char
	    *name; /* lower case; not a pseudo-header, not content-length */
	const char *value;
} sp_http_header;

/* Answer a request. These consume the handler's reference to req (do not
 * use req afterwards unless you hold another reference). The body is
 * COPIED; content-length and x-request-id are always added. content_type
 * may be NULL for an empty body. If the stream or connection has gone away
 * the response is dropped and SP_ERR_UNAVAILABLE returned. Every call, even
 * a failing one, gives back one reference. A second response to the same
 * request (by a caller holding an extra reference) is refused with
 * SP_ERR_INVALID_ARGUMENT. status must be 200..599. Other errors:
 * SP_ERR_INVALID_ARGUMENT (a bad status or header), SP_ERR_NOMEM,
 * SP_ERR_INTERNAL; on these the stream is reset. */
int sp_http_respond(sp_http_req *req, int status, const char *content_type,
                    const void *body, size_t len);
int sp_http_respond_ex(sp_http_req *req, int status, const char *content_type,
                       const sp_http_header *headers, size_t n_headers,
                       const void *body, size_t len);
/* As sp_http_respond_ex() but takes ownership of a malloc'd body, which is
 * freed in every case (even on error). */
int sp_http_respond_take(sp_http_req *req, int status, const char *content_type,
                         const sp_http_header *headers, size_t n_headers,
                         uint8_t *body, size_t len);
/* An application/problem+xml answer for err (status 0: the error's own). */
int sp_http_respond_problem(sp_http_req *req, int err, int status,
                            const char *detail);
/* The same with extra headers (e.g. allow on a 405). */
int sp_http_respond_problem_ex(sp_http_req *req, int err, int status,
                               const char *detail,
                               const sp_http_header *headers, size_t n_headers);

#ifdef __cplusplus
}
#endif
#endif /* SP_NODE_SERVER_INT_H */
