/* trust.h: keys, certificates, XML-DSig signing and verification by the
 * silkport profile (xmlsec1, OpenSSL backend), federation anchors, the
 * verified trust list, signer authorization, and signed notes for
 * checkpoints. */
#ifndef SP_TRUST_H
#define SP_TRUST_H

#include "protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- init */

/* Initialise protocol/, libxml2 and xmlsec hardened against the
 * known library pitfalls (trust/README.md): parser options
 * without HUGE, no I/O callbacks, crypto once. Main thread, before threads.
 * Idempotent. Returns SP_OK or SP_ERR_INTERNAL (the library's text is logged
 * to stderr). */
int sp_trust_init(void);
void sp_trust_cleanup(void);

/* ---------------------------------------------------------------- keys */

typedef enum sp_key_alg {
	SP_KEY_P256 = 1,    /* ECDSA P-256, signs ECDSA-SHA256 */
	SP_KEY_RSA2048 = 2, /* RSA 2048, signs RSA-SHA256 */
	SP_KEY_ED25519 = 3, /* checkpoint notes only */
	SP_KEY_SM2 = 4,     /* SM2 (GB/T 32918), signs SM2-with-SM3; record,
	                       receipt and trust-list signing only, never TLS */
} sp_key_alg;

/* The signing algorithm named on a command line: "p256", "rsa2048" (or
 * "rsa") and "sm2". Returns SP_OK or SP_ERR_INVALID_ARGUMENT. */
int sp_key_alg_parse(const char *name, sp_key_alg *out);
/* The name sp_key_alg_parse() reads ("p256", "rsa2048", "sm2"), or "?". */
const char *sp_key_alg_name(sp_key_alg alg);
/* The signature method a key of this algorithm signs with (SPEC 5). */
sp_sig_method sp_key_alg_method(sp_key_alg alg);

/* A signing identity: private key plus its certificate. Immutable once
 * loaded; may be shared read-only between threads. */
typedef struct sp_key sp_key;

/* Load a private key and a PEM certificate that hold the same key pair.
 * key_path is a PEM file or a pkcs11: URI (sp_key_load_private()).
 * Refuses RSA < 2048 and curves other than P-256 and SM2
 * (SP_ERR_KEY_WEAK). */
int sp_key_load(const char *key_path, const char *cert_path, sp_key **out,
                const char **why);
void sp_key_free(sp_key *k);
sp_key_alg sp_key_get_alg(const sp_key *k);
/* DER of the certificate, owned by k. */
const uint8_t *sp_key_cert_der(const sp_key *k, size_t *len);

/* ---------------------------------------------------------------- tokens */

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* The one private-key loader: `where` is a PEM file (unencrypted, never
 * prompts) or an RFC 7512 URI "pkcs11:token=T;object=L[;type=private]
 * [?pin-source=FILE|pin-value=PIN][&module-path=SO]" for a key held in a
 * PKCS#11 token, used through libp11's OpenSSL engine so that the key never
 * leaves the token. The PIN comes from pin-value, else the pin-source file,
 * else the environment variable named in sp_key_pkcs11_setup(); it is never
 * logged nor put into *why. *out is a new reference (EVP_PKEY_free).
 * Errors: SP_ERR_IO (file unreadable), SP_ERR_CERT_INVALID (no PEM key),
 * SP_ERR_INVALID_ARGUMENT (URI syntax), SP_ERR_TOKEN_PIN (no PIN, or the
 * token refused it: *why names the token), SP_ERR_TOKEN (module, token or
 * key not found). Thread-safe. */
int sp_key_load_private(const char *where, struct evp_pkey_st **out,
                        const char **why);
/* Put the private key at `where` (as sp_key_load_private()) into an
 * OpenSSL TLS context whose certificate is set already, for the server's
 * and the client's side alike. Errors: SP_ERR_IO (the key cannot be read),
 * SP_ERR_CERT_INVALID (not the certificate's key), the token's errors. */
struct ssl_ctx_st;
int sp_tls_use_key(struct ssl_ctx_st *ctx, const char *where, const char **why);
/* `where` as it may be logged or shown: a pkcs11: URI loses its query
 * (which may hold pin-value); a file path is returned as is. Uses buf. */
