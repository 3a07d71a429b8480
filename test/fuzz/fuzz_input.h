/*
 * fuzz_input: how the harnesses cut one input into its parts.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FUZZ_FIELD_MAX 512

/* Copies the next NUL-terminated field of p[0..end) into f, cut at
 * FUZZ_FIELD_MAX - 1 bytes, or fallback when no input is left; returns
 * the rest. */
static inline const uint8_t *fuzz_next_field(const uint8_t *p,
                                             const uint8_t *end,
                                             char f[FUZZ_FIELD_MAX],
                                             const char *fallback)
{
    size_t n = 0;
    if (p >= end) {
        snprintf(f, FUZZ_FIELD_MAX, "%s", fallback);
        return p;
    }
    while (p < end && *p && n + 1 < FUZZ_FIELD_MAX) {
        f[n++] = (char)*p++;
    }
    f[n] = '\0';
    while (p < end && *p) {
        p++;
    }
    return p < end ? p + 1 : p;
}

/* Copies the first line of data, without its '\n', into line (room for
 * max + 1 bytes); returns the offset of what follows it, or 0 when no
 * '\n' comes within max bytes. */
static inline size_t fuzz_first_line(const uint8_t *data, size_t size,
                                     char *line, size_t max)
{
    const uint8_t *nl = memchr(data, '\n', size < max ? size : max);
    if (!nl) {
        return 0;
    }
    size_t n = (size_t)(nl - data);
    memcpy(line, data, n);
    line[n] = '\0';
    return n + 1;
}

#endif
