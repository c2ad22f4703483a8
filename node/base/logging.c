/* logging.c: structured log lines (key=value or JSON) on stderr, every value
 * escaped here so that no caller can write a foreign string raw. */
#include "base.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int sp_log__min_level = SP_LOG_INFO;
static int log_json;
static int log_journal;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int sp_log__journal_stream(const char *env, unsigned long long dev,
                           unsigned long long ino)
{
	unsigned long long d, i;
	char *end;

	if (env == NULL || *env < '0' || *env > '9')
		return 0;
	d = strtoull(env, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	i = strtoull(end + 1, &end, 10);
	return *end == '\0' && d == dev && i == ino;
}

int sp_log__priority(sp_log_level level)
{
	/* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
	switch (level) {
	case SP_LOG_ERROR:
		return 3;
	case SP_LOG_WARN:
		return 4;
	case SP_LOG_INFO:
		return 6;
	default:
		return 7;
	}
}

void sp_log_setup(const char *level, const char *format)
{
	struct stat st;
	int i;

	for (i = 0; i < 4; i++)
		if (level != NULL && strcmp(level, level_names[i]) == 0)
			sp_log__min_level = i;
	log_json = format != NULL && strcmp(format, "json") == 0;
	/* systemd names the stream it connected to stderr; output that was
	 * redirected elsewhere (a file, a pipe) has another inode */
	log_journal = fstat(STDERR_FILENO, &st) == 0 &&
	              sp_log__journal_stream(getenv("JOURNAL_STREAM"),
	                                     (unsigned long long)st.st_dev,
	                                     (unsigned long long)st.st_ino);
}

/* ---------------------------------------------------------------- output */

typedef struct obuf {
	char *p;
	size_t cap; /* usable bytes, one kept for the NUL */
	size_t len;
	int full;
} obuf;

static void put(obuf *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(obuf *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putc_(obuf *o, char c)
{
	put(o, &c, 1);
}

static void put_hex(obuf *o, const char *pre, unsigned v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char t[8];
	int i;

	puts_(o, pre);
	for (i = 0; i < digits; i++)
		t[i] = hex[(v >> (4 * (digits - 1 - i))) & 0xf];
	put(o, t, (size_t)digits);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 if there is none; the
 * code point in *cp. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

/* Code points that some viewer treats as a line break or that reorder what
 * an operator sees: C1 controls (NEL), LS, PS, bidi and other invisible
 * format characters, BOM. Escaped even when well-formed. */
static int cp_unsafe(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
	       c == 0xfeff;
}

/* A kv value stays bare when it is printable ASCII with nothing that a
 * reader splits on. */
static int kv_bare(const unsigned char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' ||
		    s[i] == '\\' || s[i] == '=')
			return 0;
	return 1;
}

/* One text value, escaped for kv or JSON; NULL is "-" or null. */
static void put_text(obuf *o, int json, const unsigned char *s, size_t n)
{
	size_t i = 0, k, cut = n;
	uint32_t cp;

	if (s == NULL) {
		puts_(o, json ? "null" : "-");
		return;
	}
	if (cut > SP_LOG_VALUE_MAX)
		cut = SP_LOG_VALUE_MAX;
	if (!json && cut == n && kv_bare(s, n)) {
		put(o, (const char *)s, n);
		return;
	}
	putc_(o, '"');
	while (i < cut) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			puts_(o, "\\\"");
			i++;
			continue;
		case '\\':
			puts_(o, "\\\\");
			i++;
			continue;
		case '\n':
			puts_(o, "\\n");
			i++;
			continue;
		case '\r':
			puts_(o, "\\r");
			i++;
			continue;
		case '\t':
			puts_(o, "\\t");
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			put_hex(o, json ? "\\u00" : "\\x", c, 2);
			i++;
			continue;
		}
		if (c < 0x80) {
			putc_(o, (char)c);
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i, &cp);
		if (k == 0) {
			/* not UTF-8: kv keeps the byte's value, JSON cannot */
			if (json)
				puts_(o, "\\ufffd");
			else
				put_hex(o, "\\x", c, 2);
			i++;
			continue;
		}
		if (i + k > cut) /* never cut a character in two */
			break;
		if (!cp_unsafe(cp))
			put(o, (const char *)s + i, k);
		else if (json)
			put_hex(o, "\\u", cp, 4);
		else
			for (size_t j = 0; j < k; j++)
				put_hex(o, "\\x", s[i + j], 2);
		i += k;
	}
	if (i < n)
		puts_(o, "...");
	putc_(o, '"');
}

/* Keys, event, file and function names are the node's own literals;
 * anything outside [A-Za-z0-9_.-] would still not get through, and at most
 * 64 bytes are used (so the tail of a line always fits). Copied in one
 * piece: an access line has a dozen. */
static void put_name(obuf *o, const char *s)
{
	char t[64];
	size_t i;

	for (i = 0; s[i] != '\0' && i < sizeof(t); i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			c = '_';
		t[i] = c;
	}
	put(o, t, i);
}

static void put_u64(obuf *o, unsigned long long v)
{
	char t[SP_DEC_MAX];

	put(o, t, sp_dec_u64(v, t));
}

static void put_i64(obuf *o, long long v)
{
	if (v < 0) {
		putc_(o, '-');
		put_u64(o, 0ull - (unsigned long long)v);
	} else {
		put_u64(o, (unsigned long long)v);
	}
}

static void put_field(obuf *o, int json, const sp_log_field *f)
{

	if (json) {
		putc_(o, ',');
		putc_(o, '"');
		put_name(o, f->key);
		puts_(o, "\":");
	} else {
		putc_(o, ' ');
		put_name(o, f->key);
		putc_(o, '=');
	}
	switch (f->type) {
	case SP_LOG_T_STR:
		put_text(o, json, (const unsigned char *)f->s,
		         f->s != NULL ? strlen(f->s) : 0);
		break;
	case SP_LOG_T_BYTES:
		put_text(o, json, f->b, f->b != NULL ? f->n : 0);
		break;
	case SP_LOG_T_INT:
		put_i64(o, f->i);
		break;
	case SP_LOG_T_UINT:
		put_u64(o, f->u);
		break;
	default:
		puts_(o, json ? "null" : "-");
		break;
	}
}

size_t sp_log__format(char *out, size_t cap, int json, sp_log_level level,
                      const char *ts, const char *file, int line,
                      const char *func, const char *event,
                      const sp_log_field *fields)
{
	/* room kept for the tail (src, func, truncated, close, newline) */
	enum { TAIL = 320 };
	const char *base = strrchr(file, '/');
	obuf o;
	int truncated = 0;

	if (cap < TAIL + 64) {
		if (cap > 0)
			out[0] = '\0';
		return 0;
	}
	base = base != NULL ? base + 1 : file;
	if ((unsigned)level > SP_LOG_ERROR)
		level = SP_LOG_ERROR;
	o.p = out;
	o.cap = cap - 1 - TAIL;
	o.len = 0;
	o.full = 0;
	puts_(&o, json ? "{\"ts\":" : "ts=");
	put_text(&o, json, (const unsigned char *)ts, strlen(ts));
	puts_(&o, json ? ",\"level\":\"" : " level=");
	puts_(&o, level_names[level]);
	puts_(&o, json ? "\",\"event\":\"" : " event=");
	put_name(&o, event);
	if (json)
		putc_(&o, '"');
	for (; fields != NULL && fields->type != SP_LOG_T_END; fields++) {
		size_t mark = o.len;

		put_field(&o, json, fields);
		if (o.full) {
			/* a field is written whole or not at all */
			o.len = mark;
			o.full = 0;
			truncated = 1;
			break;
		}
	}
	o.cap = cap - 1;
	if (json) {
		if (truncated)
			puts_(&o, ",\"truncated\":true");
		puts_(&o, ",\"src\":\"");
		put_name(&o, base);
		putc_(&o, ':');
		put_i64(&o, line);
		puts_(&o, "\",\"func\":\"");
		put_name(&o, func);
		puts_(&o, "\"}\n");
	} else {
		if (truncated)
			puts_(&o, " truncated=1");
		puts_(&o, " src=");
		put_name(&o, base);
		putc_(&o, ':');
		put_i64(&o, line);
		putc_(&o, '\n');
	}
	out[o.len] = '\0';
	return o.len;
}

/* The calling thread's batch (sp_log_batch): NULL when it writes each
 * line at once. */
static __thread struct log_batch {
	void (*arm)(void *arg);
	void *arg;
	size_t len, cap;
	char buf[];
} * batch;

/* How many bytes one batch may hold. A pipe or socket (journald, a
 * supervisor) is read by others while other threads write: a write of at
 * most PIPE_BUF keeps each line whole there. A file or terminal takes each
 * write(2) whole under the file's lock, so a larger batch is as safe and
 * costs fewer writes (one a loop turn on a busy server). */
static size_t batch_cap(void)
{
	struct stat st;

	if (fstat(fileno(stderr), &st) == 0 && !S_ISFIFO(st.st_mode) &&
	    !S_ISSOCK(st.st_mode))
		return SP_LOG_BATCH_FILE_MAX;
	return SP_LOG_BATCH_MAX;
}

void sp_log_flush(void)
{
	if (batch == NULL || batch->len == 0)
		return;
	fwrite(batch->buf, 1, batch->len, stderr);
	batch->len = 0;
}

void sp_log_batch(int on, void (*arm)(void *arg), void *arg)
{
	if (!on) {
		sp_log_flush();
		free(batch);
		batch = NULL;
		return;
	}
	if (batch == NULL) {
		size_t cap = batch_cap();

		if ((batch = calloc(1, sizeof(*batch) + cap)) == NULL)
			return; /* each line is written at once, as before */
		batch->cap = cap;
	}
	batch->arm = arm;
	batch->arg = arg;
}

/* One formatted line: into the thread's batch, or written at once. */
static void put_line(sp_log_level level, const char *line, size_t n)
{
	if (batch == NULL) {
		/* one write per line, so that lines from threads never
		 * interleave */
		fwrite(line, 1, n, stderr);
		return;
	}
	if (n > batch->cap - batch->len)
		sp_log_flush();
	if (n > batch->cap) {
		fwrite(line, 1, n, stderr);
		return;
	}
	memcpy(batch->buf + batch->len, line, n);
	batch->len += n;
	if (level >= SP_LOG_WARN)
		sp_log_flush();
	else if (batch->len == n && batch->arm != NULL)
		batch->arm(batch->arg);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" of now; the part up to the seconds is made
 * once per second per thread. */
static void time_stamp(char *ts, size_t cap)
{
	static __thread time_t sec = (time_t)-1;
	static __thread char head[48];
	struct timeval tv;
	struct tm tm;
	unsigned ms;
	size_t n;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != sec) {
		gmtime_r(&tv.tv_sec, &tm);
		snprintf(head, sizeof(head), "%04d-%02d-%02dT%02d:%02d:%02d",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min, tm.tm_sec);
		sec = tv.tv_sec;
	}
	ms = (unsigned)(tv.tv_usec / 1000);
	n = strlen(head);
	if (cap < n + 6)
		return;
	memcpy(ts, head, n);
	ts[n++] = '.';
	ts[n++] = (char)('0' + ms / 100);
	ts[n++] = (char)('0' + ms / 10 % 10);
	ts[n++] = (char)('0' + ms % 10);
	ts[n++] = 'Z';
	ts[n] = '\0';
}

void sp_log__emit(sp_log_level level, const char *file, int line,
                  const char *func, const char *event,
                  const sp_log_field *fields)
{
	char out[SP_LOG_LINE_MAX + 4], ts[64];
	size_t n, pre = 0;

	time_stamp(ts, sizeof(ts));
	if (log_journal) {
		out[0] = '<';
		out[1] = (char)('0' + sp_log__priority(level));
		out[2] = '>';
		pre = 3;
	}
	n = sp_log__format(out + pre, SP_LOG_LINE_MAX, log_json, level, ts,
	                   file, line, func, event, fields);
	put_line(level, out, pre + n);
}
