/*
 * Federation test app: a stateful process whose memory must survive a live migration.
 *
 * It allocates MIB MiB, fills every 4 KiB page with pseudo-random bytes derived from a random
 * seed, a page index and a page version; every TICK_MS it rewrites DIRTY_KIB KiB of pages (their
 * version goes up) and increments a counter. A restarted process draws a new seed, so a matching
 * checksum after a move proves the memory came along.
 *
 * TCP protocol on PORT, one command line per connection, one reply line, then close:
 *   GET        counter=<n> seed=<hex> checksum=<hex> mib=<n> dirty_kib=<n>
 *              (checksum is kept up to date incrementally as pages are rewritten)
 *   SUM        same as GET plus memsum=<hex>, recomputed over every page of memory now
 *   VERIFY     same as GET plus verify=ok|bad, regenerating every page from seed and version
 *   EXIT <n>   replies bye and exits with status n
 * Environment: PORT (7000), MIB (64), DIRTY_KIB (64), TICK_MS (10).
 *
 * MODE=store and MODE=web play "a web app plus a database it keeps one connection to" (two containers of
 * one workload, sharing a network namespace):
 *   store  a key-value store on PORT (7001) with persistent connections, one command line, one reply line:
 *          SET <k> <v> -> ok   GET <k> -> value=<v> | missing   STATS -> connections=<accepted so far> keys=<n>
 *   web    keeps ONE connection to the store at STORE (127.0.0.1:7001), opened at start, and answers clients on
 *          PORT (7000), one command per connection, only through that connection:
 *          PUT <k> <v> -> ok   GET <k> -> value=<v> | missing   STATS -> <the store's STATS> backend_connects=<n>
 *          EXIT <n> -> bye exit=<n>, then exits with status n
 *          backend_connects counts the connections it opened to the store: 1 while the first one lives.
 *          BACKEND=redis: the store is a Redis (STORE=127.0.0.1:6379), spoken to in RESP over that one connection:
 *          PUT k v -> SET k v, GET k -> GET k, and STATS -> client_id=<CLIENT ID> keys=<DBSIZE> backend_connects=<n>
 *          (Redis numbers its connections: the same client_id means the same connection).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS (PAGE / 8u)

static uint64_t *memory;
static uint32_t *versions;
static uint64_t pages, seed, counter, checksum, cursor;
static unsigned mib, dirty_kib, tick_ms;

static uint64_t mix(uint64_t x) {
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void fill_page(uint64_t *out, uint64_t page, uint32_t version) {
    uint64_t s = mix(seed ^ mix(page * 0x9e3779b97f4a7c15ULL + version));
    for (unsigned i = 0; i < WORDS; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        out[i] = s;
    }
}

static uint64_t page_hash(const uint64_t *p, uint64_t page) {
    uint64_t h = 0xcbf29ce484222325ULL ^ page;
    for (unsigned i = 0; i < WORDS; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return mix(h);
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static unsigned env_uint(const char *name, unsigned fallback) {
    const char *v = getenv(name);
    if (!v || !*v) return fallback;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end) { fprintf(stderr, "testapp: %s=%s is not a number\n", name, v); exit(2); }
    return (unsigned)n;
}

static void dirty(void) {
    uint64_t n = (dirty_kib * 1024u + PAGE - 1) / PAGE;
    for (uint64_t i = 0; i < n && pages; i++) {
        uint64_t p = cursor;
        uint64_t *page = memory + p * WORDS;
        checksum -= page_hash(page, p);
        fill_page(page, p, ++versions[p]);
        checksum += page_hash(page, p);
        cursor = (cursor + 1) % pages;
    }
}

static uint64_t memsum(void) {
    uint64_t s = 0;
    for (uint64_t p = 0; p < pages; p++) s += page_hash(memory + p * WORDS, p);
    return s;
}

static int verify(void) {
    uint64_t expected[WORDS];
    for (uint64_t p = 0; p < pages; p++) {
        fill_page(expected, p, versions[p]);
        if (memcmp(expected, memory + p * WORDS, PAGE) != 0) return 0;
    }
    return 1;
}

static void serve(int client) {
    struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char line[128];
    size_t len = 0;
    while (len < sizeof line - 1) {
        ssize_t r = read(client, line + len, 1);
        if (r <= 0 || line[len] == '\n') break;
        len++;
    }
    line[len] = 0;
    if (len && line[len - 1] == '\r') line[--len] = 0;

    char reply[256];
    int code = -1;
    int n = snprintf(reply, sizeof reply, "counter=%llu seed=%016llx checksum=%016llx mib=%u dirty_kib=%u",
                     (unsigned long long)counter, (unsigned long long)seed,
                     (unsigned long long)checksum, mib, dirty_kib);
    if (strcmp(line, "SUM") == 0) {
        n += snprintf(reply + n, sizeof reply - n, " memsum=%016llx", (unsigned long long)memsum());
    } else if (strcmp(line, "VERIFY") == 0) {
        n += snprintf(reply + n, sizeof reply - n, " verify=%s", verify() ? "ok" : "bad");
    } else if (strncmp(line, "EXIT ", 5) == 0) {
        code = atoi(line + 5);
        n = snprintf(reply, sizeof reply, "bye exit=%d", code);
    } else if (strcmp(line, "GET") != 0 && len) {
        n = snprintf(reply, sizeof reply, "error=unknown-command");
    }
    snprintf(reply + n, sizeof reply - n, "\n");
    ssize_t ignored = write(client, reply, strlen(reply));
    (void)ignored;
    close(client);
    if (code >= 0) {
        printf("testapp: exiting with %d at counter=%llu\n", code, (unsigned long long)counter);
        exit(code);
    }
}

static int run_store(void);
static int run_web(void);

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    const char *mode = getenv("MODE");
    if (mode && strcmp(mode, "store") == 0) return run_store();
    if (mode && strcmp(mode, "web") == 0) return run_web();
    if (mode && *mode && strcmp(mode, "memory") != 0) { fprintf(stderr, "testapp: MODE=%s is not memory, store or web\n", mode); return 2; }
    unsigned port = env_uint("PORT", 7000);
    mib = env_uint("MIB", 64);
    dirty_kib = env_uint("DIRTY_KIB", 64);
    tick_ms = env_uint("TICK_MS", 10);
    if (tick_ms == 0) tick_ms = 1;

    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, &seed, sizeof seed) != sizeof seed) seed = mix((uint64_t)getpid() ^ now_ms());
    if (fd >= 0) close(fd);

    pages = (uint64_t)mib * 1024u * 1024u / PAGE;
    memory = aligned_alloc(PAGE, pages ? pages * PAGE : PAGE);
    versions = calloc(pages ? pages : 1, sizeof *versions);
    if (!memory || !versions) { fprintf(stderr, "testapp: cannot allocate %u MiB\n", mib); return 1; }
    for (uint64_t p = 0; p < pages; p++) {
        fill_page(memory + p * WORDS, p, 0);
        checksum += page_hash(memory + p * WORDS, p);
    }

    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 64) != 0) {
        fprintf(stderr, "testapp: cannot listen on port %u: %s\n", port, strerror(errno));
        return 1;
    }
    printf("testapp: listening port=%u mib=%u dirty_kib=%u tick_ms=%u seed=%016llx\n",
           port, mib, dirty_kib, tick_ms, (unsigned long long)seed);

    uint64_t next = now_ms() + tick_ms;
    for (;;) {
        uint64_t now = now_ms();
        /* After a restore the clock may have jumped: do not replay the missed ticks. */
        if (now >= next + 1000u || next > now + 1000u) next = now;
        if (now >= next) {
            dirty();
            counter++;
            if (counter % 1000u == 0) printf("testapp: counter=%llu\n", (unsigned long long)counter);
            next += tick_ms;
            continue;
        }
        struct pollfd pfd = { .fd = listener, .events = POLLIN };
        if (poll(&pfd, 1, (int)(next - now)) > 0 && (pfd.revents & POLLIN)) {
            int client = accept(listener, NULL, NULL);
            if (client >= 0) serve(client);
        }
    }
}

