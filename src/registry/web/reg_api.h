/*
 * reg_api: the HTTP JSON API handlers (routes in reg_http.c, every
 * endpoint documented in docs/registry.md). Bodies are JSON objects;
 * answers are JSON with an "error" member (and "field" for input errors)
 * on 4xx/5xx.
 */
#ifndef VOUCH_REGISTRY_REG_API_H
#define VOUCH_REGISTRY_REG_API_H

#include "reg_http.h"

/* GET /api/status: zone, serial, counts per status. */
void reg_api_status(struct reg_req *q);
/* GET /api/servers/{host}: a server's public status. */
void reg_api_server_get(struct reg_req *q);
/* POST /api/applications: apply; answers the owner token once. */
void reg_api_apply(struct reg_req *q);
/* POST /api/reports: file an abuse report. */
void reg_api_report(struct reg_req *q);
/* POST /api/servers/{host}/sponsors: the caller's active server sponsors host. */
void reg_api_sponsor(struct reg_req *q);
/* GET/POST /api/traps: the caller's spam traps. */
void reg_api_traps(struct reg_req *q);
void reg_api_trap_add(struct reg_req *q);
/* GET /api/offenders?reference=R, POST /api/offenders. */
void reg_api_offenders(struct reg_req *q);
void reg_api_offender_add(struct reg_req *q);
/* Admin: servers, one server with everything, actions on it. */
void reg_api_admin_servers(struct reg_req *q);
void reg_api_admin_server(struct reg_req *q);
void reg_api_admin_action(struct reg_req *q);
/* Admin: reports, one report with its message, confirm/dismiss. */
void reg_api_admin_reports(struct reg_req *q);
void reg_api_admin_report(struct reg_req *q);
void reg_api_admin_report_action(struct reg_req *q);

#endif
