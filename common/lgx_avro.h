/*
 * lgx_avro: event contracts, Confluent framing, decoding and encoding.
 *
 * A message value is Confluent-framed: magic byte 0, a 4-byte big-endian
 * schema id, then the Avro binary body. Without a schema registry the ids
 * are a fixed mapping kept in avro-schemas/schemas.json ("id" -> .avsc
 * file). A decoder reads any known writer schema into the reader schema of
 * its consumer (writer -> reader resolution), so old and new producers can
 * share a topic.
 */
#ifndef LGX_AVRO_H
#define LGX_AVRO_H

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_buf.h"
#include "lgx_err.h"

#define LGX_AVRO_MAGIC 0
#define LGX_AVRO_HEADER_SIZE 5

typedef struct lgx_avro_store_s lgx_avro_store_t;
typedef struct lgx_avro_decoder_s lgx_avro_decoder_t;

/* Loads dir/schemas.json and every schema it names. Returns NULL with a
 * message in errstr (naming the file) on failure. */
lgx_avro_store_t *lgx_avro_store_load(const char *dir, char *errstr,
                                      size_t errstr_size);
void lgx_avro_store_destroy(lgx_avro_store_t *store);

typedef struct lgx_registry_s lgx_registry_t;

/* With a schema registry (borrowed, may be NULL), ids the store does not
 * know are fetched from it and kept (at most 256 schemas in all). */
void lgx_avro_store_set_registry(lgx_avro_store_t *store, lgx_registry_t *r);

/* The schema of id, from the store or else the registry; NULL with errstr
 * when neither has it. Owned by the store. */
avro_schema_t lgx_avro_store_fetch(lgx_avro_store_t *store, int32_t id,
                                   char *errstr, size_t errstr_size);

/* The text of schema id as read, or NULL. Owned by the store. */
const char *lgx_avro_store_json(const lgx_avro_store_t *store, int32_t id);

/* Makes id (e.g. the registry's) another name of schema existing. */
lgx_err_t lgx_avro_store_alias(lgx_avro_store_t *store, int32_t id,
                               int32_t existing) LGX_MUST_CHECK;

/* Id of the newest version of the record with this full name
 * ("lgx.picks.PickConfirmed"), or -1. */
int32_t lgx_avro_store_latest(const lgx_avro_store_t *store,
                              const char *fullname);
/* Schema for an id, or NULL; owned by the store. */
avro_schema_t lgx_avro_store_schema(const lgx_avro_store_t *store, int32_t id);

/* "namespace.Name" of a named schema, malloc'd (free() it); NULL for a
 * schema without a name (primitive, array, map, union) or out of memory. */
char *lgx_avro_fullname(avro_schema_t s);

/* Splits a framed message. Returns LGX_OK, or LGX_ERR_DECODE when it is too
 * short or the magic byte is wrong. */
lgx_err_t lgx_avro_frame_parse(const void *buf, size_t len, int32_t *id,
                               const void **body,
                               size_t *body_len) LGX_MUST_CHECK;

/* Returns a decoder reading into the newest schema of fullname. The store
 * must outlive it. NULL with errstr on failure. */
lgx_avro_decoder_t *lgx_avro_decoder_new(lgx_avro_store_t *store,
                                         const char *fullname, char *errstr,
                                         size_t errstr_size);
void lgx_avro_decoder_destroy(lgx_avro_decoder_t *d);

/* Decodes a framed message. On LGX_OK *out points to a record owned by the
 * decoder, valid until the next decode. Decoders of one store may decode
 * in several threads at once (one decoder per thread): decodes of one
 * store take turns. Errors: LGX_ERR_DECODE (bad frame
 * or body, trailing bytes), LGX_ERR_SCHEMA (unknown id, or a writer schema
 * that cannot be read as the reader schema); errstr says which. */
