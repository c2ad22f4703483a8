/* client.c: the HTTP/2 client's life cycle: configuration, request queue,
 * callback delivery, reconnect backoff, state. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "client_int.h"

#define MAX_METHOD_LEN   16
#define MAX_PATH_LEN     8192
#define MAX_HEADER_VALUE 8192
#define MAX_REQ_HEADERS  64

static struct timeval ms_tv(uint32_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

/* ---------------------------------------------------------------- lists */

void sp_peers__list_append(sp_h2_req_list *l, sp_h2_req *r)
{
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

static void list_prepend(sp_h2_req_list *l, sp_h2_req *r)
{
	r->prev = NULL;
	r->next = l->head;
	if (l->head != NULL)
		l->head->prev = r;
	else
		l->tail = r;
	l->head = r;
	l->n++;
}

void sp_peers__list_remove(sp_h2_req_list *l, sp_h2_req *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->prev = r->next = NULL;
	l->n--;
}

/* ---------------------------------------------------------------- config */

void sp_h2_client_config_default(sp_h2_client_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = SP_H2_DEFAULT_PORT;
	cfg->connect_timeout_ms = SP_H2_DEFAULT_CONNECT_TIMEOUT_MS;
	cfg->request_timeout_ms = SP_H2_DEFAULT_REQUEST_TIMEOUT_MS;
	cfg->max_response_body = SP_H2_DEFAULT_MAX_BODY;
	cfg->max_response_header_bytes = SP_H2_DEFAULT_MAX_HEADER_BYTES;
	cfg->backoff_base_ms = SP_H2_DEFAULT_BACKOFF_BASE_MS;
	cfg->backoff_cap_ms = SP_H2_DEFAULT_BACKOFF_CAP_MS;
	cfg->max_queued = SP_H2_DEFAULT_MAX_QUEUED;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (p != NULL)
		memcpy(p, s, n + 1);
	return p;
}

/* ":authority": the verified name (IPv6 in brackets), with the port unless
 * it is 443. */
static char *make_authority(const char *name, uint16_t port)
{
	size_t n = strlen(name) + 16;
	char *p = malloc(n);
	int v6 = strchr(name, ':') != NULL;

	if (p == NULL)
		return NULL;
	if (port == 443)
		snprintf(p, n, v6 ? "[%s]" : "%s", name);
	else
		snprintf(p, n, v6 ? "[%s]:%u" : "%s:%u", name, (unsigned)port);
	return p;
}

static void client_work(evutil_socket_t fd, short what, void *arg);
static void client_reconnect_due(evutil_socket_t fd, short what, void *arg);
static void client_connect_timeout(evutil_socket_t fd, short what, void *arg);
static void client_destroy(sp_h2_client *c);

int sp_h2_client_new(struct event_base *base, const sp_h2_client_config *cfg,
                     sp_h2_client **out, const char **why)
{
	const char *dummy; /* per call: no shared state between threads */
	sp_h2_client *c = NULL;
	const char *name;
	int rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (base == NULL || cfg == NULL || cfg->host == NULL ||
	    cfg->host[0] == '\0' || strlen(cfg->host) > 253) {
		*why = "a host is required";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if ((cfg->ca_files == NULL || cfg->ca_files[0] == NULL) &&
	    cfg->pinned_cert_der == NULL) {
		*why = "a CA file or a pinned certificate is required";
		return SP_ERR_INVALID_ARGUMENT;
	}
	if ((cfg->cert_file == NULL) != (cfg->key_file == NULL)) {
		*why = "a client certificate needs its key, and a key its "
		       "certificate";
		return SP_ERR_INVALID_ARGUMENT;
	}
	name = cfg->server_name != NULL ? cfg->server_name : cfg->host;
	if (name[0] == '\0' || strlen(name) > 253) {
		*why = "the server name is empty or too long";
		return SP_ERR_INVALID_ARGUMENT;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	c->base = base;
	c->port = cfg->port ? cfg->port : SP_H2_DEFAULT_PORT;
	c->connect_timeout_ms = cfg->connect_timeout_ms
	                            ? cfg->connect_timeout_ms
	                            : SP_H2_DEFAULT_CONNECT_TIMEOUT_MS;
	c->request_timeout_ms = cfg->request_timeout_ms
	                            ? cfg->request_timeout_ms
	                            : SP_H2_DEFAULT_REQUEST_TIMEOUT_MS;
	c->max_body = cfg->max_response_body ? cfg->max_response_body
	                                     : SP_H2_DEFAULT_MAX_BODY;
	c->max_header_bytes = cfg->max_response_header_bytes
	                          ? cfg->max_response_header_bytes
	                          : SP_H2_DEFAULT_MAX_HEADER_BYTES;
	if (c->max_header_bytes > ((size_t)1 << 24))
		c->max_header_bytes = (size_t)1 << 24;
	c->backoff_base_ms = cfg->backoff_base_ms
	                         ? cfg->backoff_base_ms
	                         : SP_H2_DEFAULT_BACKOFF_BASE_MS;
	c->backoff_cap_ms = cfg->backoff_cap_ms ? cfg->backoff_cap_ms
	                                        : SP_H2_DEFAULT_BACKOFF_CAP_MS;
	if (c->backoff_cap_ms < c->backoff_base_ms)
		c->backoff_cap_ms = c->backoff_base_ms;
	c->max_queued =
	    cfg->max_queued ? cfg->max_queued : SP_H2_DEFAULT_MAX_QUEUED;
	c->host = dup_str(cfg->host);
	c->server_name = dup_str(name);
	if (c->host == NULL || c->server_name == NULL)
		goto nomem;
	c->name_is_ip = sp_peers__is_ip(c->server_name);
	c->authority = make_authority(c->server_name, c->port);
	if (c->authority == NULL)
		goto nomem;
	if (cfg->pinned_cert_der != NULL) {
		if (cfg->pinned_cert_der_len == 0 ||
		    cfg->pinned_cert_der_len > ((size_t)1 << 20)) {
			*why = "the pinned certificate has a bad size";
			rc = SP_ERR_INVALID_ARGUMENT;
			goto fail;
		}
		c->pin = malloc(cfg->pinned_cert_der_len);
		if (c->pin == NULL)
			goto nomem;
		memcpy(c->pin, cfg->pinned_cert_der, cfg->pinned_cert_der_len);
		c->pin_len = cfg->pinned_cert_der_len;
	}
	if (cfg->pinned_next_cert_der != NULL) {
		if (c->pin == NULL || cfg->pinned_next_cert_der_len == 0 ||
		    cfg->pinned_next_cert_der_len > ((size_t)1 << 20)) {
			*why = "the next pinned certificate needs a pin and a "
			       "sane size";
			rc = SP_ERR_INVALID_ARGUMENT;
			goto fail;
		}
		c->pin_next = malloc(cfg->pinned_next_cert_der_len);
		if (c->pin_next == NULL)
			goto nomem;
		memcpy(c->pin_next, cfg->pinned_next_cert_der,
		       cfg->pinned_next_cert_der_len);
		c->pin_next_len = cfg->pinned_next_cert_der_len;
	}
	c->ctx_no_ca = cfg->ca_files == NULL || cfg->ca_files[0] == NULL;
	rc = sp_peers__tls_ctx_new(cfg, &c->ctx, why);
	if (rc != SP_OK)
		goto fail;
	c->work = event_new(base, -1, 0, client_work, c);
	c->reconnect = evtimer_new(base, client_reconnect_due, c);
	c->conn_timer = evtimer_new(base, client_connect_timeout, c);
	if (c->work == NULL || c->reconnect == NULL || c->conn_timer == NULL)
		goto nomem;
	*out = c;
	return SP_OK;
nomem:
	*why = "out of memory";
	rc = SP_ERR_NOMEM;
fail:
	client_destroy(c);
	return rc;
}

/* ---------------------------------------------------------------- requests */

static int is_tchar(int ch)
{
	return isalnum(ch) ||
	       (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int method_ok(const char *m)
{
	size_t i, n = strlen(m);

	if (n == 0 || n > MAX_METHOD_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)m[i]))
			return 0;
	return 1;
}

static int path_ok(const char *p)
{
	size_t i, n = strlen(p);

	if (n == 0 || n > MAX_PATH_LEN || p[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

static int header_ok(const sp_h2_header *h)
{
	static const char *const banned[] = {"connection",
	                                     "host",
	                                     "keep-alive",
	                                     "proxy-connection",
	                                     "transfer-encoding",
	                                     "upgrade",
	                                     "te",
	                                     "content-length",
	                                     NULL};
	size_t i, n;

	if (h->name == NULL || h->value == NULL)
		return 0;
	n = strlen(h->name);
	if (n == 0 || n > 256)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)h->name[i]))
			return 0;
	for (i = 0; banned[i] != NULL; i++)
		if (strcasecmp(h->name, banned[i]) == 0)
			return 0;
	n = strlen(h->value);
	if (n > MAX_HEADER_VALUE)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)h->value[i];

		if (ch == '\r' || ch == '\n' || (ch < 0x20 && ch != '\t') ||
		    ch == 0x7f)
			return 0;
	}
	return 1;
}

static void nv_set(nghttp2_nv *nv, char *name, size_t nlen, char *value,
                   size_t vlen)
{
	nv->name = (uint8_t *)name;
	nv->namelen = nlen;
	nv->value = (uint8_t *)value;
	nv->valuelen = vlen;
	nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* Append "s\0" to the string blob at *pos; returns where it went. */
static char *blob_put(char *blob, size_t *pos, const char *s, size_t n,
                      int lower)
{
	char *dst = blob + *pos;
	size_t i;

	memcpy(dst, s, n);
	if (lower)
		for (i = 0; i < n; i++)
			dst[i] = (char)tolower((unsigned char)dst[i]);
	dst[n] = '\0';
	*pos += n + 1;
	return dst;
}

static int req_build(sp_h2_req *r, const char *method, const char *path,
                     const sp_h2_header *headers, size_t n_headers)
{
	sp_h2_client *c = r->c;
	char clen[32] = "";
	size_t total = 0, pos = 0, i, k = 0;
	char *nm, *vl;

	if (r->body_len > 0)
		snprintf(clen, sizeof(clen), "%zu", r->body_len);
	total += strlen(method) + 1 + strlen(path) + 1 + 6 + 1 +
	         strlen(c->authority) + 1 + strlen(clen) + 1;
	total += sizeof(":method") + sizeof(":path") + sizeof(":scheme") +
	         sizeof(":authority") + sizeof("content-length");
	for (i = 0; i < n_headers; i++)
		total += strlen(headers[i].name) + strlen(headers[i].value) + 2;
	for (i = 0; i < SP_H2_EXTRA_MAX && c->extra_name[i] != NULL; i++)
		total +=
		    strlen(c->extra_name[i]) + strlen(c->extra_value[i]) + 2;
	r->strs = malloc(total);
	r->nva = calloc(n_headers + 5 + SP_H2_EXTRA_MAX, sizeof(*r->nva));
	if (r->strs == NULL || r->nva == NULL)
		return SP_ERR_NOMEM;
#define PUT_NV(name_, value_, lower_)                                          \
	do {                                                                   \
		nm = blob_put(r->strs, &pos, name_, strlen(name_), lower_);    \
		vl = blob_put(r->strs, &pos, value_, strlen(value_), 0);       \
		nv_set(&r->nva[k++], nm, strlen(nm), vl, strlen(vl));          \
	} while (0)
	PUT_NV(":method", method, 0);
	PUT_NV(":scheme", "https", 0);
	PUT_NV(":authority", c->authority, 0);
	PUT_NV(":path", path, 0);
	for (i = 0; i < n_headers; i++)
		PUT_NV(headers[i].name, headers[i].value, 1);
	for (i = 0; i < SP_H2_EXTRA_MAX && c->extra_name[i] != NULL; i++)
		PUT_NV(c->extra_name[i], c->extra_value[i], 1);
	if (r->body_len > 0)
		PUT_NV("content-length", clen, 0);
#undef PUT_NV
	r->nvlen = k;
	return SP_OK;
}

static void req_free(sp_h2_req *r)
{
	if (r == NULL)
		return;
	if (r->timer != NULL)
		event_free(r->timer);
	free(r->nva);
	free(r->strs);
	free(r->body);
	sp_peers__fields_free(r->fields, r->n_fields);
	free(r->rbody);
	free(r);
}

static void req_timeout(evutil_socket_t fd, short what, void *arg)
{
	sp_h2_req *r = arg;
	sp_h2_conn *k = r->conn;

	(void)fd;
	(void)what;
	if (r->where == SP_REQ_STREAM && k != NULL)
		sp_peers__conn_cancel(k, r);
	sp_peers__req_finish(r, SP_ERR_UNAVAILABLE, "request timed out");
}

int sp_h2_client_request(sp_h2_client *c, const char *method, const char *path,
                         const sp_h2_header *headers, size_t n_headers,
                         const void *body, size_t body_len,
                         sp_h2_response_cb cb, void *ud)
{
	sp_h2_req *r;
	struct timeval tv;
	size_t i;

	if (c == NULL || method == NULL || path == NULL || cb == NULL ||
	    (headers == NULL && n_headers > 0) || n_headers > MAX_REQ_HEADERS ||
	    (body == NULL && body_len > 0) || body_len > SP_H2_MAX_REQUEST_BODY)
		return SP_ERR_INVALID_ARGUMENT;
	if (c->freeing)
		return SP_ERR_UNAVAILABLE;
	if (!method_ok(method) || !path_ok(path))
		return SP_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n_headers; i++)
		if (!header_ok(&headers[i]))
			return SP_ERR_INVALID_ARGUMENT;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return SP_ERR_NOMEM;
	r->c = c;
	r->cb = cb;
	r->ud = ud;
	if (body_len > 0) {
		r->body = malloc(body_len);
		if (r->body == NULL)
			goto nomem;
		memcpy(r->body, body, body_len);
		r->body_len = body_len;
	}
	if (req_build(r, method, path, headers, n_headers) != SP_OK)
		goto nomem;
	r->timer = evtimer_new(c->base, req_timeout, r);
	if (r->timer == NULL)
		goto nomem;
	tv = ms_tv(c->request_timeout_ms);
	if (evtimer_add(r->timer, &tv) != 0)
		goto nomem;
	c->st.requests++;
	r->where = SP_REQ_QUEUED;
	sp_peers__list_append(&c->queue, r);
	if (c->queue.n > c->max_queued)
		sp_peers__req_finish(r, SP_ERR_UNAVAILABLE,
		                     "too many requests queued");
	sp_peers__kick(c);
	return SP_OK;
nomem:
	req_free(r);
	return SP_ERR_NOMEM;
}

void sp_peers__kick(sp_h2_client *c)
{
	event_active(c->work, 0, 0);
}

/* A draining connection whose last stream ended has nothing left to do. */
static void conn_retire_if_idle(sp_h2_conn *k)
{
	if (k->state == SP_CONN_DRAINING && k->reqs.n == 0)
		sp_peers__conn_closed(k, SP_OK, NULL);
}

void sp_peers__req_finish(sp_h2_req *r, int err, const char *why)
{
	sp_h2_client *c = r->c;
	sp_h2_conn *k = r->conn;

	if (r->where == SP_REQ_DONE)
		return;
	if (r->where == SP_REQ_QUEUED) {
		sp_peers__list_remove(&c->queue, r);
	} else if (r->where == SP_REQ_STREAM && k != NULL) {
		sp_peers__list_remove(&k->reqs, r);
		r->conn = NULL;
	}
	if (r->timer != NULL)
		evtimer_del(r->timer);
	r->err = err;
	r->why = err != SP_OK ? why : NULL;
	if (err == SP_OK)
		c->st.responses++;
	else
		c->st.failures++;
	r->where = SP_REQ_DONE;
	sp_peers__list_append(&c->done, r);
	sp_peers__kick(c);
	if (k != NULL && !c->freeing)
		conn_retire_if_idle(k);
}

void sp_peers__req_requeue(sp_h2_req *r)
{
	sp_h2_client *c = r->c;
	sp_h2_conn *k = r->conn;

	if (r->where != SP_REQ_STREAM || k == NULL)
		return;
	sp_peers__list_remove(&k->reqs, r);
	r->conn = NULL;
	r->stream_id = 0;
	r->retried = 1;
	r->body_off = 0;
	c->st.retried++;
	r->where = SP_REQ_QUEUED;
	list_prepend(&c->queue, r);
	sp_peers__kick(c);
	if (!c->freeing)
		conn_retire_if_idle(k);
}

static void req_deliver(sp_h2_req *r)
{
	static const uint8_t empty[1] = {0};
	sp_h2_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.err = r->err;
	resp.why = r->why;
	if (r->err == SP_OK) {
		resp.status = r->status;
		resp.headers = r->fields;
		resp.n_headers = r->n_fields;
		if (r->rbody != NULL) {
			r->rbody[r->rbody_len] =
			    0; /* room kept by the reader */
			resp.body = r->rbody;
			resp.body_len = r->rbody_len;
		} else {
			resp.body = empty;
		}
	}
	r->cb(r->ud, &resp);
}

/* Call every finished request's callback. A callback may make requests or
 * free the client; the loop survives both. */
static void deliver_all(sp_h2_client *c)
{
	sp_h2_req *r;

	c->delivering = 1;
	while ((r = c->done.head) != NULL) {
		sp_peers__list_remove(&c->done, r);
		req_deliver(r);
		req_free(r);
	}
	c->delivering = 0;
}

/* ---------------------------------------------------------------- connecting
 */

static void start_connect(sp_h2_client *c)
{
	sp_h2_conn *k;
	struct timeval tv;
	const char *why = NULL;
	int rc;

	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		while (c->queue.head != NULL)
			sp_peers__req_finish(c->queue.head, SP_ERR_NOMEM,
			                     "out of memory");
		return;
	}
	k->c = c;
	k->state = SP_CONN_CONNECTING;
	k->goaway_last_id = -1;
	c->conn = k;
	tv = ms_tv(c->connect_timeout_ms);
	evtimer_add(c->conn_timer, &tv);
	rc = sp_peers__conn_start(k, &why);
	if (rc != SP_OK)
		sp_peers__conn_failed(k, rc, why);
}

