/*
 * rss_run: runs a program and reports its peak resident set size and CPU
 * time, for the benchmarks (test/bench/bench.py).
 *
 * A Python parent cannot get these right itself: Linux starts the
 * ru_maxrss of a child that Python spawns (vfork, then exec) at the
 * resident set of the Python process, so wait4() reports at least the
 * parent's size. A child forked here starts from this small process.
 *
 *   rss_run OUT PROGRAM ARGS...
 *
 * Writes the child's pid to OUT as soon as it runs ("pid N\n"), and once
 * it has exited appends "maxrss_kb N\nutime S\nstime S\n". Exits with the
 * child's exit code (128 + signal when killed). SIGTERM and SIGINT are
 * passed on to the child.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t child;

static void pass_on(int sig)
{
    if (child > 0) {
        kill(child, sig);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rss_run OUT PROGRAM ARGS...\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        fclose(out);
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    child = pid;
    signal(SIGTERM, pass_on);
    signal(SIGINT, pass_on);
    fprintf(out, "pid %d\n", (int)pid);
    fflush(out);
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        /* EINTR from a passed-on signal: wait again */
    }
    fprintf(out, "maxrss_kb %ld\nutime %ld.%06ld\nstime %ld.%06ld\n",
            ru.ru_maxrss, (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
            (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
    fclose(out);
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}
