// Load generator for run-trace-benchmark.sh: opens and closes loopback TCP connections as fast as it can (or at a
// given rate), alternating IPv4 (127.0.0.1) and IPv6 (::1). Each connection: connect, accept, one byte each way,
// the client end closes first, then
// the server end (the client keeps the TIME_WAIT; net.ipv4.tcp_tw_reuse, on for loopback by default, reuses the ports).
// That is every TCP transition of an ordinary short connection on both ends (SYN_SENT, SYN_RECV, ESTABLISHED,
// FIN_WAIT1/2, CLOSE_WAIT, LAST_ACK, CLOSE).
//
// Usage: connload [-n CONNECTIONS] [-r PER_SECOND] [-s SECONDS] [-p PROCESSES] [-P PORTS]
//   -n total connections over all processes (default 100000); -r caps the rate (0: as fast as possible);
//   -s runs for a time instead of a count (with -r: rate x seconds connections); -p worker processes (default 1);
//   -P listening ports per family (default 8, more 4-tuples). Prints "connections=N seconds=S per_second=R".
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int listener(int family, struct sockaddr_storage *addr, socklen_t *len)
{
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(addr, 0, sizeof *addr);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)addr;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        *len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)addr, *len) < 0) die("bind");
    if (listen(fd, 4096) < 0) die("listen");
    if (getsockname(fd, (struct sockaddr *)addr, len) < 0) die("getsockname");
    return fd;
}

static long run(long count, double rate, int ports)
{
    int lfd[2][64];
    struct sockaddr_storage addr[2][64];
    socklen_t len[2][64];
    for (int p = 0; p < ports; p++) {
        lfd[0][p] = listener(AF_INET, &addr[0][p], &len[0][p]);
        lfd[1][p] = listener(AF_INET6, &addr[1][p], &len[1][p]);
    }
    double start = now();
    long done = 0;
    char byte = 'x';
    for (long i = 0; i < count; i++) {
        if (rate > 0) {
            double due = start + i / rate;
            double wait = due - now();
            if (wait > 0) {
                struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
                nanosleep(&ts, NULL);
            }
        }
        int f = i & 1, p = (int)((i >> 1) % ports);
        int c = socket(f ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        if (c < 0) die("socket");
        if (connect(c, (struct sockaddr *)&addr[f][p], len[f][p]) < 0) {
            if (errno == EADDRNOTAVAIL || errno == EAGAIN) { close(c); usleep(1000); i--; continue; }
            die("connect");
        }
        int s = accept(lfd[f][p], NULL, NULL);
        if (s < 0) die("accept");
        if (write(c, &byte, 1) != 1 || read(s, &byte, 1) != 1) die("client to server");
        if (write(s, &byte, 1) != 1 || read(c, &byte, 1) != 1) die("server to client");
        close(c);
        // The server sees the client's FIN before it closes: CLOSE_WAIT, then LAST_ACK.
        if (read(s, &byte, 1) != 0) die("expected end of stream");
        close(s);
        done++;
    }
    return done;
}

int main(int argc, char **argv)
{
    long count = 100000;
    double rate = 0, seconds = 0;
    int procs = 1, ports = 8, opt;
    while ((opt = getopt(argc, argv, "n:r:s:p:P:")) != -1) {
        switch (opt) {
        case 'n': count = atol(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 's': seconds = atof(optarg); break;
        case 'p': procs = atoi(optarg); break;
        case 'P': ports = atoi(optarg); break;
        default: fprintf(stderr, "usage: %s [-n N] [-r PER_SECOND] [-s SECONDS] [-p PROCS] [-P PORTS]\n", argv[0]); return 2;
        }
    }
    if (ports < 1 || ports > 64 || procs < 1) { fprintf(stderr, "bad -p or -P\n"); return 2; }
    if (seconds > 0 && rate > 0) count = (long)(rate * seconds);
    long each = count / procs;
    double each_rate = rate / procs;
    double start = now();
    for (int k = 0; k < procs; k++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            long n = run(k == 0 ? count - each * (procs - 1) : each, each_rate, ports);
            _exit(n == (k == 0 ? count - each * (procs - 1) : each) ? 0 : 1);
        }
    }
    int failed = 0, status;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    double elapsed = now() - start;
    printf("connections=%ld seconds=%.3f per_second=%.0f\n", count, elapsed, count / elapsed);
    return failed;
}
