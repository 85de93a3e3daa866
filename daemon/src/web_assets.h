// The web page served at / (daemon/web/index.html, embedded at build time by
// daemon/web/embed.cmake): one file, no external resources, works offline.
#pragma once

#include <string_view>

namespace praxis::node {

std::string_view WebIndexHtml();

}  // namespace praxis::node
