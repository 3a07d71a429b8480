/*
 * lgx_clock: per entity, the time of the last applied event of each event
 * type and source, kept in Odoo on the entity itself as a small JSON
 * object in a text field of stock.picking:
 *
 *   {"pick_confirmed/wms-north": 1764230400000, ...}
 *
 * so that timestamp governance (an older event is stale) survives
 * restarts and works across replicas. Each consumer has its own field
 * (x_lgx_clock_picks, _shipments, _milestones, _pod): two consumers
 * writing one picking at once each rewrite only their own field, so
 * neither can drop the other's entry. The field x_lgx_clock that all
 * shared before is still read while a consumer's own field is empty (a
 * database set up by an older lgx), and its entries are carried into
 * the own field on the first write. Pure functions.
 */
#ifndef LGX_CLOCK_H
#define LGX_CLOCK_H

#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

/* The legacy field all consumers shared. */
#define LGX_CLOCK_LEGACY_FIELD "x_lgx_clock"

/* The stock.picking field holding the clock of event_type's consumer
 * (e.g. "x_lgx_clock_picks" for "pick_confirmed"); NULL for an event type
 * lgx does not know. Static storage. */
const char *lgx_clock_field(const char *event_type);

/* Of a picking's own clock text (own, may be NULL or empty) and the legacy
 * shared one (legacy, may be NULL): the text to read and to update, own
 * unless it is empty. Returns one of its arguments. */
const char *lgx_clock_pick(const char *own, const char *legacy);

/* The time recorded for event_type and source in clock_json (may be NULL,
 * empty or Odoo's false), or -1 when none. */
int64_t lgx_clock_get(const char *clock_json, const char *event_type,
                      const char *source);

/* Writes to out (reset first) clock_json with event_type/source set to ms
 * (kept if already later). At most 64 entries are kept: the oldest go. */
lgx_err_t lgx_clock_set(lgx_buf_t *out, const char *clock_json,
                        const char *event_type, const char *source,
                        int64_t ms) LGX_MUST_CHECK;

/* Appends the member "<lgx_clock_field(event_type)>":"<clock_json with
 * event_type/source set to ms>" to out, for the vals of a write.
 * LGX_ERR_INVALID for an event type without a clock field. */
lgx_err_t lgx_clock_member(lgx_buf_t *out, const char *clock_json,
                           const char *event_type, const char *source,
                           int64_t ms) LGX_MUST_CHECK;

#endif
