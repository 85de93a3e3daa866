// How `praxis groups` and `praxis discover` show groups: one JSON object per
// group, or a table.
#pragma once

#include <ostream>

#include "control.pb.h"
#include "output.h"

namespace praxis::cli {

using GroupList = google::protobuf::RepeatedPtrField<control::GroupInfo>;

Json GroupJson(const control::GroupInfo& g);
Json GroupsJson(const GroupList& groups);
void PrintGroupsTable(std::ostream& out, const GroupList& groups);

}  // namespace praxis::cli
