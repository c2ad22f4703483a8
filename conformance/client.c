/* client.c: the suite's own HTTP/2 client: an nghttp2 client session over a
 * non-blocking OpenSSL socket driven by poll(), with the TLS knobs the
 * transport assertions need. */
#include "conf_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CF_WBUF_MAX ((size_t)1 << 20)
#define CF_WINDOW   (1 << 24)

struct cf_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	nghttp2_session *h2;
	char alpn[32];
	char version[16];
	char cipher[64];
	uint8_t *peer_der;
	size_t peer_der_len;
	int cert_requested;
	X509 *id_cert;
	EVP_PKEY *id_key;
	int dead;
	int goaway;
	uint32_t goaway_code;
	uint32_t max_early;
	uint8_t *wbuf;
	size_t wlen, wcap;
};

double cf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void set_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char lib[200];

	if (err == NULL || errlen == 0)
		return;
	if (e != 0) {
		ERR_error_string_n(e, lib, sizeof(lib));
		snprintf(err, errlen, "%s: %s", what, lib);
	} else {
		snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
}

static int wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = ev;
	p.revents = 0;
	do
		r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
	while (r < 0 && errno == EINTR);
	return r;
}

static int tcp_connect(const char *host, uint16_t port, unsigned timeout_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	char ps[8];
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof(ps), "%u", (unsigned)port);
	if (getaddrinfo(host, ps, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family,
		            ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS &&
		    wait_fd(fd, POLLOUT, (int)timeout_ms) > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The server asked for a certificate: note it, and offer ours if any. */
static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	cf_conn *c = SSL_get_app_data(ssl);

	c->cert_requested = 1;
	if (c->id_cert == NULL || c->id_key == NULL)
		return 0;
	if (X509_up_ref(c->id_cert) != 1)
		return 0;
	if (EVP_PKEY_up_ref(c->id_key) != 1) {
		X509_free(c->id_cert);
		return 0;
	}
	*x509 = c->id_cert;
	*pkey = c->id_key;
	return 1;
}

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	cf_conn *c = SSL_get_app_data(ssl);
	uint32_t m = SSL_SESSION_get_max_early_data(sess);

	if (m > c->max_early)
		c->max_early = m;
	return 0; /* not kept */
}

void cf_close(cf_conn *c)
{
	if (c == NULL)
		return;
	nghttp2_session_del(c->h2);
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	X509_free(c->id_cert);
	EVP_PKEY_free(c->id_key);
	free(c->peer_der);
	free(c->wbuf);
	free(c);
}

