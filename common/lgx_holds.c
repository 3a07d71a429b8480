#include "lgx_holds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "lgx-holds/1"

typedef struct hold {
    int64_t offset;
    int64_t since_ms;
} hold_t;

/* Sorted by offset: few entries (the held events of one partition). */
struct lgx_holds_s {
    hold_t *v;
    size_t n;
    size_t cap;
};

lgx_holds_t *lgx_holds_new(void)
{
    return calloc(1, sizeof(lgx_holds_t));
}

void lgx_holds_destroy(lgx_holds_t *h)
{
    if (h) {
        free(h->v);
        free(h);
    }
}

/* The index of offset, or of where it would go. */
static size_t find(const lgx_holds_t *h, int64_t offset)
{
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->v[mid].offset < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Keeps offset at since_ms unless it is kept already. */
static lgx_err_t keep(lgx_holds_t *h, int64_t offset, int64_t since_ms)
{
    size_t i = find(h, offset);
    if (i < h->n && h->v[i].offset == offset) {
        return LGX_OK;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        hold_t *v = realloc(h->v, cap * sizeof(*v));
        if (!v) {
            return LGX_ERR_NOMEM;
        }
        h->v = v;
        h->cap = cap;
    }
    memmove(&h->v[i + 1], &h->v[i], (h->n - i) * sizeof(*h->v));
    h->v[i] = (hold_t){offset, since_ms};
    h->n++;
    return LGX_OK;
}

int64_t lgx_holds_since(lgx_holds_t *h, int64_t offset, int64_t now_ms)
{
    size_t i = find(h, offset);
    if (i < h->n && h->v[i].offset == offset) {
        return h->v[i].since_ms;
    }
    (void)keep(h, offset, now_ms);
    return now_ms;
}

bool lgx_holds_forget(lgx_holds_t *h, int64_t offset)
{
    size_t i = find(h, offset);
    if (i == h->n || h->v[i].offset != offset) {
        return false;
    }
    memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof(*h->v));
    h->n--;
    return true;
}

void lgx_holds_forget_before(lgx_holds_t *h, int64_t offset)
{
    size_t i = find(h, offset);
    if (i > 0) {
        memmove(h->v, &h->v[i], (h->n - i) * sizeof(*h->v));
        h->n -= i;
    }
}

size_t lgx_holds_count(const lgx_holds_t *h)
{
    return h->n;
}

size_t lgx_holds_encode(const lgx_holds_t *h, char *buf, size_t size)
{
    if (size > LGX_HOLDS_META_MAX + 1) {
        size = LGX_HOLDS_META_MAX + 1;
    }
    size_t len = (size_t)snprintf(buf, size, "%s", PREFIX);
    size_t i = 0;
    for (; i < h->n; i++) {
        char one[48];
        int n = snprintf(one, sizeof(one), " %" PRId64 "@%" PRId64,
                         h->v[i].offset, h->v[i].since_ms);
        if (len + (size_t)n + 1 > size) {
            break;
        }
        memcpy(buf + len, one, (size_t)n + 1);
        len += (size_t)n;
    }
    return h->n - i;
}

/* Reads a non-negative decimal at *p, up to end; false when none. */
static bool number(const char **p, const char *end, int64_t *out)
{
    int64_t v = 0;
    const char *s = *p;
    while (s < end && *s >= '0' && *s <= '9' && s - *p < 18) {
        v = v * 10 + (*s - '0');
        s++;
    }
    if (s == *p) {
        return false;
    }
    *p = s;
    *out = v;
    return true;
}

lgx_err_t lgx_holds_decode(lgx_holds_t *h, const char *meta, size_t len)
{
    size_t plen = strlen(PREFIX);
    if (!meta || len < plen || memcmp(meta, PREFIX, plen) != 0 ||
        (len > plen && meta[plen] != ' ')) {
        return LGX_OK;
    }
    const char *p = meta + plen, *end = meta + len;
    while (p < end) {
        int64_t offset, since;
        if (*p++ != ' ' || !number(&p, end, &offset) || p == end ||
            *p++ != '@' || !number(&p, end, &since)) {
            return LGX_ERR_DECODE;
        }
        if (keep(h, offset, since) != LGX_OK) {
            return LGX_ERR_NOMEM;
        }
    }
    return LGX_OK;
}
