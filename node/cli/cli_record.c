/* cli_record.c: "silkport record new|sign|verify": make, sign and verify
 * records. */
#include "cli_int.h"
#include "trust.h"

#include <getopt.h>
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

static int cmd_new(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"origin", required_argument, NULL, 'o'},
	    {"sequence", required_argument, NULL, 'n'},
	    {"type", required_argument, NULL, 't'},
	    {"recipient", required_argument, NULL, 'r'},
	    {"broadcast", no_argument, NULL, 'B'},
	    {"subject", required_argument, NULL, 's'},
	    {"body", required_argument, NULL, 'b'},
	    {"attach", required_argument, NULL, 'a'},
	    {"supersedes", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *recipients[MAX_RECIPIENTS];
	sp_subject subjects[MAX_SUBJECTS];
	sp_attachment atts[MAX_ATTACHMENTS];
	uint8_t *att_data[MAX_ATTACHMENTS] = {NULL};
	sp_record_draft d;
	const char *body_path = NULL, *why = NULL;
	uint8_t *body = NULL, *out = NULL;
	size_t out_len = 0, i;
	int c, rc = SP_EXIT_USAGE, err, have_seq = 0;

	memset(&d, 0, sizeof(d));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			d.origin = optarg;
			break;
		case 'n':
			if (sp_cli__parse_u64(optarg, &d.sequence) != 0 ||
			    d.sequence > INT64_MAX) {
				sp_cli__err("record new: --sequence '%s' is "
				            "not a number from 0 to 2^63-1",
				            optarg);
				goto out;
			}
			have_seq = 1;
			break;
		case 't':
			d.type = optarg;
			break;
		case 'r':
			if (d.n_recipients == MAX_RECIPIENTS) {
				sp_cli__err(
				    "record new: more than %d recipients",
				    MAX_RECIPIENTS);
				goto out;
			}
			recipients[d.n_recipients++] = optarg;
			break;
		case 'B':
			d.broadcast = 1;
			break;
		case 's':
			if (d.n_subjects == MAX_SUBJECTS) {
				sp_cli__err("record new: more than %d subjects",
				            MAX_SUBJECTS);
				goto out;
			}
			if (sp_subject_from_arg(optarg, &subjects[d.n_subjects],
			                        &why) != SP_OK) {
				sp_cli__err("record new: --subject: %s",
				            why ? why : "invalid");
				goto out;
			}
			d.n_subjects++;
			break;
		case 'b':
			body_path = optarg;
			break;
		case 'a': {
			char *mt = optarg, *prof, *file;

			if (d.n_attachments == MAX_ATTACHMENTS) {
				sp_cli__err(
				    "record new: more than %d attachments",
				    MAX_ATTACHMENTS);
				goto out;
			}
			if ((prof = strchr(mt, ':')) == NULL ||
			    (file = strchr(prof + 1, ':')) == NULL) {
				sp_cli__err("record new: --attach wants "
				            "MEDIATYPE:PROFILE:FILE, got '%s'",
				            optarg);
				goto out;
			}
			*prof++ = '\0';
			*file++ = '\0';
			i = d.n_attachments;
			atts[i].media_type = mt;
			atts[i].profile = prof;
			if (sp_cli__read_input(file, &att_data[i],
			                       &atts[i].content_len) != 0) {
				rc = SP_EXIT_FAIL;
				goto out;
			}
			atts[i].content = att_data[i];
			d.n_attachments++;
			break;
		}
		case 'S':
			d.supersedes = optarg;
			break;
		case 'h':
			fputs(new_usage, stdout);
			rc = SP_EXIT_OK;
			goto out;
		default:
			fputs(new_usage, stderr);
			goto out;
		}
	}
	if (optind != argc) {
		sp_cli__err("record new: unexpected argument '%s'",
		            argv[optind]);
		goto out;
	}
	if (d.origin == NULL || !have_seq || d.type == NULL) {
		sp_cli__err(
		    "record new: --origin, --sequence and --type are required");
		fputs(new_usage, stderr);
		goto out;
	}
	if (d.broadcast == (d.n_recipients > 0)) {
		sp_cli__err("record new: give either --recipient (one or more) "
		            "or --broadcast");
		goto out;
	}
	if (sp_record_type_find(d.type) == NULL) {
		sp_cli__err("record new: unknown type '%s' (see --help)",
		            d.type);
		goto out;
	}
	if (body_path == NULL) {
		sp_cli__err("record new: --body FILE is required: a '%s' "
		            "record carries a <%s> element (protocol/SPEC.md; "
		            "samples in tests/data/bodies/)",
		            d.type, sp_record_type_find(d.type)->body_element);
		goto out;
	}
	rc = SP_EXIT_FAIL;
	if (sp_cli__read_input(body_path, &body, &d.body_len) != 0)
		goto out;
	d.body = body;
	d.recipients = recipients;
	d.subjects = subjects;
	d.attachments = atts;
	if (sp_cli__init_crypto() != 0)
		goto out;
	err = sp_record_build(&d, &out, &out_len, &why);
	if (err != SP_OK) {
		sp_cli__err("record new: %s: %s", sp_strerror(err),
		            why ? why : "refused");
		goto out;
	}
	if (sp_cli__write_output(NULL, out, out_len, 0) == 0)
		rc = SP_EXIT_OK;
