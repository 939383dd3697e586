/*
 * queue_recover: start-up recovery of the spool (see queue.h): what was
 * never acknowledged is removed, what cannot be trusted is set aside.
 */
#include "queue/queue.h"
#include "queue/queue_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

static int
has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && strcmp(name + n - s, suffix) == 0;
}

size_t
queue_recover(struct queue *q, void (*fn)(void *arg, const char *id), void *arg)
{
	DIR *d;
	struct dirent *de;
	size_t count = 0;

	/* Files in tmp/ were never acknowledged. */
	if ((d = opendir(q->tmp)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char *p = queue_join(q->tmp, de->d_name);
			unlink(p);
			char esc[LOG_ESC_MAX];
			log_info("event=queue_recover action=remove_tmp file=%s",
			    log_token(esc, sizeof(esc), de->d_name));
			free(p);
		}
		closedir(d);
	}
	/* Nor were files in spare/ (empty, or a message being written). */
	if ((d = opendir(q->spare)) != NULL) {
		size_t spares = 0;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char *p = queue_join(q->spare, de->d_name);
			unlink(p);
			spares++;
			free(p);
		}
		closedir(d);
		if (spares)
			log_info("event=queue_recover action=remove_spares count=%zu", spares);
	}
	if ((d = opendir(q->active)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char id[ENVELOPE_ID_MAX + 1];
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || n < 5 || n - 4 > ENVELOPE_ID_MAX)
			continue;
		memcpy(id, de->d_name, n - 4);
		id[n - 4] = '\0';
		if (has_suffix(de->d_name, ".msg")) {
			char *env = queue_pathf(q->active, id, ".env");
			if (access(env, F_OK) < 0) {
				char *msg = queue_pathf(q->active, id, ".msg");
				char esc[LOG_ESC_MAX];
				log_info("event=queue_recover action=remove_orphan_body qid=%s",
				    log_token(esc, sizeof(esc), id));
				unlink(msg);
				free(msg);
			}
			free(env);
			continue;
		}
		if (!has_suffix(de->d_name, ".env") || !queue_id_ok(id))
			continue;
		char *msg = queue_pathf(q->active, id, ".msg");
		struct envelope e;
		struct stat st;
		char err[256];
		int bad_body = 0;
		if (stat(msg, &st) < 0) {
			snprintf(err, sizeof(err), "body missing");
			bad_body = 1;
		} else if (queue_load(q, id, &e, err, sizeof(err)) == 0) {
			/* Bodies are written into recycled files: one whose size
			 * is not the envelope's is not the message acknowledged. */
			if ((uint64_t)st.st_size != e.size) {
				snprintf(err, sizeof(err),
				    "body is %lld octets, envelope says %llu",
				    (long long)st.st_size, (unsigned long long)e.size);
				envelope_clear(&e);
				bad_body = 1;
			}
		} else
			bad_body = 1;
		if (bad_body) {
			char *env = queue_pathf(q->active, id, ".env");
			char *bad = queue_pathf(q->active, id, ".env.corrupt");
			char esc[LOG_ESC_MAX];
			log_err("event=queue_recover action=set_aside qid=%s reason=%s", id,
			    log_str(esc, sizeof(esc), err));
			rename(env, bad);
			free(env);
			free(bad);
			free(msg);
			continue;
		}
		envelope_clear(&e);
		free(msg);
		fn(arg, id);
		count++;
	}
	closedir(d);
	return count;
}
