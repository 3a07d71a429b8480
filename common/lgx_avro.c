/*
 * lgx_avro: the schema store (schemas.json, then the registry) and the
 * decoding of framed messages, into a record or into JSON text for
 * people (lgx_avro.h). The record's fields are read in lgx_avro_value.c;
 * JSON is encoded in lgx_avro_json.c.
 */
#include "lgx_avro.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_json.h"
#include "lgx_registry.h"

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
