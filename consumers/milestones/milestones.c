#include "milestones.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro_value.h"
#include "lgx_json.h"
#include "lgx_stock.h"
#include "milestones_plan.h"

#define EVENT_TYPE "carrier_milestone"
#define MAX_PICKINGS 64

const lgx_opt_t milestones_opts[] = {
    LGX_ACTIVITY_OPTS(milestones_conf_t, activity), LGX_OPT_END};

/* One event's data, as read from the record and from Odoo (its pickings
 * out of the read of its batch: pickings points to view, which borrows
 * the rows). */
typedef struct ms_job {
    milestone_t m;
    const lgx_rule_t *rule;
    yajl_val pickings;
    int64_t ids[MAX_PICKINGS];
    size_t n;
    struct yajl_val_s view;
    yajl_val rows[MAX_PICKINGS];
    bool live;     /* not judged yet */
    bool activity; /* has an activity to schedule */
    bool alone;    /* shares its tracking ref with an earlier event */
} ms_job_t;

static bool read_event(const lgx_event_t *ev, milestone_t *m, lgx_verdict_t *v)
{
    avro_value_t *rec = lgx_event_record(ev);
    m->tracking_ref = lgx_avro_str(rec, "tracking_ref");
    m->carrier = lgx_avro_str(rec, "carrier");
    m->code = lgx_avro_enum(rec, "code");
    m->location = lgx_avro_str(rec, "location");
    m->exception_reason = lgx_avro_str(rec, "exception_reason");
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
    static const char *const fields[] = {"x_lgx_milestone",
                                         "x_lgx_milestone_at",
                                         "x_lgx_clock_milestones", NULL};
    static const char *const eta[] = {"x_lgx_eta", NULL};
    return lgx_stock_gate_writes(job->rule, fields, v) &&
           (job->m.eta < 0 || lgx_stock_gate_writes(job->rule, eta, v)) &&
           lgx_gate_call(job->rule, "mail.thread", "message_post", v) &&
           (!milestones_wants_activity(job->m.code) ||
            lgx_gate_call(job->rule, "mail.activity", "create", v));
}

/* The rules and the milestone's own staleness (never older over newer)
 * on the pickings read. */
static bool gate(const lgx_event_t *ev, ms_job_t *job, lgx_verdict_t *v)
{
    char entity[300];
    snprintf(entity, sizeof(entity), "tracking ref %s", job->m.tracking_ref);
    if (!lgx_stock_gate(ev, job->rule, job->pickings, entity, job->ids,
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

/* After the note and the activity: the write that makes the milestone
 * recorded, last. */
static void finish(lgx_stock_state_t *s, const lgx_event_t *ev, ms_job_t *job,
                   lgx_verdict_t *v)
{
    if (!record(s, ev, job, v)) {
        return;
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                    "tracking ref %s: %s recorded on %zu picking(s)%s",
                    job->m.tracking_ref, job->m.code, job->n,
                    milestones_wants_activity(job->m.code)
                        ? ", activity for customer service"
                        : "");
}

void milestones_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    milestones_handle_batch(state, &ev, &v, 1);
}

/* ---- one milestone, or several at once ----
 *
 * Each event: its rule, fields and ownership; the pickings of its
 * tracking ref; the rules and its staleness on them; a chatter note per
 * picking; the activity; last, the write that makes the milestone
 * recorded. The note and the activity come first, each guarded in Odoo
 * (the note carries the event's mark, the activity its summary), so a
 * crash anywhere is repaired by the replay: nothing is lost, nothing
 * posted twice. Several events share the reads and the notes: one
 * search_read for the pickings of every tracking ref of the batch, one
 * search_read and one create for all their notes, the same for their
 * activities; then per event its write. An event whose tracking ref an earlier
 * event of the batch has (two keys for one parcel) is judged after the batch on
 * its own, on what the earlier one wrote. */

/* The batch's read; on failure every live job gets its verdict. */
static bool read_batch(lgx_stock_state_t *s, ms_job_t *jobs, size_t n,
                       lgx_verdict_t *const *vs, yajl_val *rows)
{
    const char **refs = calloc(n, sizeof(*refs));
    size_t k = 0;
    for (size_t i = 0; refs && i < n; i++) {
        if (jobs[i].live) {
            refs[k++] = jobs[i].m.tracking_ref;
        }
    }
    lgx_verdict_t v;
    if (refs && k == 0) {
        free(refs);
        return true;
    }
    bool ok =
        refs ? lgx_stock_pickings_in(lgx_stock_state_odoo(s),
                                     "carrier_tracking_ref", refs, k, rows, &v)
             : lgx_stock_nomem(&v);
    free(refs);
    for (size_t i = 0; !ok && i < n; i++) {
        if (jobs[i].live) {
            *vs[i] = v;
            jobs[i].live = false;
        }
    }
    return ok;
}

/* The notes of every live job, in two calls; on failure every live job
 * gets its verdict. */
static void tell_batch(lgx_stock_state_t *s, const lgx_event_t *const *evs,
                       ms_job_t *jobs, size_t n, lgx_verdict_t *const *vs)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += jobs[i].live ? jobs[i].n : 0;
    }
    lgx_stock_note_t *notes = calloc(total ? total : 1, sizeof(*notes));
    lgx_buf_t **texts = calloc(n, sizeof(*texts));
    lgx_verdict_t v;
    bool ok = notes && texts;
    size_t k = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (!jobs[i].live) {
            continue;
        }
        ok = (texts[i] = lgx_buf_new()) &&
             milestones_note(texts[i], &jobs[i].m) == LGX_OK;
        for (size_t j = 0; ok && j < jobs[i].n; j++) {
            notes[k++] = (lgx_stock_note_t){
                jobs[i].ids[j], lgx_buf_data(texts[i]), lgx_event_id(evs[i])};
        }
    }
    ok = ok ? lgx_stock_notes(s, notes, k, &v) : lgx_stock_nomem(&v);
    for (size_t i = 0; i < n; i++) {
        if (!ok && jobs[i].live) {
            *vs[i] = v;
            jobs[i].live = false;
        }
        if (texts) {
            lgx_buf_destroy(texts[i]);
        }
    }
    free(texts);
    free(notes);
}

