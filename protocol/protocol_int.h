/* protocol_int.h: helpers shared inside protocol/ (and its tests) only. */
#ifndef SP_PROTOCOL_INT_H
#define SP_PROTOCOL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

/* A C string as libxml2's const xmlChar * (BAD_CAST drops const). */
#define SP_XC(s) ((const xmlChar *)(s))

#include "protocol.h"

/* Schemas embedded at build time by embed.cmake (one per XSD in schemas/). */
extern const unsigned char sp_proto__schema_record[];
extern const size_t sp_proto__schema_record_len;
extern const unsigned char sp_proto__schema_receipt[];
extern const size_t sp_proto__schema_receipt_len;
extern const unsigned char sp_proto__schema_trustlist[];
extern const size_t sp_proto__schema_trustlist_len;
extern const unsigned char sp_proto__schema_problem[];
extern const size_t sp_proto__schema_problem_len;
extern const unsigned char sp_proto__schema_request[];
extern const size_t sp_proto__schema_request_len;
extern const unsigned char sp_proto__schema_timestamp[];
extern const size_t sp_proto__schema_timestamp_len;

struct sp_doc {
	sp_doc_kind kind;
	uint8_t *bytes;
	size_t len;
	xmlDocPtr tree;
};

/* Format a reason into this thread's buffer and return it (never NULL). */
const char *sp_proto__why(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Store why if the pointer is not NULL, and return err. */
int sp_proto__fail(const char **why, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Hardened parse of untrusted bytes into a tree: size cap, UTF-8 / NUL,
 * encoding declaration, no DOCTYPE, no PI, no xml:id, depth and element
 * caps. No root or schema check. */
int sp_proto__parse_tree(const uint8_t *buf, size_t len, const sp_limits *lim,
                         xmlDocPtr *out, const char **why);

/* SP_OK unless buf starts with an XML declaration whose encoding is not
 * UTF-8 (SP_ERR_ENCODING). */
int sp_proto__check_xml_decl(const uint8_t *buf, size_t len);

/* Validate a tree against the embedded schema of kind. SP_OK,
 * SP_ERR_SCHEMA (with the first validation message) or SP_ERR_INTERNAL. */
int sp_proto__validate(xmlDocPtr doc, sp_doc_kind kind, const char **why);
/* 1 once sp_protocol_init() has loaded the schemas. */
int sp_proto__ready(void);
/* Send libxml2's global error output to the diagnostics hook (xml.c);
 * called by sp_protocol_init() on the main thread. */
void sp_proto__route_lib_errors(void);

/* Strict UTF-8 (no overlong forms, no surrogates, <= U+10FFFF), no NUL. */
int sp_proto__utf8_valid(const uint8_t *s, size_t len);

/* Base64 (RFC 4648, padded). Encode: malloc'd NUL-terminated text, NULL on
 * failure. Decode: ASCII whitespace is skipped; anything else outside the
 * alphabet, bad padding or non-zero pad bits give SP_ERR_FIELD. *out is
 * malloc'd (never NULL on success, even for empty input). */
char *sp_proto__b64_encode(const uint8_t *in, size_t len);
int sp_proto__b64_decode(const char *in, size_t len, uint8_t **out,
                         size_t *outlen);

/* Decimal uint64 without sign or leading zeros, <= max. */
int sp_proto__parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A subject as the schema accepts it: SP_OK or SP_ERR_FIELD. */
int sp_proto__subject_check(const sp_subject *s, const char **why);

/* Rules on a body element that the schema cannot say (PeriodStart not
 * after PeriodEnd): SP_OK or SP_ERR_FIELD. */
int sp_proto__body_rules(xmlNodePtr elem, const char **why);

/* ---- a record's values (record.c)
 *
 * Both readers of a Record, sp_record_read() on the libxml2 tree and
 * sp_record_from_cx() on the canonical reading (record_fast.c), fill the
 * sp_record through these, so that each rule on a value (UUID v4, node id,
 * Sequence range, registry type, time, duplicate recipient, subject,
 * Supersedes, Type against the body element, PeriodStart <= PeriodEnd,
 * attachment digest) is written once. Each takes the value's text and
 * returns SP_OK, SP_ERR_FIELD, SP_ERR_TYPE_MISMATCH,
 * SP_ERR_ATTACHMENT_DIGEST or SP_ERR_NOMEM, with why naming the field. */
sp_record *sp_proto__rec_new(void); /* empty; NULL on NOMEM */
int sp_proto__rec_id(sp_record *r, const char *v, const char **why);
int sp_proto__rec_origin(sp_record *r, const char *v, const char **why);
int sp_proto__rec_sequence(sp_record *r, const char *v, const char **why);
int sp_proto__rec_type(sp_record *r, const char *v, const char **why);
int sp_proto__rec_issued(sp_record *r, const char *v, const char **why);
void sp_proto__rec_broadcast(sp_record *r);
/* One more Recipients/Node (refused if a duplicate). */
int sp_proto__rec_recipient(sp_record *r, const char *v, const char **why);
/* One more subject: element is its kind's element name, scheme NULL when
 * the attribute is absent. */
int sp_proto__rec_subject(sp_record *r, const char *element, const char *scheme,
                          const char *value, const char **why);
/* Call after sp_proto__rec_id (it must differ from the id). */
int sp_proto__rec_supersedes(sp_record *r, const char *v, const char **why);
/* The Body's first element, named name (NULL: not an SREP element), must be
 * the one r's Type calls for. */
int sp_proto__rec_body_element(const sp_record *r, const char *name,
                               const char **why);
/* PeriodStart and PeriodEnd of one body element, both present. */
int sp_proto__period_rule(const char *start, const char *end, const char **why);
/* An attachment's base64 text (len bytes) against its sha256 attribute. */
int sp_proto__attachment_check(const char *sha256, const char *text, size_t len,
                               const char **why);

/* ---- the record schema compiled for the canonical reading (record_fast.c)
 *
 * At sp_protocol_init() record.xsd is read with libxml2 into small tables
 * for the subset of XSD it uses; a type that uses anything else is marked
 * unmodeled, and a record that needs it is left to the full path. */
typedef struct sp_fs_schema sp_fs_schema;
/* Compile XSD text. SP_OK, SP_ERR_NOMEM, or SP_ERR_INTERNAL (not a schema
 * this compiler can read at all: then no fast path). */
int sp_proto__fs_compile(const unsigned char *xsd, size_t len,
                         sp_fs_schema **out);
void sp_proto__fs_free(sp_fs_schema *s);
/* 1 if the named global type exists and is fully modeled (for tests). */
int sp_proto__fs_type_modeled(const sp_fs_schema *s, const char *name);
/* 1 if d's root is the global element root_name of s and valid by it. */
int sp_proto__fs_valid(const sp_fs_schema *s, const sp_cx_doc *d,
                       const char *root_name);
/* receipt.xsd compiled at init (NULL if the compiler cannot read it). */
const sp_fs_schema *sp_proto__receipt_schema(void);
/* sp_record_from_cx() against a given compiled schema. */
int sp_proto__record_from_cx(const sp_fs_schema *s, const sp_cx_doc *d,
                             sp_record **out);
/* record_fast.c: compile the embedded record.xsd / free it (schema.c). */
int sp_proto__fast_init(void);
void sp_proto__fast_cleanup(void);

/* ---- tree helpers (tree.c) */

/* First / next element sibling (skips text and comments). */
xmlNodePtr sp_proto__first_elem(xmlNodePtr parent);
xmlNodePtr sp_proto__next_elem(xmlNodePtr node);
/* 1 if node is an element called name in namespace ns. */
int sp_proto__is(const xmlNode *node, const char *ns, const char *name);
/* The element's whole text (all text descendants, comments excluded) via
 * xmlNodeGetContent; malloc'd, NUL-terminated; NULL on NOMEM. */
char *sp_proto__text(xmlNodePtr node);
/* Copy the text of node into buf (cap bytes incl. NUL): SP_OK,
 * SP_ERR_FIELD (too long; why names field) or SP_ERR_NOMEM. */
int sp_proto__text_into(xmlNodePtr node, char *buf, size_t cap,
                        const char *field, const char **why);
/* Read the element *c, which must be SP_NS:name, into buf (cap bytes incl.
 * NUL), then advance *c to the next element sibling: SP_OK, SP_ERR_FIELD
 * (why names the field) or SP_ERR_NOMEM. */
int sp_proto__field(xmlNodePtr *c, const char *name, char *buf, size_t cap,
                    const char **why);
/* The next element child must be ns:name: returns it, or NULL. */
xmlNodePtr sp_proto__expect(xmlNodePtr node, const char *ns, const char *name);

/* A new document whose root `name` has `ns` as its default namespace.
 * *nsp receives the namespace. NULL on NOMEM. */
xmlDocPtr sp_proto__new_doc(const char *ns, const char *name, xmlNsPtr *nsp);
/* Append <name>text</name> (text escaped) to parent; NULL on NOMEM. */
xmlNodePtr sp_proto__add(xmlNodePtr parent, xmlNsPtr ns, const char *name,
                         const char *text);
/* Serialize as UTF-8 with the XML declaration, two-space indentation.
 * *out is malloc'd. */
int sp_proto__serialize(xmlDocPtr doc, uint8_t **out, size_t *outlen);
/* Serialize, then re-parse the result with the hardened parser and check it
 * against the schema of kind: what is returned is what a peer accepts. */
int sp_proto__finish(xmlDocPtr doc, sp_doc_kind kind, uint8_t **out,
                     size_t *outlen, const char **why);
/* The document a signer signs at once, without writing and parsing it: the
 * tree (taken, freed on error) indented as sp_proto__finish() writes it and
 * a parse of those bytes reads it back, held to the parser's default depth
 * and element caps and validated against kind's schema, as an sp_doc whose
 * sp_doc_bytes() is NULL. */
int sp_proto__doc_from_tree(xmlDocPtr tree, sp_doc_kind kind, sp_doc **out,
                            const char **why);

#endif /* SP_PROTOCOL_INT_H */
