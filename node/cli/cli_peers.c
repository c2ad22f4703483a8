/* cli.c (peers): the commands that talk to a running node: "silkport submit",
 * "silkport status" and "silkport peers", through the operator endpoint over
 * mutual TLS. */
#include "base.h"
#include "cli_int.h"
#include "h2client.h"
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECIPIENTS 256
#define MAX_SUBJECTS   64

static const char submit_usage[] =
    "usage: silkport submit --config FILE --type TYPE\n"
    "         (--recipient ID ... | --broadcast) [--subject SCHEME=VALUE ...]\n"
    "         --body FILE [--supersedes RECORD-ID]\n"
    "         [--cert OPERATOR-CERT --key OPERATOR-KEY] [--url URL]\n"
    "Submits a record to the node of FILE through its operator endpoint. The\n"
    "node assigns the Sequence, signs, logs and delivers it. Prints\n"
    "'RECORD-ID SEQUENCE SHA256' of the signed record; --out FILE keeps it.\n"
    "The operator identity defaults to the config's first [operators] cert\n"
    "and the key beside it (operator-key.pem).\n"
    "--url https://ADDRESS:PORT reaches the node there instead of at its\n"
    "[listen] address and port (one process of several, run --listen).\n";

static const char status_usage[] =
    "usage: silkport status --config FILE [--json] [--cert OPERATOR-CERT "
    "--key OPERATOR-KEY]\n"
    "         [--url https://ADDRESS:PORT]\n"
    "Prints the state of the node of FILE: health, readiness (and why not),\n"
    "its log's latest checkpoint, the trust list in force and how long it\n"
    "stays valid, its main counters and its peers. --json prints one JSON\n"
    "object for scripts (times in Unix seconds, durations in seconds).\n"
    "Exit status 1 when the node is down or unreachable.\n";

static const char peers_usage[] =
    "usage: silkport peers --config FILE [--json] [--cert OPERATOR-CERT "
    "--key OPERATOR-KEY]\n"
    "         [--url https://ADDRESS:PORT]\n"
    "Prints, for each peer of the node of FILE: connected or not and the last\n"
    "success, outbox depth, lag in records and time, the last checkpoint\n"
    "seen, the last error with its time (cleared by a later success), and\n"
    "alarms (GET /v1/peers with the operator identity). --json prints one\n"
    "JSON object for scripts (GET /v1/peers?format=json).\n";

/* The operator identity and TLS settings to reach the node of cfg. */
struct target {
	sp_config *cfg;
	char cert[4096], key[4096];
	const char *cas[SP_CONFIG_MAX_LIST + 1];
	sp_h2_client_config cc;
	char host[256]; /* --url's host, when given */
};

/* --url https://HOST[:PORT][/]: HOST a name, an IPv4 address or an IPv6
 * one in brackets; PORT 443 when absent. Returns 0, or -1 with *why. */
static int parse_url(const char *url, char host[256], unsigned *port,
                     const char **why)
{
	const char *h, *end, *rest;
	uint64_t p = 443;
	size_t len;

	*why = "want https://ADDRESS:PORT (e.g. https://127.0.0.1:7410)";
	if (strncmp(url, "https://", 8) != 0)
		return -1;
	h = url + 8;
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		h++;
		rest = end + 1;
	} else {
		end = h + strcspn(h, ":/");
		rest = end;
	}
	len = (size_t)(end - h);
	if (len == 0 || len >= 256 || strcspn(h, " \t@?#") < len)
		return -1;
	if (*rest == ':') {
		const char *digits = rest + 1;
		size_t n = strcspn(digits, "/");

		if (sp_parse_u64(digits, n, 65535, &p) != SP_OK || p == 0)
			return -1;
		rest = digits + n;
	}
	if (strcmp(rest, "") != 0 && strcmp(rest, "/") != 0) {
		*why = "a node's URL has no path: want https://ADDRESS:PORT";
		return -1;
	}
	memcpy(host, h, len);
	host[len] = '\0';
	*port = (unsigned)p;
	return 0;
}

