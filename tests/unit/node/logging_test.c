/* logging_test.c: the log emitter escapes every value, in kv and JSON, so
 * that hostile text (CR, LF, quotes, "=", "level=", control bytes, invalid
 * UTF-8, very long) gives exactly one line with only the node's keys, which
 * reads back to the original value; libxml2's own errors come out the same
 * way (SPEC 14, [SEC-28]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>

#include "base.h"
#include "node_int.h" /* sp_node__log_setup: the libraries' hooks */
#include "protocol.h"

/* ---------------------------------------------------------------- a reader */

#define MAX_KEYS 64
#define VAL_MAX  4096

typedef struct parsed {
	size_t n;
	char key[MAX_KEYS][80];
	unsigned char val[MAX_KEYS][VAL_MAX];
	size_t len[MAX_KEYS];
	int kind[MAX_KEYS]; /* 's' string, 'n' number, '0' null, 'b' bool, 'w'
	                       bare kv */
} parsed;

/* Strict UTF-8 at s; 0 if none. */
static size_t u8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t k, i;
	uint32_t c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, c = s[0] & 0x07;
	else
		return 0;
	if (k > n)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (k == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return k;
}

/* Characters a terminal or viewer may treat as a line break or reorder. */
static int unsafe_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	       c == 0xfeff;
}

static int hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* The whole text must be one line: ends with the only "\n", no CR, and
 * every raw non-ASCII byte is part of safe, well-formed UTF-8. */
static void check_one_line(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, k;
	uint32_t cp;

	assert_true(len > 0);
	assert_int_equal(strlen(line), len);
	assert_int_equal(line[len - 1], '\n');
	while (i < len - 1) {
		k = u8(s + i, len - 1 - i, &cp);
		assert_true(k > 0);
		assert_false(unsafe_cp(cp));
		i += k;
	}
}

/* The node's key=value format, read strictly. Returns 0 if it parses. */
static int parse_kv(const char *line, parsed *p)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, k;

	memset(p, 0, sizeof(*p));
	for (;;) {
		size_t kl = 0, vl = 0;

		if (p->n == MAX_KEYS)
			return -1;
		while (is_key_char(s[i]) && kl < 79)
			p->key[p->n][kl++] = (char)s[i++];
		if (kl == 0 || s[i++] != '=')
			return -1;
		if (s[i] == '"') {
			i++;
			while (s[i] != '"') {
				unsigned char c = s[i];

				if (vl + 4 > VAL_MAX || c == '\0')
					return -1;
				if (c == '\\') {
					c = s[++i];
					if (c == 'n')
						p->val[p->n][vl++] = '\n';
					else if (c == 'r')
						p->val[p->n][vl++] = '\r';
					else if (c == 't')
						p->val[p->n][vl++] = '\t';
					else if (c == '"' || c == '\\')
						p->val[p->n][vl++] = c;
					else if (c == 'x' &&
					         hexv(s[i + 1]) >= 0 &&
					         hexv(s[i + 2]) >= 0) {
						p->val[p->n][vl++] =
						    (unsigned char)(hexv(s[i +
						                           1]) *
						                        16 +
						                    hexv(s[i +
						                           2]));
						i += 2;
					} else
						return -1;
					i++;
					continue;
				}
				if (c < 0x20 || c == 0x7f)
					return -1;
				k = 1;
				if (c >= 0x80) {
					uint32_t cp;

					k = u8(s + i, strlen(line) - i, &cp);
					if (k == 0 || unsafe_cp(cp))
						return -1;
				}
				memcpy(p->val[p->n] + vl, s + i, k);
				vl += k;
				i += k;
			}
			i++;
			p->kind[p->n] = 's';
		} else {
			while (s[i] > 0x20 && s[i] < 0x7f && s[i] != '"' &&
			       s[i] != '\\' && s[i] != '=') {
				if (vl + 1 > VAL_MAX)
					return -1;
				p->val[p->n][vl++] = s[i++];
			}
			if (vl == 0)
				return -1;
			p->kind[p->n] = 'w';
		}
		p->len[p->n++] = vl;
		if (s[i] == '\n' && s[i + 1] == '\0')
			return 0;
		if (s[i++] != ' ')
			return -1;
	}
}

