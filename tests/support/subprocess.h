// Copyright (c) crdtdb authors.
//
// Starting real processes in tests with fork+exec (never a bare fork: a child must not inherit a
// parent's LevelDB), with stdout readable through a pipe.

#ifndef CRDTDB_TESTS_SUPPORT_SUBPROCESS_H_
#define CRDTDB_TESTS_SUPPORT_SUBPROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace crdtdb::testing {

class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& argv) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    stdout_fd_ = out[0];
  }
  ~Subprocess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Appends what the child wrote to stdout within `timeout_ms` (or until EOF) to `out`.
  // Returns false at EOF.
  bool ReadFor(int timeout_ms, std::string* out) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buffer[4096];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return true;
      pollfd p{stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
      if (n <= 0) return false;
      out->append(buffer, static_cast<size_t>(n));
    }
  }

  // SIGKILL, then collect everything the child had written before it died.
  void KillAndDrain(std::string* out) {
    kill(pid_, SIGKILL);
    while (ReadFor(1000, out)) {
    }
    Wait();
  }

  // Sends `signal` to the child (SIGHUP, say), if it was not waited for yet.
  void Signal(int signal) {
    if (pid_ > 0) kill(pid_, signal);
  }

  // Waits for the child; returns its exit status as waitpid reports it.
  int Wait() {
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_SUBPROCESS_H_