static int target_open(struct target *t, const char *config, const char *cert,
                       const char *key, const char *url)
{
	char errbuf[8192];
	const char *suffix = "-cert.pem";
	size_t i, n;

	memset(t, 0, sizeof(*t));
	if ((t->cfg = sp_config_load(config, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return -1;
	}
	if (cert == NULL) {
		if (t->cfg->n_operator_certs == 0) {
			sp_cli__err(
			    "%s has no [operators] cert; give --cert and --key",
			    config);
			return -1;
		}
		cert = t->cfg->operator_certs[0];
	}
	snprintf(t->cert, sizeof(t->cert), "%s", cert);
	if (key != NULL) {
		snprintf(t->key, sizeof(t->key), "%s", key);
	} else {
		n = strlen(t->cert);
		if (n < strlen(suffix) ||
		    strcmp(t->cert + n - strlen(suffix), suffix) != 0) {
			sp_cli__err("cannot tell the key of %s; give --key",
			            t->cert);
			return -1;
		}
		snprintf(t->key, sizeof(t->key), "%.*s-key.pem",
		         (int)(n - strlen(suffix)), t->cert);
	}
	/* --key may be a pkcs11: URI, with the node's token settings. */
	if (sp_key_pkcs11_setup(t->cfg->pkcs11_module, t->cfg->pkcs11_pin_env,
	                        NULL) != SP_OK)
		return -1;
	for (i = 0; i < t->cfg->n_anchors; i++)
		t->cas[i] = t->cfg->anchors[i];
	sp_h2_client_config_default(&t->cc);
	t->cc.host = strcmp(t->cfg->listen_address, "0.0.0.0") == 0 ||
	                     strcmp(t->cfg->listen_address, "::") == 0
	                 ? "127.0.0.1"
	                 : t->cfg->listen_address;
	t->cc.port = (uint16_t)t->cfg->listen_port;
	if (url != NULL) {
		const char *why;
		unsigned port;

		if (parse_url(url, t->host, &port, &why) != 0) {
			sp_cli__err("--url %s: %s", url, why);
			return -1;
		}
		t->cc.host = t->host;
		t->cc.port = (uint16_t)port;
	}
	t->cc.cert_file = t->cert;
	t->cc.key_file = t->key;
	t->cc.ca_files = t->cas;
	t->cc.allow_tls12 = t->cfg->tls12;
	return 0;
}

static void target_close(struct target *t)
{
	sp_config_free(t->cfg);
}

/* Report a problem document or a transport failure. */
static void report(const char *what, int err, const char *why,
                   const sp_h2_result *r)
{
	sp_doc *doc = NULL;
	int perr, status;
	char *detail = NULL;

	if (err != SP_OK) {
		sp_cli__err("%s: %s: %s", what, sp_strerror(err),
		            why ? why : "");
		return;
	}
	if (sp_doc_parse(r->body, r->body_len, SP_DOC_PROBLEM, NULL, &doc,
	                 NULL) == SP_OK &&
	    sp_problem_read(doc, &perr, &status, &detail) == SP_OK) {
		fprintf(stderr, "rejected %s: %s\n", sp_strerror(perr),
		        detail ? detail : "");
	} else {
		sp_cli__err("%s: HTTP %d", what, r->status);
	}
	free(detail);
	sp_doc_free(doc);
}

/* POST the draft to the node and print what it made of it: RECORD-ID
 * SEQUENCE SHA256 (and keep the signed record in out_path). */
static int submit_draft(struct target *t, const sp_record_draft *d,
                        const char *out_path)
{
	sp_h2_header h[1] = {{"content-type", "application/xml"}};
	sp_h2_result r;
	sp_doc *rdoc = NULL;
	sp_record *rec = NULL;
	uint8_t *doc = NULL;
	size_t doc_len;
	const char *why = NULL;
	char hex[65];
	int err, rc = SP_EXIT_FAIL;

	memset(&r, 0, sizeof(r));
	if ((err = sp_submission_build(d, &doc, &doc_len, &why)) != SP_OK) {
		sp_cli__err("submit: %s: %s", sp_strerror(err), why ? why : "");
		goto out;
	}
	err = sp_h2_fetch(&t->cc, "POST", "/v1/submit", h, 1, doc, doc_len, &r,
	                  &why);
	if (err != SP_OK || r.status != 201) {
		report("submit", err, why, &r);
		goto out;
	}
	if ((err = sp_doc_parse(r.body, r.body_len, SP_DOC_RECORD, NULL, &rdoc,
	                        &why)) != SP_OK ||
	    (err = sp_record_read(rdoc, &rec, &why)) != SP_OK) {
		sp_cli__err(
		    "submit: the node answered with an unreadable record: %s",
		    why ? why : "");
		goto out;
	}
	if (out_path != NULL &&
	    sp_cli__write_output(out_path, r.body, r.body_len, 0) != 0)
		goto out;
	sp_sha256_hex(r.body, r.body_len, hex);
	printf("%s %llu %s\n", sp_record_id(rec),
	       (unsigned long long)sp_record_sequence(rec), hex);
	rc = SP_EXIT_OK;
out:
	sp_record_free(rec);
	sp_doc_free(rdoc);
	sp_h2_result_free(&r);
	free(doc);
	return rc;
}

/* What "submit" reads besides the draft's own fields. */
struct submit_args {
	const char *config, *body_path, *cert, *key, *out_path, *url;
	char *recipients[MAX_RECIPIENTS], *subject_args[MAX_SUBJECTS];
	sp_cli_list recipient_list, subject_list;
	sp_subject subjects[MAX_SUBJECTS];
};

/* The checks across options and the subjects into the draft; an exit
 * status, or SP_CLI_GO. */
static int submit_check(const sp_cli_cmd *cmd, sp_record_draft *d,
                        struct submit_args *sa)
{
	const char *why = NULL;

	d->n_recipients = sa->recipient_list.n;
	d->recipients = (const char *const *)sa->recipients;
	if (d->broadcast == (d->n_recipients > 0))
		return sp_cli__usage_error(cmd, "give either --recipient (one "
		                                "or more) or --broadcast");
	for (size_t i = 0; i < sa->subject_list.n; i++, d->n_subjects++)
		if (sp_subject_from_arg(sa->subject_args[i], &sa->subjects[i],
		                        &why) != SP_OK)
			return sp_cli__usage_error(cmd, "--subject: %s",
			                           why ? why : "invalid");
	d->subjects = sa->subjects;
	return SP_CLI_GO;
}

int sp_cli_submit(int argc, char **argv)
{
	struct submit_args sa;
	sp_record_draft d;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", &sa.config, SP_CLI_REQUIRED),
	    SP_CLI_STRING("type", &d.type, SP_CLI_REQUIRED),
	    SP_CLI_LIST("recipient", &sa.recipient_list),
	    SP_CLI_FLAG("broadcast", &d.broadcast),
	    SP_CLI_LIST("subject", &sa.subject_list),
	    SP_CLI_PATH("body", &sa.body_path, SP_CLI_REQUIRED),
	    SP_CLI_STRING("supersedes", &d.supersedes, 0),
	    SP_CLI_PATH("cert", &sa.cert, 0),
	    SP_CLI_STRING("key", &sa.key, 0), /* a file or a pkcs11: URI */
	    SP_CLI_PATH("out", &sa.out_path, 0),
	    SP_CLI_STRING("url", &sa.url, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"submit", submit_usage, NULL, 0, 0, opts};
	struct target t;
	uint8_t *body = NULL;
	char **args;
	int n_args, rc;

	memset(&d, 0, sizeof(d));
	memset(&sa, 0, sizeof(sa));
	memset(&t, 0, sizeof(t));
	sa.recipient_list = (sp_cli_list){sa.recipients, 0, MAX_RECIPIENTS};
	sa.subject_list = (sp_cli_list){sa.subject_args, 0, MAX_SUBJECTS};
	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) !=
	        SP_CLI_GO ||
	    (rc = submit_check(&cmd, &d, &sa)) != SP_CLI_GO)
		return rc;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() == 0 &&
	    target_open(&t, sa.config, sa.cert, sa.key, sa.url) == 0 &&
	    sp_cli__read_input(sa.body_path, &body, &d.body_len) == 0) {
		d.body = body;
		rc = submit_draft(&t, &d, sa.out_path);
	}
	target_close(&t);
	free(body);
	return rc;
}

