/*
 * lgx_odoo_null: the Odoo that --odoo-null stands in for, for benchmarks:
 * answers made in-process, so that a benchmark measures lgx and not a
 * server. lgx_odoo plugs it in (the answer hook of a client made with
 * conf->null_sink; see lgx_odoo_new for what the answers are). Pure; no
 * state.
 */
#ifndef LGX_ODOO_NULL_H
#define LGX_ODOO_NULL_H

#include <stddef.h>
#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

/* Replaces b's content with the answer to model.method on ids (n_ids,
 * may be 0) with the JSON-2 named arguments kwargs (may be NULL), as
 * Odoo's JSON-2 would send it with HTTP 200. Returns LGX_OK, or
 * the error that stopped it (no memory) with b partly written. */
lgx_err_t lgx_odoo_null_answer(lgx_buf_t *b, const char *model,
                               const char *method, const int64_t *ids,
                               size_t n_ids, const char *kwargs) LGX_MUST_CHECK;

#endif
