/*
 * bench_dkim_vouch: DKIM signing and verification rates of vouch's
 * library (see bench/README.md "DKIM").
 *
 *	bench_dkim_vouch prepare DIR	keys, key records, messages, signed messages
 *	bench_dkim_vouch run DIR SECONDS
 *
 * prepare writes, for the other implementations to read the same input:
 *   DIR/{rsa,ed}.pem      the private keys (PKCS#8 PEM)
 *   DIR/ed.seed           the Ed25519 key as a base64 seed (dkimpy's form)
 *   DIR/{rsa,ed}.txt      the key records ("v=DKIM1; k=...; p=...")
 *   DIR/msg-{4k,100k}.eml the unsigned messages (CRLF)
 *   DIR/signed-{rsa,ed}-{4k,100k}.eml  signed by vouch (c=relaxed/relaxed,
 *                         h=from:to:subject:date:message-id)
 * run signs and verifies each message for SECONDS each (at least once)
 * and prints one line per case: messages, wall and CPU seconds, rates.
 * Verification takes the key from an in-memory DNS table (dns_mem) for
 * every message, parsing the record each time as a resolver's answer
 * would be: crypto and canonicalization, no network.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/dkim.h"
#include "auth/dkim_crypt.h"
#include "auth/dkim_key.h"
#include "auth/dkim_sig.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "dns/dns_result.h"
#include "util/str.h"

#define DOMAIN "bench.example"
#define NOW 1764633600LL /* 2025-12-02: fixed, so runs sign alike */

static const char *const hlist[] = { "From", "To", "Subject", "Date", "Message-ID" };

struct size {
	const char *name;
	size_t bytes;
};
static const struct size sizes[] = { { "4k", 4096 }, { "100k", 102400 } };

struct key {
	const char *name; /* file stem and selector */
	struct dkim_signkey k;
	char rec[1024];
};

static void
die(const char *what)
{
	fprintf(stderr, "bench_dkim_vouch: %s%s%s\n", what, errno ? ": " : "",
	    errno ? strerror(errno) : "");
	exit(1);
}

static double
clock_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
write_file(const char *dir, const char *name, const char *p, size_t n, int mode)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n || close(fd) < 0)
		die(path);
}

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	char *p = malloc((size_t)st.st_size + 1);
	if (p == NULL || read(fd, p, (size_t)st.st_size) != st.st_size)
		die(path);
	close(fd);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return p;
}

/* A plain text message of about bytes octets (CRLF lines of 76). */
static char *
make_message(size_t bytes, size_t *len)
{
	struct strbuf sb;
	strbuf_init(&sb, bytes + 4096);
	strbuf_puts(&sb,
	    "From: Alice Sender <alice@" DOMAIN ">\r\n"
	    "To: Bob Receiver <bob@receiver.example>\r\n"
	    "Subject: DKIM benchmark message\r\n"
	    "Date: Tue, 02 Dec 2025 00:00:00 +0000\r\n"
	    "Message-ID: <bench.1@" DOMAIN ">\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n");
	for (unsigned line = 0; sb.len < bytes; line++) {
		char l[80];
		int n = snprintf(l, sizeof(l), "%05u ", line);
		for (; n < 76; n++)
			l[n] = (char)('a' + (n * 7 + line) % 26);
		l[76] = '\0';
		strbuf_puts(&sb, l);
		strbuf_puts(&sb, "\r\n");
	}
	*len = sb.len;
	return strbuf_steal(&sb);
}

static void
load_key(struct key *k, const char *dir)
{
	char name[64], err[200];
	size_t len;
	snprintf(name, sizeof(name), "%s.pem", k->name);
	char *pem = read_file(dir, name, &len);
	k->k.pkey = dkim_crypt_private(pem, len, &k->k.alg, err, sizeof(err));
	if (k->k.pkey == NULL) {
		fprintf(stderr, "bench_dkim_vouch: %s: %s\n", name, err);
		exit(1);
	}
	free(pem);
	snprintf(k->k.domain, sizeof(k->k.domain), DOMAIN);
	snprintf(k->k.selector, sizeof(k->k.selector), "%s", k->name);
	snprintf(name, sizeof(name), "%s.txt", k->name);
	char *rec = read_file(dir, name, &len);
	snprintf(k->rec, sizeof(k->rec), "%s", rec);
	free(rec);
}

