# The library that apps link, crdtdb::crdtdb, and its installation as a CMake package.
#
# Apps see one static archive, libcrdtdb.a, made of the object files of every module (util, crdt,
# merkle, store, db: nothing is compiled twice), and the public headers of include/crdtdb only; the
# internal headers of src/ and the header-only libraries they use (nlohmann_json, msgpack) stay
# private. What the archive needs at link time is listed below and found again by
# crdtdbConfig.cmake: keep the two lists in step when a module gains a link dependency.
#
#   cmake --install build --prefix /opt/crdtdb
#   find_package(crdtdb REQUIRED)  # with CMAKE_PREFIX_PATH=/opt/crdtdb
#   target_link_libraries(app PRIVATE crdtdb::crdtdb)

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(CRDTDB_INSTALL "Generate the install rules of the crdtdb package" ${CRDTDB_TOP_LEVEL})

set(crdtdb_modules util config crdt merkle cluster query store sync db net command)

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

if(NOT CRDTDB_INSTALL)
  return()
endif()

set(crdtdb_package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/crdtdb")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/crdtdb"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(TARGETS crdtdb_lib EXPORT crdtdbTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
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
