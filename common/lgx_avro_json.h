/*
 * lgx_avro_json: JSON -> Avro, the encoder of lgx-produce, lgx-simulate
 * and the tests. The reverse, for people (lgx-dlq show), is
 * lgx_avro_to_json in lgx_avro.h: it decodes.
 */
#ifndef LGX_AVRO_JSON_H
#define LGX_AVRO_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "lgx_avro.h"
#include "lgx_buf.h"
#include "lgx_err.h"

/* Encodes a JSON object as schema id's record and appends the framed
 * message to out. Unions take a bare value (the first fitting branch) or
 * Avro's {"type": value} form; a long may be given as an ISO 8601 UTC
 * time ("2026-11-27T10:00:00Z" or with .mmm), stored as epoch millis.
 * Missing nullable fields become null. errstr names the field at fault. */
lgx_err_t lgx_avro_encode_json(const lgx_avro_store_t *store, int32_t id,
                               const char *json, size_t json_len,
                               lgx_buf_t *out, char *errstr,
                               size_t errstr_size) LGX_MUST_CHECK;

#endif
