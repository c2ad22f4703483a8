/* assert_h2.c: HTTP/2 robustness assertions: rapid reset, CONTINUATION
 * flood, invalid frames, control-frame floods, a stalled request, and
 * afterwards: the target still answers and still accepts records. */
#include "conf_int.h"
#include "h2raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENHANCE_YOUR_CALM 0xb

static uint8_t g_block[1 << 16];

/* Connect anonymously and let the server's SETTINGS arrive first. */
static sp_h2raw *open_raw(cf_ctx *x, cf_result *r)
{
	char err[200];
	sp_h2raw *c = cf_raw_connect(x, 0, err, sizeof(err));
	sp_h2raw_frame *f;

	if (c == NULL) {
		cf_fail(r, "cannot connect: %s", err);
		return NULL;
	}
	if ((f = malloc(sizeof(*f))) != NULL) {
		sp_h2raw_wait(c, H2_SETTINGS, 0, f, 2000);
		free(f);
	}
	return c;
}

static void watch(sp_h2raw *c, const char *what, unsigned ms, cf_raw_out *o,
                  cf_result *r)
{
	char note[200];

	cf_raw_watch(c, ms, 0, o);
	cf_raw_describe(o, note, sizeof(note));
	cf_evidence_add(r, what, 0, "", o->ms, note);
}

static void t_rapid_reset(cf_ctx *x, const void *arg, cf_result *r)
{
	static const uint8_t cancel[4] = {0, 0, 0, 8};
	sp_h2raw *c = open_raw(x, r);
	size_t len;
	uint32_t sid = 1;
	cf_raw_out o;
	int gone = 0;

	(void)arg;
	if (c == NULL)
		return;
	len = sp_h2raw_request_block(g_block, sizeof(g_block), "GET",
	                             "/healthz", "conformance", NULL, 0);
	for (int i = 0; i < 5000 && !gone; i++, sid += 2) {
		sp_h2raw_frame_out(c, H2_HEADERS,
		                   H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM,
		                   sid, g_block, len);
		sp_h2raw_frame_out(c, H2_RST_STREAM, 0, sid, cancel, 4);
		if (i % 64 == 63 && sp_h2raw_flush(c) != 0)
			gone = 1;
	}
	sp_h2raw_flush(c);
	watch(c, "5000 streams opened and reset at once", 5000, &o, r);
	if (o.goaway && o.goaway_code == ENHANCE_YOUR_CALM)
		cf_pass(
		    r,
		    "the connection was closed with GOAWAY ENHANCE_YOUR_CALM");
	else if (o.goaway)
		cf_fail(r,
		        "the connection was closed with GOAWAY code 0x%x, not "
		        "ENHANCE_YOUR_CALM (0xb)",
		        o.goaway_code);
	else if (o.closed || gone)
		cf_fail(r, "the connection was dropped without GOAWAY "
		           "ENHANCE_YOUR_CALM");
	else
		cf_fail(r, "5000 rapid resets were taken without closing the "
		           "connection");
	sp_h2raw_close(c);
}

static void t_continuation(cf_ctx *x, const void *arg, cf_result *r)
{
	sp_h2raw *c = open_raw(x, r);
	uint8_t field[128];
	size_t len, fl;
	cf_raw_out o;
	int gone = 0;

	(void)arg;
	if (c == NULL)
		return;
	len = sp_h2raw_request_block(g_block, sizeof(g_block), "GET",
	                             "/healthz", "conformance", NULL, 0);
	sp_h2raw_frame_out(c, H2_HEADERS, H2_FLAG_END_STREAM, 1, g_block, len);
	fl = sp_h2raw_field(field, sizeof(field), "x-c",
	                    "cccccccccccccccccccccccccccccccccccccccc");
	for (int i = 0; i < 5000 && !gone; i++) {
		sp_h2raw_frame_out(c, H2_CONTINUATION, 0, 1, field, fl);
		if (i % 64 == 63 && sp_h2raw_flush(c) != 0)
			gone = 1;
	}
	sp_h2raw_flush(c);
	watch(c, "HEADERS then 5000 CONTINUATION frames without END_HEADERS",
	      5000, &o, r);
	if (o.goaway || o.closed || gone)
		cf_pass(r, "the connection was closed");
	else
		cf_fail(r, "5000 CONTINUATION frames were taken without "
		           "closing the connection");
	sp_h2raw_close(c);
}

