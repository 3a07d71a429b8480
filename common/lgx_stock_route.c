/*
 * lgx_stock_route: where a picking stands on its route (multi-step
 * delivery: the next step's pickings, whether a picking is a step before
 * the last) and the refusal of events for a cancelled picking, with the
 * carrier booking it leaves behind.
 */
#include "lgx_domain.h"
#include "lgx_stock.h"

#include <stdio.h>
#include <string.h>

#include "lgx_clock.h"
#include "lgx_json.h"

/* " by WHO at WHEN UTC" for the last change of the picking's state:
 * Odoo's tracking of the field (mail.tracking.value, which only
 * administrators may read) when it can be read, else the picking's last
 * writer, who cancelled it unless someone changed it since. "" when
 * neither is known. One call. */
static void cancelled_by(lgx_odoo_t *o, yajl_val picking, char *out,
                         size_t size)
{
    lgx_buf_t *domain = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, domain);
    lgx_domain_str(&dom, "mail_message_id.model", "=", "stock.picking");
    lgx_domain_int(&dom, "mail_message_id.res_id", "=",
                   lgx_json_m2o_id(lgx_json_get(picking, "id")));
    lgx_domain_str(&dom, "field_id.name", "=", "state");
    yajl_val recs = NULL;
    lgx_odoo_error_t err;
    yajl_val by = lgx_json_get(picking, "write_uid");
    const char *when = lgx_json_get_str(picking, "write_date");
    const char *source = "last changed";
    if (lgx_domain_end(&dom) == LGX_OK &&
        lgx_odoo_search_read(o, "mail.tracking.value", lgx_buf_data(domain),
                             "[\"create_uid\",\"create_date\"]", 1, &recs,
                             &err) == LGX_OK &&
        lgx_json_at(recs, 0)) {
        by = lgx_json_get(lgx_json_at(recs, 0), "create_uid");
        when = lgx_json_get_str(lgx_json_at(recs, 0), "create_date");
        source = "cancelled";
    }
    const char *who = lgx_json_m2o_name(by);
    out[0] = '\0';
    if (who || when) {
        snprintf(out, size, " (%s by %s at %s UTC)", source, who ? who : "?",
                 when ? when : "?");
    }
    yajl_tree_free(recs);
    lgx_buf_destroy(domain);
}

/* A carrier booking of a cancelled picking: its status says so and the
 * transport team gets one activity to cancel it. False (v set) when Odoo
 * refused either. */
static bool tell_booking(lgx_odoo_t *o, const lgx_activity_t *act,
                         const lgx_rule_t *rule, yajl_val picking,
                         const char *by, lgx_verdict_t *v)
{
    int64_t id = lgx_json_m2o_id(lgx_json_get(picking, "id"));
    const char *name = lgx_json_get_str(picking, "name");
    const char *ref = lgx_json_get_str(picking, "x_lgx_shipment_ref");
    const char *status = lgx_stock_status(picking);
    if (strcmp(status, "picking_cancelled") != 0 &&
        lgx_rule_may_write(rule, "stock.picking", "x_lgx_shipment_status") &&
        !lgx_stock_write(o, "stock.picking", &id, 1,
                         "{\"x_lgx_shipment_status\":\"picking_cancelled\"}",
                         v)) {
        return false;
    }
    if (!lgx_rule_may_call(rule, "mail.activity", "create")) {
        return true;
    }
    const char *tracking = lgx_json_get_str(picking, "carrier_tracking_ref");
    char summary[160], text[640];
    snprintf(summary, sizeof(summary), "Cancel the carrier booking of %s", ref);
    snprintf(text, sizeof(text),
             "Picking %s was cancelled in Odoo%s while shipment %s was %s "
             "with the carrier%s%s. Cancel the booking with the carrier, or "
             "restore the order if the cancellation was a mistake.",
             name ? name : "?", by, ref, status, tracking ? ", tracking " : "",
             tracking ? tracking : "");
    return lgx_stock_todo(o, act, id, "cancelled",
                          lgx_activity_responsible(picking), summary, text, v);
}