static void put_utf8(unsigned char *o, size_t *vl, uint32_t c)
{
	if (c < 0x80)
		o[(*vl)++] = (unsigned char)c;
	else if (c < 0x800) {
		o[(*vl)++] = (unsigned char)(0xc0 | (c >> 6));
		o[(*vl)++] = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		o[(*vl)++] = (unsigned char)(0xe0 | (c >> 12));
		o[(*vl)++] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		o[(*vl)++] = (unsigned char)(0x80 | (c & 0x3f));
	}
}

/* A JSON string (RFC 8259) at s[*i] into o. */
static int json_string(const unsigned char *s, size_t *i, unsigned char *o,
                       size_t *vl, size_t cap)
{
	size_t k;
	uint32_t cp;

	if (s[(*i)++] != '"')
		return -1;
	*vl = 0;
	while (s[*i] != '"') {
		unsigned char c = s[*i];

		if (*vl + 4 > cap || c < 0x20)
			return -1;
		if (c == '\\') {
			c = s[++*i];
			switch (c) {
			case '"':
			case '\\':
			case '/':
				o[(*vl)++] = c;
				break;
			case 'b':
				o[(*vl)++] = '\b';
				break;
			case 'f':
				o[(*vl)++] = '\f';
				break;
			case 'n':
				o[(*vl)++] = '\n';
				break;
			case 'r':
				o[(*vl)++] = '\r';
				break;
			case 't':
				o[(*vl)++] = '\t';
				break;
			case 'u':
				cp = 0;
				for (k = 1; k <= 4; k++) {
					if (hexv(s[*i + k]) < 0)
						return -1;
					cp =
					    cp * 16 + (uint32_t)hexv(s[*i + k]);
				}
				if (cp >= 0xd800 && cp <= 0xdfff)
					return -1; /* the emitter never needs a
					              pair */
				put_utf8(o, vl, cp);
				*i += 4;
				break;
			default:
				return -1;
			}
			(*i)++;
			continue;
		}
		k = u8(s + *i, strlen((const char *)s + *i), &cp);
		if (k == 0 || (c >= 0x80 && unsafe_cp(cp)))
			return -1;
		memcpy(o + *vl, s + *i, k);
		*vl += k;
		*i += k;
	}
	(*i)++;
	return 0;
}

/* One JSON object of strings, numbers, null and booleans, then "\n". */
static int parse_json(const char *line, parsed *p)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t i = 0, kl;

	memset(p, 0, sizeof(*p));
	if (s[i++] != '{')
		return -1;
	for (;;) {
		unsigned char key[80];

		if (p->n == MAX_KEYS ||
		    json_string(s, &i, key, &kl, sizeof(key) - 1) != 0)
			return -1;
		memcpy(p->key[p->n], key, kl);
		p->key[p->n][kl] = '\0';
		if (s[i++] != ':')
			return -1;
		if (s[i] == '"') {
			if (json_string(s, &i, p->val[p->n], &p->len[p->n],
			                VAL_MAX) != 0)
				return -1;
			p->kind[p->n] = 's';
		} else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) {
			size_t vl = 0;

			if (s[i] == '-')
				p->val[p->n][vl++] = s[i++];
			if (!(s[i] >= '0' && s[i] <= '9'))
				return -1;
			while (s[i] >= '0' && s[i] <= '9' && vl < 30)
				p->val[p->n][vl++] = s[i++];
			p->len[p->n] = vl;
			p->kind[p->n] = 'n';
		} else if (strncmp((const char *)s + i, "null", 4) == 0) {
			i += 4;
			p->kind[p->n] = '0';
		} else if (strncmp((const char *)s + i, "true", 4) == 0) {
			i += 4;
			p->kind[p->n] = 'b';
		} else
			return -1;
		p->n++;
		if (s[i] == '}')
			break;
		if (s[i++] != ',')
			return -1;
	}
	return s[i + 1] == '\n' && s[i + 2] == '\0' ? 0 : -1;
}

