#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'runtime-class: without settings any runtime class is accepted and nothing is mutated' {
  run --separate-stderr kwctl run --request-path test_data/pod_nvidia.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: without settings a pod without runtimeClassName is left alone' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: an allowed runtime class is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_kata.json --settings-json '{"allowed_runtime_class_names":["gvisor","kata-qemu"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: a runtime class outside the list is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_nvidia.json --settings-json '{"allowed_runtime_class_names":["gvisor","kata-qemu"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.runtimeClassName'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: * alone (PSP spelling allowedRuntimeClassNames) allows any runtime class' {
  run --separate-stderr kwctl run --request-path test_data/pod_nvidia.json --settings-json '{"allowedRuntimeClassNames":["*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: an empty list rejects any runtimeClassName, here in a CronJob' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_runc.json --settings-json '{"allowed_runtime_class_names":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.runtimeClassName'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: an empty list accepts a pod without runtimeClassName' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"allowed_runtime_class_names":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: the default runtime class is set on a pod that omits it' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_runtime_class_names":["gvisor","kata-qemu"],"default_runtime_class_name":"gvisor"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/runtimeClassName","value":"gvisor"}]' ]
  jq -e --arg t 'mutated: set spec.runtimeClassName to "gvisor"' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'runtime-class: the default (PSP spelling defaultRuntimeClassName) is set in a Deployment template' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"defaultRuntimeClassName":"gvisor"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/runtimeClassName","value":"gvisor"}]' ]
}

@test 'runtime-class: a permitted explicit runtime class is never rewritten to the default' {
  run --separate-stderr kwctl run --request-path test_data/pod_kata.json --settings-json '{"allowed_runtime_class_names":["gvisor","kata-qemu"],"default_runtime_class_name":"gvisor"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: a forbidden explicit runtime class is rejected, not rewritten' {
  run --separate-stderr kwctl run --request-path test_data/pod_nvidia.json --settings-json '{"allowed_runtime_class_names":["gvisor"],"default_runtime_class_name":"gvisor"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.runtimeClassName'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: validate_only rejects a pod without runtimeClassName instead of setting the default' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_runtime_class_name":"gvisor","validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.runtimeClassName'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: a relabelling UPDATE of a pod that already used a forbidden runtime class is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{"allowed_runtime_class_names":["gvisor"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'runtime-class: kubectl debug on a pod without runtimeClassName is rejected under a default, which a running pod cannot take' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"default_runtime_class_name":"gvisor"}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.runtimeClassName'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_nvidia.json --settings-json '{"allowed_runtime_class_names":[],"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'runtime-class: * mixed with names is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_runtime_class_names":["*","gvisor"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_runtime_class_names: `*` allows any runtime class and must stand alone'* ]]
}

@test 'runtime-class: an empty runtime class name is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_runtime_class_names":["gvisor",""]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_runtime_class_names[1]: a runtime class name is empty'* ]]
}

@test 'runtime-class: a name that is not a DNS subdomain is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_runtime_class_names":["Kata"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'is not a valid RuntimeClass name'* ]]
}

@test 'runtime-class: a default that is not allowed is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allowed_runtime_class_names":["kata-qemu"],"default_runtime_class_name":"gvisor"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_runtime_class_name: "gvisor" is not in allowed_runtime_class_names'* ]]
}

@test 'runtime-class: validate_only without a default is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect'* ]]
}

@test 'runtime-class: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"runtime_class_names":["gvisor"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'runtime_class_names'* ]]
}
