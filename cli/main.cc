// praxis: the command line of a praxis node. Everything lives in app.cc and
// the command files; main only makes sure nothing escapes as a crash.
#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <exception>

#include "app.h"

int main(int argc, char** argv) {
  // protobuf logs to stderr (e.g. about invalid UTF-8); errors must stay one line.
  google::protobuf::SetLogHandler(nullptr);
  try {
    return praxis::cli::RunCli(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "praxis: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "praxis: internal error\n");
  }
  return 1;
}
