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
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