/* status --json: transport failures go to stderr, not into the JSON. */
static int quiet_unreachable;

/* GET path; returns the HTTP status (0 on transport failure) and keeps the
 * body in r. */
static int get(struct target *t, const char *path, sp_h2_result *r)
{
	const char *why = NULL;

	sp_h2_result_free(r);
	if (sp_h2_fetch(&t->cc, "GET", path, NULL, 0, NULL, 0, r, &why) !=
	    SP_OK) {
		if (quiet_unreachable)
			sp_cli__err("%s: unreachable (%s)", path,
			            why ? why : "");
		else
			printf("  %-22s unreachable (%s)\n", path,
			       why ? why : "");
		return 0;
	}
	return r->status;
}

/* One sample of a Prometheus text body: the value of `name`, or of
 * name{label="value"}; *label_out gets the label's value (or ""). Walks
 * from *pos; returns 1 while it finds one. */
static int metric_next(const sp_h2_result *r, const char *name, size_t *pos,
                       char *label_out, size_t label_cap, double *value)
{
	const char *body = (const char *)r->body;
	size_t n = strlen(name), end = r->body_len;

	while (*pos < end) {
		const char *p = body + *pos;
		const char *nl = memchr(p, '\n', end - *pos);
		size_t len = nl ? (size_t)(nl - p) : end - *pos;
		char line[512];
		const char *v, *q1, *q2;
		char *e;

		*pos += len + 1;
		if (len <= n || len >= sizeof(line) ||
		    strncmp(p, name, n) != 0 || (p[n] != ' ' && p[n] != '{'))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		label_out[0] = '\0';
		v = line + n;
		if (*v == '{') {
			if ((q1 = strchr(v, '"')) == NULL ||
			    (q2 = strchr(q1 + 1, '"')) == NULL ||
			    (v = strchr(q2, '}')) == NULL)
				continue;
			snprintf(label_out, label_cap, "%.*s",
			         (int)(q2 - q1 - 1), q1 + 1);
			v++;
		}
		*value = strtod(v, &e);
		if (e == v)
			continue;
		return 1;
	}
	return 0;
}

