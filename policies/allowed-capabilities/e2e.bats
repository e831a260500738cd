#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'allowed-capabilities: an allowed added capability is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a capability that is not allowed is rejected at its index' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: without allowed_capabilities no capability may be added' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: * allows any capability (Azure spelling)' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"allowedCapabilities":["*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: cap_net_admin in the pod is not NET_ADMIN in the settings (compared as written, as PSA)' {
  run --separate-stderr kwctl run --request-path test_data/pod_cap_prefix.json --settings-json '{"allowed_capabilities":["NET_ADMIN"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: * allows a capability in any spelling, but cap_net_raw does not meet a required NET_RAW drop' {
  run --separate-stderr kwctl run --request-path test_data/pod_cap_prefix.json --settings-json '{"allowed_capabilities":["*"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext/capabilities/drop/1","value":"NET_RAW"}]' ]
}

@test 'allowed-capabilities: chown in the pod is not an allowed CHOWN (compared as written, as PSA)' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_chown_lowercase.json --settings-json '{"allowed_capabilities":["CHOWN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: chown in the pod is accepted under "*"' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_chown_lowercase.json --settings-json '{"allowed_capabilities":["*"],"required_drop_capabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: CAP_SYS_TIME in the settings does not allow cap_net_admin' {
  run --separate-stderr kwctl run --request-path test_data/pod_cap_prefix.json --settings-json '{"allowed_capabilities":["CAP_SYS_TIME"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a missing required drop is appended to every container' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_drop.json --settings-json '{"required_drop_capabilities":["cap_net_raw"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/initContainers/0/securityContext/capabilities/drop/1","value":"NET_RAW"},{"op":"add","path":"/spec/containers/0/securityContext","value":{"capabilities":{"drop":["NET_RAW"]}}}]' ]
  jq -e --arg t 'mutated' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-capabilities: ALL in the drop list satisfies every required drop' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["NET_RAW","SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: validate_only rejects a missing required drop instead of adding it' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_drop.json --settings-json '{"required_drop_capabilities":["NET_RAW"],"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.capabilities.drop'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.drop'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: PSS restricted, drop ALL and add NET_BIND_SERVICE, is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["ALL"],"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: drop: [all] does not meet a required ALL under validate_only (PSA requires ALL as written)' {
  run --separate-stderr kwctl run --request-path test_data/pod_drop_all_lowercase.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["ALL"],"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.drop'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: drop: [all] gets ALL appended when a required ALL drop is missing' {
  run --separate-stderr kwctl run --request-path test_data/pod_drop_all_lowercase.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext/capabilities/drop/1","value":"ALL"}]' ]
  jq -e --arg t 'mutated' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-capabilities: a required drop may not be added, in any spelling, even under "*"' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_net_raw.json --settings-json '{"allowed_capabilities":["*"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: ALL required to be dropped does not forbid adding an allowed NET_RAW (cap_net_raw is still not NET_RAW)' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_net_raw.json --settings-json '{"allowed_capabilities":["NET_RAW"],"required_drop_capabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[1].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a default capability is added to containers that do not list it' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_drop.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"default_add_capabilities":["NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/initContainers/0/securityContext/capabilities/add","value":["NET_BIND_SERVICE"]},{"op":"add","path":"/spec/containers/0/securityContext","value":{"capabilities":{"add":["NET_BIND_SERVICE"]}}}]' ]
}

@test 'allowed-capabilities: validate_only rejects a missing default capability instead of adding it' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_drop.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"default_add_capabilities":["NET_BIND_SERVICE"],"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.initContainers[0].securityContext.capabilities.add'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a default capability already added is not added again (settings spellings are normalised)' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"default_add_capabilities":["cap_net_bind_service"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a default capability added under another spelling is still appended' {
  run --separate-stderr kwctl run --request-path test_data/pod_add_chown_lowercase.json --settings-json '{"allowed_capabilities":["*"],"default_add_capabilities":["CHOWN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/containers/0/securityContext/capabilities/add/1","value":"CHOWN"}]' ]
}

@test 'allowed-capabilities: a default capability that is not allowed is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["CHOWN"],"default_add_capabilities":["NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_add_capabilities: NET_BIND_SERVICE is not in allowed_capabilities'* ]]
}

