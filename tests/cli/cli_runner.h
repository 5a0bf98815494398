// Copyright (c) crdtdb authors.
//
// Runs the real crdtdb binary as a user's shell would: fork+exec with its own stdin, stdout and
// stderr pipes, in a chosen working directory, and collects its exit code and both outputs.

#ifndef CRDTDB_TESTS_CLI_CLI_RUNNER_H_
#define CRDTDB_TESTS_CLI_CLI_RUNNER_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace crdtdb::testing {

struct CliResult {
  int exit_code = -1;  // the exit status, or 128 + the signal that ended the process
  std::string out;
  std::string err;
};

// Whether stderr is the one line "crdtdb: ..." that every failure writes (interfaces section 2).
inline bool OneErrorLine(const CliResult& r) {
  return r.err.rfind("crdtdb: ", 0) == 0 && r.err.find('\n') == r.err.size() - 1;
}

// Runs `args` through `run` (a callable taking the arguments) and checks the bad-input contract:
// exit 2, nothing on stdout, one line on stderr; returns that line.
template <typename Run>
std::string UsageError(const Run& run, std::vector<std::string> args) {
  CliResult r = run(std::move(args));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(OneErrorLine(r));
  return r.err;
}

// Runs `binary` with `args`, writing `input` to its stdin and then closing it. Throws if the child
// cannot be started or does not finish within `timeout_ms` (a hang is a failure, not a wait).
inline CliResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                            const std::string& input, const std::string& cwd,
                            int timeout_ms = 60'000) {
  // A child that exits without reading all of its input must fail our write, not kill us.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> argv_storage{binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    signal(SIGPIPE, SIG_DFL);  // an ignored signal would survive exec
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);

  CliResult result;
  size_t written = 0;
  int in_fd = in[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  int out_fd = out[0], err_fd = err[0];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      throw std::runtime_error("crdtdb did not finish in time");
    }
    pollfd fds[3] = {{in_fd, POLLOUT, 0}, {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    if (poll(fds, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      throw std::runtime_error("poll failed");
    }
    if (in_fd >= 0 && fds[0].revents != 0) {
      const ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN) || written == input.size()) {
        close(in_fd);  // done, or the child closed its end (EPIPE)
        in_fd = -1;
      }
    }
    int* readers[2] = {&out_fd, &err_fd};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (*readers[i] < 0 || fds[i + 1].revents == 0) continue;
      char buffer[65536];
      const ssize_t n = read(*readers[i], buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(*readers[i]);
        *readers[i] = -1;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_CLI_CLI_RUNNER_H_