/* ---------------------------------------------------------------- values */

static const char long_lf[] =
    "\n ts=2026-01-01T00:00:00.000Z level=error event=equivocation_alarm";

typedef struct hostile {
	const char *v;
	size_t n;
} hostile;

#define H(s)                                                                   \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}
static const hostile values[] = {
    H("CN-ZZ\nts=2026-12-02T00:00:00.000Z level=error event=equivocation_alarm "
      "kind=record origin=CN-HZ"),
    H("CN-ZZ\r\nlevel=error event=equivocation_alarm"),
    H("carriage\rreturn"),
    H("\"quoted\" \"and \\\"escaped\\\""),
    H("key=value"),
    H("="),
    H(" level=error event=equivocation_alarm"),
    H("level=error"),
    H("\x01\x02\x03\x07\x08\x0b\x0c\x0e\x1b[31m\x1f\x7f tab\there"),
    H("\xff\xfe not UTF-8 \xc0\xaf overlong \xed\xa0\x80 surrogate "
      "\xf5\x80\x80\x80 \xe2\x82"),
    H("\xc2\x85 NEL \xe2\x80\xa8 LS \xe2\x80\xa9 PS \xe2\x80\xae RLO "
      "\xef\xbb\xbf BOM"),
    H("Gr\xc3\xbc\xc3\x9f"
      "e \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x94\x92"),
    H("back\\slash \\n not a newline \\x0a"),
    H("{\"level\":\"error\",\"event\":\"equivocation_alarm\"}"),
    H("\"},{\"level\":\"error\""),
    H("-"),
    H(""),
    H("plain-token_1.2"),
};

/* The value as the reader should get it back: kv keeps every byte; JSON
 * has U+FFFD for each byte that is not UTF-8. */
static size_t expected(const unsigned char *v, size_t n, int json,
                       unsigned char *out)
{
	size_t i = 0, o = 0, k;
	uint32_t cp;

	while (i < n) {
		k = u8(v + i, n - i, &cp);
		if (k == 0) {
			if (json) {
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
			} else
				out[o++] = v[i];
			i++;
			continue;
		}
		memcpy(out + o, v + i, k);
		o += k;
		i += k;
	}
	return o;
}

static void fmt_event(int json, const char *v, size_t n, char *line, size_t cap,
                      size_t *len)
{
	*len = sp_log__format(
	    line, cap, json, SP_LOG_WARN, "2026-12-02T15:00:00.000Z",
	    "peers/fed/fed_pull.c", 42, "on_entries", "pull_failed",
	    (const sp_log_field[]){SP_LF_STR("peer", v),
	                           SP_LF_INT("status", -7),
	                           SP_LF_BYTES("why", v, n),
	                           SP_LF_UINT("n", 18446744073709551615ULL),
	                           {.type = SP_LOG_T_END}});
}

static void check_keys(const parsed *p, const char *const *keys, size_t n)
{
	assert_int_equal(p->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(p->key[i], keys[i]);
}

static void assert_val(const parsed *p, size_t idx, const void *v, size_t n)
{
	assert_int_equal(p->len[idx], n);
	assert_memory_equal(p->val[idx], v, n);
}

static void test_kv_hostile(void **state)
{
	static const char *const keys[] = {"ts",     "level", "event", "peer",
	                                   "status", "why",   "n",     "src"};
	char line[SP_LOG_LINE_MAX];
	unsigned char want[2048];
	parsed p;
	size_t len, i, wn;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		fmt_event(0, values[i].v, values[i].n, line, sizeof(line),
		          &len);
		check_one_line(line, len);
		assert_int_equal(parse_kv(line, &p), 0);
		check_keys(&p, keys, 8);
		assert_val(&p, 1, "warn", 4);
		assert_val(&p, 2, "pull_failed", 11);
		wn = expected((const unsigned char *)values[i].v, values[i].n,
		              0, want);
		assert_val(&p, 3, want, wn);
		assert_val(&p, 4, "-7", 2);
		assert_val(&p, 5, want, wn);
		assert_val(&p, 6, "18446744073709551615", 20);
		assert_val(&p, 7, "fed_pull.c:42", 13);
		/* anything not bare printable ASCII is quoted */
		if (values[i].n > 0 &&
		    strpbrk(values[i].v, " \"=\\\r\n\t") != NULL)
			assert_int_equal(p.kind[3], 's');
	}
}