out:
	for (i = 0; i < MAX_ATTACHMENTS; i++)
		free(att_data[i]);
	free(body);
	free(out);
	return rc;
}

int sp_cli__sign_file(const char *what, const char *key_path,
                      const char *cert_path, const char *in_path)
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
	if ((err = sp_sign_document(key, in, in_len, &out, &out_len, &why)) !=
	    SP_OK) {
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
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"cert", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *key = NULL, *cert = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'h':
			fputs(sign_usage, stdout);
			return SP_EXIT_OK;
		default:
			fputs(sign_usage, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (key == NULL || cert == NULL || argc - optind > 1) {
		fputs(sign_usage, stderr);
		return SP_EXIT_USAGE;
	}
	return sp_cli__sign_file("record sign", key, cert,
	                         optind < argc ? argv[optind] : NULL);
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

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"trust-list", required_argument, NULL, 'l'},
	    {"anchor", required_argument, NULL, 'a'},
	    {"at", required_argument, NULL, 't'},
	    {"skew", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *tl_path = NULL, *anchor = NULL, *at = NULL, *skew = NULL;
	const char *why = NULL;
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	sp_record *rec = NULL;
	uint8_t *in = NULL;
	size_t in_len;
	char hex[65];
	int c, err, rc = SP_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			tl_path = optarg;
			break;
		case 'a':
			anchor = optarg;
			break;
		case 't':
			at = optarg;
			break;
		case 's':
			skew = optarg;
			break;
		case 'h':
			fputs(verify_usage, stdout);
			return SP_EXIT_OK;
		default:
			fputs(verify_usage, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (tl_path == NULL || anchor == NULL || argc - optind > 1) {
		fputs(verify_usage, stderr);
		return SP_EXIT_USAGE;
	}
	if (sp_cli__time_opts(at, skew, &o) != 0)
		return SP_EXIT_USAGE;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((t = sp_cli__open_trust("record verify", tl_path, anchor, &o,
	                            &anchors)) == NULL)
		goto out;
	if (sp_cli__read_input(optind < argc ? argv[optind] : NULL, &in,
	                       &in_len) != 0)
		goto out;
	err = sp_verify_record(t, in, in_len, &o, NULL, &rec, &why);
	if (err != SP_OK) {
		fprintf(stderr, "rejected %s: %s\n", sp_strerror(err),
		        why ? why : sp_strerror(err));
		goto out;
	}
	sp_sha256_hex(in, in_len, hex);
	printf("ok %s %llu %s %s\n", sp_record_origin(rec),
	       (unsigned long long)sp_record_sequence(rec),
	       sp_record_type_code(rec), hex);
	rc = fflush(stdout) == 0 ? SP_EXIT_OK : SP_EXIT_FAIL;
out:
	sp_record_free(rec);
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	free(in);
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
