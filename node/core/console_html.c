/* console_html.c: the operator console's HTML: one escape for every value,
 * a printf whose %s arguments always go through it, the page frame, the
 * stylesheet and the inline SVG chart. */
#include "console_int.h"
#include "protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sp_html_esc(sp_text *t, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		switch (c) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				rep = "\xef\xbf\xbd"; /* U+FFFD */
		}
		if (rep == NULL)
			continue;
		sp_text_append(t, s + run, i - run);
		sp_text_append(t, rep, strlen(rep));
		run = i + 1;
	}
	sp_text_append(t, s + run, len - run);
}

void sp_html_url(sp_text *t, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char pct[3] = {'%', hex[c >> 4], hex[c & 15]};

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			sp_text_append(t, s, 1);
		else
			sp_text_append(t, pct, 3);
	}
}

/* The numeric conversions are handed to snprintf one at a time, with the
 * spec cut out of fmt: a literal at every call site, which the format
 * attribute has checked against the arguments. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void sp_html(sp_text *t, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt, *lit = fmt;

	va_start(ap, fmt);
	while ((p = strchr(p, '%')) != NULL) {
		char spec[16], num[64];
		size_t k = 0;
		int n = -1;

		sp_text_append(t, lit, (size_t)(p - lit));
		/* copy the conversion: flags, precision, length, type */
		spec[k++] = *p++;
		while (*p && strchr(".0123456789lz", *p) &&
		       k < sizeof(spec) - 2)
			spec[k++] = *p++;
		spec[k++] = *p;
		spec[k] = '\0';
		switch (*p) {
		case '%':
			sp_text_append(t, "%", 1);
			break;
		case 's': {
			const char *v = va_arg(ap, const char *);

			if (v != NULL)
				sp_html_esc(t, v, strlen(v));
			break;
		}
		case 'f':
			n = snprintf(num, sizeof(num), spec,
			             va_arg(ap, double));
			break;
		case 'd':
			if (strstr(spec, "ll"))
				n = snprintf(num, sizeof(num), spec,
				             va_arg(ap, long long));
			else
				n = snprintf(num, sizeof(num), spec,
				             va_arg(ap, int));
			break;
		case 'u':
			if (strstr(spec, "ll"))
				n = snprintf(num, sizeof(num), spec,
				             va_arg(ap, unsigned long long));
			else if (strchr(spec, 'z'))
				n = snprintf(num, sizeof(num), spec,
				             va_arg(ap, size_t));
			else
				n = snprintf(num, sizeof(num), spec,
				             va_arg(ap, unsigned));
			break;
		default:
			/* not one of ours: a bug in the page, shown as such */
			sp_text_append(t, "?", 1);
			if (*p == '\0')
				p--;
		}
		if (n > 0)
			sp_text_append(t, num,
			               (size_t)n < sizeof(num)
			                   ? (size_t)n
			                   : sizeof(num) - 1);
		lit = ++p;
	}
	sp_text_append(t, lit, strlen(lit));
	va_end(ap);
}
#pragma GCC diagnostic pop

void sp_html_when(sp_text *t, int64_t unix_s, int64_t now_s)
{
	char w[SP_WHEN_TEXT_MAX];

	sp_when_text(unix_s, now_s, w);
	sp_html(t, "%s", w);
}

/* ---------------------------------------------------------------- frame */

static const struct {
	const char *path, *label;
} nav[] = {
    {"", "Overview"},       {"peers", "Peers"},       {"chart", "Chart"},
    {"records", "Records"}, {"evidence", "Evidence"}, {"trust", "Trust"},
};

void sp_html_begin(sp_text *t, const char *node_id, const char *title,
                   const char *active, int refresh)
{
	size_t i;

	sp_html(t, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	           "charset=\"utf-8\">\n<meta name=\"viewport\" "
	           "content=\"width=device-width, initial-scale=1\">\n");
	if (refresh > 0)
		sp_html(t, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
		        refresh);
	sp_html(t,
	        "<title>%s · %s · silkport</title>\n<link rel=\"stylesheet\" "
	        "href=\"/console/style.css\">\n</head><body>\n<header><span "
	        "class=\"brand\">silkport</span> <span class=\"node\">%s</span>"
	        "<nav>",
	        title, node_id, node_id);
	for (i = 0; i < sizeof(nav) / sizeof(nav[0]); i++)
		sp_html(t,
		        strcmp(nav[i].path, active) == 0
		            ? "<a href=\"/console/%s\" class=\"on\" "
		              "aria-current=\"page\">%s</a>"
		            : "<a href=\"/console/%s\">%s</a>",
		        nav[i].path, nav[i].label);
	sp_html(t, "</nav></header>\n<main>\n<h1>%s</h1>\n", title);
}

void sp_html_end(sp_text *t)
{
	sp_html(t, "</main>\n<footer>read-only operator console; this page is "
	           "not part of the protocol</footer>\n</body></html>\n");
}

