/*
 * smtp-pipe - an SMTP load generator that can pipeline (RFC 2920).
 *
 * Postfix's smtp-source sends one command and waits for its reply, so it cannot show how a
 * server behaves with a pipelining client (the Nagle/delayed-ACK stall in perf-anchors.md,
 * finding 5, only shows up with one). smtp-pipe opens S persistent sessions, shares N
 * messages among them and, per message, sends either
 *   lockstep (default): MAIL, wait, RCPT, wait, DATA, wait for 354, content, wait; or
 *   pipelined (-P):     MAIL+RCPT+DATA in ONE write, read the three replies, content, wait.
 * Every reply is checked (2xx for MAIL/RCPT and the end of data, 354 for DATA, 221 for QUIT);
 * a wrong reply ends that session and makes the exit status 1.
 *
 * It prints one line of key=value pairs: messages accepted, wall seconds, msgs/s, and the
 * per-message latency (first byte of MAIL sent -> final reply read) p50/p99/max in ms.
 *
 * Not a test tool: it does no SMTP conformance checking beyond reply codes, no TLS, no AUTH,
 * no dot-stuffing (its body lines never start with '.').
 *
 * Build: gcc -O2 -pthread -o smtp-pipe smtp-pipe.c
 * Usage: smtp-pipe [-P] [-s sessions] [-m messages] [-l body-bytes] [-f from] [-t to]
 *                  [-M helo] [-T timeout-seconds] host:port
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static int pipelining;
static int sessions = 20;
static long messages = 20000;
static long body_len = 5120;
static const char *sender = "sender@bench.test";
static const char *recipient = "user@bench.test";
static const char *helo = "loadgen.bench.test";
static int timeout_s = 60;
static struct addrinfo *target;

static char *body;          /* shared: body lines + ".\r\n" */
static size_t body_size;
static double *latency_us;  /* per message index; < 0 means not accepted */
static atomic_long next_message;
static atomic_long accepted;
static atomic_int errors;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

struct conn {
    int fd;
    int id;
    char buf[8192];
    size_t pos, len;
};

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fail(struct conn *c, const char *what, const char *detail) {
    int n = atomic_fetch_add(&errors, 1);
    if (n < 10) { /* enough to diagnose; a broken server would otherwise flood stderr */
        pthread_mutex_lock(&print_lock);
        fprintf(stderr, "smtp-pipe: session %d: %s: %s\n", c->id, what, detail);
        pthread_mutex_unlock(&print_lock);
    }
}

static int write_all(struct conn *c, const struct iovec *iov_in, int n) {
    struct iovec iov[4];
    memcpy(iov, iov_in, n * sizeof *iov);
    struct iovec *p = iov;
    while (n > 0) {
        ssize_t w = writev(c->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail(c, "write", strerror(errno));
            return -1;
        }
        while (n > 0 && (size_t) w >= p->iov_len) { w -= p->iov_len; p++; n--; }
        if (n > 0) { p->iov_base = (char *) p->iov_base + w; p->iov_len -= w; }
    }
    return 0;
}

static int send_str(struct conn *c, const char *s) {
    struct iovec v = { (void *) s, strlen(s) };
    return write_all(c, &v, 1);
}

/* Reads one line (without CRLF) into out; returns its length or -1. */
static int read_line(struct conn *c, char *out, size_t cap) {
    size_t n = 0;
    for (;;) {
        if (c->pos == c->len) {
            ssize_t r = read(c->fd, c->buf, sizeof c->buf);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                fail(c, "read", r == 0 ? "connection closed by server" : strerror(errno));
                return -1;
            }
            c->pos = 0;
            c->len = (size_t) r;
        }
        char ch = c->buf[c->pos++];
        if (ch == '\n') {
            if (n > 0 && out[n - 1] == '\r') n--;
            out[n] = '\0';
            return (int) n;
        }
        if (n + 1 < cap) out[n++] = ch;
    }
}

/*
 * Reads a whole (possibly multi-line) reply; returns its code or -1. If ext is not NULL,
 * sets *found when a line's text equals ext (used to see PIPELINING in the EHLO reply).
 */
