/* cli.c (peers): the commands that talk to a running node: "silkport submit",
 * "silkport status" and "silkport peers", through the operator endpoint over
 * mutual TLS. */
#include "h2client.h"
#include "cli_int.h"
#include "node.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECIPIENTS 256
#define MAX_SUBJECTS   64

static const char submit_usage[] =
    "usage: silkport submit --config FILE --type TYPE\n"
    "         (--recipient ID ... | --broadcast) [--subject SCHEME=VALUE ...]\n"
    "         --body FILE [--supersedes RECORD-ID]\n"
    "         [--cert OPERATOR-CERT --key OPERATOR-KEY]\n"
    "Submits a record to the node of FILE through its operator endpoint. The\n"
    "node assigns the Sequence, signs, logs and delivers it. Prints\n"
    "'RECORD-ID SEQUENCE SHA256' of the signed record; --out FILE keeps it.\n"
    "The operator identity defaults to the config's first [operators] cert\n"
    "and the key beside it (operator-key.pem).\n";

static const char status_usage[] =
    "usage: silkport status --config FILE [--cert OPERATOR-CERT --key "
    "OPERATOR-KEY]\n"
    "Prints the state of the node of FILE: health, readiness, its log's\n"
    "latest checkpoint, the trust list in force and its main counters.\n";

static const char peers_usage[] =
    "usage: silkport peers --config FILE [--cert OPERATOR-CERT --key "
    "OPERATOR-KEY]\n"
    "Prints, for each peer of the node of FILE: connected or not and the last\n"
    "success, outbox depth, lag in records and seconds, the last checkpoint\n"
    "seen, and alarms (GET /v1/peers with the operator identity).\n";

/* The operator identity and TLS settings to reach the node of cfg. */
struct target {
	sp_config *cfg;
	char cert[4096], key[4096];
	const char *cas[SP_CONFIG_MAX_LIST + 1];
	sp_h2_client_config cc;
};

static int target_open(struct target *t, const char *config, const char *cert,
                       const char *key)
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

int sp_cli_submit(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"type", required_argument, NULL, 't'},
	    {"recipient", required_argument, NULL, 'r'},
	    {"broadcast", no_argument, NULL, 'B'},
	    {"subject", required_argument, NULL, 's'},
	    {"body", required_argument, NULL, 'b'},
	    {"supersedes", required_argument, NULL, 'S'},
	    {"cert", required_argument, NULL, 'C'},
	    {"key", required_argument, NULL, 'K'},
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *body_path = NULL, *cert = NULL, *key = NULL,
	           *out_path = NULL;
	const char *recipients[MAX_RECIPIENTS], *why = NULL;
	sp_subject subjects[MAX_SUBJECTS];
	sp_record_draft d;
	uint8_t *body = NULL, *doc = NULL;
	size_t doc_len;
	struct target t;
	sp_h2_result r;
	sp_h2_header h[1] = {{"content-type", "application/xml"}};
	sp_doc *rdoc = NULL;
	sp_record *rec = NULL;
	char hex[65];
	int c, err, rc = SP_EXIT_USAGE;

	memset(&d, 0, sizeof(d));
	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 't':
			d.type = optarg;
			break;
		case 'r':
			if (d.n_recipients == MAX_RECIPIENTS) {
				sp_cli__err("submit: more than %d recipients",
				            MAX_RECIPIENTS);
				goto out;
			}
			recipients[d.n_recipients++] = optarg;
			break;
		case 'B':
			d.broadcast = 1;
			break;
		case 's':
			if (d.n_subjects == MAX_SUBJECTS ||
			    sp_subject_from_arg(optarg, &subjects[d.n_subjects],
			                        &why) != SP_OK) {
				sp_cli__err("submit: --subject: %s",
				            why ? why : "too many");
				goto out;
			}
			d.n_subjects++;
			break;
		case 'b':
			body_path = optarg;
			break;
		case 'S':
			d.supersedes = optarg;
			break;
		case 'C':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(submit_usage, stdout);
			return SP_EXIT_OK;
		default:
			fputs(submit_usage, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (config == NULL || d.type == NULL || body_path == NULL ||
	    optind != argc || d.broadcast == (d.n_recipients > 0)) {
		sp_cli__err("submit: --config, --type, --body and either "
		            "--recipient or --broadcast are required");
		fputs(submit_usage, stderr);
		goto out;
	}
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() != 0 ||
	    target_open(&t, config, cert, key) != 0)
		goto out;
	if (sp_cli__read_input(body_path, &body, &d.body_len) != 0)
		goto out;
	d.body = body;
	d.recipients = recipients;
	d.subjects = subjects;
	if ((err = sp_submission_build(&d, &doc, &doc_len, &why)) != SP_OK) {
		sp_cli__err("submit: %s: %s", sp_strerror(err), why ? why : "");
		goto out;
	}
	err = sp_h2_fetch(&t.cc, "POST", "/v1/submit", h, 1, doc, doc_len, &r,
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
	target_close(&t);
	free(body);
	free(doc);
	return rc;
}

/* GET path; returns the HTTP status (0 on transport failure) and keeps the
 * body in r. */
static int get(struct target *t, const char *path, sp_h2_result *r)
{
	const char *why = NULL;

	sp_h2_result_free(r);
	if (sp_h2_fetch(&t->cc, "GET", path, NULL, 0, NULL, 0, r, &why) !=
	    SP_OK) {
		printf("  %-22s unreachable (%s)\n", path, why ? why : "");
		return 0;
	}
	return r->status;
}

