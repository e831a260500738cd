#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'sysctls: safe sysctls are accepted by default' {
  run --separate-stderr kwctl run --request-path test_data/pod_safe_sysctls.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: tcp_rmem and tcp_wmem are safe (PSS baseline since Kubernetes 1.32)' {
  run --separate-stderr kwctl run --request-path test_data/pod_tcp_buffers.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: forbidding tcp_wmem rejects it' {
  run --separate-stderr kwctl run --request-path test_data/pod_tcp_buffers.json --settings-json '{"forbidden_sysctls":["net.ipv4.tcp_wmem"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[1].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: unsafe sysctls are rejected by default, the safe one passes' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[1].name'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[2].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: allowed_unsafe_sysctls allows an exact name and a prefix' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{"allowed_unsafe_sysctls":["net.core.somaxconn","kernel.msg*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: PSP spellings, forbidden carves a name out of an allowed prefix' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{"allowedUnsafeSysctls":["kernel.*","net.core.*"],"forbiddenSysctls":["kernel.msgmax"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[2].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: forbidding a safe sysctl rejects it' {
  run --separate-stderr kwctl run --request-path test_data/pod_safe_sysctls.json --settings-json '{"forbidden_sysctls":["net.ipv4.ip_unprivileged_port_start"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: Azure allowedSysctls is the complete list, safe sysctls not listed are rejected' {
  run --separate-stderr kwctl run --request-path test_data/pod_safe_sysctls.json --settings-json '{"allowedSysctls":["net.ipv4.tcp_keepalive_time","net.ipv4.ip_local_reserved_ports"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: Azure'\''s sample, every sysctl allowed but kernel.*' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{"allowedSysctls":["*"],"forbiddenSysctls":["kernel.*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[2].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: a slash-spelled safe sysctl is not safe as written (compared literally, as PSA), nor is an unsafe one' {
  run --separate-stderr kwctl run --request-path test_data/pod_slash_sysctls.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[1].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: an allowed prefix admits only the dotted spelling' {
  run --separate-stderr kwctl run --request-path test_data/pod_slash_sysctls.json --settings-json '{"allowed_unsafe_sysctls":["net.ipv4.conf.*","net/ipv4/ip_local_port_range"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[1].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: a forbidden prefix catches the slash spelling' {
  run --separate-stderr kwctl run --request-path test_data/pod_slash_sysctls.json --settings-json '{"allowed_unsafe_sysctls":["*"],"forbidden_sysctls":["net.ipv4.ip_local_*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: kernel/msgmax is still forbidden by kernel.msg* (deny-lists normalise the name)' {
  run --separate-stderr kwctl run --request-path test_data/pod_slash_kernel_msgmax.json --settings-json '{"allowedSysctls":["*"],"forbiddenSysctls":["kernel.msg*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[0].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: a Deployment'\''s unsafe sysctl is rejected at its template path' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sysctls.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.securityContext.sysctls[1].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: a CronJob'\''s unsafe sysctl is rejected at its job template path' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_sysctls.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.securityContext.sysctls[1].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: container and image exemptions do not exempt pod-level sysctls' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sysctls.json --settings-json '{"exempt_container_names":["postgres"],"excludedImages":["postgres:*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.securityContext.sysctls[1].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/deployment_sysctls.json --settings-json '{"excludedNamespaces":["db"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: a relabelling UPDATE of a pod that already had unsafe sysctls is accepted with warnings' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
  jq -e --arg t 'spec.securityContext.sysctls[2].name: sysctl "kernel.msgmax" is not allowed' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'sysctls: kubectl debug on a pod with unsafe sysctls is judged in full (a new container runs, as PSA judges it)' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[1].name'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.securityContext.sysctls[2].name'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: kubectl debug on a pod whose sysctls are all allowed is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{"allowed_unsafe_sysctls":["net.core.somaxconn","kernel.msgmax"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'sysctls: a name both allowed and forbidden is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{"allowed_unsafe_sysctls":["kernel.msgmax"],"forbidden_sysctls":["kernel.*"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_unsafe_sysctls[0]: "kernel.msgmax" is also forbidden by "kernel.*"'* ]]
}

@test 'sysctls: allowedSysctls combined with allowed_unsafe_sysctls is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{"allowedSysctls":["*"],"allowedUnsafeSysctls":["kernel.sem"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowedSysctls: cannot be combined'* ]]
}

@test 'sysctls: a pattern with a star in the middle is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_unsafe_sysctls.json --settings-json '{"forbidden_sysctls":["net.*.rp_filter"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'forbidden_sysctls[0]'* ]]
}
