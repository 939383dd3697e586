/*
 * vouchctl dkim: DKIM keys (keygen, record, check); the message commands
 * (sign, verify, arc-seal) are in cmd_dkim_msg.c.
 *
 *   dkim keygen DOMAIN SELECTOR [--ed25519] [--bits N] [--dir DIR]
 *       makes a key: DIR/DOMAIN/SELECTOR.key (the private key; never
 *       overwritten) and DIR/DOMAIN/SELECTOR.txt (the DNS record), and
 *       prints the record to publish. RSA 2048 bits unless told.
 *   dkim record DOMAIN SELECTOR [--dir DIR]
 *       prints the DNS record of a key made before.
 *   dkim check [--resolver HOST:PORT] [--trust-anchor FILE]
 *       for each key of dkim_sign_keys and arc_seal_key: does DNS publish
 *       it? One line per key ("ok", "missing", "mismatch", ...); exit 1
 *       unless all are ok.
 *
 * DIR is dkim_key_dir (default <data_dir>/dkim).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/dkim_crypt.h"
#include "auth/dkim_key.h"
#include "auth/dkim_keys.h"
#include "auth/dkim_sig.h"
#include "cmd_dkim.h"
#include "config/config.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/safefile.h"
#include "util/str.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl dkim keygen DOMAIN SELECTOR [--ed25519] [--bits N] [--dir DIR]\n"
	    "       vouchctl dkim record DOMAIN SELECTOR [--dir DIR]\n"
	    "       vouchctl dkim check [--resolver HOST:PORT] [--trust-anchor FILE]\n"
	    "       vouchctl dkim sign DOMAIN:SELECTOR[:KEYFILE]... [--in FILE] [--simple]\n"
	    "                          [--expire SECONDS] [--dir DIR] [--now T]\n"
	    "       vouchctl dkim verify [FILE] [--resolver HOST:PORT] [--trust-anchor FILE]\n"
	    "                          [--no-arc] [--now T] [--authserv-id ID]\n"
	    "       vouchctl dkim arc-seal DOMAIN:SELECTOR[:KEYFILE] [--in FILE]\n"
	    "                          (--authres TEXT --cv none|pass|fail | --authserv-id ID\n"
	    "                           [--resolver HOST:PORT]) [--now T]\n");
	return 2;
}

void
dkimctl_key_dir(const struct config *cfg, const char *dir, char *out, size_t outsz)
{
	if (dir)
		str_copy(out, outsz, dir);
	else
		dkim_config_key_dir(&cfg->dkim, cfg->data_dir, out, outsz);
}

/* The record as zone file text: quoted character-strings of at most 255
 * octets (RFC 1035 3.3.14). */
static void
zone_text(const char *domain, const char *selector, const char *record, struct strbuf *out)
{
	size_t len = strlen(record);

	strbuf_printf(out, "%s._domainkey.%s. IN TXT (", selector, domain);
	for (size_t i = 0; i < len; i += 255)
		strbuf_printf(out, " \"%.*s\"", (int)(len - i < 255 ? len - i : 255), record + i);
	strbuf_puts(out, " )\n");
}

/* A folder for keys: made if missing, root's and readable by vouchd's
 * group when run as root. */
static int
key_folder(const char *path, const struct passwd *pw)
{
	struct stat st;

	if (mkdir(path, 0750) == 0) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && pw && fchown(fd, 0, pw->pw_gid) < 0)
			fprintf(stderr, "vouchctl: warning: cannot give %s to group %u\n", path,
			    (unsigned)pw->pw_gid);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (errno == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "vouchctl: cannot make %s: %s\n", path, strerror(errno));
	return -1;
}

