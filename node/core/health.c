/* health.c: what readiness and /metrics say about the node's storage and
 * its own log: a storage probe, the disk and database gauges, the fence
 * and the own-log alarm. */
#include "node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

/* Probe every this many ms while the store commits, and while it fails. */
#define PROBE_OK_MS      30000
#define PROBE_FAILING_MS 2000

void sp_node_own_log_alarm(sp_node *n, const char *why)
{
	if (n->own_equivocation[0] == '\0')
		sp_log(SP_LOG_ERROR, "own_log_equivocation",
		       SP_LF_STR("node", n->cfg->node_id),
		       SP_LF_STR("why", why));
	snprintf(n->own_equivocation, sizeof(n->own_equivocation), "%s", why);
}

typedef struct probe_job {
	sp_node *n;
} probe_job;

static void probe_work(void *arg)
{
	probe_job *j = arg;
	char now[32];

	/* a real commit: the store's health follows its result */
	snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	(void)sp_store_state_set(j->n->store, "probe", now);
}

static void probe_done(void *arg)
{
	probe_job *j = arg;

	j->n->probe_busy = 0;
	free(j);
}

void sp_node__storage_probe(sp_node *n)
{
	sp_store_health h;
	int64_t now = sp_clock_mono_ms();
	probe_job *j;

	if (n->probe_busy || now < n->next_probe_ms)
		return;
	sp_store_health_get(n->store, &h);
	n->next_probe_ms = now + (h.failing ? PROBE_FAILING_MS : PROBE_OK_MS);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->n = n;
	n->probe_busy = 1;
	if (sp_pool_submit(n->pool, probe_work, probe_done, j) != SP_OK) {
		n->probe_busy = 0;
		free(j);
	}
}

/* Bytes of the database and the files SQLite keeps beside it. */
static unsigned long long database_bytes(const char *db)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	unsigned long long total = 0;
	char path[4096];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db, suffix[i]);
		if (stat(path, &st) == 0)
			total += (unsigned long long)st.st_size;
	}
	return total;
}

void sp_node__health_metrics(sp_node *n, sp_text *t)
{
	sp_store_health h;
	struct statvfs vfs;
	char dir[4096], *slash;

	sp_store_health_get(n->store, &h);
	snprintf(dir, sizeof(dir), "%s", n->cfg->database);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	sp_text_printf(
	    t,
	    "# HELP silkport_storage_errors_total Writes that failed with a "
	    "storage error (disk full, read-only, I/O).\n"
	    "# TYPE silkport_storage_errors_total counter\n"
	    "silkport_storage_errors_total %llu\n"
	    "# HELP silkport_storage_failing 1 while the store cannot "
	    "commit.\n"
	    "# TYPE silkport_storage_failing gauge\n"
	    "silkport_storage_failing %d\n"
	    "# HELP silkport_database_bytes Size of the database and its "
	    "journal files.\n"
	    "# TYPE silkport_database_bytes gauge\n"
	    "silkport_database_bytes %llu\n"
	    "# HELP silkport_fenced 1 while the node may not sign (own log "
	    "being recovered).\n"
	    "# TYPE silkport_fenced gauge\nsilkport_fenced %d\n"
	    "# HELP silkport_own_log_equivocation 1 after a peer refused an "
	    "own record as an equivocation.\n"
	    "# TYPE silkport_own_log_equivocation gauge\n"
	    "silkport_own_log_equivocation %d\n",
	    (unsigned long long)h.errors, h.failing,
	    database_bytes(n->cfg->database), n->fenced ? 1 : 0,
	    n->own_equivocation[0] != '\0');
	if (statvfs(dir, &vfs) == 0)
		sp_text_printf(t,
		               "# HELP silkport_disk_free_bytes Space free to "
		               "the node at the database's folder.\n"
		               "# TYPE silkport_disk_free_bytes gauge\n"
		               "silkport_disk_free_bytes %llu\n",
		               (unsigned long long)vfs.f_bavail *
		                   (unsigned long long)vfs.f_frsize);
}
