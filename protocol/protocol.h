/* protocol.h: the silkport wire format: errors, limits, hardened XML parsing,
 * the Record, Receipt, TrustList and Problem documents, and RFC 9162 Merkle
 * hashing. The normative text is protocol/SPEC.md. */
#ifndef SP_PROTOCOL_H
#define SP_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SP_NS               "urn:silkport:srep:1"
#define SP_ERROR_URI_PREFIX "urn:silkport:srep:1:error:"
#define SP_PROBLEM_NS       "urn:ietf:rfc:7807"
#define SP_DSIG_NS          "http://www.w3.org/2000/09/xmldsig#"
#define SP_SPEC_VERSION     "1.5"

/* Algorithm URIs of the signature profile (SPEC 5). The SM2 and SM3 ones
 * have no IANA XML Security URI (RFC 9231 registry): they are the
 * protocol's own (SPEC [SIG-38]). */
#define SP_ALG_EXC_C14N  "http://www.w3.org/2001/10/xml-exc-c14n#"
#define SP_ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define SP_ALG_SHA256    "http://www.w3.org/2001/04/xmlenc#sha256"
#define SP_ALG_ECDSA_SHA256                                                    \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define SP_ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define SP_ALG_SM3        "urn:silkport:srep:1:alg:sm3"
#define SP_ALG_SM2_SM3    "urn:silkport:srep:1:alg:sm2-sm3"
/* The SM2 distinguishing identifier of every SM2 signature (GB/T 35276). */
#define SP_SM2_DISTID "1234567812345678"

/* A signature method a trust list can name for a signing certificate. */
typedef enum sp_sig_method {
	SP_SIGM_UNSPECIFIED = 0, /* not named: implied by the key (1.0 lists) */
	SP_SIGM_ECDSA_SHA256 = 1,
	SP_SIGM_RSA_SHA256 = 2,
	SP_SIGM_SM2_SM3 = 3,
} sp_sig_method;

/* The URI of a method (NULL for UNSPECIFIED or unknown), and the method
 * of a URI (SP_ERR_FIELD if it is none of them). */
const char *sp_sig_method_uri(sp_sig_method m);
int sp_sig_method_parse(const char *uri, sp_sig_method *out);

/* ---------------------------------------------------------------- errors */

/* One error space for the whole project. 0 is success, errors are negative.
 * Numbers are append-only: never renumber, never reuse. sp_strerror() gives
 * the stable name that also ends the problem type URI
 * (urn:silkport:srep:1:error:<name>). */
typedef enum sp_err {
	SP_OK = 0,
	/* generic */
	SP_ERR_NOMEM = -1,            /* out-of-memory */
	SP_ERR_INTERNAL = -2,         /* internal */
	SP_ERR_IO = -3,               /* io */
	SP_ERR_INVALID_ARGUMENT = -4, /* invalid-argument */
	SP_ERR_NOT_FOUND = -5,        /* not-found */
	/* document parsing (before any signature work) */
	SP_ERR_TOO_LARGE = -10,         /* too-large */
	SP_ERR_TOO_DEEP = -11,          /* too-deep */
	SP_ERR_TOO_MANY_ELEMENTS = -12, /* too-many-elements */
	SP_ERR_NOT_WELL_FORMED = -13,   /* not-well-formed */
	SP_ERR_ENCODING = -14, /* encoding-invalid: not UTF-8, NUL byte */
	SP_ERR_DOCTYPE = -15,  /* doctype-forbidden */
	SP_ERR_SCHEMA = -16,   /* schema-invalid */
	SP_ERR_WRONG_DOCUMENT =
	    -17, /* wrong-document: root/namespace not the expected */
	SP_ERR_XML_ID = -18, /* xml-id-forbidden */
	SP_ERR_FIELD = -19,  /* field-invalid: a value breaks a rule the schema
	                        cannot say */
	SP_ERR_ATTACHMENT_DIGEST = -20, /* attachment-digest-mismatch */
	SP_ERR_TYPE_MISMATCH =
	    -21, /* type-mismatch: Body element does not match Type */
	SP_ERR_PROCESSING_INSTRUCTION =
	    -22, /* processing-instruction-forbidden */
	/* signature profile */
	SP_ERR_SIG_MISSING = -30, /* signature-missing */
	SP_ERR_SIG_PROFILE =
	    -31, /* signature-profile: structure outside the profile */
	SP_ERR_SIG_ALGORITHM = -32, /* algorithm-forbidden */
	SP_ERR_SIG_INVALID =
	    -33, /* signature-invalid: digest or signature value wrong */
	SP_ERR_KEY_WEAK = -34, /* key-weak: RSA < 2048, unsupported curve */
	/* trust and signer authorization */
	SP_ERR_UNKNOWN_ORIGIN = -40,   /* unknown-origin */
	SP_ERR_SIGNER_REVOKED = -41,   /* signer-revoked */
	SP_ERR_SIGNER_SUSPENDED = -42, /* signer-suspended */
	SP_ERR_SIGNER_EXPIRED =
	    -43, /* signer-expired: no certificate valid at Issued and now */
	SP_ERR_ISSUED_IN_FUTURE = -44,    /* issued-in-future */
	SP_ERR_TRUST_LIST_ROLLBACK = -45, /* trust-list-rollback */
	SP_ERR_TRUST_LIST_EXPIRED = -46,  /* trust-list-expired */
	SP_ERR_UNTRUSTED_ANCHOR = -47,    /* untrusted-anchor */
	SP_ERR_CERT_INVALID = -48,        /* certificate-invalid */
	SP_ERR_WRONG_FEDERATION = -49,    /* wrong-federation */
	/* node and API (issue "The node") */
	SP_ERR_UNAUTHENTICATED =
	    -60,                    /* unauthenticated: no client certificate */
	SP_ERR_FORBIDDEN = -61,     /* forbidden */
	SP_ERR_EQUIVOCATION = -62,  /* equivocation */
	SP_ERR_METHOD = -63,        /* method-not-allowed */
	SP_ERR_MEDIA_TYPE = -64,    /* unsupported-media-type */
	SP_ERR_OVERLOADED = -65,    /* overloaded */
	SP_ERR_NOT_RECIPIENT = -66, /* not-recipient */
	SP_ERR_BAD_REQUEST = -67,   /* bad-request */
	SP_ERR_UNAVAILABLE = -68,   /* unavailable */
	SP_ERR_PROOF_INVALID = -69, /* proof-invalid */
	SP_ERR_CHECKPOINT_INVALID = -70, /* checkpoint-invalid */
	SP_ERR_RECORD_ID_AMBIGUOUS =
	    -71, /* record-id-ambiguous: several Origins use the RecordId */
	SP_ERR_REVOCATION_REVERSED = -72, /* revocation-reversed */
	SP_ERR_NON_CANONICAL = -73,       /* non-canonical: a record not in its
	                                     canonical transport form */
	SP_ERR_ALG_NOT_LISTED =
	    -74, /* algorithm-not-listed: the signature method is not the one
	            the trust list names for the signer's certificates */
	/* keys in hardware tokens (issue 11) */
	SP_ERR_TOKEN_PIN = -75, /* token-pin: no PIN, or the token refused it */
	SP_ERR_TOKEN = -76, /* token-unavailable: PKCS#11 module, token or key
	                       not found */
	/* joining and renewal (SPEC 7.8) */
	SP_ERR_REQUEST_SIGNER = -77,  /* request-signer-mismatch: a join or
	                                 renewal request not signed by the key
	                                 it must be signed by */
	SP_ERR_KEY_UNPROVEN = -78,    /* key-possession-unproven: a CSR or the
	                                 LogKey proof does not verify with its
	                                 own key */
	SP_ERR_MEMBER_EXISTS = -79,   /* member-exists: NodeId (or key) taken */
	SP_ERR_REQUEST_EXPIRED = -80, /* request-expired */
	SP_ERR_ISSUED_MISMATCH = -81, /* issued-certificate-mismatch: an issued
	                                 certificate not for this member's key,
	                                 not by the anchor, or not listed */
	SP_ERR_FENCED = -82, /* fenced: the node may not sign records of its
	                        own log until it has recovered it (FED-44) */
	/* per-type signer authorization (issue 15) */
	SP_ERR_TYPE_NOT_AUTHORIZED = -83, /* type-not-authorized: the Origin's
	                                     trust-list entry does not let it
	                                     originate records of this Type */
	/* freshness of trust lists (SPEC 7.9) */
	SP_ERR_VALIDITY_TOO_LONG = -86, /* validity-too-long: NextUpdate -
	                                   Issued above the federation's cap */
	SP_ERR_TRUST_LIST_STALE = -87,  /* trust-list-stale: no fresh signed
	                                   statement for the list (transient) */
	SP_ERR_TIMESTAMP_INVALID = -88, /* timestamp-invalid: a freshness
	                                   statement that is not usable */
	/* time from witnesses (SPEC [FED-61]) */
	SP_ERR_ISSUED_OUT_OF_BOUNDS = -89, /* issued-out-of-bounds: Issued
	                                      outside what the Origin's
	                                      witnessed log allows */
	/* complete catch-up (SPEC 9.9) */
	SP_ERR_INDEX_INVALID = -90, /* index-invalid: a recipient index note
	                               that is malformed, out of range or not
	                               signed by its Origin's LogKey */
	/* threshold anchors and list chains (SPEC 7.2, 7.3) */
	SP_ERR_THRESHOLD_NOT_MET = -91, /* threshold-not-met: fewer valid
	                                   signatures by distinct operator keys
	                                   than the list held (or, on rotation,
	                                   the new list) requires */
	SP_ERR_TRUST_LIST_FORK = -92,   /* trust-list-fork: a list whose
	                                   PreviousList is not the list held at
	                                   the sequence before it */
	/* trust lists appended to a witnessed log (SPEC 7.3, [TL-81]) */
	SP_ERR_LIST_NOT_WITNESSED = -93, /* list-not-witnessed: a newer list
	                                    without cosignatures of the quorum
	                                    of witnesses of the list held */
	SP_ERR_LIST_EQUIVOCATION = -94,  /* trust-list-equivocation: a witness
	                                    asked to cosign a second list of a
	                                    Sequence it cosigned */
} sp_err;

