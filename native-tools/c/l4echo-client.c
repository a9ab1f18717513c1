/*
 * l4echo-client: the native reference generator for `npm run bench`. One thread, one epoll loop: opens CONNS
 * connections (non-blocking, at most 512 connecting at once), timing the ramp until all are established; then each
 * connection writes SIZE bytes, waits for all of them back, and writes again (closed loop) for SECONDS. Latency per
 * round trip goes into a log-linear histogram (1 µs .. 10 s, ~1% buckets). Prints one JSON line.
 * With HEADER v2, the ramp does what l4stress's does per session: connect, then the PROXY v2 header (TCP4, the
 * socket's own addresses) and the first message in one write, and the ramp ends when every first echo is back.
 * Usage: l4echo-client HOST PORT CONNS SECONDS [SIZE] [HEADER]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 1024
#define MAX_CONNECTING 512
#define BUCKETS 2400 /* 100 per decade over 1 µs .. 10^24: plenty */

struct conn {
  int fd;
  int state; /* 0 connecting, 1 waiting for the first echo (HEADER v2), 2 established */
  size_t got;
  double sent_at;
};

static uint64_t hist[BUCKETS];
static uint64_t samples;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void record(double us) {
  int b = us <= 1 ? 0 : (int)(log10(us) * 100);
  if (b >= BUCKETS) b = BUCKETS - 1;
  hist[b]++;
  samples++;
}

static double percentile(double p) {
  uint64_t want = (uint64_t)ceil(samples * p / 100.0), seen = 0;
  for (int b = 0; b < BUCKETS; b++) {
    seen += hist[b];
    if (seen >= want && hist[b]) return pow(10, (b + 1) / 100.0);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: l4echo-client HOST PORT CONNS SECONDS [SIZE]\n");
    return 2;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) return 2;
  int conns = atoi(argv[3]);
  double seconds = atof(argv[4]);
  size_t size = argc > 5 ? (size_t)atoi(argv[5]) : 64;
  unsigned char *msg = calloc(1, size), *buf = malloc(65536);
  memset(msg, 'x', size);
  int v2 = argc > 6 && strcmp(argv[6], "v2") == 0;
  struct conn *cs = calloc((size_t)conns, sizeof *cs);
  int ep = epoll_create1(0);
  struct epoll_event events[MAX_EVENTS];

  /* Ramp: keep at most MAX_CONNECTING in flight until all are established. */
  double ramp_start = now_us();
  int opened = 0, established = 0, connecting = 0, failed = 0;
  while (established + failed < conns) {
    while (opened < conns && connecting < MAX_CONNECTING) {
      struct conn *c = &cs[opened++];
      c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
      struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
      epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
      connecting++;
    }
    int n = epoll_wait(ep, events, MAX_EVENTS, 10000);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      int err = 0;
      socklen_t len = sizeof err;
      if (c->state == 1) {
        /* HEADER v2: the first echo of this session. */
        ssize_t r = read(c->fd, buf, 65536);
        if (r <= 0) {
          failed++;
          connecting--;
          c->state = 2;
          continue;
        }
        c->got += (size_t)r;
        if (c->got >= size) {
          c->got -= size;
          c->state = 2;
          connecting--;
          established++;
        }
        continue;
      }
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
      epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
      if (!err && v2) {
        /* The same work as l4stress: the header from the socket's addresses, then the first message, one write. */
        struct sockaddr_in local, peer;
        socklen_t ll = sizeof local, pl = sizeof peer;
        getsockname(c->fd, (struct sockaddr *)&local, &ll);
        getpeername(c->fd, (struct sockaddr *)&peer, &pl);
        unsigned char out[28 + 65536];
        static const unsigned char sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
        memcpy(out, sig, 12);
        out[12] = 0x21; /* v2, PROXY */
        out[13] = 0x11; /* TCP over IPv4 */
        out[14] = 0;
        out[15] = 12;
        memcpy(out + 16, &local.sin_addr, 4);
        memcpy(out + 20, &peer.sin_addr, 4);
        memcpy(out + 24, &local.sin_port, 2);
        memcpy(out + 26, &peer.sin_port, 2);
        size_t first = size < 65536 ? size : 65536;
        memcpy(out + 28, msg, first);
        if (write(c->fd, out, 28 + first) != (ssize_t)(28 + first)) {
          failed++;
          connecting--;
          c->state = 2;
          continue;
        }
        c->state = 1;
        continue;
      }
      connecting--;
      c->state = 2;
      if (err) failed++;
      else established++;
    }
  }
  double ramp_ms = (now_us() - ramp_start) / 1000;

  /* Closed loop. */
  double start = now_us(), end = start + seconds * 1e6;
  uint64_t round_trips = 0;
  for (int i = 0; i < conns; i++) {
    cs[i].sent_at = now_us();
    if (write(cs[i].fd, msg, size) != (ssize_t)size) failed++;
  }
  while (now_us() < end) {
    int n = epoll_wait(ep, events, MAX_EVENTS, 100);
    double t = now_us();
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      ssize_t r = read(c->fd, buf, 65536);
      if (r <= 0) continue;
      c->got += (size_t)r;
      while (c->got >= size) {
        c->got -= size;
        record(t - c->sent_at);
        round_trips++;
        c->sent_at = t;
        if (write(c->fd, msg, size) != (ssize_t)size) failed++;
      }
    }
  }
  double elapsed = (now_us() - start) / 1e6;
  printf("{\"conns\":%d,\"established\":%d,\"failed\":%d,\"rampMs\":%.1f,\"roundTrips\":%llu,\"seconds\":%.3f,"
         "\"roundTripsPerSecond\":%.0f,\"p50Us\":%.1f,\"p99Us\":%.1f}\n",
         conns, established, failed, ramp_ms, (unsigned long long)round_trips, elapsed, round_trips / elapsed,
         percentile(50), percentile(99));
  return 0;
}
