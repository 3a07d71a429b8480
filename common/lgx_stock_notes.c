/*
 * lgx_stock_notes: what lgx posts on pickings, each once however often an
 * event comes (chatter notes, attachments, To-Do activities through
 * lgx_activity), one at a time or for a whole batch; and what a batch
 * handler holds: its state (with the note subtype, looked up once) and
 * views of a batch's read.
 */
#include "lgx_domain.h"
#include "lgx_stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_dedup.h"
#include "lgx_json.h"

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
    lgx_domain_t dom;
    lgx_domain_start(&dom, b);
    lgx_domain_str(&dom, "model", "=", "stock.picking");
    lgx_domain_int(&dom, "res_id", "=", picking_id);
    lgx_domain_str(&dom, "body", "ilike", mark);
    bool ok = text && lgx_domain_end(&dom) == LGX_OK &&
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
    lgx_domain_t dom;
    lgx_domain_start(&dom, b);
    lgx_domain_str(&dom, "res_model", "=", "stock.picking");
    lgx_domain_int(&dom, "res_id", "=", picking_id);
    lgx_domain_str(&dom, "name", "=", name);
    bool found = false, ok = lgx_domain_end(&dom) == LGX_OK;
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

struct lgx_stock_state_s {
    const void *conf;
    lgx_odoo_t *odoo;
    lgx_log_t *log;
    lgx_buf_t *bufs[LGX_STOCK_BUFS];
    lgx_activity_t *activity;
    int64_t note_subtype; /* mail.mt_note's id; 0 not looked up, -1 none */
    void *own;            /* the consumer's own part, or NULL */
    void (*free_own)(void *own);
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
        if (s->own && s->free_own) {
            s->free_own(s->own);
        }
        for (int i = 0; i < LGX_STOCK_BUFS; i++) {
            lgx_buf_destroy(s->bufs[i]);
        }
        lgx_activity_destroy(s->activity);
        free(s);
    }
}

void *lgx_stock_state_init_own(void *conf, lgx_odoo_t *odoo, lgx_log_t *log,
                               char *errstr, size_t errstr_size,
                               void *(*make_own)(const lgx_stock_state_t *s),
                               void (*free_own)(void *own))
{
    lgx_stock_state_t *s =
        lgx_stock_state_init(conf, odoo, log, errstr, errstr_size);
    if (s && !(s->own = make_own(s))) {
        snprintf(errstr, errstr_size, "out of memory");
        lgx_stock_state_term(s);
        return NULL;
    }
    if (s) {
        s->free_own = free_own;
    }
    return s;
}

void *lgx_stock_state_own(const lgx_stock_state_t *s)
{
    return s->own;
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
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_str(&dom, "name", "=", "Note");
    lgx_domain_bool(&dom, "internal", "=", true);
    if (lgx_domain_end(&dom) != LGX_OK) {
        lgx_buf_destroy(d);
        return lgx_stock_nomem(v);
    }
    lgx_err_t rc =
        lgx_odoo_search_read(s->odoo, "mail.message.subtype", lgx_buf_data(d),
                             "[\"id\"]", 1, &r, &err);
    lgx_buf_destroy(d);
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
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_str(&dom, "model", "=", "stock.picking");
    lgx_domain_in(&dom, "res_id");
    for (size_t i = 0; i < n; i++) {
        lgx_domain_item_int(&dom, notes[i].picking_id);
    }
    for (size_t i = 1; i < n; i++) {
        lgx_domain_op(&dom, "|");
    }
    for (size_t i = 0; i < n; i++) {
        note_mark(mark, notes[i].key);
        lgx_domain_str(&dom, "body", "ilike", mark);
    }
    lgx_err_t err = lgx_domain_end(&dom);
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