cf_conn *cf_tls_connect(const char *host, uint16_t port, const cf_tls *t,
                        unsigned timeout_ms, char *err, size_t errlen,
                        int *local)
{
	static const unsigned char h2[] = {2, 'h', '2'};
	static const cf_tls none;
	cf_conn *c = calloc(1, sizeof(*c));
	const unsigned char *sel = NULL;
	unsigned sel_len = 0;
	double deadline = cf_now_ms() + timeout_ms;
	X509 *peer;
	int r, len;

	if (local != NULL)
		*local = 0;
	if (t == NULL)
		t = &none;
	if (c == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	c->fd = -1;
	ERR_clear_error();
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto ctxfail;
	if (t->seclevel0)
		SSL_CTX_set_security_level(c->ctx, 0);
	if (SSL_CTX_set_min_proto_version(c->ctx, t->min_version
	                                              ? t->min_version
	                                              : TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(
	        c->ctx, t->max_version ? t->max_version : TLS1_3_VERSION) != 1)
		goto ctxfail;
	if (t->cipher_list != NULL &&
	    SSL_CTX_set_cipher_list(c->ctx, t->cipher_list) != 1) {
		if (local != NULL)
			*local = 1;
		set_err(err, errlen,
		        "this client cannot offer those cipher suites");
		goto fail;
	}
	if (!t->no_alpn &&
	    SSL_CTX_set_alpn_protos(c->ctx, t->alpn ? t->alpn : h2,
	                            t->alpn ? t->alpn_len : sizeof(h2)) != 0)
		goto ctxfail;
	/* The server is identified by pinning its certificate against the
	 * trust list (SPEC API-6), not by a CA chain. */
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_client_cert_cb(c->ctx, client_cert_cb);
	SSL_CTX_set_session_cache_mode(
	    c->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(c->ctx, new_session_cb);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                             SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (t->cert != NULL && t->key != NULL) {
		if (X509_up_ref(t->cert) != 1 || EVP_PKEY_up_ref(t->key) != 1)
			goto ctxfail;
		c->id_cert = t->cert;
		c->id_key = t->key;
	}
	if ((c->fd = tcp_connect(host, port, timeout_ms)) < 0) {
		set_err(err, errlen, "TCP connection failed");
		goto fail;
	}
	if ((c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1)
		goto ctxfail;
	SSL_set_app_data(c->ssl, c);
	{
		unsigned char a4[4];

		/* SNI with a host name only (RFC 6066: never an address). */
		char sni[256];

		snprintf(sni, sizeof(sni), "%s", host);
		if (strchr(sni, ':') == NULL &&
		    inet_pton(AF_INET, sni, a4) != 1)
			SSL_set_tlsext_host_name(c->ssl, sni);
	}
	while ((r = SSL_connect(c->ssl)) != 1) {
		int e = SSL_get_error(c->ssl, r);
		int left = (int)(deadline - cf_now_ms());

		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    left <= 0 ||
		    wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		            left) <= 0) {
			unsigned long le = ERR_peek_last_error();
			int reason = ERR_GET_REASON(le);

			if (local != NULL &&
			    (reason == SSL_R_NO_PROTOCOLS_AVAILABLE ||
			     reason == SSL_R_NO_CIPHERS_AVAILABLE ||
			     reason == SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM))
				*local = 1;
			set_err(err, errlen,
			        left <= 0 ? "TLS handshake timed out"
			                  : "TLS handshake refused");
			goto fail;
		}
	}
	SSL_get0_alpn_selected(c->ssl, &sel, &sel_len);
	if (sel != NULL && sel_len > 0 && sel_len < sizeof(c->alpn))
		memcpy(c->alpn, sel, sel_len);
	snprintf(c->version, sizeof(c->version), "%s", SSL_get_version(c->ssl));
	snprintf(c->cipher, sizeof(c->cipher), "%s",
	         SSL_get_cipher_name(c->ssl));
	peer = SSL_get0_peer_certificate(c->ssl);
	if (peer != NULL && (len = i2d_X509(peer, NULL)) > 0) {
		unsigned char *p;

		if ((c->peer_der = malloc((size_t)len)) == NULL)
			goto ctxfail;
		p = c->peer_der;
		if (i2d_X509(peer, &p) != len)
			goto ctxfail;
		c->peer_der_len = (size_t)len;
	}
	return c;
ctxfail:
	set_err(err, errlen, "TLS setup failed");
fail:
	cf_close(c);
	return NULL;
}

/* ---------------------------------------------------------------- HTTP/2 */

static cf_req *stream_req(nghttp2_session *h2, int32_t id)
{
	return nghttp2_session_get_stream_user_data(h2, id);
}

static char *dup_n(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		if (n > 0)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *user)
{
	cf_req *q = stream_req(h2, frame->hd.stream_id);

	(void)flags;
	(void)user;
	if (q == NULL || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		int st = 0;

		for (size_t i = 0; i < valuelen && i < 3; i++)
			st = st * 10 + (value[i] >= '0' && value[i] <= '9'
			                    ? value[i] - '0'
			                    : 0);
		/* Interim (1xx) answers do not end the exchange. */
		if (st >= 200) {
			q->resp.status = st;
			q->resp.sent_at_status = q->sent;
		}
		return 0;
	}
	if (q->resp.n_hdrs < CF_MAX_HEADERS) {
		cf_hdr *h = &q->resp.hdrs[q->resp.n_hdrs];

		h->name = dup_n(name, namelen);
		h->value = dup_n(value, valuelen);
		if (h->name == NULL || h->value == NULL) {
			free(h->name);
			free(h->value);
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		q->resp.n_hdrs++;
	}
	return 0;
}

static int on_data(nghttp2_session *h2, uint8_t flags, int32_t id,
                   const uint8_t *data, size_t len, void *user)
{
	cf_req *q = stream_req(h2, id);
	uint8_t *nb;

	(void)flags;
	(void)user;
	if (q == NULL || len == 0)
		return 0;
	if (q->resp.len + len > CF_BODY_CAP)
		return nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, id,
		                                 NGHTTP2_CANCEL) == 0
		           ? 0
		           : NGHTTP2_ERR_CALLBACK_FAILURE;
	nb = realloc(q->resp.body, q->resp.len + len + 1);
	if (nb == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	memcpy(nb + q->resp.len, data, len);
	q->resp.len += len;
	nb[q->resp.len] = '\0';
	q->resp.body = nb;
	return 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame,
                         void *user)
{
	cf_conn *c = user;
	cf_req *q;

	if (frame->hd.type == NGHTTP2_GOAWAY) {
		c->goaway = 1;
		c->goaway_code = frame->goaway.error_code;
	}
	if (frame->hd.type == NGHTTP2_RST_STREAM &&
	    (q = stream_req(h2, frame->hd.stream_id)) != NULL) {
		q->resp.reset = 1;
		q->resp.rst = frame->rst_stream.error_code;
	}
	if ((frame->hd.type == NGHTTP2_HEADERS ||
	     frame->hd.type == NGHTTP2_DATA) &&
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
	    (q = stream_req(h2, frame->hd.stream_id)) != NULL &&
	    q->stop_on_response && q->resp.status >= 200 && !q->done) {
		/* The answer is complete: stop sending the rest of the body. */
		q->done = 1;
		q->resp.ms = cf_now_ms() - q->t0;
		nghttp2_session_set_stream_user_data(h2, frame->hd.stream_id,
		                                     NULL);
		nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE,
		                          frame->hd.stream_id, NGHTTP2_CANCEL);
	}
	return 0;
}

static int on_close(nghttp2_session *h2, int32_t id, uint32_t code, void *user)
{
	cf_req *q = stream_req(h2, id);

	(void)user;
	if (q == NULL)
		return 0;
	if (code != NGHTTP2_NO_ERROR && q->resp.status == 0) {
		q->resp.reset = 1;
		if (q->resp.rst == 0)
			q->resp.rst = code;
	}
	q->done = 1;
	q->resp.ms = cf_now_ms() - q->t0;
	nghttp2_session_set_stream_user_data(h2, id, NULL);
	return 0;
}

static ssize_t body_read(nghttp2_session *h2, int32_t id, uint8_t *buf,
                         size_t length, uint32_t *flags,
                         nghttp2_data_source *src, void *user)
{
	cf_req *q = src->ptr;
	size_t n = q->len - q->sent;

	(void)h2;
	(void)id;
	(void)user;
	if (n > length)
		n = length;
	if (n > 0)
		memcpy(buf, q->body + q->sent, n);
	q->sent += n;
	if (q->sent == q->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int h2_start(cf_conn *c, char *err, size_t errlen)
{
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_settings_entry iv[2];
	int rv;

	if (nghttp2_session_callbacks_new(&cb) != 0) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	rv = nghttp2_session_client_new(&c->h2, cb, c);
	nghttp2_session_callbacks_del(cb);
	if (rv != 0) {
		set_err(err, errlen, "HTTP/2 session");
		return -1;
	}
	iv[0].settings_id = NGHTTP2_SETTINGS_ENABLE_PUSH;
	iv[0].value = 0;
	iv[1].settings_id = NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE;
	iv[1].value = CF_WINDOW;
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 2) != 0 ||
	    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0,
	                                          CF_WINDOW) != 0) {
		set_err(err, errlen, "HTTP/2 settings");
		return -1;
	}
	return 0;
}

cf_conn *cf_connect(const char *host, uint16_t port, const cf_tls *t,
                    unsigned timeout_ms, char *err, size_t errlen)
{
	cf_conn *c =
	    cf_tls_connect(host, port, t, timeout_ms, err, errlen, NULL);

	if (c == NULL)
		return NULL;
	if (strcmp(c->alpn, "h2") != 0) {
		set_err(err, errlen, "the server did not select ALPN h2");
		cf_close(c);
		return NULL;
	}
	if (h2_start(c, err, errlen) != 0) {
		cf_close(c);
		return NULL;
	}
	return c;
}

const char *cf_conn_alpn(const cf_conn *c)
{
	return c->alpn;
}
const char *cf_conn_version(const cf_conn *c)
{
	return c->version;
}
const char *cf_conn_cipher(const cf_conn *c)
{
	return c->cipher;
}
const uint8_t *cf_conn_peer_der(const cf_conn *c, size_t *len)
{
	*len = c->peer_der_len;
	return c->peer_der;
}
int cf_conn_cert_requested(const cf_conn *c)
{
	return c->cert_requested;
}
int cf_conn_dead(const cf_conn *c)
{
	return c == NULL || c->dead ||
	       (c->h2 != NULL && !nghttp2_session_want_read(c->h2) &&
	        !nghttp2_session_want_write(c->h2));
}
int cf_conn_goaway(const cf_conn *c, uint32_t *code)
{
	if (code != NULL)
		*code = c->goaway_code;
	return c->goaway;
}

/* Write what is buffered without blocking. 0, or -1 when the peer is gone. */
static int flush_some(cf_conn *c)
{
	while (c->wlen > 0) {
		int w = SSL_write(c->ssl, c->wbuf,
		                  c->wlen > 65536 ? 65536 : (int)c->wlen);

		if (w <= 0) {
			int e = SSL_get_error(c->ssl, w);

			if (e == SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ)
				return 0;
			ERR_clear_error();
			return -1;
		}
		memmove(c->wbuf, c->wbuf + w, c->wlen - (size_t)w);
		c->wlen -= (size_t)w;
	}
	return 0;
}

static int fill_wbuf(cf_conn *c)
{
	while (c->wlen < CF_WBUF_MAX) {
		const uint8_t *p = NULL;
		ssize_t n = nghttp2_session_mem_send(c->h2, &p);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (c->wlen + (size_t)n > c->wcap) {
			size_t cap = c->wcap ? c->wcap : 65536;
			uint8_t *nb;

			while (cap < c->wlen + (size_t)n)
				cap *= 2;
			if ((nb = realloc(c->wbuf, cap)) == NULL)
				return -1;
			c->wbuf = nb;
			c->wcap = cap;
		}
		memcpy(c->wbuf + c->wlen, p, (size_t)n);
		c->wlen += (size_t)n;
	}
	return 0;
}

/* Read what is available. 0, or -1 on close or error. */
static int read_some(cf_conn *c)
{
	uint8_t buf[16384];

	for (;;) {
		int r = SSL_read(c->ssl, buf, sizeof(buf));

		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);

			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				return 0;
			ERR_clear_error();
			return -1;
		}
		if (c->h2 != NULL &&
		    nghttp2_session_mem_recv(c->h2, buf, (size_t)r) < 0)
			return -1;
	}
}

