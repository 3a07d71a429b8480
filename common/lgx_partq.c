#include "lgx_partq.h"

#include <stdlib.h>
#include <string.h>

#include "lgx_dedup.h"

typedef enum { ITEM_READY, ITEM_HELD, ITEM_STARTED, ITEM_DONE } item_state_t;

typedef struct slot {
    int64_t offset;
    uint64_t key_hash; /* 0: no key */
    char *key;
    item_state_t state;
    int64_t recheck_ms;
    void *item;
} slot_t;

/* A started event: few at a time (at most the executor's concurrency),
 * so a key is checked against them without a scan of the queue. key is
 * the slot's own copy. */
typedef struct started {
    int64_t offset;
    uint64_t key_hash;
    const char *key;
} started_t;

/* A ring buffer of slots in offset order. */
struct lgx_partq_s {
    slot_t *slots;
    size_t cap;
    size_t head;
    size_t len;
    size_t held;
    started_t *run; /* the started events */
    size_t started;
    size_t run_cap;
    int64_t last_popped; /* offset of the last event popped, or -1 */
};

lgx_partq_t *lgx_partq_new(void)
{
    lgx_partq_t *q = calloc(1, sizeof(*q));
    if (!q) {
        return NULL;
    }
    q->cap = 64;
    q->slots = calloc(q->cap, sizeof(*q->slots));
    if (!q->slots) {
        free(q);
        return NULL;
    }
    q->last_popped = -1;
    return q;
}

static slot_t *at(const lgx_partq_t *q, size_t i)
{
    return &q->slots[(q->head + i) % q->cap];
}

void lgx_partq_destroy(lgx_partq_t *q, void (*free_item)(void *item))
{
    if (!q) {
        return;
    }
    for (size_t i = 0; i < q->len; i++) {
        slot_t *s = at(q, i);
        if (free_item) {
            free_item(s->item);
        }
        free(s->key);
    }
    free(q->slots);
    free(q->run);
    free(q);
}

static lgx_err_t grow(lgx_partq_t *q)
{
    slot_t *n = calloc(q->cap * 2, sizeof(*n));
    if (!n) {
        return LGX_ERR_NOMEM;
    }
    for (size_t i = 0; i < q->len; i++) {
        n[i] = *at(q, i);
    }
    free(q->slots);
    q->slots = n;
    q->head = 0;
    q->cap *= 2;
    return LGX_OK;
}

lgx_err_t lgx_partq_push(lgx_partq_t *q, int64_t offset, const char *key,
                         void *item)
{
    if (q->len && at(q, q->len - 1)->offset >= offset) {
        return LGX_ERR_INVALID;
    }
    if (q->len == q->cap && grow(q) != LGX_OK) {
        return LGX_ERR_NOMEM;
    }
    slot_t *s = at(q, q->len);
    memset(s, 0, sizeof(*s));
    if (key && key[0]) {
        s->key = strdup(key);
        if (!s->key) {
            return LGX_ERR_NOMEM;
        }
        s->key_hash = lgx_dedup_hash(key, strlen(key));
    }
    s->offset = offset;
    s->state = ITEM_READY;
    s->item = item;
    q->len++;
    return LGX_OK;
}

static bool same_key(const slot_t *a, const slot_t *b)
{
    return a->key_hash && a->key_hash == b->key_hash &&
           strcmp(a->key, b->key) == 0;
}

/* True when a slot before index i of the same key has not run yet, or
 * one of the same key (before or after) is started. */
static bool key_blocked(const lgx_partq_t *q, size_t i)
{
    const slot_t *s = at(q, i);
    for (size_t j = 0; s->key_hash && j < q->started; j++) {
        const started_t *r = &q->run[j];
        if (r->key_hash == s->key_hash && strcmp(r->key, s->key) == 0) {
            return true;
        }
    }
    for (size_t j = 0; s->key_hash && j < i; j++) {
        const slot_t *e = at(q, j);
        if (e->state == ITEM_READY && same_key(e, s)) {
            return true;
        }
    }
    return false;
}

void *lgx_partq_next(lgx_partq_t *q, int64_t now_ms, int64_t *offset)
{
    for (size_t i = 0; i < q->len; i++) {
        slot_t *s = at(q, i);
        if (s->state == ITEM_DONE || s->state == ITEM_STARTED ||
            (s->state == ITEM_HELD && s->recheck_ms > now_ms) ||
            key_blocked(q, i)) {
            continue;
        }
        *offset = s->offset;
        return s->item;
    }
    return NULL;
}