/* Full jitter: the delay is uniform in [0, min(cap, base * 2^(n-1))]. */
static void arm_backoff(sp_h2_client *c)
{
	uint64_t ceiling = c->backoff_base_ms;
	uint32_t rnd = 0, delay;
	unsigned n = c->st.consecutive_failures;
	struct timeval tv;

	while (n > 1 && ceiling < c->backoff_cap_ms) {
		ceiling *= 2;
		n--;
	}
	if (ceiling > c->backoff_cap_ms)
		ceiling = c->backoff_cap_ms;
	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		rnd = (uint32_t)sp_clock_mono_ms();
	delay = (uint32_t)(rnd % (ceiling + 1));
	c->st.backoff_ceiling_ms = (uint32_t)ceiling;
	c->st.backoff_delay_ms = delay;
	c->next_reconnect_mono_ms = sp_clock_mono_ms() + delay;
	c->st.next_reconnect_ms = sp_clock_wall_ms() + delay;
	c->waiting_backoff = 1;
	/* libevent measures from the time cached at the start of this loop
	 * pass, which may be well behind now. */
	event_base_update_cache_time(c->base);
	tv = ms_tv(delay);
	evtimer_add(c->reconnect, &tv);
}

static void note_failure(sp_h2_client *c, int err, const char *why)
{
	c->st.consecutive_failures++;
	c->st.last_failure_ms = sp_clock_wall_ms();
	c->st.last_error = err;
	c->st.last_why = why;
	arm_backoff(c);
}

