# Warnings are errors on our own targets only (link trailwall_warnings), never on dependencies.
add_library(trailwall_warnings INTERFACE)
target_compile_options(trailwall_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)
