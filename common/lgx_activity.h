/*
 * lgx_activity: who gets the activities lgx schedules, and by when.
 *
 * Each activity has a kind (exception, failed_delivery, shortage,
 * discrepancy, sla, cancelled). Its user is the one configured for its kind
 * (--activity-users), else the picking's responsible (stock.picking
 * user_id, read with the picking), else the default user
 * (--activity-user), else the user lgx logs in to Odoo as. Its deadline is
 * today (UTC) plus the days configured for its kind (--activity-deadlines, 0
 * when not listed).
 *
 * lgx_activity_schedule creates such To-Do activities on pickings, once
 * per picking and summary; it answers with lgx_err_t and Odoo's error,
 * for tools as for the consumers (lgx_stock_todo turns it into a
 * verdict).
 */
#ifndef LGX_ACTIVITY_H
#define LGX_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_buf.h"
#include "lgx_config.h"
#include "lgx_err.h"
#include "lgx_odoo.h"

/* The options, as the config table fills them (NULL when unset). */
typedef struct lgx_activity_conf {
    char *user;      /* login or id of the default user */
    char *users;     /* "kind=login-or-id,..." */
    char *deadlines; /* "kind=days,..." */
} lgx_activity_conf_t;

/* The option rows of a program whose conf struct type has an
 * lgx_activity_conf_t member. */
#define LGX_ACTIVITY_OPTS(type, member)                                        \
    {"activity-user",                                                          \
     LGX_OPT_STR,                                                              \
     NULL,                                                                     \
     offsetof(type, member) + offsetof(lgx_activity_conf_t, user),             \
     "Odoo user (login or id) who gets lgx's activities when neither "         \
     "--activity-users names one for their kind nor the picking has a "        \
     "responsible (default: the user lgx logs in as)",                         \
     NULL,                                                                     \
     0},                                                                       \
        {"activity-users",                                                     \
         LGX_OPT_STR,                                                          \
         NULL,                                                                 \
         offsetof(type, member) + offsetof(lgx_activity_conf_t, users),        \
         "Odoo user per activity kind, before the picking's responsible: "     \
         "comma-separated kind=login-or-id (kinds: exception, "                \
         "failed_delivery, shortage, discrepancy, sla, cancelled)",            \
         NULL,                                                                 \
         0},                                                                   \
    {                                                                          \
        "activity-deadlines", LGX_OPT_STR, NULL,                               \
            offsetof(type, member) + offsetof(lgx_activity_conf_t, deadlines), \
            "deadline per activity kind in days from the day it is "           \
            "scheduled: "                                                      \
            "comma-separated kind=days (0..365; a kind not listed: 0, today)", \
            NULL, 0                                                            \
    }

typedef struct lgx_activity_s lgx_activity_t;

/* Checks conf and looks its users up in Odoo (res.users by login, or by
 * id), once. conf may be NULL (no user configured, deadline today); odoo
 * is used only here. NULL with errstr naming the option when conf is
 * wrong, a user is unknown or Odoo cannot be asked. Free with
 * lgx_activity_destroy. */
lgx_activity_t *lgx_activity_new(const lgx_activity_conf_t *conf,
                                 lgx_odoo_t *odoo, char *errstr,
                                 size_t errstr_size);
void lgx_activity_destroy(lgx_activity_t *a);

/* The user of an activity of kind on a picking whose responsible is
 * responsible (0: none); 0 when nobody is configured nor responsible (Odoo
 * then assigns the API user). a may be NULL. */
int64_t lgx_activity_user(const lgx_activity_t *a, const char *kind,
                          int64_t responsible);

/* The responsible of a picking record (its user_id), 0 when none. */
int64_t lgx_activity_responsible(yajl_val picking);

/* Appends ,"user_id":N (when there is one) and ,"date_deadline":"Y-M-D"
 * for such an activity to out. a may be NULL. */
lgx_err_t lgx_activity_vals(const lgx_activity_t *a, const char *kind,
                            int64_t responsible, lgx_buf_t *out) LGX_MUST_CHECK;

/* One To-Do activity to schedule on a picking. */
typedef struct lgx_activity_todo {
    int64_t picking_id;
    const char *summary;
    const char *text;    /* plain text (escaped here for the HTML note) */
    const char *kind;    /* exception, shortage, ... (above) */
    int64_t responsible; /* lgx_activity_responsible of the picking */
} lgx_activity_todo_t;

/* Schedules n To-Do activities, each on its picking unless one with the
 * same summary is open there, in two calls however many: one
 * search_read of mail.activity for those open, one create (vals_list) of
 * the others; one call (the search_read) when all are open, none when n
 * is 0. It works on a real Odoo: the document model goes in as context
 * default_res_model, from which Odoo sets the required res_model_id.
 * Each activity's user and deadline come from a (may be NULL) for its
 * kind and responsible, as lgx_activity_vals says.
 *
 * Returns LGX_OK; LGX_ERR_NOMEM (err says "nomem", *call is NULL) when
 * out of memory; or the error of the Odoo call that failed, with err as
 * Odoo answered and *call naming it ("mail.activity search_read",
 * "mail.activity create": static). call may be NULL. */
lgx_err_t lgx_activity_schedule_many(lgx_odoo_t *o, const lgx_activity_t *a,
                                     const lgx_activity_todo_t *todos, size_t n,
                                     lgx_odoo_error_t *err,
                                     const char **call) LGX_MUST_CHECK;

/* lgx_activity_schedule_many for one activity. */
lgx_err_t lgx_activity_schedule(lgx_odoo_t *o, const lgx_activity_t *a,
                                int64_t picking_id, const char *kind,
                                int64_t responsible, const char *summary,
                                const char *text, lgx_odoo_error_t *err,
                                const char **call) LGX_MUST_CHECK;

#endif
