/* h2raw.c: a raw HTTP/2-over-TLS frame writer and reader for abuse probes. */
#include "h2raw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

struct sp_h2raw {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	uint8_t *out;
	size_t out_len, out_cap;
	char alpn[16];
};

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static int out_append(sp_h2raw *c, const void *data, size_t len);

static int wait_fd(int fd, short ev, unsigned timeout_ms)
{
	struct pollfd p = {fd, ev, 0};
	int r;

	do
		r = poll(&p, 1, (int)timeout_ms);
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
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	(void)timeout_ms;
	return fd;
}

sp_h2raw *sp_h2raw_connect(const char *host, uint16_t port, const char *ca_file,
                           const char *cert_file, const char *key_file,
                           unsigned timeout_ms, const char **why)
{
	static const unsigned char alpn[] = {2, 'h', '2'};
	sp_h2raw *c = calloc(1, sizeof(*c));
	const unsigned char *sel = NULL;
	unsigned sel_len = 0;
	int r;

	*why = NULL;
	if (c == NULL) {
		*why = "out of memory";
		return NULL;
	}
	c->fd = -1;
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(c->ctx, alpn, sizeof(alpn)) != 0) {
		*why = "TLS context";
		goto fail;
	}
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL) != 1) {
			*why = "cannot read the CA file";
			goto fail;
		}
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	}
	if (cert_file != NULL &&
	    (SSL_CTX_use_certificate_chain_file(c->ctx, cert_file) != 1 ||
	     SSL_CTX_use_PrivateKey_file(c->ctx, key_file, SSL_FILETYPE_PEM) !=
	         1)) {
		*why = "cannot read the client certificate or key";
		goto fail;
	}
	if ((c->fd = tcp_connect(host, port, timeout_ms)) < 0) {
		*why = "connection refused";
		goto fail;
	}
	if ((c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		*why = "TLS session";
		goto fail;
	}
	while ((r = SSL_connect(c->ssl)) != 1) {
		int e = SSL_get_error(c->ssl, r);

		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
		    wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
		            timeout_ms) <= 0) {
			*why = "TLS handshake failed";
			goto fail;
		}
	}
	SSL_get0_alpn_selected(c->ssl, &sel, &sel_len);
	if (sel_len > 0 && sel_len < sizeof(c->alpn))
		memcpy(c->alpn, sel, sel_len);
	if (out_append(c, preface, sizeof(preface) - 1) != 0 ||
	    sp_h2raw_frame_out(c, H2_SETTINGS, 0, 0, NULL, 0) != 0 ||
	    sp_h2raw_flush(c) != 0) {
		*why = "could not send the preface";
		goto fail;
	}
	return c;
fail:
	ERR_clear_error();
	sp_h2raw_close(c);
	return NULL;
}

void sp_h2raw_close(sp_h2raw *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c);
}

const char *sp_h2raw_alpn(const sp_h2raw *c)
{
	return c->alpn;
}

static int out_append(sp_h2raw *c, const void *data, size_t len)
{
	uint8_t *p;

	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 65536;

		while (cap < c->out_len + len)
			cap *= 2;
		if ((p = realloc(c->out, cap)) == NULL)
			return -1;
		c->out = p;
		c->out_cap = cap;
	}
	if (len > 0)
		memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

int sp_h2raw_frame_out(sp_h2raw *c, uint8_t type, uint8_t flags,
                       uint32_t stream, const void *payload, size_t len)
{
	uint8_t p[9];

	if (len > 0xffffff)
		return -1;
	p[0] = (uint8_t)(len >> 16);
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	p[3] = type;
	p[4] = flags;
	p[5] = (uint8_t)((stream >> 24) & 0x7f);
	p[6] = (uint8_t)(stream >> 16);
	p[7] = (uint8_t)(stream >> 8);
	p[8] = (uint8_t)stream;
	if (out_append(c, p, 9) != 0)
		return -1;
	return out_append(c, payload, len);
}

/* HPACK literal header field without indexing, new name (RFC 7541 6.2.2),
 * lengths as 7-bit-prefix integers, no Huffman. */
static size_t hpack_int(uint8_t *b, size_t cap, uint8_t prefix_bits,
                        uint8_t first, size_t v)
{
	size_t max = ((size_t)1 << prefix_bits) - 1, n = 0;

	if (cap == 0)
		return 0;
	if (v < max) {
		b[0] = (uint8_t)(first | v);
		return 1;
	}
	b[n++] = (uint8_t)(first | max);
	v -= max;
	while (v >= 128) {
		if (n >= cap)
			return 0;
		b[n++] = (uint8_t)(v % 128 + 128);
		v /= 128;
	}
	if (n >= cap)
		return 0;
	b[n++] = (uint8_t)v;
	return n;
}

