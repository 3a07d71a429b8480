/*
 * lgx-shipments: applies the transport platform's shipment events to Odoo
 * pickings. A shipment (key shipment_id) is booked for one or more
 * pickings with a carrier, gets a label (tracking reference, optional
 * document), is dispatched (the carrier collected it) or cancelled. The
 * shipment status lgx keeps on the pickings (x_lgx_shipment_status) and
 * the rules file decide what may happen when: dispatch only after booking
 * and label (carrier acceptance), nothing after cancellation. A dispatch
 * validates nothing: the warehouse's pick does (it owns what was picked),
 * so a dispatch waits for the pickings' validation.
 */
#include <stddef.h>

#include "lgx_consumer.h"
#include "lgx_stock.h"
#include "shipments.h"

static shipments_conf_t conf;

static const char *const requires[] = {"stock.picking.name",
                                       "stock.picking.state",
                                       "stock.picking.carrier_id",
                                       "stock.picking.carrier_tracking_ref",
                                       "stock.picking.x_lgx_clock",
                                       "stock.picking.x_lgx_clock_shipments",
                                       "stock.picking.x_lgx_shipment_ref",
                                       "stock.picking.x_lgx_shipment_status",
                                       "stock.picking.x_lgx_booked_at",
                                       "stock.picking.x_lgx_dispatched_at",
                                       NULL};

static const lgx_consumer_spec_t spec = {
    .program = "lgx-shipments",
    .default_topic = "lgx.shipments",
    .schema = "lgx.shipments.ShipmentEvent",
    .summary = "Applies shipment events (topic lgx.shipments, schema "
               "lgx.shipments.ShipmentEvent: booked, label created, "
               "dispatched, cancelled) to Odoo pickings.",
    .opts = shipments_opts,
    .conf = &conf,
    .requires = requires,
    .event_types = LGX_EVENT_TYPES("shipment_booked", "label_created",
                                   "shipment_dispatched", "shipment_cancelled"),
    .init = shipments_init,
    .term = lgx_stock_state_term,
    .handle = shipments_handle,
};

int main(int argc, char **argv)
{
    return lgx_consumer_main(&spec, argc, argv);
}
