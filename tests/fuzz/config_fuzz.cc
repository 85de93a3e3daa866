// praxis.toml as the daemon reads it: any bytes give OK or one InvalidArgument
// line naming the file, never a crash; what is accepted is a valid role and
// log format.
#include <set>

#include "fuzz/fuzz_init.h"
#include "praxis/node/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace praxis;
  fuzz::InitOnce();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool flags_given : {false, true}) {
    node::DaemonOptions o;
    std::set<std::string> given;
    if (flags_given) given = {"data_dir", "listen", "log_level", "seeds", "lan", "quota", "role"};
    Status s = node::ApplyConfigText(text, "fuzz.toml", o, given);
    if (!s.ok()) {
      FUZZ_CHECK(s.code() == Code::kInvalidArgument);
      FUZZ_CHECK(s.message().rfind("fuzz.toml:", 0) == 0);
      continue;
    }
    FUZZ_CHECK(o.role == "member" || o.role == "seed");
    FUZZ_CHECK(o.log_format == "text" || o.log_format == "json");
  }
  return 0;
}
