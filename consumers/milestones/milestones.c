#include "milestones.h"

#include <stdio.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_json.h"
#include "lgx_stock.h"
#include "milestones_plan.h"

#define EVENT_TYPE "carrier_milestone"
#define MAX_PICKINGS 64

/* One event's data, as read from the record and from Odoo. */
typedef struct ms_job {
    milestone_t m;
    const lgx_rule_t *rule;
    yajl_val pickings;
    int64_t ids[MAX_PICKINGS];
    size_t n;
} ms_job_t;

static bool read_event(const lgx_event_t *ev, milestone_t *m, lgx_verdict_t *v)
{
    avro_value_t *rec = lgx_event_record(ev);
    m->tracking_ref = lgx_stock_str(rec, "tracking_ref");
    m->carrier = lgx_stock_str(rec, "carrier");
    m->code = lgx_stock_enum(rec, "code");
    m->location = lgx_stock_str(rec, "location");
    m->exception_reason = lgx_stock_str(rec, "exception_reason");
    m->occurred_at = lgx_event_occurred_at(ev);
    if (lgx_avro_get_long(rec, "eta", &m->eta) != LGX_OK) {
        m->eta = -1;
    }
    if (!m->tracking_ref || !m->carrier || !m->code) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "tracking_ref, carrier or code is missing or empty");
        return false;
    }
    return true;
}

/* Ownership, before any Odoo call: what this milestone would write and
 * call. */
static bool owned(const ms_job_t *job, lgx_verdict_t *v)
{
    static const char *const fields[] = {
        "x_lgx_milestone", "x_lgx_milestone_at", "x_lgx_clock", NULL};
    static const char *const eta[] = {"x_lgx_eta", NULL};
    return lgx_stock_gate_writes(job->rule, fields, v) &&
           (job->m.eta < 0 || lgx_stock_gate_writes(job->rule, eta, v)) &&
           lgx_gate_call(job->rule, "mail.thread", "message_post", v) &&
           (!milestones_wants_activity(job->m.code) ||
            lgx_gate_call(job->rule, "mail.activity", "create", v));
}

/* The pickings of the tracking ref (one search_read), then the rules and
 * the milestone's own staleness: never older over newer. */
static bool fetch_and_gate(lgx_stock_state_t *s, const lgx_event_t *ev,
                           ms_job_t *job, lgx_verdict_t *v)
{
    char entity[300];
    snprintf(entity, sizeof(entity), "tracking ref %s", job->m.tracking_ref);
    if (!lgx_stock_pickings_eq(lgx_stock_state_odoo(s), "carrier_tracking_ref",
                               job->m.tracking_ref, MAX_PICKINGS,
                               &job->pickings, v) ||
        !lgx_stock_gate(ev, job->rule, job->pickings, entity, job->ids,
                        MAX_PICKINGS, &job->n, v)) {
        return false;
    }
    const char *at =
        lgx_json_get_str(lgx_json_at(job->pickings, 0), "x_lgx_milestone_at");
    if (!milestones_is_newer(job->m.occurred_at, at)) {
        lgx_verdict_set(v, LGX_OUTCOME_STALE, "older_milestone",
                        "%s: %s is not newer than the milestone of %s UTC "
                        "already recorded",
                        entity, job->m.code, at);
        return false;
    }
    return true;
}

/* One write: milestone, its time, the ETA and the clock. */
static bool record(lgx_stock_state_t *s, const lgx_event_t *ev, ms_job_t *job,
                   lgx_verdict_t *v)
{
    lgx_buf_t *vals = lgx_stock_state_buf(s, 0);
    if (!lgx_stock_vals_begin(vals, job->pickings, ev, job->rule, v)) {
        return false;
    }
    if (lgx_stock_val_str(vals, "x_lgx_milestone", job->m.code) != LGX_OK ||
        lgx_stock_val_time(vals, "x_lgx_milestone_at", job->m.occurred_at) !=
            LGX_OK ||
        (job->m.eta >= 0 &&
         lgx_stock_val_time(vals, "x_lgx_eta", job->m.eta) != LGX_OK)) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_write_vals(lgx_stock_state_odoo(s), vals, job->ids, job->n,
                                v);
}

/* The chatter note and, for customer service, the activity. */
static bool tell(lgx_stock_state_t *s, const lgx_event_t *ev, ms_job_t *job,
                 bool activity, lgx_verdict_t *v)
{
    lgx_odoo_t *o = lgx_stock_state_odoo(s);
    lgx_buf_t *a = lgx_stock_state_buf(s, 1), *b = lgx_stock_state_buf(s, 2);
    if (milestones_note(a, &job->m) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    for (size_t i = 0; i < job->n; i++) {
        if (!lgx_stock_note(o, job->ids[i], lgx_buf_data(a), lgx_event_id(ev),
                            v)) {
            return false;
        }
    }
    if (activity && milestones_activity(a, b, &job->m) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    for (size_t i = 0; activity && i < job->n; i++) {
        if (!lgx_stock_todo(o, job->ids[i], lgx_buf_data(a), lgx_buf_data(b),
                            v)) {
            return false;
        }
    }
    return true;
}

static void apply(lgx_stock_state_t *s, const lgx_event_t *ev, ms_job_t *job,
                  lgx_verdict_t *v)
{
    bool activity = milestones_wants_activity(job->m.code);
    /* The note and the activity come first, each guarded in Odoo (the
     * note carries the event's mark, the activity its summary); the write
     * that makes the milestone recorded comes last. A crash anywhere is
     * repaired by the replay: nothing is lost, nothing posted twice. */
    if (!tell(s, ev, job, activity, v) || !record(s, ev, job, v)) {
        return;
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                    "tracking ref %s: %s recorded on %zu picking(s)%s",
                    job->m.tracking_ref, job->m.code, job->n,
                    activity ? ", activity for customer service" : "");
}

void milestones_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    lgx_stock_state_t *s = state;
    ms_job_t job;
    memset(&job, 0, sizeof(job));
    job.rule = lgx_event_rule(ev, EVENT_TYPE, v);
    if (job.rule && read_event(ev, &job.m, v) && owned(&job, v) &&
        fetch_and_gate(s, ev, &job, v)) {
        apply(s, ev, &job, v);
    }
    yajl_tree_free(job.pickings);
}
