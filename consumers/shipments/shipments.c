#include "shipments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro_value.h"
#include "lgx_buf.h"
#include "lgx_clock.h"
#include "lgx_domain.h"
#include "lgx_json.h"
#include "lgx_lookup.h"
#include "lgx_stock.h"
#include "shipments_plan.h"

#define MAX_PICKINGS 64
#define MAX_LABEL_BYTES (4 * 1024 * 1024)

/* The shipments' own part of the handler state (lgx_stock_state_own),
 * with the shared part's client, buffer and activity routing at hand. */
typedef struct shipments {
    lgx_odoo_t *odoo;
    lgx_buf_t *buf;
    lgx_lookup_t *carriers; /* delivery.carrier by name */
    const lgx_activity_t *activity;
} shipments_t;

const lgx_opt_t shipments_opts[] = {
    LGX_ACTIVITY_OPTS(shipments_conf_t, activity), LGX_OPT_END};

/* One event as read from the record and from Odoo. */
typedef struct ship_job {
    const lgx_event_t *ev;
    char id[256];         /* shipment_id */
    avro_value_t payload; /* the branch record */
    const shipments_kind_t *kind;
    const char *type; /* its event type, e.g. "label_created" */
    const lgx_rule_t *rule;
    yajl_val pickings;
    int64_t ids[MAX_PICKINGS];
    size_t n;
} ship_job_t;

static void shipments_free(void *own)
{
    shipments_t *s = own;
    if (s) {
        lgx_lookup_destroy(s->carriers);
        free(s);
    }
}

/* The shipments' own part: carriers by name. */
static void *shipments_make(const lgx_stock_state_t *st)
{
    shipments_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->carriers = lgx_lookup_new(lgx_stock_state_odoo(st),
                                             "delivery.carrier", "name"))) {
        shipments_free(s);
        return NULL;
    }
    s->odoo = lgx_stock_state_odoo(st);
    s->buf = lgx_stock_state_buf(st, 0);
    s->activity = lgx_stock_state_activity(st);
    return s;
}

void *shipments_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log, char *errstr,
                     size_t size)
{
    return lgx_stock_state_init_own(conf, odoo, log, errstr, size,
                                    shipments_make, shipments_free);
}

/* shipment_id and the payload's kind. */
static bool read_event(ship_job_t *job, lgx_verdict_t *v)
{
    avro_value_t *rec = lgx_event_record(job->ev);
    const char *branch = NULL;
    if (!lgx_event_str(job->ev, "shipment_id", job->id, sizeof(job->id), v)) {
        return false;
    }
    if (lgx_avro_get_branch(rec, "payload", &job->payload, &branch) != LGX_OK) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "payload is missing");
        return false;
    }
    if (!(job->kind = shipments_kind(branch))) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_event_type",
                        "payload %s is not a shipment event lgx knows", branch);
        return false;
    }
    job->type = job->kind->type;
    job->rule = lgx_event_rule(job->ev, job->type, v);
    return job->rule != NULL;
}

/* The pickings of a booking: by the names the event lists. Every name must
 * exist and belong to no other shipment. */
static bool fetch_booked(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    avro_value_t names;
    size_t n = 0;
    if (lgx_avro_get_array(&job->payload, "picking_names", &names, &n) !=
            LGX_OK ||
        n == 0 || n > MAX_PICKINGS) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "a booking needs 1 to %d picking_names", MAX_PICKINGS);
        return false;
    }
    lgx_domain_t dom;
    lgx_domain_start(&dom, s->buf);
    lgx_domain_in(&dom, "name");
    for (size_t i = 0; i < n; i++) {
        avro_value_t item;
        const char *name = NULL;
        size_t len = 0;
        if (avro_value_get_by_index(&names, i, &item, NULL) != 0 ||
            avro_value_get_string(&item, &name, &len) != 0) {
            return lgx_stock_nomem(v);
        }
        lgx_domain_item_str(&dom, name);
    }
    if (lgx_domain_end(&dom) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    if (!lgx_stock_pickings(s->odoo, lgx_buf_data(s->buf), 0, &job->pickings,
                            v)) {
        return false;
    }
    if (lgx_json_len(job->pickings) != n) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "shipment %s books %zu picking(s); Odoo has %zu of "
                        "them",
                        job->id, n, lgx_json_len(job->pickings));
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *ref = lgx_json_get_str(lgx_json_at(job->pickings, i),
                                           "x_lgx_shipment_ref");
        if (ref && ref[0] && strcmp(ref, job->id) != 0) {
            lgx_verdict_set(v, LGX_OUTCOME_REJECTED,
                            "picking_in_other_shipment",
                            "a picking of shipment %s already belongs to "
                            "shipment %s",
                            job->id, ref);
            return false;
        }
    }
    return true;
}

