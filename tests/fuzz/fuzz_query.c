/* fuzz_query.c: libFuzzer target for the query strings of the read
 * endpoints (SPEC 10.5..10.7: entries ?start=&count=, proofs ?index=&size=
 * and ?old=&size=, search ?subject-kind=&...&cursor=): the server's
 * percent-decoding parameter reader (node/http/server_req.c), the decimal
 * and text parameter readers of node/api/api_read.c with the buffer sizes it
 * uses, and what the search then parses of them (times, the cursor).
 *
 * Input: the raw query, the part of :path after '?'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_protocol_init() != SP_OK)
		abort();
	return 0;
}

/* API-47: a cursor the store accepts is of the pattern it emits. */
#define CURSOR_CHARS                                                           \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static const char *const u64_names[] = {"start", "count", "limit",
                                        "index", "size",  "old"};

/* The text parameters of search, with api_read.c's buffer sizes. */
static const struct {
	const char *name;
	size_t cap;
} str_names[] = {
    {"subject-kind", 32},
    {"subject-scheme", SP_STORE_SUBJECT_MAX + 1},
    {"subject-value", SP_STORE_SUBJECT_MAX + 1},
    {"type", SP_TYPE_MAX + 1},
    {"origin", SP_NODE_ID_MAX + 1},
    {"since", SP_TIME_TEXT_MAX},
    {"until", SP_TIME_TEXT_MAX},
    {"cursor", SP_STORE_CURSOR_MAX},
};

static void check_time(const char *text)
{
	int64_t t = 0, again = 0;
	char out[SP_TIME_TEXT_MAX];

	if (sp_time_parse(text, &t) != SP_OK)
		return;
	/* a time that parses formats and parses back to itself */
	if (sp_time_format(t, out) != SP_OK ||
	    sp_time_parse(out, &again) != SP_OK || again != t)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = malloc(size + 1), buf[SP_HTTP_QUERY_VALUE_MAX + 1];
	size_t i, len;
	int rc;

	if (q == NULL)
		abort();
	memcpy(q, data, size);
	q[size] = '\0';

	for (i = 0; i < sizeof(u64_names) / sizeof(u64_names[0]); i++) {
		uint64_t v = 0;
		int has = 0;

		rc = sp_api__param_u64(q, u64_names[i], &v, &has);
		if ((rc != 0 && rc != -1) || (rc == -1 && has) ||
		    (has && v > INT64_MAX))
			abort();
	}
	for (i = 0; i < sizeof(str_names) / sizeof(str_names[0]); i++) {
		char *v = malloc(str_names[i].cap);
		int has = 0;

		if (v == NULL)
			abort();
		rc = sp_api__param_str(q, str_names[i].name, v,
		                       str_names[i].cap, &has);
		if ((rc != 0 && rc != -1) || (rc == -1 && has) ||
		    (has && strnlen(v, str_names[i].cap) >= str_names[i].cap))
			abort();
		if (has && (strcmp(str_names[i].name, "since") == 0 ||
		            strcmp(str_names[i].name, "until") == 0))
			check_time(v);
		if (has && strcmp(str_names[i].name, "cursor") == 0) {
			int64_t row = -1;
			if (sp_store__cursor_parse(v, &row) == SP_OK &&
			    (row < 0 || strspn(v, CURSOR_CHARS) != strlen(v)))
				abort();
		}
		free(v);
	}
	/* The reader itself, at its largest value size and at a tiny one:
	 * a value is the decoded bytes with no NUL inside. */
	rc = sp_node__query_param(q, "start", buf, sizeof(buf), &len);
	if (rc == SP_OK && (len >= sizeof(buf) || strlen(buf) != len))
		abort();
	rc = sp_node__query_param(q, "count", buf, 4, &len);
	if (rc == SP_OK && (len >= 4 || strlen(buf) != len))
		abort();
	if (rc != SP_OK && rc != SP_ERR_NOT_FOUND && rc != SP_ERR_TOO_LARGE &&
	    rc != SP_ERR_BAD_REQUEST)
		abort();
	free(q);
	return 0;
}
