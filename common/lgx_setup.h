/*
 * lgx_setup: what lgx needs in Odoo, checked at start and created by
 * lgx-odoo-setup.
 *
 * One table lists every model and field lgx uses: standard ones (which
 * must exist: they tell the Odoo version apart, e.g. stock.move.picked
 * exists from Odoo 17) and custom ones (x_ names, created through the API
 * as Odoo Studio does: ir.model for models, ir.model.fields for fields).
 * No Python module is needed, so this works on Odoo Online.
 */
#ifndef LGX_SETUP_H
#define LGX_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "lgx_buf.h"
#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_odoo.h"

/* Checks the requirements named in wanted ("stock.move.picked",
 * "stock.picking" for a model, "stock.picking.x_lgx_eta"; NULL-
 * terminated; NULL means all of lgx's). Appends one line per missing item
 * to missing (may be NULL) and sets *n_missing. Returns LGX_OK when the
 * check ran (whatever it found), or the Odoo error that stopped it. Only
 * fields_get is called, which any Odoo user may: the check needs no
 * administration rights. */
lgx_err_t lgx_setup_check(lgx_odoo_t *odoo, const char *const *wanted,
                          lgx_buf_t *missing, size_t *n_missing,
                          lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* Creates the missing custom models and fields among wanted (NULL: all).
 * Standard items that are missing cannot be created: they are counted in
 * *n_impossible and named in the log. *n_created counts what was made.
 * Running it again creates nothing. Creating needs Odoo's Administration /
 * Access Rights group (ir.model, ir.model.fields); with nothing missing it
 * makes only the calls of lgx_setup_check, which any user may. With
 * wanted NULL, a model lgx created once and uses no more
 * (lgx_setup_reqs.h) is named in the log when Odoo still has it, and
 * kept. */
lgx_err_t lgx_setup_apply(lgx_odoo_t *odoo, const char *const *wanted,
                          lgx_log_t *log, size_t *n_created,
                          size_t *n_impossible,
                          lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* Writes the requirement table as Markdown (for the README). */
void lgx_setup_describe(lgx_buf_t *out);

#endif