/* Finds the pickings and checks source, time, cancellation and
 * transition. A booking, label or dispatch for a picking cancelled in
 * Odoo is refused at once (a cancellation of the shipment itself
 * applies). */
static bool fetch_and_gate(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    bool booked = strcmp(job->type, "shipment_booked") == 0;
    if (booked) {
        if (!fetch_booked(s, job, v)) {
            return false;
        }
    } else if (lgx_stock_domain_eq(s->buf, "x_lgx_shipment_ref", job->id) !=
                   LGX_OK ||
               !lgx_stock_pickings(s->odoo, lgx_buf_data(s->buf), MAX_PICKINGS,
                                   &job->pickings, v)) {
        return false;
    }
    job->n = lgx_json_ids(job->pickings, job->ids, MAX_PICKINGS);
    char entity[300], what[320];
    snprintf(entity, sizeof(entity), "shipment %s", job->id);
    if (job->kind->refused) {
        snprintf(what, sizeof(what), "%s of shipment %s is not applied",
                 job->kind->refused, job->id);
    }
    return lgx_stock_gate_pickings(
        s->odoo, s->activity, job->ev, job->rule, job->pickings,
        lgx_stock_status(lgx_json_at(job->pickings, 0)), entity,
        job->kind->refused ? what : NULL, v);
}

/* When the shipment reached its status: for a dispatch, when the carrier
 * collected it (dispatched_at); else the event's time. */
static int64_t status_time(ship_job_t *job)
{
    int64_t ms = 0;
    if (strcmp(job->type, "shipment_dispatched") == 0 &&
        lgx_avro_get_long(&job->payload, "dispatched_at", &ms) == LGX_OK) {
        return ms;
    }
    return lgx_event_occurred_at(job->ev);
}

/* Opens the vals of a write with the shipment status of the event's kind
 * and the clock, and for booked and dispatched status_time in the kind's
 * time_field: part of the status the rule owns, written with it in the
 * same call, and once (the event read again finds the status reached
 * and is stale). */
static bool vals_begin(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    if (!lgx_gate_write(job->rule, "stock.picking", "x_lgx_shipment_status",
                        v) ||
        !lgx_gate_write(job->rule, "stock.picking", lgx_clock_field(job->type),
                        v) ||
        !lgx_stock_vals_begin(s->buf, job->pickings, job->ev, job->rule, v)) {
        return false;
    }
    const char *at = job->kind->time_field;
    if (lgx_stock_val_str(s->buf, "x_lgx_shipment_status", job->kind->status) !=
            LGX_OK ||
        (at && lgx_stock_val_time(s->buf, at, status_time(job)) != LGX_OK)) {
        return lgx_stock_nomem(v);
    }
    return true;
}

