# libjpeg-turbo through its libjpeg API (jpeglib.h): DCT-domain scaling,
# the Adobe marker, warnings routed to our handler. Debian:
# libjpeg62-turbo-dev.
find_package(JPEG)
if(NOT JPEG_FOUND)
  message(FATAL_ERROR "libjpeg-turbo not found (jpeglib.h and libjpeg): apt-get install libjpeg62-turbo-dev")
endif()
include(CheckSymbolExists)
set(CMAKE_REQUIRED_INCLUDES ${JPEG_INCLUDE_DIRS})
set(CMAKE_REQUIRED_LIBRARIES ${JPEG_LIBRARIES})
check_symbol_exists(jpeg_mem_src "stdio.h;jpeglib.h" LENET_HAVE_JPEG_MEM_SRC)
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_LIBRARIES)
if(NOT LENET_HAVE_JPEG_MEM_SRC)
  message(FATAL_ERROR "${JPEG_LIBRARIES} lacks jpeg_mem_src: lenet needs libjpeg-turbo (libjpeg62-turbo-dev)")
endif()
