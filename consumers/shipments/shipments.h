/*
 * shipments: lgx-shipments' mapping from a ShipmentEvent to Odoo calls.
 */
#ifndef SHIPMENTS_H
#define SHIPMENTS_H

#include "lgx_config.h"
#include "lgx_consumer.h"

/* conf is unused (lgx-shipments has no options of its own). */
void *shipments_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                     size_t errstr_size);
void shipments_term(void *state);
void shipments_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

#endif
