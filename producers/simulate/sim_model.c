#include "sim_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum vkind {
    V_APPLIED = 0,
    V_DUPLICATE,
    V_STALE,
    V_REJECTED,
    V_HELD
} vkind_t;

static const char *const vnames[] = {"applied", "duplicate", "stale",
                                     "rejected", "held"};

typedef struct verdict {
    vkind_t kind;
    const char *reason;
} verdict_t;

typedef struct model {
    const lgx_rules_t *rules;
    sim_plan_t *plan;
    sim_final_t *fin;
    size_t *group; /* per event: its event_id's group */
    bool *seen;    /* per group: finished once already */
    size_t *held;  /* events held, oldest first */
    size_t n_held;
    char *errstr;
    size_t errstr_size;
} model_t;

/* ---- the picking's clock (lgx_clock) ---- */

static int64_t clock_get(const sim_final_t *f, const char *type,
                         const char *source)
{
    char key[64];
    snprintf(key, sizeof(key), "%s/%s", type, source);
    for (size_t i = 0; i < f->n_clock; i++) {
        if (strcmp(f->clock[i].key, key) == 0) {
            return f->clock[i].ms;
        }
    }
    return -1;
}

static void clock_set(sim_final_t *f, const char *type, const char *source,
                      int64_t ms)
{
    char key[64];
    snprintf(key, sizeof(key), "%s/%s", type, source);
    for (size_t i = 0; i < f->n_clock; i++) {
        if (strcmp(f->clock[i].key, key) == 0) {
            f->clock[i].ms = ms > f->clock[i].ms ? ms : f->clock[i].ms;
            return;
        }
    }
    if (f->n_clock < SIM_MAX_CLOCK) {
        snprintf(f->clock[f->n_clock].key, sizeof(f->clock[0].key), "%s", key);
        f->clock[f->n_clock++].ms = ms;
    }
}

/* ---- the gates every consumer passes (lgx_gate_event, _status) ---- */

static bool set(verdict_t *v, vkind_t kind, const char *reason)
{
    v->kind = kind;
    v->reason = reason;
    return false;
}

static bool gate_event(const lgx_rule_t *rule, const sim_event_t *e,
                       int64_t last, verdict_t *v)
{
    if (!lgx_rule_source_allowed(rule, e->source)) {
        return set(v, V_REJECTED, "source_not_allowed");
    }
    if (last >= 0 && e->occurred_at < last) {
        return set(v, V_STALE, "older_than_applied");
    }
    return true;
}

