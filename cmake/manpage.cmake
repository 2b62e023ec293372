# The logship(1) man page. Its source is docs/logship.1.scd (scdoc); the PROVIDERS section is
# made at build time from the built binary's preset table (scripts/gen-provider-docs.py runs
# `logship --providers`), so the page always lists the providers this binary has. The result,
# ${CMAKE_BINARY_DIR}/logship.1, is part of the default build and `cmake --install` puts it in
# share/man/man1. Without scdoc or python3 the page is skipped with a message: scripts/deps.sh
# installs both, and nothing else in the build depends on the page.
include(GNUInstallDirs)
find_program(LS_SCDOC scdoc)
find_program(LS_PYTHON3 python3)
if(LS_SCDOC AND LS_PYTHON3)
  set(LS_MANPAGE ${CMAKE_BINARY_DIR}/logship.1)
  add_custom_command(OUTPUT ${LS_MANPAGE}
    COMMAND ${LS_PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/gen-provider-docs.py
      --bin $<TARGET_FILE:logship> --man ${CMAKE_SOURCE_DIR}/docs/logship.1.scd
      --scdoc ${LS_SCDOC} -o ${LS_MANPAGE}
    DEPENDS logship ${CMAKE_SOURCE_DIR}/docs/logship.1.scd
      ${CMAKE_SOURCE_DIR}/scripts/gen-provider-docs.py
    COMMENT "Building the logship(1) man page"
    VERBATIM)
  add_custom_target(manpage ALL DEPENDS ${LS_MANPAGE})
  install(FILES ${LS_MANPAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "scdoc or python3 not found: the logship(1) man page is not built "
    "(scripts/deps.sh installs scdoc)")
endif()
