#include "praxis/node/proto_json.h"

#include <google/protobuf/descriptor.h>

#include "praxis/storage/id.h"

namespace praxis::node {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

ApiJson Single(const Message& m, const Reflection* r, const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(m, f);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(m, f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(m, f);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(m, f);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(m, f);
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnum(m, f)->name();
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = r->GetString(m, f);
      if (f->type() != FieldDescriptor::TYPE_BYTES) return s;
      return s.empty() ? ApiJson(nullptr) : ApiJson(ToHex(s));
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return r->HasField(m, f) ? ProtoToJson(r->GetMessage(m, f)) : ApiJson(nullptr);
  }
  return nullptr;
}

ApiJson Element(const Message& m, const Reflection* r, const FieldDescriptor* f, int i) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetRepeatedInt32(m, f, i);
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetRepeatedInt64(m, f, i);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetRepeatedUInt32(m, f, i);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetRepeatedUInt64(m, f, i);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetRepeatedDouble(m, f, i);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetRepeatedFloat(m, f, i);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetRepeatedBool(m, f, i);
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetRepeatedEnum(m, f, i)->name();
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = r->GetRepeatedString(m, f, i);
      return f->type() == FieldDescriptor::TYPE_BYTES ? ApiJson(ToHex(s)) : ApiJson(s);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return ProtoToJson(r->GetRepeatedMessage(m, f, i));
  }
  return nullptr;
}

}  // namespace

ApiJson ProtoToJson(const Message& m) {
  const auto* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  ApiJson out = ApiJson::object();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_map()) {
      // Entries are messages {key, value}; keys are strings here.
      ApiJson obj = ApiJson::object();
      const FieldDescriptor* key = f->message_type()->map_key();
      const FieldDescriptor* value = f->message_type()->map_value();
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        const Message& e = r->GetRepeatedMessage(m, f, k);
        const Reflection* er = e.GetReflection();
        const ApiJson kj = Single(e, er, key);
        obj[kj.is_string() ? kj.get<std::string>() : kj.dump()] = Single(e, er, value);
      }
      out[f->name()] = std::move(obj);
    } else if (f->is_repeated()) {
      ApiJson arr = ApiJson::array();
      for (int k = 0; k < r->FieldSize(m, f); ++k) arr.push_back(Element(m, r, f, k));
      out[f->name()] = std::move(arr);
    } else {
      out[f->name()] = Single(m, r, f);
    }
  }
  return out;
}

std::string DumpJson(const ApiJson& j) {
  return j.dump(-1, ' ', false, ApiJson::error_handler_t::replace);
}

}  // namespace praxis::node