/* Stable short name of an error ("signature-invalid"); "unknown-error" for a
 * value outside the enum. Never NULL. */
const char *sp_strerror(int err);
/* The error for a stable name, or SP_ERR_INTERNAL if the name is unknown. */
int sp_err_from_name(const char *name);
/* HTTP status a node answers with for this error (SPEC.md, "Errors"). */
int sp_err_http_status(int err);

/* ---------------------------------------------------------------- init */

/* Initialise libxml2 and load the embedded schemas. Call once, on the main
 * thread, before any thread starts. Returns SP_OK or SP_ERR_INTERNAL. */
int sp_protocol_init(void);
void sp_protocol_cleanup(void);

/* libxml2 and xmlsec describe hostile input in their own words (a C14N or
 * parser error quotes what it read). sp_protocol_init() routes those words
 * here instead of stderr; without a hook they are dropped, since the caller
 * reports the refusal itself through `*why`. `library` is "libxml2" or
 * "xmlsec"; `text` is foreign, so the hook must escape it (SPEC 14,
 * [SEC-29]). Set once, before any thread starts; called on any thread. */
typedef void (*sp_diag_hook)(const char *library, const char *text);
void sp_protocol_set_diag_hook(sp_diag_hook fn);
/* Hand one library message to the hook (trust/ reports xmlsec's here). */
void sp_protocol_diag(const char *library, const char *text);

/* ---------------------------------------------------------------- limits */

typedef struct sp_limits {
	size_t max_bytes;    /* whole document, default 1 MiB */
	unsigned max_depth;  /* element nesting, default 32 */
	size_t max_elements; /* element count, default 10000 */
} sp_limits;

#define SP_DEFAULT_MAX_BYTES    ((size_t)1 << 20)
#define SP_DEFAULT_MAX_DEPTH    32u
#define SP_DEFAULT_MAX_ELEMENTS ((size_t)10000)

void sp_limits_default(sp_limits *lim);

/* ---------------------------------------------------------------- parsing */

typedef enum sp_doc_kind {
	SP_DOC_RECORD = 1,
	SP_DOC_RECEIPT = 2,
	SP_DOC_TRUST_LIST = 3,
	SP_DOC_PROBLEM = 4,
	SP_DOC_SUBMIT = 5, /* root Submit, validated by the record schema */
	SP_DOC_JOIN_REQUEST = 6,    /* root JoinRequest (SPEC 7.8) */
	SP_DOC_RENEWAL_REQUEST = 7, /* root RenewalRequest (SPEC 7.8) */
	SP_DOC_TL_TIMESTAMP = 8,    /* root TrustListTimestamp (SPEC 7.9) */
} sp_doc_kind;

