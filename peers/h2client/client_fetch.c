/* client_fetch.c: the blocking one-request fetch on a private event loop, and
 * response header lookup. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "client_int.h"

void sp_peers__fields_free(sp_h2_field *f, size_t n)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((void *)(uintptr_t)f[i].name);
		free((void *)(uintptr_t)f[i].value);
	}
	free(f);
}

static const char *field_find(const sp_h2_field *f, size_t n, const char *name,
                              size_t *len)
{
	size_t i;

	if (len != NULL)
		*len = 0;
	if (f == NULL || name == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0) {
			if (len != NULL)
				*len = f[i].value_len;
			return f[i].value;
		}
	return NULL;
}

const char *sp_h2_response_header(const sp_h2_response *resp, const char *name,
                                  size_t *len)
{
	if (resp == NULL)
		return field_find(NULL, 0, name, len);
	return field_find(resp->headers, resp->n_headers, name, len);
}

const char *sp_h2_result_header(const sp_h2_result *r, const char *name,
                                size_t *len)
{
	if (r == NULL)
		return field_find(NULL, 0, name, len);
	return field_find(r->headers, r->n_headers, name, len);
}

void sp_h2_result_free(sp_h2_result *r)
{
	if (r == NULL)
		return;
	sp_peers__fields_free(r->headers, r->n_headers);
	free(r->body);
	free(r->peer_cert_der);
	memset(r, 0, sizeof(*r));
}

typedef struct fetch_state {
	struct event_base *base;
	sp_h2_client *client;
	sp_h2_result *out;
	int done;
	int err;
	const char *why;
} fetch_state;

static void *dup_mem(const void *p, size_t n, size_t extra)
{
	uint8_t *q = malloc(n + extra);

	if (q == NULL)
		return NULL;
	if (n > 0)
		memcpy(q, p, n);
	if (extra > 0)
		memset(q + n, 0, extra);
	return q;
}

/* Copy the response into the caller's result while it is still valid. */
static int result_copy(fetch_state *fs, const sp_h2_response *resp)
{
	sp_h2_result *out = fs->out;
	const uint8_t *der;
	size_t i, der_len;

	out->status = resp->status;
	out->body = dup_mem(resp->body, resp->body_len, 1);
	if (out->body == NULL)
		return SP_ERR_NOMEM;
	out->body_len = resp->body_len;
	if (resp->n_headers > 0) {
		out->headers = calloc(resp->n_headers, sizeof(*out->headers));
		if (out->headers == NULL)
			return SP_ERR_NOMEM;
		for (i = 0; i < resp->n_headers; i++) {
			const sp_h2_field *f = &resp->headers[i];
			sp_h2_field *g = &out->headers[i];

			g->name = dup_mem(f->name, f->name_len, 1);
			g->value = dup_mem(f->value, f->value_len, 1);
			out->n_headers = i + 1;
			if (g->name == NULL || g->value == NULL)
				return SP_ERR_NOMEM;
			g->name_len = f->name_len;
			g->value_len = f->value_len;
		}
	}
	der = sp_h2_client_peer_cert(fs->client, &der_len);
	if (der != NULL) {
		out->peer_cert_der = dup_mem(der, der_len, 0);
		if (out->peer_cert_der == NULL)
			return SP_ERR_NOMEM;
		out->peer_cert_der_len = der_len;
	}
	return SP_OK;
}

static void fetch_done(void *ud, const sp_h2_response *resp)
{
	fetch_state *fs = ud;

	fs->done = 1;
	fs->err = resp->err;
	fs->why = resp->why;
	if (resp->err == SP_OK) {
		fs->err = result_copy(fs, resp);
		if (fs->err != SP_OK)
			fs->why = "out of memory";
	}
	event_base_loopbreak(fs->base);
}

int sp_h2_fetch(const sp_h2_client_config *cfg, const char *method,
                const char *path, const sp_h2_header *headers, size_t n_headers,
                const void *body, size_t body_len, sp_h2_result *out,
                const char **why)
{
	const char *dummy; /* per call: no shared state between threads */
	fetch_state fs;
	int rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (out == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	memset(out, 0, sizeof(*out));
	memset(&fs, 0, sizeof(fs));
	fs.out = out;
	fs.base = event_base_new();
	if (fs.base == NULL) {
		*why = "cannot create an event loop";
		return SP_ERR_NOMEM;
	}
	rc = sp_h2_client_new(fs.base, cfg, &fs.client, why);
	if (rc != SP_OK)
		goto done;
	rc = sp_h2_client_request(fs.client, method, path, headers, n_headers,
	                          body, body_len, fetch_done, &fs);
	if (rc != SP_OK) {
		*why = "invalid request";
		goto done;
	}
	/* The request's own timer guarantees the callback, so this ends. */
	while (!fs.done)
		if (event_base_loop(fs.base, EVLOOP_ONCE) < 0)
			break;
	if (!fs.done) {
		rc = SP_ERR_INTERNAL;
		*why = "event loop failed";
	} else {
		rc = fs.err;
		*why = fs.why;
	}
done:
	/* Frees the connection; a callback still pending (only after a loop
	 * failure) runs here. */
	sp_h2_client_free(fs.client);
	event_base_free(fs.base);
	if (rc != SP_OK)
		sp_h2_result_free(out);
	return rc;
}