/* Print one metric's value lines from a Prometheus text body. */
static void metric(const sp_h2_result *r, const char *name, const char *label)
{
	const char *p = (const char *)r->body, *end = p + r->body_len;
	size_t n = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len > n && strncmp(p, name, n) == 0 && p[n] == ' ')
			printf("  %-22s %.*s\n", label, (int)(len - n - 1),
			       p + n + 1);
		else if (len > n && strncmp(p, name, n) == 0 && p[n] == '{')
			printf("  %-22s %.*s\n", label, (int)(len - n), p + n);
		p += len + 1;
	}
}

/* Why the node is not ready, or the warnings of a ready one ("warning:"
 * lines: certificates near their end). */
static void readyz_detail(const sp_h2_result *r, int st)
{
	const char *p = (const char *)r->body, *end = p + r->body_len;
	sp_doc *doc = NULL;
	char *detail = NULL;
	int perr, status;

	if (st != 200) {
		if (st != 0 &&
		    sp_doc_parse(r->body, r->body_len, SP_DOC_PROBLEM, NULL,
		                 &doc, NULL) == SP_OK &&
		    sp_problem_read(doc, &perr, &status, &detail) == SP_OK &&
		    detail != NULL)
			printf("  %-22s %s\n", "not ready", detail);
		free(detail);
		sp_doc_free(doc);
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len > 9 && strncmp(p, "warning: ", 9) == 0)
			printf("  %-22s %.*s\n", "WARNING", (int)(len - 9),
			       p + 9);
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

int sp_cli_status(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"cert", required_argument, NULL, 'C'},
	    {"key", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *cert = NULL, *key = NULL;
	struct target t;
	sp_h2_result r;
	char path[256];
	int c, st, rc = SP_EXIT_FAIL;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'c')
			config = optarg;
		else if (c == 'C')
			cert = optarg;
		else if (c == 'K')
			key = optarg;
		else if (c == 'h') {
			fputs(status_usage, stdout);
			return SP_EXIT_OK;
		} else {
			fputs(status_usage, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (config == NULL || optind != argc) {
		fputs(status_usage, stderr);
		return SP_EXIT_USAGE;
	}
	if (sp_cli__init_crypto() != 0 ||
	    target_open(&t, config, cert, key) != 0) {
		target_close(&t);
		return SP_EXIT_FAIL;
	}
	printf("node %s (federation %s) at https://%s:%u\n", t.cfg->node_id,
	       t.cfg->federation, t.cc.host, (unsigned)t.cc.port);
	/* The read grants of the configuration the node runs on (ACC-14). */
	printf("  %-22s %s\n", "operator read", t.cfg->operator_read);
	printf("  %-22s", "wide read");
	for (size_t i = 0; i < t.cfg->n_wide_readers; i++)
		printf(" %s", t.cfg->wide_readers[i]);
	printf("%s\n", t.cfg->n_wide_readers ? "" : " -");
	st = get(&t, "/healthz", &r);
	printf("  %-22s %s\n", "health", st == 200 ? "ok" : "DOWN");
	if (st == 200) {
		rc = SP_EXIT_OK;
		st = get(&t, "/readyz", &r);
		printf("  %-22s %s\n", "ready", st == 200 ? "yes" : "NO");
		readyz_detail(&r, st);
		snprintf(path, sizeof(path), "/v1/logs/%s/checkpoint",
		         t.cfg->node_id);
		if (get(&t, path, &r) == 200) {
			sp_checkpoint cp;

			if (sp_checkpoint_parse((const char *)r.body,
			                        r.body_len, &cp, NULL,
			                        NULL) == SP_OK)
				printf("  %-22s size %llu (%s)\n", "own log",
				       (unsigned long long)cp.size, cp.origin);
		}
		if (get(&t, "/metrics", &r) == 200) {
			cert_expiry(&r, (int64_t)t.cfg->expiry_warn_days);
			metric(&r, "silkport_trust_list_sequence",
			       "trust list sequence");
			metric(&r, "silkport_trust_list_seconds_left",
			       "trust list seconds left");
			metric(&r, "silkport_records_accepted_total",
			       "records accepted");
			metric(&r, "silkport_submitted_total",
			       "records submitted");
			metric(&r, "silkport_records_rejected_total",
			       "records rejected");
			metric(&r, "silkport_equivocations_total",
			       "equivocations");
			metric(&r, "silkport_connections", "connections");
			metric(&r, "silkport_outbox_depth", "outbox depth");
			metric(&r, "silkport_peer_up", "peer up");
		}
	}
	sp_h2_result_free(&r);
	target_close(&t);
	return rc;
}

int sp_cli_peers(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"cert", required_argument, NULL, 'C'},
	    {"key", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *cert = NULL, *key = NULL, *why = NULL;
	struct target t;
	sp_h2_result r;
	int c, err, rc = SP_EXIT_FAIL;

	memset(&r, 0, sizeof(r));
	memset(&t, 0, sizeof(t));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'c')
			config = optarg;
		else if (c == 'C')
			cert = optarg;
		else if (c == 'K')
			key = optarg;
		else if (c == 'h') {
			fputs(peers_usage, stdout);
			return SP_EXIT_OK;
		} else {
			fputs(peers_usage, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (config == NULL || optind != argc) {
		fputs(peers_usage, stderr);
		return SP_EXIT_USAGE;
	}
	if (sp_cli__init_crypto() != 0 ||
	    target_open(&t, config, cert, key) != 0)
		goto out;
	err =
	    sp_h2_fetch(&t.cc, "GET", "/v1/peers", NULL, 0, NULL, 0, &r, &why);
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
