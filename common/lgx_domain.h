/*
 * lgx_domain: Odoo search domains written by code instead of by hand: a
 * JSON array of conditions [field, operator, value], ANDed unless a
 * prefix operator ("|", "&", "!") says otherwise, with every field and
 * string value escaped as JSON. Written into an lgx_buf_t; the first
 * error sticks (later calls do nothing) and lgx_domain_end returns it.
 *
 *     lgx_domain_t d;
 *     lgx_domain_start(&d, buf);
 *     lgx_domain_str(&d, "res_model", "=", "stock.picking");
 *     lgx_domain_in(&d, "res_id");
 *     for (i = 0; i < n; i++) lgx_domain_item_int(&d, ids[i]);
 *     if (lgx_domain_end(&d) != LGX_OK) ...   lgx_buf_data(buf)
 */
#ifndef LGX_DOMAIN_H
#define LGX_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

typedef struct lgx_domain {
    lgx_buf_t *buf;
    lgx_err_t err; /* the first error; later calls do nothing */
    bool first;    /* no term written yet */
    bool in_list;  /* between lgx_domain_in and the next condition */
    bool no_items; /* the open list has no item yet */
} lgx_domain_t;

/* Resets buf and opens the domain. A NULL buf (an lgx_buf_new that
 * failed) makes every call do nothing and lgx_domain_end return
 * LGX_ERR_NOMEM, so that callers need no check of their own. */
void lgx_domain_start(lgx_domain_t *d, lgx_buf_t *buf);

/* A prefix operator: "|" (or), "&" (and), "!" (not). */
void lgx_domain_op(lgx_domain_t *d, const char *op);

/* [field, op, value] with a string, integer or boolean value. */
void lgx_domain_str(lgx_domain_t *d, const char *field, const char *op,
                    const char *value);
void lgx_domain_int(lgx_domain_t *d, const char *field, const char *op,
                    int64_t value);
void lgx_domain_bool(lgx_domain_t *d, const char *field, const char *op,
                     bool value);

/* [field, op, json]: a value already written as JSON (e.g. an array of
 * ids made elsewhere), put as it is. */
void lgx_domain_json(lgx_domain_t *d, const char *field, const char *op,
                     const char *json);

/* [field, "in", [...]]: the values follow with lgx_domain_item_*; the
 * next condition or lgx_domain_end closes the list (empty is allowed:
 * it matches nothing). */
void lgx_domain_in(lgx_domain_t *d, const char *field);
void lgx_domain_item_str(lgx_domain_t *d, const char *value);
void lgx_domain_item_int(lgx_domain_t *d, int64_t value);
void lgx_domain_item_bool(lgx_domain_t *d, bool value);

/* Closes an open list and the domain; LGX_OK or the first error. */
lgx_err_t lgx_domain_end(lgx_domain_t *d) LGX_MUST_CHECK;

#endif