/* A parsed, schema-valid document. The tree is what later reads and the
 * signature check use: never parse the same bytes twice. */
typedef struct sp_doc sp_doc;
struct _xmlDoc;

/* Parse untrusted bytes with the hardened parser, then validate against the
 * schema of `kind`. In order: size cap, UTF-8 and NUL check, no DOCTYPE, no
 * processing instructions, no xml:id, depth and element caps, expected root
 * and namespace, XSD. `buf` need not be NUL-terminated. `lim` NULL means the
 * defaults. On success *out owns a copy of the bytes and the tree. On error
 * *out is NULL and *why (if why != NULL) points to a static or
 * thread-local human-readable reason. */
int sp_doc_parse(const uint8_t *buf, size_t len, sp_doc_kind kind,
                 const sp_limits *lim, sp_doc **out, const char **why);
void sp_doc_free(sp_doc *doc);
sp_doc_kind sp_doc_get_kind(const sp_doc *doc);
/* The exact bytes that were parsed. */
const uint8_t *sp_doc_bytes(const sp_doc *doc, size_t *len);
/* The libxml2 tree (owned by doc). For trust/ signature work only. */
struct _xmlDoc *sp_doc_tree(sp_doc *doc);

/* ---------------------------------------------------------------- canonical
 * reading (cxml.c, record_fast.c)
 *
 * A document that is already in the exclusive canonical form of the small
 * XML subset SREP documents use (SPEC 4.6) is read in one pass, without
 * libxml2, into a light tree. The reading only ever accepts: anything it
 * does not model (a comment, a prefix other than ds, a non-ASCII name, a
 * reference canonical form would not write, a limit reached, ...) answers
 * SP_CX_OTHER, and the caller then decides with sp_doc_parse() and the
 * libxml2 path, which also names what is wrong. What the reading accepts,
 * the full path accepts too and reads the same (tests/fuzz/fuzz_cxml.c and
 * fuzz_record_fast.c compare the two). */

#define SP_CX_OTHER 1 /* outside the modeled subset: use the full path */

typedef enum sp_cx_ns {
	SP_CX_NS_SREP = 1, /* urn:silkport:srep:1, unprefixed */
	SP_CX_NS_DSIG = 2, /* the XML-DSig namespace, written with prefix ds */
} sp_cx_ns;

typedef struct sp_cx_attr {
	const char *name;  /* local name; only unqualified attributes */
	const char *value; /* decoded, NUL-terminated */
	size_t value_len;
} sp_cx_attr;

typedef struct sp_cx_node {
	const char *name; /* local name, NUL-terminated */
	sp_cx_ns ns;
	const struct sp_cx_node *parent, *first, *next; /* element children */
	const sp_cx_attr *attrs; /* in document (= canonical) order; no xmlns */
	size_t n_attrs;
	/* All character data directly inside (not in child elements),
	 * decoded and joined, NUL-terminated; "" when there is none. */
	const char *text;
	size_t text_len;
	/* Byte offsets in the document: start the '<' of the start tag, end
	 * one past the '>' of the end tag; inner_start one past the start
	 * tag's '>', inner_end the '<' of the end tag. */
	size_t start, end, inner_start, inner_end;
} sp_cx_node;

typedef struct sp_cx_doc sp_cx_doc;

/* SP_OK with *out set, SP_CX_OTHER, or SP_ERR_NOMEM. lim NULL: defaults.
 * The tree points into nothing of buf: buf may be freed before *out. */
int sp_cx_read(const uint8_t *buf, size_t len, const sp_limits *lim,
               sp_cx_doc **out);
const sp_cx_node *sp_cx_root(const sp_cx_doc *d);
void sp_cx_free(sp_cx_doc *d);

/* ---------------------------------------------------------------- values */

#define SP_NODE_ID_MAX                                                         \
	64 /* [A-Z0-9][A-Za-z0-9._-]{0,63}; federation ids fit too */
#define SP_UUID_LEN      36
#define SP_TYPE_MAX      32
#define SP_TIME_TEXT_MAX 32

/* True if s is a valid node id (SPEC.md). */
int sp_node_id_valid(const char *s);
/* True if s is a valid federation id: [A-Za-z0-9][A-Za-z0-9._-]{0,63}
 * (a node id may not start with a lower-case letter; a federation id may). */
int sp_federation_id_valid(const char *s);
/* Fresh random v4 UUID, lowercase, NUL-terminated. */
int sp_uuid_v4(char out[SP_UUID_LEN + 1]);
int sp_uuid_valid(const char *s);
/* RFC 3339 UTC with 'Z' and whole seconds, as the profile requires. */
int sp_time_format(int64_t t, char out[SP_TIME_TEXT_MAX]);
int sp_time_parse(const char *s, int64_t *t);
#define SP_DURATION_TEXT_MAX 64 /* room for any int64 number of days */
/* A duration for people, in its two largest non-zero units: "364 d 23 h",
 * "3 min 12 s", "3 min", "45 s", "0 s"; a negative one starts with '-'. */
void sp_duration_text(int64_t seconds, char out[SP_DURATION_TEXT_MAX]);
#define SP_WHEN_TEXT_MAX 112
/* A point in time for people, relative to now (both Unix seconds):
 * "2026-12-02T14:30:46Z (3 min ago)", "... (in 2 d 4 h)", "... (now)";
 * "never" when t <= 0. */
void sp_when_text(int64_t t, int64_t now, char out[SP_WHEN_TEXT_MAX]);
/* Lowercase hex of SHA-256(data). out holds 65 bytes. */
void sp_sha256_hex(const uint8_t *data, size_t len, char out[65]);

/* The protocol's one decimal grammar: [0-9]+ without sign or leading zeros
 * ("0" itself is fine), at most `max`, in exactly `len` bytes. SP_OK or
 * SP_ERR_FIELD. Every number a peer, an operator or a query sends is parsed
 * with it. */
int sp_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Lowercase hex, the protocol's only form: the value of one digit (-1 for
 * anything else, uppercase included); encode `len` bytes into 2*len+1 (NUL
 * added); decode exactly `hexlen` digits (even) into hexlen/2 bytes, SP_OK or
 * SP_ERR_FIELD. */
int sp_hex_nibble(char c);
void sp_hex_encode(const uint8_t *in, size_t len, char *out);
int sp_hex_decode(const char *hex, size_t hexlen, uint8_t *out);
void sp_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* ---------------------------------------------------------------- record */

