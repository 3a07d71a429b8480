#include "lgx_setup_reqs.h"

/* Everything lgx uses in Odoo. Custom items start with x_. */
const lgx_setup_req_t lgx_setup_reqs[] = {
    {"stock.picking", "name", "char", "Reference"},
    {"stock.picking", "state", "selection", "Status"},
    {"stock.picking", "carrier_tracking_ref", "char", "Tracking Reference"},
    {"stock.move", "quantity", "float", "Quantity"},
    {"stock.move", "picked", "boolean", "Picked"},
    {"stock.move", "product_id", "many2one", "Product"},
    {"product.product", "default_code", "char", "Internal Reference"},
    {"product.product", "tracking", "selection", "Tracking"},
    {"stock.move", "has_tracking", "selection", "Product with Tracking"},
    {"stock.move.line", "move_id", "many2one", "Stock Operation"},
    {"stock.move.line", "lot_id", "many2one", "Lot/Serial Number"},
    {"stock.move.line", "quantity", "float", "Quantity"},
    {"stock.move.line", "picked", "boolean", "Picked"},
    {"stock.lot", "name", "char", "Lot/Serial Number"},
    {"stock.lot", "product_id", "many2one", "Product"},
    {"stock.picking", "x_lgx_clock", "text",
     "lgx: time of the last applied event per event type and source, shared "
     "by the consumers before each had its own (read while its own is "
     "empty)"},
    {"stock.picking", "x_lgx_clock_picks", "text",
     "lgx: time of the last applied pick per source (lgx-picks)"},
    {"stock.picking", "x_lgx_clock_shipments", "text",
     "lgx: time of the last applied shipment event per type and source "
     "(lgx-shipments)"},
    {"stock.picking", "x_lgx_clock_milestones", "text",
     "lgx: time of the last applied carrier milestone per source "
     "(lgx-milestones)"},
    {"stock.picking", "x_lgx_clock_pod", "text",
     "lgx: time of the last applied proof of delivery per source (lgx-pod)"},
    {"stock.move", "x_lgx_quantity", "float",
     "lgx: the quantity lgx-picks last wrote (a different quantity since is "
     "a person's edit)"},
    {"stock.picking", "x_lgx_shipment_ref", "char", "lgx: shipment id"},
    {"stock.picking", "x_lgx_shipment_status", "char",
     "lgx: shipment status (booked, labelled, dispatched, delivered, "
     "cancelled, picking_cancelled)"},
    {"stock.picking", "x_lgx_milestone", "char", "lgx: last carrier milestone"},
    {"stock.picking", "x_lgx_milestone_at", "datetime",
     "lgx: time of the last carrier milestone"},
    {"stock.picking", "x_lgx_eta", "datetime", "lgx: carrier ETA"},
    {"stock.picking", "x_lgx_delivered_at", "datetime", "lgx: delivered at"},
    {"stock.picking", "x_lgx_receiver", "char", "lgx: received by"},
    {"stock.picking", "x_lgx_booked_at", "datetime", "lgx: shipment booked at"},
    {"stock.picking", "x_lgx_dispatched_at", "datetime",
     "lgx: shipment dispatched at"},
};

_Static_assert(sizeof(lgx_setup_reqs) / sizeof(lgx_setup_reqs[0]) ==
                   LGX_SETUP_N_REQS,
               "LGX_SETUP_N_REQS must count the rows of lgx_setup_reqs");

/* Models lgx made once and uses no more (lgx-odoo-setup names them). */
static const char *const retired[] = {"x_lgx_ledger", NULL};

const char *const *lgx_setup_retired(void)
{
    return retired;
}