/* The sum of a metric's samples (all labels); *found 0 when absent. */
static double metric_sum(const sp_h2_result *r, const char *name, int *found)
{
	size_t pos = 0;
	double v, sum = 0;
	char label[128];
	int dummy;

	if (found == NULL)
		found = &dummy;
	*found = 0;
	while (metric_next(r, name, &pos, label, sizeof(label), &v)) {
		sum += v;
		*found = 1;
	}
	return sum;
}

/* What "silkport status" shows, fetched first, then printed for people
 * or as JSON. */
struct node_status {
	int health, ready; /* -1: unknown */
	char ready_why[256];
	char warnings[1024]; /* a ready node's "warning:" lines, one per line */
	long long log_size;  /* -1: unknown */
	int have_metrics, have_tl;
	double tl_sequence, tl_left, accepted, submitted, rejected,
	    equivocations, connections;
	/* records not confirmed within the merge delay (SPEC [FED-56]), and
	 * those past it now */
	double unconfirmed_alarms, unconfirmed_now;
};

/* The first line of a response body, printable, for a reason. */
static void first_line(const sp_h2_result *r, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < r->body_len && n + 1 < cap; i++) {
		unsigned char c = r->body[i];

		if (c == '\n' || c == '\r')
			break;
		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
}

/* Why the node is not ready (the problem's detail, else the first line),
 * or the warnings of a ready one ("warning:" lines: certificates near their
 * end, SPEC [API-69]). */
static void readyz_detail(const sp_h2_result *r, int st, struct node_status *ns)
{
	const char *p = (const char *)r->body, *end = p + r->body_len;
	sp_doc *doc = NULL;
	char *detail = NULL;
	int perr, status;
	size_t n = 0;

	if (st != 200) {
		if (st != 0 &&
		    sp_doc_parse(r->body, r->body_len, SP_DOC_PROBLEM, NULL,
		                 &doc, NULL) == SP_OK &&
		    sp_problem_read(doc, &perr, &status, &detail) == SP_OK &&
		    detail != NULL)
			snprintf(ns->ready_why, sizeof(ns->ready_why), "%s",
			         detail);
		else
			first_line(r, ns->ready_why, sizeof(ns->ready_why));
		free(detail);
		sp_doc_free(doc);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int w;

		if (len > 9 && strncmp(p, "warning: ", 9) == 0 &&
		    (w = snprintf(ns->warnings + n, sizeof(ns->warnings) - n,
		                  "%.*s\n", (int)(len - 9), p + 9)) > 0 &&
		    (size_t)w < sizeof(ns->warnings) - n)
			n += (size_t)w;
		p += len + 1;
	}
}

