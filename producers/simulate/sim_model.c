#include "sim_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_rand.h"

typedef enum vkind {
    V_APPLIED = 0,
    V_DUPLICATE,
    V_STALE,
    V_REJECTED,
    V_HELD
} vkind_t;

static const char *const vnames[] = {"applied", "duplicate", "stale",
                                     "rejected", "held"};

/* Reasons are string literals (or sim_poison_reason's): never freed. */
typedef struct verdict {
    vkind_t kind;
    const char *reason;
    bool shortage;     /* a pick judged a shortage in every order */
    bool may_shortage; /* in some */
} verdict_t;

/* What one event became in one interleaving. */
typedef struct result {
    vkind_t kind;
    const char *reason;
    bool held;
    bool shortage, may_shortage;
} result_t;

#define NONE ((size_t)-1)
/* Random merges run besides the fixed interleavings. */
#define N_MERGES 8

/* One run of the stream in one interleaving. Held events wait in a list
 * per order (oldest first), linked through next. */
typedef struct model {
    const lgx_rules_t *rules;
    const sim_plan_t *plan;
    sim_final_t *fin;    /* per order */
    const size_t *group; /* per event: its event_id's group */
    bool *seen;          /* per group: finished once already */
    result_t *res;       /* per event */
    size_t *next;        /* per event: the next held event of its order */
    size_t *head, *tail; /* per order: its held events */
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

/* Source, then an earlier event of the same type and entity still held
 * (this one waits behind it), then time: older than the last applied is
 * stale, and dated exactly like it is that event read again. */
static bool gate_event(const lgx_rule_t *rule, const sim_event_t *e,
                       bool behind, int64_t last, verdict_t *v)
{
    if (!lgx_rule_source_allowed(rule, e->source)) {
        return set(v, V_REJECTED, "source_not_allowed");
    }
    if (behind) {
        return set(v, V_HELD, "waiting_for_earlier");
    }
    if (last >= 0 && e->occurred_at < last) {
        return set(v, V_STALE, "older_than_applied");
    }
    if (last >= 0 && e->occurred_at == last) {
        return set(v, V_STALE, "already_applied");
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

/* The pick's shortage, told on the picking whatever the policy: false
 * (v set) when the policy stops the pick. */
static bool judge_shortage(const lgx_rule_t *rule, const sim_event_t *e,
                           const sim_order_t *o, sim_final_t *f, verdict_t *v)
{
    sim_short_t s = sim_order_shortage(o);
    v->shortage = s == SIM_SHORT_YES;
    v->may_shortage = s != SIM_SHORT_NO;
    f->shortage = f->shortage || v->shortage;
    f->may_shortage = f->may_shortage || v->may_shortage;
    if (s != SIM_SHORT_YES) {
        return true;
    }
    switch (lgx_rule_shortage(rule, e->source)) {
    case LGX_SHORTAGE_HOLD:
        return set(v, V_HELD, "shortage");
    case LGX_SHORTAGE_REFUSE:
        return set(v, V_REJECTED, "shortage");
    default:
        return true;
    }
}

/* A picking cancelled in Odoo refuses every event but the shipment's
 * own cancellation; a booked one's status says so. */
static void picking_cancelled(sim_final_t *f, verdict_t *v)
{
    if (f->shipment_ref[0] && strcmp(f->status, "cancelled") != 0) {
        copy(f->status, sizeof(f->status), "picking_cancelled");
    }
    set(v, V_REJECTED, "picking_cancelled");
}

/* lgx-picks: the picking by name; its Odoo state is the status. The
 * lines are the full quantities and complete: the picking is validated,
 * by the pick and by nothing else. A pick for a picking done already
 * finds the quantities it reports there (only a pick validates, and
 * every pick of an order reports the same): stale. */
static void judge_pick(const lgx_rule_t *rule, const sim_event_t *e,
                       const sim_order_t *o, bool behind, sim_final_t *f,
                       verdict_t *v)
{
    if (!gate_event(rule, e, behind, clock_get(f, "pick_confirmed", e->source),
                    v)) {
        return;
    }
    if (strcmp(f->state, "done") == 0) {
        set(v, V_STALE, "already_applied");
        return;
    }
    if (strcmp(f->state, "cancel") == 0) {
        picking_cancelled(f, v);
        return;
    }
    if (!gate_status(rule, f->state, v)) {
        return;
    }
    if (sim_order_lot_missing(o)) {
        set(v, V_REJECTED, "lot_required");
        return;
    }
    if (!judge_shortage(rule, e, o, f, v)) {
        return;
    }
    copy(f->state, sizeof(f->state), "done");
    f->picked = true;
    clock_set(f, "pick_confirmed", e->source, e->occurred_at);
    set(v, V_APPLIED, "");
}

/* The Odoo carrier a booking names, as lgx-shipments finds it: the
 * rules' mapping of the source turns its code into a name (a code the
 * section's carriers lack is unmapped), which must be one of the
 * carriers of the plan. NULL with v set when there is none. */
static const char *booked_carrier(const model_t *m, const sim_event_t *e,
                                  verdict_t *v)
{
    const sim_plan_conf_t *c = m->plan->conf;
    const char *name = NULL;
    if (lgx_rules_map(m->rules, e->source, "carriers", e->detail, &name,
                      NULL) != LGX_OK) {
        set(v, V_REJECTED, "unmapped_carrier");
        return NULL;
    }
    for (size_t i = 0; c && i < c->n_carriers; i++) {
        if (strcmp(c->carrier_names[i], name) == 0) {
            return name;
        }
    }
    set(v, V_REJECTED, "unknown_carrier");
    return NULL;
}

/* lgx-shipments: a booking finds its pickings by name, the other events
 * by the shipment id a booking wrote. A dispatch validates nothing: it
 * waits until the pick has validated the picking. */
static void judge_shipment(const model_t *m, const lgx_rule_t *rule,
                           const sim_event_t *e, bool behind, sim_final_t *f,
                           verdict_t *v)
{
    const char *carrier = NULL;
    const char *type = sim_kind_name(e->kind);
    bool booked = e->kind == SIM_K_BOOKED;
    bool found = booked || strcmp(f->shipment_ref, e->key) == 0;
    if (booked && f->shipment_ref[0] && strcmp(f->shipment_ref, e->key) != 0) {
        set(v, V_REJECTED, "picking_in_other_shipment");
        return;
    }
    if (!gate_event(rule, e, behind, found ? clock_get(f, type, e->source) : -1,
                    v)) {
        return;
    }
    if (found && e->kind != SIM_K_CANCELLED &&
        strcmp(f->state, "cancel") == 0) {
        picking_cancelled(f, v);
        return;
    }
    if (!gate_status(rule, found ? f->status : "none", v) ||
        (booked && !(carrier = booked_carrier(m, e, v)))) {
        return;
    }
    if (!found) {
        /* Applied to no picking: nothing changes. */
        set(v, V_APPLIED, "");
        return;
    }
    switch (e->kind) {
    case SIM_K_BOOKED:
        copy(f->carrier, sizeof(f->carrier), carrier);
        copy(f->shipment_ref, sizeof(f->shipment_ref), e->key);
        copy(f->status, sizeof(f->status), "booked");
        break;
    case SIM_K_LABEL:
        copy(f->tracking_ref, sizeof(f->tracking_ref), e->detail);
        copy(f->status, sizeof(f->status), "labelled");
        break;
    case SIM_K_DISPATCHED:
        if (strcmp(f->state, "done") != 0) {
            set(v, V_HELD, "waiting_for_pick");
            return;
        }
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
                            bool behind, sim_final_t *f, verdict_t *v)
{
    bool found = strcmp(f->tracking_ref, e->key) == 0;
    if (!gate_event(rule, e, behind,
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
static void judge_pod(const lgx_rule_t *rule, const sim_event_t *e, bool behind,
                      sim_final_t *f, verdict_t *v)
{
    if (!gate_event(rule, e, behind,
                    clock_get(f, "proof_of_delivery", e->source), v) ||
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

/* Whether the rules' mapping of the pick's source has each of its
 * product codes (lgx-picks maps them before anything else: a code the
 * section's products lack is unmapped_product). What a mapped code names
 * in Odoo is taken to be the line's product. */
static bool products_mapped(const model_t *m, const sim_event_t *e)
{
    const sim_order_t *o = &m->plan->orders[e->order];
    for (size_t i = 0; i < o->n_lines; i++) {
        const char *out = NULL;
        if (lgx_rules_map(m->rules, e->source, "products", o->lines[i].code,
                          &out, NULL) != LGX_OK) {
            return false;
        }
    }
    return true;
}

/* Whether an event of i's topic, key and type is held before i in its
 * order's list (up to i itself when i is in it). */
static bool held_before(const model_t *m, size_t i)
{
    const sim_event_t *ev = m->plan->events;
    for (size_t h = m->head[ev[i].order]; h != NONE && h != i; h = m->next[h]) {
        if (ev[h].topic == ev[i].topic && ev[h].kind == ev[i].kind &&
            strcmp(ev[h].key, ev[i].key) == 0) {
            return true;
        }
    }
    return false;
}

/* What the consumer decides for event i now. */
static bool judge(model_t *m, size_t i, verdict_t *v)
{
    const sim_event_t *e = &m->plan->events[i];
    memset(v, 0, sizeof(*v));
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
    bool behind = held_before(m, i);
    switch (e->topic) {
    case SIM_PICKS:
        if (!products_mapped(m, e)) {
            set(v, V_REJECTED, "unmapped_product");
            break;
        }
        judge_pick(rule, e, &m->plan->orders[e->order], behind, f, v);
        break;
    case SIM_SHIPMENTS:
        judge_shipment(m, rule, e, behind, f, v);
        break;
    case SIM_MILESTONES:
        judge_milestone(rule, e, behind, f, v);
        break;
    default:
        judge_pod(rule, e, behind, f, v);
        break;
    }
    return true;
}

/* What judging event i found of a shortage; kept through a hold. */
static void note_shortage(model_t *m, size_t i, const verdict_t *v)
{
    m->res[i].shortage = m->res[i].shortage || v->shortage;
    m->res[i].may_shortage = m->res[i].may_shortage || v->may_shortage;
}

static void finish(model_t *m, size_t i, const verdict_t *v)
{
    m->res[i].kind = v->kind;
    m->res[i].reason = v->reason;
    note_shortage(m, i, v);
    if (m->plan->events[i].event_id[0]) {
        m->seen[m->group[i]] = true;
    }
}

static void hold(model_t *m, size_t i, const verdict_t *v)
{
    size_t o = m->plan->events[i].order;
    m->res[i].held = true;
    note_shortage(m, i, v);
    m->next[i] = NONE;
    if (m->tail[o] == NONE) {
        m->head[o] = i;
    } else {
        m->next[m->tail[o]] = i;
    }
    m->tail[o] = i;
}

/* The held events of order o, oldest first, after one of its events was
 * applied (of any topic): each is judged again; an applied one starts the
 * round again. */
static bool recheck(model_t *m, size_t o)
{
    bool again = true;
    while (again) {
        again = false;
        size_t prev = NONE;
        for (size_t h = m->head[o]; h != NONE && !again;) {
            verdict_t v;
            if (!judge(m, h, &v)) {
                return false;
            }
            if (v.kind == V_HELD) {
                note_shortage(m, h, &v);
                prev = h;
                h = m->next[h];
                continue;
            }
            size_t nx = m->next[h];
            if (prev == NONE) {
                m->head[o] = nx;
            } else {
                m->next[prev] = nx;
            }
            if (m->tail[o] == h) {
                m->tail[o] = prev;
            }
            finish(m, h, &v);
            again = v.kind == V_APPLIED;
            h = nx;
        }
    }
    return true;
}

static void reset(model_t *m, size_t n_groups)
{
    const sim_plan_t *p = m->plan;
    for (size_t i = 0; i < p->n_orders; i++) {
        sim_final_t *f = &m->fin[i];
        memset(f, 0, sizeof(*f));
        copy(f->state, sizeof(f->state),
             p->orders[i].state[0] ? p->orders[i].state : "assigned");
        copy(f->status, sizeof(f->status), "none");
        f->milestone_at = -1;
        f->delivered_at = -1;
        m->head[i] = m->tail[i] = NONE;
    }
    memset(m->seen, 0, n_groups * sizeof(*m->seen));
    memset(m->res, 0, p->n_events * sizeof(*m->res));
}

/* The stream in the interleaving seq (every event once). */
static bool run_seq(model_t *m, const size_t *seq, size_t n_groups)
{
    const sim_plan_t *p = m->plan;
    reset(m, n_groups);
    for (size_t k = 0; k < p->n_events; k++) {
        size_t i = seq[k];
        verdict_t v;
        if (!judge(m, i, &v)) {
            return false;
        }
        if (v.kind == V_HELD) {
            hold(m, i, &v);
            continue;
        }
        finish(m, i, &v);
        if (v.kind == V_APPLIED && !recheck(m, p->events[i].order)) {
            return false;
        }
    }
    /* What still waits at the end waits in vain. */
    for (size_t o = 0; o < p->n_orders; o++) {
        for (size_t h = m->head[o]; h != NONE; h = m->next[h]) {
            verdict_t expired = {V_REJECTED, "hold_expired", false, false};
            finish(m, h, &expired);
        }
        m->head[o] = m->tail[o] = NONE;
    }
    return true;
}

/* ---- interleavings ---- */

/* The topics one after another, in the order of topics[]. */
static void seq_topics(const sim_plan_t *p, const int topics[SIM_N_TOPICS],
                       size_t *seq)
{
    size_t k = 0;
    for (int t = 0; t < SIM_N_TOPICS; t++) {
        for (size_t i = 0; i < p->n_events; i++) {
            if ((int)p->events[i].topic == topics[t]) {
                seq[k++] = i;
            }
        }
    }
}

/* Each topic late by lag[topic] messages: event i at i + lag; ties in
 * publication order. Each topic keeps its own order. */
static void seq_lagged(const sim_plan_t *p, const size_t lag[SIM_N_TOPICS],
                       size_t *seq)
{
    size_t at[SIM_N_TOPICS];
    memset(at, 0, sizeof(at));
    /* merge: the next event of each topic; the one due first goes */
    for (size_t k = 0; k < p->n_events; k++) {
        size_t best = NONE, best_t = 0;
        for (int t = 0; t < SIM_N_TOPICS; t++) {
            while (at[t] < p->n_events && (int)p->events[at[t]].topic != t) {
                at[t]++;
            }
            if (at[t] < p->n_events &&
                (best == NONE || at[t] + lag[t] < best_t ||
                 (at[t] + lag[t] == best_t && at[t] < best))) {
                best = at[t];
                best_t = at[t] + lag[t];
            }
        }
        seq[k] = best;
        at[p->events[best].topic]++;
    }
}

/* ---- groups and counts ---- */

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

static size_t make_groups(const sim_plan_t *p, size_t *group, size_t *order)
{
    size_t n = p->n_events;
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
    }
    qsort_r(order, n, sizeof(*order), cmp_ids, p->events);
    size_t g = 0;
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && cmp_ids(&order[k - 1], &order[k], p->events) != 0) {
            g++;
        }
        group[order[k]] = g;
    }
    return g + 1;
}

static void count(const sim_plan_t *plan, sim_counts_t counts[SIM_N_TOPICS])
{
    memset(counts, 0, SIM_N_TOPICS * sizeof(*counts));
    for (size_t i = 0; i < plan->n_events; i++) {
        const sim_event_t *e = &plan->events[i];
        sim_counts_t *c = &counts[e->topic];
        c->messages++;
        c->held += e->held;
        c->held_max += e->may_hold;
        c->shortage += e->shortage;
        c->shortage_max += e->may_shortage;
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

/* Whether two end states of a picking agree on what lgx writes (the
 * clocks aside: when an entry is written depends on the interleaving,
 * what it holds at the end does not). */
static bool same_final(const sim_final_t *a, const sim_final_t *b)
{
    return strcmp(a->state, b->state) == 0 &&
           strcmp(a->status, b->status) == 0 &&
           strcmp(a->shipment_ref, b->shipment_ref) == 0 &&
           strcmp(a->carrier, b->carrier) == 0 &&
           strcmp(a->tracking_ref, b->tracking_ref) == 0 &&
           strcmp(a->milestone, b->milestone) == 0 &&
           a->milestone_at == b->milestone_at && a->delivered == b->delivered &&
           a->delivered_at == b->delivered_at &&
           strcmp(a->receiver, b->receiver) == 0 && a->picked == b->picked &&
           a->shortage == b->shortage;
}

/* The reference run (every topic after the ones it depends on) into the
 * plan's events. */
static void keep_reference(const model_t *m, sim_plan_t *plan)
{
    for (size_t i = 0; i < plan->n_events; i++) {
        sim_event_t *e = &plan->events[i];
        e->outcome = vnames[m->res[i].kind];
        snprintf(e->reason, sizeof(e->reason), "%s", m->res[i].reason);
        e->held = e->may_hold = m->res[i].held;
        e->shortage = m->res[i].shortage;
        e->may_shortage = m->res[i].may_shortage;
        e->order_dependent = false;
    }
}

/* Folds another run into the events and info. */
static void compare_run(const model_t *m, sim_plan_t *plan,
                        const sim_final_t *ref, sim_model_info_t *info,
                        bool *order_differs)
{
    for (size_t i = 0; i < plan->n_events; i++) {
        sim_event_t *e = &plan->events[i];
        const result_t *r = &m->res[i];
        e->held = e->held && r->held;
        e->may_hold = e->may_hold || r->held;
        e->shortage = e->shortage && r->shortage;
        e->may_shortage = e->may_shortage || r->may_shortage;
        if (!e->order_dependent && (strcmp(e->outcome, vnames[r->kind]) != 0 ||
                                    strcmp(e->reason, r->reason) != 0)) {
            e->order_dependent = true;
            if (info->order_dependent++ == 0) {
                info->first_dependent = i;
            }
        }
    }
    for (size_t o = 0; o < plan->n_orders; o++) {
        if (!order_differs[o] && !same_final(&ref[o], &m->fin[o])) {
            order_differs[o] = true;
            info->pickings_differ++;
        }
    }
}

/* A pick that is short in some orders of the picks but not all, under a
 * policy other than apply: whether it applies depends on that order,
 * which the interleavings of the topics do not vary. */
static void mark_shortage_dependent(const lgx_rules_t *rules, sim_plan_t *plan,
                                    sim_model_info_t *info)
{
    const lgx_rule_t *rule = lgx_rules_get(rules, "pick_confirmed");
    for (size_t i = 0; rule && i < plan->n_events; i++) {
        sim_event_t *e = &plan->events[i];
        if (e->topic != SIM_PICKS || !e->may_shortage || e->shortage ||
            e->order_dependent ||
            lgx_rule_shortage(rule, e->source) == LGX_SHORTAGE_APPLY) {
            continue;
        }
        e->order_dependent = true;
        if (info->order_dependent++ == 0) {
            info->first_dependent = i;
        }
    }
}

lgx_err_t sim_model_run(const lgx_rules_t *rules, sim_plan_t *plan,
                        uint64_t seed, sim_final_t *finals,
                        sim_counts_t counts[SIM_N_TOPICS],
                        sim_model_info_t *info, char *errstr,
                        size_t errstr_size)
{
    size_t n = plan->n_events ? plan->n_events : 1;
    size_t no = plan->n_orders ? plan->n_orders : 1;
    sim_final_t *scratch = calloc(no, sizeof(*scratch));
    size_t *group = calloc(n, sizeof(size_t));
    size_t *seq = calloc(n, sizeof(size_t));
    bool *differs = calloc(no, sizeof(bool));
    model_t m = {rules,
                 plan,
                 finals,
                 group,
                 calloc(n, sizeof(bool)),
                 calloc(n, sizeof(result_t)),
                 calloc(n, sizeof(size_t)),
                 calloc(no, sizeof(size_t)),
                 calloc(no, sizeof(size_t)),
                 errstr,
                 errstr_size};
    lgx_err_t err = LGX_OK;
    memset(info, 0, sizeof(*info));
    if (!scratch || !group || !seq || !differs || !m.seen || !m.res ||
        !m.next || !m.head || !m.tail) {
        snprintf(errstr, errstr_size, "out of memory");
        err = LGX_ERR_NOMEM;
        goto done;
    }
    size_t n_groups = make_groups(plan, group, seq);
    /* The reference: picks, shipments, milestones, pod (each topic after
     * those it depends on), into finals. */
    static const int forward[SIM_N_TOPICS] = {SIM_PICKS, SIM_SHIPMENTS,
                                              SIM_MILESTONES, SIM_POD};
    static const int backward[SIM_N_TOPICS] = {SIM_POD, SIM_MILESTONES,
                                               SIM_SHIPMENTS, SIM_PICKS};
    seq_topics(plan, forward, seq);
    if (!run_seq(&m, seq, n_groups)) {
        err = LGX_ERR_INVALID;
        goto done;
    }
    keep_reference(&m, plan);
    info->interleavings = 1;
    /* The others, each into scratch and compared. */
    m.fin = scratch;
    sim_rand_t r;
    sim_rand_stream(&r, seed, SIM_STREAM_MODEL, 0);
    for (int run = 0; run < 2 + N_MERGES; run++) {
        if (run == 0) {
            seq_topics(plan, backward, seq);
        } else if (run == 1) {
            for (size_t i = 0; i < plan->n_events; i++) {
                seq[i] = i;
            }
        } else {
            /* Half of them with a topic up to the whole stream late, half
             * with lags of up to a tenth of it. */
            size_t lag[SIM_N_TOPICS];
            int64_t most = run % 2 ? (int64_t)n : (int64_t)(n / 10);
            for (int t = 0; t < SIM_N_TOPICS; t++) {
                lag[t] = (size_t)sim_rand_range(&r, 0, most);
            }
            seq_lagged(plan, lag, seq);
        }
        if (!run_seq(&m, seq, n_groups)) {
            err = LGX_ERR_INVALID;
            goto done;
        }
        compare_run(&m, plan, finals, info, differs);
        info->interleavings++;
    }
    mark_shortage_dependent(rules, plan, info);
    count(plan, counts);
done:
    free(m.tail);
    free(m.head);
    free(m.next);
    free(m.res);
    free(m.seen);
    free(differs);
    free(seq);
    free(group);
    free(scratch);
    return err;
}
