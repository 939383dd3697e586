/*
 * dmarcrep: DMARC aggregate reports (RFC 7489 7.2) from vouchd, with
 * the library's collection, XML and destination checks
 * (auth/dmarc_report.h, auth/dmarc_rua.h). Off unless dmarc_report = yes.
 *
 *	dmarcrep_start(d);                  // startup, after the store and DNS
 *	dmarcrep_add(d, disc, in, out, ip, rcpt_domain);  // each DMARC evaluation
 *	dmarcrep_stop(d);                   // shutdown, before the DNS client
 *
 * What is collected goes to the state database (d->store), so a restart
 * loses nothing. A timer looks for reports of ended periods; for each it
 * checks the destinations (external ones need their _report._dmarc
 * record), keeps those within dmarc_report_max_size and the rua= size
 * limit, takes them against the rate limits, and queues one message
 * (multipart, the gzip'd XML as application/gzip) from
 * dmarc_report_from through vouchd's own queue. A report is forgotten
 * once sent, or when none of its destinations can ever take it; one
 * whose destinations could not be checked (DNS) or are over the rate
 * limits waits for the next run.
 */
#ifndef VOUCH_VOUCHD_DMARCREP_H
#define VOUCH_VOUCHD_DMARCREP_H

struct vouchd;
struct dmarc_discovery;
struct dmarc_input;
struct dmarc_outcome;

void dmarcrep_start(struct vouchd *d);
void dmarcrep_stop(struct vouchd *d);
/* Record one DMARC evaluation for its policy domain's report (nothing
 * when reporting is off or the policy asks for none). */
void
dmarcrep_add(struct vouchd *d, const struct dmarc_discovery *disc, const struct dmarc_input *in,
    const struct dmarc_outcome *out, const char *source_ip, const char *envelope_to);

#endif