const char *sp_key_redact(const char *where, char *buf, size_t len);
/* 1 if `where` is a pkcs11: URI. */
int sp_key_is_pkcs11(const char *where);
/* Check a pkcs11: URI's syntax without touching a token (config checks). */
int sp_key_pkcs11_uri_check(const char *uri, const char **why);
/* Process-wide token settings ([pkcs11] in node.ini): the PKCS#11 module
 * (NULL: p11-kit's proxy, which reaches every module registered with
 * p11-kit) used when a URI has no module-path, and the name of an
 * environment variable holding the PIN (NULL: none). Copies both. One
 * module per process: the engine is process-wide. */
int sp_key_pkcs11_setup(const char *module, const char *pin_env,
                        const char **why);
/* Generate a key pair inside the token named by token_uri
 * ("pkcs11:token=T[?pin-source=...]", no object): `alg` SP_KEY_P256 or
 * SP_KEY_RSA2048 (the token's Ed25519 keys are out of libp11 0.4.12's
 * reach), private half sensitive, not extractable, for signing only, with
 * CKA_LABEL `label` and a random CKA_ID. *key_uri (malloc'd) names the new
 * key for sp_key_load_private(), without any pin-value. Errors: as
 * sp_key_load_private(), SP_ERR_KEY_WEAK (another algorithm),
 * SP_ERR_INVALID_ARGUMENT (label taken). */
int sp_key_pkcs11_generate(const char *token_uri, sp_key_alg alg,
                           const char *label, char **key_uri, const char **why);

/* ---------------------------------------------------------------- signing */

/* Sign an unsigned Record, Receipt or TrustList by the profile: one enveloped
 * ds:Signature appended as the root's last child, one Reference URI="",
 * enveloped-signature then exclusive C14N, SHA-256, ECDSA-SHA256 (low-s) or
 * RSA-SHA256 by the key; for receipts and trust lists the certificate in
 * KeyInfo as a hint only, for records no KeyInfo. The output is in the
 * canonical transport form (SPEC 4.6): the exclusive canonical form of the
 * whole document, no XML declaration, no text between the signature's
 * children, SignatureValue in canonical base64. The input is parsed with
 * the hardened parser and must not already carry a signature. *out is
 * malloc'd. Thread-safe. */
int sp_sign_document(const sp_key *key, const uint8_t *doc, size_t len,
                     uint8_t **out, size_t *outlen, const char **why);
/* Sign a Record that sp_record_build_doc() built, as sp_sign_document()
 * signs the bytes sp_record_build() writes of the same draft, byte for byte,
 * without writing and parsing them again. The signature is added to the
 * tree of unsigned_record, so sp_signed_content_digest() then reads the
 * signed content from it; it cannot be signed a second time. Errors: those
 * of sp_sign_document(), SP_ERR_WRONG_DOCUMENT (not a Record),
 * SP_ERR_TOO_LARGE (the signed record is above SP_DEFAULT_MAX_BYTES). */
int sp_sign_record(const sp_key *key, sp_doc *unsigned_record, uint8_t **out,
                   size_t *outlen, const char **why);
/* The same for a Receipt that sp_receipt_build_doc() built: byte for byte
 * what sp_sign_document() gives for sp_receipt_build()'s bytes. */
int sp_sign_receipt(const sp_key *key, sp_doc *unsigned_receipt, uint8_t **out,
                    size_t *outlen, const char **why);
/* Add the key's signature to a TrustList that may already carry others
 * (SPEC [TL-71]): the new one is made over the list with no ds:Signature in
 * it and placed after the others, so that operators sign on their own
 * machines in any order. A list without a signature gets its first one.
 * *out is malloc'd. Errors: those of sp_sign_document(), SP_ERR_SIG_PROFILE
 * (already 16 signatures). */
int sp_trust_list_cosign(const sp_key *key, const uint8_t *doc, size_t len,
                         uint8_t **out, size_t *outlen, const char **why);

/* ---------------------------------------------------------------- anchors */

/* Federation anchors: operator certificates a node is configured with. */
typedef struct sp_anchors sp_anchors;
int sp_anchors_new(sp_anchors **out);
/* Add every certificate in a PEM file. */
int sp_anchors_add_pem_file(sp_anchors *a, const char *path, const char **why);
void sp_anchors_free(sp_anchors *a);