/* The record-type registry (SPEC section 5). */
typedef struct sp_record_type {
	const char *code;         /* "declaration" */
	const char *body_element; /* "Declaration" */
	const char *summary;      /* one line, English */
} sp_record_type;

/* The registry, terminated by an entry with code == NULL. */
const sp_record_type *sp_record_types(void);
const sp_record_type *sp_record_type_find(const char *code);

/* A set of record types: bit i stands for sp_record_types()[i] (22 codes,
 * SPEC 5.2). */
typedef uint32_t sp_type_set;
#define SP_TYPE_SET_ALL ((sp_type_set)0x3fffff)
/* The bit of a registry code, 0 for anything else. */
sp_type_set sp_type_bit(const char *code);
/* Parse registry codes separated by commas ("credit,release") into *out
 * (the union; a code given twice counts once). Errors: SP_ERR_FIELD with
 * *why saying what is wrong (an empty list, an empty item or a code that
 * is not in the registry). */
int sp_type_set_parse(const char *list, sp_type_set *out, const char **why);
/* The codes of a set, in registry order, separated by commas, into buf
 * ("" for the empty set); truncated to cap - 1 bytes. Returns buf. */
const char *sp_type_set_format(sp_type_set set, char *buf, size_t cap);

/* One lookup key of the Header's Subject. kind is the element name
 * (Enterprise, Declaration, Waybill, Order, Payment, Goods, Container,
 * Conveyance, Case); scheme may be NULL except for Enterprise. */
typedef struct sp_subject {
	const char *kind;
	const char *scheme;
	const char *value;
} sp_subject;

/* Parse a CLI subject "SCHEME=VALUE": a SCHEME equal (case-insensitively) to a
 * kind name gives that kind without scheme; any other SCHEME gives
 * Enterprise@scheme. The strings point into `arg`, which is modified. */
int sp_subject_from_arg(char *arg, sp_subject *out, const char **why);

typedef struct sp_attachment {
	const char *media_type; /* "application/xml" */
	const char *profile;    /* "CEB621Message" */
	const uint8_t *content; /* raw bytes, base64-encoded by the builder */
	size_t content_len;
} sp_attachment;

typedef struct sp_record_draft {
	const char *record_id; /* NULL: fresh v4 UUID */
	const char *origin;
	uint64_t sequence;
	const char *type; /* registry code */
	int64_t issued;   /* 0: now */
	int broadcast;    /* 1: Recipients/Broadcast, recipients ignored */
	const char *const *recipients;
	size_t n_recipients;
	const sp_subject *subjects;
	size_t n_subjects;
	const char *supersedes; /* NULL: none */
	/* The type-specific element (e.g. <Declaration>...</Declaration>), as
	 * an XML fragment in no namespace or in SP_NS; the builder puts it in
	 * SP_NS. NULL: error (every type carries a body element). */
	const uint8_t *body;
	size_t body_len;
	const sp_attachment *attachments;
	size_t n_attachments;
} sp_record_draft;

/* Build an unsigned Record and check it against the schema. *out is
 * malloc'd, UTF-8, with the XML declaration. Errors: SP_ERR_FIELD (with
 * *why naming the field), SP_ERR_SCHEMA, SP_ERR_NOMEM. */
int sp_record_build(const sp_record_draft *d, uint8_t **out, size_t *outlen,
                    const char **why);
/* The same record as an sp_doc of kind SP_DOC_RECORD, for a signer that
 * signs it at once (trust/'s sp_sign_record()): the same checks, on the
 * tree that sp_doc_parse() of sp_record_build()'s bytes gives, without
 * writing and parsing those bytes. sp_doc_bytes() of it is NULL. Errors:
 * those of sp_record_build(), SP_ERR_TOO_DEEP, SP_ERR_TOO_MANY_ELEMENTS. */
int sp_record_build_doc(const sp_record_draft *d, sp_doc **out,
                        const char **why);

/* A record header read from a parsed (and, for trust decisions, verified)
 * tree. Values are read with xmlNodeGetContent() so that comments splitting a
 * value cannot change it. */
typedef struct sp_record sp_record;

/* Read the Header and check the Body: Type is in the registry and matches
 * the body element; attachment digests match; Supersedes is a UUID. doc must
 * be SP_DOC_RECORD. Errors: SP_ERR_FIELD, SP_ERR_TYPE_MISMATCH,
 * SP_ERR_ATTACHMENT_DIGEST, SP_ERR_NOMEM. */
int sp_record_read(sp_doc *doc, sp_record **out, const char **why);
/* The same record from a canonical reading (record_fast.c): SP_OK only when
 * sp_doc_parse(SP_DOC_RECORD) and sp_record_read() would accept the same
 * bytes (schema from record.xsd, the DSig slot placement, the record rules)
 * and read an equal record; otherwise SP_CX_OTHER (or SP_ERR_NOMEM). The
 * ds:Signature subtree itself is left to trust/'s profile check. */
int sp_record_from_cx(const sp_cx_doc *d, sp_record **out);
void sp_record_free(sp_record *r);
const char *sp_record_id(const sp_record *r);
const char *sp_record_origin(const sp_record *r);
uint64_t sp_record_sequence(const sp_record *r);
const char *sp_record_type_code(const sp_record *r);
int64_t sp_record_issued(const sp_record *r);
int sp_record_is_broadcast(const sp_record *r);
size_t sp_record_recipient_count(const sp_record *r);
const char *sp_record_recipient(const sp_record *r, size_t i);
size_t sp_record_subject_count(const sp_record *r);
const sp_subject *sp_record_subject(const sp_record *r, size_t i);
const char *sp_record_supersedes(const sp_record *r); /* NULL if none */
/* True if node_id may read the record: origin, a recipient, or broadcast. */
int sp_record_visible_to(const sp_record *r, const char *node_id);

/* ---------------------------------------------------------------- submission
 */

/* A local operator's submission (POST /v1/submit): a `Submit` document in
 * SP_NS holding the Type, Recipients, optional Subject and Supersedes, and
 * the Body of a record (SPEC.md); the node adds RecordId, Origin, Sequence
 * and Issued and signs it. */
typedef struct sp_submission sp_submission;

/* Hardened parse and schema check of a Submit document. Errors: the parse
 * errors of sp_doc_parse(), SP_ERR_FIELD (with *why naming the field). */
