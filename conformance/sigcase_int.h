/* sigcase_int.h: the variant context shared by the signature-profile
 * assertion files (assert_sigprofile.c, sigparse.c). */
#ifndef SP_SIGCASE_INT_H
#define SP_SIGCASE_INT_H

#include "conf_int.h"

#define NO_CASE SP_ERR_UNAVAILABLE /* a variant's precondition is missing */

typedef struct hctx {
	cf_ctx *x;
	cf_buf valid; /* signed by the auditor */
	cf_buf unsig; /* the same record, unsigned */
	uint64_t seq;
	char id[SP_UUID_LEN + 1];
	int64_t issued;
} hctx;

/* The valid record with the first `old` replaced by `nw`. */
int cf_sig_sub(const hctx *h, const char *old, const char *nw, cf_buf *o);

/* Parser-attack variants (sigparse.c). */
int x_doctype(hctx *h, cf_buf *o);
int x_doctype_entity(hctx *h, cf_buf *o);
int x_billion_laughs(hctx *h, cf_buf *o);
int x_external_entity(hctx *h, cf_buf *o);
int x_external_dtd(hctx *h, cf_buf *o);
int x_pe_external(hctx *h, cf_buf *o);
int x_pe_internal(hctx *h, cf_buf *o);
int x_deep_10000(hctx *h, cf_buf *o);
int x_deep_40(hctx *h, cf_buf *o);
int x_many_elements(hctx *h, cf_buf *o);
int x_too_large(hctx *h, cf_buf *o);
int x_utf8_invalid(hctx *h, cf_buf *o);
int x_utf8_overlong(hctx *h, cf_buf *o);
int x_utf8_surrogate(hctx *h, cf_buf *o);
int x_nul(hctx *h, cf_buf *o);
int x_latin1(hctx *h, cf_buf *o);
int x_truncated(hctx *h, cf_buf *o);
int x_empty(hctx *h, cf_buf *o);
int x_wrong_ns(hctx *h, cf_buf *o);
int x_trust_list(hctx *h, cf_buf *o);
int x_duplicate_origin(hctx *h, cf_buf *o);
int x_pi_body(hctx *h, cf_buf *o);
int x_pi_prolog(hctx *h, cf_buf *o);
int x_xml_id(hctx *h, cf_buf *o);

#endif /* SP_SIGCASE_INT_H */
