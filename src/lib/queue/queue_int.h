/*
 * queue_int: what queue.c and queue_recover.c share, private to the
 * queue (callers use queue.h).
 */
#ifndef VOUCH_QUEUE_INT_H
#define VOUCH_QUEUE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "queue/queue.h"

/*
 * Remover threads. One is not enough where the filesystem discards freed
 * blocks (-o discard): each unlink then waits for the device, and a lone
 * thread managed ~300 unlinks/s on the benchmark machine, while 2 threads
 * did ~8,000/s and 4 ~30,000/s (concurrent discards are merged). See
 * bench/README.md.
 */
#define QUEUE_REMOVERS 4
/*
 * Recycled inodes: the files of removed messages become empty files in
 * spare/ (spare/N), which new messages are written into instead of creating
 * files. Creating a file was 70% of the event loop's CPU on the benchmark
 * machine: ext4 without a journal skips inodes freed in the last 5 to 35
 * seconds, and at thousands of removals a second that scan is long.
 * Like tmp/, spare/ is never trusted: start-up empties it.
 */
#define QUEUE_SPARES 4096

/* Work for a remover thread: a removed message, or one spare to empty. */
struct removal {
	struct removal *next;
	struct queue *q;
	char id[ENVELOPE_ID_MAX + 1];
	char *spare; /* if set: spare/<n>, to empty and keep */
	uint64_t n;
};

struct queue {
	char *root; /* <data_dir>/queue */
	char *tmp;
	char *active;
	char *spare;
	struct commit *commit;
	unsigned counter;
	uint64_t last_us;

	/* The remover threads: unlink(2) can block for milliseconds (freeing
	 * blocks on a filesystem mounted with -o discard waits for the
	 * device), so it is kept off the event loop. */
	pthread_t remover[QUEUE_REMOVERS];
	int nremovers;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct removal *head, **tail;
	int stop;
	uint64_t *spares; /* numbers N of empty files spare/N, under lock */
	size_t nspares;
	uint64_t spare_seq; /* next N, under lock (64 bits: never wraps) */
};

/* a "/" b, and dir "/" id suffix (caller frees). */
char *queue_join(const char *a, const char *b);
char *queue_pathf(const char *dir, const char *id, const char *suffix);

#endif
