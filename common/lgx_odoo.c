#include "lgx_odoo.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_secret.h"
#include "lgx_time.h"

#define OFF(f) offsetof(lgx_odoo_conf_t, f)

const lgx_opt_t lgx_odoo_opts[] = {
    {"odoo-url", LGX_OPT_STR, NULL, OFF(url),
     "Odoo base URL, e.g. https://erp.example.com (required)", NULL, 0},
    {"odoo-db", LGX_OPT_STR, NULL, OFF(db),
     "Odoo database name (X-Odoo-Database; needed for JSON-RPC)", NULL, 0},
    {"odoo-api", LGX_OPT_ENUM, "auto", OFF(api),
     "External API: detect from the server version, or force one",
     "auto|json2|jsonrpc", 0},
    {"odoo-login", LGX_OPT_STR, "admin", OFF(login),
     "Login of the integration user (JSON-RPC only)", NULL, 0},
    {"odoo-api-key-file", LGX_OPT_STR, NULL, OFF(api_key_file),
     "File holding the API key (preferred over odoo-api-key)", NULL, 0},
    {"odoo-api-key", LGX_OPT_STR, NULL, OFF(api_key),
     "API key (or password, JSON-RPC only); never logged", NULL,
     LGX_OPT_SECRET},
    {"odoo-ca-file", LGX_OPT_STR, NULL, OFF(ca_file),
     "CA bundle to verify Odoo's TLS certificate", NULL, 0},
    {"odoo-connect-timeout-ms", LGX_OPT_INT, "5000", OFF(connect_timeout_ms),
     "Connect timeout per Odoo call", "1..600000", 0},
    {"odoo-timeout-ms", LGX_OPT_INT, "30000", OFF(timeout_ms),
     "Total timeout per Odoo call", "1..3600000", 0},
    {"odoo-allow-http", LGX_OPT_BOOL, "false", OFF(allow_http),
     "Allow a plain http:// Odoo URL (the key would travel unencrypted: "
     "for a local test Odoo only)",
     NULL, 0},
    {"odoo-cache-size", LGX_OPT_INT, "10000", OFF(cache_size),
     "Lookups (product by code, picking and carrier by name) kept in memory",
     "1..10000000", 0},
    {"odoo-cache-ttl-ms", LGX_OPT_INT, "300000", OFF(cache_ttl_ms),
     "How long a cached lookup is trusted", "0..86400000", 0},
    LGX_OPT_END};

struct lgx_odoo_s {
    char *url;
    char *db;
    char *login;
    char *secret;
    char *key_file;
    char *ca_file;
    long connect_timeout_ms;
    long timeout_ms;
    long cache_size;
    long cache_ttl_ms;
    lgx_odoo_api_t forced;
    lgx_odoo_api_t api;
    /* Makes each answer in-process instead of the HTTP exchange
     * (conf->answer), or NULL. */
    lgx_odoo_answer_fn answer;
    int version;
    int64_t uid;
    int64_t next_id;
    CURL *curl;
    lgx_buf_t *req;
    lgx_buf_t *resp;
    char curl_err[CURL_ERROR_SIZE];
    lgx_log_t *log;
    lgx_odoo_observer_fn observer;
    void *observer_opaque;
    /* Monotonic ms at which the call in progress started, 0 when none:
     * the one field other threads read (lgx_odoo_busy_ms). */
    _Atomic int64_t busy_since_ms;
};

void lgx_odoo_set_observer(lgx_odoo_t *o, lgx_odoo_observer_fn fn, void *opaque)
{
    o->observer = fn;
    o->observer_opaque = opaque;
}

int64_t lgx_odoo_busy_ms(const lgx_odoo_t *o)
{
    int64_t since = atomic_load(&o->busy_since_ms);
    int64_t now = lgx_time_mono_ms();
    return since == 0 ? -1 : now > since ? now - since : 0;
}

/* ---- client ---- */