const char sp_console_css[] =
    ":root{--fg:#1b1f24;--mute:#5a6470;--line:#d6dbe1;--bg:#f6f7f9;"
    "--ok:#1a7f37;--bad:#c62828;--warn:#a15c00;--acc:#0b5cad}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:var(--bg)}\n"
    "header{display:flex;align-items:center;gap:1em;padding:.6em 1.2em;"
    "background:#14202e;color:#fff}\n"
    ".brand{font-weight:700;letter-spacing:.04em}\n"
    ".node{padding:.1em .6em;border:1px solid #4a5a6e;border-radius:3px;"
    "font-family:ui-monospace,monospace}\n"
    "nav{margin-left:auto;display:flex;gap:.2em;flex-wrap:wrap}\n"
    "nav a{color:#cfd8e3;text-decoration:none;padding:.3em .7em;"
    "border-radius:3px}\n"
    "nav a.on,nav a:hover{background:#2c3e55;color:#fff}\n"
    "main{padding:1em 1.2em;max-width:1200px}\n"
    "h1{font-size:1.3em;margin:.2em 0 .6em}h2{font-size:1.1em;"
    "margin:1.4em 0 .5em}\n"
    "table{border-collapse:collapse;background:#fff;width:100%;"
    "margin-bottom:1em}\n"
    "th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid "
    "var(--line);vertical-align:top}\n"
    "th{background:#eef1f4;font-weight:600;white-space:nowrap}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "code,.mono{font-family:ui-monospace,monospace;font-size:.92em;"
    "word-break:break-all}\n"
    ".ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);"
    "font-weight:600}.warn{color:var(--warn);font-weight:600}\n"
    ".muted{color:var(--mute)}\n"
    ".cards{display:flex;gap:1em;flex-wrap:wrap;margin-bottom:1em}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:4px;"
    "padding:.6em 1em;min-width:10em}\n"
    ".card b{display:block;font-size:1.6em}\n"
    "pre{background:#fff;border:1px solid var(--line);padding:.6em;"
    "overflow:auto;max-height:28em;white-space:pre-wrap;"
    "word-break:break-all}\n"
    ".side{display:grid;grid-template-columns:1fr 1fr;gap:1em}\n"
    "form{display:flex;gap:.5em;flex-wrap:wrap;align-items:end;"
    "margin-bottom:1em}\n"
    "label{display:flex;flex-direction:column;font-size:.9em;"
    "color:var(--mute)}\n"
    "input,select,button{font:inherit;padding:.25em .4em}\n"
    "svg.chart{background:#fff;border:1px solid var(--line);"
    "max-width:100%;height:auto}\n"
    "svg.chart text{font:11px system-ui,sans-serif;fill:#5a6470}\n"
    "svg.chart .grid{stroke:#e3e7ec}\n"
    "footer{padding:1em 1.2em;color:var(--mute);font-size:.85em}\n";

/* ---------------------------------------------------------------- chart */

/* Colours of the series, in order (presentation attributes: no inline
 * style, so that the Content-Security-Policy needs none). */
static const char *const colour[SP_CHART_MAX_SERIES] = {
    "#0b5cad", "#c62828", "#1a7f37", "#a15c00",
    "#6a3fb5", "#00838f", "#ad1457", "#5d6d7e"};

void sp_html_chart(sp_text *t, const char *title, const char *unit,
                   const char *const *labels, const double *const *values,
                   size_t n_series, size_t n)
{
	const int w = 720, h = 220, left = 48, right = 12, top = 14,
	          bottom = 26;
	const int pw = w - left - right, ph = h - top - bottom;
	double max = 0;
	size_t s, i;

	if (n_series > SP_CHART_MAX_SERIES)
		n_series = SP_CHART_MAX_SERIES;
	for (s = 0; s < n_series; s++)
		for (i = 0; i < n; i++)
			if (values[s][i] > max)
				max = values[s][i];
	if (max < 1)
		max = 1;
	sp_html(t,
	        "<figure><svg class=\"chart\" role=\"img\" "
	        "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	        "width=\"%d\" height=\"%d\"><title>%s</title>\n",
	        w, h, w, h, title);
	for (i = 0; i <= 4; i++) {
		int y = top + ph - (int)(i * (unsigned)ph / 4);

		sp_html(t,
		        "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		        "y2=\"%d\"/><text x=\"%d\" y=\"%d\" "
		        "text-anchor=\"end\">%.1f</text>\n",
		        left, y, left + pw, y, left - 4, y + 4,
		        max * (double)i / 4.0);
	}
	sp_html(t,
	        "<text x=\"%d\" y=\"%d\">-%zu min</text><text x=\"%d\" "
	        "y=\"%d\" text-anchor=\"end\">now</text>"
	        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
	        left, h - 8, n, left + pw, h - 8, left + pw / 2, h - 8, unit);
	for (s = 0; s < n_series; s++) {
		sp_html(t,
		        "<polyline class=\"series\" data-series=\"%s\" "
		        "fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
		        "points=\"",
		        labels[s], colour[s]);
		for (i = 0; i < n; i++)
			sp_html(t, "%.1f,%.1f ",
			        left + (n > 1 ? (double)pw * (double)i /
			                            (double)(n - 1)
			                      : 0.0),
			        top + ph - (double)ph * values[s][i] / max);
		sp_html(t, "\"/>\n");
		sp_html(t,
		        "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" "
		        "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
		        left + 8 + (int)s * 150, top, colour[s],
		        left + 22 + (int)s * 150, top + 9, labels[s]);
	}
	sp_html(t, "</svg><figcaption>%s</figcaption></figure>\n", title);
}
