// Copyright (c) crdtdb authors.
//
// HTTPS for the HTTP API (docs/http.md, "TLS"), with OpenSSL. The TLS session runs over the
// connection's DeadlineStream through a BIO of our own, so every byte of the handshake and of the
// records goes through the same per-read timeout and per-phase deadline as plain HTTP: a client
// that trickles a handshake or a record cannot hold a worker longer than plain HTTP allows. (The
// library's SSLServer reads with per-read timeouts only, and its connection loop is the one
// http_server.cc replaces.) The library still parses the requests, from this stream.

#ifndef CRDTDB_HTTP_TLS_STREAM_H_
#define CRDTDB_HTTP_TLS_STREAM_H_

#include <memory>
#include <string>

#include <httplib.h>
#include <openssl/ssl.h>

#include "crdtdb/result.h"
#include "http/deadline_stream.h"

namespace crdtdb::http {

// A server's certificate and key, shared by every connection (OpenSSL's SSL_CTX is thread-safe).
class TlsContext {
 public:
  // Reads a PEM certificate chain and its PEM private key. InvalidArgument naming the file and
  // the reason when either is missing, unreadable or malformed, or when they do not match.
  static Result<std::unique_ptr<TlsContext>> Load(const std::string& cert_file,
                                                  const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* const ctx_;
};

class TlsStream final : public httplib::Stream {
 public:
  TlsStream(DeadlineStream& transport, const TlsContext& context);
  ~TlsStream() override;  // says close_notify when the session was established
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // The server side of the handshake, within the transport's deadline; false when it failed.
  bool Accept();
  // As DeadlineStream::AwaitRequest, counting what TLS already decrypted.
  bool AwaitRequest(int ms);

  bool is_readable() const override;
  bool is_writable() const override { return transport_.is_writable(); }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    transport_.get_remote_ip_and_port(ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    transport_.get_local_ip_and_port(ip, port);
  }
  int socket() const override { return transport_.socket(); }

 private:
  DeadlineStream& transport_;
  SSL* ssl_ = nullptr;
  bool established_ = false;
};

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_TLS_STREAM_H_
