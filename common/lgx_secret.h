/*
 * lgx_secret: secrets read from files (the Odoo API key, the Kafka
 * passwords), so that they are on no command line and in no environment.
 * Every message names the file and what went wrong; none holds the
 * secret.
 */
#ifndef LGX_SECRET_H
#define LGX_SECRET_H

#include <stddef.h>

/* Returns the contents of the file at path without trailing white space
 * (malloc'd; free with lgx_secret_free), or NULL with errstr saying why:
 * "the <what> <path> is not a regular file (a directory)", "cannot read
 * the <what> <path>: <the system's reason>" or "the <what> <path> is
 * empty". what names the file for people ("API key file"). At most 1023
 * bytes are read. */
char *lgx_secret_read(const char *path, const char *what, char *errstr,
                      size_t errstr_size);

/* Overwrites the secret, then frees it. NULL does nothing. */
void lgx_secret_free(char *secret);

#endif
