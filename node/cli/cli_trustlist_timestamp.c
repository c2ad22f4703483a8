/* cli_trustlist_timestamp.c: "silkport trust-list timestamp": the online
 * timestamp key's short-lived statement that a list is still the current
 * one (SPEC 7.9), made every few minutes by the operator's publisher. */
#include "cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int sp_cli__tl_timestamp_make(const char *what, const char *key_path,
                              const char *cert_path, const uint8_t *list,
                              size_t list_len, uint64_t valid_seconds,
                              uint8_t **out, size_t *out_len)
{
	sp_key *key = NULL;
	sp_doc *doc = NULL;
	sp_tl *tl = NULL;
	sp_tl_timestamp ts;
	uint8_t *unsigned_doc = NULL;
	size_t ulen, der_len;
	const uint8_t *der;
	const char *why = NULL;
	uint64_t bound;
	int err, rc = -1;

	*out = NULL;
	if ((err = sp_doc_parse(list, list_len, SP_DOC_TRUST_LIST, NULL, &doc,
	                        &why)) != SP_OK ||
	    (err = sp_tl_read(doc, &tl, &why)) != SP_OK ||
	    (err = sp_key_load(key_path, cert_path, &key, &why)) != SP_OK)
		goto fail;
	/* Only the key the list names signs its statements: a statement by
	 * any other is refused by every node, so say it here. */
	der = sp_key_cert_der(key, &der_len);
	if (tl->timestamp_cert_der == NULL ||
	    tl->timestamp_cert_der_len != der_len ||
	    memcmp(tl->timestamp_cert_der, der, der_len) != 0) {
		sp_cli__err("%s: %s: %s is not the list's TimestampCertificate",
		            what, sp_strerror(SP_ERR_TIMESTAMP_INVALID),
		            cert_path);
		goto out;
	}
	bound = sp_tl_staleness_bound(tl);
	memset(&ts, 0, sizeof(ts));
	snprintf(ts.federation, sizeof(ts.federation), "%s", tl->federation);
	ts.sequence = tl->sequence;
	sp_sha256_hex(list, list_len, ts.list_digest);
	ts.issued = (int64_t)time(NULL);
	/* at most the bound: a longer statement is refused ([TL-65]) */
	ts.expires =
	    ts.issued + (int64_t)(valid_seconds > 0 && valid_seconds < bound
	                              ? valid_seconds
	                              : bound);
	if ((err = sp_tl_timestamp_build(&ts, &unsigned_doc, &ulen, &why)) !=
	        SP_OK ||
	    (err = sp_sign_document(key, unsigned_doc, ulen, out, out_len,
	                            &why)) != SP_OK)
		goto fail;
	rc = 0;
	goto out;
fail:
	sp_cli__err("%s: %s: %s", what, sp_strerror(err), why ? why : "");
out:
	free(unsigned_doc);
	sp_key_free(key);
	sp_tl_free(tl);
	sp_doc_free(doc);
	return rc;
}

/* Replace `path` in one step, so that a node reading it every few minutes
 * never sees half a statement. NULL: standard output. */
static int write_atomic(const char *path, const uint8_t *buf, size_t len)
{
	char tmp[4096];

	if (path == NULL)
		return sp_cli__write_output(NULL, buf, len, 0);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		sp_cli__err("%s: name too long", path);
		return -1;
	}
	if (sp_cli__write_output(tmp, buf, len, 0) != 0)
		return -1;
	if (rename(tmp, path) != 0) {
		sp_cli__err("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int sp_cli__tl_timestamp(int argc, char **argv)
{
	const char *key = NULL, *cert = NULL, *output = NULL;
	uint64_t valid = 0;
	const sp_cli_opt opts[] = {
	    SP_CLI_PATH("key", &key, SP_CLI_REQUIRED),
	    SP_CLI_PATH("cert", &cert, SP_CLI_REQUIRED),
	    SP_CLI_U64("valid-seconds", &valid, 1, SP_TL_STALENESS_MAX, 0),
	    SP_CLI_PATH("output", &output, 0),
	    SP_CLI_END,
	};
	const sp_cli_cmd cmd = {
	    "trust-list timestamp", sp_cli__tl_usage, "LIST", 0, 1, opts};
	uint8_t *list = NULL, *doc = NULL;
	size_t len = 0, dlen = 0;
	char **args;
	int n_args, rc;

	if ((rc = sp_cli__parse(&cmd, argc, argv, &args, &n_args)) != SP_CLI_GO)
		return rc;
	rc = SP_EXIT_FAIL;
	if (sp_cli__init_crypto() == 0 &&
	    sp_cli__read_input(n_args > 0 ? args[0] : NULL, &list, &len) == 0 &&
	    sp_cli__tl_timestamp_make("trust-list timestamp", key, cert, list,
	                              len, valid, &doc, &dlen) == 0 &&
	    write_atomic(output, doc, dlen) == 0)
		rc = SP_EXIT_OK;
	free(list);
	free(doc);
	return rc;
}
