// Copyright (c) crdtdb authors.

#include "db/read_only_responder.h"

#include <optional>
#include <utility>

#include "sync/messages.h"
#include "sync/responder.h"

namespace crdtdb::db {

Result<std::string> ReadOnlyResponder::Exchange(std::string_view request) {
  Result<sync::Message> message = sync::Decode(request);
  if (!message.ok()) return message.status();
  const sync::Body& body = message->body;
  if (!std::holds_alternative<sync::TreeRequest>(body) &&
      !std::holds_alternative<sync::LeafRequest>(body) &&
      !std::holds_alternative<sync::DocumentRequest>(body)) {
    return Status::InvalidArgument(std::string("a diff reads only; refused ") + sync::TypeName(body));
  }
  Result<std::optional<sync::Body>> answer = sync::AnswerRequest(local_, body);
  if (!answer.ok()) return answer.status();
  if (!answer->has_value()) return Status::Corruption("the local replica gave no answer");
  return sync::Encode(sync::Message{local_.replica_id(), std::move(**answer)});
}

Status ReadOnlyResponder::Send(std::string_view) {
  return Status::InvalidArgument("a diff sends nothing unanswered");
}

}  // namespace crdtdb::db