static void test_json_hostile(void **state)
{
	static const char *const keys[] = {"ts",   "level",  "event",
	                                   "peer", "status", "why",
	                                   "n",    "src",    "func"};
	char line[SP_LOG_LINE_MAX];
	unsigned char want[2048];
	parsed p;
	size_t len, i, wn;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		fmt_event(1, values[i].v, values[i].n, line, sizeof(line),
		          &len);
		check_one_line(line, len);
		assert_int_equal(parse_json(line, &p), 0);
		check_keys(&p, keys, 9);
		assert_val(&p, 1, "warn", 4);
		assert_val(&p, 2, "pull_failed", 11);
		wn = expected((const unsigned char *)values[i].v, values[i].n,
		              1, want);
		assert_int_equal(p.kind[3], 's');
		assert_val(&p, 3, want, wn);
		assert_int_equal(p.kind[4], 'n'); /* numbers are JSON numbers */
		assert_val(&p, 4, "-7", 2);
		assert_val(&p, 5, want, wn);
		assert_int_equal(p.kind[6], 'n');
		assert_val(&p, 6, "18446744073709551615", 20);
		assert_val(&p, 7, "fed_pull.c:42", 13);
		assert_val(&p, 8, "on_entries", 10);
	}
}

/* NUL inside a byte string, and a NULL string. */
static void test_bytes_and_null(void **state)
{
	char line[SP_LOG_LINE_MAX];
	parsed p;
	size_t len;

	(void)state;
	for (int json = 0; json <= 1; json++) {
		len = sp_log__format(
		    line, sizeof(line), json, SP_LOG_ERROR, "t", "x.c", 1, "f",
		    "ev",
		    (const sp_log_field[]){SP_LF_BYTES("b", "a\0b\nc", 5),
		                           SP_LF_STR("s", NULL),
		                           SP_LF_BYTES("e", NULL, 3),
		                           {.type = SP_LOG_T_END}});
		check_one_line(line, len);
		assert_int_equal(
		    json ? parse_json(line, &p) : parse_kv(line, &p), 0);
		assert_string_equal(p.key[3], "b");
		assert_val(&p, 3, "a\0b\nc", 5);
		if (json) {
			assert_int_equal(p.kind[4], '0');
			assert_int_equal(p.kind[5], '0');
		} else {
			assert_val(&p, 4, "-", 1);
			assert_val(&p, 5, "-", 1);
		}
	}
}

/* A value is cut after SP_LOG_VALUE_MAX bytes, never inside a character,
 * and a line never grows past SP_LOG_LINE_MAX: fields that do not fit are
 * left out whole and the line says so. */
