/*
 * lgx_lookup: record ids by a unique key field (product.product by
 * default_code, stock.picking by name, delivery.carrier by name), cached
 * with a bound and a time-to-live (--odoo-cache-size, --odoo-cache-ttl-ms).
 * Keys not in the cache are asked for in one search_read.
 */
#ifndef LGX_LOOKUP_H
#define LGX_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"
#include "lgx_odoo.h"

typedef struct lgx_lookup_s lgx_lookup_t;

/* Returns a lookup of model by field, sized from the client's cache
 * options; NULL when out of memory. odoo is borrowed. */
lgx_lookup_t *lgx_lookup_new(lgx_odoo_t *odoo, const char *model,
                             const char *field);
void lgx_lookup_destroy(lgx_lookup_t *l);

/* Sets ids[i] to the id of the record whose field equals keys[i], or 0
 * when Odoo has none (unknown keys are not cached). At most one Odoo call.
 * Returns LGX_OK or the Odoo error (err says which). */
lgx_err_t lgx_lookup_ids(lgx_lookup_t *l, const char *const *keys, size_t n,
                         int64_t *ids, lgx_odoo_error_t *err) LGX_MUST_CHECK;

#endif
