// The ingestor, the judge of every announcement a peer delivers: a batch of
// validly signed announcements built from the input (any kind, any body,
// continuing the authors' logs or not, republishes with or without their
// original) and a few raw envelopes, through IngestBatch into a real store.
// Covers the body rules of each kind, group membership, invites, stages,
// retracts, forks and the pending set.
//
// Checked: no crash; one outcome per delivery; a raw envelope that does not
// parse is invalid; an accepted announcement is then held and findable.
#include <vector>

#include "fuzz/fuzz_drafts.h"
#include "fuzz/fuzz_init.h"
#include "fuzz/scratch_store.h"

namespace {

using namespace praxis;
using K = node::IngestOutcome::Kind;

struct State {
  fuzz::ScratchStore scratch;
  std::unique_ptr<node::Ingestor> ingestor;
  fuzz::IdPool ids;
  int inputs = 0;
  State() {
    auto ing = node::Ingestor::Open(*scratch.store,
                                    {.now_ms = [] { return std::uint64_t{2'000'000}; }});
    if (!ing) std::abort();
    ingestor = std::move(*ing);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  // Never destroyed at exit: RocksDB's own statics may be gone by then.
  static State* st = nullptr;
  if (!st || ++st->inputs > fuzz::kInputsPerStore) {
    delete st;  // the old store closes before the new one opens
    st = new State();
  }
  fuzz::FuzzInput in(data, size);
  auto head = [&](const Id& author, const Id& group) {
    auto h = st->ingestor->Head(author, group);
    return h ? *h : node::LogHead{};
  };
  while (!in.empty()) {
    std::vector<node::RawDelivery> batch;
    std::vector<bool> raw;
    for (int n = 1 + in.U8() % 4; n > 0 && !in.empty(); --n) {
      if (in.U8() % 8 == 0) {  // raw bytes as an envelope
        batch.push_back({in.Part(), in.Bool() ? in.Part() : std::string()});
        raw.push_back(true);
        continue;
      }
      fuzz::Signed s = fuzz::SignFromInput(in, st->ids, head);
      st->ids.Add(s.a);
      batch.push_back({s.a.envelope, s.original});
      raw.push_back(false);
    }
    auto outcomes = st->ingestor->IngestBatch(batch, storage::Durability::kWal);
    FUZZ_CHECK(outcomes.size() == batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (raw[i] && !node::ParseAnnouncement(batch[i].envelope))
        FUZZ_CHECK(outcomes[i].kind == K::kInvalid);
      if (outcomes[i].kind == K::kAccepted) {
        auto found = st->ingestor->Find(outcomes[i].id);
        FUZZ_CHECK(found && *found);
      }
    }
  }
  return 0;
}
