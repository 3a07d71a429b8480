#include "lgx_verdict.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lgx_avro_value.h"
#include "lgx_partq.h"
#include "lgx_time.h"
#include "lgx_verdict_int.h"

static const char *outcome_names[] = {
    "applied", "duplicate", "stale", "rejected", "held", "retry", "fatal"};

const char *lgx_outcome_name(lgx_outcome_t o)
{
    return o < LGX_OUTCOME__COUNT ? outcome_names[o] : "unknown";
}

void lgx_verdict_set(lgx_verdict_t *v, lgx_outcome_t outcome,
                     const char *reason, const char *fmt, ...)
{
    v->outcome = outcome;
    v->bounded = false;
    v->hold_ms = 0;
    v->discrepancy = NULL;
    snprintf(v->reason, sizeof(v->reason), "%s", reason ? reason : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
}

void lgx_verdict_from_odoo(lgx_verdict_t *v, const lgx_odoo_error_t *e,
                           const char *what)
{
    const char *detail = e->message[0] ? e->message : e->name;
    switch (e->code) {
    case LGX_ERR_ODOO_RETRY:
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "odoo_unavailable",
                        "%s: %s (HTTP %d)", what, detail, e->http_status);
        break;
    case LGX_ERR_ODOO_AUTH:
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "odoo_auth",
                        "%s: Odoo refused the credentials: %s", what, detail);
        break;
    case LGX_ERR_ODOO_CONFIG:
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "odoo_setup",
                        "%s: Odoo set-up does not match: %s: %s", what, e->name,
                        detail);
        break;
    case LGX_ERR_ODOO_ACCESS:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "odoo_permission", "%s: %s",
                        what, detail);
        break;
    case LGX_ERR_ODOO_MISSING:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "odoo_missing", "%s: %s", what,
                        detail);
        break;
    case LGX_ERR_ODOO_USER:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "odoo_refused", "%s: %s", what,
                        detail);
        break;
    case LGX_ERR_ODOO_CONFLICT:
        /* Lost a race for a unique row: the next try finds the row the
         * other transaction made. One that keeps failing is no race. */
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "odoo_conflict",
                        "%s: %s (another transaction won the same row; "
                        "tried again)",
                        what, detail);
        v->bounded = true;
        break;
    default:
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "odoo_error",
                        "%s: %s: %s (HTTP %d)", what, e->name, detail,
                        e->http_status);
        v->bounded = true;
        break;
    }
}

avro_value_t *lgx_event_record(const lgx_event_t *ev)
{
    return ev->record;
}

const char *lgx_event_id(const lgx_event_t *ev)
{
    return ev->event_id;
}

const char *lgx_event_source(const lgx_event_t *ev)
{
    return ev->source;
}

int64_t lgx_event_occurred_at(const lgx_event_t *ev)
{
    return ev->occurred_at;
}

const lgx_rule_t *lgx_event_rule(const lgx_event_t *ev, const char *event_type,
                                 lgx_verdict_t *v)
{
    const lgx_rule_t *rule = lgx_rules_get(ev->rules, event_type);
    v->event_type = event_type;
    if (!rule) {
        lgx_verdict_set(v, LGX_OUTCOME_FATAL, "no_rule",
                        "the rules file has no rule for %s", event_type);
    }
    return rule;
}

/* The reason and the word for one code of each kind lgx_rules_map knows. */
static const struct {
    const char *kind;
    const char *reason;
    const char *noun;
} unmapped[] = {{"carriers", "unmapped_carrier", "carrier"},
                {"products", "unmapped_product", "product"},
                {"units", "unmapped_unit", "unit"},
                {"warehouses", "unmapped_warehouse", "warehouse"}};

const char *lgx_event_map(const lgx_event_t *ev, const char *kind,
                          const char *code, lgx_verdict_t *v)
{
    const char *out = NULL, *pattern = NULL;
    if (lgx_rules_map(ev->rules, ev->source, kind, code, &out, &pattern) ==
        LGX_OK) {
        return out;
    }
    for (size_t i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
        if (strcmp(unmapped[i].kind, kind) == 0) {
            lgx_verdict_set(v, LGX_OUTCOME_REJECTED, unmapped[i].reason,
                            "no mapping for %s code '%s' of source %s (rules "
                            "mapping '%s'.%s)",
                            unmapped[i].noun, code, ev->source, pattern, kind);
            return NULL;
        }
    }
    /* Only a consumer asking for a kind the rules do not know gets here. */
    lgx_verdict_set(v, LGX_OUTCOME_FATAL, "no_rule",
                    "the rules have no kind of partner code named %s", kind);
    return NULL;
}

