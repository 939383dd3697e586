/*
 * redis_server: a real redis-server for tests and benchmarks, on a
 * loopback port of its own (tried until one binds), without persistence.
 */
#ifndef VOUCH_TESTS_REDIS_SERVER_H
#define VOUCH_TESTS_REDIS_SERVER_H

#include <sys/types.h>

struct redis_server {
	pid_t pid;
	int port;             /* set before start: that port only (a restart) */
	const char *password; /* set before start: requirepass; NULL = none */
	char dir[64];         /* its working directory */
};

/* 0 and *rs filled when it answers as itself; -1 if it cannot run. Zero
 * *rs first (or keep port and dir to start again where it was). */
int redis_server_start(struct redis_server *rs);
/* SIGKILL (kill = 1) or SIGTERM, wait, and remove its directory. */
void redis_server_stop(struct redis_server *rs, int kill);
/* The store URL of database db: "redis://127.0.0.1:PORT/db". */
void redis_server_url(const struct redis_server *rs, int db, char *buf, size_t bufsz);

#endif
