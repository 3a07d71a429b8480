/*
 * lgx-pod: applies proofs of delivery to Odoo pickings.
 *
 * For each ProofOfDelivery event (key picking name, or tracking ref when
 * the picking is not known): find the picking by name, else by
 * carrier_tracking_ref, check the rules (source, time, the shipment
 * status: a POD before dispatch waits, a second one is stale), attach the
 * receiver's signature, schedule an activity for lines delivered short or
 * damaged, and record the delivery on the picking (time, receiver, status
 * delivered). A POD for an order invoiced already is recorded and flagged
 * in the chatter: lgx never creates invoices.
 */
#include <stddef.h>

#include "lgx_consumer.h"
#include "lgx_stock.h"
#include "pod.h"

static pod_conf_t conf;

static const char *const requires[] = {LGX_STOCK_REQUIRES,
                                       "stock.picking.x_lgx_delivered_at",
                                       "stock.picking.x_lgx_receiver", NULL};

static const lgx_consumer_spec_t spec = {
    .program = "lgx-pod",
    .default_topic = "lgx.pod",
    .schema = "lgx.pod.ProofOfDelivery",
    .summary = "Applies proofs of delivery (topic lgx.pod, schema "
               "lgx.pod.ProofOfDelivery) to Odoo pickings.",
    .opts = pod_opts,
    .conf = &conf,
    .requires = requires,
    .event_types = LGX_EVENT_TYPES("proof_of_delivery"),
    .init = lgx_stock_state_init,
    .term = lgx_stock_state_term,
    .handle = pod_handle,
};

int main(int argc, char **argv)
{
    return lgx_consumer_main(&spec, argc, argv);
}