/* ---------------------------------------------------------------- trust */

typedef struct sp_verify_opts {
	int64_t now;        /* 0: time(NULL) */
	int64_t clock_skew; /* seconds of tolerance for Issued and validity;
	                       default 300 */
	const sp_limits *limits; /* NULL: defaults */
	/* SPEC [TL-78]: the caller proves later when a record existed (its
	 * federation has witnesses) and checks the signer then: a signing
	 * certificate need be valid at the document's time only, not also
	 * now. Records only; 0: valid at both (TL-31). */
	int existence_later;
	/* Out, when not NULL and a record verified: the end of the validity
	 * of the certificate that verified it (the earlier of its validUntil
	 * and notAfter), unix seconds. */
	int64_t *signer_until;
	/* Out, when not NULL and a record verified: 1 when its signer is
	 * revoked (it verified under [TL-77], dated before the InvalidFrom,
	 * and must still be proven to have existed before it), else 0. */
	int *signer_revoked;
	/* sp_trust_open() with no current list: 1 when the list is the
	 * node's own durable copy, verified when it was installed, so that a
	 * list naming operator keys is checked against its own keys and
	 * Threshold rather than the anchors it may have rotated away from
	 * (SPEC [TL-74]). 0 for any list from a file or a peer. */
	int stored_list;
	/* sp_trust_open(), out when not NULL: the list's Sequence once its
	 * signatures verified, set also when it is then refused against
	 * `current`, so that a caller can tell a split view (an equal
	 * Sequence, SPEC [TL-16]) from an older list. */
	uint64_t *list_sequence;
	/* Out, when not NULL and a record verified: its signed-content
	 * digest (SPEC 9.8: the decoded DigestValue), 32 bytes. */
	uint8_t *signed_digest;
	/* Out, when not NULL and a record or receipt verified: 1 when the
	 * canonical reader read it (protocol/cxml.c, no libxml2), 0 when
	 * libxml2 did. */
	int *read_canonically;
	/* 1: read every record and receipt with libxml2 (tests compare the
	 * two ways). */
	int libxml2_only;
} sp_verify_opts;

void sp_verify_opts_default(sp_verify_opts *o);

/* A verified trust list and the keys prepared from it. Immutable once
 * made, reference-counted, safe to share between threads. */
typedef struct sp_trust sp_trust;

/* Verify a TrustList against the anchors (signature by the profile with an
 * anchor's key; the list's own certificate chain is not consulted), check
 * its window (issued <= now + skew; next_update is checked by
 * sp_trust_expired()), and, when `current` is not NULL, that it is for the
 * same federation and its sequence is not lower (SP_ERR_TRUST_LIST_ROLLBACK;
 * an equal sequence must be the identical document). The anchors are
 * referenced, not copied: they must outlive the result.
 * Errors: the parse errors, signature errors, SP_ERR_UNTRUSTED_ANCHOR,
 * SP_ERR_TRUST_LIST_ROLLBACK, SP_ERR_WRONG_FEDERATION, SP_ERR_CERT_INVALID. */
int sp_trust_open(const sp_anchors *anchors, const uint8_t *tl_bytes,
                  size_t tl_len, const sp_trust *current,
                  const sp_verify_opts *o, sp_trust **out, const char **why);
/* A copy of the verified list t in which the members named in node_ids are
 * ignored: no lookup (sp_tl_find, sp_trust_member_by_tls_cert, record and
 * receipt verification) finds them; sp_trust_list_bytes() still gives the
 * exact signed bytes. Used when a node refuses single entries of a list
 * (SPEC [FED-40]). *out is a new reference.
 * Errors: SP_ERR_INVALID_ARGUMENT, SP_ERR_NOMEM. */
int sp_trust_without(const sp_trust *t, const char *const *node_ids,
                     size_t n_ids, sp_trust **out, const char **why);
sp_trust *sp_trust_ref(sp_trust *t);
void sp_trust_unref(sp_trust *t);
const sp_tl *sp_trust_list(const sp_trust *t);
/* The exact signed bytes of the list. */
const uint8_t *sp_trust_list_bytes(const sp_trust *t, size_t *len);
/* The lowercase hex SHA-256 of those bytes (made when the list was
 * opened, so that serving or comparing it hashes nothing). */
