/* server_io.c: a connection's TLS on its own socket: the non-blocking
 * handshake, SSL_read straight into nghttp2, and nghttp2's output written
 * with SSL_write in the same loop turn. The socket's read event stays
 * registered; write interest is registered only while the socket is full
 * (or a handshake or key update needs it), so that a request answered at
 * once costs one read and one write, and no epoll_ctl. */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base.h"
#include "http_int.h"
#include "protocol.h"

/* Bytes read per SSL_read, and per loop turn before other connections get
 * theirs (what is left is read on the next turn). */
#define SP_SRV_READ_CHUNK ((size_t)16384)
#define SP_SRV_READ_TURN  ((size_t)64 * 1024)

static void io_cb(evutil_socket_t fd, short what, void *arg);

static void ms_to_tv(uint32_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000u);
	tv->tv_usec = (suseconds_t)((ms % 1000u) * 1000u);
}

size_t sp_node__io_pending(const sp_conn *c)
{
	return c->out_len - c->out_off;
}

int sp_node__io_start(sp_conn *c, int fd, SSL *ssl)
{
	struct event_base *base = c->srv->base;

	c->rev = event_new(base, fd, EV_READ | EV_PERSIST, io_cb, c);
	c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, io_cb, c);
	if (c->rev == NULL || c->wev == NULL || SSL_set_fd(ssl, fd) != 1)
		goto fail;
	/* One read(2) takes what the peer sent (several records); partial
	 * writes let the output buffer move and grow between retries. */
	SSL_set_read_ahead(ssl, 1);
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_accept_state(ssl);
	if (event_add(c->rev, NULL) != 0)
		goto fail;
	c->fd = fd;
	c->ssl = ssl;
	c->reading = 1;
	return SP_OK;

fail:
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	return SP_ERR_NOMEM;
}

