# Warnings and sanitizers as INTERFACE targets: every crdtdb target links them, nothing leaks to users.
add_library(crdtdb_warnings INTERFACE)
target_compile_options(crdtdb_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                 -Wold-style-cast -Wcast-align -Wimplicit-fallthrough)
if(CRDTDB_WERROR)
  target_compile_options(crdtdb_warnings INTERFACE -Werror)
endif()

add_library(crdtdb_sanitizers INTERFACE)
if(CRDTDB_SANITIZE)
  target_compile_options(crdtdb_sanitizers INTERFACE -fsanitize=address,undefined
                                                     -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(crdtdb_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# crdtdb_module(NAME SOURCES...) declares the static library of one module with its alias crdtdb::NAME.
function(crdtdb_module name)
  add_library(crdtdb_${name} STATIC ${ARGN})
  add_library(crdtdb::${name} ALIAS crdtdb_${name})
  target_include_directories(crdtdb_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
  target_link_libraries(crdtdb_${name} PRIVATE crdtdb_warnings PUBLIC crdtdb_sanitizers)
endfunction()