static void test_long(void **state)
{
	static char big[6000];
	char line[SP_LOG_LINE_MAX];
	parsed p;
	size_t len, i;
	sp_log_field many[41];

	(void)state;
	memset(big, 'A', sizeof(big) - 1);
	memcpy(big + SP_LOG_VALUE_MAX - 1, "\xe6\x9d\xb1",
	       3); /* straddles the cut */
	memcpy(big + sizeof(big) - 1 - strlen(long_lf), long_lf,
	       strlen(long_lf));
	for (int json = 0; json <= 1; json++) {
		len = sp_log__format(
		    line, sizeof(line), json, SP_LOG_INFO, "t", "x.c", 1, "f",
		    "ev",
		    (const sp_log_field[]){SP_LF_STR("v", big),
		                           {.type = SP_LOG_T_END}});
		check_one_line(line, len);
		assert_int_equal(
		    json ? parse_json(line, &p) : parse_kv(line, &p), 0);
		assert_int_equal(p.len[3], SP_LOG_VALUE_MAX - 1 + 3);
		assert_memory_equal(p.val[3] + SP_LOG_VALUE_MAX - 1, "...", 3);
		assert_int_equal(strstr(line, "\xe6\x9d\xb1"), NULL);
	}
	/* 40 fields of 512 bytes that each escape to four times their size */
	memset(big, '\x01', sizeof(big) - 1);
	for (i = 0; i < 40; i++)
		many[i] = (sp_log_field)SP_LF_STR("v", big);
	many[40] = (sp_log_field){.type = SP_LOG_T_END};
	for (int json = 0; json <= 1; json++) {
		len = sp_log__format(line, sizeof(line), json, SP_LOG_INFO, "t",
		                     "x.c", 1, "f", "ev", many);
		assert_true(len < SP_LOG_LINE_MAX);
		check_one_line(line, len);
		assert_int_equal(
		    json ? parse_json(line, &p) : parse_kv(line, &p), 0);
		assert_true(p.n > 4 && p.n < 40);
		assert_string_equal(p.key[p.n - (json ? 3 : 2)], "truncated");
		assert_string_equal(p.key[p.n - (json ? 2 : 1)], "src");
	}
}

/* ---------------------------------------------------------------- emit */

/* Run fn with stderr sent to a file; returns what was written. */
static char *capture(void (*fn)(void))
{
	static char buf[262144];
	FILE *f = tmpfile();
	int saved = dup(2);
	long n;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(f), 2) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	n = ftell(f);
	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void emit_levels(void)
{
	sp_log_setup("warn", "kv");
	sp_log(SP_LOG_INFO, "dropped", SP_LF_STR("why", "below the level"));
	sp_log(SP_LOG_WARN, "kept", SP_LF_STR("origin", values[0].v));
	sp_log_setup("info", "json");
	sp_log(SP_LOG_DEBUG, "dropped", SP_LF_STR("why", "below the level"));
	sp_log(SP_LOG_ERROR, "kept_json", SP_LF_STR("origin", values[1].v),
	       SP_LF_INT("status", 400));
	sp_log_setup("info", "kv");
}

static void test_emit(void **state)
{
	char *out = capture(emit_levels), *nl;
	parsed p;

	(void)state;
	assert_int_equal(count_lines(out), 2);
	nl = strchr(out, '\n');
	nl[0] = '\0';
	assert_null(strstr(out, "dropped"));
	{
		char one[SP_LOG_LINE_MAX];

		snprintf(one, sizeof(one), "%s\n", out);
		assert_int_equal(parse_kv(one, &p), 0);
		assert_string_equal(p.key[2], "event");
		assert_val(&p, 2, "kept", 4);
		assert_int_equal(parse_json(nl + 1, &p), 0);
		assert_val(&p, 2, "kept_json", 9);
	}
}

/* What stderr (the capture file) holds so far, in bytes. */
static long written(void)
{
	struct stat st;

	fflush(stderr);
	assert_int_equal(fstat(2, &st), 0);
	return (long)st.st_size;
}

static int arms;

static void count_arm(void *arg)
{
	assert_ptr_equal(arg, &arms);
	arms++;
}

/* Lines of a batching thread wait for sp_log_flush(), in order; a warning
 * takes the waiting lines out with it at once; a full batch is written
 * whole, and the lines after it start the next. */
