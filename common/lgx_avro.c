#include "lgx_avro.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_json.h"
#include "lgx_registry.h"
#include "lgx_time.h"

#define STORE_MAX 256
#define DECODER_CACHE 16

typedef struct store_entry {
    int32_t id;
    int version;
    char *fullname;
    char *json; /* the schema's text, as read */
    avro_schema_t schema;
} store_entry_t;

struct lgx_avro_store_s {
    store_entry_t entries[STORE_MAX];
    size_t n;
    lgx_registry_t *registry; /* borrowed; NULL: fixed ids only */
    /* Held by lgx_avro_decode: decoders of several threads share the
     * store (a registry fetch adds to it, and uses one curl handle) and
     * avro-c keeps its last error in one static buffer. */
    pthread_mutex_t decode_lock;
};

/* Adds schema text under id (version 0 for schemas from the registry). */
static lgx_err_t store_put(lgx_avro_store_t *store, int32_t id, int version,
                           const char *json, size_t len, char *errstr,
                           size_t size)
{
    if (store->n >= STORE_MAX) {
        snprintf(errstr, size, "more than %d schemas", STORE_MAX);
        return LGX_ERR_SCHEMA;
    }
    store_entry_t *e = &store->entries[store->n];
    memset(e, 0, sizeof(*e));
    if (avro_schema_from_json_length(json, len, &e->schema) != 0) {
        snprintf(errstr, size, "schema id %d: %s", (int)id, avro_strerror());
        return LGX_ERR_SCHEMA;
    }
    /* A registry may hand back any schema: an event's writer schema is a
     * named one (a record), found by its full name. */
    if (!avro_schema_name(e->schema)) {
        snprintf(errstr, size, "schema id %d: not a named schema (a record)",
                 (int)id);
        avro_schema_decref(e->schema);
        return LGX_ERR_SCHEMA;
    }
    e->fullname = lgx_avro_fullname(e->schema);
    e->json = strndup(json, len);
    if (!e->fullname || !e->json) {
        free(e->fullname);
        free(e->json);
        avro_schema_decref(e->schema);
        return LGX_ERR_NOMEM;
    }
    e->id = id;
    e->version = version;
    store->n++;
    return LGX_OK;
}

/* How one writer schema is read. resolved: avro-c's writer -> reader
 * resolution into the decoder's reader value. native: the writer's own
 * schema, when avro-c cannot resolve it (avro-c 1.11 does not fill reader
 * fields from their defaults, so a newer reader with an added optional
 * field refuses older data); the accessors then find fields by name and a
 * field the writer lacks reads as absent, which is what its null default
 * means. */
typedef struct resolver {
    int32_t id;
    bool native;
    avro_schema_t writer; /* owned by the store */
    avro_value_iface_t *iface;
    avro_value_t value;
} resolver_t;

struct lgx_avro_decoder_s {
    lgx_avro_store_t *store;
    avro_schema_t reader;
    avro_value_iface_t *reader_iface;
    avro_value_t value;
    resolver_t cache[DECODER_CACHE];
    size_t n_cache;
    size_t next_evict;
};

char *lgx_avro_fullname(avro_schema_t s)
{
    const char *ns = avro_schema_namespace(s);
    const char *name = avro_schema_name(s);
    if (!name) {
        return NULL; /* a primitive, array or map has no name */
    }
    size_t size = (ns ? strlen(ns) + 1 : 0) + strlen(name) + 1;
    char *out = malloc(size);
    if (out) {
        snprintf(out, size, "%s%s%s", ns ? ns : "", ns ? "." : "", name);
    }
    return out;
}

static lgx_err_t store_add(lgx_avro_store_t *store, const char *dir,
                           yajl_val item, char *errstr, size_t size)
{
    int64_t id = 0, version = 0;
    const char *file = lgx_json_get_str(item, "file");
    if (!file || !lgx_json_get_int(item, "id", &id) || id < 0 ||
        id > INT32_MAX || !lgx_json_get_int(item, "version", &version)) {
        snprintf(errstr, size,
                 "%s/schemas.json: each entry needs id, version and file", dir);
        return LGX_ERR_SCHEMA;
    }
    if (store->n >= STORE_MAX || lgx_avro_store_schema(store, (int32_t)id)) {
        snprintf(errstr, size, "%s/schemas.json: id %lld repeated or too many",
                 dir, (long long)id);
        return LGX_ERR_SCHEMA;
    }
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *json = lgx_file_read(path, 1u << 20, &len);
    if (!json) {
        snprintf(errstr, size, "cannot read schema %s", path);
        return LGX_ERR_SCHEMA;
    }
    char inner[300] = "";
    lgx_err_t err = store_put(store, (int32_t)id, (int)version, json, len,
                              inner, sizeof(inner));
    free(json);
    if (err == LGX_ERR_SCHEMA) {
        snprintf(errstr, size, "schema %s: %s", path, inner);
    }
    return err;
}