/* One invalid frame: the connection must end (RFC 9113 connection error). */
static void invalid(cf_ctx *x, uint8_t type, uint8_t flags, uint32_t stream,
                    const uint8_t *p, size_t n, const char *what, cf_result *r)
{
	sp_h2raw *c = open_raw(x, r);
	cf_raw_out o;

	if (c == NULL)
		return;
	sp_h2raw_frame_out(c, type, flags, stream, p, n);
	sp_h2raw_flush(c);
	watch(c, what, 3000, &o, r);
	if (o.goaway && o.goaway_code != 0)
		cf_pass(r, "%s ended the connection with GOAWAY code 0x%x",
		        what, o.goaway_code);
	else if (o.goaway || o.closed)
		cf_pass(r, "%s ended the connection", what);
	else
		cf_fail(r, "%s was ignored: the connection stayed open", what);
	sp_h2raw_close(c);
}

static void t_data_stream0(cf_ctx *x, const void *arg, cf_result *r)
{
	static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	(void)arg;
	invalid(x, H2_DATA, 0, 0, junk, sizeof(junk),
	        "a DATA frame on stream 0", r);
}

static void t_settings_length(cf_ctx *x, const void *arg, cf_result *r)
{
	static const uint8_t five[5] = {0, 3, 0, 0, 0};

	(void)arg;
	invalid(x, H2_SETTINGS, 0, 0, five, sizeof(five),
	        "a SETTINGS frame of 5 bytes", r);
}

static void t_window_zero(cf_ctx *x, const void *arg, cf_result *r)
{
	static const uint8_t zero[4] = {0, 0, 0, 0};

	(void)arg;
	invalid(x, H2_WINDOW_UPDATE, 0, 0, zero, sizeof(zero),
	        "a connection WINDOW_UPDATE of 0", r);
}

static void t_even_stream(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t len = sp_h2raw_request_block(g_block, sizeof(g_block), "GET",
	                                    "/healthz", "conformance", NULL, 0);

	(void)arg;
	invalid(x, H2_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, 2,
	        g_block, len, "HEADERS on an even (server-initiated) stream id",
	        r);
}

static void flood(cf_ctx *x, uint8_t type, const uint8_t *p, size_t n,
                  int count, const char *what, cf_result *r)
{
	sp_h2raw *c = open_raw(x, r);
	cf_raw_out o;
	int gone = 0;

	if (c == NULL)
		return;
	/* Written without reading any answer: the acknowledgements pile up
	 * at the server. */
	for (int i = 0; i < count && !gone; i++) {
		sp_h2raw_frame_out(c, type, 0, 0, p, n);
		if (i % 256 == 255 && sp_h2raw_flush(c) != 0)
			gone = 1;
	}
	if (!gone && sp_h2raw_flush(c) != 0)
		gone = 1;
	watch(c, what, 5000, &o, r);
	if (gone || o.goaway || o.closed)
		cf_pass(r, "the connection was closed%s",
		        gone ? " while the flood was being sent" : "");
	else
		cf_fail(r, "%s were taken without closing the connection",
		        what);
	sp_h2raw_close(c);
}

static void t_ping_flood(cf_ctx *x, const void *arg, cf_result *r)
{
	static const uint8_t data[8] = {'c', 'o', 'n', 'f', 'p', 'i', 'n', 'g'};

	(void)arg;
	flood(x, H2_PING, data, sizeof(data), 2000000, "2000000 PING frames",
	      r);
}

static void t_settings_flood(cf_ctx *x, const void *arg, cf_result *r)
{
	(void)arg;
	flood(x, H2_SETTINGS, NULL, 0, 2000000, "2000000 empty SETTINGS frames",
	      r);
}

static void t_stall(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_raw_out o;
	char why[200], note[200];

	(void)arg;
	if (cf_stall_result(x, &o, why, sizeof(why)) != 0) {
		cf_fail(r, "the stalled-request probe could not run: %s", why);
		return;
	}
	cf_raw_describe(&o, note, sizeof(note));
	cf_evidence_add(
	    r, "POST /v1/records: headers and 46 body bytes, then silence", 0,
	    "", o.ms, note);
	if (o.resets > 0 || o.goaway || o.closed || o.headers > 0)
		cf_pass(r, "the stalled request was ended after %.1f s: %s",
		        o.ms / 1000.0, note);
	else
		cf_fail(r,
		        "a request stalled mid-body was still open after %.0f "
		        "s (the SPEC default timeout is 15 s)",
		        o.ms / 1000.0);
}

