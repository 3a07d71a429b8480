/*
 * pod: lgx-pod's mapping from a ProofOfDelivery event to Odoo calls. Its
 * state is an lgx_stock_state_t holding a pod_conf_t.
 */
#ifndef POD_H
#define POD_H

#include <stdbool.h>

#include "lgx_activity.h"
#include "lgx_config.h"
#include "lgx_consumer.h"

typedef struct pod_conf {
    lgx_activity_conf_t activity; /* first: lgx_stock_state_init reads it */
    bool invoice_check;
} pod_conf_t;

extern const lgx_opt_t pod_opts[];

void pod_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

#endif
