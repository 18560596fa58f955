# Every dependency is a Debian package installed by scripts/setup.sh; no downloads here.
#
# trailwall's executables carry the libraries they use, so a run loads few shared objects (cold
# start, issue 11) and the Lambda package needs little beside glibc: OpenSSL, zlib, libdeflate and
# pugixml are linked from their static archives, fmt and spdlog are compiled once into a static
# library (below), and toml++ is used header-only. Debian ships no static simdjson, so
# libsimdjson stays shared. The imported targets below are re-pointed so link lines keep the
# packages' own target names.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL REQUIRED)
set(ZLIB_USE_STATIC_LIBS TRUE)
find_package(ZLIB REQUIRED)
find_package(pugixml REQUIRED)
set_target_properties(pugixml::pugixml PROPERTIES INTERFACE_LINK_LIBRARIES pugixml::static)
find_package(simdjson REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
# Header-only, every translation unit that logs compiles fmt's and spdlog's implementations again
# (about 6 s of CPU each): trailwall_logfmt compiles them once, in library mode, and the
# header-only targets are re-pointed to it, so targets keep linking fmt::fmt-header-only and
# spdlog::spdlog_header_only and nothing is loaded at run time.
add_library(trailwall_logfmt STATIC ${CMAKE_CURRENT_LIST_DIR}/fmt_spdlog.cpp)
target_compile_definitions(trailwall_logfmt PUBLIC SPDLOG_COMPILED_LIB SPDLOG_FMT_EXTERNAL)
target_link_libraries(trailwall_logfmt PUBLIC Threads::Threads)
set_target_properties(fmt::fmt-header-only PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "" INTERFACE_LINK_LIBRARIES trailwall_logfmt)
set_target_properties(spdlog::spdlog_header_only PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "SPDLOG_COMPILED_LIB;SPDLOG_FMT_EXTERNAL"
  INTERFACE_LINK_LIBRARIES "Threads::Threads;trailwall_logfmt")
pkg_check_modules(tomlplusplus REQUIRED IMPORTED_TARGET tomlplusplus)
set_target_properties(PkgConfig::tomlplusplus PROPERTIES
  INTERFACE_COMPILE_OPTIONS "" INTERFACE_COMPILE_DEFINITIONS "TOML_HEADER_ONLY=1"
  INTERFACE_LINK_LIBRARIES "" INTERFACE_LINK_OPTIONS "" INTERFACE_LINK_DIRECTORIES "")
pkg_check_modules(cpphttplib REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(libdeflate REQUIRED IMPORTED_TARGET libdeflate)
pkg_check_modules(libisal REQUIRED IMPORTED_TARGET libisal)
find_library(TRAILWALL_LIBDEFLATE_STATIC NAMES libdeflate.a REQUIRED)
set_target_properties(PkgConfig::libdeflate PROPERTIES
  INTERFACE_LINK_LIBRARIES "${TRAILWALL_LIBDEFLATE_STATIC}" INTERFACE_LINK_OPTIONS ""
  INTERFACE_LINK_DIRECTORIES "")
# jemalloc (static) as trailwall's allocator: planning at scale is allocation-bound, and glibc's
# malloc took about a third of `plan`'s CPU on 100,000 instances (bench/RESULTS.md). Not under
# the sanitizers or libFuzzer, which bring their own allocator.
option(TRAILWALL_JEMALLOC "Link jemalloc statically into the trailwall executable" ON)
add_library(trailwall_malloc INTERFACE)
if(TRAILWALL_JEMALLOC AND NOT TRAILWALL_SANITIZE AND NOT TRAILWALL_FUZZ)
  find_library(TRAILWALL_JEMALLOC_STATIC NAMES libjemalloc_pic.a REQUIRED)
  target_link_libraries(trailwall_malloc INTERFACE ${TRAILWALL_JEMALLOC_STATIC} Threads::Threads
                                                   ${CMAKE_DL_LIBS} m)
endif()
if(TRAILWALL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(TRAILWALL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