/* The message with its signature on top (caller frees), or NULL. */
static char *
sign(const struct key *k, const char *msg, size_t len, size_t *outlen)
{
	struct dkim_sign_opts o = {
		.headers = hlist,
		.nheaders = sizeof(hlist) / sizeof(hlist[0]),
		.oversign = hlist,
		.noversign = 0,
		.now = NOW,
	};
	const struct dkim_signkey *keys[] = { &k->k };
	struct dkim_sign *s = dkim_sign_new(&o);
	struct strbuf out;
	char err[200];
	int rc;

	dkim_sign_feed(s, msg, len);
	strbuf_init(&out, len + 8192);
	rc = dkim_sign_finish(s, keys, 1, &out, err, sizeof(err));
	dkim_sign_free(s);
	if (rc < 0) {
		fprintf(stderr, "bench_dkim_vouch: sign: %s\n", err);
		strbuf_free(&out);
		return NULL;
	}
	strbuf_append(&out, msg, len);
	*outlen = out.len;
	return strbuf_steal(&out);
}

/* Verify one message, its key from t: 1 if every signature passed. */
static int
verify(const struct dns_mem *t, struct dkim_keycache *kc, const char *msg, size_t len)
{
	struct dkim_verify_opts o = { .now = NOW, .keycache = kc };
	struct dkim_verify *v = dkim_verify_new(&o);
	int ok;

	dkim_verify_feed(v, msg, len);
	for (size_t i = 0; i < dkim_verify_nkeys(v); i++) {
		struct dns_result *res = dns_mem_lookup(t, dkim_verify_key_name(v, i), DNS_T_TXT);
		dkim_verify_key_answer(v, i, res);
		dns_result_free(res);
	}
	dkim_verify_end(v);
	ok = dkim_verify_done(v) && dkim_verify_nresults(v) == 1 &&
	    dkim_verify_result(v, 0)->result == DKIM_PASS;
	dkim_verify_free(v);
	return ok;
}

static int
prepare(const char *dir)
{
	struct key keys[2] = { { .name = "rsa" }, { .name = "ed" } };
	EVP_PKEY *pk[2] = { dkim_crypt_keygen(DKIM_KEY_RSA, 2048),
		dkim_crypt_keygen(DKIM_KEY_ED25519, 0) };

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die(dir);
	for (int i = 0; i < 2; i++) {
		struct strbuf sb;
		char name[64];
		if (pk[i] == NULL)
			die("keygen");
		strbuf_init(&sb, 1 << 16);
		if (dkim_crypt_private_pem(pk[i], &sb) < 0)
			die("pem");
		snprintf(name, sizeof(name), "%s.pem", keys[i].name);
		write_file(dir, name, sb.s, sb.len, 0600);
		strbuf_reset(&sb);
		if (dkim_crypt_public_record(pk[i], &sb) < 0)
			die("record");
		snprintf(name, sizeof(name), "%s.txt", keys[i].name);
		write_file(dir, name, sb.s, sb.len, 0644);
		strbuf_free(&sb);
	}
	/* dkimpy takes an Ed25519 key as its base64 seed */
	unsigned char seed[32];
	size_t sl = sizeof(seed);
	char b64[64];
	if (EVP_PKEY_get_raw_private_key(pk[1], seed, &sl) != 1 || sl != 32)
		die("ed25519 seed");
	int n = EVP_EncodeBlock((unsigned char *)b64, seed, 32);
	b64[n++] = '\n';
	write_file(dir, "ed.seed", b64, (size_t)n, 0600);
	EVP_PKEY_free(pk[0]);
	EVP_PKEY_free(pk[1]);

	for (int i = 0; i < 2; i++)
		load_key(&keys[i], dir);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t len, slen;
		char name[64];
		char *msg = make_message(sizes[s].bytes, &len);
		snprintf(name, sizeof(name), "msg-%s.eml", sizes[s].name);
		write_file(dir, name, msg, len, 0644);
		for (int i = 0; i < 2; i++) {
			char *sm = sign(&keys[i], msg, len, &slen);
			if (sm == NULL)
				return 1;
			snprintf(
			    name, sizeof(name), "signed-%s-%s.eml", keys[i].name, sizes[s].name);
			write_file(dir, name, sm, slen, 0644);
			free(sm);
		}
		free(msg);
	}
	for (int i = 0; i < 2; i++)
		EVP_PKEY_free(keys[i].k.pkey);
	return 0;
}