const char *lgx_event_product_field(const lgx_event_t *ev)
{
    return lgx_rules_product_field(ev->rules, ev->source);
}

bool lgx_gate_event(const lgx_event_t *ev, const lgx_rule_t *rule,
                    int64_t last_applied_ms, lgx_verdict_t *v)
{
    const char *type = lgx_rule_event_type(rule);
    if (!lgx_rule_source_allowed(rule, ev->source)) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "source_not_allowed",
                        "%s may not publish %s", ev->source, type);
        return false;
    }
    /* Two events of one type and entity are applied in their order: were
     * the later one applied while the earlier waits, the earlier would
     * turn stale when its precondition comes, and its effects be lost. */
    bool behind = false;
    if (ev->q) {
        pthread_mutex_lock(ev->lock);
        behind =
            lgx_partq_held_earlier(ev->q, ev->fields.offset, ev->held_as, type);
        pthread_mutex_unlock(ev->lock);
    }
    if (behind) {
        lgx_verdict_set(v, LGX_OUTCOME_HELD, "waiting_for_earlier",
                        "an earlier %s of this entity is held: this one "
                        "waits behind it",
                        type);
        v->hold_ms = lgx_rule_hold_ms(rule);
        return false;
    }
    switch (lgx_rules_check_time(ev->rules, ev->occurred_at, lgx_time_now_ms(),
                                 last_applied_ms)) {
    case LGX_TIME_FUTURE:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "future_dated",
                        "occurred_at %lld is more than %lld ms ahead of now",
                        (long long)ev->occurred_at,
                        (long long)lgx_rules_clock_skew_ms(ev->rules));
        return false;
    case LGX_TIME_STALE:
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "older_than_applied",
                        "occurred_at %lld is older than the %s from %s "
                        "already applied (%lld)",
                        (long long)ev->occurred_at, lgx_rule_event_type(rule),
                        ev->source, (long long)last_applied_ms);
        return false;
    default:
        break;
    }
    /* Each consumer records an event's time last, after everything it
     * does: a time equal to the one recorded is this event (read again
     * in a replay, a redrive or after a crash) and it is done. Applied
     * again, it would overwrite what people changed since. */
    if (last_applied_ms >= 0 && ev->occurred_at == last_applied_ms) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "already_applied",
                        "this %s from %s (occurred_at %lld) is the last one "
                        "applied to this record: read again, it changes "
                        "nothing, whatever the record holds now",
                        type, ev->source, (long long)ev->occurred_at);
        return false;
    }
    return true;
}

bool lgx_gate_status(const lgx_rule_t *rule, const char *status,
                     const char *entity, lgx_verdict_t *v)
{
    const char *type = lgx_rule_event_type(rule);
    switch (lgx_rule_step(rule, status)) {
    case LGX_RULE_APPLY:
        return true;
    case LGX_RULE_HOLD: {
        /* Says what is missing: the hold_expired dead letter carries it. */
        char wanted[256];
        lgx_rule_apply_in_text(rule, wanted, sizeof(wanted));
        lgx_verdict_set(v, LGX_OUTCOME_HELD, "waiting_for_precondition",
                        "%s is %s, not %s: %s waits until it is", entity,
                        status, wanted, type);
        v->hold_ms = lgx_rule_hold_ms(rule);
        return false;
    }
    case LGX_RULE_STALE:
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "nothing_to_do",
                        "%s is already %s: %s changes nothing", entity, status,
                        type);
        return false;
    default:
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "transition_not_allowed",
                        "%s is %s: %s is not allowed then", entity, status,
                        type);
        return false;
    }
}

bool lgx_gate_write(const lgx_rule_t *rule, const char *model,
                    const char *field, lgx_verdict_t *v)
{
    if (lgx_rule_may_write(rule, model, field)) {
        return true;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "field_not_owned",
                    "%s may not write %s.%s (rules file)",
                    lgx_rule_event_type(rule), model, field);
    return false;
}

bool lgx_gate_call(const lgx_rule_t *rule, const char *model,
                   const char *method, lgx_verdict_t *v)
{
    if (lgx_rule_may_call(rule, model, method)) {
        return true;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "call_not_allowed",
                    "%s may not call %s.%s (rules file)",
                    lgx_rule_event_type(rule), model, method);
    return false;
}

bool lgx_event_str(const lgx_event_t *ev, const char *name, char *out,
                   size_t size, lgx_verdict_t *v)
{
    const char *s = NULL;
    size_t len = 0;
    if (lgx_avro_get_str(ev->record, name, &s, &len) != LGX_OK || len == 0 ||
        len >= size) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "%s is missing, empty or too long", name);
        return false;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}
