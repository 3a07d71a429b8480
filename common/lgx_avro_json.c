/*
 * lgx_avro_json: a JSON object encoded as a schema's record and framed
 * (lgx_avro_json.h). The value is built with avro-c's generic values,
 * field by field after the schema, so errstr can name the field at fault.
 */
#include "lgx_avro_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_json.h"
#include "lgx_time.h"

typedef struct enc_ctx {
    char *errstr;
    size_t size;
    char path[256];
} enc_ctx_t;

static lgx_err_t enc_value(enc_ctx_t *c, avro_value_t *v, yajl_val j);

static lgx_err_t enc_fail(enc_ctx_t *c, const char *what)
{
    snprintf(c->errstr, c->size, "field %s: %s",
             c->path[0] ? c->path : "(root)", what);
    return LGX_ERR_INVALID;
}

static bool branch_fits(avro_schema_t s, yajl_val j)
{
    switch (avro_typeof(s)) {
    case AVRO_STRING:
    case AVRO_BYTES:
    case AVRO_ENUM:
        return YAJL_IS_STRING(j);
    case AVRO_INT32:
        return YAJL_IS_INTEGER(j);
    case AVRO_INT64:
        return YAJL_IS_INTEGER(j) || YAJL_IS_STRING(j);
    case AVRO_FLOAT:
    case AVRO_DOUBLE:
        return YAJL_IS_NUMBER(j);
    case AVRO_BOOLEAN:
        return YAJL_IS_TRUE(j) || YAJL_IS_FALSE(j);
    case AVRO_NULL:
        return YAJL_IS_NULL(j);
    case AVRO_RECORD:
    case AVRO_MAP:
        return YAJL_IS_OBJECT(j);
    case AVRO_ARRAY:
        return YAJL_IS_ARRAY(j);
    default:
        return false;
    }
}