static void emit_batched(void)
{
	char big[500];
	long before;
	int i;

	sp_log_setup("info", "kv");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	arms = 0;
	sp_log_batch(1, count_arm, &arms);
	sp_log(SP_LOG_INFO, "one", SP_LF_INT("n", 1));
	sp_log(SP_LOG_INFO, "two", SP_LF_INT("n", 2));
	assert_int_equal(written(), 0);
	assert_int_equal(arms, 1); /* once, when the buffer was empty */
	sp_log_flush();
	before = written();
	assert_true(before > 0);
	sp_log_flush(); /* nothing waits: nothing more */
	assert_int_equal(written(), before);

	sp_log(SP_LOG_INFO, "three", SP_LF_INT("n", 3));
	assert_int_equal(arms, 2);
	assert_int_equal(written(), before);
	sp_log(SP_LOG_WARN, "four", SP_LF_INT("n", 4));
	before = written();
	assert_true(before > 0);

	/* more than one batch of lines (a file: SP_LOG_BATCH_FILE_MAX each):
	 * each batch fills, then goes */
	for (i = 5; i < 105; i++) /* about 56 KiB: one batch still */
		sp_log(SP_LOG_INFO, "many", SP_LF_INT("n", i),
		       SP_LF_STR("v", big));
	assert_int_equal(written(), before);
	for (; i < 155; i++)
		sp_log(SP_LOG_INFO, "many", SP_LF_INT("n", i),
		       SP_LF_STR("v", big));
	assert_true(written() - before >= SP_LOG_BATCH_FILE_MAX / 2);
	assert_true(written() - before <= 150 * 600);
	/* a long line: after the ones waiting */
	sp_log(SP_LOG_INFO, "large", SP_LF_INT("n", 155), SP_LF_STR("a", big),
	       SP_LF_STR("b", big), SP_LF_STR("c", big), SP_LF_STR("d", big),
	       SP_LF_STR("e", big), SP_LF_STR("f", big), SP_LF_STR("g", big),
	       SP_LF_STR("h", big), SP_LF_STR("i", big));
	sp_log(SP_LOG_INFO, "last", SP_LF_INT("n", 156));
	sp_log_batch(0, NULL, NULL); /* flushes */
	sp_log(SP_LOG_INFO, "unbatched", SP_LF_INT("n", 157));
	/* a buffer emptied by a full batch is armed again by the next line */
	assert_true(arms >= 4);
}

static void test_batch(void **state)
{
	char *out = capture(emit_batched), *line, *save = NULL;
	long want = 1;
	parsed p;

	(void)state;
	assert_int_equal(count_lines(out), 157);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), want++) {
		char one[SP_LOG_LINE_MAX + 2];
		size_t k;

		snprintf(one, sizeof(one), "%s\n", line);
		assert_int_equal(parse_kv(one, &p), 0);
		for (k = 0; k < p.n && strcmp(p.key[k], "n") != 0; k++)
			;
		assert_true(k < p.n);
		assert_int_equal(strtol((const char *)p.val[k], NULL, 10),
		                 want);
	}
	assert_int_equal(want, 158);
}

/* libxml2 would print "C14N error : Relative namespace UR is invalid here"
 * and more, unformatted, for a document with a relative namespace URI. */
static void c14n_relative(void)
{
	static const char doc_text[] =
	    "<r xmlns=\"urn:x\"><a xmlns:x=\"rel/\nlevel=error "
	    "event=equivocation_alarm\">v</a></r>";
	xmlDocPtr doc;
	xmlChar *out = NULL;

	sp_node__log_setup("debug", "kv");
	doc = xmlReadMemory(doc_text, (int)sizeof(doc_text) - 1, "x.xml", NULL,
	                    XML_PARSE_NONET);
	assert_non_null(doc);
	assert_true(xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0,
	                                 NULL, 0, &out) < 0);
	xmlFree(out);
	xmlFreeDoc(doc);
	sp_log_setup("info", "kv");
	doc = xmlReadMemory(doc_text, (int)sizeof(doc_text) - 1, "x.xml", NULL,
	                    XML_PARSE_NONET);
	assert_non_null(doc);
	assert_true(xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0,
	                                 NULL, 0, &out) < 0);
	xmlFree(out);
	xmlFreeDoc(doc);
}

static void test_library_errors(void **state)
{
	char *out, *line, *save = NULL;
	size_t lines = 0;
	parsed p;

	(void)state;
	assert_int_equal(sp_protocol_init(), SP_OK);
	out = capture(c14n_relative);
	assert_null(strstr(out, "C14N error :"));
	/* at debug level the library's words are there, one escaped line each;
	 * at info level nothing */
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char one[SP_LOG_LINE_MAX];

		snprintf(one, sizeof(one), "%s\n", line);
		assert_int_equal(parse_kv(one, &p), 0);
		assert_val(&p, 1, "debug", 5);
		assert_val(&p, 2, "library_diagnostic", 18);
		assert_string_equal(p.key[3], "library");
		assert_string_equal(p.key[4], "text");
		lines++;
	}
	assert_true(lines >= 1);
	sp_protocol_cleanup();
}

