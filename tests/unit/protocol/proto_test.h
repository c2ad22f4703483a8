/* proto_test.h: shared helpers for the protocol unit tests (fixtures, records).
 */
#ifndef SP_PROTO_TEST_H
#define SP_PROTO_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

/* Read tests/data/<rel> into a malloc'd buffer (NUL-terminated for
 * convenience; *len excludes the NUL). NULL if missing. */
static inline uint8_t *pt_read_data(const char *rel, size_t *len)
{
	const char *dir = getenv("SP_DATA_DIR");
	char path[1024];
	FILE *f;
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (dir == NULL)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = 0;
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Parse a NUL-terminated string as kind; returns the error code. */
static inline int pt_parse(const char *s, sp_doc_kind kind, sp_doc **out)
{
	const char *why = NULL;

	return sp_doc_parse((const uint8_t *)s, strlen(s), kind, NULL, out,
	                    &why);
}

/* Replace the first occurrence of `from` in s by `to`; malloc'd result. */
static inline char *pt_replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	size_t a, b, c;
	char *r;

	if (p == NULL)
		return NULL;
	a = (size_t)(p - s);
	b = strlen(to);
	c = strlen(p + strlen(from));
	r = malloc(a + b + c + 1);
	if (r == NULL)
		return NULL;
	memcpy(r, s, a);
	memcpy(r + a, to, b);
	memcpy(r + a + b, p + strlen(from), c + 1);
	return r;
}

/* A minimal valid unsigned record with the given header pieces. */
#define PT_RECORD_HEAD                                                         \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                         \
	"<Record xmlns=\"urn:silkport:srep:1\" version=\"1\">"                 \
	"<Header><RecordId>0f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b</RecordId>"    \
	"<Origin>CN-ZZ</Origin><Sequence>7</Sequence><Type>release</Type>"     \
	"<Issued>2026-11-27T08:00:00Z</Issued>"                                \
	"<Recipients><Node>KZ-KGS</Node></Recipients></Header>"
#define PT_RECORD_BODY                                                         \
	"<Body><Release><DeclarationNo>4604202611270000123</DeclarationNo>"    \
	"<Decision>released</Decision><DecidedAt>2026-11-27T09:12:00Z</"       \
	"DecidedAt>"                                                           \
	"</Release></Body>"
#define PT_RECORD PT_RECORD_HEAD PT_RECORD_BODY "</Record>"

#endif /* SP_PROTO_TEST_H */
