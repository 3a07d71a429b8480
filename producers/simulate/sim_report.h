/*
 * sim_report: the expected final state for audits (--expected) and the
 * summary printed at the end.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stdio.h>

#include "lgx_err.h"
#include "sim_model.h"
#include "sim_plan.h"

typedef struct sim_report {
    const sim_plan_conf_t *conf;
    const sim_plan_t *plan;
    const sim_final_t *finals;  /* one per order */
    const sim_counts_t *counts; /* one per topic */
    const sim_model_info_t *info;
    const char *const *topics; /* topic names, one per topic */
    const char *rules;         /* the rules file the model read */
} sim_report_t;

/* Writes the expected state as JSON to path:
 *
 *   pickings  per picking: order, state, carrier, tracking_ref,
 *             shipment_id, x_lgx_shipment_status, last_milestone,
 *             milestone_at, delivered, delivered_at, receiver, cancelled,
 *             picked (product code -> quantity the applied pick reported,
 *             in the pick's order; {} when no pick applied)
 *   topics    per topic: messages and the count per outcome (applied,
 *             duplicate, stale, duplicate_or_stale, rejected; held: held
 *             first in every interleaving, held_max: in some) and per
 *             reason
 *   poison    every poison message: id, topic, key, reason, why
 *   events    every message in publication order with its outcome, held,
 *             may_hold and order_dependent
 *   interleavings, order_dependent, pickings_order_dependent: how many
 *             interleavings of the topics the model ran and what differed
 *
 * Returns LGX_OK or LGX_ERR_IO / LGX_ERR_NOMEM with errstr. */
lgx_err_t sim_report_expected(const sim_report_t *r, const char *path,
                              char *errstr, size_t errstr_size) LGX_MUST_CHECK;

/* Prints messages per topic and per knob, and the expected outcomes. */
void sim_report_summary(const sim_report_t *r, FILE *out);

#endif
