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

void reg_web_home(struct reg_req *q);
void reg_web_style(struct reg_req *q);
void reg_web_lookup(struct reg_req *q);
void reg_web_server(struct reg_req *q);
void reg_web_apply_form(struct reg_req *q);
void reg_web_apply(struct reg_req *q);
void reg_web_report_form(struct reg_req *q);
void reg_web_report(struct reg_req *q);
void reg_web_login_form(struct reg_req *q);
void reg_web_login(struct reg_req *q);
void reg_web_logout(struct reg_req *q);
void reg_web_not_found(struct reg_req *q);

/* Admin pages (reg_web_admin.c). */
void reg_web_admin(struct reg_req *q);
void reg_web_admin_server(struct reg_req *q);
void reg_web_admin_action(struct reg_req *q);
void reg_web_admin_report(struct reg_req *q);
void reg_web_admin_report_action(struct reg_req *q);

#endif