static bool vals_end_and_write(shipments_t *s, ship_job_t *job,
                               lgx_verdict_t *v)
{
    if (lgx_buf_puts(s->buf, "}") != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_write(s->odoo, "stock.picking", job->ids, job->n,
                           lgx_buf_data(s->buf), v);
}

/* The delivery.carrier of the booking's carrier code, as the rules'
 * mapping of the source names it in Odoo; 0 with v set when there is
 * none. *name is the name looked up. */
static int64_t booked_carrier(shipments_t *s, ship_job_t *job,
                              const char **name, lgx_verdict_t *v)
{
    const char *code = NULL;
    size_t len = 0;
    int64_t id = 0;
    lgx_odoo_error_t err;
    if (lgx_avro_get_str(&job->payload, "carrier", &code, &len) != LGX_OK ||
        len == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "a booking needs a carrier");
        return 0;
    }
    if (!(*name = lgx_event_map(job->ev, "carriers", code, v)) ||
        !lgx_stock_ok(lgx_lookup_ids(s->carriers, name, 1, &id, &err), &err,
                      "delivery.carrier search_read", v)) {
        return 0;
    }
    if (!id && strcmp(*name, code) != 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_carrier",
                        "no delivery carrier named %s in Odoo (carrier code "
                        "'%s' of source %s, mapped by the rules)",
                        *name, code, lgx_event_source(job->ev));
    } else if (!id) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_carrier",
                        "no delivery carrier named %s in Odoo", code);
    }
    return id;
}

static bool apply_booked(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    const char *carrier = NULL;
    int64_t carrier_id = booked_carrier(s, job, &carrier, v);
    if (!carrier_id) {
        return false;
    }
    if (!lgx_gate_write(job->rule, "stock.picking", "carrier_id", v) ||
        !lgx_gate_write(job->rule, "stock.picking", "x_lgx_shipment_ref", v) ||
        !vals_begin(s, job, v)) {
        return false;
    }
    if (lgx_buf_printf(s->buf, ",\"carrier_id\":%lld,\"x_lgx_shipment_ref\":",
                       (long long)carrier_id) != LGX_OK ||
        lgx_buf_json_str(s->buf, job->id, strlen(job->id)) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    if (!vals_end_and_write(s, job, v)) {
        return false;
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                    "shipment %s booked with %s for %zu picking(s)", job->id,
                    carrier, job->n);
    return true;
}

static bool apply_label(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    const char *ref = NULL;
    size_t len = 0;
    avro_value_t doc;
    const char *doc_name = NULL;
    if (lgx_avro_get_str(&job->payload, "tracking_ref", &ref, &len) != LGX_OK ||
        len == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "missing_field",
                        "a label needs a tracking_ref");
        return false;
    }
    if (!lgx_gate_write(job->rule, "stock.picking", "carrier_tracking_ref",
                        v)) {
        return false;
    }
    /* The label document first, guarded by its name: a crash before the
     * status write is repaired by reading the event again, which finds
     * the attachment there; once the status moved on, the event would
     * be stale and a missing attachment lost. */
    bool has_doc =
        lgx_avro_get_branch(&job->payload, "label", &doc, &doc_name) == LGX_OK;
    const char *file = NULL, *mime = NULL;
    const void *data = NULL;
    size_t flen = 0, mlen = 0, dlen = 0;
    if (has_doc &&
        (lgx_avro_get_str(&doc, "filename", &file, &flen) != LGX_OK ||
         lgx_avro_get_str(&doc, "mimetype", &mime, &mlen) != LGX_OK ||
         lgx_avro_get_bytes(&doc, "data", &data, &dlen) != LGX_OK ||
         dlen > MAX_LABEL_BYTES)) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "invalid_field",
                        "label document incomplete or over %d bytes",
                        MAX_LABEL_BYTES);
        return false;
    }
    for (size_t i = 0; has_doc && i < job->n; i++) {
        if (!lgx_gate_call(job->rule, "ir.attachment", "create", v) ||
            !lgx_stock_attach(s->odoo, job->ids[i], file, mime, data, dlen,
                              v)) {
            return false;
        }
    }
    if (!vals_begin(s, job, v)) {
        return false;
    }
    if (lgx_buf_puts(s->buf, ",\"carrier_tracking_ref\":") != LGX_OK ||
        lgx_buf_json_str(s->buf, ref, len) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    if (!vals_end_and_write(s, job, v)) {
        return false;
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                    "shipment %s labelled: tracking %.*s%s", job->id, (int)len,
                    ref, has_doc ? ", label attached" : "");
    return true;
}