/* ---- MODE=store and MODE=web ---- */

#define MAX_KEYS 4096
#define MAX_CLIENTS 32
#define LINE 512

static char *keys[MAX_KEYS], *values[MAX_KEYS];
static unsigned key_count;

static int listen_on(unsigned port) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 64) != 0) {
        fprintf(stderr, "testapp: cannot listen on port %u: %s\n", port, strerror(errno));
        exit(1);
    }
    return listener;
}

static void store_command(char *line, char *reply, size_t size, unsigned long long connections) {
    char *k = NULL, *v = NULL;
    if (strncmp(line, "SET ", 4) == 0) {
        k = line + 4;
        v = strchr(k, ' ');
        if (!v) { snprintf(reply, size, "error=usage\n"); return; }
        *v++ = 0;
        for (unsigned i = 0; i < key_count; i++)
            if (strcmp(keys[i], k) == 0) { free(values[i]); values[i] = strdup(v); snprintf(reply, size, "ok\n"); return; }
        if (key_count == MAX_KEYS) { snprintf(reply, size, "error=full\n"); return; }
        keys[key_count] = strdup(k);
        values[key_count++] = strdup(v);
        snprintf(reply, size, "ok\n");
    } else if (strncmp(line, "GET ", 4) == 0) {
        k = line + 4;
        for (unsigned i = 0; i < key_count; i++)
            if (strcmp(keys[i], k) == 0) { snprintf(reply, size, "value=%s\n", values[i]); return; }
        snprintf(reply, size, "missing\n");
    } else if (strcmp(line, "STATS") == 0) {
        snprintf(reply, size, "connections=%llu keys=%u\n", connections, key_count);
    } else {
        snprintf(reply, size, "error=unknown-command\n");
    }
}

