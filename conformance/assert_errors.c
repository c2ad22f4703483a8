/* assert_errors.c: assertions over every response of the run: problem
 * documents for every 4xx and 5xx, registered error names with their
 * statuses, and request ids. */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t n_errors(const cf_ctx *x)
{
	size_t n = 0;

	for (size_t i = 0; i < x->n_seen; i++)
		n += x->seen[i].status >= 400;
	return n;
}

/* Report the verdict over `checked` responses with `bad` offenders; the
 * first few offenders become evidence. */
static void verdict(cf_result *r, size_t checked, size_t bad, const char *what)
{
	if (checked == 0)
		cf_skip(r, "no error response was seen in this run");
	else if (bad == 0)
		cf_pass(r, "all %zu %s", checked, what);
	else
		cf_fail(r, "%zu of %zu responses broke it (%s)", bad, checked,
		        what);
}

static void offender(cf_result *r, const cf_seen *s, const char *why)
{
	if (r->n_ev < CF_MAX_EVIDENCE - 1)
		cf_evidence_add(r, s->request, s->status,
		                s->error[0] ? s->error : s->type_name, 0, why);
}

static void t_problem(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t bad = 0;

	(void)arg;
	for (size_t i = 0; i < x->n_seen; i++) {
		const cf_seen *s = &x->seen[i];

		if (s->status < 400 || s->problem_ok)
			continue;
		bad++;
		offender(r, s, s->problem_why);
	}
	verdict(r, n_errors(x), bad,
	        "error responses carried an application/problem+xml problem "
	        "document");
}

static void t_names(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t bad = 0, checked = 0;
	char why[240];

	(void)arg;
	for (size_t i = 0; i < x->n_seen; i++) {
		const cf_seen *s = &x->seen[i];
		int err;

		if (s->status < 400 || !s->problem_ok)
			continue;
		checked++;
		err = sp_err_from_name(s->type_name);
		if (err == SP_ERR_INTERNAL &&
		    strcmp(s->type_name, "internal") != 0)
			snprintf(
			    why, sizeof(why),
			    "type names '%s', which is not in the registry",
			    s->type_name);
		else if (strcmp(s->error, s->type_name) != 0)
			snprintf(why, sizeof(why),
			         "error '%s' differs from the type's name '%s'",
			         s->error, s->type_name);
		else
			continue;
		bad++;
		offender(r, s, why);
	}
	verdict(r, checked, bad,
	        "problem documents name a registered error in type and error");
}

static void t_status(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t bad = 0, checked = 0;
	char why[240];

	(void)arg;
	for (size_t i = 0; i < x->n_seen; i++) {
		const cf_seen *s = &x->seen[i];
		int err;

		if (s->status < 400 || !s->problem_ok)
			continue;
		checked++;
		err = sp_err_from_name(s->type_name);
		if (s->p_status != s->status)
			snprintf(why, sizeof(why),
			         "status element %d, HTTP status %d",
			         s->p_status, s->status);
		else if ((err != SP_ERR_INTERNAL ||
		          strcmp(s->type_name, "internal") == 0) &&
		         sp_err_http_status(err) != s->status)
			snprintf(why, sizeof(why),
			         "'%s' is %d in the registry, answered %d",
			         s->type_name, sp_err_http_status(err),
			         s->status);
		else
			continue;
		bad++;
		offender(r, s, why);
	}
	verdict(r, checked, bad,
	        "problem documents carry the HTTP status, the registry's for "
	        "their name");
}

static void t_problem_reqid(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t bad = 0, checked = 0;

	(void)arg;
	for (size_t i = 0; i < x->n_seen; i++) {
		const cf_seen *s = &x->seen[i];

		if (s->status < 400 || !s->problem_ok)
			continue;
		checked++;
		if (s->has_reqid && strcmp(s->p_reqid, s->reqid) == 0)
			continue;
		bad++;
		offender(r, s,
		         "request-id is missing or differs from x-request-id");
	}
	verdict(r, checked, bad,
	        "problem documents carry request-id equal to the x-request-id "
	        "header");
}

static int reqid_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void t_request_ids(cf_ctx *x, const void *arg, cf_result *r)
{
	size_t bad = 0, dup = 0, k = 0;
	const char **ids = malloc((x->n_seen + 1) * sizeof(*ids));

	(void)arg;
	if (ids == NULL) {
		cf_fail(r, "out of memory");
		return;
	}
	for (size_t i = 0; i < x->n_seen; i++) {
		const cf_seen *s = &x->seen[i];

		if (!s->has_reqid || !reqid_ok(s->reqid)) {
			bad++;
			offender(r, s,
			         s->has_reqid ? "x-request-id malformed"
			                      : "no x-request-id");
			continue;
		}
		ids[k++] = s->reqid;
	}
	qsort(ids, k, sizeof(*ids), cmp_str);
	for (size_t i = 1; i < k; i++)
		dup += strcmp(ids[i - 1], ids[i]) == 0;
	free(ids);
	if (x->n_seen == 0)
		cf_skip(r, "no response was seen in this run");
	else if (bad > 0)
		cf_fail(
		    r, "%zu of %zu responses lacked a well-formed x-request-id",
		    bad, x->n_seen);
	else if (dup > 0)
		cf_fail(r,
		        "%zu x-request-id values repeated across %zu responses",
		        dup, x->n_seen);
	else
		cf_pass(r,
		        "all %zu responses carried a distinct, well-formed "
		        "x-request-id",
		        x->n_seen);
}

static const cf_assertion list[] = {
    {"every 4xx and 5xx carries a problem document", "API-19, ERR-1", CF_MUST,
     t_problem, NULL, CF_READS},
    {"problem types and error names are registered and agree",
     "ERR-2, ERR-3, ERR-9", CF_MUST, t_names, NULL, CF_READS},
    {"problem status equals the HTTP status and the registry's", "ERR-3, ERR-4",
     CF_MUST, t_status, NULL, CF_READS},
    {"problem request-id equals the x-request-id header", "ERR-3", CF_MUST,
     t_problem_reqid, NULL, CF_READS},
    {"every response carries a distinct x-request-id", "API-18", CF_MUST,
     t_request_ids, NULL, CF_READS},
};

const cf_assertion *cf_area_errors(size_t *n)
{
	*n = sizeof(list) / sizeof(list[0]);
	return list;
}
