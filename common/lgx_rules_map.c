/*
 * lgx_rules_map: the mapping section of the rules file, the partners'
 * codes as Odoo names them: read and checked with the file, then looked
 * up per event (lgx_rules_map, lgx_rules_product_field).
 */
#include "lgx_rules_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kinds of partner codes a mapping section may map, in the order of
 * mapping_t.maps. */
static const char *const map_kinds[] = {"carriers", "products", "units",
                                        "warehouses"};
#define N_MAP_KINDS (sizeof(map_kinds) / sizeof(map_kinds[0]))

typedef struct code_pair {
    const char *code; /* both in the map's text */
    const char *value;
} code_pair_t;

/* One map of a section: pairs sorted by code (bsearch), their strings in
 * one block. */
typedef struct code_map {
    bool given; /* the section maps this kind: unlisted codes are unmapped */
    code_pair_t *pairs;
    size_t n;
    char *text;
} code_map_t;

/* A section of "mapping": the codes of the sources its pattern matches. */
struct mapping {
    char *pattern;
    code_map_t maps[N_MAP_KINDS];
    bool barcode; /* product codes are barcodes, not default_codes */
};

static int map_kind(const char *kind)
{
    for (size_t i = 0; i < N_MAP_KINDS; i++) {
        if (strcmp(map_kinds[i], kind) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const code_pair_t *)a)->code,
                  ((const code_pair_t *)b)->code);
}

static int code_cmp(const void *code, const void *pair)
{
    return strcmp(code, ((const code_pair_t *)pair)->code);
}

/* Copies s to *t and moves *t past its NUL; returns the copy. */
static const char *text_put(char **t, const char *s)
{
    size_t n = strlen(s) + 1;
    char *at = memcpy(*t, s, n);
    *t += n;
    return at;
}

/* What is wrong with one member of a map, or NULL. */
static const char *bad_pair(const char *code, yajl_val value)
{
    if (!code[0]) {
        return "a code must not be empty";
    }
    return YAJL_IS_STRING(value) && value->u.string[0]
               ? NULL
               : "expected a non-empty string";
}

/* Every code non-empty, every value a non-empty string, at most
 * LGX_RULES_MAP_MAX of them; *bytes is what their text takes. */
static lgx_err_t check_map(yajl_val v, const char *where, size_t *bytes,
                           char *errstr, size_t size)
{
    size_t n = YAJL_IS_OBJECT(v) ? v->u.object.len : 0;
    if (!YAJL_IS_OBJECT(v) || n > LGX_RULES_MAP_MAX) {
        char count[40] = "";
        if (n) {
            snprintf(count, sizeof(count), ", not %zu", n);
        }
        snprintf(errstr, size, "%s: expected an object of at most %d codes%s",
                 where, LGX_RULES_MAP_MAX, count);
        return LGX_ERR_INVALID;
    }
    *bytes = 1;
    for (size_t i = 0; i < n; i++) {
        const char *code = v->u.object.keys[i];
        const char *why = bad_pair(code, v->u.object.values[i]);
        if (why) {
            snprintf(errstr, size, "%s%s%s: %s", where, code[0] ? "." : "",
                     code, why);
            return LGX_ERR_INVALID;
        }
        *bytes += strlen(code) + strlen(v->u.object.values[i]->u.string) + 2;
    }
    return LGX_OK;
}

/* Reads {code: value} into m, sorted by code; a code given twice is
 * refused (which one was meant is unknown). */
static lgx_err_t read_map(yajl_val v, const char *where, code_map_t *m,
                          char *errstr, size_t size)
{
    size_t bytes = 0;
    lgx_err_t err = check_map(v, where, &bytes, errstr, size);
    if (err != LGX_OK) {
        return err;
    }
    size_t n = v->u.object.len;
    m->given = true;
    if (!(m->pairs = calloc(n ? n : 1, sizeof(*m->pairs))) ||
        !(m->text = malloc(bytes))) {
        snprintf(errstr, size, "%s: out of memory", where);
        return LGX_ERR_NOMEM;
    }
    char *t = m->text;
    for (size_t i = 0; i < n; i++) {
        m->pairs[i].code = text_put(&t, v->u.object.keys[i]);
        m->pairs[i].value = text_put(&t, v->u.object.values[i]->u.string);
    }
    m->n = n;
    qsort(m->pairs, n, sizeof(*m->pairs), pair_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(m->pairs[i - 1].code, m->pairs[i].code) == 0) {
            snprintf(errstr, size, "%s.%s: given twice", where,
                     m->pairs[i].code);
            return LGX_ERR_INVALID;
        }
    }
    return LGX_OK;
}

static lgx_err_t read_product_field(yajl_val v, const char *where,
                                    bool *barcode, char *errstr, size_t size)
{
    const char *f = YAJL_IS_STRING(v) ? v->u.string : "";
    if (strcmp(f, "default_code") != 0 && strcmp(f, "barcode") != 0) {
        snprintf(errstr, size, "%s: expected \"default_code\" or \"barcode\"",
                 where);
        return LGX_ERR_INVALID;
    }
    *barcode = strcmp(f, "barcode") == 0;
    return LGX_OK;
}

