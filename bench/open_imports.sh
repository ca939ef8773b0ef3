#!/usr/bin/env bash
# Issue 14 "must show": from a fresh build, import frameworks and mappings the graph does not ship,
# then list the imports, rebuild, and ask questions that cross them. Prints every step's time.
# Usage: bench/open_imports.sh STORE_DIR   (reference files from $CONTROLGRAPH_REFERENCE or ../shared/reference)
set -euo pipefail
STORE=${1:?store directory}
REF=${CONTROLGRAPH_REFERENCE:-$(cd "$(dirname "$0")/../.." && pwd)/shared/reference}
CG=${CONTROLGRAPH:-controlgraph}
step() {
  local started=$(date +%s.%N)
  echo "\$ controlgraph $*"
  "$CG" --store "$STORE" "$@"
  printf '>> step took %.1f s (wall)\n\n' "$(echo "$(date +%s.%N) - $started" | bc)"
}
rm -rf "$STORE"
step build
step import ciso-yaml "$REF/ciso-assistant/nist-sp-800-53-rev5.yaml"
step import ciso-yaml "$REF/ciso-assistant/soc2_2017_with_rev_2022.yaml" \
                      "$REF/ciso-assistant/mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"
step import oscal-catalog "$REF/nist-sp800-53/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"
step import csf-xlsx "$REF/nist-csf-2.0/csf2-reference-tool-export_2024-06-17.xlsx"
step import oscal-mapping "$REF/csa-ccm-4.0.12/oscal-dataset/ccm-oscal-mappings.json"
step imports
step build
step satisfiers nist-sp-800-53-rev5:AC-2
step coverage --have 'iso27001-2022:A.*' --target soc2-2017-rev-2022
