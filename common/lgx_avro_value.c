/*
 * lgx_avro_value: the input limits of a decoded record and the accessors
 * of its fields (lgx_avro_value.h). Both look through unions.
 */
#include "lgx_avro_value.h"

#include <stdio.h>
#include <string.h>

/* ---- input limits ---- */

typedef struct limits {
    size_t max_bytes, max_blob, max_items;
    char path[256];
    char *errstr;
    size_t size;
} limits_t;

static lgx_err_t check_value(limits_t *l, avro_value_t *v, int depth);

static lgx_err_t check_children(limits_t *l, avro_value_t *v, int depth)
{
    size_t n = 0;
    avro_type_t t = avro_value_get_type(v);
    avro_value_get_size(v, &n);
    if ((t == AVRO_ARRAY || t == AVRO_MAP) && n > l->max_items) {
        snprintf(l->errstr, l->size, "%s holds %zu items; at most %zu",
                 l->path[0] ? l->path : "(root)", n, l->max_items);
        return LGX_ERR_INVALID;
    }
    size_t plen = strlen(l->path);
    for (size_t i = 0; i < n; i++) {
        avro_value_t child;
        const char *name = NULL;
        if (avro_value_get_by_index(v, i, &child, &name) != 0) {
            return LGX_ERR_DECODE;
        }
        if (t == AVRO_RECORD) {
            snprintf(l->path + plen, sizeof(l->path) - plen, "%s%s",
                     plen ? "." : "", name);
        } else {
            snprintf(l->path + plen, sizeof(l->path) - plen, "[%zu]", i);
        }
        lgx_err_t err = check_value(l, &child, depth + 1);
        l->path[plen] = '\0';
        if (err != LGX_OK) {
            return err;
        }
    }
    return LGX_OK;
}

static lgx_err_t check_value(limits_t *l, avro_value_t *v, int depth)
{
    const char *s = NULL;
    const void *b = NULL;
    size_t len = 0;
    avro_value_t branch;
    if (depth > 32) {
        snprintf(l->errstr, l->size, "%s nests too deep", l->path);
        return LGX_ERR_INVALID;
    }
    switch (avro_value_get_type(v)) {
    case AVRO_STRING:
        avro_value_get_string(v, &s, &len);
        len = len ? len - 1 : 0;
        break;
    case AVRO_BYTES:
        avro_value_get_bytes(v, &b, &len);
        if (len > l->max_blob) {
            snprintf(l->errstr, l->size, "%s is %zu bytes; at most %zu",
                     l->path, len, l->max_blob);
            return LGX_ERR_INVALID;
        }
        return LGX_OK;
    case AVRO_UNION:
        return avro_value_get_current_branch(v, &branch) == 0
                   ? check_value(l, &branch, depth + 1)
                   : LGX_OK;
    case AVRO_RECORD:
    case AVRO_ARRAY:
    case AVRO_MAP:
        return check_children(l, v, depth);
    default:
        return LGX_OK;
    }
    if (len > l->max_bytes) {
        snprintf(l->errstr, l->size, "%s is %zu bytes long; at most %zu",
                 l->path, len, l->max_bytes);
        return LGX_ERR_INVALID;
    }
    return LGX_OK;
}

lgx_err_t lgx_avro_check_limits(avro_value_t *v, size_t max_bytes,
                                size_t max_blob, size_t max_items, char *errstr,
                                size_t size)
{
    limits_t l = {max_bytes, max_blob, max_items, "", errstr, size};
    return check_value(&l, v, 0);
}

/* ---- field accessors ---- */

/* v with a union looked through; LGX_ERR_NOT_FOUND for null. */
static lgx_err_t through(avro_value_t v, avro_value_t *out)
{
    if (avro_value_get_type(&v) == AVRO_UNION) {
        avro_value_t branch;
        if (avro_value_get_current_branch(&v, &branch) != 0) {
            return LGX_ERR_NOT_FOUND;
        }
        v = branch;
    }
    if (avro_value_get_type(&v) == AVRO_NULL) {
        return LGX_ERR_NOT_FOUND;
    }
    *out = v;
    return LGX_OK;
}

static lgx_err_t get_field(avro_value_t *rec, const char *name,
                           avro_value_t *out)
{
    avro_value_t v;
    if (avro_value_get_by_name(rec, name, &v, NULL) != 0) {
        return LGX_ERR_NOT_FOUND;
    }
    return through(v, out);
}

/* The string of v (a union looked through). */
static lgx_err_t str_of(avro_value_t v, const char **s, size_t *len)
{
    lgx_err_t err = through(v, &v);
    size_t size = 0;
    if (err != LGX_OK) {
        return err;
    }
    if (avro_value_get_type(&v) != AVRO_STRING ||
        avro_value_get_string(&v, s, &size) != 0) {
        return LGX_ERR_SCHEMA;
    }
    *len = size ? size - 1 : 0;
    return LGX_OK;
}

