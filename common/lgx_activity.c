#include "lgx_activity.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    lgx_err_t err = !d      ? LGX_ERR_NOMEM
                    : by_id ? lgx_buf_printf(d, "[[\"id\",\"=\",%lld]]", id)
                            : lgx_buf_puts(d, "[[\"login\",\"=\",");
    if (err == LGX_OK && !by_id) {
        err = lgx_buf_json_str(d, text, strlen(text));
        err = err == LGX_OK ? lgx_buf_puts(d, "]]") : err;
    }
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
