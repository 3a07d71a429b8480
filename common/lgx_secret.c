#include "lgx_secret.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *lgx_secret_read(const char *path, const char *what, char *errstr,
                      size_t size)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(errstr, size, "the %s %s is not a regular file%s", what, path,
                 S_ISDIR(st.st_mode) ? " (a directory)" : "");
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errstr, size, "cannot read the %s %s: %s", what, path,
                 strerror(errno));
        return NULL;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    bool failed = ferror(f) != 0;
    int read_errno = errno;
    fclose(f);
    if (failed) {
        snprintf(errstr, size, "cannot read the %s %s: %s", what, path,
                 strerror(read_errno));
        return NULL;
    }
    while (n && isspace((unsigned char)buf[n - 1])) {
        n--;
    }
    buf[n] = '\0';
    if (n == 0) {
        snprintf(errstr, size, "the %s %s is empty", what, path);
        return NULL;
    }
    char *s = strdup(buf);
    memset(buf, 0, sizeof(buf));
    if (!s) {
        snprintf(errstr, size, "out of memory");
    }
    return s;
}

void lgx_secret_free(char *secret)
{
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
}
