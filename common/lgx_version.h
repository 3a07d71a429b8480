/*
 * lgx_version: what lgx was built from. The release is the VERSION file;
 * the build is `git describe --tags --always --dirty` of the source when
 * it was a git checkout, else empty. The Makefile writes both into
 * build/gen/lgx_version_gen.h, rewritten only when they change, so that a
 * new commit rebuilds this module alone.
 */
#ifndef LGX_VERSION_H
#define LGX_VERSION_H

#include <stddef.h>

/* The release ("0.15.0"); static. */
const char *lgx_version_release(void);

/* Writes what --version prints, without a newline, into out:
 * "<program> <release> (<build>)", or "<program> <release>" without a
 * build. program is its first len bytes. Truncated to size. */
void lgx_version_format(const char *program, size_t len, char *out,
                        size_t size);

#endif