const char *sp_trust_list_digest(const sp_trust *t);
/* How many distinct operator keys the node already trusted (anchors, or
 * the keys of the list held, SPEC [TL-71]) verified t when it was opened:
 * 1 for a list with one anchor signature. A node's [trust] min_threshold
 * is checked against it and the list's Threshold ([TL-80]). */
unsigned sp_trust_signers(const sp_trust *t);
/* 1 if now > next_update, 0 otherwise. */
int sp_trust_expired(const sp_trust *t, int64_t now);

/* ---------------------------------------------------------------- freshness
 * (SPEC 7.9) */

/* 1 if the list names a TimestampCertificate (its freshness is then bounded
 * by signed statements); 0 for a list without one (SREP 1.2: never stale).
 */
int sp_trust_has_timestamp_key(const sp_trust *t);
/* Verify a signed TrustListTimestamp with the TimestampCertificate of the
 * verified list t (never with a KeyInfo certificate): the profile of section
 * 6, the key valid now, FederationId t's, Issued not in the future, Expires
 * - Issued within t's StalenessBound, Expires not passed (all within the
 * skew). It may name another Sequence than t's: sp_tl_timestamp_names()
 * tells. Errors: the parse and signature errors, SP_ERR_WRONG_FEDERATION,
 * SP_ERR_ISSUED_IN_FUTURE, SP_ERR_CERT_INVALID, SP_ERR_TIMESTAMP_INVALID (t
 * has no timestamp key, the statement expired or is too long). */
int sp_tl_timestamp_open(const sp_trust *t, const uint8_t *buf, size_t len,
                         const sp_verify_opts *o, sp_tl_timestamp *out,
                         const char **why);
/* 1 if ts names exactly the list t: its federation, sequence and SHA-256. */
int sp_tl_timestamp_names(const sp_trust *t, const sp_tl_timestamp *ts);
/* The time until which t is fresh ([TL-66]): the later of t's Issued and,
 * when ts (verified, may be NULL) names t, ts's Issued, plus t's
 * StalenessBound, and never past ts's Expires for the statement's part.
 * INT64_MAX when t names no timestamp key. */
int64_t sp_trust_fresh_until(const sp_trust *t, const sp_tl_timestamp *ts);

/* Verify a signed Record: hardened parse and schema, the full signature
 * profile, the canonical transport form (SPEC 4.6: SP_ERR_NON_CANONICAL),
 * with the key taken from the trust list for the record's Origin
 * (never from KeyInfo), signer authorization (Origin an active member; the
 * signing certificate valid at Issued and now, within the skew; Issued not in
 * the future), the header read from the verified tree, and then the
 * Origin's authority for the record's Type (its entry's MayOriginate, else
 * its role's defaults: SP_ERR_TYPE_NOT_AUTHORIZED, SPEC [TL-61]). On success
 * *doc and *rec are set (either out-pointer may be NULL if not wanted).
 * Errors: every parse, profile, signature and trust error above. */
int sp_verify_record(const sp_trust *t, const uint8_t *buf, size_t len,
                     const sp_verify_opts *o, sp_doc **doc, sp_record **rec,
                     const char **why);

/* The signed content of a signed Record: the decoded DigestValue of its one
 * Reference, that is SHA-256 (SM3 for an SM2 signer, SPEC SIG-39) over the
 * exclusive canonical form of the document without its ds:Signature (SPEC
 * SIG-28). Only meaningful for a
 * document that verified: two verified records of one Origin with equal
 * values sign the same content, and only different values are equivocation
 * (SPEC LOG-37). sp_signed_content_digest() reads it from a parsed tree (as
 * sp_verify_record() returns it); sp_signed_content_digest_of() parses a
 * record the node already verified and holds, with limits set by its own
 * size. Errors: the parse errors, SP_ERR_SIG_MISSING, SP_ERR_SIG_PROFILE
 * (no DigestValue of 32 bytes). */
int sp_signed_content_digest(sp_doc *doc, uint8_t out[32], const char **why);
int sp_signed_content_digest_of(const uint8_t *buf, size_t len, uint8_t out[32],
                                const char **why);

/* Verify a signed Receipt: signer is the member named in Receiver, with the
 * same authorization rules as records (Received plays Issued). */
