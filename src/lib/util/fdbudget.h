/*
 * fdbudget: how many file descriptors vouchd needs for max_connections,
 * and what to do when the process may not have them (issue 13 item 1:
 * under a limit of 256 vouchd accepted until accept() failed with EMFILE,
 * then spun and flooded its log).
 *
 * Each SMTP session may hold two descriptors (its socket, and its queue
 * file while a message arrives); `reserve` more are kept for everything
 * else: the queue and local delivery, outbound connections and callouts,
 * DNS, the state database, the control socket and the listeners. Pure:
 * the caller reads and sets the limits.
 */
#ifndef VOUCH_UTIL_FDBUDGET_H
#define VOUCH_UTIL_FDBUDGET_H

struct fdbudget {
	/* in */
	long long max_connections; /* configured */
	long long reserve;         /* descriptors for everything but sessions */
	long long soft, hard;      /* RLIMIT_NOFILE now */
	long long ceiling;         /* how high hard may go (root: fs.nr_open), or hard */
	/* out */
	long long need;     /* reserve + 2 per session */
	long long set_soft; /* the limits to set (equal to soft/hard: no change) */
	long long set_hard;
	long long sessions; /* the max_connections in effect: lowered when short */
};

/* Descriptors kept for everything but sessions, from the settings that
 * open them: 64 + outbound connections + callouts + 2 per delivery thread. */
long long fdbudget_reserve(
    long long outbound_max_connections, long long callout_max_total, long long delivery_threads);

/* Fill need, set_soft, set_hard and sessions; 0, or -1 when not even one
 * session fits beside the reserve. */
int fdbudget_plan(struct fdbudget *b);

#endif
