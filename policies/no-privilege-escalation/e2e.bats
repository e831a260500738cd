#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'no-privilege-escalation: allowPrivilegeEscalation true is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_escalation_true.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.allowPrivilegeEscalation'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: allowPrivilegeEscalation false in every container is accepted under the strictest settings' {
  run --separate-stderr kwctl run --request-path test_data/pod_explicit_false.json --settings-json '{"require_explicit_false":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: an unset allowPrivilegeEscalation is accepted by default' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: require_explicit_false rejects an unset allowPrivilegeEscalation' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"require_explicit_false":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.allowPrivilegeEscalation'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.allowPrivilegeEscalation'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: the Azure spelling forcePrivilegeEscalationToBeFalse does the same' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"forcePrivilegeEscalationToBeFalse":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: default_allow_privilege_escalation false sets the unset field, creating securityContext' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_allow_privilege_escalation":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false}},{"op":"add","path":"/spec/containers/1/securityContext/allowPrivilegeEscalation","value":false}]' ]
  jq -e --arg t 'mutated: set spec.containers[0].securityContext.allowPrivilegeEscalation to false' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'no-privilege-escalation: the PSP spelling defaultAllowPrivilegeEscalation mutates a Deployment template, and the mutation wins over require_explicit_false' {
  run --separate-stderr kwctl run --request-path test_data/deployment_unset.json --settings-json '{"defaultAllowPrivilegeEscalation":false,"require_explicit_false":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation","value":false}]' ]
}

@test 'no-privilege-escalation: validate_only rejects instead of mutating' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_allow_privilege_escalation":false,"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.allowPrivilegeEscalation'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.allowPrivilegeEscalation'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: an explicit true is rejected, not rewritten, when defaulting' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_escalation_true.json --settings-json '{"default_allow_privilege_escalation":false}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: a privileged container escalates even with allowPrivilegeEscalation false' {
  run --separate-stderr kwctl run --request-path test_data/pod_privileged_false.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: adding SYS_ADMIN in any spelling escalates even with allowPrivilegeEscalation false' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: a Windows pod is skipped, as PSS does' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows.json --settings-json '{"require_explicit_false":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: a relabelling UPDATE of a pod that already allowed escalation is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'no-privilege-escalation: kubectl debug --profile=sysadmin adding a privileged ephemeral container is rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.privileged'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: an exempt container name is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"exempt_container_names":["mounter","prepare"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: an exempt image pattern (Azure spelling) is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_escalation_true.json --settings-json '{"excludedImages":["registry.example.com/legacy/*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_privileged_false.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'no-privilege-escalation: default_allow_privilege_escalation true is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"default_allow_privilege_escalation":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_allow_privilege_escalation: true contradicts'* ]]
}

@test 'no-privilege-escalation: validate_only without default_allow_privilege_escalation is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"validate_only":true}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'validate_only: has no effect'* ]]
}

@test 'no-privilege-escalation: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unset.json --settings-json '{"allow_privilege_escalation":false}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allow_privilege_escalation'* ]]
}
