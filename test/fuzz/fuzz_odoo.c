/*
 * fuzz_odoo: an HTTP answer from Odoo, as lgx_odoo.c takes it after the
 * transfer: the body parsed and classified for JSON-2
 * (lgx_odoo_parse_json2) or JSON-RPC (lgx_odoo_parse_jsonrpc), the error
 * turned into a verdict (lgx_verdict_from_odoo), and a result read the way
 * callers read one: the server version of common.version, records of a
 * search_read (ids, status, clock, many2one, numbers), and the result
 * written back as JSON.
 *
 * Input: a first line "<api> <status>" ("json2 200", "jsonrpc 502"), then
 * the body as received. Inputs without that line are ignored.
 *
 * No network, no files.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_clock.h"
#include "lgx_consumer.h"
#include "lgx_json.h"
#include "lgx_odoo.h"
#include "lgx_stock.h"

#include "fuzz_input.h"

#define HEADER_MAX 32
#define MAX_RECORDS 64

static volatile unsigned sink;

static void touch(const char *s)
{
    unsigned h = 0;
    for (; *s; s++) {
        h = h * 31 + (unsigned char)*s;
    }
    sink += h;
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_odoo: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses "json2 200\n" or "jsonrpc 502\n"; returns the body's offset, or
 * 0 when there is no such line. */
static size_t header(const uint8_t *data, size_t size, bool *json2, int *status)
{
    char line[HEADER_MAX + 1];
    size_t off = fuzz_first_line(data, size, line, HEADER_MAX);
    if (off == 0) {
        return 0;
    }
    const char *num;
    if (strncmp(line, "json2 ", 6) == 0) {
        *json2 = true;
        num = line + 6;
    } else if (strncmp(line, "jsonrpc ", 8) == 0) {
        *json2 = false;
        num = line + 8;
    } else {
        return 0;
    }
    char *end;
    long st = strtol(num, &end, 10);
    if (end == num || *end || st < 0 || st > 999) {
        return 0;
    }
    *status = (int)st;
    return off;
}

/* The error of a failed call: classified, named and bounded. */
static void check_error(lgx_err_t rc, const lgx_odoo_error_t *err, int status)
{
    if (rc == LGX_OK || rc != err->code) {
        die("an error answer must return its classified code");
    }
    if (memchr(err->name, '\0', sizeof(err->name)) == NULL ||
        memchr(err->message, '\0', sizeof(err->message)) == NULL) {
        die("error name or message not terminated");
    }
    if (err->http_status != status) {
        die("error does not carry the HTTP status");
    }
    lgx_verdict_t v;
    lgx_verdict_set(&v, LGX_OUTCOME_APPLIED, "", "applied");
    lgx_verdict_from_odoo(&v, err, "stock.picking write");
    touch(v.reason);
    touch(v.message);
}

/* What callers read from a result. */
static void read_result(yajl_val r, lgx_buf_t *out)
{
    sink += (unsigned)lgx_odoo_parse_version(r);
    int64_t ids[MAX_RECORDS];
    size_t n = lgx_json_ids(r, ids, MAX_RECORDS);
    for (size_t i = 0; i < n; i++) {
        sink += (unsigned)ids[i];
    }
    for (size_t i = 0; i < lgx_json_len(r) && i < MAX_RECORDS; i++) {
        yajl_val rec = lgx_json_at(r, i);
        double q = 0;
        int64_t id = 0;
        touch(lgx_stock_status(rec));
        const char *s = lgx_json_get_str(rec, "state");
        if (s) {
            touch(s);
        }
        sink += (unsigned)lgx_json_m2o_id(lgx_json_get(rec, "product_id"));
        sink += lgx_json_get_num(rec, "quantity", &q) && q > 0 ? 1 : 0;
        sink += lgx_json_get_int(rec, "id", &id) ? (unsigned)id : 0;
        sink += (unsigned)lgx_clock_get(lgx_json_get_str(rec, "x_lgx_clock"),
                                        "pick_confirmed", "wms-north");
    }
    lgx_buf_reset(out);
    if (lgx_json_write(out, r) != LGX_OK) {
        die("cannot write a parsed result back");
    }
    touch(lgx_buf_data(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool json2 = false;
    int status = 0;
    size_t off = header(data, size, &json2, &status);
    if (off == 0) {
        return 0;
    }
    const char *body = (const char *)data + off;
    size_t len = size - off;
    yajl_val r = NULL;
    lgx_odoo_error_t err;
    lgx_err_t rc = json2 ? lgx_odoo_parse_json2(status, body, len, &r, &err)
                         : lgx_odoo_parse_jsonrpc(status, body, len, &r, &err);
    if (rc != LGX_OK) {
        if (r) {
            die("a result with an error");
        }
        check_error(rc, &err, status);
        return 0;
    }
    if (!r || err.code != LGX_OK) {
        die("success without a result");
    }
    lgx_buf_t *out = lgx_buf_new();
    if (!out) {
        die("out of memory");
    }
    read_result(r, out);
    lgx_buf_destroy(out);
    yajl_tree_free(r);
    return 0;
}
