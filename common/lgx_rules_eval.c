/*
 * lgx_rules_eval: a loaded rule asked about one event (lgx_rules.h): may
 * its source publish it, may it write this field or call this method, is
 * it applied, held, stale or rejected in this status, is its time
 * plausible, what does a shortage do.
 */
#include "lgx_rules_int.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const lgx_rule_t *lgx_rules_get(const lgx_rules_t *r, const char *type)
{
    for (size_t i = 0; r && i < r->n; i++) {
        if (r->rules[i].event_type &&
            strcmp(r->rules[i].event_type, type) == 0) {
            return &r->rules[i];
        }
    }
    return NULL;
}

int64_t lgx_rules_clock_skew_ms(const lgx_rules_t *r)
{
    return r->clock_skew_ms;
}

bool lgx_rule_source_allowed(const lgx_rule_t *rule, const char *source)
{
    for (size_t i = 0; source && i < rule->sources.n; i++) {
        if (fnmatch(rule->sources.items[i], source, 0) == 0) {
            return true;
        }
    }
    return false;
}

static bool target_listed(const list_t *l, const char *model, const char *name)
{
    char full[256];
    snprintf(full, sizeof(full), "%s.%s", model, name);
    return rules_list_has(l, full);
}

bool lgx_rule_may_write(const lgx_rule_t *rule, const char *model,
                        const char *field)
{
    return strcmp(field, "state") != 0 &&
           target_listed(&rule->writes, model, field);
}

bool lgx_rule_may_call(const lgx_rule_t *rule, const char *model,
                       const char *method)
{
    return target_listed(&rule->calls, model, method);
}

lgx_rule_step_t lgx_rule_step(const lgx_rule_t *rule, const char *status)
{
    if (rules_list_has(&rule->apply_in, status)) {
        return LGX_RULE_APPLY;
    }
    if (rules_list_has(&rule->hold_in, status)) {
        return LGX_RULE_HOLD;
    }
    if (rules_list_has(&rule->stale_in, status)) {
        return LGX_RULE_STALE;
    }
    return LGX_RULE_REJECT;
}

void lgx_rule_apply_in_text(const lgx_rule_t *rule, char *out, size_t size)
{
    rules_join((const char *const *)rule->apply_in.items, rule->apply_in.n,
               " or ", out, size);
}

int64_t lgx_rule_hold_ms(const lgx_rule_t *rule)
{
    return rule->hold_ms;
}

bool lgx_rule_create_lots(const lgx_rule_t *rule)
{
    return rule->create_lots;
}

lgx_shortage_t lgx_rule_shortage(const lgx_rule_t *rule, const char *source)
{
    for (size_t i = 0; source && i < rule->n_shortage; i++) {
        if (fnmatch(rule->shortage_src[i], source, 0) == 0) {
            return rule->shortage[i];
        }
    }
    return LGX_SHORTAGE_APPLY;
}

const char *lgx_rule_event_type(const lgx_rule_t *rule)
{
    return rule->event_type;
}

lgx_rule_time_t lgx_rules_check_time(const lgx_rules_t *r, int64_t occurred_at,
                                     int64_t now, int64_t last_applied)
{
    /* clock_skew_ms may be as large as the file allows (up to INT64_MAX,
     * to turn the check off): now + skew must not overflow. */
    if (now <= INT64_MAX - r->clock_skew_ms &&
        occurred_at > now + r->clock_skew_ms) {
        return LGX_TIME_FUTURE;
    }
    if (last_applied >= 0 && occurred_at < last_applied) {
        return LGX_TIME_STALE;
    }
    return LGX_TIME_OK;
}