static int read_reply(struct conn *c, char *last, size_t cap, const char *ext, int *found) {
    for (;;) {
        int n = read_line(c, last, cap);
        if (n < 0) return -1;
        if (n < 3 || last[0] < '1' || last[0] > '5') {
            fail(c, "malformed reply", last);
            return -1;
        }
        if (ext && n >= 4 && strcasecmp(last + 4, ext) == 0) *found = 1;
        if (n == 3 || last[3] == ' ') return atoi(last);
        if (last[3] != '-') {
            fail(c, "malformed reply", last);
            return -1;
        }
    }
}

static int expect(struct conn *c, const char *after, int want_class, int want_code) {
    char line[1024];
    int code = read_reply(c, line, sizeof line, NULL, NULL);
    if (code < 0) return -1;
    if ((want_code && code != want_code) || (!want_code && code / 100 != want_class)) {
        char what[64];
        snprintf(what, sizeof what, "unexpected reply to %s", after);
        fail(c, what, line);
        return -1;
    }
    return 0;
}

static int open_session(struct conn *c) {
    c->fd = socket(target->ai_family, SOCK_STREAM, 0);
    if (c->fd < 0) { fail(c, "socket", strerror(errno)); return -1; }
    struct timeval tv = { timeout_s, 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    /* Each step is one write, so client-side Nagle cannot delay us; off anyway, so that any
     * stall measured is the server's. */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, target->ai_addr, target->ai_addrlen) < 0) {
        fail(c, "connect", strerror(errno));
        return -1;
    }
    if (expect(c, "connect (banner)", 2, 220) < 0) return -1;
    char cmd[300], line[1024];
    snprintf(cmd, sizeof cmd, "EHLO %s\r\n", helo);
    if (send_str(c, cmd) < 0) return -1;
    int has_pipelining = 0;
    int code = read_reply(c, line, sizeof line, "PIPELINING", &has_pipelining);
    if (code < 0) return -1;
    if (code != 250) { fail(c, "unexpected reply to EHLO", line); return -1; }
    if (pipelining && !has_pipelining) {
        fail(c, "EHLO", "server does not advertise PIPELINING; refusing to pipeline (RFC 2920)");
        return -1;
    }
    return 0;
}

static int send_message(struct conn *c, long index) {
    char mail[300], rcpt[300], header[512];
    int ml = snprintf(mail, sizeof mail, "MAIL FROM:<%s>\r\n", sender);
    int rl = snprintf(rcpt, sizeof rcpt, "RCPT TO:<%s>\r\n", recipient);
    int hl = snprintf(header, sizeof header,
                      "From: <%s>\r\nTo: <%s>\r\nSubject: bench %ld\r\n"
                      "Message-ID: <%ld.%d@%s>\r\n\r\n",
                      sender, recipient, index, index, (int) getpid(), helo);
    struct iovec content[2] = { { header, (size_t) hl }, { body, body_size } };
    if (pipelining) {
        struct iovec group[3] = { { mail, (size_t) ml }, { rcpt, (size_t) rl }, { "DATA\r\n", 6 } };
        if (write_all(c, group, 3) < 0) return -1;
        /* Read all three replies before judging, so that the stream stays in step. */
        int bad = 0;
        bad |= expect(c, "MAIL (pipelined)", 2, 0);
        if (bad) return -1;
        bad |= expect(c, "RCPT (pipelined)", 2, 0);
        if (bad) return -1;
        if (expect(c, "DATA (pipelined)", 3, 354) < 0) return -1;
    } else {
        struct iovec v = { mail, (size_t) ml };
        if (write_all(c, &v, 1) < 0 || expect(c, "MAIL", 2, 0) < 0) return -1;
        v = (struct iovec) { rcpt, (size_t) rl };
        if (write_all(c, &v, 1) < 0 || expect(c, "RCPT", 2, 0) < 0) return -1;
        if (send_str(c, "DATA\r\n") < 0 || expect(c, "DATA", 3, 354) < 0) return -1;
    }
    if (write_all(c, content, 2) < 0) return -1;
    return expect(c, "end of data", 2, 0);
}

