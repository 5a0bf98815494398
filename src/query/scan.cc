// Copyright (c) crdtdb authors.

#include "query/scan.h"

#include <algorithm>
#include <utility>

#include "query/matcher.h"
#include "query/projection.h"

namespace crdtdb::query {

namespace {

struct Match {
  Position position;
  std::string text;
  Json value;
};

std::string Render(const Query& query, std::string& text, const Json& value) {
  return query.fields.empty() ? std::move(text) : Project(value, query.fields).dump();
}

// Id order: the scan itself is in the query's order, so it stops at the page's end.
Result<QueryPage> RunInIdOrder(const Query& query, const DocumentSource& source,
                               const ScanBounds& bounds) {
  QueryPage page;
  std::string last_read;
  Status s = source(query.after ? query.after->id : "", [&](SourceDocument& d) {
    if (page.examined == bounds.max_examined ||
        (page.examined > 0 && bounds.past_deadline && bounds.past_deadline())) {
      page.resume = Position{{}, last_read};
      return false;
    }
    ++page.examined;
    last_read = std::string(d.id);
    if (!d.live || !Matches(query.selector, d.value)) return true;
    page.documents.push_back(Found{last_read, Render(query, d.text, d.value)});
    if (page.documents.size() < query.limit) return true;
    page.resume = Position{{}, last_read};
    return false;
  });
  if (!s.ok()) return s;
  return page;
}

// Sorted: every document is read; the first `limit` after the bookmark are kept in a heap whose
// top is the last of them, so memory stays within one page.
Result<QueryPage> RunSorted(const Query& query, const DocumentSource& source,
                            const ScanBounds& bounds) {
  auto before = [&](const Match& a, const Match& b) {
    return ComparePositions(query, a.position, b.position) < 0;
  };
  std::vector<Match> heap;
  QueryPage page;
  Status over;
  Status s = source("", [&](SourceDocument& d) {
    if (page.examined == bounds.max_examined) {
      over = Status::Unavailable("the sorted query of /" + bounds.collection +
                                 " read its budget of " + std::to_string(bounds.max_examined) +
                                 " documents before it could sort them: narrow the selector's "
                                 "collection or drop the sort (id order pages through any size)");
      return false;
    }
    if (page.examined > 0 && bounds.past_deadline && bounds.past_deadline()) {
      over = Status::Unavailable("the sorted query of /" + bounds.collection +
                                 " ran out of time after " + std::to_string(page.examined) +
                                 " documents before it could sort them: drop the sort (id order "
                                 "pages through any size) or retry when the replica is less busy");
      return false;
    }
    ++page.examined;
    if (!d.live || !Matches(query.selector, d.value)) return true;
    Position position = PositionOf(query, d.id, d.value);
    if (query.after && ComparePositions(query, position, *query.after) <= 0) return true;
    if (heap.size() == query.limit &&
        ComparePositions(query, position, heap.front().position) >= 0) {
      return true;
    }
    heap.push_back(Match{std::move(position), std::move(d.text), std::move(d.value)});
    std::push_heap(heap.begin(), heap.end(), before);
    if (heap.size() > query.limit) {
      std::pop_heap(heap.begin(), heap.end(), before);
      heap.pop_back();
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!over.ok()) return over;
  std::sort_heap(heap.begin(), heap.end(), before);
  if (heap.size() == query.limit) page.resume = heap.back().position;
  for (Match& m : heap)
    page.documents.push_back(Found{m.position.id, Render(query, m.text, m.value)});
  return page;
}

}  // namespace

Result<QueryPage> RunInQueryOrder(const Query& query, const OrderedSource& source,
                                  const ScanBounds& bounds) {
  QueryPage page;
  std::optional<Position> last_read;
  Status s = source([&](SourceDocument& d) {
    if (page.examined == bounds.max_examined ||
        (page.examined > 0 && bounds.past_deadline && bounds.past_deadline())) {
      page.resume = last_read;
      return false;
    }
    ++page.examined;
    last_read = PositionOf(query, d.id, d.value);
    if (!d.live || !Matches(query.selector, d.value)) return true;
    page.documents.push_back(Found{last_read->id, Render(query, d.text, d.value)});
    if (page.documents.size() < query.limit) return true;
    page.resume = last_read;
    return false;
  });
  if (!s.ok()) return s;
  return page;
}

Result<QueryPage> RunQuery(const Query& query, const DocumentSource& source,
                           const ScanBounds& bounds) {
  return query.sort.empty() ? RunInIdOrder(query, source, bounds)
                            : RunSorted(query, source, bounds);
}

}  // namespace crdtdb::query
