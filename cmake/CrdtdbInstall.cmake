# The library that apps link, crdtdb::crdtdb, and its installation as a CMake package.
#
# Apps see one static archive, libcrdtdb.a, made of the object files of every module (util, crdt,
# merkle, store, db, and capi, the C ABI of include/crdtdb/crdtdb.h: nothing is compiled twice), and the public headers of include/crdtdb only; the
# internal headers of src/ and the header-only libraries they use (nlohmann_json, msgpack) stay
# private. What the archive needs at link time is listed below and found again by
# crdtdbConfig.cmake: keep the two lists in step when a module gains a link dependency.
#
#   cmake --install build --prefix /opt/crdtdb
#   find_package(crdtdb REQUIRED)  # with CMAKE_PREFIX_PATH=/opt/crdtdb
#   target_link_libraries(app PRIVATE crdtdb::crdtdb)
#
# Beside it, libcrdtdb_c.so: the C ABI alone as a shared object, for what cannot link a C++ static
# archive (Python's ctypes, Swift, Kotlin/JNA). It exports only the crdtdb_* symbols
# (src/capi/exports.map) and holds its own copy of the library, so the archive's objects are
# compiled as position-independent code when it is built (not in sanitizer builds: a sanitized
# shared object needs the sanitizer runtime preloaded into the host, e.g. python3).

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(CRDTDB_INSTALL "Generate the install rules of the crdtdb package" ${CRDTDB_TOP_LEVEL})

set(crdtdb_modules util metrics config crdt merkle cluster query store sync db net command capi)
# src/net finds cppzmq in its own scope; the targets linked here (libcrdtdb_c.so, the C tests)
# resolve the archive's link dependencies in this one.
find_package(cppzmq REQUIRED)

set(crdtdb_shared_c_default ON)
if(CRDTDB_SANITIZE)
  set(crdtdb_shared_c_default OFF)
endif()
option(CRDTDB_SHARED_C "Build libcrdtdb_c.so, the C ABI as a shared object (Python binding)"
       ${crdtdb_shared_c_default})

# "crdtdb" is the CLI's target name, hence crdtdb_lib; it is exported and built as crdtdb.
add_library(crdtdb_lib STATIC)
add_library(crdtdb::crdtdb ALIAS crdtdb_lib)
foreach(module IN LISTS crdtdb_modules)
  target_sources(crdtdb_lib PRIVATE $<TARGET_OBJECTS:crdtdb_${module}>)
endforeach()
set_target_properties(crdtdb_lib PROPERTIES
  OUTPUT_NAME crdtdb
  EXPORT_NAME crdtdb
  LINKER_LANGUAGE CXX
  ARCHIVE_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/lib")
target_include_directories(crdtdb_lib INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(crdtdb_lib INTERFACE cxx_std_20)
# Link-time needs only (exported as $<LINK_ONLY:...>): LevelDB, libzmq (Database::sync_with over
# ZeroMQ), libxxhash, libzstd (sync message compression), yaml-cpp (a live sync with a region
# named by its configuration file) and the thread library.
target_link_libraries(crdtdb_lib
  PRIVATE leveldb::leveldb cppzmq xxHash::xxhash zstd::libzstd_shared yaml-cpp Threads::Threads
  PUBLIC $<BUILD_INTERFACE:crdtdb_sanitizers>)

if(CRDTDB_SHARED_C)
  # -fno-semantic-interposition: PIC alone would keep GCC from inlining the archive's own global
  # functions (an app might interpose them); nothing may, as the shared object exports crdtdb_*
  # only and the archive is linked statically.
  foreach(module IN LISTS crdtdb_modules)
    set_property(TARGET crdtdb_${module} PROPERTY POSITION_INDEPENDENT_CODE ON)
    target_compile_options(crdtdb_${module} PRIVATE -fno-semantic-interposition)
  endforeach()
  # The C ABI's objects in full, and of the archive only what they need (as an app's link would).
  add_library(crdtdb_c SHARED $<TARGET_OBJECTS:crdtdb_capi>)
  set_target_properties(crdtdb_c PROPERTIES
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}  # 0.x: each minor may break the ABI
    LINKER_LANGUAGE CXX
    LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/lib")
  target_link_libraries(crdtdb_c PRIVATE crdtdb_lib)
  target_include_directories(crdtdb_c INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  add_library(crdtdb::crdtdb_c ALIAS crdtdb_c)
  target_link_options(crdtdb_c PRIVATE
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/src/capi/exports.map" "LINKER:--no-undefined")
  set_property(TARGET crdtdb_c APPEND PROPERTY
    LINK_DEPENDS "${PROJECT_SOURCE_DIR}/src/capi/exports.map")
endif()

if(NOT CRDTDB_INSTALL)
  return()
endif()

set(crdtdb_package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/crdtdb")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/crdtdb"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(TARGETS crdtdb_lib EXPORT crdtdbTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
if(CRDTDB_SHARED_C)
  # Exported as crdtdb::crdtdb_c: find_package(crdtdb) then links the C ABI alone.
  install(TARGETS crdtdb_c EXPORT crdtdbTargets LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  # The Python package, beside the shared object it loads (python/crdtdb/_native.py finds it at
  # ../../.. from the package). Use: PYTHONPATH=<prefix>/<libdir>/python3/site-packages.
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/python/crdtdb"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/python3/site-packages"
    FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
endif()
install(EXPORT crdtdbTargets
  NAMESPACE crdtdb::
  DESTINATION "${crdtdb_package_dir}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/crdtdbConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/crdtdbConfig.cmake"
  INSTALL_DESTINATION "${crdtdb_package_dir}")
# 0.x: a minor release may break the API, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/crdtdbConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/crdtdbConfig.cmake"
  "${PROJECT_BINARY_DIR}/crdtdbConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindxxHash.cmake"  # Debian's libxxhash-dev has no CMake package
  DESTINATION "${crdtdb_package_dir}")
