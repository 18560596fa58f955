if(TRAILWALL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
if(TRAILWALL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TRAILWALL_FUZZ needs clang++-16 (configure with the 'fuzz' preset)")
  endif()
  # libstdc++ 12 hides std::expected unless __cpp_concepts >= 202002L; clang 16 implements what
  # <expected> needs (P0848) but still reports 201907L, so the fuzz build raises the macro.
  add_compile_options(-D__cpp_concepts=202002L -Wno-macro-redefined -Wno-builtin-macro-redefined)
  # The long runs of bench/fuzz use "undefined" alone (fuzz-ubsan preset): several times the
  # executions per second, ASan's checks kept for the corpus replays and shorter runs.
  set(TRAILWALL_FUZZ_SANITIZERS "address,undefined" CACHE STRING
      "Sanitizers of the libFuzzer build (comma-separated, as for -fsanitize=)")
  add_compile_options(-fsanitize=fuzzer-no-link,${TRAILWALL_FUZZ_SANITIZERS}
                      -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${TRAILWALL_FUZZ_SANITIZERS})
endif()
