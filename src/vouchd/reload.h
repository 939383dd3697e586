/*
 * reload: local tables and configuration, loaded at start and again on
 * SIGHUP; the orderly shutdown.
 */
#ifndef VOUCH_VOUCHD_RELOAD_H
#define VOUCH_VOUCHD_RELOAD_H

#include <stddef.h>

struct vouchd;
struct config;

int vouchd_load_tables(struct vouchd *d, const struct config *cfg, char *err, size_t errsz);
void vouchd_reload(struct vouchd *d);
void vouchd_shutdown(struct vouchd *d);

#endif
