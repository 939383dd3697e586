/*
 * transition: the transition period ("S-DAY", issue 17) for mail from
 * servers no registrar lists. Before transition_date such mail is told,
 * not judged: a notice at the top of the message (transition_notice; the
 * local agent puts it in, local.h) and one reply to its proven sender per
 * transition_reply_period (transition_reply). From the date on, the
 * policy engine applies transition_action by itself (policy/verdict.h:
 * the date comes in with struct policy).
 */
#ifndef VOUCH_VOUCHD_TRANSITION_H
#define VOUCH_VOUCHD_TRANSITION_H

#include <stdint.h>

#include "config/config.h"
#include "policy/verdict.h"
#include "queue/envelope.h"
#include "util/str.h"

struct vouchd;

/* What the notice (reply = 0) or the reply's body (reply = 1) says:
 * plain UTF-8 text with LF line ends. */
void transition_text(const struct config *cfg, int reply, struct strbuf *out);
/*
 * End of data, the message accepted: before the date and for an
 * unregistered server, mark env for the notice and reply to the sender
 * when its return path is proven (SPF pass, a DKIM signature aligned with
 * it, or a callout that passed) and the message is not from a list or an
 * automaton (bulk: any of challenge_header_flags' CHALLENGE_HDR_*, from
 * List-Id, Precedence bulk/list/junk, Auto-Submitted other than "no").
 */
void transition_data_end(struct vouchd *d, const struct config *cfg, const struct policy *pol,
    const struct proofs *sess, const struct proofs *msg, int bulk, uint64_t sid,
    struct envelope *env);

#endif