static void *session_main(void *arg) {
    struct conn *c = arg;
    if (open_session(c) < 0) goto done;
    for (;;) {
        long i = atomic_fetch_add(&next_message, 1);
        if (i >= messages) break;
        double t0 = now_us();
        if (send_message(c, i) < 0) goto done;
        latency_us[i] = now_us() - t0;
        atomic_fetch_add(&accepted, 1);
    }
    if (send_str(c, "QUIT\r\n") == 0) expect(c, "QUIT", 2, 221);
done:
    if (c->fd >= 0) close(c->fd);
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static void build_body(void) {
    /* body_len bytes of 78-column lines (76 letters + CRLF), then the end-of-data line. */
    body = malloc(body_len + 80);
    size_t n = 0;
    while (n < (size_t) body_len) {
        size_t line = body_len - n < 78 ? body_len - n : 78;
        if (line < 2) { body[n++] = 'x'; continue; }
        for (size_t k = 0; k < line - 2; k++) body[n + k] = 'a' + (char) ((n / 78 + k) % 26);
        body[n + line - 2] = '\r';
        body[n + line - 1] = '\n';
        n += line;
    }
    if (n > 0 && body[n - 1] != '\n') { body[n++] = '\r'; body[n++] = '\n'; }
    memcpy(body + n, ".\r\n", 3);
    body_size = n + 3;
}

static void usage(void) {
    fprintf(stderr, "usage: smtp-pipe [-P] [-s sessions] [-m messages] [-l body-bytes] "
                    "[-f from] [-t to] [-M helo] [-T timeout-seconds] host:port\n");
    exit(2);
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "Ps:m:l:f:t:M:T:")) != -1) {
        switch (opt) {
        case 'P': pipelining = 1; break;
        case 's': sessions = atoi(optarg); break;
        case 'm': messages = atol(optarg); break;
        case 'l': body_len = atol(optarg); break;
        case 'f': sender = optarg; break;
        case 't': recipient = optarg; break;
        case 'M': helo = optarg; break;
        case 'T': timeout_s = atoi(optarg); break;
        default: usage();
        }
    }
    if (optind != argc - 1 || sessions < 1 || sessions > 1000 || messages < 1 || body_len < 0
        || timeout_s < 1)
        usage();
    char *hostport = strdup(argv[optind]);
    char *colon = strrchr(hostport, ':');
    if (!colon) usage();
    *colon = '\0';
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
    int gai = getaddrinfo(hostport, colon + 1, &hints, &target);
    if (gai != 0) {
        fprintf(stderr, "smtp-pipe: %s: %s (give a numeric address:port)\n", argv[optind],
                gai_strerror(gai));
        return 2;
    }
    build_body();
    latency_us = malloc(messages * sizeof *latency_us);
    for (long i = 0; i < messages; i++) latency_us[i] = -1;

    pthread_t *threads = calloc(sessions, sizeof *threads);
    struct conn *conns = calloc(sessions, sizeof *conns);
    double t0 = now_us();
    for (int i = 0; i < sessions; i++) {
        conns[i].fd = -1;
        conns[i].id = i;
        if (pthread_create(&threads[i], NULL, session_main, &conns[i]) != 0) {
            fprintf(stderr, "smtp-pipe: cannot start thread %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < sessions; i++) pthread_join(threads[i], NULL);
    double secs = (now_us() - t0) / 1e6;

    long n = 0;
    for (long i = 0; i < messages; i++)
        if (latency_us[i] >= 0) latency_us[n++] = latency_us[i];
    qsort(latency_us, n, sizeof *latency_us, cmp_double);
    double p50 = n ? latency_us[(long) ceil(0.50 * n) - 1] / 1e3 : 0;
    double p99 = n ? latency_us[(long) ceil(0.99 * n) - 1] / 1e3 : 0;
    double max = n ? latency_us[n - 1] / 1e3 : 0;
    printf("mode=%s sessions=%d messages=%ld accepted=%ld errors=%d seconds=%.3f rate=%.0f "
           "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
           pipelining ? "pipe" : "lock", sessions, messages, n, atomic_load(&errors), secs,
           n / secs, p50, p99, max);
    return (n == messages && atomic_load(&errors) == 0) ? 0 : 1;
}