/* One line per certificate from silkport_certificate_expiry_seconds:
 * kind, subject, days left, and WARN or EXPIRED by [trust]
 * expiry_warn_days of the local configuration. */
static void cert_expiry(const sp_h2_result *r, int64_t warn_days)
{
	static const char name[] =
	    "silkport_certificate_expiry_seconds{kind=\"";
	const char *p = (const char *)r->body, *end = p + r->body_len;
	size_t n = sizeof(name) - 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], *kind, *subj, *q, *val;
		long long secs;

		if (len > n && len < sizeof(line) && strncmp(p, name, n) == 0) {
			memcpy(line, p, len);
			line[len] = '\0';
			kind = line + n;
			q = strchr(kind, '"');
			subj = q ? strstr(q, "subject=\"") : NULL;
			val = strrchr(line, ' ');
			if (q != NULL && subj != NULL && val != NULL) {
				*q = '\0';
				subj += 9;
				if ((q = strrchr(subj, '"')) != NULL)
					*q = '\0';
				secs = strtoll(val + 1, NULL, 10);
				printf("  %-22s %-10s %lld days%s  %s\n",
				       "certificate", kind, secs / 86400,
				       secs < 0                   ? " EXPIRED"
				       : secs < warn_days * 86400 ? " WARN"
				                                  : "",
				       subj);
			}
		}
		p += len + 1;
	}
}

static void status_fetch(struct target *t, struct node_status *ns,
                         sp_h2_result *r, sp_h2_result *metrics)
{
	char path[256];
	int st;

	memset(ns, 0, sizeof(*ns));
	ns->ready = -1;
	ns->log_size = -1;
	st = get(t, "/healthz", r);
	ns->health = st == 200;
	if (!ns->health)
		return;
	st = get(t, "/readyz", r);
	ns->ready = st == 200;
	readyz_detail(r, st, ns);
	snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint", t->cfg->node_id);
	if (get(t, path, r) == 200) {
		sp_checkpoint cp;

		if (sp_checkpoint_parse((const char *)r->body, r->body_len, &cp,
		                        NULL, NULL) == SP_OK)
			ns->log_size = (long long)cp.size;
	}
	if (get(t, "/metrics", metrics) == 200) {
		ns->have_metrics = 1;
		int seq_found, left_found;

		ns->tl_sequence = metric_sum(
		    metrics, "silkport_trust_list_sequence", &seq_found);
		ns->tl_left = metric_sum(
		    metrics, "silkport_trust_list_seconds_left", &left_found);
		ns->have_tl = seq_found && left_found;
		ns->accepted = metric_sum(
		    metrics, "silkport_records_accepted_total", NULL);
		ns->submitted =
		    metric_sum(metrics, "silkport_submitted_total", NULL);
		ns->rejected = metric_sum(
		    metrics, "silkport_records_rejected_total", NULL);
		ns->equivocations =
		    metric_sum(metrics, "silkport_equivocations_total", NULL);
		ns->connections =
		    metric_sum(metrics, "silkport_connections", NULL);
		ns->unconfirmed_alarms = metric_sum(
		    metrics, "silkport_unconfirmed_alarms_total", NULL);
		ns->unconfirmed_now = metric_sum(
		    metrics, "silkport_records_unconfirmed_overdue", NULL);
	}
}

