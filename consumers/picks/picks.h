/*
 * picks: lgx-picks' mapping from a PickConfirmed event to Odoo calls.
 */
#ifndef PICKS_H
#define PICKS_H

#include <stdbool.h>

#include "lgx_config.h"
#include "lgx_consumer.h"

typedef struct picks_conf {
    bool validate;
    char *backorder;
} picks_conf_t;

extern const lgx_opt_t picks_opts[];

void *picks_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                 size_t errstr_size);
void picks_term(void *state);
void picks_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

#endif
