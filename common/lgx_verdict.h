/*
 * lgx_verdict: what a handler decides for one event, the event as a
 * handler sees it, and the rules' gates it applies (source, time,
 * transition, ownership). The consumer loop fills the event
 * (lgx_consumer.h); tools that judge like a consumer use the verdicts
 * alone. Pure: no I/O besides reading the clock.
 */
#ifndef LGX_VERDICT_H
#define LGX_VERDICT_H

#include <avro.h>
#include <stdbool.h>
#include <stdint.h>

#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "lgx_rules.h"

typedef enum lgx_outcome {
    LGX_OUTCOME_APPLIED = 0,
    LGX_OUTCOME_DUPLICATE,
    LGX_OUTCOME_STALE,
    LGX_OUTCOME_REJECTED, /* dead-lettered with its reason */
    LGX_OUTCOME_HELD,     /* precondition missing: wait, then recheck */
    LGX_OUTCOME_RETRY,    /* not finished: try again later */
    LGX_OUTCOME_FATAL,    /* stop the program */
    LGX_OUTCOME__COUNT
} lgx_outcome_t;

/* Returns "applied", "duplicate", ... */
const char *lgx_outcome_name(lgx_outcome_t o);

/* What a handler decided for one event. */
typedef struct lgx_verdict {
    lgx_outcome_t outcome;
    char reason[64];        /* reason code, e.g. "picking_not_released" */
    char message[512];      /* detail for the log and the dead letter */
    bool bounded;           /* RETRY only: give up after the retry limit */
    int64_t hold_ms;        /* HELD only: how long at most (0: --hold-ms) */
    const char *event_type; /* the rule judged, set by lgx_event_rule */
    /* What the event found Odoo's books disagree with ("shortage",
     * "pick_after_validation"), counted in lgx_stock_discrepancies_total;
     * NULL for none. A static string; lgx_verdict_set clears it, so it is
     * set after the verdict. */
    const char *discrepancy;
} lgx_verdict_t;

/* Sets a verdict; fmt describes it for people. */
void lgx_verdict_set(lgx_verdict_t *v, lgx_outcome_t outcome,
                     const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Turns a failed Odoo call into a verdict: retriable -> RETRY (unknown
 * errors bounded), credentials or set-up -> FATAL, permission -> REJECTED
 * "odoo_permission", missing record -> REJECTED "odoo_missing", business
 * refusal -> REJECTED "odoo_refused". what names the call. */
void lgx_verdict_from_odoo(lgx_verdict_t *v, const lgx_odoo_error_t *err,
                           const char *what);

/* One decoded event, valid during the handler call. */
typedef struct lgx_event_s lgx_event_t;

avro_value_t *lgx_event_record(const lgx_event_t *ev);
const char *lgx_event_id(const lgx_event_t *ev);
const char *lgx_event_source(const lgx_event_t *ev);
int64_t lgx_event_occurred_at(const lgx_event_t *ev); /* epoch ms */

/* ---- the rules, as a handler applies them ---- */

/* The rule of event_type in the rules in force. NULL (and v set FATAL)
 * when the rules file has none. */
const lgx_rule_t *lgx_event_rule(const lgx_event_t *ev, const char *event_type,
                                 lgx_verdict_t *v);

/* Checks the event's source and time: the source must match the rule's
 * patterns (else REJECTED source_not_allowed), the time must not be beyond
 * the clock skew (REJECTED future_dated) nor older than last_applied_ms,
 * the time of the last event of this type and source applied to the
 * entity (-1: none) (STALE older_than_applied); an event dated exactly
 * last_applied_ms is that event read again (a replay, a redrive, a
 * restart after a crash): consumers record the time last, after all
 * their effects, so it is done (STALE already_applied) and is not
 * applied again over what people changed since. Returns true to go on. */
bool lgx_gate_event(const lgx_event_t *ev, const lgx_rule_t *rule,
                    int64_t last_applied_ms, lgx_verdict_t *v);

/* Checks the transition from the entity's status: true to apply; else v
 * is HELD (waiting_for_precondition), STALE (nothing_to_do) or REJECTED
 * (transition_not_allowed). entity names it for the message. Called after
 * lgx_gate_event, which already took an event read again
 * (already_applied) whatever the status. */
bool lgx_gate_status(const lgx_rule_t *rule, const char *status,
                     const char *entity, lgx_verdict_t *v);

/* The Odoo value of a partner's code of kind ("carriers", "products",
 * "units", "warehouses") for this event's source, as the rules in force
 * map it (lgx_rules_map): the mapped value, or code itself when the rules
 * do not map that kind for the source. NULL when unmapped, with v
 * REJECTED unmapped_carrier (unmapped_product, unmapped_unit,
 * unmapped_warehouse) naming the code, the source and the mapping
 * section; NULL with v FATAL for another kind. The result is code or is
 * owned by the rules: valid during the handler call. */
const char *lgx_event_map(const lgx_event_t *ev, const char *kind,
                          const char *code, lgx_verdict_t *v);

/* Copies the string field name of the event's record (a union looked
 * through) into out (size bytes): true; false with v REJECTED
 * missing_field ("NAME is missing, empty or too long") when it is not
 * there, empty or does not fit. */
bool lgx_event_str(const lgx_event_t *ev, const char *name, char *out,
                   size_t size, lgx_verdict_t *v);

/* The product.product field this event's product codes are looked up by
 * in the rules in force: "default_code" or "barcode". Static. */
const char *lgx_event_product_field(const lgx_event_t *ev);

/* Ownership: true when the rule lets the event write model.field (or call
 * model.method); else v is REJECTED field_not_owned (call_not_allowed). */
bool lgx_gate_write(const lgx_rule_t *rule, const char *model,
                    const char *field, lgx_verdict_t *v);
bool lgx_gate_call(const lgx_rule_t *rule, const char *model,
                   const char *method, lgx_verdict_t *v);

#endif
