/* cli_record.c: "silkport record new|sign|verify": make, sign and verify
 * records. */
#include "cli_int.h"
#include "trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECIPIENTS  256
#define MAX_SUBJECTS    64
#define MAX_ATTACHMENTS 16

static const char new_usage[] =
    "usage: silkport record new --origin ID --sequence N --type TYPE\n"
    "         (--recipient ID ... | --broadcast) [--subject SCHEME=VALUE ...]\n"
    "         --body FILE [--attach MEDIATYPE:PROFILE:FILE ...]\n"
    "         [--supersedes RECORD-ID]\n"
    "Prints an unsigned record with a fresh RecordId, issued now.\n"
    "  --body FILE     the type's body element, e.g. "
    "<Declaration>...</Declaration>\n"
    "  --subject       USCC=...  (an enterprise id scheme), or a kind:\n"
    "                  declaration=, waybill=, order=, payment=, goods=,\n"
    "                  container=, conveyance=, case=\n"
    "  --attach        a foreign document carried base64 with its digest\n"
    "Types: party-registration order payment waybill declaration\n"
    "  risk-assessment zone-entry inspection test-acceptance tax release\n"
    "  transfer write-off cancellation return enforcement trace credit\n"
    "  negative-list dispute statistics warehouse\n";

static const char sign_usage[] =
    "usage: silkport record sign --key KEY.pem --cert CERT.pem [FILE]\n"
    "Signs an unsigned record (standard input when FILE is omitted) by the\n"
    "SREP signature profile and prints the signed record.\n";

static const char verify_usage[] =
    "usage: silkport record verify --trust-list FILE --anchor CERT.pem\n"
    "         [--at TIME] [--skew SECONDS] [FILE]\n"
    "Verifies a signed record (standard input when FILE is omitted).\n"
    "Prints 'ok ORIGIN SEQUENCE TYPE SHA256' and exits 0, or prints\n"
    "'rejected ERROR-NAME: reason' on standard error and exits 1.\n"
    "  --at TIME       verify as of TIME (RFC 3339, e.g. "
    "2026-11-27T08:00:00Z)\n";

/* What "record new" reads besides the draft's own fields. */
struct new_args {
	char *recipients[MAX_RECIPIENTS], *subject_args[MAX_SUBJECTS];
	char *attach_args[MAX_ATTACHMENTS];
	sp_cli_list recipient_list, subject_list, attach_list;
	sp_subject subjects[MAX_SUBJECTS];
	sp_attachment atts[MAX_ATTACHMENTS];
	uint8_t *att_data[MAX_ATTACHMENTS];
	const char *body_path;
	uint8_t *body;
};

/* The checks across options; an exit status, or SP_CLI_GO. */
static int new_check(const sp_cli_cmd *cmd, const sp_record_draft *d,
                     const struct new_args *na)
{
	if (d->broadcast == (d->n_recipients > 0))
		return sp_cli__usage_error(cmd, "give either --recipient (one "
		                                "or more) or --broadcast");
	if (sp_record_type_find(d->type) == NULL)
		return sp_cli__usage_error(
		    cmd, "unknown type '%s' (see --help)", d->type);
	if (na->body_path == NULL)
		return sp_cli__usage_error(
		    cmd,
		    "--body FILE is required: a '%s' record carries a <%s> "
		    "element (protocol/SPEC.md; samples in tests/data/bodies/)",
		    d->type, sp_record_type_find(d->type)->body_element);
	return SP_CLI_GO;
}

/* --subject SCHEME=VALUE and --attach MEDIATYPE:PROFILE:FILE into the
 * draft (reading each attached file); an exit status, or SP_CLI_GO. */
static int new_parts(const sp_cli_cmd *cmd, sp_record_draft *d,
                     struct new_args *na)
{
	const char *why = NULL;
	size_t i;

	for (i = 0; i < na->subject_list.n; i++, d->n_subjects++)
		if (sp_subject_from_arg(na->subject_args[i], &na->subjects[i],
		                        &why) != SP_OK)
			return sp_cli__usage_error(cmd, "--subject: %s",
			                           why ? why : "invalid");
	for (i = 0; i < na->attach_list.n; i++, d->n_attachments++) {
		char *mt = na->attach_args[i], *prof, *file;

		if ((prof = strchr(mt, ':')) == NULL ||
		    (file = strchr(prof + 1, ':')) == NULL)
			return sp_cli__usage_error(
			    cmd,
			    "--attach wants MEDIATYPE:PROFILE:FILE, got '%s'",
			    mt);
		*prof++ = '\0';
		*file++ = '\0';
		na->atts[i].media_type = mt;
		na->atts[i].profile = prof;
		if (sp_cli__read_input(file, &na->att_data[i],
		                       &na->atts[i].content_len) != 0)
			return SP_EXIT_FAIL;
		na->atts[i].content = na->att_data[i];
	}
	d->subjects = na->subjects;
	d->attachments = na->atts;
	return SP_CLI_GO;
}

