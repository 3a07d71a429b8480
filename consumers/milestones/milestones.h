/*
 * milestones: lgx-milestones' mapping from a CarrierMilestone event to
 * Odoo calls. Its state is an lgx_stock_state_t.
 */
#ifndef MILESTONES_H
#define MILESTONES_H

#include <stddef.h>

#include "lgx_consumer.h"

void milestones_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v);

#endif
