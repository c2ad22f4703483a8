/* sqlite_wal.c: the writer's WAL checkpoints on a thread of their own (see
 * sp_sqlite_ckpt_start in sqlite_int.h). */
#include <pthread.h>
#include <stdlib.h>

#include "base.h"
#include "sqlite_int.h"

/* SQLite's default threshold (wal_autocheckpoint), in pages of the WAL. */
#define CKPT_PAGES 1000
/* The writer checkpoints itself past this many: the WAL stays bounded
 * when the thread falls behind (a slow disk, a long reader). */
#define CKPT_WRITER_PAGES (16 * CKPT_PAGES)

struct sp_sqlite_ckpt {
	sqlite3 *db; /* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int due;
	int stop;
};

/* The writer's thread, after each commit, with the WAL's size in pages. */
static int on_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sp_sqlite_ckpt *k = arg;

	if (pages >= CKPT_WRITER_PAGES) {
		(void)sqlite3_wal_checkpoint_v2(
		    db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (pages >= CKPT_PAGES) {
		pthread_mutex_lock(&k->mu);
		if (!k->due) {
			k->due = 1;
			pthread_cond_signal(&k->cv);
		}
		pthread_mutex_unlock(&k->mu);
	}
	return SQLITE_OK;
}

static void *ckpt_main(void *arg)
{
	struct sp_sqlite_ckpt *k = arg;
	int rc;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->due && !k->stop)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->stop)
			break;
		k->due = 0;
		pthread_mutex_unlock(&k->mu);
		/* PASSIVE: copies what no reader still needs, never waits for
		 * the writer or blocks it */
		rc = sqlite3_wal_checkpoint_v2(
		    k->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
			sp_log(SP_LOG_WARN, "store_checkpoint_failed",
			       SP_LF_STR("msg", sqlite3_errmsg(k->db)));
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int sp_sqlite_ckpt_start(sp_store_conn *w, const char *path, const char **why)
{
	struct sp_sqlite_ckpt *k = calloc(1, sizeof(*k));
	int rc;

	if (k == NULL) {
		*why = "out of memory";
		return SP_ERR_NOMEM;
	}
	rc = sqlite3_open_v2(path, &k->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int err = sp_store__err(k->db, rc, "open");

		sqlite3_close(k->db);
		free(k);
		*why = "cannot open the database for checkpoints";
		return err;
	}
	/* a first read opens the WAL on this connection */
	if ((rc = sqlite3_exec(k->db, "SELECT count(*) FROM sqlite_schema",
	                       NULL, NULL, NULL)) != SQLITE_OK) {
		int err = sp_store__err(k->db, rc, "checkpoint connection");

		sqlite3_close(k->db);
		free(k);
		*why = "cannot read the database for checkpoints";
		return err;
	}
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, ckpt_main, k) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		sqlite3_close(k->db);
		free(k);
		*why = "cannot start the checkpoint thread";
		return SP_ERR_IO;
	}
	/* replaces SQLite's automatic checkpoint on this connection */
	sqlite3_wal_hook(w->db, on_wal, k);
	w->ckpt = k;
	return SP_OK;
}

void sp_sqlite_ckpt_stop(sp_store_conn *w)
{
	struct sp_sqlite_ckpt *k = w->ckpt;

	if (k == NULL)
		return;
	sqlite3_wal_hook(w->db, NULL, NULL);
	w->ckpt = NULL;
	pthread_mutex_lock(&k->mu);
	k->stop = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	sqlite3_close(k->db);
	free(k);
}
