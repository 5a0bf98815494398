// Copyright (c) crdtdb authors.

#include "net/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace crdtdb::net {

namespace {

constexpr size_t kMaxKeyFileBytes = 256;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string Octal(mode_t mode) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

}  // namespace

Result<CurveKeyPair> GenerateCurveKeyPair() {
  char public_key[kZ85KeyChars + 1] = {};
  char secret_key[kZ85KeyChars + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status::Internal(std::string("cannot generate a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{public_key, secret_key};
}

bool IsZ85Key(std::string_view key) {
  if (key.size() != kZ85KeyChars) return false;
  const std::string text(key);
  uint8_t binary[32];
  return zmq_z85_decode(binary, text.c_str()) != nullptr;
}

Result<CurveKeyPair> KeyPairFromSecret(std::string_view secret_z85) {
  if (!IsZ85Key(secret_z85)) return Status::InvalidArgument("not a Z85 CURVE key (40 characters)");
  const std::string secret(secret_z85);
  char public_key[kZ85KeyChars + 1] = {};
  if (zmq_curve_public(public_key, secret.c_str()) != 0) {
    return Status::InvalidArgument("not a CURVE secret key");
  }
  return CurveKeyPair{public_key, secret};
}

Result<CurveKeyPair> ReadSecretKeyFile(const std::string& path) {
  const std::string what = "secret key file " + path + ": ";
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return Status::InvalidArgument(what + "cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Status::InvalidArgument(what + "cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(what + "not a regular file");
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(what + "mode " + Octal(st.st_mode) +
                                   " gives access to group or others; it must be readable by its owner "
                                   "only (chmod 600 " + path + ")");
  }
  std::string text;
  char buffer[kMaxKeyFileBytes + 1];
  while (text.size() <= kMaxKeyFileBytes) {
    const ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::InvalidArgument(what + "cannot read: " + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  if (text.size() > kMaxKeyFileBytes) return Status::InvalidArgument(what + "too long for a key file");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (!IsZ85Key(text)) {
    return Status::InvalidArgument(what + "must hold one line: the Z85 secret key (40 characters)");
  }
  Result<CurveKeyPair> pair = KeyPairFromSecret(text);
  if (!pair.ok()) return Status::InvalidArgument(what + pair.status().message());
  return pair;
}

void MakeCurveServer(zmq::socket_t& socket, const CurveKeyPair& own) {
  socket.set(zmq::sockopt::zap_domain, kZapDomain);
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

void MakeCurveClient(zmq::socket_t& socket, const CurveClientKeys& keys) {
  socket.set(zmq::sockopt::curve_serverkey, keys.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, keys.own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.own.secret_key);
}

}  // namespace crdtdb::net
