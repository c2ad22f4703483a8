/* store_revoked.c: the permanent record of what accepted trust lists
 * revoked (members and their signing certificates), per federation. */
#include "store_int.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

_Static_assert(SP_NODE_ID_MAX + 1 <= 65,
               "a NodeId fits sp_store_revocation.subject");

const char *sp_store__revoked_kind_name(sp_store_revoked_kind k)
{
	switch (k) {
	case SP_REVOKED_MEMBER:
		return "member";
	case SP_REVOKED_SIGNING_CERT:
		return "signing-cert";
	}
	return NULL;
}

static int bounded(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	return n > 0 && n <= max;
}

typedef struct add_args {
	const char *federation;
	const sp_store_revocation *v;
	size_t n;
} add_args;

static int add_fn(sp_store *s, void *arg)
{
	const add_args *a = arg;

	return s->ops->revoked_add(s->w, a->federation, a->v, a->n);
}

int sp_store_revoked_add(sp_store *s, const char *federation,
                         const sp_store_revocation *v, size_t n)
{
	add_args a = {federation, v, n};
	size_t i;

	if (!s || !federation || !bounded(federation, SP_NODE_ID_MAX) ||
	    (n > 0 && !v))
		return SP_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n; i++)
		if (sp_store__revoked_kind_name(v[i].kind) == NULL ||
		    !bounded(v[i].subject, sizeof(v[i].subject) - 1) ||
		    !bounded(v[i].node_id, SP_NODE_ID_MAX) ||
		    v[i].sequence > (uint64_t)INT64_MAX)
			return SP_ERR_INVALID_ARGUMENT;
	if (n == 0)
		return SP_OK;
	return sp_store__run(s, add_fn, &a);
}

int sp_store_revoked_get(sp_store_reader *r, const char *federation,
                         sp_store_revoked_kind kind, const char *subject,
                         uint64_t *sequence)
{
	if (!r || !federation || !subject ||
	    sp_store__revoked_kind_name(kind) == NULL)
		return SP_ERR_INVALID_ARGUMENT;
	return r->s->ops->revoked_get(r->c, federation, kind, subject,
	                              sequence);
}

int sp_store_revoked_record_list(sp_store *s, const sp_tl *tl)
{
	sp_store_revocation *v;
	size_t i, j, k = 0, cap = 0;
	int err;

	if (!s || !tl)
		return SP_ERR_INVALID_ARGUMENT;
	for (i = 0; i < tl->n_members; i++)
		if (tl->members[i].status == SP_STATUS_REVOKED)
			cap += 1 + tl->members[i].n_signing;
	if (cap == 0)
		return SP_OK;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		if (m->status != SP_STATUS_REVOKED)
			continue;
		v[k].kind = SP_REVOKED_MEMBER;
		snprintf(v[k].subject, sizeof(v[k].subject), "%s", m->node_id);
		snprintf(v[k].node_id, sizeof(v[k].node_id), "%s", m->node_id);
		v[k++].sequence = tl->sequence;
		for (j = 0; j < m->n_signing; j++) {
			v[k].kind = SP_REVOKED_SIGNING_CERT;
			sp_sha256_hex(m->signing[j].der, m->signing[j].der_len,
			              v[k].subject);
			snprintf(v[k].node_id, sizeof(v[k].node_id), "%s",
			         m->node_id);
			v[k++].sequence = tl->sequence;
		}
	}
	err = sp_store_revoked_add(s, tl->federation, v, k);
	free(v);
	return err;
}

int sp_store_revoked_check_list(sp_store_reader *r, const sp_tl *tl,
                                sp_store_revocation *hit)
{
	char hex[65];
	uint64_t at = 0;
	size_t i, j;
	int err;

	if (!r || !tl || !hit)
		return SP_ERR_INVALID_ARGUMENT;
	memset(hit, 0, sizeof(*hit));
	for (i = 0; i < tl->n_members; i++) {
		const sp_tl_member *m = &tl->members[i];

		/* suspended or active: either undoes a revocation */
		if (m->status == SP_STATUS_REVOKED)
			continue;
		err = sp_store_revoked_get(r, tl->federation, SP_REVOKED_MEMBER,
		                           m->node_id, &at);
		if (err == SP_OK) {
			hit->kind = SP_REVOKED_MEMBER;
			snprintf(hit->subject, sizeof(hit->subject), "%s",
			         m->node_id);
			goto found;
		}
		if (err != SP_ERR_NOT_FOUND)
			return err;
		for (j = 0; j < m->n_signing; j++) {
			sp_sha256_hex(m->signing[j].der, m->signing[j].der_len,
			              hex);
			err = sp_store_revoked_get(r, tl->federation,
			                           SP_REVOKED_SIGNING_CERT, hex,
			                           &at);
			if (err == SP_OK) {
				hit->kind = SP_REVOKED_SIGNING_CERT;
				memcpy(hit->subject, hex, sizeof(hex));
				goto found;
			}
			if (err != SP_ERR_NOT_FOUND)
				return err;
		}
	}
	return SP_OK;
found:
	snprintf(hit->node_id, sizeof(hit->node_id), "%s",
	         tl->members[i].node_id);
	hit->sequence = at;
	return SP_ERR_REVOCATION_REVERSED;
}
