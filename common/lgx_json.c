#include "lgx_json.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

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

yajl_val lgx_json_find_id(yajl_val rows, int64_t id)
{
    for (size_t i = 0; i < lgx_json_len(rows); i++) {
        yajl_val r = lgx_json_at(rows, i);
        int64_t rid = 0;
        if (lgx_json_get_int(r, "id", &rid) && rid == id) {
            return r;
        }
    }
    return NULL;
}

size_t lgx_json_ids(yajl_val recs, int64_t *ids, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < lgx_json_len(recs) && n < max; i++) {
        if (lgx_json_get_int(lgx_json_at(recs, i), "id", &ids[n])) {
            n++;
        }
    }
    return n;
}

const char *lgx_json_m2o_name(yajl_val v)
{
    yajl_val name = lgx_json_at(v, 1);
    return YAJL_IS_STRING(name) ? YAJL_GET_STRING(name) : NULL;
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

/* ---- parsing ----
 *
 * The tree is yajl_tree_parse's (same nodes, numbers, comments allowed;
 * yajl_tree_free frees it), built from yajl's callbacks: yajl_tree_parse
 * grows each array and object by one element per element (a realloc
 * each), quadratic under allocators that copy, such as the sanitizers'
 * and valgrind's; here capacities double. */

typedef struct tree {
    yajl_val root;
    yajl_val open[LGX_JSON_MAX_DEPTH + 1]; /* arrays and objects not closed */
    size_t cap[LGX_JSON_MAX_DEPTH + 1];    /* their capacity */
    size_t depth;
    char *key; /* of the next value of the innermost object */
    bool nomem;
    bool too_deep;
} tree_t;

/* Makes room for one more element in open container c of capacity *cap. */
static bool tree_grow(yajl_val c, size_t *cap)
{
    bool obj = YAJL_IS_OBJECT(c);
    size_t len = obj ? c->u.object.len : c->u.array.len;
    if (len < *cap) {
        return true;
    }
    size_t n = *cap ? 2 * *cap : 8;
    yajl_val *values = realloc(obj ? c->u.object.values : c->u.array.values,
                               n * sizeof(*values));
    if (!values) {
        return false;
    }
    *(obj ? &c->u.object.values : &c->u.array.values) = values;
    if (obj) {
        const char **keys = realloc(c->u.object.keys, n * sizeof(*keys));
        if (!keys) {
            return false;
        }
        c->u.object.keys = keys;
    }
    *cap = n;
    return true;
}

/* Puts v (owned) into the innermost open container, or makes it the root;
 * 0 stops the parse (v freed). */
static int tree_add(tree_t *t, yajl_val v)
{
    yajl_val c = t->depth ? t->open[t->depth - 1] : NULL;
    if (!v || (c && !tree_grow(c, &t->cap[t->depth - 1]))) {
        t->nomem = true;
        yajl_tree_free(v);
        return 0;
    }
    if (!c) {
        t->root = v;
    } else if (YAJL_IS_OBJECT(c)) {
        c->u.object.keys[c->u.object.len] = t->key;
        c->u.object.values[c->u.object.len++] = v;
        t->key = NULL;
    } else {
        c->u.array.values[c->u.array.len++] = v;
    }
    return 1;
}

static yajl_val tree_node(yajl_type type)
{
    yajl_val v = calloc(1, sizeof(*v));
    if (v) {
        v->type = type;
    }
    return v;
}

static char *text_dup(const unsigned char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static int on_null(void *ctx)
{
    return tree_add(ctx, tree_node(yajl_t_null));
}

static int on_boolean(void *ctx, int b)
{
    return tree_add(ctx, tree_node(b ? yajl_t_true : yajl_t_false));
}

/* As yajl_tree: the text, and the integer and double it is exactly (an
 * integer only of digits within range, as yajl's own parse of it). */
static int on_number(void *ctx, const char *s, size_t len)
{
    yajl_val v = tree_node(yajl_t_number);
    if (v && !(v->u.number.r = text_dup((const unsigned char *)s, len))) {
        free(v);
        v = NULL;
    }
    if (v) {
        const char *r = v->u.number.r;
        const char *digits = r + (r[0] == '-');
        char *end = NULL;
        errno = 0;
        long long i = strtoll(r, &end, 10);
        if (errno == 0 && *end == '\0' && digits[0] >= '0' &&
            digits[0] <= '9' && i != LLONG_MIN) {
            v->u.number.i = i;
            v->u.number.flags |= YAJL_NUMBER_INT_VALID;
        }
        errno = 0;
        v->u.number.d = strtod(r, &end);
        if (errno == 0 && *end == '\0') {
            v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
        }
    }
    return tree_add(ctx, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    yajl_val v = tree_node(yajl_t_string);
    if (v && !(v->u.string = text_dup(s, len))) {
        free(v);
        v = NULL;
    }
    return tree_add(ctx, v);
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    tree_t *t = ctx;
    free(t->key);
    t->key = text_dup(s, len);
    t->nomem = !t->key;
    return t->key != NULL;
}

static int tree_open(tree_t *t, yajl_type type)
{
    /* depth_of refuses most deeper text before parsing; what it cannot
     * see (brackets after a quote inside a comment) stops here. */
    if (t->depth >= LGX_JSON_MAX_DEPTH) {
        t->too_deep = true;
        return 0;
    }
    yajl_val v = tree_node(type);
    if (!tree_add(t, v)) {
        return 0;
    }
    t->open[t->depth] = v;
    t->cap[t->depth++] = 0;
    return 1;
}

static int on_start_map(void *ctx)
{
    return tree_open(ctx, yajl_t_object);
}

static int on_start_array(void *ctx)
{
    return tree_open(ctx, yajl_t_array);
}

static int on_end(void *ctx)
{
    ((tree_t *)ctx)->depth--;
    return 1;
}

static const yajl_callbacks tree_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

static void too_deep(char *errstr, size_t size)
{
    snprintf(errstr, size,
             "invalid JSON: nested deeper than %d levels of arrays and "
             "objects",
             LGX_JSON_MAX_DEPTH);
}

yajl_val lgx_json_parse(const char *text, size_t len, char *errstr, size_t size)
{
    if (depth_of(text, len, LGX_JSON_MAX_DEPTH) > LGX_JSON_MAX_DEPTH) {
        too_deep(errstr, size);
        return NULL;
    }
    tree_t *t = calloc(1, sizeof(*t));
    yajl_handle h = t ? yajl_alloc(&tree_callbacks, NULL, t) : NULL;
    if (!h) {
        free(t);
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    yajl_config(h, yajl_allow_comments, 1);
    const unsigned char *in = (const unsigned char *)text;
    yajl_status st = yajl_parse(h, in, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }
    yajl_val root = t->root;
    if (st != yajl_status_ok && t->nomem) {
        snprintf(errstr, size, "out of memory");
    } else if (st != yajl_status_ok && t->too_deep) {
        too_deep(errstr, size);
    } else if (st != yajl_status_ok) {
        unsigned char *why = yajl_get_error(h, 1, in, len);
        /* yajl's message spans lines; keep the first. */
        const char *w = why ? (const char *)why : "parse error";
        snprintf(errstr, size, "invalid JSON: %.*s", (int)strcspn(w, "\n"), w);
        if (why) {
            yajl_free_error(h, why);
        }
    }
    if (st != yajl_status_ok) {
        yajl_tree_free(root);
        root = NULL;
    }
    free(t->key);
    yajl_free(h);
    free(t);
    return root;
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
