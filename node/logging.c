/* logging.c: structured log lines (key=value or JSON) on stderr. */
#include "node/log_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

int sp_log__min_level = SP_LOG_INFO;
static int log_json;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sp_log_setup(const char *level, const char *format)
{
	int i;

	for (i = 0; i < 4; i++)
		if (level != NULL && strcmp(level, level_names[i]) == 0)
			sp_log__min_level = i;
	log_json = format != NULL && strcmp(format, "json") == 0;
}

static int is_bare(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

const char *sp_log_esc(char *buf, size_t cap, const char *s, size_t len)
{
	size_t i, o = 0, bare = len > 0;

	if (cap < 8) {
		if (cap > 0)
			buf[0] = '\0';
		return buf;
	}
	if (s == NULL) {
		snprintf(buf, cap, "-");
		return buf;
	}
	if (len > 256)
		len = 256;
	for (i = 0; i < len; i++)
		if (!is_bare((unsigned char)s[i]))
			bare = 0;
	if (!bare)
		buf[o++] = '"';
	for (i = 0; i < len && o + 6 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (bare || (c >= 0x20 && c < 0x7f && c != '"' && c != '\\'))
			buf[o++] = (char)c;
		else if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
	}
	if (!bare)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* Copy one key=value token from *p into JSON ("key":"value"). */
static size_t json_field(char *out, size_t cap, const char **p)
{
	const char *s = *p, *eq;
	size_t o = 0;

	while (*s == ' ')
		s++;
	if (*s == '\0' || (eq = strchr(s, '=')) == NULL) {
		*p = s + strlen(s);
		return 0;
	}
	o += (size_t)snprintf(out + o, cap - o, ",\"%.*s\":\"", (int)(eq - s), s);
	s = eq + 1;
	if (*s == '"') {
		/* quoted: already escaped with \" \\ \xNN; map \xNN to \u00NN */
		for (s++; *s && *s != '"' && o + 8 < cap; s++) {
			if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
				o += (size_t)snprintf(out + o, cap - o, "\\u00%c%c", s[2], s[3]);
				s += 3;
			} else if (s[0] == '\\' && s[1]) {
				out[o++] = '\\';
				out[o++] = *++s;
			} else
				out[o++] = *s;
		}
		if (*s == '"')
			s++;
	} else {
		for (; *s && *s != ' ' && o + 2 < cap; s++) {
			if (*s == '"' || *s == '\\')
				out[o++] = '\\';
			out[o++] = *s;
		}
	}
	if (o + 1 < cap)
		out[o++] = '"';
	out[o] = '\0';
	*p = s;
	return o;
}

void sp_log__emit(sp_log_level level, const char *file, int line,
		  const char *func, const char *event, const char *fields, ...)
{
	char msg[2048], out[4096], ts[64];
	struct timeval tv;
	struct tm tm;
	const char *base = strrchr(file, '/'), *p;
	va_list ap;
	size_t o;

	va_start(ap, fields);
	vsnprintf(msg, sizeof(msg), fields, ap);
	va_end(ap);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
	base = base ? base + 1 : file;
	if (!log_json) {
		fprintf(stderr, "ts=%s level=%s event=%s %s src=%s:%d\n", ts,
			level_names[level], event, msg, base, line);
		return;
	}
	o = (size_t)snprintf(out, sizeof(out),
			     "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"%s\"",
			     ts, level_names[level], event);
	for (p = msg; *p && o + 16 < sizeof(out);)
		o += json_field(out + o, sizeof(out) - o, &p);
	if (o < sizeof(out))
		snprintf(out + o, sizeof(out) - o, ",\"src\":\"%s:%d\",\"func\":\"%s\"}", base, line, func);
	fprintf(stderr, "%s\n", out);
}
