/* cli_log.c: "silkport log verify": check offline that a record is in its
 * origin's log, by an inclusion proof against a signed checkpoint. */
#include "cli_int.h"

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
		err = sp_note_verify_either(tl->members[i].log_key,
		                            tl->members[i].next_log_key,
		                            (const char *)text, len, NULL, why);
		return err == SP_OK ? SP_OK : SP_ERR_CHECKPOINT_INVALID;
	}
	*why = "no member of the trust list has a log key for this "
	       "checkpoint's origin";
	return SP_ERR_CHECKPOINT_INVALID;
}

/* The three files a command reads, in the order given. */
struct inputs {
	uint8_t *b[3];
	size_t len[3];
};

static int read_inputs(char **paths, struct inputs *in)
{
	for (int i = 0; i < 3; i++)
		if (sp_cli__read_input(paths[i], &in->b[i], &in->len[i]) != 0)
			return -1;
	return 0;
}

static void free_inputs(struct inputs *in)
{
	for (int i = 0; i < 3; i++)
		free(in->b[i]);
}

/* The record's proof, checked against the checkpoint (both already read
 * and, for the checkpoint, signature-checked). */
static int check_inclusion(const sp_record *rec, const uint8_t *rec_bytes,
                           size_t rec_len, const sp_checkpoint *cp,
                           const uint8_t *proof_text, size_t proof_len)
{
	sp_proof proof;
	uint8_t leaf[32];
	const char *why = NULL;
	int err;

	if ((err = sp_proof_parse((const char *)proof_text, proof_len, &proof,
	                          &why)) != SP_OK)
		return reject(err, why);
	if (proof.kind != SP_PROOF_INCLUSION)
		return reject(SP_ERR_PROOF_INVALID, "not an inclusion proof");
	if (proof.index != sp_record_sequence(rec))
		return reject(SP_ERR_PROOF_INVALID,
		              "the proof is for another position than the "
		              "record's Sequence");
	if (proof.size != cp->size)
		return reject(SP_ERR_PROOF_INVALID,
		              "the proof is for another tree size than the "
		              "checkpoint's");
	sp_merkle_leaf_hash(rec_bytes, rec_len, leaf);
	if (sp_merkle_verify_inclusion(proof.index, proof.size, leaf,
	                               (const uint8_t(*)[32])proof.hashes,
	                               proof.n_hashes, cp->root) != SP_OK)
		return reject(SP_ERR_PROOF_INVALID,
		              "the proof does not lead from the record to the "
		              "checkpoint's root");
	printf("ok %s %llu size=%llu\n", sp_record_origin(rec),
	       (unsigned long long)sp_record_sequence(rec),
	       (unsigned long long)cp->size);
	return SP_EXIT_OK;
}

/* RECORD PROOF CHECKPOINT, as read, against the trust list. */
static int verify_files(const sp_trust *t, const sp_verify_opts *o,
                        const struct inputs *in)
{
	sp_record *rec = NULL;
	sp_checkpoint cp;
	char want_origin[SP_CHECKPOINT_ORIGIN_MAX];
	const char *why = NULL;
	int err, rc;

	if ((err = sp_verify_record(t, in->b[0], in->len[0], o, NULL, &rec,
	                            &why)) != SP_OK)
		return reject(err, why);
	if ((err = signed_checkpoint(t, in->b[2], in->len[2], &cp, &why)) !=
	    SP_OK)
		rc = reject(err, why);
	else if (sp_checkpoint_origin(sp_trust_list(t)->federation,
	                              sp_record_origin(rec),
	                              want_origin) != SP_OK ||
	         strcmp(cp.origin, want_origin) != 0)
		rc = reject(
		    SP_ERR_CHECKPOINT_INVALID,
		    "the checkpoint is not of the record's origin's log");
	else
		rc = check_inclusion(rec, in->b[0], in->len[0], &cp, in->b[1],
		                     in->len[1]);
	sp_record_free(rec);
	return rc;
}

static int cmd_verify(int argc, char **argv)
{
	const char *tl_path = NULL, *anchor = NULL, *at = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("trust-list", &tl_path, SP_CLI_REQUIRED),
	    SP_CLI_PATH("anchor", &anchor, SP_CLI_REQUIRED),
	    SP_CLI_STRING("at", &at, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "log verify", usage_text, "RECORD PROOF CHECKPOINT", 3, 3, opts};
	struct inputs in = {{NULL, NULL, NULL}, {0, 0, 0}};
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if (sp_cli__time_opts(at, NULL, &o) != 0)
		return SP_EXIT_USAGE;
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	rc = SP_EXIT_FAIL;
	if ((t = sp_cli__open_trust("log verify", tl_path, anchor, &o,
	                            &anchors)) != NULL &&
	    read_inputs(args, &in) == 0)
		rc = verify_files(t, &o, &in);
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	free_inputs(&in);
	return rc;
}

/* OLD-CHECKPOINT NEW-CHECKPOINT PROOF, as read, against the trust list. */
static int check_consistency(const sp_trust *t, const struct inputs *in)
{
	sp_checkpoint old_cp, new_cp;
	sp_proof proof;
	const char *why = NULL;
	int err;

	if ((err = signed_checkpoint(t, in->b[0], in->len[0], &old_cp, &why)) !=
	        SP_OK ||
	    (err = signed_checkpoint(t, in->b[1], in->len[1], &new_cp, &why)) !=
	        SP_OK)
		return reject(err, why);
	if (strcmp(old_cp.origin, new_cp.origin) != 0)
		return reject(SP_ERR_CHECKPOINT_INVALID,
		              "the checkpoints are of different logs");
	if ((err = sp_proof_parse((const char *)in->b[2], in->len[2], &proof,
	                          &why)) != SP_OK)
		return reject(err, why);
	if (proof.kind != SP_PROOF_CONSISTENCY ||
	    proof.old_size != old_cp.size || proof.size != new_cp.size)
		return reject(SP_ERR_PROOF_INVALID,
		              "the proof is not between these two tree sizes");
	if (sp_merkle_verify_consistency(
	        old_cp.size, new_cp.size, old_cp.root, new_cp.root,
	        (const uint8_t(*)[32])proof.hashes, proof.n_hashes) != SP_OK)
		return reject(SP_ERR_EQUIVOCATION,
		              "the new checkpoint does not extend the old one: "
		              "the log was rewritten");
	printf("ok %s %llu %llu\n", new_cp.origin,
	       (unsigned long long)old_cp.size,
	       (unsigned long long)new_cp.size);
	return SP_EXIT_OK;
}

static int cmd_consistency(int argc, char **argv)
{
	const char *tl_path = NULL, *anchor = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("trust-list", &tl_path, SP_CLI_REQUIRED),
	    SP_CLI_PATH("anchor", &anchor, SP_CLI_REQUIRED),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {"log consistency",
	                        usage_text,
	                        "OLD-CHECKPOINT NEW-CHECKPOINT PROOF",
	                        3,
	                        3,
	                        opts};
	struct inputs in = {{NULL, NULL, NULL}, {0, 0, 0}};
	sp_verify_opts o;
	sp_anchors *anchors = NULL;
	sp_trust *t = NULL;
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	sp_verify_opts_default(&o);
	if (sp_cli__init_crypto() != 0)
		return SP_EXIT_FAIL;
	rc = SP_EXIT_FAIL;
	if ((t = sp_cli__open_trust("log consistency", tl_path, anchor, &o,
	                            &anchors)) != NULL &&
	    read_inputs(args, &in) == 0)
		rc = check_consistency(t, &in);
	sp_trust_unref(t);
	sp_anchors_free(anchors);
	free_inputs(&in);
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
