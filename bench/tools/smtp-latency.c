/*
 * smtp-latency: an SMTP load client that timestamps every DATA exchange.
 *
 * It runs N sessions in parallel (one poll(2) loop, no threads). Each
 * session connects, reads the greeting, says EHLO, and sends messages:
 * MAIL, RCPT (r times), DATA, the text, and the final "." — the time from
 * writing the last byte of the final "." line to reading the 250 reply is
 * the 250-after-DATA latency this tool reports (p50/p90/p99/max). With -r N
 * the recipients are named as smtp-source names them: to, 2to, ..., Nto
 * (bench@x, 2bench@x, ...). By default
 * a session sends one message per connection (as smtp-source does); -d keeps
 * the connection for the next message.
 *
 * Every message carries a unique "X-Bench-Id: <prefix>-<n>" header; with -o
 * the ids of the messages answered 250 are written to a file, so a test can
 * check that each acknowledged message arrived exactly once.
 *
 * With -X ADDR:PORT the tool is a vouching sender (docs/protocol.md 1): each
 * session says EHLO with the name given by -e (which must resolve to ADDR)
 * and, when the server offers XVOUCH, "XVOUCH <fresh id>" before MAIL; the
 * tool itself is the vouching host X on ADDR:PORT and confirms an id only
 * for its open session whose peer is the address the check comes from. It
 * then also reports the XVOUCH round trip (xv_p50_ms, xv_p99_ms), the
 * checks its X answered and the callback connections the server opened.
 *
 * With -M FILE every message is that file (a whole message, header and
 * body, CRLF lines: e.g. one signed by bench/dkim) below its X-Bench-Id
 * field, dot-stuffed as sent; -l is then ignored. A field added above the
 * others is not in a DKIM signature's h=, so the signature still holds.
 *
 * Output: one line of key=value pairs on stdout (see print_result()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define READ_MAX 4096
#define HDR_MAX 1024

enum step {
	ST_CONNECTING, ST_GREETING, ST_EHLO, ST_XVOUCH, ST_READY, ST_MAIL, ST_RCPT, ST_DATA, ST_TEXT,
	ST_DOT, ST_QUIT, ST_IDLE
};

struct opts {
	int sessions;
	long messages;		/* 0: until the time limit */
	double seconds;		/* 0: until the message count */
	long length;		/* body octets */
	int rcpts;
	double rate;		/* messages started per second in total; 0 = no limit */
	int keep;		/* -d: several messages per connection */
	const char *from;
	const char *to;
	const char *prefix;
	const char *tagfile;
	struct sockaddr_in server;
	struct in_addr *sources;
	int nsources;
	const char *ehlo;	/* -e: our EHLO name */
	const char *msgfile;	/* -M: the message to send */
	int vouch;		/* -X given: say XVOUCH, answer XVOUCH CHECK */
	struct sockaddr_in xaddr;
};

#define XCONN_MAX 64
#define ID_LEN 128

/* A connection the server opened to our vouching host (X). */
struct xconn {
	int fd;
	struct in_addr peer;
	char in[READ_MAX];
	size_t inlen;
};

struct session {
	int fd;
	enum step step;
	int rcpt_sent;
	char in[READ_MAX];
	size_t inlen;
	char hdr[HDR_MAX];	/* this message's header block */
	size_t hdrlen;
	size_t sent;		/* octets of header + body written */
	long msgno;		/* message being sent, -1 = none */
	double t_dot;		/* when the final "." was written */
	double retry_at;	/* reconnect no earlier than this */
	int source;
	int xvouch_offered;	/* the server's EHLO listed XVOUCH */
	char id[ID_LEN + 1];	/* this session's vouching id, "" = none */
	double t_xv;		/* when XVOUCH was sent */
};

