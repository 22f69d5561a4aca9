# The source layers (docs/architecture.md, "Layers"): each layer is a static library that sees only
# its own headers and those of the layers it uses, so an upward #include does not compile.
#
# Every layer gets its own include root under build/layers/<layer>/ holding symbolic links to its
# directories (or single files), e.g. build/layers/engine/engine -> <source>/engine; a target's
# include path is its own root plus the roots of the layers it links. `#include "rules/rule.h"` in
# sources/ therefore finds no rules/ directory and fails, instead of quietly pulling the rules in.
#
# migrasafe_layer(<layer> PATHS <dir or file>... [USES <layer>...] [NO_LIBRARY])
#   Creates the STATIC library migrasafe_<layer> (sources added with target_sources) whose include
#   root exposes PATHS, linking the USES layers; NO_LIBRARY only records the layer (the executable's
#   cli/, verify/ in a build without libpq). The layer table (layer, paths, uses) is also written
#   to build/layers.tsv, which tests/layering_test.py reads to check each file's #include lines.

set(MIGRASAFE_LAYER_TABLE ${CMAKE_BINARY_DIR}/layers.tsv)
file(WRITE ${MIGRASAFE_LAYER_TABLE} "# layer\tpaths\tuses (written by cmake/layers.cmake)\n")

function(migrasafe_layer layer)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_LIBRARY" "" "PATHS;USES")
  set(root ${CMAKE_BINARY_DIR}/layers/${layer})
  file(REMOVE_RECURSE ${root})
  foreach(path IN LISTS ARG_PATHS)
    get_filename_component(parent ${root}/${path} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${path} ${root}/${path} SYMBOLIC)
  endforeach()
  if(NOT ARG_NO_LIBRARY)
    add_library(migrasafe_${layer} STATIC)
    target_include_directories(migrasafe_${layer} PUBLIC ${root})
    foreach(used IN LISTS ARG_USES)
      target_link_libraries(migrasafe_${layer} PUBLIC migrasafe_${used})
    endforeach()
    target_compile_options(migrasafe_${layer} PRIVATE ${PROJECT_WARNINGS})
  endif()
  list(JOIN ARG_PATHS " " paths)
  list(JOIN ARG_USES " " uses)
  file(APPEND ${MIGRASAFE_LAYER_TABLE} "${layer}\t${paths}\t${uses}\n")
endfunction()
