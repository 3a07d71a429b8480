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
#include "sim_stock.h"

typedef struct sim_report {
    const sim_plan_conf_t *conf;
    const sim_plan_t *plan;
    const sim_final_t *finals;  /* one per order */
    const sim_counts_t *counts; /* one per topic */
    const sim_model_info_t *info;
    const char *const *topics; /* topic names, one per topic */
    const char *rules;         /* the rules file the model read */
    const sim_stock_t *stock;  /* what Odoo held; NULL: not read */
} sim_report_t;

/* Writes the expected state as JSON to path:
 *
 *   pickings  per picking: order, state, carrier, tracking_ref,
 *             shipment_id, x_lgx_shipment_status, last_milestone,
 *             milestone_at, delivered, delivered_at, receiver, cancelled,
 *             picked (product code -> quantity the applied pick reported,
 *             in the pick's order; {} when no pick applied), lots (for
 *             tracked products: product code -> lot -> quantity the
 *             done picking's move lines must carry), shortage and
 *             may_shortage (its pick is found short of Odoo's stock in
 *             every order of the picks, in some: a note and an activity
 *             on the picking) and shortages (each line short: product,
 *             lot, picked, in_odoo at best, certain)
 *   topics    per topic: messages and the count per outcome (applied,
 *             duplicate, stale, duplicate_or_stale, rejected; held: held
 *             first in every interleaving, held_max: in some), per
 *             reason, and shortages (picks judged short in every order,
 *             shortages_max: in some)
 *   poison    every poison message: id, topic, key, reason, why
 *   events    every message in publication order with its outcome, held,
 *             may_hold, order_dependent, shortage and may_shortage
 *   stock     what Odoo held when the orders were made, per product, lot
 *             and source location: quantity and reserved (when read)
 *   interleavings, order_dependent, pickings_order_dependent: how many
 *             interleavings of the topics the model ran and what differed
 *
 * Returns LGX_OK or LGX_ERR_IO / LGX_ERR_NOMEM with errstr. */
lgx_err_t sim_report_expected(const sim_report_t *r, const char *path,
                              char *errstr, size_t errstr_size) LGX_MUST_CHECK;

/* Prints messages per topic and per knob, and the expected outcomes. */
void sim_report_summary(const sim_report_t *r, FILE *out);

#endif
