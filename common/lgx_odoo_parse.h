/*
 * lgx_odoo_parse: Odoo's answers read and classified, without a client:
 * a JSON-2 or JSON-RPC body and its HTTP status become a result or an
 * lgx_odoo_error_t whose code is one lgx_err_t (retriable, fatal or a
 * business refusal). Pure; unit-tested on the answers real Odoo sends.
 */
#ifndef LGX_ODOO_PARSE_H
#define LGX_ODOO_PARSE_H

#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "lgx_err.h"

/* What went wrong with one call. */
typedef struct lgx_odoo_error {
    lgx_err_t code;    /* LGX_OK or one of LGX_ERR_ODOO_* */
    int http_status;   /* 0 when no HTTP answer came */
    char name[128];    /* Odoo's exception name, or the transport error */
    char message[512]; /* Odoo's message (first 511 bytes) */
} lgx_odoo_error_t;

/* No error: code LGX_OK, status 0, name and message empty. */
void lgx_odoo_error_clear(lgx_odoo_error_t *err);

/* Classifies an Odoo answer by HTTP status and exception name (either may
 * be 0 / NULL) and message. */
lgx_err_t lgx_odoo_classify(int http_status, const char *name,
                            const char *message);

/* Refines the class of an answer by the traceback Odoo sends with it
 * (debug; may be NULL): Odoo turns a unique-constraint violation into a
 * ValidationError ("The operation cannot be completed: ..."), which would
 * read as a business refusal; when the traceback shows it came from
 * psycopg2's UniqueViolation, it is a race between two transactions (two
 * consumers making Odoo subscribe the same follower at once):
 * LGX_ERR_ODOO_CONFLICT. Any other code is returned unchanged. */
lgx_err_t lgx_odoo_classify_debug(lgx_err_t code, const char *debug);

/* Parses a JSON-2 answer. On success *result is the return value. */
lgx_err_t lgx_odoo_parse_json2(int http_status, const char *body, size_t len,
                               yajl_val *result, lgx_odoo_error_t *err);

/* Parses a JSON-RPC answer (HTTP 200 with "result" or "error"). */
lgx_err_t lgx_odoo_parse_jsonrpc(int http_status, const char *body, size_t len,
                                 yajl_val *result, lgx_odoo_error_t *err);

/* Major version from common.version's answer, or 0. */
int lgx_odoo_parse_version(yajl_val version_info);

#endif
