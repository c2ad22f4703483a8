/* values.c: wire value types (node id, UUID, time, digests, base64, UTF-8) and
 * the thread-local reason buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "protocol_int.h"

static _Thread_local char why_buf[512];

const char *sp_proto__why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return why_buf;
}

int sp_proto__fail(const char **why, int err, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL) {
		va_start(ap, fmt);
		vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
		va_end(ap);
		*why = why_buf;
	}
	return err;
}

/* ---------------------------------------------------------------- ids */

static int is_upper_digit(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_upper_digit(c) || (c >= 'a' && c <= 'z');
}

/* After the first character: [A-Za-z0-9._-], at most SP_NODE_ID_MAX in all. */
static int id_tail_valid(const char *s)
{
	size_t i;

	for (i = 1; s[i] != '\0'; i++) {
		if (i >= SP_NODE_ID_MAX)
			return 0;
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	}
	return 1;
}

int sp_node_id_valid(const char *s)
{
	return s != NULL && is_upper_digit(s[0]) && id_tail_valid(s);
}

int sp_federation_id_valid(const char *s)
{
	return s != NULL && is_alnum(s[0]) && id_tail_valid(s);
}

static const char hexdig[] = "0123456789abcdef";

int sp_uuid_v4(char out[SP_UUID_LEN + 1])
{
	uint8_t b[16];
	size_t o = 0;

	if (RAND_bytes(b, sizeof(b)) != 1) {
		out[0] = '\0';
		return SP_ERR_INTERNAL;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hexdig[b[i] >> 4];
		out[o++] = hexdig[b[i] & 0x0f];
	}
	out[o] = '\0';
	return SP_OK;
}

int sp_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int is_lhex(char c)
{
	return sp_hex_nibble(c) >= 0;
}

void sp_hex_encode(const uint8_t *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

int sp_hex_decode(const char *hex, size_t hexlen, uint8_t *out)
{
	if (hexlen % 2 != 0)
		return SP_ERR_FIELD;
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = sp_hex_nibble(hex[2 * i]),
		    lo = sp_hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return SP_ERR_FIELD;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return SP_OK;
}

int sp_uuid_valid(const char *s)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < SP_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_lhex(s[i])) {
			return 0;
		}
	}
	if (s[SP_UUID_LEN] != '\0')
		return 0;
	if (s[14] != '4')
		return 0;
	return s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b';
}

/* ---------------------------------------------------------------- time */

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30,
	                          31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days from 0001-01-01 to y-01-01 (proleptic Gregorian), y >= 1. */
static int64_t days_to_year(int64_t y)
{
	int64_t p = y - 1;

	return p * 365 + p / 4 - p / 100 + p / 400;
}

#define MIN_TIME (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define MAX_TIME 253402300799LL   /* 9999-12-31T23:59:59Z */

static void put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

int sp_time_format(int64_t t, char out[SP_TIME_TEXT_MAX])
{
	int64_t days, secs, y = 1;
	int m = 1;

	out[0] = '\0';
	if (t < MIN_TIME || t > MAX_TIME)
		return SP_ERR_INVALID_ARGUMENT;
	days = (t - MIN_TIME) / 86400;
	secs = (t - MIN_TIME) % 86400;
	/* Find the year by estimate and correction: no libc time_t limits. */
	y = 1 + days / 366;
	while (days_to_year(y + 1) <= days)
		y++;
	days -= days_to_year(y);
	while (days >= month_days(y, m)) {
		days -= month_days(y, m);
		m++;
	}
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, (unsigned)m, 2);
	out[7] = '-';
	put_digits(out + 8, (unsigned)days + 1, 2);
	out[10] = 'T';
	put_digits(out + 11, (unsigned)(secs / 3600), 2);
	out[13] = ':';
	put_digits(out + 14, (unsigned)(secs / 60 % 60), 2);
	out[16] = ':';
	put_digits(out + 17, (unsigned)(secs % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
	return SP_OK;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

void sp_duration_text(int64_t seconds, char out[SP_DURATION_TEXT_MAX])
{
	static const struct {
		uint64_t secs;
		const char *name;
	} units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};
	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	uint64_t left =
	    seconds < 0 ? (uint64_t)0 - (uint64_t)seconds : (uint64_t)seconds;
	const char *sign = seconds < 0 ? "-" : "";
	uint64_t q, r;
	size_t i;

	for (i = 0; i < 4 && left < units[i].secs; i++)
		;
	if (i == 4) {
		snprintf(out, SP_DURATION_TEXT_MAX, "0 s");
		return;
	}
	q = left / units[i].secs;
	r = i + 1 < 4 ? left % units[i].secs / units[i + 1].secs : 0;
	if (r > 0)
		snprintf(out, SP_DURATION_TEXT_MAX, "%s%llu %s %llu %s", sign,
		         (unsigned long long)q, units[i].name,
		         (unsigned long long)r, units[i + 1].name);
	else
		snprintf(out, SP_DURATION_TEXT_MAX, "%s%llu %s", sign,
		         (unsigned long long)q, units[i].name);
}

void sp_when_text(int64_t t, int64_t now, char out[SP_WHEN_TEXT_MAX])
{
	char ts[SP_TIME_TEXT_MAX], d[SP_DURATION_TEXT_MAX];

	if (t <= 0 || sp_time_format(t, ts) != SP_OK) {
		snprintf(out, SP_WHEN_TEXT_MAX, "never");
		return;
	}
	if (t == now) {
		snprintf(out, SP_WHEN_TEXT_MAX, "%s (now)", ts);
		return;
	}
	sp_duration_text(t < now ? now - t : t - now, d);
	snprintf(out, SP_WHEN_TEXT_MAX, t < now ? "%s (%s ago)" : "%s (in %s)",
	         ts, d);
}

int sp_time_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se;
	int64_t days;

	if (t != NULL)
		*t = 0;
	if (s == NULL || t == NULL || strlen(s) != 20)
		return SP_ERR_FIELD;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return SP_ERR_FIELD;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
	    !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) ||
	    !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return SP_ERR_FIELD;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h > 23 || mi > 59 || se > 59)
		return SP_ERR_FIELD;
	days = days_to_year(y);
	for (int m = 1; m < mo; m++)
		days += month_days(y, m);
	days += d - 1;
	*t = MIN_TIME + days * 86400 + (int64_t)h * 3600 + mi * 60 + se;
	return SP_OK;
}

