/*
 * vouchctl: administration command. Each command group lives in its own
 * cmd_<group>.c and is one row of the table in main.c.
 */
#ifndef VOUCH_VOUCHCTL_H
#define VOUCH_VOUCHCTL_H

/* Options common to every command. */
struct vouchctl_opts {
	const char *config_path; /* -c FILE, or NULL for the embedded default */
};

/* A command group: argv[0] is the group's name. Returns the exit status. */
typedef int (*vouchctl_cmd_fn)(const struct vouchctl_opts *o, int argc, char **argv);

int cmd_config(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_queue(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_status(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_stats(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_user(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_lists(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_gen(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_reload(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_dns(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_spf(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_callout(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_dnsbl(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_register(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_helo(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_dkim(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_dmarc(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_srs(const struct vouchctl_opts *o, int argc, char **argv);
int cmd_challenge(const struct vouchctl_opts *o, int argc, char **argv);

struct config;
struct dns_client;
struct event_base;
/* The configuration of o->config_path; NULL with its errors on stderr. */
struct config *vouchctl_config(const struct vouchctl_opts *o);
/*
 * The check commands' DNS client from cfg's dns_* settings, resolver (if
 * not NULL) replacing dns_resolver; *basep gets its new event base. NULL
 * with a message on stderr (naming cmd) if it cannot be made.
 */
struct dns_client *
vouchctl_dns(struct config *cfg, const char *resolver, struct event_base **basep, const char *cmd);

#endif