int sp_verify_receipt(const sp_trust *t, const uint8_t *buf, size_t len,
                      const sp_verify_opts *o, sp_receipt_info *out,
                      const char **why);

/* The member whose TLS certificate (DER) is exactly this one, or NULL. */
const sp_tl_member *sp_trust_member_by_tls_cert(const sp_trust *t,
                                                const uint8_t *der, size_t len);

/* ---------------------------------------------------------------- PKI */

/* Certificate purposes for sp_pki_issue(). */
typedef enum sp_cert_usage {
	SP_CERT_SIGNING =
	    1, /* record/receipt signing: digitalSignature, nonRepudiation */
	SP_CERT_TLS = 2,      /* node TLS: serverAuth and clientAuth, SANs */
	SP_CERT_OPERATOR = 3, /* local operator client: clientAuth */
} sp_cert_usage;

/* Make a self-signed federation operator CA; writes key_out (mode 0600) and
 * cert_out as PEM. `alg` is P-256, RSA 2048 or SM2; an SM2 CA signs its
 * certificates with SM2-with-SM3 and the SM2 distinguishing identifier
 * SP_SM2_DISTID. */
int sp_pki_make_ca(const char *common_name, sp_key_alg alg, int days,
                   const char *key_out, const char *cert_out, const char **why);
/* Issue a certificate signed by the CA for a fresh key of `alg`. `sans` is a
 * NULL-terminated list of DNS names or IP addresses (TLS only; may be NULL).
 * SP_KEY_SM2 is for SP_CERT_SIGNING only: TLS stays on P-256 and RSA (SPEC
 * [SEC-34]); SP_ERR_INVALID_ARGUMENT otherwise. This is the one place a
 * signing key of any algorithm is made (federation init, member init). */
int sp_pki_issue(const char *ca_key, const char *ca_cert, sp_cert_usage usage,
                 const char *common_name, const char *const *sans,
                 sp_key_alg alg, int days, const char *key_out,
                 const char *cert_out, const char **why);
/* The profile algorithm of a DER certificate's key, 0 if it is none. */
sp_key_alg sp_pki_cert_alg(const uint8_t *der, size_t len);
/* What the node shows of a certificate it uses (expiry metrics). */
typedef struct sp_cert_info {
	char subject[128]; /* the CN, else the whole subject, truncated */
	int64_t not_before;
	int64_t not_after;
} sp_cert_info;
/* Every certificate of a PEM file, at most max. Errors: SP_ERR_IO,
 * SP_ERR_CERT_INVALID (none, or a validity unreadable), SP_ERR_TOO_LARGE. */
int sp_cert_file_info(const char *pem_path, sp_cert_info *out, size_t max,
                      size_t *n, const char **why);
/* Read the first certificate of a PEM file as DER (*der malloc'd). */
int sp_pki_cert_der(const char *pem_path, uint8_t **der, size_t *len,
                    const char **why);

/* ---------------------------------------------------------------- joining
 */

/* Members keep their own keys (SPEC 7.8): a member generates its keys and
 * sends a signed JoinRequest (or RenewalRequest) with CSRs; the operator
 * checks it and issues certificates from the CSRs. */

/* Longest Expires - Created of a request: 30 days. */
#define SP_ENROLL_MAX_VALIDITY ((int64_t)30 * 86400)

/* Generate a private key of `alg` (P-256, RSA 2048 or Ed25519 for
 * checkpoints) into key_out, PEM, created with mode 0600; never replaces an
 * existing file (SP_ERR_IO). The one place keys are made for a member: other
 * key stores (tokens, SM2) plug in here. */
int sp_pki_keygen(sp_key_alg alg, const char *key_out, const char **why);
/* A signing identity without a certificate yet (sp_sign_document() of a
 * request adds no KeyInfo). Errors: SP_ERR_IO, SP_ERR_KEY_WEAK, NOMEM. */
int sp_key_load_bare(const char *key_path, sp_key **out, const char **why);
/* A PKCS#10 CSR (DER, *der malloc'd) for the key in key_path, subject
 * CN=cn, self-signed with SHA-256. */
int sp_pki_csr_make(const char *key_path, const char *cn, uint8_t **der,
                    size_t *len, const char **why);