/* ---- routes ----
 *
 * In two- and three-step delivery the booking names the picking that
 * exists when it is made, the pick step; Odoo makes the later ones (pack,
 * ship) from its moves, on 18 and 19 only when it is validated. The
 * dispatch follows the route through Odoo's own links (the moves'
 * destination moves): it waits until every step is done (the pick
 * validates them) and then records the shipment on all of them, carrier
 * and tracking reference included, so that the delivery order the
 * customer sees carries them too. */

/* Adds the pickings of the later steps of the booked pickings' routes to
 * route (room MAX_PICKINGS, *nr counted). False with v set (held) when
 * one is not done yet, or on an Odoo error. No call unless a booked
 * picking is a step of a route. */
static bool route_done(shipments_t *s, ship_job_t *job, int64_t *route,
                       size_t *nr, lgx_verdict_t *v)
{
    bool steps = false;
    for (size_t i = 0; i < job->n; i++) {
        steps = steps || lgx_stock_route_step(lgx_json_at(job->pickings, i));
    }
    int64_t from[MAX_PICKINGS];
    size_t nf = steps ? job->n : 0;
    memcpy(from, job->ids, nf * sizeof(*from));
    for (int step = 0; nf && step < 4; step++) {
        yajl_val rows = NULL;
        lgx_stock_step_t next[MAX_PICKINGS];
        size_t ns = 0;
        if (!lgx_stock_route_next(s->odoo, from, nf, &rows, next, MAX_PICKINGS,
                                  &ns, v)) {
            yajl_tree_free(rows);
            return false;
        }
        nf = 0;
        for (size_t i = 0; i < ns; i++) {
            bool known = false;
            for (size_t j = 0; j < *nr && !known; j++) {
                known = route[j] == next[i].id;
            }
            if (known || *nr == MAX_PICKINGS) {
                continue;
            }
            if (next[i].open) {
                lgx_verdict_set(
                    v, LGX_OUTCOME_HELD, "waiting_for_pick",
                    "shipment %s: picking %s, a later step of the route, is "
                    "%s, not validated yet: the dispatch waits for the pick "
                    "(which validates the route) or a validation in Odoo",
                    job->id, next[i].name, next[i].state);
                v->hold_ms = lgx_rule_hold_ms(job->rule);
                yajl_tree_free(rows);
                return false;
            }
            route[(*nr)++] = next[i].id;
            from[nf++] = next[i].id;
        }
        yajl_tree_free(rows);
    }
    return true;
}

/* The booking on the route's later pickings: shipment id, carrier and
 * tracking reference of the first booked picking. */
