# What `cmake --install` puts in place, and how `cpack -G DEB` packages it.
#
#   <prefix>/include/strata/...           the library's headers
#   <prefix>/include/strata/proto/*.pb.h  the generated schema headers
#   <prefix>/<libdir>/libstrata.so*       the library
#   <prefix>/<libdir>/cmake/Strata/       package config: find_package(Strata)
#                                         gives the target strata::strata
#   <prefix>/libexec/strata/<verb>        the tools, under their short names
#   <prefix>/bin/strata-<verb>            links to them (the short names would
#                                         clash with /usr/bin/test and time)
#   <prefix>/share/strata/                docs and the model zoo
include(CMakePackageConfigHelpers)

set(STRATA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Strata)

install(TARGETS strata EXPORT StrataTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/strata
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT runtime)
install(FILES ${PROTO_HDRS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/strata/proto COMPONENT runtime)
install(FILES ${PROTO_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/strata/proto COMPONENT runtime)

install(EXPORT StrataTargets NAMESPACE strata:: DESTINATION ${STRATA_CMAKE_DIR}
  COMPONENT runtime)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/StrataConfig.cmake.in
  ${PROJECT_BINARY_DIR}/StrataConfig.cmake INSTALL_DESTINATION ${STRATA_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/StrataConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/StrataConfig.cmake ${PROJECT_BINARY_DIR}/StrataConfigVersion.cmake
  DESTINATION ${STRATA_CMAKE_DIR} COMPONENT runtime)

if(STRATA_BUILD_TOOLS)
  set(STRATA_TOOL_DIR ${CMAKE_INSTALL_LIBEXECDIR}/strata)
  file(RELATIVE_PATH tool_to_lib /${STRATA_TOOL_DIR} /${CMAKE_INSTALL_LIBDIR})
  foreach(tool ${STRATA_TOOLS})
    set_target_properties(tool_${tool} PROPERTIES INSTALL_RPATH "$ORIGIN/${tool_to_lib}")
    install(TARGETS tool_${tool} RUNTIME DESTINATION ${STRATA_TOOL_DIR} COMPONENT runtime)
    install(CODE "
      set(bin \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
      file(MAKE_DIRECTORY \"\${bin}\")
      file(CREATE_LINK \"../${STRATA_TOOL_DIR}/${tool}\" \"\${bin}/strata-${tool}\" SYMBOLIC)
      message(STATUS \"Installing: \${bin}/strata-${tool} -> ../${STRATA_TOOL_DIR}/${tool}\")"
      COMPONENT runtime)
  endforeach()
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
# The model definitions and their READMEs, not what training left beside them.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${CMAKE_INSTALL_DATADIR}/strata/models
  COMPONENT runtime
  FILES_MATCHING PATTERN "*.prototxt" PATTERN "*.md" PATTERN "*.txt" PATTERN "*.py"
  PATTERN "snapshots" EXCLUDE)

# cpack -G DEB (run in the build directory) writes strata_<version>_<arch>.deb.
set(CPACK_PACKAGE_NAME strata)
set(CPACK_PACKAGE_VENDOR "Strata developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Strata: a layer-by-layer deep-learning framework for the CPU (Caffe-compatible)")
set(CPACK_PACKAGE_CONTACT "Strata developers <strata@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Headers include protobuf's and glog's: a program built against Strata needs them.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libprotobuf-dev, libgoogle-glog-dev")
include(CPack)
