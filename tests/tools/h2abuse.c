/* h2abuse.c: drive one HTTP/2 abuse pattern against a node and report how it
 * defended itself. Used by tests/integration/node_abuse.sh. */
#include "h2raw.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: h2abuse HOST PORT CA CERT KEY MODE [N]\n"
    "modes: rapid-reset N | continuation N | big-headers N | streams N |\n"
    "       bad-frame | slow-body MS |\n"
    "       zero-window N PATH SECONDS | slow-read N PATH SECONDS |\n"
    "       hold SECONDS\n"
    "zero-window: N connections, 100 GET PATH streams each, stream and\n"
    "connection windows kept at zero; slow-read: the same, granting one byte\n"
    "of window per stream a second. Both wait up to SECONDS for the server to\n"
    "close every connection. hold: a well-behaved client (GET /healthz twice\n"
    "a second) that waits up to SECONDS for the server to end its connection.\n"
    "Exit 0 when the server defended itself (reset, refused or closed as\n"
    "HTTP/2 expects), 1 when it did not, 2 on usage or connection errors.\n";

static uint8_t block[1 << 20];

/* After an attack: did the server end the connection or the streams? */
static int outcome(sp_h2raw *c, unsigned ms, const char *mode)
{
	sp_h2raw_frame f;
	int r, resets = 0, answers = 0;

	for (;;) {
		r = sp_h2raw_read(c, &f, ms);
		if (r == 0) {
			printf(
			    "%s: no end after %u ms (resets=%d answers=%d)\n",
			    mode, ms, resets, answers);
			return resets > 0 || answers > 0 ? 0 : 1;
		}
		if (r < 0) {
			printf("%s: connection closed (resets=%d answers=%d)\n",
			       mode, resets, answers);
			return 0;
		}
		if (f.type == H2_GOAWAY && f.length >= 8) {
			uint32_t code = ((uint32_t)f.payload[4] << 24) |
			                ((uint32_t)f.payload[5] << 16) |
			                ((uint32_t)f.payload[6] << 8) |
			                f.payload[7];

			printf("%s: GOAWAY error=0x%x (resets=%d answers=%d)\n",
			       mode, code, resets, answers);
			return 0;
		}
		if (f.type == H2_RST_STREAM)
			resets++;
		if (f.type == H2_HEADERS)
			answers++;
		if (f.type == H2_SETTINGS && !(f.flags & H2_FLAG_ACK)) {
			sp_h2raw_frame_out(c, H2_SETTINGS, H2_FLAG_ACK, 0, NULL,
			                   0);
			sp_h2raw_flush(c);
		}
	}
}

#define HOLD_STREAMS   100
#define HOLD_MAX_CONNS 64

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The zero-window attack (and its slow-read variant): hold answers the
 * server has computed without ever taking them. The server must reset the
 * streams and close the connections within its timeouts. Prints when each
 * connection ended; returns 0 if all did within `secs`. */
