/* cli_trustlist_reset.c: "silkport trust-list reset", the node operator's
 * recovery after the federation's operator threshold was compromised (SPEC
 * [TL-76]): a list signed under new anchors replaces the stored one,
 * whatever its sequence, on this node only, logged at error level. */
#include "cli_int.h"
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sp_anchors *config_anchors(const sp_config *cfg)
{
	sp_anchors *a = NULL;
	const char *why = NULL;
	int err;

	if (sp_anchors_new(&a) != SP_OK)
		return NULL;
	for (size_t i = 0; i < cfg->n_anchors; i++)
		if ((err = sp_anchors_add_pem_file(a, cfg->anchors[i], &why)) !=
		    SP_OK) {
			sp_cli__err("trust-list reset: anchor %s: %s: %s",
			            cfg->anchors[i], sp_strerror(err),
			            why ? why : "");
			sp_anchors_free(a);
			return NULL;
		}
	return a;
}

/* The list verified with the configured (new) anchors, as a list from a
 * file is at start: never with the keys of the list it replaces. */
static sp_trust *open_new_list(const sp_config *cfg, const sp_anchors *a,
                               const char *path)
{
	sp_verify_opts o;
	sp_trust *t = NULL;
	uint8_t *buf = NULL;
	size_t len;
	const char *why = NULL;
	int err;

	if (sp_cli__read_input(path, &buf, &len) != 0)
		return NULL;
	sp_verify_opts_default(&o);
	o.clock_skew = cfg->clock_skew;
	err = sp_trust_open(a, buf, len, NULL, &o, &t, &why);
	free(buf);
	if (err != SP_OK) {
		sp_cli__err("trust-list reset: %s: %s: %s", path,
		            sp_strerror(err), why ? why : "");
		return NULL;
	}
	if (strcmp(sp_trust_list(t)->federation, cfg->federation) != 0) {
		sp_cli__err("trust-list reset: %s is federation %s's, not %s",
		            path, sp_trust_list(t)->federation,
		            cfg->federation);
		sp_trust_unref(t);
		return NULL;
	}
	return t;
}

/* Replace the stored list; the one it replaces is named in the log. */
static int replace_stored(const sp_config *cfg, const sp_trust *t,
                          const char *path)
{
	int pg = strcmp(cfg->store_backend, "postgresql") == 0;
	sp_store *s = NULL;
	sp_store_reader *r = NULL;
	uint8_t *old = NULL;
	size_t old_len = 0, len;
	uint64_t old_seq = 0;
	char old_digest[65] = "";
	const uint8_t *b;
	const char *why = NULL;
	int err;

	if ((err = sp_store_open_backend(cfg->store_backend,
	                                 pg ? cfg->store_dsn : cfg->database, 0,
	                                 &s, &why)) != SP_OK) {
		sp_cli__err("trust-list reset: store: %s",
		            why ? why : sp_strerror(err));
		return -1;
	}
	if (sp_store_reader_open(s, &r, &why) == SP_OK) {
		if (sp_store_trust_list_get(r, cfg->federation, &old_seq, &old,
		                            &old_len) == SP_OK)
			sp_sha256_hex(old, old_len, old_digest);
		sp_store_reader_close(r);
	}
	free(old);
	b = sp_trust_list_bytes(t, &len);
	err = sp_store_trust_list_reset(s, cfg->federation,
	                                sp_trust_list(t)->sequence, b, len);
	sp_store_close(s);
	if (err != SP_OK) {
		sp_cli__err("trust-list reset: store: %s", sp_strerror(err));
		return -1;
	}
	/* An alarm: the node's ratchet was set back by hand (SEC-46). */
	sp_log(SP_LOG_ERROR, "trust_list_reset",
	       SP_LF_STR("federation", cfg->federation),
	       SP_LF_STR("file", path), SP_LF_UINT("old_sequence", old_seq),
	       SP_LF_STR("old_digest", old_digest),
	       SP_LF_UINT("sequence", sp_trust_list(t)->sequence),
	       SP_LF_STR("digest", sp_trust_list_digest(t)));
	printf("reset %s: sequence %llu (%s) replaces %llu (%s)\n",
	       cfg->federation, (unsigned long long)sp_trust_list(t)->sequence,
	       sp_trust_list_digest(t), (unsigned long long)old_seq,
	       old_digest[0] ? old_digest : "none");
	return 0;
}

int sp_cli__tl_reset(int argc, char **argv)
{
	const char *config = NULL;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("config", &config, SP_CLI_REQUIRED),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "trust-list reset", sp_cli__tl_usage, "LIST", 0, 1, opts};
	char errbuf[4096];
	sp_config *cfg = NULL;
	sp_anchors *a = NULL;
	sp_trust *t = NULL;
	const char *path;
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	if ((cfg = sp_config_load(config, errbuf, sizeof(errbuf))) == NULL) {
		fputs(errbuf, stderr);
		return SP_EXIT_FAIL;
	}
	sp_log_setup(cfg->log_level, cfg->log_format);
	path = n_args > 0 ? args[0] : cfg->trust_list;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() == 0 && (a = config_anchors(cfg)) != NULL &&
	    (t = open_new_list(cfg, a, path)) != NULL &&
	    replace_stored(cfg, t, path) == 0)
		rc = SP_EXIT_OK;
	sp_trust_unref(t);
	sp_anchors_free(a);
	sp_config_free(cfg);
	return rc;
}
