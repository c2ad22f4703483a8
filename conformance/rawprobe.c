/* rawprobe.c: helpers over the raw frame writer for the limit and
 * robustness probes: connecting, watching how a connection ends, and the
 * stalled-request probe that runs in a background thread. */
#include "conf_int.h"
#include "h2raw.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STALL_WAIT_MS 25000u

struct sp_h2raw *cf_raw_connect(cf_ctx *x, int as_member, char *err,
                                size_t errlen)
{
	const char *why = NULL;
	sp_h2raw *c;

	/* The paths setup resolved, from --tls-cert/--tls-key or the
	 * federation directory. */
	c = sp_h2raw_connect(x->host, x->port, NULL,
	                     as_member ? x->tls_cert_path : NULL,
	                     as_member ? x->tls_key_path : NULL, 5000, &why);
	if (c == NULL)
		snprintf(err, errlen, "%s", why ? why : "connection failed");
	return c;
}

void cf_raw_watch(struct sp_h2raw *c, unsigned ms, uint32_t stop_stream,
                  cf_raw_out *o)
{
	double t0 = cf_now_ms(), deadline = t0 + ms;
	sp_h2raw_frame *f = malloc(sizeof(*f));

	memset(o, 0, sizeof(*o));
	if (f == NULL) {
		o->closed = 1;
		return;
	}
	for (;;) {
		double left = deadline - cf_now_ms();
		int r;

		if (left <= 0)
			break;
		r = sp_h2raw_read(c, f, (unsigned)left);
		if (r == 0)
			break;
		if (r < 0) {
			o->closed = 1;
			break;
		}
		if (f->type == H2_GOAWAY) {
			o->goaway = 1;
			if (f->length >= 8)
				o->goaway_code =
				    ((uint32_t)f->payload[4] << 24) |
				    ((uint32_t)f->payload[5] << 16) |
				    ((uint32_t)f->payload[6] << 8) |
				    f->payload[7];
			break;
		}
		if (f->type == H2_RST_STREAM) {
			o->resets++;
			if (f->length >= 4)
				o->rst_code = ((uint32_t)f->payload[0] << 24) |
				              ((uint32_t)f->payload[1] << 16) |
				              ((uint32_t)f->payload[2] << 8) |
				              f->payload[3];
			if (f->stream > o->rst_max_stream)
				o->rst_max_stream = f->stream;
			if (stop_stream != 0 && f->stream == stop_stream) {
				o->stopped = 1;
				break;
			}
		}
		if (f->type == H2_HEADERS) {
			o->headers++;
			/* HPACK static index 8 is ":status: 200". */
			if (f->length > 0 && f->payload[0] == 0x88)
				o->ok_status++;
			if (stop_stream != 0 && f->stream == stop_stream) {
				o->stopped = 1;
				break;
			}
		}
		if (f->type == H2_SETTINGS && !(f->flags & H2_FLAG_ACK)) {
			sp_h2raw_frame_out(c, H2_SETTINGS, H2_FLAG_ACK, 0, NULL,
			                   0);
			if (sp_h2raw_flush(c) != 0) {
				o->closed = 1;
				break;
			}
		}
	}
	o->ms = cf_now_ms() - t0;
	free(f);
}

static const char *h2_error_name(uint32_t code)
{
	static const char *const names[] = {"NO_ERROR",
	                                    "PROTOCOL_ERROR",
	                                    "INTERNAL_ERROR",
	                                    "FLOW_CONTROL_ERROR",
	                                    "SETTINGS_TIMEOUT",
	                                    "STREAM_CLOSED",
	                                    "FRAME_SIZE_ERROR",
	                                    "REFUSED_STREAM",
	                                    "CANCEL",
	                                    "COMPRESSION_ERROR",
	                                    "CONNECT_ERROR",
	                                    "ENHANCE_YOUR_CALM",
	                                    "INADEQUATE_SECURITY",
	                                    "HTTP_1_1_REQUIRED"};

	return code < sizeof(names) / sizeof(names[0]) ? names[code]
	                                               : "unknown";
}

void cf_raw_describe(const cf_raw_out *o, char *buf, size_t cap)
{
	if (o->goaway)
		snprintf(
		    buf, cap,
		    "GOAWAY %s (0x%x) after %.0f ms; %d resets, %d answers",
		    h2_error_name(o->goaway_code), o->goaway_code, o->ms,
		    o->resets, o->headers);
	else if (o->stopped && o->headers > 0)
		snprintf(buf, cap, "the stream was answered (%s) after %.0f ms",
		         o->ok_status ? "200" : "not 200", o->ms);
	else if (o->stopped)
		snprintf(buf, cap, "the stream was reset with %s after %.0f ms",
		         h2_error_name(o->rst_code), o->ms);
	else if (o->closed)
		snprintf(
		    buf, cap,
		    "connection closed after %.0f ms; %d resets, %d answers",
		    o->ms, o->resets, o->headers);
	else
		snprintf(buf, cap,
		         "connection still open after %.0f ms; %d resets (last "
		         "%s), %d answers",
		         o->ms, o->resets, h2_error_name(o->rst_code),
		         o->headers);
}

