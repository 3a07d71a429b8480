/*
 * lgx-shipments: applies the transport platform's shipment events to Odoo
 * pickings. A shipment (key shipment_id) is booked for one or more
 * pickings with a carrier, gets a label (tracking reference, optional
 * document), is dispatched (the pickings are validated) or cancelled. The
 * shipment status lgx keeps on the pickings (x_lgx_shipment_status) and
 * the rules file decide what may happen when: dispatch only after booking
 * and label (carrier acceptance), nothing after cancellation.
 */
#include <stddef.h>

#include "lgx_consumer.h"
#include "shipments.h"

static shipments_conf_t conf;

static const char *const requires[] = {"stock.picking.name",
                                       "stock.picking.state",
                                       "stock.picking.carrier_id",
                                       "stock.picking.carrier_tracking_ref",
                                       "stock.picking.x_lgx_clock",
                                       "stock.picking.x_lgx_shipment_ref",
                                       "stock.picking.x_lgx_shipment_status",
                                       NULL};

static const char *const event_types[] = {"shipment_booked", "label_created",
                                          "shipment_dispatched",
                                          "shipment_cancelled", NULL};

int main(int argc, char **argv)
{
    const lgx_consumer_spec_t spec = {
        .program = "lgx-shipments",
        .summary = "Applies shipment events (topic lgx.shipments, schema "
                   "lgx.shipments.ShipmentEvent: booked, label created, "
                   "dispatched, cancelled) to Odoo pickings.",
        .default_topic = "lgx.shipments",
        .schema = "lgx.shipments.ShipmentEvent",
        .opts = shipments_opts,
        .requires = requires,
        .event_types = event_types,
        .conf = &conf,
        .init = shipments_init,
        .term = shipments_term,
        .handle = shipments_handle,
    };
    return lgx_consumer_main(&spec, argc, argv);
}
