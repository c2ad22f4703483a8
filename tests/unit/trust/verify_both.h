/* verify_both.h: verify a record both ways a node can read it, the
 * canonical reader (protocol/cxml.c) and libxml2 alone, and abort when they
 * disagree. The trust tests, hostile corpora and fuzz_verify go through
 * it, so that every case they make is also a differential test. */
#ifndef SP_VERIFY_BOTH_H
#define SP_VERIFY_BOTH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

static inline int fx_str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 if two records read the same, field by field. */
static inline int fx_record_same(const sp_record *a, const sp_record *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (strcmp(sp_record_id(a), sp_record_id(b)) != 0 ||
	    strcmp(sp_record_origin(a), sp_record_origin(b)) != 0 ||
	    sp_record_sequence(a) != sp_record_sequence(b) ||
	    strcmp(sp_record_type_code(a), sp_record_type_code(b)) != 0 ||
	    sp_record_issued(a) != sp_record_issued(b) ||
	    sp_record_is_broadcast(a) != sp_record_is_broadcast(b) ||
	    !fx_str_same(sp_record_supersedes(a), sp_record_supersedes(b)) ||
	    sp_record_recipient_count(a) != sp_record_recipient_count(b) ||
	    sp_record_subject_count(a) != sp_record_subject_count(b))
		return 0;
	for (i = 0; i < sp_record_recipient_count(a); i++)
		if (strcmp(sp_record_recipient(a, i),
		           sp_record_recipient(b, i)) != 0)
			return 0;
	for (i = 0; i < sp_record_subject_count(a); i++) {
		const sp_subject *x = sp_record_subject(a, i),
		                 *y = sp_record_subject(b, i);

		if (!fx_str_same(x->kind, y->kind) ||
		    !fx_str_same(x->scheme, y->scheme) ||
		    !fx_str_same(x->value, y->value))
			return 0;
	}
	return 1;
}

/* Verify twice, as a node does (the canonical reader first) and with
 * libxml2 alone: the two ways must decide alike, read the same record and
 * the same signed digest, or the test aborts. *canonical (may be NULL):
 * 1 when the canonical reader read it. */
static inline int fx_verify_both(const sp_trust *t, const uint8_t *buf,
                                 size_t len, const sp_verify_opts *base,
                                 sp_record **rec, const char **why,
                                 int *canonical)
{
	sp_verify_opts o = *base, x = *base;
	sp_record *r2 = NULL;
	uint8_t d1[32] = {0}, d2[32] = {0};
	const char *why2 = NULL;
	int rc, rc2, fast = 0, slow = 1;

	o.signed_digest = d1;
	o.read_canonically = &fast;
	x.signed_digest = d2;
	x.read_canonically = &slow;
	x.libxml2_only = 1;
	rc = sp_verify_record(t, buf, len, &o, NULL, rec, why);
	rc2 = sp_verify_record(t, buf, len, &x, NULL, &r2, &why2);
	if (rc != rc2 ||
	    (rc == SP_OK && (slow != 0 || !fx_record_same(*rec, r2) ||
	                     memcmp(d1, d2, 32) != 0))) {
		fprintf(stderr,
		        "fx_verify_both: the canonical reader and libxml2 "
		        "differ: %s (%s) vs %s (%s)\n",
		        sp_strerror(rc), why && *why ? *why : "",
		        sp_strerror(rc2), why2 ? why2 : "");
		abort();
	}
	sp_record_free(r2);
	if (canonical != NULL)
		*canonical = rc == SP_OK && fast;
	return rc;
}

/* 1 if two receipts read the same. */
static inline int fx_receipt_same(const sp_receipt_info *a,
                                  const sp_receipt_info *b)
{
	return strcmp(a->record_id, b->record_id) == 0 &&
	       strcmp(a->origin, b->origin) == 0 &&
	       a->sequence == b->sequence &&
	       strcmp(a->record_digest, b->record_digest) == 0 &&
	       strcmp(a->receiver, b->receiver) == 0 &&
	       a->received == b->received && a->status == b->status;
}

/* The same for a receipt: both ways decide alike and read the same. */
static inline int fx_verify_receipt_both(const sp_trust *t, const uint8_t *buf,
                                         size_t len, const sp_verify_opts *base,
                                         sp_receipt_info *out, const char **why,
                                         int *canonical)
{
	sp_verify_opts o = *base, x = *base;
	sp_receipt_info a, b;
	const char *why2 = NULL;
	int rc, rc2, fast = 0, slow = 1;

	o.read_canonically = &fast;
	x.read_canonically = &slow;
	x.libxml2_only = 1;
	rc = sp_verify_receipt(t, buf, len, &o, &a, why);
	rc2 = sp_verify_receipt(t, buf, len, &x, &b, &why2);
	if (rc != rc2 ||
	    (rc == SP_OK && (slow != 0 || !fx_receipt_same(&a, &b)))) {
		fprintf(stderr,
		        "fx_verify_receipt_both: the canonical reader and "
		        "libxml2 differ: %s (%s) vs %s (%s)\n",
		        sp_strerror(rc), why && *why ? *why : "",
		        sp_strerror(rc2), why2 ? why2 : "");
		abort();
	}
	if (out != NULL)
		*out = a;
	if (canonical != NULL)
		*canonical = rc == SP_OK && fast;
	return rc;
}

#endif
