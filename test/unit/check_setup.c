/*
 * Unit tests for lgx_setup and its table lgx_setup_reqs, against a fake
 * Odoo in the process (the client's answer hook): a static model of
 * which models and fields exist, answering fields_get, ir.model's and
 * ir.model.fields' search_read, create and write as Odoo's JSON-2 would,
 * and recording every call it gets.
 *
 * The hook answers with HTTP 200 only, so the fake cannot answer a model
 * it does not have as Odoo's JSON-2 does (404): a fields_get on such a
 * model gets a body that is not JSON (an unclassified Odoo error). A
 * refusal is the hook's return code (LGX_ERR_ODOO_ACCESS).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "lgx_setup.h"
#include "lgx_setup_reqs.h"

Suite *setup_suite(void);

#define FAKE_MAX_MODELS 16
#define FAKE_MAX_FIELDS 64
#define FAKE_MAX_CALLS 64
/* ir.model.fields ids are the field's index plus this. */
#define FAKE_FIELD_ID0 100

typedef struct fake_field {
    char model[64];
    char name[64];
    char type[32];
    bool copied;
} fake_field_t;

typedef struct fake_call {
    char model[64];
    char method[32];
    char kwargs[1024];
    int64_t ids[FAKE_MAX_FIELDS];
    size_t n_ids;
} fake_call_t;

/* The fake Odoo. A model's id is its index plus 1. */
static struct {
    char models[FAKE_MAX_MODELS][64];
    size_t n_models;
    fake_field_t fields[FAKE_MAX_FIELDS];
    size_t n_fields;
    fake_call_t calls[FAKE_MAX_CALLS];
    size_t n_calls;
    /* search_read on ir.model.fields fails with this, unless LGX_OK */
    lgx_err_t fields_read_refused;
} fake;

static int64_t fake_model_id(const char *model)
{
    for (size_t i = 0; i < fake.n_models; i++) {
        if (strcmp(fake.models[i], model) == 0) {
            return (int64_t)i + 1;
        }
    }
    return 0;
}

static void fake_add_model(const char *model)
{
    if (!fake_model_id(model)) {
        ck_assert_uint_lt(fake.n_models, FAKE_MAX_MODELS);
        snprintf(fake.models[fake.n_models++], sizeof(fake.models[0]), "%s",
                 model);
    }
}

static void fake_add_field(const char *model, const char *name,
                           const char *type, bool copied)
{
    ck_assert_uint_lt(fake.n_fields, FAKE_MAX_FIELDS);
    fake_field_t *f = &fake.fields[fake.n_fields++];
    snprintf(f->model, sizeof(f->model), "%s", model);
    snprintf(f->name, sizeof(f->name), "%s", name);
    snprintf(f->type, sizeof(f->type), "%s", type);
    f->copied = copied;
}

static fake_field_t *fake_field(const char *model, const char *name)
{
    for (size_t i = 0; i < fake.n_fields; i++) {
        if (strcmp(fake.fields[i].model, model) == 0 &&
            strcmp(fake.fields[i].name, name) == 0) {
            return &fake.fields[i];
        }
    }
    return NULL;
}

/* An Odoo with everything lgx needs, and the model an older lgx made. */
static void fake_reset(void)
{
    memset(&fake, 0, sizeof(fake));
    for (size_t i = 0; i < LGX_SETUP_N_REQS; i++) {
        const lgx_setup_req_t *r = &lgx_setup_reqs[i];
        fake_add_model(r->model);
        if (r->field) {
            fake_add_field(r->model, r->field, r->ttype, false);
        }
    }
    fake_add_model("x_lgx_ledger");
}

/* The model is no more (its fields stay, out of reach). */
static void fake_drop_model(const char *model)
{
    int64_t id = fake_model_id(model);
    ck_assert_int_gt(id, 0);
    snprintf(fake.models[id - 1], sizeof(fake.models[0]), "(dropped)");
}