lgx_avro_store_t *lgx_avro_store_load(const char *dir, char *errstr,
                                      size_t size)
{
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/schemas.json", dir);
    char *text = lgx_file_read(path, 1u << 20, &len);
    if (!text) {
        snprintf(errstr, size, "cannot read %s", path);
        return NULL;
    }
    yajl_val root = lgx_json_parse(text, len, errstr, size);
    free(text);
    lgx_avro_store_t *store = calloc(1, sizeof(*store));
    if (store) {
        pthread_mutex_init(&store->decode_lock, NULL);
    }
    yajl_val list = lgx_json_get(root, "schemas");
    if (!store || !YAJL_IS_ARRAY(list)) {
        if (root) {
            snprintf(errstr, size, "%s: no \"schemas\" array", path);
        }
        goto fail;
    }
    for (size_t i = 0; i < lgx_json_len(list); i++) {
        if (store_add(store, dir, lgx_json_at(list, i), errstr, size) !=
            LGX_OK) {
            goto fail;
        }
    }
    yajl_tree_free(root);
    return store;
fail:
    yajl_tree_free(root);
    lgx_avro_store_destroy(store);
    return NULL;
}

void lgx_avro_store_destroy(lgx_avro_store_t *store)
{
    if (!store) {
        return;
    }
    for (size_t i = 0; i < store->n; i++) {
        free(store->entries[i].fullname);
        free(store->entries[i].json);
        avro_schema_decref(store->entries[i].schema);
    }
    pthread_mutex_destroy(&store->decode_lock);
    free(store);
}

int32_t lgx_avro_store_latest(const lgx_avro_store_t *store,
                              const char *fullname)
{
    int32_t best = -1;
    int best_version = -1;
    for (size_t i = 0; i < store->n; i++) {
        const store_entry_t *e = &store->entries[i];
        if (strcmp(e->fullname, fullname) == 0 && e->version > best_version) {
            best = e->id;
            best_version = e->version;
        }
    }
    return best;
}

avro_schema_t lgx_avro_store_schema(const lgx_avro_store_t *store, int32_t id)
{
    for (size_t i = 0; i < store->n; i++) {
        if (store->entries[i].id == id) {
            return store->entries[i].schema;
        }
    }
    return NULL;
}

void lgx_avro_store_set_registry(lgx_avro_store_t *store, lgx_registry_t *r)
{
    store->registry = r;
}

const char *lgx_avro_store_json(const lgx_avro_store_t *store, int32_t id)
{
    for (size_t i = 0; i < store->n; i++) {
        if (store->entries[i].id == id) {
            return store->entries[i].json;
        }
    }
    return NULL;
}

avro_schema_t lgx_avro_store_fetch(lgx_avro_store_t *store, int32_t id,
                                   char *errstr, size_t size)
{
    avro_schema_t s = lgx_avro_store_schema(store, id);
    if (s || !store->registry) {
        if (!s) {
            snprintf(errstr, size, "unknown schema id %d", (int)id);
        }
        return s;
    }
    char *json = lgx_registry_fetch(store->registry, id, errstr, size);
    if (!json) {
        return NULL;
    }
    lgx_err_t err = store_put(store, id, 0, json, strlen(json), errstr, size);
    free(json);
    return err == LGX_OK ? lgx_avro_store_schema(store, id) : NULL;
}

lgx_err_t lgx_avro_store_alias(lgx_avro_store_t *store, int32_t id,
                               int32_t existing)
{
    const char *json = lgx_avro_store_json(store, existing);
    const char *there = lgx_avro_store_json(store, id);
    char errstr[128];
    if (there) {
        /* Already known: fine if it is the same schema. */
        return json && strcmp(there, json) == 0 ? LGX_OK : LGX_ERR_SCHEMA;
    }
    return json ? store_put(store, id, 0, json, strlen(json), errstr,
                            sizeof(errstr))
                : LGX_ERR_NOT_FOUND;
}

lgx_err_t lgx_avro_frame_parse(const void *buf, size_t len, int32_t *id,
                               const void **body, size_t *body_len)
{
    const unsigned char *p = buf;
    if (!buf || len < LGX_AVRO_HEADER_SIZE || p[0] != LGX_AVRO_MAGIC) {
        return LGX_ERR_DECODE;
    }
    uint32_t u = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) |
                 ((uint32_t)p[3] << 8) | (uint32_t)p[4];
    *id = (int32_t)u;
    *body = p + LGX_AVRO_HEADER_SIZE;
    *body_len = len - LGX_AVRO_HEADER_SIZE;
    return LGX_OK;
}

