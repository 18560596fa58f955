include(GoogleTest)

set(TRAILWALL_TEST_DEFINITIONS
  TRAILWALL_TEST_DATA_DIR="${CMAKE_SOURCE_DIR}/tests/data"
  TRAILWALL_SHARED_DIR="${TRAILWALL_SHARED_DIR}"
  TRAILWALL_BINARY_DIR="${CMAKE_BINARY_DIR}")

# One precompiled header (gtest, gmock and the standard library) shared by every test program:
# parsing gtest and gmock dominated the build of the tests, and the build dominates CI.
file(WRITE ${CMAKE_BINARY_DIR}/trailwall_test_pch.cpp "// precompiled-header carrier\n")
add_library(trailwall_test_pch OBJECT ${CMAKE_BINARY_DIR}/trailwall_test_pch.cpp)
target_link_libraries(trailwall_test_pch PRIVATE GTest::gtest GTest::gmock trailwall_warnings)
target_compile_definitions(trailwall_test_pch PRIVATE ${TRAILWALL_TEST_DEFINITIONS})
target_precompile_headers(trailwall_test_pch PRIVATE
  <gtest/gtest.h> <gmock/gmock.h>
  <algorithm> <chrono> <cstdint> <filesystem> <fstream> <functional> <map> <memory>
  <optional> <set> <sstream> <string> <string_view> <vector> <expected>)

# trailwall_add_gtest(NAME LABEL <unit|integration|e2e> SOURCES ... LIBS ...)
# One gtest executable per module; every test carries its ctest label.
function(trailwall_add_gtest name)
  cmake_parse_arguments(T "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main trailwall_warnings)
  target_include_directories(${name} PRIVATE ${TRAILWALL_SRC_DIR} ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE ${TRAILWALL_TEST_DEFINITIONS})
  target_precompile_headers(${name} REUSE_FROM trailwall_test_pch)
  gtest_discover_tests(${name} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()

# trailwall_add_fuzz(NAME SOURCE file LIBS ... CORPUS dir)
# With TRAILWALL_FUZZ: a libFuzzer binary <name>. Always: <name>_replay, which runs the
# target over every file of the seed corpus, registered as a unit test.
function(trailwall_add_fuzz name)
  cmake_parse_arguments(F "" "SOURCE;CORPUS" "LIBS" ${ARGN})
  if(TRAILWALL_FUZZ)
    add_executable(${name} ${F_SOURCE})
    target_link_libraries(${name} PRIVATE ${F_LIBS} trailwall_warnings)
    target_include_directories(${name} PRIVATE ${TRAILWALL_SRC_DIR})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  endif()
  add_executable(${name}_replay ${F_SOURCE} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
  target_link_libraries(${name}_replay PRIVATE ${F_LIBS} trailwall_warnings)
  target_include_directories(${name}_replay PRIVATE ${TRAILWALL_SRC_DIR})
  add_test(NAME ${name}_corpus COMMAND ${name}_replay ${F_CORPUS})
  set_tests_properties(${name}_corpus PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