static lgx_err_t enc_union(enc_ctx_t *c, avro_value_t *v, yajl_val j)
{
    avro_schema_t us = avro_value_get_schema(v);
    size_t n = avro_schema_union_size(us);
    /* Avro's JSON encoding: {"string": "x"} names the branch. */
    if (YAJL_IS_OBJECT(j) && j->u.object.len == 1) {
        for (size_t i = 0; i < n; i++) {
            avro_schema_t b = avro_schema_union_branch(us, (int)i);
            const char *bn = avro_schema_type_name(b);
            if (bn && strcmp(bn, j->u.object.keys[0]) == 0) {
                avro_value_t branch;
                if (avro_value_set_branch(v, (int)i, &branch) != 0) {
                    return enc_fail(c, avro_strerror());
                }
                return enc_value(c, &branch, j->u.object.values[0]);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (branch_fits(avro_schema_union_branch(us, (int)i), j)) {
            avro_value_t branch;
            if (avro_value_set_branch(v, (int)i, &branch) != 0) {
                return enc_fail(c, avro_strerror());
            }
            return enc_value(c, &branch, j);
        }
    }
    return enc_fail(c, "value fits no branch of the union");
}

static lgx_err_t enc_record(enc_ctx_t *c, avro_value_t *v, yajl_val j)
{
    if (!YAJL_IS_OBJECT(j)) {
        return enc_fail(c, "expected an object");
    }
    size_t n = 0;
    avro_value_get_size(v, &n);
    size_t plen = strlen(c->path);
    for (size_t i = 0; i < n; i++) {
        avro_value_t field;
        const char *name = NULL;
        if (avro_value_get_by_index(v, i, &field, &name) != 0) {
            return enc_fail(c, avro_strerror());
        }
        snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s",
                 plen ? "." : "", name);
        yajl_val fj = lgx_json_get(j, name);
        lgx_err_t err;
        if (!fj && avro_value_get_type(&field) == AVRO_UNION) {
            yajl_val null_json = NULL;
            struct yajl_val_s null_val = {.type = yajl_t_null};
            null_json = &null_val;
            err = enc_value(c, &field, null_json);
        } else if (!fj) {
            err = enc_fail(c, "missing");
        } else {
            err = enc_value(c, &field, fj);
        }
        if (err != LGX_OK) {
            return err;
        }
        c->path[plen] = '\0';
    }
    return LGX_OK;
}

static lgx_err_t enc_array(enc_ctx_t *c, avro_value_t *v, yajl_val j)
{
    if (!YAJL_IS_ARRAY(j)) {
        return enc_fail(c, "expected an array");
    }
    for (size_t i = 0; i < j->u.array.len; i++) {
        avro_value_t item;
        if (avro_value_append(v, &item, NULL) != 0) {
            return enc_fail(c, avro_strerror());
        }
        lgx_err_t err = enc_value(c, &item, j->u.array.values[i]);
        if (err != LGX_OK) {
            return err;
        }
    }
    return LGX_OK;
}

static lgx_err_t enc_map(enc_ctx_t *c, avro_value_t *v, yajl_val j)
{
    if (!YAJL_IS_OBJECT(j)) {
        return enc_fail(c, "expected an object");
    }
    for (size_t i = 0; i < j->u.object.len; i++) {
        avro_value_t item;
        if (avro_value_add(v, j->u.object.keys[i], &item, NULL, NULL) != 0) {
            return enc_fail(c, avro_strerror());
        }
        lgx_err_t err = enc_value(c, &item, j->u.object.values[i]);
        if (err != LGX_OK) {
            return err;
        }
    }
    return LGX_OK;
}

static lgx_err_t enc_scalar(enc_ctx_t *c, avro_value_t *v, yajl_val j)
{
    int rc = -1;
    int64_t ms;
    switch (avro_value_get_type(v)) {
    case AVRO_STRING:
        if (YAJL_IS_STRING(j)) {
            rc = avro_value_set_string(v, j->u.string);
        }
        break;
    case AVRO_BYTES:
        if (YAJL_IS_STRING(j)) {
            rc = avro_value_set_bytes(v, j->u.string, strlen(j->u.string));
        }
        break;
    case AVRO_INT32:
        if (YAJL_IS_INTEGER(j) && YAJL_GET_INTEGER(j) >= INT32_MIN &&
            YAJL_GET_INTEGER(j) <= INT32_MAX) {
            rc = avro_value_set_int(v, (int32_t)YAJL_GET_INTEGER(j));
        }
        break;
    case AVRO_INT64:
        if (YAJL_IS_INTEGER(j)) {
            rc = avro_value_set_long(v, YAJL_GET_INTEGER(j));
        } else if (YAJL_IS_STRING(j) &&
                   lgx_time_parse_iso(j->u.string, &ms) == LGX_OK) {
            rc = avro_value_set_long(v, ms);
        }
        break;
    case AVRO_FLOAT:
        if (YAJL_IS_NUMBER(j)) {
            rc = avro_value_set_float(v, (float)YAJL_GET_DOUBLE(j));
        }
        break;
    case AVRO_DOUBLE:
        if (YAJL_IS_NUMBER(j)) {
            rc = avro_value_set_double(v, YAJL_IS_INTEGER(j)
                                              ? (double)YAJL_GET_INTEGER(j)
                                              : YAJL_GET_DOUBLE(j));
        }
        break;
    case AVRO_BOOLEAN:
        if (YAJL_IS_TRUE(j) || YAJL_IS_FALSE(j)) {
            rc = avro_value_set_boolean(v, YAJL_IS_TRUE(j));
        }
        break;
    case AVRO_NULL:
        if (YAJL_IS_NULL(j)) {
            rc = avro_value_set_null(v);
        }
        break;
    case AVRO_ENUM:
        if (YAJL_IS_STRING(j)) {
            int sym = avro_schema_enum_get_by_name(avro_value_get_schema(v),
                                                   j->u.string);
            rc = sym < 0 ? -1 : avro_value_set_enum(v, sym);
        }
        break;
    default:
        break;
    }
    return rc == 0 ? LGX_OK : enc_fail(c, "wrong type for the schema");
}

static lgx_err_t enc_value(enc_ctx_t *c, avro_value_t *v, yajl_val j)
{
    switch (avro_value_get_type(v)) {
    case AVRO_RECORD:
        return enc_record(c, v, j);
    case AVRO_UNION:
        return enc_union(c, v, j);
    case AVRO_ARRAY:
        return enc_array(c, v, j);
    case AVRO_MAP:
        return enc_map(c, v, j);
    default:
        return enc_scalar(c, v, j);
    }
}

lgx_err_t lgx_avro_encode_json(const lgx_avro_store_t *store, int32_t id,
                               const char *json, size_t json_len,
                               lgx_buf_t *out, char *errstr, size_t size)
{
    avro_schema_t schema = lgx_avro_store_schema(store, id);
    if (!schema) {
        snprintf(errstr, size, "unknown schema id %d", (int)id);
        return LGX_ERR_SCHEMA;
    }
    yajl_val root = lgx_json_parse(json, json_len, errstr, size);
    if (!root) {
        return LGX_ERR_DECODE;
    }
    lgx_err_t err = LGX_ERR_NOMEM;
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t value;
    bool have_value = false;
    char *body = NULL;
    if (!iface || avro_generic_value_new(iface, &value) != 0) {
        goto done;
    }
    have_value = true;
    enc_ctx_t c = {errstr, size, ""};
    err = enc_value(&c, &value, root);
    if (err != LGX_OK) {
        goto done;
    }
    size_t body_size = 0;
    avro_value_sizeof(&value, &body_size);
    body = malloc(body_size ? body_size : 1);
    err = LGX_ERR_NOMEM;
    if (!body) {
        goto done;
    }
    avro_writer_t w = avro_writer_memory(body, (int64_t)body_size);
    if (!w) {
        goto done;
    }
    int rc = avro_value_write(w, &value);
    avro_writer_free(w);
    if (rc != 0) {
        snprintf(errstr, size, "Avro encoding failed: %s", avro_strerror());
        err = LGX_ERR_INVALID;
        goto done;
    }
    unsigned char hdr[LGX_AVRO_HEADER_SIZE] = {
        LGX_AVRO_MAGIC, (unsigned char)((uint32_t)id >> 24),
        (unsigned char)((uint32_t)id >> 16), (unsigned char)((uint32_t)id >> 8),
        (unsigned char)id};
    err = lgx_buf_append(out, hdr, sizeof(hdr));
    if (err == LGX_OK) {
        err = lgx_buf_append(out, body, body_size);
    }
done:
    free(body);
    if (have_value) {
        avro_value_decref(&value);
    }
    if (iface) {
        avro_value_iface_decref(iface);
    }
    yajl_tree_free(root);
    return err;
}
