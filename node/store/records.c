/* records.c: the backend-independent side of reads: freeing what the
 * getters return, the visibility rule on a loaded record, search cursors. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

void sp_store_record_free(sp_store_record *rec)
{
	size_t i;

	if (!rec)
		return;
	for (i = 0; i < rec->n_recipients; i++)
		free(rec->recipients[i]);
	free(rec->recipients);
	free(rec->bytes);
	free(rec->receipt);
	free(rec);
}

void sp_store_evidence_free(sp_store_evidence *e, size_t n)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < n; i++) {
		free(e[i].a);
		free(e[i].b);
	}
	free(e);
}

/* 1 if " A B " list holds id. */
static int in_list(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p;

	if (!list || n == 0)
		return 0;
	for (p = strstr(list, id); p; p = strstr(p + 1, id))
		if (p > list && p[-1] == ' ' && p[n] == ' ')
			return 1;
	return 0;
}

int sp_store_record_visible_to(const sp_store_record *rec,
                               const sp_store_view *view)
{
	size_t i;

	if (!rec)
		return 0;
	if (!view)
		return 1;
	if (!view->viewer)
		return 0;
	if (strcmp(rec->origin, view->viewer) == 0)
		return 1;
	if (rec->broadcast && in_list(view->broadcasters, rec->origin))
		return 1;
	for (i = 0; i < rec->n_recipients; i++)
		if (strcmp(rec->recipients[i], view->viewer) == 0)
			return 1;
	return 0;
}

/* Bind a view's :viewer and :bcast (absent parameters are skipped). A
 * view without a viewer sees nothing: bind an id no record carries. */

void sp_store_list_free(sp_store_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		sp_store_record_free(l->items[i]);
	free(l->items);
	free(l);
}

/* Collect rows of st into a new list: at most max items and, after the
 * first, at most max_bytes (0: no cap) of record bytes. *more is set if a
 * row was left over. */

int sp_store__cursor_parse(const char *c, int64_t *rowid)
{
	const char *p;
	char *end;
	long long v;

	*rowid = 0;
	if (!c || !*c)
		return SP_OK;
	if (strnlen(c, SP_STORE_CURSOR_MAX) >= SP_STORE_CURSOR_MAX ||
	    strncmp(c, SP_STORE_CURSOR_PREFIX,
	            strlen(SP_STORE_CURSOR_PREFIX)) != 0)
		return SP_ERR_INVALID_ARGUMENT;
	p = c + strlen(SP_STORE_CURSOR_PREFIX);
	if (*p < '0' || *p > '9')
		return SP_ERR_INVALID_ARGUMENT;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno || *end != '\0' || v < 0)
		return SP_ERR_INVALID_ARGUMENT;
	*rowid = (int64_t)v;
	return SP_OK;
}

void sp_store_stats_clear(sp_store_stats *st)
{
	if (!st)
		return;
	free(st->origins);
	memset(st, 0, sizeof(*st));
}

void sp_store_checkpoint_free(sp_store_checkpoint *cp)
{
	size_t i;

	if (!cp)
		return;
	for (i = 0; i < cp->n_cosignatures; i++) {
		free(cp->cosignatures[i]);
		free(cp->witnesses[i]);
	}
	free(cp->cosignatures);
	free(cp->witnesses);
	free(cp->note);
	free(cp);
}