int sp_submission_parse(const uint8_t *buf, size_t len, const sp_limits *lim,
                        sp_submission **out, const char **why);
void sp_submission_free(sp_submission *s);
/* Fill d's type, recipients, broadcast, subjects, supersedes, body and
 * attachments from s (pointers into s: valid while s lives); the caller
 * sets record_id, origin, sequence and issued. Errors: SP_ERR_FIELD,
 * SP_ERR_ATTACHMENT_DIGEST, SP_ERR_NOMEM. */
int sp_submission_draft(sp_submission *s, sp_record_draft *d, const char **why);
/* Build a Submit document from a draft (its record_id, origin, sequence and
 * issued are ignored). The draft is checked exactly as sp_record_build()
 * checks it. *out is malloc'd. */
int sp_submission_build(const sp_record_draft *d, uint8_t **out, size_t *outlen,
                        const char **why);

/* ---------------------------------------------------------------- receipt */

typedef enum sp_receipt_status {
	SP_RECEIPT_ACCEPTED = 1,
	SP_RECEIPT_RELAYED = 2, /* accepted by a gateway, forwarded onward */
} sp_receipt_status;

typedef struct sp_receipt_info {
	char record_id[SP_UUID_LEN + 1];
	char origin[SP_NODE_ID_MAX + 1];
	uint64_t sequence;
	char record_digest[65]; /* lowercase hex SHA-256 of the record bytes */
	char receiver[SP_NODE_ID_MAX + 1];
	int64_t received;
	sp_receipt_status status;
} sp_receipt_info;

/* Build an unsigned Receipt. *out is malloc'd. */
int sp_receipt_build(const sp_receipt_info *ri, uint8_t **out, size_t *outlen,
                     const char **why);
/* The same receipt as an sp_doc of kind SP_DOC_RECEIPT for a signer that
 * signs it at once (trust/'s sp_sign_receipt()), with no bytes written and
 * parsed again. sp_doc_bytes() of it is NULL. Errors: as sp_receipt_build. */
int sp_receipt_build_doc(const sp_receipt_info *ri, sp_doc **out,
                         const char **why);
/* Read a Receipt from a parsed (SP_DOC_RECEIPT) tree. */
int sp_receipt_read(sp_doc *doc, sp_receipt_info *out, const char **why);
/* The same from a canonical reading: SP_OK only when sp_doc_parse
 * (SP_DOC_RECEIPT) and sp_receipt_read() would accept the same bytes and
 * read the same values; otherwise SP_CX_OTHER. The ds:Signature subtree
 * is left to trust/'s profile check. */
int sp_receipt_from_cx(const sp_cx_doc *d, sp_receipt_info *out);

/* ---------------------------------------------------------------- trust list
 */

typedef enum sp_member_role {
	SP_ROLE_ZONE = 1,
	SP_ROLE_PORT_AUTHORITY = 2,
	SP_ROLE_AUDITOR = 3,
} sp_member_role;

typedef enum sp_member_status {
	SP_STATUS_ACTIVE = 1,
	SP_STATUS_SUSPENDED = 2,
	SP_STATUS_REVOKED = 3,
} sp_member_status;

const char *sp_role_name(sp_member_role r);
int sp_role_parse(const char *s, sp_member_role *out);
const char *sp_status_name(sp_member_status s);
int sp_status_parse(const char *s, sp_member_status *out);

typedef struct sp_tl_signing_cert {
	uint8_t *der; /* DER X.509 */
	size_t der_len;
	int64_t valid_from; /* the list's own window; the certificate's applies
	                       too */
	int64_t valid_until;
	/* signatureMethod: the one method records and receipts under this
	 * certificate may use (SPEC [TL-45]); UNSPECIFIED when absent. */
	sp_sig_method method;
} sp_tl_signing_cert;

typedef struct sp_tl_member {
	char node_id[SP_NODE_ID_MAX + 1];
	char *name;
	sp_member_role role;
	sp_member_status status;
	char **endpoints; /* https URLs */
	size_t n_endpoints;
	uint8_t
	    *tls_cert_der; /* the node's TLS certificate (server and client) */
	size_t tls_cert_der_len;
	sp_tl_signing_cert *signing;
	size_t n_signing;
	/* Ed25519 public key that signs this node's checkpoints, as a C2SP
	 * signed-note verifier key "name+hash+base64". NULL if none. */
	char *log_key;
	/* Key overlap (SPEC [TL-79], [LOG-47]): the member's next TLS
	 * certificate and next checkpoint key, accepted beside the current
	 * ones during a rotation; NULL when the entry lists none. */
	uint8_t *next_tls_cert_der;
	size_t next_tls_cert_der_len;
	char *next_log_key;
	/* Further federations this member relays to (gateways). */
	char **relays_to;
	size_t n_relays_to;
	/* MayOriginate: the record types this member may originate (SPEC
	 * [TL-59]); 0 when the entry lists none and its Role's defaults
	 * apply (sp_tl_member_types()). */
	sp_type_set may_originate;
	/* InvalidFrom (SPEC [TL-77]): for a revoked member, the time from
	 * which its keys are taken as compromised, unix seconds; 0: none
	 * (invalid from the revocation, TL-26). */
	int64_t invalid_from;
} sp_tl_member;

typedef struct sp_tl_operator_cert {
	uint8_t *der; /* DER X.509 */
	size_t der_len;
} sp_tl_operator_cert;

typedef struct sp_tl {
	char federation[SP_NODE_ID_MAX + 1];
	uint64_t sequence;
	int64_t issued;
	int64_t next_update;
	char *operator_name;
	/* Freshness (SPEC 7.9); 0 / NULL when the element is absent */
	uint64_t max_validity; /* cap on next_update - issued, seconds (0: the
	                          default, SP_TL_MAX_VALIDITY_DEFAULT) */
	uint8_t *timestamp_cert_der; /* online key of TrustListTimestamps; NULL:
	                                none, the list is never stale */
	size_t timestamp_cert_der_len;
	uint64_t staleness_bound; /* seconds (0: SP_TL_STALENESS_DEFAULT) */
	/* Witnessing (SPEC 9.4, [LOG-46]): the NodeIds of the federation's
	 * witnesses (members with a LogKey), the quorum k of their
	 * cosignatures a checkpoint needs to count as witnessed (0 with no
	 * witnesses: every checkpoint the Origin's key verifies counts), and
	 * the maximum merge delay in seconds (0: absent, the default
	 * SP_TL_MERGE_DELAY_DEFAULT applies). */
	char **witnesses;
	size_t n_witnesses;
	unsigned quorum;
	uint32_t merge_delay;
	/* Threshold anchors (SPEC 7.2, [TL-71]): the operator certificates
	 * (DER X.509) whose signatures count for the next list, how many of
	 * them must sign (0 with none: a 1.3 list, one anchor signature),
	 * and the lowercase hex SHA-256 of the list this one follows ("" when
	 * absent). */
	sp_tl_operator_cert *operator_certs;
	size_t n_operator_certs;
	unsigned threshold;
	char previous_list[65];
	sp_tl_member *members;
	size_t n_members;
} sp_tl;

