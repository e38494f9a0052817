# MPI for data-parallel training across processes (src/dist/dist_mpi.c).
# -DLENET_MPI=AUTO (default): used when find_package(MPI COMPONENTS C)
# finds it (Debian: libopenmpi-dev openmpi-bin), never when cross-compiling
# (the host's mpicc would hand out the host's libraries); ON: required; OFF:
# never. Without MPI the build is src/dist/dist_none.c: one process, and
# `lenet info` says "mpi: no".
#
# Sets LENET_DIST_SOURCE (the dist implementation to compile),
# LENET_HAVE_MPI (ON/OFF) and LENET_MPIEXEC (the launcher, for tests); call
# lenet_link_mpi(target) on each target built from or linking the sources.
set(LENET_MPI AUTO CACHE STRING "Build with MPI (data-parallel training across processes): ON, OFF or AUTO")
set_property(CACHE LENET_MPI PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${LENET_MPI}" _lenet_mpi)

set(LENET_HAVE_MPI OFF)
if(_lenet_mpi STREQUAL "ON" OR (_lenet_mpi STREQUAL "AUTO" AND NOT CMAKE_CROSSCOMPILING))
  find_package(MPI COMPONENTS C)
  if(MPI_C_FOUND)
    set(LENET_HAVE_MPI ON)
  elseif(_lenet_mpi STREQUAL "ON")
    message(FATAL_ERROR "LENET_MPI=ON but no MPI for C was found (apt-get install libopenmpi-dev openmpi-bin)")
  endif()
elseif(NOT _lenet_mpi MATCHES "^(AUTO|OFF)$")
  message(FATAL_ERROR "LENET_MPI must be ON, OFF or AUTO (not '${LENET_MPI}')")
endif()

if(LENET_HAVE_MPI)
  set(LENET_DIST_SOURCE ${PROJECT_SOURCE_DIR}/src/dist/dist_mpi.c)
  set(LENET_MPIEXEC "${MPIEXEC_EXECUTABLE}")
  message(STATUS "lenet: MPI ${MPI_C_VERSION} (${MPI_C_LIBRARIES}); launcher ${MPIEXEC_EXECUTABLE}")
else()
  set(LENET_DIST_SOURCE ${PROJECT_SOURCE_DIR}/src/dist/dist_none.c)
  set(LENET_MPIEXEC "")
  message(STATUS "lenet: without MPI (one process per run)")
endif()

# lenet_link_mpi(TARGET [PUBLIC|PRIVATE]): MPI's headers and libraries for
# TARGET (PUBLIC unless told).
function(lenet_link_mpi target)
  set(scope PUBLIC)
  if(ARGC GREATER 1)
    set(scope ${ARGV1})
  endif()
  if(LENET_HAVE_MPI)
    target_link_libraries(${target} ${scope} MPI::MPI_C)
  endif()
endfunction()
