// Copyright (c) crdtdb authors.
//
// A long-running child for end-to-end tests, such as `crdtdb serve`: started with fork+exec (never
// a bare fork: a child must not inherit a parent's LevelDB), stdin from /dev/null, stdout and
// stderr appended to a log file, and driven with signals: terminate (SIGTERM, then SIGKILL after a
// bound), kill -9, pause (SIGSTOP) and resume (SIGCONT).
//
// No process outlives its ServerProcess: the destructor terminates it, and the child is armed with
// PR_SET_PDEATHSIG so that it is killed too if the test binary itself dies (a ctest timeout). The
// death signal follows the *thread* that forked: create ServerProcess objects on the test's main
// thread. Not thread-safe.
//
// tests/support/subprocess.h does not fit here: it keeps stderr on the terminal and gives no way to
// signal the child other than SIGKILL.

#ifndef CRDTDB_TESTS_E2E_SERVER_PROCESS_H_
#define CRDTDB_TESTS_E2E_SERVER_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace crdtdb::testing {

class ServerProcess {
 public:
  // Starts argv[0] (a path, not looked up in PATH) with argv, in `cwd`, appending its stdout and
  // stderr to `log_path` (created if missing). Throws if it cannot be started.
  ServerProcess(const std::vector<std::string>& argv, const std::string& cwd,
                const std::string& log_path) {
    std::vector<std::string> argv_storage = argv;
    std::vector<char*> args;
    for (std::string& a : argv_storage) args.push_back(a.data());
    args.push_back(nullptr);
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open log file " + log_path);
    const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) {
      close(log_fd);
      throw std::runtime_error("cannot open /dev/null");
    }
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) {
      close(log_fd);
      close(null_fd);
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
      dup2(null_fd, STDIN_FILENO);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      // Pipes and sockets the test holds (without O_CLOEXEC) must not stay open in the server.
      close_range(3, ~0U, 0);
      signal(SIGPIPE, SIG_DFL);  // the test ignores it; an ignored signal would survive exec
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(log_fd);
    close(null_fd);
  }

  ~ServerProcess() { Terminate(5000); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }

  // True until the child has exited (a paused child is running); reaps it once it has.
  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      Reaped(status);
      return false;
    }
    return true;
  }

  // How the child ended ("exited with code 1", "killed by signal 9"), or "running".
  std::string HowEnded() const {
    if (!ended_) return "running";
    if (WIFEXITED(status_)) return "exited with code " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
    return "ended with status " + std::to_string(status_);
  }
  // The exit code if the child exited by itself, -1 otherwise.
  int exit_code() const { return ended_ && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }

  void Pause() { Signal(SIGSTOP); }
  void Resume() { Signal(SIGCONT); }
  void Reload() { Signal(SIGHUP); }  // crdtdb serve reads its configuration again

  // kill -9, and reap.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    WaitBlocking();
  }

  // SIGTERM (and SIGCONT, in case it is paused), then up to `timeout_ms` for the child to exit,
  // then SIGKILL. Returns true if it exited within the bound (see HowEnded for how).
  bool Terminate(int timeout_ms) {
    if (!Running()) return true;
    kill(pid_, SIGTERM);
    kill(pid_, SIGCONT);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Running()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Kill();
    return false;
  }

 private:
  void Signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }
  void WaitBlocking() {
    int status = 0;
    pid_t r;
    do {
      r = waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    Reaped(status);
  }
  void Reaped(int status) {
    status_ = status;
    ended_ = true;
    pid_ = -1;
  }

  pid_t pid_ = -1;
  bool ended_ = false;
  int status_ = 0;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_E2E_SERVER_PROCESS_H_
