// The gossip engine (with resource transfer attached) receiving a peer's
// frames: Gossip::OnFrame decodes each as a wire::PeerMessage and acts on it
// against a real store. The input scripts one inbound peer: raw frames, and
// frames built from the input that get past the first checks (deliveries of
// validly signed announcements, hellos, digests and heads naming real
// groups, wants, transfer requests for real roots), with time moving between
// them so that timers fire.
//
// Checked: no crash and no sanitizer report.
#include "fuzz/fuzz_drafts.h"
#include "fuzz/fuzz_init.h"
#include "fuzz/gossip_node.h"
#include "praxis/node/resource.h"

namespace {

using namespace praxis;

wire::PeerMessage Built(fuzz::FuzzInput& in, fuzz::GossipNode& g, const fuzz::IdPool& ids) {
  wire::PeerMessage m;
  switch (in.U8() % 9) {
    case 0: {
      auto head = [&](const Id& author, const Id& group) {
        auto h = g.node().ingestor->Head(author, group);
        return h ? *h : node::LogHead{};
      };
      fuzz::Signed s = fuzz::SignFromInput(in, ids, head);
      auto* d = m.mutable_delivery();
      d->set_envelope(s.a.envelope);
      d->set_original(s.original);
      d->set_hops(in.U8());
      d->set_reply(in.Bool());
      break;
    }
    case 1:
      m.mutable_hello()->set_listen_port(in.U16());
      m.mutable_hello()->set_advertise(in.Part());
      m.mutable_hello()->set_role(in.U8() % 3);
      break;
    case 2:
      for (int n = in.U8() % 4; n > 0; --n) {
        auto* f = m.mutable_digest()->add_groups();
        f->set_group(ids.Pick(in));
        f->set_fingerprint(in.U64());
        f->set_logs(in.U8());
      }
      m.mutable_digest()->set_answer(in.Bool());
      m.mutable_digest()->set_sync(in.Bool());
      break;
    case 3: {
      auto* h = m.mutable_heads();
      h->set_group(ids.Pick(in));
      for (int n = in.U8() % 4; n > 0; --n) {
        auto* l = h->add_logs();
        l->set_author(ids.Pick(in));
        l->set_seq(in.U8());
        l->set_head(ids.Pick(in));
        l->set_frozen(in.Bool());
      }
      h->set_partial(in.Bool());
      h->set_answer(in.Bool());
      break;
    }
    case 4: {
      auto* w = m.mutable_want();
      for (int n = in.U8() % 3; n > 0; --n) {
        auto* p = w->add_after();
        p->set_author(ids.Pick(in));
        p->set_log_group(ids.Pick(in));
        p->set_seq(in.U8());
      }
      for (int n = in.U8() % 3; n > 0; --n) w->add_ids(ids.Pick(in));
      break;
    }
    case 5:
      for (int n = in.U8() % 4; n > 0; --n) m.mutable_ihave()->add_short_ids(in.U64());
      break;
    case 6:
      for (int n = in.U8() % 4; n > 0; --n) m.mutable_graft()->add_short_ids(in.U64());
      for (int n = in.U8() % 2; n > 0; --n) m.mutable_graft()->add_roots(ids.Pick(in));
      break;
    case 7:
      m.mutable_have_query()->set_root(ids.Pick(in));
      break;
    default: {
      auto* q = m.mutable_chunk_request();
      q->set_root(ids.Pick(in));
      q->set_index(in.U8());
      q->set_manifest(in.Bool());
      break;
    }
  }
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  fuzz::GossipNode& g = fuzz::GossipNode::ForInput();
  static fuzz::IdPool ids;
  fuzz::FuzzInput in(data, size);
  // A fresh member per input: a peer punished by an earlier input stays banned.
  Id member;
  crypto::RandomBytes(member.bytes.data(), Id::kSize);
  const int probe = g.net.AttachProbe(0, member);
  while (!in.empty()) {
    const std::uint8_t op = in.U8();
    if (op % 4 == 0) {
      g.net.ProbeSendRaw(probe, in.Part());
    } else if (op % 4 == 1) {
      wire::PeerMessage m = Built(in, g, ids);
      if (m.has_delivery())
        if (auto a = node::ParseAnnouncement(m.delivery().envelope())) ids.Add(*a);
      g.net.ProbeSend(probe, m);
    } else if (op % 4 == 2) {
      // Content this node holds, so that transfer requests find something.
      node::ResourceWriter w(*g.node().store);
      storage::WriteSet ws;
      if (w.Append(in.Part()).ok())
        if (auto info = w.Finish(ws); info && g.node().store->Write(ws, storage::Durability::kWal).ok())
          ids.AddId(info->root);
    } else {
      g.net.RunUntil(g.net.now() + in.U16());
    }
    if (g.net.ProbeClosed(probe)) break;  // punished: the rest would go nowhere
  }
  g.net.RunUntil(g.net.now() + 1'000);
  return 0;
}
