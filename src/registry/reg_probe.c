/*
 * reg_probe: blocking SMTP client with time limits (see reg_probe.h).
 */
#include "reg_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "reg_err.h"
#include "util/xmalloc.h"

struct reg_probe {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	long long timeout_ms;
	char buf[REG_PROBE_REPLY_MAX + 1024];
	size_t len;
	struct strbuf *transcript;
	int broken;
};

int
reg_probe_parse_reply(const char *buf, size_t len, struct reg_probe_reply *r, size_t *used)
{
	size_t off = 0, o = 0;

	r->code = 0;
	r->nlines = 0;
	r->text[0] = '\0';
	for (;;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l, end;
		int code;

		if (nl == NULL)
			return (len - off > 1000 || off > REG_PROBE_REPLY_MAX) ? -1 : 0;
		end = (size_t)(nl - buf);
		l = end - off;
		if (l > 0 && buf[end - 1] == '\r')
			l--;
		/* RFC 5321 4.2: three digits, then SP, '-' or the end of the line */
		if (l < 3 || buf[off] < '2' - 1 || buf[off] > '5' || buf[off + 1] < '0' ||
		    buf[off + 1] > '9' || buf[off + 2] < '0' || buf[off + 2] > '9')
			return -1;
		code = (buf[off] - '0') * 100 + (buf[off + 1] - '0') * 10 + (buf[off + 2] - '0');
		if (r->nlines > 0 && code != r->code)
			return -1;
		if (l > 3 && buf[off + 3] != ' ' && buf[off + 3] != '-')
			return -1;
		r->code = code;
		{
			size_t tl = l > 4 ? l - 4 : 0;
			if (o + tl + 2 > sizeof(r->text))
				return -1;
			if (r->nlines > 0)
				r->text[o++] = '\n';
			memcpy(r->text + o, buf + off + 4, tl);
			o += tl;
			r->text[o] = '\0';
		}
		r->nlines++;
		if (l == 3 || buf[off + 3] == ' ') {
			*used = end + 1;
			return 1;
		}
		off = end + 1;
	}
}

static void
note(struct reg_probe *p, const char *dir, const char *text, size_t n)
{
	if (p->transcript == NULL)
		return;
	/* the transcript is bounded; once full, later lines are dropped */
	strbuf_printf(p->transcript, "%s", dir);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\r')
			continue;
		if (c == '\n') {
			if (i + 1 < n)
				strbuf_printf(p->transcript, "\n%s", dir);
			continue;
		}
		if (c < 0x20 || c >= 0x7f)
			strbuf_printf(p->transcript, "\\x%02x", c);
		else
			strbuf_append(p->transcript, &c, 1);
	}
	strbuf_puts(p->transcript, "\n");
}

static int
io_read(struct reg_probe *p, char *b, size_t n)
{
	if (p->ssl) {
		int r = SSL_read(p->ssl, b, (int)n);
		return r > 0 ? r : -1;
	}
	ssize_t r = recv(p->fd, b, n, 0);
	return r > 0 ? (int)r : -1;
}

