#include "lgx_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yajl_val lgx_json_get(yajl_val obj, const char *name)
{
    if (!YAJL_IS_OBJECT(obj)) {
        return NULL;
    }
    for (size_t i = 0; i < obj->u.object.len; i++) {
        if (strcmp(obj->u.object.keys[i], name) == 0) {
            return obj->u.object.values[i];
        }
    }
    return NULL;
}

const char *lgx_json_get_str(yajl_val obj, const char *name)
{
    yajl_val v = lgx_json_get(obj, name);
    return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

bool lgx_json_get_int(yajl_val obj, const char *name, int64_t *out)
{
    yajl_val v = lgx_json_get(obj, name);
    if (!YAJL_IS_INTEGER(v)) {
        return false;
    }
    *out = YAJL_GET_INTEGER(v);
    return true;
}

bool lgx_json_get_num(yajl_val obj, const char *name, double *out)
{
    yajl_val v = lgx_json_get(obj, name);
    if (!YAJL_IS_NUMBER(v)) {
        return false;
    }
    *out =
        YAJL_IS_INTEGER(v) ? (double)YAJL_GET_INTEGER(v) : YAJL_GET_DOUBLE(v);
    return true;
}

size_t lgx_json_len(yajl_val arr)
{
    return YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0;
}

yajl_val lgx_json_at(yajl_val arr, size_t i)
{
    return i < lgx_json_len(arr) ? arr->u.array.values[i] : NULL;
}

int64_t lgx_json_m2o_id(yajl_val v)
{
    if (YAJL_IS_INTEGER(v)) {
        return YAJL_GET_INTEGER(v);
    }
    yajl_val first = lgx_json_at(v, 0);
    return YAJL_IS_INTEGER(first) ? YAJL_GET_INTEGER(first) : 0;
}

/* The deepest nesting of arrays and objects in text, brackets inside
 * strings not counted; stops counting past limit. */
static size_t depth_of(const char *text, size_t len, size_t limit)
{
    size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < len && deepest <= limit; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = ++depth > deepest ? depth : deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

yajl_val lgx_json_parse(const char *text, size_t len, char *errstr, size_t size)
{
    if (depth_of(text, len, LGX_JSON_MAX_DEPTH) > LGX_JSON_MAX_DEPTH) {
        snprintf(errstr, size,
                 "invalid JSON: nested deeper than %d levels of arrays and "
                 "objects",
                 LGX_JSON_MAX_DEPTH);
        return NULL;
    }
    /* yajl_tree_parse wants a NUL-terminated string. */
    char *copy = malloc(len + 1);
    if (!copy) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    char yerr[256] = "";
    yajl_val v = yajl_tree_parse(copy, yerr, sizeof(yerr));
    free(copy);
    if (!v) {
        /* yajl's message spans lines; keep the first. */
        char *nl = strchr(yerr, '\n');
        if (nl) {
            *nl = '\0';
        }
        snprintf(errstr, size, "invalid JSON: %s",
                 yerr[0] ? yerr : "parse error");
    }
    return v;
}

lgx_err_t lgx_json_write(lgx_buf_t *out, yajl_val v)
{
    lgx_err_t err = LGX_OK;
    if (!v || YAJL_IS_NULL(v)) {
        return lgx_buf_puts(out, "null");
    }
    if (YAJL_IS_TRUE(v)) {
        return lgx_buf_puts(out, "true");
    }
    if (YAJL_IS_FALSE(v)) {
        return lgx_buf_puts(out, "false");
    }
    if (YAJL_IS_STRING(v)) {
        return lgx_buf_json_str(out, v->u.string, strlen(v->u.string));
    }
    if (YAJL_IS_NUMBER(v)) {
        /* yajl keeps the number's original text. */
        return lgx_buf_puts(out, v->u.number.r);
    }
    if (YAJL_IS_ARRAY(v)) {
        err = lgx_buf_puts(out, "[");
        for (size_t i = 0; err == LGX_OK && i < v->u.array.len; i++) {
            if (i) {
                err = lgx_buf_puts(out, ",");
            }
            if (err == LGX_OK) {
                err = lgx_json_write(out, v->u.array.values[i]);
            }
        }
        return err == LGX_OK ? lgx_buf_puts(out, "]") : err;
    }
    err = lgx_buf_puts(out, "{");
    for (size_t i = 0; err == LGX_OK && i < v->u.object.len; i++) {
        const char *k = v->u.object.keys[i];
        if (i) {
            err = lgx_buf_puts(out, ",");
        }
        if (err == LGX_OK) {
            err = lgx_buf_json_str(out, k, strlen(k));
        }
        if (err == LGX_OK) {
            err = lgx_buf_puts(out, ":");
        }
        if (err == LGX_OK) {
            err = lgx_json_write(out, v->u.object.values[i]);
        }
    }
    return err == LGX_OK ? lgx_buf_puts(out, "}") : err;
}
