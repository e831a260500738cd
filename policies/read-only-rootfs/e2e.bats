#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'read-only-rootfs: a container with readOnlyRootFilesystem true is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_read_only.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: a container without readOnlyRootFilesystem is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: a container with readOnlyRootFilesystem false is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_false.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with the default on, a pod without securityContext gets readOnlyRootFilesystem true' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext","value":{"readOnlyRootFilesystem":true}}]' ]
  jq -e --arg t 'mutated: set spec.containers[0].securityContext.readOnlyRootFilesystem to true' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'read-only-rootfs: with the default on (PSP spelling), an explicit false is still rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_false.json --settings-json '{"readOnlyRootFilesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with validate_only the missing field is rejected instead of set' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_read_only_root_filesystem":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: init, regular and ephemeral containers are all checked' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.readOnlyRootFilesystem'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.readOnlyRootFilesystem'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with the default on, the ephemeral container'\''s explicit false still blocks the pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with the debugger exempt (Azure spelling), the init container and the sidecar are mutated' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"default_read_only_root_filesystem":true,"excludedContainers":["debugger"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/initContainers/0/securityContext","value":{"readOnlyRootFilesystem":true}},{"op":"add","path":"/spec/containers/1/securityContext/readOnlyRootFilesystem","value":true}]' ]
}

@test 'read-only-rootfs: exempting every offending container by name accepts the pod' {
  run --separate-stderr kwctl run --request-path test_data/pod_all_kinds.json --settings-json '{"exempt_container_names":["migrate","log-shipper","debugger"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: an exempt image pattern is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_false.json --settings-json '{"exempt_images":["nginx:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"excludedNamespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: a Deployment without readOnlyRootFilesystem is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: a Deployment is mutated under spec.template.spec' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem","value":true}]' ]
}

@test 'read-only-rootfs: a CronJob without readOnlyRootFilesystem is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: a CronJob is mutated under spec.jobTemplate.spec.template.spec' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_unset.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/containers/0/securityContext","value":{"readOnlyRootFilesystem":true}}]' ]
}

@test 'read-only-rootfs: a relabelling UPDATE of a pod already writable is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, not blocking this update' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'read-only-rootfs: a scaling UPDATE of a Deployment that already lacked the field is left unchanged' {
  run --separate-stderr kwctl run --request-path test_data/deployment_update_preexisting.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting, left unchanged on update' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'read-only-rootfs: kubectl debug adding an ephemeral container without securityContext is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with the default on, kubectl debug'\''s ephemeral container gets readOnlyRootFilesystem true' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/ephemeralContainers/0/securityContext","value":{"readOnlyRootFilesystem":true}}]' ]
}

@test 'read-only-rootfs: validate_only without the default is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect without default_read_only_root_filesystem'* ]]
}

@test 'read-only-rootfs: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'unknown field `read_only_root_filesystem`'* ]]
}

@test 'read-only-rootfs: a setting of the wrong type is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_read_only_root_filesystem":"yes"}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_read_only_root_filesystem'* ]]
}

@test 'read-only-rootfs: a Windows pod is not required to set readOnlyRootFilesystem (the API server refuses it there)' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with the default on, a Windows pod is not given readOnlyRootFilesystem' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: with validate_only, a Windows pod without readOnlyRootFilesystem is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"default_read_only_root_filesystem":true,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'read-only-rootfs: an explicit readOnlyRootFilesystem false on a Windows pod is still rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_false.json --settings-json '{"default_read_only_root_filesystem":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.readOnlyRootFilesystem'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
