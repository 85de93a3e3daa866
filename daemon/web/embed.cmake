# Turns the web page into a C++ source file (run at build time):
#   cmake -DIN=index.html -DOUT=web_assets.cc -P embed.cmake
file(READ "${IN}" content)
string(FIND "${content}" ")praxisweb\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )praxisweb\"")
endif()
file(WRITE "${OUT}.tmp"
  "// Generated from daemon/web/index.html by daemon/web/embed.cmake. Do not edit.\n"
  "#include \"web_assets.h\"\n\n"
  "namespace praxis::node {\n\n"
  "std::string_view WebIndexHtml() {\n"
  "  static constexpr char kPage[] = R\"praxisweb(${content})praxisweb\";\n"
  "  return {kPage, sizeof kPage - 1};\n"
  "}\n\n"
  "}  // namespace praxis::node\n")
file(RENAME "${OUT}.tmp" "${OUT}")
