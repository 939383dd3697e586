/*
 * reg_serve: `vouch-registry serve`: one libevent loop running the DNS
 * server (reg_dns), the HTTP API and web UI (reg_http) and the
 * certification workers (reg_certq). Owns the current zone: rebuilt from
 * the database whenever a change is made here, and when the serial in the
 * database moves because another process (the CLI) changed something.
 */
#ifndef VOUCH_REGISTRY_REG_SERVE_H
#define VOUCH_REGISTRY_REG_SERVE_H

#include "reg_config.h"

/*
 * Bind the DNS and HTTP listeners, then (started as root) give the data
 * directory to cfg->user and drop to it for good, open the database and
 * run until SIGINT or SIGTERM; returns a process exit status.
 */
int reg_serve_run(const struct reg_config *cfg);

#endif
