#include "lgx_stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_avro.h"
#include "lgx_clock.h"
#include "lgx_dedup.h"
#include "lgx_json.h"

#define PICKING_FIELDS                                                         \
    "[\"id\",\"name\",\"state\",\"picking_type_code\",\"carrier_id\","         \
    "\"carrier_tracking_ref\",\"x_lgx_shipment_ref\","                         \
    "\"x_lgx_shipment_status\",\"x_lgx_clock\",\"x_lgx_clock_picks\","         \
    "\"x_lgx_clock_shipments\",\"x_lgx_clock_milestones\","                    \
    "\"x_lgx_clock_pod\",\"x_lgx_milestone_at\",\"user_id\","                  \
    "\"picking_type_id\",\"write_uid\",\"write_date\"]"

bool lgx_stock_ok(lgx_err_t rc, const lgx_odoo_error_t *err, const char *what,
                  lgx_verdict_t *v)
{
    if (rc == LGX_OK) {
        return true;
    }
    lgx_verdict_from_odoo(v, err, what);
    return false;
}

bool lgx_stock_pickings(lgx_odoo_t *o, const char *domain_json, long limit,
                        yajl_val *recs, lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    lgx_err_t rc = lgx_odoo_search_read(o, "stock.picking", domain_json,
                                        PICKING_FIELDS, limit, recs, &err);
    return lgx_stock_ok(rc, &err, "stock.picking search_read", v);
}

lgx_err_t lgx_stock_domain_eq(lgx_buf_t *out, const char *field,
                              const char *value)
{
    lgx_buf_reset(out);
    lgx_err_t err = lgx_buf_printf(out, "[[\"%s\",\"=\",", field);
    if (err == LGX_OK) {
        err = lgx_buf_json_str(out, value, strlen(value));
    }
    return err == LGX_OK ? lgx_buf_puts(out, "]]") : err;
}

const char *lgx_stock_clock(yajl_val picking, const char *event_type)
{
    const char *field = lgx_clock_field(event_type);
    return lgx_clock_pick(field ? lgx_json_get_str(picking, field) : NULL,
                          lgx_json_get_str(picking, LGX_CLOCK_LEGACY_FIELD));
}

const char *lgx_stock_status(yajl_val picking)
{
    const char *s = lgx_json_get_str(picking, "x_lgx_shipment_status");
    return s && s[0] ? s : "none";
}

bool lgx_stock_write(lgx_odoo_t *o, const char *model, const int64_t *ids,
                     size_t n, const char *vals_json, lgx_verdict_t *v)
{
    lgx_buf_t *kw = lgx_buf_new();
    lgx_odoo_error_t err;
    char what[128];
    snprintf(what, sizeof(what), "%s write", model);
    lgx_err_t rc =
        kw ? lgx_buf_printf(kw, "{\"vals\":%s}", vals_json) : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, model, "write", ids, n, lgx_buf_data(kw), NULL,
                           &err);
    } else {
        err.code = rc;
        snprintf(err.name, sizeof(err.name), "nomem");
        err.message[0] = '\0';
        err.http_status = 0;
    }
    lgx_buf_destroy(kw);
    return lgx_stock_ok(rc, &err, what, v);
}

/* Creates Odoo's backorder wizard with the context it gave and processes
 * it: the picking is validated and the rest goes to a backorder. */
static bool process_backorder(lgx_odoo_t *o, yajl_val action, lgx_verdict_t *v)
{
    lgx_buf_t *b = lgx_buf_new();
    yajl_val ctx = lgx_json_get(action, "context");
    yajl_val wid = NULL;
    lgx_odoo_error_t err;
    bool ok = b && lgx_json_write(b, ctx) == LGX_OK;
    lgx_err_t rc = ok ? lgx_odoo_create(o, "stock.backorder.confirmation",
                                        "[{}]", lgx_buf_data(b), &wid, &err)
                      : LGX_ERR_NOMEM;
    ok = ok && lgx_stock_ok(rc, &err, "stock.backorder.confirmation create", v);
    int64_t id = lgx_json_m2o_id(lgx_json_at(wid, 0));
    yajl_tree_free(wid);
    if (ok) {
        lgx_buf_reset(b);
        ok = lgx_buf_puts(b, "{\"context\":") == LGX_OK &&
             lgx_json_write(b, ctx) == LGX_OK && lgx_buf_puts(b, "}") == LGX_OK;
        rc = lgx_odoo_call(o, "stock.backorder.confirmation", "process", &id, 1,
                           lgx_buf_data(b), NULL, &err);
        ok = ok &&
             lgx_stock_ok(rc, &err, "stock.backorder.confirmation process", v);
    }
    lgx_buf_destroy(b);
    return ok;
}

