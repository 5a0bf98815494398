// Copyright (c) crdtdb authors.
//
// Writes the seed corpora of the fuzz targets, made with the real encoders and mutators, into
// DIR/<target>/ (the committed ones are fuzz/corpus/): build-fuzz/fuzz/fuzz_make_seeds fuzz/corpus
// Each seed is small and valid, so that the fuzzers start from inputs that reach deep code.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "crdt/codec.h"
#include "crdt/digest.h"
#include "crdt/list_mutators.h"
#include "crdt/text_mutators.h"
#include "crdt/mutators.h"
#include "fuzz/fake_replicas.h"
#include "fuzz/fuzz_input.h"
#include "sync/responder.h"

namespace {

using namespace crdtdb;
using crdt::Document;
using crdt::Json;
using crdt::WriteStamp;

namespace fs = std::filesystem;

class Corpus {
 public:
  explicit Corpus(fs::path dir) : dir_(std::move(dir)) {}

  void Write(const std::string& target, const std::string& name, const std::string& bytes) const {
    fs::create_directories(dir_ / target);
    std::ofstream(dir_ / target / name, std::ios::binary) << bytes;
  }

 private:
  fs::path dir_;
};

template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) {
    std::cerr << "make_seeds: " << result.status().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*result);
}

Document Applied(Document state, const Document& delta) {
  state.ApplyDelta(delta);
  return state;
}