/* For customer service, the activities (EXCEPTION, DELIVERY_ATTEMPTED) of
 * every live job, in two calls; on failure the jobs that wanted one get
 * its verdict. */
static void todo_batch(lgx_stock_state_t *s, ms_job_t *jobs, size_t n,
                       lgx_verdict_t *const *vs)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        jobs[i].activity =
            jobs[i].live && milestones_wants_activity(jobs[i].m.code);
        total += jobs[i].activity ? jobs[i].n : 0;
    }
    if (total == 0) {
        return;
    }
    lgx_activity_todo_t *todos = calloc(total, sizeof(*todos));
    lgx_buf_t **texts = calloc(2 * n, sizeof(*texts));
    lgx_verdict_t v;
    bool ok = todos && texts;
    size_t k = 0;
    for (size_t i = 0; ok && i < n; i++) {
        if (!jobs[i].activity) {
            continue;
        }
        ok = (texts[2 * i] = lgx_buf_new()) &&
             (texts[2 * i + 1] = lgx_buf_new()) &&
             milestones_activity(texts[2 * i], texts[2 * i + 1], &jobs[i].m) ==
                 LGX_OK;
        for (size_t j = 0; ok && j < jobs[i].n; j++) {
            todos[k++] = (lgx_activity_todo_t){
                jobs[i].ids[j], lgx_buf_data(texts[2 * i]),
                lgx_buf_data(texts[2 * i + 1]),
                strcmp(jobs[i].m.code, "EXCEPTION") == 0 ? "exception"
                                                         : "failed_delivery",
                lgx_activity_responsible(lgx_json_at(jobs[i].pickings, j))};
        }
    }
    ok = ok ? lgx_stock_todos(lgx_stock_state_odoo(s),
                              lgx_stock_state_activity(s), todos, k, &v)
            : lgx_stock_nomem(&v);
    for (size_t i = 0; i < n; i++) {
        if (!ok && jobs[i].activity) {
            *vs[i] = v;
            jobs[i].live = false;
        }
        if (texts) {
            lgx_buf_destroy(texts[2 * i]);
            lgx_buf_destroy(texts[2 * i + 1]);
        }
    }
    free(texts);
    free(todos);
}

void milestones_handle_batch(void *state, const lgx_event_t *const *evs,
                             lgx_verdict_t *const *vs, size_t n)
{
    lgx_stock_state_t *s = state;
    ms_job_t *jobs = calloc(n, sizeof(*jobs));
    for (size_t i = 0; !jobs && i < n; i++) {
        lgx_stock_nomem(vs[i]);
    }
    if (!jobs) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ms_job_t *job = &jobs[i];
        job->rule = lgx_event_rule(evs[i], EVENT_TYPE, vs[i]);
        job->live = job->rule && read_event(evs[i], &job->m, vs[i]) &&
                    owned(job, vs[i]);
        for (size_t j = 0; job->live && j < i; j++) {
            job->alone =
                jobs[j].live && !jobs[j].alone &&
                strcmp(jobs[j].m.tracking_ref, job->m.tracking_ref) == 0;
            job->live = !job->alone;
        }
    }
    yajl_val rows = NULL;
    if (read_batch(s, jobs, n, vs, &rows)) {
        for (size_t i = 0; i < n; i++) {
            ms_job_t *job = &jobs[i];
            job->live = job->live &&
                        (job->pickings = lgx_stock_view(
                             &job->view, job->rows, MAX_PICKINGS, rows,
                             "carrier_tracking_ref", job->m.tracking_ref, 0)) &&
                        gate(evs[i], job, vs[i]);
        }
        tell_batch(s, evs, jobs, n, vs);
        todo_batch(s, jobs, n, vs);
        for (size_t i = 0; i < n; i++) {
            if (jobs[i].live) {
                finish(s, evs[i], &jobs[i], vs[i]);
            }
        }
    }
    yajl_tree_free(rows);
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].alone) {
            milestones_handle(state, evs[i], vs[i]);
        }
    }
    free(jobs);
}
