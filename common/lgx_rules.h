/*
 * lgx_rules: who owns what, as data. One rules file (JSON) says, per
 * event type:
 *
 *   sources   which source systems may publish it (shell patterns)
 *   writes    which Odoo fields it may write ("model.field"); anything
 *             else is refused, and workflow state is never written
 *             directly (a "*.state" entry is an error: business methods
 *             change states)
 *   calls     which Odoo business methods it may call ("model.method")
 *   apply_in  entity statuses in which it is applied
 *   hold_in   statuses in which its precondition may still come: the
 *             event is held up to hold_ms, then dead-lettered
 *   stale_in  statuses in which it has nothing left to do
 *   create_lots  (pick_confirmed only; default false) a picked lot or
 *             serial Odoo lacks is created instead of refused; needs
 *             "stock.lot.create" in calls
 *   shortage  (pick_confirmed only) what a pick of more than Odoo has
 *             (reserved for the move or free at its location) does:
 *             "apply" (the default: the warehouse holds the goods),
 *             "hold" until Odoo has it, or "refuse"; one policy, or an
 *             object of source patterns to policies (first match; a
 *             source none matches: apply). Never silent, whichever.
 *   (any other status: the transition is not allowed; rejected)
 *
 * and, for all: clock_skew_ms, how far in the future an event may be
 * dated; shared, the targets ("model.field" or "model.method") that
 * event types of different source families may all write or call;
 * mapping, the partners' codes as Odoo names them, per source pattern:
 *
 *   carriers    carrier code -> delivery.carrier name
 *   products    SKU -> product.product default_code (or barcode)
 *   product_field  "default_code" (default) or "barcode": the field the
 *               (mapped) product code is looked up by
 *   units       unit code -> uom.uom name
 *   warehouses  warehouse code -> stock.warehouse code
 *
 * The first pattern, in file order, that matches an event's source gives
 * its section. A code of a kind the section has no map of (or of a source
 * no pattern matches) is used as it is; a kind the section maps takes
 * only the codes it lists (at most LGX_RULES_MAP_MAX per map).
 *
 * One owner per field and business method: the file is refused when two
 * event types whose sources differ (not the same set of patterns) both
 * write a field or call a method that is not shared, naming both. What
 * the warehouse picked (stock.move, stock.move.line, stock.lot,
 * stock.quant, the backorder wizard, button_validate, action_cancel) can
 * never be shared. The file is validated as a whole: an unknown key, a bad
 * value or a status the event type's entity never has makes loading fail
 * with a message naming the key by its full path and saying which it is
 * and what was expected. Statuses are the Odoo picking states for
 * pick_confirmed (draft, waiting, confirmed, assigned, done, cancel), the
 * shipment statuses for the others (none, booked, labelled, dispatched,
 * delivered, cancelled). Pure: no I/O but reading the file.
 */
#ifndef LGX_RULES_H
#define LGX_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

/* The largest rules file read: room for big partner maps (mapping). */
#define LGX_RULES_FILE_MAX (8u << 20)

typedef struct lgx_rules_s lgx_rules_t;
typedef struct lgx_rule_s lgx_rule_t;

typedef enum lgx_rule_step {
    LGX_RULE_APPLY = 0,
    LGX_RULE_HOLD,
    LGX_RULE_STALE,
    LGX_RULE_REJECT
} lgx_rule_step_t;

typedef enum lgx_shortage {
    LGX_SHORTAGE_APPLY = 0,
    LGX_SHORTAGE_HOLD,
    LGX_SHORTAGE_REFUSE
} lgx_shortage_t;

typedef enum lgx_rule_time {
    LGX_TIME_OK = 0,
    LGX_TIME_STALE, /* older than what was applied already */
    LGX_TIME_FUTURE /* further ahead than the allowed clock skew */
} lgx_rule_time_t;

/* Loads and validates a rules file of at most LGX_RULES_FILE_MAX bytes.
 * NULL with errstr naming the file and the key at fault. */
lgx_rules_t *lgx_rules_load(const char *path, char *errstr, size_t errstr_size);
/* The same from JSON text. */
lgx_rules_t *lgx_rules_parse(const char *json, size_t len, char *errstr,
                             size_t errstr_size);
void lgx_rules_destroy(lgx_rules_t *r);

/* The rule of an event type ("pick_confirmed"), or NULL. Owned by r. */
const lgx_rule_t *lgx_rules_get(const lgx_rules_t *r, const char *event_type);
int64_t lgx_rules_clock_skew_ms(const lgx_rules_t *r);

bool lgx_rule_source_allowed(const lgx_rule_t *rule, const char *source);
bool lgx_rule_may_write(const lgx_rule_t *rule, const char *model,
                        const char *field);
bool lgx_rule_may_call(const lgx_rule_t *rule, const char *model,
                       const char *method);
lgx_rule_step_t lgx_rule_step(const lgx_rule_t *rule, const char *status);
/* Writes the statuses the rule applies in as "a, b or c" into out. */
void lgx_rule_apply_in_text(const lgx_rule_t *rule, char *out, size_t size);
int64_t lgx_rule_hold_ms(const lgx_rule_t *rule);
/* create_lots of the rule (false when the file does not say). */
bool lgx_rule_create_lots(const lgx_rule_t *rule);
/* The shortage policy of the rule for a source (apply when none). */
lgx_shortage_t lgx_rule_shortage(const lgx_rule_t *rule, const char *source);
/* "apply", "hold", "refuse". */
const char *lgx_shortage_name(lgx_shortage_t s);
const char *lgx_rule_event_type(const lgx_rule_t *rule);

/* Timestamp governance: occurred_at against now and the time of the last
 * event of this entity and source already applied (-1 if none). An event
 * dated exactly like the last one is not stale here: lgx_gate_event
 * takes it for that event read again (already_applied). */
lgx_rule_time_t lgx_rules_check_time(const lgx_rules_t *r, int64_t occurred_at,
                                     int64_t now, int64_t last_applied);

/* The most codes one map of the mapping section may hold. */
#define LGX_RULES_MAP_MAX 100000

/* The Odoo value of a partner's code of kind ("carriers", "products",
 * "units" or "warehouses") for an event from source (NULL: no section
 * matches). Returns LGX_OK with *out the mapped value, or code itself when
 * no section matches source or the section has no map of kind;
 * LGX_ERR_NOT_FOUND (unmapped: the section maps kind but not code) or
 * LGX_ERR_INVALID (another kind) with *out NULL. *out is owned by r (or
 * is code). pattern may be NULL; else *pattern is the matching section's
 * pattern (owned by r), or NULL when none matched. code is not NULL.
 * O(log n) in the size of the map. */
lgx_err_t lgx_rules_map(const lgx_rules_t *r, const char *source,
                        const char *kind, const char *code, const char **out,
                        const char **pattern) LGX_MUST_CHECK;

/* The product.product field product codes from source are looked up by:
 * "default_code" unless the matching section says "barcode". Static. */
const char *lgx_rules_product_field(const lgx_rules_t *r, const char *source);

/* The event types lgx knows, NULL-terminated. */
extern const char *const lgx_rules_event_types[];

#endif