static void
report(const char *op, const struct key *k, const struct size *sz, long n, double wall, double cpu)
{
	printf("impl=vouch op=%s alg=%s size=%s n=%ld wall_s=%.3f cpu_s=%.3f per_s=%.0f "
	       "per_cpu_s=%.0f\n",
	    op, k->k.alg == DKIM_ALG_ED25519_SHA256 ? "ed25519" : "rsa-2048", sz->name, n, wall,
	    cpu, n / wall, cpu > 0 ? n / cpu : 0.0);
	fflush(stdout);
}

static int
run(const char *dir, double secs)
{
	struct key keys[2] = { { .name = "rsa" }, { .name = "ed" } };
	struct dns_mem *t = dns_mem_new();
	int bad = 0;

	for (int i = 0; i < 2; i++) {
		char name[128];
		load_key(&keys[i], dir);
		snprintf(name, sizeof(name), "%s._domainkey." DOMAIN, keys[i].name);
		if (dns_mem_add(t, name, DNS_T_TXT, keys[i].rec) < 0)
			die("dns_mem_add");
	}
	/* The ceiling: the bare public-key operation on one digest, no
	 * parsing, no canonicalization, no hashing of the message. */
	for (int i = 0; i < 2; i++) {
		uint8_t digest[32] = { 1, 2, 3 }, sig[1024];
		size_t siglen = sizeof(sig);
		long n = 0;
		double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w = 0;
		do {
			siglen = sizeof(sig);
			if (dkim_crypt_sign(keys[i].k.pkey, keys[i].k.alg, digest, sig, &siglen) <
			    0)
				die("crypt_sign");
			n++;
		} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
		report("crypto-sign", &keys[i], &(struct size){ "-", 0 }, n, w,
		    clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
		n = 0;
		w0 = clock_s(CLOCK_MONOTONIC);
		c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		do {
			if (dkim_crypt_verify(keys[i].k.pkey, keys[i].k.alg, digest, sig, siglen) !=
			    1)
				die("crypt_verify");
			n++;
		} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
		report("crypto-verify", &keys[i], &(struct size){ "-", 0 }, n, w,
		    clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
		/* and what reading the key record costs (part of every verify) */
		n = 0;
		w0 = clock_s(CLOCK_MONOTONIC);
		c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		do {
			struct dkim_pubkey pub;
			enum dkim_reason why;
			char err[200];
			if (dkim_key_parse(
			        keys[i].rec, strlen(keys[i].rec), &pub, &why, err, sizeof(err)) < 0)
				die("key_parse");
			dkim_pubkey_clear(&pub);
			n++;
		} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
		report("key-parse", &keys[i], &(struct size){ "-", 0 }, n, w,
		    clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t len;
		char name[64];
		snprintf(name, sizeof(name), "msg-%s.eml", sizes[s].name);
		char *msg = read_file(dir, name, &len);
		for (int i = 0; i < 2; i++) {
			size_t slen, tmp;
			snprintf(
			    name, sizeof(name), "signed-%s-%s.eml", keys[i].name, sizes[s].name);
			char *sm = read_file(dir, name, &slen);
			long n = 0;
			double w0 = clock_s(CLOCK_MONOTONIC),
			       c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w = 0;

			do {
				char *out = sign(&keys[i], msg, len, &tmp);
				if (out == NULL)
					return 1;
				free(out);
				n++;
			} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
			report("sign", &keys[i], &sizes[s], n, w,
			    clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);

			/* without, then as vouchd verifies: parsed key records kept
			 * (dkim_key.h) */
			struct dkim_keycache *kc = dkim_keycache_new(16);
			for (int cached = 0; cached < 2; cached++) {
				n = 0;
				w0 = clock_s(CLOCK_MONOTONIC);
				c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
				do {
					if (!verify(t, cached ? kc : NULL, sm, slen)) {
						fprintf(stderr,
						    "bench_dkim_vouch: %s did not verify\n", name);
						bad = 1;
						break;
					}
					n++;
				} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
				report(cached ? "verify-cached" : "verify", &keys[i], &sizes[s], n,
				    w, clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
			}
			dkim_keycache_free(kc);
			free(sm);
		}
		free(msg);
	}
	for (int i = 0; i < 2; i++)
		EVP_PKEY_free(keys[i].k.pkey);
	dns_mem_free(t);
	return bad;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "prepare") == 0)
		return prepare(argv[2]);
	if (argc == 4 && strcmp(argv[1], "run") == 0)
		return run(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: bench_dkim_vouch prepare DIR | run DIR SECONDS\n");
	return 2;
}
