# SPDX-License-Identifier: Apache-2.0
# Turns the web UI's static files into one C file: an array per file and one
# table {name, content type, bytes, length, ETag}. The ETag is the first 16 hex
# digits of the file's SHA-256, so it changes exactly when the bytes do.
#   cmake -DDIR=src/web/static -DOUT=web_assets.c -P web_embed.cmake
file(GLOB files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(arrays "")
set(rows "")
set(i 0)
foreach(name ${files})
  if(IS_DIRECTORY ${DIR}/${name})
    continue()
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9._-]+$")
    message(FATAL_ERROR "web asset ${name}: names are [A-Za-z0-9._-] only")
  endif()
  get_filename_component(ext ${name} LAST_EXT)
  if(ext STREQUAL ".html")
    set(ct "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js" OR ext STREQUAL ".mjs")
    set(ct "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(ct "text/css; charset=utf-8")
  elseif(ext STREQUAL ".svg")
    set(ct "image/svg+xml")
  elseif(ext STREQUAL ".png")
    set(ct "image/png")
  elseif(ext STREQUAL ".ico")
    set(ct "image/x-icon")
  elseif(ext STREQUAL ".json")
    set(ct "application/json")
  else()
    message(FATAL_ERROR "web asset ${name}: unknown content type for '${ext}'")
  endif()
  file(READ ${DIR}/${name} hex HEX)
  file(SHA256 ${DIR}/${name} sum)
  string(SUBSTRING ${sum} 0 16 tag)
  string(LENGTH "${hex}" n)
  math(EXPR nbytes "${n} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
  string(REGEX REPLACE "((0x..,){16})" "\\1\n" body "${body}")
  string(APPEND arrays "static const unsigned char f${i}[] = {\n${body}0x00};\n")
  string(APPEND rows "    {\"${name}\", \"${ct}\", f${i}, ${nbytes}, \"\\\"${tag}\\\"\"},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT}.tmp "/* generated from ${DIR} by scripts/web_embed.cmake; do not edit */
#include \"web/web_int.h\"
${arrays}
const struct wf_web_file wf_web__files[] = {
${rows}};
const size_t wf_web__n_files = ${i};
")
# rewrite only on change so the binary is not relinked for nothing
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
file(REMOVE ${OUT}.tmp)
