#include "praxis/node/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace praxis::node {

namespace {

// %* in the JSON pattern: the message, escaped as a JSON string's contents.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

Status SetupLogging(const LogOptions& opts) {
  const auto level = spdlog::level::from_str(opts.level);
  if (level == spdlog::level::off && opts.level != "off")
    return Status::InvalidArgument("unknown log level '" + opts.level +
                                   "': trace, debug, info, warn, error, critical or off");
  if (opts.format != "text" && opts.format != "json")
    return Status::InvalidArgument("unknown log format '" + opts.format + "': text or json");
  spdlog::sink_ptr sink;
  if (opts.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(opts.file);
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open log file " + opts.file + ": " + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("praxisd", sink);
  if (opts.format == "json") {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
    logger->set_formatter(std::move(f));
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return Status::OK();
}

}  // namespace praxis::node