bool lgx_stock_validate(lgx_odoo_t *o, int64_t picking_id, const char *name,
                        bool keep_rest, bool *backorder, lgx_verdict_t *v)
{
    char kwargs[256];
    if (keep_rest) {
        snprintf(kwargs, sizeof(kwargs), "{\"context\":{\"skip_sms\":true}}");
    } else {
        snprintf(kwargs, sizeof(kwargs),
                 "{\"context\":{\"skip_sms\":true,\"skip_backorder\":true,"
                 "\"picking_ids_not_to_backorder\":[%lld]}}",
                 (long long)picking_id);
    }
    lgx_odoo_error_t err;
    yajl_val res = NULL;
    lgx_err_t rc = lgx_odoo_call(o, "stock.picking", "button_validate",
                                 &picking_id, 1, kwargs, &res, &err);
    if (!lgx_stock_ok(rc, &err, "stock.picking button_validate", v)) {
        return false;
    }
    bool ok = true;
    const char *wizard = lgx_json_get_str(res, "res_model");
    *backorder = false;
    if (YAJL_IS_TRUE(res)) {
        ok = true;
    } else if (wizard && strcmp(wizard, "stock.backorder.confirmation") == 0) {
        ok = process_backorder(o, res, v);
        *backorder = ok;
    } else {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unexpected_wizard",
                        "button_validate on %s asked for %s; not handled", name,
                        wizard ? wizard : "something unknown");
        ok = false;
    }
    yajl_tree_free(res);
    return ok;
}

/* True when a record of model matches domain_json (one search_count). */
static bool exists(lgx_odoo_t *o, const char *model, const char *domain_json,
                   bool *found, lgx_verdict_t *v)
{
    lgx_buf_t *kw = lgx_buf_new();
    lgx_odoo_error_t err;
    yajl_val n = NULL;
    char what[128];
    snprintf(what, sizeof(what), "%s search_count", model);
    lgx_err_t rc =
        kw ? lgx_buf_printf(kw, "{\"domain\":%s}", domain_json) : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, model, "search_count", NULL, 0, lgx_buf_data(kw),
                           &n, &err);
    }
    lgx_buf_destroy(kw);
    if (rc == LGX_ERR_NOMEM) {
        lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
        return false;
    }
    *found = YAJL_IS_INTEGER(n) && YAJL_GET_INTEGER(n) > 0;
    yajl_tree_free(n);
    return lgx_stock_ok(rc, &err, what, v);
}

/* The mark of a note posted once per key. It is hex, so that Odoo's HTML
 * escaping of the body leaves it as it is and ilike finds it. */
static void note_mark(char mark[40], const char *key)
{
    snprintf(mark, 40, "[lgx:%016llx]",
             (unsigned long long)lgx_dedup_hash(key, strlen(key)));
}

