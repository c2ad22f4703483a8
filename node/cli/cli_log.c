/* cli_log.c: "silkport log verify": check offline that a record is in its
 * origin's log, by an inclusion proof against a signed checkpoint. */
#include "cli_int.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: silkport log verify RECORD PROOF CHECKPOINT --trust-list FILE\n"
    "         --anchor CERT.pem [--at TIME]\n"
    "       silkport log consistency OLD-CHECKPOINT NEW-CHECKPOINT PROOF\n"
    "         --trust-list FILE --anchor CERT.pem\n"
    "Checks, without any network: the record's signature (as record verify);\n"
    "the checkpoint's signature by the origin's log key from the trust list;\n"
    "that the inclusion proof is for the record's Sequence at the\n"
    "checkpoint's size; and that it leads from the record to the checkpoint's\n"
    "root. Prints 'ok ORIGIN SEQUENCE size=N' and exits 0, or prints\n"
    "'rejected ERROR-NAME: reason' on standard error and exits 1.\n"
    "consistency checks both checkpoints' signatures (same log) and that the\n"
    "consistency proof shows the old tree is a prefix of the new one: the log\n"
    "was only appended to. Prints 'ok ORIGIN OLD-SIZE NEW-SIZE'.\n";

static int reject(int err, const char *why)
{
	fprintf(stderr, "rejected %s: %s\n", sp_strerror(err),
	        why ? why : sp_strerror(err));
	return SP_EXIT_FAIL;
}

/* Parse a checkpoint note and check its signature by the log key of the
 * member whose log it is. */
