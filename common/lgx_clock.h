/*
 * lgx_clock: per entity, the time of the last applied event of each event
 * type and source, kept in Odoo on the entity itself (a text field,
 * x_lgx_clock on stock.picking) as a small JSON object:
 *
 *   {"pick_confirmed/wms-north": 1764230400000, ...}
 *
 * so that timestamp governance (an older event is stale) survives
 * restarts and works across replicas. Pure functions.
 */
#ifndef LGX_CLOCK_H
#define LGX_CLOCK_H

#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

/* The time recorded for event_type and source in clock_json (may be NULL,
 * empty or Odoo's false), or -1 when none. */
int64_t lgx_clock_get(const char *clock_json, const char *event_type,
                      const char *source);

/* Writes to out (reset first) clock_json with event_type/source set to ms
 * (kept if already later). At most 64 entries are kept: the oldest go. */
lgx_err_t lgx_clock_set(lgx_buf_t *out, const char *clock_json,
                        const char *event_type, const char *source,
                        int64_t ms) LGX_MUST_CHECK;

/* Appends the member "x_lgx_clock":"<clock_json with event_type/source
 * set to ms>" to out, for the vals of a write. */
lgx_err_t lgx_clock_member(lgx_buf_t *out, const char *clock_json,
                           const char *event_type, const char *source,
                           int64_t ms) LGX_MUST_CHECK;

#endif
