/*
 * lgx_avro: event contracts, Confluent framing and decoding. A decoded
 * record is read with lgx_avro_value.h; JSON is encoded into a framed
 * message with lgx_avro_json.h.
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

#endif
