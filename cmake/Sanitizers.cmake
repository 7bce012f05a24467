# BITNET_SANITIZE applies to every target in the tree.
if(BITNET_SANITIZE)
  string(REPLACE ";" "," _bitnet_sanitizers "${BITNET_SANITIZE}")
  add_compile_options(-fsanitize=${_bitnet_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_bitnet_sanitizers})
endif()