static int
keygen(const struct config *cfg, const char *dir, const char *domain, const char *selector,
    int ed25519, long long bits)
{
	char path[4096], txtpath[4096], sub[4096], err[512];
	char kname[DKIM_DOMAIN_MAX + 1];
	struct passwd *pw = geteuid() == 0 ? getpwnam(cfg->user) : NULL;
	struct strbuf pem, rec;
	struct stat st;
	EVP_PKEY *k;
	int rc = 1;

	/* the names must make a key name DNS can hold */
	if (!dkim_keyring_name_ok(domain) || !dkim_keyring_name_ok(selector) ||
	    dkim_key_name(selector, domain, kname, sizeof(kname)) < 0) {
		fprintf(stderr, "vouchctl: '%s' and '%s' do not make a DKIM key name\n", domain,
		    selector);
		return 2;
	}
	str_fmt(sub, sizeof(sub), "%s/%s", dir, domain);
	str_fmt(path, sizeof(path), "%s/%s.key", sub, selector);
	str_fmt(txtpath, sizeof(txtpath), "%s/%s.txt", sub, selector);
	if (lstat(path, &st) == 0) {
		fprintf(stderr,
		    "vouchctl: %s exists: a key is never overwritten (rotate to a new selector)\n",
		    path);
		return 1;
	}
	if (key_folder(dir, pw) < 0 || key_folder(sub, pw) < 0)
		return 1;
	k = dkim_crypt_keygen(ed25519 ? DKIM_KEY_ED25519 : DKIM_KEY_RSA, (unsigned)bits);
	if (k == NULL) {
		fprintf(stderr, "vouchctl: cannot make the key\n");
		return 1;
	}
	strbuf_init(&pem, 64 * 1024);
	strbuf_init(&rec, 8 * 1024);
	if (dkim_crypt_private_pem(k, &pem) < 0 || dkim_crypt_public_record(k, &rec) < 0) {
		fprintf(stderr, "vouchctl: cannot write the key\n");
		goto out;
	}
	/* root writes it root:<vouchd's group> 0640: vouchd reads it after
	 * dropping root; nobody else may */
	if (safefile_write(path, pem.s, pem.len, pw ? 0640 : 0600, pw ? 0 : (uid_t)-1,
	        pw ? pw->pw_gid : (gid_t)-1, pw ? pw->pw_uid : (uid_t)-1, err, sizeof(err)) < 0) {
		fprintf(stderr, "vouchctl: %s\n", err);
		goto out;
	}
	struct strbuf zone;
	strbuf_init(&zone, 16 * 1024);
	zone_text(domain, selector, rec.s, &zone);
	if (safefile_write(txtpath, zone.s, zone.len, 0644, (uid_t)-1, (gid_t)-1,
	        pw ? pw->pw_uid : (uid_t)-1, err, sizeof(err)) < 0)
		fprintf(stderr, "vouchctl: warning: %s\n", err);
	fprintf(stderr, "vouchctl: %s key written to %s; publish this record:\n",
	    ed25519 ? "ed25519" : "rsa", path);
	fputs(zone.s, stdout);
	strbuf_free(&zone);
	rc = 0;
out:
	OPENSSL_cleanse(pem.s, pem.len);
	strbuf_free(&pem);
	strbuf_free(&rec);
	EVP_PKEY_free(k);
	return rc;
}

static int
record(const char *dir, const char *domain, const char *selector)
{
	struct dkim_keyring *kr = dkim_keyring_new();
	struct strbuf rec;
	char err[600];
	int rc = 1;

	strbuf_init(&rec, 8 * 1024);
	if (dkim_keyring_load(kr, dir, domain, selector, err, sizeof(err)) < 0)
		fprintf(stderr, "vouchctl: %s\n", err);
	else if (dkim_crypt_public_record(dkim_keyring_key(kr, 0)->pkey, &rec) == 0) {
		struct strbuf zone;
		strbuf_init(&zone, 16 * 1024);
		zone_text(dkim_keyring_key(kr, 0)->domain, dkim_keyring_key(kr, 0)->selector, rec.s,
		    &zone);
		fputs(zone.s, stdout);
		strbuf_free(&zone);
		rc = 0;
	}
	strbuf_free(&rec);
	dkim_keyring_free(kr);
	return rc;
}

