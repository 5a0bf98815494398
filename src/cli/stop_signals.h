// Copyright (c) crdtdb authors.
//
// The signals a long-running verb (serve, sync --live) obeys: SIGINT and SIGTERM ask it to stop,
// SIGHUP (serve) to read its configuration again. Each sets a flag the verb's loop polls: nothing
// else is safe in a signal handler.

#ifndef CRDTDB_CLI_STOP_SIGNALS_H_
#define CRDTDB_CLI_STOP_SIGNALS_H_

#include <atomic>

namespace crdtdb::cli {

// Installs the SIGINT and SIGTERM handlers; the flag turns true at the first of them.
std::atomic<bool>& StopOnSignals();
// Installs the SIGHUP handler; the flag turns true at each SIGHUP (the server clears it).
std::atomic<bool>& ReloadOnHangup();

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_STOP_SIGNALS_H_