static void fake_drop(const char *model, const char *name)
{
    fake_field_t *f = fake_field(model, name);
    ck_assert_ptr_nonnull(f);
    *f = fake.fields[--fake.n_fields];
}

static void fake_record(const char *model, const char *method,
                        const int64_t *ids, size_t n_ids, const char *kwargs)
{
    ck_assert_uint_lt(fake.n_calls, FAKE_MAX_CALLS);
    fake_call_t *c = &fake.calls[fake.n_calls++];
    snprintf(c->model, sizeof(c->model), "%s", model);
    snprintf(c->method, sizeof(c->method), "%s", method);
    snprintf(c->kwargs, sizeof(c->kwargs), "%s", kwargs ? kwargs : "");
    for (size_t i = 0; i < n_ids && i < FAKE_MAX_FIELDS; i++) {
        c->ids[c->n_ids++] = ids[i];
    }
}

/* fields_get: {"name":{"type":...}} of the model, or a body that is not
 * JSON for a model the fake does not have. */
static lgx_err_t fake_fields_get(lgx_buf_t *b, const char *model)
{
    if (!fake_model_id(model)) {
        return lgx_buf_puts(b, "<html>404 Not Found</html>");
    }
    lgx_err_t rc = lgx_buf_puts(b, "{");
    bool first = true;
    for (size_t i = 0; rc == LGX_OK && i < fake.n_fields; i++) {
        const fake_field_t *f = &fake.fields[i];
        if (strcmp(f->model, model) == 0) {
            rc = lgx_buf_printf(b, "%s\"%s\":{\"type\":\"%s\"}",
                                first ? "" : ",", f->name, f->type);
            first = false;
        }
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "}") : rc;
}

/* ir.model search_read on [["model","in",[...]]]: the models it has. */
static lgx_err_t fake_models_read(lgx_buf_t *b, yajl_val kw)
{
    yajl_val leaf = lgx_json_at(lgx_json_get(kw, "domain"), 0);
    yajl_val names = lgx_json_at(leaf, 2);
    lgx_err_t rc = lgx_buf_puts(b, "[");
    bool first = true;
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(names); i++) {
        const char *name = YAJL_GET_STRING(lgx_json_at(names, i));
        int64_t id = name ? fake_model_id(name) : 0;
        if (id) {
            rc = lgx_buf_printf(b, "%s{\"id\":%lld,\"model\":\"%s\"}",
                                first ? "" : ",", (long long)id, name);
            first = false;
        }
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
}

/* ir.model.fields search_read, as lgx_setup asks it: lgx's fields of
 * stock.picking that are copied. */
