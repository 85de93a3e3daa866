# Runs inside `cmake --install` (see deploy/CMakeLists.txt), where
# CMAKE_INSTALL_PREFIX is the prefix of this install, --prefix included.
# Fills @CMAKE_INSTALL_FULL_BINDIR@ and @CMAKE_INSTALL_FULL_DOCDIR@ in the
# unit templates and installs the results (file(INSTALL) adds DESTDIR and
# records them in install_manifest.txt).

function(praxis_full_path out rel)
  if(IS_ABSOLUTE "${rel}")
    set(${out} "${rel}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${rel}" PARENT_SCOPE)
  endif()
endfunction()

praxis_full_path(CMAKE_INSTALL_FULL_BINDIR "${PRAXIS_BINDIR}")
praxis_full_path(CMAKE_INSTALL_FULL_DOCDIR "${PRAXIS_DOCDIR}")
praxis_full_path(_system_dir "${PRAXIS_SYSTEMD_SYSTEM_UNIT_DIR}")
praxis_full_path(_user_dir "${PRAXIS_SYSTEMD_USER_UNIT_DIR}")

configure_file("${PRAXIS_UNIT_SOURCE_DIR}/praxisd.service.in"
               "${PRAXIS_UNIT_STAGING_DIR}/user/praxisd.service" @ONLY)
configure_file("${PRAXIS_UNIT_SOURCE_DIR}/praxisd-seed.service.in"
               "${PRAXIS_UNIT_STAGING_DIR}/system/praxisd-seed.service" @ONLY)

file(INSTALL "${PRAXIS_UNIT_STAGING_DIR}/user/praxisd.service"
     DESTINATION "${_user_dir}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${PRAXIS_UNIT_STAGING_DIR}/system/praxisd-seed.service"
     DESTINATION "${_system_dir}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