static void conn_to_dead(sp_h2_conn *k)
{
	sp_h2_client *c = k->c;
	sp_h2_conn **pp;

	if (c->conn == k) {
		c->conn = NULL;
		c->st.connected = 0;
		evtimer_del(c->conn_timer);
	}
	for (pp = &c->draining; *pp != NULL; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	k->state = SP_CONN_DEAD;
	k->next = c->dead;
	c->dead = k;
	sp_peers__kick(c);
}

void sp_peers__conn_failed(sp_h2_conn *k, int err, const char *why)
{
	sp_h2_client *c = k->c;

	if (k->state == SP_CONN_DEAD)
		return;
	conn_to_dead(k);
	if (c->freeing)
		return;
	note_failure(c, err, why);
	/* The requests waiting for this connection learn of the failure now;
	 * later ones wait for the next attempt. */
	while (c->queue.head != NULL)
		sp_peers__req_finish(c->queue.head, err, why);
}

void sp_peers__conn_ready(sp_h2_conn *k)
{
	sp_h2_client *c = k->c;

	k->state = SP_CONN_READY;
	evtimer_del(c->conn_timer);
	free(c->peer_der);
	c->peer_der = k->peer_der;
	c->peer_der_len = k->peer_der_len;
	k->peer_der = NULL;
	k->peer_der_len = 0;
	c->st.connected = 1;
	c->st.connects++;
	c->st.last_success_ms = sp_clock_wall_ms();
	c->st.consecutive_failures = 0;
	c->st.next_reconnect_ms = 0;
	c->st.backoff_delay_ms = 0;
	c->st.backoff_ceiling_ms = 0;
	sp_peers__kick(c);
}

void sp_peers__conn_goaway(sp_h2_conn *k)
{
	sp_h2_client *c = k->c;

	if (k->state == SP_CONN_DEAD || k->state == SP_CONN_DRAINING)
		return;
	if (k->state != SP_CONN_READY) {
		sp_peers__conn_failed(k, SP_ERR_UNAVAILABLE,
		                      "server sent GOAWAY during setup");
		return;
	}
	if (c->conn == k) {
		c->conn = NULL;
		c->st.connected = 0;
	}
	k->state = SP_CONN_DRAINING;
	k->next = c->draining;
	c->draining = k;
	sp_peers__kick(c);
	conn_retire_if_idle(k);
}

void sp_peers__conn_closed(sp_h2_conn *k, int err, const char *why)
{
	sp_h2_client *c = k->c;
	int had_streams = k->reqs.n > 0;
	sp_h2_req *r;

	if (k->state == SP_CONN_DEAD)
		return;
	if (k->state == SP_CONN_CONNECTING || k->state == SP_CONN_SETTINGS) {
		sp_peers__conn_failed(k,
		                      err != SP_OK ? err : SP_ERR_UNAVAILABLE,
		                      why != NULL ? why : "connection closed");
		return;
	}
	conn_to_dead(k);
	while ((r = k->reqs.head) != NULL) {
		if (k->goaway_last_id >= 0 &&
		    r->stream_id > k->goaway_last_id && !r->retried &&
		    !r->got_response)
			sp_peers__req_requeue(r);
		else
			sp_peers__req_finish(r, SP_ERR_IO,
			                     why != NULL ? why
			                                 : "connection lost");
	}
	/* A connection that dies with requests on it before answering any is
	 * a failed attempt: back off before the next one. */
	if (!c->freeing && had_streams && !k->answered)
		note_failure(c, err != SP_OK ? err : SP_ERR_IO,
		             why != NULL ? why : "connection lost");
}

static void client_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	sp_h2_client *c = arg;

	(void)fd;
	(void)what;
	if (c->conn != NULL && c->conn->state != SP_CONN_READY)
		sp_peers__conn_failed(c->conn, SP_ERR_UNAVAILABLE,
		                      "connect timed out");
}

