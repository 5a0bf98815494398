// Copyright (c) crdtdb authors.
//
// A node served by a `crdtdb serve` process of its own, for the benches that need each node's
// CPU time apart (scale_bench). In-process nodes (served_region.h) cannot give it: LevelDB
// compacts every database of a process on one shared background thread, so a node's compactions
// would be charged to whichever thread runs them.
//
// NodeProcess starts the process, waits until it answers `status` on its client endpoint, reads
// the CPU time its threads have run, sends it SIGHUP (a reload of its configuration, for moves),
// and stops it with SIGTERM (a clean shutdown: the store is closed) when destroyed. Its stdout and
// stderr go to a log file. Anything that goes wrong is a Fail (bench_fail.h), which aborts without
// running destructors: the child asks the kernel for SIGTERM when its parent dies
// (PR_SET_PDEATHSIG), so that an aborted or killed bench leaves no node behind. That signal follows
// the thread that started the child: create NodeProcesses on a thread that outlives them (main).

#ifndef CRDTDB_BENCH_NODE_PROCESS_H_
#define CRDTDB_BENCH_NODE_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "bench_fail.h"
#include "command/command.h"
#include "net/client_call.h"

extern char** environ;

namespace crdtdb::bench {

class NodeProcess {
 public:
  // Runs `binary serve --config config --region region [--node node]` (an empty `node`: the
  // region's only node), logging to `log`, until it answers status on `client`.
  NodeProcess(const std::string& binary, const std::string& config, const std::string& region,
              const std::string& node, const std::string& client, const std::string& log) {
    std::vector<std::string> args = {binary, "serve", "--config", config, "--region", region};
    if (!node.empty()) args.insert(args.end(), {"--node", node});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) Fail("cannot fork to run " + binary);
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec (the parent has threads). The parent
      // may have died before prctl took effect: then nothing would signal this child.
      if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) _exit(127);
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(127);
      execve(argv[0], argv.data(), environ);
      _exit(127);
    }
    WaitForStatus(client, log);
  }
  // A node that has not shut down cleanly within 30 s is killed, so that the bench ends.
  ~NodeProcess() {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Makes the node read its configuration file again (docs/sharding.md, "Moves").
  void Reload() const {
    if (kill(pid_, SIGHUP) != 0) Fail("cannot send SIGHUP to " + std::to_string(pid_));
  }

  // The same CPU time split into user and system (kernel) seconds: fields 14 and 15 of
  // /proc/PID/stat, which sum every thread of the process, in clock ticks (10 ms: coarse, but a
  // node's share of the writes is hundreds of ticks). Where a node's CPU goes: its own
  // instructions, or the kernel's wake-ups and socket calls (docs/benchmarks.md, "Scale-out").
  std::pair<double, double> UserSystemSeconds() const {
    const std::string path = "/proc/" + std::to_string(pid_) + "/stat";
    std::ifstream in(path);
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) Fail("cannot read " + path);
    std::istringstream fields(stat.substr(paren + 1));
    std::string field;
    double user = 0, system = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) user = std::stod(field);
      if (i == 15) system = std::stod(field);
    }
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    return {user / tick, system / tick};
  }

  // CPU seconds the process's threads have run so far: the sum over its threads of the first
  // figure of /proc/PID/task/TID/schedstat, in nanoseconds (/proc/PID/stat counts 10 ms ticks,
  // too coarse for a node's share of a few seconds of writes). A node's threads (event loop,
  // ZeroMQ I/O, LevelDB's compactions) live as long as it does, so none is missed by exiting.
  double CpuSeconds() const {
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid_) + "/task";
    std::error_code ec;
    uint64_t ns = 0;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream schedstat(task.path() / "schedstat");
      uint64_t run_ns = 0;
      if (schedstat >> run_ns) ns += run_ns;
    }
    if (ec) Fail("cannot read " + tasks.string() + ": " + ec.message());
    return static_cast<double>(ns) * 1e-9;
  }

 private:
  void WaitForStatus(const std::string& client, const std::string& log) {
    command::Command status;
    status.verb = command::Command::Verb::kStatus;
    net::ClientConnection connection(client, 500);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!connection.Exchange(command::EncodeCommand(status)).ok()) {
      int exit_status = 0;
      if (waitpid(pid_, &exit_status, WNOHANG) == pid_) Fail("crdtdb serve exited; see " + log);
      if (std::chrono::steady_clock::now() > deadline)
        Fail("no status from " + client + "; see " + log);
    }
  }

  pid_t pid_ = 0;
};

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_NODE_PROCESS_H_