static void t_zero_window(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_raw_out o;
	char why[200], note[200], req[160];

	(void)arg;
	if (cf_zerowin_result(x, &o, why, sizeof(why)) != 0) {
		cf_fail(r, "the zero-window probe could not run: %s", why);
		return;
	}
	cf_raw_describe(&o, note, sizeof(note));
	snprintf(req, sizeof(req),
	         "anonymous, INITIAL_WINDOW_SIZE 0, GET /v1/trust-lists/%s on "
	         "%u streams",
	         x->federation, CF_ZEROWIN_STREAMS);
	cf_evidence_add(r, req, 0, "", o.ms, note);
	if (o.goaway || o.closed || o.resets >= (int)CF_ZEROWIN_STREAMS)
		cf_pass(r,
		        "a client that never opens its window was cut off "
		        "after %.1f s: %s",
		        o.ms / 1000.0, note);
	else
		cf_fail(r,
		        "a client that never opens its window still held %d of "
		        "%u streams after %.0f s "
		        "(the SPEC default stream timeout is 15 s)",
		        (int)CF_ZEROWIN_STREAMS - o.resets, CF_ZEROWIN_STREAMS,
		        o.ms / 1000.0);
}

static void t_survives(cf_ctx *x, const void *arg, cf_result *r)
{
	cf_resp h, d;
	uint8_t *rec = NULL;
	size_t len = 0;
	char err[200];

	(void)arg;
	cf_close(x->anon);
	x->anon = NULL;
	cf_close(x->member);
	x->member = NULL;
	cf_http(x, CF_AS_ANON, "GET", "/healthz", NULL, NULL, 0, &h, r);
	if (h.status != 200) {
		cf_fail(r,
		        "after the probes GET /healthz answered %d: the target "
		        "did not survive",
		        h.status);
		cf_resp_free(&h);
		return;
	}
	cf_resp_free(&h);
	if (!cf_need_target(x, r))
		return;
	if (cf_record(x, NULL, &rec, &len, err, sizeof(err)) != SP_OK) {
		cf_fail(r, "suite: %s", err);
		return;
	}
	cf_deliver(x, rec, len, &d, r);
	if (d.status == 201)
		cf_pass(r, "after every probe the target answers /healthz and "
		           "accepts a record with 201");
	else
		cf_fail(
		    r,
		    "after the probes a valid record was answered %d, not 201",
		    d.status);
	cf_resp_free(&d);
	free(rec);
}

static const cf_assertion list[] = {
    {"rapid reset ends the connection with ENHANCE_YOUR_CALM", "SEC-11",
     CF_MUST, t_rapid_reset, NULL, CF_READS},
    {"a CONTINUATION flood ends the connection", "SEC-12", CF_MUST,
     t_continuation, NULL, CF_READS},
    {"DATA on stream 0 ends the connection", "API-7, SEC-13", CF_MUST,
     t_data_stream0, NULL, CF_READS},
    {"a SETTINGS frame of a wrong length ends the connection", "API-7", CF_MUST,
     t_settings_length, NULL, CF_READS},
    {"a zero WINDOW_UPDATE on the connection ends it", "API-7", CF_MUST,
     t_window_zero, NULL, CF_READS},
    {"HEADERS on a server-initiated stream id ends the connection", "API-7",
     CF_MUST, t_even_stream, NULL, CF_READS},
    {"a PING flood ends the connection", "SEC-13", CF_MUST, t_ping_flood, NULL,
     CF_READS},
    {"a SETTINGS flood ends the connection", "SEC-13", CF_MUST,
     t_settings_flood, NULL, CF_READS},
    {"a request stalled mid-body is ended by a timeout", "SEC-14", CF_MUST,
     t_stall, NULL, CF_READS},
    {"a client that never reads its responses (zero window) is cut off",
     "SEC-22, SEC-23", CF_MUST, t_zero_window, NULL, CF_READS},
    {"the target survives: it answers and accepts records",
     "API-55, API-23, SEC-15", CF_MUST, t_survives, NULL, CF_WRITES},
};

const cf_assertion *cf_area_h2(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