static void client_reconnect_due(evutil_socket_t fd, short what, void *arg)
{
	sp_h2_client *c = arg;

	(void)fd;
	(void)what;
	c->waiting_backoff = 0;
	c->st.next_reconnect_ms = 0;
	sp_peers__kick(c);
}

static void free_dead(sp_h2_client *c)
{
	sp_h2_conn *k;

	while ((k = c->dead) != NULL) {
		c->dead = k->next;
		sp_peers__conn_free(k);
	}
}

static void client_work(evutil_socket_t fd, short what, void *arg)
{
	sp_h2_client *c = arg;
	sp_h2_conn *k, *next;

	(void)fd;
	(void)what;
	free_dead(c);
	if (c->done.head != NULL && !c->delivering) {
		deliver_all(c);
		if (c->freeing) {
			client_destroy(c);
			return;
		}
	}
	if (c->conn == NULL && c->queue.n > 0 && !c->waiting_backoff)
		start_connect(c);
	if (c->conn != NULL && c->conn->state == SP_CONN_READY)
		sp_peers__conn_pump(c->conn);
	for (k = c->draining; k != NULL; k = next) {
		next = k->next;
		sp_peers__conn_pump(k);
	}
	free_dead(c);
	/* Failures found just now are delivered on the next pass. */
}

