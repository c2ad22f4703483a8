/* h2client.h: the HTTP/2 client over mutual TLS that every outgoing
 * exchange with another node uses. */
#ifndef SP_H2CLIENT_H
#define SP_H2CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/* ================================================================ HTTP/2
 * client
 *
 * One sp_h2_client talks to one peer (host, port) over one TLS connection
 * (ALPN "h2") that carries many concurrent streams. It connects on demand,
 * queues requests beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS, and
 * after a failure reconnects with exponential backoff and full jitter.
 *
 * Threading: a client belongs to the thread that runs its event_base; every
 * function on it (and every callback) runs there. Different clients on
 * different bases may run in different threads. No global state. */

typedef struct sp_h2_client sp_h2_client;

/* A request header. Names are sent in lower case; pseudo-headers and the
 * connection-specific headers (connection, host, keep-alive,
 * proxy-connection, transfer-encoding, upgrade, te, content-length) are
 * refused: the client sets what it needs itself. */
typedef struct sp_h2_header {
	const char *name;
	const char *value;
} sp_h2_header;

/* A received header field. Both strings are NUL-terminated copies; the
 * lengths exclude the NUL. */
typedef struct sp_h2_field {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
} sp_h2_field;

#define SP_H2_DEFAULT_PORT               443
#define SP_H2_DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define SP_H2_DEFAULT_REQUEST_TIMEOUT_MS 30000u
#define SP_H2_DEFAULT_MAX_BODY           ((size_t)16 << 20)
#define SP_H2_DEFAULT_MAX_HEADER_BYTES   ((size_t)64 << 10)
#define SP_H2_DEFAULT_BACKOFF_BASE_MS    250u
#define SP_H2_DEFAULT_BACKOFF_CAP_MS     60000u
#define SP_H2_DEFAULT_MAX_QUEUED         10000u
#define SP_H2_MAX_REQUEST_BODY           ((size_t)64 << 20)

/* Client configuration. Zero numeric fields mean the default. Strings and
 * the pinned certificate are copied by sp_h2_client_new(). */
typedef struct sp_h2_client_config {
	const char *host; /* DNS name or IP literal to connect to (required) */
	uint16_t port;    /* 0: 443 */
	/* Client certificate chain (PEM, leaf first) and its private key
	 * (PEM). Both NULL: no client certificate. */
	const char *cert_file;
	const char *key_file;
	/* PEM files of CA certificates the server chain must lead to,
	 * NULL-terminated. May be NULL only when a pin is set (the pin is then
	 * the whole check). */
	const char *const *ca_files;
	/* When set, the server's leaf certificate must be byte-identical to
	 * this DER certificate (the peer's trust-list entry), in addition to
	 * the chain check. The host name is then not checked. */
	const uint8_t *pinned_cert_der;
	size_t pinned_cert_der_len;
	/* A second certificate the leaf may be instead, during a rotation
	 * (the peer's NextTlsCertificate, SPEC [TL-79]); only with a pin. */
	const uint8_t *pinned_next_cert_der;
	size_t pinned_next_cert_der_len;
	/* SNI and the name verified in the server certificate (DNS or IP
	 * SAN). NULL: host. SNI is not sent for an IP literal. */
	const char *server_name;
	int allow_tls12; /* 0 (default): TLS 1.3 only */
	uint32_t
	    connect_timeout_ms; /* TCP + TLS + server SETTINGS, default 10 s */
	uint32_t request_timeout_ms;      /* from sp_h2_client_request() to the
	                                     last body byte, default 30 s */
	size_t max_response_body;         /* default 16 MiB */
	size_t max_response_header_bytes; /* name + value + 32 per field,
	                                     default 64 KiB */
	uint32_t backoff_base_ms;         /* default 250 ms */
	uint32_t backoff_cap_ms;          /* default 60 s */
	size_t max_queued; /* requests waiting for a stream, default 10000 */
} sp_h2_client_config;

/* Fill every field with its default (host NULL, no files). */
void sp_h2_client_config_default(sp_h2_client_config *cfg);

/* What a request's callback receives. Everything in it (and the
 * sp_h2_response_*() results) is valid only during the callback.
 *
 * err is SP_OK when a complete response arrived (any HTTP status), or the
 * transport failure:
 *   SP_ERR_UNAVAILABLE   connect or TLS handshake failed, ALPN was not h2,
 *                        the request timed out, the client was freed, or
 *                        the queue was full
 *   SP_ERR_CERT_INVALID  the server certificate failed the chain, name or
 *                        pin check
 *   SP_ERR_TOO_LARGE     the response body or header list went over the cap
 *   SP_ERR_IO            the stream was reset or the connection lost
 *                        after the request may have reached the server
 *   SP_ERR_NOMEM
 * why is a short static reason when err != SP_OK, else NULL. */
typedef struct sp_h2_response {
	int err;
	const char *why;
	int status; /* HTTP status (200..599), 0 when err != SP_OK */
	const sp_h2_field *headers;
	size_t n_headers;
	const uint8_t
	    *body; /* never NULL when err == SP_OK; NUL after body_len */
	size_t body_len;
} sp_h2_response;

/* The first response header named `name` (compared case-insensitively), or
 * NULL. *len (may be NULL) gets the value length. */
