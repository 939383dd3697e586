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
#include "reg_db.h"

/* Run until SIGINT or SIGTERM; returns a process exit status. */
int reg_serve_run(const struct reg_config *cfg, struct reg_db *db);

#endif
