/*
 * l4churn-client: the native churn reference for `npm run bench`. Each cycle is what one l4stress --mode connect
 * cycle is (workers/connect-mode.ts on workers/session.ts, plain TCP to an address):
 *   connect, non-blocking and unbound (the kernel picks a fresh source port), TCP_NODELAY once connected;
 *   the PROXY header (v1 or v2, TCP4, source from getsockname, destination the target's address: what
 *   src/proxy/header.ts builds by default) and a SIZE-byte message in one write;
 *   wait until SIZE bytes are echoed back (--churn-echo; SIZE 0: no message and no wait, churn without it);
 *   close: FIN (shutdown, then the peer's FIN, then close: a cycle ends when both sides closed, as a link's handle
 *   closes) or RST (SO_LINGER 0, then close).
 * A finished cycle's slot opens the next connection at once: INFLIGHT cycles in flight, one thread, one epoll loop.
 * Runs WARMUP seconds uncounted, then SECONDS counted (or until MAX cycles are counted: the last batch of events may
 * finish a few more), then closes what is in flight without counting it. Errors (failed connects, sessions the peer
 * closed or reset before the cycle's close, short writes) are counted over the whole run, warm-up included.
 * Prints one JSON line, with the process's CPU time over the whole run (cpuUs: user + system, start-up included);
 * exits 1 when there were errors.
 * Usage: l4churn-client [-n INFLIGHT] [-t SECONDS] [-w WARMUP] [-m MAX] [-s SIZE] [-p none|v1|v2] [-x fin|rst]
 *        HOST PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 1024
#define MAX_MESSAGE 65536

enum state { FREE, CONNECTING, ECHO_WAIT, FIN_WAIT };

struct slot {
  int fd;
  enum state state;
  size_t got;
};

static struct sockaddr_in target;
static int ep, header_version, rst_close;
static size_t size;
static unsigned char msg[MAX_MESSAGE], buf[MAX_MESSAGE];
static struct slot *slots;
static int *free_slots, free_count;
static int counting;
static unsigned long long cycles, warmup_cycles, connect_failed, dropped, write_failed, reset_after_fin;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void release(struct slot *s) {
  if (s->fd >= 0) close(s->fd); /* closing the only descriptor takes it out of the epoll set too */
  s->fd = -1;
  s->state = FREE;
  free_slots[free_count++] = (int)(s - slots);
}

static void cycle_done(struct slot *s) {
  if (counting) cycles++;
  else warmup_cycles++;
  release(s);
}

/* Opens one connection in slot s; 0 when the connect is under way, -1 when it failed at once. */
static int open_one(struct slot *s) {
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  s->got = 0;
  s->state = CONNECTING;
  if (s->fd < 0 || (connect(s->fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS)) {
    connect_failed++;
    release(s);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = s};
  epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
  return 0;
}

/* The header (when asked) and the message, built into out; returns the length. */
static size_t first_write(int fd, unsigned char *out) {
  size_t n = 0;
  if (header_version) {
    struct sockaddr_in local;
    socklen_t ll = sizeof local;
    getsockname(fd, (struct sockaddr *)&local, &ll);
    if (header_version == 1) {
      char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &local.sin_addr, src, sizeof src);
      inet_ntop(AF_INET, &target.sin_addr, dst, sizeof dst);
      n = (size_t)sprintf((char *)out, "PROXY TCP4 %s %s %u %u\r\n", src, dst, ntohs(local.sin_port),
                          ntohs(target.sin_port));
    } else {
      static const unsigned char sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
      memcpy(out, sig, 12);
      out[12] = 0x21; /* v2, PROXY */
      out[13] = 0x11; /* TCP over IPv4 */
      out[14] = 0;
      out[15] = 12;
      memcpy(out + 16, &local.sin_addr, 4);
      memcpy(out + 20, &target.sin_addr, 4);
      memcpy(out + 24, &local.sin_port, 2);
      memcpy(out + 26, &target.sin_port, 2);
      n = 28;
    }
  }
  memcpy(out + n, msg, size);
  return n + size;
}

/* The cycle's close, once its work is done: RST ends it here; FIN waits for the peer's FIN. */
static void close_cycle(struct slot *s) {
  if (rst_close) {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    cycle_done(s);
    return;
  }
  shutdown(s->fd, SHUT_WR);
  s->state = FIN_WAIT;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
  epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

static void on_connected(struct slot *s) {
  int err = 0, one = 1;
  socklen_t len = sizeof err;
  getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) {
    connect_failed++;
    release(s);
    return;
  }
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  static unsigned char out[128 + MAX_MESSAGE];
  size_t n = header_version || size ? first_write(s->fd, out) : 0;
  if (n > 0 && write(s->fd, out, n) != (ssize_t)n) {
    write_failed++;
    release(s);
    return;
  }
  if (size == 0) {
    close_cycle(s);
    return;
  }
  s->state = ECHO_WAIT;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};
  epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

