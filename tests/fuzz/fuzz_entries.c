/* fuzz_entries.c: libFuzzer target for the catch-up client's reader of
 * GET /v1/logs/{origin}/entries bodies (SPEC 9.6, LOG-33..35), the frame
 * splitter that runs on a peer's response before any record is verified.
 *
 * Input: one parameter byte, then the body. The low nibble is the requested
 * start, the high nibble plus one the most frames accepted, so that the
 * order and count checks are reached as well as the framing. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fed_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small, so that the length bound is reached; seeds' records fit. */
#define MAX_RECORD 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_peers__entries e;
	uint64_t seq, prev = 0;
	size_t off, len, pos = 0, n = 0;
	int rc;

	if (size < 1)
		return 0;
	memset(&e, 0, sizeof(e));
	e.body =
	    size > 1 ? data + 1 : NULL; /* an empty body may have no buffer */
	e.body_len = size - 1;
	e.start = data[0] & 0x0f;
	e.max_len = MAX_RECORD;
	e.max_frames = 1 + (size_t)(data[0] >> 4);
	while ((rc = sp_peers__entries_next(&e, &seq, &off, &len)) == 1) {
		char head[64];
		int hl =
		    snprintf(head, sizeof(head), "%" PRIu64 " %zu\n", seq, len);

		/* Every accepted frame is exactly the canonical header, the
		 * record, and a line feed, right after the previous frame,
		 * in increasing order from start, within the bounds. */
		if (hl <= 0 || off != pos + (size_t)hl ||
		    memcmp(e.body + pos, head, (size_t)hl) != 0)
			abort();
		if (len == 0 || len > MAX_RECORD || off + len >= e.body_len ||
		    e.body[off + len] != '\n')
			abort();
		if (seq < e.start || (n > 0 && seq <= prev) ||
		    ++n > e.max_frames)
			abort();
		prev = seq;
		pos = off + len + 1;
		if (e.pos != pos || e.n != n)
			abort();
	}
	/* The end is only reported with the whole body consumed. */
	if (rc == 0 && pos != e.body_len)
		abort();
	if (rc != 0 && rc != -1)
		abort();
	return 0;
}