static int run_store(void) {
    unsigned port = env_uint("PORT", 7001);
    int listener = listen_on(port);
    printf("testapp: store listening port=%u\n", port);
    struct pollfd fds[MAX_CLIENTS + 1];
    char buffers[MAX_CLIENTS + 1][LINE];
    size_t lengths[MAX_CLIENTS + 1];
    unsigned long long connections = 0;
    int count = 1;
    fds[0] = (struct pollfd){ .fd = listener, .events = POLLIN };
    for (;;) {
        if (poll(fds, (nfds_t)count, -1) < 0) { if (errno == EINTR) continue; return 1; }
        if (fds[0].revents & POLLIN) {
            int client = accept(listener, NULL, NULL);
            if (client >= 0 && count == MAX_CLIENTS + 1) close(client);
            else if (client >= 0) {
                connections++;
                printf("testapp: store connection %llu\n", connections);
                lengths[count] = 0;
                fds[count++] = (struct pollfd){ .fd = client, .events = POLLIN };
            }
        }
        for (int i = 1; i < count; i++) {
            if (!fds[i].revents) continue;
            char chunk[LINE];
            ssize_t r = read(fds[i].fd, chunk, sizeof chunk);
            int gone = r <= 0;
            for (ssize_t j = 0; j < r && !gone; j++) {
                if (chunk[j] != '\n') {
                    if (lengths[i] < LINE - 1) buffers[i][lengths[i]++] = chunk[j];
                    continue;
                }
                buffers[i][lengths[i]] = 0;
                if (lengths[i] && buffers[i][lengths[i] - 1] == '\r') buffers[i][lengths[i] - 1] = 0;
                lengths[i] = 0;
                char reply[LINE + 16];
                store_command(buffers[i], reply, sizeof reply, connections);
                if (write(fds[i].fd, reply, strlen(reply)) < 0) gone = 1;
            }
            if (gone) {
                close(fds[i].fd);
                fds[i] = fds[--count];
                memcpy(buffers[i], buffers[count], LINE);
                lengths[i] = lengths[count];
                i--;
            }
        }
    }
}

static int backend = -1, redis;
static unsigned long long backend_connects;
static struct sockaddr_in store_addr;

static int backend_connect(void) {
    for (int attempt = 0; attempt < 300; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&store_addr, sizeof store_addr) == 0) {
            struct timeval tv = { .tv_sec = 5, .tv_usec = 0 };
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            backend = fd;
            backend_connects++;
            printf("testapp: web connected to the store (connection %llu)\n", backend_connects);
            return 0;
        }
        close(fd);
        usleep(100000);
    }
    return -1;
}