/* ---------------------------------------------------------------- digests */

void sp_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	unsigned int olen = 0;
	static const uint8_t empty = 0;

	if (EVP_Digest(data != NULL ? data : &empty, len, out, &olen,
	               EVP_sha256(), NULL) != 1 ||
	    olen != 32) {
		/* Never hand back a digest that could match anything real. */
		memset(out, 0, 32);
		fprintf(stderr, "silkport: SHA-256 failed\n");
		abort();
	}
}

void sp_sha256_hex(const uint8_t *data, size_t len, char out[65])
{
	uint8_t d[32];

	sp_sha256(data, len, d);
	sp_hex_encode(d, sizeof(d), out);
}

/* ---------------------------------------------------------------- UTF-8 */

/* 1 if none of the 8 bytes of v is NUL or >= 0x80: plain ASCII text. */
static int ascii8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

	return ((v | ((v - ones) & ~v)) & highs) == 0;
}

int sp_proto__utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t n;
		uint64_t w;

		/* Markup is mostly ASCII: eight bytes at a time. */
		if (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (ascii8(w)) {
				i += 8;
				continue;
			}
		}
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* ---------------------------------------------------------------- base64 */

/* Allocating wrappers around the strict codec (sp_b64_encode/decode). */
char *sp_proto__b64_encode(const uint8_t *in, size_t len)
{
	size_t cap;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	cap = (len + 2) / 3 * 4 + 1;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	if (sp_b64_encode(in, len, out, cap) == 0 && len > 0) {
		free(out);
		return NULL;
	}
	return out;
}

int sp_proto__b64_decode(const char *in, size_t len, uint8_t **out,
                         size_t *outlen)
{
	char *text;
	uint8_t *buf;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	*outlen = 0;
	/* XML content may wrap the text: ASCII whitespace is not data. */
	if ((text = malloc(len + 1)) == NULL ||
	    (buf = malloc(len / 4 * 3 + 3)) == NULL) {
		free(text);
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < len; i++)
		if (in[i] != ' ' && in[i] != '\t' && in[i] != '\r' &&
		    in[i] != '\n')
			text[n++] = in[i];
	rc = sp_b64_decode(text, n, buf, len / 4 * 3 + 3, outlen);
	free(text);
	if (rc != SP_OK) {
		free(buf);
		*outlen = 0;
		return SP_ERR_FIELD;
	}
	*out = buf;
	return SP_OK;
}

/* ---------------------------------------------------------------- numbers */

int sp_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (s == NULL || len == 0)
		return SP_ERR_FIELD;
	if (s[0] == '0' && len > 1)
		return SP_ERR_FIELD;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return SP_ERR_FIELD;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return SP_ERR_FIELD;
		v = v * 10 + d;
	}
	*out = v;
	return SP_OK;
}

int sp_proto__parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	return sp_parse_u64(s, s != NULL ? strlen(s) : 0, max, out);
}
