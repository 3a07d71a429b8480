#include "lgx_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lgx_buf_s {
    char *data;
    size_t len;
    size_t cap;
};

lgx_buf_t *lgx_buf_new(void)
{
    lgx_buf_t *b = calloc(1, sizeof(*b));
    if (!b) {
        return NULL;
    }
    b->cap = 256;
    b->data = malloc(b->cap);
    if (!b->data) {
        free(b);
        return NULL;
    }
    b->data[0] = '\0';
    return b;
}

void lgx_buf_destroy(lgx_buf_t *b)
{
    if (!b) {
        return;
    }
    free(b->data);
    free(b);
}

static lgx_err_t buf_reserve(lgx_buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) {
        return LGX_OK;
    }
    size_t cap = b->cap;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        return LGX_ERR_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    return LGX_OK;
}

lgx_err_t lgx_buf_append(lgx_buf_t *b, const void *data, size_t len)
{
    if (buf_reserve(b, len) != LGX_OK) {
        return LGX_ERR_NOMEM;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return LGX_OK;
}

size_t lgx_buf_append_body(lgx_buf_t *b, const void *data, size_t len,
                           size_t max)
{
    if (b->len + len > max) {
        return 0;
    }
    return lgx_buf_append(b, data, len) == LGX_OK ? len : 0;
}

lgx_err_t lgx_buf_puts(lgx_buf_t *b, const char *s)
{
    return lgx_buf_append(b, s, strlen(s));
}

lgx_err_t lgx_buf_printf(lgx_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return LGX_ERR_INVALID;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (buf_reserve(b, (size_t)n) != LGX_OK) {
            b->data[b->len] = '\0';
            return LGX_ERR_NOMEM;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return LGX_OK;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0.
 * Follows RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF (the second byte's range depends on the first). */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (s[0] < 0x80) {
        return 1;
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        lo = s[0] == 0xE0 ? 0xA0 : 0x80;
        hi = s[0] == 0xED ? 0x9F : 0xBF;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        lo = s[0] == 0xF0 ? 0x90 : 0x80;
        hi = s[0] == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n > avail || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

lgx_err_t lgx_buf_json_str(lgx_buf_t *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    lgx_err_t err = lgx_buf_append(b, "\"", 1);
    for (size_t i = 0; err == LGX_OK && i < len;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            err = lgx_buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20) {
            err = lgx_buf_printf(b, "\\u%04x", c);
            i++;
        } else {
            size_t n = utf8_seq_len(p + i, len - i);
            if (n == 0) {
                err = lgx_buf_puts(b, "\xEF\xBF\xBD");
                i++;
            } else {
                err = lgx_buf_append(b, p + i, n);
                i += n;
            }
        }
    }
    if (err == LGX_OK) {
        err = lgx_buf_append(b, "\"", 1);
    }
    return err;
}

lgx_err_t lgx_buf_base64(lgx_buf_t *b, const void *data, size_t len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    lgx_err_t err = LGX_OK;
    for (size_t i = 0; err == LGX_OK && i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len) {
            v |= (unsigned)p[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= p[i + 2];
        }
        char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63],
                     i + 1 < len ? tbl[(v >> 6) & 63] : '=',
                     i + 2 < len ? tbl[v & 63] : '='};
        err = lgx_buf_append(b, q, 4);
    }
    return err;
}

lgx_err_t lgx_buf_html_text(lgx_buf_t *b, const char *text, bool as_post)
{
    lgx_err_t err = LGX_OK;
    for (const char *p = text; err == LGX_OK && *p; p++) {
        switch (*p) {
        case '&':
            err = lgx_buf_puts(b, "&amp;");
            break;
        case '<':
            err = lgx_buf_puts(b, "&lt;");
            break;
        case '>':
            err = lgx_buf_puts(b, "&gt;");
            break;
        case '"':
            err = lgx_buf_puts(b, as_post ? "&quot;" : "\"");
            break;
        case '\'':
            err = lgx_buf_puts(b, as_post ? "&#x27;" : "'");
            break;
        case '\n':
            err = lgx_buf_puts(b, as_post ? "<br>" : "\n");
            break;
        default:
            err = lgx_buf_append(b, p, 1);
        }
    }
    return err;
}

char *lgx_file_read(const char *path, size_t max_len, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *data = NULL;
    long size;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        (size_t)size <= max_len && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1))) {
        if (fread(data, 1, (size_t)size, f) != (size_t)size) {
            free(data);
            data = NULL;
        } else {
            data[size] = '\0';
            *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}

const char *lgx_buf_data(const lgx_buf_t *b)
{
    return b->data;
}

size_t lgx_buf_len(const lgx_buf_t *b)
{
    return b->len;
}

void lgx_buf_reset(lgx_buf_t *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

char *lgx_buf_take(lgx_buf_t *b)
{
    char *fresh = malloc(256);
    if (!fresh) {
        return NULL;
    }
    char *out = b->data;
    b->data = fresh;
    b->cap = 256;
    b->len = 0;
    b->data[0] = '\0';
    return out;
}