void sp_node__io_close(sp_conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	/* No close_notify: the connection ends as libevent's did, with the
	 * socket's close (clients take an EOF after GOAWAY as the end). */
	SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		evutil_closesocket(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = c->out_cap = 0;
}

int sp_node__io_queue(sp_conn *c, const uint8_t *data, size_t len)
{
	size_t pending = sp_node__io_pending(c);

	if (c->out_off > 0 && c->out_len + len > c->out_cap) {
		/* SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: a retried write may
		 * start at a new address, with the same bytes. */
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	if (c->out_len + len > c->out_cap) {
		size_t ncap = c->out_cap != 0 ? c->out_cap : SP_SRV_READ_CHUNK;
		uint8_t *nb;

		while (ncap < c->out_len + len)
			ncap *= 2;
		nb = realloc(c->out, ncap);
		if (nb == NULL)
			return -1;
		c->out = nb;
		c->out_cap = ncap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

/* Write interest on or off. While on, a peer that takes none of our
 * output for idle_timeout_ms is cut off (the event's timeout restarts
 * whenever the socket takes bytes). */
static int io_want_write(sp_conn *c, int on)
{
	struct timeval tv;

	if (on == (int)c->writing)
		return 0;
	if (!on) {
		event_del(c->wev);
		c->writing = 0;
		return 0;
	}
	/* The handshake has its own timer (c->timer). */
	ms_to_tv(c->srv->lim.idle_timeout_ms, &tv);
	if (event_add(c->wev, c->handshake_done ? &tv : NULL) != 0)
		return -1;
	c->writing = 1;
	return 0;
}

/* Reads pause while our output for the peer is over the high-water mark
 * (it must take what it asked for before asking for more), unless a write
 * waits for the peer's bytes. */
static void io_want_read(sp_conn *c, int on)
{
	if (on == (int)c->reading)
		return;
	if (!on) {
		event_del(c->rev);
		c->reading = 0;
		return;
	}
	if (event_add(c->rev, NULL) == 0) {
		c->reading = 1;
		/* OpenSSL may hold records read ahead: the socket alone
		 * would not say so. */
		event_active(c->rev, EV_READ, 1);
	}
}

static int out_over_cap(const sp_conn *c)
{
	return sp_node__io_pending(c) >= SP_SRV_OUT_HIGH_WATER;
}

/* Was the failure only the peer leaving without close_notify? */
static int ssl_error_is_eof(void)
{
	unsigned long e;
	int eof = 1;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_REASON(e) != SSL_R_UNEXPECTED_EOF_WHILE_READING)
			eof = 0;
	return eof;
}

/* The connection's TLS failed or ended: count it as before, close. */
static void io_failed(sp_conn *c, int err)
{
	if (!c->handshake_done)
		c->srv->st.handshakes_failed++;
	else if (err == SSL_ERROR_SSL && !ssl_error_is_eof())
		c->srv->st.dropped_flood++;
	/* else: a peer leaving, with or without close_notify, or a reset
	 * socket, is a normal close. */
	ERR_clear_error();
	sp_node__conn_close(c);
}

int sp_node__io_write(sp_conn *c)
{
	int err = SSL_ERROR_NONE;

	c->write_wants_read = 0;
	while (sp_node__io_pending(c) > 0) {
		size_t n = sp_node__io_pending(c);
		int rv;

		ERR_clear_error();
		rv = SSL_write(c->ssl, c->out + c->out_off,
		               n > INT32_MAX ? INT32_MAX : (int)n);
		if (rv > 0) {
			c->out_off += (size_t)rv;
			continue;
		}
		err = SSL_get_error(c->ssl, rv);
		break;
	}
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
		/* An idle connection keeps no buffer (as OpenSSL's own are
		 * released, SSL_MODE_RELEASE_BUFFERS). */
		if (c->n_streams == 0) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
	}
	sp_node__conn_account_out(c);
	switch (err) {
	case SSL_ERROR_NONE:
		/* (a read that waits for the socket to take a key update
		 * keeps the interest) */
		if (!c->read_wants_write && io_want_write(c, 0) != 0)
			goto fail;
		break;
	case SSL_ERROR_WANT_WRITE:
		if (io_want_write(c, 1) != 0)
			goto fail;
		break;
	case SSL_ERROR_WANT_READ:
		/* A key update: the peer's bytes first. */
		c->write_wants_read = 1;
		if (io_want_write(c, 0) != 0)
			goto fail;
		io_want_read(c, 1);
		return 0;
	default:
		io_failed(c, err);
		return -1;
	}
	io_want_read(c, !out_over_cap(c));
	return 0;

fail:
	sp_node__conn_close(c);
	return -1;
}

/* Read what the peer sent (up to a turn's share) and give it to nghttp2;
 * the answers go out after the whole batch. */
static void io_read(sp_conn *c)
{
	uint8_t buf[SP_SRV_READ_CHUNK];
	size_t total = 0;

	if (c->read_wants_write) {
		c->read_wants_write = 0;
		/* The write interest was the read's: without output waiting,
		 * a writable socket would wake the loop for nothing. */
		if (sp_node__io_pending(c) == 0)
			(void)io_want_write(c, 0);
	}
	while (!c->closed) {
		int rv, err;

		if (out_over_cap(c)) {
			io_want_read(c, 0);
			break;
		}
		if (total >= SP_SRV_READ_TURN) {
			event_active(c->rev, EV_READ, 1);
			break;
		}
		ERR_clear_error();
		rv = SSL_read(c->ssl, buf, (int)sizeof(buf));
		if (rv > 0) {
			total += (size_t)rv;
			c->srv->st.bytes_in += (uint64_t)rv;
			if (sp_node__conn_recv(c, buf, (size_t)rv) != 0) {
				sp_node__conn_close(c);
				return;
			}
			/* Nothing read ahead: the socket's read event (level
			 * triggered) says when more comes, which saves the
			 * read(2) that would only return EAGAIN. */
			if (!SSL_has_pending(c->ssl))
				break;
			continue;
		}
		err = SSL_get_error(c->ssl, rv);
		if (err == SSL_ERROR_WANT_READ)
			break;
		if (err == SSL_ERROR_WANT_WRITE) {
			c->read_wants_write = 1;
			if (io_want_write(c, 1) != 0) {
				sp_node__conn_close(c);
				return;
			}
			break;
		}
		/* SSL_ERROR_ZERO_RETURN (close_notify, or an EOF, which
		 * SSL_OP_IGNORE_UNEXPECTED_EOF reports the same way), a
		 * reset socket, or a TLS error. */
		io_failed(c, err);
		return;
	}
	if (!c->closed)
		sp_node__conn_flush(c);
}

static void io_handshake(sp_conn *c)
{
	int rv, err;

	ERR_clear_error();
	rv = SSL_do_handshake(c->ssl);
	if (rv == 1) {
		if (io_want_write(c, 0) != 0) {
			sp_node__conn_close(c);
			return;
		}
		sp_node__conn_handshake_done(c);
		/* The client's first bytes may have come with its Finished. */
		if (!c->closed)
			event_active(c->rev, EV_READ, 1);
		return;
	}
	err = SSL_get_error(c->ssl, rv);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		if (io_want_write(c, err == SSL_ERROR_WANT_WRITE) != 0)
			sp_node__conn_close(c);
		return;
	}
	io_failed(c, err);
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	sp_conn *c = arg;

	(void)fd;
	if (c->closed)
		return;
	c->refs++; /* the connection may close under us */
	if (!c->handshake_done) {
		io_handshake(c);
	} else if (what & EV_TIMEOUT) {
		/* The peer took none of our output for the idle time. */
		c->srv->st.dropped_timeout++;
		sp_node__conn_close(c);
	} else if (what & EV_WRITE) {
		if (c->read_wants_write)
			io_read(c);
		else
			sp_node__conn_flush(c);
	} else {
		if (c->write_wants_read)
			sp_node__conn_flush(c);
		if (!c->closed)
			io_read(c);
	}
	sp_node__conn_unref(c);
}