const char *sp_h2_response_header(const sp_h2_response *resp, const char *name,
                                  size_t *len);

typedef void (*sp_h2_response_cb)(void *ud, const sp_h2_response *resp);

/* Make a client on `base`. Reads the certificate, key and CA files now;
 * does not connect yet (the first request does). Errors:
 * SP_ERR_INVALID_ARGUMENT (no host, no CA and no pin, bad sizes),
 * SP_ERR_IO (a file cannot be read), SP_ERR_CERT_INVALID (the key does not
 * match the certificate, the pin is not a certificate), SP_ERR_NOMEM,
 * SP_ERR_INTERNAL. *why (may be NULL) gets a static reason. */
int sp_h2_client_new(struct event_base *base, const sp_h2_client_config *cfg,
                     sp_h2_client **out, const char **why);

/* Close the connection and free the client. Every request not answered yet
 * gets its callback, once, with SP_ERR_UNAVAILABLE, before this returns
 * (or, when called from inside a callback, before the outermost callback
 * delivery returns). NULL is a no-op. */
void sp_h2_client_free(sp_h2_client *c);

/* Queue a request. path includes the query ("/v1/logs/CN-ZZ/entries?start=0").
 * Headers and body are copied. On SP_OK, cb(ud, resp) will be called
 * exactly once, later, from the event loop (never from inside this call).
 * On error cb is never called. Errors: SP_ERR_INVALID_ARGUMENT (bad method,
 * path or header, body over SP_H2_MAX_REQUEST_BODY), SP_ERR_NOMEM. */
int sp_h2_client_request(sp_h2_client *c, const char *method, const char *path,
                         const sp_h2_header *headers, size_t n_headers,
                         const void *body, size_t body_len,
                         sp_h2_response_cb cb, void *ud);
/* A header sent with every later request of this client, after the
 * request's own (a node's silkport-trust-list and its digest, SPEC
 * [API-73], [FED-60]); replaces the earlier value of that name. At most
 * two names. Copies both. Errors: SP_ERR_INVALID_ARGUMENT (a name or value
 * a request could not carry, a third name), SP_ERR_NOMEM. */
int sp_h2_client_set_header(sp_h2_client *c, const char *name,
                            const char *value);

/* Connection state for status pages and metrics. Times are wall clock,
 * milliseconds since the Unix epoch, 0 for "never" / "none". */
typedef struct sp_h2_client_state {
	int connected;           /* a connection is up and ready for streams */
	int64_t last_success_ms; /* last connection established */
	int64_t last_failure_ms; /* last connection attempt that failed */
	unsigned consecutive_failures; /* since the last success */
	int64_t next_reconnect_ms; /* earliest next attempt, 0 if not waiting */
	uint32_t backoff_delay_ms; /* the delay drawn after the last failure */
	uint32_t
	    backoff_ceiling_ms; /* its upper bound: min(cap, base * 2^(n-1)) */
	int last_error;       /* sp_err of the last failed attempt, or SP_OK */
	const char *last_why; /* its static reason, or NULL */
	size_t streams_open;  /* requests on the wire now */
	size_t queued;        /* requests waiting for a stream */
	uint64_t connects;    /* connections established */
	uint64_t requests;    /* requests accepted */
	uint64_t responses;   /* complete responses */
	uint64_t failures;    /* requests that ended with an error */
	uint64_t retried; /* requests retried after GOAWAY / REFUSED_STREAM */
} sp_h2_client_state;

void sp_h2_client_get_state(const sp_h2_client *c, sp_h2_client_state *out);

/* DER of the leaf certificate the server presented on the last connection
 * that passed verification, or NULL. Owned by c, valid until the next
 * connection is established or the client is freed. */
const uint8_t *sp_h2_client_peer_cert(const sp_h2_client *c, size_t *len);

/* ---------------------------------------------------------------- blocking */

/* The result of sp_h2_fetch(). Everything is owned by the result. */
typedef struct sp_h2_result {
	int status;
	sp_h2_field *headers;
	size_t n_headers;
	uint8_t *body; /* NUL after body_len; never NULL on success */
	size_t body_len;
	uint8_t *peer_cert_der; /* the server's leaf certificate */
	size_t peer_cert_der_len;
} sp_h2_result;

/* One request on a private event loop and connection, for command-line
 * tools and tests: connects, sends, waits for the whole response (bounded
 * by cfg's connect and request timeouts), closes. Thread-safe. *out is
 * zeroed first; on SP_OK it holds the response (any HTTP status), free it
 * with sp_h2_result_free(). Errors: those of sp_h2_client_new(),
 * sp_h2_client_request() and the response's err; *why (may be NULL) gets
 * a static reason. */
int sp_h2_fetch(const sp_h2_client_config *cfg, const char *method,
                const char *path, const sp_h2_header *headers, size_t n_headers,
                const void *body, size_t body_len, sp_h2_result *out,
                const char **why);
/* The first header named `name` (case-insensitive), or NULL. */
const char *sp_h2_result_header(const sp_h2_result *r, const char *name,
                                size_t *len);
/* Free what the result holds and zero it. NULL is a no-op. */
void sp_h2_result_free(sp_h2_result *r);

#ifdef __cplusplus
}
#endif
#endif /* SP_H2CLIENT_H */
