#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'disallowed-capabilities: SYS_ADMIN is rejected in every spelling and container kind' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: SYS_ADMIN with a leading space or in mixed case is still rejected (deny-lists normalise names)' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin_odd_spellings.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[1]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[2]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: CAP_SYS_ADMIN in the settings (Azure spelling) is SYS_ADMIN in the pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"disallowedCapabilities":["cap_sys_admin"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: capabilities that are not disallowed are accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN","NET_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: without settings nothing is disallowed' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: * forbids every added capability' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"disallowed_capabilities":["*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: ALL in the settings forbids every added capability' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"disallowed_capabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: adding ALL is rejected when any capability is disallowed' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_all.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: adding ALL is accepted when nothing is disallowed' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_all.json --settings-json '{"disallowed_capabilities":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: a Deployment adding SYS_ADMIN is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sys_admin.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sys_admin.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"],"excludedNamespaces":["storage"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: a CronJob adding CAP_SYS_ADMIN is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_sys_admin.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: a CronJob adding only allowed capabilities is accepted' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_sys_admin.json --settings-json '{"disallowed_capabilities":["NET_ADMIN","NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: a relabelling UPDATE of a pod already adding SYS_ADMIN is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
  jq -e --arg t 'may not add SYS_ADMIN' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'disallowed-capabilities: an ephemeral debug container adding SYS_ADMIN is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.capabilities.add[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: an exempt image (Azure spelling) skips the debug container' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"],"excludedImages":["nicolaka/netshoot:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: an exempt container name is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_all.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN"],"exempt_container_names":["tools"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'disallowed-capabilities: an empty capability name is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"disallowed_capabilities":["SYS_ADMIN",""]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'disallowed_capabilities: a capability name is empty'* ]]
}

@test 'disallowed-capabilities: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"disallowed_caps":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'disallowed_caps'* ]]
}
