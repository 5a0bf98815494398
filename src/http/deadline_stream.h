// Copyright (c) crdtdb authors.
//
// The transport of one HTTP connection for cpp-httplib (httplib::Stream): reads and writes on the
// socket, each waiting at most `io_timeout_ms`, and all of them together at most until a deadline
// the server moves per phase (reading a request, answering it). The library's own socket stream
// times out each read only, which a client sending a byte every few seconds defeats (slow loris);
// past the deadline every read and write here fails, the library gives the request up and the
// worker is free. No HTTP is parsed here: that stays the library's.

#ifndef CRDTDB_HTTP_DEADLINE_STREAM_H_
#define CRDTDB_HTTP_DEADLINE_STREAM_H_

#include <array>
#include <cstdint>
#include <string>

#include <httplib.h>

namespace crdtdb::http {

class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, int io_timeout_ms) : fd_(fd), io_timeout_ms_(io_timeout_ms) {}

  // From now on, reads and writes fail once `ms` have passed.
  void SetDeadline(int64_t ms);
  // Waits at most `ms` for the next request's first byte (a kept-alive connection between
  // requests); false when none came or the peer closed.
  bool AwaitRequest(int ms);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

 private:
  // Polls for `events` for at most the I/O timeout and what is left before the deadline.
  bool Ready(short events) const;

  const int fd_;
  const int io_timeout_ms_;
  int64_t deadline_ms_ = 0;
  // Reads go through a buffer: the library reads request lines a byte at a time.
  std::array<char, 4096> buffer_;
  size_t buffered_begin_ = 0, buffered_end_ = 0;
};

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_DEADLINE_STREAM_H_
