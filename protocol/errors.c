/* errors.c: the sp_err names (stable, used in problem type URIs) and the HTTP
 * status each maps to. */
#include <stddef.h>
#include <string.h>

#include "protocol.h"

/* The error table. The name is the stable identifier that ends the problem
 * type URI (urn:silkport:srep:1:error:<name>); the status is what a node
 * answers with. Status policy:
 *   400  the request or document is not syntactically usable
 *        (invalid-argument, not-well-formed, encoding-invalid, bad-request,
 *        non-canonical: a record's bytes are not its one transport form)
 *   401  unauthenticated (no client certificate)
 *   403  forbidden, not-recipient
 *   404  not-found
 *   405  method-not-allowed
 *   409  equivocation (conflicts with what the node already holds),
 *        member-exists (a join request for a NodeId already listed)
 *   413  too-large
 *   415  unsupported-media-type
 *   422  a well-formed document that breaks a rule: document limits and
 *        structure (too-deep, too-many-elements, doctype-forbidden,
 *        schema-invalid, wrong-document, xml-id-forbidden, field-invalid,
 *        attachment-digest-mismatch, type-mismatch,
 *        processing-instruction-forbidden), the signature profile, signer
 *        authorization (type-not-authorized too) and trust-list rules,
 *        proofs and checkpoints
 *   500  out-of-memory, internal, io
 *   503  overloaded, unavailable, fenced
 * Numbers and names are append-only. */
struct err_entry {
	int code;
	const char *name;
	int status;
};