/* Reads one reply line from the store (without the newline; for Redis, without its \r too). */
static int backend_line(char *reply, size_t size) {
    size_t len = 0;
    int ok = 1;
    while (len < size - 1) {
        /* A freeze (a checkpoint) interrupts a read that has a timeout with EINTR: it is not a lost connection. */
        ssize_t r = read(backend, reply + len, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { ok = 0; break; }
        if (reply[len] == '\n') break;
        len++;
    }
    if (redis && len && reply[len - 1] == '\r') len--;
    reply[len] = 0;
    return ok ? 0 : -1;
}

/* Sends a request (whole lines) to the store and reads its one reply line. A Redis bulk string ($<length>, then a line)
 * comes back as '$' and its content, a null one ($-1) as '_'. */
static int backend_call(const char *request, char *reply, size_t size) {
    for (int tries = 0; tries < 2; tries++) {
        if (backend < 0 && backend_connect() != 0) return -1;
        ssize_t w;
        do w = write(backend, request, strlen(request)); while (w < 0 && errno == EINTR);
        int ok = w == (ssize_t)strlen(request) && backend_line(reply, size) == 0;
        if (ok && redis && reply[0] == '$') {
            if (strcmp(reply, "$-1") == 0) strcpy(reply, "_");
            else ok = backend_line(reply + 1, size - 1) == 0;
        }
        if (ok) return 0;
        printf("testapp: web lost its store connection\n");
        close(backend);
        backend = -1;
    }
    return -1;
}

/* One Redis command, an array of bulk strings in RESP; its reply as backend_call gives it, or -1. */
static int redis_call(char *reply, size_t size, int argc, const char **argv) {
    char request[2 * LINE];
    size_t n = (size_t)snprintf(request, sizeof request, "*%d\r\n", argc);
    for (int i = 0; i < argc && n < sizeof request; i++)
        n += (size_t)snprintf(request + n, sizeof request - n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    return n < sizeof request ? backend_call(request, reply, size) : -1;
}

/* PUT, GET and STATS of the web part, answered through Redis the way the store answers them. */
static void redis_command(char *line, char *reply, size_t size) {
    char answer[LINE], keys[LINE];
    if (strncmp(line, "PUT ", 4) == 0) {
        char *v = strchr(line + 4, ' ');
        if (!v) { snprintf(reply, size, "error=usage\n"); return; }
        *v++ = 0;
        if (redis_call(answer, sizeof answer, 3, (const char *[]){ "SET", line + 4, v }) != 0) goto unreachable;
        snprintf(reply, size, "%s\n", strcmp(answer, "+OK") == 0 ? "ok" : answer);
    } else if (strncmp(line, "GET ", 4) == 0) {
        if (redis_call(answer, sizeof answer, 2, (const char *[]){ "GET", line + 4 }) != 0) goto unreachable;
        if (answer[0] == '$') snprintf(reply, size, "value=%s\n", answer + 1);
        else snprintf(reply, size, "%s\n", strcmp(answer, "_") == 0 ? "missing" : answer);
    } else {
        if (redis_call(answer, sizeof answer, 2, (const char *[]){ "CLIENT", "ID" }) != 0
            || redis_call(keys, sizeof keys, 1, (const char *[]){ "DBSIZE" }) != 0) goto unreachable;
        snprintf(reply, size, "client_id=%s keys=%s backend_connects=%llu\n", answer + (answer[0] == ':'), keys + (keys[0] == ':'), backend_connects);
    }
    return;
unreachable:
    snprintf(reply, size, "error=store-unreachable\n");
}

static int run_web(void) {
    unsigned port = env_uint("PORT", 7000);
    const char *store = getenv("STORE"), *kind = getenv("BACKEND");
    if (!store || !*store) store = "127.0.0.1:7001";
    redis = kind && strcmp(kind, "redis") == 0;
    if (kind && *kind && !redis && strcmp(kind, "store") != 0) { fprintf(stderr, "testapp: BACKEND=%s is not store or redis\n", kind); return 2; }
    char host[64];
    unsigned store_port = 0;
    if (sscanf(store, "%63[0-9.]:%u", host, &store_port) != 2 || store_port == 0 || store_port > 65535
        || inet_pton(AF_INET, host, &store_addr.sin_addr) != 1) {
        fprintf(stderr, "testapp: STORE=%s is not IPV4:PORT\n", store);
        return 2;
    }
    store_addr.sin_family = AF_INET;
    store_addr.sin_port = htons((uint16_t)store_port);
    if (backend_connect() != 0) { fprintf(stderr, "testapp: the store at %s does not answer\n", store); return 1; }
    int listener = listen_on(port);
    printf("testapp: web listening port=%u store=%s\n", port, store);
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) continue;
        struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char line[LINE], reply[LINE + 64], answer[LINE];
        size_t len = 0;
        while (len < sizeof line - 1) {
            ssize_t r = read(client, line + len, 1);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0 || line[len] == '\n') break;
            len++;
        }
        line[len] = 0;
        if (len && line[len - 1] == '\r') line[--len] = 0;
        int data = strncmp(line, "PUT ", 4) == 0 || strncmp(line, "GET ", 4) == 0 || strcmp(line, "STATS") == 0;
        if (data && redis) {
            redis_command(line, reply, sizeof reply);
        } else if (data) {
            char command[LINE + 8];
            snprintf(command, sizeof command, "%s%s\n", strncmp(line, "PUT ", 4) == 0 ? "SET " : "", strncmp(line, "PUT ", 4) == 0 ? line + 4 : line);
            if (backend_call(command, answer, sizeof answer) != 0) snprintf(reply, sizeof reply, "error=store-unreachable\n");
            else if (strcmp(line, "STATS") == 0) snprintf(reply, sizeof reply, "%s backend_connects=%llu\n", answer, backend_connects);
            else snprintf(reply, sizeof reply, "%s\n", answer);
        } else if (strncmp(line, "EXIT ", 5) == 0) {
            int code = atoi(line + 5);
            snprintf(reply, sizeof reply, "bye exit=%d\n", code);
            ssize_t ignored = write(client, reply, strlen(reply));
            (void)ignored;
            close(client);
            printf("testapp: web exiting with %d\n", code);
            exit(code);
        } else {
            snprintf(reply, sizeof reply, "error=unknown-command\n");
        }
        ssize_t ignored = write(client, reply, strlen(reply));
        (void)ignored;
        close(client);
    }
}
