/* store_state.c: the node's own facts (node_state) and the online backup,
 * above the driver. */
#include <string.h>

#include "base.h"
#include "store_int.h"

typedef struct state_args {
	const char *key;
	const char *value;
} state_args;

static int state_put_fn(sp_store *s, void *arg)
{
	const state_args *a = arg;

	return s->ops->state_put(s->w, a->key, a->value);
}

int sp_store_state_set(sp_store *s, const char *key, const char *value)
{
	state_args a = {key, value};

	if (!s || !key || !*key || strlen(key) >= 64 ||
	    (value && strlen(value) >= SP_STORE_STATE_MAX))
		return SP_ERR_INVALID_ARGUMENT;
	return sp_store__run(s, state_put_fn, &a);
}

int sp_store_state_get(sp_store_reader *r, const char *key, char *buf,
                       size_t cap)
{
	if (!r || !key || !buf || cap == 0)
		return SP_ERR_INVALID_ARGUMENT;
	return r->s->ops->state_get(r->c, key, buf, cap);
}

int sp_store_backup(const char *path, const char *dest, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!path || !*path || !dest || !*dest) {
		*why = "no database or backup path";
		return SP_ERR_INVALID_ARGUMENT;
	}
	return sp_store_sqlite_driver.backup(path, dest, why);
}