static lgx_err_t fake_fields_read(lgx_buf_t *b)
{
    if (fake.fields_read_refused != LGX_OK) {
        return fake.fields_read_refused;
    }
    lgx_err_t rc = lgx_buf_puts(b, "[");
    bool first = true;
    for (size_t i = 0; rc == LGX_OK && i < fake.n_fields; i++) {
        const fake_field_t *f = &fake.fields[i];
        if (f->copied && strcmp(f->model, "stock.picking") == 0 &&
            strncmp(f->name, "x_lgx_", 6) == 0) {
            rc = lgx_buf_printf(b, "%s{\"id\":%zu,\"name\":\"%s\"}",
                                first ? "" : ",", i + FAKE_FIELD_ID0, f->name);
            first = false;
        }
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
}

/* ir.model.fields create: one field per value of vals_list. */
static lgx_err_t fake_fields_create(lgx_buf_t *b, yajl_val kw)
{
    yajl_val vals = lgx_json_get(kw, "vals_list");
    lgx_err_t rc = lgx_buf_puts(b, "[");
    for (size_t i = 0; rc == LGX_OK && i < lgx_json_len(vals); i++) {
        yajl_val v = lgx_json_at(vals, i);
        int64_t mid = 0;
        const char *name = lgx_json_get_str(v, "name");
        const char *type = lgx_json_get_str(v, "ttype");
        ck_assert(lgx_json_get_int(v, "model_id", &mid));
        ck_assert(mid >= 1 && (size_t)mid <= fake.n_models);
        ck_assert(name && type);
        fake_add_field(fake.models[mid - 1], name, type,
                       YAJL_IS_TRUE(lgx_json_get(v, "copied")));
        rc = lgx_buf_printf(b, "%s%zu", i ? "," : "",
                            fake.n_fields - 1 + FAKE_FIELD_ID0);
    }
    return rc == LGX_OK ? lgx_buf_puts(b, "]") : rc;
}

/* ir.model.fields write of {"vals":{"copied":...}} on ids. */
static lgx_err_t fake_fields_write(lgx_buf_t *b, const int64_t *ids,
                                   size_t n_ids, yajl_val kw)
{
    yajl_val copied = lgx_json_get(lgx_json_get(kw, "vals"), "copied");
    ck_assert(YAJL_IS_TRUE(copied) || YAJL_IS_FALSE(copied));
    for (size_t i = 0; i < n_ids; i++) {
        ck_assert(ids[i] >= FAKE_FIELD_ID0 &&
                  (size_t)(ids[i] - FAKE_FIELD_ID0) < fake.n_fields);
        fake.fields[ids[i] - FAKE_FIELD_ID0].copied = YAJL_IS_TRUE(copied);
    }
    return lgx_buf_puts(b, "true");
}

static bool is(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* The answer hook: records the call, then answers it from the model. A
 * method the fake does not know gets a body that is not JSON. */
static lgx_err_t fake_answer(lgx_buf_t *b, const char *model,
                             const char *method, const int64_t *ids,
                             size_t n_ids, const char *kwargs)
{
    fake_record(model, method, ids, n_ids, kwargs);
    lgx_buf_reset(b);
    char perr[128];
    yajl_val kw =
        kwargs ? lgx_json_parse(kwargs, strlen(kwargs), perr, sizeof(perr))
               : NULL;
    bool fields = is(model, "ir.model.fields");
    lgx_err_t rc;
    if (is(method, "context_get")) {
        rc = lgx_buf_puts(b, "{\"lang\":\"en_US\",\"tz\":\"UTC\",\"uid\":2}");
    } else if (is(method, "fields_get")) {
        rc = fake_fields_get(b, model);
    } else if (is(method, "search_read") && is(model, "ir.model")) {
        rc = fake_models_read(b, kw);
    } else if (is(method, "search_read") && fields) {
        rc = fake_fields_read(b);
    } else if (is(method, "create") && fields) {
        rc = fake_fields_create(b, kw);
    } else if (is(method, "write") && fields) {
        rc = fake_fields_write(b, ids, n_ids, kw);
    } else {
        rc = lgx_buf_puts(b, "the fake Odoo has no such method");
    }
    yajl_tree_free(kw);
    return rc;
}

/* How many recorded calls are model.method (NULL: any model). */
static size_t calls_to(const char *model, const char *method)
{
    size_t n = 0;
    for (size_t i = 0; i < fake.n_calls; i++) {
        n += (!model || is(fake.calls[i].model, model)) &&
             is(fake.calls[i].method, method);
    }
    return n;
}

/* The first recorded call of model.method. */
static const fake_call_t *call_of(const char *model, const char *method)
{
    for (size_t i = 0; i < fake.n_calls; i++) {
        if (is(fake.calls[i].model, model) &&
            is(fake.calls[i].method, method)) {
            return &fake.calls[i];
        }
    }
    ck_abort_msg("no call %s.%s", model, method);
    return NULL;
}

/* ---- fixture: the fake, a client connected to it, a log ---- */

static lgx_odoo_t *odoo;
static lgx_odoo_error_t err;
static lgx_log_t *lg;
static FILE *log_out;
static char *log_data;
static size_t log_size;
static lgx_buf_t *missing;

static void setup(void)
{
    fake_reset();
    log_out = open_memstream(&log_data, &log_size);
    ck_assert_ptr_nonnull(log_out);
    lg = lgx_log_new("lgx-check", LGX_LOG_INFO, log_out);
    ck_assert_ptr_nonnull(lg);
    lgx_odoo_conf_t conf = {.answer = fake_answer, .cache_size = 10};
    char errstr[256] = "";
    odoo = lgx_odoo_new(&conf, lg, errstr, sizeof(errstr));
    ck_assert_msg(odoo != NULL, "%s", errstr);
    ck_assert_int_eq(lgx_odoo_connect(odoo, &err), LGX_OK);
    missing = lgx_buf_new();
    ck_assert_ptr_nonnull(missing);
    fake.n_calls = 0; /* connect's context_get */
}

static void teardown(void)
{
    lgx_buf_destroy(missing);
    lgx_odoo_destroy(odoo);
    lgx_log_destroy(lg);
    fclose(log_out);
    free(log_data);
    log_data = NULL;
}

static const char *log_text(void)
{
    fflush(log_out);
    return log_data ? log_data : "";
}

/* lgx_setup_check of wanted, which must run; the number missing. */
static size_t check_missing(const char *const *wanted)
{
    size_t n = 99;
    lgx_buf_reset(missing);
    ck_assert_int_eq(lgx_setup_check(odoo, wanted, missing, &n, &err), LGX_OK);
    return n;
}

/* lgx_setup_apply of wanted, which must run, create want_created items
 * and find want_impossible that cannot be created. */
static void apply_expect(const char *const *wanted, size_t want_created,
                         size_t want_impossible)
{
    size_t created = 99, impossible = 99;
    lgx_err_t rc =
        lgx_setup_apply(odoo, wanted, lg, &created, &impossible, &err);
    ck_assert_msg(rc == LGX_OK, "apply: %s (%s)", lgx_err_name(rc),
                  err.message);
    ck_assert_uint_eq(created, want_created);
    ck_assert_uint_eq(impossible, want_impossible);
}

/* ---- check ---- */

START_TEST(test_setup_check_complete_finds_nothing)
{
    ck_assert_uint_eq(check_missing(NULL), 0);
    ck_assert_uint_eq(lgx_buf_len(missing), 0);
    /* Only fields_get, once per model: no administration rights. */
    ck_assert_uint_eq(calls_to(NULL, "fields_get"), fake.n_calls);
    ck_assert_uint_eq(calls_to("stock.picking", "fields_get"), 1);
    ck_assert_uint_eq(calls_to("ir.model", "search_read"), 0);
}
END_TEST

START_TEST(test_setup_check_lists_missing_custom_field)
{
    fake_drop("stock.picking", "x_lgx_eta");
    ck_assert_uint_eq(check_missing(NULL), 1);
    ck_assert_str_eq(lgx_buf_data(missing),
                     "stock.picking.x_lgx_eta (datetime, lgx: carrier ETA): "
                     "field missing; lgx-odoo-setup creates it\n");
}
END_TEST

START_TEST(test_setup_check_lists_missing_standard_field)
{
    fake_drop("stock.move", "picked");
    ck_assert_uint_eq(check_missing(NULL), 1);
    ck_assert_str_eq(lgx_buf_data(missing),
                     "stock.move.picked (boolean, Picked): field missing; "
                     "needs Odoo 17 or later with the stock module\n");
}
END_TEST

START_TEST(test_setup_check_field_of_another_type)
{
    snprintf(fake_field("stock.picking", "x_lgx_eta")->type,
             sizeof(fake.fields[0].type), "char");
    ck_assert_uint_eq(check_missing(NULL), 1);
    ck_assert_ptr_nonnull(strstr(lgx_buf_data(missing),
                                 "x_lgx_eta (datetime, lgx: carrier ETA): "
                                 "field has another type"));
}
END_TEST

START_TEST(test_setup_check_only_wanted)
{
    fake_drop("stock.picking", "x_lgx_eta");
    fake_drop("stock.move", "picked");
    const char *const wanted[] = {"stock.picking.x_lgx_eta", NULL};
    ck_assert_uint_eq(check_missing(wanted), 1);
    ck_assert_ptr_nonnull(strstr(lgx_buf_data(missing), "x_lgx_eta"));
    ck_assert_ptr_null(strstr(lgx_buf_data(missing), "picked"));
    /* Only the model of what is wanted is asked. */
    ck_assert_uint_eq(fake.n_calls, 1);
    ck_assert_uint_eq(calls_to("stock.picking", "fields_get"), 1);
}
END_TEST

START_TEST(test_setup_check_counts_without_a_buffer)
{
    fake_drop("stock.picking", "x_lgx_eta");
    fake_drop("stock.move.line", "lot_id");
    size_t n = 0;
    ck_assert_int_eq(lgx_setup_check(odoo, NULL, NULL, &n, &err), LGX_OK);
    ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_setup_check_stops_on_odoo_error)
{
    /* A model the fake lacks gets an answer that is no JSON: the error
     * that stopped the check is returned. */
    fake_drop_model("stock.lot");
    size_t n = 0;
    lgx_err_t rc = lgx_setup_check(odoo, NULL, missing, &n, &err);
    ck_assert_int_eq(rc, LGX_ERR_ODOO_UNKNOWN);
    ck_assert_int_eq(err.code, rc);
    ck_assert_str_eq(err.name, "invalid_response");
}
END_TEST

/* ---- apply ---- */

START_TEST(test_setup_apply_creates_missing_custom_field)
{
    fake_drop("stock.picking", "x_lgx_eta");
    apply_expect(NULL, 1, 0);
    ck_assert_uint_eq(calls_to(NULL, "create"), 1);

    const fake_call_t *c = call_of("ir.model.fields", "create");
    char perr[128];
    yajl_val kw =
        lgx_json_parse(c->kwargs, strlen(c->kwargs), perr, sizeof(perr));
    ck_assert_msg(kw != NULL, "%s: %s", c->kwargs, perr);
    yajl_val vals = lgx_json_get(kw, "vals_list");
    ck_assert_uint_eq(lgx_json_len(vals), 1);
    yajl_val v = lgx_json_at(vals, 0);
    int64_t mid = 0;
    ck_assert(lgx_json_get_int(v, "model_id", &mid));
    ck_assert_int_eq(mid, fake_model_id("stock.picking"));
    ck_assert_str_eq(lgx_json_get_str(v, "name"), "x_lgx_eta");
    ck_assert_str_eq(lgx_json_get_str(v, "ttype"), "datetime");
    ck_assert_str_eq(lgx_json_get_str(v, "field_description"),
                     "lgx: carrier ETA");
    ck_assert_str_eq(lgx_json_get_str(v, "state"), "manual");
    ck_assert(YAJL_IS_FALSE(lgx_json_get(v, "copied")));
    yajl_tree_free(kw);

    ck_assert_ptr_nonnull(
        strstr(log_text(), "created field stock.picking.x_lgx_eta"));
    ck_assert_uint_eq(check_missing(NULL), 0);
}
END_TEST

START_TEST(test_setup_apply_again_creates_nothing)
{
    fake_drop("stock.picking", "x_lgx_eta");
    fake_drop("stock.move", "x_lgx_quantity");
    apply_expect(NULL, 2, 0);
    fake.n_calls = 0;
    apply_expect(NULL, 0, 0);
    ck_assert_uint_eq(calls_to(NULL, "create"), 0);
}
END_TEST

START_TEST(test_setup_apply_complete_creates_nothing)
{
    apply_expect(NULL, 0, 0);
    ck_assert_uint_eq(calls_to(NULL, "create"), 0);
    /* ir.model (Administration / Access Rights) is not read. */
    ck_assert_uint_eq(calls_to("ir.model", "search_read"), 0);
}
END_TEST

START_TEST(test_setup_apply_standard_missing_is_impossible)
{
    fake_drop("stock.move", "picked");
    apply_expect(NULL, 0, 1);
    ck_assert_uint_eq(calls_to(NULL, "create"), 0);
    ck_assert_ptr_nonnull(strstr(log_text(), "stock.move.picked"));
}
END_TEST

START_TEST(test_setup_apply_uncopies_older_fields)
{
    /* Fields an older lgx-odoo-setup made were copied to backorders. */
    fake_field("stock.picking", "x_lgx_eta")->copied = true;
    fake_field("stock.picking", "x_lgx_receiver")->copied = true;
    apply_expect(NULL, 0, 0);
    ck_assert_uint_eq(calls_to(NULL, "write"), 1);
    const fake_call_t *c = call_of("ir.model.fields", "write");
    ck_assert_uint_eq(c->n_ids, 2);
    ck_assert_str_eq(c->kwargs, "{\"vals\":{\"copied\":false}}");
    ck_assert(!fake_field("stock.picking", "x_lgx_eta")->copied);
    ck_assert(!fake_field("stock.picking", "x_lgx_receiver")->copied);
    ck_assert_ptr_nonnull(strstr(log_text(), "2 lgx field(s)"));
}
END_TEST

START_TEST(test_setup_apply_goes_on_when_fields_unreadable)
{
    /* A user without Access Rights may not read ir.model.fields. */
    fake.fields_read_refused = LGX_ERR_ODOO_ACCESS;
    fake_field("stock.picking", "x_lgx_eta")->copied = true;
    apply_expect(NULL, 0, 0);
    ck_assert_uint_eq(calls_to("ir.model.fields", "search_read"), 1);
    ck_assert_uint_eq(calls_to(NULL, "write"), 0);
}
END_TEST

START_TEST(test_setup_apply_names_retired_model_and_keeps_it)
{
    apply_expect(NULL, 0, 0);
    ck_assert_uint_eq(calls_to("x_lgx_ledger", "fields_get"), 1);
    ck_assert_ptr_nonnull(strstr(log_text(), "model x_lgx_ledger is in Odoo"));
    /* Kept: nothing but fields_get is asked of it. */
    for (size_t i = 0; i < fake.n_calls; i++) {
        ck_assert(!is(fake.calls[i].model, "x_lgx_ledger") ||
                  is(fake.calls[i].method, "fields_get"));
        ck_assert_ptr_null(strstr(fake.calls[i].method, "unlink"));
    }
}
END_TEST

START_TEST(test_setup_apply_wanted_skips_retired)
{
    fake_drop("stock.picking", "x_lgx_eta");
    fake_drop("stock.picking", "x_lgx_receiver");
    const char *const wanted[] = {"stock.picking.x_lgx_receiver", NULL};
    apply_expect(wanted, 1, 0);
    ck_assert_ptr_nonnull(fake_field("stock.picking", "x_lgx_receiver"));
    ck_assert_ptr_null(fake_field("stock.picking", "x_lgx_eta"));
    ck_assert_uint_eq(calls_to("x_lgx_ledger", "fields_get"), 0);
}
END_TEST

/* ---- the table ---- */

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static bool is_custom(const lgx_setup_req_t *r)
{
    return strncmp(r->field ? r->field : r->model, "x_", 2) == 0;
}

START_TEST(test_setup_describe_one_row_per_requirement)
{
    lgx_buf_t *md = lgx_buf_new();
    ck_assert_ptr_nonnull(md);
    lgx_setup_describe(md);
    const char *text = lgx_buf_data(md);
    ck_assert_ptr_eq(strstr(text, "| model | field | type | what |\n"
                                  "| --- | --- | --- | --- |\n"),
                     text);
    /* Every line is a row: the header, the rule, then one per item. */
    ck_assert_uint_eq(count_of(text, "\n"), LGX_SETUP_N_REQS + 2);
    ck_assert_uint_eq(count_of(text, "\n| "), LGX_SETUP_N_REQS + 1);
    size_t custom = 0;
    for (size_t i = 0; i < LGX_SETUP_N_REQS; i++) {
        const lgx_setup_req_t *r = &lgx_setup_reqs[i];
        char row[512];
        snprintf(row, sizeof(row), "| %s | %s | %s | %s%s |\n", r->model,
                 r->field ? r->field : "(model)", r->ttype ? r->ttype : "",
                 r->label, is_custom(r) ? " (custom, created by setup)" : "");
        ck_assert_msg(strstr(text, row), "no row %s", row);
        custom += is_custom(r);
    }
    ck_assert_uint_gt(custom, 0);
    ck_assert_uint_eq(count_of(text, " (custom, created by setup) |"), custom);
    lgx_buf_destroy(md);
}
END_TEST

START_TEST(test_setup_reqs_filled_and_distinct)
{
    ck_assert_uint_eq(sizeof(lgx_setup_reqs) / sizeof(lgx_setup_reqs[0]),
                      LGX_SETUP_N_REQS);
    for (size_t i = 0; i < LGX_SETUP_N_REQS; i++) {
        const lgx_setup_req_t *r = &lgx_setup_reqs[i];
        ck_assert_msg(r->model && r->label && r->label[0], "row %zu", i);
        ck_assert_msg(!r->field || (r->ttype && r->ttype[0]), "row %zu", i);
        /* lgx's own fields carry its prefix. */
        ck_assert(!is_custom(r) || strncmp(r->field, "x_lgx_", 6) == 0);
        for (size_t j = 0; j < i; j++) {
            const lgx_setup_req_t *o = &lgx_setup_reqs[j];
            ck_assert_msg(
                !is(r->model, o->model) ||
                    !is(r->field ? r->field : "", o->field ? o->field : ""),
                "row %zu repeats row %zu", i, j);
        }
    }
}
END_TEST

START_TEST(test_setup_retired_model_not_required)
{
    const char *const *retired = lgx_setup_retired();
    ck_assert_ptr_nonnull(retired[0]);
    ck_assert_str_eq(retired[0], "x_lgx_ledger");
    for (const char *const *m = retired; *m; m++) {
        for (size_t i = 0; i < LGX_SETUP_N_REQS; i++) {
            ck_assert_str_ne(lgx_setup_reqs[i].model, *m);
        }
    }
}
END_TEST

Suite *setup_suite(void)
{
    Suite *s = suite_create("setup");

    TCase *tc_check = tcase_create("check");
    tcase_add_checked_fixture(tc_check, setup, teardown);
    tcase_add_test(tc_check, test_setup_check_complete_finds_nothing);
    tcase_add_test(tc_check, test_setup_check_lists_missing_custom_field);
    tcase_add_test(tc_check, test_setup_check_lists_missing_standard_field);
    tcase_add_test(tc_check, test_setup_check_field_of_another_type);
    tcase_add_test(tc_check, test_setup_check_only_wanted);
    tcase_add_test(tc_check, test_setup_check_counts_without_a_buffer);
    tcase_add_test(tc_check, test_setup_check_stops_on_odoo_error);
    suite_add_tcase(s, tc_check);

    TCase *tc_apply = tcase_create("apply");
    tcase_add_checked_fixture(tc_apply, setup, teardown);
    tcase_add_test(tc_apply, test_setup_apply_creates_missing_custom_field);
    tcase_add_test(tc_apply, test_setup_apply_again_creates_nothing);
    tcase_add_test(tc_apply, test_setup_apply_complete_creates_nothing);
    tcase_add_test(tc_apply, test_setup_apply_standard_missing_is_impossible);
    tcase_add_test(tc_apply, test_setup_apply_uncopies_older_fields);
    tcase_add_test(tc_apply, test_setup_apply_goes_on_when_fields_unreadable);
    tcase_add_test(tc_apply, test_setup_apply_names_retired_model_and_keeps_it);
    tcase_add_test(tc_apply, test_setup_apply_wanted_skips_retired);
    suite_add_tcase(s, tc_apply);

    TCase *tc_table = tcase_create("table");
    tcase_add_test(tc_table, test_setup_describe_one_row_per_requirement);
    tcase_add_test(tc_table, test_setup_reqs_filled_and_distinct);
    tcase_add_test(tc_table, test_setup_retired_model_not_required);
    suite_add_tcase(s, tc_table);

    return s;
}