static void status_print(const struct target *t, const struct node_status *ns,
                         const sp_h2_result *m)
{
	char d[SP_DURATION_TEXT_MAX], label[128];
	double v, up;
	size_t pos = 0, pos2;

	printf("node %s (federation %s) at https://%s:%u\n", t->cfg->node_id,
	       t->cfg->federation, t->cc.host, (unsigned)t->cc.port);
	/* The read grants of the configuration the node runs on (ACC-14). */
	printf("  %-22s %s\n", "operator read", t->cfg->operator_read);
	printf("  %-22s", "wide read");
	for (size_t i = 0; i < t->cfg->n_wide_readers; i++)
		printf(" %s", t->cfg->wide_readers[i]);
	printf("%s\n", t->cfg->n_wide_readers ? "" : " -");
	printf("  %-22s %s\n", "health", ns->health ? "ok" : "DOWN");
	if (!ns->health)
		return;
	printf("  %-22s %s%s%s\n", "ready", ns->ready ? "yes" : "NO",
	       ns->ready_why[0] ? ": " : "", ns->ready_why);
	for (const char *w = ns->warnings; *w != '\0';) {
		const char *nl = strchr(w, '\n');
		int len = nl ? (int)(nl - w) : (int)strlen(w);

		printf("  %-22s %.*s\n", "WARNING", len, w);
		w += len + (nl != NULL);
	}
	if (ns->log_size >= 0)
		printf("  %-22s size %lld (silkport/%s/%s)\n", "own log",
		       ns->log_size, t->cfg->federation, t->cfg->node_id);
	if (!ns->have_metrics)
		return;
	if (ns->have_tl) {
		sp_duration_text((int64_t)ns->tl_left, d);
		printf("  %-22s sequence %.0f, %s %s\n", "trust list",
		       ns->tl_sequence,
		       ns->tl_left >= 0 ? "valid for" : "EXPIRED", d);
	}
	printf("  %-22s %.0f\n", "records accepted", ns->accepted);
	printf("  %-22s %.0f\n", "records submitted", ns->submitted);
	printf("  %-22s %.0f\n", "records rejected", ns->rejected);
	printf("  %-22s %.0f\n", "equivocations", ns->equivocations);
	printf("  %-22s %.0f past the merge delay now, %.0f alarmed\n",
	       "unconfirmed", ns->unconfirmed_now, ns->unconfirmed_alarms);
	printf("  %-22s %.0f\n", "connections", ns->connections);
	cert_expiry(m, (int64_t)t->cfg->expiry_warn_days);
	while (metric_next(m, "silkport_peer_up", &pos, label, sizeof(label),
	                   &up)) {
		char peer[160], l2[128];
		double depth = 0;

		snprintf(peer, sizeof(peer), "peer %s", label);
		pos2 = 0;
		while (metric_next(m, "silkport_outbox_depth", &pos2, l2,
		                   sizeof(l2), &v))
			if (strcmp(l2, label) == 0)
				depth = v;
		printf("  %-22s %s, outbox %.0f\n", peer,
		       up > 0 ? "up" : "DOWN", depth);
	}
}

/* A number for JSON: null when the node did not report it. */
static void json_num(sp_text *j, const char *key, double v, int known)
{
	if (known)
		sp_text_printf(j, ",\"%s\":%.0f", key, v);
	else
		sp_text_printf(j, ",\"%s\":null", key);
}

static int status_json(const struct target *t, const struct node_status *ns,
                       const sp_h2_result *m)
{
	sp_text j = {0};
	char label[128];
	size_t pos = 0, i;
	double v;
	int rc = 0;

	sp_text_printf(&j, "{\"node\":");
	sp_text_json_str(&j, t->cfg->node_id);
	sp_text_printf(&j, ",\"federation\":");
	sp_text_json_str(&j, t->cfg->federation);
	sp_text_printf(&j, ",\"url\":\"https://%s:%u\",\"operator_read\":",
	               t->cc.host, (unsigned)t->cc.port);
	sp_text_json_str(&j, t->cfg->operator_read);
	sp_text_printf(&j, ",\"wide_read\":[");
	for (i = 0; i < t->cfg->n_wide_readers; i++) {
		sp_text_printf(&j, "%s", i ? "," : "");
		sp_text_json_str(&j, t->cfg->wide_readers[i]);
	}
	sp_text_printf(&j, "],\"health\":%s", ns->health ? "true" : "false");
	sp_text_printf(&j, ",\"ready\":%s,\"ready_reason\":",
	               ns->ready < 0   ? "null"
	               : ns->ready > 0 ? "true"
	                               : "false");
	sp_text_json_str(&j, ns->ready_why[0] ? ns->ready_why : NULL);
	json_num(&j, "own_log_size", (double)ns->log_size, ns->log_size >= 0);
	json_num(&j, "trust_list_sequence", ns->tl_sequence, ns->have_tl);
	json_num(&j, "trust_list_seconds_left", ns->tl_left, ns->have_tl);
	json_num(&j, "records_accepted", ns->accepted, ns->have_metrics);
	json_num(&j, "records_submitted", ns->submitted, ns->have_metrics);
	json_num(&j, "records_rejected", ns->rejected, ns->have_metrics);
	json_num(&j, "equivocations", ns->equivocations, ns->have_metrics);
	json_num(&j, "unconfirmed_overdue", ns->unconfirmed_now,
	         ns->have_metrics);
	json_num(&j, "unconfirmed_alarms", ns->unconfirmed_alarms,
	         ns->have_metrics);
	json_num(&j, "connections", ns->connections, ns->have_metrics);
	sp_text_printf(&j, ",\"peers\":[");
	for (i = 0; ns->have_metrics && metric_next(m, "silkport_peer_up", &pos,
	                                            label, sizeof(label), &v);
	     i++) {
		char l2[128];
		size_t pos2 = 0;
		double depth = 0, d;

		while (metric_next(m, "silkport_outbox_depth", &pos2, l2,
		                   sizeof(l2), &d))
			if (strcmp(l2, label) == 0)
				depth = d;
		sp_text_printf(&j, "%s{\"peer\":", i ? "," : "");
		sp_text_json_str(&j, label);
		sp_text_printf(&j, ",\"up\":%s,\"outbox_depth\":%.0f}",
		               v > 0 ? "true" : "false", depth);
	}
	sp_text_printf(&j, "]}\n");
	if (j.failed || j.buf == NULL ||
	    fwrite(j.buf, 1, j.len, stdout) != j.len)
		rc = -1;
	sp_text_free(&j);
	return rc;
}

