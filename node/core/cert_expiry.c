/* cert_expiry.c: when the certificates this node uses expire: the
 * silkport_certificate_expiry_seconds gauges, the /readyz condition and its
 * warnings (SPEC [API-68], [API-69]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "node.h"
#include "node_int.h"

#define MAX_CERTS 64
#define DAY       86400

struct sp_node_expiry {
	struct {
		const char *kind; /* signing, tls, operator, anchor */
		sp_cert_info info;
	} c[MAX_CERTS];
	size_t n;
};

static int add_file(sp_node_expiry *e, const char *kind, const char *path)
{
	sp_cert_info info[MAX_CERTS];
	const char *why = NULL;
	size_t n = 0, i;
	int err;

	if ((err = sp_cert_file_info(path, info, MAX_CERTS, &n, &why)) !=
	    SP_OK) {
		sp_log(SP_LOG_ERROR, "certificate_unreadable",
		       SP_LF_STR("kind", kind), SP_LF_STR("file", path),
		       SP_LF_STR("err", sp_strerror(err)),
		       SP_LF_STR("why", why));
		return -1;
	}
	for (i = 0; i < n && e->n < MAX_CERTS; i++) {
		e->c[e->n].kind = kind;
		e->c[e->n].info = info[i];
		e->n++;
	}
	return 0;
}

static long long days_left(int64_t not_after, int64_t now)
{
	int64_t s = not_after - now;

	return (long long)(s >= 0 ? s / DAY : -((-s + DAY - 1) / DAY));
}

int sp_node__expiry_load(sp_node *n)
{
	sp_node_expiry *e = calloc(1, sizeof(*e));
	int64_t now = (int64_t)time(NULL);
	size_t i;

	if (e == NULL)
		return -1;
	if (add_file(e, "signing", n->cfg->sign_cert) != 0 ||
	    add_file(e, "tls", n->cfg->tls_cert) != 0)
		goto fail;
	for (i = 0; i < n->cfg->n_operator_certs; i++)
		if (add_file(e, "operator", n->cfg->operator_certs[i]) != 0)
			goto fail;
	for (i = 0; i < n->cfg->n_anchors; i++)
		if (add_file(e, "anchor", n->cfg->anchors[i]) != 0)
			goto fail;
	/* Said once at start too, for operators who read the log. */
	for (i = 0; i < e->n; i++) {
		int64_t left = e->c[i].info.not_after - now;

		if (left < 0)
			sp_log(
			    SP_LOG_ERROR, "certificate_expired",
			    SP_LF_STR("kind", e->c[i].kind),
			    SP_LF_STR("subject", e->c[i].info.subject),
			    SP_LF_INT("days",
			              days_left(e->c[i].info.not_after, now)));
		else if (left < n->cfg->expiry_warn_days * DAY)
			sp_log(
			    SP_LOG_WARN, "certificate_expiring",
			    SP_LF_STR("kind", e->c[i].kind),
			    SP_LF_STR("subject", e->c[i].info.subject),
			    SP_LF_INT("days",
			              days_left(e->c[i].info.not_after, now)));
	}
	sp_node__expiry_free(n->expiry);
	n->expiry = e;
	return 0;
fail:
	free(e);
	return -1;
}

void sp_node__expiry_free(sp_node_expiry *e)
{
	free(e);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label_value(sp_text *t, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			sp_text_printf(t, "\\%c", *v);
		else if (*v == '\n')
			sp_text_append(t, "\\n", 2);
		else
			sp_text_append(t, v, 1);
	}
}