lgx_avro_decoder_t *lgx_avro_decoder_new(lgx_avro_store_t *store,
                                         const char *fullname, char *errstr,
                                         size_t size)
{
    int32_t id = lgx_avro_store_latest(store, fullname);
    if (id < 0) {
        snprintf(errstr, size, "no schema named %s in schemas.json", fullname);
        return NULL;
    }
    lgx_avro_decoder_t *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    d->store = store;
    d->reader = lgx_avro_store_schema(store, id);
    d->reader_iface = avro_generic_class_from_schema(d->reader);
    if (!d->reader_iface ||
        avro_generic_value_new(d->reader_iface, &d->value) != 0) {
        snprintf(errstr, size, "schema %s: %s", fullname, avro_strerror());
        if (d->reader_iface) {
            avro_value_iface_decref(d->reader_iface);
        }
        free(d);
        return NULL;
    }
    return d;
}

void lgx_avro_decoder_destroy(lgx_avro_decoder_t *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n_cache; i++) {
        avro_value_decref(&d->cache[i].value);
        avro_value_iface_decref(d->cache[i].iface);
    }
    avro_value_decref(&d->value);
    avro_value_iface_decref(d->reader_iface);
    free(d);
}

/* The resolver that reads writer schema id into the reader schema,
 * created on first use and kept in a small cache. */
static resolver_t *decoder_resolver(lgx_avro_decoder_t *d, int32_t id,
                                    char *errstr, size_t size, lgx_err_t *err)
{
    for (size_t i = 0; i < d->n_cache; i++) {
        if (d->cache[i].id == id) {
            return &d->cache[i];
        }
    }
    avro_schema_t writer = lgx_avro_store_fetch(d->store, id, errstr, size);
    if (!writer) {
        *err = LGX_ERR_SCHEMA;
        return NULL;
    }
    bool native = false;
    avro_value_iface_t *iface = avro_resolved_writer_new(writer, d->reader);
    if (!iface &&
        strcmp(avro_schema_name(writer), avro_schema_name(d->reader)) == 0) {
        native = true;
        iface = avro_generic_class_from_schema(writer);
    }
    if (!iface) {
        snprintf(errstr, size, "schema id %d cannot be read as %s: %s", (int)id,
                 avro_schema_name(d->reader), avro_strerror());
        *err = LGX_ERR_SCHEMA;
        return NULL;
    }
    resolver_t *r;
    if (d->n_cache < DECODER_CACHE) {
        r = &d->cache[d->n_cache++];
    } else {
        r = &d->cache[d->next_evict];
        d->next_evict = (d->next_evict + 1) % DECODER_CACHE;
        avro_value_decref(&r->value);
        avro_value_iface_decref(r->iface);
    }
    r->id = id;
    r->iface = iface;
    r->native = native;
    r->writer = writer;
    int rc = native ? avro_generic_value_new(iface, &r->value)
                    : avro_resolved_writer_new_value(iface, &r->value);
    if (rc != 0) {
        /* Leave the slot unusable rather than half made. */
        r->id = -1;
        snprintf(errstr, size, "schema id %d: %s", (int)id, avro_strerror());
        *err = LGX_ERR_NOMEM;
        return NULL;
    }
    if (!native) {
        avro_resolved_writer_set_dest(&r->value, &d->value);
    }
    return r;
}

/* avro-c 1.11 allocates a string or bytes value at the length its prefix
 * declares before it knows that the body holds that many bytes, and keeps
 * the allocation when they are missing (read_string and read_bytes return
 * through AVRO_READ without freeing it): a message of a few bytes could
 * make it allocate gigabytes, and every truncated one leaks. So the body
 * is first walked with the writer schema without allocating
 * (avro_skip_data fails on a length beyond what is left) and only a body
 * that holds together is read. A negative length passes the walk, but
 * avro-c then asks malloc for a size it refuses (about SIZE_MAX, or 0 for
 * -1), gets NULL and fails the read with nothing allocated. */
static bool body_complete(avro_schema_t writer, const void *body, size_t len)
{
    avro_reader_t r = avro_reader_memory(body, (int64_t)len);
    if (!r) {
        return false;
    }
    int rc = avro_skip_data(r, writer);
    avro_reader_free(r);
    return rc == 0;
}

