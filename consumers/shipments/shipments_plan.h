/*
 * shipments_plan: the pure part of lgx-shipments. What each kind of
 * shipment event is: the payload record it comes as, its event type in
 * the rules, the shipment status it sets, what a cancelled picking
 * refuses of it and where the time of its status goes. No I/O:
 * unit-tested without Odoo.
 */
#ifndef SHIPMENTS_PLAN_H
#define SHIPMENTS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct shipments_kind {
    const char *branch; /* the payload's record name, e.g. "LabelCreated" */
    const char *type;   /* its event type in the rules: "label_created" */
    const char *status; /* the shipment status it sets: "labelled" */
    /* What a picking cancelled in Odoo refuses of it ("the label"); NULL
     * for a cancellation of the shipment, which applies. */
    const char *refused;
    /* The field holding when the shipment reached status, for the
     * statuses lgx-sla measures from (booked, dispatched); else NULL. */
    const char *time_field;
} shipments_kind_t;

/* The kind of a payload record named branch; NULL when lgx knows none. */
const shipments_kind_t *shipments_kind(const char *branch);

/* The kinds, n of them (for tests and documentation). */
const shipments_kind_t *shipments_kinds(size_t *n);

#endif
