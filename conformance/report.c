/* report.c: the three reports: TAP 14 on stdout, JUnit XML, and one
 * self-contained HTML page (inline CSS, no scripts, every text escaped). */
#include "conf_int.h"

#include <stdio.h>
#include <string.h>

static const char *outcome_name(cf_outcome o)
{
	return o == CF_PASS ? "pass" : o == CF_SKIP ? "skip" : "fail";
}

static const char *level_name(cf_level l)
{
	return l == CF_MUST ? "MUST" : "SHOULD";
}

/* Text as written into reports: printable ASCII, the rest replaced, so
 * that nothing a target sent can break the document it is quoted in. */
static void put_clean(FILE *f, const char *s, int xml)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (xml && ch == '&')
			fputs("&amp;", f);
		else if (xml && ch == '<')
			fputs("&lt;", f);
		else if (xml && ch == '>')
			fputs("&gt;", f);
		else if (xml && ch == '"')
			fputs("&quot;", f);
		else if (xml && ch == '\'')
			fputs("&#39;", f);
		else if (ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f))
			fputc(ch, f);
		else
			fputc('?', f);
	}
}

static void put_yaml(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			fputc('\\', f);
			fputc(ch, f);
		} else if (ch >= 0x20 && ch < 0x7f) {
			fputc(ch, f);
		} else {
			fputc('?', f);
		}
	}
	fputc('"', f);
}

/* ---------------------------------------------------------------- failures */

/* A failure explained: the request sent (the last exchange of the
 * assertion), what was expected with the requirement ids, and what came
 * back. Every part is plain text, escaped by the writer it goes to. */
typedef struct failure {
	char request[220];
	char expected[520];
	char got[420];
} failure;

static void explain(const cf_item *it, failure *fl)
{
	const cf_evidence *ev = NULL;

	/* The last evidence that is an exchange (an answer or none), not a
	 * note such as "signed with". */
	for (size_t e = it->r.n_ev; e > 0 && ev == NULL; e--)
		if (it->r.ev[e - 1].status != 0 ||
		    it->r.ev[e - 1].error[0] != '\0')
			ev = &it->r.ev[e - 1];
	if (ev == NULL && it->r.n_ev > 0)
		ev = &it->r.ev[it->r.n_ev - 1];
	snprintf(fl->request, sizeof(fl->request), "%s",
	         ev ? ev->request : "(none: no request was made)");
	snprintf(fl->expected, sizeof(fl->expected), "%s [%s %s]",
	         it->r.expect[0] ? it->r.expect : it->a->title,
	         level_name(it->a->level), it->a->spec);
	if (ev == NULL)
		snprintf(fl->got, sizeof(fl->got), "%s", it->r.reason);
	else if (ev->status == 0)
		snprintf(fl->got, sizeof(fl->got), "no HTTP answer: %s%s%s",
		         ev->error[0] ? ev->error : "none",
		         ev->note[0] ? "; " : "", ev->note);
	else
		snprintf(fl->got, sizeof(fl->got), "%d %s; body: %s",
		         ev->status,
		         ev->error[0] ? ev->error : "(no problem type)",
		         ev->body[0] ? ev->body : "(empty)");
}

/* ---------------------------------------------------------------- TAP */

void cf_report_tap_plan(size_t n)
{
	printf("1..%zu\n", n);
}

void cf_report_tap_item(size_t i, const cf_item *it)
{
	FILE *f = stdout;

	fprintf(f, "%s %zu - %s ", it->r.outcome == CF_FAIL ? "not ok" : "ok",
	        i, it->id);
	put_clean(f, it->a->title, 0);
	fprintf(f, " [%s %s]", level_name(it->a->level), it->a->spec);
	if (it->r.outcome == CF_SKIP) {
		fputs(" # SKIP ", f);
		put_clean(f, it->r.reason, 0);
	}
	fputc('\n', f);
	if (it->r.outcome == CF_SKIP)
		return;
	fputs("  ---\n  message: ", f);
	put_yaml(f, it->r.reason);
	fprintf(f, "\n  severity: %s\n  level: %s\n  spec: ",
	        it->r.outcome == CF_FAIL ? "fail" : "pass",
	        level_name(it->a->level));
	put_yaml(f, it->a->spec);
	fprintf(f, "\n  duration_ms: %.1f\n", it->r.ms);
	if (it->r.outcome == CF_FAIL) {
		failure fl;

		explain(it, &fl);
		fputs("  request: ", f);
		put_yaml(f, fl.request);
		fputs("\n  expected: ", f);
		put_yaml(f, fl.expected);
		fputs("\n  got: ", f);
		put_yaml(f, fl.got);
		fputc('\n', f);
	}
	if (it->r.n_ev > 0) {
		fputs("  evidence:\n", f);
		for (size_t e = 0; e < it->r.n_ev; e++) {
			const cf_evidence *ev = &it->r.ev[e];

			fputs("    - request: ", f);
			put_yaml(f, ev->request);
			fprintf(
			    f, "\n      status: %d\n      error: ", ev->status);
			put_yaml(f, ev->error);
			fprintf(f, "\n      ms: %.1f\n", ev->ms);
			if (ev->note[0] != '\0') {
				fputs("      note: ", f);
				put_yaml(f, ev->note);
				fputc('\n', f);
			}
			if (ev->body[0] != '\0') {
				fputs("      body: ", f);
				put_yaml(f, ev->body);
				fputc('\n', f);
			}
		}
	}
	fputs("  ...\n", f);
}