static int all_done(const cf_req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!reqs[i].done)
			return 0;
	return 1;
}

int cf_exchange(cf_conn *c, cf_req *reqs, size_t n, unsigned timeout_ms)
{
	double deadline = cf_now_ms() + timeout_ms;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		cf_req *q = &reqs[i];
		nghttp2_nv nv[8 + 16];
		size_t k = 0;
		char cl[24];
		nghttp2_data_provider prd;

		memset(&q->resp, 0, sizeof(q->resp));
		q->sent = 0;
		q->done = 0;
		q->t0 = cf_now_ms();
		if (c == NULL || c->dead || c->h2 == NULL) {
			q->done = 1;
			continue;
		}
#define NV(n_, v_)                                                             \
	do {                                                                   \
		nv[k].name = (uint8_t *)(uintptr_t)(n_);                       \
		nv[k].namelen = strlen(n_);                                    \
		nv[k].value = (uint8_t *)(uintptr_t)(v_);                      \
		nv[k].valuelen = strlen(v_);                                   \
		nv[k].flags = NGHTTP2_NV_FLAG_NONE;                            \
		k++;                                                           \
	} while (0)
		NV(":method", q->method);
		NV(":scheme", "https");
		NV(":authority", "conformance");
		NV(":path", q->path);
		if (q->ctype != NULL)
			NV("content-type", q->ctype);
		if (q->body != NULL && !q->no_length) {
			snprintf(cl, sizeof(cl), "%zu", q->len);
			NV("content-length", cl);
		}
		for (size_t e = 0;
		     e < q->n_extra && k + 1 < sizeof(nv) / sizeof(nv[0]); e++)
			NV(q->extra[2 * e], q->extra[2 * e + 1]);
#undef NV
		prd.source.ptr = q;
		prd.read_callback = body_read;
		q->stream_id = nghttp2_submit_request(
		    c->h2, NULL, nv, k, q->body != NULL ? &prd : NULL, q);
		if (q->stream_id < 0)
			q->done = 1;
	}
	while (c != NULL && !c->dead && !all_done(reqs, n)) {
		int left = (int)(deadline - cf_now_ms());
		short ev = POLLIN;

		if (fill_wbuf(c) != 0 || flush_some(c) != 0) {
			c->dead = 1;
			break;
		}
		if (!nghttp2_session_want_read(c->h2) &&
		    !nghttp2_session_want_write(c->h2) && c->wlen == 0) {
			c->dead = 1;
			break;
		}
		if (left <= 0)
			break;
		if (c->wlen > 0)
			ev |= POLLOUT;
		if (SSL_pending(c->ssl) == 0 &&
		    wait_fd(c->fd, ev, left > 200 ? 200 : left) <= 0)
			continue;
		if (read_some(c) != 0) {
			c->dead = 1;
			/* Deliver what was already parsed; nothing more comes.
			 */
			break;
		}
	}
	if (c != NULL && !c->dead) {
		(void)fill_wbuf(c);
		(void)flush_some(c);
	}
	for (size_t i = 0; i < n; i++) {
		cf_req *q = &reqs[i];

		if (!q->done) {
			q->resp.timed_out = !(c == NULL || c->dead);
			q->resp.ms = cf_now_ms() - q->t0;
			if (c != NULL && c->h2 != NULL && q->stream_id > 0) {
				nghttp2_session_set_stream_user_data(
				    c->h2, q->stream_id, NULL);
				if (!c->dead)
					nghttp2_submit_rst_stream(
					    c->h2, NGHTTP2_FLAG_NONE,
					    q->stream_id, NGHTTP2_CANCEL);
			}
			q->done = 1;
			rc = -1;
		}
	}
	if (c == NULL || c->dead)
		rc = -1;
	return rc;
}