@test 'allowed-capabilities: a default capability that is also a required drop is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"default_add_capabilities":["NET_BIND_SERVICE"],"requiredDropCapabilities":["CAP_NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_add_capabilities'* ]]
}

@test 'allowed-capabilities: a default capability with ALL required to be dropped is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["*"],"default_add_capabilities":["CHOWN"],"required_drop_capabilities":["ALL"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'default_add_capabilities: CHOWN would be dropped'* ]]
}

@test 'allowed-capabilities: a capability both allowed and required to be dropped is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_capabilities":["NET_RAW"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_capabilities: NET_RAW'* ]]
}

@test 'allowed-capabilities: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_allowed.json --settings-json '{"allowed_caps":["NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_caps'* ]]
}

@test 'allowed-capabilities: a Deployment adding NET_ADMIN is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_net_admin.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a Deployment gets its required drop at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_net_admin.json --settings-json '{"allowed_capabilities":["NET_ADMIN"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/capabilities/drop","value":["NET_RAW"]}]' ]
}

@test 'allowed-capabilities: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_net_admin.json --settings-json '{"exempt_namespaces":["monitoring"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a CronJob adding SYS_TIME is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_sys_time.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a CronJob gets ALL dropped (Azure spellings)' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_sys_time.json --settings-json '{"allowedCapabilities":["SYS_TIME"],"requiredDropCapabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/containers/0/securityContext/capabilities/drop","value":["ALL"]}]' ]
}

@test 'allowed-capabilities: a relabelling UPDATE of a pod already adding SYS_ADMIN is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
  jq -e --arg t 'may not add "SYS_ADMIN"' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-capabilities: a relabelling UPDATE does not add a drop that was already missing' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{"allowed_capabilities":["SYS_ADMIN"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'left unchanged' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-capabilities: kubectl debug with the netadmin profile is rejected at the ephemeral container' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.ephemeralContainers[0].securityContext.capabilities.add[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: an ephemeral container gets the required drop, existing containers are left alone' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"allowed_capabilities":["*"],"required_drop_capabilities":["SYS_ADMIN"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output" | base64 -d | jq -cS .)" = '[{"op":"add","path":"/spec/ephemeralContainers/0/securityContext/capabilities/drop","value":["SYS_ADMIN"]}]' ]
}

@test 'allowed-capabilities: an exempt image (Azure spelling) skips the debug container' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"excludedImages":["nicolaka/netshoot:*"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: an exempt container name is skipped' {
  run --separate-stderr kwctl run --request-path test_data/pod_sys_admin.json --settings-json '{"excludedContainers":["mounter"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a Windows pod is neither given a required drop nor a default capability (the API server refuses capabilities there)' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["NET_RAW","MKNOD"],"default_add_capabilities":["NET_BIND_SERVICE"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a Windows pod is not rejected for lacking drop ALL under validate_only (PSS restricted settings)' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_iis.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["ALL"],"validate_only":true}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a capability a Windows pod adds is still judged' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_net_raw.json --settings-json '{"allowed_capabilities":["NET_BIND_SERVICE"],"required_drop_capabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: a Windows pod may not add a required drop, even under "*"' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_net_raw.json --settings-json '{"allowed_capabilities":["*"],"required_drop_capabilities":["NET_RAW"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.containers[0].securityContext.capabilities.add[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'may not add "NET_RAW" (NET_RAW is in required_drop_capabilities)'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-capabilities: an allowed capability on a Windows pod is accepted without a drop appended (Azure restricted list)' {
  run --separate-stderr kwctl run --request-path test_data/pod_windows_net_raw.json --settings-json '{"allowedCapabilities":["NET_BIND_SERVICE","NET_RAW"],"requiredDropCapabilities":["ALL"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}
