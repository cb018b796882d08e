# One warnings setting for every target of ours: the build stays clean with
# -Wall -Wextra, and CI treats a new warning as an error (PXECHECK_WERROR, off
# unless asked for).
function(pxecheck_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                         -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                         -Wdouble-promotion
                         -Wformat=2 -Wimplicit-fallthrough)
  if(PXECHECK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