/* Fill r->log_key and r->log_key_proof: the Ed25519 checkpoint key in
 * log_key_path signs the request's binding text (SPEC [TL-49]). r's
 * federation, node_id, created and both CSRs must be set. */
int sp_enroll_prove_log_key(sp_enroll_req *r, const char *log_key_path,
                            const char **why);
/* Fill r->previous_cert and r->previous_sig: the member's current signing
 * key (with its listed certificate) signs the renewal's binding text (SPEC
 * [TL-53]). r's federation, node_id, created, expires, signing_csr must be
 * set. */
int sp_enroll_sign_previous(sp_enroll_req *r, const sp_key *old,
                            const char **why);
/* Parse and check a request of `kind` as the operator receives it, in this
 * order (SPEC [TL-50]): hardened parse and schema; the signature profile
 * without KeyInfo; SigningCsr's self-signature (SP_ERR_KEY_UNPROVEN); the
 * document's signature by that key (SP_ERR_REQUEST_SIGNER, or
 * SP_ERR_SIG_INVALID when the content was altered); FederationId equal to
 * `federation` when not NULL (SP_ERR_WRONG_FEDERATION); Created not in the
 * future (SP_ERR_ISSUED_IN_FUTURE), Expires not passed
 * (SP_ERR_REQUEST_EXPIRED), at most SP_ENROLL_MAX_VALIDITY apart
 * (SP_ERR_FIELD); for a join request, TlsCsr's self-signature and the LogKey
 * with its proof (SP_ERR_KEY_UNPROVEN). For a renewal the previous key's
 * signature is checked by sp_enroll_check_previous() against the list.
 * *out is malloc'd. */
int sp_enroll_open(const uint8_t *buf, size_t len, sp_doc_kind kind,
                   const char *federation, const sp_verify_opts *o,
                   sp_enroll_req **out, const char **why);
/* A renewal's PreviousCertificate must be one of m's SigningCertificates
 * and PreviousKeySignature must verify with its key: SP_OK or
 * SP_ERR_REQUEST_SIGNER. */
int sp_enroll_check_previous(const sp_enroll_req *r, const sp_tl_member *m,
                             const char **why);
/* Issue a certificate of `usage` (SPEC 7.7 profiles) for the key of a CSR
 * whose self-signature verifies, signed by the CA; subject CN and SANs are
 * the caller's, never the CSR's. *der malloc'd. Errors: csr errors as
 * sp_enroll_open, SP_ERR_CERT_INVALID (CA), SP_ERR_INVALID_ARGUMENT. */
int sp_pki_issue_csr(const char *ca_key, const char *ca_cert,
                     sp_cert_usage usage, const uint8_t *csr, size_t csr_len,
                     const char *common_name, const char *const *sans, int days,
                     uint8_t **der, size_t *der_len, const char **why);
/* 1 if the CSR and the DER certificate hold the same public key. */
int sp_pki_csr_matches_cert(const uint8_t *csr, size_t csr_len,
                            const uint8_t *der, size_t len);
/* Write a DER certificate as PEM (mode 0644). */
int sp_pki_write_cert(const uint8_t *der, size_t len, const char *path,
                      const char **why);
/* Check a member certificate against its SPEC 7.7 profile: v3, cA false,
 * key allowed (SP_ERR_KEY_WEAK), keyUsage digitalSignature, signing: no
 * keyCertSign; TLS: serverAuth and clientAuth; operator: clientAuth.
 * SP_OK or SP_ERR_CERT_INVALID with *why naming the rule. */
int sp_pki_cert_profile_check(const uint8_t *der, size_t len,
                              sp_cert_usage usage, const char **why);
/* The member's check of a certificate it was issued: for the key in
 * key_path, signed by an anchor of the PEM file anchor_path (one or more
 * certificates; SP_ERR_ISSUED_MISMATCH
 * otherwise: altered or someone else's), valid at now (SP_ERR_CERT_INVALID),
 * and in its profile. */
int sp_pki_issued_check(const uint8_t *der, size_t len, const char *key_path,
                        const char *anchor_path, sp_cert_usage usage,
                        int64_t now, const char **why);

/* ---------------------------------------------------------------- signed notes
 */