// The states and deltas the document, delta and message seeds are made of.
struct Values {
  WriteStamp a{1, 1'000};
  WriteStamp b{2, 2'000};
  Document put_delta = Must(crdt::PutDelta(
      Document(),
      Json::parse(R"({"a":1,"b":true,"f":1.5,"o":{"x":[1,2,{"y":null}],"s":"\u00e9"}})"), a));
  Document put = Applied(Document(), put_delta);
  Document remove_delta = Must(crdt::RemoveFieldDelta(put, {"o", "s"}));
  Document patch_delta = Must(crdt::PatchDelta(put, Json::parse(R"({"a":null,"o":{"z":-7}})"), b));
  Document inc_delta = Must(crdt::IncrementDelta(Document(), {"n"}, 5, a));
  Document counter = Applied(Document(), inc_delta);
  Document add_delta = Must(crdt::SetAddDelta(counter, {"tags"}, "red", b));
  Document counter_set = Applied(counter, add_delta);
  Document set_remove_delta = Must(crdt::SetRemoveDelta(counter_set, {"tags"}, "red"));
  Document conflict = Applied(Applied(put, Must(crdt::SetFieldDelta(put, {"a"}, "x", a))),
                              Must(crdt::SetFieldDelta(put, {"a"}, "y", b)));
  Document delete_delta = crdt::DeleteDelta(put);
  Document deleted = Applied(put, delete_delta);
  Document empty = Applied(Document(), Must(crdt::PutDelta(Document(), Json::object(), b)));
  // Lists: a put of arrays (runs, nested lists and objects in elements), then concurrent edits.
  Document list_put_delta =
      Must(crdt::PutDelta(Document(), Json::parse(R"({"l":[1,"two",{"o":[3]},[4,5]],"e":[]})"), a));
  Document list = Applied(Document(), list_put_delta);
  Document list_insert_delta = Must(crdt::ListInsertDelta(list, {"l"}, 1, Json::parse(R"(["x","y"])"), b));
  Document list_remove_delta = Must(crdt::ListRemoveDelta(list, {"l"}, 0, 2));
  Document list_replace_delta = Must(crdt::ListReplaceDelta(list, {"l"}, 3, Json::parse("[4,6]"), b));
  Document list_edited = Applied(Applied(list, list_insert_delta), list_remove_delta);
  // Texts: made by a put of {"$text": ...}, then a concurrent splice and a string written over.
  Document text_put_delta = Must(crdt::PutDelta(Document(), Json::parse(R"({"t":{"$text":"h\u00e9llo \ud83d\ude00"}})"), a));
  Document text = Applied(Document(), text_put_delta);
  Document text_splice_delta = Must(crdt::TextSpliceDelta(text, {"t"}, 1, 2, "ey", b));
  Document text_patch_delta = Must(crdt::PatchDelta(text, Json::parse(R"({"t":"hello, world"})"), a));
  Document text_edited = Applied(Applied(text, text_splice_delta), text_patch_delta);
};

void WriteCrdtSeeds(const Corpus& corpus, const Values& v) {
  const std::vector<std::pair<std::string, const Document*>> states = {
      {"put", &v.put},
      {"counter_set", &v.counter_set},
      {"conflict", &v.conflict},
      {"deleted", &v.deleted},
      {"empty", &v.empty},
      {"list", &v.list},
      {"list_edited", &v.list_edited},
      {"text", &v.text},
      {"text_edited", &v.text_edited}};
  for (const auto& [name, state] : states) {
    corpus.Write("document_decoder", name, crdt::EncodeDocument(*state));
  }
  // delta_decoder: a state (a part) then a delta to join into it.
  const std::vector<std::tuple<std::string, const Document*, const Document*>> joins = {
      {"put_into_empty", &v.empty, &v.put_delta},
      {"remove", &v.put, &v.remove_delta},
      {"patch", &v.conflict, &v.patch_delta},
      {"delete", &v.put, &v.delete_delta},
      {"add", &v.counter, &v.add_delta},
      {"set_remove", &v.counter_set, &v.set_remove_delta},
      {"put_into_deleted", &v.deleted, &v.put_delta},
      {"list_put", &v.empty, &v.list_put_delta},
      {"list_insert", &v.list, &v.list_insert_delta},
      {"list_remove", &v.list_edited, &v.list_remove_delta},
      {"list_replace", &v.list, &v.list_replace_delta},
      {"text_put", &v.empty, &v.text_put_delta},
      {"text_splice", &v.text, &v.text_splice_delta},
      {"text_patch", &v.text_edited, &v.text_patch_delta}};
  for (const auto& [name, state, delta] : joins) {
    std::string input;
    fuzz::AppendPart(crdt::EncodeDocument(*state), &input);
    corpus.Write("delta_decoder", name, input + crdt::EncodeDelta(*delta));
  }
  {  // a stored state sent as a delta (StateAsDelta's layout)
    std::string input;
    fuzz::AppendPart(crdt::EncodeDocument(v.put), &input);
    corpus.Write("delta_decoder", "state_as_delta",
                 input + Must(crdt::StateAsDelta(crdt::EncodeDocument(v.conflict))));
  }
  const std::vector<std::pair<std::string, std::string>> texts = {
      {"object", R"({"a":1,"b":[true,false,null],"c":{"d":"e\u00e9\ud83d\ude00","f":-1.5e3}})"},
      {"patch_nulls", R"({"a":null,"o":{"x":null,"y":{"z":{}}},"n":{"k":1},"tags":[]})"},
      {"numbers", R"({"i":-9223372036854775808,"u":18446744073709551615,"d":1e308,"z":-0.0})"},
      {"escapes", R"({"\"\\\/\b\f\n\r\t":"\u0000\u001f","":""})"},
      {"deep", std::string(31, '[').insert(0, "{\"a\":") + std::string(31, ']') + "}"}};
  for (const auto& [name, text] : texts) corpus.Write("json_input", name, text);
}

std::string Encoded(const sync::Body& body) { return sync::Encode(sync::Message{2, body}); }

void WriteMessageSeeds(const Corpus& corpus, const Values& v) {
  using namespace sync;
  const std::vector<LoggedDelta> deltas = {{3, "users/ada", crdt::EncodeDelta(v.put_delta)},
                                           {4, "users/bob", crdt::EncodeDelta(v.inc_delta)}};
  const merkle::Hash hash{0x0123456789abcdef, 0xfedcba9876543210};
  // The messages are of session 7, whose fingerprints take window 3 of a hash (session % 4).
  const merkle::Fingerprint fp = merkle::FingerprintOf(hash, 7);
  // Documents named as the responder's fake replica holds them (fake_replicas.h), in a session.
  const std::vector<LeafEntry> known = fuzz::KnownDocuments();
  auto ref_in = [&](size_t i, uint64_t session) {
    return DocumentRef{merkle::BucketOf(known[i].key), EntryFingerprint(known[i], session)};
  };
  auto ref = [&](size_t i) { return ref_in(i, 7); };
  // Deltas and states of lists and texts ride in messages as opaque bytes, decoded by the engine
  // (the delta_decoder and document_decoder targets); these seeds carry them whole.
  const std::vector<LoggedDelta> list_deltas = {
      {5, "todo/1", crdt::EncodeDelta(v.list_insert_delta)},
      {6, "todo/1", crdt::EncodeDelta(v.list_remove_delta)},
      {7, "notes/1", crdt::EncodeDelta(v.text_splice_delta)}};
  const std::vector<std::pair<std::string, Body>> messages = {
      {"delta_batch", DeltaBatch{deltas}},
      {"delta_batch_lists", DeltaBatch{list_deltas}},
      {"heartbeat", Heartbeat{5, hash, {}}},
      {"log_request", LogRequest{3, 1024}},
      {"log_request_partitions", LogRequest{3, 1024, 256, {0, 7, 255}}},
      {"log_response", LogResponse{3, 9, deltas}},
      {"tree_request", TreeRequest{7, {{0, 0}, {1, 15}, {3, 4095}}}},
      {"tree_response", TreeResponse{7, {{{2, 17}, 0, std::vector<merkle::Fingerprint>(16, fp)}}}},
      {"leaf_request", LeafRequest{7, {0, 65535}}},
      {"leaf_response",
       LeafResponse{
           7, {{ref(1).bucket, ref(1).fingerprint, {ref(1).fingerprint}}, {0, fp ^ 1, {1, fp}}}}},
      {"document_request", DocumentRequest{7, {ref(0), {65535, fp}}}},
      {"documents",
       Documents{7,
                 {{"k0", crdt::EncodeDocument(v.put)}, {"k9", crdt::EncodeDocument(v.deleted)}},
                 {ref(3), {0, fp}}}}};
  // Above sync::kCompressFromBytes: sent compressed.
  std::vector<LoggedDelta> many;
  for (uint64_t seq = 1; seq <= 40; ++seq) {
    many.push_back({seq, "users/" + std::to_string(seq), crdt::EncodeDelta(v.put_delta)});
  }
  const std::vector<std::pair<std::string, Body>> compressed = {
      {"delta_batch_compressed", DeltaBatch{many}}};
  for (const auto& [name, body] : messages) corpus.Write("message_decoder", name, Encoded(body));
  for (const auto& [name, body] : compressed) corpus.Write("message_decoder", name, Encoded(body));
  // The responder's fake replica holds k0..k9 and the log 5..20; known[10] is the peer's k5, which
  // it holds in another state, so it answers that one as missing.
  const std::vector<std::pair<std::string, Body>> requests = {
      {"log_request", LogRequest{7, 4}},
      {"log_request_from_0", LogRequest{0, 0}},
      {"tree_request",
       TreeRequest{7,
                   {{0, 0}, {1, merkle::BucketOf("k0") >> 12}, {3, merkle::BucketOf("k0") >> 4}}}},
      {"leaf_request", LeafRequest{7, {merkle::BucketOf("k0"), merkle::BucketOf("k5"), 0}}},
      {"document_request", DocumentRequest{7, {ref(0), ref(3), ref(10), ref(0)}}},
      // The same in sessions looking through the other three windows of the hashes.
      {"document_request_window_0",
       DocumentRequest{8, {ref_in(0, 8), ref_in(3, 8), ref_in(10, 8)}}},
      {"document_request_window_1",
       DocumentRequest{9, {ref_in(0, 9), ref_in(3, 9), ref_in(10, 9)}}},
      {"document_request_window_2",
       DocumentRequest{10, {ref_in(0, 10), ref_in(3, 10), ref_in(10, 10)}}},
      {"push", Documents{7, {{"k1", crdt::EncodeDocument(v.conflict)}}, {}}},
      {"push_list_text",
       Documents{7, {{"k1", crdt::EncodeDocument(v.list_edited)}, {"k2", crdt::EncodeDocument(v.text_edited)}}, {}}},
      {"not_a_request", Heartbeat{5, hash, {}}}};
  for (const auto& [name, body] : requests) corpus.Write("responder", name, Encoded(body));
}

// Anti-entropy scripts (anti_entropy_fuzzer.cc): a first byte whose bit 0 makes the local replica
// refuse what is fetched and whose bits 1-2 choose the session (7 + bits 1-2, so 0 and 1 are
// session 7, window 3), then steps 0 forged, 1 made plausible, 2 honest, 3 retry.
void WriteAntiEntropySeeds(const Corpus& corpus, const Values& v) {
  using namespace sync;
  testing::FakeReplica peer = fuzz::MakePeer();
  auto honest = [](int steps) { return std::string(static_cast<size_t>(steps), '\x02'); };
  auto forged = [](uint8_t step, const Body& body) {
    std::string out;
    fuzz::AppendByte(step, &out);
    fuzz::AppendPart(Encoded(body), &out);
    return out;
  };
  // The peer's true root, with one child changed: forged, and made plausible.
  Result<std::optional<Body>> root = AnswerRequest(peer, TreeRequest{7, {{0, 0}}});
  TreeResponse tampered = std::get<TreeResponse>(**root);
  tampered.nodes[0].children[3] = 0x0102;
  // The peer's bucket of p0, made plausible (anti_entropy_fuzzer.cc): an entry that is an index
  // of KnownDocuments() stands for that document's fingerprint and names the bucket, so this leaf
  // lists the real p0, p0 in a state the peer does not hold, and a document that does not exist.
  const std::vector<sync::LeafEntry> known = fuzz::KnownDocuments();
  merkle::Fingerprint p0 = 0;  // an index of KnownDocuments(), as a leaf entry
  while (known[p0].key != "p0") ++p0;
  const uint32_t bucket = merkle::BucketOf("p0");
  const merkle::Fingerprint forged_p0 =
      merkle::FingerprintOf(merkle::Contribution("p0", crdt::DigestOf("x")), 7);
  const LeafResponse leaf{7, {{bucket, 0, {p0, forged_p0, 0xfedcba98}}}};
  // Every document the peer holds and the local does not, answered as missing.
  const testing::FakeReplica local = fuzz::MakeLocal();
  Documents all_missing{7, {}, {}};
  for (const sync::LeafEntry& e : known) {
    Result<std::optional<std::string>> state = local.ReadState(e.key);
    if (state.ok() && state->has_value() && crdt::DigestOf(**state) == e.digest) continue;
    all_missing.missing.push_back(DocumentRef{merkle::BucketOf(e.key), EntryFingerprint(e, 7)});
  }

  corpus.Write("anti_entropy", "honest", std::string(1, '\0') + honest(40));
  corpus.Write("anti_entropy", "honest_apply_fails", std::string(1, '\1') + honest(40));
  // Honest rounds in sessions 8, 9 and 10, which look through windows 0, 1 and 2.
  for (int window = 0; window < 3; ++window) {
    corpus.Write("anti_entropy", "honest_window_" + std::to_string(window),
                 std::string(1, static_cast<char>(2 * (window + 1))) + honest(40));
  }
  corpus.Write("anti_entropy", "honest_with_retries",
               std::string(1, '\0') + "\x02\x03\x02\x03\x03\x02" + honest(30));
  corpus.Write("anti_entropy", "tree_not_adding_up", std::string(1, '\0') + forged(0, tampered));
  corpus.Write("anti_entropy", "tree_made_plausible",
               std::string(1, '\0') + forged(1, tampered) + honest(20));
  corpus.Write("anti_entropy", "leaf_made_plausible",
               std::string(1, '\0') + honest(4) + forged(1, leaf) + honest(10));
  corpus.Write(
      "anti_entropy", "bad_document",
      std::string(1, '\0') + honest(5) + forged(1, Documents{7, {{"p0", "not a state"}}, {}}));
  corpus.Write("anti_entropy", "unexpected_type",
               std::string(1, '\0') + forged(1, LogRequest{1, 1}));
  corpus.Write("anti_entropy", "late_documents",
               std::string(1, '\0') +
                   forged(1, Documents{7, {{"p1", crdt::EncodeDocument(v.put)}}, {}}) + honest(20));
  corpus.Write("anti_entropy", "fetches_answered_missing",
               std::string(1, '\0') + honest(5) + forged(1, all_missing) + honest(10));
}

void WriteConfigSeeds(const Corpus& corpus) {
  const std::string regions =
      "cluster: demo\n"
      "anti_entropy_interval_ms: 1000\n"
      "regions:\n"
      "  - name: us-east\n"
      "    data_dir: data/us-east\n"
      "    publish: tcp://127.0.0.1:7101\n"
      "    sync: tcp://127.0.0.1:7102\n"
      "    client: tcp://127.0.0.1:7103\n"
      "  - name: eu-west\n"
      "    data_dir: /srv/eu-west\n"
      "    publish: tcp://127.0.0.1:7201\n"
      "    sync: tcp://127.0.0.1:7202\n"
      "    client: tcp://127.0.0.1:7203\n";
  corpus.Write("cluster_config", "two_regions", regions);
  corpus.Write("cluster_config", "links",
               regions + "links:\n  - { a: us-east, b: eu-west, latency_ms: 40, loss: 0.01 }\n");
  corpus.Write("cluster_config", "curve",
               "cluster: secure\n"
               "regions:\n"
               "  - name: us-east\n"
               "    data_dir: data/us-east\n"
               "    publish: tcp://10.0.0.1:7101\n"
               "    sync: tcp://10.0.0.1:7102\n"
               "    client: tcp://10.0.0.1:7103\n"
               "    public_key: \"Ol/9/AKAd6JO(.ohy=hCe.46!S[GZCuB3rb&UZtc\"\n"
               "    secret_key_file: keys/us-east.key\n"
               "security:\n"
               "  curve: true\n"
               "  clients:\n"
               "    - \"r%mv%@9R$O^2p1j5N{2^ImNB7Go!!fh4L+IjwapE\"\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds DIR   (writes DIR/<target>/<seed>)\n";
    return 2;
  }
  const Corpus corpus{fs::path(argv[1])};
  const Values values;
  WriteCrdtSeeds(corpus, values);
  WriteMessageSeeds(corpus, values);
  WriteAntiEntropySeeds(corpus, values);
  WriteConfigSeeds(corpus);
  return 0;
}
