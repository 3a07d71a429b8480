#include "lgx_odoo_parse.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_json.h"

static bool has(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

lgx_err_t lgx_odoo_classify(int status, const char *name, const char *message)
{
    if (status == 401 || has(name, "AccessDenied") ||
        has(name, "SessionExpired")) {
        return LGX_ERR_ODOO_AUTH;
    }
    if (status == 403 || has(name, "AccessError")) {
        return LGX_ERR_ODOO_ACCESS;
    }
    if (has(name, "MissingError")) {
        return LGX_ERR_ODOO_MISSING;
    }
    if (status == 409 || has(name, "LockError") ||
        has(name, "SerializationFailure") || has(name, "LockNotAvailable") ||
        has(name, "DeadlockDetected") || has(name, "ConcurrentUpdate") ||
        has(name, "OperationalError") || status == 429 || status == 502 ||
        status == 503 || status == 504) {
        return LGX_ERR_ODOO_RETRY;
    }
    if (has(name, "UserError") && has(message, "Object ") &&
        has(message, "doesn't exist")) {
        /* JSON-RPC's answer for an unknown model (odoo/service/model.py). */
        return LGX_ERR_ODOO_CONFIG;
    }
    if (status == 422 || has(name, "UserError") ||
        has(name, "ValidationError") || has(name, "RedirectWarning")) {
        return LGX_ERR_ODOO_USER;
    }
    if (has(name, "ValueError") && has(message, "Invalid field")) {
        return LGX_ERR_ODOO_CONFIG;
    }
    if (has(name, "TypeError") || has(name, "AttributeError") ||
        status == 404) {
        /* A bad keyword argument, or an unknown model or method: the
         * set-up or the version does not match what lgx expects. */
        return LGX_ERR_ODOO_CONFIG;
    }
    return LGX_ERR_ODOO_UNKNOWN;
}

lgx_err_t lgx_odoo_classify_debug(lgx_err_t code, const char *debug)
{
    if (code == LGX_ERR_ODOO_USER && has(debug, "UniqueViolation")) {
        return LGX_ERR_ODOO_CONFLICT;
    }
    return code;
}

void lgx_odoo_error_clear(lgx_odoo_error_t *err)
{
    err->code = LGX_OK;
    err->http_status = 0;
    err->name[0] = '\0';
    err->message[0] = '\0';
}

static void err_set(lgx_odoo_error_t *err, int status, const char *name,
                    const char *message)
{
    err->http_status = status;
    snprintf(err->name, sizeof(err->name), "%s", name ? name : "");
    snprintf(err->message, sizeof(err->message), "%s", message ? message : "");
    err->code = lgx_odoo_classify(status, name, message);
}

/* First line of a body that is not Odoo's JSON (an HTML error page). */
static void err_from_text(lgx_odoo_error_t *err, int status, const char *body,
                          size_t len)
{
    char msg[200];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof(msg); i++) {
        char c = body[i];
        if (c == '\n' || c == '\r') {
            if (n) {
                break;
            }
            continue;
        }
        msg[n++] = isprint((unsigned char)c) ? c : '?';
    }
    msg[n] = '\0';
    char name[32];
    snprintf(name, sizeof(name), "http_%d", status);
    err_set(err, status, name, msg);
}

lgx_err_t lgx_odoo_parse_json2(int status, const char *body, size_t len,
                               yajl_val *result, lgx_odoo_error_t *err)
{
    char perr[128];
    lgx_odoo_error_clear(err);
    *result = NULL;
    yajl_val root = len ? lgx_json_parse(body, len, perr, sizeof(perr)) : NULL;
    if (status == 200 && root) {
        *result = root;
        return LGX_OK;
    }
    if (status == 200) {
        err_set(err, status, "invalid_response",
                "Odoo answered 200 without JSON");
        return err->code;
    }
    const char *name = lgx_json_get_str(root, "name");
    const char *message = lgx_json_get_str(root, "message");
    if (name || message) {
        err_set(err, status, name, message);
        err->code =
            lgx_odoo_classify_debug(err->code, lgx_json_get_str(root, "debug"));
    } else {
        err_from_text(err, status, body, len);
    }
    yajl_tree_free(root);
    return err->code;
}

lgx_err_t lgx_odoo_parse_jsonrpc(int status, const char *body, size_t len,
                                 yajl_val *result, lgx_odoo_error_t *err)
{
    char perr[128];
    lgx_odoo_error_clear(err);
    *result = NULL;
    yajl_val root = len ? lgx_json_parse(body, len, perr, sizeof(perr)) : NULL;
    if (status != 200 || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        if (status == 200) {
            err_set(err, status, "invalid_response",
                    "Odoo answered 200 without a JSON-RPC object");
        } else {
            err_from_text(err, status, body, len);
        }
        return err->code;
    }
    yajl_val error = lgx_json_get(root, "error");
    if (error) {
        yajl_val data = lgx_json_get(error, "data");
        const char *name = lgx_json_get_str(data, "name");
        const char *message = lgx_json_get_str(data, "message");
        if (!message) {
            message = lgx_json_get_str(error, "message");
        }
        err_set(err, status, name ? name : "jsonrpc_error", message);
        err->code =
            lgx_odoo_classify_debug(err->code, lgx_json_get_str(data, "debug"));
        yajl_tree_free(root);
        return err->code;
    }
    yajl_val r = lgx_json_get(root, "result");
    if (!r && !lgx_json_get(root, "id")) {
        yajl_tree_free(root);
        err_set(err, status, "invalid_response",
                "JSON-RPC answer has no result");
        return err->code;
    }
    /* Detach the result from the root object: yajl trees own their
     * children, so swap the result out and free the rest. */
    for (size_t i = 0; i < root->u.object.len; i++) {
        if (root->u.object.values[i] == r) {
            root->u.object.values[i] = NULL;
        }
    }
    yajl_tree_free(root);
    if (!r) {
        /* "result": null parses as a null node; a missing one is odd but
         * means None. Return a fresh null. */
        r = lgx_json_parse("null", 4, perr, sizeof(perr));
    }
    *result = r;
    return LGX_OK;
}

int lgx_odoo_parse_version(yajl_val info)
{
    yajl_val vi = lgx_json_at(lgx_json_get(info, "server_version_info"), 0);
    if (YAJL_IS_INTEGER(vi)) {
        return (int)YAJL_GET_INTEGER(vi);
    }
    const char *s = lgx_json_get_str(info, "server_version");
    while (s && *s && !isdigit((unsigned char)*s)) {
        s++; /* "saas~18.3" */
    }
    return s && *s ? (int)strtol(s, NULL, 10) : 0;
}
