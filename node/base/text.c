/* text.c: the growable text buffer (sp_text). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void sp_text_append(sp_text *t, const void *data, size_t len)
{
	char *nb;
	size_t cap;

	if (t->failed)
		return;
	if (t->len + len + 1 > t->cap) {
		cap = t->cap ? t->cap : 1024;
		while (cap < t->len + len + 1)
			cap *= 2;
		if ((nb = realloc(t->buf, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, data, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

void sp_text_printf(sp_text *t, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sp_text_append(t, small, (size_t)n);
		return;
	}
	{
		char *big = malloc((size_t)n + 1);

		if (big == NULL) {
			t->failed = 1;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		sp_text_append(t, big, (size_t)n);
		free(big);
	}
}

size_t sp_dec_u64(uint64_t v, char *out)
{
	char t[SP_DEC_MAX];
	size_t i = sizeof(t), n;

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	n = sizeof(t) - i;
	memcpy(out, t + i, n);
	out[n] = '\0';
	return n;
}

void sp_text_free(sp_text *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

void sp_text_json_str(sp_text *t, const char *s)
{
	const char *run;

	if (s == NULL) {
		sp_text_append(t, "null", 4);
		return;
	}
	sp_text_append(t, "\"", 1);
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sp_text_append(t, run, (size_t)(s - run));
		if (c == '"' || c == '\\')
			sp_text_printf(t, "\\%c", c);
		else
			sp_text_printf(t, "\\u%04x", c);
		run = s + 1;
	}
	sp_text_append(t, run, (size_t)(s - run));
	sp_text_append(t, "\"", 1);
}
