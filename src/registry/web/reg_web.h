/*
 * reg_web: the web UI's handlers: public pages (look up a server, apply,
 * report abuse), the admin login, and the admin pages in reg_web_admin.c
 * (applications with their test reports, reports to confirm,
 * suspend/reinstate, history). Plain server-rendered HTML, every value
 * escaped (reg_html), admin forms protected by a per-token CSRF field.
 */
#ifndef VOUCH_REGISTRY_REG_WEB_H
#define VOUCH_REGISTRY_REG_WEB_H

#include "reg_http.h"

/* GET /: what the registry is, and the lookup form. */
void reg_web_home(struct reg_req *q);
/* GET /style.css: the one small stylesheet. */
void reg_web_style(struct reg_req *q);
/* GET /lookup?hostname=H: a server's public status (404 when unknown). */
void reg_web_lookup(struct reg_req *q);
/* GET /servers/{host}: the same page by path. */
void reg_web_server(struct reg_req *q);
/* GET /apply: the application form. */
void reg_web_apply_form(struct reg_req *q);
/* POST /apply: apply; shows the owner token once, or the form with the error. */
void reg_web_apply(struct reg_req *q);
/* GET /report: the abuse report form. */
void reg_web_report_form(struct reg_req *q);
/* POST /report: file a report; shows the linked server and its queue id. */
void reg_web_report(struct reg_req *q);
/* GET /admin/login: the sign-in form (an admin token). */
void reg_web_login_form(struct reg_req *q);
/* POST /admin/login: check the token, set the HttpOnly SameSite cookie. */
void reg_web_login(struct reg_req *q);
/* POST /admin/logout: clear the cookie. */
void reg_web_logout(struct reg_req *q);
/* GET /owner/login: the owners' sign-in form (an owner token). */
void reg_web_owner_login_form(struct reg_req *q);
/* POST /owner/login: check the owner token, set the owner's session cookie. */
void reg_web_owner_login(struct reg_req *q);
/* POST /owner/logout (CSRF-checked): end the owner's session. */
void reg_web_owner_logout(struct reg_req *q);
/* GET /owner: the owner's server: status, tests (each failed one and why),
 * reports against it, history (reg_web_owner.c). */
void reg_web_owner(struct reg_req *q);
/* Any unknown page: 404. */
void reg_web_not_found(struct reg_req *q);

/* GET /admin: applications, reports to confirm, registered servers. */
void reg_web_admin(struct reg_req *q);
/* GET /admin/servers/{host}: record, actions, test reports, history, reports. */
void reg_web_admin_server(struct reg_req *q);
/* POST /admin/servers/{host}/{approve|certify|suspend|reinstate|deregister} (CSRF-checked). */
void reg_web_admin_action(struct reg_req *q);
/* GET /admin/reports/{id}: a report with its message. */
void reg_web_admin_report(struct reg_req *q);
/* POST /admin/reports/{id}/{confirm|dismiss} (CSRF-checked). */
void reg_web_admin_report_action(struct reg_req *q);

#endif
