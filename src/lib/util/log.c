/*
 * log: line-oriented event logging (see log.h).
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Process-wide logging settings: written at start-up and on reload only. */
static struct {
	const char *ident;
	enum log_level level;
	int sinks;
	long pid; /* getpid() at log_init: one syscall less per line */
} log_cfg = { "vouch", LOG_LVL_INFO, LOG_SINK_STDERR, 0 };

static const char *const level_names[] = { "err", "warn", "notice", "info", "debug" };

void
log_init(const char *ident, enum log_level level, int sinks)
{
	log_cfg.ident = ident;
	log_cfg.level = level;
	log_cfg.pid = (long)getpid();
	if ((sinks & LOG_SINK_SYSLOG) && !(log_cfg.sinks & LOG_SINK_SYSLOG))
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_cfg.sinks = sinks;
}

void
log_set_level(enum log_level level)
{
	log_cfg.level = level;
}

int
log_enabled(enum log_level level)
{
	return level <= log_cfg.level;
}

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * One event, one line: a control character that reached the line (a value
 * that was not escaped) is written as \xNN, so it can neither end the line
 * nor start a forged one (issue: a folded header logged as it came).
 */
static void
scrub(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *in && o + 5 < outsz; in++) {
		unsigned char c = (unsigned char)*in;
		if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
	char raw[2048], line[2048];
	int errsave = errno;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	scrub(raw, line, sizeof(line));
	if (log_cfg.sinks & LOG_SINK_STDERR) {
		struct timeval tv;
		struct tm tm;
		char ts[32];

		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		/* One write per line so concurrent writers do not interleave. */
		char out[2200];
		int n = snprintf(out, sizeof(out), "%s.%03ld %s[%ld] %s: %s\n", ts,
		    (long)(tv.tv_usec / 1000), log_cfg.ident,
		    log_cfg.pid ? log_cfg.pid : (long)getpid(), level_names[level], line);
		if (n > 0) {
			size_t len = (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1;
			ssize_t w = write(STDERR_FILENO, out, len);
			(void)w;
		}
	}
	if (log_cfg.sinks & LOG_SINK_SYSLOG) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
		syslog(prio[level], "%s", line);
	}
	errno = errsave;
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

void
log_panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_write(LOG_LVL_ERR, "event=panic file=%s line=%d msg=\"%s\"", file, line, msg);
	abort();
}

char *
log_escape(char *dst, size_t dstsz, const void *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0;

	if (dstsz < 8) {
		if (dstsz > 0)
			dst[0] = '\0';
		return dst;
	}
	dst[o++] = '"';
	for (size_t i = 0; i < srclen; i++) {
		unsigned char c = s[i];
		char tmp[4];
		size_t n;

		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[c >> 4];
			tmp[3] = hex[c & 15];
			n = 4;
		} else {
			tmp[0] = (char)c;
			n = 1;
		}
		/* Room for this, the closing quote, "..." and NUL. */
		if (o + n + 5 > dstsz) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, tmp, n);
		o += n;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

char *
log_str(char *dst, size_t dstsz, const char *s)
{
	return log_escape(dst, dstsz, s ? s : "", s ? strlen(s) : 0);
}

char *
log_token(char *dst, size_t dstsz, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int plain = n > 0 && n + 1 <= dstsz && dstsz >= 8;

	for (size_t i = 0; plain && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		plain = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
	}
	if (!plain)
		return log_escape(dst, dstsz, s ? s : "", n);
	memcpy(dst, s, n + 1);
	return dst;
}