bool lgx_stock_note(lgx_odoo_t *o, int64_t picking_id, const char *body,
                    const char *key, lgx_verdict_t *v)
{
    char mark[40];
    note_mark(mark, key);
    lgx_buf_t *b = lgx_buf_new();
    lgx_buf_t *text = lgx_buf_new();
    bool found = false;
    bool ok = b && text &&
              lgx_buf_printf(b,
                             "[[\"model\",\"=\",\"stock.picking\"],"
                             "[\"res_id\",\"=\",%lld],"
                             "[\"body\",\"ilike\",\"%s\"]]",
                             (long long)picking_id, mark) == LGX_OK &&
              lgx_buf_printf(text, "%s %s", body, mark) == LGX_OK;
    if (!ok) {
        lgx_buf_destroy(b);
        lgx_buf_destroy(text);
        return lgx_stock_nomem(v);
    }
    ok = exists(o, "mail.message", lgx_buf_data(b), &found, v);
    if (ok && !found) {
        lgx_odoo_error_t err;
        lgx_buf_reset(b);
        if (lgx_buf_puts(b, "{\"body\":") != LGX_OK ||
            lgx_buf_json_str(b, lgx_buf_data(text), lgx_buf_len(text)) !=
                LGX_OK ||
            lgx_buf_puts(b,
                         ",\"message_type\":\"comment\","
                         "\"subtype_xmlid\":\"mail.mt_note\","
                         "\"context\":{\"mail_create_nosubscribe\":true}}") !=
                LGX_OK) {
            ok = lgx_stock_nomem(v);
        } else {
            lgx_err_t rc =
                lgx_odoo_call(o, "stock.picking", "message_post", &picking_id,
                              1, lgx_buf_data(b), NULL, &err);
            ok = lgx_stock_ok(rc, &err, "stock.picking message_post", v);
        }
    }
    lgx_buf_destroy(b);
    lgx_buf_destroy(text);
    return ok;
}

bool lgx_stock_attach(lgx_odoo_t *o, int64_t picking_id, const char *name,
                      const char *mimetype, const void *data, size_t len,
                      lgx_verdict_t *v)
{
    lgx_buf_t *b = lgx_buf_new();
    bool found = false, ok = b != NULL;
    ok = ok &&
         lgx_buf_printf(b,
                        "[[\"res_model\",\"=\",\"stock.picking\"],"
                        "[\"res_id\",\"=\",%lld],[\"name\",\"=\",",
                        (long long)picking_id) == LGX_OK &&
         lgx_buf_json_str(b, name, strlen(name)) == LGX_OK &&
         lgx_buf_puts(b, "]]") == LGX_OK;
    ok = ok && exists(o, "ir.attachment", lgx_buf_data(b), &found, v);
    if (ok && !found) {
        lgx_buf_reset(b);
        ok = lgx_buf_puts(b, "[{\"name\":") == LGX_OK &&
             lgx_buf_json_str(b, name, strlen(name)) == LGX_OK &&
             lgx_buf_puts(b, ",\"mimetype\":") == LGX_OK &&
             lgx_buf_json_str(b, mimetype, strlen(mimetype)) == LGX_OK &&
             lgx_buf_printf(b,
                            ",\"res_model\":\"stock.picking\","
                            "\"res_id\":%lld,\"datas\":\"",
                            (long long)picking_id) == LGX_OK &&
             lgx_buf_base64(b, data, len) == LGX_OK &&
             lgx_buf_puts(b, "\"}]") == LGX_OK;
        lgx_odoo_error_t err;
        if (!ok) {
            lgx_buf_destroy(b);
            return lgx_stock_nomem(v);
        }
        lgx_err_t rc = lgx_odoo_create(o, "ir.attachment", lgx_buf_data(b),
                                       NULL, NULL, &err);
        ok = lgx_stock_ok(rc, &err, "ir.attachment create", v);
    }
    lgx_buf_destroy(b);
    return ok;
}

/* ---- shared by lgx-milestones and lgx-pod ---- */

bool lgx_stock_nomem(lgx_verdict_t *v)
{
    lgx_verdict_set(v, LGX_OUTCOME_RETRY, "nomem", "out of memory");
    return false;
}

bool lgx_stock_pickings_eq(lgx_odoo_t *o, const char *field, const char *value,
                           long limit, yajl_val *recs, lgx_verdict_t *v)
{
    lgx_buf_t *d = lgx_buf_new();
    bool ok = d && lgx_stock_domain_eq(d, field, value) == LGX_OK;
    ok = ok ? lgx_stock_pickings(o, lgx_buf_data(d), limit, recs, v)
            : lgx_stock_nomem(v);
    lgx_buf_destroy(d);
    return ok;
}

