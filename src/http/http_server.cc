// Copyright (c) crdtdb authors.

#include "http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <cctype>
#include <random>
#include <thread>

#include <httplib.h>

#include "http/change_stream.h"
#include "http/console_route.h"
#include "http/deadline_stream.h"
#include "http/metrics_route.h"
#include "http/routes.h"
#include "http/tls_stream.h"
#include "http/token_hash.h"
#include "http/worker_pool.h"

namespace crdtdb::http {

namespace {

constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr size_t kMaxRequestIdBytes = 128;
constexpr int kListenBacklog = 1024;  // the kernel caps it at net.core.somaxconn

// A client's request id is kept when it is short and plain (it goes into logs and headers).
bool PlainRequestId(const std::string& id) {
  return !id.empty() && id.size() <= kMaxRequestIdBytes &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
                  c == ':';
         });
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  for (uint64_t v = rng(), i = 0; i < 16; ++i, v >>= 4) id += kDigits[v & 0xf];
  return id;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "application/json; charset=utf-8" -> "application/json"
std::string MediaType(const std::string& header) {
  std::string type = Lower(header.substr(0, header.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

void Send(const Answer& answer, httplib::Response& res) {
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) res.set_header(name, value);
  if (!answer.body.empty()) res.set_content(answer.body, "application/json");
}

thread_local DeadlineStream* current_stream = nullptr;  // of the connection this worker serves
// When the request this worker serves began to arrive, for crdtdb_http_request_duration_seconds.
thread_local std::chrono::steady_clock::time_point request_started;

// cpp-httplib's server with its connection loop replaced (the virtual it offers for that): the
// same keep-alive loop, over a DeadlineStream, so every request has deadlines (deadline_stream.h).
// Requests are still parsed and answered by the library's process_request.
class ApiServer final : public httplib::Server {
 public:
  explicit ApiServer(const HttpOptions& options) : options_(options) {}

  // Serves HTTPS with `tls` (which must outlive the server) instead of HTTP.
  void set_tls(const TlsContext* tls) { tls_ = tls; }

  // Lets the kernel queue `backlog` connections not yet accepted, rather than the library's 5: with
  // 5, a burst of connections overflows the queue, and a client whose handshake's last ACK was
  // dropped believes it is connected and waits for minutes. Listening again on a listening socket
  // changes its backlog (listen(2)).
  bool WidenBacklog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }

  // Gives the request being served on this thread `ms` from now to be answered.
  static void ExtendDeadline(int64_t ms) {
    if (current_stream != nullptr) current_stream->SetDeadline(ms);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    {
      DeadlineStream stream(sock, options_.io_timeout_ms);
      current_stream = &stream;
      std::optional<TlsStream> tls;
      if (tls_ != nullptr) {
        // The handshake is part of reading the first request: the same deadline bounds both.
        stream.SetDeadline(options_.read_deadline_ms);
        if (!tls.emplace(stream, *tls_).Accept()) tls.reset();
      }
      httplib::Stream& wire = tls ? static_cast<httplib::Stream&>(*tls) : stream;
      const int idle_ms = options_.keep_alive_timeout_s * 1000;
      for (size_t served = 0; (tls_ == nullptr || tls) &&
                              served < options_.keep_alive_max_requests && svr_sock_ != INVALID_SOCKET;
           ++served) {
        if (!AwaitRequest(stream, tls ? &*tls : nullptr, idle_ms)) break;
        request_started = std::chrono::steady_clock::now();
        stream.SetDeadline(options_.read_deadline_ms);
        // An overloaded node closes the connection after its 503, so the client comes back later.
        const bool last =
            served + 1 == options_.keep_alive_max_requests || WorkerPool::OverloadedNow();
        bool closed_by_client = false;
        ok = process_request(wire, last, closed_by_client, nullptr);
        if (!ok || closed_by_client || last) break;
      }
      tls.reset();  // close_notify before the socket closes
      current_stream = nullptr;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  // Waits for the next request on a kept-alive connection in slices, so that stopping the server
  // does not wait for idle connections to time out.
  bool AwaitRequest(DeadlineStream& stream, TlsStream* tls, int idle_ms) const {
    constexpr int kSliceMs = 100;
    for (int waited = 0; waited < idle_ms && svr_sock_ != INVALID_SOCKET; waited += kSliceMs) {
      const int slice = std::min(kSliceMs, idle_ms - waited);
      if (tls != nullptr ? tls->AwaitRequest(slice) : stream.AwaitRequest(slice)) return true;
    }
    return false;
  }

  const HttpOptions& options_;
  const TlsContext* tls_ = nullptr;
};

}  // namespace

struct HttpServer::Impl {
  HttpOptions options;
  CommandSender send;
  LogSink log;
  ApiServer server{options};
  std::unique_ptr<TlsContext> tls;            // HTTPS when set
  std::unique_ptr<HttpMetrics> http_metrics;  // when options.metrics is set
  std::thread listener;
  mutable std::atomic<size_t> streams_{0};  // change streams being served
  // The admitted token digests: options.token_digests until a reload replaces them. A request
  // holds the list it was checked against while a reload swaps in another.
  mutable std::mutex tokens_mutex;
  std::shared_ptr<const std::vector<std::string>> tokens;

  std::shared_ptr<const std::vector<std::string>> Tokens() const {
    std::lock_guard<std::mutex> lock(tokens_mutex);
    return tokens;
  }

  // The request id of `req`, set by the pre-routing handler (the client's or a new one).
  static std::string RequestIdOf(const httplib::Request& req) {
    return req.get_header_value(kRequestIdHeader);
  }

  // Checks that run once the headers are read, before the body: overload, header size, token.
  // An answer ends the request there.
  std::optional<Answer> Admit(const httplib::Request& req) const {
    if (WorkerPool::OverloadedNow()) {
      Answer a = ErrorAnswer(503, "the node is overloaded: try again later");
      a.headers.emplace_back("Retry-After", "1");
      return a;
    }
    size_t header_bytes = 0;
    for (const auto& [name, value] : req.headers) header_bytes += name.size() + value.size() + 4;
    if (header_bytes > options.max_header_bytes) {
      return ErrorAnswer(
          431, "the headers exceed " + std::to_string(options.max_header_bytes) + " bytes");
    }
    // Every request, the console's files included (interfaces.md section 7; docs/http.md, "Console").
    const std::shared_ptr<const std::vector<std::string>> digests = Tokens();
    if (digests->empty()) return std::nullopt;
    const std::string authorization = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() ||
        authorization.compare(0, kBearer.size(), kBearer) != 0) {
      Answer a = ErrorAnswer(401, "this node needs Authorization: Bearer TOKEN");
      a.headers.emplace_back("WWW-Authenticate", "Bearer");
      return a;
    }
    if (!TokenAdmitted(std::string_view(authorization).substr(kBearer.size()), *digests)) {
      return ErrorAnswer(403, "the token is not one of security.http_tokens");
    }
    return std::nullopt;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) const {
    // The request is read: from here the command's time counts (it may try several owners).
    ApiServer::ExtendDeadline(options.answer_deadline_ms);
    if (ServeConsole(req, res)) return;
    if (http_metrics && req.path == kMetricsPath) {
      std::string content_type;
      Answer answer = http_metrics->Serve(req.method, &content_type);
      Send(answer, res);
      if (!content_type.empty()) res.set_content(answer.body, content_type.c_str());
      return;
    }
    Request request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [name, value] : req.params) request.query.emplace(name, value);
    request.content_type = MediaType(req.get_header_value("Content-Type"));
    request.if_match = req.get_header_value("If-Match");
    request.base = req.get_header_value("Crdtdb-Base");
    request.body = req.body;
    if (request.path == kChangesPath) return StreamChanges(request, req.get_header_value("Last-Event-ID"), res);
    std::variant<Route, Answer> routed = RouteOf(request);
    if (const Answer* refused = std::get_if<Answer>(&routed)) return Send(*refused, res);
    const Route& route = std::get<Route>(routed);
    Send(AnswerOf(route, send(route.command)), res);
  }

  // GET /v1/changes (change_stream.h): the first page answers errors with a status; then the
  // pages stream as events until kMaxStreamMs, an error, or the client leaves.
  void StreamChanges(const Request& request, const std::string& last_event_id, httplib::Response& res) const {
    std::variant<command::WatchSession, Answer> asked = ChangeStreamOf(request, last_event_id);
    if (const Answer* refused = std::get_if<Answer>(&asked)) return Send(*refused, res);
    auto session = std::make_shared<command::WatchSession>(std::get<command::WatchSession>(std::move(asked)));
    Result<std::string> first = session->Accept(send(session->NextPage(0)));
    if (!first.ok()) return Send(StreamRefused(first.status()), res);
    if (streams_.fetch_add(1) >= std::max<size_t>(1, options.workers / 2)) {
      streams_.fetch_sub(1);
      return Send(StreamRefused(Status::Unavailable("too many change streams on this node: try again later")), res);
    }
    const auto started = std::chrono::steady_clock::now();
    auto pending = std::make_shared<std::string>("retry: 1000\n\n" + ChangeEvents(*first, session->moved() ? session->cursor() : ""));
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, session, pending, started](size_t, httplib::DataSink& sink) {
          ApiServer::ExtendDeadline(options.io_timeout_ms + command::kWatchMaxWaitMs);
          if (!pending->empty() && !sink.write(pending->data(), pending->size())) return false;
          pending->clear();
          if (std::chrono::steady_clock::now() - started > std::chrono::milliseconds(kMaxStreamMs)) {
            sink.done();  // the client comes back with its last id (retry: above)
            return true;
          }
          Result<std::string> lines = session->Accept(send(session->NextPage(command::kWatchMaxWaitMs)));
          *pending = lines.ok() ? ChangeEvents(*lines, session->moved() ? session->cursor() : "") : ErrorEvent(lines.status());
          if (!lines.ok()) {
            sink.write(pending->data(), pending->size());
            sink.done();
          }
          return true;
        },
        [this](bool) { streams_.fetch_sub(1); });
  }

  void Configure() {
    server.new_task_queue = [this] {
      return new WorkerPool(options.workers, options.max_queued, options.max_queue_wait_ms);
    };
    // The library sets these as SO_RCVTIMEO and SO_SNDTIMEO on each connection: they bound a
    // send that blocks after poll said the socket was writable (DeadlineStream polls first).
    server.set_read_timeout(std::chrono::milliseconds(options.io_timeout_ms));
    server.set_write_timeout(std::chrono::milliseconds(options.io_timeout_ms));
    server.set_payload_max_length(options.max_body_bytes);
    server.set_tcp_nodelay(true);
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      // The request id goes into the request too, so that later handlers and the logger see it.
      std::string id = req.get_header_value(kRequestIdHeader);
      if (!PlainRequestId(id)) id = NewRequestId();
      const_cast<httplib::Request&>(req).set_header(kRequestIdHeader, id);
      res.set_header(kRequestIdHeader, id);
      if (std::optional<Answer> refused = Admit(req)) {
        Send(*refused, res);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Every method the library parses reaches the routes, which answer 404 and 405 themselves.
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res);
    };
    server.Get(".*", handle);
    server.Put(".*", handle);
    server.Patch(".*", handle);
    server.Delete(".*", handle);
    server.Post(".*", handle);
    server.Options(".*", handle);
    // Errors the library answers itself (400 unparsable, 413, 414) get the JSON body too.
    server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      if (!res.has_header(kRequestIdHeader)) {
        const std::string id = RequestIdOf(req);
        res.set_header(kRequestIdHeader, id.empty() ? NewRequestId() : id);
      }
      std::string reason = "the request was refused";
      if (res.status == 400) reason = "malformed HTTP request";
      if (res.status == 413)
        reason = "the body exceeds " + std::to_string(options.max_body_bytes) + " bytes";
      if (res.status == 414) reason = "the request line is too long";
      Send(ErrorAnswer(res.status, reason), res);
    });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          Send(ErrorAnswer(500, "internal error"), res);
        });
    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (http_metrics) {
        http_metrics->Observe(req.method, req.path, res.status,
                              std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                            request_started)
                                  .count());
      }
      if (res.status < 500 && res.status != 401 && res.status != 403) return;
      std::string id = res.get_header_value(kRequestIdHeader);
      log(res.status >= 500 ? "ERROR" : "WARN", "http request " + id + ": " + req.method + " " +
                                                    req.path + " -> " + std::to_string(res.status) +
                                                    (res.body.empty() ? "" : " " + res.body));
    });
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpOptions options, CommandSender send,
                                                      LogSink log) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->send = std::move(send);
  impl->log = std::move(log);
  impl->tokens = std::make_shared<const std::vector<std::string>>(impl->options.token_digests);
  if (!impl->options.tls_cert_file.empty() || !impl->options.tls_key_file.empty()) {
    Result<std::unique_ptr<TlsContext>> tls =
        TlsContext::Load(impl->options.tls_cert_file, impl->options.tls_key_file);
    if (!tls.ok()) return tls.status();
    impl->tls = std::move(tls).value();
    impl->server.set_tls(impl->tls.get());
  }
  if (impl->options.metrics != nullptr) {
    impl->http_metrics = std::make_unique<HttpMetrics>(*impl->options.metrics);
  }
  impl->Configure();
  const std::string& host = impl->options.host;
  if (impl->options.port == 0) {
    impl->options.port = impl->server.bind_to_any_port(host);
    if (impl->options.port < 0) return Status::IOError("cannot bind the http endpoint " + host);
  } else if (!impl->server.bind_to_port(host, impl->options.port)) {
    return Status::IOError("cannot bind the http endpoint " + host + ":" +
                           std::to_string(impl->options.port));
  }
  if (!impl->server.WidenBacklog(kListenBacklog)) return Status::IOError("cannot listen on the http endpoint " + host);
  Impl* raw = impl.get();
  impl->listener = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Status HttpServer::CheckTls(const std::string& cert_file, const std::string& key_file) {
  return TlsContext::Load(cert_file, key_file).status();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->server.stop();
  impl_->listener.join();
}

int HttpServer::port() const { return impl_->options.port; }

bool HttpServer::authenticates() const { return !impl_->Tokens()->empty(); }

void HttpServer::SetTokenDigests(std::vector<std::string> digests) {
  auto fresh = std::make_shared<const std::vector<std::string>>(std::move(digests));
  std::lock_guard<std::mutex> lock(impl_->tokens_mutex);
  impl_->tokens = std::move(fresh);
}

}  // namespace crdtdb::http