static int hold_answers(sp_h2raw **conns, size_t n, const char *path,
                        unsigned secs, int slow, const char *mode)
{
	static const uint8_t zero_window[6] = {
	    0, 4, 0, 0, 0, 0}; /* INITIAL_WINDOW_SIZE 0 */
	uint64_t t0 = ms_now(), end = t0 + (uint64_t)secs * 1000u,
	         next_grant = t0 + 1000;
	uint64_t closed_at[HOLD_MAX_CONNS] = {0};
	size_t len, open = n, i;
	unsigned resets = 0, headers = 0, data = 0, goaways = 0;
	sp_h2raw_frame f;

	len = sp_h2raw_request_block(block, sizeof(block), "GET", path, "node",
	                             NULL, 0);
	for (i = 0; i < n; i++) {
		uint32_t sid = 1;

		/* The connection window stays at its initial 65535, which a
		 * client cannot lower: it is never updated either, and the
		 * stream windows are zero, so nothing but HEADERS can come. */
		sp_h2raw_frame_out(conns[i], H2_SETTINGS, 0, 0, zero_window,
		                   sizeof(zero_window));
		for (unsigned k = 0; k < HOLD_STREAMS; k++, sid += 2)
			sp_h2raw_frame_out(conns[i], H2_HEADERS,
			                   H2_FLAG_END_HEADERS |
			                       H2_FLAG_END_STREAM,
			                   sid, block, len);
		if (sp_h2raw_flush(conns[i]) != 0)
			closed_at[i] = ms_now();
	}
	while (open > 0 && ms_now() < end) {
		int grant = slow && ms_now() >= next_grant;

		if (grant)
			next_grant += 1000;
		open = 0;
		for (i = 0; i < n; i++) {
			int r;

			if (closed_at[i] != 0)
				continue;
			if (grant) {
				uint8_t one[4];

				put32(one, 1);
				for (uint32_t sid = 1; sid < 2 * HOLD_STREAMS;
				     sid += 2)
					sp_h2raw_frame_out(conns[i],
					                   H2_WINDOW_UPDATE, 0,
					                   sid, one, 4);
				sp_h2raw_frame_out(conns[i], H2_WINDOW_UPDATE,
				                   0, 0, one, 4);
				(void)sp_h2raw_flush(conns[i]);
			}
			/* Drain what has arrived (never DATA beyond the
			 * window), acknowledging SETTINGS and PING. */
			while ((r = sp_h2raw_read(conns[i], &f, 10)) == 1) {
				if (f.type == H2_RST_STREAM)
					resets++;
				else if (f.type == H2_HEADERS)
					headers++;
				else if (f.type == H2_DATA)
					data += f.length;
				else if (f.type == H2_GOAWAY)
					goaways++;
				else if (f.type == H2_SETTINGS &&
				         !(f.flags & H2_FLAG_ACK)) {
					sp_h2raw_frame_out(
					    conns[i], H2_SETTINGS, H2_FLAG_ACK,
					    0, NULL, 0);
					(void)sp_h2raw_flush(conns[i]);
				} else if (f.type == H2_PING &&
				           !(f.flags & H2_FLAG_ACK)) {
					sp_h2raw_frame_out(conns[i], H2_PING,
					                   H2_FLAG_ACK, 0,
					                   f.payload, f.length);
					(void)sp_h2raw_flush(conns[i]);
				}
			}
			if (r < 0)
				closed_at[i] = ms_now();
			else
				open++;
		}
	}
	{
		uint64_t last = 0;

		for (i = 0; i < n; i++)
			if (closed_at[i] > last)
				last = closed_at[i];
		printf(
		    "%s: %zu of %zu connections closed by the server, the last "
		    "after %llu ms "
		    "(answers=%u resets=%u data=%u goaways=%u)\n",
		    mode, n - open, n,
		    (unsigned long long)(open == 0 ? last - t0 : ms_now() - t0),
		    headers, resets, data, goaways);
	}
	return open == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *why = NULL, *mode;
	char *end;
	unsigned long n, port;
	uint32_t sid = 1;
	size_t len, i;
	sp_h2raw *c;
	sp_h2raw_frame f;
	int rc;

	if (argc < 7) {
		fputs(usage, stderr);
		return 2;
	}
	/* A server that closes on us mid-write is a defence, not a crash. */
	signal(SIGPIPE, SIG_IGN);
	mode = argv[6];
	n = argc > 7 ? strtoul(argv[7], NULL, 10) : 0;
	port = strtoul(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || port == 0 || port > 65535) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(mode, "zero-window") == 0 ||
	    strcmp(mode, "slow-read") == 0) {
		sp_h2raw *conns[HOLD_MAX_CONNS];
		unsigned long secs = argc > 9 ? strtoul(argv[9], NULL, 10) : 0;

		if (argc < 10 || n == 0 || n > HOLD_MAX_CONNS || secs == 0 ||
		    argv[8][0] != '/') {
			fputs(usage, stderr);
			return 2;
		}
		for (i = 0; i < n; i++) {
			conns[i] = sp_h2raw_connect(
			    argv[1], (uint16_t)port, argv[3],
			    strcmp(argv[4], "-") ? argv[4] : NULL,
			    strcmp(argv[5], "-") ? argv[5] : NULL, 5000, &why);
			if (conns[i] == NULL) {
				fprintf(stderr, "h2abuse: connection %zu: %s\n",
				        i, why);
				while (i > 0)
					sp_h2raw_close(conns[--i]);
				return 2;
			}
		}
		rc = hold_answers(conns, n, argv[8], (unsigned)secs,
		                  mode[0] == 's', mode);
		for (i = 0; i < n; i++)
			sp_h2raw_close(conns[i]);
		return rc;
	}
	c = sp_h2raw_connect(argv[1], (uint16_t)port, argv[3],
	                     strcmp(argv[4], "-") ? argv[4] : NULL,
	                     strcmp(argv[5], "-") ? argv[5] : NULL, 5000, &why);
	if (c == NULL) {
		fprintf(stderr, "h2abuse: %s\n", why);
		return 2;
	}
	/* Let the server's SETTINGS arrive first. */
	sp_h2raw_wait(c, H2_SETTINGS, 0, &f, 2000);

	if (strcmp(mode, "rapid-reset") == 0) {
		static const uint8_t cancel[4] = {0, 0, 0, 8};

		len = sp_h2raw_request_block(block, sizeof(block), "GET",
		                             "/healthz", "node", NULL, 0);
		for (i = 0; i < n; i++, sid += 2) {
			sp_h2raw_frame_out(c, H2_HEADERS,
			                   H2_FLAG_END_HEADERS |
			                       H2_FLAG_END_STREAM,
			                   sid, block, len);
			sp_h2raw_frame_out(c, H2_RST_STREAM, 0, sid, cancel, 4);
			if (i % 64 == 63 && sp_h2raw_flush(c) != 0)
				break;
		}
		sp_h2raw_flush(c);
		rc = outcome(c, 3000, mode);
		/* Surviving a burst by answering is fine only if the server
		 * stayed responsive; the caller checks /healthz. */
	} else if (strcmp(mode, "continuation") == 0) {
		len = sp_h2raw_request_block(block, sizeof(block), "GET",
		                             "/healthz", "node", NULL, 0);
		sp_h2raw_frame_out(c, H2_HEADERS, 0, sid, block, len);
		memset(block, 0, 64);
		for (i = 0; i < n; i++) {
			/* literal header, new name "x-c", value 50 'x' bytes */
			size_t k = sp_h2raw_request_block(
			    block, sizeof(block), "GET", "/", "n", "x-c", 50);

			sp_h2raw_frame_out(c, H2_CONTINUATION, 0, sid, block,
			                   k);
			if (i % 64 == 63 && sp_h2raw_flush(c) != 0)
				break;
		}
		sp_h2raw_flush(c);
		rc = outcome(c, 3000, mode);
	} else if (strcmp(mode, "big-headers") == 0) {
		len = sp_h2raw_request_block(block, sizeof(block), "GET",
		                             "/healthz", "node", "x-big", n);
		for (i = 0; i < len; i += 16384) {
			size_t k = len - i > 16384 ? 16384 : len - i;
			uint8_t flags = i + k == len ? H2_FLAG_END_HEADERS |
			                                   H2_FLAG_END_STREAM
			                             : 0;

			if (i == 0)
				sp_h2raw_frame_out(
				    c, H2_HEADERS,
				    (uint8_t)(i + k == len
				                  ? flags
				                  : H2_FLAG_END_STREAM),
				    sid, block, k);
			else
				sp_h2raw_frame_out(
				    c, H2_CONTINUATION,
				    (uint8_t)(flags & H2_FLAG_END_HEADERS), sid,
				    block + i, k);
		}
		sp_h2raw_flush(c);
		/* a 431 answer counts as a defence: outcome() counts HEADERS */
		rc = outcome(c, 3000, mode);
	} else if (strcmp(mode, "streams") == 0) {
		len = sp_h2raw_request_block(block, sizeof(block), "POST",
		                             "/v1/records", "node", NULL, 0);
		for (i = 0; i < n; i++, sid += 2)
			sp_h2raw_frame_out(c, H2_HEADERS, H2_FLAG_END_HEADERS,
			                   sid, block, len);
		sp_h2raw_flush(c);
		rc = outcome(c, 3000, mode);
	} else if (strcmp(mode, "bad-frame") == 0) {
		static const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};

		sp_h2raw_frame_out(c, H2_DATA, 0, 0, junk, sizeof(junk));
		sp_h2raw_flush(c);
		rc = outcome(c, 3000, mode);
	} else if (strcmp(mode, "slow-body") == 0) {
		static const uint8_t some[10] = "<Record x";

		len = sp_h2raw_request_block(block, sizeof(block), "POST",
		                             "/v1/records", "node", NULL, 0);
		sp_h2raw_frame_out(c, H2_HEADERS, H2_FLAG_END_HEADERS, sid,
		                   block, len);
		sp_h2raw_frame_out(c, H2_DATA, 0, sid, some, sizeof(some));
		sp_h2raw_flush(c);
		rc = outcome(c, (unsigned)n, mode);
	} else if (strcmp(mode, "hold") == 0) {
		/* Ends when the server ends the connection (exit 0), or after
		 * n seconds with the connection still open (exit 1). */
		uint64_t t0 = ms_now(), until = t0 + (uint64_t)n * 1000u;
		int answers = 0, r = 0;

		len = sp_h2raw_request_block(block, sizeof(block), "GET",
		                             "/healthz", "node", NULL, 0);
		printf("hold: connected\n");
		fflush(stdout);
		rc = 1;
		while (ms_now() < until) {
			sp_h2raw_frame_out(c, H2_HEADERS,
			                   H2_FLAG_END_HEADERS |
			                       H2_FLAG_END_STREAM,
			                   sid, block, len);
			sid += 2;
			if (sp_h2raw_flush(c) != 0 ||
			    (r = sp_h2raw_wait(c, H2_HEADERS, ~0u, &f, 500)) <
			        0 ||
			    r == 2) {
				rc = 0;
				break;
			}
			answers += r == 1;
			usleep(500 * 1000);
		}
		printf("hold: %s after %llu ms (answers=%d)\n",
		       rc == 0 ? (r == 2 ? "GOAWAY" : "connection closed")
		               : "still open",
		       (unsigned long long)(ms_now() - t0), answers);
	} else {
		fputs(usage, stderr);
		rc = 2;
	}
	sp_h2raw_close(c);
	return rc;
}
