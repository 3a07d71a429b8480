/*
 * lgx_cache: a bounded map from a string key to an Odoo record id, with a
 * time-to-live. Used for lookups whose answer rarely changes (product by
 * default_code, picking by name, carrier by name): a hit saves one Odoo
 * call. At most `capacity` entries; when full, the least recently used one
 * goes. Not thread-safe.
 */
#ifndef LGX_CACHE_H
#define LGX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lgx_cache_s lgx_cache_t;

/* Returns a cache of at most capacity entries, each valid ttl_ms after it
 * was put; NULL when out of memory. */
lgx_cache_t *lgx_cache_new(size_t capacity, int64_t ttl_ms);
void lgx_cache_destroy(lgx_cache_t *c);

/* True and *id set when key is cached and not older than the TTL at
 * now_ms. Times are of a monotonic clock (lgx_time_mono_ms). */
bool lgx_cache_get(lgx_cache_t *c, const char *key, int64_t now_ms,
                   int64_t *id);
/* Caches key -> id from now_ms (replacing an older value). */
void lgx_cache_put(lgx_cache_t *c, const char *key, int64_t id, int64_t now_ms);
/* Forgets key (e.g. after Odoo said the record is gone). */
void lgx_cache_forget(lgx_cache_t *c, const char *key);

/* Counters since creation. */
uint64_t lgx_cache_hits(const lgx_cache_t *c);
uint64_t lgx_cache_misses(const lgx_cache_t *c);
size_t lgx_cache_size(const lgx_cache_t *c);

#endif