static int signed_checkpoint(const sp_trust *t, const uint8_t *text, size_t len,
                             sp_checkpoint *cp, const char **why)
{
	const sp_tl *tl = sp_trust_list(t);
	char origin[SP_CHECKPOINT_ORIGIN_MAX];
	size_t i;
	int err;

	if ((err = sp_checkpoint_parse((const char *)text, len, cp, NULL,
	                               why)) != SP_OK)
		return err;
	for (i = 0; i < tl->n_members; i++) {
		if (sp_checkpoint_origin(tl->federation, tl->members[i].node_id,
		                         origin) != SP_OK ||
		    strcmp(origin, cp->origin) != 0)
			continue;
		if (tl->members[i].log_key == NULL)
			break;
		err = sp_note_verify(tl->members[i].log_key, (const char *)text,
		                     len, NULL, why);
		return err == SP_OK ? SP_OK : SP_ERR_CHECKPOINT_INVALID;
	}
	*why = "no member of the trust list has a log key for this "
	       "checkpoint's origin";
	return SP_ERR_CHECKPOINT_INVALID;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"trust-list", required_argument, NULL, 'l'},
	    {"anchor", required_argument, NULL, 'a'},
	    {"at", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *tl_path = NULL, *anchor = NULL, *at = NULL, *why = NULL;
	uint8_t *rec_bytes = NULL, *proof_text = NULL, *cp_text = NULL;
	size_t rec_len, proof_len, cp_len;
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	sp_record *rec = NULL;
	sp_checkpoint cp;
	sp_proof proof;
	uint8_t leaf[32];
	char want_origin[SP_CHECKPOINT_ORIGIN_MAX];
	int c, err, rc = SP_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l')
			tl_path = optarg;
		else if (c == 'a')
			anchor = optarg;
		else if (c == 't')
			at = optarg;
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return SP_EXIT_OK;
		} else {
			fputs(usage_text, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (tl_path == NULL || anchor == NULL || argc - optind != 3) {
		fputs(usage_text, stderr);
		return SP_EXIT_USAGE;
	}
	if (sp_cli__time_opts(at, NULL, &o) != 0)
		return SP_EXIT_USAGE;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((t = sp_cli__open_trust("log verify", tl_path, anchor, &o,
	                            &anchors)) == NULL)
		goto out;
	if (sp_cli__read_input(argv[optind], &rec_bytes, &rec_len) != 0 ||
	    sp_cli__read_input(argv[optind + 1], &proof_text, &proof_len) !=
	        0 ||
	    sp_cli__read_input(argv[optind + 2], &cp_text, &cp_len) != 0)
		goto out;

	if ((err = sp_verify_record(t, rec_bytes, rec_len, &o, NULL, &rec,
	                            &why)) != SP_OK) {
		rc = reject(err, why);
		goto out;
	}
	if ((err = signed_checkpoint(t, cp_text, cp_len, &cp, &why)) != SP_OK) {
		rc = reject(err, why);
		goto out;
	}
	if (sp_checkpoint_origin(sp_trust_list(t)->federation,
	                         sp_record_origin(rec), want_origin) != SP_OK ||
	    strcmp(cp.origin, want_origin) != 0) {
		rc = reject(
		    SP_ERR_CHECKPOINT_INVALID,
		    "the checkpoint is not of the record's origin's log");
		goto out;
	}
	if ((err = sp_proof_parse((const char *)proof_text, proof_len, &proof,
	                          &why)) != SP_OK) {
		rc = reject(err, why);
		goto out;
	}
	if (proof.kind != SP_PROOF_INCLUSION) {
		rc = reject(SP_ERR_PROOF_INVALID, "not an inclusion proof");
		goto out;
	}
	if (proof.index != sp_record_sequence(rec)) {
		rc = reject(SP_ERR_PROOF_INVALID,
		            "the proof is for another position than the "
		            "record's Sequence");
		goto out;
	}
	if (proof.size != cp.size) {
		rc = reject(
		    SP_ERR_PROOF_INVALID,
		    "the proof is for another tree size than the checkpoint's");
		goto out;
	}
	sp_merkle_leaf_hash(rec_bytes, rec_len, leaf);
	if (sp_merkle_verify_inclusion(proof.index, proof.size, leaf,
	                               (const uint8_t(*)[32])proof.hashes,
	                               proof.n_hashes, cp.root) != SP_OK) {
		rc = reject(SP_ERR_PROOF_INVALID,
		            "the proof does not lead from the record to the "
		            "checkpoint's root");
		goto out;
	}
	printf("ok %s %llu size=%llu\n", sp_record_origin(rec),
	       (unsigned long long)sp_record_sequence(rec),
	       (unsigned long long)cp.size);
	rc = SP_EXIT_OK;
out:
	sp_record_free(rec);
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	free(rec_bytes);
	free(proof_text);
	free(cp_text);
	return rc;
}

static int cmd_consistency(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"trust-list", required_argument, NULL, 'l'},
	    {"anchor", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *tl_path = NULL, *anchor = NULL, *why = NULL;
	uint8_t *a = NULL, *b = NULL, *p = NULL;
	size_t alen, blen, plen;
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	sp_checkpoint old_cp, new_cp;
	sp_proof proof;
	int c, err, rc = SP_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l')
			tl_path = optarg;
		else if (c == 'a')
			anchor = optarg;
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return SP_EXIT_OK;
		} else {
			fputs(usage_text, stderr);
			return SP_EXIT_USAGE;
		}
	}
	if (tl_path == NULL || anchor == NULL || argc - optind != 3) {
		fputs(usage_text, stderr);
		return SP_EXIT_USAGE;
	}
	sp_verify_opts_default(&o);
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	if ((t = sp_cli__open_trust("log consistency", tl_path, anchor, &o,
	                            &anchors)) == NULL)
		goto out;
	if (sp_cli__read_input(argv[optind], &a, &alen) != 0 ||
	    sp_cli__read_input(argv[optind + 1], &b, &blen) != 0 ||
	    sp_cli__read_input(argv[optind + 2], &p, &plen) != 0)
		goto out;
	if ((err = signed_checkpoint(t, a, alen, &old_cp, &why)) != SP_OK ||
	    (err = signed_checkpoint(t, b, blen, &new_cp, &why)) != SP_OK) {
		rc = reject(err, why);
		goto out;
	}
	if (strcmp(old_cp.origin, new_cp.origin) != 0) {
		rc = reject(SP_ERR_CHECKPOINT_INVALID,
		            "the checkpoints are of different logs");
		goto out;
	}
	if ((err = sp_proof_parse((const char *)p, plen, &proof, &why)) !=
	    SP_OK) {
		rc = reject(err, why);
		goto out;
	}
	if (proof.kind != SP_PROOF_CONSISTENCY ||
	    proof.old_size != old_cp.size || proof.size != new_cp.size) {
		rc = reject(SP_ERR_PROOF_INVALID,
		            "the proof is not between these two tree sizes");
		goto out;
	}
	if (sp_merkle_verify_consistency(
	        old_cp.size, new_cp.size, old_cp.root, new_cp.root,
	        (const uint8_t(*)[32])proof.hashes, proof.n_hashes) != SP_OK) {
		rc = reject(SP_ERR_EQUIVOCATION,
		            "the new checkpoint does not extend the old one: "
		            "the log was rewritten");
		goto out;
	}
	printf("ok %s %llu %llu\n", new_cp.origin,
	       (unsigned long long)old_cp.size,
	       (unsigned long long)new_cp.size);
	rc = SP_EXIT_OK;
out:
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	free(a);
	free(b);
	free(p);
	return rc;
}

int sp_cli_log(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "consistency") == 0)
		return cmd_consistency(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return SP_EXIT_OK;
	}
	fputs(usage_text, stderr);
	return SP_EXIT_USAGE;
}
