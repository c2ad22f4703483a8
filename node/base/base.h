/* base.h: the node's ground floor, on libc only: structured logging (one
 * line per event, key=value or JSON), the monotonic clock and a growable
 * text buffer. */
#ifndef SP_NODE_BASE_H
#define SP_NODE_BASE_H

#include <stddef.h>
#include <stdint.h>

typedef enum sp_log_level {
	SP_LOG_DEBUG = 0,
	SP_LOG_INFO = 1,
	SP_LOG_WARN = 2,
	SP_LOG_ERROR = 3,
} sp_log_level;

extern int sp_log__min_level;

/* Level and format ("kv" or "json"); lines go to stderr (journald takes
 * them under systemd). Safe to call again on reload. The first call also
 * routes libxml2's and xmlsec's diagnostics into the log (debug level).
 * When stderr is the journal (sp_log__journal_stream), each line starts
 * with its syslog priority, "<3>" for error, "<4>" warn, "<6>" info, "<7>"
 * debug (sd-daemon's prefixes), so that journald files it by level. */
void sp_log_setup(const char *level, const char *format);

/* 1 if the environment's JOURNAL_STREAM ("DEVICE:INODE", decimal, as
 * systemd sets it for a service's output stream) names the file with
 * device `dev` and inode `ino` (stderr's), else 0. NULL is 0. */
int sp_log__journal_stream(const char *env, unsigned long long dev,
                           unsigned long long ino);
/* The syslog priority of a level (3 error, 4 warn, 6 info, 7 debug). */
int sp_log__priority(sp_log_level level);

/* One field of an event. Callers never fill this in by hand: they use the
 * SP_LF_* macros, whose key must be a string literal. There is no way to put
 * text into a line other than as a field value, and every value is escaped
 * by the emitter, so a peer's text can never forge a field or a line
 * (SPEC 14, [SEC-28]). */
typedef enum sp_log_type {
	SP_LOG_T_END = 0,
	SP_LOG_T_STR,   /* NUL-terminated; NULL is - (kv) or null (JSON) */
	SP_LOG_T_BYTES, /* {ptr, len}: need not be NUL-terminated or UTF-8 */
	SP_LOG_T_INT,
	SP_LOG_T_UINT,
} sp_log_type;

typedef struct sp_log_field {
	const char *key;
	sp_log_type type;
	const char *s;
	const void *b;
	size_t n;
	long long i;
	unsigned long long u;
} sp_log_field;

/* `"" k ""` only compiles for a string literal: keys are the node's own. */
#define SP_LF_STR(k, v)                                                        \
	{                                                                      \
		.key = "" k "", .type = SP_LOG_T_STR, .s = (v)                 \
	}
#define SP_LF_BYTES(k, p, len)                                                 \
	{                                                                      \
		.key = "" k "", .type = SP_LOG_T_BYTES, .b = (p), .n = (len)   \
	}
#define SP_LF_INT(k, v)                                                        \
	{                                                                      \
		.key = "" k "", .type = SP_LOG_T_INT, .i = (v)                 \
	}
#define SP_LF_UINT(k, v)                                                       \
	{                                                                      \
		.key = "" k "", .type = SP_LOG_T_UINT, .u = (v)                \
	}

/* Log one event: sp_log(SP_LOG_WARN, "pull_failed", SP_LF_STR("peer", id),
 * SP_LF_INT("status", st)). At least one field; the event name is a string
 * literal. The level is checked before anything is formatted. */
#define sp_log(level, event, ...)                                              \
	do {                                                                   \
		if ((int)(level) >= sp_log__min_level)                         \
			sp_log__emit(                                          \
			    (level), __FILE__, __LINE__, __func__,             \
			    "" event "",                                       \
			    (const sp_log_field[]){__VA_ARGS__,                \
			                           {.type = SP_LOG_T_END}});   \
	} while (0)

void sp_log__emit(sp_log_level level, const char *file, int line,
                  const char *func, const char *event,
                  const sp_log_field *fields);

