/*
 * lgx_odoo_null: the Odoo that the consumers' hidden option --odoo-null
 * stands in for, for benchmarks: answers made in-process, so that a
 * benchmark measures lgx and not a server. A program plugs it into its
 * Odoo clients as their transport (lgx_odoo_conf_t's answer). Pure; no
 * state.
 *
 * The answers make a pick apply: search_read gives one record (id 1)
 * with the requested fields ("state" "assigned", "product_id" [1, ...],
 * "quantity" 0, "picked" false, others false), or, when the domain's
 * first condition is field "=" string or field "in" strings, one such
 * record per value with that field set to it (so lookups by name or code
 * find what they asked for); fields_get lists what lgx needs of the
 * model (lgx_setup_reqs); search_count 0; create one id per value;
 * message_post 1; context_get a context; anything else (write,
 * button_validate, ...) true.
 */
#ifndef LGX_ODOO_NULL_H
#define LGX_ODOO_NULL_H

#include <stddef.h>
#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

/* An lgx_odoo_answer_fn: b partly written when it fails. */
lgx_err_t lgx_odoo_null_answer(lgx_buf_t *b, const char *model,
                               const char *method, const int64_t *ids,
                               size_t n_ids, const char *kwargs) LGX_MUST_CHECK;

#endif
