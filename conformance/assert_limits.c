/* assert_limits.c: Limits assertions: advertised SETTINGS, oversized bodies
 * (declared and streamed), oversized and flooded header lists, more streams
 * than advertised, and concurrent streams within the limit. */
#include "conf_int.h"
#include "h2raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_BODY                        (((size_t)16 << 20) + 1) /* above any limit a node may set */
#define SETTINGS_MAX_CONCURRENT_STREAMS 0x3
#define SETTINGS_MAX_HEADER_LIST_SIZE   0x6

static uint32_t g_max_streams; /* as advertised, for the streams probe */

static void t_settings(cf_ctx *x, const void *arg, cf_result *r)
{
	sp_h2raw *c;
	sp_h2raw_frame *f;
	char err[200], note[160];
	int have_streams = 0, have_hl = 0;
	uint32_t streams = 0, hl = 0;

	(void)arg;
	/* The stalled-request and zero-window probes run while the other
	 * assertions do. */
	cf_stall_start(x);
	cf_zerowin_start(x);
	if ((c = cf_raw_connect(x, 0, err, sizeof(err))) == NULL) {
		cf_fail(r, "cannot connect: %s", err);
		return;
	}
	if ((f = malloc(sizeof(*f))) == NULL) {
		sp_h2raw_close(c);
		cf_fail(r, "out of memory");
		return;
	}
	if (sp_h2raw_wait(c, H2_SETTINGS, 0, f, 3000) != 1 ||
	    (f->flags & H2_FLAG_ACK)) {
		cf_fail(r, "the server sent no SETTINGS frame first");
	} else {
		for (size_t i = 0; i + 6 <= f->length; i += 6) {
			unsigned id =
			    ((unsigned)f->payload[i] << 8) | f->payload[i + 1];
			uint32_t v = ((uint32_t)f->payload[i + 2] << 24) |
			             ((uint32_t)f->payload[i + 3] << 16) |
			             ((uint32_t)f->payload[i + 4] << 8) |
			             f->payload[i + 5];

			if (id == SETTINGS_MAX_CONCURRENT_STREAMS) {
				have_streams = 1;
				streams = v;
			} else if (id == SETTINGS_MAX_HEADER_LIST_SIZE) {
				have_hl = 1;
				hl = v;
			}
		}
		snprintf(
		    note, sizeof(note),
		    "MAX_CONCURRENT_STREAMS=%s%u MAX_HEADER_LIST_SIZE=%s%u",
		    have_streams ? "" : "absent:", streams,
		    have_hl ? "" : "absent:", hl);
		cf_evidence_add(r, "server SETTINGS", 0, "", 0, note);
		g_max_streams = have_streams ? streams : 0;
		if (!have_streams || streams > 100)
			cf_fail(r,
			        "SETTINGS_MAX_CONCURRENT_STREAMS is %s, not at "
			        "most 100",
			        have_streams ? "above 100" : "not advertised");
		else if (!have_hl)
			cf_fail(
			    r,
			    "SETTINGS_MAX_HEADER_LIST_SIZE is not advertised");
		else
			cf_pass(r, "%s", note);
	}
	free(f);
	sp_h2raw_close(c);
}

