/* log_int.h: structured logging: one line per event, key=value or JSON.
 * Internal to node/ (and peers/, which links node). */
#ifndef SP_NODE_LOG_INT_H
#define SP_NODE_LOG_INT_H

#include <stddef.h>

typedef enum sp_log_level {
	SP_LOG_DEBUG = 0,
	SP_LOG_INFO = 1,
	SP_LOG_WARN = 2,
	SP_LOG_ERROR = 3,
} sp_log_level;

extern int sp_log__min_level;

/* Level and format ("kv" or "json"); lines go to stderr (journald takes
 * them under systemd). Safe to call again on reload. */
void sp_log_setup(const char *level, const char *format);

/* Log one event. `fields` is a printf format of space-separated key=value
 * pairs; every value that a peer or a file supplied must go through
 * sp_log_esc() first. The level is checked before anything is formatted. */
#define sp_log(level, event, ...)                                             \
	do {                                                                  \
		if ((int)(level) >= sp_log__min_level)                        \
			sp_log__emit((level), __FILE__, __LINE__, __func__,   \
				     (event), __VA_ARGS__);                   \
	} while (0)

void sp_log__emit(sp_log_level level, const char *file, int line,
		  const char *func, const char *event, const char *fields, ...)
	__attribute__((format(printf, 6, 7)));

/* Escape untrusted text for a key=value line: the result is a bare token if
 * it is one, or a double-quoted string with \" \\ and \xNN escapes, cut to
 * fit `cap` (at most 256 input bytes are used). Returns buf. */
const char *sp_log_esc(char *buf, size_t cap, const char *s, size_t len);
#define SP_LOG_ESC_CAP 1040

#endif /* SP_NODE_LOG_INT_H */