/* At most this many OperatorCertificate elements and signatures. */
#define SP_TL_OPERATORS_MAX 16
/* The threshold that applies to tl: its Threshold, or 1. */
unsigned sp_tl_threshold(const sp_tl *tl);

/* Freshness defaults and limits (SPEC 7.9). */
#define SP_TL_MAX_VALIDITY_DEFAULT ((uint64_t)7 * 86400)
#define SP_TL_MAX_VALIDITY_MAX     ((uint64_t)366 * 86400)
#define SP_TL_STALENESS_DEFAULT    ((uint64_t)3600)
#define SP_TL_STALENESS_MAX        ((uint64_t)7 * 86400)
/* The cap and the staleness bound that apply to tl (defaults filled in). */
uint64_t sp_tl_max_validity(const sp_tl *tl);
uint64_t sp_tl_staleness_bound(const sp_tl *tl);
/* The list's window within its cap, the durations within their ranges
 * (SPEC [TL-64]): SP_OK, SP_ERR_VALIDITY_TOO_LONG or SP_ERR_FIELD (with
 * *why). sp_tl_build() and trust/'s sp_trust_open() apply it; sp_tl_read()
 * does not, so that an operator's tool can read an older, longer list. */
int sp_tl_window_check(const sp_tl *tl, const char **why);
#define SP_TL_WITNESSES_MAX       64
#define SP_TL_MERGE_DELAY_DEFAULT 10    /* seconds */
#define SP_TL_MERGE_DELAY_MAX     86400 /* seconds */
/* The merge delay a list sets (its default when it sets none). */
uint32_t sp_tl_merge_delay(const sp_tl *tl);
/* 1 if node_id is one of tl's witnesses. */
int sp_tl_is_witness(const sp_tl *tl, const char *node_id);

/* Build an unsigned TrustList from its contents. */
int sp_tl_build(const sp_tl *tl, uint8_t **out, size_t *outlen,
                const char **why);
/* Read a TrustList from a parsed (SP_DOC_TRUST_LIST) tree. *out is malloc'd;
 * free with sp_tl_free(). */
int sp_tl_read(sp_doc *doc, sp_tl **out, const char **why);
void sp_tl_free(sp_tl *tl);
const sp_tl_member *sp_tl_find(const sp_tl *tl, const char *node_id);
/* The record types a member of this role may originate when its entry
 * lists none (SPEC [TL-60]'s table). */
sp_type_set sp_role_default_types(sp_member_role r);
/* The record types m may originate: its MayOriginate, else its role's
 * defaults. */
sp_type_set sp_tl_member_types(const sp_tl_member *m);
/* 1 if m may originate records of Type `code` (a registry code), else 0. */
int sp_tl_member_may_originate(const sp_tl_member *m, const char *code);
/* 1 if der is byte-identical to m's TlsCertificate or NextTlsCertificate
 * (SPEC [TL-37], [TL-79]), else 0. */
int sp_tl_member_has_tls_cert(const sp_tl_member *m, const uint8_t *der,
                              size_t len);
/* 1 if vkey is m's LogKey or NextLogKey (SPEC [LOG-47]), else 0. */
int sp_tl_member_has_log_key(const sp_tl_member *m, const char *vkey);

/* ---------------------------------------------------------------- timestamp
 */

/* A TrustListTimestamp (SPEC 7.9): the timestamp key's signed statement
 * that the list of `federation` with this sequence and SHA-256 was the
 * current one at `issued`; it is no evidence after `expires`. */
typedef struct sp_tl_timestamp {
	char federation[SP_NODE_ID_MAX + 1];
	uint64_t sequence;
	char list_digest[65]; /* lowercase hex SHA-256 of the list's bytes */
	int64_t issued;
	int64_t expires;
} sp_tl_timestamp;

/* Build an unsigned TrustListTimestamp, checked against its schema.
 * Errors: SP_ERR_FIELD (with *why), SP_ERR_INVALID_ARGUMENT, SP_ERR_NOMEM. */
int sp_tl_timestamp_build(const sp_tl_timestamp *ts, uint8_t **out,
                          size_t *outlen, const char **why);
/* Read a parsed (SP_DOC_TL_TIMESTAMP) tree; the signature is not checked
 * here (trust/ sp_tl_timestamp_open does). Errors: SP_ERR_FIELD (Expires
 * not after Issued, a value out of range), SP_ERR_WRONG_DOCUMENT. */
int sp_tl_timestamp_read(sp_doc *doc, sp_tl_timestamp *out, const char **why);

/* ---------------------------------------------------------------- requests
 */

/* A member's JoinRequest or RenewalRequest (SPEC 7.8): what a new member
 * sends its federation operator instead of private keys. The fields a kind
 * does not carry are NULL / 0. */
typedef struct sp_enroll_req {
	sp_doc_kind kind; /* SP_DOC_JOIN_REQUEST or SP_DOC_RENEWAL_REQUEST */
	char federation[SP_NODE_ID_MAX + 1];
	char node_id[SP_NODE_ID_MAX + 1];
	char *name;          /* join */
	sp_member_role role; /* join */
	char **endpoints;    /* join: 1..16 https URLs */
	size_t n_endpoints;
	int64_t created;
	int64_t expires;
	uint8_t *signing_csr; /* DER PKCS#10 */
	size_t signing_csr_len;
	uint8_t *tls_csr; /* join: DER PKCS#10 */
	size_t tls_csr_len;
	char *log_key;          /* join: signed-note verifier key */
	uint8_t *log_key_proof; /* join: key id || Ed25519 signature */
	size_t log_key_proof_len;
	uint8_t *previous_cert; /* renewal: DER of the listed certificate */
	size_t previous_cert_len;
	uint8_t *previous_sig; /* renewal: signature by the previous key */
	size_t previous_sig_len;
} sp_enroll_req;