/* C2SP signed-note Ed25519 keys for checkpoints (issue "The node"). */
typedef struct sp_note_signer sp_note_signer;

/* Make an Ed25519 note key named `name`: writes the private key as PEM
 * (mode 0600) and returns the verifier key "name+hhhhhhhh+base64" (malloc'd).
 */
int sp_note_keygen(const char *name, const char *key_out, char **vkey_out,
                   const char **why);
int sp_note_signer_load(const char *name, const char *key_path,
                        sp_note_signer **out, const char **why);
void sp_note_signer_free(sp_note_signer *s);
/* The verifier key of this signer (owned by s). */
const char *sp_note_signer_vkey(const sp_note_signer *s);
/* Sign a note text (each line ends in \n); *out is text + "\n" + the
 * signature line, malloc'd and NUL-terminated. */
int sp_note_sign(const sp_note_signer *s, const char *text, size_t len,
                 char **out, const char **why);
/* Verify that `note` carries a valid signature by the key `vkey`. Other
 * signature lines are ignored. *text_len is the length of the signed text. */
int sp_note_verify(const char *vkey, const char *note, size_t len,
                   size_t *text_len, const char **why);

/* Notes follow C2SP signed-note: the text is non-empty, every line ends in
 * "\n", no line is empty and none holds a control character; then exactly
 * one blank line; then one to SP_NOTE_MAX_SIGNATURES lines
 * "\u2014 <name> <base64(key id(4) || signature)>\n". Key names are 1..255
 * bytes without spaces, control characters or '+'. The key id is
 * SHA-256(name || "\n" || algorithm byte || public key)[:4], with algorithm
 * 0x01 for Ed25519 note signatures and 0x04 for tlog-cosignature/v1.
 * sp_note_keygen refuses to overwrite an existing file (SP_ERR_IO).
 * sp_note_verify returns SP_ERR_INVALID_ARGUMENT for a malformed or
 * non-0x01 vkey, SP_ERR_TOO_LARGE, SP_ERR_CHECKPOINT_INVALID for a
 * malformed note, SP_ERR_SIG_MISSING when no line carries the key's name and
 * id, SP_ERR_SIG_INVALID when such a line does not verify or appears twice. */
/* Key overlap (SPEC [LOG-47]): verify a note of a member that lists a
 * LogKey (vkey) and perhaps a NextLogKey (next_vkey, or NULL) with
 * either: SP_OK when a line by one of them verifies and no line by the
 * other fails; errors as sp_note_verify. */
int sp_note_verify_either(const char *vkey, const char *next_vkey,
                          const char *note, size_t len, size_t *text_len,
                          const char **why);
#define SP_NOTE_MAX_BYTES      16384
#define SP_NOTE_MAX_SIGNATURES 100

/* Check a member's LogKey as a trust list carries it (SPEC [TL-6],
 * [LOG-9]): an Ed25519 verifier key "name+keyid+key" split at the first '+'
 * and at the '+' after the 8 hex digits of the key ID (the base64 key may
 * contain '+'), whose key ID is the one derived from name and key, and
 * whose name is "silkport/<FederationId>/<node_id>". Errors: SP_ERR_SCHEMA
 * (syntax), SP_ERR_FIELD (key ID or name do not match),
 * SP_ERR_INVALID_ARGUMENT (NULL). */
int sp_note_log_key_check(const char *vkey, const char *node_id,
                          const char **why);

/* The key name (owned by s). */
const char *sp_note_signer_name(const sp_note_signer *s);
/* The verifier key of this signer as a witness: same name and Ed25519 key,
 * algorithm byte 0x04 (C2SP tlog-cosignature/v1). Owned by s. */
const char *sp_note_cosigner_vkey(const sp_note_signer *s);

/* The cosigner verifier key (algorithm 0x04, SPEC [LOG-10]) of a member's
 * LogKey (an Ed25519 note verifier key): malloc'd, or NULL with *why when
 * log_key is malformed or memory runs out. */
char *sp_note_cosigner_vkey_of(const char *log_key, const char **why);

