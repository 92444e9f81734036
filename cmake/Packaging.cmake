# Where `cmake --install` puts what is not the binary (cli/CMakeLists.txt installs that into bin/),
# and the Debian package `cpack -G DEB` builds from the same install rules.
include(GNUInstallDirs)

# The man page: written by hand in roff; the build only fills in the version.
configure_file(${PROJECT_SOURCE_DIR}/docs/man/pgproof.1.in ${PROJECT_BINARY_DIR}/docs/man/pgproof.1 @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/docs/man/pgproof.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Shell completion, where bash-completion and zsh look for it. Debian's zsh reads
# /usr/local/share/zsh/site-functions and, for packages, /usr/share/zsh/vendor-completions:
# the folder is chosen when installing, from the prefix (the Debian package installs into /usr).
install(FILES ${PROJECT_SOURCE_DIR}/cli/completion/pgproof.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME pgproof)
install(CODE [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(PGPROOF_ZSH_FOLDER vendor-completions)
  else()
    set(PGPROOF_ZSH_FOLDER site-functions)
  endif()
]])
install(FILES ${PROJECT_SOURCE_DIR}/cli/completion/_pgproof
        DESTINATION "${CMAKE_INSTALL_DATADIR}/zsh/\${PGPROOF_ZSH_FOLDER}")

# README and every reference in docs/ (the format and report specifications).
file(GLOB PGPROOF_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PGPROOF_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# cpack -G DEB: Depends are the Debian packages of the shared libraries the binary links, found by
# dpkg-shlibdeps (package dpkg-dev), plus the PostgreSQL client tools that backup runs (pg_dump).
set(CPACK_PACKAGE_NAME pgproof)
set(CPACK_PACKAGE_VENDOR pgproof)
set(CPACK_PACKAGE_CONTACT "pgproof maintainers <pgproof@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "PostgreSQL backups and deployment checks whose exit code is a proof")
set(CPACK_PACKAGE_DESCRIPTION "Compressed, fingerprinted logical backups (pg_dump plain format in zstd frames),\
 archive checks without a database, post-migration verification that no row was lost,\
 parallel restores proven equal to the backup, and timed restore drills.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "postgresql-client")
set(CPACK_STRIP_FILES ON)
# cpack packages what was built (cmake --build first) instead of rebuilding every target, tests included.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
