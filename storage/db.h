/*
 * A thin key-value interface over LevelDB: the only file in Flint that
 * includes <leveldb/c.h>, and no LevelDB type leaks out of it (as Bitcoin
 * Core's dbwrapper.h). Writes go through batches so that every state change
 * is one atomic write. Depends on nothing but libc and LevelDB; prints
 * nothing: errors are reported into a caller's buffer.
 *
 * Crash testing: if FLINT_DBCRASH_RATIO=N is set in the environment when a
 * database is opened, every batch write has a 1-in-N chance of ending the
 * process with _exit(97), half of the time just before the write and half
 * just after it (Bitcoin Core's -dbcrashratio). FLINT_DBCRASH_AFTER=K
 * instead exits just before the K-th write (1-based), for a chosen moment.
 */
#ifndef FLINT_STORAGE_DB_H
#define FLINT_STORAGE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exit status of a simulated crash. */
#define STOR_CRASH_EXIT 97

struct stor_db;
struct stor_batch;
struct stor_iter;

struct stor_db_options {
	size_t cache_bytes;         /* LevelDB block cache */
	size_t write_buffer_bytes;  /* memtable size before a flush to a table file */
	bool create_if_missing;
};

/* Defaults suited to a small node; see db.c for the reasons. */
void stor_db_options_default(struct stor_db_options *o);

/*
 * Opens (or with create_if_missing, creates) the database in directory path
 * and stores a handle in *out. Returns 0, or -1 with a message in err
 * (errlen bytes) naming what failed, for example a lock held by another
 * process or a corrupted file. A database is created only in a directory
 * that holds none: one whose CURRENT file is lost while its other files
 * remain is refused, untouched, with a message naming the fix.
 */
int stor_db_open(struct stor_db **out, const char *path, const struct stor_db_options *o,
		 char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Rebuilds the database in path from whatever table and log files it holds
 * (LevelDB's RepairDB: a new MANIFEST and CURRENT; records in damaged files
 * are lost). The database must not be open. Returns 0, or -1 with err.
 */
int stor_db_repair(const char *path, char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * Looks at the newest log file of the (closed) database in path before it
 * is opened. LevelDB drops a partial record at the end of its log without
 * a word, and with it the last write. Returns 1 with a warning in msg
 * (msglen bytes) if the log ends in one, else 0 (msg empty). A log cut at a
 * record boundary cannot be told from a whole one.
 */
int stor_db_check_log(const char *path, char *msg, size_t msglen);
/* Closes db; NULL is a no-op. */
void stor_db_close(struct stor_db *db);

/*
 * Looks up key (klen bytes). Returns 1 with *val a malloc'd copy the caller
 * frees and *vlen its length, 0 if absent, or -1 with err filled.
 */
int stor_db_get(struct stor_db *db, const void *key, size_t klen, uint8_t **val, size_t *vlen,
		char *err, size_t errlen) __attribute__((warn_unused_result));

struct stor_batch *stor_batch_new(void) __attribute__((warn_unused_result));
void stor_batch_free(struct stor_batch *b);
void stor_batch_put(struct stor_batch *b, const void *key, size_t klen, const void *val, size_t vlen);
void stor_batch_del(struct stor_batch *b, const void *key, size_t klen);
void stor_batch_clear(struct stor_batch *b);
/* Number of puts and deletes queued since creation or the last clear. */
size_t stor_batch_count(const struct stor_batch *b);

/*
 * Applies b atomically: after a crash either all of it or none of it is
 * there. sync makes the write durable (fsync) before returning. Returns 0,
 * or -1 with err filled.
 */
int stor_db_write(struct stor_db *db, struct stor_batch *b, bool sync, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Iterates over the keys that start with prefix (plen bytes), in key order.
 * stor_iter_next returns true and sets views (valid until the next call)
 * of the next key and value, or false at the end or on an error, which
 * stor_iter_error then reports (0 or -1 with err filled).
 */
struct stor_iter *stor_iter_new(struct stor_db *db, const void *prefix, size_t plen) __attribute__((warn_unused_result));
bool stor_iter_next(struct stor_iter *it, const uint8_t **key, size_t *klen,
		    const uint8_t **val, size_t *vlen);
int stor_iter_error(struct stor_iter *it, char *err, size_t errlen);
void stor_iter_free(struct stor_iter *it);

/* Approximate bytes on disk used by keys in [start, limit). */
uint64_t stor_db_size(struct stor_db *db, const void *start, size_t slen,
		      const void *limit, size_t llen);

#endif
