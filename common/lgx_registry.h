/*
 * lgx_registry: a Confluent-compatible Schema Registry client (the REST
 * API Confluent's registry, Apicurio's ccompat API and Redpanda serve):
 * register a schema under a subject, fetch a schema by id.
 */
#ifndef LGX_REGISTRY_H
#define LGX_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

typedef struct lgx_registry_s lgx_registry_t;

/* Returns a client for the registry at url, or NULL with errstr. */
lgx_registry_t *lgx_registry_new(const char *url, char *errstr,
                                 size_t errstr_size);
void lgx_registry_destroy(lgx_registry_t *r);

/* The schema (Avro JSON text, free() it) registered under id, or NULL
 * with errstr (unknown id, registry unreachable). */
char *lgx_registry_fetch(lgx_registry_t *r, int32_t id, char *errstr,
                         size_t errstr_size);

/* Registers schema_json under subject (or finds it, if already there) and
 * sets *id. */
lgx_err_t lgx_registry_register(lgx_registry_t *r, const char *subject,
                                const char *schema_json, int32_t *id,
                                char *errstr,
                                size_t errstr_size) LGX_MUST_CHECK;

#endif