lgx_err_t lgx_avro_item_str(avro_value_t *arr, size_t i, const char **s,
                            size_t *len)
{
    avro_value_t v;
    if (avro_value_get_by_index(arr, i, &v, NULL) != 0) {
        return LGX_ERR_NOT_FOUND;
    }
    return str_of(v, s, len);
}

lgx_err_t lgx_avro_get_str(avro_value_t *rec, const char *name, const char **s,
                           size_t *len)
{
    avro_value_t v;
    if (avro_value_get_by_name(rec, name, &v, NULL) != 0) {
        return LGX_ERR_NOT_FOUND;
    }
    return str_of(v, s, len);
}

lgx_err_t lgx_avro_get_long(avro_value_t *rec, const char *name, int64_t *out)
{
    avro_value_t v;
    lgx_err_t err = get_field(rec, name, &v);
    if (err != LGX_OK) {
        return err;
    }
    int32_t i32;
    switch (avro_value_get_type(&v)) {
    case AVRO_INT64:
        return avro_value_get_long(&v, out) == 0 ? LGX_OK : LGX_ERR_SCHEMA;
    case AVRO_INT32:
        if (avro_value_get_int(&v, &i32) != 0) {
            return LGX_ERR_SCHEMA;
        }
        *out = i32;
        return LGX_OK;
    default:
        return LGX_ERR_SCHEMA;
    }
}

lgx_err_t lgx_avro_get_double(avro_value_t *rec, const char *name, double *out)
{
    avro_value_t v;
    lgx_err_t err = get_field(rec, name, &v);
    if (err != LGX_OK) {
        return err;
    }
    float f;
    switch (avro_value_get_type(&v)) {
    case AVRO_DOUBLE:
        return avro_value_get_double(&v, out) == 0 ? LGX_OK : LGX_ERR_SCHEMA;
    case AVRO_FLOAT:
        if (avro_value_get_float(&v, &f) != 0) {
            return LGX_ERR_SCHEMA;
        }
        *out = f;
        return LGX_OK;
    default:
        return LGX_ERR_SCHEMA;
    }
}

lgx_err_t lgx_avro_get_bool(avro_value_t *rec, const char *name, int *out)
{
    avro_value_t v;
    lgx_err_t err = get_field(rec, name, &v);
    if (err != LGX_OK) {
        return err;
    }
    if (avro_value_get_type(&v) != AVRO_BOOLEAN ||
        avro_value_get_boolean(&v, out) != 0) {
        return LGX_ERR_SCHEMA;
    }
    return LGX_OK;
}

lgx_err_t lgx_avro_get_array(avro_value_t *rec, const char *name,
                             avro_value_t *arr, size_t *n)
{
    lgx_err_t err = get_field(rec, name, arr);
    if (err != LGX_OK) {
        return err;
    }
    if (avro_value_get_type(arr) != AVRO_ARRAY ||
        avro_value_get_size(arr, n) != 0) {
        return LGX_ERR_SCHEMA;
    }
    return LGX_OK;
}

lgx_err_t lgx_avro_get_branch(avro_value_t *rec, const char *name,
                              avro_value_t *branch, const char **branch_name)
{
    lgx_err_t err = get_field(rec, name, branch);
    if (err != LGX_OK) {
        return err;
    }
    if (avro_value_get_type(branch) != AVRO_RECORD) {
        return LGX_ERR_SCHEMA;
    }
    *branch_name = avro_schema_name(avro_value_get_schema(branch));
    return LGX_OK;
}

lgx_err_t lgx_avro_get_bytes(avro_value_t *rec, const char *name,
                             const void **data, size_t *len)
{
    avro_value_t v;
    lgx_err_t err = get_field(rec, name, &v);
    if (err != LGX_OK) {
        return err;
    }
    if (avro_value_get_type(&v) != AVRO_BYTES ||
        avro_value_get_bytes(&v, data, len) != 0) {
        return LGX_ERR_SCHEMA;
    }
    return LGX_OK;
}

const char *lgx_avro_str(avro_value_t *rec, const char *name)
{
    const char *s = NULL;
    size_t len = 0;
    if (lgx_avro_get_str(rec, name, &s, &len) != LGX_OK || len == 0) {
        return NULL;
    }
    return s;
}

const char *lgx_avro_enum(avro_value_t *rec, const char *name)
{
    avro_value_t f, branch;
    int i = 0;
    if (avro_value_get_by_name(rec, name, &f, NULL) != 0) {
        return NULL;
    }
    if (avro_value_get_type(&f) == AVRO_UNION) {
        if (avro_value_get_current_branch(&f, &branch) != 0) {
            return NULL;
        }
        f = branch;
    }
    if (avro_value_get_type(&f) != AVRO_ENUM ||
        avro_value_get_enum(&f, &i) != 0) {
        return NULL;
    }
    return avro_schema_enum_get(avro_value_get_schema(&f), i);
}