bool lgx_stock_gate(const lgx_event_t *ev, const lgx_rule_t *rule,
                    yajl_val pickings, const char *entity, int64_t *ids,
                    size_t max, size_t *n, lgx_verdict_t *v)
{
    yajl_val first = lgx_json_at(pickings, 0);
    const char *name = lgx_json_get_str(first, "name");
    int64_t last =
        lgx_clock_get(lgx_stock_clock(first, lgx_rule_event_type(rule)),
                      lgx_rule_event_type(rule), lgx_event_source(ev));
    if (!lgx_gate_event(ev, rule, last, v) ||
        !lgx_gate_status(rule, lgx_stock_status(first), name ? name : entity,
                         v)) {
        return false;
    }
    *n = lgx_json_ids(pickings, ids, max);
    if (*n == 0) {
        lgx_verdict_set(v, LGX_OUTCOME_REJECTED, "unknown_picking",
                        "no picking has %s", entity);
        return false;
    }
    return true;
}

bool lgx_stock_gate_writes(const lgx_rule_t *rule, const char *const *fields,
                           lgx_verdict_t *v)
{
    for (const char *const *f = fields; *f; f++) {
        if (!lgx_gate_write(rule, "stock.picking", *f, v)) {
            return false;
        }
    }
    return true;
}