/* Cosign a checkpoint as a witness (C2SP tlog-cosignature/v1): signs
 * "cosignature/v1\ntime <timestamp>\n" + the checkpoint body. `checkpoint`
 * is a checkpoint body or a whole signed checkpoint note (only the body is
 * used; it must parse as a checkpoint). The caller is expected to have
 * verified the origin's signature and consistency first. timestamp >= 0.
 * *sig_line_out is one malloc'd, NUL-terminated line
 * "\u2014 <name> <base64(key id || timestamp(8, big-endian) || sig)>\n" to
 * append to the note's signature lines. */
int sp_note_cosign(const sp_note_signer *s, const char *checkpoint, size_t len,
                   int64_t timestamp, char **sig_line_out, const char **why);
/* Verify a cosignature by the cosigner key `vkey` (algorithm 0x04) on the
 * checkpoint (a body or a whole signed note, as above). `sigs` holds one or
 * more signature lines (each ending in "\n"); when sigs is NULL the lines are
 * the signature block of `checkpoint` itself. Lines by other keys are
 * ignored. On success *time_out (may be NULL) is the cosignature's time.
 * Errors as sp_note_verify. */
int sp_note_verify_cosignature(const char *vkey, const char *checkpoint,
                               size_t len, const char *sigs, size_t sigs_len,
                               int64_t *time_out, const char **why);
/* The same two for a note text that is not a checkpoint (a trust list's
 * witness note, SPEC [TL-81]): `text` is exactly the note text (every line
 * ends in "\n", no empty line); `sigs` the signature lines (required).
 * The caller checks what the text says. Errors as above. */
int sp_note_cosign_text(const sp_note_signer *s, const char *text, size_t len,
                        int64_t timestamp, char **sig_line_out,
                        const char **why);
int sp_note_verify_cosignature_text(const char *vkey, const char *text,
                                    size_t len, const char *sigs,
                                    size_t sigs_len, int64_t *time_out,
                                    const char **why);

/* ---------------------------------------------------------------- trust lists
 * in a witnessed log (SPEC 7.3, [TL-81] to [TL-84]) */

/* The witness note text of a list:
 * "silkport-trust-list/v1\n<FederationId>\n<Sequence>\n<hex SHA-256>\n". */
#define SP_TL_NOTE_HEADER "silkport-trust-list/v1"
/* Write the note text of list t into buf (cap bytes, NUL-terminated);
 * returns its length, or 0 when it does not fit. */
size_t sp_tl_note_text(const sp_trust *t, char *buf, size_t cap);
/* Cosign list t as a witness with signer s at `timestamp` (unix seconds):
 * *line_out is one malloc'd cosignature line. The caller has verified the
 * list and checked that it cosigned no other list of that Sequence. */
int sp_tl_cosign(const sp_note_signer *s, const sp_trust *t, int64_t timestamp,
                 char **line_out, const char **why);
/* Read a witness note (text, blank line, cosignature lines) about list t:
 * SP_OK and *sigs / *sigs_len (pointing into note) when its text is exactly
 * t's note text; SP_ERR_CHECKPOINT_INVALID (malformed), SP_ERR_FIELD (a note
 * about another list), SP_ERR_TOO_LARGE. */
int sp_tl_note_sigs(const sp_trust *t, const char *note, size_t len,
                    const char **sigs, size_t *sigs_len, const char **why);
/* Count the witnesses of `held` (its Witness members that are active and
 * have a LogKey, either key of LOG-47 counting; `self`, if not NULL, is
 * not skipped: a node may be a witness of its own federation's lists)
 * whose valid cosignature of t's note text, not later than latest_s, is
 * among `sigs`. lines (NULL, or held's n_witnesses slots) receives each
 * counted witness's line (malloc'd, NULL where none). Returns the count. */
unsigned sp_tl_cosigners(const sp_trust *held, const sp_trust *t,
                         const char *sigs, size_t sigs_len, int64_t latest_s,
                         char **lines);
/* May held's node install t without more? SP_OK when held has no witnesses
 * (k = 0), t is not newer, or sigs carry k counted cosignatures;
 * SP_ERR_LIST_NOT_WITNESSED (with *why) otherwise. *count (may be NULL)
 * receives the count. */
int sp_tl_witnessed(const sp_trust *held, const sp_trust *t, const char *sigs,
                    size_t sigs_len, int64_t latest_s, unsigned *count,
                    const char **why);

#ifdef __cplusplus
}
#endif
#endif /* SP_TRUST_H */
