# AddressSanitizer and UBSan for the whole build; scripts/test runs the unit
# tests once with them so that parser bugs show as failures, not as luck.
if(PXECHECK_ENABLE_SANITIZERS)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer builds instrument every library for coverage (fuzzer-no-link), not
# just the target file, or the fuzzer would be blind inside the decoders.
if(PXECHECK_ENABLE_FUZZING)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
