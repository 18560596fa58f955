# Runs `trailwall plan` the way a user does and checks its exit codes and output:
# 2 with changes pending, 0 when the firewall already matches, 1 on bad input.
function(expect_run code expected_output)
  execute_process(COMMAND ${TRAILWALL} plan ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "trailwall plan ${ARGN}: exit ${rc}, expected ${code}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${expected_output}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "trailwall plan ${ARGN}: output lacks '${expected_output}':\n${out}${err}")
  endif()
endfunction()

set(ex ${SOURCE_DIR}/examples)
set(cases ${SOURCE_DIR}/tests/data/decisions)
expect_run(2 "+ rule sg-0a1b2c3d4e5f60718-tcp-443"
  --inventory ${ex}/inventory.json --rules ${ex}/rulebase.xml --config ${ex}/trailwall.toml)
expect_run(2 "\"add_rules\": ["
  --output json --offline --inventory ${ex}/inventory.json --config ${ex}/trailwall.toml)
expect_run(0 "No changes"
  --inventory ${cases}/steady-state/inventory.json --rules ${cases}/steady-state/rules.xml
  --config ${cases}/steady-state/config.toml)
expect_run(1 "cannot open"
  --inventory ${cases}/does-not-exist.json)
expect_run(1 "not valid JSON"
  --inventory ${ex}/rulebase.xml)
