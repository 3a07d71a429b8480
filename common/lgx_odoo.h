/*
 * lgx_odoo: one client for Odoo's two external APIs.
 *
 * JSON-2 (Odoo 19+): POST /json/2/<model>/<method>, bearer API key,
 * X-Odoo-Database; each call is its own transaction. JSON-RPC (17, 18, and
 * 19 until its removal): POST /jsonrpc, common.login for the uid, then
 * object.execute_kw with the API key (or password). The server version is
 * detected with common.version unless the operator forces an API.
 *
 * Every answer is classified into one lgx_err_t (see lgx_odoo_classify and
 * the table in README.md): that decides retry, dead letter or stop. The
 * secret never appears in a log line or an error message.
 *
 * Not thread-safe: one client per thread (lgx_odoo_busy_ms aside).
 */
#ifndef LGX_ODOO_H
#define LGX_ODOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_buf.h"
#include "lgx_config.h"
#include "lgx_err.h"
#include "lgx_log.h"
#include "lgx_odoo_parse.h"

typedef enum lgx_odoo_api {
    LGX_ODOO_API_AUTO = 0,
    LGX_ODOO_API_JSON2,
    LGX_ODOO_API_JSONRPC
} lgx_odoo_api_t;

/* Filled from lgx_odoo_opts by lgx_config_load. */
/* Replaces b's content with the answer to model.method on ids (n_ids,
 * may be 0) with the JSON-2 named arguments kwargs (may be NULL), as
 * Odoo's JSON-2 would send it with HTTP 200. Returns LGX_OK, or the error
 * that stopped it (no memory). */
typedef lgx_err_t (*lgx_odoo_answer_fn)(lgx_buf_t *b, const char *model,
                                        const char *method, const int64_t *ids,
                                        size_t n_ids, const char *kwargs);

typedef struct lgx_odoo_conf {
    char *url;
    char *db;
    char *api;
    char *login;
    char *api_key_file;
    char *api_key;
    char *ca_file;
    long connect_timeout_ms;
    long timeout_ms;
    long cache_size;
    long cache_ttl_ms;
    bool allow_http;
    /* A transport in the process instead of HTTP, or NULL: see
     * lgx_odoo_new. Set by the program, not by an option of this table. */
    lgx_odoo_answer_fn answer;
} lgx_odoo_conf_t;

/* The Odoo options, for a program's configuration table. */
extern const lgx_opt_t lgx_odoo_opts[];

typedef struct lgx_odoo_s lgx_odoo_t;

/* Returns a client (no network yet), or NULL with errstr naming the
 * problem (no URL, unreadable key file). conf is copied; log is borrowed
 * and must outlive the client.
 *
 * With conf->answer (the benchmarks' --odoo-null: lgx_odoo_null.h) the
 * client needs no URL nor key and never makes an HTTP request: connect
 * pretends Odoo 19 (JSON-2), and every call builds its request body as
 * usual, then gets conf->answer's answer, which is parsed as Odoo's would
 * be. */
lgx_odoo_t *lgx_odoo_new(const lgx_odoo_conf_t *conf, lgx_log_t *log,
                         char *errstr, size_t errstr_size);
void lgx_odoo_destroy(lgx_odoo_t *o);

/* Detects the version, chooses the API and checks the credentials.
 * Returns LGX_OK, LGX_ERR_ODOO_AUTH for refused credentials, or a
 * retriable error when Odoo cannot be reached. */
lgx_err_t lgx_odoo_connect(lgx_odoo_t *o, lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* Calls model.method. ids (n_ids of them) are the records for record
 * methods, or NULL for model methods; kwargs_json is a JSON object of named
 * arguments ("{\"vals\":{...}}") or NULL. On LGX_OK *result (may be NULL
 * if not wanted) holds Odoo's return value: the caller frees it with
 * yajl_tree_free. On error *result is NULL and err says what happened. */
lgx_err_t lgx_odoo_call(lgx_odoo_t *o, const char *model, const char *method,
                        const int64_t *ids, size_t n_ids,
                        const char *kwargs_json, yajl_val *result,
                        lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* create: vals_list_json is a JSON array of value objects, context_json a
 * JSON object or NULL. JSON-RPC gets vals_list positionally, as Odoo 17 and
 * 18 require for create. *result is the list of new ids. */
lgx_err_t lgx_odoo_create(lgx_odoo_t *o, const char *model,
                          const char *vals_list_json, const char *context_json,
                          yajl_val *result,
                          lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* search_read with a domain and field list given as JSON text; limit 0
 * means none. As lgx_odoo_call; *result is a JSON array of records. */
lgx_err_t lgx_odoo_search_read(lgx_odoo_t *o, const char *model,
                               const char *domain_json, const char *fields_json,
                               long limit, yajl_val *result,
                               lgx_odoo_error_t *err) LGX_MUST_CHECK;

/* How long the call in progress has been running, in ms; -1 when no
 * call is in progress. Unlike the rest of the client, any thread may ask
 * while the client's own thread calls (readiness notices a call that
 * hangs long before it times out). */
int64_t lgx_odoo_busy_ms(const lgx_odoo_t *o);

/* Called after every call with its duration and result (for metrics);
 * lgx_odoo_busy_ms already counts the call as finished. */
typedef void (*lgx_odoo_observer_fn)(void *opaque, const char *model,
                                     const char *method, double seconds,
                                     lgx_err_t result);
void lgx_odoo_set_observer(lgx_odoo_t *o, lgx_odoo_observer_fn fn,
                           void *opaque);

/* The lookup cache bounds configured for this client. */
void lgx_odoo_cache_limits(const lgx_odoo_t *o, size_t *size, int64_t *ttl_ms);

/* Reads the API key file again (key rotation, on SIGHUP). The old key
 * stays when the file is unreadable or empty. LGX_OK when a key file is
 * configured and was read; LGX_ERR_NOT_FOUND without a key file. */
lgx_err_t lgx_odoo_reload_key(lgx_odoo_t *o, char *errstr,
                              size_t errstr_size) LGX_MUST_CHECK;

/* The id of the user the credentials log in as, once connected (0 when
 * Odoo did not say). */
int64_t lgx_odoo_uid(const lgx_odoo_t *o);
/* Server major version (17, 18, 19...) once connected, else 0. */
int lgx_odoo_version(const lgx_odoo_t *o);
/* The API in use: "json2" or "jsonrpc". */
const char *lgx_odoo_api_name(const lgx_odoo_t *o);

/* The largest answer read from Odoo; a larger one fails the call
 * (answer_too_large). A search_read of the sla tool's 1000 pickings is a
 * few hundred KiB; the bound keeps a consumer inside its memory limit. */
#define LGX_ODOO_ANSWER_MAX (16 << 20)

#endif
