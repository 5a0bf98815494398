// Copyright (c) crdtdb authors.

#include "http/tls_stream.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace crdtdb::http {

namespace {

// The oldest OpenSSL error on this thread as text, and the queue cleared.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// The BIO's reads and writes are the transport's, deadline and all. A failure is final (no retry
// flag): past the deadline the session is given up, as a plain connection would be.
int BioRead(BIO* bio, char* out, int size) {
  auto* transport = static_cast<DeadlineStream*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  const ssize_t n = transport->read(out, static_cast<size_t>(size));
  return n > 0 ? static_cast<int>(n) : (n == 0 ? 0 : -1);
}

int BioWrite(BIO* bio, const char* in, int size) {
  auto* transport = static_cast<DeadlineStream*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  const ssize_t n = transport->write(in, static_cast<size_t>(size));
  return n > 0 ? static_cast<int>(n) : -1;
}

long BioCtrl(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // writes go straight to the socket
}

int BioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* DeadlineBioMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "crdtdb deadline");
    BIO_meth_set_read(m, BioRead);
    BIO_meth_set_write(m, BioWrite);
    BIO_meth_set_ctrl(m, BioCtrl);
    BIO_meth_set_create(m, BioCreate);
    return m;
  }();
  return method;
}

bool Readable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in.good() && in.peek() != std::ifstream::traits_type::eof();
}

}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::Load(const std::string& cert_file,
                                                     const std::string& key_file) {
  if (!Readable(cert_file)) {
    return Status::InvalidArgument("cannot read the TLS certificate file " + cert_file +
                                   " (http_cert_file): missing, empty or not readable");
  }
  if (!Readable(key_file)) {
    return Status::InvalidArgument("cannot read the TLS key file " + key_file +
                                   " (http_key_file): missing, empty or not readable");
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Status::IOError("cannot create a TLS context: " + OpenSslError());
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return Status::InvalidArgument("the TLS certificate file " + cert_file +
                                   " is not a PEM certificate: " + OpenSslError());
  }
  // Read here rather than by SSL_CTX_use_PrivateKey_file, which would ask for the passphrase of
  // an encrypted key on the terminal: no passphrase is given, so an encrypted key is refused.
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(key_file.c_str(), "r"), std::fclose);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      file ? PEM_read_PrivateKey(file.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
           : nullptr,
      EVP_PKEY_free);
  if (key == nullptr) {
    return Status::InvalidArgument("the TLS key file " + key_file +
                                   " is not an unencrypted PEM private key: " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return Status::InvalidArgument("the TLS key file " + key_file + " does not match " + cert_file +
                                   ": " + OpenSslError());
  }
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

TlsStream::TlsStream(DeadlineStream& transport, const TlsContext& context)
    : transport_(transport), ssl_(SSL_new(context.get())) {
  if (ssl_ == nullptr) return;
  BIO* bio = BIO_new(DeadlineBioMethod());
  if (bio == nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  BIO_set_data(bio, &transport_);
  SSL_set_bio(ssl_, bio, bio);  // one reference, for both directions
}

TlsStream::~TlsStream() {
  if (ssl_ == nullptr) return;
  if (established_) SSL_shutdown(ssl_);  // close_notify, best effort: the deadline bounds it
  SSL_free(ssl_);
  ERR_clear_error();
}

bool TlsStream::Accept() {
  if (ssl_ == nullptr) return false;
  established_ = SSL_accept(ssl_) == 1;
  if (!established_) ERR_clear_error();
  return established_;
}

bool TlsStream::AwaitRequest(int ms) {
  return (ssl_ != nullptr && SSL_pending(ssl_) > 0) || transport_.AwaitRequest(ms);
}

bool TlsStream::is_readable() const {
  return (ssl_ != nullptr && SSL_pending(ssl_) > 0) || transport_.is_readable();
}

ssize_t TlsStream::read(char* ptr, size_t size) {
  if (!established_) return -1;
  const int n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
  if (n > 0) return n;
  const int error = SSL_get_error(ssl_, n);
  ERR_clear_error();
  if (error == SSL_ERROR_ZERO_RETURN) return 0;  // the client closed the session
  established_ = false;  // no close_notify after a failed read: the transport is gone or late
  return -1;
}

ssize_t TlsStream::write(const char* ptr, size_t size) {
  if (!established_) return -1;
  const int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
  if (n > 0) return n;
  ERR_clear_error();
  established_ = false;
  return -1;
}

}  // namespace crdtdb::http