static slot_t *find(lgx_partq_t *q, int64_t offset)
{
    for (size_t i = 0; i < q->len; i++) {
        if (at(q, i)->offset == offset) {
            return at(q, i);
        }
    }
    return NULL;
}

bool lgx_partq_held_earlier(const lgx_partq_t *q, int64_t offset,
                            bool (*match)(const void *item, const void *arg),
                            const void *arg)
{
    size_t i = 0;
    while (i < q->len && at(q, i)->offset != offset) {
        i++;
    }
    const slot_t *s = i < q->len ? at(q, i) : NULL;
    for (size_t j = 0; s && s->key_hash && j < i; j++) {
        const slot_t *e = at(q, j);
        if (e->state == ITEM_HELD && same_key(e, s) &&
            (!match || match(e->item, arg))) {
            return true;
        }
    }
    return false;
}

/* Leaves the state s is in, keeping the counts. */
static void leave(lgx_partq_t *q, slot_t *s)
{
    if (s->state == ITEM_HELD) {
        q->held--;
    } else if (s->state == ITEM_STARTED) {
        for (size_t j = 0; j < q->started; j++) {
            if (q->run[j].offset == s->offset) {
                q->run[j] = q->run[--q->started];
                break;
            }
        }
    }
}

lgx_err_t lgx_partq_start(lgx_partq_t *q, int64_t offset)
{
    slot_t *s = find(q, offset);
    if (!s || s->state == ITEM_DONE || s->state == ITEM_STARTED) {
        return LGX_ERR_INVALID;
    }
    if (q->started == q->run_cap) {
        size_t cap = q->run_cap ? q->run_cap * 2 : 8;
        started_t *n = realloc(q->run, cap * sizeof(*n));
        if (!n) {
            return LGX_ERR_NOMEM;
        }
        q->run = n;
        q->run_cap = cap;
    }
    leave(q, s);
    s->state = ITEM_STARTED;
    q->run[q->started++] = (started_t){s->offset, s->key_hash, s->key};
    return LGX_OK;
}

void lgx_partq_again(lgx_partq_t *q, int64_t offset)
{
    slot_t *s = find(q, offset);
    if (s && s->state == ITEM_STARTED) {
        leave(q, s);
        s->state = ITEM_READY;
    }
}

void lgx_partq_done(lgx_partq_t *q, int64_t offset)
{
    slot_t *s = find(q, offset);
    if (!s || s->state == ITEM_DONE) {
        return;
    }
    leave(q, s);
    s->state = ITEM_DONE;
    /* What it changed may be what a held event of its key waits for. */
    for (size_t i = 0; i < q->len; i++) {
        slot_t *e = at(q, i);
        if (e->state == ITEM_HELD && same_key(e, s)) {
            e->recheck_ms = INT64_MIN;
        }
    }
}

void lgx_partq_hold(lgx_partq_t *q, int64_t offset, int64_t recheck_ms)
{
    slot_t *s = find(q, offset);
    if (s && s->state != ITEM_DONE) {
        if (s->state != ITEM_HELD) {
            leave(q, s);
            q->held++;
        }
        s->state = ITEM_HELD;
        s->recheck_ms = recheck_ms;
    }
}

int64_t lgx_partq_pop(lgx_partq_t *q, void (*pop_item)(void *item))
{
    int64_t before = q->last_popped;
    while (q->len && at(q, 0)->state == ITEM_DONE) {
        slot_t *s = at(q, 0);
        q->last_popped = s->offset;
        if (pop_item) {
            pop_item(s->item);
        }
        free(s->key);
        s->key = NULL;
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    return q->last_popped != before ? q->last_popped + 1 : -1;
}

int64_t lgx_partq_head(const lgx_partq_t *q)
{
    return q->len ? at(q, 0)->offset : -1;
}

size_t lgx_partq_len(const lgx_partq_t *q)
{
    return q->len;
}

size_t lgx_partq_held(const lgx_partq_t *q)
{
    return q->held;
}

size_t lgx_partq_started(const lgx_partq_t *q)
{
    return q->started;
}

int64_t lgx_partq_next_recheck(const lgx_partq_t *q)
{
    int64_t t = INT64_MAX;
    for (size_t i = 0; i < q->len; i++) {
        const slot_t *s = at(q, i);
        if (s->state == ITEM_HELD && s->recheck_ms < t) {
            t = s->recheck_ms;
        }
    }
    return t;
}
