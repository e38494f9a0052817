# Warnings on for every target of ours; -Werror only where asked (CI sets it)
# so a newer compiler never breaks a user's build.
option(LENET_WERROR "Treat warnings as errors" OFF)

if(LENET_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(lenet_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
  if(LENET_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
