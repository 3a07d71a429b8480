/*
 * lgx-picks: applies warehouse pick confirmations to Odoo transfers.
 *
 * For each PickConfirmed event: find the picking by name, check it
 * against the rules (source, time, the picking's state: a draft picking
 * holds the pick, a done one makes it stale), set quantity and picked on
 * its moves, and when the warehouse says the pick is complete (and
 * --validate allows) validate the picking without the SMS wizard and with
 * the configured backorder policy.
 */
#include <stddef.h>

#include "lgx_consumer.h"
#include "picks.h"

static picks_conf_t conf;

static const char *const requires[] = {"stock.picking.name",
                                       "stock.picking.state",
                                       "stock.move.quantity",
                                       "stock.move.picked",
                                       "stock.move.product_id",
                                       "product.product.default_code",
                                       "stock.picking.x_lgx_clock",
                                       "stock.picking.x_lgx_clock_picks",
                                       NULL};

LGX_CONSUMER_MAIN("picks", "lgx.picks.PickConfirmed",
                  "Applies warehouse pick confirmations (topic lgx.picks, "
                  "schema lgx.picks.PickConfirmed) to Odoo pickings.",
                  picks_opts, &conf, requires,
                  LGX_EVENT_TYPES("pick_confirmed"), picks_init, picks_term,
                  picks_handle, picks_handle_batch)
