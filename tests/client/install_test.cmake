# cmake --install the build into a scratch prefix, build client/examples
# against it (find_package(valkdb)), and run the example against a fresh
# valkdb-server. Every step is bounded.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(f include/valkdb/client/client.h include/valkdb/protocol/resp_value.h
          lib/cmake/valkdb/valkdbConfig.cmake bin/valkdb-cli)
  if(NOT EXISTS ${WORK_DIR}/prefix/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/client/examples -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the example failed:\n${out}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 240)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the example failed:\n${out}")
endif()

# A server on a free port: a shell wrapper reads the port it prints, runs the
# example, and stops the server.
file(WRITE ${WORK_DIR}/run.sh "
set -u
${SERVER} --port 0 > ${WORK_DIR}/server.out 2> ${WORK_DIR}/server.log &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for i in $(seq 100); do
  port=$(head -n1 ${WORK_DIR}/server.out 2>/dev/null)
  [ -n \"$port\" ] && break
  sleep 0.05
done
[ -n \"$port\" ] || { echo 'valkdb-server printed no port'; cat ${WORK_DIR}/server.log; exit 1; }
${WORK_DIR}/build/hello_valkdb 127.0.0.1 \"$port\"
")
execute_process(COMMAND bash ${WORK_DIR}/run.sh RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err TIMEOUT 60)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the example failed: ${rc}")
endif()
if(NOT out MATCHES "GET greeting -> hello from valkdb's C\\+\\+ client")
  message(FATAL_ERROR "unexpected output from the example")
endif()