bool lgx_stock_vals_begin(lgx_buf_t *vals, yajl_val pickings,
                          const lgx_event_t *ev, const lgx_rule_t *rule,
                          lgx_verdict_t *v)
{
    const char *clock =
        lgx_stock_clock(lgx_json_at(pickings, 0), lgx_rule_event_type(rule));
    lgx_buf_reset(vals);
    if (lgx_buf_puts(vals, "{") != LGX_OK ||
        lgx_clock_member(vals, clock, lgx_rule_event_type(rule),
                         lgx_event_source(ev),
                         lgx_event_occurred_at(ev)) != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return true;
}

lgx_err_t lgx_stock_val_str(lgx_buf_t *vals, const char *field,
                            const char *value)
{
    lgx_err_t err = lgx_buf_printf(vals, ",\"%s\":", field);
    return err == LGX_OK ? lgx_buf_json_str(vals, value, strlen(value)) : err;
}

lgx_err_t lgx_stock_val_time(lgx_buf_t *vals, const char *field, int64_t ms)
{
    char t[20];
    lgx_avro_odoo_time(ms, t);
    return lgx_stock_val_str(vals, field, t);
}

bool lgx_stock_write_vals(lgx_odoo_t *o, lgx_buf_t *vals, const int64_t *ids,
                          size_t n, lgx_verdict_t *v)
{
    if (lgx_buf_puts(vals, "}") != LGX_OK) {
        return lgx_stock_nomem(v);
    }
    return lgx_stock_write(o, "stock.picking", ids, n, lgx_buf_data(vals), v);
}

/* search_read of every record of model matching the domain built in d
 * (err: how building it went), into *rows; d is freed. */
static bool read_rows(lgx_odoo_t *o, const char *model, lgx_buf_t *d,
                      lgx_err_t err, const char *fields, yajl_val *rows,
                      lgx_verdict_t *v)
{
    if (err != LGX_OK) {
        lgx_buf_destroy(d);
        return lgx_stock_nomem(v);
    }
    lgx_odoo_error_t oerr;
    char what[128];
    snprintf(what, sizeof(what), "%s search_read", model);
    lgx_err_t rc =
        lgx_odoo_search_read(o, model, lgx_buf_data(d), fields, 0, rows, &oerr);
    lgx_buf_destroy(d);
    return lgx_stock_ok(rc, &oerr, what, v);
}

/* The verdict of a failed lgx_activity_schedule_many: Odoo's answer to
 * call, or out of memory when no call failed. */
static bool scheduled(lgx_err_t rc, const lgx_odoo_error_t *err,
                      const char *call, lgx_verdict_t *v)
{
    if (rc == LGX_OK) {
        return true;
    }
    return call ? lgx_stock_ok(rc, err, call, v) : lgx_stock_nomem(v);
}

bool lgx_stock_todos(lgx_odoo_t *o, const lgx_activity_t *act,
                     const lgx_activity_todo_t *todos, size_t n,
                     lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    const char *call = NULL;
    lgx_err_t rc = lgx_activity_schedule_many(o, act, todos, n, &err, &call);
    return scheduled(rc, &err, call, v);
}

bool lgx_stock_todo(lgx_odoo_t *o, const lgx_activity_t *act,
                    int64_t picking_id, const char *kind, int64_t responsible,
                    const char *summary, const char *text, lgx_verdict_t *v)
{
    lgx_odoo_error_t err;
    const char *call = NULL;
    lgx_err_t rc = lgx_activity_schedule(o, act, picking_id, kind, responsible,
                                         summary, text, &err, &call);
    return scheduled(rc, &err, call, v);
}

const char *lgx_stock_str(avro_value_t *rec, const char *name)
{
    const char *s = NULL;
    size_t len = 0;
    if (lgx_avro_get_str(rec, name, &s, &len) != LGX_OK || len == 0) {
        return NULL;
    }
    return s;
}

const char *lgx_stock_enum(avro_value_t *rec, const char *name)
{
    avro_value_t f, branch;
    int i = 0;
    if (avro_value_get_by_name(rec, name, &f, NULL) != 0) {
        return NULL;
    }
    if (avro_value_get_type(&f) == AVRO_UNION) {
        if (avro_value_get_current_branch(&f, &branch) != 0) {
            return NULL;
        }
        f = branch;
    }
    if (avro_value_get_type(&f) != AVRO_ENUM ||
        avro_value_get_enum(&f, &i) != 0) {
        return NULL;
    }
    return avro_schema_enum_get(avro_value_get_schema(&f), i);
}

struct lgx_stock_state_s {
    const void *conf;
    lgx_odoo_t *odoo;
    lgx_log_t *log;
    lgx_buf_t *bufs[LGX_STOCK_BUFS];
    lgx_activity_t *activity;
    int64_t note_subtype; /* mail.mt_note's id; 0 not looked up, -1 none */
};

void *lgx_stock_state_init(void *conf, lgx_odoo_t *odoo, lgx_log_t *log,
                           char *errstr, size_t errstr_size)
{
    lgx_stock_state_t *s = calloc(1, sizeof(*s));
    bool ok = s != NULL;
    for (int i = 0; ok && i < LGX_STOCK_BUFS; i++) {
        ok = (s->bufs[i] = lgx_buf_new()) != NULL;
    }
    if (!ok) {
        snprintf(errstr, errstr_size, "out of memory");
        lgx_stock_state_term(s);
        return NULL;
    }
    if (!(s->activity = lgx_activity_new(conf, odoo, errstr, errstr_size))) {
        lgx_stock_state_term(s);
        return NULL;
    }
    s->conf = conf;
    s->odoo = odoo;
    s->log = log;
    return s;
}

void lgx_stock_state_term(void *state)
{
    lgx_stock_state_t *s = state;
    if (s) {
        for (int i = 0; i < LGX_STOCK_BUFS; i++) {
            lgx_buf_destroy(s->bufs[i]);
        }
        lgx_activity_destroy(s->activity);
        free(s);
    }
}

const void *lgx_stock_state_conf(const lgx_stock_state_t *s)
{
    return s->conf;
}

lgx_odoo_t *lgx_stock_state_odoo(const lgx_stock_state_t *s)
{
    return s->odoo;
}

const lgx_activity_t *lgx_stock_state_activity(const lgx_stock_state_t *s)
{
    return s->activity;
}

lgx_buf_t *lgx_stock_state_buf(const lgx_stock_state_t *s, int i)
{
    return s->bufs[i];
}

bool lgx_stock_pickings_in(lgx_odoo_t *o, const char *field,
                           const char *const *values, size_t n, yajl_val *recs,
                           lgx_verdict_t *v)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_err_t err =
        d ? lgx_buf_printf(d, "[[\"%s\",\"in\",[", field) : LGX_ERR_NOMEM;
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        err = i ? lgx_buf_puts(d, ",") : LGX_OK;
        err = err == LGX_OK ? lgx_buf_json_str(d, values[i], strlen(values[i]))
                            : err;
    }
    err = err == LGX_OK ? lgx_buf_puts(d, "]]]") : err;
    bool ok = err == LGX_OK ? lgx_stock_pickings(o, lgx_buf_data(d), 0, recs, v)
                            : lgx_stock_nomem(v);
    lgx_buf_destroy(d);
    return ok;
}