/* Does DNS publish key k? Prints one line; 0 when it does. */
static int
check_one(struct dns_client *dns, const struct dkim_signkey *k)
{
	char name[DKIM_DOMAIN_MAX + 1];
	struct dns_result *res;
	int rc = 1, found = 0;

	if (dkim_key_name(k->selector, k->domain, name, sizeof(name)) < 0) {
		printf("bad %s %s: no key name\n", k->selector, k->domain);
		return 1;
	}
	res = dns_client_lookup_sync(dns, name, DNS_T_TXT);
	if (res->status != DNS_ANSWER) {
		printf("%s %s (%s)\n", res->status == DNS_TEMPFAIL ? "tempfail" : "missing", name,
		    dns_status_name(res->status));
		dns_result_free(res);
		return 1;
	}
	for (size_t i = 0; i < res->nrr && !found; i++) {
		struct dkim_pubkey pk;
		enum dkim_reason why;
		char err[200];
		if (res->rr[i].type != DNS_T_TXT)
			continue;
		if (dkim_key_parse(res->rr[i].u.txt.data, res->rr[i].u.txt.len, &pk, &why, err,
		        sizeof(err)) < 0) {
			printf("%s %s (%s)\n", why == DKIM_R_KEY_REVOKED ? "revoked" : "unusable",
			    name, err);
			found = 1;
			continue;
		}
		found = 1;
		if (EVP_PKEY_eq(pk.pkey, k->pkey) == 1) {
			printf("ok %s (%s, %u bits, %s)\n", name, dkim_alg_name(k->alg), pk.bits,
			    dns_sec_name(res->sec));
			rc = 0;
		} else {
			printf("mismatch %s (DNS publishes another key)\n", name);
		}
		dkim_pubkey_clear(&pk);
	}
	if (!found)
		printf("missing %s (no TXT record)\n", name);
	dns_result_free(res);
	return rc;
}

static int
check(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *resolver = NULL, *anchor = NULL;
	struct dkim_keyring *sign = NULL, *seal = NULL;
	struct event_base *base = NULL;
	struct dns_client *dns;
	struct strbuf errs;
	struct config *cfg;
	int c, bad = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resolver = optarg; break;
		case 't': anchor = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc || (cfg = vouchctl_config(o)) == NULL)
		return optind != argc ? usage() : 1;
	strbuf_init(&errs, 1 << 16);
	if (dkim_config_keyring(&cfg->dkim, cfg->data_dir, &sign, &seal, &errs) < 0) {
		fputs(errs.s, stderr);
		strbuf_free(&errs);
		config_free(cfg);
		return 1;
	}
	strbuf_free(&errs);
	dns = dkimctl_dns(cfg, resolver, anchor, &base);
	if (dns == NULL) {
		bad = 1;
		goto out;
	}
	if (dkim_keyring_count(sign) + dkim_keyring_count(seal) == 0)
		printf("no keys configured (dkim_sign_keys, arc_seal_key)\n");
	for (size_t i = 0; i < dkim_keyring_count(sign); i++)
		bad |= check_one(dns, dkim_keyring_key(sign, i));
	for (size_t i = 0; i < dkim_keyring_count(seal); i++)
		bad |= check_one(dns, dkim_keyring_key(seal, i));
	dns_client_free(dns);
	event_base_free(base);
out:
	dkim_keyring_free(sign);
	dkim_keyring_free(seal);
	config_free(cfg);
	return bad;
}

static int
keys(const struct vouchctl_opts *o, int argc, char **argv, int gen)
{
	static const struct option longopts[] = {
		{ "ed25519", no_argument, NULL, 'e' },
		{ "bits", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	char keydir[4096];
	long long bits = 2048;
	int c, ed25519 = 0, rc;
	struct config *cfg;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': ed25519 = 1; break;
		case 'b':
			if (str_to_ll(optarg, DKIM_RSA_MIN_BITS, 4096, &bits) < 0) {
				fprintf(stderr, "vouchctl: --bits must be 1024..4096\n");
				return 2;
			}
			break;
		case 'd': dir = optarg; break;
		default: return usage();
		}
	}
	if (argc - optind != 2 || (!gen && ed25519))
		return usage();
	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	dkimctl_key_dir(cfg, dir, keydir, sizeof(keydir));
	if (gen)
		rc = keygen(cfg, keydir, argv[optind], argv[optind + 1], ed25519, bits);
	else
		rc = record(keydir, argv[optind], argv[optind + 1]);
	config_free(cfg);
	return rc;
}

int
cmd_dkim(const struct vouchctl_opts *o, int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "keygen") == 0)
		return keys(o, argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "record") == 0)
		return keys(o, argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "check") == 0)
		return check(o, argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return dkimctl_sign(o, argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return dkimctl_verify(o, argc - 1, argv + 1);
	if (strcmp(argv[1], "arc-seal") == 0)
		return dkimctl_seal(o, argc - 1, argv + 1);
	return usage();
}