bool lgx_stock_refuse_cancelled(lgx_odoo_t *o, const lgx_activity_t *act,
                                const lgx_rule_t *rule, yajl_val picking,
                                const char *what, lgx_verdict_t *v)
{
    const char *state = lgx_json_get_str(picking, "state");
    if (!state || strcmp(state, "cancel") != 0) {
        return false;
    }
    const char *name = lgx_json_get_str(picking, "name");
    const char *ref = lgx_json_get_str(picking, "x_lgx_shipment_ref");
    const char *status = lgx_stock_status(picking);
    bool booked = ref && ref[0] && strcmp(status, "cancelled") != 0;
    char by[256];
    cancelled_by(o, picking, by, sizeof(by));
    if (booked && !tell_booking(o, act, rule, picking, by, v)) {
        return true;
    }
    lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "picking_cancelled",
                    "picking %s was cancelled in Odoo%s: %s%s%s%s",
                    name ? name : "?", by, what, booked ? "; shipment " : "",
                    booked ? ref : "",
                    booked ? " is booked with the carrier: an activity asks "
                             "to cancel the booking"
                           : "");
    return true;
}

/* Adds move row m to the pickings of steps (room max). */
static void add_step(yajl_val m, lgx_stock_step_t *steps, size_t max, size_t *n)
{
    yajl_val pk = lgx_json_get(m, "picking_id");
    const char *state = lgx_json_get_str(m, "state");
    int64_t id = lgx_json_m2o_id(pk);
    bool done = state && strcmp(state, "done") == 0;
    if (id <= 0 || (state && strcmp(state, "cancel") == 0)) {
        return;
    }
    size_t i = 0;
    while (i < *n && steps[i].id != id) {
        i++;
    }
    if (i == *n) {
        if (*n == max) {
            return;
        }
        const char *name = lgx_json_m2o_name(pk);
        steps[(*n)++] =
            (lgx_stock_step_t){id, name ? name : "?", "done", false};
    }
    if (!done && !steps[i].open) {
        steps[i].open = true;
        steps[i].state = state ? state : "unknown";
    }
}

bool lgx_stock_route_next(lgx_odoo_t *o, const int64_t *ids, size_t n,
                          yajl_val *moves, lgx_stock_step_t *steps, size_t max,
                          size_t *n_steps, lgx_verdict_t *v)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_in(&dom, "move_orig_ids.picking_id");
    for (size_t i = 0; i < n; i++) {
        lgx_domain_item_int(&dom, ids[i]);
    }
    lgx_err_t rc = lgx_domain_end(&dom);
    if (rc != LGX_OK) {
        lgx_buf_destroy(d);
        return lgx_stock_nomem(v);
    }
    lgx_odoo_error_t err;
    rc = lgx_odoo_search_read(o, "stock.move", lgx_buf_data(d),
                              "[\"id\",\"picking_id\",\"state\",\"quantity\"]",
                              0, moves, &err);
    lgx_buf_destroy(d);
    *n_steps = 0;
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(*moves); i++) {
        add_step(lgx_json_at(*moves, i), steps, max, n_steps);
    }
    return lgx_stock_ok(rc, &err, "stock.move search_read (route)", v);
}

bool lgx_stock_route_step(yajl_val picking)
{
    const char *code = lgx_json_get_str(picking, "picking_type_code");
    return code && strcmp(code, "internal") == 0;
}

bool lgx_stock_gate_pickings(lgx_odoo_t *o, const lgx_activity_t *act,
                             const lgx_event_t *ev, const lgx_rule_t *rule,
                             yajl_val pickings, const char *status,
                             const char *entity, const char *what,
                             lgx_verdict_t *v)
{
    const char *type = lgx_rule_event_type(rule);
    int64_t last =
        lgx_clock_get(lgx_stock_clock(lgx_json_at(pickings, 0), type), type,
                      lgx_event_source(ev));
    if (!lgx_gate_event(ev, rule, last, v)) {
        return false;
    }
    for (size_t i = 0; what && i < lgx_json_len(pickings); i++) {
        if (lgx_stock_refuse_cancelled(o, act, rule, lgx_json_at(pickings, i),
                                       what, v)) {
            return false;
        }
    }
    return lgx_gate_status(rule, status, entity, v);
}