static bool gate_status(const lgx_rule_t *rule, const char *status,
                        verdict_t *v)
{
    switch (lgx_rule_step(rule, status)) {
    case LGX_RULE_APPLY:
        return true;
    case LGX_RULE_HOLD:
        return set(v, V_HELD, "waiting_for_precondition");
    case LGX_RULE_STALE:
        return set(v, V_STALE, "nothing_to_do");
    default:
        return set(v, V_REJECTED, "transition_not_allowed");
    }
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* ---- per consumer ---- */

/* lgx-picks: the picking by name; its Odoo state is the status. The
 * lines are the full quantities and complete: the picking is validated. */
static void judge_pick(const lgx_rule_t *rule, const sim_event_t *e,
                       sim_final_t *f, verdict_t *v)
{
    if (!gate_event(rule, e, clock_get(f, "pick_confirmed", e->source), v) ||
        !gate_status(rule, f->state, v)) {
        return;
    }
    copy(f->state, sizeof(f->state), "done");
    clock_set(f, "pick_confirmed", e->source, e->occurred_at);
    set(v, V_APPLIED, "");
}

/* lgx-shipments: a booking finds its pickings by name, the other events
 * by the shipment id a booking wrote. */
static void judge_shipment(const lgx_rule_t *rule, const sim_event_t *e,
                           sim_final_t *f, verdict_t *v)
{
    const char *type = sim_kind_name(e->kind);
    bool booked = e->kind == SIM_K_BOOKED;
    bool found = booked || strcmp(f->shipment_ref, e->key) == 0;
    if (booked && f->shipment_ref[0] && strcmp(f->shipment_ref, e->key) != 0) {
        set(v, V_REJECTED, "picking_in_other_shipment");
        return;
    }
    if (!gate_event(rule, e, found ? clock_get(f, type, e->source) : -1, v) ||
        !gate_status(rule, found ? f->status : "none", v)) {
        return;
    }
    if (!found) {
        /* Applied to no picking: nothing changes. */
        set(v, V_APPLIED, "");
        return;
    }
    switch (e->kind) {
    case SIM_K_BOOKED:
        copy(f->carrier, sizeof(f->carrier), e->detail);
        copy(f->shipment_ref, sizeof(f->shipment_ref), e->key);
        copy(f->status, sizeof(f->status), "booked");
        break;
    case SIM_K_LABEL:
        copy(f->tracking_ref, sizeof(f->tracking_ref), e->detail);
        copy(f->status, sizeof(f->status), "labelled");
        break;
    case SIM_K_DISPATCHED:
        if (strcmp(f->state, "draft") == 0 || strcmp(f->state, "cancel") == 0) {
            set(v, V_HELD, "picking_not_released");
            return;
        }
        copy(f->state, sizeof(f->state), "done");
        copy(f->status, sizeof(f->status), "dispatched");
        break;
    default:
        copy(f->status, sizeof(f->status), "cancelled");
        break;
    }
    clock_set(f, type, e->source, e->occurred_at);
    set(v, V_APPLIED, "");
}

/* lgx-milestones: the pickings of the tracking ref; never older over
 * newer (compared in whole seconds, as Odoo stores the time). */
static void judge_milestone(const lgx_rule_t *rule, const sim_event_t *e,
                            sim_final_t *f, verdict_t *v)
{
    bool found = strcmp(f->tracking_ref, e->key) == 0;
    if (!gate_event(rule, e,
                    found ? clock_get(f, "carrier_milestone", e->source) : -1,
                    v) ||
        !gate_status(rule, found ? f->status : "none", v)) {
        return;
    }
    if (!found) {
        set(v, V_REJECTED, "unknown_picking");
        return;
    }
    if (f->milestone_at >= 0 &&
        e->occurred_at / 1000 <= f->milestone_at / 1000) {
        set(v, V_STALE, "older_milestone");
        return;
    }
    copy(f->milestone, sizeof(f->milestone), e->detail);
    f->milestone_at = e->occurred_at;
    clock_set(f, "carrier_milestone", e->source, e->occurred_at);
    set(v, V_APPLIED, "");
}

/* lgx-pod: the picking by name. */
static void judge_pod(const lgx_rule_t *rule, const sim_event_t *e,
                      sim_final_t *f, verdict_t *v)
{
    if (!gate_event(rule, e, clock_get(f, "proof_of_delivery", e->source), v) ||
        !gate_status(rule, f->status, v)) {
        return;
    }
    f->delivered = true;
    f->delivered_at = e->delivered_at;
    copy(f->receiver, sizeof(f->receiver), e->detail);
    copy(f->status, sizeof(f->status), "delivered");
    clock_set(f, "proof_of_delivery", e->source, e->occurred_at);
    set(v, V_APPLIED, "");
}

/* What the consumer decides for event i now. */
static bool judge(model_t *m, size_t i, verdict_t *v)
{
    const sim_event_t *e = &m->plan->events[i];
    if (e->poison) {
        set(v, V_REJECTED, sim_poison_reason(e->poison));
        return true;
    }
    if (m->seen[m->group[i]]) {
        set(v, V_DUPLICATE, "redelivered");
        return true;
    }
    const lgx_rule_t *rule = lgx_rules_get(m->rules, sim_kind_name(e->kind));
    if (!rule) {
        snprintf(m->errstr, m->errstr_size, "the rules file has no rule for %s",
                 sim_kind_name(e->kind));
        return false;
    }
    sim_final_t *f = &m->fin[e->order];
    switch (e->topic) {
    case SIM_PICKS:
        judge_pick(rule, e, f, v);
        break;
    case SIM_SHIPMENTS:
        judge_shipment(rule, e, f, v);
        break;
    case SIM_MILESTONES:
        judge_milestone(rule, e, f, v);
        break;
    default:
        judge_pod(rule, e, f, v);
        break;
    }
    return true;
}

static void finish(model_t *m, size_t i, vkind_t kind, const char *reason)
{
    sim_event_t *e = &m->plan->events[i];
    e->outcome = vnames[kind];
    snprintf(e->reason, sizeof(e->reason), "%s", reason);
    if (e->event_id[0]) {
        m->seen[m->group[i]] = true;
    }
}

/* The held events of key, oldest first, after one of its events was
 * applied: each is judged again; an applied one starts the round again. */
static bool recheck(model_t *m, const char *key)
{
    bool again = true;
    while (again) {
        again = false;
        size_t h = 0;
        while (h < m->n_held && !again) {
            size_t i = m->held[h];
            verdict_t v;
            if (strcmp(m->plan->events[i].key, key) != 0) {
                h++;
                continue;
            }
            if (!judge(m, i, &v)) {
                return false;
            }
            if (v.kind == V_HELD) {
                h++;
                continue;
            }
            memmove(&m->held[h], &m->held[h + 1],
                    (m->n_held - h - 1) * sizeof(*m->held));
            m->n_held--;
            finish(m, i, v.kind, v.reason);
            again = v.kind == V_APPLIED;
        }
    }
    return true;
}

static bool run_topic(model_t *m, sim_topic_t t)
{
    m->n_held = 0;
    for (size_t i = 0; i < m->plan->n_events; i++) {
        sim_event_t *e = &m->plan->events[i];
        verdict_t v;
        if (e->topic != t) {
            continue;
        }
        if (!judge(m, i, &v)) {
            return false;
        }
        if (v.kind == V_HELD) {
            e->held = true;
            m->held[m->n_held++] = i;
            continue;
        }
        finish(m, i, v.kind, v.reason);
        if (v.kind == V_APPLIED && !recheck(m, e->key)) {
            return false;
        }
    }
    /* What still waits at the end waits in vain. */
    for (size_t h = 0; h < m->n_held; h++) {
        finish(m, m->held[h], V_REJECTED, "hold_expired");
    }
    m->n_held = 0;
    return true;
}

/* Events with the same event_id share a group (duplicates). */
static int cmp_ids(const void *a, const void *b, void *arg)
{
    const sim_event_t *ev = arg;
    const sim_event_t *x = &ev[*(const size_t *)a];
    const sim_event_t *y = &ev[*(const size_t *)b];
    if (x->topic != y->topic) {
        return x->topic < y->topic ? -1 : 1;
    }
    return strcmp(x->event_id, y->event_id);
}

static void make_groups(model_t *m, size_t *order)
{
    size_t n = m->plan->n_events;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
    }
    qsort_r(order, n, sizeof(*order), cmp_ids, m->plan->events);
    size_t g = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && cmp_ids(&order[k - 1], &order[k], m->plan->events) != 0) {
            g++;
        }
        m->group[order[k]] = g;
    }
}