/* ---------------------------------------------------------------- free */

static void client_destroy(sp_h2_client *c)
{
	if (c == NULL)
		return;
	free_dead(c);
	if (c->work != NULL)
		event_free(c->work);
	if (c->reconnect != NULL)
		event_free(c->reconnect);
	if (c->conn_timer != NULL)
		event_free(c->conn_timer);
	SSL_CTX_free(c->ctx);
	free(c->host);
	free(c->server_name);
	free(c->authority);
	free(c->pin);
	free(c->pin_next);
	free(c->peer_der);
	for (size_t i = 0; i < SP_H2_EXTRA_MAX; i++) {
		free(c->extra_name[i]);
		free(c->extra_value[i]);
	}
	free(c);
}

int sp_h2_client_set_header(sp_h2_client *c, const char *name,
                            const char *value)
{
	sp_h2_header h = {name, value};
	char *nn, *nv;
	size_t i;

	if (c == NULL || !header_ok(&h))
		return SP_ERR_INVALID_ARGUMENT;
	/* the slot of that name, else the first free one */
	for (i = 0; i < SP_H2_EXTRA_MAX && c->extra_name[i] != NULL &&
	            strcmp(c->extra_name[i], name) != 0;
	     i++)
		;
	if (i == SP_H2_EXTRA_MAX)
		return SP_ERR_INVALID_ARGUMENT;
	if ((nn = strdup(name)) == NULL || (nv = strdup(value)) == NULL) {
		free(nn);
		return SP_ERR_NOMEM;
	}
	free(c->extra_name[i]);
	free(c->extra_value[i]);
	c->extra_name[i] = nn;
	c->extra_value[i] = nv;
	return SP_OK;
}