/* Build the record of the draft and print it. */
static int new_print(sp_record_draft *d, struct new_args *na)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	const char *why = NULL;
	int err, rc = SP_EXIT_FAIL;

	if (sp_cli__read_input(na->body_path, &na->body, &d->body_len) != 0)
		return SP_EXIT_FAIL;
	d->body = na->body;
	d->recipients = (const char *const *)na->recipients;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((err = sp_record_build(d, &out, &out_len, &why)) != SP_OK)
		sp_cli__err("record new: %s: %s", sp_strerror(err),
		            why ? why : "refused");
	else if (sp_cli__write_output(NULL, out, out_len, 0) == 0)
		rc = SP_EXIT_OK;
	free(out);
	return rc;
}

static int cmd_new(int argc, char **argv)
{
	struct new_args na;
	sp_record_draft d;
	const sp_cli_opt opts[] = {
	    SP_CLI_STRING("origin", &d.origin, SP_CLI_REQUIRED),
	    SP_CLI_U64("sequence", &d.sequence, 0, INT64_MAX, SP_CLI_REQUIRED),
	    SP_CLI_STRING("type", &d.type, SP_CLI_REQUIRED),
	    SP_CLI_LIST("recipient", &na.recipient_list),
	    SP_CLI_FLAG("broadcast", &d.broadcast),
	    SP_CLI_LIST("subject", &na.subject_list),
	    SP_CLI_PATH("body", &na.body_path, 0),
	    SP_CLI_LIST("attach", &na.attach_list),
	    SP_CLI_STRING("supersedes", &d.supersedes, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"record new", new_usage, NULL, 0, 0, opts};
	char **args;
	int n_args, rc;
	size_t i;

	memset(&d, 0, sizeof(d));
	memset(&na, 0, sizeof(na));
	na.recipient_list = (sp_cli_list){na.recipients, 0, MAX_RECIPIENTS};
	na.subject_list = (sp_cli_list){na.subject_args, 0, MAX_SUBJECTS};
	na.attach_list = (sp_cli_list){na.attach_args, 0, MAX_ATTACHMENTS};
	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) ==
	    SP_CLI_GO) {
		d.n_recipients = na.recipient_list.n;
		if ((rc = new_check(&cmd, &d, &na)) == SP_CLI_GO &&
		    (rc = new_parts(&cmd, &d, &na)) == SP_CLI_GO)
			rc = new_print(&d, &na);
	}
	for (i = 0; i < MAX_ATTACHMENTS; i++)
		free(na.att_data[i]);
	free(na.body);
	return rc;
}

int sp_cli__sign_file(const char *what, sp_cli_signer sign,
                      const char *key_path, const char *cert_path,
                      const char *in_path)
{
	sp_key *key = NULL;
	uint8_t *in = NULL, *out = NULL;
	size_t in_len, out_len;
	const char *why = NULL;
	int err, rc = SP_EXIT_FAIL;

	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((err = sp_key_load(key_path, cert_path, &key, &why)) != SP_OK) {
		sp_cli__err("%s: key %s: %s: %s", what, key_path,
		            sp_strerror(err), why ? why : "");
		goto out;
	}
	if (sp_cli__read_input(in_path, &in, &in_len) != 0)
		goto out;
	if ((err = sign(key, in, in_len, &out, &out_len, &why)) != SP_OK) {
		sp_cli__err("%s: %s: %s: %s", what,
		            in_path ? in_path : "(standard input)",
		            sp_strerror(err), why ? why : "refused");
		goto out;
	}
	if (sp_cli__write_output(NULL, out, out_len, 0) == 0)
		rc = SP_EXIT_OK;
out:
	sp_key_free(key);
	free(in);
	free(out);
	return rc;
}