static void on_readable(struct slot *s) {
  ssize_t r = read(s->fd, buf, sizeof buf);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (s->state == ECHO_WAIT) {
    if (r <= 0) {
      dropped++;
      release(s);
      return;
    }
    s->got += (size_t)r;
    if (s->got >= size) close_cycle(s);
    return;
  }
  /* FIN_WAIT: the peer's FIN ends the cycle. A reset after our FIN ends it too (l4stress counts that cycle: it
   * closed an established session on purpose), counted apart here so it shows. Stray bytes are read and dropped. */
  if (r == 0) cycle_done(s);
  else if (r < 0) {
    reset_after_fin++;
    cycle_done(s);
  }
}

static int usage(void) {
  fprintf(stderr, "usage: l4churn-client [-n INFLIGHT] [-t SECONDS] [-w WARMUP] [-m MAX] [-s SIZE] "
                  "[-p none|v1|v2] [-x fin|rst] HOST PORT\n");
  return 2;
}

int main(int argc, char **argv) {
  int inflight = 50, opt;
  double seconds = 3, warmup = 0;
  unsigned long long max = 0;
  while ((opt = getopt(argc, argv, "n:t:w:m:s:p:x:")) != -1) {
    if (opt == 'n') inflight = atoi(optarg);
    else if (opt == 't') seconds = atof(optarg);
    else if (opt == 'w') warmup = atof(optarg);
    else if (opt == 'm') max = strtoull(optarg, NULL, 10);
    else if (opt == 's') size = (size_t)atol(optarg);
    else if (opt == 'p' && strcmp(optarg, "none") == 0) header_version = 0;
    else if (opt == 'p' && strcmp(optarg, "v1") == 0) header_version = 1;
    else if (opt == 'p' && strcmp(optarg, "v2") == 0) header_version = 2;
    else if (opt == 'x' && (strcmp(optarg, "fin") == 0 || strcmp(optarg, "rst") == 0))
      rst_close = strcmp(optarg, "rst") == 0;
    else return usage();
  }
  if (argc - optind != 2 || inflight < 1 || size > MAX_MESSAGE) return usage();
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
  if (inet_pton(AF_INET, argv[optind], &target.sin_addr) != 1) return usage();
  memset(msg, 'x', sizeof msg);
  slots = calloc((size_t)inflight, sizeof *slots);
  free_slots = calloc((size_t)inflight, sizeof *free_slots);
  for (int i = inflight - 1; i >= 0; i--) {
    slots[i].fd = -1;
    free_slots[free_count++] = i;
  }
  ep = epoll_create1(0);
  struct epoll_event events[MAX_EVENTS];

  double start = now_s(), measure_start = start + warmup, end = measure_start + seconds;
  for (;;) {
    double t = now_s();
    if (!counting && t >= measure_start) {
      counting = 1;
      measure_start = t;
    }
    if (t >= end || (max > 0 && cycles >= max)) break;
    /* Slots are refilled only here, between batches: an event later in a batch never meets a reused slot. An
     * immediate connect failure (no port left) leaves the slot free until the next turn, so it does not spin. */
    int attempts = free_count;
    while (attempts-- > 0 && free_count > 0) open_one(&slots[free_slots[--free_count]]);
    int timeout_ms = (int)((end - t) * 1000) + 1;
    int n = epoll_wait(ep, events, MAX_EVENTS, timeout_ms < 100 ? timeout_ms : 100);
    for (int i = 0; i < n; i++) {
      struct slot *s = events[i].data.ptr;
      if (s->state == CONNECTING) on_connected(s);
      else on_readable(s);
    }
  }
  double measured = now_s() - measure_start;
  int in_flight = inflight - free_count;
  for (int i = 0; i < inflight; i++)
    if (slots[i].fd >= 0) close(slots[i].fd);
  unsigned long long errors = connect_failed + dropped + write_failed;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  printf("{\"inflight\":%d,\"header\":\"%s\",\"close\":\"%s\",\"size\":%zu,\"cycles\":%llu,\"seconds\":%.3f,"
         "\"cyclesPerSecond\":%.0f,\"warmupCycles\":%llu,\"errors\":%llu,\"connectFailed\":%llu,\"dropped\":%llu,"
         "\"writeFailed\":%llu,\"resetAfterFin\":%llu,\"inFlightAtStop\":%d,\"cpuUs\":%.0f}\n",
         inflight, header_version == 0 ? "none" : header_version == 1 ? "v1" : "v2", rst_close ? "rst" : "fin", size,
         cycles, measured, measured > 0 ? cycles / measured : 0, warmup_cycles, errors, connect_failed, dropped,
         write_failed, reset_after_fin, in_flight, cpu_us);
  return errors > 0 ? 1 : 0;
}
