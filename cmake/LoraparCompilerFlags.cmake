# Compiler flags shared by the native targets.
function(lorapar_set_c_flags target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Wno-unused-parameter -fno-strict-aliasing>
    $<$<AND:$<COMPILE_LANGUAGE:C,CXX>,$<CONFIG:Release>>:-O3 -march=x86-64-v3 -mtune=generic>)
endfunction()
