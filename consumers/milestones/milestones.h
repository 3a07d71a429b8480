/*
 * milestones: lgx-milestones' mapping from a CarrierMilestone event to
 * Odoo calls. Its state is an lgx_stock_state_t.
 */
#ifndef MILESTONES_H
#define MILESTONES_H

#include <stddef.h>

#include "lgx_activity.h"
#include "lgx_config.h"
#include "lgx_consumer.h"

typedef struct milestones_conf {
    lgx_activity_conf_t activity; /* first: lgx_stock_state_init reads it */
} milestones_conf_t;

extern const lgx_opt_t milestones_opts[];

void milestones_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

/* Several milestones of different keys at once (lgx_batch_fn): the same
 * outcomes as milestones_handle one by one, with the pickings of all of
 * them read in one call and their notes checked and posted in two. */
void milestones_handle_batch(void *state, const lgx_event_t *const *evs,
                             lgx_verdict_t *const *vs, size_t n);

#endif