static void count(const sim_plan_t *plan, sim_counts_t counts[SIM_N_TOPICS])
{
    memset(counts, 0, SIM_N_TOPICS * sizeof(*counts));
    for (size_t i = 0; i < plan->n_events; i++) {
        const sim_event_t *e = &plan->events[i];
        sim_counts_t *c = &counts[e->topic];
        c->messages++;
        c->held += e->held;
        if (strcmp(e->outcome, "applied") == 0) {
            c->applied++;
        } else if (strcmp(e->outcome, "duplicate") == 0) {
            c->duplicate++;
        } else if (strcmp(e->outcome, "stale") == 0) {
            c->stale++;
        } else {
            c->rejected++;
        }
    }
}

lgx_err_t sim_model_run(const lgx_rules_t *rules, sim_plan_t *plan,
                        sim_final_t *finals, sim_counts_t counts[SIM_N_TOPICS],
                        char *errstr, size_t errstr_size)
{
    size_t n = plan->n_events ? plan->n_events : 1;
    model_t m = {rules,
                 plan,
                 finals,
                 calloc(n, sizeof(size_t)),
                 calloc(n, sizeof(bool)),
                 calloc(n, sizeof(size_t)),
                 0,
                 errstr,
                 errstr_size};
    size_t *order = calloc(n, sizeof(size_t));
    lgx_err_t err = LGX_OK;
    if (!m.group || !m.seen || !m.held || !order) {
        snprintf(errstr, errstr_size, "out of memory");
        err = LGX_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < plan->n_orders; i++) {
        sim_final_t *f = &finals[i];
        memset(f, 0, sizeof(*f));
        copy(f->state, sizeof(f->state),
             plan->orders[i].state[0] ? plan->orders[i].state : "assigned");
        copy(f->status, sizeof(f->status), "none");
        f->milestone_at = -1;
        f->delivered_at = -1;
    }
    make_groups(&m, order);
    for (int t = 0; t < SIM_N_TOPICS; t++) {
        if (!run_topic(&m, (sim_topic_t)t)) {
            err = LGX_ERR_INVALID;
            goto done;
        }
    }
    count(plan, counts);
done:
    free(order);
    free(m.held);
    free(m.seen);
    free(m.group);
    return err;
}