static lgx_err_t decode(lgx_avro_decoder_t *d, const void *buf, size_t len,
                        avro_value_t **out, int32_t *writer_id, char *errstr,
                        size_t size)
{
    const void *body;
    size_t body_len;
    int32_t id;
    if (lgx_avro_frame_parse(buf, len, &id, &body, &body_len) != LGX_OK) {
        snprintf(errstr, size,
                 "not a Confluent-framed Avro message (%zu bytes, first "
                 "byte %d)",
                 len, len ? ((const unsigned char *)buf)[0] : -1);
        return LGX_ERR_DECODE;
    }
    *writer_id = id;
    lgx_err_t err = LGX_OK;
    resolver_t *r = decoder_resolver(d, id, errstr, size, &err);
    if (!r) {
        return err;
    }
    if (!body_complete(r->writer, body, body_len)) {
        snprintf(errstr, size,
                 "Avro body does not match schema id %d: it ends early or "
                 "holds a length or branch out of range",
                 (int)id);
        return LGX_ERR_DECODE;
    }
    avro_value_reset(r->native ? &r->value : &d->value);
    avro_reader_t reader = avro_reader_memory(body, (int64_t)body_len);
    if (!reader) {
        return LGX_ERR_NOMEM;
    }
    if (avro_value_read(reader, &r->value) != 0) {
        snprintf(errstr, size, "Avro body does not match schema id %d: %s",
                 (int)id, avro_strerror());
        err = LGX_ERR_DECODE;
    } else if (avro_skip(reader, 1) == 0) {
        snprintf(errstr, size, "trailing bytes after the Avro body");
        err = LGX_ERR_DECODE;
    }
    avro_reader_free(reader);
    if (err == LGX_OK) {
        *out = r->native ? &r->value : &d->value;
    }
    return err;
}

lgx_err_t lgx_avro_decode(lgx_avro_decoder_t *d, const void *buf, size_t len,
                          avro_value_t **out, int32_t *writer_id, char *errstr,
                          size_t size)
{
    pthread_mutex_lock(&d->store->decode_lock);
    lgx_err_t err = decode(d, buf, len, out, writer_id, errstr, size);
    pthread_mutex_unlock(&d->store->decode_lock);
    return err;
}

char *lgx_avro_to_json(const lgx_avro_store_t *store, const void *buf,
                       size_t len, char *errstr, size_t size)
{
    const void *body;
    size_t body_len;
    int32_t id;
    if (lgx_avro_frame_parse(buf, len, &id, &body, &body_len) != LGX_OK) {
        snprintf(errstr, size, "not a Confluent-framed Avro message");
        return NULL;
    }
    avro_schema_t schema = lgx_avro_store_schema(store, id);
    if (!schema) {
        snprintf(errstr, size, "unknown schema id %d", (int)id);
        return NULL;
    }
    if (!body_complete(schema, body, body_len)) {
        snprintf(errstr, size,
                 "cannot decode with schema id %d: it ends early "
                 "or holds a length or branch out of range",
                 (int)id);
        return NULL;
    }
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t value;
    char *json = NULL;
    if (!iface || avro_generic_value_new(iface, &value) != 0) {
        snprintf(errstr, size, "out of memory");
        if (iface) {
            avro_value_iface_decref(iface);
        }
        return NULL;
    }
    avro_reader_t r = avro_reader_memory(body, (int64_t)body_len);
    if (!r || avro_value_read(r, &value) != 0 ||
        avro_value_to_json(&value, 1, &json) != 0) {
        snprintf(errstr, size, "cannot decode with schema id %d: %s", (int)id,
                 avro_strerror());
        json = NULL;
    }
    if (r) {
        avro_reader_free(r);
    }
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    return json;
}

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

/* Odoo's datetimes are Python's: years 1 to 9999. */
#define ODOO_TIME_MIN_MS (-62135596800000LL) /* 0001-01-01T00:00:00Z */
#define ODOO_TIME_MAX_MS 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

bool lgx_avro_parse_odoo_time(const char *s, int64_t *ms)
{
    char iso[21];
    if (!s || strlen(s) != 19 || s[10] != ' ') {
        return false;
    }
    /* The same instant in the ISO form lgx_time_parse_iso reads. */
    memcpy(iso, s, 19);
    iso[10] = 'T';
    iso[19] = 'Z';
    iso[20] = '\0';
    return lgx_time_parse_iso(iso, ms) == LGX_OK;
}

void lgx_avro_odoo_time(int64_t ms, char out[20])
{
    /* A year beyond 9999 (or before 1) would not fit in out: strftime then
     * leaves it unterminated. An event's time comes from its producer, so
     * it is clamped to the range Odoo can hold. */
    ms = ms < ODOO_TIME_MIN_MS   ? ODOO_TIME_MIN_MS
         : ms > ODOO_TIME_MAX_MS ? ODOO_TIME_MAX_MS
                                 : ms;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        memset(&tm, 0, sizeof(tm));
    }
    int n =
        snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n != 19) {
        out[0] = '\0'; /* not reached: the clamped time is 19 characters */
    }
}

/* ---- JSON -> Avro ---- */

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
