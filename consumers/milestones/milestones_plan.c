#include "milestones_plan.h"

#include <ctype.h>
#include <string.h>

#include "lgx_time.h"

bool milestones_is_newer(int64_t occurred_at, const char *milestone_at)
{
    int64_t at = 0;
    if (!milestone_at || !lgx_time_parse_odoo(milestone_at, &at)) {
        return true;
    }
    return occurred_at / 1000 > at / 1000;
}

bool milestones_wants_activity(const char *code)
{
    return strcmp(code, "EXCEPTION") == 0 ||
           strcmp(code, "DELIVERY_ATTEMPTED") == 0;
}

/* Appends "YYYY-MM-DD HH:MM UTC" for ms. */
static lgx_err_t put_time(lgx_buf_t *out, int64_t ms)
{
    char t[20];
    lgx_time_odoo(ms, t);
    return lgx_buf_printf(out, "%.16s UTC", t);
}

/* Appends s in capitals ("dhl" -> "DHL"). */
static lgx_err_t put_upper(lgx_buf_t *out, const char *s)
{
    lgx_err_t err = LGX_OK;
    for (; err == LGX_OK && *s; s++) {
        char c = (char)toupper((unsigned char)*s);
        err = lgx_buf_append(out, &c, 1);
    }
    return err;
}

/* "CODE at location (time)" */
static lgx_err_t put_what(lgx_buf_t *out, const milestone_t *m)
{
    lgx_err_t err = lgx_buf_puts(out, m->code);
    if (err == LGX_OK && m->location) {
        err = lgx_buf_printf(out, " at %s", m->location);
    }
    err = err == LGX_OK ? lgx_buf_puts(out, " (") : err;
    err = err == LGX_OK ? put_time(out, m->occurred_at) : err;
    return err == LGX_OK ? lgx_buf_puts(out, ")") : err;
}

lgx_err_t milestones_note(lgx_buf_t *out, const milestone_t *m)
{
    lgx_buf_reset(out);
    lgx_err_t err = lgx_buf_puts(out, "Carrier ");
    err = err == LGX_OK ? put_upper(out, m->carrier) : err;
    err = err == LGX_OK ? lgx_buf_puts(out, ": ") : err;
    err = err == LGX_OK ? put_what(out, m) : err;
    if (err == LGX_OK && m->exception_reason) {
        err = lgx_buf_printf(out, ": %s", m->exception_reason);
    }
    if (err == LGX_OK && m->eta >= 0) {
        err = lgx_buf_puts(out, "; ETA ");
        err = err == LGX_OK ? put_time(out, m->eta) : err;
    }
    return err;
}

lgx_err_t milestones_activity(lgx_buf_t *summary, lgx_buf_t *text,
                              const milestone_t *m)
{
    lgx_buf_reset(summary);
    lgx_buf_reset(text);
    lgx_err_t err =
        lgx_buf_printf(summary, "Parcel %s: %s", m->tracking_ref, m->code);
    err = err == LGX_OK ? lgx_buf_puts(text, "Carrier ") : err;
    err = err == LGX_OK ? put_upper(text, m->carrier) : err;
    err = err == LGX_OK ? lgx_buf_puts(text, " reports ") : err;
    err = err == LGX_OK ? put_what(text, m) : err;
    if (err == LGX_OK) {
        err = lgx_buf_printf(text, ": %s. Please follow up with the customer.",
                             m->exception_reason ? m->exception_reason
                                                 : "no reason given");
    }
    return err;
}