static void test_journal_stream(void **state)
{
	(void)state;
	assert_int_equal(sp_log__journal_stream("12:34", 12, 34), 1);
	assert_int_equal(sp_log__journal_stream("12:35", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream("13:34", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream("12:34x", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream("12:", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream("12", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream(":34", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream("-12:34", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream("", 12, 34), 0);
	assert_int_equal(sp_log__journal_stream(NULL, 12, 34), 0);
	assert_int_equal(sp_log__priority(SP_LOG_ERROR), 3);
	assert_int_equal(sp_log__priority(SP_LOG_WARN), 4);
	assert_int_equal(sp_log__priority(SP_LOG_INFO), 6);
	assert_int_equal(sp_log__priority(SP_LOG_DEBUG), 7);
}

/* stderr is the journal when JOURNAL_STREAM names it (here: the capture
 * file); a stream that is not stderr's gets no prefix. */
static void emit_journal(void)
{
	struct stat st;
	char env[64];

	assert_int_equal(fstat(2, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	sp_log_setup("debug", "kv");
	sp_log(SP_LOG_ERROR, "e", SP_LF_STR("origin", values[0].v));
	sp_log(SP_LOG_WARN, "w", SP_LF_INT("n", -1));
	sp_log(SP_LOG_INFO, "i", SP_LF_UINT("n", 1));
	sp_log(SP_LOG_DEBUG, "d", SP_LF_STR("x", NULL));
	sp_log_setup("info", "json");
	sp_log(SP_LOG_INFO, "j", SP_LF_INT("status", 503));
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", env, 1);
	sp_log_setup("info", "kv");
	sp_log(SP_LOG_INFO, "plain", SP_LF_INT("n", 2));
	unsetenv("JOURNAL_STREAM");
	sp_log_setup("info", "kv");
}

static void test_journal_emit(void **state)
{
	static const char *const want[] = {"<3>", "<4>", "<6>",
	                                   "<7>", "<6>", ""};
	char *out = capture(emit_journal), *line, *save = NULL;
	size_t i = 0;
	parsed p;

	(void)state;
	assert_int_equal(count_lines(out), 6);
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), i++) {
		char one[SP_LOG_LINE_MAX];
		size_t pre = strlen(want[i]);

		assert_memory_equal(line, want[i], pre);
		/* after the prefix, the line is the node's own format */
		snprintf(one, sizeof(one), "%s\n", line + pre);
		if (i == 4) {
			assert_int_equal(parse_json(one, &p), 0);
			assert_non_null(strstr(one, "\"status\":503,"));
		} else {
			assert_int_equal(parse_kv(one, &p), 0);
		}
	}
	assert_int_equal(i, 6);
}

/* sp_dec_u64: the digits of the extremes, NUL-terminated, counted. */
static void test_dec_u64(void **state)
{
	char b[SP_DEC_MAX];

	(void)state;
	assert_int_equal(sp_dec_u64(0, b), 1);
	assert_string_equal(b, "0");
	assert_int_equal(sp_dec_u64(9, b), 1);
	assert_string_equal(b, "9");
	assert_int_equal(sp_dec_u64(10, b), 2);
	assert_string_equal(b, "10");
	assert_int_equal(sp_dec_u64(200, b), 3);
	assert_string_equal(b, "200");
	assert_int_equal(sp_dec_u64(UINT64_MAX, b), 20);
	assert_string_equal(b, "18446744073709551615");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kv_hostile),
	    cmocka_unit_test(test_json_hostile),
	    cmocka_unit_test(test_bytes_and_null),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_emit),
	    cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_library_errors),
	    cmocka_unit_test(test_journal_stream),
	    cmocka_unit_test(test_journal_emit),
	    cmocka_unit_test(test_dec_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
