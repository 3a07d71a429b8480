/*
 * lgx_stock: the Odoo stock operations the consumers share. Each function
 * makes its Odoo calls and, on failure, fills the verdict from Odoo's
 * answer (lgx_verdict_from_odoo) and returns false.
 *
 * Pickings are read with the fields every consumer needs (PICKING_FIELDS).
 */
#ifndef LGX_STOCK_H
#define LGX_STOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_buf.h"
#include "lgx_consumer.h"
#include "lgx_odoo.h"

/* Returns true when rc is LGX_OK; otherwise sets v from err. */
bool lgx_stock_ok(lgx_err_t rc, const lgx_odoo_error_t *err, const char *what,
                  lgx_verdict_t *v);

/* Pickings matching domain_json (a JSON domain), at most limit (0: all).
 * On true *recs is a JSON array (free with yajl_tree_free). */
bool lgx_stock_pickings(lgx_odoo_t *o, const char *domain_json, long limit,
                        yajl_val *recs, lgx_verdict_t *v);

/* The domain [[field, "=", value]] with value quoted, into out. */
lgx_err_t lgx_stock_domain_eq(lgx_buf_t *out, const char *field,
                              const char *value) LGX_MUST_CHECK;

/* The shipment status lgx keeps on a picking ("none" when unset). */
const char *lgx_stock_status(yajl_val picking);

/* Ids of the records of a JSON array, into ids (room for max). */
size_t lgx_stock_ids(yajl_val recs, int64_t *ids, size_t max);

/* write(ids, vals_json). */
bool lgx_stock_write(lgx_odoo_t *o, const char *model, const int64_t *ids,
                     size_t n, const char *vals_json, lgx_verdict_t *v);

/* Validates a picking without the SMS wizard. keep_rest: answer Odoo's
 * backorder wizard by creating the backorder; otherwise validate with no
 * backorder. *backorder says whether one was made. name is for messages. */
bool lgx_stock_validate(lgx_odoo_t *o, int64_t picking_id, const char *name,
                        bool keep_rest, bool *backorder, lgx_verdict_t *v);

/* Posts a chatter note (message_post, note subtype) on a picking. */
bool lgx_stock_note(lgx_odoo_t *o, int64_t picking_id, const char *body,
                    lgx_verdict_t *v);

/* Schedules a To-Do activity on a picking, unless one with the same
 * summary is already open there (a replay schedules nothing). */
bool lgx_stock_activity(lgx_odoo_t *o, int64_t picking_id, const char *summary,
                        const char *note, lgx_verdict_t *v);

/* Attaches a document to a picking unless an attachment of that name is
 * already there. data is base64-encoded here. */
bool lgx_stock_attach(lgx_odoo_t *o, int64_t picking_id, const char *name,
                      const char *mimetype, const void *data, size_t len,
                      lgx_verdict_t *v);

/* Appends the base64 of data to out. */
lgx_err_t lgx_stock_base64(lgx_buf_t *out, const void *data,
                           size_t len) LGX_MUST_CHECK;

#endif
