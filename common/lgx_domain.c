#include "lgx_domain.h"

#include <string.h>

void lgx_domain_start(lgx_domain_t *d, lgx_buf_t *buf)
{
    d->buf = buf;
    d->first = true;
    d->in_list = false;
    if (!buf) {
        d->err = LGX_ERR_NOMEM;
        return;
    }
    lgx_buf_reset(buf);
    d->err = lgx_buf_puts(buf, "[");
}

static void put(lgx_domain_t *d, const char *s)
{
    if (d->err == LGX_OK) {
        d->err = lgx_buf_puts(d->buf, s);
    }
}

static void put_str(lgx_domain_t *d, const char *s)
{
    if (d->err == LGX_OK) {
        d->err = lgx_buf_json_str(d->buf, s, strlen(s));
    }
}

/* Closes an open list; then the separator before the next term. */
static void next_term(lgx_domain_t *d)
{
    if (d->in_list) {
        put(d, "]]");
        d->in_list = false;
    }
    put(d, d->first ? "" : ",");
    d->first = false;
}

/* Opens [field, op, and leaves the value to the caller. */
static void open_cond(lgx_domain_t *d, const char *field, const char *op)
{
    next_term(d);
    put(d, "[");
    put_str(d, field);
    put(d, ",");
    put_str(d, op);
    put(d, ",");
}

void lgx_domain_op(lgx_domain_t *d, const char *op)
{
    next_term(d);
    put_str(d, op);
}

void lgx_domain_str(lgx_domain_t *d, const char *field, const char *op,
                    const char *value)
{
    open_cond(d, field, op);
    put_str(d, value);
    put(d, "]");
}

void lgx_domain_int(lgx_domain_t *d, const char *field, const char *op,
                    int64_t value)
{
    open_cond(d, field, op);
    if (d->err == LGX_OK) {
        d->err = lgx_buf_printf(d->buf, "%lld]", (long long)value);
    }
}

void lgx_domain_bool(lgx_domain_t *d, const char *field, const char *op,
                     bool value)
{
    open_cond(d, field, op);
    put(d, value ? "true]" : "false]");
}

void lgx_domain_json(lgx_domain_t *d, const char *field, const char *op,
                     const char *json)
{
    open_cond(d, field, op);
    put(d, json);
    put(d, "]");
}

void lgx_domain_in(lgx_domain_t *d, const char *field)
{
    open_cond(d, field, "in");
    put(d, "[");
    d->in_list = true;
    d->no_items = true;
}

/* The separator before a list item (the list is open). */
static void next_item(lgx_domain_t *d)
{
    put(d, d->no_items ? "" : ",");
    d->no_items = false;
}

void lgx_domain_item_str(lgx_domain_t *d, const char *value)
{
    next_item(d);
    put_str(d, value);
}

void lgx_domain_item_int(lgx_domain_t *d, int64_t value)
{
    next_item(d);
    if (d->err == LGX_OK) {
        d->err = lgx_buf_printf(d->buf, "%lld", (long long)value);
    }
}

void lgx_domain_item_bool(lgx_domain_t *d, bool value)
{
    next_item(d);
    put(d, value ? "true" : "false");
}

lgx_err_t lgx_domain_end(lgx_domain_t *d)
{
    if (d->in_list) {
        put(d, "]]");
        d->in_list = false;
    }
    put(d, "]");
    return d->err;
}
