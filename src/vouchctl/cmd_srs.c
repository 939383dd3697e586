/*
 * vouchctl srs: the Sender Rewriting Scheme by hand (srs.h), in
 * postsrsd's format, and the key file.
 *
 *	vouchctl srs forward ADDRESS... --key FILE --domain DOMAIN [options]
 *	vouchctl srs reverse ADDRESS... --key FILE [options]
 *	vouchctl srs key FILE
 *
 * forward prints the rewritten sender (or the sender itself when it is in
 * the SRS domain already); reverse prints the address an SRS address
 * stands for; one line per ADDRESS, in order (a list is rewritten with
 * one key load, not one process each). Options: --now SECONDS (instead of the clock), --separator
 * =|+|-, --hash-length N, --hash-min N, --max-age DAYS, --classic (write
 * base64's '+' '/' as postsrsd before 2.2.6 does), --always (rewrite
 * senders of the SRS domain too). Exit 0 on success, 1 when an address
 * cannot be rewritten (its line is empty, the reason on stderr), 2 on
 * usage errors.
 *
 * key FILE writes a new random key at the top of FILE, keeping the keys
 * already there after it (they still verify: bounces to addresses made
 * with them keep coming back until they expire), at most 16 in all. A new
 * file is made with mode 0600; an existing one keeps its mode and owner.
 */
#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "auth/srs.h"
#include "auth/srs_keys.h"
#include "util/safefile.h"
#include "util/str.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl srs forward ADDRESS... --key FILE --domain DOMAIN [--now SECONDS]\n"
	    "                [--separator =|+|-] [--hash-length N] [--hash-min N]\n"
	    "                [--max-age DAYS] [--classic] [--always]\n"
	    "       vouchctl srs reverse ADDRESS... --key FILE [same options]\n"
	    "       vouchctl srs key FILE\n");
	return 2;
}

/* A new key first, the old ones after it. */
static int
new_key(const char *path)
{
	unsigned char b64[40];
	struct strbuf text;
	struct stat st;
	struct srs_keys *old = NULL;
	mode_t mode = 0600;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	char err[400];
	size_t kept = 0;
	int rc;

	if (stat(path, &st) == 0) {
		old = srs_keys_load(path, err, sizeof(err));
		if (old == NULL) {
			fprintf(stderr, "vouchctl srs: %s\n", err);
			return 1;
		}
		mode = st.st_mode & 0770;
		uid = st.st_uid;
		gid = st.st_gid;
	} else if (errno != ENOENT) {
		fprintf(stderr, "vouchctl srs: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (srs_key_random((char *)b64, sizeof(b64)) < 0) {
		fprintf(stderr, "vouchctl srs: no randomness\n");
		srs_keys_free(old);
		return 1;
	}
	strbuf_init(&text, 1 << 16);
	strbuf_printf(&text, "%s\n", (const char *)b64);
	for (size_t i = 0; i < srs_keys_count(old) && i + 1 < SRS_KEYS_MAX; i++, kept++) {
		const unsigned char *k;
		size_t n = srs_keys_get(old, i, &k);
		strbuf_append(&text, k, n);
		strbuf_puts(&text, "\n");
	}
	rc = safefile_write(path, text.s, text.len, mode, uid, gid, (uid_t)-1, err, sizeof(err));
	memset(text.s, 0, text.len);
	strbuf_free(&text);
	srs_keys_free(old);
	if (rc < 0) {
		fprintf(stderr, "vouchctl srs: %s\n", err);
		return 1;
	}
	printf("%s: a new key, then %zu older key%s\n", path, kept, kept == 1 ? "" : "s");
	return 0;
}

int
cmd_srs(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "domain", required_argument, NULL, 'd' },
		{ "now", required_argument, NULL, 'n' },
		{ "separator", required_argument, NULL, 's' },
		{ "hash-length", required_argument, NULL, 'l' },
		{ "hash-min", required_argument, NULL, 'm' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "classic", no_argument, NULL, 'c' },
		{ "always", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct srs_options so;
	const char *keyfile = NULL;
	long long now = (long long)time(NULL), v;
	int c, min_given = 0;

	(void)o;
	if (argc >= 3 && strcmp(argv[1], "key") == 0)
		return argc == 3 ? new_key(argv[2]) : usage();
	if (argc < 3 || (strcmp(argv[1], "forward") && strcmp(argv[1], "reverse")))
		return usage();
	srs_options_default(&so);
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'd': so.domain = optarg; break;
		case 'c': so.classic_base64 = 1; break;
		case 'A': so.always_rewrite = 1; break;
		case 's':
			if (strlen(optarg) != 1)
				return usage();
			so.separator = optarg[0];
			break;
		case 'n':
			if (str_to_ll(optarg, 0, INT64_MAX / 2, &now) < 0)
				return usage();
			break;
		case 'l':
		case 'm':
		case 'a':
			if (str_to_ll(optarg, 0, 100000, &v) < 0)
				return usage();
			if (c == 'l') {
				so.hash_length = (unsigned)v;
			} else if (c == 'm') {
				so.hash_min = (unsigned)v;
				min_given = 1;
			} else {
				so.max_age = (unsigned)v;
			}
			break;
		default: return usage();
		}
	}
	if (optind > argc - 2 || keyfile == NULL)
		return usage();
	if (!min_given && so.hash_min > so.hash_length)
		so.hash_min = so.hash_length;
	int forward = strcmp(argv[1], "forward") == 0;
	char err[400];
	struct srs_options chk = so;
	if (!forward && chk.domain == NULL)
		chk.domain = "srs.invalid"; /* reversal needs no domain */
	if (srs_options_check(&chk, err, sizeof(err)) < 0) {
		fprintf(stderr, "vouchctl srs: %s\n", err);
		return 2;
	}
	struct srs_keys *k = srs_keys_load(keyfile, err, sizeof(err));
	if (k == NULL) {
		fprintf(stderr, "vouchctl srs: %s\n", err);
		return 1;
	}
	char out[SRS_ADDR_MAX + 1];
	int rc = 0, many = argc - 1 - optind > 1;
	for (int i = 1 + optind; i < argc; i++) {
		const char *addr = argv[i];
		enum srs_status st = forward ? srs_forward(k, &so, addr, now, out, sizeof(out))
		                             : srs_reverse(k, &so, addr, now, out, sizeof(out));
		if (st != SRS_OK && st != SRS_UNCHANGED) {
			/* the line stays, empty: line n still answers address n */
			fprintf(stderr, "vouchctl srs: %s%s%s\n", many ? addr : "",
			    many ? ": " : "", srs_status_name(st));
			out[0] = '\0';
			rc = 1;
		}
		if (rc == 0 || many)
			printf("%s\n", out);
	}
	srs_keys_free(k);
	return rc;
}
