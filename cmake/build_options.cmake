# Build options, included from CMakeLists.txt before the dependencies are
# looked up (MIGRASAFE_STATIC changes which library files they resolve to).
#
#   MIGRASAFE_WERROR  warnings are errors (on in `make test`, off for users
#                     whose newer compiler may add warnings)
#   MIGRASAFE_STATIC  one fully static executable: libpg_query, RE2, the C++
#                     runtime and glibc linked in from Debian's .a files
#                     (`make dist` uses it; see cmake/packaging.cmake)

option(MIGRASAFE_WERROR "Treat compiler warnings as errors" OFF)
option(MIGRASAFE_STATIC "Link fully static executables (Linux)" OFF)

set(PROJECT_WARNINGS -Wall -Wextra)
if(MIGRASAFE_WERROR)
  list(APPEND PROJECT_WARNINGS -Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false positives on std::string concatenation at -O2
  # (GCC bug 105329); clang has no such warning group.
  list(APPEND PROJECT_WARNINGS -Wno-restrict)
endif()

if(MIGRASAFE_STATIC)
  if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
    message(FATAL_ERROR "MIGRASAFE_STATIC=ON is supported on Linux only (it links glibc statically)")
  endif()
  # find_library and pkg-config's imported targets pick libfoo.a over libfoo.so.
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  add_link_options(-static)
endif()