/* Longest line written, newline included; a value is cut after
 * SP_LOG_VALUE_MAX input bytes (marked with "..."). */
#define SP_LOG_LINE_MAX  8192
#define SP_LOG_VALUE_MAX 512

/* Batching for a thread that logs many lines in one go (the event loop:
 * an access line per request). With on = 1 the calling thread's lines
 * are kept in a buffer of its own and written together, in one write of
 * at most SP_LOG_BATCH_MAX bytes on a pipe or socket (PIPE_BUF: atomic
 * there, so other threads' lines never land inside it) or of at most
 * SP_LOG_BATCH_FILE_MAX on a file or terminal: at sp_log_flush(), when the next
 * line would not fit, or at once with a line at warn or above. `arm`
 * (may be NULL) is called with `arg` whenever a line enters the empty
 * buffer, for the caller to schedule an sp_log_flush() soon (the loop:
 * an event after the callbacks now due). on = 0 flushes and stops. Lines
 * of other threads are written at once, as without batching. */
#define SP_LOG_BATCH_MAX 4096
/* ... and when stderr is a file or a terminal, where each write(2) lands
 * whole, up to this much. */
#define SP_LOG_BATCH_FILE_MAX 65536
void sp_log_batch(int on, void (*arm)(void *arg), void *arg);
/* Write the calling thread's batched lines now (nothing if none). */
void sp_log_flush(void);

/* Format one event into `out` (always NUL-terminated, ends with "\n"), as
 * key=value (json == 0) or as one JSON object. `ts` is the time stamp
 * text. Returns the line's length. For sp_log__emit and its tests. */
size_t sp_log__format(char *out, size_t cap, int json, sp_log_level level,
                      const char *ts, const char *file, int line,
                      const char *func, const char *event,
                      const sp_log_field *fields);

/* CLOCK_MONOTONIC in microseconds (the clock of sp_http_req_start_us()). */
uint64_t sp_monotonic_us(void);
/* CLOCK_MONOTONIC in milliseconds: intervals, deadlines, backoff. */
int64_t sp_clock_mono_ms(void);
/* CLOCK_REALTIME in milliseconds since the epoch (UTC). */
int64_t sp_clock_wall_ms(void);

/* The decimal digits of v into out (at least SP_DEC_MAX bytes), NUL
 * terminated, without printf; returns their count. For hot paths (each
 * access line, each response's content-length). */
#define SP_DEC_MAX 21
size_t sp_dec_u64(uint64_t v, char *out);

/* A growable text buffer for building responses and gauges. */
typedef struct sp_text {
	char *buf;
	size_t len, cap;
	int failed; /* allocation failed: the content is incomplete */
} sp_text;

void sp_text_printf(sp_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sp_text_append(sp_text *t, const void *data, size_t len);
void sp_text_free(sp_text *t);
/* Append s as a JSON string, quotes included; NULL appends null. Control
 * characters, quotes and backslashes are escaped, bytes >= 0x80 are copied
 * (s is UTF-8 or the caller's own text). */
void sp_text_json_str(sp_text *t, const char *s);

/* Read all of `path` ("-" or NULL: standard input) into a malloc'd,
 * NUL-terminated buffer (the NUL is not counted in *len). More than `max`
 * bytes is an error. Returns 0, or -1 with *why set. */
int sp_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
                 const char **why);

/* Take the exclusive advisory lock (flock) of `path`, creating it (0600),
 * without waiting, and write this process's pid into it. One running node
 * per database holds its lock for its whole life; a command that must not
 * run beside a node (restore) takes it too. Returns the open descriptor
 * (keep it open to hold the lock; closing releases it), or -1 with *why
 * set; when another process holds it, *holder is its pid as written in the
 * file (0 if unreadable) and *why says so. */
int sp_lock_file(const char *path, long *holder, const char **why);

#endif /* SP_NODE_BASE_H */