static bool write_route(shipments_t *s, ship_job_t *job, const int64_t *route,
                        size_t nr, lgx_verdict_t *v)
{
    static const char *const fields[] = {"x_lgx_shipment_ref", "carrier_id",
                                         "carrier_tracking_ref", NULL};
    if (nr == 0 || !lgx_stock_gate_writes(job->rule, fields, v)) {
        return nr == 0;
    }
    yajl_val first = lgx_json_at(job->pickings, 0);
    int64_t carrier = lgx_json_m2o_id(lgx_json_get(first, "carrier_id"));
    const char *ref = lgx_json_get_str(first, "carrier_tracking_ref");
    lgx_buf_reset(s->buf);
    if (lgx_buf_puts(s->buf, "{\"x_lgx_shipment_ref\":") != LGX_OK ||
        lgx_buf_json_str(s->buf, job->id, strlen(job->id)) != LGX_OK ||
        (carrier > 0 && lgx_buf_printf(s->buf, ",\"carrier_id\":%lld",
                                       (long long)carrier) != LGX_OK) ||
        (ref && (lgx_buf_puts(s->buf, ",\"carrier_tracking_ref\":") != LGX_OK ||
                 lgx_buf_json_str(s->buf, ref, strlen(ref)) != LGX_OK)) ||
        lgx_buf_puts(s->buf, "}") != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_write(s->odoo, "stock.picking", route, nr,
                           lgx_buf_data(s->buf), v);
}

/* Dispatch records that the carrier collected the shipment. It validates
 * nothing and writes no quantity: the warehouse's pick owns both, and
 * validating here would let Odoo record as shipped whatever it had
 * reserved, picked or not. So every picking must be done (validated by
 * its pick, or by someone in Odoo, e.g. the barcode app) before the
 * dispatch applies; until then it waits, naming the picking (a cancelled
 * one refused it already: refuse_cancelled). */
static bool apply_dispatched(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    for (size_t i = 0; i < job->n; i++) {
        yajl_val p = lgx_json_at(job->pickings, i);
        const char *state = lgx_json_get_str(p, "state");
        const char *name = lgx_json_get_str(p, "name");
        if (state && strcmp(state, "done") == 0) {
            continue;
        }
        lgx_verdict_set(v, LGX_OUTCOME_HELD, "waiting_for_pick",
                        "shipment %s: picking %s is %s, not validated yet: "
                        "the dispatch waits for its pick (pick_confirmed) or "
                        "a validation in Odoo",
                        job->id, name ? name : "?", state ? state : "unknown");
        v->hold_ms = lgx_rule_hold_ms(job->rule);
        return false;
    }
    int64_t route[MAX_PICKINGS];
    size_t nr = 0, booked = job->n;
    if (!route_done(s, job, route, &nr, v) ||
        !write_route(s, job, route, nr, v)) {
        return false;
    }
    for (size_t i = 0; i < nr && job->n < MAX_PICKINGS; i++) {
        job->ids[job->n++] = route[i];
    }
    if (!vals_begin(s, job, v) || !vals_end_and_write(s, job, v)) {
        return false;
    }
    char later[64] = "";
    if (nr) {
        snprintf(later, sizeof(later), ", and %zu later step(s) of their route",
                 nr);
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "",
                    "shipment %s dispatched: %zu picking(s), validated by "
                    "their pick%s",
                    job->id, booked, later);
    return true;
}

static bool apply_cancelled(shipments_t *s, ship_job_t *job, lgx_verdict_t *v)
{
    const char *reason = NULL;
    size_t len = 0;
    if (lgx_avro_get_str(&job->payload, "reason", &reason, &len) != LGX_OK) {
        reason = "no reason given";
        len = strlen(reason);
    }
    /* The note first, marked with the event: a crash before the status
     * write is repaired by the replay, which finds the note there and
     * does not post it again. */
    if (!lgx_gate_call(job->rule, "mail.thread", "message_post", v)) {
        return false;
    }
    char body[512];
    snprintf(body, sizeof(body), "Shipment %s cancelled by %s: %.*s", job->id,
             lgx_event_source(job->ev), (int)len, reason);
    for (size_t i = 0; i < job->n; i++) {
        if (!lgx_stock_note(s->odoo, job->ids[i], body, lgx_event_id(job->ev),
                            v)) {
            return false;
        }
    }
    if (!vals_begin(s, job, v) || !vals_end_and_write(s, job, v)) {
        return false;
    }
    lgx_verdict_set(v, LGX_OUTCOME_APPLIED, "", "%s", body);
    return true;
}

void shipments_handle(void *state, const lgx_event_t *ev, lgx_verdict_t *v)
{
    shipments_t *s = lgx_stock_state_own(state);
    ship_job_t job;
    memset(&job, 0, sizeof(job));
    job.ev = ev;
    if (read_event(&job, v) && fetch_and_gate(s, &job, v)) {
        if (strcmp(job.type, "shipment_booked") == 0) {
            apply_booked(s, &job, v);
        } else if (strcmp(job.type, "label_created") == 0) {
            apply_label(s, &job, v);
        } else if (strcmp(job.type, "shipment_dispatched") == 0) {
            apply_dispatched(s, &job, v);
        } else {
            apply_cancelled(s, &job, v);
        }
    }
    yajl_tree_free(job.pickings);
}