/* ---------------------------------------------------------------- counts */

typedef struct counts {
	size_t total, pass, fail_must, fail_should, skip;
} counts;

static void count(const cf_item *items, size_t n, const cf_area *area,
                  counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		if (area != NULL && items[i].area != area)
			continue;
		c->total++;
		if (items[i].r.outcome == CF_PASS)
			c->pass++;
		else if (items[i].r.outcome == CF_SKIP)
			c->skip++;
		else if (items[i].a->level == CF_MUST)
			c->fail_must++;
		else
			c->fail_should++;
	}
}

/* ---------------------------------------------------------------- JUnit */

int cf_report_junit(const char *path, const cf_report_info *info,
                    const cf_item *items, size_t n)
{
	FILE *f = fopen(path, "w");
	counts all;

	if (f == NULL)
		return -1;
	count(items, n, NULL, &all);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f,
	        "<testsuites name=\"silkport-conformance\" tests=\"%zu\" "
	        "failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
	        all.total, all.fail_must + all.fail_should, all.skip,
	        info->total_ms / 1000.0);
	for (size_t i = 0; i < n;) {
		const cf_area *area = items[i].area;
		counts c;
		double t = 0;
		size_t j;

		count(items, n, area, &c);
		for (j = i; j < n && items[j].area == area; j++)
			t += items[j].r.ms;
		fputs("  <testsuite name=\"", f);
		put_clean(f, area->name, 1);
		fprintf(f,
		        "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
		        "skipped=\"%zu\" time=\"%.3f\" timestamp=\"",
		        c.total, c.fail_must + c.fail_should, c.skip,
		        t / 1000.0);
		put_clean(f, info->started, 1);
		fputs("\">\n    <properties>\n", f);
#define PROP(k, v)                                                             \
	do {                                                                   \
		fputs("      <property name=\"" k "\" value=\"", f);           \
		put_clean(f, (v), 1);                                          \
		fputs("\"/>\n", f);                                            \
	} while (0)
		PROP("target", info->target);
		PROP("target-node", info->target_id);
		PROP("target-certificate", info->target_fp);
		PROP("auditor", info->as);
		PROP("federation", info->federation);
		PROP("spec-version", info->spec_version);
		PROP("tool-version", info->tool_version);
		PROP("mode", info->read_only ? "read-only" : "read-write");
#undef PROP
		fputs("    </properties>\n", f);
		for (; i < j; i++) {
			const cf_item *it = &items[i];

			fputs("    <testcase classname=\"conformance.", f);
			put_clean(f, area->prefix, 1);
			fputs("\" name=\"", f);
			put_clean(f, it->id, 1);
			fputs(" ", f);
			put_clean(f, it->a->title, 1);
			fprintf(f, "\" time=\"%.3f\">\n", it->r.ms / 1000.0);
			if (it->r.outcome == CF_FAIL) {
				failure fl;

				explain(it, &fl);
				fprintf(f,
				        "      <failure type=\"%s\" message=\"",
				        level_name(it->a->level));
				put_clean(f, it->r.reason, 1);
				fputs("\">", f);
				fprintf(f, "%s %s: ", level_name(it->a->level),
				        it->a->spec);
				put_clean(f, it->r.reason, 1);
				fputs("\nrequest: ", f);
				put_clean(f, fl.request, 1);
				fputs("\nexpected: ", f);
				put_clean(f, fl.expected, 1);
				fputs("\ngot: ", f);
				put_clean(f, fl.got, 1);
				fputs("</failure>\n", f);
			} else if (it->r.outcome == CF_SKIP) {
				fputs("      <skipped message=\"", f);
				put_clean(f, it->r.reason, 1);
				fputs("\"/>\n", f);
			}
			fprintf(f, "      <system-out>%s %s; %s",
			        level_name(it->a->level), it->a->spec,
			        outcome_name(it->r.outcome));
			if (it->r.outcome == CF_PASS) {
				fputs(": ", f);
				put_clean(f, it->r.reason, 1);
			}
			fputc('\n', f);
			for (size_t e = 0; e < it->r.n_ev; e++) {
				const cf_evidence *ev = &it->r.ev[e];

				put_clean(f, ev->request, 1);
				fprintf(f, " -> %d ", ev->status);
				put_clean(f, ev->error, 1);
				fprintf(f, " (%.1f ms)", ev->ms);
				if (ev->note[0]) {
					fputs(" ", f);
					put_clean(f, ev->note, 1);
				}
				if (ev->body[0]) {
					fputs(" body: ", f);
					put_clean(f, ev->body, 1);
				}
				fputc('\n', f);
			}
			fputs("</system-out>\n    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- HTML */

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe "
    "UI',sans-serif;margin:2em;color:#1d2430;background:#fff}"
    "h1{font-size:1.6em;margin:0 0 "
    ".3em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:2px solid #d8dee8}"
    "table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px "
    "solid #d8dee8;padding:.35em .5em;"
    "text-align:left;vertical-align:top;font-size:.92em}th{background:#f2f5f9}"
    "table.meta td:first-child{width:14em;font-weight:600;background:#f8fafc}"
    ".verdict{font-size:1.2em;font-weight:700;padding:.6em "
    "1em;border-radius:6px;display:inline-block;margin:.6em 0}"
    ".ok{background:#e3f6e8;color:#125c2b}.bad{background:#fde5e5;color:#"
    "8a1414}"
    "td.pass{color:#125c2b;font-weight:700}td.fail{color:#8a1414;font-weight:"
    "700}td.skip{color:#6b5a00;font-weight:700}"
    "tr.r-fail "
    "td{background:#fff5f5}td.id,td.spec{white-space:nowrap}code{font-family:"
    "ui-monospace,Menlo,Consolas,monospace;font-size:.9em}"
    "ul.ev{margin:.3em 0;padding-left:1.2em}ul.ev li{margin:.15em "
    "0}.muted{color:#5b6675}"
    "dl.why{margin:.4em 0;display:grid;grid-template-columns:6em 1fr;gap:.15em "
    ".5em}"
    "dl.why dt{font-weight:600}dl.why dd{margin:0;overflow-wrap:anywhere}";

static void h(FILE *f, const char *s)
{
	put_clean(f, s, 1);
}

int cf_report_html(const char *path, const cf_report_info *info,
                   const cf_item *items, size_t n)
{
	FILE *f = fopen(path, "w");
	counts all;

	if (f == NULL)
		return -1;
	count(items, n, NULL, &all);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<title>silkport conformance report: ",
	      f);
	h(f, info->target);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n", css);
	fputs("<h1>silkport conformance report</h1>\n<table class=\"meta\">\n",
	      f);
#define ROW(k, v)                                                              \
	do {                                                                   \
		fputs("<tr><td>" k "</td><td><code>", f);                      \
		h(f, (v));                                                     \
		fputs("</code></td></tr>\n", f);                               \
	} while (0)
	ROW("Target", info->target);
	ROW("Target node", info->target_id);
	ROW("Target certificate", info->target_fp);
	ROW("Federation", info->federation);
	ROW("Auditor member", info->as);
	ROW("Specification",
	    "protocol/SPEC.md (SREP) version " SP_SPEC_VERSION);
	ROW("Tool version", info->tool_version);
	ROW("Started (UTC)", info->started);
	ROW("Mode",
	    info->read_only
	        ? "read-only: the assertions that write to the target were "
	          "skipped"
	        : "read-write: the suite delivered records to the target");
#undef ROW
	fprintf(f, "<tr><td>Duration</td><td><code>%.1f s</code></td></tr>\n",
	        info->total_ms / 1000.0);
	if (info->setup_error != NULL && info->setup_error[0] != '\0') {
		fputs("<tr><td>Setup problem</td><td><code>", f);
		h(f, info->setup_error);
		fputs("</code></td></tr>\n", f);
	}
	fputs("</table>\n<h2 id=\"summary\">Summary</h2>\n", f);
	if (all.fail_must == 0)
		fputs("<div class=\"verdict ok\">Conformant: no MUST assertion "
		      "failed</div>\n",
		      f);
	else
		fprintf(f,
		        "<div class=\"verdict bad\">Not conformant: %zu MUST "
		        "assertion%s failed</div>\n",
		        all.fail_must, all.fail_must == 1 ? "" : "s");
	fputs("<table><tr><th>Area</th><th>Assertions</th><th>Passed</"
	      "th><th>Failed (MUST)</th>"
	      "<th>Failed (SHOULD)</th><th>Skipped</th></tr>\n",
	      f);
	for (size_t i = 0; i < n;) {
		const cf_area *area = items[i].area;
		counts c;

		count(items, n, area, &c);
		fputs("<tr><td><a href=\"#area-", f);
		h(f, area->prefix);
		fputs("\">", f);
		h(f, area->name);
		fprintf(f,
		        "</a></td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</"
		        "td><td>%zu</td></tr>\n",
		        c.total, c.pass, c.fail_must, c.fail_should, c.skip);
		while (i < n && items[i].area == area)
			i++;
	}
	fprintf(f,
	        "<tr><th>Total</th><th id=\"total\">%zu</th><th "
	        "id=\"passed\">%zu</th><th id=\"failed-must\">%zu</th>"
	        "<th>%zu</th><th>%zu</th></tr>\n</table>\n",
	        all.total, all.pass, all.fail_must, all.fail_should, all.skip);

	for (size_t i = 0; i < n;) {
		const cf_area *area = items[i].area;

		fputs("<h2 id=\"area-", f);
		h(f, area->prefix);
		fputs("\">", f);
		h(f, area->name);
		fputs("</h2>\n<table><tr><th>Id</th><th>Assertion</"
		      "th><th>SPEC</th><th>Level</th><th>Result</th>"
		      "<th>Reason and evidence</th></tr>\n",
		      f);
		for (; i < n && items[i].area == area; i++) {
			const cf_item *it = &items[i];
			const char *oc = outcome_name(it->r.outcome);

			fprintf(f, "<tr class=\"r-%s\" id=\"", oc);
			h(f, it->id);
			fputs("\"><td class=\"id\"><code>", f);
			h(f, it->id);
			fputs("</code></td><td>", f);
			h(f, it->a->title);
			fputs("</td><td class=\"spec\">", f);
			h(f, it->a->spec);
			fprintf(f,
			        "</td><td>%s</td><td class=\"%s\">%s</td><td>",
			        level_name(it->a->level), oc, oc);
			h(f, it->r.reason);
			fprintf(f, " <span class=\"muted\">(%.1f ms)</span>",
			        it->r.ms);
			if (it->r.outcome == CF_FAIL) {
				failure fl;

				explain(it, &fl);
				fputs(
				    "<dl "
				    "class=\"why\"><dt>Request</dt><dd><code>",
				    f);
				h(f, fl.request);
				fputs("</code></dd><dt>Expected</dt><dd>", f);
				h(f, fl.expected);
				fputs("</dd><dt>Got</dt><dd><code>", f);
				h(f, fl.got);
				fputs("</code></dd></dl>", f);
			}
			if (it->r.n_ev > 0) {
				fputs("<ul class=\"ev\">", f);
				for (size_t e = 0; e < it->r.n_ev; e++) {
					const cf_evidence *ev = &it->r.ev[e];

					fputs("<li><code>", f);
					h(f, ev->request);
					fputs("</code> &rarr; ", f);
					if (ev->status > 0)
						fprintf(f, "<b>%d</b> ",
						        ev->status);
					if (ev->error[0]) {
						fputs("<code>", f);
						h(f, ev->error);
						fputs("</code> ", f);
					}
					fprintf(f,
					        "<span class=\"muted\">%.1f "
					        "ms</span>",
					        ev->ms);
					if (ev->note[0]) {
						fputs(" <span class=\"muted\">",
						      f);
						h(f, ev->note);
						fputs("</span>", f);
					}
					if (ev->body[0]) {
						fputs(" <span "
						      "class=\"muted\">body:</"
						      "span> <code>",
						      f);
						h(f, ev->body);
						fputs("</code>", f);
					}
					fputs("</li>", f);
				}
				fputs("</ul>", f);
			}
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	fputs("<p class=\"muted\">Generated by silkport-conformance. Levels "
	      "follow BCP 14; the suite exits 0 only "
	      "when no MUST assertion failed.</p>\n</body></html>\n",
	      f);
	return fclose(f) == 0 ? 0 : -1;
}