/* Build an unsigned JoinRequest or RenewalRequest (by r->kind) and check it
 * against the schema. *out is malloc'd. Errors: SP_ERR_FIELD (with *why),
 * SP_ERR_SCHEMA, SP_ERR_INVALID_ARGUMENT, SP_ERR_NOMEM. */
int sp_enroll_req_build(const sp_enroll_req *r, uint8_t **out, size_t *outlen,
                        const char **why);
/* Read a parsed (SP_DOC_JOIN_REQUEST or SP_DOC_RENEWAL_REQUEST) tree; the
 * signature is not checked here (trust/ sp_enroll_open does). *out is
 * malloc'd; free with sp_enroll_req_free(). Errors: SP_ERR_FIELD,
 * SP_ERR_WRONG_DOCUMENT, SP_ERR_NOMEM. */
int sp_enroll_req_read(sp_doc *doc, sp_enroll_req **out, const char **why);
void sp_enroll_req_free(sp_enroll_req *r);

/* ---------------------------------------------------------------- problem */

typedef struct sp_problem {
	int err;                /* sp_err; gives type URI and default status */
	int status;             /* 0: sp_err_http_status(err) */
	const char *title;      /* NULL: the error name */
	const char *detail;     /* may be NULL */
	const char *field;      /* the offending field, may be NULL */
	const char *request_id; /* may be NULL */
} sp_problem;

/* RFC 9457 problem document in its XML form (namespace SP_PROBLEM_NS). */
int sp_problem_build(const sp_problem *p, uint8_t **out, size_t *outlen);
/* Read a received problem: *err from the type URI (SP_ERR_INTERNAL if not a
 * silkport type), *status, and a malloc'd detail (may be NULL). */
int sp_problem_read(sp_doc *doc, int *err, int *status, char **detail);

/* ---------------------------------------------------------------- merkle */

/* A record's leaf index in its origin's log is its Sequence. */

/* RFC 9162 §2.1: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r).
 */
void sp_merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[32]);
void sp_merkle_node_hash(const uint8_t left[32], const uint8_t right[32],
                         uint8_t out[32]);
/* (merkle proofs and checkpoints: declarations below this line) */

#define SP_MERKLE_HASH_LEN 32
/* Longest proof accepted or produced: enough for any tree of < 2^63 leaves. */
#define SP_MERKLE_MAX_PATH 64

/* Root (MTH, RFC 9162 §2.1.1) over n leaf hashes (each already
 * sp_merkle_leaf_hash()ed). n == 0 gives SHA-256 of the empty string.
 * Returns SP_OK, SP_ERR_INVALID_ARGUMENT (leaves NULL with n > 0) or
 * SP_ERR_INTERNAL (hashing failed). */
int sp_merkle_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32]);

/* RFC 9162 §2.1.3.2: SP_OK if `path` proves leaf `leaf_hash` at `index` in
 * the tree of `size` leaves with root `root`, else SP_ERR_PROOF_INVALID
 * (SP_ERR_INTERNAL if hashing failed). path may be NULL when path_len is 0;
 * path_len > SP_MERKLE_MAX_PATH is invalid. */
int sp_merkle_verify_inclusion(uint64_t index, uint64_t size,
                               const uint8_t leaf_hash[32],
                               const uint8_t (*path)[32], size_t path_len,
                               const uint8_t root[32]);

/* RFC 9162 §2.1.4.2: SP_OK if `path` proves that the tree of size1 leaves
 * with root1 is a prefix of the tree of size2 leaves with root2, else
 * SP_ERR_PROOF_INVALID (SP_ERR_INTERNAL if hashing failed). size1 == size2
 * needs an empty path and equal roots; size1 == 0 needs an empty path and
 * root1 the empty-tree hash (any root2 is then consistent). */
int sp_merkle_verify_consistency(uint64_t size1, uint64_t size2,
                                 const uint8_t root1[32],
                                 const uint8_t root2[32],
                                 const uint8_t (*path)[32], size_t path_len);

/* Proof generation over an in-memory array of n leaf hashes (RFC 9162
 * §2.1.3.1 PATH and §2.1.4.1 PROOF), for tests and small logs. The path is
 * written to path[0..*path_len) (caller's buffer of `max` hashes).
 * Inclusion: index < n. Consistency: m <= n (m == 0 or m == n give an empty
 * path). Errors: SP_ERR_INVALID_ARGUMENT, SP_ERR_TOO_LARGE (path longer
 * than max), SP_ERR_INTERNAL. */
int sp_merkle_inclusion_path(const uint8_t (*leaves)[32], uint64_t n,
                             uint64_t index, uint8_t (*path)[32], size_t max,
                             size_t *path_len);
int sp_merkle_consistency_path(const uint8_t (*leaves)[32], uint64_t n,
                               uint64_t m, uint8_t (*path)[32], size_t max,
                               size_t *path_len);

/* The same two recursions over any tree: `hash` gives MTH(D[start :
 * start + size]) of the tree (size >= 1; start is a multiple of the largest
 * power of two <= size, so a store that keeps perfect subtrees finds the
 * left part of every split as one node). An error from `hash` stops the
 * recursion and is returned. The array functions above and the node's
 * stored logs both use these, so there is one proof recursion. */
typedef int (*sp_merkle_subtree_fn)(void *ctx, uint64_t start, uint64_t size,
                                    uint8_t out[32]);
int sp_merkle_inclusion_path_fn(sp_merkle_subtree_fn hash, void *ctx,
                                uint64_t n, uint64_t index, uint8_t (*path)[32],
                                size_t max, size_t *path_len);
int sp_merkle_consistency_path_fn(sp_merkle_subtree_fn hash, void *ctx,
                                  uint64_t n, uint64_t m, uint8_t (*path)[32],
                                  size_t max, size_t *path_len);

/* Strict base64 (RFC 4648 §4, padded, canonical: no whitespace, zero pad
 * bits) as used by proofs, checkpoints and signed notes.
 * sp_b64_encode writes the text and a NUL into out (cap bytes, at least
 * 4 * ceil(len / 3) + 1) and returns the text length, or 0 if cap is too
 * small. sp_b64_decode returns SP_OK with *outlen set, or
 * SP_ERR_FIELD (not canonical base64) or SP_ERR_TOO_LARGE (over cap). */
size_t sp_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);
int sp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
                  size_t *outlen);

