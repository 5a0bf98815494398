// Copyright (c) crdtdb authors.
//
// The flags stop_signals.h's handlers set.

#include "cli/stop_signals.h"

#include <csignal>

namespace crdtdb::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }
extern "C" void OnReloadSignal(int) { g_reload.store(true); }

}  // namespace

std::atomic<bool>& StopOnSignals() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  return g_stop;
}

std::atomic<bool>& ReloadOnHangup() {
  std::signal(SIGHUP, OnReloadSignal);
  return g_reload;
}

}  // namespace crdtdb::cli
