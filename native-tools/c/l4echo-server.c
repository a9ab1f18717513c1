/*
 * l4echo-server: the native reference target for `npm run bench`. An epoll echo server, one thread per
 * listening socket on one port (SO_REUSEPORT spreads accepts). A connection's first bytes may be a PROXY header
 * (v1 or v2, in its first read, as l4stress and HAProxy send it: header and first payload in one write): it is
 * dropped, not echoed, so l4stress's integrity check holds. Not a general server: no TLS, no limits beyond the fds.
 * Usage: l4echo-server HOST PORT [THREADS]; prints "listening HOST PORT" once ready; runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 512
#define BUF 65536

static const unsigned char V2_SIG[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

/* Per connection: whether its first read is still to come (a PROXY header may lead it). */
struct conn {
  int fd;
  int fresh;
};

static struct sockaddr_in bind_addr;

static int open_listener(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&bind_addr, sizeof bind_addr) < 0 || listen(fd, 65535) < 0) {
    perror("l4echo-server: bind/listen");
    exit(3);
  }
  return fd;
}

/* Length of a PROXY header at the start of buf (0: none). */
static size_t proxy_header_length(const unsigned char *buf, size_t n) {
  if (n >= 16 && memcmp(buf, V2_SIG, 12) == 0) return 16 + ((size_t)buf[14] << 8 | buf[15]);
  if (n >= 6 && memcmp(buf, "PROXY ", 6) == 0) {
    for (size_t i = 6; i + 1 < n; i++)
      if (buf[i] == '\r' && buf[i + 1] == '\n') return i + 2;
  }
  return 0;
}

/* Writes all of buf; a full socket buffer is waited out (the bench's messages are small and closed-loop). */
static int write_all(int fd, const unsigned char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w > 0) {
      buf += w;
      n -= (size_t)w;
    } else if (w < 0 && errno == EAGAIN) {
      usleep(50);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else {
      return -1;
    }
  }
  return 0;
}

static void *serve(void *arg) {
  int listener = (int)(intptr_t)arg;
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event events[MAX_EVENTS];
  static __thread unsigned char buf[BUF];
  for (;;) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        for (;;) {
          int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          int one = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct conn *nc = malloc(sizeof *nc);
          nc->fd = fd;
          nc->fresh = 1;
          struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      ssize_t r;
      int closed = 0;
      while ((r = read(c->fd, buf, BUF)) > 0) {
        size_t skip = 0;
        if (c->fresh) {
          skip = proxy_header_length(buf, (size_t)r);
          c->fresh = 0;
        }
        if ((size_t)r > skip && write_all(c->fd, buf + skip, (size_t)r - skip) < 0) {
          closed = 1;
          break;
        }
        if (r < BUF) break;
      }
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) closed = 1;
      if (closed) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c);
      }
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: l4echo-server HOST PORT [THREADS]\n");
    return 2;
  }
  int threads = argc > 3 ? atoi(argv[3]) : 1;
  memset(&bind_addr, 0, sizeof bind_addr);
  bind_addr.sin_family = AF_INET;
  bind_addr.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &bind_addr.sin_addr) != 1) {
    fprintf(stderr, "l4echo-server: bad host %s\n", argv[1]);
    return 2;
  }
  if (threads < 1 || threads > 64) threads = 1;
  /* Every listener bound before any thread runs or "listening" is said; port 0 takes the first one's port. */
  int listeners[64];
  for (int i = 0; i < threads; i++) {
    listeners[i] = open_listener();
    if (i == 0) {
      socklen_t len = sizeof bind_addr;
      getsockname(listeners[0], (struct sockaddr *)&bind_addr, &len);
    }
  }
  for (int i = 0; i < threads; i++) {
    pthread_t t;
    pthread_create(&t, NULL, serve, (void *)(intptr_t)listeners[i]);
  }
  printf("listening %s %d\n", argv[1], ntohs(bind_addr.sin_port));
  fflush(stdout);
  for (;;) pause();
}