/* Proof documents (SPEC.md "Log"), text/plain:
 *   "silkport-proof/v1 inclusion\nsize N\nindex I\n" + one base64 hash line
 * each "silkport-proof/v1 consistency\nold M\nsize N\n" + one base64 hash line
 * each */
typedef enum sp_proof_kind {
	SP_PROOF_INCLUSION = 1,
	SP_PROOF_CONSISTENCY = 2,
} sp_proof_kind;

#define SP_PROOF_MAX_TEXT 4096

typedef struct sp_proof {
	sp_proof_kind kind;
	uint64_t size;     /* N: the (newer) tree size */
	uint64_t index;    /* I: inclusion only */
	uint64_t old_size; /* M: consistency only */
	size_t n_hashes;
	uint8_t hashes[SP_MERKLE_MAX_PATH][32];
} sp_proof;

/* Write the text form; *out is malloc'd and NUL-terminated, *outlen (may be
 * NULL) its length. Errors: SP_ERR_INVALID_ARGUMENT (unknown kind, index >=
 * size, old > size, too many hashes), SP_ERR_NOMEM. */
int sp_proof_format(const sp_proof *p, char **out, size_t *outlen);
/* Parse the text form strictly: exact header line, decimals without sign or
 * leading zeros, every line ending in "\n", one canonical base64 32-byte hash
 * per line, at most SP_MERKLE_MAX_PATH hashes, at most SP_PROOF_MAX_TEXT
 * bytes, index < size or old <= size. `buf` need not be NUL-terminated.
 * Errors: SP_ERR_TOO_LARGE, SP_ERR_PROOF_INVALID (with *why). */
int sp_proof_parse(const char *buf, size_t len, sp_proof *out,
                   const char **why);

/* C2SP tlog-checkpoint bodies: "<origin>\n<size>\n<base64 root>\n" then
 * optional non-empty extension lines. */
#define SP_CHECKPOINT_ORIGIN_MAX     256
#define SP_CHECKPOINT_MAX_EXTENSIONS 16
/* A checkpoint note (body plus signature lines) is at most this long. */
#define SP_CHECKPOINT_MAX_NOTE 16384

typedef struct sp_checkpoint {
	char origin[SP_CHECKPOINT_ORIGIN_MAX]; /* NUL-terminated */
	uint64_t size;
	uint8_t root[32];
} sp_checkpoint;

/* "silkport/<federation>/<node_id>" into out (NUL-terminated). Both ids must
 * be valid NodeId/FederationId (SPEC.md). Returns SP_OK or SP_ERR_FIELD. */
int sp_checkpoint_origin(const char *federation, const char *node_id,
                         char out[SP_CHECKPOINT_ORIGIN_MAX]);
/* The body text (three lines, no extensions); *out malloc'd, NUL-terminated.
 * Errors: SP_ERR_FIELD (empty origin, control characters), SP_ERR_NOMEM. */
int sp_checkpoint_format(const sp_checkpoint *cp, char **out, size_t *outlen);
/* Parse a checkpoint body, or a whole signed note whose text is one. The
 * body ends at the first blank line (or at the end of the input); what
 * follows the blank line (signature lines) is not examined here. On success
 * *body_len (may be NULL) is the body length including its final "\n"; when
 * body_len < len, the signature lines start at text + body_len + 1. The
 * origin is any non-empty line without control characters of less than
 * SP_CHECKPOINT_ORIGIN_MAX bytes; the size a decimal without leading zeros;
 * the root canonical base64 of exactly 32 bytes; at most
 * SP_CHECKPOINT_MAX_EXTENSIONS extension lines.
 * Errors: SP_ERR_TOO_LARGE, SP_ERR_CHECKPOINT_INVALID (with *why). */
int sp_checkpoint_parse(const char *text, size_t len, sp_checkpoint *out,
                        size_t *body_len, const char **why);
/* The message a C2SP tlog-cosignature/v1 signs:
 * "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body.
 * timestamp >= 0 (seconds since the epoch). *out is malloc'd
 * (NUL-terminated); *outlen its length.
 * Errors: SP_ERR_INVALID_ARGUMENT, SP_ERR_NOMEM. */
int sp_checkpoint_cosigned_message(const char *body, size_t body_len,
                                   int64_t timestamp, char **out,
                                   size_t *outlen);

/* Recipient index notes (SPEC 9.9): the body of a C2SP signed note by an
 * Origin's log key listing the Sequences of [start, end) of its log that
 * are addressed to one recipient:
 *   "silkport-index/v1\n<origin line>\nrecipient <NodeId>\n"
 *   "range <start> <end>\n" then one "<sequence>\n" per listed Sequence. */
#define SP_INDEX_NOTE_HEADER   "silkport-index/v1"
#define SP_INDEX_NOTE_MAX_SEQS 500 /* keeps a note below SP_NOTE_MAX_BYTES */

typedef struct sp_index_note {
	char origin[SP_CHECKPOINT_ORIGIN_MAX]; /* the checkpoint origin line */
	char recipient[SP_NODE_ID_MAX + 1];
	uint64_t start, end; /* start <= s < end for every listed s */
	uint64_t *seqs;      /* ascending; malloc'd (NULL when n == 0) */
	size_t n;
} sp_index_note;

/* The body text of `in` (seqs ascending within the range, at most
 * SP_INDEX_NOTE_MAX_SEQS); *out malloc'd, NUL-terminated.
 * Errors: SP_ERR_FIELD (a value outside the rules above), SP_ERR_NOMEM. */
int sp_index_note_format(const sp_index_note *in, char **out, size_t *outlen);
/* Parse an index note body, or a whole signed note whose text is one (the
 * body ends at the first blank line). *out must be freed with
 * sp_index_note_free, also on failure. *body_len (may be NULL) as for
 * sp_checkpoint_parse. Refused: another first line, an origin line that
 * is empty, has a space or control character or is too long, a recipient
 * that is not a NodeId, start > end, a Sequence that is not a canonical
 * decimal, not ascending, outside [start, end), more than
 * SP_INDEX_NOTE_MAX_SEQS of them, or any other line.
 * Errors: SP_ERR_TOO_LARGE, SP_ERR_INDEX_INVALID (with *why). */
int sp_index_note_parse(const char *text, size_t len, sp_index_note *out,
                        size_t *body_len, const char **why);
void sp_index_note_free(sp_index_note *n);

#ifdef __cplusplus
}
#endif
#endif /* SP_PROTOCOL_H */