static void big_body(cf_ctx *x, int streamed, cf_result *r)
{
	uint8_t *body = malloc(BIG_BODY);
	cf_conn *c;
	cf_req q;
	char err[200], note[160];

	if (body == NULL) {
		cf_fail(r, "out of memory");
		return;
	}
	memset(body, 'a', BIG_BODY);
	memcpy(body, "<Record>", 8);
	if ((c = cf_connect_as(x, x->tls_cert, x->tls_key, err, sizeof(err))) ==
	    NULL) {
		cf_fail(r, "cannot connect: %s", err);
		free(body);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.path = "/v1/records";
	q.ctype = "application/xml";
	q.body = body;
	q.len = BIG_BODY;
	q.no_length = streamed;
	q.stop_on_response = 1;
	cf_exchange(c, &q, 1, x->timeout_ms);
	cf_note_response(
	    x, "POST",
	    streamed ? "/v1/records (16 MiB + 1 bytes, no content-length)"
	             : "/v1/records (content-length 16 MiB + 1)",
	    &q.resp, x->as, r);
	snprintf(note, sizeof(note),
	         "%zu of %zu body bytes had been sent when the answer came",
	         q.resp.sent_at_status, (size_t)BIG_BODY);
	cf_evidence_add(r, "body progress", q.resp.status, "", q.resp.ms, note);
	if (cf_expect_error(r, &q.resp, SP_ERR_TOO_LARGE,
	                    "a body above 16 MiB") &&
	    streamed) {
		if (q.resp.sent_at_status >= BIG_BODY)
			cf_fail(r, "413 too-large, but only after the whole "
			           "body was accepted");
		else
			cf_pass(r,
			        "413 too-large after %zu of %zu bytes: the "
			        "body was not read to the end",
			        q.resp.sent_at_status, (size_t)BIG_BODY);
	}
	cf_resp_free(&q.resp);
	cf_close(c);
	free(body);
}

static void t_body_declared(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	big_body(x, 0, r);
}

static void t_body_streamed(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	big_body(x, 1, r);
}

/* Send one request whose header block holds `fields` extra fields of
 * `each` bytes, and watch the answer. */
static void header_probe(cf_ctx *x, size_t fields, size_t each,
                         const char *what, cf_result *r)
{
	size_t cap = fields * (each + 40) + 512, len, off;
	uint8_t *block = malloc(cap);
	char *val = malloc(each + 1), name[32], err[200], note[200];
	sp_h2raw *c;
	cf_raw_out o;

	if (block == NULL || val == NULL) {
		cf_fail(r, "out of memory");
		goto out;
	}
	memset(val, 'v', each);
	val[each] = '\0';
	len = sp_h2raw_request_block(block, cap, "GET", "/healthz",
	                             "conformance", NULL, 0);
	for (size_t i = 0; i < fields; i++) {
		snprintf(name, sizeof(name), "x-conf-%zu", i);
		len += sp_h2raw_field(block + len, cap - len, name, val);
	}
	if ((c = cf_raw_connect(x, 0, err, sizeof(err))) == NULL) {
		cf_fail(r, "cannot connect: %s", err);
		goto out;
	}
	for (off = 0; off < len; off += 16384) {
		size_t k = len - off > 16384 ? 16384 : len - off;
		int last = off + k == len;

		if (off == 0)
			sp_h2raw_frame_out(
			    c, H2_HEADERS,
			    (uint8_t)(H2_FLAG_END_STREAM |
			              (last ? H2_FLAG_END_HEADERS : 0)),
			    1, block, k);
		else
			sp_h2raw_frame_out(c, H2_CONTINUATION,
			                   last ? H2_FLAG_END_HEADERS : 0, 1,
			                   block + off, k);
	}
	sp_h2raw_flush(c);
	cf_raw_watch(c, 3000, 1, &o);
	cf_raw_describe(&o, note, sizeof(note));
	cf_evidence_add(r, what, 0, "", o.ms, note);
	if (o.ok_status > 0)
		cf_fail(r, "%s (%zu bytes of header block) was answered 200",
		        what, len);
	else if (o.resets > 0 || o.goaway || o.closed || o.headers > 0)
		cf_pass(r, "%s was refused: %s", what, note);
	else
		cf_fail(r, "%s got no reaction: %s", what, note);
	sp_h2raw_close(c);
out:
	free(block);
	free(val);
}

static void t_header_big(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	header_probe(x, 1, 40000, "one 40000-byte header field", r);
}

static void t_header_flood(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	header_probe(x, 2000, 16, "2000 header fields", r);
}

static void t_streams(cf_ctx *x, const void *arg, cf_result *r)
{
	uint8_t block[512];
	size_t len;
	uint32_t limit = g_max_streams ? g_max_streams : 100, n = limit + 50,
	         sid = 1;
	sp_h2raw *c;
	cf_raw_out o;
	char err[200], note[200];

	(void)arg;
	if ((c = cf_raw_connect(x, 1, err, sizeof(err))) == NULL) {
		cf_fail(r, "cannot connect: %s", err);
		return;
	}
	len = sp_h2raw_request_block(block, sizeof(block), "POST",
	                             "/v1/records", "conformance", NULL, 0);
	len += sp_h2raw_field(block + len, sizeof(block) - len, "content-type",
	                      "application/xml");
	/* Requests whose bodies never come keep every stream open. */
	for (uint32_t i = 0; i < n; i++, sid += 2)
		sp_h2raw_frame_out(c, H2_HEADERS, H2_FLAG_END_HEADERS, sid,
		                   block, len);
	sp_h2raw_flush(c);
	cf_raw_watch(c, 3000, 0, &o);
	cf_raw_describe(&o, note, sizeof(note));
	cf_evidence_add(r, "150 streams opened at once", 0, "", o.ms, note);
	if (o.goaway || o.closed ||
	    (o.resets > 0 && o.rst_max_stream > 2 * limit - 1))
		cf_pass(r, "streams beyond the advertised %u were refused: %s",
		        limit, note);
	else
		cf_fail(r,
		        "%u streams were opened against an advertised limit of "
		        "%u and none beyond it was "
		        "refused: %s",
		        n, limit, note);
	sp_h2raw_close(c);
}

static void t_concurrent(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_req q[20];
	cf_conn *c;
	char err[200], note[120];
	int ok = 0;

	(void)arg;
	if ((c = cf_connect_as(x, x->tls_cert, x->tls_key, err, sizeof(err))) ==
	    NULL) {
		cf_fail(r, "cannot connect: %s", err);
		return;
	}
	memset(q, 0, sizeof(q));
	for (int i = 0; i < 20; i++) {
		q[i].method = "GET";
		q[i].path = "/healthz";
	}
	cf_exchange(c, q, 20, x->timeout_ms);
	for (int i = 0; i < 20; i++) {
		if (q[i].resp.status == 200)
			ok++;
		if (i < 2)
			cf_note_response(
			    x, "GET", "/healthz (one of 20 concurrent streams)",
			    &q[i].resp, x->as, r);
		cf_resp_free(&q[i].resp);
	}
	cf_close(c);
	snprintf(note, sizeof(note), "%d of 20 answered 200", ok);
	cf_evidence_add(r, "20 concurrent streams", 0, "", 0, note);
	if (ok == 20)
		cf_pass(r, "20 concurrent streams on one connection were all "
		           "answered");
	else
		cf_fail(r,
		        "only %d of 20 concurrent streams on one connection "
		        "were answered 200",
		        ok);
}

static const cf_assertion list[] = {
    {"the server advertises its stream and header-list limits", "API-8",
     CF_MUST, t_settings, NULL, CF_READS},
    {"a body declared above 16 MiB answers 413 too-large", "API-17, XML-1",
     CF_MUST, t_body_declared, NULL, CF_READS},
    {"a streamed oversized body is refused before it ends",
     "XML-2, SEC-10, API-17", CF_MUST, t_body_streamed, NULL, CF_READS},
    {"an oversized header list is refused", "SEC-9, API-8", CF_MUST,
     t_header_big, NULL, CF_READS},
    {"a flood of header fields is refused", "SEC-9", CF_MUST, t_header_flood,
     NULL, CF_READS},
    {"streams beyond the advertised limit are refused", "API-8, SEC-15",
     CF_MUST, t_streams, NULL, CF_READS},
    {"concurrent streams within the limit are all answered", "API-7, API-9",
     CF_MUST, t_concurrent, NULL, CF_READS},
};

const cf_assertion *cf_area_limits(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
