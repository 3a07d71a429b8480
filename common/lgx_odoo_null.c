#include "lgx_odoo_null.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_json.h"
#include "lgx_setup_reqs.h"

/* The value a null-sink record has for field, as JSON. */
static const struct {
    const char *field;
    const char *json;
} null_values[] = {
    {"name", "\"NULL/00001\""},
    {"state", "\"assigned\""},
    {"picking_type_code", "\"outgoing\""},
    {"product_id", "[1,\"[NULL] Null product\"]"},
    /* what Odoo reserved for a move: enough, so that a pick is no
     * shortage (no quant read) */
    {"quantity", "1000000.0"},
    {"picking_type_id", "[1,\"Null: Delivery Orders\"]"},
    {"warehouse_id", "[1,\"Null warehouse\"]"},
    {"picked", "false"},
    {"default_code", "\"NULL\""},
};

#define N_NULL_VALUES (sizeof(null_values) / sizeof(null_values[0]))

/* echo: the JSON text of echo_field's value. */
static lgx_err_t null_field(lgx_buf_t *b, const char *field,
                            const char *echo_field, const char *echo)
{
    lgx_err_t err = lgx_buf_puts(b, ",");
    err = err == LGX_OK ? lgx_buf_json_str(b, field, strlen(field)) : err;
    err = err == LGX_OK ? lgx_buf_puts(b, ":") : err;
    if (err != LGX_OK) {
        return err;
    }
    if (echo_field && strcmp(field, echo_field) == 0) {
        return lgx_buf_puts(b, echo);
    }
    for (size_t i = 0; i < N_NULL_VALUES; i++) {
        if (strcmp(field, null_values[i].field) == 0) {
            return lgx_buf_puts(b, null_values[i].json);
        }
    }
    return lgx_buf_puts(b, "false");
}

/* One record with the requested fields (all of null_values when fields
 * is not a list), echo_field set to the value v (a string, or an integer
 * for a many2one). */
static lgx_err_t null_record(lgx_buf_t *b, int64_t id, yajl_val fields,
                             const char *echo_field, yajl_val v)
{
    char echo[1024] = "";
    if (echo_field && YAJL_IS_STRING(v)) {
        lgx_buf_t *e = lgx_buf_new();
        if (!e ||
            lgx_buf_json_str(e, v->u.string, strlen(v->u.string)) != LGX_OK) {
            lgx_buf_destroy(e);
            return LGX_ERR_NOMEM;
        }
        snprintf(echo, sizeof(echo), "%s", lgx_buf_data(e));
        lgx_buf_destroy(e);
    } else if (echo_field && YAJL_IS_INTEGER(v)) {
        snprintf(echo, sizeof(echo), "%lld", (long long)YAJL_GET_INTEGER(v));
    }
    lgx_err_t err = lgx_buf_printf(b, "{\"id\":%lld", (long long)id);
    if (YAJL_IS_ARRAY(fields)) {
        for (size_t i = 0; err == LGX_OK && i < lgx_json_len(fields); i++) {
            yajl_val f = lgx_json_at(fields, i);
            if (YAJL_IS_STRING(f) && strcmp(f->u.string, "id") != 0) {
                err = null_field(b, f->u.string, echo_field, echo);
            }
        }
    } else {
        for (size_t i = 0; err == LGX_OK && i < N_NULL_VALUES; i++) {
            err = null_field(b, null_values[i].field,
                             echo[0] ? echo_field : NULL, echo);
        }
    }
    return err == LGX_OK ? lgx_buf_puts(b, "}") : err;
}

/* The domain's first condition when it is [field, "=", string] or
 * [field, "in", [...]]: its field, and its value in *values. */
static const char *null_echo(yajl_val domain, yajl_val *values)
{
    for (size_t i = 0; i < lgx_json_len(domain); i++) {
        yajl_val leaf = lgx_json_at(domain, i);
        if (!YAJL_IS_ARRAY(leaf)) {
            continue; /* "&", "|", "!" */
        }
        yajl_val f = lgx_json_at(leaf, 0), op = lgx_json_at(leaf, 1);
        yajl_val v = lgx_json_at(leaf, 2);
        if (lgx_json_len(leaf) != 3 || !YAJL_IS_STRING(f) ||
            !YAJL_IS_STRING(op)) {
            return NULL;
        }
        if ((strcmp(op->u.string, "=") == 0 && YAJL_IS_STRING(v)) ||
            (strcmp(op->u.string, "in") == 0 && YAJL_IS_ARRAY(v))) {
            *values = v;
            return f->u.string;
        }
        return NULL;
    }
    return NULL;
}