/* The options of status and peers; an exit status, or SP_CLI_GO. */
static int parse_node_opts(const char *what, const char *usage, int argc,
                           char **argv, const char **config, const char **cert,
                           const char **key, const char **url, int *json)
{
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", config, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", cert, 0),
	    SP_CLI_STRING("key", key, 0), /* a file or a pkcs11: URI */
	    SP_CLI_FLAG("json", json),
	    SP_CLI_STRING("url", url, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {what, usage, NULL, 0, 0, opts};
	char **args;
	int n_args;

	return sp_cli__parse(&cmd, argc, argv, &args, &n_args);
}

int sp_cli_status(int argc, char **argv)
{
	const char *config = NULL, *cert = NULL, *key = NULL, *url = NULL;
	struct target t;
	struct node_status ns;
	sp_h2_result r, m;
	int json = 0, rc;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	if ((rc = parse_node_opts("status", status_usage, argc, argv, &config,
	                          &cert, &key, &url, &json)) != SP_CLI_GO)
		return rc;
	if (sp_cli__init_crypto() != 0 ||
	    target_open(&t, config, cert, key, url) != 0) {
		target_close(&t);
		return SP_EXIT_FAIL;
	}
	rc = SP_EXIT_FAIL;
	quiet_unreachable = json; /* stdout is one JSON document */
	status_fetch(&t, &ns, &r, &m);
	if (json ? status_json(&t, &ns, &m) == 0
	         : (status_print(&t, &ns, &m), 1))
		rc = ns.health ? SP_EXIT_OK : SP_EXIT_FAIL;
	sp_h2_result_free(&r);
	sp_h2_result_free(&m);
	target_close(&t);
	return rc;
}

int sp_cli_peers(int argc, char **argv)
{
	const char *config = NULL, *cert = NULL, *key = NULL, *url = NULL;
	const char *why = NULL;
	struct target t;
	sp_h2_result r;
	int err, json = 0, rc;

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	if ((rc = parse_node_opts("peers", peers_usage, argc, argv, &config,
	                          &cert, &key, &url, &json)) != SP_CLI_GO)
		return rc;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() != 0 ||
	    target_open(&t, config, cert, key, url) != 0)
		goto out;
	err = sp_h2_fetch(&t.cc, "GET",
	                  json ? "/v1/peers?format=json" : "/v1/peers", NULL, 0,
	                  NULL, 0, &r, &why);
	if (err != SP_OK || r.status != 200) {
		report("peers", err, why, &r);
		goto out;
	}
	fwrite(r.body, 1, r.body_len, stdout);
	rc = SP_EXIT_OK;
out:
	sp_h2_result_free(&r);
	target_close(&t);
	return rc;
}
