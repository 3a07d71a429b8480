/*
 * lgx_avro_value: reading a decoded record (lgx_avro_decode's), and the
 * input limits it must keep. Pure: no state, no I/O.
 */
#ifndef LGX_AVRO_VALUE_H
#define LGX_AVRO_VALUE_H

#include <avro.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

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

/* Input limits: LGX_ERR_INVALID when a string or bytes value anywhere in
 * v is longer than max_bytes (bytes values: max_blob) or an array or map
 * holds more than max_items, with the field's path and the limit in
 * errstr. */
lgx_err_t lgx_avro_check_limits(avro_value_t *v, size_t max_bytes,
                                size_t max_blob, size_t max_items, char *errstr,
                                size_t errstr_size) LGX_MUST_CHECK;

/* A string field of a decoded record (a union looked through), or NULL
 * when it is missing, null, empty or not a string. Points into rec. */
const char *lgx_avro_str(avro_value_t *rec, const char *name);

/* The symbol of an enum field of a decoded record, or NULL when it is
 * missing or not an enum. Owned by the schema. */
const char *lgx_avro_enum(avro_value_t *rec, const char *name);

#endif
