// Helpers the control API's files share (control_internal.h).
#include <locale.h>
#include <wctype.h>

#include <asio/async_result.hpp>
#include <asio/use_awaitable.hpp>
#include <cctype>
#include <memory>

#include "control_internal.h"

namespace praxis::node::control_internal {

using asio::awaitable;
using asio::use_awaitable;

awaitable<Result<Announcement>> PublishAwait(Node& node, OwnWrite& w) {
  auto init = [&node, &w](auto handler) {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    node.Publish(std::move(w), [h](Result<Announcement> r) { std::move (*h)(std::move(r)); });
  };
  Result<Announcement> r =
      co_await asio::async_initiate<decltype(use_awaitable), void(Result<Announcement>)>(
          init, use_awaitable);
  co_return r;
}

awaitable<Status> PoolAwait(Node& node, std::function<Status()>& fn) {
  auto init = [&node, &fn](auto handler) {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    node.RunOnPool(std::move(fn), [h](Status s) { std::move (*h)(std::move(s)); });
  };
  Status s =
      co_await asio::async_initiate<decltype(use_awaitable), void(Status)>(init, use_awaitable);
  co_return s;
}

// Case folding for --match beyond ASCII ("CAFÉ" finds "café"): decode UTF-8,
// lower each code point with the C.UTF-8 locale's tables, encode again.
// Invalid bytes pass through unchanged.
std::string Lower(std::string_view s) {
  static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(s[i++]);
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7f >> len);
    bool ok = true;
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) ok = false;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (!ok) {
      out.push_back(s[i++]);
      continue;
    }
    if (utf8)
      cp = static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), utf8));
    else if (cp < 0x80)
      cp = static_cast<char32_t>(std::tolower(static_cast<int>(cp)));
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | cp >> 6));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | cp >> 12));
      out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | cp >> 18));
      out.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
    i += len;
  }
  return out;
}

bool IsMember(Node& node, const Id& group) {
  auto h = node.ingestor().Head(node.member(), group);
  return h && h->member;
}

std::string ShareTitle(const Announcement& a) {
  wire::Share s;
  return a.kind == wire::KIND_SHARE && ParseBody(a, s) ? s.title() : std::string();
}

std::string GroupLabel(Node& node, const Id& group) {
  const GroupState* g = node.ingestor().Group(group);
  return "'" + (g ? g->genesis.name() : std::string()) + "' (" + group.Short() + ")";
}

}  // namespace praxis::node::control_internal
