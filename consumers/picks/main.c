/*
 * lgx-picks: applies warehouse pick confirmations to Odoo transfers.
 *
 * For each PickConfirmed event: find the picking by name, check it
 * against the rules (source, time, the picking's state: a draft picking
 * holds the pick, a done one makes it stale), set quantity and picked on
 * its moves (for products tracked by lot or serial number: the move lines
 * of the lots picked, creating a lot Odoo lacks only where the rules
 * allow), and when the warehouse says the pick is complete (and
 * --validate allows) validate the picking without the SMS wizard and with
 * the configured backorder policy.
 */
#include <stddef.h>

#include "lgx_consumer.h"
#include "lgx_stock.h"
#include "picks.h"

static picks_conf_t conf;

static const char *const requires[] = {"stock.picking.name",
                                       "stock.picking.state",
                                       "stock.move.quantity",
                                       "stock.move.picked",
                                       "stock.move.x_lgx_quantity",
                                       "stock.move.product_id",
                                       "product.product.default_code",
                                       "product.product.tracking",
                                       "stock.move.has_tracking",
                                       "stock.move.line.move_id",
                                       "stock.move.line.lot_id",
                                       "stock.move.line.quantity",
                                       "stock.move.line.picked",
                                       "stock.lot.name",
                                       "stock.lot.product_id",
                                       "stock.picking.x_lgx_clock",
                                       "stock.picking.x_lgx_clock_picks",
                                       NULL};

static const lgx_consumer_spec_t spec = {
    .program = "lgx-picks",
    .default_topic = "lgx.picks",
    .schema = "lgx.picks.PickConfirmed",
    .summary = "Applies warehouse pick confirmations (topic lgx.picks, "
               "schema lgx.picks.PickConfirmed) to Odoo pickings.",
    .opts = picks_opts,
    .conf = &conf,
    .requires = requires,
    .event_types = LGX_EVENT_TYPES("pick_confirmed"),
    .init = picks_init,
    .term = lgx_stock_state_term,
    .handle = picks_handle,
    .handle_batch = picks_handle_batch,
};

int main(int argc, char **argv)
{
    return lgx_consumer_main(&spec, argc, argv);
}