void sp_node__expiry_metrics(const sp_node *n, sp_text *t, int64_t now)
{
	const sp_node_expiry *e = n->expiry;
	size_t i;

	sp_text_printf(
	    t, "# HELP silkport_certificate_expiry_seconds Seconds until a "
	       "certificate this node uses expires (negative: expired); "
	       "checkpoint: the NextUpdate of the trust list that vouches "
	       "for the LogKey.\n"
	       "# TYPE silkport_certificate_expiry_seconds gauge\n");
	for (i = 0; e != NULL && i < e->n; i++) {
		sp_text_printf(
		    t,
		    "silkport_certificate_expiry_seconds{kind=\"%s\","
		    "subject=\"",
		    e->c[i].kind);
		label_value(t, e->c[i].info.subject);
		sp_text_printf(t, "\"} %lld\n",
		               (long long)(e->c[i].info.not_after - now));
	}
	sp_text_printf(
	    t,
	    "silkport_certificate_expiry_seconds{kind=\"checkpoint\","
	    "subject=\"%s\"} %lld\n",
	    n->log_origin,
	    (long long)(sp_trust_list(n->trust)->next_update - now));
}

static void warn_line(sp_text *w, const char *kind, const char *subject,
                      int64_t not_after, int64_t now)
{
	char when[SP_TIME_TEXT_MAX];

	if (sp_time_format(not_after, when) != SP_OK)
		snprintf(when, sizeof(when), "?");
	if (not_after < now)
		sp_text_printf(w,
		               "warning: the %s certificate (%s) expired %s\n",
		               kind, subject, when);
	else
		sp_text_printf(
		    w,
		    "warning: the %s certificate (%s) expires in %lld "
		    "days (%s)\n",
		    kind, subject, days_left(not_after, now), when);
}

int sp_node__expiry_check(const sp_node *n, int64_t now, sp_text *warnings,
                          char *fail, size_t fail_len)
{
	const sp_node_expiry *e = n->expiry;
	int64_t horizon = now + n->cfg->expiry_warn_days * DAY;
	int64_t next_update = sp_trust_list(n->trust)->next_update;
	size_t i, anchors = 0, anchors_valid = 0;
	int failed = 0;

	for (i = 0; e != NULL && i < e->n; i++) {
		const char *kind = e->c[i].kind;
		int64_t na = e->c[i].info.not_after;

		if (strcmp(kind, "anchor") == 0) {
			anchors++;
			anchors_valid += na >= now;
		}
		if (na < horizon && warnings != NULL)
			warn_line(warnings, kind, e->c[i].info.subject, na,
			          now);
		/* The node cannot sign or be reached with these: not
		 * ready. An expired operator certificate locks out that
		 * operator only. */
		if (!failed && na < now &&
		    (strcmp(kind, "signing") == 0 ||
		     strcmp(kind, "tls") == 0)) {
			snprintf(fail, fail_len,
			         "the %s certificate (%s) has expired", kind,
			         e->c[i].info.subject);
			failed = 1;
		}
	}
	if (!failed && anchors > 0 && anchors_valid == 0) {
		snprintf(fail, fail_len,
		         "every federation anchor certificate has expired");
		failed = 1;
	}
	/* The LogKey's "certificate" is the list that carries it; an
	 * expired list has its own condition (trust-list expired). A list is
	 * short-lived (a week at most by default, SPEC [TL-64]) and replaced
	 * well before its end: warn only from TL-20's threshold, the shorter
	 * of a quarter of its window and 7 days. */
	{
		const sp_tl *tl = sp_trust_list(n->trust);
		int64_t quarter = (tl->next_update - tl->issued) / 4;
		int64_t list_horizon =
		    now + (quarter < 7 * DAY ? quarter : 7 * DAY);

		if (list_horizon < horizon)
			horizon = list_horizon;
	}
	if (next_update < horizon && next_update >= now && warnings != NULL) {
		char when[SP_TIME_TEXT_MAX];

		if (sp_time_format(next_update, when) != SP_OK)
			snprintf(when, sizeof(when), "?");
		sp_text_printf(warnings,
		               "warning: the trust list that vouches for the "
		               "checkpoint key reaches its NextUpdate in %lld "
		               "days (%s)\n",
		               days_left(next_update, now), when);
	}
	return failed;
}