/* Refuses an answer past LGX_ODOO_ANSWER_MAX: the transfer stops
 * (CURLE_WRITE_ERROR) and the call fails with answer_too_large. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
    return lgx_buf_append_body(opaque, data, size * nmemb, LGX_ODOO_ANSWER_MAX);
}

/* conf->answer: a client that never leaves the process. */
static lgx_odoo_t *local_new(const lgx_odoo_conf_t *conf, lgx_log_t *log,
                             char *errstr, size_t size)
{
    lgx_odoo_t *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    o->answer = conf->answer;
    o->log = log;
    o->url = strdup("null:");
    o->login = strdup("null");
    o->cache_size = conf->cache_size > 0 ? conf->cache_size : 10000;
    o->cache_ttl_ms = conf->cache_ttl_ms;
    o->forced = LGX_ODOO_API_JSON2;
    o->req = lgx_buf_new();
    o->resp = lgx_buf_new();
    o->next_id = 1;
    if (!o->url || !o->login || !o->req || !o->resp) {
        snprintf(errstr, size, "out of memory");
        lgx_odoo_destroy(o);
        return NULL;
    }
    return o;
}

lgx_odoo_t *lgx_odoo_new(const lgx_odoo_conf_t *conf, lgx_log_t *log,
                         char *errstr, size_t size)
{
    if (conf->answer) {
        return local_new(conf, log, errstr, size);
    }
    if (!conf->url || !conf->url[0]) {
        snprintf(errstr, size, "option --odoo-url is required");
        return NULL;
    }
    if (strncmp(conf->url, "https://", 8) != 0 &&
        !(conf->allow_http && strncmp(conf->url, "http://", 7) == 0)) {
        snprintf(errstr, size,
                 "option --odoo-url: %s is not https://; plain http:// "
                 "sends the API key unencrypted and needs --odoo-allow-http "
                 "(for a local test Odoo)",
                 conf->url);
        return NULL;
    }
    lgx_odoo_t *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    o->log = log;
    o->url = strdup(conf->url);
    size_t ul = strlen(o->url);
    while (ul && o->url[ul - 1] == '/') {
        o->url[--ul] = '\0';
    }
    o->db = conf->db ? strdup(conf->db) : NULL;
    o->login = strdup(conf->login ? conf->login : "admin");
    o->ca_file = conf->ca_file ? strdup(conf->ca_file) : NULL;
    o->connect_timeout_ms = conf->connect_timeout_ms;
    o->timeout_ms = conf->timeout_ms;
    o->cache_size = conf->cache_size > 0 ? conf->cache_size : 10000;
    o->cache_ttl_ms = conf->cache_ttl_ms;
    o->forced = !conf->api || strcmp(conf->api, "auto") == 0 ? LGX_ODOO_API_AUTO
                : strcmp(conf->api, "json2") == 0 ? LGX_ODOO_API_JSON2
                                                  : LGX_ODOO_API_JSONRPC;
    if (conf->api_key_file) {
        o->key_file = strdup(conf->api_key_file);
        o->secret =
            lgx_secret_read(conf->api_key_file, "API key file", errstr, size);
    } else if (conf->api_key && conf->api_key[0]) {
        o->secret = strdup(conf->api_key);
    } else {
        snprintf(errstr, size,
                 "no Odoo API key: set --odoo-api-key-file "
                 "(LGX_ODOO_API_KEY_FILE) or LGX_ODOO_API_KEY");
    }
    o->curl = curl_easy_init();
    o->req = lgx_buf_new();
    o->resp = lgx_buf_new();
    if (!o->secret || !o->curl || !o->req || !o->resp || !o->url || !o->login) {
        if (o->secret || !errstr[0]) {
            snprintf(errstr, size, "out of memory");
        }
        lgx_odoo_destroy(o);
        return NULL;
    }
    o->next_id = 1;
    return o;
}

void lgx_odoo_destroy(lgx_odoo_t *o)
{
    if (!o) {
        return;
    }
    lgx_secret_free(o->secret);
    if (o->curl) {
        curl_easy_cleanup(o->curl);
    }
    lgx_buf_destroy(o->req);
    lgx_buf_destroy(o->resp);
    free(o->url);
    free(o->key_file);
    free(o->db);
    free(o->login);
    free(o->ca_file);
    free(o);
}

void lgx_odoo_cache_limits(const lgx_odoo_t *o, size_t *size, int64_t *ttl_ms)
{
    *size = (size_t)o->cache_size;
    *ttl_ms = o->cache_ttl_ms;
}

