// Copyright (c) crdtdb authors.

#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace crdtdb::metrics {

namespace {

struct ProcStat {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
  double start_seconds_after_boot = 0;
};

// /proc/self/stat: fields after the command name (which may hold spaces, so parsing starts after
// its closing parenthesis). proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24.
bool ReadProcStat(ProcStat* out) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  double utime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) out->cpu_seconds = (utime + std::stod(field)) / ticks;
    if (index == 22) out->start_seconds_after_boot = std::stod(field) / ticks;
    if (index == 23) out->virtual_bytes = std::stod(field);
    if (index == 24) {
      out->resident_bytes = std::stod(field) * page;
      return true;
    }
  }
  return false;
}

// The boot time, in seconds since the epoch (/proc/stat "btime").
double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
  }
  return 0;
}

double OpenFds() {
  std::error_code error;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++n;
  }
  return n;
}

}  // namespace

void AddProcessMetrics(Registry& registry) {
  Counter& cpu = registry.AddCounter("process_cpu_seconds_total",
                                     "Total user and system CPU time spent in seconds.")
                     .Labels({});
  Gauge& resident = registry.AddGauge("process_resident_memory_bytes",
                                      "Resident memory size in bytes.")
                        .Labels({});
  Gauge& virt = registry.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
                    .Labels({});
  Gauge& fds = registry.AddGauge("process_open_fds", "Number of open file descriptors.").Labels({});
  Gauge& max_fds =
      registry.AddGauge("process_max_fds", "Maximum number of open file descriptors.").Labels({});
  Gauge& start = registry.AddGauge("process_start_time_seconds",
                                   "Start time of the process since unix epoch in seconds.")
                     .Labels({});
  registry.AddCollectHook([&cpu, &resident, &virt, &fds, &max_fds, &start] {
    ProcStat stat;
    if (ReadProcStat(&stat)) {
      cpu.Set(stat.cpu_seconds);
      resident.Set(stat.resident_bytes);
      virt.Set(stat.virtual_bytes);
      // Read once: the start time does not change, and btime is what /proc's times count from.
      static const double boot = BootTime();
      start.Set(boot + stat.start_seconds_after_boot);
    }
    fds.Set(OpenFds());
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) max_fds.Set(static_cast<double>(limit.rlim_cur));
  });
}

}  // namespace crdtdb::metrics
