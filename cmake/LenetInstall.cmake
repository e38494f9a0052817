# `cmake --install BUILD --prefix P`: what a lenet package holds.
#   P/include/lenet/*.h               the public API (version.h generated)
#   P/lib/liblenet.so.0 (+ .so link)  the shared library, ln_* exported alone
#   P/lib/liblenet.a                  the same objects, archived
#   P/lib/pkgconfig/lenet.pc          pkg-config --cflags --libs lenet
#   P/lib/cmake/lenet/                find_package(lenet) -> lenet::lenet (shared),
#                                     lenet::lenet_static
#   P/bin/lenet, lenet-bench, lenet-idx2jpeg
#   P/share/man/man1/lenet.1, lenet-bench.1   (cmake/LenetMan.cmake)
#   P/share/doc/lenet/                README.md, docs/, examples/
#   P/share/lenet/                    the Python and shell tools (tools/, bench/)
# ("lib" is GNUInstallDirs' CMAKE_INSTALL_LIBDIR: lib/<multiarch> for
# prefix /usr on Debian.)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LENET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lenet)

# the package's names: lenet::lenet is the shared library, lenet::lenet_static
# the archive (its INTERFACE links OpenMP, zlib and libjpeg, which
# lenetConfig.cmake finds)
set_target_properties(lenet_shared PROPERTIES EXPORT_NAME lenet)
set_target_properties(lenet PROPERTIES EXPORT_NAME lenet_static)

install(TARGETS lenet_shared EXPORT lenetTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev)
install(TARGETS lenet EXPORT lenetStaticTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(TARGETS lenet_cli lenet_bench lenet_idx2jpeg RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/lenet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/lenet/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lenet
        COMPONENT dev)

install(EXPORT lenetTargets NAMESPACE lenet:: DESTINATION ${LENET_CMAKE_DIR} COMPONENT dev)
install(EXPORT lenetStaticTargets NAMESPACE lenet:: DESTINATION ${LENET_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lenetConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/lenetConfig.cmake INSTALL_DESTINATION ${LENET_CMAKE_DIR})
# 0.x: the soname stays liblenet.so.0, and any 0.y >= the one asked for will do
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lenetConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lenetConfig.cmake ${PROJECT_BINARY_DIR}/lenetConfigVersion.cmake
        DESTINATION ${LENET_CMAKE_DIR} COMPONENT dev)

# pkg-config: paths relative to the .pc file (${pcfiledir}), so the package
# works from wherever `cmake --install --prefix` put it, or moved after.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(LENET_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(LENET_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(LENET_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH up /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  string(REGEX REPLACE "/$" "" up "${up}")
  set(LENET_PC_PREFIX "\${pcfiledir}/${up}")
  set(LENET_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(LENET_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# what a static link (pkg-config --static) adds: zlib, libjpeg, OpenMP's
# flag, libm, and MPI's libraries when built with it (as -l flags, not
# Requires.private: `pkg-config --cflags lenet` then needs no zlib.pc or
# libjpeg.pc, which a user of the shared library may not have)
set(LENET_PC_LIBS_PRIVATE "-ljpeg -lz ${OpenMP_C_FLAGS} -lm")
if(LENET_HAVE_MPI)
  string(JOIN " " LENET_PC_LIBS_PRIVATE ${LENET_PC_LIBS_PRIVATE} ${MPI_C_LINK_FLAGS} ${MPI_C_LIBRARIES})
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/lenet.pc.in ${PROJECT_BINARY_DIR}/lenet.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lenet.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# documentation and the tools
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT doc)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs COMPONENT doc)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT doc
        FILES_MATCHING PATTERN "*.c" PATTERN "CMakeLists.txt" PATTERN "Makefile" PATTERN "build*" EXCLUDE)
file(GLOB LENET_TOOL_SCRIPTS ${PROJECT_SOURCE_DIR}/tools/*.py ${PROJECT_SOURCE_DIR}/bench/*.py
     ${PROJECT_SOURCE_DIR}/bench/*.sh)
install(PROGRAMS ${LENET_TOOL_SCRIPTS} DESTINATION ${CMAKE_INSTALL_DATADIR}/lenet COMPONENT doc)
