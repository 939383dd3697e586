/*
 * redis_server: start and stop a test redis-server (see redis_server.h).
 */
#include "redis_server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

/* Is the server on port the child pid (not someone else's)? */
static int
answers_as(int port, pid_t pid, const char *password)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	redisReply *r;
	char want[40];
	int ok = 0;

	if (c == NULL || c->err) {
		redisFree(c);
		return 0;
	}
	if (password) {
		r = redisCommand(c, "AUTH %s", password);
		freeReplyObject(r);
	}
	r = redisCommand(c, "INFO server");
	snprintf(want, sizeof(want), "process_id:%d\r", (int)pid);
	ok = r && r->type == REDIS_REPLY_STRING && strstr(r->str, want) != NULL;
	freeReplyObject(r);
	redisFree(c);
	return ok;
}

int
redis_server_start(struct redis_server *rs)
{
	if (rs->dir[0] == '\0') {
		snprintf(rs->dir, sizeof(rs->dir), "/tmp/vouch-redis-XXXXXX");
		if (mkdtemp(rs->dir) == NULL)
			return -1;
	} else if (mkdir(rs->dir, 0700) < 0 && errno != EEXIST) {
		return -1;
	}
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	for (int attempt = 0; attempt < 20; attempt++) {
		char port[16];
		int port_n = rs->port ? rs->port : 20000 + rand() % 40000;
		pid_t pid;

		snprintf(port, sizeof(port), "%d", port_n);
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			const char *argv[20] = { "redis-server", "--port", port, "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", rs->dir,
				"--logfile", "redis.log" };
			int n = 13;
			if (rs->password) {
				argv[n++] = "--requirepass";
				argv[n++] = rs->password;
			}
			argv[n] = NULL;
			execvp("redis-server", (char **)argv);
			_exit(127);
		}
		/* up to 10 s: answering as itself, or gone (the port was taken) */
		for (int i = 0; i < 1000; i++) {
			int st;
			if (waitpid(pid, &st, WNOHANG) == pid) {
				if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
					return -1; /* no redis-server */
				pid = 0;
				break;
			}
			if (answers_as(port_n, pid, rs->password)) {
				rs->pid = pid;
				rs->port = port_n;
				return 0;
			}
			struct timespec ts = { 0, 10000000 };
			nanosleep(&ts, NULL);
		}
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		if (rs->port)
			break; /* that port only */
	}
	return -1;
}

void
redis_server_stop(struct redis_server *rs, int kill_it)
{
	char path[128];

	if (rs->pid > 0) {
		kill(rs->pid, kill_it ? SIGKILL : SIGTERM);
		waitpid(rs->pid, NULL, 0);
		rs->pid = 0;
	}
	snprintf(path, sizeof(path), "%s/redis.log", rs->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dump.rdb", rs->dir);
	unlink(path);
	rmdir(rs->dir);
}

void
redis_server_url(const struct redis_server *rs, int db, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "redis://127.0.0.1:%d/%d", rs->port, db);
}