lgx_err_t lgx_avro_decode(lgx_avro_decoder_t *d, const void *buf, size_t len,
                          avro_value_t **out, int32_t *writer_id, char *errstr,
                          size_t errstr_size) LGX_MUST_CHECK;

/* Decodes a framed message with its own writer schema and returns it as
 * JSON text (free() it), or NULL with errstr. For people: lgx-dlq show. */
char *lgx_avro_to_json(const lgx_avro_store_t *store, const void *buf,
                       size_t len, char *errstr, size_t errstr_size);

/* Encodes a JSON object as schema id's record and appends the framed
 * message to out. Unions take a bare value (the first fitting branch) or
 * Avro's {"type": value} form; a long may be given as an ISO 8601 UTC
 * time ("2026-11-27T10:00:00Z" or with .mmm), stored as epoch millis.
 * Missing nullable fields become null. errstr names the field at fault. */
lgx_err_t lgx_avro_encode_json(const lgx_avro_store_t *store, int32_t id,
                               const char *json, size_t json_len,
                               lgx_buf_t *out, char *errstr,
                               size_t errstr_size) LGX_MUST_CHECK;

/* Field accessors on a decoded record. A union is looked through; a null
 * or missing field gives LGX_ERR_NOT_FOUND, a field of another type
 * LGX_ERR_SCHEMA. Strings point into the record (size without NUL). */
lgx_err_t lgx_avro_get_str(avro_value_t *rec, const char *name, const char **s,
                           size_t *len) LGX_MUST_CHECK;
lgx_err_t lgx_avro_get_long(avro_value_t *rec, const char *name,
                            int64_t *out) LGX_MUST_CHECK;
lgx_err_t lgx_avro_get_double(avro_value_t *rec, const char *name,
                              double *out) LGX_MUST_CHECK;
lgx_err_t lgx_avro_get_bool(avro_value_t *rec, const char *name,
                            int *out) LGX_MUST_CHECK;
/* Array field: *arr is set to the array value, *n to its size. */
lgx_err_t lgx_avro_get_array(avro_value_t *rec, const char *name,
                             avro_value_t *arr, size_t *n) LGX_MUST_CHECK;

/* Item i of an array of strings (or of null-or-string unions), as
 * lgx_avro_get_str: LGX_ERR_NOT_FOUND for null or past the end. */
lgx_err_t lgx_avro_item_str(avro_value_t *arr, size_t i, const char **s,
                            size_t *len) LGX_MUST_CHECK;

/* Union field holding a record: *branch is the record, *name its schema
 * name ("LabelCreated"). */
lgx_err_t lgx_avro_get_branch(avro_value_t *rec, const char *name,
                              avro_value_t *branch,
                              const char **branch_name) LGX_MUST_CHECK;

/* Bytes field: *data points into the record. */
lgx_err_t lgx_avro_get_bytes(avro_value_t *rec, const char *name,
                             const void **data, size_t *len) LGX_MUST_CHECK;

/* Formats epoch milliseconds as Odoo's datetime "YYYY-MM-DD HH:MM:SS"
 * (UTC) into out (at least 20 bytes), always terminated. A time outside
 * the years Odoo can hold (1 to 9999) is clamped to the nearest end. */
void lgx_avro_odoo_time(int64_t ms, char out[20]);

/* Reads Odoo's datetime text "YYYY-MM-DD HH:MM:SS" (UTC) into *ms; false
 * when s is NULL or not that form. */
bool lgx_avro_parse_odoo_time(const char *s, int64_t *ms);

/* Input limits: LGX_ERR_INVALID when a string or bytes value anywhere in
 * v is longer than max_bytes (bytes values: max_blob) or an array or map
 * holds more than max_items, with the field's path and the limit in
 * errstr. */
lgx_err_t lgx_avro_check_limits(avro_value_t *v, size_t max_bytes,
                                size_t max_blob, size_t max_items, char *errstr,
                                size_t errstr_size) LGX_MUST_CHECK;

#endif