/* One key of a section: a map, product_field or doc. */
static lgx_err_t read_section_key(mapping_t *m, const char *k, yajl_val v,
                                  const char *where, char *errstr, size_t size)
{
    int kind = map_kind(k);
    if (kind >= 0 && m->maps[kind].given) {
        snprintf(errstr, size, "%s: given twice", where);
        return LGX_ERR_INVALID;
    }
    if (kind >= 0) {
        return read_map(v, where, &m->maps[kind], errstr, size);
    }
    if (strcmp(k, "product_field") == 0) {
        return read_product_field(v, where, &m->barcode, errstr, size);
    }
    if (strcmp(k, "doc") == 0) {
        return LGX_OK;
    }
    snprintf(errstr, size, "%s: unknown key", where);
    return LGX_ERR_INVALID;
}

static lgx_err_t read_section(const char *pattern, yajl_val obj, mapping_t *m,
                              char *errstr, size_t size)
{
    if (!pattern[0]) {
        snprintf(errstr, size, "mapping: a source pattern must not be empty");
        return LGX_ERR_INVALID;
    }
    if (!YAJL_IS_OBJECT(obj)) {
        snprintf(errstr, size, "mapping.%s: expected an object", pattern);
        return LGX_ERR_INVALID;
    }
    if (!(m->pattern = strdup(pattern))) {
        snprintf(errstr, size, "out of memory");
        return LGX_ERR_NOMEM;
    }
    lgx_err_t err = LGX_OK;
    for (size_t i = 0; err == LGX_OK && i < obj->u.object.len; i++) {
        char where[300];
        snprintf(where, sizeof(where), "mapping.%s.%s", pattern,
                 obj->u.object.keys[i]);
        err = read_section_key(m, obj->u.object.keys[i],
                               obj->u.object.values[i], where, errstr, size);
    }
    return err;
}

/* "mapping": {source pattern: section}, at most MAX_ITEMS patterns, each
 * once (a second one would never match first). */
lgx_err_t rules_read_mapping(lgx_rules_t *r, yajl_val v, char *errstr,
                             size_t size)
{
    if (!YAJL_IS_OBJECT(v) || v->u.object.len > MAX_ITEMS) {
        snprintf(errstr, size,
                 "mapping: expected an object of at most %d source patterns",
                 MAX_ITEMS);
        return LGX_ERR_INVALID;
    }
    r->mappings =
        calloc(v->u.object.len ? v->u.object.len : 1, sizeof(*r->mappings));
    if (!r->mappings) {
        snprintf(errstr, size, "out of memory");
        return LGX_ERR_NOMEM;
    }
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *pattern = v->u.object.keys[i];
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->mappings[j].pattern, pattern) == 0) {
                snprintf(errstr, size, "mapping.%s: given twice", pattern);
                return LGX_ERR_INVALID;
            }
        }
        r->n_mappings++;
        lgx_err_t err = read_section(pattern, v->u.object.values[i],
                                     &r->mappings[i], errstr, size);
        if (err != LGX_OK) {
            return err;
        }
    }
    return LGX_OK;
}

static void mapping_free(mapping_t *m)
{
    free(m->pattern);
    for (size_t k = 0; k < N_MAP_KINDS; k++) {
        free(m->maps[k].pairs);
        free(m->maps[k].text);
    }
}

void rules_free_mapping(lgx_rules_t *r)
{
    for (size_t i = 0; i < r->n_mappings; i++) {
        mapping_free(&r->mappings[i]);
    }
    free(r->mappings);
}

/* The section of source: the first whose pattern matches, or NULL. */
static const mapping_t *section_of(const lgx_rules_t *r, const char *source)
{
    for (size_t i = 0; source && i < r->n_mappings; i++) {
        if (fnmatch(r->mappings[i].pattern, source, 0) == 0) {
            return &r->mappings[i];
        }
    }
    return NULL;
}

lgx_err_t lgx_rules_map(const lgx_rules_t *r, const char *source,
                        const char *kind, const char *code, const char **out,
                        const char **pattern)
{
    int k = map_kind(kind);
    const mapping_t *m = section_of(r, source);
    if (pattern) {
        *pattern = m ? m->pattern : NULL;
    }
    *out = NULL;
    if (k < 0) {
        return LGX_ERR_INVALID;
    }
    if (!m || !m->maps[k].given) {
        /* Not mapped for this source: its codes are Odoo's. */
        *out = code;
        return LGX_OK;
    }
    const code_map_t *map = &m->maps[k];
    const code_pair_t *p =
        bsearch(code, map->pairs, map->n, sizeof(*map->pairs), code_cmp);
    if (p) {
        *out = p->value;
    }
    return p ? LGX_OK : LGX_ERR_NOT_FOUND;
}

const char *lgx_rules_product_field(const lgx_rules_t *r, const char *source)
{
    const mapping_t *m = section_of(r, source);
    return m && m->barcode ? "barcode" : "default_code";
}
