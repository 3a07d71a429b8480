/*
 * sla_plan: the pure part of lgx-sla. What each kind of SLA breach is as an
 * Odoo domain on the x_lgx_* fields of stock.picking, since when a picking
 * found by it has been in that situation, the texts of its log line and
 * activity, and the set of pickings already reported. No I/O: unit-tested
 * without Odoo.
 *
 * The kinds, each with a threshold in hours (cutoff = now - threshold, in
 * Odoo's UTC datetime "YYYY-MM-DD HH:MM:SS"); a picking cancelled in Odoo
 * is never in breach:
 *
 *   booked_not_dispatched    status booked or labelled, booked (the
 *                            booking event's time, x_lgx_booked_at) before
 *                            the cutoff
 *   dispatched_no_milestone  status dispatched, the carrier has not
 *                            reported it delivered, and the later of its
 *                            last milestone (x_lgx_milestone_at) and its
 *                            dispatch (x_lgx_dispatched_at) is before the
 *                            cutoff
 *   delivered_no_pod         status dispatched (a proof of delivery makes
 *                            it delivered), last milestone DELIVERED before
 *                            the cutoff, no delivery recorded
 */
#ifndef SLA_PLAN_H
#define SLA_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_buf.h"
#include "lgx_err.h"

typedef enum sla_kind {
    SLA_BOOKED_NOT_DISPATCHED = 0,
    SLA_DISPATCHED_NO_MILESTONE,
    SLA_DELIVERED_NO_POD,
    SLA_KINDS
} sla_kind_t;

/* Longest threshold accepted, in hours (one year). */
#define SLA_MAX_HOURS 8760.0

/* The kind's name in metrics and logs: "booked_not_dispatched". */
const char *sla_kind_name(sla_kind_t k);

/* The summary of the kind's activity ("SLA: booked, not dispatched"): one
 * per kind, so that lgx_activity_schedule keeps one open activity per
 * picking and kind. */
const char *sla_kind_summary(sla_kind_t k);

/* Parses a threshold in hours: a decimal number from 0 (off) to
 * SLA_MAX_HOURS ("24", "0.5", "0.001"). False for anything else (empty,
 * negative, trailing text, not finite); *hours is then unchanged. */
bool sla_parse_hours(const char *s, double *hours);

/* now_ms minus hours, as Odoo's UTC datetime (whole seconds, rounded
 * down) into out. */
void sla_cutoff(int64_t now_ms, double hours, char out[20]);

/* The domain of the pickings in breach of kind k for cutoff (an Odoo
 * datetime), as JSON, into out (reset first). */
lgx_err_t sla_domain(lgx_buf_t *out, sla_kind_t k,
                     const char *cutoff) LGX_MUST_CHECK;

/* The fields search_read reads (JSON array), the same for every kind. */
const char *sla_fields(void);

/* The order of search_read: the most recent breaches first, so that with
 * more breaches than the read limit the new ones are among those read. */
const char *sla_order(sla_kind_t k);

/* Since when the picking rec (a record read with sla_fields) has been in
 * kind k's situation, in epoch ms: its booking, the later of its last
 * milestone and its dispatch, its DELIVERED milestone. -1 when the record
 * has no such time. */
int64_t sla_since(sla_kind_t k, yajl_val rec);

/* One picking in breach; strings are borrowed, shipment may be NULL. */
typedef struct sla_breach {
    sla_kind_t kind;
    int64_t picking_id;
    const char *picking;  /* name, e.g. "WH/OUT/00012" */
    const char *shipment; /* x_lgx_shipment_ref */
    int64_t since_ms;     /* sla_since */
    int64_t now_ms;
    double threshold_h;
    int64_t responsible; /* the picking's user_id, 0 when none */
} sla_breach_t;

/* Hours since since_ms (0 when since_ms is in the future). */
double sla_age_hours(const sla_breach_t *b);

/* The members of the breach's log line (the inside of a JSON object):
 * "sla_kind", "picking", "picking_id", "shipment" (when known), "since"
 * (Odoo datetime, UTC), "age_h", "hours_late" (age minus threshold, at
 * least 0) and "threshold_h", appended to out. */
lgx_err_t sla_log_members(lgx_buf_t *out, const sla_breach_t *b) LGX_MUST_CHECK;

/* One sentence for people (the log line's msg), into out (reset first),
 * e.g. "WH/OUT/00012 (shipment SHP-1): booked 2026-11-27 08:00:00 UTC, not
 * dispatched after 26.5 h (threshold 24 h)". */
lgx_err_t sla_message(lgx_buf_t *out, const sla_breach_t *b) LGX_MUST_CHECK;

/* The activity's text: sla_message and what to do, into out (reset
 * first). */
lgx_err_t sla_activity_text(lgx_buf_t *out,
                            const sla_breach_t *b) LGX_MUST_CHECK;

/*
 * The pickings of one kind already reported, so that a breach is logged
 * and counted once however many polls it lasts, and a picking that leaves
 * the breach and comes back is reported again (a new breach). It holds the
 * breaching pickings of the last poll: bounded by what a poll reads, and
 * rebuilt by the first poll after a restart, which therefore reports the
 * pickings then in breach once more.
 *
 * Each entry also carries a pending flag for the activity: set for a new
 * entry, cleared by the caller once the activity is there.
 */
typedef struct sla_seen_s sla_seen_t;

/* Returns an empty set holding at most cap ids, or NULL when out of
 * memory. */
sla_seen_t *sla_seen_new(size_t cap);
void sla_seen_destroy(sla_seen_t *s);

/* Records the breaching pickings of a poll: ids, n distinct ones (as
 * search_read gives them) in any order, n <= cap. is_new[i] (room for n)
 * says whether ids[i] was not in the set. complete: ids are all the
 * breaching pickings, so the others left the breach and are forgotten;
 * otherwise (the read was limited) the others are kept while there is
 * room, as they may still be in breach. On error the set is unchanged. */
lgx_err_t sla_seen_update(sla_seen_t *s, const int64_t *ids, size_t n,
                          bool complete, bool *is_new) LGX_MUST_CHECK;

/* Whether id is in the set. */
bool sla_seen_has(const sla_seen_t *s, int64_t id);
/* The pending flag of id (false when id is not in the set). */
bool sla_seen_pending(const sla_seen_t *s, int64_t id);
/* Clears the pending flag of id (nothing when id is not in the set). */
void sla_seen_done(sla_seen_t *s, int64_t id);
/* How many ids the set holds. */
size_t sla_seen_count(const sla_seen_t *s);

#endif
