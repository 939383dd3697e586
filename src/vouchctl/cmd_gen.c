/*
 * vouchctl gen: software generation chains (DESIGN 5.2).
 *
 *   gen new FILE [--length N]      make a chain: the secret c_0 goes to FILE
 *                                  (mode 0600); prints c_N, the first release
 *   gen cookie FILE G              prints "G <cookie>" for xgen_generation and
 *                                  xgen_cookie (release G when its period comes)
 *   gen publish FILE G --key KEY   prints the signed TXT record that releases
 *                                  G (docs/protocol.md "Publishing generations";
 *                                  KEY: the authority's Ed25519 private key, PEM)
 *   gen verify G COOKIE G' COOKIE' [TOLERANCE]
 *                                  judges a peer's XGEN as vouchd would
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/gen.h"
#include "auth/gen_publish.h"
#include "util/str.h"
#include "vouchctl.h"

static int
read_seed(const char *path, uint8_t c0[GEN_COOKIE_LEN])
{
	char hex[GEN_COOKIE_HEX + 8];
	FILE *f = fopen(path, "r");

	if (f == NULL || fgets(hex, sizeof(hex), f) == NULL) {
		fprintf(
		    stderr, "vouchctl: cannot read %s: %s\n", path, f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	hex[strcspn(hex, "\r\n")] = '\0';
	if (gen_unhex(hex, strlen(hex), c0) < 0) {
		fprintf(stderr, "vouchctl: %s does not hold a chain seed (64 hex digits)\n", path);
		OPENSSL_cleanse(hex, sizeof(hex));
		return -1;
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl gen new FILE [--length N]\n"
	    "       vouchctl gen cookie FILE GENERATION\n"
	    "       vouchctl gen publish FILE GENERATION --key ED25519_PRIVATE_KEY.pem\n"
	    "       vouchctl gen verify G COOKIE PEER_G PEER_COOKIE [TOLERANCE]\n");
}

int
cmd_gen(const struct vouchctl_opts *o, int argc, char **argv)
{
	uint8_t c0[GEN_COOKIE_LEN], c[GEN_COOKIE_LEN];
	char hex[GEN_COOKIE_HEX + 1];
	long long n = 1000, g, pg, tol = 10;

	(void)o;
	if (argc >= 3 && strcmp(argv[1], "new") == 0) {
		if (argc == 5 && strcmp(argv[3], "--length") == 0) {
			if (str_to_ll(argv[4], 1, GEN_MAX, &n) < 0) {
				fprintf(stderr, "vouchctl: --length must be 1..%d\n", GEN_MAX);
				return 2;
			}
		} else if (argc != 3) {
			usage();
			return 2;
		}
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			fprintf(stderr, "vouchctl: %s: %s (a chain is never overwritten)\n",
			    argv[2], strerror(errno));
			return 1;
		}
		if (gen_seed_new(c0) < 0) {
			close(fd);
			unlink(argv[2]);
			return 1;
		}
		gen_hex(c0, hex);
		int ok =
		    write(fd, hex, GEN_COOKIE_HEX) == GEN_COOKIE_HEX && write(fd, "\n", 1) == 1;
		ok = close(fd) == 0 && ok;
		OPENSSL_cleanse(hex, sizeof(hex));
		if (!ok) {
			unlink(argv[2]);
			fprintf(stderr, "vouchctl: cannot write %s\n", argv[2]);
			return 1;
		}
		gen_cookie(c0, n, c);
		OPENSSL_cleanse(c0, sizeof(c0));
		gen_hex(c, hex);
		printf("generation %lld cookie %s\n", n, hex);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "cookie") == 0) {
		if (str_to_ll(argv[3], 0, GEN_MAX, &g) < 0) {
			fprintf(stderr, "vouchctl: bad generation '%s'\n", argv[3]);
			return 2;
		}
		if (read_seed(argv[2], c0) < 0)
			return 1;
		gen_cookie(c0, g, c);
		OPENSSL_cleanse(c0, sizeof(c0));
		gen_hex(c, hex);
		printf("%lld %s\n", g, hex);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "publish") == 0 && strcmp(argv[4], "--key") == 0) {
		char err[300], txt[GEN_PUBLISH_MAX + 1];
		if (str_to_ll(argv[3], 0, GEN_MAX, &g) < 0) {
			fprintf(stderr, "vouchctl: bad generation '%s'\n", argv[3]);
			return 2;
		}
		EVP_PKEY *k = gen_publish_key_load(argv[5], 1, err, sizeof(err));
		if (k == NULL) {
			fprintf(stderr, "vouchctl: %s\n", err);
			return 1;
		}
		if (read_seed(argv[2], c0) < 0) {
			EVP_PKEY_free(k);
			return 1;
		}
		gen_cookie(c0, g, c);
		OPENSSL_cleanse(c0, sizeof(c0));
		int rc = gen_publish_format(k, g, c, txt, sizeof(txt));
		EVP_PKEY_free(k);
		if (rc < 0) {
			fprintf(stderr, "vouchctl: cannot sign with %s\n", argv[5]);
			return 1;
		}
		printf("%s\n", txt);
		return 0;
	}
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "verify") == 0) {
		uint8_t pc[GEN_COOKIE_LEN];
		if (str_to_ll(argv[2], 0, GEN_MAX, &g) < 0 ||
		    str_to_ll(argv[4], 0, GEN_MAX, &pg) < 0 ||
		    (argc == 7 && str_to_ll(argv[6], 0, GEN_MAX, &tol) < 0) ||
		    gen_unhex(argv[3], strlen(argv[3]), c) < 0 ||
		    gen_unhex(argv[5], strlen(argv[5]), pc) < 0) {
			usage();
			return 2;
		}
		printf("%s\n", gen_result_name(gen_verify(g, c, tol, GEN_MAX, pg, pc)));
		return 0;
	}
	usage();
	return 2;
}
