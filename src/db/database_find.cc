// Copyright (c) crdtdb authors.
//
// DatabaseImpl::find: the planner (query/planner.h) picks an index of the collection, or none, and
// the page reads its documents from one store snapshot (docs/queries.md, "Consistency"):
//   - no index: a scan of the collection in id order;
//   - an ordered plan: the index's range in the query's order, from just after the bookmark;
//   - another plan: the ids of the index's range first (keys only), then those documents in id
//     order. A range of more entries than the scan budget is not worth it: the page scans instead.
// Every document read is matched against the whole selector (query/scan.h), so the plan changes
// what is read, never what is found.

#include <algorithm>
#include <chrono>

#include "crdt/json_input.h"
#include "crdt/state_json.h"
#include "db/database_impl.h"
#include "db/key.h"
#include "query/bookmark.h"
#include "query/index_key.h"
#include "query/planner.h"
#include "query/scan.h"
#include "store/store_snapshot.h"

namespace crdtdb::db {

namespace {

// Fills `d` from a document's stored state; `d.live` stays false for a deleted one. `d.id` is set
// by the caller.
Status Render(std::string_view key, std::string_view state, query::SourceDocument* d) {
  Result<std::optional<std::string>> json = crdt::StateJson(state);
  if (!json.ok()) return json.status().WithContext("document /" + std::string(key));
  if (!json->has_value()) return Status::OK();
  Result<crdt::Json> value = crdt::ParseJson(**json);
  if (!value.ok()) {
    return Status::Corruption("document /" + std::string(key) + " renders as invalid JSON: " + value.status().message());
  }
  d->live = true;
  d->value = std::move(value).value();
  d->text = std::move(**json);
  return Status::OK();
}

// Whether the index holds element entries in this snapshot (query/planner.h: it is multikey).
Result<bool> HasElementEntries(const store::StoreSnapshot& snapshot, std::string_view index_id) {
  bool found = false;
  const std::string elements(1, query::kElementEntry);
  Status s = snapshot.ScanIndex(index_id, elements, query::PrefixEnd(elements), [&](std::string_view) {
    found = true;
    return false;
  });
  if (!s.ok()) return s;
  return found;
}

// One page's reading, from one snapshot.
struct PageRead {
  const store::StoreSnapshot& snapshot;
  const std::string& prefix;  // "collection/"
  const FindOptions& options;
  const query::Query& query;
  const query::ScanBounds& bounds;
  uint64_t keys_read = 0;

  // Reads the document `id` and visits it; a dangling entry (its document gone) is passed over.
  Status Visit(std::string_view id, const query::DocumentVisitor& visit, bool* more) const {
    const std::string key = prefix + std::string(id);
    Result<std::optional<std::string>> state = snapshot.ReadEncodedState(key);
    if (!state.ok()) return state.status();
    query::SourceDocument d;
    d.id = id;
    if (state->has_value()) {
      if (Status s = Render(key, **state, &d); !s.ok()) return s;
    }
    if (!d.live) return Status::OK();
    if (options.keep && !options.keep(key)) d.live = false;  // read, but matches nothing
    *more = visit(d);
    return Status::OK();
  }

  // Calls `fn(entry, id)` for the entries of `range` from `lower`, in index order (backward: in
  // reverse, below `upper`), until it returns false.
  Status ScanRange(const CatalogIndex& index, std::string_view lower, std::string_view upper, bool backward,
                   const std::function<bool(std::string_view entry, std::string_view id)>& fn) {
    Status malformed;
    auto visit = [&](std::string_view entry) {
      ++keys_read;
      Result<size_t> id_at = query::EntryIdOffset(entry, index.definition.fields.size());
      if (!id_at.ok()) {
        malformed = id_at.status().WithContext("index " + index.definition.name);
        return false;
      }
      return fn(entry, entry.substr(*id_at));
    };
    const std::string_view id = index.definition.id;
    Status s = backward ? snapshot.ScanIndexBackward(id, lower, upper, visit) : snapshot.ScanIndex(id, lower, upper, visit);
    return s.ok() ? malformed : s;
  }

