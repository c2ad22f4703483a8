/* console_int.h: the operator console's parts (console.c, console_html.c)
 * and its hooks in the node. Internal to node/core. */
#ifndef SP_NODE_CONSOLE_INT_H
#define SP_NODE_CONSOLE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "node.h"

struct sp_node_event_args;

/* ---------------------------------------------------------------- html */

/* Append to t, formatted as printf would, except that every %s argument
 * is HTML-escaped (sp_html_esc): the format is the page's own markup,
 * every argument is a value. Conversions: %s, %d, %u, %lld, %llu, %zu,
 * %.Nf and %%; nothing else (no width or precision on %s). */
void sp_html(sp_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The one escape of the console: & < > " ' become entities, NUL and other
 * control characters but tab and newline become U+FFFD; s need not be
 * NUL-terminated. */
void sp_html_esc(sp_text *t, const char *s, size_t len);
/* Percent-encode s for a URL query value (everything but A-Z a-z 0-9 - . _
 * ~), which is then safe in an attribute as well. */
void sp_html_url(sp_text *t, const char *s);
/* A time as "2026-12-02T14:30:46Z (3 min ago)"; "never" for 0. */
void sp_html_when(sp_text *t, int64_t unix_s, int64_t now_s);

/* One page: the head with title, the navigation, then the caller's body;
 * refresh > 0 adds <meta http-equiv="refresh">. */
void sp_html_begin(sp_text *t, const char *node_id, const char *title,
                   const char *active, int refresh);
void sp_html_end(sp_text *t);
/* The stylesheet (served as /console/style.css). */
extern const char sp_console_css[];

/* A line chart, inline SVG: n_series series of n points each (values[s][i],
 * i = 0 the oldest), labelled; y from 0 to the largest value. */
#define SP_CHART_MAX_SERIES 8
void sp_html_chart(sp_text *t, const char *title, const char *unit,
                   const char *const *labels, const double *const *values,
                   size_t n_series, size_t n);

/* ---------------------------------------------------------------- node hooks
 */

typedef struct sp_console sp_console;

/* Start the console: its per-minute ring always, its plain-HTTP listener
 * when [console] listen is set. Logs and returns -1 when that fails. */
int sp_node__console_start(sp_node *n);
/* After the pool is drained (every page answered): close the listener and
 * free. NULL-safe. */
void sp_node__console_free(sp_console *c);
/* Count what the node does (records in, records out, ticks), from
 * sp_node__notify(). Loop thread. */
void sp_node__console_note(sp_node *n, int ev,
                           const struct sp_node_event_args *a);

#endif /* SP_NODE_CONSOLE_INT_H */
