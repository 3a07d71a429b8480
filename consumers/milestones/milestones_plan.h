/*
 * milestones_plan: the pure part of lgx-milestones. Whether a milestone is
 * newer than the one a picking holds, and the texts of its chatter note
 * and customer-service activity. No I/O: unit-tested without Odoo.
 */
#ifndef MILESTONES_PLAN_H
#define MILESTONES_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

/* One carrier milestone as read from the event; strings are borrowed. */
typedef struct milestone {
    const char *tracking_ref;
    const char *carrier;          /* carrier code, e.g. "dhl" */
    const char *code;             /* MilestoneCode symbol, e.g. "IN_TRANSIT" */
    const char *location;         /* NULL: none given */
    const char *exception_reason; /* NULL: none given */
    int64_t occurred_at;          /* epoch ms */
    int64_t eta;                  /* epoch ms; -1: none given */
} milestone_t;

/* True when a milestone that occurred at occurred_at (epoch ms) is newer
 * than the one recorded at milestone_at (Odoo datetime; NULL, empty or
 * unreadable: none recorded). Odoo keeps whole seconds, so the comparison
 * is in whole seconds: the same milestone replayed is not newer, and of
 * two milestones within one second only the first is applied. */
bool milestones_is_newer(int64_t occurred_at, const char *milestone_at);

/* True for the milestones customer service must act on: EXCEPTION and
 * DELIVERY_ATTEMPTED. */
bool milestones_wants_activity(const char *code);

/* The chatter note, into out (reset first), e.g.
 * "Carrier DHL: IN_TRANSIT at Leipzig hub (2026-11-27 10:00 UTC)", with
 * the exception reason and the ETA when given. */
lgx_err_t milestones_note(lgx_buf_t *out, const milestone_t *m) LGX_MUST_CHECK;

/* The activity's summary and plain text, into summary and text (reset
 * first). The summary names the tracking ref and the code only, so that
 * one open activity per parcel and code is kept (lgx_stock_todo). */
lgx_err_t milestones_activity(lgx_buf_t *summary, lgx_buf_t *text,
                              const milestone_t *m) LGX_MUST_CHECK;

#endif
