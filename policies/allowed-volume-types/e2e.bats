#!/usr/bin/env bats
# Generated from test_data/cases.yml by `palisade bats`; do not edit.
# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats

bats_require_minimum_version 1.5.0

policy() { echo "${POLICY_WASM:-annotated-policy.wasm}"; }

@test 'allowed-volume-types: with no settings, a pod using all nine PSS restricted volume types, image included, is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_pss_volumes.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: with no settings, a hostPath volume is rejected (PSS restricted default)' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: an explicit allowed_types list replaces the default' {
  run --separate-stderr kwctl run --request-path test_data/pod_pss_volumes.json --settings-json '{"allowed_types":["configMap","secret","emptyDir","projected","downwardAPI","persistentVolumeClaim"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[6]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[7]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[8]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: the list of PSS restricted before image volumes rejects an image volume' {
  run --separate-stderr kwctl run --request-path test_data/pod_pss_volumes.json --settings-json '{"allowed_types":["configMap","csi","downwardAPI","emptyDir","ephemeral","persistentVolumeClaim","projected","secret"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[8]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: an nfs volume in a Deployment is rejected at its template path (Kubewarden allowedTypes)' {
  run --separate-stderr kwctl run --request-path test_data/deployment_nfs.json --settings-json '{"allowedTypes":["configMap","secret","persistentVolumeClaim"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.template.spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: the same Deployment is accepted once nfs is listed (PSP volumes spelling)' {
  run --separate-stderr kwctl run --request-path test_data/deployment_nfs.json --settings-json '{"volumes":["configMap","nfs"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: an nfs volume in a CronJob is rejected at its job template path (Azure allowedVolumeTypes)' {
  run --separate-stderr kwctl run --request-path test_data/cronjob_nfs.json --settings-json '{"allowedVolumeTypes":["configMap","csi","downwardAPI","emptyDir","ephemeral","persistentVolumeClaim","projected","secret"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.jobTemplate.spec.template.spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: * allows every volume type' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"allowed_types":["*"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: an explicit empty list allows no volume at all' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"allowed_types":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: a pod without volumes is accepted even by an empty list' {
  run --separate-stderr kwctl run --request-path test_data/pod_no_volumes.json --settings-json '{"allowed_types":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: flexVolume volumes are rejected by the default list' {
  run --separate-stderr kwctl run --request-path test_data/pod_flexvolume.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0]'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: with flexVolume allowed and no driver list, any driver is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_flexvolume.json --settings-json '{"allowed_types":["flexVolume"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: allowedFlexVolumes (Kubewarden and PSP shape) rejects an unlisted driver' {
  run --separate-stderr kwctl run --request-path test_data/pod_flexvolume.json --settings-json '{"allowedTypes":["flexVolume"],"allowedFlexVolumes":[{"driver":"example.com/lvm"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].flexVolume.driver'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: allowedFlexVolumeDrivers (Azure shape) listing both drivers accepts' {
  run --separate-stderr kwctl run --request-path test_data/pod_flexvolume.json --settings-json '{"allowedVolumeTypes":["*"],"allowedFlexVolumeDrivers":["example.com/lvm","fstab/cifs"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: allowed_flex_volume_drivers empty allows no flexVolume driver' {
  run --separate-stderr kwctl run --request-path test_data/pod_flexvolume.json --settings-json '{"allowed_types":["flexVolume"],"allowed_flex_volume_drivers":[]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[0].flexVolume.driver'* ]]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].flexVolume.driver'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: inline CSI volumes are accepted by the default list with any driver' {
  run --separate-stderr kwctl run --request-path test_data/pod_csi_inline.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: allowedCSIDrivers (PSP shape) rejects an unlisted inline CSI driver' {
  run --separate-stderr kwctl run --request-path test_data/pod_csi_inline.json --settings-json '{"allowedCSIDrivers":[{"name":"secrets-store.csi.k8s.io"}]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1].csi.driver'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: allowed_csi_drivers listing both drivers accepts' {
  run --separate-stderr kwctl run --request-path test_data/pod_csi_inline.json --settings-json '{"allowed_csi_drivers":["secrets-store.csi.k8s.io","inline.storage.example.com"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: a relabelling UPDATE of a pod that already had a hostPath volume is accepted with a warning' {
  run --separate-stderr kwctl run --request-path test_data/pod_update_preexisting.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-volume-types: an UPDATE changing the path of a hostPath volume under the same name only warns here (host-filesystem judges the path)' {
  run --separate-stderr kwctl run --request-path test_data/deployment_update_hostpath_path_changed.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  jq -e --arg t 'preexisting' 'any(.warnings[]; contains($t))' <<<"$output"
}

@test 'allowed-volume-types: kubectl debug on a pod with a hostPath volume is judged in full and rejected (it adds a container)' {
  run --separate-stderr kwctl run --request-path test_data/pod_ephemeral_debug.json --settings-json '{}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: an exempt namespace is accepted' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"exempt_namespaces":["default"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: exempting the only container does not exempt the pod'\''s volumes' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"excludedContainers":["reader"]}' "$(policy)"
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == *'spec.volumes[1]'* ]]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test 'allowed-volume-types: a volume type in the wrong case is refused with the right spelling' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"volumes":["configmap","secret"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'did you mean "configMap"'* ]]
}

@test 'allowed-volume-types: a driver list whose volume type is not allowed is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_flexvolume.json --settings-json '{"allowedFlexVolumes":[{"driver":"example.com/lvm"}]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_flex_volume_drivers: is set, but allowed_types does not allow flexVolume'* ]]
}

@test 'allowed-volume-types: two spellings of the same setting are refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"volumes":["*"],"allowedTypes":["*"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'duplicate field'* ]]
}

@test 'allowed-volume-types: an unknown setting is refused' {
  run --separate-stderr kwctl run --request-path test_data/pod_hostpath.json --settings-json '{"allowed_volume_types":["*"]}' "$(policy)"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'allowed_volume_types'* ]]
}