static int
io_write(struct reg_probe *p, const char *b, size_t n)
{
	size_t off = 0;

	while (off < n) {
		int w;
		if (p->ssl) {
			w = SSL_write(p->ssl, b + off, (int)(n - off));
		} else {
			ssize_t sw = send(p->fd, b + off, n - off, MSG_NOSIGNAL);
			w = sw > 0 ? (int)sw : -1;
		}
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int
read_reply(struct reg_probe *p, struct reg_probe_reply *r)
{
	for (;;) {
		size_t used;
		int k = reg_probe_parse_reply(p->buf, p->len, r, &used);

		if (k == 1) {
			note(p, "S: ", p->buf, used);
			memmove(p->buf, p->buf + used, p->len - used);
			p->len -= used;
			return REG_OK;
		}
		if (k < 0) {
			note(p, "S? ", p->buf, p->len > 200 ? 200 : p->len);
			p->broken = 1;
			r->code = 0;
			return REG_EINVAL;
		}
		if (p->len >= sizeof(p->buf) - 1) {
			p->broken = 1;
			return REG_EINVAL;
		}
		int n = io_read(p, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
		if (n <= 0) {
			note(p, "!! ", "connection closed or timed out", 30);
			p->broken = 1;
			r->code = 0;
			return REG_ETEMP;
		}
		p->len += (size_t)n;
	}
}

static void
set_timeouts(int fd, long long ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
make_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		return 0;
	}
	return -1;
}

int
reg_probe_open(struct reg_probe **out, const char *addr, int port, const char *source,
    long long timeout_ms, struct strbuf *transcript, struct reg_probe_reply *greeting, char *err,
    size_t errsz)
{
	struct sockaddr_storage ss, src;
	socklen_t sl, srcl;
	struct reg_probe *p;
	struct pollfd pfd;
	int fd, flags, soerr = 0, rc;
	socklen_t el = sizeof(soerr);

	*out = NULL;
	greeting->code = 0;
	if (make_addr(addr, port, &ss, &sl) < 0) {
		snprintf(err, errsz, "bad address %s", addr);
		return REG_EINVAL;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return REG_ETEMP;
	}
	if (source && source[0]) {
		/* test from a configured local address: bind before connect */
		if (make_addr(source, 0, &src, &srcl) < 0 || src.ss_family != ss.ss_family ||
		    bind(fd, (struct sockaddr *)&src, srcl) < 0) {
			snprintf(err, errsz, "cannot use source address %s: %s", source,
			    errno ? strerror(errno) : "family differs");
			close(fd);
			return REG_ETEMP;
		}
	}
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	rc = connect(fd, (struct sockaddr *)&ss, sl);
	if (rc < 0 && errno != EINPROGRESS) {
		snprintf(err, errsz, "connect to %s port %d: %s", addr, port, strerror(errno));
		close(fd);
		return REG_ETEMP;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (rc < 0 && poll(&pfd, 1, (int)timeout_ms) != 1) {
		snprintf(err, errsz, "connect to %s port %d: timed out", addr, port);
		close(fd);
		return REG_ETEMP;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr != 0) {
		snprintf(err, errsz, "connect to %s port %d: %s", addr, port, strerror(soerr));
		close(fd);
		return REG_ETEMP;
	}
	fcntl(fd, F_SETFL, flags);
	set_timeouts(fd, timeout_ms);
	p = xcalloc(1, sizeof(*p));
	p->fd = fd;
	p->timeout_ms = timeout_ms;
	p->transcript = transcript;
	{
		char line[128];
		int n = snprintf(line, sizeof(line), "connected to %s port %d%s%s", addr, port,
		    source && source[0] ? " from " : "", source && source[0] ? source : "");
		note(p, "-- ", line, (size_t)n);
	}
	if ((rc = read_reply(p, greeting)) != REG_OK) {
		snprintf(err, errsz, "no greeting from %s port %d", addr, port);
		reg_probe_close(p);
		return rc;
	}
	*out = p;
	return REG_OK;
}

int
reg_probe_cmd(struct reg_probe *p, const char *line, struct reg_probe_reply *r)
{
	char out[1024];
	int n = snprintf(out, sizeof(out), "%s\r\n", line);

	r->code = 0;
	r->text[0] = '\0';
	if (p->broken || n < 0 || (size_t)n >= sizeof(out))
		return REG_EINVAL;
	note(p, "C: ", out, (size_t)n);
	if (io_write(p, out, (size_t)n) < 0) {
		p->broken = 1;
		return REG_ETEMP;
	}
	return read_reply(p, r);
}

int
reg_probe_tls(struct reg_probe *p, const char *host, int verify, const char *ca_file,
    struct reg_probe_tls *info, char *err, size_t errsz)
{
	X509 *cert;
	long vr;

	memset(info, 0, sizeof(*info));
	/* RFC 3207 4.2: nothing may be buffered past the 220 */
	if (p->len != 0) {
		snprintf(err, errsz, "server sent data after its 220 to STARTTLS");
		p->broken = 1;
		return REG_EINVAL;
	}
	p->ctx = SSL_CTX_new(TLS_client_method());
	if (p->ctx == NULL) {
		snprintf(err, errsz, "TLS context: out of memory");
		return REG_ETEMP;
	}
	SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
	if (ca_file && ca_file[0])
		SSL_CTX_load_verify_locations(p->ctx, ca_file, NULL);
	else
		SSL_CTX_set_default_verify_paths(p->ctx);
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
	p->ssl = SSL_new(p->ctx);
	SSL_set_fd(p->ssl, p->fd);
	SSL_set_tlsext_host_name(p->ssl, host);
	if (verify) {
		SSL_set_hostflags(p->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set1_host(p->ssl, host);
	}
	note(p, "-- ", "TLS handshake", 13);
	if (SSL_connect(p->ssl) != 1) {
		unsigned long e = ERR_get_error();
		snprintf(err, errsz, "TLS handshake failed: %s",
		    e ? ERR_reason_error_string(e) : "connection closed");
		ERR_clear_error();
		SSL_free(p->ssl);
		p->ssl = NULL;
		p->broken = 1;
		return REG_EINVAL;
	}
	snprintf(info->version, sizeof(info->version), "%s", SSL_get_version(p->ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(p->ssl));
	cert = SSL_get1_peer_certificate(p->ssl);
	if (cert) {
		const ASN1_TIME *na = X509_get0_notAfter(cert);
		BIO *b = BIO_new(BIO_s_mem());

		info->has_cert = 1;
		X509_NAME_oneline(
		    X509_get_subject_name(cert), info->subject, sizeof(info->subject));
		X509_NAME_oneline(X509_get_issuer_name(cert), info->issuer, sizeof(info->issuer));
		if (b && ASN1_TIME_print(b, na) == 1) {
			int n = BIO_read(b, info->not_after, sizeof(info->not_after) - 1);
			info->not_after[n > 0 ? n : 0] = '\0';
		}
		BIO_free(b);
		X509_free(cert);
	}
	vr = SSL_get_verify_result(p->ssl);
	info->verified = info->has_cert && vr == X509_V_OK;
	snprintf(info->verify_error, sizeof(info->verify_error), "%s",
	    vr == X509_V_OK ? "ok" : X509_verify_cert_error_string(vr));
	{
		char line[256];
		int n = snprintf(line, sizeof(line), "TLS %s %s; certificate %s; verify: %s",
		    info->version, info->cipher, info->has_cert ? info->subject : "none",
		    info->verify_error);
		note(p, "-- ", line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
	}
	return REG_OK;
}

void
reg_probe_close(struct reg_probe *p)
{
	if (p == NULL)
		return;
	if (!p->broken) {
		struct reg_probe_reply *r = xmalloc(sizeof(*r));
		reg_probe_cmd(p, "QUIT", r);
		free(r);
	}
	if (p->ssl) {
		SSL_shutdown(p->ssl);
		SSL_free(p->ssl);
	}
	SSL_CTX_free(p->ctx);
	close(p->fd);
	free(p);
}

int
reg_probe_has_ext(const struct reg_probe_reply *ehlo, const char *keyword)
{
	const char *line = ehlo->text;
	size_t kl = strlen(keyword);

	/* the first line is the greeting name; extensions follow */
	line = strchr(line, '\n');
	while (line) {
		line++;
		if (strncasecmp(line, keyword, kl) == 0 &&
		    (line[kl] == '\0' || line[kl] == ' ' || line[kl] == '\n'))
			return 1;
		line = strchr(line, '\n');
	}
	return 0;
}