struct run {
	struct opts o;
	char *body;		/* shared text after the header, ends "\r\n.\r\n" */
	size_t bodylen;
	long started, acked, failed, connect_errors;
	double *lat;
	size_t nlat, maxlat;
	double t0;
	double last_reply;	/* when the last reply arrived */
	FILE *tags;
	int next_source;
	/* the vouching host */
	struct session *sessions;
	int xlisten;
	struct xconn x[XCONN_MAX];
	long x_conns, x_checks, x_confirmed;
	double *xlat;
	size_t nxlat, maxxlat;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("smtp-latency: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void
usage(void)
{
	fputs("usage: smtp-latency [-s sessions] [-m messages] [-T seconds] [-l length]\n"
	    "         [-r recipients] [-R rate] [-d] [-f from] [-t to] [-p prefix]\n"
	    "         [-o tagfile] [-S src1,src2,...] [-e ehlo-name] [-X addr:port]\n"
	    "         [-M message-file]\n"
	    "         host:port\n", stderr);
	exit(2);
}

/* The body: about `length` octets of lines of up to 76 characters, then
 * the final dot. */
static void
make_body(struct run *r)
{
	size_t n = (size_t)r->o.length, o = 0, col = 0;
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

	r->body = malloc(n + 8);
	if (r->body == NULL)
		die("out of memory");
	while (o + 2 < n) {
		if (col == 76) {
			r->body[o++] = '\r';
			r->body[o++] = '\n';
			col = 0;
			continue;
		}
		r->body[o] = alphabet[o % (sizeof(alphabet) - 1)];
		o++;
		col++;
	}
	if (o > 0 || n > 0) {
		r->body[o++] = '\r';
		r->body[o++] = '\n';
	}
	memcpy(r->body + o, ".\r\n", 3);
	r->bodylen = o + 3;
}

/* No more messages to start: the count is sent or the time is up. */
static int
finished(const struct run *r, double now)
{
	if (r->o.messages > 0 && r->started >= r->o.messages)
		return 1;
	return r->o.seconds > 0 && now - r->t0 >= r->o.seconds;
}

/* May a message start now (not finished, and within the rate)? */
static int
may_start(struct run *r, double now)
{
	if (finished(r, now))
		return 0;
	if (r->o.rate > 0 && (double)r->started >= r->o.rate * (now - r->t0) + 1)
		return 0;
	return 1;
}

static void
sess_close(struct session *s)
{
	s->id[0] = '\0'; /* the session is over: its id is no longer ours */
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->step = ST_IDLE;
	s->inlen = 0;
}

static void
sess_fail(struct run *r, struct session *s, double now)
{
	if (s->msgno >= 0)
		r->failed++;
	s->msgno = -1;
	sess_close(s);
	s->retry_at = now + 0.01;
}

static int
sess_connect(struct run *r, struct session *s)
{
	int one = 1;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (r->o.nsources > 0) {
		struct sockaddr_in src;
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr = r->o.sources[r->next_source++ % r->o.nsources];
		/*
		 * Leave the port to connect(): a port chosen at bind() must be
		 * free for every destination and never reuses one in TIME_WAIT,
		 * so thousands of one-message connections from one source
		 * address exhaust the range and connect() slows down mid-run
		 * (a benchmark round then measures the kernel's port search,
		 * not the server). At connect() the kernel needs only a unique
		 * 4-tuple and may reuse TIME_WAIT ports (tcp_tw_reuse, on for
		 * loopback by default).
		 */
		setsockopt(s->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(s->fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			close(s->fd);
			s->fd = -1;
			return -1;
		}
	}
	if (connect(s->fd, (struct sockaddr *)&r->o.server, sizeof(r->o.server)) < 0 &&
	    errno != EINPROGRESS) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	s->step = ST_CONNECTING;
	s->inlen = 0;
	return 0;
}

static int send_line(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
send_line(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	/* Commands are short: the socket buffer always takes them whole. */
	return send(s->fd, line, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* -M: the file, dot-stuffed, as the body (it holds its own header). */
static void
load_message(struct run *r)
{
	FILE *f = fopen(r->o.msgfile, "rb");
	size_t cap = 1 << 16, o = 0;
	int c, bol = 1;

	if (f == NULL)
		die("%s: %s", r->o.msgfile, strerror(errno));
	r->body = malloc(cap);
	while (r->body && (c = getc(f)) != EOF) {
		if (o + 8 > cap)
			r->body = realloc(r->body, cap *= 2);
		if (r->body == NULL)
			break;
		if (bol && c == '.')
			r->body[o++] = '.';
		r->body[o++] = (char)c;
		bol = c == '\n';
	}
	fclose(f);
	if (r->body == NULL)
		die("out of memory");
	if (!bol) {
		r->body[o++] = '\r';
		r->body[o++] = '\n';
	}
	memcpy(r->body + o, ".\r\n", 3);
	r->bodylen = o + 3;
}

static void
begin_message(struct run *r, struct session *s)
{
	s->msgno = r->started++;
	s->rcpt_sent = 0;
	s->sent = 0;
	if (r->o.msgfile) {
		s->hdrlen = (size_t)snprintf(s->hdr, sizeof(s->hdr),
		    "X-Bench-Id: %s-%ld\r\n", r->o.prefix, s->msgno);
		s->step = ST_MAIL;
		if (send_line(s, "MAIL FROM:<%s>\r\n", r->o.from) < 0)
			s->step = ST_IDLE;
		return;
	}
	s->hdrlen = (size_t)snprintf(s->hdr, sizeof(s->hdr),
	    "From: <%s>\r\nTo: <%s>\r\nSubject: bench %s-%ld\r\n"
	    "Message-ID: <%s-%ld@bench.invalid>\r\nX-Bench-Id: %s-%ld\r\n\r\n",
	    r->o.from, r->o.to, r->o.prefix, s->msgno, r->o.prefix, s->msgno,
	    r->o.prefix, s->msgno);
	s->step = ST_MAIL;
	if (send_line(s, "MAIL FROM:<%s>\r\n", r->o.from) < 0)
		s->step = ST_IDLE;
}

static void
send_rcpt(struct run *r, struct session *s)
{
	/* As smtp-source names them: to, 2to, 3to, ... */
	if (s->rcpt_sent == 0)
		send_line(s, "RCPT TO:<%s>\r\n", r->o.to);
	else
		send_line(s, "RCPT TO:<%d%s>\r\n", s->rcpt_sent + 1, r->o.to);
	s->rcpt_sent++;
}

/* Write as much of the message text as the socket takes. */
static int
send_text(struct run *r, struct session *s, double now)
{
	size_t total = s->hdrlen + r->bodylen;

	while (s->sent < total) {
		struct iovec iov[2];
		int n = 0;
		if (s->sent < s->hdrlen) {
			iov[n].iov_base = s->hdr + s->sent;
			iov[n++].iov_len = s->hdrlen - s->sent;
			iov[n].iov_base = r->body;
			iov[n++].iov_len = r->bodylen;
		} else {
			iov[n].iov_base = r->body + (s->sent - s->hdrlen);
			iov[n++].iov_len = r->bodylen - (s->sent - s->hdrlen);
		}
		struct msghdr mh;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		ssize_t w = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		s->sent += (size_t)w;
	}
	s->t_dot = now;
	s->step = ST_DOT;
	return 0;
}

static void
record_in(double **v, size_t *n, size_t *max, double ms)
{
	if (*n == *max) {
		*max = *max ? *max * 2 : 4096;
		*v = realloc(*v, *max * sizeof(**v));
		if (*v == NULL)
			die("out of memory");
	}
	(*v)[(*n)++] = ms;
}

static void
record(struct run *r, double ms)
{
	record_in(&r->lat, &r->nlat, &r->maxlat, ms);
}

/* A fresh id: 128 letters and digits from the kernel's random source. */
static void
new_id(char id[ID_LEN + 1])
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[ID_LEN];
	static int fd = -1;

	if (fd < 0 && (fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		die("/dev/urandom: %s", strerror(errno));
	if (read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw))
		die("short read from /dev/urandom");
	for (int i = 0; i < ID_LEN; i++)
		id[i] = alnum[raw[i] % 62];
	id[ID_LEN] = '\0';
}

/* After EHLO (and XVOUCH): start a message, or wait for the rate. */
static void
ready(struct run *r, struct session *s, double now)
{
	if (finished(r, now)) {
		s->step = ST_QUIT;
		send_line(s, "QUIT\r\n");
		return;
	}
	s->step = ST_READY;
	if (may_start(r, now))
		begin_message(r, s);
}

/* One complete reply is in; advance the dialogue. */
static void
on_reply(struct run *r, struct session *s, int code, double now)
{
	r->last_reply = now;
	switch (s->step) {
	case ST_GREETING:
		if (code != 220)
			goto fail;
		s->step = ST_EHLO;
		s->xvouch_offered = 0;
		send_line(s, "EHLO %s\r\n", r->o.ehlo);
		return;
	case ST_EHLO:
		if (code != 250)
			goto fail;
		if (r->o.vouch && s->xvouch_offered && !finished(r, now)) {
			new_id(s->id);
			s->t_xv = now;
			s->step = ST_XVOUCH;
			send_line(s, "XVOUCH %s\r\n", s->id);
			return;
		}
		/* Within the rate: start now; else the main loop starts it. */
		ready(r, s, now);
		return;
	case ST_XVOUCH:
		if (code != 250)
			goto fail;
		record_in(&r->xlat, &r->nxlat, &r->maxxlat, (now - s->t_xv) * 1000.0);
		ready(r, s, now);
		return;
	case ST_MAIL:
		if (code != 250)
			goto fail;
		s->step = ST_RCPT;
		send_rcpt(r, s);
		return;
	case ST_RCPT:
		if (code != 250)
			goto fail;
		if (s->rcpt_sent < r->o.rcpts) {
			send_rcpt(r, s);
			return;
		}
		s->step = ST_DATA;
		send_line(s, "DATA\r\n");
		return;
	case ST_DATA:
		if (code != 354)
			goto fail;
		s->step = ST_TEXT;
		if (send_text(r, s, now) < 0)
			goto fail;
		return;
	case ST_DOT:
		if (code != 250)
			goto fail;
		record(r, (now - s->t_dot) * 1000.0);
		r->acked++;
		if (r->tags)
			fprintf(r->tags, "%s-%ld\n", r->o.prefix, s->msgno);
		s->msgno = -1;
		if (r->o.keep && may_start(r, now)) {
			begin_message(r, s);
			return;
		}
		s->step = ST_QUIT;
		send_line(s, "QUIT\r\n");
		return;
	case ST_QUIT:
		sess_close(s);
		return;
	default:
		goto fail;
	}
fail:
	sess_fail(r, s, now);
}

/* Read what is there; act on each complete reply (last line "ddd "). */
static void
on_readable(struct run *r, struct session *s, double now)
{
	ssize_t n = recv(s->fd, s->in + s->inlen, sizeof(s->in) - s->inlen - 1, 0);

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (s->step == ST_QUIT) {
			sess_close(s);
			return;
		}
		sess_fail(r, s, now);
		return;
	}
	s->inlen += (size_t)n;
	for (;;) {
		char *eol = memchr(s->in, '\n', s->inlen);
		if (eol == NULL) {
			if (s->inlen >= sizeof(s->in) - 1)
				sess_fail(r, s, now);
			return;
		}
		size_t linelen = (size_t)(eol - s->in) + 1;
		int last = linelen >= 4 && s->in[3] != '-';
		int code = atoi(s->in);
		if (s->step == ST_EHLO && linelen >= 10 && strncmp(s->in + 4, "XVOUCH", 6) == 0)
			s->xvouch_offered = 1;
		memmove(s->in, s->in + linelen, s->inlen - linelen);
		s->inlen -= linelen;
		if (last) {
			on_reply(r, s, code, now);
			if (s->fd < 0)
				return;
		}
	}
}

static double
percentile(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- the vouching host ---- */

static void
x_listen(struct run *r)
{
	int one = 1;

	r->xlisten = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->xlisten < 0 ||
	    setsockopt(r->xlisten, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(r->xlisten, (struct sockaddr *)&r->o.xaddr, sizeof(r->o.xaddr)) < 0 ||
	    listen(r->xlisten, 64) < 0)
		die("cannot listen as the vouching host: %s", strerror(errno));
	for (int i = 0; i < XCONN_MAX; i++)
		r->x[i].fd = -1;
}

static void
x_say(struct xconn *x, const char *text)
{
	ssize_t w = send(x->fd, text, strlen(text), MSG_NOSIGNAL);
	(void)w;
}

static void
x_close(struct xconn *x)
{
	close(x->fd);
	x->fd = -1;
	x->inlen = 0;
}

static void
x_accept(struct run *r)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd = accept4(r->xlisten, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < XCONN_MAX; i++) {
		if (r->x[i].fd < 0) {
			r->x[i].fd = fd;
			r->x[i].peer = peer.sin_addr;
			r->x_conns++;
			x_say(&r->x[i], "220 x.bench.invalid ESMTP\r\n");
			return;
		}
	}
	close(fd);
}

/* DESIGN 5.1 step 5: confirmed only for an open session whose peer is the asker. */
static void
x_line(struct run *r, struct xconn *x, const char *line, size_t len)
{
	char reply[ID_LEN + 40];

	if (len >= 4 && (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0)) {
		x_say(x, "250-x.bench.invalid\r\n250-PIPELINING\r\n250 XVOUCH\r\n");
	} else if (len == 13 + ID_LEN && strncasecmp(line, "XVOUCH CHECK ", 13) == 0) {
		const char *id = line + 13;
		int ok = 0;
		r->x_checks++;
		for (int i = 0; i < r->o.sessions && !ok; i++) {
			const struct session *s = &r->sessions[i];
			ok = s->id[0] && memcmp(s->id, id, ID_LEN) == 0 &&
			    x->peer.s_addr == r->o.server.sin_addr.s_addr;
		}
		if (ok) {
			r->x_confirmed++;
			snprintf(reply, sizeof(reply), "250 2.7.0 %.*s confirmed\r\n", ID_LEN, id);
			x_say(x, reply);
		} else {
			x_say(x, "550 5.7.1 unknown session\r\n");
		}
	} else if (len >= 4 && strncasecmp(line, "QUIT", 4) == 0) {
		x_say(x, "221 2.0.0 bye\r\n");
		x_close(x);
	} else {
		x_say(x, "502 5.5.2 not here\r\n");
	}
}

static void
x_readable(struct run *r, struct xconn *x)
{
	ssize_t n = recv(x->fd, x->in + x->inlen, sizeof(x->in) - x->inlen, 0);

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		x_close(x);
		return;
	}
	x->inlen += (size_t)n;
	for (;;) {
		char *eol = memchr(x->in, '\n', x->inlen);
		if (eol == NULL) {
			if (x->inlen == sizeof(x->in))
				x_close(x);
			return;
		}
		size_t linelen = (size_t)(eol - x->in) + 1;
		size_t len = linelen - 1;
		if (len > 0 && x->in[len - 1] == '\r')
			len--;
		x_line(r, x, x->in, len);
		if (x->fd < 0)
			return;
		memmove(x->in, x->in + linelen, x->inlen - linelen);
		x->inlen -= linelen;
	}
}

static void
print_result(struct run *r, double elapsed)
{
	double sum = 0;

	qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_double);
	qsort(r->xlat, r->nxlat, sizeof(*r->xlat), cmp_double);
	for (size_t i = 0; i < r->nlat; i++)
		sum += r->lat[i];
	printf("sessions=%d messages=%ld failed=%ld connect_errors=%ld elapsed_s=%.3f "
	    "rate=%.1f lat_mean_ms=%.3f lat_p50_ms=%.3f lat_p90_ms=%.3f lat_p99_ms=%.3f "
	    "lat_max_ms=%.3f\n", r->o.sessions, r->acked, r->failed, r->connect_errors,
	    elapsed, elapsed > 0 ? (double)r->acked / elapsed : 0.0,
	    r->nlat ? sum / (double)r->nlat : 0.0, percentile(r->lat, r->nlat, 0.50),
	    percentile(r->lat, r->nlat, 0.90), percentile(r->lat, r->nlat, 0.99),
	    r->nlat ? r->lat[r->nlat - 1] : 0.0);
	if (r->o.vouch)
		printf("xvouch_sessions=%zu xv_p50_ms=%.3f xv_p99_ms=%.3f x_checks=%ld "
		    "x_confirmed=%ld x_connections=%ld\n",
		    r->nxlat, percentile(r->xlat, r->nxlat, 0.50),
		    percentile(r->xlat, r->nxlat, 0.99), r->x_checks, r->x_confirmed, r->x_conns);
}

static void
parse_addr(struct sockaddr_in *sin, const char *spec)
{
	char host[64];
	const char *colon = strrchr(spec, ':');

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
		usage();
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		die("not an IPv4 address: %s", host);
}

static void
parse_sources(struct opts *o, const char *list)
{
	char *copy = strdup(list), *p = copy, *comma;

	if (copy == NULL)
		die("out of memory");
	for (;;) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		o->sources = realloc(o->sources, (size_t)(o->nsources + 1) * sizeof(*o->sources));
		if (o->sources == NULL || inet_pton(AF_INET, p, &o->sources[o->nsources]) != 1)
			die("bad source address: %s", p);
		o->nsources++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(copy);
}

int
main(int argc, char **argv)
{
	struct run r;
	struct session *ss;
	struct pollfd *pfd;
	int c, count_given = 0;

	memset(&r, 0, sizeof(r));
	r.o.sessions = 1;
	r.o.messages = 1;
	r.o.length = 1024;
	r.o.rcpts = 1;
	r.o.from = "sender@bench.invalid";
	r.o.to = "bench@test.example";
	r.o.prefix = "m";
	r.o.ehlo = "client.bench.invalid";
	r.xlisten = -1;
	while ((c = getopt(argc, argv, "s:m:T:l:r:R:df:t:p:o:S:e:X:M:")) != -1) {
		switch (c) {
		case 's': r.o.sessions = atoi(optarg); break;
		case 'm': r.o.messages = atol(optarg); count_given = 1; break;
		case 'T': r.o.seconds = atof(optarg); break;
		case 'l': r.o.length = atol(optarg); break;
		case 'r': r.o.rcpts = atoi(optarg); break;
		case 'R': r.o.rate = atof(optarg); break;
		case 'd': r.o.keep = 1; break;
		case 'f': r.o.from = optarg; break;
		case 't': r.o.to = optarg; break;
		case 'p': r.o.prefix = optarg; break;
		case 'o': r.o.tagfile = optarg; break;
		case 'S': parse_sources(&r.o, optarg); break;
		case 'e': r.o.ehlo = optarg; break;
		case 'M': r.o.msgfile = optarg; break;
		case 'X':
			parse_addr(&r.o.xaddr, optarg);
			r.o.vouch = 1;
			break;
		default: usage();
		}
	}
	/* -T alone: as many messages as fit in the time. */
	if (r.o.seconds > 0 && !count_given)
		r.o.messages = 0;
	if (optind != argc - 1 || r.o.sessions < 1 || r.o.rcpts < 1 || r.o.length < 0 ||
	    (r.o.messages <= 0 && r.o.seconds <= 0))
		usage();
	parse_addr(&r.o.server, argv[optind]);
	if (r.o.tagfile && (r.tags = fopen(r.o.tagfile, "w")) == NULL)
		die("%s: %s", r.o.tagfile, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	if (r.o.msgfile)
		load_message(&r);
	else
		make_body(&r);

	ss = calloc((size_t)r.o.sessions, sizeof(*ss));
	pfd = calloc((size_t)r.o.sessions + 1 + XCONN_MAX, sizeof(*pfd));
	r.sessions = ss;
	if (r.o.vouch)
		x_listen(&r);
	if (ss == NULL || pfd == NULL)
		die("out of memory");
	for (int i = 0; i < r.o.sessions; i++) {
		ss[i].fd = -1;
		ss[i].step = ST_IDLE;
		ss[i].msgno = -1;
	}
	r.t0 = now_s();
	r.last_reply = r.t0;
	for (;;) {
		double now = now_s();
		int active = 0;

		for (int i = 0; i < r.o.sessions; i++) {
			struct session *s = &ss[i];
			if (s->fd >= 0 && s->step == ST_READY) {
				if (finished(&r, now)) {
					s->step = ST_QUIT;
					send_line(s, "QUIT\r\n");
				} else if (may_start(&r, now)) {
					begin_message(&r, s);
				}
			}
			if (s->fd < 0 && now >= s->retry_at && may_start(&r, now)) {
				if (sess_connect(&r, s) < 0) {
					r.connect_errors++;
					s->retry_at = now + 0.01;
				}
			}
			pfd[i].fd = s->fd;
			pfd[i].events = 0;
			if (s->fd >= 0) {
				active++;
				pfd[i].events = POLLIN;
				if (s->step == ST_CONNECTING || s->step == ST_TEXT)
					pfd[i].events |= POLLOUT;
			}
		}
		if (active == 0 && finished(&r, now))
			break;
		/* No reply for a minute (server stuck or gone): give up. */
		if (now - r.last_reply > 60) {
			fprintf(stderr, "smtp-latency: no reply for 60 s\n");
			r.failed += active;
			break;
		}
		/* the vouching host's listener and connections follow the sessions */
		int nx = r.o.sessions;
		pfd[nx].fd = r.xlisten;
		pfd[nx].events = r.xlisten >= 0 ? POLLIN : 0;
		for (int i = 0; i < XCONN_MAX; i++) {
			pfd[nx + 1 + i].fd = r.x[i].fd;
			pfd[nx + 1 + i].events = r.x[i].fd >= 0 ? POLLIN : 0;
		}
		int n = poll(pfd, (nfds_t)(nx + 1 + XCONN_MAX), 10);
		if (n < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		now = now_s();
		for (int i = 0; n > 0 && i < r.o.sessions; i++) {
			struct session *s = &ss[i];
			if (s->fd < 0 || pfd[i].revents == 0)
				continue;
			if (s->step == ST_CONNECTING) {
				int err = 0;
				socklen_t len = sizeof(err);
				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
				if (err) {
					r.connect_errors++;
					sess_close(s);
					s->retry_at = now + 0.01;
					continue;
				}
				s->step = ST_GREETING;
			}
			if (s->step == ST_TEXT && (pfd[i].revents & POLLOUT)) {
				if (send_text(&r, s, now) < 0) {
					sess_fail(&r, s, now);
					continue;
				}
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				on_readable(&r, s, now);
		}
		if (r.o.vouch) {
			if (pfd[nx].revents & POLLIN)
				x_accept(&r);
			for (int i = 0; i < XCONN_MAX; i++)
				if (r.x[i].fd >= 0 && pfd[nx + 1 + i].fd == r.x[i].fd &&
				    (pfd[nx + 1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
					x_readable(&r, &r.x[i]);
		}
	}
	print_result(&r, now_s() - r.t0);
	if (r.tags)
		fclose(r.tags);
	free(r.body);
	free(r.lat);
	free(r.xlat);
	free(ss);
	free(pfd);
	free(r.o.sources);
	return r.failed > 0 ? 1 : 0;
}
