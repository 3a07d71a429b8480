/*
 * picks: lgx-picks' mapping from a PickConfirmed event to Odoo calls.
 */
#ifndef PICKS_H
#define PICKS_H

#include <stdbool.h>

#include "lgx_activity.h"
#include "lgx_config.h"
#include "lgx_consumer.h"

typedef struct picks_conf {
    lgx_activity_conf_t activity;
    bool validate;
    char *backorder;
} picks_conf_t;

extern const lgx_opt_t picks_opts[];

/* The handler state (lgx_stock_state_t with the picks' own part); freed
 * by lgx_stock_state_term. */
void *picks_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                 size_t errstr_size);
void picks_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

/* Several picks of different keys at once (lgx_batch_fn): the same
 * outcomes as picks_handle one by one, with the pickings, the moves and
 * the products of all of them read in one call each. */
void picks_handle_batch(void *state, const lgx_event_t *const *evs,
                        lgx_verdict_t *const *vs, size_t n);

#endif