lgx_err_t lgx_odoo_reload_key(lgx_odoo_t *o, char *errstr, size_t size)
{
    if (!o->key_file) {
        snprintf(errstr, size, "no --odoo-api-key-file to read again");
        return LGX_ERR_NOT_FOUND;
    }
    char *fresh = lgx_secret_read(o->key_file, "API key file", errstr, size);
    if (!fresh) {
        return LGX_ERR_IO;
    }
    lgx_secret_free(o->secret);
    o->secret = fresh;
    return LGX_OK;
}

int64_t lgx_odoo_uid(const lgx_odoo_t *o)
{
    return o->uid;
}

int lgx_odoo_version(const lgx_odoo_t *o)
{
    return o->version;
}

const char *lgx_odoo_api_name(const lgx_odoo_t *o)
{
    return o->api == LGX_ODOO_API_JSON2 ? "json2" : "jsonrpc";
}

/* POSTs the request buffer to path. Returns LGX_OK with *status set, or a
 * retriable error for transport failures (refused, timeout, reset). */
static lgx_err_t http_post(lgx_odoo_t *o, const char *path, bool bearer,
                           int *status, lgx_odoo_error_t *err)
{
    char url[2048];
    snprintf(url, sizeof(url), "%s%s", o->url, path);
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (bearer) {
        lgx_buf_t *h = lgx_buf_new();
        if (h && lgx_buf_printf(h, "Authorization: bearer %s", o->secret) ==
                     LGX_OK) {
            hdrs = curl_slist_append(hdrs, lgx_buf_data(h));
        }
        if (h) {
            memset((char *)lgx_buf_data(h), 0, lgx_buf_len(h));
        }
        lgx_buf_destroy(h);
        if (o->db) {
            char dbh[512];
            snprintf(dbh, sizeof(dbh), "X-Odoo-Database: %s", o->db);
            hdrs = curl_slist_append(hdrs, dbh);
        }
    }
    lgx_buf_reset(o->resp);
    CURL *c = o->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, lgx_buf_data(o->req));
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)lgx_buf_len(o->req));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, o->resp);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file) {
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    }
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, o->curl_err);
    o->curl_err[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    if (rc == CURLE_WRITE_ERROR) {
        /* The same call gets the same answer: not weather, but not the
         * event's fault either; retried a bounded time. */
        err->http_status = 0;
        snprintf(err->name, sizeof(err->name), "answer_too_large");
        snprintf(err->message, sizeof(err->message),
                 "Odoo answer larger than %d bytes", LGX_ODOO_ANSWER_MAX);
        err->code = LGX_ERR_ODOO_UNKNOWN;
        return err->code;
    }
    if (rc != CURLE_OK) {
        err->http_status = 0;
        snprintf(err->name, sizeof(err->name), "curl_%d", (int)rc);
        snprintf(err->message, sizeof(err->message), "%s: %s",
                 curl_easy_strerror(rc), o->curl_err);
        /* TLS verification failures are configuration, not weather. */
        err->code =
            (rc == CURLE_PEER_FAILED_VERIFICATION ||
             rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_URL_MALFORMAT ||
             rc == CURLE_UNSUPPORTED_PROTOCOL)
                ? LGX_ERR_ODOO_CONFIG
                : LGX_ERR_ODOO_RETRY;
        return err->code;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    *status = (int)code;
    return LGX_OK;
}

static lgx_err_t put_ids(lgx_buf_t *b, const int64_t *ids, size_t n)
{
    lgx_err_t err = lgx_buf_puts(b, "[");
    for (size_t i = 0; err == LGX_OK && i < n; i++) {
        err = lgx_buf_printf(b, "%s%lld", i ? "," : "", (long long)ids[i]);
    }
    return err == LGX_OK ? lgx_buf_puts(b, "]") : err;
}

/* kwargs without its opening brace, and whether it has members. */
static const char *kwargs_rest(const char *kwargs, bool *empty)
{
    const char *p = kwargs ? strchr(kwargs, '{') : NULL;
    if (!p) {
        *empty = true;
        return "}";
    }
    p++;
    const char *q = p;
    while (isspace((unsigned char)*q)) {
        q++;
    }
    *empty = *q == '}';
    return p;
}

static lgx_err_t build_json2(lgx_odoo_t *o, const int64_t *ids, size_t n_ids,
                             const char *kwargs)
{
    bool empty;
    const char *rest = kwargs_rest(kwargs, &empty);
    lgx_buf_reset(o->req);
    lgx_err_t err = lgx_buf_puts(o->req, "{");
    if (err == LGX_OK && ids) {
        err = lgx_buf_puts(o->req, "\"ids\":");
        if (err == LGX_OK) {
            err = put_ids(o->req, ids, n_ids);
        }
        if (err == LGX_OK && !empty) {
            err = lgx_buf_puts(o->req, ",");
        }
    }
    return err == LGX_OK ? lgx_buf_puts(o->req, empty ? "}" : rest) : err;
}

static lgx_err_t build_rpc_head(lgx_odoo_t *o, const char *service,
                                const char *method)
{
    lgx_buf_reset(o->req);
    return lgx_buf_printf(
        o->req,
        "{\"jsonrpc\":\"2.0\",\"method\":\"call\",\"id\":%lld,"
        "\"params\":{\"service\":\"%s\",\"method\":\"%s\","
        "\"args\":[",
        (long long)o->next_id++, service, method);
}

static lgx_err_t build_execute_kw(lgx_odoo_t *o, const char *model,
                                  const char *method, const int64_t *ids,
                                  size_t n_ids, const char *positional,
                                  const char *kwargs)
{
    lgx_err_t err = build_rpc_head(o, "object", "execute_kw");
    if (err == LGX_OK) {
        err = lgx_buf_json_str(o->req, o->db ? o->db : "",
                               o->db ? strlen(o->db) : 0);
    }
    if (err == LGX_OK) {
        err = lgx_buf_printf(o->req, ",%lld,", (long long)o->uid);
    }
    if (err == LGX_OK) {
        err = lgx_buf_json_str(o->req, o->secret, strlen(o->secret));
    }
    if (err == LGX_OK) {
        err = lgx_buf_puts(o->req, ",");
    }
    if (err == LGX_OK) {
        err = lgx_buf_json_str(o->req, model, strlen(model));
    }
    if (err == LGX_OK) {
        err = lgx_buf_puts(o->req, ",");
    }
    if (err == LGX_OK) {
        err = lgx_buf_json_str(o->req, method, strlen(method));
    }
    if (err == LGX_OK) {
        err = lgx_buf_puts(o->req, ",[");
    }
    if (err == LGX_OK && ids) {
        err = put_ids(o->req, ids, n_ids);
    }
    if (err == LGX_OK && positional) {
        err = lgx_buf_printf(o->req, "%s%s", ids ? "," : "", positional);
    }
    if (err == LGX_OK) {
        err = lgx_buf_printf(o->req, "],%s]}}", kwargs ? kwargs : "{}");
    }
    return err;
}

/* Wipes the request buffer: a JSON-RPC request carries the secret. */
static void req_wipe(lgx_odoo_t *o)
{
    memset((char *)lgx_buf_data(o->req), 0, lgx_buf_len(o->req));
    lgx_buf_reset(o->req);
}

static lgx_err_t rpc_send(lgx_odoo_t *o, yajl_val *result,
                          lgx_odoo_error_t *err)
{
    int status = 0;
    lgx_err_t rc = http_post(o, "/jsonrpc", false, &status, err);
    req_wipe(o);
    if (rc != LGX_OK) {
        return rc;
    }
    return lgx_odoo_parse_jsonrpc(status, lgx_buf_data(o->resp),
                                  lgx_buf_len(o->resp), result, err);
}

/* One call. JSON-2 takes every argument by name (kwargs_json2); JSON-RPC
 * takes positional after the ids and the rest by name (kwargs_rpc),
 * because some methods (create) only work positionally there. */
static lgx_err_t call_full(lgx_odoo_t *o, const char *model, const char *method,
                           const int64_t *ids, size_t n_ids,
                           const char *kwargs_json2, const char *positional,
                           const char *kwargs_rpc, yajl_val *result,
                           lgx_odoo_error_t *err)
{
    yajl_val r = NULL;
    lgx_err_t rc;
    double started = lgx_time_mono_s();
    /* (never 0: the monotonic clock counts from boot) */
    atomic_store(&o->busy_since_ms, lgx_time_mono_ms());
    lgx_odoo_error_clear(err);
    if (o->answer) {
        /* The request is built as for Odoo and the answer parsed as
         * Odoo's: only the HTTP exchange and the server are left out. */
        rc = build_json2(o, ids, n_ids, kwargs_json2);
        if (rc == LGX_OK) {
            rc = o->answer(o->resp, model, method, ids, n_ids, kwargs_json2);
        }
        if (rc == LGX_OK) {
            rc = lgx_odoo_parse_json2(200, lgx_buf_data(o->resp),
                                      lgx_buf_len(o->resp), &r, err);
        }
    } else if (o->api == LGX_ODOO_API_JSON2) {
        char path[512];
        snprintf(path, sizeof(path), "/json/2/%s/%s", model, method);
        rc = build_json2(o, ids, n_ids, kwargs_json2);
        int status = 0;
        if (rc == LGX_OK) {
            rc = http_post(o, path, true, &status, err);
        }
        if (rc == LGX_OK) {
            rc = lgx_odoo_parse_json2(status, lgx_buf_data(o->resp),
                                      lgx_buf_len(o->resp), &r, err);
        }
    } else {
        rc = build_execute_kw(o, model, method, ids, n_ids, positional,
                              kwargs_rpc);
        if (rc == LGX_OK) {
            rc = rpc_send(o, &r, err);
        } else {
            req_wipe(o);
        }
    }
    if (rc != LGX_OK && err->code == LGX_OK) {
        err->code = rc;
        snprintf(err->name, sizeof(err->name), "%s", lgx_err_name(rc));
    }
    /* Finished before the observer hears of it: it may ask what is still
     * in progress. */
    atomic_store(&o->busy_since_ms, 0);
    if (o->observer) {
        o->observer(o->observer_opaque, model, method,
                    lgx_time_mono_s() - started, rc);
    }
    if (result) {
        *result = r;
    } else {
        yajl_tree_free(r);
    }
    return rc;
}

lgx_err_t lgx_odoo_call(lgx_odoo_t *o, const char *model, const char *method,
                        const int64_t *ids, size_t n_ids,
                        const char *kwargs_json, yajl_val *result,
                        lgx_odoo_error_t *err)
{
    return call_full(o, model, method, ids, n_ids, kwargs_json, NULL,
                     kwargs_json, result, err);
}

lgx_err_t lgx_odoo_create(lgx_odoo_t *o, const char *model,
                          const char *vals_list_json, const char *context_json,
                          yajl_val *result, lgx_odoo_error_t *err)
{
    lgx_buf_t *named = lgx_buf_new();
    lgx_buf_t *ctx = lgx_buf_new();
    lgx_err_t rc = named && ctx ? LGX_OK : LGX_ERR_NOMEM;
    if (rc == LGX_OK) {
        rc = lgx_buf_printf(named, "{\"vals_list\":%s%s%s}", vals_list_json,
                            context_json ? ",\"context\":" : "",
                            context_json ? context_json : "");
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_printf(ctx, "{%s%s}", context_json ? "\"context\":" : "",
                            context_json ? context_json : "");
    }
    if (rc == LGX_OK) {
        rc = call_full(o, model, "create", NULL, 0, lgx_buf_data(named),
                       vals_list_json, lgx_buf_data(ctx), result, err);
    }
    lgx_buf_destroy(named);
    lgx_buf_destroy(ctx);
    return rc;
}

static lgx_err_t detect_version(lgx_odoo_t *o, lgx_odoo_error_t *err)
{
    yajl_val info = NULL;
    lgx_err_t rc = build_rpc_head(o, "common", "version");
    if (rc == LGX_OK) {
        rc = lgx_buf_puts(o->req, "]}}");
    }
    if (rc == LGX_OK) {
        rc = rpc_send(o, &info, err);
    }
    if (rc == LGX_OK) {
        o->version = lgx_odoo_parse_version(info);
    }
    yajl_tree_free(info);
    return rc;
}

static lgx_err_t rpc_login(lgx_odoo_t *o, lgx_odoo_error_t *err)
{
    yajl_val uid = NULL;
    lgx_err_t rc = build_rpc_head(o, "common", "login");
    const char *db = o->db ? o->db : "";
    if (rc == LGX_OK) {
        rc = lgx_buf_json_str(o->req, db, strlen(db));
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_puts(o->req, ",");
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_json_str(o->req, o->login, strlen(o->login));
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_puts(o->req, ",");
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_json_str(o->req, o->secret, strlen(o->secret));
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_puts(o->req, "]}}");
    }
    if (rc == LGX_OK) {
        rc = rpc_send(o, &uid, err);
    } else {
        req_wipe(o);
    }
    if (rc == LGX_OK && !YAJL_IS_INTEGER(uid)) {
        snprintf(err->name, sizeof(err->name), "odoo.exceptions.AccessDenied");
        snprintf(err->message, sizeof(err->message),
                 "Odoo refused login '%s' on database '%s' with the "
                 "configured API key",
                 o->login, db);
        rc = err->code = LGX_ERR_ODOO_AUTH;
    } else if (rc == LGX_OK) {
        o->uid = YAJL_GET_INTEGER(uid);
    }
    yajl_tree_free(uid);
    return rc;
}

lgx_err_t lgx_odoo_connect(lgx_odoo_t *o, lgx_odoo_error_t *err)
{
    lgx_odoo_error_clear(err);
    if (o->answer) {
        LGX_WARN(o->log, "no Odoo is used: every call is answered "
                         "in-process (--odoo-null, for benchmarks only: "
                         "nothing is written anywhere)");
        o->version = 19;
    }
    lgx_err_t rc = o->answer ? LGX_OK : detect_version(o, err);
    if (rc != LGX_OK && o->forced != LGX_ODOO_API_JSON2) {
        return rc;
    }
    o->api = o->forced != LGX_ODOO_API_AUTO ? o->forced
             : o->version >= 19             ? LGX_ODOO_API_JSON2
                                            : LGX_ODOO_API_JSONRPC;
    if (o->api == LGX_ODOO_API_JSONRPC) {
        rc = rpc_login(o, err);
    } else {
        /* Any authenticated call checks the key; context_get needs no
         * rights beyond those of a logged-in user. */
        yajl_val ctx = NULL;
        rc = lgx_odoo_call(o, "res.users", "context_get", NULL, 0, NULL, &ctx,
                           err);
        /* 19 says who the key's user is (JSON-RPC's login does it
         * before 19). */
        if (!lgx_json_get_int(ctx, "uid", &o->uid)) {
            o->uid = 0;
        }
        yajl_tree_free(ctx);
        if (rc == LGX_ERR_ODOO_AUTH) {
            snprintf(err->message, sizeof(err->message),
                     "Odoo refused the configured API key (HTTP %d, %s)",
                     err->http_status, err->name);
        }
    }
    if (rc == LGX_OK) {
        LGX_INFO(o->log, "connected to Odoo %d at %s using %s", o->version,
                 o->url, lgx_odoo_api_name(o));
    }
    return rc;
}

lgx_err_t lgx_odoo_search_read(lgx_odoo_t *o, const char *model,
                               const char *domain_json, const char *fields_json,
                               long limit, yajl_val *result,
                               lgx_odoo_error_t *err)
{
    lgx_buf_t *kw = lgx_buf_new();
    if (!kw) {
        return LGX_ERR_NOMEM;
    }
    lgx_err_t rc = lgx_buf_printf(kw, "{\"domain\":%s,\"fields\":%s",
                                  domain_json, fields_json);
    if (rc == LGX_OK && limit > 0) {
        rc = lgx_buf_printf(kw, ",\"limit\":%ld", limit);
    }
    if (rc == LGX_OK) {
        rc = lgx_buf_puts(kw, "}");
    }
    if (rc == LGX_OK) {
        rc = lgx_odoo_call(o, model, "search_read", NULL, 0, lgx_buf_data(kw),
                           result, err);
    }
    lgx_buf_destroy(kw);
    return rc;
}
