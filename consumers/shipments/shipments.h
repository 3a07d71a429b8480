/*
 * shipments: lgx-shipments' mapping from a ShipmentEvent to Odoo calls.
 */
#ifndef SHIPMENTS_H
#define SHIPMENTS_H

#include "lgx_activity.h"
#include "lgx_config.h"
#include "lgx_consumer.h"

/* lgx-shipments' options: who gets its activities (a cancelled picking
 * whose shipment is booked). */
typedef struct shipments_conf {
    lgx_activity_conf_t activity;
} shipments_conf_t;

extern const lgx_opt_t shipments_opts[];

/* The handler state (lgx_stock_state_t with the shipments' own part),
 * freed by lgx_stock_state_term. conf (a shipments_conf_t, may be NULL)
 * is borrowed; NULL with errstr when out of memory or the activity
 * options are wrong. */
void *shipments_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                     size_t errstr_size);
void shipments_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

#endif
