// Heap held by one idle client TLS connection in OpenSSL 3: handshake verified against the CA, one HTTP
// request answered, the SSL object kept (as a checker keeping its connection between checks would).
// usage: tls_idle_cost CA_FILE FIRST_PORT N MODE
// MODE bits: 1 SSL_MODE_RELEASE_BUFFERS, 2 SSL_OP_NO_TICKET, 4 at most TLS 1.2, 8 every connection resumes
// the first one's session (one SSL_SESSION object shared by all).
// Prints the protocol and the heap in use (mallinfo2) per kept connection (ports FIRST_PORT..+N-1).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static SSL_SESSION* shared_session;

static SSL* connect_one(SSL_CTX* ctx, int port, int mode) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr*)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    SSL* s = SSL_new(ctx);
    SSL_set_fd(s, fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), "127.0.0.1");
    if ((mode & 8) && shared_session) SSL_set_session(s, shared_session);
    if (SSL_connect(s) != 1) {
        ERR_print_errors_fp(stderr);
        exit(1);
    }
    const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char buf[4096];
    if (SSL_write(s, req, sizeof req - 1) <= 0 || SSL_read(s, buf, sizeof buf) < 12 || strncmp(buf, "HTTP/1.1 200", 12) != 0) {
        fprintf(stderr, "no HTTP 200 on port %d\n", port);
        exit(1);
    }
    if ((mode & 8) && !shared_session) shared_session = SSL_get1_session(s);
    else if ((mode & 8) && !SSL_session_reused(s)) {
        fprintf(stderr, "port %d: session not resumed\n", port);
        exit(1);
    }
    return s;
}

int main(int argc, char** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s CA_FILE FIRST_PORT N MODE\n", argv[0]);
        return 2;
    }
    int first = atoi(argv[2]), n = atoi(argv[3]), mode = atoi(argv[4]);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (SSL_CTX_load_verify_locations(ctx, argv[1], NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (mode & 1) SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (mode & 2) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (mode & 4) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    // One connection first, closed: what OpenSSL builds once per process (algorithm fetches, the
    // verifier's lookups) is not counted per connection.
    SSL* warm = connect_one(ctx, first, 0);
    SSL_shutdown(warm);
    close(SSL_get_fd(warm));
    SSL_free(warm);
    size_t before = mallinfo2().uordblks;
    SSL** kept = calloc((size_t)n, sizeof *kept);
    for (int i = 0; i < n; ++i) kept[i] = connect_one(ctx, first + i, mode);
    size_t after = mallinfo2().uordblks;
    printf("%s\t%zu\n", SSL_get_version(kept[0]), (after - before) / (size_t)n);
    return 0;
}