void sp_h2_client_free(sp_h2_client *c)
{
	sp_h2_conn *k;

	if (c == NULL || c->freeing)
		return;
	c->freeing = 1;
	if (c->conn != NULL)
		conn_to_dead(c->conn);
	while (c->draining != NULL)
		conn_to_dead(c->draining);
	for (k = c->dead; k != NULL; k = k->next)
		while (k->reqs.head != NULL)
			sp_peers__req_finish(k->reqs.head, SP_ERR_UNAVAILABLE,
			                     "client closed");
	while (c->queue.head != NULL)
		sp_peers__req_finish(c->queue.head, SP_ERR_UNAVAILABLE,
		                     "client closed");
	free_dead(c);
	evtimer_del(c->reconnect);
	evtimer_del(c->conn_timer);
	if (c->delivering)
		return; /* the delivery loop in progress finishes the job */
	deliver_all(c);
	client_destroy(c);
}

/* ---------------------------------------------------------------- state */

void sp_h2_client_get_state(const sp_h2_client *c, sp_h2_client_state *out)
{
	const sp_h2_conn *k;

	if (out == NULL)
		return;
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	*out = c->st;
	out->queued = c->queue.n;
	out->streams_open = 0;
	if (c->conn != NULL)
		out->streams_open += c->conn->reqs.n;
	for (k = c->draining; k != NULL; k = k->next)
		out->streams_open += k->reqs.n;
}

const uint8_t *sp_h2_client_peer_cert(const sp_h2_client *c, size_t *len)
{
	if (len != NULL)
		*len = 0;
	if (c == NULL || c->peer_der == NULL)
		return NULL;
	if (len != NULL)
		*len = c->peer_der_len;
	return c->peer_der;
}
