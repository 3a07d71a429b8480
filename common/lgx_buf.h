/*
 * lgx_buf: a growable byte buffer, always NUL-terminated.
 */
#ifndef LGX_BUF_H
#define LGX_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lgx_err.h"

typedef struct lgx_buf_s lgx_buf_t;

/* Returns a new empty buffer, or NULL when out of memory. */
lgx_buf_t *lgx_buf_new(void);
void lgx_buf_destroy(lgx_buf_t *b);

/* Appending returns LGX_OK or LGX_ERR_NOMEM; on error the buffer keeps
 * what it had. */
lgx_err_t lgx_buf_append(lgx_buf_t *b, const void *data,
                         size_t len) LGX_MUST_CHECK;
/* A body received piece by piece (a curl write callback) into b, at most
 * max bytes in all: returns len, or 0 (curl then stops the transfer) when
 * it would pass max or memory is out. */
size_t lgx_buf_append_body(lgx_buf_t *b, const void *data, size_t len,
                           size_t max);
lgx_err_t lgx_buf_puts(lgx_buf_t *b, const char *s) LGX_MUST_CHECK;
lgx_err_t lgx_buf_printf(lgx_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) LGX_MUST_CHECK;
/* Appends s as a quoted JSON string (escaping quotes, backslashes and
 * control characters; invalid UTF-8 bytes become U+FFFD). */
lgx_err_t lgx_buf_json_str(lgx_buf_t *b, const char *s,
                           size_t len) LGX_MUST_CHECK;
/* Appends the base64 (RFC 4648, padded) of the len bytes of data. */
lgx_err_t lgx_buf_base64(lgx_buf_t *b, const void *data,
                         size_t len) LGX_MUST_CHECK;
/* Appends the NUL-terminated text with HTML's special characters escaped:
 * in an HTML field (an activity's note) event text must not become
 * markup. as_post: also quotes and line breaks, as Odoo's message_post
 * turns plain text into HTML. */
lgx_err_t lgx_buf_html_text(lgx_buf_t *b, const char *text,
                            bool as_post) LGX_MUST_CHECK;

/* The contents: valid until the next change; never NULL. */
const char *lgx_buf_data(const lgx_buf_t *b);
size_t lgx_buf_len(const lgx_buf_t *b);
/* Empties the buffer, keeping its memory. */
void lgx_buf_reset(lgx_buf_t *b);
/* Hands the contents to the caller (free() them) and empties the buffer.
 * Returns NULL when out of memory. */
char *lgx_buf_take(lgx_buf_t *b);

/* Reads a whole file of at most max_len bytes into a new NUL-terminated
 * string (free() it) and sets *len. NULL when it cannot be read or is
 * larger. */
char *lgx_file_read(const char *path, size_t max_len, size_t *len);

#endif
