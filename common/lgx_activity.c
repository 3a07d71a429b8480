#include "lgx_activity.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_domain.h"
#include "lgx_json.h"

static const char *const kinds[] = {"exception", "failed_delivery",
                                    "shortage",  "discrepancy",
                                    "sla",       "cancelled"};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))
#define MAX_DAYS 365

struct lgx_activity_s {
    int64_t user;           /* default user; 0 none */
    int64_t users[N_KINDS]; /* per kind; 0 none */
    long days[N_KINDS];
};

static int kind_index(const char *kind, size_t len)
{
    for (size_t i = 0; kind && i < N_KINDS; i++) {
        if (strlen(kinds[i]) == len && strncmp(kinds[i], kind, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* The id of the user named by text (a login, or digits for an id): one
 * search_read. 0 with errstr when there is none or Odoo cannot say. */
static int64_t find_user(lgx_odoo_t *odoo, const char *opt, const char *text,
                         char *errstr, size_t size)
{
    char *end;
    errno = 0;
    long long id = strtoll(text, &end, 10);
    bool by_id = *text && !*end && errno == 0 && id > 0;
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    if (by_id) {
        lgx_domain_int(&dom, "id", "=", id);
    } else {
        lgx_domain_str(&dom, "login", "=", text);
    }
    lgx_err_t err = lgx_domain_end(&dom);
    yajl_val rows = NULL;
    lgx_odoo_error_t oerr;
    int64_t uid = 0;
    if (err != LGX_OK) {
        snprintf(errstr, size, "out of memory");
    } else if (lgx_odoo_search_read(odoo, "res.users", lgx_buf_data(d),
                                    "[\"id\"]", 1, &rows, &oerr) != LGX_OK) {
        snprintf(errstr, size, "option --%s: cannot look up user '%s': %s: %s",
                 opt, text, oerr.name, oerr.message);
    } else if (!lgx_json_get_int(lgx_json_at(rows, 0), "id", &uid) ||
               uid <= 0) {
        uid = 0;
        snprintf(errstr, size, "option --%s: Odoo has no user with %s '%s'",
                 opt, by_id ? "id" : "login", text);
    }
    yajl_tree_free(rows);
    lgx_buf_destroy(d);
    return uid;
}

/* Parses one kind=value item of option opt (text[0..len)). */
static bool parse_item(lgx_activity_t *a, lgx_odoo_t *odoo, const char *opt,
                       const char *text, size_t len, char *errstr, size_t size)
{
    const char *eq = memchr(text, '=', len);
    int k = eq ? kind_index(text, (size_t)(eq - text)) : -1;
    if (k < 0) {
        snprintf(errstr, size,
                 "option --%s: '%.*s' is not kind=value with a kind among "
                 "exception, failed_delivery, shortage, discrepancy, sla, "
                 "cancelled",
                 opt, (int)len, text);
        return false;
    }
    char value[256];
    snprintf(value, sizeof(value), "%.*s", (int)(len - (size_t)(eq + 1 - text)),
             eq + 1);
    if (strcmp(opt, "activity-users") == 0) {
        return (a->users[k] = find_user(odoo, opt, value, errstr, size)) != 0;
    }
    char *end;
    errno = 0;
    long days = strtol(value, &end, 10);
    if (!value[0] || *end || errno || days < 0 || days > MAX_DAYS) {
        snprintf(errstr, size, "option --%s: '%s' for %s is not 0..%d days",
                 opt, value, kinds[k], MAX_DAYS);
        return false;
    }
    a->days[k] = days;
    return true;
}

/* Parses a comma-separated list of kind=value items of option opt. */
static bool parse_list(lgx_activity_t *a, lgx_odoo_t *odoo, const char *opt,
                       const char *text, char *errstr, size_t size)
{
    const char *p = text;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len && !parse_item(a, odoo, opt, p, len, errstr, size)) {
            return false;
        }
        p = comma ? comma + 1 : NULL;
    }
    return true;
}

lgx_activity_t *lgx_activity_new(const lgx_activity_conf_t *conf,
                                 lgx_odoo_t *odoo, char *errstr,
                                 size_t errstr_size)
{
    lgx_activity_t *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    bool ok = true;
    if (conf && conf->user && conf->user[0]) {
        a->user =
            find_user(odoo, "activity-user", conf->user, errstr, errstr_size);
        ok = a->user != 0;
    }
    ok = ok && (!conf || parse_list(a, odoo, "activity-users", conf->users,
                                    errstr, errstr_size));
    ok = ok && (!conf || parse_list(a, odoo, "activity-deadlines",
                                    conf->deadlines, errstr, errstr_size));
    /* Nobody configured: the user lgx logs in as, so that every activity
     * has someone (Odoo 19 leaves an activity without user otherwise). */
    if (ok && !a->user && odoo) {
        a->user = lgx_odoo_uid(odoo);
    }
    if (!ok) {
        lgx_activity_destroy(a);
        return NULL;
    }
    return a;
}

void lgx_activity_destroy(lgx_activity_t *a)
{
    free(a);
}

int64_t lgx_activity_user(const lgx_activity_t *a, const char *kind,
                          int64_t responsible)
{
    int k = kind ? kind_index(kind, strlen(kind)) : -1;
    if (a && k >= 0 && a->users[k]) {
        return a->users[k];
    }
    if (responsible > 0) {
        return responsible;
    }
    return a ? a->user : 0;
}

int64_t lgx_activity_responsible(yajl_val picking)
{
    int64_t id = lgx_json_m2o_id(lgx_json_get(picking, "user_id"));
    return id > 0 ? id : 0;
}

lgx_err_t lgx_activity_vals(const lgx_activity_t *a, const char *kind,
                            int64_t responsible, lgx_buf_t *out)
{
    int k = kind ? kind_index(kind, strlen(kind)) : -1;
    int64_t user = lgx_activity_user(a, kind, responsible);
    time_t t = time(NULL) + (a && k >= 0 ? a->days[k] : 0) * 86400L;
    struct tm tm;
    char day[16] = "";
    if (!gmtime_r(&t, &tm) ||
        strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0) {
        return LGX_ERR_INVALID;
    }
    lgx_err_t err = LGX_OK;
    if (user > 0) {
        err = lgx_buf_printf(out, ",\"user_id\":%lld", (long long)user);
    }
    return err == LGX_OK ? lgx_buf_printf(out, ",\"date_deadline\":\"%s\"", day)
                         : err;
}

/* The activities of todos already open (one search_read): found[i] for
 * todos[i], by picking and summary. *call names the search_read when it
 * fails. */
static lgx_err_t todos_found(lgx_odoo_t *o, const lgx_activity_todo_t *todos,
                             size_t n, bool *found, lgx_odoo_error_t *err,
                             const char **call)
{
    lgx_buf_t *d = lgx_buf_new();
    lgx_domain_t dom;
    lgx_domain_start(&dom, d);
    lgx_domain_str(&dom, "res_model", "=", "stock.picking");
    lgx_domain_in(&dom, "res_id");
    for (size_t i = 0; i < n; i++) {
        lgx_domain_item_int(&dom, todos[i].picking_id);
    }
    lgx_domain_in(&dom, "summary");
    for (size_t i = 0; i < n; i++) {
        lgx_domain_item_str(&dom, todos[i].summary);
    }
    lgx_err_t rc = lgx_domain_end(&dom);
    yajl_val rows = NULL;
    if (rc == LGX_OK) {
        rc = lgx_odoo_search_read(o, "mail.activity", lgx_buf_data(d),
                                  "[\"res_id\",\"summary\"]", 0, &rows, err);
        *call = rc == LGX_OK ? NULL : "mail.activity search_read";
    }
    lgx_buf_destroy(d);
    for (size_t i = 0; rc == LGX_OK && i < n; i++) {
        found[i] = false;
        for (size_t j = 0; j < lgx_json_len(rows) && !found[i]; j++) {
            yajl_val row = lgx_json_at(rows, j);
            int64_t res_id = 0;
            const char *summary = lgx_json_get_str(row, "summary");
            found[i] = lgx_json_get_int(row, "res_id", &res_id) &&
                       res_id == todos[i].picking_id && summary &&
                       strcmp(summary, todos[i].summary) == 0;
        }
    }
    yajl_tree_free(rows);
    return rc;
}

/* The vals_list of the todos not found, into b; *todo counts them. */
static lgx_err_t todos_vals(lgx_buf_t *b, const lgx_activity_t *a,
                            const lgx_activity_todo_t *todos, size_t n,
                            const bool *found, size_t *todo)
{
    lgx_buf_t *note = lgx_buf_new();
    lgx_err_t err = note ? lgx_buf_puts(b, "[") : LGX_ERR_NOMEM;
    *todo = 0;
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        if (found[i]) {
            continue;
        }
        lgx_buf_reset(note);
        err = lgx_buf_html_text(note, todos[i].text, false);
        err = err == LGX_OK
                  ? lgx_buf_printf(
                        b, "%s{\"res_id\":%lld,\"summary\":", *todo ? "," : "",
                        (long long)todos[i].picking_id)
                  : err;
        err = err == LGX_OK ? lgx_buf_json_str(b, todos[i].summary,
                                               strlen(todos[i].summary))
                            : err;
        err = err == LGX_OK ? lgx_buf_puts(b, ",\"note\":") : err;
        err = err == LGX_OK
                  ? lgx_buf_json_str(b, lgx_buf_data(note), lgx_buf_len(note))
                  : err;
        err = err == LGX_OK
                  ? lgx_activity_vals(a, todos[i].kind, todos[i].responsible, b)
                  : err;
        err = err == LGX_OK ? lgx_buf_puts(b, "}") : err;
        (*todo)++;
    }
    lgx_buf_destroy(note);
    return err == LGX_OK ? lgx_buf_puts(b, "]") : err;
}

lgx_err_t lgx_activity_schedule_many(lgx_odoo_t *o, const lgx_activity_t *a,
                                     const lgx_activity_todo_t *todos, size_t n,
                                     lgx_odoo_error_t *err, const char **call)
{
    const char *failed = NULL;
    if (call) {
        *call = NULL;
    }
    if (n == 0) {
        return LGX_OK;
    }
    bool *found = calloc(n, sizeof(*found));
    lgx_buf_t *b = lgx_buf_new();
    size_t todo = 0;
    lgx_err_t rc = found && b ? todos_found(o, todos, n, found, err, &failed)
                              : LGX_ERR_NOMEM;
    /* A vals_list that cannot be built (out of memory, or a deadline the
     * clock cannot write) is tried again later, as out of memory. */
    if (rc == LGX_OK && todos_vals(b, a, todos, n, found, &todo) != LGX_OK) {
        rc = LGX_ERR_NOMEM;
    }
    if (rc == LGX_OK && todo) {
        rc = lgx_odoo_create(o, "mail.activity", lgx_buf_data(b),
                             "{\"default_res_model\":\"stock.picking\"}", NULL,
                             err);
        failed = rc == LGX_OK ? NULL : "mail.activity create";
    }
    lgx_buf_destroy(b);
    free(found);
    if (rc != LGX_OK && !failed) {
        *err = (lgx_odoo_error_t){.code = rc};
        snprintf(err->name, sizeof(err->name), "nomem");
        snprintf(err->message, sizeof(err->message), "out of memory");
    }
    if (call) {
        *call = failed;
    }
    return rc;
}

lgx_err_t lgx_activity_schedule(lgx_odoo_t *o, const lgx_activity_t *a,
                                int64_t picking_id, const char *kind,
                                int64_t responsible, const char *summary,
                                const char *text, lgx_odoo_error_t *err,
                                const char **call)
{
    lgx_activity_todo_t t = {.picking_id = picking_id,
                             .summary = summary,
                             .text = text,
                             .kind = kind,
                             .responsible = responsible};
    return lgx_activity_schedule_many(o, a, &t, 1, err, call);
}
