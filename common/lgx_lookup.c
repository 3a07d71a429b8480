#include "lgx_lookup.h"

#include <stdlib.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_cache.h"
#include "lgx_domain.h"
#include "lgx_json.h"
#include "lgx_time.h"

struct lgx_lookup_s {
    lgx_odoo_t *odoo;
    char *model;
    char *field;
    lgx_cache_t *cache;
    lgx_buf_t *buf;
};

lgx_lookup_t *lgx_lookup_new(lgx_odoo_t *odoo, const char *model,
                             const char *field)
{
    lgx_lookup_t *l = calloc(1, sizeof(*l));
    if (!l) {
        return NULL;
    }
    size_t size = 0;
    int64_t ttl = 0;
    lgx_odoo_cache_limits(odoo, &size, &ttl);
    l->odoo = odoo;
    l->model = strdup(model);
    l->field = strdup(field);
    l->cache = lgx_cache_new(size, ttl);
    l->buf = lgx_buf_new();
    if (!l->model || !l->field || !l->cache || !l->buf) {
        lgx_lookup_destroy(l);
        return NULL;
    }
    return l;
}

void lgx_lookup_destroy(lgx_lookup_t *l)
{
    if (!l) {
        return;
    }
    lgx_cache_destroy(l->cache);
    lgx_buf_destroy(l->buf);
    free(l->model);
    free(l->field);
    free(l);
}

/* The domain [[field, "in", [keys not yet known]]]; false if none. */
static bool build_domain(lgx_lookup_t *l, const char *const *keys, size_t n,
                         const int64_t *ids, lgx_err_t *rc)
{
    bool any = false;
    lgx_domain_t d;
    lgx_domain_start(&d, l->buf);
    lgx_domain_in(&d, l->field);
    for (size_t i = 0; i < n; i++) {
        if (!ids[i]) {
            lgx_domain_item_str(&d, keys[i]);
            any = true;
        }
    }
    *rc = lgx_domain_end(&d);
    return any;
}

lgx_err_t lgx_lookup_ids(lgx_lookup_t *l, const char *const *keys, size_t n,
                         int64_t *ids, lgx_odoo_error_t *err)
{
    int64_t now = lgx_time_mono_ms();
    for (size_t i = 0; i < n; i++) {
        ids[i] = 0;
        lgx_cache_get(l->cache, keys[i], now, &ids[i]);
    }
    lgx_err_t rc = LGX_OK;
    if (!build_domain(l, keys, n, ids, &rc) || rc != LGX_OK) {
        return rc;
    }
    char fields[128];
    snprintf(fields, sizeof(fields), "[\"id\",\"%s\"]", l->field);
    yajl_val found = NULL;
    rc = lgx_odoo_search_read(l->odoo, l->model, lgx_buf_data(l->buf), fields,
                              0, &found, err);
    for (size_t r = 0; rc == LGX_OK && r < lgx_json_len(found); r++) {
        yajl_val rec = lgx_json_at(found, r);
        const char *key = lgx_json_get_str(rec, l->field);
        int64_t id = 0;
        if (!key || !lgx_json_get_int(rec, "id", &id)) {
            continue;
        }
        lgx_cache_put(l->cache, key, id, now);
        for (size_t i = 0; i < n; i++) {
            if (!ids[i] && strcmp(keys[i], key) == 0) {
                ids[i] = id;
            }
        }
    }
    yajl_tree_free(found);
    return rc;
}