  // The distinct document ids of the plan's ranges, sorted; nullopt if more entries than the scan
  // budget.
  Result<std::optional<std::vector<std::string>>> Ids(const CatalogIndex& index, const query::IndexPlan& plan) {
    std::vector<std::string> ids;
    for (const query::KeyRange& range : plan.ranges) {
      Status s = ScanRange(index, range.lower, range.upper, false, [&](std::string_view, std::string_view id) {
        ids.emplace_back(id);
        return ids.size() <= bounds.max_examined;
      });
      if (!s.ok()) return s;
      if (ids.size() > bounds.max_examined) return std::optional<std::vector<std::string>>();
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return std::optional(std::move(ids));
  }

  // An ordered plan: the ranges in the query's order, from just after the bookmark.
  Result<query::QueryPage> Ordered(const CatalogIndex& index, const query::IndexPlan& plan) {
    const std::string resume = query.after ? query::OrderedResumeKey(query, plan) : std::string();
    return query::RunInQueryOrder(query, [&](const query::DocumentVisitor& visit) {
      Status failed;
      bool more = true;
      auto read = [&](std::string_view entry, std::string_view id) {
        if (!resume.empty() && entry == resume) return true;
        failed = Visit(id, visit, &more);
        return failed.ok() && more;
      };
      if (plan.descending) {
        for (auto r = plan.ranges.rbegin(); r != plan.ranges.rend() && more && failed.ok(); ++r) {
          if (Status s = Descending(index, *r, resume, read); !s.ok()) return s;
        }
        return failed;
      }
      for (auto r = plan.ranges.begin(); r != plan.ranges.end() && more && failed.ok(); ++r) {
        if (Status s = ScanRange(index, std::max(r->lower, resume), r->upper, false, read); !s.ok()) return s;
      }
      return failed;
    }, bounds);
  }

  // One range of a descending ordered plan. Entries of equal values come in id order (the query's
  // ties, docs/queries.md "Sort"), so the range is read backward one group of equal values at a
  // time, each group forward: a step back finds the last entry before `upper`, its values name the
  // group. `resume` (the bookmark's entry, or empty) ends the reading at its group, after it.
  Status Descending(const CatalogIndex& index, const query::KeyRange& range, const std::string& resume,
                    const std::function<bool(std::string_view entry, std::string_view id)>& read) {
    std::string upper = range.upper;
    bool more = true;
    if (!resume.empty()) {
      const std::string group = resume.substr(0, resume.size() - query.after->id.size());
      if (!upper.empty() && group >= upper) {
        // The bookmark lies past this range: all of it comes after.
      } else if (group < range.lower) {
        return Status::OK();  // the bookmark's group came after this whole range
      } else {
        Status s = ScanRange(index, resume, query::PrefixEnd(group), false, [&](std::string_view e, std::string_view id) {
          return more = read(e, id);
        });
        if (!s.ok() || !more) return s;
        upper = group;
      }
    }
    while (more) {
      std::string group;
      Status s = ScanRange(index, range.lower, upper, true, [&](std::string_view entry, std::string_view id) {
        group = std::string(entry.substr(0, entry.size() - id.size()));
        return false;
      });
      if (!s.ok()) return s;
      if (group.empty()) break;  // the range is read
      s = ScanRange(index, group, query::PrefixEnd(group), false, [&](std::string_view e, std::string_view id) {
        return more = read(e, id);
      });
      if (!s.ok()) return s;
      upper = group;
    }
    return Status::OK();
  }

  // Another plan: the documents of the range's ids, in id order.
  Result<query::QueryPage> Candidates(const std::vector<std::string>& ids) {
    return query::RunQuery(query, [&](std::string_view start_after, const query::DocumentVisitor& visit) {
      auto it = std::upper_bound(ids.begin(), ids.end(), start_after,
                                 [](std::string_view a, const std::string& b) { return a < b; });
      bool more = true;
      for (; it != ids.end() && more; ++it) {
        if (Status s = Visit(*it, visit, &more); !s.ok()) return s;
      }
      return Status::OK();
    }, bounds);
  }

  // No plan: a scan of the collection in id order.
  Result<query::QueryPage> Scan() {
    return query::RunQuery(query, [&](std::string_view start_after, const query::DocumentVisitor& visit) {
      Status rendered;
      Status s = snapshot.Scan(prefix, start_after.empty() ? "" : prefix + std::string(start_after),
                               [&](std::string_view key, std::string_view state) {
        query::SourceDocument d;
        d.id = key.substr(prefix.size());
        if (options.keep && !options.keep(key)) return visit(d);
        rendered = Render(key, state, &d);
        return rendered.ok() && visit(d);
      });
      return s.ok() ? rendered : s;
    }, bounds);
  }
};

}  // namespace

Result<FindPage> DatabaseImpl::find(std::string_view collection, std::string_view query_text,
                                    const FindOptions& options) {
  Result<std::string> c = NormalizeCollection(collection);
  if (!c.ok()) return c.status();
  if (options.max_examined == 0) return Status::InvalidArgument("a find's max_examined must be at least 1");
  Result<query::Query> q = query::ParseQuery(query_text);
  if (!q.ok()) return q.status();
  const std::string prefix = *c + "/";
  const std::unique_ptr<store::StoreSnapshot> snapshot = store_->NewSnapshot();
  const std::shared_ptr<const IndexCatalog> catalog = indexes_.catalog();
  std::vector<const CatalogIndex*> ready;
  std::vector<query::CandidateIndex> candidates;
  if (const std::vector<CatalogIndex>* of = catalog->Of(*c)) {
    for (const CatalogIndex& index : *of) {
      if (index.state != IndexState::kReady) continue;
      Result<bool> multikey = HasElementEntries(*snapshot, index.definition.id);
      if (!multikey.ok()) return multikey.status();
      ready.push_back(&index);
      candidates.push_back({index.definition.fields, *multikey});
    }
  }
  std::optional<query::IndexPlan> plan = query::PlanQuery(*q, candidates);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.deadline_ms);
  const query::ScanBounds bounds{options.max_examined,
                                 [deadline] { return std::chrono::steady_clock::now() >= deadline; }, *c};
  PageRead read{*snapshot, prefix, options, *q, bounds};
  std::optional<std::vector<std::string>> ids;
  if (plan && !plan->ordered) {
    Result<std::optional<std::vector<std::string>>> listed = read.Ids(*ready[plan->index], *plan);
    if (!listed.ok()) return listed.status();
    ids = std::move(listed).value();
    if (!ids) plan.reset();  // wider than the budget: the scan reads no more and pages in id order
  }
  Result<query::QueryPage> found = !plan         ? read.Scan()
                                   : plan->ordered ? read.Ordered(*ready[plan->index], *plan)
                                                   : read.Candidates(*ids);
  if (!found.ok()) return found.status();
  FindPage page;
  page.examined = found->examined;
  for (query::Found& f : found->documents) page.documents.push_back(ListedDocument{std::move(f.id), std::move(f.json)});
  if (found->resume) page.bookmark = query::EncodeBookmark(*found->resume);
  page.plan.index = plan ? ready[plan->index]->definition.name : "";
  page.plan.ordered = plan && plan->ordered;
  page.plan.descending = plan && plan->descending;
  page.plan.ranges = plan ? plan->ranges.size() : 0;
  page.plan.keys_read = read.keys_read;
  page.plan.documents_read = found->examined;
  page.plan.documents_returned = page.documents.size();
  return page;
}

}  // namespace crdtdb::db
