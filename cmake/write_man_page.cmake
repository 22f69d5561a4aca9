# Writes the manual page: `migrasafe man-page` (generated from the help texts)
# into OUT. Run at build time with -DMIGRASAFE=<binary> -DOUT=...
execute_process(COMMAND "${MIGRASAFE}" man-page OUTPUT_FILE "${OUT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUT}")
  message(FATAL_ERROR "`${MIGRASAFE} man-page` failed (${status})")
endif()
