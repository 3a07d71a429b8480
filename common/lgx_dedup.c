#include "lgx_dedup.h"

#include <stdlib.h>

/* One generation: open addressing, linear probing, 0 = empty slot. The
 * table is kept at most half full. */
typedef struct gen {
    uint64_t *slots;
    size_t mask;
    size_t count;
} gen_t;

struct lgx_dedup_s {
    gen_t gen[2]; /* gen[cur] takes new ids */
    int cur;
    size_t capacity;
};

uint64_t lgx_dedup_hash(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

static bool gen_init(gen_t *g, size_t capacity)
{
    size_t size = 16;
    while (size < capacity * 2) {
        size *= 2;
    }
    g->slots = calloc(size, sizeof(*g->slots));
    g->mask = size - 1;
    g->count = 0;
    return g->slots != NULL;
}

static bool gen_has(const gen_t *g, uint64_t h)
{
    for (size_t i = h & g->mask;; i = (i + 1) & g->mask) {
        if (g->slots[i] == h) {
            return true;
        }
        if (g->slots[i] == 0) {
            return false;
        }
    }
}

static void gen_put(gen_t *g, uint64_t h)
{
    size_t i = h & g->mask;
    while (g->slots[i] != 0 && g->slots[i] != h) {
        i = (i + 1) & g->mask;
    }
    if (g->slots[i] == 0) {
        g->slots[i] = h;
        g->count++;
    }
}

lgx_dedup_t *lgx_dedup_new(size_t capacity)
{
    lgx_dedup_t *d = calloc(1, sizeof(*d));
    if (!d) {
        return NULL;
    }
    d->capacity = capacity ? capacity : 1;
    if (!gen_init(&d->gen[0], d->capacity) ||
        !gen_init(&d->gen[1], d->capacity)) {
        lgx_dedup_destroy(d);
        return NULL;
    }
    return d;
}

void lgx_dedup_destroy(lgx_dedup_t *d)
{
    if (!d) {
        return;
    }
    free(d->gen[0].slots);
    free(d->gen[1].slots);
    free(d);
}

bool lgx_dedup_seen(const lgx_dedup_t *d, const char *id, size_t len)
{
    uint64_t h = lgx_dedup_hash(id, len);
    return gen_has(&d->gen[0], h) || gen_has(&d->gen[1], h);
}

void lgx_dedup_add(lgx_dedup_t *d, const char *id, size_t len)
{
    uint64_t h = lgx_dedup_hash(id, len);
    if (gen_has(&d->gen[0], h) || gen_has(&d->gen[1], h)) {
        return;
    }
    gen_t *g = &d->gen[d->cur];
    if (g->count >= d->capacity) {
        /* Retire the older generation and start afresh in it. */
        d->cur ^= 1;
        g = &d->gen[d->cur];
        for (size_t i = 0; i <= g->mask; i++) {
            g->slots[i] = 0;
        }
        g->count = 0;
    }
    gen_put(g, h);
}