yajl_val lgx_stock_view(struct yajl_val_s *view, yajl_val *room, size_t max,
                        yajl_val rows, const char *field, const char *str,
                        int64_t id)
{
    size_t k = 0;
    for (size_t i = 0; i < lgx_json_len(rows) && k < max; i++) {
        yajl_val row = lgx_json_at(rows, i);
        const char *s = lgx_json_get_str(row, field);
        if (str ? s && strcmp(s, str) == 0
                : lgx_json_m2o_id(lgx_json_get(row, field)) == id) {
            room[k++] = row;
        }
    }
    view->type = yajl_t_array;
    view->u.array.values = room;
    view->u.array.len = k;
    return view;
}

/* The id of the note subtype (mail.mt_note), looked up once: the internal
 * subtype named "Note" (ir.model.data, where its xml id lives, is not
 * readable without administration rights). -1 when Odoo has none under
 * that name (another language): notes then go through message_post. */
static bool note_subtype(lgx_stock_state_t *s, lgx_verdict_t *v)
{
    if (s->note_subtype) {
        return true;
    }
    yajl_val r = NULL;
    lgx_odoo_error_t err;
    lgx_err_t rc = lgx_odoo_search_read(
        s->odoo, "mail.message.subtype",
        "[[\"name\",\"=\",\"Note\"],[\"internal\",\"=\",true]]", "[\"id\"]", 1,
        &r, &err);
    if (!lgx_stock_ok(rc, &err, "mail.message.subtype search_read", v)) {
        return false;
    }
    int64_t id = 0;
    s->note_subtype =
        lgx_json_get_int(lgx_json_at(r, 0), "id", &id) && id > 0 ? id : -1;
    yajl_tree_free(r);
    if (s->note_subtype < 0 && s->log) {
        LGX_WARN(s->log, "no internal message subtype named \"Note\" in Odoo: "
                         "chatter notes are posted one call each");
    }
    return true;
}

/* The marks of notes already on their pickings (one search_read):
 * found[i] for notes[i]. */
static bool notes_found(lgx_odoo_t *o, const lgx_stock_note_t *notes, size_t n,
                        bool *found, lgx_verdict_t *v)
{
    lgx_buf_t *d = lgx_buf_new();
    char mark[40];
    lgx_err_t err = d ? lgx_buf_puts(d, "[[\"model\",\"=\",\"stock.picking\"],"
                                        "[\"res_id\",\"in\",[")
                      : LGX_ERR_NOMEM;
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        err = lgx_buf_printf(d, "%s%lld", i ? "," : "",
                             (long long)notes[i].picking_id);
    }
    err = err == LGX_OK ? lgx_buf_puts(d, "]]") : err;
    for (size_t i = 1; err == LGX_OK && i < n; i++) {
        err = lgx_buf_puts(d, ",\"|\"");
    }
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        note_mark(mark, notes[i].key);
        err = lgx_buf_printf(d, ",[\"body\",\"ilike\",\"%s\"]", mark);
    }
    err = err == LGX_OK ? lgx_buf_puts(d, "]") : err;
    yajl_val rows = NULL;
    if (!read_rows(o, "mail.message", d, err, "[\"res_id\",\"body\"]", &rows,
                   v)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        note_mark(mark, notes[i].key);
        found[i] = false;
        for (size_t j = 0; j < lgx_json_len(rows) && !found[i]; j++) {
            yajl_val row = lgx_json_at(rows, j);
            int64_t res_id = 0;
            const char *body = lgx_json_get_str(row, "body");
            found[i] = lgx_json_get_int(row, "res_id", &res_id) &&
                       res_id == notes[i].picking_id && body &&
                       strstr(body, mark);
        }
    }
    yajl_tree_free(rows);
    return true;
}

