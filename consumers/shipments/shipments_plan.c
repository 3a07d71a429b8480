#include "shipments_plan.h"

#include <string.h>

static const shipments_kind_t kinds[] = {
    {"ShipmentBooked", "shipment_booked", "booked", "the booking",
     "x_lgx_booked_at"},
    {"LabelCreated", "label_created", "labelled", "the label", NULL},
    {"ShipmentDispatched", "shipment_dispatched", "dispatched", "the dispatch",
     "x_lgx_dispatched_at"},
    {"ShipmentCancelled", "shipment_cancelled", "cancelled", NULL, NULL},
};

const shipments_kind_t *shipments_kind(const char *branch)
{
    for (size_t i = 0; branch && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i].branch, branch) == 0) {
            return &kinds[i];
        }
    }
    return NULL;
}

const shipments_kind_t *shipments_kinds(size_t *n)
{
    *n = sizeof(kinds) / sizeof(kinds[0]);
    return kinds;
}
