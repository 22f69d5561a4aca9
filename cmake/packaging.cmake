# Included at the end of CMakeLists.txt: the libpg_query version check, the
# commit behind --version, the manual page, install rules, CPack (.deb, and for
# MIGRASAFE_STATIC the release tarball of `make dist`) and their tests.
include(GNUInstallDirs)

# --- libpg_query: the analysis reads PostgreSQL 15 parse trees --------------
# pg_query.h names the PostgreSQL release its parser comes from. libpg_query
# 15-4.x (Debian 12's libpg-query-dev is 15-4.0.0) has the PostgreSQL 15
# grammar; other series (13-2.x, 14-3.x, 16-5.x, ...) produce different parse
# trees, which migrasafe would misread.
set(MIGRASAFE_SUPPORTED_LIBPG_QUERY "15-4.x, the PostgreSQL 15 grammar (Debian 12: libpg-query-dev 15-4.0.0)")
file(STRINGS "${PG_QUERY_INCLUDE}/pg_query.h" pg_query_version_line REGEX "^#define PG_VERSION \"")
string(REGEX REPLACE "^#define PG_VERSION \"([^\"]*)\".*" "\\1" PG_QUERY_GRAMMAR "${pg_query_version_line}")
if(NOT PG_QUERY_GRAMMAR MATCHES "^15\\.")
  if(NOT PG_QUERY_GRAMMAR)
    set(PG_QUERY_GRAMMAR "unknown (no PG_VERSION in ${PG_QUERY_INCLUDE}/pg_query.h)")
  endif()
  message(FATAL_ERROR "libpg_query at ${PG_QUERY_LIB} has the PostgreSQL ${PG_QUERY_GRAMMAR} grammar; "
                      "migrasafe supports libpg_query ${MIGRASAFE_SUPPORTED_LIBPG_QUERY}. "
                      "Point PG_QUERY_LIB and PG_QUERY_INCLUDE at a supported libpg_query.")
endif()
message(STATUS "libpg_query: PostgreSQL ${PG_QUERY_GRAMMAR} grammar, ${PG_QUERY_LIB} "
               "(supported: libpg_query ${MIGRASAFE_SUPPORTED_LIBPG_QUERY})")
if(MIGRASAFE_STATIC AND NOT PG_QUERY_LIB MATCHES "\\.a$")
  message(FATAL_ERROR "MIGRASAFE_STATIC=ON needs libpg_query.a, found ${PG_QUERY_LIB}")
endif()

# --- --version: the commit, recorded at build time --------------------------
set(MIGRASAFE_COMMIT "" CACHE STRING "Commit --version reports when the source is not a git checkout (Docker builds)")
set(BUILD_INFO_SOURCE ${CMAKE_BINARY_DIR}/generated/build_info.cpp)
add_custom_target(migrasafe_build_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT=${BUILD_INFO_SOURCE} -DCOMMIT=${MIGRASAFE_COMMIT}
          -P ${CMAKE_SOURCE_DIR}/cmake/build_info.cmake
  BYPRODUCTS ${BUILD_INFO_SOURCE}
  COMMENT "Recording the commit for --version")
# The manual page writer (cli/man_page.cpp) needs CLI11, which only the executable links.
target_sources(migrasafe PRIVATE ${CMAKE_SOURCE_DIR}/cli/man_page.cpp ${BUILD_INFO_SOURCE})
add_dependencies(migrasafe migrasafe_build_info)

# --- Manual page, generated from the help texts by `migrasafe man-page` -----
set(MAN_PAGE ${CMAKE_BINARY_DIR}/migrasafe.1)
add_custom_command(OUTPUT ${MAN_PAGE}
  COMMAND ${CMAKE_COMMAND} -DMIGRASAFE=$<TARGET_FILE:migrasafe> -DOUT=${MAN_PAGE}
          -P ${CMAKE_SOURCE_DIR}/cmake/write_man_page.cmake
  DEPENDS migrasafe ${CMAKE_SOURCE_DIR}/cmake/write_man_page.cmake
  COMMENT "Writing the manual page migrasafe.1")
add_custom_target(migrasafe_man_page ALL DEPENDS ${MAN_PAGE})

# --- Install: the binary, its manual page, the README and changelog ---------
# llvm-strip 14 (clang's CMAKE_STRIP) cannot strip a static glibc executable
# (".rela.plt is not a symbol table"), and the install step ignores the failure.
if(MIGRASAFE_STATIC AND CMAKE_STRIP MATCHES "llvm-strip")
  find_program(GNU_STRIP strip REQUIRED)
  set(CMAKE_STRIP ${GNU_STRIP})
endif()
install(TARGETS migrasafe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# --- Packages: `cmake --build BUILD --target package` -----------------------
# Into dist/ of the source tree, each with a .sha256 file (`sha256sum -c`).
set(CPACK_PACKAGE_NAME migrasafe)
set(CPACK_PACKAGE_VENDOR migrasafe)
set(CPACK_PACKAGE_CONTACT "migrasafe developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Static safety analysis for PostgreSQL migrations")
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_SOURCE_DIR}/dist)
set(CPACK_PACKAGE_CHECKSUM SHA256)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
if(MIGRASAFE_STATIC)
  # The release tarball: bin/, share/man/, share/doc/ under
  # migrasafe-<version>-linux-<arch>/. The static binary needs no packages.
  set(CPACK_GENERATOR "TGZ;DEB")
  set(CPACK_PACKAGE_FILE_NAME "migrasafe-${PROJECT_VERSION}-linux-${CMAKE_SYSTEM_PROCESSOR}")
else()
  # A dynamic build's .deb depends on the shared libraries it links (dpkg-shlibdeps).
  set(CPACK_GENERATOR "DEB")
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  # libpq is loaded when verify or snapshot first connects (verify/libpq_on_demand.cpp), so
  # dpkg-shlibdeps does not see it.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libpq5")
endif()
include(CPack)

# --- Tests -------------------------------------------------------------------
if(MIGRASAFE_TESTS)
  # `cmake --install` into a temporary prefix; the manual page against the help texts.
  add_test(NAME install
    COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/dist_test.py install ${CMAKE_BINARY_DIR} $<TARGET_FILE:migrasafe>
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  # The static build's packages, run in an empty chroot and compared with this
  # build's binary on every fixture. `make test` passes its static (clang) build;
  # a static build tests itself.
  set(MIGRASAFE_STATIC_BUILD "" CACHE PATH "A MIGRASAFE_STATIC=ON build directory for the static-package test")
  set(static_build ${MIGRASAFE_STATIC_BUILD})
  if(NOT static_build AND MIGRASAFE_STATIC)
    set(static_build ${CMAKE_BINARY_DIR})
  endif()
  add_test(NAME static-package
    COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/dist_test.py static "${static_build}" $<TARGET_FILE:migrasafe>
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(static-package PROPERTIES SKIP_RETURN_CODE 77)
  # Configuring against a libpg_query of another PostgreSQL series stops with the supported one.
  add_test(NAME libpg-query-version
    COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/dist_test.py libpg-query-version ${CMAKE_BINARY_DIR} $<TARGET_FILE:migrasafe>
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endif()
