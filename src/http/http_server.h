// Copyright (c) crdtdb authors.
//
// The HTTP API of a node (docs/http.md), an adapter like the ZeroMQ sockets: worker threads parse
// requests with cpp-httplib, turn each into the command::Command the CLI would send (routes.h) and
// hand it to `send`, which runs it against the node's replica as a client request (the node's
// in-process endpoint: server/node_http.h); the replication event loop is never blocked or
// entered by an HTTP thread.
//
// Bounded everywhere: a fixed pool of workers with a bounded queue of accepted connections (a
// connection that waited too long gets 503 with Retry-After; beyond the queue a connection is
// closed unanswered), body and header size limits, per-read and per-write timeouts and deadlines
// per request phase (deadline_stream.h). With token digests configured, every request needs
// `Authorization: Bearer TOKEN` (401 without, 403 with an unknown one).

#ifndef CRDTDB_HTTP_HTTP_SERVER_H_
#define CRDTDB_HTTP_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "command/command.h"
#include "crdtdb/limits.h"
#include "crdtdb/result.h"
#include "crdtdb/status.h"
#include "metrics/registry.h"

namespace crdtdb::http {

struct HttpOptions {
  std::string host;                        // as a socket address takes it: "127.0.0.1", "::1"
  int port = 0;                            // 0: any free port (tests)
  // security.http_tokens and its file's; empty: no authentication. SetTokenDigests replaces them.
  std::vector<std::string> token_digests;
  // GET /metrics renders it, and each request is recorded in it (metrics_route.h); null: neither.
  metrics::Registry* metrics = nullptr;
  // HTTPS when both are set: a PEM certificate chain and its key, read by Start (tls_stream.h).
  std::string tls_cert_file;
  std::string tls_key_file;
  // cpp-httplib serves a kept-alive connection on one worker until it closes or idles: the
  // workers are the clients served at once (a 64-connection client measured: docs/benchmarks.md).
  size_t workers = 64;
  size_t max_queued = 256;           // accepted connections waiting for a worker
  int64_t max_queue_wait_ms = 2000;  // a connection that waited longer is answered 503
  size_t max_body_bytes = kMaxJsonBytes;
  size_t max_header_bytes = 16 * 1024;  // all header lines together; one line: 8 KiB (the library)
  int io_timeout_ms = 5000;             // one read or one write
  int keep_alive_timeout_s = 5;
  size_t keep_alive_max_requests = 1000;
  int64_t read_deadline_ms = 10'000;  // to read a whole request, headers and body
  int64_t answer_deadline_ms =
      60'000;  // then to run the command (it may try several owners) and write the answer
};

// Runs a command against the node's data (the node or, for a document it does not own, its
// owners) and returns its outcome. Called from several worker threads at once.
using CommandSender = std::function<command::Outcome(const command::Command&)>;
// One log line of the node ("ERROR", "WARN", "INFO").
using LogSink = std::function<void(const char* level, const std::string& message)>;

class HttpServer {
 public:
  // Binds the endpoint and starts serving; an error when it cannot bind, or when the TLS files
  // cannot be read or do not match (InvalidArgument).
  static Result<std::unique_ptr<HttpServer>> Start(HttpOptions options, CommandSender send,
                                                   LogSink log);
  // Whether Start could serve HTTPS with these files: the error Start would return, or OK.
  static Status CheckTls(const std::string& cert_file, const std::string& key_file);
  ~HttpServer();  // stops accepting, finishes the requests in progress
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  bool authenticates() const;  // whether requests need a bearer token

  // Replaces the digests of the admitted tokens (a reload: server/node_http.h): the requests read
  // after it see the new ones. Thread-safe. An empty `digests` turns authentication off; the node
  // refuses that on a reload, so only a restart does it (docs/http.md, "Authentication").
  void SetTokenDigests(std::vector<std::string> digests);

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_HTTP_SERVER_H_
