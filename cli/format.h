// Turning what the node says into text for people: ids, sizes, times, and
// strings that came from other members and so must be made safe to print.
// Pure functions with no I/O, so they behave the same in tables and in JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace praxis::cli {

// Lowercase hex of raw id bytes as the node sent them ("" for none).
std::string HexId(std::string_view raw);
// The first 12 hex digits: enough to tell ids apart in a table, and accepted
// back as a unique prefix (DESIGN.md §3).
std::string ShortId(std::string_view raw);

// "0 B", "512 B", "1.5 KiB", "3.2 MiB", ...
std::string HumanSize(std::uint64_t bytes);
// Milliseconds since the Unix epoch as ISO-8601 UTC, e.g. "2026-11-24T19:57:21Z".
std::string IsoTimeUtc(std::uint64_t ms_since_epoch);
// Reads a date the user typed as UTC: "YYYY-MM-DD" (midnight) or ISO-8601
// "YYYY-MM-DDTHH:MM[:SS[.fff]]Z", as the times are printed. Returns
// milliseconds since the Unix epoch, or nullopt for anything else (including
// impossible dates such as 2026-02-30 and dates before 1970).
std::optional<std::uint64_t> ParseUtcTime(std::string_view text);
// "1 republisher" / "2 republishers".
std::string Plural(std::uint64_t n, std::string_view singular, std::string_view plural);

// Returns `s` with every invalid UTF-8 sequence replaced by U+FFFD. protobuf
// refuses (and logs about) invalid UTF-8 in string fields, and so does JSON.
std::string ValidUtf8(std::string_view s);
// Like ValidUtf8, and also replaces control characters (C0, DEL, C1 and bidi
// overrides) so that a title chosen by someone else cannot move the cursor,
// recolour or rewrite the user's terminal. Tabs and newlines become spaces.
std::string ForTerminal(std::string_view s);
// Width in terminal columns, counting one per code point. REQUIRES: valid UTF-8.
std::size_t DisplayWidth(std::string_view s);
// The first `max_points` code points of `s`. REQUIRES: valid UTF-8.
std::string TruncatePoints(std::string_view s, std::size_t max_points);
// Like TruncatePoints but ends with "…" when something was cut, for tables.
std::string Ellipsize(std::string_view s, std::size_t max_width);

// A file name made from a name someone else chose, safe to create in the
// current directory: invalid UTF-8 replaced, control characters (as in
// ForTerminal, NUL included) dropped, '/' turned into '_', no leading '.' or blanks
// and no trailing blanks, at most kMaxFileNameBytes bytes (keeping a short
// extension when it cuts). May be empty: the caller picks a fallback.
inline constexpr std::size_t kMaxFileNameBytes = 200;
std::string SafeFileName(std::string_view name);
// The n-th alternative to `name` when it is taken: "NAME (n)", inserted
// before the extension if there is one ("report (2).pdf"). n == 0: `name`.
std::string NumberedFileName(std::string_view name, unsigned n);

}  // namespace praxis::cli
