/*
 * lgx_registry: a Confluent-compatible Schema Registry client (the REST
 * API Confluent's registry, Apicurio's ccompat API and Redpanda serve):
 * register a schema under a subject, fetch a schema by id, with HTTP
 * basic auth from a credentials file when one is given.
 *
 * The credentials are kept in memory only and are in no message: the URL
 * may not hold any (user:password@ is refused), so that every error,
 * which names the URL, stays free of them.
 *
 * Not thread-safe: one thread at a time uses a client (the consumers'
 * decoders share one under the schema store's lock).
 */
#ifndef LGX_REGISTRY_H
#define LGX_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "lgx_err.h"

/* The largest answer read from a registry (a schema is a few KiB; the
 * image's schemas.json is read up to the same size). */
#define LGX_REGISTRY_ANSWER_MAX (1 << 20)

typedef struct lgx_registry_s lgx_registry_t;

/* The row of --schema-registry-credentials-file in a program's option
 * table; off is the offsetof its char * field. */
#define LGX_REGISTRY_CREDENTIALS_OPT(off)                                      \
    {                                                                          \
        "schema-registry-credentials-file", LGX_OPT_STR, NULL, (off),          \
            "File holding user:password for the schema registry (HTTP basic "  \
            "auth, "                                                           \
            "one line); read again on SIGHUP by the consumers",                \
            NULL, 0                                                            \
    }

/* Returns a client for the registry at url, or NULL with errstr. With
 * credentials_file (may be NULL: no credentials), every request sends
 * the user:password it holds (lgx_secret_read's rules, then one line
 * with a non-empty user before the first ':' and a non-empty password
 * after it) as HTTP basic auth; the path is copied for
 * lgx_registry_reload_credentials. Refused, with errstr naming the
 * option: a URL holding a user or password, a credentials file that
 * cannot be read or is not user:password. */
lgx_registry_t *lgx_registry_new(const char *url, const char *credentials_file,
                                 char *errstr, size_t errstr_size);
/* Frees r and overwrites its credentials. NULL does nothing. */
void lgx_registry_destroy(lgx_registry_t *r);

/* Reads the credentials file again (a rotation), used from the next
 * request. LGX_ERR_NOT_FOUND when r has none; LGX_ERR_INVALID with
 * errstr when the file cannot be read or is not user:password: the old
 * credentials stay. */
lgx_err_t lgx_registry_reload_credentials(lgx_registry_t *r, char *errstr,
                                          size_t errstr_size) LGX_MUST_CHECK;

/* The schema (Avro JSON text, free() it) registered under id, or NULL
 * with errstr (unknown id, registry unreachable, credentials refused). */
char *lgx_registry_fetch(lgx_registry_t *r, int32_t id, char *errstr,
                         size_t errstr_size);

/* Registers schema_json under subject (or finds it, if already there) and
 * sets *id. */
lgx_err_t lgx_registry_register(lgx_registry_t *r, const char *subject,
                                const char *schema_json, int32_t *id,
                                char *errstr,
                                size_t errstr_size) LGX_MUST_CHECK;

/* ---- answers (pure: what fetch and register make of a response) ----
 *
 * A registry answers from the network: these take any bytes. */

/* The JSON object of a 2xx answer of len bytes from url into *root
 * (yajl_tree_free it). Otherwise NULL, errstr names the status and the
 * registry's message, and the return is LGX_ERR_NOT_FOUND for a 404,
 * LGX_ERR_INVALID for a 401 or 403 (errstr: "schema registry <url>: the
 * registry refused the credentials (HTTP 401...)"), LGX_ERR_DECODE for an
 * answer over LGX_REGISTRY_ANSWER_MAX, LGX_ERR_IO else. Nesting is
 * bounded by lgx_json_parse. */
lgx_err_t lgx_registry_answer(long http_status, const char *body, size_t len,
                              const char *url, yajl_val *root, char *errstr,
                              size_t errstr_size) LGX_MUST_CHECK;
/* The "schema" text of a GET /schemas/ids/<id> answer (free() it), or
 * NULL with errstr. */
char *lgx_registry_answer_schema(yajl_val root, int32_t id, char *errstr,
                                 size_t errstr_size);
/* The "id" of a POST /subjects/<subject>/versions answer into *id;
 * LGX_ERR_IO with errstr when missing or outside int32. */
lgx_err_t lgx_registry_answer_id(yajl_val root, int32_t *id, char *errstr,
                                 size_t errstr_size) LGX_MUST_CHECK;

#endif
