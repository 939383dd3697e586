/*
 * bench_dkim_opendkim: the same cases as bench_dkim_vouch with OpenDKIM's
 * library (libopendkim, Debian libopendkim-dev), on the files that
 * `bench_dkim_vouch prepare DIR` wrote (see bench/README.md "DKIM").
 *
 *	bench_dkim_opendkim DIR SECONDS
 *
 * Signing: relaxed/relaxed, the same five header fields vouch signs.
 * Verification: the messages vouch signed, the key record handed over by
 * a key lookup callback from memory (dkim_set_key_lookup), so no DNS.
 */
#include <fcntl.h>
#include <opendkim/dkim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DOMAIN "bench.example"
#define NOW 1764633600ULL

static char rec_rsa[1024], rec_ed[256];

static double
clock_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(1);
	}
	char *p = malloc((size_t)st.st_size + 1);
	if (p == NULL || read(fd, p, (size_t)st.st_size) != st.st_size) {
		perror(path);
		exit(1);
	}
	close(fd);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return p;
}

static DKIM_CBSTAT
key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const char *rec = strcmp(sel, "rsa") == 0 ? rec_rsa
	    : strcmp(sel, "ed") == 0              ? rec_ed
	                                          : NULL;

	(void)dkim;
	if (rec == NULL || strlen(rec) >= buflen)
		return DKIM_STAT_NOKEY;
	memcpy(buf, rec, strlen(rec) + 1);
	return DKIM_STAT_OK;
}

/* Sign msg; 0 or -1. */
static int
sign(DKIM_LIB *lib, const char *key, const char *sel, dkim_alg_t alg, const char *msg, size_t len)
{
	DKIM_STAT st;
	unsigned char *hdr = NULL;
	size_t hlen = 0;
	DKIM *d = dkim_sign(lib, (const unsigned char *)"bench", NULL, (dkim_sigkey_t)key,
	    (const unsigned char *)sel, (const unsigned char *)DOMAIN, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, alg, -1, &st);

	if (d == NULL)
		return -1;
	st = dkim_chunk(d, (u_char *)msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(d, NULL, 0);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(d, NULL);
	if (st == DKIM_STAT_OK)
		st = dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER ": "), &hdr, &hlen);
	dkim_free(d);
	return st == DKIM_STAT_OK && hlen > 0 ? 0 : -1;
}

/* Verify msg: 1 if its signature passed. */
static int
verify(DKIM_LIB *lib, const char *msg, size_t len)
{
	DKIM_STAT st;
	DKIM *d = dkim_verify(lib, (const unsigned char *)"bench", NULL, &st);
	int ok = 0;

	if (d == NULL)
		return 0;
	st = dkim_chunk(d, (u_char *)msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(d, NULL, 0);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(d, NULL);
	if (st == DKIM_STAT_OK) {
		DKIM_SIGINFO *sig = dkim_getsignature(d);
		ok = sig != NULL && DKIM_SIG_CHECK(sig);
	}
	dkim_free(d);
	return ok;
}

int
main(int argc, char **argv)
{
	static const char *hdrs[] = { "from", "to", "subject", "date", "message-id", NULL };
	static const struct {
		const char *sel, *alg;
		dkim_alg_t a;
	} keys[] = { { "rsa", "rsa-2048", DKIM_SIGN_RSASHA256 },
		{ "ed", "ed25519", DKIM_SIGN_ED25519SHA256 } };
	static const char *const sizes[] = { "4k", "100k" };
	uint64_t fixed = NOW;
	DKIM_LIB *lib;
	int bad = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_dkim_opendkim DIR SECONDS\n");
		return 2;
	}
	const char *dir = argv[1];
	double secs = atof(argv[2]);
	size_t len;
	char *r = read_file(dir, "rsa.txt", &len);
	snprintf(rec_rsa, sizeof(rec_rsa), "%s", r);
	free(r);
	r = read_file(dir, "ed.txt", &len);
	snprintf(rec_ed, sizeof(rec_ed), "%s", r);
	free(r);
	char *pem[2] = { read_file(dir, "rsa.pem", &len), read_file(dir, "ed.pem", &len) };

	lib = dkim_init(NULL, NULL);
	if (lib == NULL)
		return 1;
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, hdrs, sizeof(hdrs));
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &fixed, sizeof(fixed));
	dkim_set_key_lookup(lib, key_lookup);

	for (size_t s = 0; s < 2; s++) {
		char name[64];
		snprintf(name, sizeof(name), "msg-%s.eml", sizes[s]);
		char *msg = read_file(dir, name, &len);
		for (size_t k = 0; k < 2; k++) {
			size_t slen;
			long n = 0;
			double w0, c0, w = 0;
			snprintf(name, sizeof(name), "signed-%s-%s.eml", keys[k].sel, sizes[s]);
			char *sm = read_file(dir, name, &slen);

			w0 = clock_s(CLOCK_MONOTONIC);
			c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
			do {
				if (sign(lib, pem[k], keys[k].sel, keys[k].a, msg, len) < 0) {
					fprintf(stderr, "bench_dkim_opendkim: %s sign failed\n",
					    keys[k].alg);
					bad = 1;
					break;
				}
				n++;
			} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
			double c = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
			printf("impl=opendkim op=sign alg=%s size=%s n=%ld wall_s=%.3f cpu_s=%.3f "
			       "per_s=%.0f per_cpu_s=%.0f\n",
			    keys[k].alg, sizes[s], n, w, c, n / w, c > 0 ? n / c : 0.0);

			n = 0;
			w0 = clock_s(CLOCK_MONOTONIC);
			c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
			do {
				if (!verify(lib, sm, slen)) {
					fprintf(stderr, "bench_dkim_opendkim: %s did not verify\n",
					    name);
					bad = 1;
					break;
				}
				n++;
			} while ((w = clock_s(CLOCK_MONOTONIC) - w0) < secs);
			c = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
			printf(
			    "impl=opendkim op=verify alg=%s size=%s n=%ld wall_s=%.3f cpu_s=%.3f "
			    "per_s=%.0f per_cpu_s=%.0f\n",
			    keys[k].alg, sizes[s], n, w, c, n / w, c > 0 ? n / c : 0.0);
			fflush(stdout);
			free(sm);
		}
		free(msg);
	}
	dkim_close(lib);
	free(pem[0]);
	free(pem[1]);
	return bad;
}
