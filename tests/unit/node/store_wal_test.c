/* store_wal_test.c: on SQLite the writer's WAL is checkpointed by the
 * store's checkpoint thread (sqlite_wal.c), not inside the writer's
 * COMMIT: across many commits that together write several times the
 * 1,000-page threshold the WAL file stays near it, far below what it
 * would reach without checkpoints and below the 16,000 pages at which the
 * writer checkpoints itself. */
#include <sys/stat.h>
#include <time.h>

#include "store_fixture.h"

#define ROUNDS      80
#define PER_ROUND   40
#define RECORD_SIZE 4000
/* a WAL frame: a 24-byte header and a 4 KiB page */
#define FRAME_BYTES (24 + 4096)

static long wal_pages(const fx *f)
{
	char p[1100];
	struct stat st;

	snprintf(p, sizeof(p), "%s-wal", f->path);
	if (stat(p, &st) != 0)
		return 0;
	return st.st_size <= 32 ? 0 : (long)((st.st_size - 32) / FRAME_BYTES);
}

static void pause_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

static void test_wal_stays_bounded(void **state)
{
	fx *f = *state;
	static char body[PER_ROUND][RECORD_SIZE];
	char ids[PER_ROUND][SP_UUID_LEN + 1];
	sp_store_put_req reqs[PER_ROUND];
	long most = 0, written = 0;
	uint64_t seq = 0;
	int round, i;

	FX_SQLITE_ONLY(f);
	for (round = 0; round < ROUNDS; round++) {
		memset(reqs, 0, sizeof(reqs));
		for (i = 0; i < PER_ROUND; i++, seq++) {
			snprintf(ids[i], sizeof(ids[i]),
			         "00000000-0000-4000-8000-%012llx",
			         (unsigned long long)seq);
			/* distinct bytes: nothing compresses or repeats */
			memset(body[i], 'a' + (int)(seq % 26), RECORD_SIZE);
			snprintf(body[i], RECORD_SIZE, "<Record seq=\"%llu\">",
			         (unsigned long long)seq);
			reqs[i].bytes = (const uint8_t *)body[i];
			reqs[i].len = RECORD_SIZE;
			reqs[i].record_id = ids[i];
			reqs[i].origin = "CN-XA";
			reqs[i].sequence = seq;
			reqs[i].type = "declaration";
			reqs[i].issued = 1790000000 + (int64_t)seq;
		}
		assert_int_equal(
		    sp_store_put_batch(f->s, reqs, PER_ROUND, NULL), SP_OK);
		written += PER_ROUND * RECORD_SIZE / 4096;
		if (wal_pages(f) > most)
			most = wal_pages(f);
		pause_ms(10); /* the thread's turn, as between commits */
	}
	/* the records alone filled far more pages than the bound */
	assert_true(written > 3 * 1000);
	if (most >= 2500)
		fail_msg("the WAL grew to %ld pages (%ld pages of records "
		         "written): not checkpointed",
		         most, written);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_wal_stays_bounded, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