static size_t hpack_field(uint8_t *b, size_t cap, const char *name,
                          const char *value, size_t vlen, char fill)
{
	size_t nlen = strlen(name), o = 0, k;

	if (cap < 1 + 5 + nlen + 5 + vlen)
		return 0;
	b[o++] = 0x00;
	o += hpack_int(b + o, cap - o, 7, 0, nlen);
	memcpy(b + o, name, nlen);
	o += nlen;
	k = hpack_int(b + o, cap - o, 7, 0, vlen);
	if (k == 0)
		return 0;
	o += k;
	if (value != NULL)
		memcpy(b + o, value, vlen);
	else
		memset(b + o, fill, vlen);
	return o + vlen;
}

size_t sp_h2raw_request_block(uint8_t *buf, size_t cap, const char *method,
                              const char *path, const char *authority,
                              const char *extra_name, size_t extra_len)
{
	size_t o = 0, k;
	const char *nv[4][2] = {{":method", method},
	                        {":scheme", "https"},
	                        {":path", path},
	                        {":authority", authority}};
	int i;

	for (i = 0; i < 4; i++) {
		k = hpack_field(buf + o, cap - o, nv[i][0], nv[i][1],
		                strlen(nv[i][1]), 0);
		if (k == 0)
			return 0;
		o += k;
	}
	if (extra_name != NULL && extra_len > 0) {
		k = hpack_field(buf + o, cap - o, extra_name, NULL, extra_len,
		                'x');
		if (k == 0)
			return 0;
		o += k;
	}
	return o;
}

size_t sp_h2raw_field(uint8_t *buf, size_t cap, const char *name,
                      const char *value)
{
	return hpack_field(buf, cap, name, value, strlen(value), 0);
}

int sp_h2raw_flush(sp_h2raw *c)
{
	size_t off = 0;
	int w;

	while (off < c->out_len) {
		size_t chunk =
		    c->out_len - off > 65536 ? 65536 : c->out_len - off;

		w = SSL_write(c->ssl, c->out + off, (int)chunk);
		if (w <= 0) {
			int e = SSL_get_error(c->ssl, w);

			if ((e == SSL_ERROR_WANT_WRITE ||
			     e == SSL_ERROR_WANT_READ) &&
			    wait_fd(c->fd,
			            e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			            5000) > 0)
				continue;
			ERR_clear_error();
			c->out_len = 0;
			return -1;
		}
		off += (size_t)w;
	}
	c->out_len = 0;
	return 0;
}

static int read_exact(sp_h2raw *c, uint8_t *b, size_t n, unsigned timeout_ms)
{
	size_t got = 0;
	int r;

	while (got < n) {
		if (SSL_pending(c->ssl) == 0) {
			r = wait_fd(c->fd, POLLIN, timeout_ms);
			if (r == 0)
				return 0;
			if (r < 0)
				return -1;
		}
		r = SSL_read(c->ssl, b + got, (int)(n - got));
		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);

			if (e == SSL_ERROR_WANT_READ)
				continue;
			ERR_clear_error();
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

int sp_h2raw_read(sp_h2raw *c, sp_h2raw_frame *f, unsigned timeout_ms)
{
	uint8_t h[9];
	int r = read_exact(c, h, 9, timeout_ms);

	if (r <= 0)
		return r;
	f->length = ((uint32_t)h[0] << 16) | ((uint32_t)h[1] << 8) | h[2];
	f->type = h[3];
	f->flags = h[4];
	f->stream = (((uint32_t)h[5] & 0x7f) << 24) | ((uint32_t)h[6] << 16) |
	            ((uint32_t)h[7] << 8) | h[8];
	if (f->length > sizeof(f->payload))
		return -1;
	if (f->length > 0 &&
	    read_exact(c, f->payload, f->length, timeout_ms) <= 0)
		return -1;
	return 1;
}

int sp_h2raw_wait(sp_h2raw *c, uint8_t type, uint32_t stream, sp_h2raw_frame *f,
                  unsigned timeout_ms)
{
	for (;;) {
		int r = sp_h2raw_read(c, f, timeout_ms);

		if (r <= 0)
			return r;
		if (f->type == H2_SETTINGS && !(f->flags & H2_FLAG_ACK)) {
			sp_h2raw_frame_out(c, H2_SETTINGS, H2_FLAG_ACK, 0, NULL,
			                   0);
			sp_h2raw_flush(c);
		} else if (f->type == H2_PING && !(f->flags & H2_FLAG_ACK)) {
			sp_h2raw_frame_out(c, H2_PING, H2_FLAG_ACK, 0,
			                   f->payload, f->length);
			sp_h2raw_flush(c);
		}
		if (f->type == H2_GOAWAY)
			return 2;
		if (f->type == type && (stream == ~0u || f->stream == stream))
			return 1;
	}
}