static const struct err_entry err_table[] = {
    {SP_OK, "ok", 200},
    {SP_ERR_NOMEM, "out-of-memory", 500},
    {SP_ERR_INTERNAL, "internal", 500},
    {SP_ERR_IO, "io", 500},
    {SP_ERR_INVALID_ARGUMENT, "invalid-argument", 400},
    {SP_ERR_NOT_FOUND, "not-found", 404},
    {SP_ERR_TOO_LARGE, "too-large", 413},
    {SP_ERR_TOO_DEEP, "too-deep", 422},
    {SP_ERR_TOO_MANY_ELEMENTS, "too-many-elements", 422},
    {SP_ERR_NOT_WELL_FORMED, "not-well-formed", 400},
    {SP_ERR_ENCODING, "encoding-invalid", 400},
    {SP_ERR_DOCTYPE, "doctype-forbidden", 422},
    {SP_ERR_SCHEMA, "schema-invalid", 422},
    {SP_ERR_WRONG_DOCUMENT, "wrong-document", 422},
    {SP_ERR_XML_ID, "xml-id-forbidden", 422},
    {SP_ERR_FIELD, "field-invalid", 422},
    {SP_ERR_ATTACHMENT_DIGEST, "attachment-digest-mismatch", 422},
    {SP_ERR_TYPE_MISMATCH, "type-mismatch", 422},
    {SP_ERR_PROCESSING_INSTRUCTION, "processing-instruction-forbidden", 422},
    {SP_ERR_SIG_MISSING, "signature-missing", 422},
    {SP_ERR_SIG_PROFILE, "signature-profile", 422},
    {SP_ERR_SIG_ALGORITHM, "algorithm-forbidden", 422},
    {SP_ERR_SIG_INVALID, "signature-invalid", 422},
    {SP_ERR_KEY_WEAK, "key-weak", 422},
    {SP_ERR_UNKNOWN_ORIGIN, "unknown-origin", 422},
    {SP_ERR_SIGNER_REVOKED, "signer-revoked", 422},
    {SP_ERR_SIGNER_SUSPENDED, "signer-suspended", 422},
    {SP_ERR_SIGNER_EXPIRED, "signer-expired", 422},
    {SP_ERR_ISSUED_IN_FUTURE, "issued-in-future", 422},
    {SP_ERR_TRUST_LIST_ROLLBACK, "trust-list-rollback", 422},
    {SP_ERR_TRUST_LIST_EXPIRED, "trust-list-expired", 422},
    {SP_ERR_UNTRUSTED_ANCHOR, "untrusted-anchor", 422},
    {SP_ERR_CERT_INVALID, "certificate-invalid", 422},
    {SP_ERR_WRONG_FEDERATION, "wrong-federation", 422},
    {SP_ERR_UNAUTHENTICATED, "unauthenticated", 401},
    {SP_ERR_FORBIDDEN, "forbidden", 403},
    {SP_ERR_EQUIVOCATION, "equivocation", 409},
    {SP_ERR_METHOD, "method-not-allowed", 405},
    {SP_ERR_MEDIA_TYPE, "unsupported-media-type", 415},
    {SP_ERR_OVERLOADED, "overloaded", 503},
    {SP_ERR_NOT_RECIPIENT, "not-recipient", 403},
    {SP_ERR_BAD_REQUEST, "bad-request", 400},
    {SP_ERR_UNAVAILABLE, "unavailable", 503},
    {SP_ERR_PROOF_INVALID, "proof-invalid", 422},
    {SP_ERR_CHECKPOINT_INVALID, "checkpoint-invalid", 422},
    {SP_ERR_RECORD_ID_AMBIGUOUS, "record-id-ambiguous", 409},
    {SP_ERR_REVOCATION_REVERSED, "revocation-reversed", 422},
    {SP_ERR_NON_CANONICAL, "non-canonical", 400},
    {SP_ERR_ALG_NOT_LISTED, "algorithm-not-listed", 422},
    {SP_ERR_TOKEN_PIN, "token-pin", 500},
    {SP_ERR_TOKEN, "token-unavailable", 500},
    {SP_ERR_REQUEST_SIGNER, "request-signer-mismatch", 422},
    {SP_ERR_KEY_UNPROVEN, "key-possession-unproven", 422},
    {SP_ERR_MEMBER_EXISTS, "member-exists", 409},
    {SP_ERR_REQUEST_EXPIRED, "request-expired", 422},
    {SP_ERR_ISSUED_MISMATCH, "issued-certificate-mismatch", 422},
    {SP_ERR_FENCED, "fenced", 503},
    {SP_ERR_TYPE_NOT_AUTHORIZED, "type-not-authorized", 422},
    {SP_ERR_VALIDITY_TOO_LONG, "validity-too-long", 422},
    {SP_ERR_TRUST_LIST_STALE, "trust-list-stale", 422},
    {SP_ERR_TIMESTAMP_INVALID, "timestamp-invalid", 422},
    {SP_ERR_INDEX_INVALID, "index-invalid", 422},
    {SP_ERR_ISSUED_OUT_OF_BOUNDS, "issued-out-of-bounds", 422},
    {SP_ERR_THRESHOLD_NOT_MET, "threshold-not-met", 422},
    {SP_ERR_TRUST_LIST_FORK, "trust-list-fork", 422},
    {SP_ERR_LIST_NOT_WITNESSED, "list-not-witnessed", 422},
    {SP_ERR_LIST_EQUIVOCATION, "trust-list-equivocation", 409},
};

#define N_ERRS (sizeof(err_table) / sizeof(err_table[0]))

static const struct err_entry *err_find(int err)
{
	for (size_t i = 0; i < N_ERRS; i++)
		if (err_table[i].code == err)
			return &err_table[i];
	return NULL;
}

const char *sp_strerror(int err)
{
	const struct err_entry *e = err_find(err);

	return e != NULL ? e->name : "unknown-error";
}

int sp_err_from_name(const char *name)
{
	if (name == NULL)
		return SP_ERR_INTERNAL;
	for (size_t i = 0; i < N_ERRS; i++)
		if (strcmp(err_table[i].name, name) == 0)
			return err_table[i].code;
	return SP_ERR_INTERNAL;
}

int sp_err_http_status(int err)
{
	const struct err_entry *e = err_find(err);

	return e != NULL ? e->status : 500;
}
