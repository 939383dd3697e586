/*
 * cmd_dkim: what the vouchctl dkim commands share (cmd_dkim.c: keys;
 * cmd_dkim_msg.c: sign, verify, arc-seal).
 */
#ifndef VOUCH_VOUCHCTL_CMD_DKIM_H
#define VOUCH_VOUCHCTL_CMD_DKIM_H

#include <stddef.h>

#include "vouchctl.h"

struct config;
struct dns_client;
struct event_base;

/* The key folder: dir when given, else the configuration's. */
void dkimctl_key_dir(const struct config *cfg, const char *dir, char *out, size_t outsz);
/* A DNS client from cfg with resolver and trust anchor overridden when not
 * NULL; *basep gets its event base. NULL after printing why. */
struct dns_client *dkimctl_dns(
    struct config *cfg, const char *resolver, const char *anchor, struct event_base **basep);

int dkimctl_sign(const struct vouchctl_opts *o, int argc, char **argv);
int dkimctl_verify(const struct vouchctl_opts *o, int argc, char **argv);
int dkimctl_seal(const struct vouchctl_opts *o, int argc, char **argv);

#endif
