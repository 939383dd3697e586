/*
 * privs: vouchd's folders, made as root, and dropping privileges for good.
 */
#ifndef VOUCH_VOUCHD_PRIVS_H
#define VOUCH_VOUCHD_PRIVS_H

#include <stddef.h>

struct config;

int privs_prepare_dirs(const struct config *cfg, char *err, size_t errsz);
int privs_drop(const struct config *cfg, char *err, size_t errsz);

#endif
