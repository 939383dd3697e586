/*
 * srs: the Sender Rewriting Scheme, in the format of libsrs2 and postsrsd
 * (SRS0/SRS1 with a truncated HMAC-SHA1 and a day-granular timestamp), so
 * a vouch site and a postsrsd site can share a key and each reverse the
 * other's addresses.
 *
 * Forwarding mail to a remote address keeps it passing SPF at the next
 * hop when the envelope sender is rewritten into a domain of ours:
 *
 *   alice@example.org          -> SRS0=HHHH=TT=example.org=alice@srs.example
 *   SRS0=HHHH=TT=a.example=bob@fwd1.example  (someone else's SRS0)
 *                              -> SRS1=GGGG=fwd1.example==HHHH=TT=a.example=bob@srs.example
 *
 * HHHH is the first hash_length characters of the base64 of
 * HMAC-SHA1(key, lower(TT || host || user)) for SRS0, of
 * HMAC-SHA1(key, lower(host || rest)) for SRS1; TT is the day number
 * (seconds / 86400) modulo 1024 in two base32 characters. A bounce to
 * such an address is reversed to the address it stands for; the hash must
 * match one of the keys (the first key signs, all of them verify: that is
 * how keys rotate) and an SRS0 timestamp must be at most max_age days old.
 *
 * Case is handled as postsrsd does, so an MTA that changes the case of a
 * local part does not break reversal: the tags, the hash and the
 * timestamp are read case-insensitively (and the hash characters '+'/'-'
 * and '/'/'_' as the same, so postsrsd 1.x's base64 and 2.x's base64url
 * both verify), the hash input is lower-cased, and the address given back
 * keeps the case it came with.
 *
 * Pure: no clock (now is an argument), no files (srs_keys_load() apart),
 * fixed output buffers. Null senders, and senders of our own local
 * domains, are the caller's to leave alone (postsrsd's "domains").
 */
#ifndef VOUCH_AUTH_SRS_H
#define VOUCH_AUTH_SRS_H

#include <stddef.h>
#include <stdint.h>

/* Longest address read or written (RFC 5321 4.5.3.1.3's path is 256;
 * SRS addresses of long senders are longer, as postsrsd's are). */
#define SRS_ADDR_MAX 512
/* Keys in a key file, and the longest key (a line of postsrsd's file). */
#define SRS_KEYS_MAX 16
#define SRS_KEY_MAX 1023
/* postsrsd's bounds on hash-length and hash-minimum. */
#define SRS_HASH_MAX 20

struct srs_keys;

/* How addresses are written and read. srs_options_default() fills in postsrsd's defaults. */
struct srs_options {
	const char
	    *domain;    /* the SRS domain rewritten senders get (borrowed; reversal needs none) */
	char separator; /* after SRS0/SRS1: '=' (default), '+' or '-' */
	unsigned hash_length; /* hash characters written: 1..20, default 4 */
	unsigned hash_min;    /* fewest accepted on reverse: 1..hash_length, default 4 */
	unsigned max_age;     /* days an SRS0 address stays valid, default 21 */
	int classic_base64;   /* write '+' and '/' (libsrs2, postsrsd < 2.2.6), not '-' '_' */
	int always_rewrite;   /* rewrite senders already in the SRS domain too */
};

enum srs_status {
	SRS_OK = 0,
	SRS_UNCHANGED,     /* forward: the sender is in the SRS domain already: out = sender */
	SRS_NOT_SRS,       /* reverse: not an SRS address: nothing to undo */
	SRS_E_SYNTAX,      /* a malformed SRS address, or a sender without local@domain */
	SRS_E_UNSUPPORTED, /* forward: a local part SRS cannot carry (quoted, "@", spaces) */
	SRS_E_HASH_SHORT,  /* reverse: fewer hash characters than hash_min */
	SRS_E_HASH,        /* reverse: the hash matches none of the keys */
	SRS_E_STAMP,       /* reverse: a timestamp character outside base32 */
	SRS_E_EXPIRED,     /* reverse: the SRS0 timestamp is older than max_age days */
	SRS_E_TOO_LONG,    /* the address, or the result, is over SRS_ADDR_MAX or outsz */
	SRS_E_CONFIG,      /* no key, no domain, or options out of bounds */
};

/* postsrsd's defaults; domain is NULL (to be set). */
void srs_options_default(struct srs_options *o);
/* Check options; 0, or -1 with a reason in err. */
int srs_options_check(const struct srs_options *o, char *err, size_t errsz);

/*
 * Keys from a file as postsrsd reads it: one key per line (cut at the
 * first CR or LF), empty lines skipped, the first signs. A file others
 * may read is refused: whoever holds the key can make vouch send
 * bounces anywhere. NULL on failure, with a reason in err.
 */
struct srs_keys *srs_keys_load(const char *path, char *err, size_t errsz);
/* A new random key (24 octets of base64, as postsrsd's) into out (at
 * least 33 octets). 0 or -1. */
int srs_key_random(char *out, size_t outsz);
/* Make the key file path with one new key, mode 0600 (it must not
 * exist). 0, or -1 with a reason. */
int srs_keys_create(const char *path, char *err, size_t errsz);
/* Keys from memory (tests; n at most SRS_KEYS_MAX, each at most SRS_KEY_MAX). */
struct srs_keys *srs_keys_new(const char *const *keys, size_t n);
/* Wipe and free. NULL-safe. */
void srs_keys_free(struct srs_keys *k);
/* Number of keys. */
size_t srs_keys_count(const struct srs_keys *k);

/*
 * Rewrite the envelope sender of mail forwarded out (now: seconds since
 * the epoch). SRS_OK with the SRS address in out; SRS_UNCHANGED with
 * sender copied; otherwise out is "".
 */
enum srs_status srs_forward(const struct srs_keys *k, const struct srs_options *o,
    const char *sender, int64_t now, char *out, size_t outsz);
/*
 * Undo a rewrite for a bounce coming back: SRS_OK with the address the
 * SRS address stands for (for SRS1, the first forwarder's SRS0 address);
 * otherwise out is "". The domain after "@" is not checked (postsrsd
 * does not either): the caller asks only for recipients of its SRS domain.
 */
enum srs_status srs_reverse(const struct srs_keys *k, const struct srs_options *o, const char *addr,
    int64_t now, char *out, size_t outsz);

/* An SRS address taken apart (pure; pointers into the input). */
struct srs_addr {
	int srs1;         /* 0: SRS0, 1: SRS1 */
	char separator;   /* the character after the tag */
	const char *hash; /* hash characters */
	size_t hash_len;
	const char *stamp; /* SRS0: the timestamp (NULL for SRS1) */
	size_t stamp_len;
	const char *host; /* SRS0: the sender's domain; SRS1: the first forwarder's */
	size_t host_len;
	const char *user; /* SRS0: the sender's local part; SRS1: the SRS0 rest */
	size_t user_len;
	const char *domain; /* after "@" (may be empty when there is none) */
	size_t domain_len;
};

/* True if addr starts like an SRS address ("SRS0=", "srs1+", ...). */
int srs_is_srs(const char *addr, size_t len);
/*
 * Take an SRS address apart (no hash or time check): SRS_OK, SRS_NOT_SRS,
 * SRS_E_SYNTAX or SRS_E_TOO_LONG.
 */
enum srs_status srs_parse(const char *addr, size_t len, struct srs_addr *out);

/* "ok", "unchanged", "not an SRS address", ... for logs and replies. */
const char *srs_status_name(enum srs_status st);

#endif
