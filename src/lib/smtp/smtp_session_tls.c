/*
 * smtp_session_tls: STARTTLS (RFC 3207) and implicit TLS (RFC 8314) for a
 * server session, with OpenSSL through libevent's bufferevent_openssl.
 */
#include "smtp/smtp_session_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include "util/log.h"

int
smtp_session_tls_start(struct smtp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	struct bufferevent *tbev;
	size_t injected = evbuffer_get_length(in);

	/*
	 * RFC 3207 4.2 / CVE-2011-0411: anything the client sent after
	 * STARTTLS in the clear is thrown away, never read as a command.
	 */
	if (injected > 0) {
		log_info("sid=%016llx event=starttls_injection client=%s discarded=%zu",
		    (unsigned long long)s->id, s->peer_addr, injected);
		evbuffer_drain(in, injected);
	}
	s->ssl = SSL_new(s->conf.tls);
	if (s->ssl == NULL)
		return -1;
	tbev = bufferevent_openssl_filter_new(
	    s->srv->base, s->bev, s->ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (tbev == NULL) {
		SSL_free(s->ssl);
		s->ssl = NULL;
		return -1;
	}
	/* The filter now owns the plain bufferevent (and the SSL). */
	bufferevent_openssl_set_allow_dirty_shutdown(tbev, 1);
	s->bev = tbev;
	smtp_session_set_state(s, SMTP_ST_TLS);
	smtp_session_setcb(s);
	return 0;
}

int
smtp_session_tls_wrap_implicit(struct smtp_session *s, int fd)
{
	s->ssl = SSL_new(s->conf.tls);
	if (s->ssl == NULL)
		return -1;
	s->bev = bufferevent_openssl_socket_new(
	    s->srv->base, fd, s->ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		SSL_free(s->ssl);
		s->ssl = NULL;
		return -1;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
	return 0;
}

void
smtp_session_tls_connected(struct smtp_session *s)
{
	s->tls = 1;
	log_info("sid=%016llx event=tls client=%s version=%s cipher=%s", (unsigned long long)s->id,
	    s->peer_addr, SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
	if (s->state == SMTP_ST_TLS) {
		/* RFC 3207 4.2: forget everything learned before TLS. */
		smtp_session_reset_txn(s, 1);
		free(s->helo);
		s->helo = NULL;
		s->esmtp = 0;
		smtp_session_set_state(s, SMTP_ST_INIT);
	}
	if (s->srv->ops->tls_done)
		s->srv->ops->tls_done(s->srv->host, s);
	smtp_session_process(s);
}

void
smtp_session_tls_free(struct smtp_session *s)
{
	/* The SSL object belongs to the bufferevent once it was created. */
	s->ssl = NULL;
}

const char *
smtp_session_tls_version(const struct smtp_session *s)
{
	return s->tls && s->ssl ? SSL_get_version(s->ssl) : NULL;
}

const char *
smtp_session_tls_cipher(const struct smtp_session *s)
{
	return s->tls && s->ssl ? SSL_get_cipher_name(s->ssl) : NULL;
}