static int cmd_sign(int argc, char **argv)
{
	const char *key = NULL, *cert = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("key", &key, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", &cert, SP_CLI_REQUIRED),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"record sign", sign_usage, "FILE", 0, 1, opts};
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	return sp_cli__sign_file("record sign", sp_sign_document, key, cert,
	                         n_args > 0 ? args[0] : NULL);
}

sp_trust *sp_cli__open_trust(const char *what, const char *tl_path,
                             const char *anchor_path, const sp_verify_opts *o,
                             sp_anchors **anchors_out)
{
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	uint8_t *tl = NULL;
	size_t tl_len;
	const char *why = NULL;
	int err;

	*anchors_out = NULL;
	if (sp_anchors_new(&anchors) != SP_OK)
		goto fail;
	if ((err = sp_anchors_add_pem_file(anchors, anchor_path, &why)) !=
	    SP_OK) {
		sp_cli__err("%s: anchor %s: %s: %s", what, anchor_path,
		            sp_strerror(err), why ? why : "");
		goto fail;
	}
	if (sp_cli__read_input(tl_path, &tl, &tl_len) != 0)
		goto fail;
	if ((err = sp_trust_open(anchors, tl, tl_len, NULL, o, &t, &why)) !=
	    SP_OK) {
		sp_cli__err("%s: trust list %s refused: %s: %s", what, tl_path,
		            sp_strerror(err), why ? why : "");
		goto fail;
	}
	free(tl);
	*anchors_out = anchors;
	return t;
fail:
	free(tl);
	sp_anchors_free(anchors);
	return NULL;
}

int sp_cli__time_opts(const char *at, const char *skew, sp_verify_opts *o)
{
	uint64_t s;

	sp_verify_opts_default(o);
	if (at != NULL && sp_time_parse(at, &o->now) != SP_OK) {
		sp_cli__err("--at '%s' is not an RFC 3339 UTC time like "
		            "2026-11-27T08:00:00Z",
		            at);
		return -1;
	}
	if (skew != NULL) {
		if (sp_cli__parse_u64(skew, &s) != 0 || s > 86400) {
			sp_cli__err("--skew '%s' is not a number of seconds "
			            "from 0 to 86400",
			            skew);
			return -1;
		}
		o->clock_skew = (int64_t)s;
	}
	return 0;
}

/* Verify the record in `path` (stdin if NULL) and print what it is. */
static int verify_print(const sp_trust *t, const sp_verify_opts *o,
                        const char *path)
{
	sp_record *rec = NULL;
	uint8_t *in = NULL;
	size_t in_len;
	const char *why = NULL;
	char hex[65];
	int err, rc = SP_EXIT_FAIL;

	if (sp_cli__read_input(path, &in, &in_len) != 0)
		return SP_EXIT_FAIL;
	err = sp_verify_record(t, in, in_len, o, NULL, &rec, &why);
	if (err != SP_OK) {
		fprintf(stderr, "rejected %s: %s\n", sp_strerror(err),
		        why ? why : sp_strerror(err));
	} else {
		sp_sha256_hex(in, in_len, hex);
		printf("ok %s %llu %s %s\n", sp_record_origin(rec),
		       (unsigned long long)sp_record_sequence(rec),
		       sp_record_type_code(rec), hex);
		rc = fflush(stdout) == 0 ? SP_EXIT_OK : SP_EXIT_FAIL;
	}
	sp_record_free(rec);
	free(in);
	return rc;
}

static int cmd_verify(int argc, char **argv)
{
	const char *tl_path = NULL, *anchor = NULL, *at = NULL, *skew = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("trust-list", &tl_path, SP_CLI_REQUIRED),
	    SP_CLI_PATH("anchor", &anchor, SP_CLI_REQUIRED),
	    SP_CLI_STRING("at", &at, 0),
	    SP_CLI_STRING("skew", &skew, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "record verify", verify_usage, "FILE", 0, 1, opts};
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t;
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (sp_cli__time_opts(at, skew, &o) != 0)
		return SP_EXIT_USAGE;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((t = sp_cli__open_trust("record verify", tl_path, anchor, &o,
	                            &anchors)) == NULL)
		return SP_EXIT_FAIL;
	rc = verify_print(t, &o, n_args > 0 ? args[0] : NULL);
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	return rc;
}

int sp_cli_record(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: silkport record new|sign|verify [--help]\n",
		      stderr);
		return SP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "new") == 0)
		return cmd_new(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0) {
		fputs(new_usage, stdout);
		fputs(sign_usage, stdout);
		fputs(verify_usage, stdout);
		return SP_EXIT_OK;
	}
	sp_cli__err("record: unknown sub-command '%s'", argv[1]);
	return SP_EXIT_USAGE;
}
