# Man pages lenet(1) and lenet-bench(1), written at build time from the
# built binaries' own --help and --version output (cmake/lenet-man.sh:
# the top-level help, then each command's), so the pages cannot drift from
# --help. Installed to share/man/man1. Skipped when cross-compiling (the
# binaries cannot run here), or with -DLENET_MAN=OFF.
option(LENET_MAN "Generate and install the man pages from the binaries' --help" ON)

include(GNUInstallDirs)
if(LENET_MAN AND CMAKE_CROSSCOMPILING)
  message(STATUS "lenet: cross-compiling: no man pages")
elseif(LENET_MAN)
  find_program(LENET_SH sh REQUIRED)
  set(LENET_MAN_DIR ${PROJECT_BINARY_DIR}/man)
  set(LENET_MAN_PAGES)
  # lenet_man(TARGET NAME DESCRIPTION SEE-ALSO...)
  function(lenet_man target name description)
    set(page ${LENET_MAN_DIR}/${name}.1)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${LENET_MAN_DIR}
      COMMAND ${LENET_SH} ${PROJECT_SOURCE_DIR}/cmake/lenet-man.sh
              $<TARGET_FILE:${target}> "${description}" ${page} ${ARGN}
      DEPENDS ${target} ${PROJECT_SOURCE_DIR}/cmake/lenet-man.sh
      COMMENT "Generating ${name}(1) from ${name} --help" VERBATIM)
    set(LENET_MAN_PAGES ${LENET_MAN_PAGES} ${page} PARENT_SCOPE)
  endfunction()
  lenet_man(lenet_cli lenet "train, evaluate and inspect LeNet-class convolutional networks on CPUs"
            lenet-bench)
  lenet_man(lenet_bench lenet-bench "time lenet's kernels, training and inference, and check its numerics" lenet)
  add_custom_target(lenet_man ALL DEPENDS ${LENET_MAN_PAGES})
  install(FILES ${LENET_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT doc)
endif()
