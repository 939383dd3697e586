/*
 * log: one key=value line per event, to stderr and/or syslog.
 *
 * The level is checked before anything is formatted, so a disabled
 * debug line costs one comparison. Client-supplied text must go through
 * log_escape(), log_str() or log_token() (non-printables escaped,
 * length-capped) and is never used as a format string; scripts/logcheck.py
 * checks every call site (CTest "logcheck"). As a last line of defence
 * the writer escapes any control character left in a line, so no value
 * can start a line of its own.
 */
#ifndef VOUCH_UTIL_LOG_H
#define VOUCH_UTIL_LOG_H

#include <stddef.h>

/* syslog's severities from err down (RFC 5424 6.2.1); notice: normal but
 * worth an admin's look (a refused zone transfer, ...). */
enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_NOTICE, LOG_LVL_INFO, LOG_LVL_DEBUG };

enum log_sink { LOG_SINK_STDERR = 1, LOG_SINK_SYSLOG = 2 };

/* Configure logging: program name (kept by pointer), level, sinks. */
void log_init(const char *ident, enum log_level level, int sinks);
/* Change the level (on SIGHUP). */
void log_set_level(enum log_level level);
/* True when lines at this level are written. */
int log_enabled(enum log_level level);
/* Parse "err", "warn", "notice", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *name);

/* Write one line; use the log_* macros so the level is checked first. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_write(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) \
	do { \
		if (log_enabled(LOG_LVL_WARN)) \
			log_write(LOG_LVL_WARN, __VA_ARGS__); \
	} while (0)
#define log_notice(...) \
	do { \
		if (log_enabled(LOG_LVL_NOTICE)) \
			log_write(LOG_LVL_NOTICE, __VA_ARGS__); \
	} while (0)
#define log_info(...) \
	do { \
		if (log_enabled(LOG_LVL_INFO)) \
			log_write(LOG_LVL_INFO, __VA_ARGS__); \
	} while (0)
#define log_debug(...) \
	do { \
		if (log_enabled(LOG_LVL_DEBUG)) \
			log_write(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

/* Longest escaped text log_escape() produces, quotes and NUL included. */
#define LOG_ESC_MAX 256

/*
 * Escape untrusted bytes for a log value: the result is wrapped in double
 * quotes, '"' and '\\' are backslash-escaped, bytes outside printable
 * ASCII become \xNN, and output longer than dstsz ends in "...".
 * Writes at most dstsz bytes (NUL included) into dst and returns dst.
 */
char *log_escape(char *dst, size_t dstsz, const void *src, size_t srclen);
/* log_escape() of a NUL-terminated string; NULL is logged as "". */
char *log_str(char *dst, size_t dstsz, const char *s);
/*
 * A value that is one word in the common case (an address, a host name):
 * as it is when it holds only printable ASCII other than space, '"', '\\'
 * and '=' (so "to=alice@example.com" stays greppable), otherwise quoted
 * and escaped as log_escape() does. Same bounds; returns dst.
 */
char *log_token(char *dst, size_t dstsz, const char *s);

/* Abort with file and line: only for bugs, never for expected failures. */
#define log_panic(...) log_panic_at(__FILE__, __LINE__, __VA_ARGS__)
void log_panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#endif