static lgx_err_t null_search_read(lgx_buf_t *b, yajl_val kw)
{
    yajl_val values = NULL;
    const char *echo = null_echo(lgx_json_get(kw, "domain"), &values);
    yajl_val fields = lgx_json_get(kw, "fields");
    int64_t limit = 0;
    lgx_json_get_int(kw, "limit", &limit);
    lgx_err_t err = lgx_buf_puts(b, "[");
    if (!echo) {
        err = err == LGX_OK ? null_record(b, 1, fields, NULL, NULL) : err;
    } else if (YAJL_IS_STRING(values)) {
        err = err == LGX_OK ? null_record(b, 1, fields, echo, values) : err;
    } else {
        /* One record per value; per distinct value for integers (the
         * moves of pickings that are all record 1). */
        size_t n = 0;
        for (size_t i = 0; err == LGX_OK && i < lgx_json_len(values) &&
                           (limit <= 0 || (int64_t)n < limit);
             i++) {
            yajl_val v = lgx_json_at(values, i);
            bool again = false;
            for (size_t j = 0; YAJL_IS_INTEGER(v) && j < i; j++) {
                yajl_val w = lgx_json_at(values, j);
                again = again || (YAJL_IS_INTEGER(w) &&
                                  YAJL_GET_INTEGER(w) == YAJL_GET_INTEGER(v));
            }
            if ((YAJL_IS_STRING(v) || YAJL_IS_INTEGER(v)) && !again) {
                err = n++ ? lgx_buf_puts(b, ",") : LGX_OK;
                err = err == LGX_OK ? null_record(b, 1, fields, echo, v) : err;
            }
        }
    }
    return err == LGX_OK ? lgx_buf_puts(b, "]") : err;
}

static lgx_err_t null_read(lgx_buf_t *b, yajl_val kw, const int64_t *ids,
                           size_t n_ids)
{
    lgx_err_t err = lgx_buf_puts(b, "[");
    for (size_t i = 0; err == LGX_OK && i < n_ids; i++) {
        err = i ? lgx_buf_puts(b, ",") : LGX_OK;
        err = err == LGX_OK ? null_record(b, ids[i], lgx_json_get(kw, "fields"),
                                          NULL, NULL)
                            : err;
    }
    return err == LGX_OK ? lgx_buf_puts(b, "]") : err;
}

/* fields_get: what lgx needs of model (lgx_setup_reqs), with its type,
 * so that the start-up check passes whatever the consumer needs. */
static lgx_err_t null_fields_get(lgx_buf_t *b, const char *model)
{
    lgx_err_t err = lgx_buf_puts(b, "{");
    bool first = true;
    for (size_t i = 0; err == LGX_OK && i < LGX_SETUP_N_REQS; i++) {
        const lgx_setup_req_t *r = &lgx_setup_reqs[i];
        if (!r->field || strcmp(r->model, model) != 0) {
            continue;
        }
        err = lgx_buf_puts(b, first ? "" : ",");
        err = err == LGX_OK ? lgx_buf_json_str(b, r->field, strlen(r->field))
                            : err;
        err = err == LGX_OK ? lgx_buf_puts(b, ":{\"type\":") : err;
        err = err == LGX_OK ? lgx_buf_json_str(b, r->ttype, strlen(r->ttype))
                            : err;
        err = err == LGX_OK ? lgx_buf_puts(b, "}") : err;
        first = false;
    }
    return err == LGX_OK ? lgx_buf_puts(b, "}") : err;
}

/* create: one new id per value of vals_list. */
static lgx_err_t null_create(lgx_buf_t *b, yajl_val kw)
{
    yajl_val vals = lgx_json_get(kw, "vals_list");
    size_t n = YAJL_IS_ARRAY(vals) ? lgx_json_len(vals) : 1;
    lgx_err_t err = lgx_buf_puts(b, "[");
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        err = lgx_buf_printf(b, "%s%zu", i ? "," : "", i + 1);
    }
    return err == LGX_OK ? lgx_buf_puts(b, "]") : err;
}

lgx_err_t lgx_odoo_null_answer(lgx_buf_t *b, const char *model,
                               const char *method, const int64_t *ids,
                               size_t n_ids, const char *kwargs)
{
    lgx_buf_reset(b);
    bool search_read = strcmp(method, "search_read") == 0;
    bool read = strcmp(method, "read") == 0;
    bool create = strcmp(method, "create") == 0;
    yajl_val kw = NULL;
    if ((search_read || read || create) && kwargs) {
        char perr[128];
        kw = lgx_json_parse(kwargs, strlen(kwargs), perr, sizeof(perr));
    }
    lgx_err_t err;
    if (search_read) {
        err = null_search_read(b, kw);
    } else if (read) {
        err = null_read(b, kw, ids, n_ids);
    } else if (create) {
        err = null_create(b, kw);
    } else if (strcmp(method, "fields_get") == 0) {
        err = null_fields_get(b, model);
    } else if (strcmp(method, "search_count") == 0) {
        err = lgx_buf_puts(b, "0");
    } else if (strcmp(method, "search") == 0) {
        err = lgx_buf_puts(b, "[1]");
    } else if (strcmp(method, "message_post") == 0) {
        err = lgx_buf_puts(b, "1");
    } else if (strcmp(method, "context_get") == 0) {
        err = lgx_buf_puts(b, "{\"lang\":\"en_US\",\"tz\":\"UTC\",\"uid\":2}");
    } else {
        err = lgx_buf_puts(b, "true");
    }
    yajl_tree_free(kw);
    return err;
}