/* ------------------------------------------------------ background probes */

/* A probe that holds a connection open the way an attacker would and then
 * watches how the target ends it. Each runs once, in its own thread, while
 * the other assertions run, so its wait costs no time of its own. */
typedef struct bg_probe {
	int started;
	int as_member;
	pthread_t th;
	sp_h2raw *c;
	cf_raw_out out;
	char why[200];
	int ok;
	int (*send)(struct bg_probe *p, cf_ctx *x); /* 0, or -1 with why */
	uint32_t stop_stream;
	cf_ctx *x;
} bg_probe;

static void *bg_main(void *arg)
{
	bg_probe *p = arg;

	if (p->send(p, p->x) != 0)
		return NULL;
	cf_raw_watch(p->c, STALL_WAIT_MS, p->stop_stream, &p->out);
	p->ok = 1;
	return NULL;
}

static void bg_start(bg_probe *p, cf_ctx *x)
{
	char err[160];

	if (p->started)
		return;
	p->started = 1;
	p->x = x;
	if ((p->c = cf_raw_connect(x, p->as_member, err, sizeof(err))) ==
	    NULL) {
		snprintf(p->why, sizeof(p->why), "cannot connect: %s", err);
		return;
	}
	if (pthread_create(&p->th, NULL, bg_main, p) != 0) {
		snprintf(p->why, sizeof(p->why), "cannot start a thread");
		sp_h2raw_close(p->c);
		p->c = NULL;
	}
}

static int bg_result(bg_probe *p, cf_ctx *x, cf_raw_out *o, char *why,
                     size_t whylen)
{
	bg_start(p, x);
	if (p->c != NULL) {
		pthread_join(p->th, NULL);
		sp_h2raw_close(p->c);
		p->c = NULL;
	}
	if (!p->ok) {
		snprintf(why, whylen, "%s",
		         p->why[0] ? p->why : "the probe did not run");
		return -1;
	}
	*o = p->out;
	return 0;
}

/* ---------------------------------------------------------------- stall */

static int stall_send(bg_probe *p, cf_ctx *x)
{
	static const uint8_t some[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Record";
	uint8_t block[512];
	size_t len;

	(void)x;
	len =
	    sp_h2raw_request_block(block, sizeof(block), "POST", "/v1/records",
	                           "conformance", "content-type", 0);
	len += sp_h2raw_field(block + len, sizeof(block) - len, "content-type",
	                      "application/xml");
	sp_h2raw_frame_out(p->c, H2_HEADERS, H2_FLAG_END_HEADERS, 1, block,
	                   len);
	sp_h2raw_frame_out(p->c, H2_DATA, 0, 1, some, sizeof(some) - 1);
	if (sp_h2raw_flush(p->c) != 0) {
		snprintf(
		    p->why, sizeof(p->why),
		    "the connection closed while the request was being sent");
		return -1;
	}
	/* Then nothing more: the node must end the request by its timeout. */
	return 0;
}

static bg_probe stall = {.as_member = 1, .send = stall_send, .stop_stream = 1};

void cf_stall_start(cf_ctx *x)
{
	bg_start(&stall, x);
}

int cf_stall_result(cf_ctx *x, cf_raw_out *o, char *why, size_t whylen)
{
	return bg_result(&stall, x, o, why, whylen);
}

/* ---------------------------------------------------------- zero window */

/* An anonymous client that announces a zero stream window and then asks
 * for the trust list on every stream it may open: the target can send the
 * response headers but no body byte. */
static int zerowin_send(bg_probe *p, cf_ctx *x)
{
	static const uint8_t zero_window[6] = {
	    0x00, 0x04, 0, 0, 0, 0}; /* INITIAL_WINDOW_SIZE = 0 */
	char path[96];
	uint8_t block[512];
	size_t len;

	snprintf(path, sizeof(path), "/v1/trust-lists/%s", x->federation);
	len = sp_h2raw_request_block(block, sizeof(block), "GET", path,
	                             "conformance", NULL, 0);
	sp_h2raw_frame_out(p->c, H2_SETTINGS, 0, 0, zero_window,
	                   sizeof(zero_window));
	for (uint32_t i = 0; i < CF_ZEROWIN_STREAMS; i++)
		sp_h2raw_frame_out(p->c, H2_HEADERS,
		                   H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM,
		                   1 + 2 * i, block, len);
	if (sp_h2raw_flush(p->c) != 0) {
		snprintf(
		    p->why, sizeof(p->why),
		    "the connection closed while the requests were being sent");
		return -1;
	}
	/* Then no WINDOW_UPDATE, ever. */
	return 0;
}

static bg_probe zerowin = {
    .as_member = 0, .send = zerowin_send, .stop_stream = 0};

void cf_zerowin_start(cf_ctx *x)
{
	bg_start(&zerowin, x);
}

int cf_zerowin_result(cf_ctx *x, cf_raw_out *o, char *why, size_t whylen)
{
	return bg_result(&zerowin, x, o, why, whylen);
}
