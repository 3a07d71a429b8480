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

#include "lgx_config.h"
#include "lgx_err.h"
#include "lgx_log.h"

typedef enum lgx_odoo_api {
    LGX_ODOO_API_AUTO = 0,
    LGX_ODOO_API_JSON2,
    LGX_ODOO_API_JSONRPC
} lgx_odoo_api_t;

/* Filled from lgx_odoo_opts by lgx_config_load. */
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
    bool null_sink; /* --odoo-null: see lgx_odoo_new */
} lgx_odoo_conf_t;

/* The Odoo options, for a program's configuration table. */
extern const lgx_opt_t lgx_odoo_opts[];

/* What went wrong with one call. */
typedef struct lgx_odoo_error {
    lgx_err_t code;    /* LGX_OK or one of LGX_ERR_ODOO_* */
    int http_status;   /* 0 when no HTTP answer came */
    char name[128];    /* Odoo's exception name, or the transport error */
    char message[512]; /* Odoo's message (first 511 bytes) */
} lgx_odoo_error_t;

typedef struct lgx_odoo_s lgx_odoo_t;

/* Returns a client (no network yet), or NULL with errstr naming the
 * problem (no URL, unreadable key file). conf is copied; log is borrowed
 * and must outlive the client.
 *
 * With conf->null_sink (--odoo-null, for benchmarks) the client needs no
 * URL nor key and never makes an HTTP request: connect pretends Odoo 19
 * (JSON-2), and every call builds its request body as usual, then gets a
 * fixed success answer made in-process, which is parsed as Odoo's would
 * be. The answers make a pick apply: search_read gives one record (id 1)
 * with the requested fields ("state" "assigned", "product_id" [1, ...],
 * "quantity" 0, "picked" false, others false), or, when the domain's
 * first condition is field "=" string or field "in" strings, one such
 * record per value with that field set to it (so lookups by name or code
 * find what they asked for); fields_get lists what lgx_setup requires of
 * the model; search_count 0; create one id per value; message_post 1;
 * context_get a context; anything else (write, button_validate, ...)
 * true. */
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

/* ---- pure parts, unit-tested ---- */

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

/* The largest answer read from Odoo; a larger one fails the call
 * (answer_too_large). A search_read of the sla tool's 1000 pickings is a
 * few hundred KiB; the bound keeps a consumer inside its memory limit. */
#define LGX_ODOO_ANSWER_MAX (16 << 20)

/* Parses a JSON-2 answer. On success *result is the return value. */
lgx_err_t lgx_odoo_parse_json2(int http_status, const char *body, size_t len,
                               yajl_val *result, lgx_odoo_error_t *err);

/* Parses a JSON-RPC answer (HTTP 200 with "result" or "error"). */
lgx_err_t lgx_odoo_parse_jsonrpc(int http_status, const char *body, size_t len,
                                 yajl_val *result, lgx_odoo_error_t *err);

/* Major version from common.version's answer, or 0. */
int lgx_odoo_parse_version(yajl_val version_info);

#endif
