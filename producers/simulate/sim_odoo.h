/*
 * sim_odoo: the Odoo side of lgx-simulate. Either it creates and confirms
 * one sale order per simulated order (so that the events refer to real
 * pickings), or it reads pickings that exist already.
 */
#ifndef SIM_ODOO_H
#define SIM_ODOO_H

#include <stddef.h>

#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "sim_plan.h"
#include "sim_stock.h"

/* Source locations of the run's moves whose stock is read. */
#define SIM_MAX_LOCATIONS 8

/* Creates and confirms a sale order for each order (its drawn lines,
 * partner and carrier: carriers[order.carrier]), then fills in the order's
 * name, its delivery's picking name and state. Products are found by
 * default_code, carriers by name; one missing is an error naming it.
 * Returns LGX_OK or an error with errstr. */
lgx_err_t sim_odoo_create_orders(lgx_odoo_t *o, sim_order_t *orders, size_t n,
                                 const char *const *carriers, size_t n_carriers,
                                 char *errstr,
                                 size_t errstr_size) LGX_MUST_CHECK;

/* Reads the pickings named in orders[].picking: state, origin (the order
 * name, when set), shipment status (orders[].history) and, for orders
 * without lines, the moves (product default_code and demand). Then checks
 * that every product code of the lines and every carrier name exists. A
 * picking, product or carrier Odoo does not know is an error. */
lgx_err_t sim_odoo_read_pickings(lgx_odoo_t *o, sim_order_t *orders, size_t n,
                                 const char *const *carriers, size_t n_carriers,
                                 char *errstr,
                                 size_t errstr_size) LGX_MUST_CHECK;

/* Reads what Odoo holds of the orders' products into stock: each
 * product's tracking, each order's moves (source location, what is
 * reserved: untracked, the move's quantity; tracked, its move lines per
 * lot) and the quants of the products under the moves' source locations
 * (lots first in, first out), for sim_stock_plan. The orders' pickings
 * must have been read or created (picking_id). Returns LGX_OK or an
 * error with errstr. */
lgx_err_t sim_odoo_read_stock(lgx_odoo_t *o, const sim_order_t *orders,
                              size_t n, sim_stock_t *stock, char *errstr,
                              size_t errstr_size) LGX_MUST_CHECK;

#endif