void cf_resp_free(cf_resp *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_hdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->body);
	memset(r, 0, sizeof(*r));
}

const char *cf_resp_header(const cf_resp *r, const char *name)
{
	for (size_t i = 0; i < r->n_hdrs; i++)
		if (strcmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

uint32_t cf_conn_max_early_data(cf_conn *c)
{
	/* Session tickets arrive after the handshake: read what is there. */
	if (c->h2 == NULL && !c->dead && wait_fd(c->fd, POLLIN, 300) > 0)
		(void)read_some(c);
	return c->max_early;
}

int cf_conn_raw_write(cf_conn *c, const void *buf, size_t len)
{
	size_t off = 0;
	double deadline = cf_now_ms() + 5000;

	while (off < len) {
		int w = SSL_write(c->ssl, (const uint8_t *)buf + off,
		                  (int)(len - off));

		if (w <= 0) {
			int e = SSL_get_error(c->ssl, w);
			int left = (int)(deadline - cf_now_ms());

			if ((e == SSL_ERROR_WANT_WRITE ||
			     e == SSL_ERROR_WANT_READ) &&
			    left > 0 &&
			    wait_fd(c->fd,
			            e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			            left) > 0)
				continue;
			ERR_clear_error();
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

long cf_conn_raw_read(cf_conn *c, void *buf, size_t cap, unsigned timeout_ms)
{
	double deadline = cf_now_ms() + timeout_ms;

	for (;;) {
		int r = SSL_read(c->ssl, buf, (int)cap);
		int left;

		if (r > 0)
			return r;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			left = (int)(deadline - cf_now_ms());
			if (left <= 0 || wait_fd(c->fd, POLLIN, left) <= 0)
				return 0;
			continue;
		case SSL_ERROR_ZERO_RETURN:
			return 0;
		default:
			ERR_clear_error();
			return -1;
		}
	}
}