bool lgx_stock_notes(lgx_stock_state_t *s, const lgx_stock_note_t *notes,
                     size_t n, lgx_verdict_t *v)
{
    if (n == 0) {
        return true;
    }
    if (!note_subtype(s, v)) {
        return false;
    }
    if (s->note_subtype < 0) {
        for (size_t i = 0; i < n; i++) {
            if (!lgx_stock_note(s->odoo, notes[i].picking_id, notes[i].text,
                                notes[i].key, v)) {
                return false;
            }
        }
        return true;
    }
    bool *found = calloc(n, sizeof(*found));
    if (!found) {
        return lgx_stock_nomem(v);
    }
    if (!notes_found(s->odoo, notes, n, found, v)) {
        free(found);
        return false;
    }
    lgx_buf_t *vals = lgx_buf_new(), *body = lgx_buf_new();
    lgx_err_t err = vals && body ? lgx_buf_puts(vals, "[") : LGX_ERR_NOMEM;
    size_t todo = 0;
    char mark[40];
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        if (found[i]) {
            continue;
        }
        note_mark(mark, notes[i].key);
        lgx_buf_reset(body);
        err = lgx_buf_html_text(body, notes[i].text, true);
        err = err == LGX_OK ? lgx_buf_printf(body, " %s", mark) : err;
        err = err == LGX_OK ? lgx_buf_printf(vals,
                                             "%s{\"model\":\"stock.picking\","
                                             "\"res_id\":%lld,\"message_type\":"
                                             "\"comment\",\"subtype_id\":%lld,"
                                             "\"body\":",
                                             todo ? "," : "",
                                             (long long)notes[i].picking_id,
                                             (long long)s->note_subtype)
                            : err;
        err = err == LGX_OK ? lgx_buf_json_str(vals, lgx_buf_data(body),
                                               lgx_buf_len(body))
                            : err;
        err = err == LGX_OK ? lgx_buf_puts(vals, "}") : err;
        todo++;
    }
    err = err == LGX_OK ? lgx_buf_puts(vals, "]") : err;
    bool ok = err == LGX_OK || lgx_stock_nomem(v);
    if (ok && todo) {
        lgx_odoo_error_t oerr;
        lgx_err_t rc = lgx_odoo_create(s->odoo, "mail.message",
                                       lgx_buf_data(vals), NULL, NULL, &oerr);
        ok = lgx_stock_ok(rc, &oerr, "mail.message create", v);
    }
    lgx_buf_destroy(body);
    lgx_buf_destroy(vals);
    free(found);
    return ok;
}

/* " by WHO at WHEN UTC" for the last change of the picking's state:
 * Odoo's tracking of the field (mail.tracking.value, which only
 * administrators may read) when it can be read, else the picking's last
 * writer, who cancelled it unless someone changed it since. "" when
 * neither is known. One call. */
static void cancelled_by(lgx_odoo_t *o, yajl_val picking, char *out,
                         size_t size)
{
    char domain[256];
    snprintf(domain, sizeof(domain),
             "[[\"mail_message_id.model\",\"=\",\"stock.picking\"],"
             "[\"mail_message_id.res_id\",\"=\",%lld],"
             "[\"field_id.name\",\"=\",\"state\"]]",
             (long long)lgx_json_m2o_id(lgx_json_get(picking, "id")));
    yajl_val recs = NULL;
    lgx_odoo_error_t err;
    yajl_val by = lgx_json_get(picking, "write_uid");
    const char *when = lgx_json_get_str(picking, "write_date");
    const char *source = "last changed";
    if (lgx_odoo_search_read(o, "mail.tracking.value", domain,
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
    lgx_err_t rc =
        d ? lgx_buf_puts(d, "[[\"move_orig_ids.picking_id\",\"in\",[")
          : LGX_ERR_NOMEM;
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        rc = lgx_buf_printf(d, "%s%lld", i ? "," : "", (long long)ids[i]);
    }
    rc = rc == LGX_OK ? lgx_buf_puts(d, "]]]") : rc;
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
